//! Automated rollouts region after region (`--waves region` with `--auto`)
//! across three local control planes, each region analysed on its own
//! Prometheus (two real ones, apart): the first region promoted, a failure
//! in the second rolls that region back (or, with `--on-failure pause`,
//! leaves it paused) and the third never starts; a freeze on a later
//! region holds the waves before it until it ends.

mod support;

use std::path::PathBuf;

use support::metrics::{Metrics, Traffic};
use support::{Run, kubeconfig_all, kubectl_in, ramp_with};

const HEALTHY: Traffic = Traffic {
    requests_per_second: 50.0,
    errors: 0.0,
    latency_ms: 40.0,
};

const FAILING: Traffic = Traffic {
    requests_per_second: 50.0,
    errors: 0.5,
    latency_ms: 40.0,
};

fn ramp_clusters(registry: &PathBuf, args: &[&str]) -> Run {
    ramp_with(args, |c| {
        c.env("KUBECONFIG", kubeconfig_all())
            .env("RAMP_CLUSTERS", registry);
    })
}

/// Three regions of one cluster each: eu (c1) and ap (c3) read the
/// healthy Prometheus, given at setup; us (c2) reads the failing one,
/// given for its region in the clusters file.
fn three_regions(ns: &str) -> PathBuf {
    let healthy = Metrics::get();
    let failing = Metrics::second();
    let registry =
        std::env::temp_dir().join(format!("ramp-waves-{}-{ns}.yaml", std::process::id()));
    let _ = std::fs::remove_file(&registry);
    for (name, context, region, prometheus) in [
        ("c1", "ramp-testenv", "eu", Some(&healthy.prometheus_url)),
        ("c2", "ramp-testenv-2", "us", None),
        ("c3", "ramp-testenv-3", "ap", Some(&healthy.prometheus_url)),
    ] {
        let mut args = vec![
            "cluster",
            "setup",
            "--context",
            context,
            "--name",
            name,
            "--region",
            region,
        ];
        if let Some(url) = prometheus {
            args.extend(["--prometheus", url.as_str()]);
        }
        ramp_clusters(&registry, &args).success();
    }
    let mut text = std::fs::read_to_string(&registry).unwrap();
    // eu's series are read with the label Prometheus gives the scrape job:
    // the label is in every query, and the series are still found.
    text.push_str(&format!(
        "regions:\n- name: us\n  prometheus: {}\n- name: eu\n  labels: {{job: istio}}\n",
        failing.prometheus_url
    ));
    std::fs::write(&registry, text).unwrap();
    support::istio_app_on_planes(ns, 2);
    for metrics in [healthy, failing] {
        metrics.set(ns, "web", HEALTHY);
    }
    healthy.set(ns, "web-canary", HEALTHY);
    failing.set(ns, "web-canary", FAILING);
    registry
}

fn analysis() -> String {
    support::repo_root()
        .join("examples/analysis/istio.yaml")
        .display()
        .to_string()
}

fn image(context: &str, ns: &str) -> String {
    let d = kubectl_in(
        context,
        &["get", "deployment", "web", "-n", ns, "-o", "json"],
        "",
    )
    .json();
    d["spec"]["template"]["spec"]["containers"][0]["image"]
        .as_str()
        .unwrap()
        .to_string()
}

fn names(context: &str, ns: &str) -> Vec<String> {
    kubectl_in(context, &["get", "deployments", "-n", ns, "-o", "name"], "")
        .success()
        .stdout
        .lines()
        .map(|l| l.rsplit('/').next().unwrap().to_string())
        .collect()
}

fn start_args<'a>(ns: &'a str, analysis: &'a str, extra: &[&'a str]) -> Vec<&'a str> {
    let mut args = vec![
        "start",
        "web",
        "-n",
        ns,
        "--image",
        "example.com/web:2",
        "--steps",
        "50,100",
        "--all-clusters",
        "--waves",
        "region",
        "--auto",
        "--analysis",
        analysis,
        "--interval",
        "4s",
    ];
    args.extend_from_slice(extra);
    args
}

