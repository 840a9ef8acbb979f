//! completions/ and man/ are generated from the clap definition and checked
//! in; regenerating them must give the same files, byte for byte.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Every file of a directory, name -> contents.
fn files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .map(|entry| {
            let entry = entry.unwrap();
            let name = entry.file_name().to_string_lossy().into_owned();
            (name, std::fs::read(entry.path()).unwrap())
        })
        .collect()
}

#[track_caller]
fn check(kind: &str) {
    let fresh = std::env::temp_dir().join(format!("ramp-{kind}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&fresh);
    let status = Command::new(env!("CARGO_BIN_EXE_kubectl-ramp"))
        .args(["__generate", kind])
        .arg(&fresh)
        .status()
        .unwrap();
    assert!(status.success(), "__generate {kind} failed: {status}");
    let generated = files(&fresh);
    let checked_in = files(&repo().join(kind));
    let _ = std::fs::remove_dir_all(&fresh);
    let regenerate = format!("regenerate them with `cargo run -- __generate {kind} {kind}`");
    let names = |m: &BTreeMap<String, Vec<u8>>| m.keys().cloned().collect::<Vec<_>>();
    assert_eq!(
        names(&checked_in),
        names(&generated),
        "{kind}/ does not hold the files the CLI generates; {regenerate}"
    );
    for (name, contents) in &generated {
        assert!(
            checked_in[name] == *contents,
            "{kind}/{name} is out of date; {regenerate}"
        );
    }
}

#[test]
fn completions_are_up_to_date() {
    check("completions");
}

#[test]
fn man_pages_are_up_to_date() {
    check("man");
}

#[cfg(unix)]
#[test]
fn kubectls_completion_script_is_executable() {
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(repo().join("completions/kubectl_complete-ramp"))
        .unwrap()
        .permissions()
        .mode();
    assert!(
        mode & 0o111 != 0,
        "completions/kubectl_complete-ramp is not executable"
    );
}
