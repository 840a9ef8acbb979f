//! Real requests through the plane's gateway (Traefik) during rollouts:
//! what the clients saw, counted request by request, against what ramp
//! said it did. The gateway-api router is tested with real traffic here,
//! and so is the replicas router behind it (the gateway sending to the
//! user's Service, whose pods ramp shares out); Istio's has no data plane
//! in the local plane, and its routes are tested as objects elsewhere.

mod support;

use std::time::{Duration, Instant};

use support::traffic::{
    Load, Responses, contender_endpoints, gateway_app, host, prometheus, window_after,
};
use support::{Namespace, kubectl, repo_root, wait_until};

const V2: &str = "example.com/web:2";
const V1: &str = "example.com/web:1";

/// The requests per second each test sends.
const RATE: u32 = 100;

/// Stops the load a moment after the last command, prints what the clients
/// saw, and fails the test on any failed request.
#[track_caller]
fn no_request_failed(load: Load, scenario: &str) -> Responses {
    std::thread::sleep(Duration::from_secs(3));
    let seen = load.stop();
    println!("{scenario}: {}", seen.summary());
    assert!(
        seen.failed().is_empty(),
        "{scenario}: {} requests failed: {}",
        seen.failed().len(),
        seen.summary()
    );
    seen
}

/// `kubectl-ramp ARGS -n NS`, succeeding, with its stderr printed.
#[track_caller]
fn ramp_ok(ns: &Namespace, args: &[&str]) {
    let run = ns.ramp(args);
    assert_eq!(run.code, Some(0), "{args:?}:\n{run}");
}

#[test]
fn each_step_sends_its_weight_of_real_requests_to_the_contender_and_none_fail() {
    let ns = gateway_app("traffic-steps", 4);
    let load = Load::start(&host(&ns), 200);
    ramp_ok(
        &ns,
        &["start", "web", "--image", V2, "--steps", "10,50,100"],
    );
    let mut reached = Instant::now();
    for weight in [10.0, 50.0, 100.0] {
        let seen = window_after(
            &load,
            reached,
            Duration::from_secs(4),
            Duration::from_secs(10),
        );
        let share = seen.share(V2);
        println!(
            "step {weight}%: the contender answered {share:.1}% of {} requests",
            seen.len()
        );
        assert!(seen.len() >= 1800, "{} requests in the window", seen.len());
        assert!(
            (share - weight).abs() <= 3.0,
            "at {weight}%: {share:.1}% of {}",
            seen.len()
        );
        if weight < 100.0 {
            ramp_ok(&ns, &["step", "web", "--yes"]);
            reached = Instant::now();
        }
    }
    ramp_ok(&ns, &["promote", "web"]);
    let promoted = Instant::now();
    let seen = no_request_failed(load, "a manual canary and its promotion");
    let after = seen.since(promoted + Duration::from_secs(1));
    assert_eq!(after.share(V2), 100.0, "{}", after.summary());
}

#[test]
fn without_a_mesh_the_contender_answers_its_share_of_ready_pods_and_none_fail() {
    let ns = gateway_app("traffic-pods", 3);
    let load = Load::start(&host(&ns), 200);
    ramp_ok(
        &ns,
        &[
            "start", "web", "--image", V2, "--router", "replicas", "--steps", "25,50",
        ],
    );
    let mut reached = Instant::now();
    for step in 1..=2 {
        let seen = window_after(
            &load,
            reached,
            Duration::from_secs(4),
            Duration::from_secs(10),
        );
        let expected = contender_endpoints(&ns);
        let share = seen.share(V2);
        println!(
            "step {step}: the contender answered {share:.1}% of {} requests; {expected:.1}% of the Service's ready endpoints are its pods",
            seen.len()
        );
        assert!(seen.len() >= 1800, "{} requests in the window", seen.len());
        assert!(
            (share - expected).abs() <= 3.0,
            "step {step}: {share:.1}% answered by the contender, {expected:.1}% of the endpoints"
        );
        if step < 2 {
            ramp_ok(&ns, &["step", "web", "--yes"]);
            reached = Instant::now();
        }
    }
    ramp_ok(&ns, &["promote", "web"]);
    let promoted = Instant::now();
    let seen = no_request_failed(load, "a canary without a mesh and its promotion");
    let after = seen.since(promoted + Duration::from_secs(1));
    assert_eq!(after.share(V2), 100.0, "{}", after.summary());
}

