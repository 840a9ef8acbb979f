//! The dashboard with 50 rollouts in a namespace of the local plane:
//! - its resident memory once it serves them, with four pages following
//!   them, against a budget of 30 MiB;
//! - the requests it sends the API server (counted in the plane's audit
//!   log by its user agent): at start, against one list and one watch per
//!   resource kind in the namespace; then over a period in which the
//!   rollouts change (kubectl patches their routes and annotates their
//!   Deployments) and the pages follow every change, against none at all:
//!   the live view is the watches, never a poll.
//!
//!     cargo bench --bench dashboard
//!
//! It prints figures; it asserts that the pages saw the changes.

#[path = "../tests/support/mod.rs"]
mod support;

use std::collections::BTreeMap;
use std::io::{Read, Seek, SeekFrom};
use std::path::PathBuf;
use std::time::{Duration, Instant};

use support::dashboard::Dashboard;
use support::{Namespace, kubectl, kubectl_stdin};

const ROLLOUTS: usize = 50;
const MEMORY_BUDGET_MIB: f64 = 30.0;
const PERIOD: Duration = Duration::from_secs(30);
/// Deployments, VirtualServices and HTTPRoutes: the kinds the plane serves.
const KINDS: usize = 3;

fn audit_log() -> PathBuf {
    support::kubeconfig();
    support::repo_root().join("target/testenv/plane/logs/audit.log")
}

fn mark() -> u64 {
    std::fs::metadata(audit_log()).map(|m| m.len()).unwrap_or(0)
}

/// kubectl-ramp's requests since `from`, by verb: each once, a watch when
/// its response starts, the others when they complete.
fn requests_since(from: u64) -> BTreeMap<String, usize> {
    std::thread::sleep(Duration::from_millis(500));
    let mut file = std::fs::File::open(audit_log()).expect("the plane's audit log");
    file.seek(SeekFrom::Start(from)).unwrap();
    let mut text = String::new();
    file.read_to_string(&mut text).unwrap();
    let mut verbs = BTreeMap::new();
    for line in text.lines() {
        let Ok(event) = serde_json::from_str::<serde_json::Value>(line) else {
            continue;
        };
        let agent = event["userAgent"].as_str().unwrap_or_default();
        let verb = event["verb"].as_str().unwrap_or_default();
        let stage = event["stage"].as_str().unwrap_or_default();
        let counted = match verb {
            "watch" => stage == "ResponseStarted",
            _ => stage == "ResponseComplete",
        };
        if agent.starts_with("kubectl-ramp/") && counted {
            *verbs.entry(verb.to_string()).or_insert(0) += 1;
        }
    }
    verbs
}

fn name(i: usize) -> String {
    format!("web-{i:02}")
}

fn app(i: usize) -> String {
    let name = name(i);
    format!(
        "{}---\napiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata:\n  name: {name}\nspec:\n  hosts: [{name}]\n  http:\n  - name: primary\n    route:\n    - destination: {{host: {name}}}\n---\n",
        support::web_app(&name, 1, "example.com/web:1")
    )
}

/// Kibibytes of a /proc/PID/status field.
fn memory(pid: u32, field: &str) -> f64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let line = status
        .lines()
        .find(|l| l.starts_with(field))
        .unwrap_or_else(|| panic!("no {field} in /proc/{pid}/status"));
    let kib: f64 = line.split_whitespace().nth(1).unwrap().parse().unwrap();
    kib / 1024.0
}

