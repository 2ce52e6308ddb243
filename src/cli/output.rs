//! Reading and writing arrays (`.npy`, which numpy reads) and heat maps, atomically.

use plotters::style::RGBColor;
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
fn ramp(t: f64) -> RGBColor {
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
    RGBColor(mix(a.0, b.0), mix(a.1, b.1), mix(a.2, b.2))
}

/// One heat-map panel: `values[row][col]`, rows drawn bottom to top.
pub struct Panel<'a> {
    /// Row-major values.
    pub values: &'a [f64],
    /// Number of rows.
    pub rows: usize,
    /// Number of columns.
    pub cols: usize,
}

/// `values` (`rows x cols`, row-major) transposed, so that a landscape stored `[x, y]` is drawn
/// with `x` horizontal.
pub fn transpose(values: &[f64], rows: usize, cols: usize) -> Vec<f64> {
    (0..cols)
        .flat_map(|c| (0..rows).map(move |r| values[r * cols + c]))
        .collect()
}

/// The smallest and largest value over all panels, NaN ignored (an empty or constant range is
/// widened).
fn range(panels: &[Panel]) -> (f64, f64) {
    let (lo, hi) = panels
        .iter()
        .flat_map(|p| p.values.iter())
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &v| {
            (a.min(v), b.max(v))
        });
    if hi > lo {
        (lo, hi)
    } else {
        (lo, lo + 1.0)
    }
}

/// Colour of a cell whose value is NaN (a fixed site, left out of the colour scale).
const NOT_SHOWN: RGBColor = RGBColor(200, 200, 200);

/// Heat maps side by side on one colour scale, with a colour bar on the right; each cell a
/// block of pixels, NaN cells grey. Panels of one figure share their shape.
pub fn write_panels(path: &Path, panels: &[Panel]) -> Result<(), String> {
    use plotters::prelude::*;
    let (rows, cols) = (panels[0].rows, panels[0].cols);
    let cell = (480 / cols.max(rows).max(1)).clamp(2, 40) as i32;
    let (w, h) = (cols as i32 * cell, rows as i32 * cell);
    let (gap, bar) = (12, 24);
    let width = panels.len() as i32 * (w + gap) + bar;
    let (lo, hi) = range(panels);
    atomically(path, |tmp| {
        let err = |e: &dyn std::fmt::Display| format!("{}: {e}", path.display());
        let root = BitMapBackend::new(tmp, (width as u32, h as u32)).into_drawing_area();
        root.fill(&WHITE).map_err(|e| err(&e))?;
        for (k, panel) in panels.iter().enumerate() {
            let left = k as i32 * (w + gap);
            for r in 0..rows {
                for c in 0..cols {
                    let value = panel.values[r * cols + c];
                    let colour = if value.is_nan() {
                        NOT_SHOWN
                    } else {
                        ramp((value - lo) / (hi - lo))
                    };
                    let y0 = (rows - 1 - r) as i32 * cell;
                    let x0 = left + c as i32 * cell;
                    root.draw(&Rectangle::new(
                        [(x0, y0), (x0 + cell, y0 + cell)],
                        colour.filled(),
                    ))
                    .map_err(|e| err(&e))?;
                }
            }
        }
        let x0 = panels.len() as i32 * (w + gap);
        for py in 0..h {
            let t = 1.0 - py as f64 / h.max(1) as f64;
            root.draw(&Rectangle::new(
                [(x0, py), (x0 + bar, py + 1)],
                ramp(t).filled(),
            ))
            .map_err(|e| err(&e))?;
        }
        root.present().map_err(|e| err(&e))
    })
}

/// A heat map of `values[row][col]` (rows = phi, drawn bottom to top; columns = E), with a
/// colour bar on the right.
pub fn write_heatmap(path: &Path, values: &[f64], rows: usize, cols: usize) -> Result<(), String> {
    write_panels(path, &[Panel { values, rows, cols }])
}

/// How a curve plot's vertical axis is drawn.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum YAxis {
    /// Linear, with a grey line at zero when zero is in range.
    Linear,
    /// `log10`, with grey lines at each decade (values floored at 1e-300).
    Log,
}

/// Curves over the index `0..n` on a log axis (cost histories).
pub fn write_log_curves(path: &Path, curves: &[(&[f64], RGBColor)]) -> Result<(), String> {
    let n = curves.iter().map(|(c, _)| c.len()).max().unwrap_or(1);
    let x: Vec<f64> = (0..n).map(|i| i as f64).collect();
    write_curves(path, &x, curves, YAxis::Log)
}

