//! The PNG figures: curves with numbered axes, axis names and a legend; heat-map panels with
//! titles, numbered and named axes, a numbered and named colour bar, marks and a legend;
//! atom configurations. Text comes from bitmap glyphs
//! ([`super::text`]); every file is written atomically.

use super::output::atomically;
use super::text::{self, number};
use plotters::coord::Shift;
use plotters::prelude::*;
use std::path::Path;

const INK: RGBColor = RGBColor(40, 40, 40);
const GUIDE: RGBColor = RGBColor(225, 225, 225);
/// Curves with more points than this are too dense for markers.
const MAX_MARKERS: usize = 160;

/// Black marks the reference curve of a plot (target, truth, measurement) in every figure.
fn is_reference(colour: &RGBColor) -> bool {
    (colour.0, colour.1, colour.2) == (0, 0, 0)
}
const FRAME: RGBColor = RGBColor(160, 160, 160);

fn fail(path: &Path) -> impl Fn(&dyn std::fmt::Display) -> String + '_ {
    move |e| format!("{}: {e}", path.display())
}

/// How a curve plot's vertical axis is drawn.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum YAxis {
    /// Linear.
    Linear,
    /// `log10`, a guide and a label at each decade (values floored at 1e-300).
    Log,
}

/// The names and scale of a curve plot's axes.
#[derive(Clone, Copy, Debug)]
pub struct Axes<'a> {
    /// Name of the horizontal axis (with its unit).
    pub x: &'a str,
    /// Name of the vertical axis.
    pub y: &'a str,
    /// Scale of the vertical axis.
    pub scale: YAxis,
}

/// A curve: points, colour, and its legend entry (empty: not in the legend).
pub type Curve<'a> = (&'a [(f64, f64)], RGBColor, &'a str);

/// Curves `y(x)` sharing the abscissae `x` (a curve may be shorter).
pub fn write_curves(
    path: &Path,
    x: &[f64],
    curves: &[(&[f64], RGBColor, &str)],
    axes: Axes,
) -> Result<(), String> {
    let points: Vec<Vec<(f64, f64)>> = curves
        .iter()
        .map(|(c, ..)| x.iter().copied().zip(c.iter().copied()).collect())
        .collect();
    let with_points: Vec<Curve> = points
        .iter()
        .zip(curves)
        .map(|(p, (_, colour, label))| (p.as_slice(), *colour, *label))
        .collect();
    write_xy_curves(path, &with_points, axes)
}

/// `NAME.png`, linear curves over `x` named by `names` (abscissa, ordinate), and `NAME.npy`,
/// the numbers behind it: the abscissa, then one column per curve.
pub fn write_curves_and_columns(
    dir: &Path,
    name: &str,
    x: &[f64],
    curves: &[(&[f64], RGBColor, &str)],
    names: (&str, &str),
) -> Result<(), String> {
    let axes = Axes {
        x: names.0,
        y: names.1,
        scale: YAxis::Linear,
    };
    write_curves(&dir.join(format!("{name}.png")), x, curves, axes)?;
    let rows: Vec<f64> = (0..x.len())
        .flat_map(|i| std::iter::once(x[i]).chain(curves.iter().map(move |c| c.0[i])))
        .collect();
    let shape = [x.len() as u64, 1 + curves.len() as u64];
    super::output::write_npy(&dir.join(format!("{name}.npy")), &rows, &shape)
}

/// Curves over the index `0..n` on a log axis (cost histories).
pub fn write_log_curves(
    path: &Path,
    curves: &[(&[f64], RGBColor, &str)],
    y: &str,
) -> Result<(), String> {
    let n = curves.iter().map(|(c, ..)| c.len()).max().unwrap_or(1);
    let x: Vec<f64> = (0..n).map(|i| i as f64).collect();
    let axes = Axes {
        x: "epoch",
        y,
        scale: YAxis::Log,
    };
    write_curves(path, &x, curves, axes)
}