/// A 3-step canary aborted at step `at`, with the router given.
fn abort_at(router: &str, at: usize) {
    let ns = gateway_app(&format!("traffic-abort-{router}-{at}"), 3);
    let load = Load::start(&host(&ns), RATE);
    let steps = match router {
        "replicas" => "25,50,100",
        _ => "10,50,100",
    };
    ramp_ok(
        &ns,
        &[
            "start", "web", "--image", V2, "--router", router, "--steps", steps,
        ],
    );
    for _ in 1..at {
        ramp_ok(&ns, &["step", "web", "--yes"]);
    }
    std::thread::sleep(Duration::from_secs(2));
    ramp_ok(&ns, &["abort", "web", "--reason", "test"]);
    let aborted = Instant::now();
    let seen = no_request_failed(load, &format!("{router}: an abort at step {at}"));
    assert!(seen.answered_by(V2) > 0, "the contender had traffic");
    let after = seen.since(aborted);
    assert_eq!(after.answered_by(V2), 0, "{}", after.summary());
}

#[test]
fn an_abort_at_any_step_fails_no_request() {
    std::thread::scope(|s| {
        for at in 1..=3 {
            s.spawn(move || abort_at("gateway-api", at));
        }
    });
}

#[test]
fn an_abort_at_any_step_without_a_mesh_fails_no_request() {
    std::thread::scope(|s| {
        for at in 1..=2 {
            s.spawn(move || abort_at("replicas", at));
        }
    });
}

/// Blue-green: the preview, the switch, the promotion.
fn blue_green(router: &str) {
    let ns = gateway_app(&format!("traffic-bg-{router}"), 3);
    let load = Load::start(&host(&ns), RATE);
    ramp_ok(
        &ns,
        &[
            "start",
            "web",
            "--image",
            V2,
            "--router",
            router,
            "--strategy",
            "blue-green",
        ],
    );
    let preview = window_after(
        &load,
        Instant::now(),
        Duration::from_secs(3),
        Duration::from_secs(3),
    );
    assert_eq!(
        preview.answered_by(V2),
        0,
        "the preview takes no traffic: {}",
        preview.summary()
    );
    ramp_ok(&ns, &["step", "web", "--yes"]);
    let switched = window_after(
        &load,
        Instant::now(),
        Duration::from_secs(4),
        Duration::from_secs(3),
    );
    assert_eq!(
        switched.share(V2),
        100.0,
        "after the switch: {}",
        switched.summary()
    );
    ramp_ok(&ns, &["promote", "web"]);
    no_request_failed(
        load,
        &format!("{router}: blue-green, switched and promoted"),
    );
}

#[test]
fn a_blue_green_switch_and_its_promotion_fail_no_request() {
    std::thread::scope(|s| {
        for router in ["gateway-api", "replicas"] {
            s.spawn(move || blue_green(router));
        }
    });
}

const AUTOSCALER: &str = r#"
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: web}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}
  minReplicas: 2
  maxReplicas: 6
  metrics:
  - type: Resource
    resource: {name: cpu, target: {type: Utilization, averageUtilization: 70}}
"#;

#[test]
fn an_autoscaled_incumbent_is_rolled_out_without_a_failed_request() {
    let ns = gateway_app("traffic-hpa", 3);
    ns.apply(AUTOSCALER).success();
    let load = Load::start(&host(&ns), RATE);
    ramp_ok(&ns, &["start", "web", "--image", V2, "--steps", "25,50"]);
    ramp_ok(&ns, &["step", "web", "--yes"]);
    ramp_ok(&ns, &["promote", "web"]);
    let seen = no_request_failed(load, "an autoscaled canary and its promotion");
    assert!(seen.answered_by(V2) > 0);
}

