//! `kubectl ramp dashboard`: its HTTP API against the local plane (the
//! actions run the commands' code; the token, the Host and the Origin are
//! checked on every request; --read-only has no actions), and its page in
//! a real headless chromium (it shows the rollouts, follows a step taken
//! on the command line, and its step button moves the weights).

mod support;

use std::time::Duration;

use support::browser::Browser;
use support::dashboard::Dashboard;
use support::fault::Faulty;
use support::metrics::{Metrics, Traffic};
use support::{Namespace, istio_app, wait_output, wait_until, weights};

fn start_web(ns: &Namespace, steps: &str) {
    ns.ramp(&[
        "start",
        "web",
        "--image",
        "example.com/web:2",
        "--steps",
        steps,
    ])
    .success();
}

#[test]
fn the_api_shows_the_rollouts_and_its_actions_step_and_promote_them() {
    let ns = istio_app("dash-api", 2);
    start_web(&ns, "50,100");
    let dashboard = Dashboard::start(&ns, &[]);
    assert!(
        dashboard.host.starts_with("127.0.0.1:"),
        "loopback only by default: {}",
        dashboard.url
    );

    let list = dashboard.get("/api/rollouts").json();
    let rollouts = list["rollouts"].as_array().unwrap();
    assert_eq!(rollouts.len(), 1, "{list}");
    assert_eq!(rollouts[0]["deployment"], "web");
    assert_eq!(rollouts[0]["phase"], "Paused");
    assert_eq!(rollouts[0]["step"]["index"], 1);
    assert_eq!(rollouts[0]["traffic"]["contender"], 50.0);

    let path = format!("/api/rollouts/-/{}/web", ns.name);
    let mut events = dashboard.events(&format!("rollout=-/{}/web", ns.name));
    let first = events.until(|e| e["step"]["index"] == 1);
    assert_eq!(first["traffic"]["contender"], 50.0, "{first}");
    assert_eq!(first["capacity"]["contender"]["desired"], 1, "{first}");
    assert_eq!(first["steps"].as_array().unwrap().len(), 2);

    let stepped = dashboard.post(&format!("{path}/step"));
    assert_eq!(stepped.status, 200, "{stepped:?}");
    assert_eq!(stepped.json()["ok"], true);
    assert_eq!(
        weights(&ns.get("virtualservice", "web"), 0),
        [("web".into(), 0), ("web-canary".into(), 100)]
    );
    // The page's stream tells of it, from the server's watches.
    let second = events.until(|e| e["step"]["index"] == 2 && e["traffic"]["contender"] == 100.0);
    assert_eq!(second["phase"], "Paused", "{second}");

    // The command's own checks, and its exit code: a manual rollout has
    // no automation to pause.
    let paused = dashboard.post(&format!("{path}/pause"));
    assert_eq!(paused.status, 409, "{paused:?}");
    let paused = paused.json();
    assert_eq!(paused["ok"], false);
    assert_eq!(paused["exit_code"], 2);
    assert!(
        paused["message"]
            .as_str()
            .unwrap()
            .contains("is not automated; there is nothing to pause"),
        "{paused}"
    );

    let promoted = dashboard.post(&format!("{path}/promote")).json();
    assert_eq!(promoted["ok"], true, "{promoted}");
    assert_eq!(ns.record("web").unwrap()["phase"], "Succeeded");
    assert_eq!(ns.names("deployments"), ["web"]);
    let image = &ns.get("deployment", "web")["spec"]["template"]["spec"]["containers"][0]["image"];
    assert_eq!(image, "example.com/web:2");
    events.until(|e| e["phase"] == "Succeeded");

    let again = dashboard.post(&format!("{path}/abort")).json();
    assert_eq!(again["exit_code"], 2, "{again}");
    assert!(
        again["message"]
            .as_str()
            .unwrap()
            .contains("already succeeded; there is nothing to abort"),
        "{again}"
    );
    assert!(dashboard.stderr.lock().unwrap().contains("promote "));
}