/// Up to about `count` round values (1, 2 or 5 times a power of ten) covering `[lo, hi]`.
fn nice_ticks(lo: f64, hi: f64, count: usize) -> Vec<f64> {
    let span = hi - lo;
    if !(span > 0.0 && span.is_finite()) {
        return vec![lo];
    }
    let raw = span / count.max(1) as f64;
    let power = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 5.0, 10.0]
        .iter()
        .map(|m| m * power)
        .find(|s| span / s <= count as f64)
        .unwrap_or(10.0 * power);
    let first = (lo / step).ceil() as i64;
    let last = (hi / step).floor() as i64;
    (first..=last).map(|k| k as f64 * step).collect()
}

/// The plotted range of values: padded for linear axes, whole decades for log axes.
fn value_range(values: impl Iterator<Item = f64>, scale: YAxis) -> (f64, f64) {
    let (lo, hi) = values
        .filter(|v| v.is_finite())
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| {
            (a.min(v), b.max(v))
        });
    if !(lo.is_finite() && hi.is_finite()) {
        return (0.0, 1.0);
    }
    let (lo, hi) = match scale {
        YAxis::Log => (lo.floor(), hi.ceil()),
        YAxis::Linear => (lo - 0.05 * (hi - lo), hi + 0.05 * (hi - lo)),
    };
    if hi > lo {
        (lo, hi)
    } else {
        (lo - 1.0, lo + 1.0)
    }
}

/// A curve whose values span more than this many times the reference curves' span would
/// flatten them: the range is clipped to the references'.
const CLIP_FACTOR: f64 = 4.0;

/// The plotted vertical range (mapped values) and whether it was clipped: the range of every
/// curve, or, when that exceeds [`CLIP_FACTOR`] times the range of the reference (black) curves,
/// the references' range widened by half its span on each side.
fn clipped_range(curves: &[Curve], map: impl Fn(f64) -> f64, scale: YAxis) -> (f64, f64, bool) {
    let all = value_range(
        curves.iter().flat_map(|(c, ..)| c.iter()).map(|p| map(p.1)),
        scale,
    );
    let references: Vec<f64> = curves
        .iter()
        .filter(|c| is_reference(&c.1))
        .flat_map(|(c, ..)| c.iter().map(|p| map(p.1)))
        .filter(|v| v.is_finite())
        .collect();
    if references.is_empty() || scale == YAxis::Log {
        return (all.0, all.1, false);
    }
    let (rlo, rhi) = value_range(references.iter().copied(), YAxis::Linear);
    let span = rhi - rlo;
    if all.1 - all.0 <= CLIP_FACTOR * span {
        return (all.0, all.1, false);
    }
    let (lo, hi) = (rlo - 0.5 * span, rhi + 0.5 * span);
    (lo.max(all.0), hi.min(all.1), true)
}

