//! Usage errors: exit code 2, and no "did you mean" that points at a
//! command or flag that changes the cluster.

use std::process::Command;

fn ramp(args: &[&str]) -> (Option<i32>, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_kubectl-ramp"))
        .args(args)
        .output()
        .unwrap();
    (
        output.status.code(),
        String::from_utf8(output.stderr).unwrap(),
    )
}

#[test]
fn unknown_commands_get_no_suggestion_of_one_that_changes_the_cluster() {
    for (word, steered_to) in [("undo", "run"), ("restart", "start"), ("paus", "pause")] {
        let (code, stderr) = ramp(&[word, "web"]);
        assert_eq!(code, Some(2), "{word}: {stderr}");
        assert!(
            stderr.contains(&format!("unrecognized subcommand '{word}'")),
            "{stderr}"
        );
        assert!(
            !stderr.contains(&format!("'{steered_to}'")),
            "{word}: {stderr}"
        );
        assert!(!stderr.contains("similar"), "{word}: {stderr}");
    }
}

#[test]
fn cluster_is_not_taken_for_clusters() {
    let (code, stderr) = ramp(&["abort", "web", "--cluster", "prod"]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(
        stderr.contains("unexpected argument '--cluster'"),
        "{stderr}"
    );
    assert!(!stderr.contains("--clusters"), "{stderr}");
}

#[test]
fn every_help_ends_with_examples() {
    for args in [
        &["--help"][..],
        &["start", "--help"],
        &["status", "--help"],
        &["cluster", "setup", "--help"],
        &["version", "--help"],
    ] {
        let output = Command::new(env!("CARGO_BIN_EXE_kubectl-ramp"))
            .args(args)
            .output()
            .unwrap();
        let stdout = String::from_utf8(output.stdout).unwrap();
        assert!(output.status.success(), "{args:?}");
        let examples = stdout.split_once("Examples:\n").map(|(_, e)| e);
        assert!(
            examples.is_some_and(|e| e.contains("  kubectl ramp ")),
            "{args:?}:\n{stdout}"
        );
    }
}
