//! Strategies without a mesh: blue-green and staging by switching the
//! incumbent Service's selector, and the default canary fitted to a small
//! Deployment's pods.

mod support;

use std::time::Duration;

use serde_json::Value;
use support::{Namespace, kubectl, wait_output, wait_until, web_app};

/// The ready endpoints behind a Service, by pod name, from its
/// EndpointSlices: the pods it really sends requests to.
fn endpoints(ns: &Namespace, service: &str) -> Vec<String> {
    let selector = format!("kubernetes.io/service-name={service}");
    let slices = kubectl(&[
        "get",
        "endpointslices",
        "-n",
        &ns.name,
        "-l",
        &selector,
        "-o",
        "json",
    ])
    .success()
    .json();
    let mut pods: Vec<String> = slices["items"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|s| s["endpoints"].as_array().cloned().unwrap_or_default())
        .filter(|e| e["conditions"]["ready"] == true)
        .map(|e| {
            e["targetRef"]["name"]
                .as_str()
                .unwrap_or_default()
                .to_string()
        })
        .collect();
    pods.sort();
    pods
}

/// Waits until the Service sends to `incumbent` pods of web and
/// `contender` pods of web-canary, and to nothing else.
#[track_caller]
fn wait_endpoints(ns: &Namespace, service: &str, incumbent: usize, contender: usize) {
    let mut seen = Vec::new();
    let counted = |pods: &[String]| {
        let contenders = pods.iter().filter(|p| p.starts_with("web-canary-")).count();
        (pods.len() - contenders, contenders)
    };
    wait_until(
        &format!("{incumbent} incumbent and {contender} contender endpoints behind {service}"),
        Duration::from_secs(30),
        || {
            seen = endpoints(ns, service);
            counted(&seen) == (incumbent, contender)
        },
    );
}

fn selector(ns: &Namespace) -> Value {
    ns.get("service", "web")["spec"]["selector"].clone()
}

/// What of the user's Service must be as it was: all of its spec, its
/// labels and annotations.
fn users_part(service: &Value) -> Value {
    serde_json::json!({
        "spec": service["spec"],
        "labels": service["metadata"]["labels"],
        "annotations": service["metadata"]["annotations"],
    })
}

fn app(prefix: &str, replicas: u32) -> Namespace {
    let ns = Namespace::new(prefix);
    ns.apply(&web_app("web", replicas, "example.com/web:1"))
        .success();
    ns.wait_ready("web");
    // The Service's endpoints are there before anything is compared.
    wait_endpoints(&ns, "web", replicas as usize, 0);
    ns
}

fn start_blue_green(ns: &Namespace) -> Value {
    let run = ns
        .ramp(&[
            "start",
            "web",
            "--image",
            "example.com/web:2",
            "--strategy",
            "blue-green",
            "--scale-down-delay",
            "5m",
            "-o",
            "json",
        ])
        .success();
    assert!(
        run.stderr
            .contains("traffic: all to web: service web selects web's pods only"),
        "{run}"
    );
    run.json()
}

/// `step` to the switch, left running in its scale-down delay: the
/// contender serves alone, the incumbent is kept ready.
fn switch(ns: &Namespace) -> std::process::Child {
    let stepping = ns.spawn_ramp(&["step", "web"]);
    wait_until("the switch", Duration::from_secs(60), || {
        selector(ns)["ramp.dev/role"] == "contender"
    });
    wait_endpoints(ns, "web", 0, 3);
    stepping
}

