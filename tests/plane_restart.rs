//! The local control plane's own scripts: a restart keeps etcd's data, a
//! taken port is named with the process that holds it, and a start that
//! fails half way leaves nothing running. In a test binary of their own:
//! cargo runs test binaries one at a time, so restarting the shared plane
//! disturbs no other test.

mod support;

use std::net::TcpListener;
use std::process::Command;

use support::{Namespace, kubectl, repo_root};

fn script(name: &str) -> Command {
    Command::new(repo_root().join("tests/cluster").join(name))
}

#[test]
fn a_restart_keeps_what_the_plane_holds() {
    let ns = Namespace::new("plane-restart");
    kubectl(&[
        "create",
        "configmap",
        "kept",
        "--from-literal",
        "answer=42",
        "-n",
        &ns.name,
    ])
    .success();
    for components in [vec!["kube-apiserver"], vec![]] {
        let restarted = script("restart").args(&components).output().unwrap();
        assert!(
            restarted.status.success(),
            "restart {components:?}: {}",
            String::from_utf8_lossy(&restarted.stderr)
        );
        let kept = kubectl(&["get", "configmap", "kept", "-n", &ns.name, "-o", "json"])
            .success()
            .json();
        assert_eq!(kept["data"]["answer"], "42", "after restart {components:?}");
    }
    // A component killed: `up` brings the plane back with its data.
    let pid = std::fs::read_to_string(
        support::kubeconfig()
            .parent()
            .unwrap()
            .join("plane/kube-apiserver.pid"),
    )
    .unwrap();
    Command::new("kill").arg(pid.trim()).status().unwrap();
    let up = script("up").output().unwrap();
    assert!(
        String::from_utf8_lossy(&up.stderr).contains("restarting its components, keeping its data"),
        "{}",
        String::from_utf8_lossy(&up.stderr)
    );
    let kept = kubectl(&["get", "configmap", "kept", "-n", &ns.name, "-o", "json"])
        .success()
        .json();
    assert_eq!(kept["data"]["answer"], "42", "after up on a half-up plane");

    let refused = script("restart").arg("etcdd").output().unwrap();
    assert_eq!(refused.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&refused.stderr).contains("no component etcdd"),
        "{}",
        String::from_utf8_lossy(&refused.stderr)
    );
}

#[test]
fn a_taken_port_is_named_and_a_failed_start_leaves_nothing_running() {
    let state = std::env::temp_dir().join(format!("ramp-plane-test-{}", std::process::id()));
    let up = |crds: &std::path::Path| {
        script("up")
            .env("PLANE", "7")
            .env("RAMP_TESTENV_STATE", &state)
            .env("RAMP_CRDS_DIR", crds)
            .output()
            .unwrap()
    };
    // Plane 7's API server port, held by this test.
    let port = 26440 + 20 * 6 + 3;
    let holder = TcpListener::bind(("127.0.0.1", port)).unwrap();
    // Where the plane reads its CRDs from: RAMP_CRDS_DIR when it names
    // them, as tests/cluster/up does.
    let shared_crds = std::env::var_os("RAMP_CRDS_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| repo_root().join("../shared/crds"));
    let out = up(&shared_crds);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains(&format!("port {port} "))
            && stderr.contains("is taken by users:((\"plane_restart"),
        "names the port and who holds it: {stderr}"
    );
    drop(holder);

    // CRDs that cannot be applied: the start fails after etcd and the API
    // server are up; they are stopped, the logs kept.
    let bad = state.join("bad-crds");
    std::fs::create_dir_all(&bad).unwrap();
    std::fs::write(bad.join("bad.yaml"), "apiVersion: v1\nkind: [not a kind\n").unwrap();
    let out = up(&bad);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_ne!(out.status.code(), Some(0), "{stderr}");
    assert!(
        stderr.contains("starting kube-apiserver"),
        "it got that far: {stderr}"
    );
    let dir = state.join("plane-7");
    let left = Command::new("pgrep")
        .args(["-f", &format!("{}/", dir.display())])
        .output()
        .unwrap();
    assert!(
        String::from_utf8_lossy(&left.stdout).trim().is_empty(),
        "nothing of plane 7 runs: {}",
        String::from_utf8_lossy(&left.stdout)
    );
    assert!(
        dir.join("logs/kube-apiserver.log").exists(),
        "the logs stay"
    );
    let _ = std::fs::remove_dir_all(&state);
}
