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

/// A driver started through `faulty`, its stderr read line by line as it
/// comes.
struct Driver {
    child: std::process::Child,
    lines: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
}

impl Driver {
    fn start(ns: &support::Namespace, kubeconfig: &std::path::Path, args: &[&str]) -> Driver {
        Driver::start_with(ns, args, |c| {
            c.env("KUBECONFIG", kubeconfig);
        })
    }

    fn start_with(
        ns: &support::Namespace,
        args: &[&str],
        setup: impl FnOnce(&mut std::process::Command),
    ) -> Driver {
        use std::io::BufRead;
        let mut all = support::drained(args);
        all.extend(["-n", ns.name.as_str()]);
        let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_kubectl-ramp"));
        command.stdout(std::process::Stdio::null());
        setup(&mut command);
        let mut child = command
            .env_remove("RAMP_LOG")
            .args(&all)
            .stdin(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let lines = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let stderr = child.stderr.take().unwrap();
        let kept = lines.clone();
        std::thread::spawn(move || {
            for line in std::io::BufReader::new(stderr)
                .lines()
                .map_while(Result::ok)
            {
                kept.lock().unwrap().push(line);
            }
        });
        Driver { child, lines }
    }

    /// Waits until the driver has said something containing `text`.
    fn said(&self, text: &str, within: Duration) {
        let deadline = Instant::now() + within;
        while !self.lines.lock().unwrap().iter().any(|l| l.contains(text)) {
            assert!(
                Instant::now() < deadline,
                "the driver did not say {text:?} within {within:?}:\n{}",
                self.all()
            );
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    fn all(&self) -> String {
        self.lines.lock().unwrap().join("\n")
    }

    /// `end`, with what the driver printed on stdout (when `start_with`
    /// piped it).
    fn end_with_stdout(mut self) -> (Option<i32>, String, String) {
        use std::io::Read;
        let mut stdout = String::new();
        if let Some(mut out) = self.child.stdout.take() {
            out.read_to_string(&mut stdout).unwrap();
        }
        let (code, said) = self.end();
        (code, said, stdout)
    }

    fn end(mut self) -> (Option<i32>, String) {
        let status = self.child.wait().unwrap();
        std::thread::sleep(Duration::from_millis(200));
        (status.code(), self.all())
    }
}

#[test]
fn a_driver_rides_out_the_api_server_away_for_a_minute_mid_analysis_and_mid_step() {
    // Pods ready 8 seconds after they start (their readiness probe's
    // initial delay): the second step lasts long enough to be cut off in.
    let ns = support::Namespace::new("outage");
    let app = support::ready_after(&support::web_app("web", 2, "example.com/web:1"), 8);
    ns.apply(&app).success();
    ns.apply(support::VIRTUAL_SERVICE).success();
    ns.wait_ready("web");
    let faulty = Faulty::start();
    let kubeconfig = faulty.kubeconfig();
    let driver = Driver::start(
        &ns,
        &kubeconfig,
        &[
            "start",
            "web",
            "--image",
            "example.com/web:2",
            "--steps",
            "50,100",
            "--auto",
            "--interval",
            "5s",
        ],
    );
    // Cut off while it waits for the first step's analysis.
    driver.said("step 1/2: analysis in", Duration::from_secs(60));
    let cut = Instant::now();
    faulty.down_for(Duration::from_secs(60));
    driver.said("is out of reach since", Duration::from_secs(60));
    driver.said("the API server answers again", Duration::from_secs(120));
    let first = cut.elapsed();
    // Cut off again while the next step waits for its pods.
    driver.said("waiting for web-canary: 1/2 ready", Duration::from_secs(60));
    faulty.down_for(Duration::from_secs(60));
    let (code, said) = driver.end();
    println!("{said}");
    assert_eq!(code, Some(0), "the rollout promoted:\n{said}");
    assert!(
        first >= Duration::from_secs(59),
        "the first outage lasted {first:?}"
    );
    assert_eq!(
        said.matches("is out of reach since").count(),
        2,
        "each outage said once:\n{said}"
    );
    assert_eq!(
        said.matches("the API server answers again").count(),
        2,
        "{said}"
    );
    assert!(said.contains("the rollout stays at step 1/2"), "{said}");
    assert!(
        said.contains("carrying on, moving to step 2/2"),
        "cut off mid-step: {said}"
    );
    let record = ns.record("web").unwrap();
    assert_eq!(record["phase"], "Succeeded", "{record:#}");
    assert_eq!(
        ns.get("deployment", "web")["spec"]["template"]["spec"]["containers"][0]["image"],
        "example.com/web:2"
    );
    assert!(ns.names("deployments").iter().all(|d| d != "web-canary"));
    // The route as it was: all to web.
    assert_eq!(
        weights(&ns.get("virtualservice", "web"), 0),
        [("web".into(), 0)]
    );
}

#[test]
fn a_driver_gives_up_past_its_outage_limit_and_leaves_the_rollout_where_it_was() {
    let ns = istio_app("outage-limit", 2);
    let faulty = Faulty::start();
    let kubeconfig = faulty.kubeconfig();
    let driver = Driver::start(
        &ns,
        &kubeconfig,
        &[
            "start",
            "web",
            "--image",
            "example.com/web:2",
            "--steps",
            "50,100",
            "--auto",
            "--interval",
            "5s",
            "--outage-limit",
            "10s",
        ],
    );
    driver.said("step 1/2: analysis in", Duration::from_secs(60));
    faulty.down_for(Duration::from_secs(60));
    let (code, said) = driver.end();
    assert!(
        faulty.is_down(),
        "it gave up while the server was still away:\n{said}"
    );
    println!("{said}");
    assert_eq!(code, Some(1), "{said}");
    let away: u64 = said
        .split("has been out of reach for ")
        .nth(1)
        .and_then(|rest| rest.split('s').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("it says how long: {said}"));
    assert!(away >= 10, "not before the limit: {said}");
    assert!(said.contains("the rollout stays at step 1/2"), "{said}");
    // Where it was: step 1, half the traffic on each.
    support::wait_until("the server back", Duration::from_secs(90), || {
        !faulty.is_down()
    });
    let record = ns.record("web").unwrap();
    assert_eq!(
        (record["phase"].as_str(), record["step"].as_u64()),
        (Some("Paused"), Some(1))
    );
    assert_eq!(
        weights(&ns.get("virtualservice", "web"), 0),
        [("web".into(), 50), ("web-canary".into(), 50)]
    );
}

/// A webhook that, told that `cluster` reached its step, takes `faulty`
/// down before it answers: the API server goes away after that cluster's
/// step is done and before the command's last look at it.
fn down_once_reached(cluster: &str, faulty: std::sync::Arc<Faulty>) -> String {
    use std::io::{BufRead, BufReader, Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/notify", listener.local_addr().unwrap());
    let wanted = format!(" on {cluster}: reached step");
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let (mut line, mut length) = (String::new(), 0);
            while reader.read_line(&mut line).is_ok_and(|n| n > 2) {
                if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                    length = v.trim().parse().unwrap_or(0);
                }
                line.clear();
            }
            let mut body = vec![0; length];
            let _ = reader.read_exact(&mut body);
            if String::from_utf8_lossy(&body).contains(&wanted) && !faulty.is_down() {
                faulty.down_for(Duration::from_secs(30));
            }
            let mut stream = stream;
            let _ = stream.write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n");
        }
    });
    url
}