#[test]
fn blue_green_without_a_mesh_switches_the_selector_and_promote_puts_it_back_exactly() {
    let ns = app("bg-selector", 3);
    let before = ns.get("service", "web");

    let status = start_blue_green(&ns);
    assert_eq!(status["router"], "replicas");
    assert_eq!(status["step"]["name"], "preview");
    assert_eq!(status["traffic"]["contender"], 0.0);
    assert_eq!(status["capacity"]["contender"]["ready"], 3);
    assert_eq!(status["capacity"]["incumbent"]["ready"], 3);
    assert_eq!(status["selector"]["selects"], "incumbent");
    // The user's Service selects the incumbent's pods by their template's
    // hash; the preview is reachable through web-canary alone.
    let narrowed = selector(&ns);
    let hash = narrowed["pod-template-hash"].as_str().unwrap().to_string();
    assert_eq!(
        narrowed,
        serde_json::json!({"app": "web", "pod-template-hash": hash})
    );
    wait_endpoints(&ns, "web", 3, 0);
    wait_endpoints(&ns, "web-canary", 0, 3);
    // The record keeps the selector as it was, and the version it was read at.
    let record = ns.record("web").unwrap();
    let snapshot = &record["router"]["selector"];
    assert_eq!(snapshot["original"], before["spec"]["selector"]);
    assert_eq!(snapshot["incumbent_hash"], hash);
    assert_eq!(
        snapshot["resource_version"],
        before["metadata"]["resourceVersion"]
    );

    let stepping = switch(&ns);
    let status = ns.ramp(&["status", "web", "-o", "json"]).success().json();
    assert_eq!(status["traffic"]["contender"], 100.0);
    assert_eq!(status["selector"]["selects"], "contender");
    assert_eq!(status["capacity"]["incumbent"]["desired"], 3);
    let table = ns.ramp(&["status", "web"]).success();
    assert!(
        table.stdout.contains(
            "Selector:   web selects app=web,ramp.dev/role=contender: the contender's pods only"
        ),
        "{table}"
    );

    let run = ns.ramp(&["promote", "web", "-o", "json"]).success();
    assert!(
        run.stderr
            .contains("service web selects as it did: app=web"),
        "{run}"
    );
    wait_output(stepping);
    assert_eq!(run.json()["phase"], "Succeeded");
    let after = ns.get("service", "web");
    assert_eq!(users_part(&after), users_part(&before));
    assert_ne!(
        after["metadata"]["resourceVersion"], before["metadata"]["resourceVersion"],
        "ramp wrote the selector and put it back"
    );
    // The incumbent runs the new version behind its own Service.
    wait_endpoints(&ns, "web", 3, 0);
    assert_eq!(
        ns.get("deployment", "web")["spec"]["template"]["spec"]["containers"][0]["image"],
        "example.com/web:2"
    );
    assert_eq!(ns.names("deployments"), ["web"]);
    assert_eq!(ns.names("services"), ["web"]);
}

#[test]
fn an_abort_after_the_switch_sends_traffic_back_first_and_puts_the_selector_back() {
    let ns = app("bg-selector-abort", 3);
    let before = ns.get("service", "web");
    start_blue_green(&ns);
    let stepping = switch(&ns);

    let run = ns
        .ramp(&["abort", "web", "--reason", "errors", "-o", "json"])
        .success();
    wait_output(stepping);
    let lines: Vec<&str> = run.stderr.lines().collect();
    let position = |wanted: &str| {
        lines
            .iter()
            .position(|l| *l == wanted)
            .unwrap_or_else(|| panic!("no line {wanted:?}: {run}"))
    };
    let back = position("traffic: all to web: service web selects web's pods only");
    let deleted = position("deleting deployment web-canary");
    let restored = position("service web selects as it did: app=web");
    assert!(back < deleted && deleted < restored, "{run}");
    // Traffic back was abort's first write, before even its record's.
    assert!(back < position("aborted at step 2/2: errors"), "{run}");
    assert_eq!(run.json()["phase"], "Aborted");
    assert_eq!(users_part(&ns.get("service", "web")), users_part(&before));
    wait_endpoints(&ns, "web", 3, 0);
    assert_eq!(ns.names("deployments"), ["web"]);
}

