//! The `backsolve` command line.
//!
//! `backsolve simulate CONFIG.toml`: a conductance map `G(phi, E)` of a 2D conductor
//! (see `backsolve simulate --help` and the README for the config format).
//!
//! Every failure is one line on stderr naming what is wrong, and a non-zero exit code; outputs
//! are written to temporary files and renamed into place, so a failed run leaves nothing half
//! written.

mod cli;

use clap::Parser;

fn main() {
    let args = match cli::Cli::try_parse() {
        Ok(a) => a,
        // Usage errors as one line (help and version print as usual).
        Err(e) if e.use_stderr() => {
            let msg = e.to_string();
            let first = msg.lines().next().unwrap_or("invalid arguments");
            eprintln!("backsolve: {}", first.trim_start_matches("error: "));
            std::process::exit(2);
        }
        Err(e) => e.exit(),
    };
    if let Err(e) = cli::run(args) {
        eprintln!("backsolve: {e}");
        std::process::exit(1);
    }
}
