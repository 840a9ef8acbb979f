//! examples/grafana-dashboard.json: each panel's query, with the
//! dashboard's variables filled in, asked of a real Prometheus scraping
//! Istio-shaped metrics, gives one series for the incumbent and one for
//! the contender, with the values the traffic was set to.

mod support;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use serde_json::Value;
use support::metrics::{Metrics, Traffic};

fn dashboard() -> Value {
    let path = support::repo_root().join("examples/grafana-dashboard.json");
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// An instant query; the value of each series by destination_workload.
fn query(prometheus: &str, expr: &str) -> Vec<(String, f64)> {
    let host = prometheus
        .trim_start_matches("http://")
        .trim_end_matches('/');
    let mut stream = TcpStream::connect(host).unwrap();
    write!(
        stream,
        "GET /api/v1/query?query={} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n",
        encode(expr)
    )
    .unwrap();
    let mut raw = String::new();
    stream.read_to_string(&mut raw).unwrap();
    let body = raw.split_once("\r\n\r\n").unwrap().1;
    let answer: Value = serde_json::from_str(body.trim()).unwrap_or_else(|e| panic!("{e}: {raw}"));
    assert_eq!(answer["status"], "success", "{expr}: {answer}");
    let mut series: Vec<(String, f64)> = answer["data"]["result"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["metric"]["destination_workload"]
                    .as_str()
                    .unwrap()
                    .to_string(),
                s["value"][1].as_str().unwrap().parse().unwrap(),
            )
        })
        .collect();
    series.sort_by(|a, b| a.0.cmp(&b.0));
    series
}

#[test]
fn each_panel_shows_the_incumbent_beside_the_contender() {
    let metrics = Metrics::get();
    let namespace = format!("grafana-{}", std::process::id());
    let traffic = |errors: f64, latency_ms: f64| Traffic {
        requests_per_second: 40.0,
        errors,
        latency_ms,
    };
    metrics.set(&namespace, "web", traffic(0.01, 40.0));
    metrics.set(&namespace, "web-canary", traffic(0.2, 300.0));
    // Another Deployment of the namespace is not shown.
    metrics.set(&namespace, "api", traffic(0.5, 900.0));

    let dashboard = dashboard();
    let panels = dashboard["panels"].as_array().unwrap();
    let titles: Vec<&str> = panels
        .iter()
        .map(|p| p["title"].as_str().unwrap())
        .collect();
    assert_eq!(
        titles,
        ["Request success rate", "p99 latency", "Requests per second"]
    );
    let variables: Vec<&str> = dashboard["templating"]["list"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["name"].as_str().unwrap())
        .collect();
    assert_eq!(variables, ["datasource", "namespace", "deployment"]);
    let expr = |title: &str| {
        let panel = panels.iter().find(|p| p["title"] == title).unwrap();
        panel["targets"][0]["expr"]
            .as_str()
            .unwrap()
            .replace("$namespace", &namespace)
            .replace("$deployment", "web")
            .replace("$__rate_interval", "5s")
    };

    // Prometheus scrapes every second; a rate needs a window of scrapes
    // behind it (the series are new).
    let mut values = Vec::new();
    support::wait_until(
        "both versions' series, 5s of them",
        Duration::from_secs(30),
        || {
            values = ["Request success rate", "p99 latency", "Requests per second"]
                .map(|t| query(&metrics.prometheus_url, &expr(t)))
                .to_vec();
            values.iter().all(|v| v.len() == 2) && (values[2][0].1 - 40.0).abs() < 4.0
        },
    );
    let names: Vec<&str> = values[0].iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["web", "web-canary"]);
    let [success, latency, rate] = [&values[0], &values[1], &values[2]];
    assert!((success[0].1 - 99.0).abs() < 0.5, "{success:?}");
    assert!((success[1].1 - 80.0).abs() < 0.5, "{success:?}");
    // Histogram buckets: 40 ms falls in (25, 50], 300 ms in (250, 500].
    assert!(latency[0].1 > 25.0 && latency[0].1 <= 50.0, "{latency:?}");
    assert!(latency[1].1 > 250.0 && latency[1].1 <= 500.0, "{latency:?}");
    assert!((rate[1].1 - 40.0).abs() < 4.0, "{rate:?}");

    // The thresholds drawn are those of examples/analysis/istio.yaml.
    let threshold = |title: &str| {
        let panel = panels.iter().find(|p| p["title"] == title).unwrap();
        panel["fieldConfig"]["defaults"]["thresholds"]["steps"][1]["value"].clone()
    };
    assert_eq!(threshold("Request success rate"), 99.0);
    assert_eq!(threshold("p99 latency"), 500.0);
    let analysis =
        std::fs::read_to_string(support::repo_root().join("examples/analysis/istio.yaml")).unwrap();
    assert!(analysis.contains("  min: 99\n") && analysis.contains("  max: 500\n"));
}