#[test]
fn abort_from_the_api_puts_the_routes_back() {
    let ns = istio_app("dash-abort", 2);
    start_web(&ns, "10,50,100");
    let dashboard = Dashboard::start(&ns, &[]);
    let aborted = dashboard
        .post(&format!("/api/rollouts/-/{}/web/abort", ns.name))
        .json();
    assert_eq!(aborted["ok"], true, "{aborted}");
    assert_eq!(
        weights(&ns.get("virtualservice", "web"), 0),
        [("web".into(), 0)],
        "the route as it was: one destination"
    );
    let record = ns.record("web").unwrap();
    assert_eq!(record["phase"], "Aborted");
    assert!(
        record["history"]
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t["message"]
                .as_str()
                .unwrap()
                .ends_with("aborted from the dashboard")),
        "{record}"
    );
}

#[test]
fn pause_from_the_api_stops_the_automation_at_its_step() {
    let ns = istio_app("dash-pause", 2);
    let driver = ns.spawn_ramp(&[
        "start",
        "web",
        "--image",
        "example.com/web:2",
        "--steps",
        "30,60,100",
        "--auto",
        "--interval",
        "30s",
    ]);
    wait_until("the first step", Duration::from_secs(30), || {
        ns.record("web")
            .is_some_and(|r| r["step"] == 1 && r["phase"] == "Paused")
    });
    let dashboard = Dashboard::start(&ns, &[]);
    let paused = dashboard
        .post(&format!("/api/rollouts/-/{}/web/pause", ns.name))
        .json();
    assert_eq!(paused["ok"], true, "{paused}");
    let run = wait_output(driver);
    assert_eq!(run.code, Some(0), "{run}");
    assert!(run.stderr.contains("paused by "), "{run}");
    let detail = dashboard
        .get(&format!("/api/rollouts/-/{}/web", ns.name))
        .json();
    assert!(detail["paused_by"].is_string(), "{detail}");
    assert_eq!(detail["step"]["index"], 1);
}

#[test]
fn every_request_needs_the_token_its_own_host_and_its_own_origin() {
    let ns = istio_app("dash-guard", 2);
    start_web(&ns, "50,100");
    let dashboard = Dashboard::start(&ns, &[]);
    let step = format!("/api/rollouts/-/{}/web/step", ns.name);
    let record_before = ns.record("web").unwrap();

    let page = dashboard.get("/");
    assert_eq!(page.status, 200, "{page:?}");
    assert!(page.body.contains("<title>ramp dashboard</title>"));
    assert!(page.headers.contains("no-referrer"), "{}", page.headers);

    for target in [
        "/".to_string(),
        "/app.js".to_string(),
        "/api/rollouts".to_string(),
        "/api/events".to_string(),
        "/api/rollouts?token=0000".to_string(),
        format!("/api/rollouts?token={}0", dashboard.token),
    ] {
        let answer = dashboard.request("GET", &target, &[]);
        assert_eq!(answer.status, 401, "{target}: {answer:?}");
        assert!(answer.body.contains("token"), "{answer:?}");
    }
    let answer = dashboard.request("POST", &step, &[]);
    assert_eq!(answer.status, 401, "a step without the token: {answer:?}");

    // Another site's page in the same browser: its requests say where
    // they come from.
    for origin in ["http://evil.example", "null", "http://127.0.0.1:1"] {
        let answer = dashboard.request("POST", &dashboard.with_token(&step), &[("Origin", origin)]);
        assert_eq!(answer.status, 403, "{origin}: {answer:?}");
        assert!(answer.body.contains("other origins"), "{answer:?}");
    }
    // A name that resolves to loopback (DNS rebinding) is not its own.
    let answer = dashboard.request(
        "GET",
        &dashboard.with_token("/api/rollouts"),
        &[("Host", "rebound.example:80")],
    );
    assert_eq!(answer.status, 403, "{answer:?}");
    assert_eq!(
        ns.record("web").unwrap(),
        record_before,
        "nothing refused changed the rollout"
    );
    // localhost is its own name too.
    let port = dashboard.host.rsplit(':').next().unwrap();
    let answer = dashboard.request(
        "GET",
        &dashboard.with_token("/api/rollouts"),
        &[("Host", &format!("localhost:{port}"))],
    );
    assert_eq!(answer.status, 200, "{answer:?}");
}