#[test]
fn staging_holds_pods_the_users_service_does_not_send_to() {
    let ns = app("staging", 3);
    let before = ns.get("service", "web");
    let status = ns
        .ramp(&[
            "start",
            "web",
            "--image",
            "example.com/web:2",
            "--strategy",
            "vanguard",
            "-o",
            "json",
        ])
        .success()
        .json();
    assert_eq!(status["step"]["name"], "staging");
    assert_eq!(status["capacity"]["contender"]["ready"], 1);
    assert_eq!(status["traffic"]["contender"], 0.0);
    // The contender's pod is ready, and not among the Service's endpoints.
    wait_endpoints(&ns, "web", 3, 0);
    wait_endpoints(&ns, "web-canary", 0, 1);

    // 50/50 by pods: the selector as it was selects both versions.
    let status = ns.ramp(&["step", "web", "-o", "json"]).success().json();
    assert_eq!(status["step"]["name"], "50/50");
    assert_eq!(status["capacity"]["contender"]["desired"], 2);
    assert_eq!(status["capacity"]["incumbent"]["desired"], 2);
    assert_eq!(selector(&ns), before["spec"]["selector"]);
    wait_endpoints(&ns, "web", 2, 2);

    // Full on: the contender's pods alone, the incumbent scaled to 0.
    let status = ns.ramp(&["step", "web", "-o", "json"]).success().json();
    assert_eq!(status["step"]["name"], "full on");
    assert_eq!(status["capacity"]["incumbent"]["desired"], 0);
    assert_eq!(status["traffic"]["contender"], 100.0);
    wait_endpoints(&ns, "web", 0, 3);

    // Abort: the incumbent back and ready before it takes the traffic.
    let run = ns.ramp(&["abort", "web", "-o", "json"]).success();
    let lines: Vec<&str> = run.stderr.lines().collect();
    let position = |wanted: &str| {
        lines
            .iter()
            .position(|l| *l == wanted)
            .unwrap_or_else(|| panic!("no line {wanted:?}: {run}"))
    };
    assert!(
        position("scaling web to 3 replicas")
            < position("traffic: all to web: service web selects web's pods only"),
        "{run}"
    );
    assert_eq!(users_part(&ns.get("service", "web")), users_part(&before));
    wait_endpoints(&ns, "web", 3, 0);
    assert_eq!(ns.names("deployments"), ["web"]);
}

#[test]
fn a_selector_changed_by_someone_else_is_drift_and_abort_puts_it_back() {
    let ns = app("staging-drift", 2);
    let before = ns.get("service", "web");
    ns.ramp(&[
        "start",
        "web",
        "--image",
        "example.com/web:2",
        "--strategy",
        "vanguard",
    ])
    .success();
    let hash = selector(&ns)["pod-template-hash"]
        .as_str()
        .unwrap()
        .to_string();
    kubectl(&[
        "patch",
        "service",
        "web",
        "-n",
        &ns.name,
        "--type",
        "json",
        "-p",
        r#"[{"op":"remove","path":"/spec/selector/pod-template-hash"}]"#,
    ])
    .success();
    let status = ns.ramp(&["status", "web", "-o", "json"]).success().json();
    let drift = format!(
        "service web selects app=web, not app=web,pod-template-hash={hash} as step 1/3 left it"
    );
    assert!(
        status["drift"][0].as_str().unwrap().starts_with(&drift),
        "{status}"
    );
    let versions = ns.versions();
    let refused = ns.ramp(&["step", "web", "--yes"]).code(5);
    assert!(
        refused.stderr.contains("changed by someone else"),
        "{refused}"
    );
    assert_eq!(ns.versions(), versions, "the refused step changed nothing");

    ns.ramp(&["abort", "web"]).success();
    assert_eq!(users_part(&ns.get("service", "web")), users_part(&before));
    assert_eq!(ns.names("deployments"), ["web"]);
}

#[test]
fn a_small_deployment_gets_the_nearest_canary_steps_and_is_told_why() {
    let ns = app("small-canary", 3);
    let run = ns
        .ramp(&["start", "web", "--image", "example.com/web:2", "-o", "json"])
        .success();
    assert!(
        run.stderr.contains(
            "started: 4 steps (canary): without a mesh the contender's share moves by whole pods: \
             with 3 replicas the canary steps 10%, 20%, 30%, 40%, 50%, full become 25%, 40%, 50%, full \
             (1, 2, 3 contender pods beside 3)"
        ),
        "{run}"
    );
    let status = run.json();
    assert_eq!(status["step"]["name"], "25%");
    assert_eq!(status["step"]["total"], 4);
    assert_eq!(status["traffic"]["contender"], 25.0);
    wait_endpoints(&ns, "web", 3, 1);
    // The same start again carries on with the steps it chose.
    let again = ns
        .ramp(&["start", "web", "--image", "example.com/web:2", "-o", "json"])
        .success();
    assert_eq!(again.json()["step"]["total"], 4);

    // Asked for by name, the canary is what was asked, or refused.
    let other = app("small-canary-asked", 3);
    let versions = other.versions();
    let refused = other
        .ramp(&[
            "start",
            "web",
            "--image",
            "example.com/web:2",
            "--strategy",
            "canary",
        ])
        .code(2);
    assert!(
        refused
            .stderr
            .contains("leave out --strategy and --steps for the nearest steps its pods allow"),
        "{refused}"
    );
    assert_eq!(other.versions(), versions);
}