/// Curves of `(x, y)` points each, 720 x 450 pixels: numbered axes, axis names, and a legend of
/// the labelled curves in the top-right corner.
pub fn write_xy_curves(path: &Path, curves: &[Curve], axes: Axes) -> Result<(), String> {
    let map = |v: f64| match axes.scale {
        YAxis::Linear => v,
        YAxis::Log => v.max(1e-300).log10(),
    };
    let points = || curves.iter().flat_map(|(c, ..)| c.iter());
    let (lo, hi, clipped) = clipped_range(curves, map, axes.scale);
    let (x0, x1) = value_range(points().map(|p| p.0), YAxis::Linear);
    atomically(path, |tmp| {
        let err = fail(path);
        let root = BitMapBackend::new(tmp, (720, 450)).into_drawing_area();
        root.fill(&WHITE).map_err(|e| err(&e))?;
        let mut chart = ChartBuilder::on(&root)
            .margin_top(28)
            .margin_right(20)
            .margin_left(76)
            .margin_bottom(44)
            .build_cartesian_2d(x0..x1, lo..hi)
            .map_err(|e| err(&e))?;
        let y_ticks: Vec<f64> = match axes.scale {
            YAxis::Log => {
                let decades = (hi - lo) as i64;
                let every = (decades / 8 + 1).max(1);
                (lo as i64..=hi as i64)
                    .filter(|d| (d - lo as i64) % every == 0)
                    .map(|d| d as f64)
                    .collect()
            }
            YAxis::Linear => nice_ticks(lo, hi, 6),
        };
        let x_ticks = nice_ticks(x0, x1, 7);
        for &y in &y_ticks {
            chart
                .draw_series(LineSeries::new(vec![(x0, y), (x1, y)], GUIDE))
                .map_err(|e| err(&e))?;
        }
        for &x in &x_ticks {
            chart
                .draw_series(LineSeries::new(vec![(x, lo), (x, hi)], GUIDE))
                .map_err(|e| err(&e))?;
        }
        // Points outside a clipped range are left out, breaking their line.
        for (curve, colour, _) in curves {
            let inside = |y: f64| (lo..=hi).contains(&y);
            let segments = curve.split(|p| !inside(map(p.1))).filter(|s| !s.is_empty());
            let width = if is_reference(colour) { 1 } else { 2 };
            for segment in segments {
                let line = segment.iter().map(|&(x, y)| (x, map(y)));
                chart
                    .draw_series(LineSeries::new(line, colour.stroke_width(width)))
                    .map_err(|e| err(&e))?;
            }
        }
        // Targets, truths and measurements (black) get open markers on top, so a good fit
        // drawn over them leaves them visible.
        for (curve, colour, _) in curves.iter().filter(|c| is_reference(&c.1)) {
            if curve.len() <= MAX_MARKERS {
                let marks = curve
                    .iter()
                    .filter(|p| (lo..=hi).contains(&map(p.1)))
                    .map(|&(x, y)| Circle::new((x, map(y)), 3, colour.stroke_width(1)));
                chart.draw_series(marks).map_err(|e| err(&e))?;
            }
        }
        let (left, top) = chart.backend_coord(&(x0, hi));
        let (right, bottom) = chart.backend_coord(&(x1, lo));
        root.draw(&Rectangle::new([(left, top), (right, bottom)], FRAME))
            .map_err(|e| err(&e))?;
        for &y in &y_ticks {
            let label = match axes.scale {
                YAxis::Log => format!("1e{}", y as i64),
                YAxis::Linear => number(y),
            };
            let py = chart.backend_coord(&(x0, y)).1;
            text::draw(
                &root,
                (left - 6 - text::width(&label, 1), py - 4),
                &label,
                INK,
                1,
            )?;
        }
        for &x in &x_ticks {
            let label = number(x);
            let px = chart.backend_coord(&(x, lo)).0;
            let w = text::width(&label, 1);
            text::draw(&root, (px - w / 2, bottom + 8), &label, INK, 1)?;
        }
        let w = text::width(axes.x, 1);
        text::draw(&root, ((left + right - w) / 2, bottom + 26), axes.x, INK, 1)?;
        text::draw(&root, (8, 10), axes.y, INK, 1)?;
        if clipped {
            let note = "range clipped to the reference curve: some curves leave it";
            text::draw(&root, (right - text::width(note, 1), 10), note, INK, 1)?;
        }
        // The curves in pixels, sampled along each segment, to keep the legend off them.
        let mut traced = Vec::new();
        for (curve, ..) in curves {
            let pixels: Vec<(i32, i32)> = curve
                .iter()
                .filter(|p| (lo..=hi).contains(&map(p.1)))
                .map(|&(x, y)| chart.backend_coord(&(x, map(y))))
                .collect();
            for pair in pixels.windows(2) {
                for k in 0..=16 {
                    let t = k as f64 / 16.0;
                    let lerp = |a: i32, b: i32| a + ((b - a) as f64 * t) as i32;
                    traced.push((lerp(pair[0].0, pair[1].0), lerp(pair[0].1, pair[1].1)));
                }
            }
        }
        draw_legend(&root, curves, (left, top, right, bottom), &traced)
    })
}

