//! Requests and time against the local control plane:
//! - how many requests kubectl-ramp sends the API server for a manual
//!   3-step canary and its promotion, and for an automated 3-step rollout,
//!   counted in the plane's audit log by user agent, beside the writes
//!   among them and the budget;
//! - how long `abort` takes to exit, beside one `kubectl patch` of the
//!   same VirtualService;
//! - how long `status` takes, beside `kubectl get deploy -o json`, in a
//!   namespace holding 250 Services and 200 VirtualServices;
//! - how much longer a manual canary takes behind 25 ms of latency each
//!   way (a delay line in front of the API server): the same canary with
//!   and without it, so that the pods' own time cancels out.
//!
//!     cargo bench --bench requests [-- PART...]
//!
//! PART is latency, manual, automated, abort or status; with
//! RAMP_BENCH_DETAIL=1 each request is listed by verb and URI.
//!
//! It prints figures; it asserts nothing about time.

#[path = "../tests/support/mod.rs"]
mod support;

use std::collections::BTreeMap;
use std::io::{Read, Seek, SeekFrom};
use std::path::PathBuf;
use std::time::{Duration, Instant};

use support::{Namespace, istio_app, kubectl, kubectl_stdin};

const BUDGET: usize = 60;
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
    // A watch is logged when its response starts and when it ends: one
    // request, counted once.
    let mut seen = std::collections::BTreeSet::new();
    for line in text.lines() {
        let Ok(event) = serde_json::from_str::<serde_json::Value>(line) else {
            continue;
        };
        let agent = event["userAgent"].as_str().unwrap_or_default();
        let id = event["auditID"].as_str().unwrap_or_default().to_string();
        if agent.starts_with("kubectl-ramp/") && seen.insert(id) {
            if std::env::var_os("RAMP_BENCH_DETAIL").is_some() {
                println!(
                    "  {} {}",
                    event["verb"].as_str().unwrap_or_default(),
                    event["requestURI"].as_str().unwrap_or_default()
                );
            }
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

/// A TCP delay line to the API server: every chunk is passed on `delay`
/// after it arrived, in each direction. TLS goes through untouched.
fn delay_line(upstream: String, delay: Duration) -> String {
    use std::io::Write;
    use std::net::{TcpListener, TcpStream};
    use std::sync::mpsc;
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap().to_string();
    let pipe = move |mut from: TcpStream, mut to: TcpStream| {
        let (tx, rx) = mpsc::channel::<(Instant, Vec<u8>)>();
        std::thread::spawn(move || {
            let mut buffer = vec![0; 64 * 1024];
            loop {
                match from.read(&mut buffer) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => {
                        if tx.send((Instant::now(), buffer[..n].to_vec())).is_err() {
                            break;
                        }
                    }
                }
            }
        });
        std::thread::spawn(move || {
            for (at, chunk) in rx {
                let due = at + delay;
                if let Some(wait) = due.checked_duration_since(Instant::now()) {
                    std::thread::sleep(wait);
                }
                if to.write_all(&chunk).is_err() {
                    break;
                }
            }
            let _ = to.shutdown(std::net::Shutdown::Both);
        });
    };
    std::thread::spawn(move || {
        for client in listener.incoming().flatten() {
            let Ok(server) = TcpStream::connect(&upstream) else {
                continue;
            };
            client.set_nodelay(true).unwrap();
            server.set_nodelay(true).unwrap();
            pipe(client.try_clone().unwrap(), server.try_clone().unwrap());
            pipe(server, client);
        }
    });
    address
}

/// A kubeconfig like the plane's whose server is behind a delay line.
fn kubeconfig_behind(delay: Duration) -> PathBuf {
    let original = std::fs::read_to_string(support::kubeconfig()).unwrap();
    let server = original
        .lines()
        .find_map(|l| l.trim().strip_prefix("server: https://"))
        .expect("the plane's kubeconfig names its server")
        .to_string();
    let address = delay_line(server.clone(), delay);
    let path = std::env::temp_dir().join(format!(
        "ramp-bench-latency-{}.kubeconfig",
        std::process::id()
    ));
    std::fs::write(&path, original.replace(&server, &address)).unwrap();
    path
}

fn canary_time(kubeconfig: &std::path::Path) -> Duration {
    let ns = istio_app("bench-latency", 3);
    let ramp = |args: &[&str]| {
        let mut all: Vec<&str> = args.to_vec();
        all.extend(["-n", &ns.name]);
        support::ramp_with(&all, |c| {
            c.env("KUBECONFIG", kubeconfig);
        })
        .success();
    };
    timed(|| {
        ramp(&[
            "start",
            "web",
            "--image",
            "example.com/web:2",
            "--steps",
            "10,50,100",
        ]);
        ramp(&["step", "web"]);
        ramp(&["step", "web"]);
        ramp(&["promote", "web"]);
    })
}

fn latency() {
    let near = median((0..3).map(|_| canary_time(support::kubeconfig())).collect());
    let far_config = kubeconfig_behind(Duration::from_millis(25));
    let far = median((0..3).map(|_| canary_time(&far_config)).collect());
    let extra = far.saturating_sub(near);
    println!(
        "manual canary (start, step, step, promote): {:.0} ms on loopback, {:.0} ms behind 25 ms each way: \
         {:.0} ms more, as many as {:.0} round trips in a row",
        ms(near),
        ms(far),
        ms(extra),
        ms(extra) / 50.0
    );
}

fn main() {
    // `cargo bench --bench requests -- NAME` runs only the parts named.
    let only: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .collect();
    let parts: [(&str, fn()); 5] = [
        ("latency", latency),
        ("manual", manual_canary),
        ("automated", automated),
        ("abort", abort_time),
        ("status", crowded_status),
    ];
    for (name, part) in parts {
        if only.is_empty() || only.iter().any(|o| o == name) {
            part();
        }
    }
}
