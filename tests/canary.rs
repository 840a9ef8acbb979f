//! Canary rollouts through Istio on the local control plane: start, step,
//! promote, abort, and what must hold at every point.

mod support;

use std::time::Duration;

use serde_json::Value;
use support::{Namespace, kubectl, wait_output, web_app, weights};

fn app(prefix: &str, replicas: u32) -> Namespace {
    support::istio_app(prefix, replicas)
}

fn ready(ns: &Namespace, deployment: &str) -> i64 {
    ns.get("deployment", deployment)["status"]["readyReplicas"]
        .as_i64()
        .unwrap_or(0)
}

#[test]
fn a_manual_canary_goes_through_its_steps_and_promotes() {
    let ns = app("canary-manual", 5);
    let original = ns.get("virtualservice", "web")["spec"].clone();

    let run = ns
        .ramp(&[
            "start",
            "web",
            "--image",
            "example.com/web:2",
            "--steps",
            "20,50,100",
            "-o",
            "json",
        ])
        .success();
    let status = run.json();
    assert_eq!(status["phase"], "Paused");
    assert_eq!(status["step"]["index"], 1);
    assert_eq!(status["step"]["total"], 3);
    assert_eq!(status["step"]["name"], "20%");
    assert_eq!(status["traffic"]["contender"], 20.0);
    assert_eq!(status["traffic"]["incumbent"], 80.0);
    assert_eq!(status["capacity"]["contender"]["desired"], 1);
    assert_eq!(status["capacity"]["contender"]["ready"], 1);
    assert_eq!(status["capacity"]["incumbent"]["desired"], 5);
    assert_eq!(status["router"], "istio");
    // Each action once: the next look sees what this command just wrote.
    assert_eq!(
        run.stderr.matches("creating deployment web-canary").count(),
        1,
        "{run}"
    );
    assert!(
        run.stderr.contains("traffic: web-canary 20%, web 80%"),
        "{run}"
    );
    let vs = ns.get("virtualservice", "web");
    assert_eq!(
        weights(&vs, 0),
        [("web".into(), 80), ("web-canary".into(), 20)]
    );
    let canary = ns.get("deployment", "web-canary");
    assert_eq!(
        canary["spec"]["template"]["spec"]["containers"][0]["image"],
        "example.com/web:2"
    );
    assert_eq!(
        canary["spec"]["template"]["metadata"]["labels"]["app"],
        "web-canary"
    );
    let canary_service = ns.get("service", "web-canary");
    assert_eq!(canary_service["spec"]["selector"]["app"], "web-canary");
    assert_eq!(canary_service["spec"]["ports"][0]["port"], 80);
    // The user's Deployment is untouched but for the record.
    let incumbent = ns.get("deployment", "web");
    assert_eq!(
        incumbent["spec"]["template"]["spec"]["containers"][0]["image"],
        "example.com/web:1"
    );
    assert_eq!(incumbent["spec"]["replicas"], 5);

    let status = ns.ramp(&["step", "web", "-o", "json"]).success().json();
    assert_eq!(status["step"]["index"], 2);
    assert_eq!(status["capacity"]["contender"]["ready"], 3);
    assert_eq!(
        weights(&ns.get("virtualservice", "web"), 0),
        [("web".into(), 50), ("web-canary".into(), 50)]
    );

    let status = ns.ramp(&["step", "web", "-o", "json"]).success().json();
    assert_eq!(status["step"]["index"], 3);
    assert_eq!(status["traffic"]["contender"], 100.0);
    assert_eq!(
        weights(&ns.get("virtualservice", "web"), 0),
        [("web".into(), 0), ("web-canary".into(), 100)]
    );

    let status = ns.ramp(&["promote", "web", "-o", "json"]).success().json();
    assert_eq!(status["phase"], "Succeeded");
    assert_eq!(status["traffic"]["incumbent"], 100.0);
    let incumbent = ns.get("deployment", "web");
    assert_eq!(
        incumbent["spec"]["template"]["spec"]["containers"][0]["image"],
        "example.com/web:2"
    );
    assert_eq!(
        incumbent["spec"]["template"]["metadata"]["labels"]["app"],
        "web"
    );
    assert_eq!(ready(&ns, "web"), 5);
    assert_eq!(
        ns.get("virtualservice", "web")["spec"],
        original,
        "the VirtualService is as it was"
    );
    assert_eq!(ns.names("deployments"), ["web"]);
    assert_eq!(ns.names("services"), ["web"]);
    assert!(ns.names("leases").is_empty(), "no lease left behind");
    assert_eq!(ns.record("web").unwrap()["phase"], "Succeeded");

    let describe = kubectl(&["describe", "deployment", "web", "-n", &ns.name])
        .success()
        .stdout;
    for reason in ["Started", "StepReached", "Promoted"] {
        assert!(
            describe.contains(reason),
            "{reason} in kubectl describe:\n{describe}"
        );
    }
    // What a command set out to do is in the record; an Event says what
    // it reached.
    for intent in ["StepStarted", "Promoting"] {
        assert!(
            !describe.contains(intent),
            "no {intent} Event in kubectl describe:\n{describe}"
        );
    }
    let history = ns.record("web").unwrap()["history"].to_string();
    for intent in ["StepStarted", "Promoting"] {
        assert!(
            history.contains(intent),
            "{intent} in the record: {history}"
        );
    }
}