#[test]
fn an_abort_without_the_record_takes_ramps_label_out_of_the_selector() {
    let ns = app("bg-no-record", 2);
    let before = ns.get("service", "web");
    ns.ramp(&[
        "start",
        "web",
        "--image",
        "example.com/web:2",
        "--strategy",
        "blue-green",
        "--scale-down-delay",
        "5m",
    ])
    .success();
    let stepping = ns.spawn_ramp(&["step", "web"]);
    wait_until("the switch", Duration::from_secs(60), || {
        selector(&ns)["ramp.dev/role"] == "contender"
    });
    kubectl(&[
        "annotate",
        "deployment",
        "web",
        "-n",
        &ns.name,
        "ramp.dev/record-",
    ])
    .success();
    wait_output(stepping);
    let run = ns.ramp(&["abort", "web"]).success();
    assert!(
        run.stderr.contains(
            "service web selects app=web again: took ramp.dev/role=contender out of its selector"
        ),
        "{run}"
    );
    assert_eq!(users_part(&ns.get("service", "web")), users_part(&before));
    wait_endpoints(&ns, "web", 2, 0);
    assert_eq!(ns.names("deployments"), ["web"]);
}

#[test]
fn killed_commands_converge_when_run_again_without_a_mesh() {
    let mut killed = 0;
    for delay in [150, 400, 800].map(Duration::from_millis) {
        let ns = app("bg-kill", 2);
        let before = ns.get("service", "web");
        killed += usize::from(ns.killed_then_rerun(
            &[
                "start",
                "web",
                "--image",
                "example.com/web:2",
                "--strategy",
                "blue-green",
            ],
            delay,
            || false,
        ));
        let record = ns.record("web").unwrap();
        assert_eq!(
            (record["phase"].as_str(), record["step"].as_u64()),
            (Some("Paused"), Some(1)),
            "start killed at {delay:?}"
        );
        assert!(selector(&ns)["pod-template-hash"].is_string(), "{delay:?}");
        wait_endpoints(&ns, "web", 2, 0);
        wait_endpoints(&ns, "web-canary", 0, 2);

        killed += usize::from(ns.killed_then_rerun(&["abort", "web"], delay, || false));
        assert_eq!(ns.record("web").unwrap()["phase"], "Aborted");
        assert_eq!(users_part(&ns.get("service", "web")), users_part(&before));
        assert_eq!(ns.names("deployments"), ["web"]);
        wait_endpoints(&ns, "web", 2, 0);
    }
    // The kills came while a command was under way, not after its end.
    assert!(killed > 0, "no command was under way when it was killed");
}

/// A Deployment `name` whose pods carry `labels`, selected by `app: name`.
fn labelled(name: &str, replicas: u32, labels: &str) -> String {
    format!(
        r#"
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {name}
spec:
  replicas: {replicas}
  selector:
    matchLabels: {{app: {name}}}
  template:
    metadata:
      labels: {{app: {name}, {labels}}}
    spec:
      containers:
      - name: {name}
        image: example.com/{name}:1
        ports:
        - containerPort: 8080
"#
    )
}

fn service(name: &str, selector: &str) -> String {
    format!(
        r#"
apiVersion: v1
kind: Service
metadata:
  name: {name}
spec:
  selector: {{{selector}}}
  ports:
  - name: http
    port: 80
    targetPort: 8080
"#
    )
}

#[test]
fn a_service_that_also_selects_another_workloads_pods_is_not_narrowed() {
    let ns = Namespace::new("selector-shared");
    ns.apply(&labelled("web", 2, "tier: front")).success();
    ns.apply(&labelled("api", 2, "tier: front")).success();
    ns.apply(&service("front", "tier: front")).success();
    ns.wait_ready("web");
    ns.wait_ready("api");
    let versions = ns.versions();
    // Steps two pods cannot carry are refused naming the Deployment.
    let refused = ns
        .ramp(&[
            "start",
            "web",
            "--image",
            "example.com/web:2",
            "--steps",
            "10,100",
        ])
        .code(2);
    assert!(
        refused
            .stderr
            .contains("hint: scale deployment web to at least 9 replicas"),
        "{refused}"
    );
    for strategy in ["blue-green", "50,100"] {
        let refused = ns
            .ramp(&[
                "start",
                "web",
                "--image",
                "example.com/web:2",
                match strategy {
                    "blue-green" => "--strategy",
                    _ => "--steps",
                },
                strategy,
            ])
            .code(2);
        assert!(
            refused.stderr.contains(
                "service \"front\" (tier=front) also selects the pods of deployment \"api\""
            ),
            "{strategy}: {refused}"
        );
        assert_eq!(ns.versions(), versions, "{strategy}: nothing changed");
    }
}