/// Two clusters with the web app in `ns`: c1, the second plane; c2, the
/// first, through `faulty`. The clusters file's path.
fn two_clusters(ns: &support::Namespace, faulty: &Faulty) -> std::path::PathBuf {
    let second = support::PLANES[1];
    support::kubectl_in(second, &["create", "namespace", &ns.name], "").success();
    for manifest in [
        support::web_app("web", 2, "example.com/web:1"),
        support::VIRTUAL_SERVICE.to_string(),
    ] {
        support::kubectl_in(second, &["apply", "-n", &ns.name, "-f", "-"], &manifest).success();
    }
    support::wait_until("web ready on c1", Duration::from_secs(60), || {
        support::kubectl_in(
            second,
            &["get", "deployment", "web", "-n", &ns.name, "-o", "json"],
            "",
        )
        .json()["status"]["readyReplicas"]
            == 2
    });
    let registry = std::env::temp_dir().join(format!("ramp-faults-clusters-{}.yaml", ns.name));
    std::fs::write(
        &registry,
        format!(
            "clusters:\n- {{name: c1, context: {}, kubeconfig: {}}}\n- {{name: c2, context: ramp-testenv, kubeconfig: {}}}\n",
            support::PLANES[1],
            support::kubeconfig_all().display(),
            faulty.kubeconfig().display()
        ),
    )
    .unwrap();
    registry
}