/// The legend of the labelled curves, in the plot corner that hides the fewest curve pixels.
fn draw_legend<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    curves: &[Curve],
    (left, top, right, bottom): (i32, i32, i32, i32),
    traced: &[(i32, i32)],
) -> Result<(), String> {
    let entries: Vec<(RGBColor, &str)> = curves
        .iter()
        .filter(|(_, _, label)| !label.is_empty())
        .map(|(_, colour, label)| (*colour, *label))
        .collect();
    if entries.is_empty() {
        return Ok(());
    }
    let text_width = entries
        .iter()
        .map(|(_, l)| text::width(l, 1))
        .max()
        .unwrap_or(0);
    let (w, h) = (text_width + 40, entries.len() as i32 * 14 + 8);
    let corners = [
        (right - w - 6, top + 6),
        (left + 6, top + 6),
        (right - w - 6, bottom - h - 6),
        (left + 6, bottom - h - 6),
    ];
    let hidden = |&(x, y): &(i32, i32)| {
        traced
            .iter()
            .filter(|p| (x..=x + w).contains(&p.0) && (y..=y + h).contains(&p.1))
            .count()
    };
    let (x, y) = corners
        .iter()
        .min_by_key(|c| hidden(c))
        .copied()
        .unwrap_or(corners[0]);
    let e = |e: DrawingAreaErrorKind<DB::ErrorType>| e.to_string();
    root.draw(&Rectangle::new([(x, y), (x + w, y + h)], WHITE.filled()))
        .map_err(e)?;
    root.draw(&Rectangle::new([(x, y), (x + w, y + h)], FRAME))
        .map_err(e)?;
    for (k, (colour, label)) in entries.iter().enumerate() {
        let row = y + 6 + k as i32 * 14;
        root.draw(&Rectangle::new(
            [(x + 6, row + 3), (x + 26, row + 4)],
            colour.filled(),
        ))
        .map_err(e)?;
        text::draw(root, (x + 32, row), label, INK, 1)?;
    }
    Ok(())
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

/// What marks a cell of a heat map.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mark {
    /// The true parameters (a white cross).
    Truth,
    /// A local minimum (a red ring).
    Minimum,
}

impl Mark {
    fn label(self) -> &'static str {
        match self {
            Mark::Truth => "truth",
            Mark::Minimum => "local minimum",
        }
    }
}

/// One heat-map panel: `values[row][col]`, rows drawn bottom to top, its title and marked cells.
pub struct Panel<'a> {
    /// Row-major values.
    pub values: &'a [f64],
    /// Number of rows.
    pub rows: usize,
    /// Number of columns.
    pub cols: usize,
    /// Drawn above the panel.
    pub title: &'a str,
    /// Cells marked `(row, col, mark)`.
    pub marks: &'a [(usize, usize, Mark)],
}

impl<'a> Panel<'a> {
    /// A panel without marks.
    pub fn new(values: &'a [f64], rows: usize, cols: usize, title: &'a str) -> Panel<'a> {
        Panel {
            values,
            rows,
            cols,
            title,
            marks: &[],
        }
    }
}

/// A heat map's axis: its name with unit, and the values at the centres of the first and the
/// last cell.
#[derive(Clone, Copy, Debug)]
pub struct HeatAxis<'a> {
    /// Name and unit.
    pub name: &'a str,
    /// The value at the first cell's centre.
    pub first: f64,
    /// The value at the last cell's centre.
    pub last: f64,
}