#[test]
fn read_only_has_no_actions() {
    let ns = istio_app("dash-read-only", 2);
    start_web(&ns, "50,100");
    let dashboard = Dashboard::start(&ns, &["--read-only"]);
    wait_until("its first words", Duration::from_secs(5), || {
        dashboard
            .stderr
            .lock()
            .unwrap()
            .contains(", read-only on 127.0.0.1:")
    });
    assert_eq!(dashboard.get("/api/config").json()["read_only"], true);
    for verb in ["step", "promote", "abort", "pause"] {
        let answer = dashboard.post(&format!("/api/rollouts/-/{}/web/{verb}", ns.name));
        assert_eq!(answer.status, 403, "{verb}: {answer:?}");
        assert!(answer.body.contains("read-only"), "{answer:?}");
    }
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

#[test]
fn a_taken_port_is_named_with_the_way_out() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port().to_string();
    let run = support::ramp(&["dashboard", "--port", &port]);
    assert_eq!(run.code, Some(1), "{run}");
    assert!(
        run.stderr
            .contains(&format!("cannot listen on 127.0.0.1:{port}")),
        "{run}"
    );
    assert!(run.stderr.contains("--port 0 takes any free one"), "{run}");
}

/// An analysis that plots: the contender's success rate against a fixed
/// floor, and its error rate beside the incumbent's.
const ANALYSIS: &str = r#"
metrics:
- name: request-success-rate
  min: 99
- name: error-rate-vs-incumbent
  relative: true
  max: 1
  query: >-
    100 * sum(rate(istio_requests_total{reporter="destination",destination_workload_namespace="{{namespace}}",destination_workload="{{workload}}",response_code=~"5.."}[{{interval}}]))
    / sum(rate(istio_requests_total{reporter="destination",destination_workload_namespace="{{namespace}}",destination_workload="{{workload}}"}[{{interval}}]))
minSamples: 10
"#;

const SHOP: &str = r#"
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: shop
spec:
  hosts: [shop]
  http:
  - name: primary
    route:
    - destination: {host: shop}
"#;

