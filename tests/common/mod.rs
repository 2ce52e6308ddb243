//! Helpers shared by the command-line tests: scratch folders, `.npy` files, running the binary.
#![allow(dead_code)]

use npyz::WriterBuilder;
use std::path::{Path, PathBuf};
use std::process::Command;

/// A fresh, empty folder for one test.
pub fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("backsolve-cli-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A float64 `.npy` of the given shape.
pub fn write_npy(path: &Path, data: &[f64], shape: &[u64]) {
    let file = std::fs::File::create(path).unwrap();
    let mut w = npyz::WriteOptions::<f64>::new()
        .default_dtype()
        .shape(shape)
        .writer(file)
        .begin_nd()
        .unwrap();
    w.extend(data.iter().copied()).unwrap();
    w.finish().unwrap();
}

/// Data and shape of a float64 `.npy`.
pub fn read_npy(path: &Path) -> (Vec<f64>, Vec<u64>) {
    let bytes = std::fs::read(path).unwrap();
    let npy = npyz::NpyFile::new(&bytes[..]).unwrap();
    let shape = npy.shape().to_vec();
    (npy.into_vec().unwrap(), shape)
}

/// Run the `backsolve` binary in `dir`: exit code, stdout, stderr.
pub fn run(dir: &Path, args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_backsolve"))
        .current_dir(dir)
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The command fails: non-zero exit, exactly one line on stderr, and that line mentions
/// `expect`.
pub fn assert_fails_in_one_line(dir: &Path, args: &[&str], expect: &str) {
    let (code, stdout, stderr) = run(dir, args);
    assert_ne!(code, 0, "{args:?} should fail: {stdout}");
    assert_eq!(
        stderr.trim_end().lines().count(),
        1,
        "{args:?}: one line, got {stderr:?}"
    );
    assert!(
        stderr.contains(expect),
        "{args:?}: {stderr:?} should mention {expect:?}"
    );
}

/// Width and height from a PNG's header, after checking its signature.
pub fn png_size(path: &Path) -> (u32, u32) {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n", "{}", path.display());
    let be = |i: usize| u32::from_be_bytes(bytes[i..i + 4].try_into().unwrap());
    (be(16), be(20))
}

/// `summary.json` of an output folder.
pub fn summary(dir: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(dir.join("summary.json")).unwrap()).unwrap()
}

/// A smooth test potential on an `lx x ly` lattice.
pub fn potential(lx: usize, ly: usize) -> Vec<f64> {
    (0..lx * ly).map(|i| 0.6 * (i as f64 * 1.7).sin()).collect()
}

/// A 5 x 3 conductor with wire leads on a 3 x 4 map: a `simulate` config whose potential is
/// `v.npy`.
pub const SMALL_MAP: &str = r#"
[lattice]
lx = 5
ly = 3

[potential]
file = "v.npy"

[leads]
kind = "wires"
k = 1.1

[grid]
phi = [0.0, 0.1, 3]
energy = [-0.5, 0.5, 4]

[solver]
q = 2
"#;

/// Start `backsolve ARGS` in `dir`, wait for the checkpoint of its output folder `out`, then
/// send it SIGINT as Ctrl-C would: exit code and stderr.
pub fn interrupt_after_first_checkpoint(dir: &Path, args: &[&str], out: &str) -> (i32, String) {
    interrupt_once_written(dir, args, &format!("{out}/checkpoint.json"))
}

/// Start the CLI with `args` in `dir`, send it SIGINT (Ctrl-C) as soon as the file `written`
/// (relative to `dir`) exists, and return its exit code and stderr.
pub fn interrupt_once_written(dir: &Path, args: &[&str], written: &str) -> (i32, String) {
    let child = Command::new(env!("CARGO_BIN_EXE_backsolve"))
        .current_dir(dir)
        .args(args)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let checkpoint = dir.join(written);
    let started = std::time::Instant::now();
    while !checkpoint.exists() {
        assert!(
            started.elapsed() < std::time::Duration::from_secs(60),
            "no checkpoint appeared"
        );
        std::thread::sleep(std::time::Duration::from_millis(2));
    }
    let status = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let output = child.wait_with_output().unwrap();
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// The files of `examples/EXAMPLE` copied into a fresh scratch folder `name`.
#[allow(dead_code)]
pub fn example_copy(example: &str, name: &str) -> PathBuf {
    let dir = scratch(name);
    let from = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("examples")
        .join(example);
    for entry in std::fs::read_dir(&from).unwrap() {
        let path = entry.unwrap().path();
        if path.is_file() {
            std::fs::copy(&path, dir.join(path.file_name().unwrap())).unwrap();
        }
    }
    dir
}
