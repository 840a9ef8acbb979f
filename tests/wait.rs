//! `kubectl ramp status web --wait`, the CI gate: its exit code says how
//! the rollout ended (0 succeeded, 3 aborted, 4 timed out, 2 nothing to
//! wait for, 130 Ctrl-C), and without a terminal it keeps the log alive.

mod support;

use std::io::{BufRead, BufReader};
use std::process::{Child, Command};
use std::time::{Duration, Instant};

use k8s_openapi::jiff::Timestamp;
use support::{Namespace, Run, wait_output};

fn started(prefix: &str) -> Namespace {
    let ns = support::istio_app(prefix, 2);
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

/// Starts `status web ARGS` and returns once its first line on stderr says
/// that it waits, with that line.
fn waiting(ns: &Namespace, args: &[&str]) -> (Child, String) {
    let mut all = vec!["status", "web"];
    all.extend(args);
    let mut child = ns.spawn_ramp(&all);
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let mut first = String::new();
    stderr.read_line(&mut first).unwrap();
    assert!(first.contains("waiting for web"), "first line: {first:?}");
    // Keep reading, so that the rest of stderr is kept for the end.
    let rest = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = std::io::Read::read_to_string(&mut stderr, &mut text);
        text
    });
    WAITERS.lock().unwrap().push((child.id(), rest));
    (child, first)
}

type Waiter = (u32, std::thread::JoinHandle<String>);
static WAITERS: std::sync::Mutex<Vec<Waiter>> = std::sync::Mutex::new(Vec::new());

/// The end of a command started by `waiting`: its exit code, its stdout and
/// the stderr after the first line.
fn finished(child: Child) -> Run {
    let id = child.id();
    let mut run = wait_output(child);
    let mut waiters = WAITERS.lock().unwrap();
    let at = waiters.iter().position(|(pid, _)| *pid == id).unwrap();
    run.stderr = waiters.remove(at).1.join().unwrap();
    run
}

/// The time a heartbeat line begins with.
fn stamp(line: &str) -> Timestamp {
    let word = line.split_whitespace().next().unwrap_or_default();
    word.parse()
        .unwrap_or_else(|e| panic!("{line:?} does not begin with a time ({e})"))
}

#[test]
fn the_wait_ends_with_0_when_the_rollout_succeeds() {
    let ns = started("wait-ok");
    let (waiter, first) = waiting(&ns, &["--wait", "--timeout", "2m", "-o", "json"]);
    assert!(
        first.contains("Paused at step 1/2 (50%)"),
        "the first line says where the rollout stands: {first:?}"
    );
    stamp(&first);
    ns.ramp(&["promote", "web"]).success();
    let run = finished(waiter).code(0);
    let last: serde_json::Value = serde_json::from_str(run.stdout.lines().last().unwrap()).unwrap();
    assert_eq!(last["phase"], "Succeeded", "{run}");
}

#[test]
fn the_wait_ends_with_3_when_the_rollout_is_aborted() {
    let ns = started("wait-abort");
    let (waiter, _) = waiting(&ns, &["-w"]);
    ns.ramp(&["abort", "web", "--reason", "p99 latency doubled"])
        .success();
    let run = finished(waiter).code(3);
    assert!(
        run.stderr.contains(
            "error: the rollout of web did not succeed: aborted at step 1/2: p99 latency doubled"
        ),
        "{run}"
    );
    assert!(run.stdout.contains("Phase:      Aborted"), "{run}");

    // Waiting on a rollout that has already ended answers at once.
    let again = ns.ramp(&["status", "web", "--wait"]).code(3);
    assert!(again.stderr.contains("p99 latency doubled"), "{again}");
}

#[test]
fn a_deployment_without_a_rollout_has_nothing_to_wait_for() {
    let ns = Namespace::new("wait-idle");
    ns.apply(&support::web_app("web", 1, "example.com/web:1"))
        .success();
    let begun = Instant::now();
    let run = ns.ramp(&["status", "web", "--wait"]).code(2);
    assert!(begun.elapsed() < Duration::from_secs(10), "{run}");
    assert!(
        run.stderr.contains(
            "error: deployment \"web\" has no rollout to wait for: no rollout was ever started on it"
        ),
        "{run}"
    );
    assert!(
        run.stderr.contains("kubectl ramp start web --image IMAGE"),
        "{run}"
    );
    assert!(run.stdout.contains("Phase:      Idle"), "{run}");
}

#[test]
fn a_timeout_exits_4_after_a_line_every_30_seconds_and_changes_nothing() {
    let ns = started("wait-timeout");
    let versions = ns.versions();
    let begun = Instant::now();
    let (waiter, first) = waiting(&ns, &["--wait", "--timeout", "35s"]);
    let run = finished(waiter).code(4);
    let waited = begun.elapsed();
    assert!(
        waited >= Duration::from_secs(35) && waited < Duration::from_secs(50),
        "{waited:?}"
    );
    let beats: Vec<&str> = std::iter::once(first.trim_end())
        .chain(run.stderr.lines().filter(|l| l.contains("waiting for web")))
        .collect();
    assert_eq!(beats.len(), 2, "a line at the start and at 30s: {run}");
    let gap = stamp(beats[1]).as_second() - stamp(beats[0]).as_second();
    assert!((29..=31).contains(&gap), "{gap}s between {beats:?}");
    assert!(beats[1].contains("(30s of 35s)"), "{beats:?}");
    assert!(
        run.stderr.contains(
            "error: timed out after 35s waiting for the rollout of web to end; it is Paused at step 1/2 (50%)"
        ),
        "{run}"
    );
    assert_eq!(ns.versions(), versions, "a wait changes nothing");
}

#[test]
fn ctrl_c_stops_the_wait_with_130_and_leaves_the_rollout() {
    let ns = started("wait-interrupt");
    let (waiter, _) = waiting(&ns, &["--wait"]);
    let status = Command::new("kill")
        .args(["-INT", &waiter.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let run = finished(waiter).code(130);
    assert!(run.stderr.contains("error: interrupted"), "{run}");
    assert!(run.stderr.contains("the rollout is not affected"), "{run}");
    assert_eq!(ns.record("web").unwrap()["phase"], "Paused");
}

#[test]
fn a_timeout_without_wait_is_a_usage_error() {
    let run = support::ramp(&["status", "web", "--timeout", "1m"]).code(2);
    assert!(run.stderr.contains("--watch"), "{run}");
}

#[test]
fn waiting_on_several_clusters_at_once_is_refused() {
    // Not a summary that returns at once, which a CI gate would take for
    // a verdict.
    let run = support::ramp(&["status", "web", "--wait", "--all-clusters"]).code(2);
    assert!(
        run.stderr
            .starts_with("error: status --wait follows the rollout on one cluster"),
        "{run}"
    );
}
