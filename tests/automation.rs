//! Automated rollouts: analysis against a real Prometheus scraping
//! Istio-shaped metrics that each test sets, webhooks, the driver's lease,
//! and resuming after the driver died.

mod support;

use std::time::Duration;

use support::hook::Hook;
use support::metrics::{Metrics, Traffic};
use support::{istio_app, wait_output, wait_until, weights};

fn example(name: &str) -> String {
    support::repo_root()
        .join("examples/analysis")
        .join(name)
        .display()
        .to_string()
}

/// `start --auto` with a short interval against this binary's Prometheus.
fn auto_args<'a>(url: &'a str, analysis: &'a str, extra: &[&'a str]) -> Vec<&'a str> {
    let mut args = vec![
        "start",
        "web",
        "--image",
        "example.com/web:2",
        "--steps",
        "50,100",
        "--auto",
        "--analysis",
        analysis,
        "--prometheus",
        url,
        "--interval",
        "4s",
    ];
    args.extend_from_slice(extra);
    args
}

#[test]
fn a_healthy_canary_promotes_by_itself() {
    let metrics = Metrics::get();
    let ns = istio_app("auto-healthy", 2);
    metrics.set(&ns.name, "web", Traffic::healthy());
    metrics.set(&ns.name, "web-canary", Traffic::healthy());
    let analysis = example("istio.yaml");
    let run = ns
        .ramp(&auto_args(
            &metrics.prometheus_url,
            &analysis,
            &["-o", "json"],
        ))
        .success();
    assert_eq!(run.json()["phase"], "Succeeded", "{run}");
    assert!(
        run.stderr.contains("check request-success-rate: pass"),
        "{run}"
    );
    assert!(run.stderr.contains("check request-duration: pass"), "{run}");
    assert_eq!(
        ns.get("deployment", "web")["spec"]["template"]["spec"]["containers"][0]["image"],
        "example.com/web:2"
    );
    let checks = ns.record("web").unwrap()["automation"]["checks"].clone();
    let success = checks
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "request-success-rate")
        .unwrap();
    assert!(
        success["query"]
            .as_str()
            .unwrap()
            .contains(&format!("destination_workload_namespace=\"{}\"", ns.name))
    );
    assert_eq!(success["value"], 100.0);
    assert_eq!(success["threshold"], ">= 99");
    // Each step, the last one included, was checked before going on.
    let checked = checks
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["name"] == "request-success-rate")
        .count();
    assert_eq!(checked, 2, "one check per step: {checks}");
}

#[test]
fn a_one_second_interval_reads_two_scrapes_and_promotes() {
    // Prometheus scrapes every second here: a one-second window would
    // hold one sample, never a rate. The window becomes two scrapes.
    let metrics = Metrics::get();
    let ns = istio_app("auto-fast", 2);
    metrics.set(&ns.name, "web", Traffic::healthy());
    metrics.set(&ns.name, "web-canary", Traffic::healthy());
    let analysis = example("istio.yaml");
    let mut args = auto_args(&metrics.prometheus_url, &analysis, &["-o", "json"]);
    let interval = args.iter().position(|a| *a == "4s").unwrap();
    args[interval] = "1s";
    let run = ns.ramp(&args).success();
    assert_eq!(run.json()["phase"], "Succeeded", "{run}");
    let checks = ns.record("web").unwrap()["automation"]["checks"].clone();
    let query = checks
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "request-success-rate")
        .unwrap()["query"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(query.contains("[2s]"), "{query}");
}