#[test]
fn the_page_follows_the_rollouts_and_its_step_button_moves_the_weights() {
    let ns = istio_app("dash-page", 3);
    // shop: driven by its analysis against a real Prometheus, left at its
    // last step for a person, its checks plotted on its page.
    let metrics = Metrics::get();
    ns.apply(&support::web_app("shop", 2, "example.com/shop:1"))
        .success();
    ns.apply(SHOP).success();
    ns.wait_ready("shop");
    let healthy = Traffic {
        requests_per_second: 50.0,
        errors: 0.002,
        latency_ms: 40.0,
    };
    metrics.set(&ns.name, "shop", healthy);
    metrics.set(
        &ns.name,
        "shop-canary",
        Traffic {
            errors: 0.004,
            ..healthy
        },
    );
    let analysis = std::env::temp_dir().join(format!("ramp-dash-{}.yaml", ns.name));
    std::fs::write(&analysis, ANALYSIS).unwrap();
    let driver = ns.spawn_ramp(&[
        "start",
        "shop",
        "--image",
        "example.com/shop:2",
        "--steps",
        "20,50,100",
        "--auto",
        "--no-promote",
        "--analysis",
        analysis.to_str().unwrap(),
        "--prometheus",
        &metrics.prometheus_url,
        "--interval",
        "2s",
    ]);
    start_web(&ns, "10,50,100");

    let dashboard = Dashboard::start(&ns, &[]);
    let mut browser = Browser::start(1280, 900);
    browser.navigate(&dashboard.url);
    let web_row = format!("tr[data-rollout=\"{}/web\"]", ns.name);
    browser.wait_for(
        "the list",
        &format!("document.querySelector('{web_row}') !== null && document.querySelector('#live').textContent === 'live'"),
        Duration::from_secs(20),
    );
    let row = browser.eval(&format!("document.querySelector('{web_row}').innerText"));
    let row = row.as_str().unwrap();
    assert!(
        row.contains("Paused") && row.contains("1/3") && row.contains("example.com/web:2"),
        "{row}"
    );

    // The driven rollout reaches its last step; the list follows it.
    let shop_row = format!(
        "document.querySelector('tr[data-rollout=\"{}/shop\"]')",
        ns.name
    );
    browser.wait_for(
        "shop at its last step on the list",
        &format!("{shop_row} !== null && {shop_row}.innerText.includes('3/3')"),
        Duration::from_secs(90),
    );
    let run = wait_output(driver);
    assert_eq!(run.code, Some(0), "{run}");
    let docs = support::repo_root().join("docs");
    std::fs::create_dir_all(&docs).unwrap();
    browser.screenshot(&docs.join("dashboard-list.png"));

    // shop's page: the analysis plotted, a chart per metric, the
    // incumbent beside the contender for the relative one.
    browser.click(&format!("tr[data-rollout=\"{}/shop\"] a", ns.name));
    browser.wait_for(
        "shop's analysis",
        "document.querySelectorAll('#analysis .chart svg').length === 2",
        Duration::from_secs(20),
    );
    let points = browser.eval(
        "[document.querySelectorAll('.chart[data-metric=\"request-success-rate\"] circle.point.pass').length, \
          document.querySelectorAll('.chart[data-metric=\"error-rate-vs-incumbent\"] rect.incumbent-point').length, \
          document.querySelectorAll('.chart rect.band').length]",
    );
    assert!(
        points[0].as_u64().unwrap() >= 2,
        "a passed check a step: {points}"
    );
    assert!(
        points[1].as_u64().unwrap() >= 2,
        "the incumbent beside: {points}"
    );
    assert!(
        points[2].as_u64().unwrap() >= 4,
        "the threshold bands: {points}"
    );
    let steps = browser.eval("document.querySelector('#steps li.current').innerText");
    assert!(steps.as_str().unwrap().contains("3. 100%"), "{steps}");
    browser.screenshot(&docs.join("dashboard-rollout.png"));

    // web's page follows a step taken on the command line.
    browser.navigate(&format!("{}#/rollout/-/{}/web", dashboard.url, ns.name));
    browser.wait_for(
        "web at step 1",
        "document.querySelector('#step') !== null && document.querySelector('#step').textContent === '1/3'",
        Duration::from_secs(20),
    );
    ns.ramp(&["step", "web", "--yes"]).success();
    browser.wait_for(
        "web at step 2 without a reload",
        "document.querySelector('#step').textContent === '2/3' && document.querySelector('.traffic-contender').textContent === '50%'",
        Duration::from_secs(20),
    );

    // The step button, confirmed, moves the weights.
    browser.click("button[data-action=step]");
    browser.wait_for(
        "the confirmation",
        "!document.querySelector('#confirm').hidden",
        Duration::from_secs(5),
    );
    let question = browser.eval("document.querySelector('#confirm-text').textContent");
    assert!(
        question.as_str().unwrap().contains("to 3/3 (100%)"),
        "{question}"
    );
    assert_eq!(
        weights(&ns.get("virtualservice", "web"), 0),
        [("web".into(), 50), ("web-canary".into(), 50)],
        "nothing moves before the confirmation"
    );
    browser.click("#confirm-yes");
    wait_until("the weights of step 3", Duration::from_secs(60), || {
        weights(&ns.get("virtualservice", "web"), 0)
            == [("web".to_string(), 0), ("web-canary".to_string(), 100)]
    });
    browser.wait_for(
        "web at step 3 with the message",
        "document.querySelector('#step').textContent === '3/3' && document.querySelector('#message').textContent.includes('step web: done')",
        Duration::from_secs(30),
    );
}

#[test]
fn the_page_of_a_read_only_dashboard_has_no_buttons() {
    let ns = istio_app("dash-page-ro", 2);
    start_web(&ns, "50,100");
    let dashboard = Dashboard::start(&ns, &["--read-only"]);
    let mut browser = Browser::start(1024, 700);
    browser.navigate(&format!("{}#/rollout/-/{}/web", dashboard.url, ns.name));
    browser.wait_for(
        "web's page",
        "document.querySelector('#step') !== null && document.querySelector('#step').textContent === '1/2'",
        Duration::from_secs(20),
    );
    assert_eq!(
        browser.eval("document.querySelectorAll('button[data-action]').length"),
        0
    );
    let scope = browser.eval("document.querySelector('#scope').textContent");
    assert!(scope.as_str().unwrap().ends_with("(read-only)"), "{scope}");
}