#[test]
fn a_command_killed_at_any_moment_and_run_again_fails_no_request() {
    // A different moment at each run, printed so that a failure can be
    // run again exactly.
    let seed = std::env::var("RAMP_TEST_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .subsec_nanos() as u64
        });
    println!("RAMP_TEST_SEED={seed}");
    let mut rng = seed;
    let mut next_ms = |max: u64| {
        rng = rng
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (rng >> 33) % max
    };
    let moments: Vec<u64> = (0..6).map(|_| next_ms(1500)).collect();
    std::thread::scope(|s| {
        for (router, moments) in [("gateway-api", &moments[..3]), ("replicas", &moments[3..])] {
            s.spawn(move || {
                let ns = gateway_app(&format!("traffic-kill-{router}"), 3);
                let load = Load::start(&host(&ns), RATE);
                let steps = if router == "replicas" {
                    "25,50"
                } else {
                    "10,50"
                };
                let mut killed = 0;
                for (args, ms) in [
                    (
                        vec![
                            "start", "web", "--image", V2, "--router", router, "--steps", steps,
                        ],
                        moments[0],
                    ),
                    (vec!["step", "web", "--yes"], moments[1]),
                    (vec!["promote", "web"], moments[2]),
                ] {
                    let k = ns.killed_then_rerun(&args, Duration::from_millis(ms), || false);
                    println!(
                        "{router}: {} killed after {ms} ms: {}",
                        args[0],
                        if k { "under way" } else { "had ended" }
                    );
                    killed += usize::from(k);
                }
                let seen =
                    no_request_failed(load, &format!("{router}: commands killed and run again"));
                assert!(seen.answered_by(V2) > 0);
                // A second rollout, aborted by a killed abort.
                let load = Load::start(&host(&ns), RATE);
                ramp_ok(
                    &ns,
                    &[
                        "start", "web", "--image", V1, "--router", router, "--steps", steps,
                    ],
                );
                let k = ns.killed_then_rerun(
                    &["abort", "web"],
                    Duration::from_millis(moments[0] / 2),
                    || false,
                );
                killed += usize::from(k);
                no_request_failed(load, &format!("{router}: an abort killed and run again"));
                assert!(
                    killed > 0,
                    "{router}: no command was under way when it was killed"
                );
            });
        }
    });
}

#[test]
fn a_contender_failing_one_request_in_five_is_rolled_back_by_what_the_gateway_counted() {
    let ns = gateway_app("traffic-bad", 3);
    let manifest = support::web_app("web", 3, V2).replace(
        "        ports:",
        "        env:\n        - {name: DEMO_ERROR_RATE, value: \"0.2\"}\n        ports:",
    );
    let file = std::env::temp_dir().join(format!("ramp-bad-{}.yaml", ns.name));
    std::fs::write(&file, manifest.split("---").next().unwrap()).unwrap();
    let analysis = repo_root().join("examples/analysis/traefik.yaml");
    let load = Load::start(&host(&ns), RATE);
    let started = Instant::now();
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
    let seen = no_request_failed_but_the_contenders(load);
    let bad: Vec<_> = seen
        .0
        .iter()
        .filter(|r| r.image() == Some(V2) && r.failed())
        .collect();
    let contender: Vec<_> = seen.0.iter().filter(|r| r.image() == Some(V2)).collect();
    let first_bad = bad.first().expect("the contender answered badly").sent;
    let last = contender.last().unwrap().sent;
    println!(
        "a bad contender: {} requests, {} answered by it, {} bad; rolled back {:.1}s after its first bad answer ({:.1}s after start)",
        seen.len(),
        contender.len(),
        bad.len(),
        (last - first_bad).as_secs_f64(),
        (last - started).as_secs_f64()
    );
    assert!(run.stderr.contains("request-success-rate"), "{run}");
}

