//! Changes someone else makes during a rollout are never written over
//! silently: status shows them, and step and promote refuse to move (exit
//! 5, naming each) unless --force.

mod support;

use serde_json::json;
use support::{Namespace, istio_app, kubectl, web_app, weights};

fn at_first_step(prefix: &str) -> Namespace {
    let ns = istio_app(prefix, 3);
    ns.ramp(&[
        "start",
        "web",
        "--image",
        "example.com/web:2",
        "--steps",
        "50,100",
    ])
    .success();
    ns
}

/// `step` and `promote` refuse, naming `change`, and nothing changes;
/// status shows it.
fn refused_naming(ns: &Namespace, change: &str) {
    let versions = ns.versions();
    for command in ["step", "promote"] {
        let run = ns.ramp(&[command, "web"]).code(5);
        assert!(
            run.stderr.contains(
                "the rollout of \"web\" was changed by someone else since ramp's last write"
            ),
            "{command}: {run}"
        );
        assert!(
            run.stderr.contains(change),
            "{command} names {change:?}: {run}"
        );
        assert!(run.stderr.contains("--force"), "{run}");
        assert_eq!(ns.versions(), versions, "{command} changed the cluster");
    }
    let status = ns.ramp(&["status", "web"]).success().stdout;
    assert!(status.contains("Drift:"), "{status}");
    assert!(status.contains(change), "{status}");
    let json = ns.ramp(&["status", "web", "-o", "json"]).success().json();
    assert!(
        json["drift"]
            .as_array()
            .unwrap()
            .iter()
            .any(|d| d.as_str().unwrap().contains(change)),
        "{json}"
    );
    let events = kubectl(&[
        "get",
        "events",
        "-n",
        &ns.name,
        "--field-selector",
        "reason=Drift",
        "-o",
        "json",
    ])
    .success()
    .json();
    let warned = events["items"].as_array().unwrap();
    assert!(
        warned.iter().any(|e| e["type"] == "Warning"
            && e["message"].as_str().unwrap_or_default().contains(change)),
        "a Warning event names it: {events}"
    );
}

#[test]
fn a_new_image_on_the_contender_is_not_given_traffic() {
    let ns = at_first_step("drift-contender");
    // managedFields keep times in seconds: a change in a later second than
    // ramp's write is told apart from it.
    std::thread::sleep(std::time::Duration::from_millis(1100));
    kubectl(&[
        "set",
        "image",
        "deployment/web-canary",
        "web=example.com/evil:1",
        "-n",
        &ns.name,
    ])
    .success();
    refused_naming(
        &ns,
        "deployment web-canary runs example.com/evil:1, not example.com/web:2 as the rollout made it",
    );
    let run = ns.ramp(&["promote", "web"]).code(5);
    assert!(
        run.stderr
            .contains("as the rollout made it (changed by kubectl-set at "),
        "names who changed it: {run}"
    );
    // Told to, it moves on (and still says what it overrides).
    let run = ns.ramp(&["step", "web", "--force"]).success();
    assert!(run.stderr.contains("changed by someone else"), "{run}");
    assert_eq!(ns.record("web").unwrap()["step"], 2);
}

#[test]
fn weights_edited_by_hand_are_not_overwritten() {
    let ns = at_first_step("drift-weights");
    let mut vs = ns.get("virtualservice", "web");
    vs["spec"]["http"][0]["route"][0]["weight"] = json!(70);
    vs["spec"]["http"][0]["route"][1]["weight"] = json!(30);
    ns.apply(
        &serde_json::to_string(&json!({
            "apiVersion": "networking.istio.io/v1",
            "kind": "VirtualService",
            "metadata": {"name": "web"},
            "spec": vs["spec"],
        }))
        .unwrap(),
    )
    .success();
    refused_naming(
        &ns,
        "route primary of \"web\" sends 30% to web-canary, not 50% as step 1/2 set it",
    );
    assert_eq!(
        weights(&ns.get("virtualservice", "web"), 0),
        [("web".into(), 70), ("web-canary".into(), 30)],
        "their weights stay"
    );
}

