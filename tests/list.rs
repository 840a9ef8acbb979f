//! `kubectl ramp list` (`ls`): every rollout in the namespace, or in all
//! of them, as `kubectl get` shows objects, from one LIST of Deployments.

mod support;

use std::io::{BufRead, BufReader, Read, Seek, SeekFrom};
use std::time::Duration;

use support::{Namespace, kubeconfig, wait_output, web_app};

/// In one namespace: `web` paused at step 1/2 (50%) through istio, `api`
/// aborted (replicas router), and `plain`, a Deployment with no rollout.
fn rollouts(prefix: &str) -> Namespace {
    let ns = support::istio_app(prefix, 2);
    ns.apply(&web_app("api", 3, "example.com/api:1")).success();
    ns.apply(&web_app("plain", 1, "example.com/plain:1"))
        .success();
    ns.wait_ready("api");
    ns.ramp(&[
        "start",
        "web",
        "--image",
        "example.com/web:2",
        "--steps",
        "50,100",
    ])
    .success();
    ns.ramp(&[
        "start",
        "api",
        "--image",
        "example.com/api:2",
        "--steps",
        "25,100",
    ])
    .success();
    ns.ramp(&["abort", "api", "--reason", "errors"]).success();
    ns
}

fn words(line: &str) -> Vec<&str> {
    line.split_whitespace().collect()
}

#[test]
fn lists_the_rollouts_of_the_namespace_as_kubectl_get_does() {
    let ns = rollouts("list");
    for command in ["list", "ls"] {
        let run = ns.ramp(&[command]).success();
        let lines: Vec<&str> = run.stdout.lines().collect();
        assert_eq!(lines.len(), 3, "a header and two rollouts: {run}");
        assert_eq!(
            words(lines[0]),
            ["NAME", "PHASE", "STEP", "TRAFFIC", "CONTENDER", "AGE"],
            "{run}"
        );
        // kubectl aligns each column under its header.
        let at = |line: &str, word: &str| line.find(word).unwrap();
        assert_eq!(at(lines[0], "PHASE"), at(lines[1], "Aborted"), "{run}");
        assert_eq!(at(lines[0], "PHASE"), at(lines[2], "Paused"), "{run}");
        let api = words(lines[1]);
        assert_eq!(
            api[..5],
            ["api", "Aborted", "1/2", "0%", "example.com/api:2"]
        );
        let web = words(lines[2]);
        assert_eq!(
            web[..5],
            ["web", "Paused", "1/2", "50%", "example.com/web:2"]
        );
        assert!(web[5].ends_with('s'), "an age in seconds: {run}");
    }

    let json = ns.ramp(&["list", "-o", "json"]).success().json();
    let items = json["items"].as_array().unwrap();
    assert_eq!(items.len(), 2, "{json}");
    let web = &items[1];
    assert_eq!(web["deployment"], "web");
    assert_eq!(web["namespace"], ns.name.as_str());
    assert_eq!(web["phase"], "Paused");
    assert_eq!(web["step"]["index"], 1);
    assert_eq!(web["step"]["total"], 2);
    assert_eq!(web["step"]["name"], "50%");
    assert_eq!(web["traffic"]["contender"], 50.0);
    assert_eq!(web["contender"]["name"], "web-canary");
    assert_eq!(web["contender"]["images"][0], "example.com/web:2");

    let yaml = ns.ramp(&["list", "-o", "yaml"]).success();
    assert!(yaml.stdout.contains("  phase: Aborted\n"), "{yaml}");

    support::kubectl(&["label", "deployment", "web", "tier=front", "-n", &ns.name]).success();
    let selected = ns.ramp(&["list", "-l", "tier=front"]).success();
    let names: Vec<&str> = selected
        .stdout
        .lines()
        .skip(1)
        .map(|l| words(l)[0])
        .collect();
    assert_eq!(names, ["web"], "{selected}");
}

