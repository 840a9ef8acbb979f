//! Blue-green: the contender at full capacity with no traffic (preview),
//! one switch, and the incumbent kept ready for the scale-down delay so
//! that an abort then is a single write.

mod support;

use std::time::Duration;

use support::{istio_app, kubectl, wait_output, wait_until, weights};

fn number(value: &serde_json::Value) -> u64 {
    value
        .as_str()
        .map_or_else(|| value.as_u64().unwrap(), |s| s.parse().unwrap())
}

#[test]
fn preview_then_switch_then_promote_after_the_delay() {
    let ns = istio_app("blue-green", 2);
    let status = ns
        .ramp(&[
            "start",
            "web",
            "--image",
            "example.com/web:2",
            "--strategy",
            "blue-green",
            "--scale-down-delay",
            "2s",
            "-o",
            "json",
        ])
        .success()
        .json();
    assert_eq!(status["step"]["name"], "preview");
    assert_eq!(status["capacity"]["contender"]["ready"], 2);
    assert_eq!(status["traffic"]["contender"], 0.0);
    // The preview is reachable through the contender's own Service.
    wait_until("the preview's endpoints", Duration::from_secs(30), || {
        let slices = kubectl(&[
            "get",
            "endpointslices",
            "-n",
            &ns.name,
            "-l",
            "kubernetes.io/service-name=web-canary",
            "-o",
            "json",
        ]);
        slices.json()["items"][0]["endpoints"]
            .as_array()
            .is_some_and(|e| e.len() == 2)
    });

    let run = ns.ramp(&["step", "web", "-o", "json"]).success();
    assert!(
        run.stderr.contains("traffic: web-canary 100%, web 0%"),
        "{run}"
    );
    assert!(
        run.stderr.contains("keeping web at full capacity for 2s"),
        "{run}"
    );
    let status = run.json();
    assert_eq!(status["phase"], "Succeeded");
    assert_eq!(
        ns.get("deployment", "web")["spec"]["template"]["spec"]["containers"][0]["image"],
        "example.com/web:2"
    );
    assert_eq!(ns.names("deployments"), ["web"]);
}

#[test]
fn an_abort_during_the_delay_is_a_single_write_that_moves_traffic_back() {
    let ns = istio_app("blue-green-abort", 2);
    ns.ramp(&[
        "start",
        "web",
        "--image",
        "example.com/web:2",
        "--strategy",
        "blue-green",
        "--scale-down-delay",
        "10m",
    ])
    .success();
    let mut switching = ns.spawn_ramp(&["step", "web"]);
    wait_until("the switch", Duration::from_secs(30), || {
        ns.record("web")
            .is_some_and(|r| r["step"] == 2 && r["phase"] == "Paused")
    });
    let incumbent_spec = ns.get("deployment", "web")["spec"].clone();
    let vs_generation = number(&ns.get("virtualservice", "web")["metadata"]["generation"]);
    assert_eq!(
        weights(&ns.get("virtualservice", "web"), 0),
        [("web".into(), 0), ("web-canary".into(), 100)]
    );

    ns.ramp(&["abort", "web"]).success();
    let vs = ns.get("virtualservice", "web");
    let incumbent = ns.get("deployment", "web");
    assert_eq!(
        number(&vs["metadata"]["generation"]),
        vs_generation + 1,
        "one write to the VirtualService"
    );
    assert_eq!(weights(&vs, 0), [("web".into(), 0)]);
    assert_eq!(
        incumbent["spec"], incumbent_spec,
        "the incumbent was ready: it was not scaled"
    );
    // The routes were the abort's first write: before its record write.
    assert!(
        number(&vs["metadata"]["resourceVersion"])
            < number(&incumbent["metadata"]["resourceVersion"]),
        "traffic moved before the record was written"
    );
    assert_eq!(ns.record("web").unwrap()["phase"], "Aborted");

    // The waiting step sees the abort on its watch: it does not wait out
    // the ten minutes.
    wait_until("the step to stop waiting", Duration::from_secs(20), || {
        switching.try_wait().unwrap().is_some()
    });
    let step = wait_output(switching);
    assert_eq!(step.code, Some(5), "{step}");
    assert!(
        step.stderr
            .contains("was changed during the scale-down delay (it is now Aborted); not promoting"),
        "{step}"
    );
    assert_eq!(
        ns.get("deployment", "web")["spec"]["template"]["spec"]["containers"][0]["image"],
        "example.com/web:1"
    );
}