#[test]
fn a_scale_or_a_new_image_of_the_incumbent_is_not_undone() {
    let ns = at_first_step("drift-incumbent");
    kubectl(&["scale", "deployment/web", "--replicas", "5", "-n", &ns.name]).success();
    refused_naming(
        &ns,
        "the incumbent has 5 replicas, not 3 as step 1/2 left it",
    );
    assert_eq!(ns.get("deployment", "web")["spec"]["replicas"], 5);
    kubectl(&["scale", "deployment/web", "--replicas", "3", "-n", &ns.name]).success();
    kubectl(&[
        "set",
        "image",
        "deployment/web",
        "web=example.com/web:1.1",
        "-n",
        &ns.name,
    ])
    .success();
    refused_naming(
        &ns,
        "the incumbent's pod template changed (it runs example.com/web:1.1 now)",
    );
    // Abort still puts all traffic back, and leaves their image.
    ns.ramp(&["abort", "web"]).success();
    assert_eq!(
        weights(&ns.get("virtualservice", "web"), 0),
        [("web".into(), 0)]
    );
    assert_eq!(
        ns.get("deployment", "web")["spec"]["template"]["spec"]["containers"][0]["image"],
        "example.com/web:1.1"
    );
}

#[test]
fn abort_puts_traffic_back_whatever_was_changed_or_removed() {
    // A route put before the one ramp manages: the snapshot no longer
    // says where it is.
    let ns = at_first_step("drift-abort-route");
    kubectl(&[
        "patch",
        "virtualservice",
        "web",
        "-n",
        &ns.name,
        "--type",
        "json",
        "-p",
        r#"[{"op": "add", "path": "/spec/http/0", "value": {"name": "admin", "match": [{"uri": {"prefix": "/admin"}}], "route": [{"destination": {"host": "admin"}}]}}]"#,
    ])
    .success();
    let run = ns.ramp(&["abort", "web"]).success();
    assert!(
        run.stderr.contains("the routes cannot be restored exactly")
            && run
                .stderr
                .contains("took web-canary out of VirtualService web"),
        "{run}"
    );
    let vs = ns.get("virtualservice", "web");
    let text = vs["spec"].to_string();
    assert!(
        !text.contains("web-canary"),
        "no route sends to the contender: {text}"
    );
    assert_eq!(vs["spec"]["http"][0]["name"], "admin", "their route stays");
    assert_eq!(weights(&vs, 1), [("web".into(), 0)], "{text}");
    assert_eq!(ns.names("deployments"), ["web"]);
    assert_eq!(ns.record("web").unwrap()["phase"], "Aborted");

    // The VirtualService deleted: nothing sends to the contender; abort
    // still removes it.
    let ns = at_first_step("drift-abort-gone");
    kubectl(&["delete", "virtualservice", "web", "-n", &ns.name]).success();
    let run = ns.ramp(&["abort", "web"]).success();
    assert!(run.stderr.contains("VirtualService web is gone"), "{run}");
    assert_eq!(ns.names("deployments"), ["web"]);
    assert_eq!(ns.names("services"), ["web"]);
}

#[test]
fn without_its_record_a_rollout_is_still_shown_and_aborted() {
    let ns = at_first_step("drift-no-record");
    kubectl(&[
        "annotate",
        "deployment",
        "web",
        "ramp.dev/record-",
        "-n",
        &ns.name,
    ])
    .success();
    let status = ns.ramp(&["status", "web"]).success().stdout;
    assert!(
        status.contains("the rollout record is gone, but ramp's web-canary is here"),
        "{status}"
    );
    let run = ns.ramp(&["abort", "web"]).success();
    assert!(
        run.stderr
            .contains("took web-canary out of VirtualService web"),
        "{run}"
    );
    assert_eq!(
        weights(&ns.get("virtualservice", "web"), 0),
        [("web".into(), 0)]
    );
    assert_eq!(ns.names("deployments"), ["web"]);
    assert_eq!(ns.names("services"), ["web"]);
    // Nothing of ramp's is left: there is nothing more to abort.
    ns.ramp(&["abort", "web"]).code(2);
}

#[test]
fn a_record_damaged_past_reading_does_not_keep_traffic_on_the_contender() {
    let ns = at_first_step("drift-damaged");
    kubectl(&[
        "annotate",
        "deployment",
        "web",
        "--overwrite",
        "ramp.dev/record={not json",
        "-n",
        &ns.name,
    ])
    .success();
    let run = ns.ramp(&["abort", "web"]).success();
    assert!(run.stderr.contains("cannot be read"), "{run}");
    assert!(
        run.stderr
            .contains("took web-canary out of VirtualService web"),
        "{run}"
    );
    assert_eq!(
        weights(&ns.get("virtualservice", "web"), 0),
        [("web".into(), 0)]
    );
    assert_eq!(ns.names("deployments"), ["web"]);
}