#[test]
fn abort_restores_every_route_exactly_and_touches_nothing_else() {
    let ns = Namespace::new("canary-abort");
    ns.apply(&web_app("web", 2, "example.com/web:1")).success();
    let vs = format!(
        r#"
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: web
  labels: {{team: shop}}
  annotations: {{note: keep}}
spec:
  hosts: [web, web.example.com]
  gateways: [mesh]
  http:
  - name: beta-users
    match:
    - headers:
        x-beta: {{exact: "1"}}
    route:
    - destination: {{host: beta}}
  - name: legacy
    match:
    - uri: {{prefix: /legacy}}
    route:
    - destination: {{host: web.{ns}.svc.cluster.local, port: {{number: 80}}}}
    timeout: 3s
  - name: primary
    retries: {{attempts: 3, perTryTimeout: 2s, retryOn: 5xx}}
    timeout: 10s
    fault:
      delay:
        percentage: {{value: 0.1}}
        fixedDelay: 5s
    mirror: {{host: shadow}}
    headers:
      request:
        set: {{x-served-by: web}}
    route:
    - destination: {{host: web}}
      weight: 100
"#,
        ns = ns.name
    );
    ns.apply(&vs).success();
    ns.wait_ready("web");
    let before = ns.get("virtualservice", "web");
    let deployment_before = ns.get("deployment", "web")["spec"].clone();

    ns.ramp(&[
        "start",
        "web",
        "--image",
        "example.com/web:2",
        "--steps",
        "10,60",
    ])
    .success();
    ns.ramp(&["step", "web"]).success();
    let during = ns.get("virtualservice", "web");
    assert_eq!(
        during["spec"]["http"][0], before["spec"]["http"][0],
        "the beta route is not ours"
    );
    let host = format!("web.{}.svc.cluster.local", ns.name);
    let canary_host = format!("web-canary.{}.svc.cluster.local", ns.name);
    assert_eq!(weights(&during, 1), [(host, 40), (canary_host, 60)]);
    assert_eq!(
        during["spec"]["http"][1]["route"][1]["destination"]["port"]["number"],
        80
    );
    assert_eq!(
        weights(&during, 2),
        [("web".into(), 40), ("web-canary".into(), 60)]
    );
    for field in ["retries", "timeout", "fault", "mirror", "headers", "name"] {
        assert_eq!(
            during["spec"]["http"][2][field], before["spec"]["http"][2][field],
            "{field}"
        );
    }
    assert_eq!(during["metadata"]["labels"], before["metadata"]["labels"]);
    assert_eq!(
        during["metadata"]["annotations"],
        before["metadata"]["annotations"]
    );

    let run = ns
        .ramp(&["abort", "web", "--reason", "error rate", "-o", "json"])
        .success();
    assert_eq!(run.json()["phase"], "Aborted");
    assert!(
        run.stderr.contains("aborted at step 2/2: error rate"),
        "{run}"
    );
    let after = ns.get("virtualservice", "web");
    assert_eq!(
        after["spec"], before["spec"],
        "abort restores the whole spec exactly"
    );
    assert_eq!(after["metadata"]["labels"], before["metadata"]["labels"]);
    assert_eq!(
        ns.get("deployment", "web")["spec"],
        deployment_before,
        "the user's Deployment spec is untouched"
    );
    assert_eq!(ns.names("deployments"), ["web"]);
    assert_eq!(ns.names("services"), ["web"]);
    let record = ns.record("web").unwrap();
    assert_eq!(record["phase"], "Aborted");
    let describe = kubectl(&["describe", "deployment", "web", "-n", &ns.name])
        .success()
        .stdout;
    assert!(
        describe.contains("aborted at step 2/2: error rate"),
        "{describe}"
    );

    // A finished abort run again is a no-op, not an error.
    let versions = ns.versions();
    ns.ramp(&["abort", "web"]).success();
    assert_eq!(ns.versions(), versions);
}

