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

use clap::error::ErrorKind;

/// clap's message as one line: what is wrong, its details (the missing argument, the possible
/// values) and the usage, without the pointer to `--help`.
fn one_line(msg: &str) -> String {
    let mut parts: Vec<String> = Vec::new();
    for line in msg.lines().map(str::trim) {
        if line.is_empty() || line.starts_with("For more information") {
            continue;
        }
        let line = line.trim_start_matches("error: ");
        match line.strip_prefix("Usage: ") {
            Some(usage) => parts.push(format!("(usage: {usage})")),
            None => parts.push(line.to_string()),
        }
    }
    parts.join(" ")
}

fn main() {
    let args = match cli::Cli::try_parse() {
        Ok(a) => a,
        // No command: the usage and the command list.
        Err(e) if e.kind() == ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => e.exit(),
        // Usage errors as one line (help and version print as usual).
        Err(e) if e.use_stderr() => {
            eprintln!("backsolve: {}", one_line(&e.to_string()));
            std::process::exit(2);
        }
        Err(e) => e.exit(),
    };
    if let Err(e) = cli::run(args) {
        eprintln!("backsolve: {e}");
        std::process::exit(1);
    }
}
