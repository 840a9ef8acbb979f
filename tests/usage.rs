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
    for (word, steered_to) in [
        ("rum", "run"),
        ("restart", "start"),
        ("paus", "pause"),
        ("undoo", "undo"),
    ] {
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
fn cluster_is_kubectls_kubeconfig_cluster_not_clusters() {
    let dir = std::env::temp_dir().join(format!("ramp-usage-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let config = dir.join("kubeconfig");
    std::fs::write(
        &config,
        "apiVersion: v1\nkind: Config\nclusters:\n- name: dev\n  cluster: {server: 'https://127.0.0.1:9'}\n\
         users:\n- name: me\n  user: {}\ncontexts:\n- name: dev\n  context: {cluster: dev, user: me}\n\
         current-context: dev\n",
    )
    .unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_kubectl-ramp"))
        .args(["abort", "web", "--cluster", "prod"])
        .env("KUBECONFIG", &config)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.starts_with(
            "error: the kubeconfig has no cluster \"prod\" (--cluster)\n  hint: its clusters: dev"
        ),
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
