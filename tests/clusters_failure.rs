//! One of three clusters fails mid-rollout (its API server is killed): the
//! rollout is aborted on the others, and the report names the cluster and
//! the reason. In a test binary of its own, since it breaks a plane; the
//! next `tests/cluster/up 3` starts that plane again.

mod support;

use support::{kubeconfig_all, kubectl_in, ramp_with};

#[test]
fn a_cluster_that_fails_mid_rollout_aborts_the_others_with_a_clear_report() {
    let registry =
        std::env::temp_dir().join(format!("ramp-clusters-failure-{}.yaml", std::process::id()));
    let _ = std::fs::remove_file(&registry);
    let ramp = |args: &[&str]| {
        ramp_with(args, |c| {
            c.env("KUBECONFIG", kubeconfig_all())
                .env("RAMP_CLUSTERS", &registry);
        })
    };
    let ns = format!("failure-{}", std::process::id());
    for (i, context) in support::PLANES.iter().enumerate() {
        ramp(&[
            "cluster",
            "setup",
            "--context",
            context,
            "--name",
            &format!("c{}", i + 1),
        ])
        .success();
    }
    support::istio_app_on_planes(&ns, 2);
    ramp(&[
        "start",
        "web",
        "-n",
        &ns,
        "--image",
        "example.com/web:2",
        "--steps",
        "20,50,100",
        "--all-clusters",
    ])
    .success();

    // Plane 3's API server goes away.
    let pidfile = support::repo_root().join("target/testenv/plane-3/kube-apiserver.pid");
    let pid = std::fs::read_to_string(&pidfile).unwrap();
    std::process::Command::new("kill")
        .args(["-9", pid.trim()])
        .status()
        .unwrap();

    let run = ramp(&[
        "step",
        "web",
        "-n",
        &ns,
        "--all-clusters",
        "--timeout",
        "20s",
    ]);
    assert_eq!(run.code, Some(1), "{run}");
    assert!(
        run.stderr.contains(
            "[c3] error: cannot reach the Kubernetes API server at https://127.0.0.1:26483"
        ),
        "{run}"
    );
    assert!(
        run.stderr
            .contains("step failed on c3: aborting the rollout on every cluster"),
        "{run}"
    );
    let last = run.stderr.lines().last().unwrap_or_default();
    assert!(
        last.starts_with("error: step failed on 1 of 3 clusters: c3 (cannot reach"),
        "{run}"
    );
    // The abort could not reach c3 either, and the report says so.
    assert!(run.stderr.contains("[c3] abort failed: "), "{run}");
    assert!(
        last.contains("; the abort failed on c3 (cannot reach"),
        "{run}"
    );
    let rows: Vec<&str> = run.stdout.lines().collect();
    assert!(
        rows.iter()
            .any(|l| l.starts_with("c1") && l.contains("Aborted")),
        "{run}"
    );
    assert!(
        rows.iter()
            .any(|l| l.starts_with("c2") && l.contains("Aborted")),
        "{run}"
    );
    assert!(
        rows.iter()
            .any(|l| l.starts_with("c3") && l.contains("unknown: cannot reach")),
        "{run}"
    );
    assert!(run.stdout.contains("2 of 3 clusters answered"), "{run}");
    for context in ["ramp-testenv", "ramp-testenv-2"] {
        let vs = kubectl_in(
            context,
            &["get", "virtualservice", "web", "-n", &ns, "-o", "json"],
            "",
        )
        .json();
        assert_eq!(
            support::weights(&vs, 0),
            [("web".to_string(), 0)],
            "{context}: all traffic back"
        );
    }
}
