//! What clients see of rollouts, with real requests through the local
//! plane's gateway (Traefik): for each scenario the requests sent and
//! failed, the contender's share against the weight (or, without a mesh,
//! against its share of the Service's ready endpoints), and for a bad
//! contender rolled back by `start --auto` reading Traefik's metrics, the
//! bad answers clients got before the rollback and the time from the first
//! to the last of the contender's answers:
//!
//!     cargo bench --bench traffic
//!
//! It prints figures; it asserts nothing about them.

#[path = "../tests/support/mod.rs"]
mod support;

use std::time::{Duration, Instant};

use support::traffic::{
    Load, Responses, contender_endpoints, gateway_app, host, prometheus, window_after,
};

const V2: &str = "example.com/web:2";
const RATE: u32 = 200;

fn ok(ns: &support::Namespace, args: &[&str]) {
    let run = ns.ramp(args);
    assert_eq!(run.code, Some(0), "{args:?}:\n{run}");
}

/// The share the contender answered at the step just reached, over ten
/// seconds once four have passed for the gateway to follow.
fn share_at(load: &Load) -> (f64, usize) {
    let seen = window_after(
        load,
        Instant::now(),
        Duration::from_secs(4),
        Duration::from_secs(10),
    );
    (seen.share(V2), seen.len())
}

fn finish(load: Load) -> Responses {
    std::thread::sleep(Duration::from_secs(3));
    load.stop()
}

fn row(scenario: &str, seen: &Responses, shares: &str) {
    println!(
        "{scenario:<34} {:>7} {:>7}   {shares}",
        seen.len(),
        seen.failed().len()
    );
}

fn main() {
    println!(
        "{:<34} {:>7} {:>7}   contender's share (answered / asked)",
        "scenario", "sent", "failed"
    );

    // A canary through the Gateway API router, and its promotion.
    let ns = gateway_app("bench-traffic-canary", 4);
    let load = Load::start(&host(&ns), RATE);
    ok(
        &ns,
        &["start", "web", "--image", V2, "--steps", "10,50,100"],
    );
    let mut shares = Vec::new();
    for weight in [10, 50, 100] {
        let (share, n) = share_at(&load);
        shares.push(format!("{share:.1}/{weight} of {n}"));
        if weight < 100 {
            ok(&ns, &["step", "web", "--yes"]);
        }
    }
    ok(&ns, &["promote", "web"]);
    row(
        "canary 10,50,100 + promote",
        &finish(load),
        &shares.join(", "),
    );

    // Without a mesh: the gateway sends to the user's Service.
    let ns = gateway_app("bench-traffic-pods", 3);
    let load = Load::start(&host(&ns), RATE);
    ok(
        &ns,
        &[
            "start", "web", "--image", V2, "--router", "replicas", "--steps", "25,50",
        ],
    );
    let mut shares = Vec::new();
    for step in 1..=2 {
        let (share, n) = share_at(&load);
        shares.push(format!("{share:.1}/{:.1} of {n}", contender_endpoints(&ns)));
        if step < 2 {
            ok(&ns, &["step", "web", "--yes"]);
        }
    }
    ok(&ns, &["promote", "web"]);
    row("no mesh 25,50 + promote", &finish(load), &shares.join(", "));

    // An abort at the second step.
    let ns = gateway_app("bench-traffic-abort", 3);
    let load = Load::start(&host(&ns), RATE);
    ok(
        &ns,
        &["start", "web", "--image", V2, "--steps", "10,50,100"],
    );
    ok(&ns, &["step", "web", "--yes"]);
    let (share, n) = share_at(&load);
    ok(&ns, &["abort", "web"]);
    row(
        "abort at 50%",
        &finish(load),
        &format!("{share:.1}/50 of {n}"),
    );

    // Blue-green: preview, switch, promotion.
    let ns = gateway_app("bench-traffic-bg", 3);
    let load = Load::start(&host(&ns), RATE);
    ok(
        &ns,
        &["start", "web", "--image", V2, "--strategy", "blue-green"],
    );
    let (preview, _) = share_at(&load);
    ok(&ns, &["step", "web", "--yes"]);
    let (switched, n) = share_at(&load);
    ok(&ns, &["promote", "web"]);
    row(
        "blue-green switch + promote",
        &finish(load),
        &format!("{preview:.1}/0, {switched:.1}/100 of {n}"),
    );

    // A bad contender (one answer in five a 500), rolled back by the
    // analysis of what Traefik counted.
    let ns = gateway_app("bench-traffic-bad", 3);
    let manifest = support::web_app("web", 3, V2).replace(
        "        ports:",
        "        env:\n        - {name: DEMO_ERROR_RATE, value: \"0.2\"}\n        ports:",
    );
    let file = std::env::temp_dir().join(format!("ramp-bench-bad-{}.yaml", ns.name));
    std::fs::write(&file, manifest.split("---").next().unwrap()).unwrap();
    let analysis = support::repo_root().join("examples/analysis/traefik.yaml");
    let load = Load::start(&host(&ns), RATE);
    let run = ns.ramp(&[
        "start",
        "web",
        "-f",
        file.to_str().unwrap(),
        "--steps",
        "20,50,100",
        "--auto",
        "--analysis",
        analysis.to_str().unwrap(),
        "--prometheus",
        &prometheus().url,
        "--interval",
        "5s",
    ]);
    assert_eq!(run.code, Some(3), "rolled back:\n{run}");
    let seen = finish(load);
    let contender: Vec<_> = seen.0.iter().filter(|r| r.image() == Some(V2)).collect();
    let bad: Vec<_> = contender.iter().filter(|r| r.failed()).collect();
    let first_bad = bad.first().map(|r| r.sent);
    let last = contender.last().map(|r| r.sent);
    let window = match (first_bad, last) {
        (Some(first), Some(last)) => format!("{:.1}s", (last - first).as_secs_f64()),
        _ => "-".into(),
    };
    row(
        "bad contender, rolled back",
        &seen,
        &format!(
            "{} answered by it, {} of them bad; first bad answer to its last answer: {window}",
            contender.len(),
            bad.len()
        ),
    );
}
