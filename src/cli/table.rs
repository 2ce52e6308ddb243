//! Measured curves read from a `.csv` (commas or whitespace between values, `#` comments, a
//! header line of words skipped) or a float64 `.npy` of shape `(rows, columns)`: two columns,
//! and an optional third holding each value's standard deviation.

use super::output::read_npy;
use std::path::Path;

/// Two measured columns and an optional third (the uncertainty of the second).
pub struct Table {
    /// The abscissa (bias, frequency).
    pub x: Vec<f64>,
    /// The measured values.
    pub y: Vec<f64>,
    /// Their standard deviations, if the file has a third column.
    pub sigma: Option<Vec<f64>>,
}

/// What a table file must hold, for its error messages.
pub struct Layout<'a> {
    /// The config key that names the file (`"data.file"`).
    pub key: &'a str,
    /// The columns in words, with units (`"bias V, current A/cm², optional sigma"`).
    pub columns: &'a str,
    /// Most rows accepted, and why.
    pub max_rows: (usize, &'a str),
}

fn read_csv(path: &Path) -> Result<Vec<Vec<f64>>, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut rows = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.split('#').next().unwrap_or("").trim();
        if line.is_empty() {
            continue;
        }
        let cells: Vec<&str> = line
            .split(|c: char| c == ',' || c.is_whitespace())
            .filter(|c| !c.is_empty())
            .collect();
        let parsed: Result<Vec<f64>, _> = cells.iter().map(|c| c.parse::<f64>()).collect();
        match parsed {
            Ok(row) => rows.push(row),
            Err(_) if rows.is_empty() => {} // a header
            Err(_) => {
                return Err(format!(
                    "{} line {}: expected numbers, got \"{line}\"",
                    path.display(),
                    n + 1
                ))
            }
        }
    }
    Ok(rows)
}

/// The table in `path`, checked: 2 or 3 columns on every row, at least 2 rows, at most the
/// layout's, every value finite.
pub fn read_table(path: &Path, layout: &Layout) -> Result<Table, String> {
    let key = layout.key;
    let is_npy = path.extension().is_some_and(|e| e == "npy");
    let rows: Vec<Vec<f64>> = if is_npy {
        let (data, shape) = read_npy(path)?;
        if shape.len() != 2 || !(shape[1] == 2 || shape[1] == 3) {
            return Err(format!(
                "{key}: {} has shape {shape:?}; expected (rows, 2 or 3): {}",
                path.display(),
                layout.columns
            ));
        }
        data.chunks(shape[1] as usize)
            .map(<[f64]>::to_vec)
            .collect()
    } else {
        read_csv(path)?
    };
    let width = rows.first().map_or(0, Vec::len);
    if !(width == 2 || width == 3) || rows.iter().any(|r| r.len() != width) {
        return Err(format!(
            "{key}: {} needs 2 or 3 columns on every row ({})",
            path.display(),
            layout.columns
        ));
    }
    if rows.len() < 2 {
        return Err(format!(
            "{key}: {} has {} rows; a fit needs at least 2",
            path.display(),
            rows.len()
        ));
    }
    let (max, why) = layout.max_rows;
    super::at_most(&format!("{key}: rows"), rows.len(), max, why)?;
    if let Some((i, _)) = rows
        .iter()
        .enumerate()
        .find(|(_, r)| r.iter().any(|v| !v.is_finite()))
    {
        return Err(format!(
            "{key}: {} row {} holds NaN or infinity",
            path.display(),
            i + 1
        ));
    }
    if let Some(i) = rows.iter().position(|r| width == 3 && r[2] <= 0.0) {
        return Err(format!(
            "{key}: {} row {}: the uncertainty {} must be positive",
            path.display(),
            i + 1,
            rows[i][2]
        ));
    }
    let col = |k: usize| rows.iter().map(|r| r[k]).collect::<Vec<f64>>();
    Ok(Table {
        x: col(0),
        y: col(1),
        sigma: (width == 3).then(|| col(2)),
    })
}