impl<'a> HeatAxis<'a> {
    /// Cells numbered `0..n` (lattice sites).
    pub fn sites(name: &'a str, n: usize) -> HeatAxis<'a> {
        HeatAxis {
            name,
            first: 0.0,
            last: n.saturating_sub(1) as f64,
        }
    }

    /// The first and last of `values`.
    pub fn of(name: &'a str, values: &[f64]) -> HeatAxis<'a> {
        HeatAxis {
            name,
            first: values.first().copied().unwrap_or(0.0),
            last: values.last().copied().unwrap_or(0.0),
        }
    }
}

/// What a heat map's axes and colours mean.
#[derive(Clone, Copy, Debug)]
pub struct Heat<'a> {
    /// Horizontal axis (columns).
    pub x: HeatAxis<'a>,
    /// Vertical axis (rows, drawn bottom to top).
    pub y: HeatAxis<'a>,
    /// The colour bar's name with unit.
    pub colour: &'a str,
    /// What grey (NaN) cells are, said in the legend.
    pub missing: Option<&'a str>,
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
    if !(lo.is_finite() && hi.is_finite()) {
        (0.0, 1.0)
    } else if hi > lo {
        (lo, hi)
    } else {
        (lo, lo + 1.0)
    }
}

/// Colour of a cell whose value is NaN (a fixed site, left out of the colour scale).
const NOT_SHOWN: RGBColor = RGBColor(200, 200, 200);

/// Round ticks of an axis and their offsets in cells from the first cell's centre.
fn cell_ticks(axis: &HeatAxis, cells: usize, count: usize) -> Vec<(f64, f64)> {
    let step = if cells > 1 {
        (axis.last - axis.first) / (cells - 1) as f64
    } else {
        0.0
    };
    if step == 0.0 || !step.is_finite() {
        return vec![(axis.first, 0.0)];
    }
    let (lo, hi) = (axis.first.min(axis.last), axis.first.max(axis.last));
    nice_ticks(lo, hi, count)
        .into_iter()
        .map(|t| (t, (t - axis.first) / step))
        .collect()
}

fn draw_mark<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    (x, y): (i32, i32),
    size: i32,
    mark: Mark,
) -> Result<(), String> {
    let e = |e: DrawingAreaErrorKind<DB::ErrorType>| e.to_string();
    let r = size.clamp(3, 8);
    match mark {
        Mark::Truth => {
            for (dx, dy) in [(1, 1), (1, -1)] {
                let line = [(x - r * dx, y - r * dy), (x + r * dx, y + r * dy)];
                root.draw(&PathElement::new(line, BLACK.stroke_width(4)))
                    .map_err(e)?;
                root.draw(&PathElement::new(line, WHITE.stroke_width(2)))
                    .map_err(e)?;
            }
        }
        Mark::Minimum => {
            root.draw(&Circle::new((x, y), r, WHITE.stroke_width(3)))
                .map_err(e)?;
            root.draw(&Circle::new(
                (x, y),
                r,
                RGBColor(220, 30, 30).stroke_width(2),
            ))
            .map_err(e)?;
        }
    }
    Ok(())
}