#[test]
fn all_clusters_shows_each_registered_clusters_rollouts_and_acts_on_the_one_named() {
    let ns = istio_app("dash-clusters", 2);
    start_web(&ns, "50,100");
    let registry = std::env::temp_dir().join(format!("ramp-dash-clusters-{}.yaml", ns.name));
    let with_registry = |c: &mut std::process::Command| {
        c.env("RAMP_CLUSTERS", &registry);
    };
    // The one local plane, registered twice: the second time through a
    // copy of its kubeconfig, which ramp cannot tell from another cluster
    // (the same kubeconfig's context twice is refused).
    let copy = std::env::temp_dir().join(format!("ramp-dashboard-kubeconfig-{}", ns.name));
    std::fs::copy(support::kubeconfig(), &copy).unwrap();
    for (name, kubeconfig) in [("eu-1", None), ("us-1", Some(&copy))] {
        let mut args = vec![
            "cluster",
            "setup",
            "--context",
            "ramp-testenv",
            "--name",
            name,
        ];
        if let Some(path) = kubeconfig {
            args.extend(["--kubeconfig", path.to_str().unwrap()]);
        }
        support::ramp_with(&args, with_registry).success();
    }
    let dashboard = Dashboard::start_with(
        &["dashboard", "--port", "0", "--all-clusters", "-n", &ns.name],
        with_registry,
    );
    wait_until("both clusters' rollouts", Duration::from_secs(20), || {
        dashboard.get("/api/rollouts").json()["rollouts"]
            .as_array()
            .is_some_and(|r| r.len() == 2)
    });
    let list = dashboard.get("/api/rollouts").json();
    let clusters: Vec<&str> = list["rollouts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["cluster"].as_str().unwrap())
        .collect();
    assert_eq!(clusters, ["eu-1", "us-1"], "{list}");
    assert_eq!(
        dashboard.get("/api/config").json()["clusters"],
        serde_json::json!(["eu-1", "us-1"])
    );

    let elsewhere = dashboard.post(&format!("/api/rollouts/ap-1/{}/web/step", ns.name));
    assert_eq!(elsewhere.status, 404, "{elsewhere:?}");
    let stepped = dashboard
        .post(&format!("/api/rollouts/eu-1/{}/web/step", ns.name))
        .json();
    assert_eq!(stepped["ok"], true, "{stepped}");
    assert_eq!(
        weights(&ns.get("virtualservice", "web"), 0),
        [("web".into(), 0), ("web-canary".into(), 100)]
    );
    let detail = dashboard
        .get(&format!("/api/rollouts/us-1/{}/web", ns.name))
        .json();
    assert_eq!(detail["cluster"], "us-1");
    let _ = std::fs::remove_file(&registry);
}

#[test]
fn a_contender_in_another_namespace_is_watched_there_and_is_no_drift() {
    let ns = istio_app("dash-home", 2);
    let away = Namespace::new("dash-away");
    let dashboard = Dashboard::start(&ns, &[]);
    // Started after the dashboard: the watch of the other namespace
    // begins when a record names it.
    ns.ramp(&[
        "start",
        "web",
        "--image",
        "example.com/web:2",
        "--steps",
        "30,100",
        "--canary-namespace",
        &away.name,
    ])
    .success();
    let mut events = dashboard.events(&format!("rollout=-/{}/web", ns.name));
    let seen = events.until(|e| e["capacity"]["contender"]["ready"] == 1);
    assert_eq!(seen["drift"], serde_json::json!([]), "{seen}");
    assert_eq!(seen["contender"], "web-canary");
    assert_eq!(seen["traffic"]["contender"], 30.0, "{seen}");
    let list = dashboard.get("/api/rollouts").json();
    assert_eq!(list["rollouts"][0]["drift"], 0, "{list}");
}

#[test]
fn its_first_answer_holds_what_was_there_even_from_a_slow_api_server() {
    // The URL is printed once every watch has listed what it covers: a
    // page opened at once shows the rollouts, not an empty list that
    // fills in later. A slow API server makes the wait long enough for
    // the difference to show on every run.
    let ns = istio_app("dash-slow", 2);
    let away = Namespace::new("dash-slow-away");
    ns.ramp(&[
        "start",
        "web",
        "--image",
        "example.com/web:2",
        "--steps",
        "30,100",
        "--canary-namespace",
        &away.name,
    ])
    .success();
    let faulty = Faulty::start();
    faulty.slow(Duration::from_millis(400));
    let kubeconfig = faulty.kubeconfig();
    let dashboard =
        Dashboard::start_with(&["dashboard", "--port", "0", "-n", &ns.name], |command| {
            command.env("KUBECONFIG", &kubeconfig);
        });
    // The slow answers happened: the watches' lists (and the discovery
    // before them) came through the proxy, each chunk held back.
    assert!(
        faulty.held_back() >= 6,
        "the proxy held back {} chunks",
        faulty.held_back()
    );
    let list = dashboard.get("/api/rollouts").json();
    assert_eq!(list["rollouts"].as_array().unwrap().len(), 1, "{list}");
    assert_eq!(list["rollouts"][0]["deployment"], "web", "{list}");
    assert_eq!(list["rollouts"][0]["traffic"]["contender"], 30.0, "{list}");
    // The contender's namespace is watched and listed too: its pods are
    // counted, and its absence is not taken for drift.
    assert_eq!(list["rollouts"][0]["drift"], 0, "{list}");
    let detail = dashboard
        .get(&format!("/api/rollouts/-/{}/web", ns.name))
        .json();
    assert_eq!(detail["drift"], serde_json::json!([]), "{detail}");
    assert_eq!(detail["capacity"]["contender"]["desired"], 1, "{detail}");
}

#[test]
fn open_hands_the_url_with_its_token_to_the_systems_opener() {
    let ns = Namespace::new("dash-open");
    let bin = std::env::temp_dir().join(format!("ramp-dash-open-{}", ns.name));
    std::fs::create_dir_all(&bin).unwrap();
    let opened = bin.join("opened");
    let opener = bin.join("xdg-open");
    std::fs::write(
        &opener,
        // Written aside, then moved: the test never reads it half written.
        format!(
            "#!/bin/sh\necho \"$@\" > {0}.part && mv {0}.part {0}\n",
            opened.display()
        ),
    )
    .unwrap();
    std::process::Command::new("chmod")
        .args(["+x", opener.to_str().unwrap()])
        .status()
        .unwrap();
    let path = format!("{}:{}", bin.display(), std::env::var("PATH").unwrap());
    let dashboard = Dashboard::start_with(
        &["dashboard", "--port", "0", "--open", "-n", &ns.name],
        |c| {
            c.env("PATH", &path);
        },
    );
    wait_until("the opener ran", Duration::from_secs(10), || {
        opened.exists()
    });
    assert_eq!(
        std::fs::read_to_string(&opened).unwrap().trim(),
        dashboard.url
    );
    let _ = std::fs::remove_dir_all(&bin);
}

#[test]
fn a_freeze_holds_the_dashboards_step_and_promote_but_not_its_abort() {
    let ns = istio_app("dash-frozen", 2);
    start_web(&ns, "50,100");
    ns.ramp(&["freeze", "--reason", "black friday"]).success();
    let dashboard = Dashboard::start(&ns, &[]);
    let path = format!("/api/rollouts/-/{}/web", ns.name);
    let before = ns.get("virtualservice", "web")["spec"].clone();
    for verb in ["step", "promote"] {
        let answer = dashboard.post(&format!("{path}/{verb}"));
        assert_ne!(answer.status, 200, "{verb}: {answer:?}");
        let answer = answer.json();
        assert_eq!(answer["exit_code"], 2, "{verb}: {answer}");
        assert!(
            answer["message"].as_str().unwrap().contains("black friday"),
            "{verb}: {answer}"
        );
    }
    assert_eq!(ns.get("virtualservice", "web")["spec"], before);
    assert_eq!(ns.record("web").unwrap()["phase"], "Paused");
    let aborted = dashboard.post(&format!("{path}/abort")).json();
    assert_eq!(aborted["ok"], true, "{aborted}");
    assert_eq!(
        weights(&ns.get("virtualservice", "web"), 0),
        [("web".into(), 0)]
    );
}

#[test]
fn an_action_outlives_its_page_and_a_second_one_waits_its_turn() {
    use std::io::Write;
    let ns = istio_app("dash-outlive", 2);
    // The last step holds the incumbent for 8 s before the promotion: the
    // step from the page takes that long.
    ns.ramp(&[
        "start",
        "web",
        "--image",
        "example.com/web:2",
        "--steps",
        "50,100",
        "--scale-down-delay",
        "8s",
    ])
    .success();
    let dashboard = Dashboard::start(&ns, &[]);
    let path = format!("/api/rollouts/-/{}/web", ns.name);
    let target = dashboard.with_token(&format!("{path}/step"));
    let mut page = std::net::TcpStream::connect(&dashboard.host).unwrap();
    write!(
        page,
        "POST {target} HTTP/1.1\r\nHost: {host}\r\nOrigin: http://{host}\r\nContent-Length: 0\r\n\r\n",
        host = dashboard.host
    )
    .unwrap();
    wait_until("the step to begin", Duration::from_secs(30), || {
        ns.record("web").unwrap()["target"] == 2
    });
    // A second click, from another tab, while the first works.
    let second = dashboard.post(&format!("{path}/step"));
    assert_eq!(second.status, 409, "{second:?}");
    let second = second.json();
    assert_eq!(second["exit_code"], 5, "{second}");
    assert!(
        second["message"]
            .as_str()
            .unwrap()
            .contains("a step or promotion of web from this dashboard is under way"),
        "{second}"
    );
    // The first page goes away while its step waits out the delay: the
    // step is still under way then (not promoted yet).
    assert_ne!(ns.record("web").unwrap()["phase"], "Succeeded");
    drop(page);
    wait_until(
        "the step, its delay and its promotion to end",
        Duration::from_secs(60),
        || ns.record("web").unwrap()["phase"] == "Succeeded",
    );
    assert_eq!(ns.names("deployments"), ["web"]);
    wait_until("the Lease to be let go", Duration::from_secs(10), || {
        ns.names("leases").is_empty()
    });
}

/// A dashboard acts only within the scope it serves: a rollout of another
/// namespace, or names that would change the API path, are refused before
/// anything is read or changed.
#[test]
fn actions_outside_the_dashboards_scope_are_refused() {
    let served = istio_app("dash-scope-a", 2);
    let other = istio_app("dash-scope-b", 2);
    start_web(&other, "10,50,100");
    let dashboard = Dashboard::start(&served, &[]);
    let versions = other.versions();
    let refused = dashboard.post(&format!("/api/rollouts/-/{}/web/abort", other.name));
    assert_eq!(refused.status, 404, "{}", refused.body);
    assert!(refused.body.contains("no rollout of"), "{}", refused.body);
    for path in [
        format!(
            "/api/rollouts/-/{}%2Fconfigmaps%2Fx%3Fy%3D/web/abort",
            served.name
        ),
        format!("/api/rollouts/-/{}/web%3Fx%3D1/abort", served.name),
    ] {
        let refused = dashboard.post(&path);
        assert_eq!(refused.status, 400, "{path}: {}", refused.body);
    }
    assert_eq!(
        other.versions(),
        versions,
        "nothing changed in the other namespace"
    );
    assert_eq!(other.record("web").unwrap()["phase"], "Paused");
}

#[test]
fn idle_connections_past_the_file_limit_do_not_stop_the_dashboard() {
    let ns = istio_app("dashboard-idle", 1);
    let dashboard = Dashboard::start(&ns, &[]);
    // Few file descriptors: what 1,100 idle connections of a busy or hostile
    // network come to with the common limit of 1,024.
    let limited = std::process::Command::new("prlimit")
        .args(["--pid", &dashboard.pid().to_string(), "--nofile=128:128"])
        .status()
        .unwrap();
    assert!(limited.success());
    let idle: Vec<std::net::TcpStream> = (0..300)
        .filter_map(|_| std::net::TcpStream::connect(&dashboard.host).ok())
        .collect();
    std::thread::sleep(Duration::from_secs(2));
    assert!(
        dashboard.running(),
        "the dashboard stopped: {}",
        dashboard.stderr.lock().unwrap()
    );
    // An idle connection is closed by the server after its timeout.
    let mut first = idle.into_iter().next().unwrap();
    first
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    let mut buf = [0u8; 1];
    use std::io::Read;
    assert_eq!(first.read(&mut buf).unwrap_or(0), 0, "closed by the server");
    // Once they are gone, the page answers.
    wait_until("the page answers", Duration::from_secs(30), || {
        dashboard.get("/api/rollouts").status == 200
    });
}
