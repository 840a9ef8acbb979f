//! Rollouts of a Deployment that a HorizontalPodAutoscaler scales, with the
//! real autoscaler: the plane's kube-controller-manager runs it (and keeps
//! replicas within its bounds even without a metrics server). ramp never
//! writes the incumbent's replicas nor the user's autoscaler; the contender
//! gets an autoscaler of its own, which goes with it.

mod support;

use std::time::Duration;

use serde_json::Value;
use support::{Namespace, istio_app, kubectl, wait_until, weights};

const USERS_AUTOSCALER: &str = r#"
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: web, labels: {team: shop}}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}
  minReplicas: 2
  maxReplicas: 6
  metrics:
  - type: Resource
    resource: {name: cpu, target: {type: Utilization, averageUtilization: 70}}
"#;

fn bounds(hpa: &Value) -> (i64, i64) {
    (
        hpa["spec"]["minReplicas"].as_i64().unwrap(),
        hpa["spec"]["maxReplicas"].as_i64().unwrap(),
    )
}

fn replicas(ns: &Namespace, deployment: &str) -> i64 {
    ns.get("deployment", deployment)["spec"]["replicas"]
        .as_i64()
        .unwrap()
}

fn exists(ns: &Namespace, kind: &str, name: &str) -> bool {
    kubectl(&[
        "get",
        kind,
        name,
        "-n",
        &ns.name,
        "--ignore-not-found",
        "-o",
        "name",
    ])
    .success()
    .stdout
    .contains(name)
}

/// An autoscaled Deployment at 4 replicas, its autoscaler as applied.
fn autoscaled(prefix: &str) -> (Namespace, Value) {
    let ns = istio_app(prefix, 4);
    ns.apply(USERS_AUTOSCALER).success();
    let applied = ns.get("hpa", "web");
    (ns, applied)
}

/// The user's autoscaler is exactly as it was: same spec, never written.
fn untouched(ns: &Namespace, before: &Value) {
    let now = kubectl(&[
        "get",
        "hpa",
        "web",
        "-n",
        &ns.name,
        "-o",
        "json",
        "--show-managed-fields",
    ])
    .success()
    .json();
    assert_eq!(now["spec"], before["spec"], "the user's autoscaler's spec");
    assert_eq!(now["metadata"]["labels"], before["metadata"]["labels"]);
    let writers: Vec<&str> = now["metadata"]["managedFields"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["subresource"].is_null())
        .map(|f| f["manager"].as_str().unwrap_or_default())
        .collect();
    assert!(
        !writers.contains(&"kubectl-ramp"),
        "ramp wrote the user's autoscaler: {writers:?}"
    );
}

#[test]
fn the_contender_gets_its_own_autoscaler_and_the_users_is_left_alone() {
    let (ns, before) = autoscaled("hpa-promote");
    let run = ns
        .ramp(&[
            "start",
            "web",
            "--image",
            "example.com/web:2",
            "--steps",
            "50,100",
        ])
        .success();
    assert!(
        run.stderr.contains(
            "creating horizontalpodautoscaler web-canary (2-3 replicas, as web scales web)"
        ),
        "{run}"
    );
    // 50% of the user's 2..6, and at least half of the 4 pods there were.
    let theirs = ns.get("hpa", "web-canary");
    assert_eq!(bounds(&theirs), (2, 3));
    assert_eq!(theirs["spec"]["scaleTargetRef"]["name"], "web-canary");
    assert_eq!(theirs["spec"]["metrics"], before["spec"]["metrics"]);
    let id = ns.record("web").unwrap()["id"].clone();
    assert_eq!(theirs["metadata"]["labels"]["ramp.dev/rollout"], id);
    // The real autoscaler runs it: the controller manager reports on it.
    wait_until(
        "the controller manager to take up web-canary's autoscaler",
        Duration::from_secs(60),
        || ns.get("hpa", "web-canary")["status"]["currentReplicas"].as_i64() == Some(2),
    );
    assert_eq!(
        replicas(&ns, "web"),
        4,
        "ramp left the incumbent's replicas"
    );

    // The incumbent's autoscaler picks 5 (as it would under load): that
    // is not drift, and ramp does not scale it back.
    kubectl(&[
        "scale",
        "deployment",
        "web",
        "--replicas",
        "5",
        "-n",
        &ns.name,
    ])
    .success();
    ns.wait_ready("web");
    let run = ns.ramp(&["step", "web"]).success();
    assert!(!run.stderr.contains("scaling web "), "{run}");
    assert_eq!(bounds(&ns.get("hpa", "web-canary")), (4, 6));
    assert_eq!(weights(&ns.get("virtualservice", "web"), 0)[1].1, 100);
    assert_eq!(replicas(&ns, "web"), 5);

    ns.ramp(&["promote", "web"]).success();
    assert!(
        !exists(&ns, "hpa", "web-canary"),
        "the contender's autoscaler is gone"
    );
    assert!(!exists(&ns, "deployment", "web-canary"));
    untouched(&ns, &before);
    let web = ns.get("deployment", "web");
    assert_eq!(web["spec"]["replicas"], 5, "the autoscaler's choice stands");
    assert_eq!(
        web["spec"]["template"]["spec"]["containers"][0]["image"],
        "example.com/web:2"
    );
    assert_eq!(ns.record("web").unwrap()["phase"], "Succeeded");
}