/// Heat maps side by side on one colour scale, each under its title, with numbered axes named
/// by `heat` (y numbered on the first panel) and a numbered, named colour bar on the right; each
/// cell a block of pixels, NaN cells grey and explained in a legend below, marked cells with
/// their marks (also in the legend). Panels of one figure share their shape.
pub fn write_panels(path: &Path, panels: &[Panel], heat: &Heat) -> Result<(), String> {
    let (rows, cols) = (panels[0].rows, panels[0].cols);
    let cell = (480 / cols.max(rows).max(1)).clamp(2, 40) as i32;
    let (w, h) = (cols as i32 * cell, rows as i32 * cell);
    let (lo, hi) = range(panels);
    let y_ticks = cell_ticks(&heat.y, rows, 6);
    let x_ticks = cell_ticks(&heat.x, cols, 5);
    let label_width = y_ticks
        .iter()
        .map(|(t, _)| text::width(&number(*t), 1))
        .max()
        .unwrap_or(0);
    let colour_ticks = nice_ticks(lo, hi, 5);
    let colour_width = colour_ticks
        .iter()
        .map(|t| text::width(&number(*t), 1))
        .max()
        .unwrap_or(0);
    let (gap, bar) = (16, 20);
    let left0 = label_width + 12;
    let head = 32;
    let marks: Vec<Mark> = [Mark::Truth, Mark::Minimum]
        .into_iter()
        .filter(|m| panels.iter().any(|p| p.marks.iter().any(|k| k.2 == *m)))
        .collect();
    let has_missing =
        heat.missing.is_some() && panels.iter().any(|p| p.values.iter().any(|v| v.is_nan()));
    let legend = if marks.is_empty() && !has_missing {
        0
    } else {
        18
    };
    let bottom_space = 40 + legend;
    let bar_left = left0 + panels.len() as i32 * (w + gap);
    let width = bar_left + bar + 8 + colour_width.max(text::width(heat.colour, 1) - bar) + 12;
    let height = head + h + bottom_space;
    atomically(path, |tmp| {
        let err = fail(path);
        let root = BitMapBackend::new(tmp, (width as u32, height as u32)).into_drawing_area();
        root.fill(&WHITE).map_err(|e| err(&e))?;
        text::draw(&root, (4, 4), heat.y.name, INK, 1)?;
        for (k, panel) in panels.iter().enumerate() {
            let left = left0 + k as i32 * (w + gap);
            text::draw(&root, (left, 18), panel.title, INK, 1)?;
            for r in 0..rows {
                for c in 0..cols {
                    let value = panel.values[r * cols + c];
                    let colour = if value.is_nan() {
                        NOT_SHOWN
                    } else {
                        ramp((value - lo) / (hi - lo))
                    };
                    let y0 = head + (rows - 1 - r) as i32 * cell;
                    let x0 = left + c as i32 * cell;
                    root.draw(&Rectangle::new(
                        [(x0, y0), (x0 + cell, y0 + cell)],
                        colour.filled(),
                    ))
                    .map_err(|e| err(&e))?;
                }
            }
            for &(r, c, mark) in panel.marks {
                let centre = (
                    left + c as i32 * cell + cell / 2,
                    head + (rows - 1 - r) as i32 * cell + cell / 2,
                );
                draw_mark(&root, centre, cell / 2, mark)?;
            }
            root.draw(&Rectangle::new([(left, head), (left + w, head + h)], FRAME))
                .map_err(|e| err(&e))?;
            for &(t, offset) in &x_ticks {
                let px = left + ((offset + 0.5) * cell as f64) as i32;
                root.draw(&PathElement::new([(px, head + h), (px, head + h + 4)], INK))
                    .map_err(|e| err(&e))?;
                let label = number(t);
                text::draw(
                    &root,
                    (px - text::width(&label, 1) / 2, head + h + 7),
                    &label,
                    INK,
                    1,
                )?;
            }
            let name_x = left + (w - text::width(heat.x.name, 1)) / 2;
            text::draw(
                &root,
                (name_x.max(left), head + h + 22),
                heat.x.name,
                INK,
                1,
            )?;
        }
        for &(t, offset) in &y_ticks {
            let py = head + h - ((offset + 0.5) * cell as f64) as i32;
            root.draw(&PathElement::new([(left0 - 4, py), (left0, py)], INK))
                .map_err(|e| err(&e))?;
            let label = number(t);
            text::draw(
                &root,
                (left0 - 6 - text::width(&label, 1), py - 4),
                &label,
                INK,
                1,
            )?;
        }
        for py in 0..h {
            let t = 1.0 - py as f64 / h.max(1) as f64;
            root.draw(&Rectangle::new(
                [(bar_left, head + py), (bar_left + bar, head + py + 1)],
                ramp(t).filled(),
            ))
            .map_err(|e| err(&e))?;
        }
        text::draw(&root, (bar_left, 18), heat.colour, INK, 1)?;
        for &t in &colour_ticks {
            let py = head + h - ((t - lo) / (hi - lo) * h as f64) as i32;
            root.draw(&PathElement::new(
                [(bar_left + bar, py), (bar_left + bar + 4, py)],
                INK,
            ))
            .map_err(|e| err(&e))?;
            text::draw(&root, (bar_left + bar + 7, py - 4), &number(t), INK, 1)?;
        }
        let mut x = left0;
        let y = head + h + 40;
        if let (true, Some(missing)) = (has_missing, heat.missing) {
            root.draw(&Rectangle::new(
                [(x, y), (x + 10, y + 10)],
                NOT_SHOWN.filled(),
            ))
            .map_err(|e| err(&e))?;
            text::draw(&root, (x + 16, y + 1), missing, INK, 1)?;
            x += 16 + text::width(missing, 1) + 24;
        }
        for mark in marks {
            // The white cross needs a dark ground to be seen.
            root.draw(&Rectangle::new(
                [(x - 1, y - 1), (x + 11, y + 11)],
                ramp(0.0).filled(),
            ))
            .map_err(|e| err(&e))?;
            draw_mark(&root, (x + 5, y + 5), 5, mark)?;
            text::draw(&root, (x + 16, y + 1), mark.label(), INK, 1)?;
            x += 16 + text::width(mark.label(), 1) + 24;
        }
        root.present().map_err(|e| err(&e))
    })
}

/// One titled heat map of `values[row][col]` (rows drawn bottom to top), with its axes and a
/// colour bar.
pub fn write_heatmap(
    path: &Path,
    values: &[f64],
    (rows, cols): (usize, usize),
    title: &str,
    heat: &Heat,
) -> Result<(), String> {
    write_panels(path, &[Panel::new(values, rows, cols, title)], heat)
}

