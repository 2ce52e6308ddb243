//! Reading and writing arrays (`.npy`, which numpy reads) and heat maps, atomically.

use std::fs;
use std::path::{Path, PathBuf};

/// A float64 array and its shape from a `.npy` file.
pub fn read_npy(path: &Path) -> Result<(Vec<f64>, Vec<u64>), String> {
    let bytes = fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let npy = npyz::NpyFile::new(&bytes[..])
        .map_err(|e| format!("{}: not a .npy file ({e})", path.display()))?;
    let shape = npy.shape().to_vec();
    if npy.order() != npyz::Order::C {
        return Err(format!(
            "{}: Fortran-ordered arrays are not supported; save with numpy's default (C) order",
            path.display()
        ));
    }
    let data: Vec<f64> = npy
        .into_vec()
        .map_err(|e| format!("{}: expected float64 data ({e})", path.display()))?;
    Ok((data, shape))
}

/// A sibling temporary path with the same extension (encoders choose by extension).
fn temporary(path: &Path) -> PathBuf {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    path.with_file_name(format!(".tmp-{}-{name}", std::process::id()))
}

/// Write through a temporary file renamed into place: a failed run leaves no half-written file.
fn atomically(path: &Path, write: impl FnOnce(&Path) -> Result<(), String>) -> Result<(), String> {
    let tmp = temporary(path);
    match write(&tmp)
        .and_then(|_| fs::rename(&tmp, path).map_err(|e| format!("{}: {e}", path.display())))
    {
        Ok(()) => Ok(()),
        Err(e) => {
            let _ = fs::remove_file(&tmp);
            Err(e)
        }
    }
}

/// `data` as a float64 `.npy` of the given shape.
pub fn write_npy(path: &Path, data: &[f64], shape: &[u64]) -> Result<(), String> {
    atomically(path, |tmp| {
        let file = fs::File::create(tmp).map_err(|e| format!("{}: {e}", path.display()))?;
        use npyz::WriterBuilder;
        let mut w = npyz::WriteOptions::<f64>::new()
            .default_dtype()
            .shape(shape)
            .writer(std::io::BufWriter::new(file))
            .begin_nd()
            .map_err(|e| format!("{}: {e}", path.display()))?;
        w.extend(data.iter().copied())
            .map_err(|e| format!("{}: {e}", path.display()))?;
        w.finish().map_err(|e| format!("{}: {e}", path.display()))
    })
}

/// A viridis-like colour ramp, `t` in [0, 1].
fn ramp(t: f64) -> plotters::style::RGBColor {
    const STOPS: [(f64, f64, f64); 5] = [
        (68.0, 1.0, 84.0),
        (59.0, 82.0, 139.0),
        (33.0, 145.0, 140.0),
        (94.0, 201.0, 98.0),
        (253.0, 231.0, 37.0),
    ];
    let t = t.clamp(0.0, 1.0) * (STOPS.len() - 1) as f64;
    let i = (t.floor() as usize).min(STOPS.len() - 2);
    let f = t - i as f64;
    let mix = |a: f64, b: f64| (a + (b - a) * f).round() as u8;
    let (a, b) = (STOPS[i], STOPS[i + 1]);
    plotters::style::RGBColor(mix(a.0, b.0), mix(a.1, b.1), mix(a.2, b.2))
}

/// A heat map of `values[row][col]` (rows = phi, drawn bottom to top; columns = E), each cell
/// a block of pixels, with a colour bar on the right.
pub fn write_heatmap(path: &Path, values: &[f64], rows: usize, cols: usize) -> Result<(), String> {
    use plotters::prelude::*;
    let cell = (480 / cols.max(1)).clamp(2, 40) as u32;
    let (w, h) = (cols as u32 * cell, rows as u32 * cell);
    let bar = 24u32;
    let (lo, hi) = values
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &v| {
            (a.min(v), b.max(v))
        });
    let span = if hi > lo { hi - lo } else { 1.0 };
    atomically(path, |tmp| {
        let err = |e: &dyn std::fmt::Display| format!("{}: {e}", path.display());
        let root = BitMapBackend::new(tmp, (w + bar + 8, h)).into_drawing_area();
        root.fill(&WHITE).map_err(|e| err(&e))?;
        for r in 0..rows {
            for c in 0..cols {
                let t = (values[r * cols + c] - lo) / span;
                let y0 = (rows - 1 - r) as i32 * cell as i32;
                let x0 = c as i32 * cell as i32;
                root.draw(&Rectangle::new(
                    [(x0, y0), (x0 + cell as i32, y0 + cell as i32)],
                    ramp(t).filled(),
                ))
                .map_err(|e| err(&e))?;
            }
        }
        for py in 0..h {
            let t = 1.0 - py as f64 / h.max(1) as f64;
            let x0 = (w + 8) as i32;
            root.draw(&Rectangle::new(
                [(x0, py as i32), (x0 + bar as i32, py as i32 + 1)],
                ramp(t).filled(),
            ))
            .map_err(|e| err(&e))?;
        }
        root.present().map_err(|e| err(&e))
    })
}
