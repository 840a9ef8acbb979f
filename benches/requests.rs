//! Requests and time against the local control plane:
//! - how many requests kubectl-ramp sends the API server for a manual
//!   3-step canary and its promotion, and for an automated 3-step rollout,
//!   counted in the plane's audit log by user agent, beside the writes
//!   among them and the budget;
//! - how long `abort` takes to exit, beside one `kubectl patch` of the
//!   same VirtualService;
//! - how long `status` takes, beside `kubectl get deploy -o json`, in a
//!   namespace holding 250 Services and 200 VirtualServices.
//!
//!     cargo bench --bench requests
//!
//! It prints figures; it asserts nothing about time.

#[path = "../tests/support/mod.rs"]
mod support;

use std::collections::BTreeMap;
use std::io::{Read, Seek, SeekFrom};
use std::path::PathBuf;
use std::time::{Duration, Instant};

use support::{Namespace, istio_app, kubectl, kubectl_stdin};

const BUDGET: usize = 50;
const RUNS: usize = 5;

fn audit_log() -> PathBuf {
    support::kubeconfig();
    support::repo_root().join("target/testenv/plane/logs/audit.log")
}

/// Where the audit log ends now.
fn mark() -> u64 {
    std::fs::metadata(audit_log()).map(|m| m.len()).unwrap_or(0)
}

/// kubectl-ramp's requests since `from`, by verb.
fn requests_since(from: u64) -> BTreeMap<String, usize> {
    // The API server writes its audit log as requests complete; give the
    // last one a moment to land.
    std::thread::sleep(Duration::from_millis(300));
    let mut file = std::fs::File::open(audit_log()).expect(
        "the plane's audit log (tests/cluster/up writes it; restart an older plane with tests/cluster/down)",
    );
    file.seek(SeekFrom::Start(from)).unwrap();
    let mut text = String::new();
    file.read_to_string(&mut text).unwrap();
    let mut verbs = BTreeMap::new();
    for line in text.lines() {
        let Ok(event) = serde_json::from_str::<serde_json::Value>(line) else {
            continue;
        };
        let agent = event["userAgent"].as_str().unwrap_or_default();
        if agent.starts_with("kubectl-ramp/") {
            *verbs
                .entry(event["verb"].as_str().unwrap_or_default().to_string())
                .or_insert(0) += 1;
        }
    }
    verbs
}

fn report(what: &str, verbs: &BTreeMap<String, usize>) -> usize {
    let total: usize = verbs.values().sum();
    let writes: usize = ["create", "update", "patch", "delete"]
        .iter()
        .map(|v| verbs.get(*v).copied().unwrap_or(0))
        .sum();
    let verdict = if total <= BUDGET { "within" } else { "over" };
    println!(
        "{what}: {total} requests, {writes} of them writes ({verbs:?}); budget {BUDGET}: {verdict}"
    );
    total
}

fn manual_canary() {
    let ns = istio_app("bench-requests", 4);
    let from = mark();
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
    ns.ramp(&["step", "web"]).success();
    ns.ramp(&["promote", "web"]).success();
    report(
        "manual 3-step canary (start, step, step, promote)",
        &requests_since(from),
    );
}

fn automated() {
    let ns = istio_app("bench-requests-auto", 4);
    let from = mark();
    ns.ramp(&[
        "start",
        "web",
        "--image",
        "example.com/web:2",
        "--steps",
        "10,50,100",
        "--auto",
        "--interval",
        "1s",
    ])
    .success();
    report(
        "automated 3-step rollout (start --auto, pod health checks)",
        &requests_since(from),
    );
}

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn timed(run: impl FnOnce()) -> Duration {
    let started = Instant::now();
    run();
    started.elapsed()
}

fn abort_time() {
    let mut ramp = Vec::new();
    let mut patch = Vec::new();
    for _ in 0..RUNS {
        let ns = istio_app("bench-abort", 2);
        ns.ramp(&[
            "start",
            "web",
            "--image",
            "example.com/web:2",
            "--steps",
            "50,100",
        ])
        .success();
        patch.push(timed(|| {
            kubectl(&[
                "patch",
                "virtualservice",
                "web",
                "-n",
                &ns.name,
                "--type",
                "merge",
                "-p",
                r#"{"metadata":{"labels":{"bench":"patched"}}}"#,
            ])
            .success();
        }));
        let from = mark();
        ramp.push(timed(|| {
            ns.ramp(&["abort", "web"]).success();
        }));
        if ramp.len() == 1 {
            report("abort at 50%", &requests_since(from));
        }
    }
    let (ramp, patch) = (median(ramp), median(patch));
    println!(
        "abort's exit: median {:.0} ms; one kubectl patch: median {:.0} ms; ratio {:.2} (budget 1.5)",
        ms(ramp),
        ms(patch),
        ms(ramp) / ms(patch)
    );
}

fn crowded_status() {
    let ns = istio_app("bench-status", 2);
    let mut manifest = String::new();
    for i in 0..250 {
        manifest.push_str(&format!(
            "apiVersion: v1\nkind: Service\nmetadata: {{name: other-{i}}}\nspec:\n  selector: {{app: other-{i}}}\n  ports: [{{port: 80}}]\n---\n"
        ));
    }
    for i in 0..200 {
        manifest.push_str(&format!(
            "apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {{name: other-{i}}}\nspec:\n  hosts: [other-{i}]\n  http:\n  - route:\n    - destination: {{host: other-{i}}}\n---\n"
        ));
    }
    kubectl_stdin(&["apply", "-n", &ns.name, "-f", "-"], &manifest).success();
    let status = |ns: &Namespace| ns.ramp(&["status", "web", "-o", "json"]).success();
    status(&ns);
    let from = mark();
    status(&ns);
    report(
        "status among 250 Services and 200 VirtualServices",
        &requests_since(from),
    );
    let mut ramp = Vec::new();
    let mut get = Vec::new();
    for _ in 0..RUNS {
        get.push(timed(|| {
            kubectl(&["get", "deploy", "web", "-n", &ns.name, "-o", "json"]).success();
        }));
        ramp.push(timed(|| {
            status(&ns);
        }));
    }
    let (ramp, get) = (median(ramp), median(get));
    println!(
        "status among 250 Services and 200 VirtualServices: median {:.0} ms; kubectl get deploy -o json: median {:.0} ms; ratio {:.2} (budget 0.3)",
        ms(ramp),
        ms(get),
        ms(ramp) / ms(get)
    );
}

fn main() {
    manual_canary();
    automated();
    abort_time();
    crowded_status();
}