/// The failed requests must all be the contender's own bad answers (500s
/// from its pods): none may come from the gateway or the connection.
fn no_request_failed_but_the_contenders(load: Load) -> Responses {
    std::thread::sleep(Duration::from_secs(3));
    let seen = load.stop();
    println!("{}", seen.summary());
    let other: Vec<_> = seen
        .failed()
        .into_iter()
        .filter(|r| r.image() != Some(V2))
        .collect();
    assert!(
        other.is_empty(),
        "failed elsewhere than in the contender: {other:?}"
    );
    seen
}

#[test]
fn requests_with_the_preview_header_reach_only_the_contender_and_no_others_do() {
    let ns = gateway_app("traffic-header", 3);
    let plain = Load::start(&host(&ns), RATE);
    let marked = Load::with_headers(&host(&ns), RATE, &[("x-preview", "1")]);
    ramp_ok(
        &ns,
        &[
            "start",
            "web",
            "--image",
            V2,
            "--strategy",
            "blue-green",
            "--preview-header",
            "x-preview=1",
        ],
    );
    let started = Instant::now();
    let with = window_after(
        &marked,
        started,
        Duration::from_secs(4),
        Duration::from_secs(5),
    );
    let without = window_after(
        &plain,
        started,
        Duration::from_secs(4),
        Duration::from_secs(5),
    );
    println!("with the header: {}", with.summary());
    println!("without it: {}", without.summary());
    assert_eq!(with.share(V2), 100.0, "{}", with.summary());
    assert_eq!(without.answered_by(V2), 0, "{}", without.summary());
    assert!(with.len() > 300 && without.len() > 300);
    ramp_ok(&ns, &["abort", "web"]);
    no_request_failed(marked, "the header's requests");
    no_request_failed(plain, "the others");
}

#[test]
fn pods_answer_as_long_as_a_kubelet_would_keep_them_serving() {
    let ns = Namespace::new("traffic-pods-answer");
    let manifest = support::web_app("web", 1, V1).replace(
        "      containers:",
        "      terminationGracePeriodSeconds: 20\n      containers:",
    ).replace(
        "        ports:",
        "        lifecycle:\n          preStop:\n            sleep: {seconds: 3}\n        ports:",
    );
    ns.apply(&manifest).success();
    ns.wait_ready("web");
    let pod = kubectl(&["get", "pods", "-n", &ns.name, "-l", "app=web", "-o", "json"])
        .success()
        .json()["items"][0]
        .clone();
    let name = pod["metadata"]["name"].as_str().unwrap().to_string();
    let address = format!("{}:8080", pod["status"]["podIP"].as_str().unwrap());
    let get = || {
        std::process::Command::new("curl")
            .args(["-sS", "-m", "2", "-D", "-", &format!("http://{address}/")])
            .output()
            .unwrap()
    };
    let answer = String::from_utf8_lossy(&get().stdout).to_string();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(
        answer.contains(&format!("X-Pod: {}/{name}", ns.name)),
        "{answer}"
    );
    assert!(answer.contains(&format!("X-Image: {V1}")), "{answer}");

    kubectl(&["delete", "pod", &name, "-n", &ns.name, "--wait=false"]).success();
    let deleted = Instant::now();
    // Through its preStop sleep it still answers; then it stops.
    std::thread::sleep(Duration::from_secs(1));
    let during = get();
    assert!(
        during.status.success(),
        "{}",
        String::from_utf8_lossy(&during.stderr)
    );
    wait_until(
        "the deleted pod to stop answering",
        Duration::from_secs(10),
        || !get().status.success(),
    );
    let stopped = deleted.elapsed();
    println!(
        "the pod answered for {:.1}s after its deletion",
        stopped.as_secs_f64()
    );
    assert!(stopped >= Duration::from_secs(3), "{stopped:?}");
}

/// A network namespace like the machine's own: an interface with a
/// default route, and no pod range, so that a request for a pod address
/// would leave by that route. (The interface is one end of a veth pair
/// whose other end is in the same namespace: nothing leaves it.)
struct Outside(String);