/// Done with the two clusters of `two_clusters`.
fn two_clusters_gone(ns: &support::Namespace, registry: &std::path::Path) {
    support::kubectl_in(
        support::PLANES[1],
        &["delete", "namespace", &ns.name, "--wait=false"],
        "",
    );
    let _ = std::fs::remove_file(registry);
}

#[test]
fn a_step_across_clusters_is_not_reported_done_on_a_cluster_it_cannot_see_afterwards() {
    let ns = istio_app("faults-clusters", 2);
    let faulty = std::sync::Arc::new(Faulty::start());
    let registry = two_clusters(&ns, &faulty);
    let on = |args: &[&str]| {
        let mut all = args.to_vec();
        all.extend(["-n", ns.name.as_str(), "--clusters", "c1,c2"]);
        ramp_with(&all, |c| {
            c.env("RAMP_CLUSTERS", &registry);
        })
    };
    on(&[
        "start",
        "web",
        "--image",
        "example.com/web:2",
        "--steps",
        "50,100",
    ])
    .success();
    let url = down_once_reached("c2", faulty.clone());
    let run = on(&["step", "web", "--notify", &url]);
    assert!(faulty.is_down(), "the API server went away: {run}");
    assert_eq!(
        ns.record("web").unwrap()["step"],
        2,
        "c2's step was done before it went away"
    );
    assert_ne!(run.code, Some(0), "{run}");
    assert!(
        run.stderr.contains(
            "step was done on every cluster, but the rollout could not be seen on 1 of 2 clusters: c2 (cannot reach"
        ),
        "{run}"
    );
    while faulty.is_down() {
        std::thread::sleep(Duration::from_millis(200));
    }
    on(&["abort", "web"]).success();
    two_clusters_gone(&ns, &registry);
}

/// `start --auto` on both clusters of `two_clusters` (with `extra`),
/// once it waits for its first check.
fn driving_two_clusters(
    ns: &support::Namespace,
    registry: &std::path::Path,
    extra: &[&str],
    setup: impl FnOnce(&mut std::process::Command),
) -> Driver {
    let mut args = vec![
        "start",
        "web",
        "--image",
        "example.com/web:2",
        "--steps",
        "50,100",
        "--clusters",
        "c1,c2",
        "--auto",
        "--interval",
        "5s",
        "--outage-limit",
        "5s",
    ];
    args.extend(extra);
    let driver = Driver::start_with(ns, &args, |c| {
        c.env("RAMP_CLUSTERS", registry);
        setup(c);
    });
    driver.said("analysis in", Duration::from_secs(60));
    driver
}