/// Curves `y(x)` sharing the abscissae `x` (a curve may be shorter), 640 x 400 pixels, no text:
/// the README says what each colour is.
pub fn write_curves(
    path: &Path,
    x: &[f64],
    curves: &[(&[f64], RGBColor)],
    axis: YAxis,
) -> Result<(), String> {
    let points: Vec<Vec<(f64, f64)>> = curves
        .iter()
        .map(|(c, _)| x.iter().copied().zip(c.iter().copied()).collect())
        .collect();
    let with_colours: Vec<(&[(f64, f64)], RGBColor)> = points
        .iter()
        .zip(curves)
        .map(|(p, (_, colour))| (p.as_slice(), *colour))
        .collect();
    write_xy_curves(path, &with_colours, axis)
}

/// Curves of `(x, y)` points each (cost against wall time, say), 640 x 400 pixels, no text.
pub fn write_xy_curves(
    path: &Path,
    curves: &[(&[(f64, f64)], RGBColor)],
    axis: YAxis,
) -> Result<(), String> {
    use plotters::prelude::*;
    let map = |v: f64| match axis {
        YAxis::Linear => v,
        YAxis::Log => v.max(1e-300).log10(),
    };
    let points = || curves.iter().flat_map(|(c, _)| c.iter());
    let (lo, hi) = points().fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), p| {
        (a.min(map(p.1)), b.max(map(p.1)))
    });
    let (x0, x1) = points().fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), p| {
        (a.min(p.0), b.max(p.0))
    });
    let (lo, hi) = match axis {
        YAxis::Log => (lo.floor(), hi.ceil()),
        YAxis::Linear => (lo - 0.05 * (hi - lo), hi + 0.05 * (hi - lo)),
    };
    let (lo, hi) = if hi > lo {
        (lo, hi)
    } else {
        (lo - 1.0, lo + 1.0)
    };
    let x1 = x1.max(x0 + f64::EPSILON);
    atomically(path, |tmp| {
        let err = |e: &dyn std::fmt::Display| format!("{}: {e}", path.display());
        let root = BitMapBackend::new(tmp, (640, 400)).into_drawing_area();
        root.fill(&WHITE).map_err(|e| err(&e))?;
        let mut chart = ChartBuilder::on(&root)
            .margin(16)
            .build_cartesian_2d(x0..x1, lo..hi)
            .map_err(|e| err(&e))?;
        let grey = RGBColor(220, 220, 220);
        let guides: Vec<f64> = match axis {
            YAxis::Log => ((lo as i64)..=(hi as i64)).map(|d| d as f64).collect(),
            YAxis::Linear => [0.0]
                .into_iter()
                .filter(|z| (lo..=hi).contains(z))
                .collect(),
        };
        for y in guides {
            chart
                .draw_series(LineSeries::new(vec![(x0, y), (x1, y)], grey))
                .map_err(|e| err(&e))?;
        }
        for (curve, colour) in curves {
            let points = curve.iter().map(|&(x, y)| (x, map(y)));
            chart
                .draw_series(LineSeries::new(points, colour.stroke_width(2)))
                .map_err(|e| err(&e))?;
        }
        root.present().map_err(|e| err(&e))
    })
}

/// Atom configurations in the `side x side` box, one square panel of 320 x 320 pixels per entry
/// side by side, each atom a filled dot; a panel may overlay several sets of atoms.
pub fn write_points(
    path: &Path,
    side: f64,
    panels: &[Vec<(&[f64], RGBColor)>],
) -> Result<(), String> {
    use plotters::prelude::*;
    let (size, gap) = (320i32, 12i32);
    let width = panels.len().max(1) as i32 * (size + gap) - gap;
    let scale = |v: f64| (v.rem_euclid(side) / side * (size - 8) as f64) as i32 + 4;
    atomically(path, |tmp| {
        let err = |e: &dyn std::fmt::Display| format!("{}: {e}", path.display());
        let root = BitMapBackend::new(tmp, (width as u32, size as u32)).into_drawing_area();
        root.fill(&WHITE).map_err(|e| err(&e))?;
        for (k, sets) in panels.iter().enumerate() {
            let left = k as i32 * (size + gap);
            root.draw(&Rectangle::new(
                [(left, 0), (left + size - 1, size - 1)],
                RGBColor(180, 180, 180),
            ))
            .map_err(|e| err(&e))?;
            for (positions, colour) in sets {
                for atom in positions.chunks(2) {
                    let centre = (left + scale(atom[0]), size - scale(atom[1]));
                    root.draw(&Circle::new(centre, 3, colour.filled()))
                        .map_err(|e| err(&e))?;
                }
            }
        }
        root.present().map_err(|e| err(&e))
    })
}

/// `value` as pretty JSON, atomically.
pub fn write_json(path: &Path, value: &impl serde::Serialize) -> Result<(), String> {
    let text =
        serde_json::to_string_pretty(value).map_err(|e| format!("{}: {e}", path.display()))?;
    write_text(path, &(text + "\n"))
}

/// `text` (Markdown, say), atomically.
pub fn write_text(path: &Path, text: &str) -> Result<(), String> {
    atomically(path, |tmp| {
        fs::write(tmp, text).map_err(|e| format!("{}: {e}", path.display()))
    })
}
