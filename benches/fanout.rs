//! The time of one step on one cluster against the same step on three, in
//! the same run: the clusters are worked on in parallel, so three should
//! take close to the time of one. Runs against the local control planes:
//!
//!     cargo bench --bench fanout
//!
//! It prints figures; it asserts nothing about time.

#[path = "../tests/support/mod.rs"]
mod support;

use std::path::PathBuf;
use std::time::{Duration, Instant};

use support::{kubeconfig_all, ramp_with};

const ROUNDS: usize = 3;

fn main() {
    let registry: PathBuf =
        std::env::temp_dir().join(format!("ramp-bench-fanout-{}.yaml", std::process::id()));
    let _ = std::fs::remove_file(&registry);
    let ramp = |args: &[&str]| {
        ramp_with(args, |c| {
            c.env("KUBECONFIG", kubeconfig_all())
                .env("RAMP_CLUSTERS", &registry);
        })
    };
    for (i, context) in support::PLANES.iter().enumerate() {
        ramp(&[
            "cluster",
            "setup",
            "--context",
            context,
            "--name",
            &format!("c{}", i + 1),
        ])
        .success();
    }
    let mut one = Vec::new();
    let mut three = Vec::new();
    for round in 0..ROUNDS {
        let ns = format!("bench-fanout-{}-{round}", std::process::id());
        support::istio_app_on_planes(&ns, 4);
        ramp(&[
            "start",
            "web",
            "-n",
            &ns,
            "--image",
            "example.com/web:2",
            "--steps",
            "25,50,75,100",
            "--all-clusters",
        ])
        .success();
        let started = Instant::now();
        ramp(&["step", "web", "-n", &ns, "--clusters", "c1", "--yes"]).success();
        one.push(started.elapsed());
        // Level the others first, so that the next step is one step on each.
        ramp(&["step", "web", "-n", &ns, "--clusters", "c2,c3", "--yes"]).success();
        let started = Instant::now();
        ramp(&["step", "web", "-n", &ns, "--all-clusters", "--yes"]).success();
        three.push(started.elapsed());
        println!(
            "round {}: one step on 1 cluster {:.0} ms, on 3 clusters {:.0} ms",
            round + 1,
            ms(one[round]),
            ms(three[round])
        );
    }
    one.sort();
    three.sort();
    let (one, three) = (one[ROUNDS / 2], three[ROUNDS / 2]);
    println!(
        "one step, median of {ROUNDS}: 1 cluster {:.0} ms, 3 clusters {:.0} ms, ratio {:.2}x",
        ms(one),
        ms(three),
        three.as_secs_f64() / one.as_secs_f64()
    );
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}