#[test]
fn a_prometheus_out_of_reach_is_inconclusive_and_rolls_back_after_the_limit() {
    // Nothing listens on port 9: every query is refused. A blip of the
    // Prometheus does not end the driver (which would leave the contender
    // serving with nothing watching it); rounds it cannot judge count as
    // inconclusive, and past --inconclusive-limit it rolls back.
    let ns = istio_app("auto-no-prometheus", 2);
    let before = ns.get("virtualservice", "web")["spec"].clone();
    let analysis = example("istio.yaml");
    let mut args = auto_args("http://127.0.0.1:9", &analysis, &[]);
    let interval = args.iter().position(|a| *a == "4s").unwrap();
    args[interval] = "1s";
    let run = ns.ramp(&args).code(3);
    assert!(
        run.stderr
            .contains("cannot query Prometheus at http://127.0.0.1:9"),
        "{run}"
    );
    assert!(
        run.stderr
            .contains("the analysis was inconclusive 6 times in a row"),
        "{run}"
    );
    let record = ns.record("web").unwrap();
    assert_eq!(record["phase"], "Aborted");
    let checks = record["automation"]["checks"].as_array().unwrap().clone();
    assert!(
        checks
            .iter()
            .any(|c| c["name"] == "prometheus" && c["verdict"] == "inconclusive"),
        "{checks:?}"
    );
    assert_eq!(ns.get("virtualservice", "web")["spec"], before);
    assert_eq!(ns.names("deployments"), ["web"]);
}