#[test]
fn traffic_waits_for_ready_pods_and_a_timeout_leaves_the_rollout_paused() {
    let ns = app("canary-timeout", 2);
    // The new version can never be scheduled: its pods never become ready.
    let file = support::unschedulable_web(&ns);

    let run = ns
        .ramp(&[
            "start",
            "web",
            "-f",
            file.to_str().unwrap(),
            "--timeout",
            "4s",
        ])
        .code(4);
    assert!(
        run.stderr
            .contains("timed out waiting for web-canary: 0 of 1 pods ready"),
        "{run}"
    );
    let vs = ns.get("virtualservice", "web");
    assert_eq!(
        weights(&vs, 0),
        [("web".into(), 0)],
        "no traffic to pods that are not ready"
    );
    let record = ns.record("web").unwrap();
    assert_eq!(record["phase"], "Paused");
    assert_eq!(record["step"], 0);
    let status = ns.ramp(&["status", "web", "-o", "json"]).success().json();
    assert_eq!(status["traffic"]["contender"], 0.0);
    assert_eq!(status["capacity"]["contender"]["ready"], 0);

    ns.ramp(&["abort", "web"]).success();
    assert_eq!(ns.names("deployments"), ["web"]);
}

#[test]
fn bad_input_exits_2_names_the_fix_and_changes_nothing() {
    let ns = app("canary-bad", 2);
    ns.apply(&web_app("split", 1, "example.com/split:1"))
        .success();
    ns.apply(&web_app("lonely", 1, "example.com/lonely:1"))
        .success();
    ns.apply(
        r#"
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: split
spec:
  hosts: [split]
  http:
  - route:
    - destination: {host: split}
      weight: 70
    - destination: {host: other}
      weight: 30
"#,
    )
    .success();
    ns.wait_ready("split");
    ns.wait_ready("lonely");
    let bad_strategy = std::env::temp_dir().join(format!("ramp-bad-strategy-{}.yaml", ns.name));
    std::fs::write(&bad_strategy, "- name: staging\n  capacity: {contender: one, incumbent: 100}\n  traffic: {contender: 0, incumbent: 100}\n").unwrap();
    let bad_strategy = bad_strategy.to_str().unwrap().to_string();

    let cases: Vec<(Vec<&str>, &str)> = vec![
        (
            vec!["start", "nope", "--image", "x:2"],
            "deployment \"nope\" not found",
        ),
        (
            vec!["start", "web", "--image", "db=x:2"],
            "deployment \"web\" has no container \"db\"",
        ),
        (vec!["start", "web"], "--image"),
        (
            vec!["start", "web", "--image", "x:2", "--steps", "50,10"],
            "--steps must increase: 10 comes after 50",
        ),
        (
            vec!["start", "web", "--image", "x:2", "--steps", "10,150"],
            "--steps: 150 is not between 1 and 100",
        ),
        (
            vec![
                "start",
                "web",
                "--image",
                "x:2",
                "--strategy",
                &bad_strategy,
            ],
            "line 2 column 25",
        ),
        (
            vec!["start", "lonely", "--image", "x:2", "--router", "istio"],
            "no VirtualService in namespace",
        ),
        (
            vec!["start", "lonely", "--image", "x:2", "--steps", "10,100"],
            "the replicas router cannot send 10% of traffic to the contender with 1 replicas",
        ),
        (
            vec!["start", "split", "--image", "x:2"],
            "already splits traffic between split and other",
        ),
        (
            vec!["start", "web", "--image", "example.com/web:1"],
            "already runs this pod template",
        ),
        (vec!["step", "web"], "has no rollout in progress"),
        (vec!["promote", "web"], "has no rollout in progress"),
        (vec!["abort", "web"], "has no rollout in progress"),
    ];
    let versions = ns.versions();
    for (args, message) in &cases {
        let run = ns.ramp(args).code(2);
        assert!(run.stderr.starts_with("error: "), "{args:?}: {run}");
        assert!(
            run.stderr.contains(message),
            "{args:?} should say {message:?}:\n{run}"
        );
        assert_eq!(ns.versions(), versions, "{args:?} changed the cluster");
    }

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
        .ramp(&["start", "web", "--image", "example.com/web:3"])
        .code(2);
    assert!(
        run.stderr
            .contains("already has a rollout in progress (Paused, step 1/2)"),
        "{run}"
    );
    assert!(run.stderr.contains("kubectl ramp promote web"), "{run}");
    let run = ns.ramp(&["step", "web", "--to", "9"]).code(2);
    assert!(
        run.stderr.contains("--to 9: the rollout has no such step"),
        "{run}"
    );
    assert_eq!(ns.versions(), versions);
}

