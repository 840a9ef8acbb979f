//! Freezes against the local control plane: a frozen namespace (or
//! cluster) refuses start, step, run and promote with exit 2 and changes
//! nothing; abort passes; an override is recorded in the rollout's history
//! and as an Event; an expired freeze no longer holds; list and status
//! show them; a running driver holds its step under a freeze, analysing
//! on (a real Prometheus), and carries on when it ends.

mod support;

use std::time::Duration;

use support::hook::Hook;
use support::metrics::{Metrics, Traffic};
use support::{Namespace, istio_app, kubectl, ramp_with};

/// The record's transitions as (event, message).
fn transitions(ns: &Namespace) -> Vec<(String, String)> {
    let record = ns.record("web").expect("a record");
    record["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            (
                t["event"].as_str().unwrap().to_string(),
                t["message"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// What the cluster holds of the rollout: the record annotation and the
/// contender Deployment's presence, and the VirtualService's weights.
fn cluster_state(ns: &Namespace) -> (Option<serde_json::Value>, Vec<String>, serde_json::Value) {
    let vs = ns.get("virtualservice", "web");
    (
        ns.record("web"),
        ns.names("deployment"),
        vs["spec"]["http"].clone(),
    )
}

#[test]
fn a_frozen_namespace_refuses_start_step_run_and_promote_until_unfrozen_and_abort_passes() {
    let ns = istio_app("freeze", 2);
    let me = kubectl(&[
        "auth",
        "whoami",
        "-o",
        "jsonpath={.status.userInfo.username}",
    ])
    .success()
    .stdout;

    ns.ramp(&["freeze", "--reason", "black friday", "--until", "1h"])
        .success();
    let before = cluster_state(&ns);
    let refused = ns
        .ramp(&[
            "start",
            "web",
            "--image",
            "example.com/web:2",
            "--steps",
            "50,100",
        ])
        .code(2);
    assert!(
        refused.stderr.contains(&format!(
            "start refused: namespace \"{}\" is frozen by {me} since ",
            ns.name
        )),
        "{refused}"
    );
    assert!(refused.stderr.contains(", until 20"), "{refused}");
    assert!(refused.stderr.contains(": black friday"), "{refused}");
    assert!(refused.stderr.contains("--override-freeze"), "{refused}");
    assert_eq!(cluster_state(&ns), before, "nothing changed");
    assert_eq!(before.0, None);

    // status and list show the freeze, for people and for scripts.
    let status = ns.ramp(&["status", "web", "-o", "json"]).success().json();
    let freezes = status["freezes"].as_array().unwrap();
    assert_eq!(freezes.len(), 1, "{status}");
    assert_eq!(freezes[0]["scope"], "namespace");
    assert_eq!(freezes[0]["namespace"], ns.name.as_str());
    assert_eq!(freezes[0]["by"], me.as_str());
    assert_eq!(freezes[0]["reason"], "black friday");
    assert!(freezes[0]["until"].is_string(), "{status}");
    let table = ns.ramp(&["status", "web"]).success();
    assert!(
        table.stdout.contains(&format!(
            "Frozen:     namespace \"{}\" is frozen by {me}",
            ns.name
        )),
        "{table}"
    );
    let list = ns.ramp(&["list", "-o", "json"]).success().json();
    assert_eq!(list["freezes"][0]["reason"], "black friday", "{list}");
    let list = ns.ramp(&["list"]).success();
    assert!(list.stdout.contains("FROZEN"), "{list}");
    assert!(list.stdout.contains("black friday"), "{list}");

    // Lifted: the start goes through.
    let lifted = ns.ramp(&["unfreeze"]).success();
    assert!(lifted.stderr.contains("unfrozen namespace"), "{lifted}");
    ns.ramp(&[
        "start",
        "web",
        "--image",
        "example.com/web:2",
        "--steps",
        "50,100",
    ])
    .success();
    let list = ns.ramp(&["list", "-o", "json"]).success().json();
    assert_eq!(list["freezes"], serde_json::json!([]), "{list}");

    // Frozen again, in the middle of the rollout: step, run and promote
    // refuse and change nothing.
    ns.ramp(&["freeze", "--reason", "incident 4711"]).success();
    let before = cluster_state(&ns);
    for args in [
        vec!["step", "web", "--yes"],
        vec!["run", "web", "--interval", "1s"],
        vec!["promote", "web"],
    ] {
        let refused = ns.ramp(&args).code(2);
        let verb = args[0];
        assert!(
            refused
                .stderr
                .contains(&format!("{verb} refused: namespace")),
            "{refused}"
        );
        assert!(
            refused
                .stderr
                .contains("until someone unfreezes it: incident 4711"),
            "{refused}"
        );
        assert_eq!(cluster_state(&ns), before, "{verb} changed nothing");
    }

    // A wait shows the freeze in every status it prints.
    let waiting = ns.spawn_ramp(&["status", "web", "--wait", "-o", "json"]);
    // Time for it to print the status as it is, before the rollout moves.
    std::thread::sleep(Duration::from_secs(2));

    // An override passes, and says why in the record and in an Event.
    let overridden = ns
        .ramp(&[
            "step",
            "web",
            "--yes",
            "--override-freeze",
            "hotfix for 4711",
        ])
        .success();
    assert!(
        overridden
            .stderr
            .contains("freeze overridden (hotfix for 4711)"),
        "{overridden}"
    );
    let history = transitions(&ns);
    let at = history
        .iter()
        .position(|(event, _)| event == "FreezeOverridden")
        .unwrap_or_else(|| panic!("no FreezeOverridden in {history:?}"));
    assert!(
        history[at]
            .1
            .starts_with("freeze overridden (hotfix for 4711); namespace"),
        "{history:?}"
    );
    assert!(history[at].1.contains("incident 4711"), "{history:?}");
    assert_eq!(history[at + 1].0, "StepStarted", "{history:?}");
    assert_eq!(ns.record("web").unwrap()["step"], 2);
    support::wait_until(
        "the FreezeOverridden Event",
        Duration::from_secs(20),
        || {
            let events = kubectl(&[
                "get",
                "events",
                "-n",
                &ns.name,
                "--field-selector",
                "reason=FreezeOverridden",
                "-o",
                "json",
            ])
            .success()
            .json();
            events["items"].as_array().unwrap().iter().any(|e| {
                e["type"] == "Warning"
                    && e["involvedObject"]["name"] == "web"
                    && e["message"]
                        .as_str()
                        .is_some_and(|m| m.contains("hotfix for 4711"))
            })
        },
    );

    // Abort is never frozen.
    let aborted = ns
        .ramp(&[
            "abort",
            "web",
            "--reason",
            "rolled back under the freeze",
            "-o",
            "json",
        ])
        .success()
        .json();
    assert_eq!(aborted["phase"], "Aborted");
    let waited = support::wait_output(waiting);
    assert_eq!(waited.code, Some(3), "{waited}");
    let statuses: Vec<serde_json::Value> = waited
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert!(statuses.len() >= 2, "{waited}");
    for status in &statuses {
        assert_eq!(status["freezes"][0]["reason"], "incident 4711", "{status}");
    }
    assert_eq!(aborted["traffic"]["contender"], 0.0);
    assert!(!ns.names("deployment").contains(&"web-canary".to_string()));
    ns.ramp(&["unfreeze"]).success();
    let again = ns.ramp(&["unfreeze"]).success();
    assert!(again.stderr.contains("was not frozen"), "{again}");
}

#[test]
fn an_expired_freeze_no_longer_holds() {
    let ns = istio_app("freeze-expired", 2);
    ns.ramp(&["freeze", "--reason", "a short one", "--until", "2s"])
        .success();
    std::thread::sleep(Duration::from_secs(3));
    ns.ramp(&[
        "start",
        "web",
        "--image",
        "example.com/web:2",
        "--steps",
        "50,100",
    ])
    .success();
    // It is over: status does not show it; list shows it as over, for its
    // ConfigMap stays until someone lifts it.
    let status = ns.ramp(&["status", "web", "-o", "json"]).success().json();
    assert_eq!(status["freezes"], serde_json::json!([]), "{status}");
    let list = ns.ramp(&["list"]).success();
    let row = list
        .stdout
        .lines()
        .find(|l| l.contains("a short one"))
        .unwrap_or_else(|| panic!("{list}"));
    assert!(row.contains(" (over)"), "{list}");
    let listed = ns.ramp(&["list", "-o", "json"]).success().json();
    assert_eq!(listed["freezes"][0]["over"], true, "{listed}");
    // A time already past is refused, and nothing is written.
    let past = ns
        .ramp(&[
            "freeze",
            "--reason",
            "late",
            "--until",
            "2020-01-01T00:00:00Z",
        ])
        .code(2);
    assert!(past.stderr.contains("is already past"), "{past}");
    let config_map = kubectl(&["get", "configmap", "kubectl-ramp-freeze", "-n", &ns.name]);
    assert_eq!(
        config_map.code,
        Some(0),
        "the expired freeze stays until lifted"
    );
    let found = ns.get("configmap", "kubectl-ramp-freeze");
    assert_eq!(found["data"]["reason"], "a short one", "{found}");
}

#[test]
fn a_freeze_whose_label_was_changed_still_holds_and_says_so() {
    let ns = istio_app("freeze-relabelled", 2);
    ns.ramp(&["freeze", "--reason", "release week"]).success();
    kubectl(&[
        "label",
        "configmap",
        "kubectl-ramp-freeze",
        "-n",
        &ns.name,
        "ramp.dev/freeze=paused",
        "--overwrite",
    ])
    .success();
    let before = ns.get("deployment", "web")["spec"]["template"].clone();
    let refused = ns
        .ramp(&["start", "web", "--image", "example.com/web:2"])
        .code(2);
    assert!(
        refused.stderr.contains(&format!(
            "start refused: a freeze may hold it, and it cannot be known: the freeze (configmap \"kubectl-ramp-freeze\") in namespace \"{}\" has label ramp.dev/freeze=paused",
            ns.name
        )),
        "{refused}"
    );
    assert_eq!(ns.get("deployment", "web")["spec"]["template"], before);
    assert!(ns.names("deployments") == ["web"], "nothing was made");
    // It is still ramp's to lift.
    ns.ramp(&["unfreeze"]).success();
    ns.ramp(&[
        "start",
        "web",
        "--image",
        "example.com/web:2",
        "--steps",
        "50,100",
    ])
    .success();
}

#[test]
fn a_cluster_wide_freeze_holds_every_namespace_until_lifted() {
    // The cluster's freeze namespace of this test alone, so that the
    // other tests on the plane are not frozen.
    let freezes = Namespace::new("freeze-ops");
    let ns = istio_app("freeze-cluster", 2);
    let ramp = |args: &[&str]| {
        let mut all = args.to_vec();
        all.extend(["-n", &ns.name]);
        ramp_with(&all, |c| {
            c.env("RAMP_FREEZE_NAMESPACE", &freezes.name);
        })
    };
    ramp(&["freeze", "--all-namespaces", "--reason", "datacenter move"]).success();
    let stored = freezes.get("configmap", "kubectl-ramp-freeze");
    assert_eq!(stored["metadata"]["labels"]["ramp.dev/freeze"], "cluster");
    assert_eq!(
        stored["metadata"]["labels"]["app.kubernetes.io/managed-by"],
        "kubectl-ramp"
    );
    let refused = ramp(&["start", "web", "--image", "example.com/web:2"]).code(2);
    assert!(
        refused
            .stderr
            .contains("start refused: the cluster is frozen by "),
        "{refused}"
    );
    assert!(refused.stderr.contains("datacenter move"), "{refused}");
    assert_eq!(ns.record("web"), None);
    let list = ramp(&["list", "-o", "json"]).success().json();
    assert_eq!(list["freezes"][0]["scope"], "cluster", "{list}");
    assert_eq!(list["freezes"][0]["namespace"], freezes.name.as_str());

    // A ConfigMap of that name that is not ramp's is neither a freeze nor
    // removed by unfreeze.
    ramp(&["unfreeze", "--all-namespaces"]).success();
    kubectl(&[
        "create",
        "configmap",
        "kubectl-ramp-freeze",
        "-n",
        &ns.name,
        "--from-literal=reason=not ramp's",
    ])
    .success();
    let foreign = ramp(&["unfreeze"]).code(2);
    assert!(
        foreign.stderr.contains("was not made by kubectl-ramp"),
        "{foreign}"
    );
    let foreign = ramp(&["freeze", "--reason", "mine"]).code(2);
    assert!(
        foreign.stderr.contains("was not made by kubectl-ramp"),
        "{foreign}"
    );
    assert_eq!(
        ns.get("configmap", "kubectl-ramp-freeze")["data"]["reason"],
        "not ramp's"
    );
    ramp(&[
        "start",
        "web",
        "--image",
        "example.com/web:2",
        "--steps",
        "50,100",
    ])
    .success();
}

/// The example analysis for Istio, and with `extra` after it.
fn analysis_file(ns: &Namespace, extra: &str) -> String {
    let example = support::repo_root().join("examples/analysis/istio.yaml");
    let file = std::env::temp_dir().join(format!("ramp-freeze-{}.yaml", ns.name));
    let text = std::fs::read_to_string(example).unwrap();
    std::fs::write(&file, format!("{text}\n{extra}")).unwrap();
    file.display().to_string()
}

/// `start web --auto` at 50% then 100%, checked every 2 s against the
/// test's Prometheus, as a process that runs on.
fn spawn_driver(
    ns: &Namespace,
    metrics: &Metrics,
    analysis: &str,
    extra: &[&str],
) -> std::process::Child {
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
        &metrics.prometheus_url,
        "--interval",
        "2s",
    ];
    args.extend_from_slice(extra);
    ns.spawn_ramp(&args)
}

/// How many rounds of checks the record keeps.
fn rounds(ns: &Namespace) -> usize {
    ns.record("web").unwrap()["automation"]["checks"]
        .as_array()
        .map_or(0, |c| {
            c.iter()
                .filter(|c| c["name"] == "request-success-rate")
                .count()
        })
}

/// Waits until the driver has checked the rollout `more` more times while
/// it stayed at step 1: the hold, seen in the cluster.
fn held_at_step_one_for(ns: &Namespace, more: usize) {
    let before = rounds(ns);
    support::wait_until(
        "more rounds of checks at step 1",
        Duration::from_secs(60),
        || {
            let record = ns.record("web").unwrap();
            assert_eq!(
                (record["phase"].as_str(), record["step"].as_u64()),
                (Some("Paused"), Some(1)),
                "held at its step"
            );
            rounds(ns) >= before + more
        },
    );
}

/// A driver at step 1 when the namespace is frozen: the contender gets no
/// requests until then (too few to judge, so the driver waits at step 1
/// whatever the time the freeze takes), then healthy ones.
fn at_step_one_frozen(ns: &Namespace, metrics: &Metrics, analysis: &str) -> std::process::Child {
    metrics.set(
        &ns.name,
        "web-canary",
        Traffic {
            requests_per_second: 0.0,
            ..Traffic::healthy()
        },
    );
    let driver = spawn_driver(ns, metrics, analysis, &[]);
    support::wait_until("the first step", Duration::from_secs(30), || {
        ns.record("web")
            .is_some_and(|r| r["step"] == 1 && r["phase"] == "Paused")
    });
    ns.ramp(&["freeze", "--reason", "change window closed"])
        .success();
    metrics.set(&ns.name, "web-canary", Traffic::healthy());
    driver
}

#[test]
fn a_running_driver_holds_its_step_under_a_freeze_analysing_on_and_carries_on_after() {
    let metrics = Metrics::get();
    let ns = istio_app("freeze-driver", 2);
    metrics.set(&ns.name, "web", Traffic::healthy());
    // A step gate: called when a step has passed its checks and would
    // move on, not at every check of a held step.
    let gate = Hook::start();
    gate.answer(200);
    let analysis = analysis_file(
        &ns,
        &format!(
            "webhooks:\n- name: load-test\n  type: step\n  url: {}\n  timeout: 60s\n",
            gate.url
        ),
    );
    let driver = at_step_one_frozen(&ns, metrics, &analysis);
    // Its checks pass, and it stays: three more rounds at step 1, at 50%,
    // and its gate is not called while it holds.
    held_at_step_one_for(&ns, 3);
    assert_eq!(gate.calls(), 0, "a held step calls no gate");
    assert_eq!(
        support::weights(&ns.get("virtualservice", "web"), 0),
        [("web".into(), 50), ("web-canary".into(), 50)]
    );
    assert_eq!(ns.names("leases").len(), 1, "the driver holds its lease");
    // The hold is in the record, and status says it, in both forms.
    let status = ns.ramp(&["status", "web", "-o", "json"]).success().json();
    let held = status["held"]
        .as_str()
        .unwrap_or_else(|| panic!("{status}"));
    assert!(held.contains("change window closed"), "{status}");
    let table = ns.ramp(&["status", "web"]).success();
    assert!(
        table
            .stdout
            .contains("Held:       at its step: its checks passed, and "),
        "{table}"
    );
    ns.ramp(&["unfreeze"]).success();
    let run = support::wait_output(driver);
    assert_eq!(run.code, Some(0), "{run}");
    assert!(
        gate.calls() >= 1,
        "the gate is called once the freeze is over"
    );
    assert_eq!(
        run.stderr.matches("holding at step 1/2: namespace").count(),
        1,
        "said once, not at every check: {run}"
    );
    assert!(run.stderr.contains("change window closed"), "{run}");
    assert!(
        run.stderr
            .contains("the freeze is over: carrying on at step 1/2"),
        "{run}"
    );
    let record = ns.record("web").unwrap();
    assert_eq!(record["phase"], "Succeeded", "{run}");
    assert!(record["automation"]["held"].is_null(), "{record}");
    assert_eq!(
        ns.get("deployment", "web")["spec"]["template"]["spec"]["containers"][0]["image"],
        "example.com/web:2"
    );
    assert!(ns.names("leases").is_empty(), "the driver let go");
}

#[test]
fn a_failing_contender_is_rolled_back_under_a_freeze_and_an_override_drives_through_one() {
    let metrics = Metrics::get();
    let ns = istio_app("freeze-rollback", 2);
    metrics.set(&ns.name, "web", Traffic::healthy());
    let before = ns.get("virtualservice", "web")["spec"].clone();
    let analysis = analysis_file(&ns, "");
    let driver = at_step_one_frozen(&ns, metrics, &analysis);
    held_at_step_one_for(&ns, 1);
    // The contender goes bad during the freeze: abort is never frozen.
    metrics.set(
        &ns.name,
        "web-canary",
        Traffic {
            errors: 0.3,
            ..Traffic::healthy()
        },
    );
    let run = support::wait_output(driver);
    assert_eq!(run.code, Some(3), "{run}");
    assert!(run.stderr.contains("holding at step 1/2"), "{run}");
    assert!(
        run.stderr
            .contains("analysis failed at step 1/2 and the rollout was rolled back"),
        "{run}"
    );
    assert_eq!(ns.record("web").unwrap()["phase"], "Aborted");
    assert_eq!(ns.get("virtualservice", "web")["spec"], before);
    assert_eq!(ns.names("deployments"), ["web"]);

    // With an override, a driver goes through the freeze to the end, and
    // each move under it is recorded.
    metrics.set(&ns.name, "web-canary", Traffic::healthy());
    let run = support::wait_output(spawn_driver(
        &ns,
        metrics,
        &analysis,
        &[
            "--override-freeze",
            "approved by the release manager",
            "-o",
            "json",
        ],
    ));
    assert_eq!(run.code, Some(0), "{run}");
    assert_eq!(run.json()["phase"], "Succeeded", "{run}");
    let overrides = transitions(&ns)
        .into_iter()
        .filter(|(event, message)| {
            event == "FreezeOverridden" && message.contains("approved by the release manager")
        })
        .count();
    assert!(
        overrides >= 3,
        "start, step and promote: {:?}",
        transitions(&ns)
    );
    ns.ramp(&["unfreeze"]).success();
}
