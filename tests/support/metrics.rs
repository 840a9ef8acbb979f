//! A small exporter of Istio-shaped metrics whose rates each test sets,
//! and a real Prometheus scraping it every second. There is no Envoy in the
//! plane, so Istio's metrics can only be made up; the Gateway API's come
//! from real requests through the plane's gateway (see `traffic`).

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Instant;

use super::prometheus::Prometheus;

/// The traffic one workload serves.
#[derive(Debug, Clone, Copy)]
pub struct Traffic {
    pub requests_per_second: f64,
    /// Fraction of requests answered 500.
    pub errors: f64,
    pub latency_ms: f64,
}

impl Traffic {
    /// 50 requests a second, none failing, answered in 40 ms.
    pub fn healthy() -> Traffic {
        Traffic {
            requests_per_second: 50.0,
            errors: 0.0,
            latency_ms: 40.0,
        }
    }
}

#[derive(Default)]
struct Counters {
    ok: f64,
    failed: f64,
    /// Requests by the latency bucket they fall in.
    buckets: BTreeMap<usize, f64>,
}

#[derive(Default)]
struct State {
    traffic: BTreeMap<(String, String), Traffic>,
    counters: BTreeMap<(String, String), Counters>,
    last: Option<Instant>,
}

const BUCKETS: [f64; 11] = [
    5.0, 10.0, 25.0, 50.0, 100.0, 250.0, 500.0, 1000.0, 2500.0, 5000.0, 10000.0,
];

impl State {
    /// Counters only grow: each scrape adds what the rates gave since the
    /// last one.
    fn advance(&mut self) {
        let now = Instant::now();
        let elapsed = self.last.map_or(0.0, |l| (now - l).as_secs_f64());
        self.last = Some(now);
        for (key, traffic) in &self.traffic {
            let c = self.counters.entry(key.clone()).or_default();
            let requests = traffic.requests_per_second * elapsed;
            c.failed += requests * traffic.errors;
            c.ok += requests * (1.0 - traffic.errors);
            let bucket = BUCKETS
                .iter()
                .position(|b| traffic.latency_ms <= *b)
                .unwrap_or(BUCKETS.len());
            *c.buckets.entry(bucket).or_default() += requests;
        }
    }

    fn render(&self) -> String {
        let mut out = String::from("# TYPE istio_requests_total counter\n");
        let labels = |ns: &str, w: &str| {
            format!(
                r#"reporter="destination",destination_workload="{w}",destination_workload_namespace="{ns}""#
            )
        };
        for ((ns, w), c) in &self.counters {
            out.push_str(&format!(
                "istio_requests_total{{{},response_code=\"200\"}} {}\n",
                labels(ns, w),
                c.ok
            ));
            out.push_str(&format!(
                "istio_requests_total{{{},response_code=\"500\"}} {}\n",
                labels(ns, w),
                c.failed
            ));
        }
        out.push_str("# TYPE istio_request_duration_milliseconds histogram\n");
        for ((ns, w), c) in &self.counters {
            let mut cumulative = 0.0;
            for (i, le) in BUCKETS.iter().enumerate() {
                cumulative += c.buckets.get(&i).copied().unwrap_or(0.0);
                out.push_str(&format!(
                    "istio_request_duration_milliseconds_bucket{{{},le=\"{le}\"}} {cumulative}\n",
                    labels(ns, w)
                ));
            }
            cumulative += c.buckets.get(&BUCKETS.len()).copied().unwrap_or(0.0);
            out.push_str(&format!(
                "istio_request_duration_milliseconds_bucket{{{},le=\"+Inf\"}} {cumulative}\n",
                labels(ns, w)
            ));
        }
        out
    }
}

/// The exporter and the Prometheus scraping it, shared by one test binary.
pub struct Metrics {
    state: Arc<Mutex<State>>,
    pub prometheus_url: String,
    _prometheus: Prometheus,
}

impl Metrics {
    pub fn get() -> &'static Metrics {
        static METRICS: OnceLock<Metrics> = OnceLock::new();
        METRICS.get_or_init(Metrics::start)
    }

    /// A second exporter and Prometheus, apart from the first: another
    /// cluster's (or region's) metrics.
    pub fn second() -> &'static Metrics {
        static METRICS: OnceLock<Metrics> = OnceLock::new();
        METRICS.get_or_init(Metrics::start)
    }

    /// Sets the traffic a workload serves from now on.
    pub fn set(&self, namespace: &str, workload: &str, traffic: Traffic) {
        let mut state = self.state.lock().unwrap();
        state.advance();
        state
            .traffic
            .insert((namespace.to_string(), workload.to_string()), traffic);
    }

    fn start() -> Metrics {
        let state = Arc::new(Mutex::new(State::default()));
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let exporter = listener.local_addr().unwrap();
        let shared = state.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let mut reader = BufReader::new(stream.try_clone().unwrap());
                let mut line = String::new();
                while reader.read_line(&mut line).is_ok_and(|n| n > 2) {
                    line.clear();
                }
                let body = {
                    let mut state = shared.lock().unwrap();
                    state.advance();
                    state.render()
                };
                let mut stream = stream;
                let _ = write!(
                    stream,
                    "HTTP/1.1 200 OK\r\nContent-Type: text/plain; version=0.0.4\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                    body.len()
                );
            }
        });

        let prometheus = Prometheus::start("istio", &[exporter.to_string()]);
        Metrics {
            state,
            prometheus_url: prometheus.url.clone(),
            _prometheus: prometheus,
        }
    }
}