#[test]
fn objects_of_the_users_in_the_contenders_place_are_never_taken_over() {
    let ns = app("canary-taken", 2);
    // A Service of the user's with the contender's name: start would have
    // adopted it, pointed it at the contender, and deleted it at the end.
    ns.apply(
        r#"
apiVersion: v1
kind: Service
metadata:
  name: web-canary
spec:
  selector: {app: something-else}
  ports: [{port: 81}]
"#,
    )
    .success();
    let versions = ns.versions();
    let run = ns
        .ramp(&["start", "web", "--image", "example.com/web:2"])
        .code(2);
    assert!(
        run.stderr
            .contains("service \"web-canary\" already exists in namespace")
            && run.stderr.contains("is not kubectl-ramp's"),
        "{run}"
    );
    assert_eq!(ns.versions(), versions, "start changed the cluster");
    let service = ns.get("service", "web-canary");
    assert_eq!(service["spec"]["selector"]["app"], "something-else");

    kubectl(&["delete", "service", "web-canary", "-n", &ns.name]).success();
    ns.apply(&web_app("web-canary", 1, "example.com/theirs:1"))
        .success();
    let versions = ns.versions();
    let run = ns
        .ramp(&["start", "web", "--image", "example.com/web:2"])
        .code(2);
    assert!(
        run.stderr
            .contains("deployment \"web-canary\" already exists in namespace")
            && run.stderr.contains("is not kubectl-ramp's"),
        "{run}"
    );
    assert_eq!(ns.versions(), versions, "start changed the cluster");
}

