//! Transient faults of the API server: commands carry on through a blip of
//! a few seconds (a proxy in front of the real server goes down), and say
//! they retried.

mod support;

use std::time::{Duration, Instant};

use support::fault::Faulty;
use support::{istio_app, ramp_with, weights};

#[test]
fn a_blip_of_the_api_server_does_not_end_a_command() {
    let ns = istio_app("faults", 2);
    let faulty = Faulty::start();
    let kubeconfig = faulty.kubeconfig();
    let through = |args: &[&str]| {
        let mut all = args.to_vec();
        all.extend(["-n", ns.name.as_str()]);
        ramp_with(&all, |c| {
            c.env("KUBECONFIG", &kubeconfig).env("RAMP_LOG", "info");
        })
    };
    through(&[
        "start",
        "web",
        "--image",
        "example.com/web:2",
        "--steps",
        "50,100",
    ])
    .success();

    // Down when the step begins: its first requests are refused, and it
    // goes on once the server is back.
    faulty.down_for(Duration::from_millis(1500));
    let started = Instant::now();
    let run = through(&["step", "web"]).success();
    assert!(
        run.stderr.contains("retrying GET") && run.stderr.contains("connection refused"),
        "the fault happened and was retried: {run}"
    );
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "the step waited out the blip"
    );
    assert_eq!(ns.record("web").unwrap()["step"], 2);
    assert_eq!(
        weights(&ns.get("virtualservice", "web"), 0),
        [("web".into(), 0), ("web-canary".into(), 100)]
    );

    // Longer than the retries last: the command ends, naming the server.
    faulty.down_for(Duration::from_secs(15));
    let run = through(&["status", "web"]);
    assert_eq!(run.code, Some(1), "{run}");
    assert!(run.stderr.contains("retrying GET"), "{run}");
}
