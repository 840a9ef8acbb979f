//! Bad input is refused before the first write: exit 2, a message that
//! names the problem and the fix, and nothing in the cluster changed. Also
//! the Deployments a rollout cannot start from.

mod support;

use support::{Namespace, istio_app, kubectl, web_app};

fn temp_file(ns: &Namespace, name: &str, text: &str) -> String {
    let path = std::env::temp_dir().join(format!("ramp-{}-{name}", ns.name));
    std::fs::write(&path, text).unwrap();
    path.to_str().unwrap().to_string()
}

/// Each case exits 2 naming the problem, with nothing changed.
fn refused(ns: &Namespace, cases: &[(Vec<&str>, &str)]) {
    let versions = ns.versions();
    for (args, message) in cases {
        let run = ns.ramp(args).code(2);
        assert!(run.stderr.starts_with("error: "), "{args:?}: {run}");
        assert!(
            run.stderr.contains(message),
            "{args:?} should say {message:?}:\n{run}"
        );
        assert_eq!(ns.versions(), versions, "{args:?} changed the cluster");
    }
}

#[test]
fn every_flag_and_file_is_checked_before_the_first_write() {
    let ns = istio_app("validate-flags", 2);
    let empty = temp_file(&ns, "empty.yaml", "");
    let min_above_max = temp_file(
        &ns,
        "min-above-max.yaml",
        "metrics:\n- name: latency\n  query: 'histogram_quantile(0.99, x)'\n  min: 500\n  max: 100\n",
    );
    let start = |more: &[&'static str]| {
        let mut args = vec!["start", "web"];
        args.extend_from_slice(more);
        args
    };
    let leaked = |s: String| -> &'static str { Box::leak(s.into_boxed_str()) };
    let empty: &'static str = leaked(empty);
    let min_above_max: &'static str = leaked(min_above_max);
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (
            start(&["--image", " registry/web:2"]),
            "--image \" registry/web:2\" is not a valid image reference",
        ),
        (
            start(&["--image", "Registry/Web:2"]),
            "--image \"Registry/Web:2\" is not a valid image reference",
        ),
        (
            start(&["--image", "web=a:1", "--image", "web=b:2"]),
            "--image names container \"web\" twice",
        ),
        (
            start(&["--image", "example.com/web:2", "--timeout", "0"]),
            "invalid value '0' for '--timeout",
        ),
        (
            start(&["--image", "example.com/web:2", "--auto", "--interval", "0"]),
            "invalid value '0' for '--interval",
        ),
        (
            start(&[
                "--image",
                "example.com/web:2",
                "--auto",
                "--analysis",
                empty,
            ]),
            "is empty",
        ),
        (
            start(&[
                "--image",
                "example.com/web:2",
                "--auto",
                "--analysis",
                min_above_max,
                "--prometheus",
                "http://127.0.0.1:9",
            ]),
            "metric \"latency\": min 500 is above max 100",
        ),
        (
            start(&[
                "--image",
                "example.com/web:2",
                "--auto",
                "--prometheus",
                "not a url",
            ]),
            "invalid value 'not a url' for '--prometheus <URL>': \"not a url\" is not an http(s) URL",
        ),
        (
            start(&["--image", "example.com/web:2", "--notify", "::not a url"]),
            "invalid value '::not a url' for '--notify <URL>'",
        ),
        (
            start(&["--image", "example.com/web:2", "--strategy", "/dev/zero"]),
            "cannot read the strategy file /dev/zero: it is larger than 4 MiB",
        ),
    ];
    refused(&ns, &cases);
}

#[test]
fn a_start_again_with_other_steps_is_refused_not_ignored() {
    let ns = istio_app("validate-again", 2);
    ns.ramp(&[
        "start",
        "web",
        "--image",
        "example.com/web:2",
        "--steps",
        "50,100",
    ])
    .success();
    refused(
        &ns,
        &[(
            vec![
                "start",
                "web",
                "--image",
                "example.com/web:2",
                "--steps",
                "10,20,100",
            ],
            "already has a rollout in progress (Paused, step 1/2)",
        )],
    );
}

#[test]
fn deployments_a_rollout_cannot_start_from_are_refused_with_the_fix() {
    let ns = istio_app("validate-deploy", 2);
    // Paused: its own rollout would never finish, nor ramp's promotion.
    kubectl(&["rollout", "pause", "deployment/web", "-n", &ns.name]).success();
    refused(
        &ns,
        &[(
            vec!["start", "web", "--image", "example.com/web:2"],
            "deployment \"web\" is paused",
        )],
    );
    let run = ns
        .ramp(&["start", "web", "--image", "example.com/web:2"])
        .code(2);
    assert!(
        run.stderr.contains("kubectl rollout resume deployment/web"),
        "{run}"
    );
    kubectl(&["rollout", "resume", "deployment/web", "-n", &ns.name]).success();

    // In the middle of its own rolling update: pods that never become
    // ready keep it there.
    let stuck = web_app("web", 2, "example.com/web:1.1").replace(
        "      containers:",
        "      nodeSelector: {disk: none}\n      containers:",
    );
    ns.apply(stuck.split("---").next().unwrap()).success();
    support::wait_until(
        "web to be mid-rollout",
        std::time::Duration::from_secs(30),
        || {
            let web = ns.get("deployment", "web");
            web["status"]["updatedReplicas"].as_i64().unwrap_or(0) >= 1
        },
    );
    refused(
        &ns,
        &[(
            vec!["start", "web", "--image", "example.com/web:2"],
            "deployment \"web\" is in the middle of its own rollout",
        )],
    );

    // Scaled by an autoscaler (a real one: the controller manager runs
    // it, and keeps it within its bounds even without metrics).
    let ns2 = istio_app("validate-hpa", 2);
    ns2.apply(
        r#"
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: web}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}
  minReplicas: 2
  maxReplicas: 4
  metrics:
  - type: Resource
    resource: {name: cpu, target: {type: Utilization, averageUtilization: 80}}
