//! Progress on stderr while a command works: a bar in a terminal, plain
//! lines otherwise (CI logs), so stdout stays for the result.

use std::io::{IsTerminal, Write};
use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};

#[derive(Debug, Clone)]
pub struct Progress {
    /// Says nothing at all.
    silent: bool,
    terminal: bool,
    /// Put before every line, e.g. "(dry run) ".
    prefix: String,
}

impl Progress {
    pub fn new(dry_run: bool) -> Progress {
        Progress {
            silent: false,
            terminal: std::io::stderr().is_terminal(),
            prefix: if dry_run {
                "(dry run) ".into()
            } else {
                String::new()
            },
        }
    }

    /// Every line says which cluster it is about.
    pub fn labelled(mut self, label: Option<&str>) -> Progress {
        if let Some(label) = label {
            self.prefix = format!("[{label}] {}", self.prefix);
            // Bars of several clusters would overwrite each other.
            self.terminal = false;
        }
        self
    }

    pub fn silent() -> Progress {
        Progress {
            silent: true,
            terminal: false,
            prefix: String::new(),
        }
    }

    pub fn say(&self, line: &str) {
        if self.silent {
            return;
        }
        let _ = writeln!(std::io::stderr(), "{}{line}", self.prefix);
    }

    /// A count that rises to `total`, e.g. ready pods.
    pub fn counter(&self, label: &str, total: i32) -> Counter {
        let total = total.max(0) as u64;
        if self.terminal && !self.silent {
            let bar = ProgressBar::new(total);
            bar.set_style(
                ProgressStyle::with_template("{spinner} {msg} {pos}/{len} ready [{elapsed}]")
                    .expect("a valid template"),
            );
            bar.set_message(format!("{}{label}", self.prefix));
            bar.enable_steady_tick(Duration::from_millis(120));
            Counter {
                bar: Some(bar),
                label: label.to_string(),
                last: None,
                total,
                prefix: self.prefix.clone(),
            }
        } else {
            Counter {
                bar: None,
                label: label.to_string(),
                last: None,
                total,
                prefix: self.prefix.clone(),
            }
        }
    }
}

pub struct Counter {
    bar: Option<ProgressBar>,
    label: String,
    last: Option<u64>,
    total: u64,
    prefix: String,
}

impl Counter {
    pub fn set(&mut self, value: i32) {
        let value = value.max(0) as u64;
        match &self.bar {
            Some(bar) => bar.set_position(value),
            None if self.last != Some(value) => {
                let _ = writeln!(
                    std::io::stderr(),
                    "{}{}: {value}/{} ready",
                    self.prefix,
                    self.label,
                    self.total
                );
            }
            None => {}
        }
        self.last = Some(value);
    }

    pub fn finish(self) {
        if let Some(bar) = self.bar {
            bar.finish_and_clear();
        }
    }
}