#[test]
fn two_steps_at_once_advance_exactly_one() {
    let ns = app("canary-race", 4);
    ns.ramp(&[
        "start",
        "web",
        "--image",
        "example.com/web:2",
        "--steps",
        "10,20,30,40",
    ])
    .success();
    let first = ns.spawn_ramp(&["step", "web"]);
    let second = ns.spawn_ramp(&["step", "web"]);
    let runs = [wait_output(first), wait_output(second)];
    let codes: Vec<Option<i32>> = runs.iter().map(|r| r.code).collect();
    assert!(codes.contains(&Some(0)), "{}\n{}", runs[0], runs[1]);
    assert!(codes.contains(&Some(5)), "{}\n{}", runs[0], runs[1]);
    let loser = runs.iter().find(|r| r.code == Some(5)).unwrap();
    assert!(
        loser
            .stderr
            .contains("another kubectl-ramp is driving the rollout of \"web\"")
            || loser.stderr.contains("changed by another command"),
        "{loser}"
    );
    let record = ns.record("web").unwrap();
    assert_eq!(
        (record["step"].as_u64(), record["phase"].as_str()),
        (Some(2), Some("Paused"))
    );
    assert_eq!(
        weights(&ns.get("virtualservice", "web"), 0),
        [("web".into(), 80), ("web-canary".into(), 20)]
    );
}

#[test]
fn dry_run_prints_the_plan_and_changes_nothing() {
    let ns = app("canary-dry", 2);
    let versions = ns.versions();
    let run = ns
        .ramp(&[
            "start",
            "web",
            "--image",
            "example.com/web:2",
            "--steps",
            "50,100",
            "--dry-run",
        ])
        .success();
    assert!(
        run.stderr
            .contains("(dry run) creating deployment web-canary with 1 replica"),
        "{run}"
    );
    assert!(
        run.stderr
            .contains("(dry run) traffic: web-canary 50%, web 50%"),
        "{run}"
    );
    assert_eq!(ns.versions(), versions);
    assert!(ns.record("web").is_none());

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
    for args in [
        ["step", "web", "--dry-run"],
        ["promote", "web", "--dry-run"],
        ["abort", "web", "--dry-run"],
    ] {
        let run = ns.ramp(&args).success();
        assert!(run.stderr.contains("(dry run) "), "{args:?}: {run}");
        assert_eq!(ns.versions(), versions, "{args:?} changed the cluster");
    }
}

#[test]
fn a_shipper_strategy_file_runs_unchanged() {
    let ns = app("canary-vanguard", 4);
    let file = support::repo_root().join("examples/strategies/vanguard.yaml");
    let status = ns
        .ramp(&[
            "start",
            "web",
            "--image",
            "example.com/web:2",
            "--strategy",
            file.to_str().unwrap(),
            "-o",
            "json",
        ])
        .success()
        .json();
    assert_eq!(status["step"]["name"], "staging");
    assert_eq!(status["capacity"]["contender"]["ready"], 1);
    assert_eq!(status["traffic"]["contender"], 0.0);
    let status = ns.ramp(&["step", "web", "-o", "json"]).success().json();
    assert_eq!(status["step"]["name"], "50/50");
    assert_eq!(status["capacity"]["contender"]["desired"], 2);
    assert_eq!(status["capacity"]["incumbent"]["desired"], 2);
    let status = ns.ramp(&["step", "web", "-o", "json"]).success().json();
    assert_eq!(status["step"]["name"], "full on");
    assert_eq!(status["capacity"]["incumbent"]["desired"], 0);
    assert_eq!(status["traffic"]["contender"], 100.0);
    // Past the last step, step promotes.
    let status = ns.ramp(&["step", "web", "-o", "json"]).success().json();
    assert_eq!(status["phase"], "Succeeded");
    assert_eq!(status["capacity"]["incumbent"]["ready"], 4);
    assert_eq!(
        ns.get("deployment", "web")["spec"]["template"]["spec"]["containers"][0]["image"],
        "example.com/web:2"
    );
}