fn main() {
    let ns = Namespace::new("dash-bench");
    let manifest: String = (0..ROLLOUTS).map(app).collect();
    kubectl_stdin(&["apply", "-n", &ns.name, "-f", "-"], &manifest).success();
    kubectl(&[
        "wait",
        "-n",
        &ns.name,
        "--for=condition=available",
        "deployment",
        "--all",
        "--timeout=180s",
    ])
    .success();
    let started = Instant::now();
    std::thread::scope(|scope| {
        for worker in 0..5 {
            let ns = &ns;
            scope.spawn(move || {
                for i in (worker..ROLLOUTS).step_by(5) {
                    ns.ramp(&[
                        "start",
                        &name(i),
                        "--image",
                        "example.com/web:2",
                        "--steps",
                        "10,50,100",
                    ])
                    .success();
                }
            });
        }
    });
    println!(
        "{ROLLOUTS} rollouts started in {:.0}s",
        started.elapsed().as_secs_f64()
    );

    let before = mark();
    let dashboard = Dashboard::start(&ns, &[]);
    let mut list = dashboard.events("");
    list.until(|e| {
        e["rollouts"]
            .as_array()
            .is_some_and(|r| r.len() == ROLLOUTS)
    });
    let mut pages: Vec<_> = [0, 1, 2]
        .iter()
        .map(|i| dashboard.events(&format!("rollout=-/{}/{}", ns.name, name(*i))))
        .collect();
    for page in &mut pages {
        page.until(|e| e["step"]["index"] == 1);
    }
    // Every rollout's page once, as someone clicking through the list.
    for i in 0..ROLLOUTS {
        let answer = dashboard.get(&format!("/api/rollouts/-/{}/{}", ns.name, name(i)));
        assert_eq!(answer.status, 200, "{answer:?}");
    }
    let at_start = requests_since(before);

    let during = mark();
    let period = Instant::now();
    let changes = 10;
    for i in 0..changes {
        if i % 2 == 0 {
            let patch = r#"{"spec":{"http":[{"name":"primary","route":[{"destination":{"host":"HOST"},"weight":80},{"destination":{"host":"HOST-canary"},"weight":20}]}]}}"#
                .replace("HOST", &name(i / 2));
            kubectl(&[
                "patch",
                "virtualservice",
                &name(i / 2),
                "-n",
                &ns.name,
                "--type",
                "merge",
                "-p",
                &patch,
            ])
            .success();
        } else {
            kubectl(&[
                "annotate",
                "deployment",
                &name(i / 2),
                "-n",
                &ns.name,
                &format!("bench/change={i}"),
            ])
            .success();
        }
    }
    // The pages follow: the list counts the drift of the five patched
    // routes; the first pages show theirs.
    list.until(|e| {
        e["rollouts"]
            .as_array()
            .is_some_and(|r| r.iter().filter(|r| r["drift"] == 1).count() == changes / 2)
    });
    for page in &mut pages {
        page.until(|e| e["traffic"]["contender"] == 20.0);
    }
    let followed = period.elapsed();
    std::thread::sleep(PERIOD.saturating_sub(period.elapsed()));
    let rss = memory(dashboard.pid(), "VmRSS:");
    let peak = memory(dashboard.pid(), "VmHWM:");
    let in_period = requests_since(during);

    let total = |verbs: &BTreeMap<String, usize>| verbs.values().sum::<usize>();
    let count = |verbs: &BTreeMap<String, usize>, verb: &str| verbs.get(verb).copied().unwrap_or(0);
    println!(
        "requests at start: {} ({at_start:?}): {} lists and {} watches for {KINDS} kinds; budget one list and one watch per kind: {}",
        total(&at_start),
        count(&at_start, "list"),
        count(&at_start, "watch"),
        if count(&at_start, "list") <= KINDS && count(&at_start, "watch") <= KINDS {
            "within"
        } else {
            "over"
        },
    );
    println!(
        "requests in {}s of {changes} changes followed by 4 pages (all seen in {:.1}s): {} ({in_period:?}); budget 0 (no polling): {}",
        PERIOD.as_secs(),
        followed.as_secs_f64(),
        total(&in_period),
        if total(&in_period) == 0 {
            "within"
        } else {
            "over"
        },
    );
    println!(
        "resident memory with {ROLLOUTS} rollouts and 4 pages open: {rss:.1} MiB (peak {peak:.1} MiB); budget {MEMORY_BUDGET_MIB} MiB: {}",
        if peak <= MEMORY_BUDGET_MIB {
            "within"
        } else {
            "over"
        },
    );
    let binary = std::fs::metadata(env!("CARGO_BIN_EXE_kubectl-ramp"))
        .map(|m| m.len())
        .unwrap_or(0);
    println!(
        "the binary measured: {} bytes ({:.1} MiB)",
        binary,
        binary as f64 / 1024.0 / 1024.0
    );
}
