//! Text in the PNGs without system fonts: the 8 x 8 bitmap glyphs of `font8x8` (ASCII, Greek,
//! Latin-1), each set bit drawn as a `scale x scale` block. Enough for axis numbers, axis names,
//! panel titles and legends.

use font8x8::{UnicodeFonts, BASIC_FONTS, GREEK_FONTS, LATIN_FONTS};
use plotters::coord::Shift;
use plotters::prelude::*;

/// Glyph size in pixels at scale 1.
pub const GLYPH: i32 = 8;

/// Width of `text` in pixels at `scale`.
pub fn width(text: &str, scale: i32) -> i32 {
    text.chars().count() as i32 * GLYPH * scale
}

/// The bitmap of `c`, or of `?` for characters the fonts lack.
fn glyph(c: char) -> [u8; 8] {
    BASIC_FONTS
        .get(c)
        .or_else(|| GREEK_FONTS.get(c))
        .or_else(|| LATIN_FONTS.get(c))
        .or_else(|| BASIC_FONTS.get('?'))
        .unwrap_or([0; 8])
}

/// Draw `text` with its top-left corner at `(x, y)`.
pub fn draw<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    (x, y): (i32, i32),
    text: &str,
    colour: RGBColor,
    scale: i32,
) -> Result<(), String> {
    for (k, c) in text.chars().enumerate() {
        let left = x + k as i32 * GLYPH * scale;
        for (row, bits) in glyph(c).iter().enumerate() {
            for col in 0..8 {
                // Bit 0 is the leftmost pixel.
                if bits & (1 << col) != 0 {
                    let (px, py) = (left + col * scale, y + row as i32 * scale);
                    area.draw(&Rectangle::new(
                        [(px, py), (px + scale, py + scale)],
                        colour.filled(),
                    ))
                    .map_err(|e| e.to_string())?;
                }
            }
        }
    }
    Ok(())
}

/// A number as an axis label: at most four significant digits, plain between 1e-3 and 1e5,
/// otherwise `1.5e-7`.
pub fn number(v: f64) -> String {
    if v == 0.0 || !v.is_finite() {
        return format!("{v}");
    }
    let a = v.abs();
    if (1e-3..1e5).contains(&a) {
        let decimals = (3 - a.log10().floor() as i32).clamp(0, 6) as usize;
        let s = format!("{v:.decimals$}");
        let s = if s.contains('.') {
            s.trim_end_matches('0').trim_end_matches('.').to_string()
        } else {
            s
        };
        if s == "-0" {
            "0".into()
        } else {
            s
        }
    } else {
        let s = format!("{v:.2e}");
        let (mantissa, exponent) = s.split_once('e').unwrap_or((&s, "0"));
        let mantissa = mantissa.trim_end_matches('0').trim_end_matches('.');
        format!("{mantissa}e{exponent}")
    }
}

#[cfg(test)]
mod tests {
    use super::number;

    #[test]
    fn numbers_are_short() {
        for (v, s) in [
            (0.0, "0"),
            (1.0, "1"),
            (0.5, "0.5"),
            (123.456, "123.5"),
            (-0.014, "-0.014"),
            (2.5e-7, "2.5e-7"),
            (1e-5, "1e-5"),
            (3.0e6, "3e6"),
            (400.0, "400"),
        ] {
            assert_eq!(number(v), s, "{v}");
        }
    }
}
