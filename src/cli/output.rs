//! Reading and writing arrays (`.npy`, which numpy reads), JSON and text, atomically (the
//! figures are in `plot`).

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
pub fn atomically(
    path: &Path,
    write: impl FnOnce(&Path) -> Result<(), String>,
) -> Result<(), String> {
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