#[test]
fn all_namespaces_adds_the_namespace_column() {
    let ns = rollouts("list-all");
    let run = support::ramp(&["list", "-A"]).success();
    let mut lines = run.stdout.lines();
    assert_eq!(
        words(lines.next().unwrap()),
        [
            "NAMESPACE",
            "NAME",
            "PHASE",
            "STEP",
            "TRAFFIC",
            "CONTENDER",
            "AGE"
        ]
    );
    let ours: Vec<Vec<&str>> = lines
        .map(words)
        // Below the rollouts, the freezes of every namespace, after a blank line.
        .filter(|w| w.first() == Some(&ns.name.as_str()))
        .map(|w| w[..3].to_vec())
        .collect();
    assert_eq!(
        ours,
        [
            vec![ns.name.as_str(), "api", "Aborted"],
            vec![ns.name.as_str(), "web", "Paused"]
        ],
        "{run}"
    );
}

#[test]
fn reading_takes_one_list_of_deployments_and_one_get_of_the_freeze() {
    let ns = rollouts("list-requests");
    let log = kubeconfig().parent().unwrap().join("plane/logs/audit.log");
    let from = std::fs::metadata(&log).unwrap().len();
    // The earlier commands' watches may end (and be logged) after this
    // point: only requests received from now on are list's.
    let now = std::process::Command::new("date")
        .args(["-u", "+%Y-%m-%dT%H:%M:%S.%6NZ"])
        .output()
        .unwrap();
    let since = String::from_utf8(now.stdout).unwrap().trim().to_string();
    ns.ramp(&["list"]).success();
    // The API server writes its audit log as requests complete.
    std::thread::sleep(Duration::from_millis(500));
    let mut file = std::fs::File::open(&log).unwrap();
    file.seek(SeekFrom::Start(from)).unwrap();
    let mut text = String::new();
    file.read_to_string(&mut text).unwrap();
    let requests: Vec<(String, String)> = text
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|e| e["stage"] == "ResponseComplete")
        .filter(|e| {
            e["userAgent"]
                .as_str()
                .unwrap_or_default()
                .starts_with("kubectl-ramp/")
        })
        .filter(|e| e["objectRef"]["namespace"] == ns.name.as_str())
        .filter(|e| e["requestReceivedTimestamp"].as_str().unwrap_or_default() >= since.as_str())
        .map(|e| {
            (
                e["verb"].as_str().unwrap().to_string(),
                e["requestURI"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    // One LIST of Deployments, and beside it one GET of the namespace's
    // freeze.
    assert_eq!(requests.len(), 2, "{requests:?}");
    let list = requests
        .iter()
        .find(|(verb, _)| verb == "list")
        .unwrap_or_else(|| panic!("{requests:?}"));
    assert!(
        list.1
            .starts_with(&format!("/apis/apps/v1/namespaces/{}/deployments", ns.name)),
        "{requests:?}"
    );
    assert!(
        requests.iter().any(|(verb, uri)| verb == "get"
            && uri
                == &format!(
                    "/api/v1/namespaces/{}/configmaps/kubectl-ramp-freeze",
                    ns.name
                )),
        "{requests:?}"
    );
}

#[test]
fn an_empty_namespace_says_so_and_a_bad_selector_exits_2() {
    let ns = Namespace::new("list-empty");
    ns.apply(&web_app("plain", 1, "example.com/plain:1"))
        .success();
    let run = ns.ramp(&["list"]).success();
    assert_eq!(run.stdout, "", "{run}");
    assert_eq!(
        run.stderr.trim(),
        format!("No rollouts found in namespace {}.", ns.name)
    );
    let json = ns.ramp(&["list", "-o", "json"]).success().json();
    assert_eq!(json["items"], serde_json::json!([]));

    let bad = ns.ramp(&["list", "-l", "app in web"]).code(2);
    assert!(
        bad.stderr
            .starts_with("error: the selector \"app in web\" is not valid"),
        "{bad}"
    );
    assert!(
        bad.stderr.contains("hint: write it as kubectl does"),
        "{bad}"
    );
}

#[test]
fn watch_prints_a_line_when_a_rollout_changes() {
    let ns = rollouts("list-watch");
    let mut watcher = ns.spawn_ramp(&["list", "-w"]);
    let mut stdout = BufReader::new(watcher.stdout.take().unwrap());
    let mut line = String::new();
    for _ in 0..3 {
        stdout.read_line(&mut line).unwrap();
    }
    assert!(line.starts_with("NAME "), "{line}");
    ns.ramp(&["step", "web"]).success();
    // The step goes through Progressing to Paused at step 2/2.
    let mut seen = String::new();
    while !seen.contains("Paused") || !seen.contains("2/2") {
        let mut next = String::new();
        assert!(stdout.read_line(&mut next).unwrap() > 0, "{line}{seen}");
        seen = next;
        line.push_str(&seen);
    }
    assert_eq!(
        words(&seen)[..4],
        ["web", "Paused", "2/2", "100%"],
        "{line}"
    );
    // Every line lines up under the header.
    let header_phase = line.lines().next().unwrap().find("PHASE").unwrap();
    assert_eq!(seen.find("Paused"), Some(header_phase), "{line}");
    std::process::Command::new("kill")
        .args(["-INT", &watcher.id().to_string()])
        .status()
        .unwrap();
    let run = wait_output(watcher);
    assert_eq!(run.code, Some(130), "{run}");
}

#[test]
fn all_clusters_lists_each_registered_clusters_rollouts() {
    let ns = rollouts("list-clusters");
    let registry = std::env::temp_dir().join(format!("ramp-list-clusters-{}.yaml", ns.name));
    let with_registry = |c: &mut std::process::Command| {
        c.env("RAMP_CLUSTERS", &registry);
    };
    // The one local plane, registered twice: the second time through a
    // copy of its kubeconfig, which ramp cannot tell from another cluster
    // (the same kubeconfig's context twice is refused).
    let copy = std::env::temp_dir().join(format!("ramp-list-kubeconfig-{}", ns.name));
    std::fs::copy(support::kubeconfig(), &copy).unwrap();
    support::ramp_with(
        &[
            "cluster",
            "setup",
            "--context",
            "ramp-testenv",
            "--name",
            "eu-1",
        ],
        with_registry,
    )
    .success();
    let twice = support::ramp_with(
        &[
            "cluster",
            "setup",
            "--context",
            "ramp-testenv",
            "--name",
            "us-1",
        ],
        with_registry,
    )
    .code(2);
    assert!(
        twice
            .stderr
            .contains("context \"ramp-testenv\" is registered already, as cluster \"eu-1\""),
        "{twice}"
    );
    support::ramp_with(
        &[
            "cluster",
            "setup",
            "--context",
            "ramp-testenv",
            "--name",
            "us-1",
            "--kubeconfig",
            copy.to_str().unwrap(),
        ],
        with_registry,
    )
    .success();
    let run =
        support::ramp_with(&["list", "--all-clusters", "-n", &ns.name], with_registry).success();
    let rows: Vec<Vec<&str>> = run.stdout.lines().map(|l| words(l)[..3].to_vec()).collect();
    assert_eq!(
        rows,
        [
            vec!["CLUSTER", "NAME", "PHASE"],
            vec!["eu-1", "api", "Aborted"],
            vec!["eu-1", "web", "Paused"],
            vec!["us-1", "api", "Aborted"],
            vec!["us-1", "web", "Paused"],
        ],
        "{run}"
    );
    let json = support::ramp_with(
        &["list", "--all-clusters", "-n", &ns.name, "-o", "json"],
        with_registry,
    )
    .success()
    .json();
    assert_eq!(json["items"][3]["cluster"], "us-1", "{json}");
    let _ = std::fs::remove_file(&registry);
    let _ = std::fs::remove_file(&copy);
}