#[test]
fn the_automation_stops_on_drift_and_says_so_to_its_webhook() {
    let ns = at_first_step("drift-run");
    let hook = support::hook::Hook::start();
    kubectl(&[
        "scale",
        "deployment/web-canary",
        "--replicas",
        "3",
        "-n",
        &ns.name,
    ])
    .success();
    let run = ns
        .ramp(&["run", "web", "--interval", "1s", "--notify", &hook.url])
        .code(5);
    let change = "deployment web-canary has 3 replicas, not 2 as step 1/2 left it";
    assert!(run.stderr.contains(change), "{run}");
    assert_eq!(
        run.stderr.matches("changed by someone else:").count(),
        1,
        "it stops at once, without looking again and again: {run}"
    );
    let told = hook.texts();
    assert!(
        told.iter()
            .any(|t| t.contains("changed by someone else") && t.contains(change)),
        "{told:?}"
    );
    assert_eq!(ns.record("web").unwrap()["step"], 1, "it did not move");
}

#[test]
fn a_record_of_a_newer_kubectl_ramp_does_not_keep_traffic_on_the_contender() {
    let ns = at_first_step("drift-newer");
    let mut record = ns.record("web").unwrap();
    record["schema"] = 99.into();
    ns.set_record("web", &record);
    let run = ns.ramp(&["abort", "web"]).success();
    assert!(run.stderr.contains("has schema 99"), "{run}");
    assert!(
        run.stderr
            .contains("took web-canary out of VirtualService web"),
        "{run}"
    );
    assert_eq!(
        weights(&ns.get("virtualservice", "web"), 0),
        [("web".into(), 0)]
    );
    assert_eq!(ns.names("deployments"), ["web"]);
    // Other commands still refuse it, asking for an upgrade.
    let status = ns.ramp(&["step", "web"]).code(1);
    assert!(status.stderr.contains("upgrade kubectl-ramp"), "{status}");
}

/// A step that timed out half way left the contender scaled up toward the
/// next step: that is ramp's own unfinished move, and the next step goes
/// on from it instead of refusing it as someone else's change.
#[test]
fn a_step_that_timed_out_half_way_is_not_someone_elses_change() {
    let ns = istio_app("drift-timeout", 4);
    // The new version's pods are ready 20 s after they start.
    let slow = support::ready_after(&web_app("web", 4, "example.com/web:2"), 20);
    let file = std::env::temp_dir().join(format!("ramp-slow-{}.yaml", ns.name));
    std::fs::write(&file, slow.split("---").next().unwrap()).unwrap();
    ns.ramp(&[
        "start",
        "web",
        "-f",
        file.to_str().unwrap(),
        "--steps",
        "25,50,100",
    ])
    .success();
    let timed_out = ns.ramp(&["step", "web", "--timeout", "3s"]).code(4);
    assert!(
        timed_out.stderr.contains("paused at step 1/3"),
        "{timed_out}"
    );
    assert_eq!(
        ns.get("deployment", "web-canary")["spec"]["replicas"],
        2,
        "scaled toward step 2"
    );
    let status = ns.ramp(&["status", "web", "-o", "json"]).success().json();
    assert_eq!(status["drift"], serde_json::json!([]), "{status}");
    // The next step carries on from there.
    let run = ns.ramp(&["step", "web", "--yes"]).success();
    assert!(!run.stderr.contains("someone else"), "{run}");
    assert_eq!(ns.record("web").unwrap()["step"], 2);
}

#[test]
fn each_change_names_who_made_it_when_two_changed_the_incumbent() {
    let ns = at_first_step("drift-two-writers");
    kubectl(&[
        "patch",
        "deployment",
        "web",
        "-n",
        &ns.name,
        "--field-manager",
        "alice",
        "-p",
        r#"{"spec":{"replicas":4}}"#,
    ])
    .success();
    kubectl(&[
        "set",
        "image",
        "deployment/web",
        "web=example.com/web:1.1",
        "-n",
        &ns.name,
    ])
    .success();
    let status = ns.ramp(&["status", "web", "-o", "json"]).success().json();
    let drift: Vec<&str> = status["drift"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d.as_str().unwrap())
        .collect();
    assert!(
        drift.iter().any(|d| d.starts_with(
            "the incumbent's pod template changed (it runs example.com/web:1.1 now) (changed by kubectl-set at "
        )),
        "{drift:?}"
    );
    assert!(
        drift.iter().any(|d| d.starts_with(
            "the incumbent has 4 replicas, not 3 as step 1/2 left it (changed by alice at "
        )),
        "{drift:?}"
    );
    ns.ramp(&["abort", "web"]).success();
}