#[test]
fn the_contender_can_run_in_another_namespace() {
    let ns = app("canary-home", 2);
    let other = Namespace::new("canary-away");
    let status = ns
        .ramp(&[
            "start",
            "web",
            "--image",
            "example.com/web:2",
            "--steps",
            "30,100",
            "--canary-namespace",
            &other.name,
            "-o",
            "json",
        ])
        .success()
        .json();
    assert_eq!(status["capacity"]["contender"]["ready"], 1);
    assert_eq!(other.names("deployments"), ["web-canary"]);
    assert_eq!(other.names("services"), ["web-canary"]);
    let host = format!("web-canary.{}.svc.cluster.local", other.name);
    assert_eq!(
        weights(&ns.get("virtualservice", "web"), 0),
        [("web".into(), 70), (host, 30)]
    );
    ns.ramp(&["promote", "web"]).success();
    assert!(other.names("deployments").is_empty());
    assert!(other.names("services").is_empty());
}

fn state(ns: &Namespace) -> (Value, Value, Vec<String>, Vec<String>) {
    let record = ns.record("web").unwrap_or(Value::Null);
    (
        serde_json::json!({"phase": record["phase"], "step": record["step"]}),
        ns.get("virtualservice", "web")["spec"].clone(),
        ns.names("deployments"),
        ns.names("services"),
    )
}

#[test]
fn killed_commands_converge_when_run_again() {
    let delays = [30, 150, 400, 800].map(Duration::from_millis);
    let mut landed = Vec::new();
    for (round, delay) in delays.into_iter().enumerate() {
        let ns = app("canary-kill", 2);
        let start = [
            "start",
            "web",
            "--image",
            "example.com/web:2",
            "--steps",
            "50,100",
        ];
        let at = |phase: &str, step: u64| {
            let ns = &ns;
            let phase = phase.to_string();
            // The record says the work is done (and, once it ended, the
            // contender's Deployment and Service are gone: the record is
            // written before the clean-up); a kill after it may still
            // leave the Lease, which the next command finds dead and takes.
            move || {
                let ended = matches!(phase.as_str(), "Succeeded" | "Aborted");
                ns.record("web")
                    .is_some_and(|r| r["phase"] == phase.as_str() && r["step"] == step)
                    && (!ended
                        || (ns.names("deployments") == ["web"] && ns.names("services") == ["web"]))
            }
        };
        landed.push((
            "start",
            delay,
            ns.killed_then_rerun(&start, delay, at("Paused", 1)),
        ));
        let (record, vs, deployments, services) = state(&ns);
        assert_eq!(
            record,
            serde_json::json!({"phase": "Paused", "step": 1}),
            "start, killed at {delay:?}"
        );
        assert_eq!(
            weights(&serde_json::json!({"spec": vs}), 0),
            [("web".into(), 50), ("web-canary".into(), 50)]
        );
        assert_eq!(
            (deployments, services),
            (
                vec!["web".into(), "web-canary".into()],
                vec!["web".into(), "web-canary".into()]
            )
        );

        landed.push((
            "step",
            delay,
            ns.killed_then_rerun(&["step", "web"], delay, at("Paused", 2)),
        ));
        let (record, vs, _, _) = state(&ns);
        assert_eq!(
            record,
            serde_json::json!({"phase": "Paused", "step": 2}),
            "step, killed at {delay:?}"
        );
        assert_eq!(
            weights(&serde_json::json!({"spec": vs}), 0),
            [("web".into(), 0), ("web-canary".into(), 100)]
        );

        // Half the runs end with promote, half with abort.
        let (verb, phase) = if round % 2 == 0 {
            ("promote", "Succeeded")
        } else {
            ("abort", "Aborted")
        };
        landed.push((
            verb,
            delay,
            ns.killed_then_rerun(&[verb, "web"], delay, at(phase, 2)),
        ));
        let (record, vs, deployments, services) = state(&ns);
        assert_eq!(record["phase"], phase, "{verb}, killed at {delay:?}");
        assert_eq!(
            weights(&serde_json::json!({"spec": vs}), 0),
            [("web".into(), 0)],
            "{verb}: routes restored"
        );
        assert_eq!(
            (deployments, services),
            (vec!["web".to_string()], vec!["web".to_string()])
        );
        let image =
            ns.get("deployment", "web")["spec"]["template"]["spec"]["containers"][0]["image"]
                .clone();
        assert_eq!(
            image,
            if verb == "promote" {
                "example.com/web:2"
            } else {
                "example.com/web:1"
            }
        );
        // Run again after a kill, the command let go of the rollout. (A
        // kill once its work was done may leave the Lease: the next command
        // finds its holder dead and takes it.)
        if landed.last().is_some_and(|(_, _, rerun)| *rerun) {
            assert!(ns.names("leases").is_empty());
        }
    }
    let kills = landed.iter().filter(|(_, _, killed)| *killed).count();
    eprintln!("{kills} of {} kills landed: {landed:?}", landed.len());
    // No command is done 30 ms after it began: those kills always land,
    // so the test above did test recovery from a kill.
    for (verb, delay, killed) in &landed {
        if *delay == Duration::from_millis(30) {
            assert!(killed, "{verb} finished within 30 ms");
        }
    }
    assert!(kills >= 3, "{landed:?}");
}