#[test]
fn a_lock_step_driver_that_gives_up_on_a_cluster_aborts_the_others_and_names_it() {
    let ns = istio_app("faults-driver-clusters", 2);
    let faulty = Faulty::start();
    let registry = two_clusters(&ns, &faulty);
    let driver = driving_two_clusters(&ns, &registry, &[], |_| {});
    faulty.down_for(Duration::from_secs(120));
    let (code, said) = driver.end();
    assert!(faulty.is_down(), "it gave up while c2 was away:\n{said}");
    assert_eq!(code, Some(1), "{said}");
    assert!(
        said.contains("has been out of reach for ")
            && said.contains("c2: cannot reach the Kubernetes API server")
            && said.contains("; aborting the rollout on every cluster"),
        "{said}"
    );
    assert!(said.contains("the rollout was aborted on c1"), "{said}");
    assert!(said.contains("[c2] abort failed: "), "{said}");
    // c1 went back: all its traffic to the incumbent.
    let vs = support::kubectl_in(
        support::PLANES[1],
        &["get", "virtualservice", "web", "-n", &ns.name, "-o", "json"],
        "",
    )
    .json();
    assert_eq!(weights(&vs, 0), [("web".into(), 0)], "{said}");
    two_clusters_gone(&ns, &registry);
}

#[test]
fn automated_waves_with_a_cluster_gone_abort_its_region_and_name_it_unknown() {
    let ns = istio_app("faults-waves", 2);
    let faulty = Faulty::start();
    let registry = two_clusters(&ns, &faulty);
    // One region of both.
    let text = std::fs::read_to_string(&registry).unwrap();
    std::fs::write(&registry, text.replace("context:", "region: eu, context:")).unwrap();
    let driver = driving_two_clusters(&ns, &registry, &["--waves", "region", "-o", "json"], |c| {
        c.stdout(std::process::Stdio::piped());
    });
    // Longer than the driver and the abort ride out: c2 stays out of reach
    // to the end.
    faulty.down_for(Duration::from_secs(120));
    let (code, said, stdout) = driver.end_with_stdout();
    assert!(faulty.is_down(), "c2 was away to the end:\n{said}");
    assert_eq!(code, Some(1), "{said}");
    assert!(said.contains("the rollout was aborted on c1"), "{said}");
    let rows: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let row = |cluster: &str| {
        rows.as_array()
            .unwrap()
            .iter()
            .find(|r| r["cluster"] == cluster)
            .unwrap_or_else(|| panic!("no row for {cluster}: {stdout}"))
            .clone()
    };
    assert_eq!(row("c1")["rollout"], "rolled_back", "{stdout}");
    let gone = row("c2");
    assert_eq!(gone["rollout"], "unknown", "{stdout}");
    assert!(
        gone["error"]
            .as_str()
            .is_some_and(|e| e.contains("cannot reach the Kubernetes API server")),
        "{stdout}"
    );
    two_clusters_gone(&ns, &registry);
}

#[test]
fn a_wave_step_that_cannot_read_a_cluster_names_the_cluster() {
    let ns = istio_app("faults-wave-step", 2);
    let faulty = Faulty::start();
    let registry = two_clusters(&ns, &faulty);
    let text = std::fs::read_to_string(&registry).unwrap();
    let text = text
        .replacen("context:", "region: eu, context:", 1)
        .replacen("{name: c2, context:", "{name: c2, region: us, context:", 1);
    std::fs::write(&registry, text).unwrap();
    let on = |args: &[&str]| {
        let mut all = args.to_vec();
        all.extend([
            "-n",
            ns.name.as_str(),
            "--clusters",
            "c1,c2",
            "--waves",
            "region",
        ]);
        ramp_with(&all, |c| {
            c.env("RAMP_CLUSTERS", &registry);
        })
    };
    on(&[
        "start",
        "web",
        "--image",
        "example.com/web:2",
        "--steps",
        "50,100",
    ])
    .success();
    faulty.down_for(Duration::from_secs(120));
    let run = on(&["step", "web"]);
    assert_eq!(run.code, Some(1), "{run}");
    assert!(
        run.stderr
            .contains("error: c2: cannot reach the Kubernetes API server at"),
        "{run}"
    );
    assert!(faulty.is_down(), "{run}");
    ramp_with(&["abort", "web", "-n", &ns.name, "--clusters", "c1"], |c| {
        c.env("RAMP_CLUSTERS", &registry);
    })
    .success();
    two_clusters_gone(&ns, &registry);
}
