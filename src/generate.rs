//! `kubectl-ramp __generate completions DIR` and `__generate man DIR`: the
//! files checked in under completions/ and man/, from the clap definition.
//! tests/generated.rs fails when the checked-in ones are out of date.

use std::ffi::OsString;
use std::io;
use std::path::Path;
use std::process::ExitCode;

use clap::CommandFactory;
use clap_complete::{Generator, Shell};
use clap_mangen::Man;
use roff::{Roff, roman};

use crate::cli::Cli;

/// The hidden first argument that asks for the generated files.
pub const COMMAND: &str = "__generate";

/// The name the shells complete: the binary on PATH.
const BIN: &str = "kubectl-ramp";

/// What kubectl runs to complete `kubectl ramp ...`: it passes the words
/// after `ramp`, and reads candidates in cobra's form.
const KUBECTL_COMPLETE: &str = "\
#!/bin/sh
# kubectl (1.26 and later) runs this, found on PATH, to complete
# `kubectl ramp ...`: the arguments are the words after `ramp`, the last one
# the word being completed. kubectl-ramp answers in cobra's format.
exec kubectl-ramp __complete \"$@\"
";

pub fn main(args: &[OsString]) -> ExitCode {
    let args: Vec<&str> = args.iter().filter_map(|a| a.to_str()).collect();
    let result = match args.as_slice() {
        ["completions", dir] => completions(Path::new(dir)),
        ["man", dir] => man(Path::new(dir)),
        _ => {
            eprintln!("usage: kubectl-ramp {COMMAND} completions|man DIR");
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: cannot write the files: {err}");
            ExitCode::FAILURE
        }
    }
}

/// bash, zsh, fish, PowerShell and elvish completions of `kubectl-ramp`,
/// and kubectl's `kubectl_complete-ramp`.
pub fn completions(dir: &Path) -> io::Result<()> {
    std::fs::create_dir_all(dir)?;
    // Named as the shells see it, not as kubectl shows it (`kubectl ramp`).
    let mut cmd = crate::help::command().bin_name(BIN);
    for shell in [
        Shell::Bash,
        Shell::Zsh,
        Shell::Fish,
        Shell::PowerShell,
        Shell::Elvish,
    ] {
        let mut script = Vec::new();
        clap_complete::generate(shell, &mut cmd, BIN, &mut script);
        let mut script = String::from_utf8_lossy(&script).into_owned();
        if shell == Shell::Bash {
            // clap_complete 4.6 spells the states of a hyphenated binary's
            // subcommands two ways, so nothing after a subcommand completes
            // (clap-rs/clap#6421); use the spelling the dispatch loop uses.
            script = script.replace("kubectl__subcmd__ramp", "kubectl__ramp");
        }
        std::fs::write(dir.join(shell.file_name(BIN)), script)?;
    }
    let script = dir.join("kubectl_complete-ramp");
    std::fs::write(&script, KUBECTL_COMPLETE)?;
    set_executable(&script)
}

#[cfg(unix)]
fn set_executable(path: &Path) -> io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755))
}

#[cfg(not(unix))]
fn set_executable(_: &Path) -> io::Result<()> {
    Ok(())
}

/// A man page for the command and one for every subcommand, named as git's
/// are: kubectl-ramp.1, kubectl-ramp-start.1, kubectl-ramp-cluster-setup.1.
pub fn man(dir: &Path) -> io::Result<()> {
    std::fs::create_dir_all(dir)?;
    let mut cmd = Cli::command().disable_help_subcommand(true);
    cmd.build();
    pages(&cmd, "", dir)
}

fn pages(cmd: &clap::Command, path: &str, dir: &Path) -> io::Result<()> {
    for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
        let sub_path = format!("{path} {}", sub.get_name());
        pages(sub, sub_path.trim(), dir)?;
    }
    let man = Man::new(cmd.clone()).source(format!("{BIN} {}", env!("CARGO_PKG_VERSION")));
    let mut page = Vec::new();
    man.render_title(&mut page)?;
    man.render_name_section(&mut page)?;
    man.render_synopsis_section(&mut page)?;
    man.render_description_section(&mut page)?;
    if cmd.get_arguments().any(|a| !a.is_hide_set()) {
        man.render_options_section(&mut page)?;
    }
    if cmd.has_subcommands() {
        man.render_subcommands_section(&mut page)?;
    }
    if let Some((_, text)) = crate::help::EXAMPLES.iter().find(|(p, _)| *p == path) {
        examples(text).to_writer(&mut page)?;
    }
    if cmd.get_version().is_some() {
        man.render_version_section(&mut page)?;
    }
    std::fs::write(dir.join(man.get_filename()), once_preamble(&page))
}

/// Each section rendered on its own starts with the same two-line preamble
/// (defining the apostrophe); the page needs it once.
fn once_preamble(page: &[u8]) -> String {
    const PREAMBLE: &str = ".ie \\n(.g .ds Aq \\(aq\n.el .ds Aq '\n";
    let text = String::from_utf8_lossy(page);
    match text.split_once(PREAMBLE) {
        Some((before, after)) => format!("{before}{PREAMBLE}{}", after.replace(PREAMBLE, "")),
        None => text.into_owned(),
    }
}

/// The examples as they are in `--help`: lines kept as written.
fn examples(text: &str) -> Roff {
    let mut roff = Roff::new();
    roff.control("SH", ["EXAMPLES"]).control("nf", []);
    for line in text.lines() {
        roff.text([roman(line)]);
    }
    roff.control("fi", []);
    roff
}