#[test]
fn a_failure_in_the_second_region_rolls_it_back_and_the_third_never_starts() {
    let ns = format!("waves-auto-{}", std::process::id());
    let registry = three_regions(&ns);
    let analysis = analysis();
    let run = ramp_clusters(&registry, &start_args(&ns, &analysis, &["-o", "json"])).code(3);

    // Each region on its own metrics: the first passed on the healthy
    // Prometheus, the second failed on its own.
    assert!(
        run.stderr.contains("[c1] check request-success-rate: pass"),
        "{run}"
    );
    assert!(
        run.stderr.contains("[c2] check request-success-rate: fail"),
        "{run}"
    );
    assert!(!run.stderr.contains("[c3] check"), "{run}");
    assert!(
        run.stderr
            .contains("region us: analysis failed at step 1/2"),
        "{run}"
    );
    assert!(run.stderr.contains("region ap did not start"), "{run}");

    // The per-cluster report.
    let rows = run.json();
    let row = |cluster: &str| {
        rows.as_array()
            .unwrap()
            .iter()
            .find(|r| r["cluster"] == cluster)
            .unwrap_or_else(|| panic!("no row for {cluster}: {run}"))
            .clone()
    };
    let c1 = row("c1");
    assert_eq!(c1["region"], "eu");
    assert_eq!(c1["rollout"], "promoted", "{c1}");
    assert_eq!(c1["status"]["phase"], "Succeeded", "{c1}");
    let c2 = row("c2");
    assert_eq!(c2["rollout"], "rolled_back", "{c2}");
    assert_eq!(c2["status"]["phase"], "Aborted", "{c2}");
    let c3 = row("c3");
    assert_eq!(c3["rollout"], "not_started", "{c3}");
    assert_eq!(c3["status"]["phase"], "Idle", "{c3}");

    // c1's checks read its series with its region's label.
    let d = kubectl_in(
        "ramp-testenv",
        &["get", "deployment", "web", "-n", &ns, "-o", "json"],
        "",
    )
    .json();
    let record: serde_json::Value = serde_json::from_str(
        d["metadata"]["annotations"]["ramp.dev/record"]
            .as_str()
            .unwrap(),
    )
    .unwrap();
    let checks = record["automation"]["checks"].as_array().unwrap();
    let labelled: Vec<&serde_json::Value> = checks
        .iter()
        .filter(|c| c["name"] == "request-success-rate")
        .collect();
    assert!(!labelled.is_empty(), "{record}");
    for check in labelled {
        assert!(
            check["query"]
                .as_str()
                .unwrap()
                .contains(r#"destination_workload="web-canary",job="istio""#),
            "{check}"
        );
        assert_eq!(check["verdict"], "pass", "{check}");
    }

    // What the clusters hold.
    assert_eq!(image("ramp-testenv", &ns), "example.com/web:2");
    assert_eq!(image("ramp-testenv-2", &ns), "example.com/web:1");
    assert_eq!(image("ramp-testenv-3", &ns), "example.com/web:1");
    for context in support::PLANES {
        assert_eq!(names(context, &ns), ["web"], "{context}");
    }
    // The rolled-back region's route is back exactly as it was, as the
    // region never started still has it.
    let route = |context: &str| {
        kubectl_in(
            context,
            &["get", "virtualservice", "web", "-n", &ns, "-o", "json"],
            "",
        )
        .json()["spec"]
            .clone()
    };
    assert_eq!(route("ramp-testenv-2"), route("ramp-testenv-3"));
    let untouched = kubectl_in(
        "ramp-testenv-3",
        &["get", "deployment", "web", "-n", &ns, "-o", "json"],
        "",
    )
    .json();
    assert!(
        untouched["metadata"]["annotations"]["ramp.dev/record"].is_null(),
        "{untouched}"
    );
    for context in support::PLANES {
        kubectl_in(context, &["delete", "namespace", &ns, "--wait=false"], "").success();
    }
}

#[test]
fn on_failure_pause_leaves_the_failed_region_where_it_stands() {
    let ns = format!("waves-pause-{}", std::process::id());
    let registry = three_regions(&ns);
    let analysis = analysis();
    let run = ramp_clusters(
        &registry,
        &start_args(&ns, &analysis, &["--on-failure", "pause"]),
    )
    .code(1);
    assert!(
        run.stderr.contains(
            "analysis failed at step 1/2 and the rollout was left paused where it stands"
        ),
        "{run}"
    );
    // The report, for people: a line per cluster, region by region.
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert!(lines[0].starts_with("CLUSTER"), "{run}");
    let words = |line: &str| {
        line.split_whitespace()
            .map(String::from)
            .collect::<Vec<_>>()
    };
    assert_eq!(
        words(lines[1])[..4],
        ["c1", "eu", "promoted", "Succeeded"],
        "{run}"
    );
    assert_eq!(
        words(lines[2])[..6],
        ["c2", "us", "in", "progress", "Paused", "1/2"],
        "{run}"
    );
    assert_eq!(words(lines[3]), ["c3", "ap", "not", "started"], "{run}");

    // The second region kept its contender at step 1, its automation
    // paused with the reason.
    assert!(names("ramp-testenv-2", &ns).contains(&"web-canary".to_string()));
    let d = kubectl_in(
        "ramp-testenv-2",
        &["get", "deployment", "web", "-n", &ns, "-o", "json"],
        "",
    )
    .json();
    let record: serde_json::Value = serde_json::from_str(
        d["metadata"]["annotations"]["ramp.dev/record"]
            .as_str()
            .unwrap(),
    )
    .unwrap();
    assert_eq!(record["step"], 1);
    assert_eq!(
        record["automation"]["paused_by"],
        "the analysis (--on-failure pause)"
    );
    assert_eq!(
        record["history"].as_array().unwrap().last().unwrap()["event"],
        "AnalysisFailed"
    );
    // A person rolls it back by hand.
    ramp_clusters(&registry, &["abort", "web", "-n", &ns, "--region", "us"]).success();
    assert_eq!(names("ramp-testenv-2", &ns), ["web"]);
    for context in support::PLANES {
        kubectl_in(context, &["delete", "namespace", &ns, "--wait=false"], "").success();
    }
}

#[test]
fn a_freeze_on_one_cluster_refuses_the_waves_before_any_cluster_changes() {
    let ns = format!("waves-frozen-{}", std::process::id());
    let registry = three_regions(&ns);
    ramp_clusters(
        &registry,
        &[
            "freeze",
            "--context",
            "ramp-testenv-2",
            "-n",
            &ns,
            "--reason",
            "us maintenance",
        ],
    )
    .success();
    let analysis = analysis();
    let refused = ramp_clusters(&registry, &start_args(&ns, &analysis, &[])).code(2);
    assert!(
        refused.stderr.contains(&format!(
            "c2: start refused: namespace \"{ns}\" is frozen by "
        )),
        "{refused}"
    );
    assert!(refused.stderr.contains("us maintenance"), "{refused}");
    // list and status across the clusters show it, with its cluster.
    let list = ramp_clusters(
        &registry,
        &["list", "-n", &ns, "--all-clusters", "-o", "json"],
    )
    .success()
    .json();
    let freezes = list["freezes"].as_array().unwrap();
    assert_eq!(freezes.len(), 1, "{list}");
    assert_eq!(freezes[0]["cluster"], "c2");
    assert_eq!(freezes[0]["reason"], "us maintenance");
    let list = ramp_clusters(&registry, &["list", "-n", &ns, "--all-clusters"]).success();
    assert!(list.stdout.contains("CLUSTER   FROZEN"), "{list}");
    let status =
        ramp_clusters(&registry, &["status", "web", "-n", &ns, "--all-clusters"]).success();
    assert!(
        status
            .stdout
            .contains(&format!("c2: namespace \"{ns}\" is frozen by ")),
        "{status}"
    );
    for context in support::PLANES {
        let d = kubectl_in(
            context,
            &["get", "deployment", "web", "-n", &ns, "-o", "json"],
            "",
        )
        .json();
        assert!(
            d["metadata"]["annotations"]["ramp.dev/record"].is_null(),
            "{context}: {d}"
        );
        assert_eq!(names(context, &ns), ["web"], "{context}");
    }
    // Unfrozen, a rehearsal of the driven waves is refused as `run`'s is.
    ramp_clusters(
        &registry,
        &["unfreeze", "--context", "ramp-testenv-2", "-n", &ns],
    )
    .success();
    let rehearsal = ramp_clusters(&registry, &start_args(&ns, &analysis, &["--dry-run"])).code(2);
    assert!(
        rehearsal.stderr.contains("do not take --dry-run"),
        "{rehearsal}"
    );
    for context in support::PLANES {
        assert_eq!(names(context, &ns), ["web"], "{context}");
    }
    for context in support::PLANES {
        kubectl_in(context, &["delete", "namespace", &ns, "--wait=false"], "").success();
    }
}

#[test]
fn run_carries_a_rollout_started_by_hand_through_every_region() {
    let ns = format!("waves-run-{}", std::process::id());
    let registry = three_regions(&ns);
    ramp_clusters(
        &registry,
        &[
            "start",
            "web",
            "-n",
            &ns,
            "--image",
            "example.com/web:2",
            "--steps",
            "50,100",
            "--all-clusters",
            "--waves",
            "region",
        ],
    )
    .success();
    let run = ramp_clusters(
        &registry,
        &[
            "run",
            "web",
            "-n",
            &ns,
            "--all-clusters",
            "--waves",
            "region",
            "--interval",
            "1s",
            "-o",
            "json",
        ],
    )
    .success();
    let rollouts: Vec<(String, String)> = run
        .json()
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["cluster"].as_str().unwrap().to_string(),
                r["rollout"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        rollouts,
        [
            ("c1".to_string(), "promoted".to_string()),
            ("c2".to_string(), "promoted".to_string()),
            ("c3".to_string(), "promoted".to_string()),
        ],
        "{run}"
    );
    // Region after region: us started once eu was promoted, ap after us.
    let said = |text: &str| {
        run.stderr
            .find(text)
            .unwrap_or_else(|| panic!("{text:?} not in {run}"))
    };
    assert!(said("[c1] web runs the new version") < said("region us: starting"));
    assert!(said("[c2] web runs the new version") < said("region ap: starting"));
    for context in support::PLANES {
        assert_eq!(image(context, &ns), "example.com/web:2", "{context}");
    }
    for context in support::PLANES {
        kubectl_in(context, &["delete", "namespace", &ns, "--wait=false"], "").success();
    }
}

#[test]
fn a_freeze_on_a_later_region_holds_the_waves_before_it_until_it_ends() {
    let ns = format!("waves-held-{}", std::process::id());
    let registry = three_regions(&ns);
    // us is healthy here: only the freeze holds it back.
    Metrics::second().set(&ns, "web-canary", HEALTHY);
    let analysis = analysis();
    let mut args = start_args(&ns, &analysis, &["-o", "json"]);
    let interval = args.iter().position(|a| *a == "4s").unwrap();
    args[interval] = "2s";
    /// The driver, killed if the test ends before it does.
    struct Driver(Option<std::process::Child>);
    impl Drop for Driver {
        fn drop(&mut self) {
            if let Some(child) = self.0.as_mut() {
                let _ = child.kill();
                let _ = child.wait();
            }
        }
    }
    let mut driver = Driver(None);
    driver.0 = Some(
        std::process::Command::new(env!("CARGO_BIN_EXE_kubectl-ramp"))
            .env("KUBECONFIG", kubeconfig_all())
            .env("RAMP_CLUSTERS", &registry)
            .env_remove("RAMP_LOG")
            .args(&args)
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap(),
    );
    let record = |context: &str| {
        kubectl_in(
            context,
            &["get", "deployment", "web", "-n", &ns, "-o", "json"],
            "",
        )
        .json()["metadata"]["annotations"]["ramp.dev/record"]
            .as_str()
            .map(|r| serde_json::from_str::<serde_json::Value>(r).unwrap())
    };
    // eu has begun; ap is frozen before the waves reach it.
    support::wait_until("eu's rollout", std::time::Duration::from_secs(60), || {
        record("ramp-testenv").is_some()
    });
    ramp_clusters(
        &registry,
        &[
            "freeze",
            "--context",
            "ramp-testenv-3",
            "-n",
            &ns,
            "--reason",
            "ap maintenance",
        ],
    )
    .success();
    // us is promoted, and ap is not started while the freeze lasts.
    support::wait_until("us promoted", std::time::Duration::from_secs(120), || {
        record("ramp-testenv-2").is_some_and(|r| r["phase"] == "Succeeded")
    });
    std::thread::sleep(std::time::Duration::from_secs(5));
    assert!(
        record("ramp-testenv-3").is_none(),
        "ap started under its freeze"
    );
    assert_eq!(names("ramp-testenv-3", &ns), ["web"]);
    ramp_clusters(
        &registry,
        &["unfreeze", "--context", "ramp-testenv-3", "-n", &ns],
    )
    .success();
    let run = support::wait_output(driver.0.take().unwrap());
    assert_eq!(run.code, Some(0), "{run}");
    assert_eq!(
        run.stderr
            .matches("holding before region ap: [c3] namespace")
            .count(),
        1,
        "said once: {run}"
    );
    assert!(run.stderr.contains("ap maintenance"), "{run}");
    assert!(
        run.stderr
            .contains("the freeze is over: carrying on before region ap"),
        "{run}"
    );
    for context in support::PLANES {
        assert_eq!(image(context, &ns), "example.com/web:2", "{context}");
    }
    for context in support::PLANES {
        kubectl_in(context, &["delete", "namespace", &ns, "--wait=false"], "").success();
    }
}
