//! Progress of long work: a bar on a terminal, and a one-line status every few seconds when
//! stderr is not one (a log file, CI, `2>&1 | tee`), so a piped run is never silent.
//!
//! `BACKSOLVE_STATUS_SECONDS` sets the status interval (default 10 s; 0 prints every update).

use indicatif::{ProgressBar, ProgressStyle};
use std::io::IsTerminal;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// A progress display for `len` units of work (epochs, map points, solver tasks).
pub struct Progress {
    bar: ProgressBar,
    /// Present when stderr is not a terminal: when the last status line was printed.
    status: Option<Mutex<Instant>>,
    every: Duration,
    unit: &'static str,
}

fn status_interval() -> Duration {
    let secs = std::env::var("BACKSOLVE_STATUS_SECONDS")
        .ok()
        .and_then(|s| s.parse::<f64>().ok())
        .filter(|s| s.is_finite() && *s >= 0.0)
        .unwrap_or(10.0);
    Duration::from_secs_f64(secs)
}

impl Progress {
    /// A display labelled `label` (`start 1/4`, `spectral solvers`) counting `len` `unit`s.
    pub fn new(label: impl Into<String>, len: usize, unit: &'static str) -> Self {
        let terminal = std::io::stderr().is_terminal();
        let bar = if terminal {
            ProgressBar::new(len as u64)
        } else {
            ProgressBar::hidden()
        };
        bar.set_length(len as u64);
        let template = format!(
            "{{prefix}} {{bar:30}} {{pos}}/{{len}} {unit} {{msg}} [{{elapsed}}, eta {{eta}}]"
        );
        bar.set_style(ProgressStyle::with_template(&template).expect("valid template"));
        bar.set_prefix(label.into());
        Progress {
            bar,
            status: (!terminal).then(|| Mutex::new(Instant::now())),
            every: status_interval(),
            unit,
        }
    }

    /// Print the status line now (only when stderr is not a terminal).
    fn print_status(&self, what: &str) {
        if self.status.is_some() {
            eprintln!(
                "{} {what}: {}/{} {} {} [{:.1} s]",
                self.bar.prefix(),
                self.bar.position(),
                self.bar.length().unwrap_or(0),
                self.unit,
                self.bar.message(),
                self.bar.elapsed().as_secs_f64()
            );
        }
    }

    /// Print the status line if the interval has passed since the last one.
    fn maybe_status(&self) {
        if let Some(last) = &self.status {
            let mut last = last.lock().unwrap_or_else(|e| e.into_inner());
            if last.elapsed() >= self.every {
                *last = Instant::now();
                drop(last);
                self.print_status("at");
            }
        }
    }

    /// Work done so far.
    pub fn set_position(&self, pos: usize) {
        self.bar.set_position(pos as u64);
        self.maybe_status();
    }

    /// `n` more units done (callable from worker threads).
    pub fn inc(&self, n: usize) {
        self.bar.inc(n as u64);
        self.maybe_status();
    }

    /// What is being done now (`cost 1.2e-3 step 0.5`).
    pub fn set_message(&self, msg: impl Into<String>) {
        self.bar.set_message(msg.into());
        self.maybe_status();
    }

    /// A new label (`start 2/4`) and total, the count back at `pos`.
    pub fn restart(&self, label: impl Into<String>, len: usize, pos: usize) {
        self.bar.set_prefix(label.into());
        self.bar.set_length(len as u64);
        self.bar.set_position(pos as u64);
        self.maybe_status();
    }

    /// A line above the bar (or in the log).
    pub fn println(&self, line: impl AsRef<str>) {
        if self.status.is_some() {
            eprintln!("{}", line.as_ref());
        } else {
            self.bar.println(line.as_ref());
        }
    }

    /// Remove the bar; a log gets a closing status line.
    pub fn finish(&self) {
        self.print_status("done");
        self.bar.finish_and_clear();
    }
}