#[test]
fn a_failing_contender_is_rolled_back_with_exit_3_naming_the_metric() {
    let metrics = Metrics::get();
    let ns = istio_app("auto-failing", 2);
    metrics.set(&ns.name, "web", Traffic::healthy());
    metrics.set(
        &ns.name,
        "web-canary",
        Traffic {
            errors: 0.3,
            ..Traffic::healthy()
        },
    );
    let before = ns.get("virtualservice", "web")["spec"].clone();
    let analysis = example("istio.yaml");
    let run = ns
        .ramp(&auto_args(&metrics.prometheus_url, &analysis, &[]))
        .code(3);
    let first = run
        .stderr
        .lines()
        .find(|l| l.starts_with("error: "))
        .unwrap_or_default()
        .to_string();
    assert!(first.starts_with("error: analysis failed at step 1/2 and the rollout was rolled back: request-success-rate is 70"), "{run}");
    assert!(first.contains("outside >= 99"), "{run}");
    assert_eq!(ns.get("virtualservice", "web")["spec"], before);
    assert_eq!(ns.names("deployments"), ["web"]);
    let record = ns.record("web").unwrap();
    assert_eq!(record["phase"], "Aborted");
    let failed = record["automation"]["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["verdict"] == "fail")
        .unwrap()
        .clone();
    assert_eq!(failed["name"], "request-success-rate");
    let status = ns.ramp(&["status", "web"]).success();
    let row = status
        .stdout
        .lines()
        .find(|l| l.contains("request-success-rate") && l.contains("fail"))
        .unwrap_or_else(|| panic!("a failed check in status:\n{status}"));
    assert!(row.contains(">= 99"), "{status}");
    let json = ns.ramp(&["status", "web", "-o", "json"]).success().json();
    assert!(
        json["checks"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["verdict"] == "fail")
    );
}

#[test]
fn relative_analysis_passes_when_both_are_bad_and_fails_when_only_the_contender_is() {
    let metrics = Metrics::get();
    let analysis = example("relative.yaml");
    let bad = Traffic {
        errors: 0.2,
        ..Traffic::healthy()
    };

    let both = istio_app("auto-relative-both", 2);
    metrics.set(&both.name, "web", bad);
    metrics.set(&both.name, "web-canary", bad);
    let run = both
        .ramp(&auto_args(
            &metrics.prometheus_url,
            &analysis,
            &["-o", "json"],
        ))
        .success();
    assert_eq!(run.json()["phase"], "Succeeded");

    let one = istio_app("auto-relative-one", 2);
    metrics.set(&one.name, "web", Traffic::healthy());
    metrics.set(&one.name, "web-canary", bad);
    let run = one
        .ramp(&auto_args(&metrics.prometheus_url, &analysis, &[]))
        .code(3);
    assert!(
        run.stderr.contains(
            "error-rate-vs-incumbent is contender 20 vs incumbent 0, outside <= incumbent + 1"
        ),
        "{run}"
    );
}

#[test]
fn no_traffic_is_inconclusive_then_fails_at_its_limit() {
    let metrics = Metrics::get();
    let ns = istio_app("auto-quiet", 2);
    metrics.set(&ns.name, "web", Traffic::healthy());
    metrics.set(
        &ns.name,
        "web-canary",
        Traffic {
            requests_per_second: 0.0,
            ..Traffic::healthy()
        },
    );
    let file = std::env::temp_dir().join(format!("ramp-quiet-{}.yaml", ns.name));
    std::fs::write(
        &file,
        "metrics:\n- name: request-success-rate\n  min: 99\nminSamples: 10\ninconclusiveLimit: 2\n",
    )
    .unwrap();
    let run = ns
        .ramp(&auto_args(
            &metrics.prometheus_url,
            file.to_str().unwrap(),
            &[],
        ))
        .code(3);
    assert!(
        run.stderr.contains("too little traffic to judge, waiting"),
        "{run}"
    );
    assert!(run.stderr.contains("inconclusive (1 of 2)"), "{run}");
    assert!(
        run.stderr
            .contains("the analysis was inconclusive 3 times in a row"),
        "{run}"
    );
    assert_eq!(ns.record("web").unwrap()["phase"], "Aborted");
}

#[test]
fn a_webhook_gate_holds_the_step_until_it_answers_200() {
    let ns = istio_app("auto-gate", 2);
    let hook = Hook::start();
    hook.answer(503);
    let url = &hook.url;
    let file = std::env::temp_dir().join(format!("ramp-gate-{}.yaml", ns.name));
    std::fs::write(
        &file,
        format!("webhooks:\n- name: load-test\n  type: step\n  url: {url}\n  timeout: 60s\n"),
    )
    .unwrap();
    let driver = ns.spawn_ramp(&[
        "start",
        "web",
        "--image",
        "example.com/web:2",
        "--steps",
        "50,100",
        "--auto",
        "--analysis",
        file.to_str().unwrap(),
        "--interval",
        "1s",
    ]);
    wait_until("the gate is called twice", Duration::from_secs(30), || {
        hook.calls() >= 2
    });
    assert_eq!(
        ns.record("web").unwrap()["step"],
        1,
        "the step waits for the gate"
    );
    hook.answer(200);
    let run = wait_output(driver);
    assert_eq!(run.code, Some(0), "{run}");
    assert!(
        run.stderr
            .contains("waiting for webhook load-test to answer 200"),
        "{run}"
    );
    assert_eq!(ns.record("web").unwrap()["phase"], "Succeeded");
}

#[test]
fn a_second_driver_is_kept_out_and_a_dead_one_is_taken_over() {
    let ns = istio_app("auto-lease", 2);
    let driver = driven(&ns);
    let second = ns.ramp(&["run", "web"]).code(5);
    assert!(
        second
            .stderr
            .contains("another kubectl-ramp is driving the rollout of \"web\""),
        "{second}"
    );
    assert!(second.stderr.contains("(run)"), "{second}");

    // The driver dies; a new one carries on from the record, with the
    // settings the record keeps, and finishes the rollout.
    let mut driver = driver;
    driver.kill().unwrap();
    driver.wait().unwrap();
    let run = ns
        .ramp(&["run", "web", "--interval", "1s", "-o", "json"])
        .success();
    assert_eq!(run.json()["phase"], "Succeeded", "{run}");
    assert_eq!(
        weights(&ns.get("virtualservice", "web"), 0),
        [("web".into(), 0)]
    );
    assert!(ns.names("leases").is_empty());
}

#[test]
fn automation_flags_without_auto_or_prometheus_are_refused() {
    let ns = istio_app("auto-bad", 2);
    let versions = ns.versions();
    let analysis = example("istio.yaml");
    let run = ns
        .ramp(&["start", "web", "--image", "x:2", "--analysis", &analysis])
        .code(2);
    assert!(run.stderr.contains("add --auto"), "{run}");
    let run = ns
        .ramp(&[
            "start",
            "web",
            "--image",
            "x:2",
            "--auto",
            "--analysis",
            &analysis,
        ])
        .code(2);
    assert!(
        run.stderr.contains("no Prometheus to read them from"),
        "{run}"
    );
    let run = ns.ramp(&["run", "web"]).code(2);
    assert!(run.stderr.contains("has no rollout in progress"), "{run}");
    assert_eq!(ns.versions(), versions);
}

#[test]
fn run_refuses_dry_run_and_changes_nothing() {
    let ns = istio_app("auto-dry", 2);
    ns.ramp(&[
        "start",
        "web",
        "--image",
        "example.com/web:2",
        "--steps",
        "50,100",
    ])
    .success();
    let versions = ns.versions();
    let run = ns
        .ramp(&["run", "web", "--dry-run", "--interval", "1s"])
        .code(2);
    assert!(run.stderr.contains("run does not take --dry-run"), "{run}");
    assert!(run.stderr.contains("step web --dry-run"), "{run}");
    assert_eq!(ns.versions(), versions);
    assert!(ns.names("leases").is_empty());
}

/// An automated rollout at its first step, its driver waiting 30s before
/// the first check.
fn driven(ns: &support::Namespace) -> std::process::Child {
    let driver = ns.spawn_ramp(&[
        "start",
        "web",
        "--image",
        "example.com/web:2",
        "--steps",
        "30,60,100",
        "--auto",
        "--interval",
        "30s",
    ]);
    wait_until("the first step", Duration::from_secs(30), || {
        ns.record("web")
            .is_some_and(|r| r["step"] == 1 && r["phase"] == "Paused")
            && ns.names("leases") == ["ramp-web"]
    });
    driver
}

#[test]
fn abort_wins_over_a_running_driver() {
    let ns = istio_app("auto-abort", 2);
    let driver = driven(&ns);
    let abort = ns
        .ramp(&["abort", "web", "--reason", "pager went off"])
        .success();
    assert!(
        abort
            .stderr
            .contains("another kubectl-ramp is driving the rollout"),
        "{abort}"
    );
    assert!(abort.stderr.contains("aborting anyway"), "{abort}");
    // The driver sees it on its watch, long before its 30s are up.
    let run = wait_output(driver);
    assert_eq!(run.code, Some(3), "{run}");
    assert!(
        run.stderr
            .contains("was aborted (aborted at step 1/3: pager went off"),
        "{run}"
    );
    assert_eq!(ns.record("web").unwrap()["phase"], "Aborted");
    assert_eq!(ns.names("deployments"), ["web"]);
    assert_eq!(
        weights(&ns.get("virtualservice", "web"), 0),
        [("web".into(), 0)]
    );
    assert!(ns.names("leases").is_empty(), "the driver let go");
}

#[test]
fn an_abort_while_an_automated_start_is_still_starting_ends_its_driver_with_exit_3() {
    let ns = istio_app("auto-abort-start", 2);
    // A contender that takes 5 s to be ready: the abort comes while start
    // waits for it, before the driver's first look.
    let manifest = support::ready_after(&support::web_app("web", 2, "example.com/web:2"), 5);
    let file = std::env::temp_dir().join(format!("ramp-slow-{}.yaml", ns.name));
    std::fs::write(&file, manifest.split("---").next().unwrap()).unwrap();
    let driver = ns.spawn_ramp(&[
        "start",
        "web",
        "-f",
        file.to_str().unwrap(),
        "--steps",
        "50,100",
        "--auto",
        "--interval",
        "30s",
    ]);
    wait_until("the contender made", Duration::from_secs(30), || {
        ns.names("deployments").contains(&"web-canary".to_string())
    });
    ns.ramp(&["abort", "web", "--reason", "wrong build"])
        .success();
    let run = wait_output(driver);
    assert_eq!(run.code, Some(3), "{run}");
    assert!(
        run.stderr.contains("was aborted (") && run.stderr.contains("wrong build"),
        "{run}"
    );
    assert_eq!(ns.record("web").unwrap()["phase"], "Aborted");
    assert_eq!(ns.names("deployments"), ["web"]);
    assert!(ns.names("leases").is_empty(), "the driver let go");
}

#[test]
fn pause_stops_the_driver_at_its_step_and_run_carries_on() {
    let ns = istio_app("auto-pause", 2);
    let driver = driven(&ns);
    let pause = ns.ramp(&["pause", "web"]).success();
    assert!(
        pause.stderr.contains("stops at its current step"),
        "{pause}"
    );
    let run = wait_output(driver);
    assert_eq!(run.code, Some(0), "{run}");
    assert!(run.stderr.contains("paused by "), "{run}");
    assert!(run.stderr.contains("at step 1/3"), "{run}");
    let record = ns.record("web").unwrap();
    assert_eq!(
        (record["phase"].as_str(), record["step"].as_u64()),
        (Some("Paused"), Some(1))
    );
    assert!(ns.names("leases").is_empty());
    assert_eq!(
        weights(&ns.get("virtualservice", "web"), 0),
        [("web".into(), 70), ("web-canary".into(), 30)]
    );
    let status = ns.ramp(&["status", "web", "-o", "json"]).success().json();
    assert_eq!(status["phase"], "Paused");

    let run = ns
        .ramp(&["run", "web", "--interval", "1s", "-o", "json"])
        .success();
    assert_eq!(run.json()["phase"], "Succeeded", "{run}");
    assert!(
        ns.record("web").unwrap()["automation"]
            .get("paused_by")
            .is_none()
    );
}

#[test]
fn blue_green_driven_by_itself_checks_the_switch_and_leaves_the_promotion_to_a_person() {
    // Blue-green keeps the incumbent 30s after the switch when a person
    // steps; the automation checks the switch instead, and --no-promote
    // leaves the rollout there.
    let metrics = Metrics::get();
    let ns = istio_app("auto-blue-green", 2);
    metrics.set(&ns.name, "web", Traffic::healthy());
    metrics.set(&ns.name, "web-canary", Traffic::healthy());
    let analysis = example("istio.yaml");
    let run = ns
        .ramp(&[
            "start",
            "web",
            "--image",
            "example.com/web:2",
            "--strategy",
            "blue-green",
            "--auto",
            "--analysis",
            &analysis,
            "--prometheus",
            &metrics.prometheus_url,
            "--interval",
            "2s",
            "--no-promote",
        ])
        .success();
    assert!(run.stderr.contains("left for a person"), "{run}");
    assert!(
        !run.stderr.contains("keeping web at full capacity"),
        "{run}"
    );
    let record = ns.record("web").unwrap();
    assert_eq!(
        (record["phase"].as_str(), record["step"].as_u64()),
        (Some("Paused"), Some(2)),
        "{record}"
    );
    // The preview (no traffic) was judged by its pods, the switch by its
    // metrics too.
    let checks = record["automation"]["checks"].as_array().unwrap();
    let metric_checks = checks
        .iter()
        .filter(|c| c["name"] == "request-success-rate")
        .count();
    assert_eq!(metric_checks, 1, "{checks:?}");
    assert_eq!(
        weights(&ns.get("virtualservice", "web"), 0),
        [("web".into(), 0), ("web-canary".into(), 100)]
    );
    ns.ramp(&["abort", "web"]).success();
}

#[test]
fn a_rollback_decided_before_the_driver_stopped_happens_when_run_carries_on() {
    let ns = istio_app("auto-decided", 2);
    let driver = driven(&ns);
    let mut driver = driver;
    driver.kill().unwrap();
    driver.wait().unwrap();
    // The checks had failed as often as allowed (the default limit is 1)
    // when the driver died, before its rollback.
    let mut record = ns.record("web").unwrap();
    record["automation"]["failures"] = 1.into();
    ns.set_record("web", &record);
    let run = ns.ramp(&["run", "web"]).code(3);
    assert!(
        run.stderr
            .contains("the checks had failed as often as --failure-limit allows"),
        "{run}"
    );
    assert_eq!(ns.record("web").unwrap()["phase"], "Aborted");
    assert_eq!(ns.names("deployments"), ["web"]);
}