#[test]
fn abort_removes_the_contenders_autoscaler_and_keeps_the_users() {
    let (ns, before) = autoscaled("hpa-abort");
    ns.ramp(&[
        "start",
        "web",
        "--image",
        "example.com/web:2",
        "--steps",
        "10,50,100",
    ])
    .success();
    ns.ramp(&["step", "web"]).success();
    assert_eq!(bounds(&ns.get("hpa", "web-canary")), (2, 3));
    ns.ramp(&["abort", "web"]).success();
    assert!(!exists(&ns, "hpa", "web-canary"));
    assert!(!exists(&ns, "deployment", "web-canary"));
    assert_eq!(
        weights(&ns.get("virtualservice", "web"), 0),
        [("web".into(), 0)]
    );
    untouched(&ns, &before);
    assert_eq!(replicas(&ns, "web"), 4);
}

#[test]
fn an_autoscaler_of_someone_elses_with_the_contenders_name_is_refused_up_front() {
    let (ns, _) = autoscaled("hpa-taken");
    ns.apply(
        &USERS_AUTOSCALER
            .replace("name: web, labels", "name: web-canary, labels")
            .replace("name: web}", "name: other}"),
    )
    .success();
    let versions = ns.versions();
    let run = ns
        .ramp(&["start", "web", "--image", "example.com/web:2"])
        .code(2);
    assert!(
        run.stderr
            .contains("horizontalpodautoscaler \"web-canary\" already exists in namespace")
            && run.stderr.contains("is not kubectl-ramp's"),
        "{run}"
    );
    assert_eq!(ns.versions(), versions, "nothing changed");
}

#[test]
fn the_contenders_autoscaler_follows_an_edit_of_the_users() {
    let (ns, _) = autoscaled("hpa-follow");
    ns.ramp(&[
        "start",
        "web",
        "--image",
        "example.com/web:2",
        "--steps",
        "50,100",
    ])
    .success();
    assert_eq!(bounds(&ns.get("hpa", "web-canary")), (2, 3));
    // The user allows more room: up to 10 pods.
    kubectl(&[
        "patch",
        "hpa",
        "web",
        "-n",
        &ns.name,
        "--type",
        "merge",
        "-p",
        r#"{"spec":{"maxReplicas":10}}"#,
    ])
    .success();
    let run = ns.ramp(&["step", "web"]).success();
    assert!(
        run.stderr.contains(
            "horizontalpodautoscaler web now scales web within 2-10 replicas (it was 2-6): the contender's follows"
        ),
        "{run}"
    );
    // All the traffic: the contender within the user's bounds as they are.
    assert_eq!(bounds(&ns.get("hpa", "web-canary")), (4, 10));
    let record = ns.record("web").unwrap();
    assert_eq!(record["autoscaler"]["max"], 10, "{record}");
    ns.ramp(&["abort", "web"]).success();
}
