//! Stepping through a rollout at the prompt, as a person in a terminal
//! does (tmux plays the terminal), and `status -w` following a rollout.

mod support;

use std::process::Command;
use std::time::Duration;

use serde_json::Value;
use support::{Namespace, kubeconfig, wait_output, wait_until};

fn app(prefix: &str) -> Namespace {
    support::istio_app(prefix, 2)
}

/// A terminal running one command, driven by keys.
struct Terminal {
    socket: String,
}

impl Terminal {
    fn run(ns: &Namespace, args: &str) -> Terminal {
        static COUNT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
        let n = COUNT.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let socket = format!("ramp-{}-{n}", ns.name);
        let command = format!(
            "KUBECONFIG={} {} {args} -n {}; echo EXITED $?; sleep 600",
            kubeconfig().display(),
            env!("CARGO_BIN_EXE_kubectl-ramp"),
            ns.name
        );
        let status = Command::new("tmux")
            .args([
                "-L",
                &socket,
                "new-session",
                "-d",
                "-x",
                "160",
                "-y",
                "60",
                &command,
            ])
            .status()
            .expect("tmux runs");
        assert!(status.success());
        Terminal { socket }
    }

    fn screen(&self) -> String {
        let out = Command::new("tmux")
            .args(["-L", &self.socket, "capture-pane", "-p", "-S", "-200"])
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Waits until the screen shows `text` `count` times.
    #[track_caller]
    fn wait_for(&self, text: &str, count: usize) {
        let mut last = String::new();
        let deadline = std::time::Instant::now() + Duration::from_secs(60);
        while std::time::Instant::now() < deadline {
            last = self.screen();
            if last.matches(text).count() >= count {
                return;
            }
            std::thread::sleep(Duration::from_millis(200));
        }
        panic!("the terminal never showed {text:?} {count} times:\n{last}");
    }

    fn press(&self, key: &str) {
        Command::new("tmux")
            .args(["-L", &self.socket, "send-keys", key])
            .status()
            .unwrap();
    }
}

impl Drop for Terminal {
    fn drop(&mut self) {
        let _ = Command::new("tmux")
            .args(["-L", &self.socket, "kill-server"])
            .status();
    }
}

const PROMPT: &str = "[n]ext step, [p]romote, [a]bort, [q]uit (leave it paused)?";

#[test]
fn a_person_steps_through_then_quits_and_comes_back_to_abort() {
    let ns = app("interactive");
    let terminal = Terminal::run(
        &ns,
        "start web --image example.com/web:2 --steps 25,50,100 --interactive",
    );
    terminal.wait_for(PROMPT, 1);
    let screen = terminal.screen();
    assert!(screen.contains("Step 2/3 (50%) of web:"), "{screen}");
    assert!(
        screen.contains("traffic   contender 25% -> 50%, incumbent 75% -> 50%"),
        "{screen}"
    );
    assert_eq!(ns.record("web").unwrap()["step"], 1);

    terminal.press("n");
    terminal.wait_for(PROMPT, 2);
    assert_eq!(ns.record("web").unwrap()["step"], 2);
    assert!(terminal.screen().contains("Step 3/3 (100%) of web:"));

    terminal.press("q");
    terminal.wait_for("EXITED 0", 1);
    assert!(terminal.screen().contains("left paused at step 2/3"));
    let record = ns.record("web").unwrap();
    assert_eq!(
        (record["phase"].as_str(), record["step"].as_u64()),
        (Some("Paused"), Some(2))
    );
    drop(terminal);

    let terminal = Terminal::run(&ns, "step web -i");
    terminal.wait_for(PROMPT, 1);
    assert!(
        terminal
            .screen()
            .contains("Step 3/3 is the last one: the next is the promotion.")
    );
    terminal.press("a");
    terminal.wait_for("EXITED 0", 1);
    assert_eq!(ns.record("web").unwrap()["phase"], "Aborted");
    assert_eq!(ns.names("deployments"), ["web"]);
}

#[test]
fn promote_at_the_prompt_finishes_the_rollout() {
    let ns = app("interactive-promote");
    let terminal = Terminal::run(&ns, "start web --image example.com/web:2 --steps 50,100 -i");
    terminal.wait_for(PROMPT, 1);
    terminal.press("p");
    terminal.wait_for("EXITED 0", 1);
    assert!(
        terminal.screen().contains("Phase:      Succeeded"),
        "{}",
        terminal.screen()
    );
    assert_eq!(
        ns.get("deployment", "web")["spec"]["template"]["spec"]["containers"][0]["image"],
        "example.com/web:2"
    );
}

#[test]
fn interactive_without_a_terminal_is_refused_before_any_change() {
    let ns = app("interactive-noterm");
    let versions = ns.versions();
    let run = ns
        .ramp(&["start", "web", "--image", "example.com/web:2", "-i"])
        .code(2);
    assert!(
        run.stderr
            .contains("--interactive needs a terminal to ask in"),
        "{run}"
    );
    assert_eq!(ns.versions(), versions);

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
    let run = ns.ramp(&["step", "web", "-i"]).code(2);
    assert!(run.stderr.contains("kubectl ramp step web"), "{run}");
    assert_eq!(ns.versions(), versions);
}

#[test]
fn status_watch_follows_the_rollout_until_it_ends() {
    let ns = app("watch");
    ns.ramp(&[
        "start",
        "web",
        "--image",
        "example.com/web:2",
        "--steps",
        "30,60,100",
    ])
    .success();
    let watcher = ns.spawn_ramp(&["status", "web", "-w", "-o", "json"]);
    std::thread::sleep(Duration::from_millis(500));
    ns.ramp(&["step", "web"]).success();
    ns.ramp(&["promote", "web"]).success();
    // The watch ends by itself once the rollout has ended.
    let run = wait_output(watcher);
    assert_eq!(run.code, Some(0), "{run}");
    let lines: Vec<serde_json::Value> = run
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let steps: Vec<u64> = lines
        .iter()
        .map(|l| l["step"]["index"].as_u64().unwrap())
        .collect();
    assert_eq!(steps.first(), Some(&1), "{run}");
    assert!(steps.contains(&2), "the watch saw step 2: {steps:?}");
    assert_eq!(lines.last().unwrap()["phase"], "Succeeded");
    let mut distinct = lines.clone();
    distinct.dedup();
    assert_eq!(
        distinct.len(),
        lines.len(),
        "a line is printed only when something changed"
    );
    wait_until("nothing left", Duration::from_secs(5), || {
        ns.names("services") == ["web"]
    });
}

#[test]
fn step_in_a_terminal_shows_the_change_and_asks_first() {
    let ns = app("confirm");
    ns.ramp(&[
        "start",
        "web",
        "--image",
        "example.com/web:2",
        "--steps",
        "20,100",
    ])
    .success();
    let versions = ns.versions();
    let terminal = Terminal::run(&ns, "step web");
    terminal.wait_for("Go ahead?", 1);
    let screen = terminal.screen();
    assert!(screen.contains("Step 2/2 (100%) of web:"), "{screen}");
    assert!(
        screen.contains("traffic   contender 20% -> 100%, incumbent 80% -> 0%"),
        "{screen}"
    );
    terminal.press("n");
    terminal.wait_for("EXITED 2", 1);
    assert!(terminal.screen().contains("not confirmed; nothing changed"));
    assert_eq!(ns.versions(), versions);

    let terminal = Terminal::run(&ns, "step web --yes");
    terminal.wait_for("EXITED 0", 1);
    assert!(!terminal.screen().contains("Go ahead?"));
    assert_eq!(ns.record("web").unwrap()["step"], 2);
}

#[test]
fn ctrl_c_while_waiting_leaves_the_rollout_paused_and_consistent() {
    let ns = app("ctrl-c");
    // The new version's pods can never be scheduled, so start waits.
    let file = support::unschedulable_web(&ns);
    let terminal = Terminal::run(&ns, &format!("start web -f {}", file.display()));
    terminal.wait_for("waiting for web-canary", 1);
    terminal.press("C-c");
    // 130, as a shell reports a command ended by Ctrl-C.
    terminal.wait_for("EXITED 130", 1);
    assert!(
        terminal.screen().contains("error: interrupted"),
        "{}",
        terminal.screen()
    );
    let record = ns.record("web").unwrap();
    assert_eq!(
        (record["phase"].as_str(), record["step"].as_u64()),
        (Some("Paused"), Some(0))
    );
    let vs = ns.get("virtualservice", "web");
    assert_eq!(
        support::weights(&vs, 0),
        [("web".into(), 0)],
        "no traffic moved"
    );
    assert!(ns.names("leases").is_empty(), "the lock is released");
    ns.ramp(&["abort", "web"]).success();
}

#[test]
fn an_answer_given_after_someone_elses_abort_changes_nothing() {
    let ns = app("late-answer");
    ns.ramp(&[
        "start",
        "web",
        "--image",
        "example.com/web:2",
        "--steps",
        "20,100",
    ])
    .success();
    let terminal = Terminal::run(&ns, "step web");
    terminal.wait_for("Go ahead?", 1);
    // Meanwhile, someone else aborts.
    ns.ramp(&["abort", "web", "--reason", "bad canary"])
        .success();
    let aborted = ns.versions();
    terminal.press("y");
    terminal.wait_for("EXITED 5", 1);
    let screen = terminal.screen();
    assert!(
        screen.contains("was changed by another command while this one ran: it is now Aborted"),
        "{screen}"
    );
    assert!(screen.contains("bad canary"), "{screen}");
    assert_eq!(ns.versions(), aborted, "nothing changed after the abort");
    let record = ns.record("web").unwrap();
    assert_eq!(record["phase"], "Aborted");
    assert_eq!(
        record["history"].as_array().unwrap().last().unwrap()["event"],
        "Aborted"
    );
    assert_eq!(ns.names("deployments"), ["web"]);
    assert_eq!(
        support::weights(&ns.get("virtualservice", "web"), 0),
        [("web".into(), 0)]
    );
}

#[test]
fn an_answer_given_after_another_step_changes_nothing() {
    let ns = app("late-step");
    ns.ramp(&[
        "start",
        "web",
        "--image",
        "example.com/web:2",
        "--steps",
        "20,60,100",
    ])
    .success();
    let terminal = Terminal::run(&ns, "step web");
    terminal.wait_for("Go ahead?", 1);
    ns.ramp(&["step", "web", "--yes"]).success();
    let stepped = ns.versions();
    terminal.press("y");
    terminal.wait_for("EXITED 5", 1);
    assert_eq!(ns.versions(), stepped);
    let record = ns.record("web").unwrap();
    assert_eq!(
        (record["phase"].as_str(), record["step"].as_u64()),
        (Some("Paused"), Some(2))
    );
    let reached: Vec<&Value> = record["history"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["event"] == "StepReached")
        .collect();
    assert_eq!(reached.len(), 2, "both steps stay in the history: {record}");
}