#[test]
fn a_damaged_record_is_refused_by_step_and_abort_still_restores_traffic() {
    let ns = app("canary-damaged", 2);
    ns.ramp(&[
        "start",
        "web",
        "--image",
        "example.com/web:2",
        "--steps",
        "50,100",
    ])
    .success();
    let mut record = ns.record("web").unwrap();
    record["step"] = 99.into();
    ns.set_record("web", &record);
    let versions = ns.versions();
    for args in [
        &["step", "web", "--yes"][..],
        &["promote", "web"],
        &["status", "web"],
    ] {
        let run = ns.ramp(args).code(2);
        assert!(
            run.stderr
                .contains("is damaged: step is 99 but there are 2 steps"),
            "{args:?}: {run}"
        );
        assert!(run.stderr.contains("kubectl ramp abort web"), "{run}");
    }
    assert_eq!(ns.versions(), versions, "nothing changed");
    ns.ramp(&["abort", "web"]).success();
    assert_eq!(
        weights(&ns.get("virtualservice", "web"), 0),
        [("web".into(), 0)]
    );
    assert_eq!(ns.names("deployments"), ["web"]);
    assert_eq!(ns.record("web").unwrap()["phase"], "Aborted");
}

/// An abort fired while a promotion is under way: whichever wins, the
/// cluster is consistent and the loser says so with exit 5 (or, when the
/// other had already ended before the loser read the record, exit 2 naming
/// the phase it ended in), never an API error. When the
/// abort wins, all traffic is on the incumbent, which runs the old
/// template.
#[test]
fn an_abort_racing_a_promotion_always_leaves_one_consistent_outcome() {
    let outcomes: Vec<(u64, Option<i32>, Option<i32>, String)> = std::thread::scope(|s| {
        let runs: Vec<_> = [0u64, 100, 200, 300, 400]
            .into_iter()
            .map(|delay| {
                s.spawn(move || {
                    let ns = app(&format!("canary-race-{delay}"), 3);
                    ns.ramp(&[
                        "start",
                        "web",
                        "--image",
                        "example.com/web:2",
                        "--steps",
                        "50,100",
                    ])
                    .success();
                    let promote = ns.spawn_ramp(&["promote", "web"]);
                    std::thread::sleep(Duration::from_millis(delay));
                    let abort = ns.ramp(&["abort", "web"]);
                    let promote = wait_output(promote);
                    let phase = ns.record("web").unwrap()["phase"]
                        .as_str()
                        .unwrap()
                        .to_string();
                    let image =
                            ns.get("deployment", "web")["spec"]["template"]["spec"]["containers"]
                                [0]["image"]
                                .as_str()
                                .unwrap()
                                .to_string();
                    match phase.as_str() {
                        "Aborted" => {
                            assert_eq!(abort.code, Some(0), "{abort}");
                            // A promotion that read the record only after the abort
                            // had ended is refused as any promote of an aborted
                            // rollout is; one that was under way lost the race.
                            match promote.code {
                                Some(5) => {}
                                Some(2) => assert!(
                                    promote.stderr.contains("was aborted"),
                                    "the promotion came after the abort: {promote}"
                                ),
                                _ => panic!("the promotion lost: {promote}"),
                            }
                            assert_eq!(image, "example.com/web:1", "the old template stays");
                            assert_eq!(
                                weights(&ns.get("virtualservice", "web"), 0),
                                [("web".into(), 0)]
                            );
                            assert!(!ns.names("deployments").contains(&"web-canary".to_string()));
                        }
                        "Succeeded" => {
                            assert_eq!(promote.code, Some(0), "{promote}");
                            assert!(matches!(abort.code, Some(2) | Some(5)), "{abort}");
                            assert_eq!(image, "example.com/web:2");
                        }
                        other => panic!("ended {other}:\n{promote}\n{abort}"),
                    }
                    (delay, promote.code, abort.code, phase)
                })
            })
            .collect();
        runs.into_iter().map(|r| r.join().unwrap()).collect()
    });
    println!("{outcomes:?}");
    assert!(
        outcomes
            .iter()
            .any(|(_, promote, _, phase)| phase == "Aborted" && *promote == Some(5)),
        "at least once the abort came while the promotion was under way: {outcomes:?}"
    );
}