/// A titled panel of atoms: sets of positions (`[x0, y0, x1, y1, ..]`), each in its colour.
pub type AtomPanel<'a> = (&'a str, Vec<(&'a [f64], RGBColor)>);

/// Atom configurations in the `side x side` box, one titled square panel of 320 x 320 pixels per
/// entry side by side, each atom a filled dot; a panel may overlay several sets of atoms.
pub fn write_points(path: &Path, side: f64, panels: &[AtomPanel]) -> Result<(), String> {
    let (size, gap, head) = (320i32, 12i32, 18i32);
    let width = panels.len().max(1) as i32 * (size + gap) - gap;
    let scale = |v: f64| (v.rem_euclid(side) / side * (size - 8) as f64) as i32 + 4;
    atomically(path, |tmp| {
        let err = fail(path);
        let root =
            BitMapBackend::new(tmp, (width as u32, (size + head) as u32)).into_drawing_area();
        root.fill(&WHITE).map_err(|e| err(&e))?;
        for (k, (title, sets)) in panels.iter().enumerate() {
            let left = k as i32 * (size + gap);
            text::draw(&root, (left, 4), title, INK, 1)?;
            root.draw(&Rectangle::new(
                [(left, head), (left + size - 1, head + size - 1)],
                FRAME,
            ))
            .map_err(|e| err(&e))?;
            for (positions, colour) in sets {
                for atom in positions.chunks(2) {
                    let centre = (left + scale(atom[0]), head + size - scale(atom[1]));
                    root.draw(&Circle::new(centre, 3, colour.filled()))
                        .map_err(|e| err(&e))?;
                }
            }
        }
        root.present().map_err(|e| err(&e))
    })
}

#[cfg(test)]
mod tests {
    use super::{cell_ticks, clipped_range, nice_ticks, HeatAxis, YAxis};
    use plotters::style::RGBColor;

    #[test]
    fn one_wild_curve_does_not_flatten_the_reference() {
        let truth: Vec<(f64, f64)> = (0..10).map(|i| (i as f64, (i % 3) as f64)).collect();
        let tame: Vec<(f64, f64)> = truth.iter().map(|&(x, y)| (x, y + 0.5)).collect();
        let wild: Vec<(f64, f64)> = truth.iter().map(|&(x, y)| (x, 1e3 * y)).collect();
        let black = RGBColor(0, 0, 0);
        let blue = RGBColor(0, 0, 255);
        let (lo, hi, clipped) = clipped_range(
            &[(&truth, black, "truth"), (&tame, blue, "a")],
            |v| v,
            YAxis::Linear,
        );
        assert!(!clipped && lo < 0.0 && hi > 2.5, "{lo} {hi}");
        let (lo, hi, clipped) = clipped_range(
            &[(&truth, black, "truth"), (&wild, blue, "b")],
            |v| v,
            YAxis::Linear,
        );
        assert!(clipped, "a curve 1000 times larger is clipped");
        assert!(lo < 0.0 && (3.0..4.0).contains(&hi), "{lo} {hi}");
    }

    #[test]
    fn heat_map_ticks_sit_on_cell_centres() {
        let axis = HeatAxis {
            name: "E",
            first: -1.0,
            last: 1.0,
        };
        // 21 cells from -1 to 1: a cell every 0.1, ticks at round values.
        let ticks = cell_ticks(&axis, 21, 5);
        assert!(ticks.contains(&(0.0, 10.0)), "{ticks:?}");
        assert!(ticks.iter().all(|(_, c)| (0.0..=20.0).contains(c)));
        assert_eq!(cell_ticks(&axis, 1, 5), vec![(-1.0, 0.0)]);
    }

    #[test]
    fn ticks_are_round_and_inside() {
        let close = |a: Vec<f64>, b: &[f64]| {
            a.len() == b.len() && a.iter().zip(b).all(|(x, y)| (x - y).abs() < 1e-12)
        };
        assert!(close(
            nice_ticks(0.0, 0.5, 6),
            &[0.0, 0.1, 0.2, 0.3, 0.4, 0.5]
        ));
        assert!(close(nice_ticks(-3.2, 17.0, 6), &[0.0, 5.0, 10.0, 15.0]));
        assert!(close(nice_ticks(2.0, 2.0, 5), &[2.0]));
    }
}
