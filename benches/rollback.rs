//! How fast an automated rollout gets traffic back to the incumbent once a
//! check fails: from the failing check to the routes restored, as the
//! driver reports them; and, with a one-second interval against a
//! Prometheus that scrapes every second, from the first step reached to
//! the routes restored. Runs against the local control plane and a real
//! Prometheus, like the tests:
//!
//!     cargo bench --bench rollback
//!
//! It prints figures; it asserts nothing about time.

#[path = "../tests/support/mod.rs"]
mod support;

use std::io::{BufRead, BufReader};
use std::time::{Duration, Instant};

use support::metrics::{Metrics, Traffic};

const RUNS: usize = 5;

fn main() {
    let metrics = Metrics::get();
    let mut samples = Vec::new();
    let mut wholes = Vec::new();
    for run in 0..RUNS {
        let ns = support::istio_app("bench-rollback", 4);
        let good = Traffic {
            requests_per_second: 50.0,
            errors: 0.0,
            latency_ms: 40.0,
        };
        metrics.set(&ns.name, "web", good);
        metrics.set(
            &ns.name,
            "web-canary",
            Traffic {
                errors: 0.5,
                ..good
            },
        );
        let analysis = support::repo_root().join("examples/analysis/istio.yaml");
        let mut child = ns.spawn_ramp(&[
            "start",
            "web",
            "--image",
            "example.com/web:2",
            "--steps",
            "25,50,100",
            "--auto",
            "--analysis",
            analysis.to_str().unwrap(),
            "--prometheus",
            &metrics.prometheus_url,
            "--interval",
            "1s",
        ]);
        let stderr = child.stderr.take().unwrap();
        let (mut reached, mut failed, mut restored) = (None, None, None);
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if reached.is_none() && line.starts_with("reached step 1/") {
                reached = Some(Instant::now());
            }
            if failed.is_none() && line.starts_with("check ") && line.contains(": fail") {
                failed = Some(Instant::now());
            }
            if line.starts_with("traffic: all to web, routes restored") {
                restored = Some(Instant::now());
            }
        }
        let status = child.wait().unwrap();
        assert_eq!(status.code(), Some(3), "the rollout is rolled back");
        let took = restored.unwrap() - failed.unwrap();
        let whole = restored.unwrap() - reached.unwrap();
        println!(
            "run {}: failing check -> traffic on the incumbent: {:.0} ms; step reached -> traffic back: {:.0} ms (interval 1s, 1s scrape)",
            run + 1,
            ms(took),
            ms(whole)
        );
        samples.push(took);
        wholes.push(whole);
    }
    samples.sort();
    println!(
        "rollback after a failing check, {RUNS} runs: median {:.0} ms, min {:.0} ms, max {:.0} ms",
        ms(samples[RUNS / 2]),
        ms(samples[0]),
        ms(samples[RUNS - 1])
    );
    wholes.sort();
    println!(
        "rollback with a 1s interval and a 1s scrape, from the first step reached, {RUNS} runs: median {:.0} ms",
        ms(wholes[RUNS / 2])
    );
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}