/// A command at work on another machine that has not needed the Lease yet
/// holds the rollout by the record alone: a step refuses (exit 5) and
/// changes nothing. A hold older than a lease's 30 seconds with no Lease
/// is a holder gone, and the step goes on. An abort always goes on.
#[test]
fn a_command_at_work_elsewhere_holds_the_rollout_by_the_record_alone() {
    let ns = app("canary-held", 2);
    let original = ns.get("virtualservice", "web")["spec"].clone();
    ns.ramp(&[
        "start",
        "web",
        "--image",
        "example.com/web:2",
        "--steps",
        "20,50,100",
    ])
    .success();
    let holder = "ana@elsewhere.example pid 42 (step)";
    let hold = |ago: i64| {
        let at =
            k8s_openapi::jiff::Timestamp::now() - k8s_openapi::jiff::SignedDuration::from_secs(ago);
        let mut record = ns.record("web").unwrap();
        record["held"] = serde_json::json!({"by": holder, "at": at.to_string()});
        ns.set_record("web", &record);
    };

    hold(2);
    let versions = ns.versions();
    let run = ns.ramp(&["step", "web"]).code(5);
    assert!(
        run.stderr.contains(&format!(
            "another kubectl-ramp is driving the rollout of \"web\": {holder}"
        )),
        "{run}"
    );
    assert_eq!(ns.versions(), versions, "the refused step changed nothing");
    assert!(ns.names("leases").is_empty());

    hold(45);
    ns.ramp(&["step", "web"]).success();
    let record = ns.record("web").unwrap();
    assert_eq!(record["step"], 2, "{record}");
    assert!(
        record.get("held").is_none(),
        "at rest, nobody holds it: {record}"
    );
    assert!(ns.names("leases").is_empty(), "a quick step took no Lease");

    hold(1);
    let run = ns.ramp(&["abort", "web"]).success();
    assert!(run.stderr.contains("aborting anyway"), "{run}");
    assert_eq!(
        ns.get("virtualservice", "web")["spec"],
        original,
        "all traffic back"
    );
    assert_eq!(ns.record("web").unwrap()["phase"], "Aborted");
}