impl Outside {
    fn new() -> Outside {
        let name = format!("ramp-outside-{}", std::process::id());
        let ip = |args: &[&str]| {
            let out = std::process::Command::new("ip")
                .args(args)
                .output()
                .unwrap();
            assert!(
                out.status.success(),
                "ip {args:?}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        };
        ip(&["netns", "add", &name]);
        ip(&["-n", &name, "link", "set", "lo", "up"]);
        ip(&[
            "-n", &name, "link", "add", "uplink", "type", "veth", "peer", "name", "downlink",
        ]);
        ip(&["-n", &name, "link", "set", "downlink", "up"]);
        ip(&["-n", &name, "addr", "add", "192.0.2.99/24", "dev", "uplink"]);
        ip(&["-n", &name, "link", "set", "uplink", "up"]);
        ip(&["-n", &name, "route", "add", "default", "via", "192.0.2.1"]);
        Outside(name)
    }

    fn run(&self, program: &str, args: &[&str]) -> std::process::Output {
        std::process::Command::new("ip")
            .args(["netns", "exec", &self.0, program])
            .args(args)
            .output()
            .unwrap()
    }
}

impl Drop for Outside {
    fn drop(&mut self) {
        let _ = std::process::Command::new("ip")
            .args(["netns", "del", &self.0])
            .output();
    }
}

fn plane_paths() -> (String, String) {
    let out = std::process::Command::new("bash")
        .args([
            "-c",
            "source tests/cluster/env.sh && echo \"$TRAEFIK_BIN\" && podserver_bin",
        ])
        .current_dir(repo_root())
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    let mut lines = text.lines();
    (
        lines.next().unwrap().to_string(),
        lines.next().unwrap().to_string(),
    )
}

#[test]
fn nothing_that_sends_requests_to_pods_starts_outside_the_planes_namespace() {
    // Here, inside it, the pod range is local.
    support::traffic::inside_plane().unwrap();
    let (traefik, podserver) = plane_paths();
    let kubeconfig = support::kubeconfig().to_str().unwrap().to_string();
    let outside = Outside::new();
    let route = outside.run("ip", &["route", "get", "10.16.0.1"]);
    assert!(
        String::from_utf8_lossy(&route.stdout).contains("via 192.0.2.1"),
        "outside, a pod address goes by the default route: {route:?}"
    );

    let gateway = outside.run(
        repo_root().join("tests/cluster/gateway").to_str().unwrap(),
        &[
            &traefik,
            &kubeconfig,
            "--entryPoints.web.address=127.0.0.1:1",
        ],
    );
    let stderr = String::from_utf8_lossy(&gateway.stderr);
    assert_eq!(gateway.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains(
            "refusing to start the gateway: the pod range 10.16.0.0/12 is not local here"
        ),
        "{stderr}"
    );

    let pods = outside.run(
        &podserver,
        &["--kubeconfig", &kubeconfig, "--pod-cidr", "10.16.0.0/12"],
    );
    let stderr = String::from_utf8_lossy(&pods.stderr);
    assert_eq!(pods.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains(
            "refusing to start: the pod range 10.16.0.0/12 is not local to this network namespace"
        ),
        "{stderr}"
    );

    // The load generator, from a thread moved to that namespace (a
    // thread's network namespace is its own).
    let path = format!("/run/netns/{}", outside.0);
    let refused = std::thread::spawn(move || {
        unsafe extern "C" {
            fn setns(fd: i32, nstype: i32) -> i32;
        }
        use std::os::fd::AsRawFd;
        let namespace = std::fs::File::open(path).unwrap();
        const CLONE_NEWNET: i32 = 0x4000_0000;
        assert_eq!(unsafe { setns(namespace.as_raw_fd(), CLONE_NEWNET) }, 0);
        support::traffic::inside_plane()
    })
    .join()
    .unwrap();
    let why = refused.unwrap_err();
    assert!(
        why.contains("the load generator runs only inside the plane's network namespace"),
        "{why}"
    );
}