#[test]
fn a_second_service_of_the_pods_is_named_and_refused_for_a_preview() {
    let ns = app("selector-second", 2);
    ns.apply(&service("web-internal", "app: web")).success();
    let versions = ns.versions();
    let refused = ns
        .ramp(&[
            "start",
            "web",
            "--image",
            "example.com/web:2",
            "--strategy",
            "blue-green",
        ])
        .code(2);
    assert!(
        refused.stderr.contains(
            "service \"web-internal\" selects the contender's pods too, and ramp switches only service \"web\""
        ),
        "{refused}"
    );
    assert_eq!(ns.versions(), versions, "nothing changed");

    // A canary sends to both versions through either Service: said so.
    let run = ns
        .ramp(&["start", "web", "--image", "example.com/web:2"])
        .success();
    assert!(
        run.stderr.contains(
            "service web-internal selects the contender's pods too: it sends to both versions by ready pods, whatever the steps give service web"
        ),
        "{run}"
    );
    ns.ramp(&["abort", "web"]).success();
}

#[test]
fn a_template_that_changes_a_label_the_service_selects_is_refused() {
    let ns = Namespace::new("selector-label");
    ns.apply(&labelled("web", 2, "track: v1")).success();
    ns.apply(&service("web", "app: web, track: v1")).success();
    ns.wait_ready("web");
    let versions = ns.versions();
    let new = std::env::temp_dir().join(format!("{}-web.yaml", ns.name));
    std::fs::write(
        &new,
        labelled("web", 2, "track: v2").replace("example.com/web:1", "example.com/web:2"),
    )
    .unwrap();
    for strategy in [&[][..], &["--strategy", "blue-green"][..]] {
        let mut args = vec!["start", "web", "-f", new.to_str().unwrap()];
        args.extend(strategy);
        let refused = ns.ramp(&args).code(2);
        assert!(
            refused.stderr.contains(
                "the new pod template sets label track=v2, but service \"web\" selects track=v1"
            ),
            "{refused}"
        );
        assert_eq!(ns.versions(), versions, "nothing changed");
    }
    std::fs::remove_file(new).unwrap();
}

#[test]
fn an_abort_keeps_a_colleagues_change_of_the_selector_and_says_so() {
    let ns = app("selector-colleague", 2);
    start_blue_green(&ns);
    let hash = selector(&ns)["pod-template-hash"]
        .as_str()
        .unwrap()
        .to_string();
    kubectl(&[
        "patch",
        "service",
        "web",
        "-n",
        &ns.name,
        "--type",
        "merge",
        "-p",
        r#"{"spec":{"selector":{"zone":"a"}}}"#,
    ])
    .success();
    let run = ns.ramp(&["abort", "web"]).success();
    assert_eq!(
        selector(&ns),
        serde_json::json!({"app": "web", "zone": "a"}),
        "ramp took out its own label only: {run}"
    );
    assert!(
        run.stderr.contains(&format!(
            "service web selects app=web,zone=a: took pod-template-hash={hash} out of its selector and kept the change made by someone else (zone=a)"
        )),
        "{run}"
    );
}

#[test]
fn a_restart_of_the_incumbent_during_a_preview_is_not_reported_as_its_traffic() {
    let ns = app("selector-restart", 2);
    start_blue_green(&ns);
    kubectl(&["rollout", "restart", "deployment/web", "-n", &ns.name]).success();
    // The incumbent's new pods lack the hash the Service was narrowed to.
    wait_until("the old pods gone", Duration::from_secs(60), || {
        endpoints(&ns, "web").is_empty()
            && ns.get("deployment", "web")["status"]["readyReplicas"] == 2
    });
    let status = ns.ramp(&["status", "web", "-o", "json"]).success().json();
    assert_eq!(status["traffic"]["incumbent"], 0.0, "{status}");
    assert_eq!(status["traffic"]["contender"], 0.0, "{status}");
    let table = ns.ramp(&["status", "web"]).success();
    assert!(
        table.stdout.contains("service web sends to no pod"),
        "{table}"
    );
    ns.ramp(&["abort", "web"]).success();
    wait_endpoints(&ns, "web", 2, 0);
}
