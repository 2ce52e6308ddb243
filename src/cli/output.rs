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

/// A JSON file as `T`: one line naming the file when it is missing or not a `T`.
pub fn read_json_file<T: serde::de::DeserializeOwned>(path: &Path) -> Result<T, String> {
    let text = fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    serde_json::from_str(&text).map_err(|e| {
        format!(
            "{}: not a backsolve file of this kind ({e})",
            path.display()
        )
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

/// An output folder whose files appear together: every output is written into a hidden staging
/// folder inside it, and [`Staging::commit`] moves them into place once all are written. A
/// run that fails on the way leaves the folder as it was. Created before any computation, so an
/// output path that is a file, or a folder that cannot be written, is reported at once.
pub struct Staging {
    out: PathBuf,
    dir: PathBuf,
    /// The output folder did not exist before: removed again (if still empty) on failure.
    created: bool,
    committed: bool,
}

impl Staging {
    /// Check that `out` can hold the outputs and open its staging folder.
    pub fn new(out: &Path) -> Result<Self, String> {
        if out.exists() && !out.is_dir() {
            return Err(format!(
                "{}: the output path is a file, not a folder",
                out.display()
            ));
        }
        let created = !out.exists();
        fs::create_dir_all(out)
            .map_err(|e| format!("{}: cannot create the output folder ({e})", out.display()))?;
        let dir = out.join(format!(".staging-{}", std::process::id()));
        fs::create_dir_all(&dir).map_err(|e| {
            format!(
                "{}: cannot write into the output folder ({e})",
                out.display()
            )
        })?;
        Ok(Staging {
            out: out.to_path_buf(),
            dir,
            created,
            committed: false,
        })
    }

    /// Where the outputs are written until the commit.
    pub fn path(&self) -> &Path {
        &self.dir
    }

    /// Move every staged file into the output folder.
    pub fn commit(mut self) -> Result<(), String> {
        let entries =
            fs::read_dir(&self.dir).map_err(|e| format!("{}: {e}", self.dir.display()))?;
        for entry in entries {
            let entry = entry.map_err(|e| format!("{}: {e}", self.dir.display()))?;
            let to = self.out.join(entry.file_name());
            fs::rename(entry.path(), &to).map_err(|e| format!("{}: {e}", to.display()))?;
        }
        self.committed = true;
        fs::remove_dir(&self.dir).map_err(|e| format!("{}: {e}", self.dir.display()))
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        if !self.committed {
            let _ = fs::remove_dir_all(&self.dir);
            if self.created {
                let _ = fs::remove_dir(&self.out);
            }
        }
    }
}
