//! History and undo against the local control plane: the record keeps the
//! finished rollouts, `history` shows them, `undo` goes back to an earlier
//! revision's pod template by a canary.

mod support;

use support::{istio_app, kubectl};

fn image(record: &serde_json::Value) -> String {
    record["contender"]["template"]["spec"]["containers"][0]["image"]
        .as_str()
        .unwrap()
        .to_string()
}

#[test]
fn history_keeps_each_finished_rollout_and_undo_goes_back_by_a_canary() {
    let ns = istio_app("history", 2);
    let steps = ["--steps", "50,100"];
    let start = |image: &str| {
        let mut args = vec!["start", "web", "--image", image];
        args.extend(steps);
        ns.ramp(&args).success();
    };
    start("example.com/web:2");
    ns.ramp(&["promote", "web"]).success();
    start("example.com/web:3");
    ns.ramp(&["abort", "web", "--reason", "bad canary"])
        .success();
    start("example.com/web:4");
    ns.ramp(&["promote", "web"]).success();

    // Who the API server takes the test's credentials to be, as kubectl
    // says.
    let me = kubectl(&[
        "auth",
        "whoami",
        "-o",
        "jsonpath={.status.userInfo.username}",
    ])
    .success()
    .stdout;
    let history = ns.ramp(&["history", "web", "-o", "json"]).success().json();
    let rollouts = history["rollouts"].as_array().unwrap();
    let summary: Vec<(String, String, serde_json::Value)> = rollouts
        .iter()
        .map(|r| {
            (
                r["images"][0]["image"].as_str().unwrap().to_string(),
                r["result"].as_str().unwrap().to_string(),
                r["revision"].clone(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            ("example.com/web:2".into(), "Succeeded".into(), 2.into()),
            (
                "example.com/web:3".into(),
                "Aborted".into(),
                serde_json::Value::Null
            ),
            ("example.com/web:4".into(), "Succeeded".into(), 3.into()),
        ],
        "{history}"
    );
    for rollout in rollouts {
        assert_eq!(rollout["by"], me.as_str(), "{rollout}");
        assert_eq!(rollout["digest"].as_str().unwrap().len(), 12, "{rollout}");
        assert!(rollout["seconds"].as_u64().is_some(), "{rollout}");
        assert!(rollout["finished_at"].is_string(), "{rollout}");
    }
    assert!(
        rollouts[1]["reason"]
            .as_str()
            .unwrap()
            .contains("bad canary"),
        "{history}"
    );
    let table = ns.ramp(&["history", "web"]).success().stdout;
    let lines: Vec<&str> = table.lines().collect();
    assert!(lines[0].starts_with("REVISION"), "{table}");
    assert_eq!(lines.len(), 4, "{table}");
    assert!(
        lines[2].contains("example.com/web:3") && lines[2].contains("Aborted"),
        "{table}"
    );

    // Bad revisions change nothing.
    let versions = ns.versions();
    let run = ns.ramp(&["undo", "web", "--to-revision", "9"]).code(2);
    assert!(
        run.stderr
            .contains("deployment \"web\" has no revision 9 (it keeps 1, 2, 3)"),
        "{run}"
    );
    let run = ns.ramp(&["undo", "web", "--to-revision", "3"]).code(2);
    assert!(run.stderr.contains("runs revision 3 now"), "{run}");
    assert_eq!(ns.versions(), versions);

    // Back to the revision before (2: web:2), by a canary with the steps
    // of a normal start.
    let run = ns.ramp(&["undo", "web", "--steps", "50,100"]).success();
    assert!(
        run.stderr
            .contains("going back to revision 2 (example.com/web:2) with a canary"),
        "{run}"
    );
    let record = ns.record("web").unwrap();
    assert_eq!(record["phase"], "Paused");
    assert_eq!(record["step"], 1);
    assert_eq!(image(&record), "example.com/web:2");
    let vs = ns.get("virtualservice", "web");
    assert_eq!(
        support::weights(&vs, 0),
        [("web".into(), 50), ("web-canary".into(), 50)]
    );
    // The labels of the pods are the Deployment's own, not the ReplicaSet's.
    assert!(
        record["contender"]["template"]["metadata"]["labels"]
            .get("pod-template-hash")
            .is_none(),
        "{record}"
    );
    ns.ramp(&["promote", "web"]).success();
    let web = ns.get("deployment", "web");
    assert_eq!(
        web["spec"]["template"]["spec"]["containers"][0]["image"],
        "example.com/web:2"
    );
    let history = ns.ramp(&["history", "web", "-o", "json"]).success().json();
    let last = history["rollouts"]
        .as_array()
        .unwrap()
        .last()
        .unwrap()
        .clone();
    assert_eq!(last["images"][0]["image"], "example.com/web:2", "{history}");
    // The Deployment controller numbers the template it ran before anew.
    assert_eq!(last["revision"], 4, "{history}");
}

#[test]
fn without_an_earlier_revision_undo_says_so_and_history_is_empty() {
    let ns = istio_app("history-none", 1);
    let run = ns.ramp(&["history", "web"]).success();
    assert_eq!(run.stdout, "");
    assert!(
        run.stderr
            .contains("no rollouts of deployment \"web\" are recorded yet"),
        "{run}"
    );
    let json = ns.ramp(&["history", "web", "-o", "json"]).success().json();
    assert_eq!(json["rollouts"], serde_json::json!([]));
    let versions = ns.versions();
    let run = ns.ramp(&["undo", "web"]).code(2);
    assert!(
        run.stderr
            .contains("deployment \"web\" has no revision before 1 to go back to"),
        "{run}"
    );
    assert_eq!(ns.versions(), versions);
}