"#,
    )
    .success();
    // Its capacity is the autoscaler's: a step that lowers it is refused.
    let lowering = temp_file(
        &ns2,
        "lowering.yaml",
        "- name: half\n  capacity: {contender: 50, incumbent: 50}\n  traffic: {contender: 50, incumbent: 50}\n",
    );
    refused(
        &ns2,
        &[(
            vec![
                "start",
                "web",
                "--image",
                "example.com/web:2",
                "--strategy",
                lowering.as_str(),
            ],
            "gives deployment \"web\" 1 of its 2 pods, but HorizontalPodAutoscaler \"web\" scales it",
        )],
    );

    // A name whose contender's Service name would be longer than 63.
    let long = "a".repeat(57);
    ns.apply(&web_app(&long, 1, "example.com/web:1")).success();
    refused(
        &ns,
        &[(
            vec!["start", long.as_str(), "--image", "example.com/web:2"],
            "is too long for its contender",
        )],
    );
}

/// Names reach API paths and text reaches terminals, records and Events:
/// both are checked first, and a refused value is not echoed back raw.
#[test]
fn names_namespaces_and_reasons_are_checked_before_they_are_used() {
    let ns = istio_app("validate-names", 2);
    ns.ramp(&[
        "start",
        "web",
        "--image",
        "example.com/web:2",
        "--steps",
        "10,100",
    ])
    .success();
    let escape = "a\u{1b}]0;owned\u{7}b";
    let huge = "x".repeat(120 * 1024);
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (
            vec!["status", "web?x=1"],
            "\"web?x=1\" is not a valid name: it holds '?'",
        ),
        (
            vec!["abort", "web/../other"],
            "is not a valid name: it holds '/'",
        ),
        (vec!["step", "Web"], "it holds 'W'"),
        (
            vec![
                "start",
                "web",
                "--image",
                "example.com/web:3",
                "--canary-namespace",
                "a/b",
            ],
            "\"a/b\" is not a valid namespace",
        ),
        (
            vec!["abort", "web", "--reason", escape],
            "the reason holds the control character U+001B",
        ),
        (
            vec!["abort", "web", "--reason", &huge],
            "the reason has 122880 characters, more than 1024",
        ),
        (
            vec!["freeze", "--reason", escape],
            "the reason holds the control character U+001B",
        ),
    ];
    let versions = ns.versions();
    for (args, message) in &cases {
        let run = ns.ramp(args).code(2);
        assert!(
            run.stderr.contains(message),
            "{args:?} should say {message:?}:\n{run}"
        );
        assert!(
            !run.stderr.contains('\u{1b}'),
            "the escape is not echoed: {run:?}"
        );
    }
    // -n is a namespace, checked the same.
    let run = support::ramp(&["status", "web", "-n", "hb/configmaps/x?y="]).code(2);
    assert!(
        run.stderr
            .contains("\"hb/configmaps/x?y=\" is not a valid namespace"),
        "{run}"
    );
    assert_eq!(ns.versions(), versions, "nothing changed");
    // The rollout is as it was, and can be aborted.
    assert_eq!(ns.record("web").unwrap()["phase"], "Paused");
    ns.ramp(&["abort", "web", "--reason", "p99 latency doubled"])
        .success();
}

/// A freeze someone wrote by hand, its reason holding an escape sequence:
/// shown with the control characters escaped, never acted on.
#[test]
fn a_freeze_written_by_hand_reaches_the_terminal_without_its_escapes() {
    let ns = istio_app("validate-freeze-text", 2);
    let freeze = r#"{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "kubectl-ramp-freeze", "labels": {"ramp.dev/freeze": "namespace", "app.kubernetes.io/managed-by": "kubectl-ramp"}}, "data": {"by": "eve\u001b[2J", "since": "2026-12-01T00:00:00Z", "reason": "see \u001b]0;pwned\u0007 now"}}"#;
    ns.apply(freeze).success();
    for args in [vec!["list"], vec!["status", "web"]] {
        let run = ns.ramp(&args);
        let all = format!("{}{}", run.stdout, run.stderr);
        assert!(
            !all.contains('\u{1b}') && !all.contains('\u{7}'),
            "{args:?}: {all:?}"
        );
    }
    let run = ns
        .ramp(&["start", "web", "--image", "example.com/web:2"])
        .code(2);
    assert!(
        run.stderr.contains("see \\u{1b}]0;pwned\\u{7} now"),
        "{run}"
    );
}
