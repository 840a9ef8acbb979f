//! Real requests through the plane's gateway: a load generator sending a
//! steady rate of requests for as long as it runs, recording every answer
//! (when it was sent, its status, which pod and image answered) and every
//! failure to get one; and what the clients saw, asked of that record.
//!
//! The gateway is Traefik, the plane's Gateway API implementation (see
//! tests/cluster/up): one Gateway, `ramp-gateway/gateway`, that HTTPRoutes
//! of every namespace attach to, telling themselves apart by hostname. The
//! pods answer through the plane's podserver, which names the pod and the
//! image in each answer (headers `X-Pod` and `X-Image`).

use std::net::{SocketAddr, TcpListener};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use http_body_util::{BodyExt, Empty};
use hyper::body::Bytes;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;

use super::kubectl;
use super::prometheus::Prometheus;

/// The address of the plane's gateway: its Gateway's listener port, on
/// the namespace's loopback.
pub fn gateway() -> SocketAddr {
    static ADDRESS: OnceLock<SocketAddr> = OnceLock::new();
    *ADDRESS.get_or_init(|| {
        let port = kubectl(&[
            "get",
            "gateway",
            "gateway",
            "-n",
            "ramp-gateway",
            "-o",
            "jsonpath={.spec.listeners[0].port}",
        ])
        .success()
        .stdout;
        SocketAddr::from(([127, 0, 0, 1], port.trim().parse::<u16>().unwrap()))
    })
}

/// The address the gateway answers its metrics and ping on: the port after
/// its entry point's (tests/cluster/env.sh).
pub fn gateway_metrics() -> SocketAddr {
    let web = gateway();
    SocketAddr::new(web.ip(), web.port() + 1)
}

/// A Prometheus scraping the gateway every second, shared by one test
/// binary.
pub fn prometheus() -> &'static Prometheus {
    static PROMETHEUS: OnceLock<Prometheus> = OnceLock::new();
    PROMETHEUS.get_or_init(|| Prometheus::start("gateway", &[gateway_metrics().to_string()]))
}

/// Fails unless this process runs where the pod addresses are local (the
/// plane's network namespace): a client anywhere else would send requests
/// for pods out of the machine by its default route.
pub fn inside_plane() -> Result<(), String> {
    // Plane 1's pod range (tests/cluster/env.sh): an address of it can be
    // bound only where the range is routed to the loopback.
    match TcpListener::bind("10.31.255.254:0") {
        Ok(_) => Ok(()),
        Err(e) => Err(format!(
            "the pod range 10.16.0.0/12 is not local here ({e}): requests for pods would leave \
             the machine; the load generator runs only inside the plane's network namespace \
             (cargo runs the tests there through tests/cluster/in-plane)"
        )),
    }
}

/// What one request got.
#[derive(Debug, Clone)]
pub struct Response {
    /// When it was sent.
    pub sent: Instant,
    /// How long the answer took.
    pub took: Duration,
    pub outcome: Outcome,
}

#[derive(Debug, Clone)]
pub enum Outcome {
    /// An HTTP answer: from a pod when `pod` is set, from the gateway
    /// itself otherwise (a 502 or 503 when it had no pod to send to).
    Answered {
        status: u16,
        pod: Option<String>,
        image: Option<String>,
    },
    /// No answer: the connection was refused or reset, or it timed out.
    Error(String),
}

impl Response {
    /// No answer, or a 5xx: what a user sees as a failed request.
    pub fn failed(&self) -> bool {
        match &self.outcome {
            Outcome::Answered { status, .. } => *status >= 500,
            Outcome::Error(_) => true,
        }
    }

    pub fn image(&self) -> Option<&str> {
        match &self.outcome {
            Outcome::Answered { image, .. } => image.as_deref(),
            Outcome::Error(_) => None,
        }
    }

    pub fn pod(&self) -> Option<&str> {
        match &self.outcome {
            Outcome::Answered { pod, .. } => pod.as_deref(),
            Outcome::Error(_) => None,
        }
    }
}

/// A load generator: `rate` requests a second to `host` through the
/// gateway, sent on a fixed schedule whatever the answers take (an open
/// loop, so a slow or failing version cannot slow the load down).
pub struct Load {
    stop: Arc<AtomicBool>,
    responses: Arc<Mutex<Vec<Response>>>,
    thread: Option<JoinHandle<()>>,
    pub started: Instant,
}

impl Load {
    pub fn start(host: &str, rate: u32) -> Load {
        Load::with_headers(host, rate, &[])
    }

    /// As `start`, each request carrying `headers`.
    pub fn with_headers(host: &str, rate: u32, headers: &[(&str, &str)]) -> Load {
        if let Err(e) = inside_plane() {
            panic!("{e}");
        }
        let stop = Arc::new(AtomicBool::new(false));
        let responses = Arc::new(Mutex::new(Vec::new()));
        let host = host.to_string();
        let headers: Vec<(String, String)> = headers
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let address = gateway();
        let thread = {
            let stop = stop.clone();
            let responses = responses.clone();
            std::thread::spawn(move || {
                let runtime = tokio::runtime::Builder::new_multi_thread()
                    .worker_threads(2)
                    .enable_all()
                    .build()
                    .unwrap();
                runtime.block_on(send(address, host, headers, rate, stop, responses));
            })
        };
        Load {
            stop,
            responses,
            thread: Some(thread),
            started: Instant::now(),
        }
    }

    /// Everything answered so far.
    pub fn responses(&self) -> Responses {
        Responses(self.responses.lock().unwrap().clone())
    }

    /// Stops sending, waits for the requests under way, and returns all.
    pub fn stop(mut self) -> Responses {
        self.finish();
        self.responses()
    }

    fn finish(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(thread) = self.thread.take() {
            thread.join().unwrap();
        }
    }

    /// Waits until at least `n` requests have been answered since `since`.
    pub fn wait_for(&self, n: usize, since: Instant) {
        super::wait_until(
            &format!("{n} requests through the gateway"),
            Duration::from_secs(120),
            || self.responses().since(since).len() >= n,
        );
    }
}

impl Drop for Load {
    fn drop(&mut self) {
        self.finish();
    }
}

async fn send(
    address: SocketAddr,
    host: String,
    headers: Vec<(String, String)>,
    rate: u32,
    stop: Arc<AtomicBool>,
    responses: Arc<Mutex<Vec<Response>>>,
) {
    let client: Client<_, Empty<Bytes>> = Client::builder(TokioExecutor::new())
        .pool_idle_timeout(Duration::from_secs(30))
        .build_http();
    let uri: hyper::Uri = format!("http://{address}/").parse().unwrap();
    let mut ticks = tokio::time::interval(Duration::from_secs_f64(1.0 / f64::from(rate)));
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
    let mut under_way = tokio::task::JoinSet::new();
    while !stop.load(Ordering::SeqCst) {
        ticks.tick().await;
        let mut request = hyper::Request::get(uri.clone()).header("Host", &host);
        for (name, value) in &headers {
            request = request.header(name, value);
        }
        let request = request.body(Empty::new()).unwrap();
        let client = client.clone();
        let responses = responses.clone();
        under_way.spawn(async move {
            let sent = Instant::now();
            let outcome = match tokio::time::timeout(
                Duration::from_secs(10),
                client.request(request),
            )
            .await
            {
                Err(_) => Outcome::Error("no answer within 10s".into()),
                Ok(Err(e)) => Outcome::Error(format!("{e:?}")),
                Ok(Ok(answer)) => {
                    let header = |name: &str| {
                        answer
                            .headers()
                            .get(name)
                            .and_then(|v| v.to_str().ok())
                            .map(str::to_string)
                    };
                    let status = answer.status().as_u16();
                    let (pod, image) = (header("x-pod"), header("x-image"));
                    match answer.into_body().collect().await {
                        Ok(_) => Outcome::Answered { status, pod, image },
                        Err(e) => Outcome::Error(format!("the answer broke off: {e:?}")),
                    }
                }
            };
            responses.lock().unwrap().push(Response {
                sent,
                took: sent.elapsed(),
                outcome,
            });
        });
        while under_way.try_join_next().is_some() {}
    }
    while under_way.join_next().await.is_some() {}
}

/// What the clients saw.
#[derive(Debug, Clone)]
pub struct Responses(pub Vec<Response>);

impl Responses {
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// The requests sent at `from` or later.
    pub fn since(&self, from: Instant) -> Responses {
        self.between(from, Instant::now() + Duration::from_secs(3600))
    }

    /// The requests sent from `from` up to `to`.
    pub fn between(&self, from: Instant, to: Instant) -> Responses {
        Responses(
            self.0
                .iter()
                .filter(|r| r.sent >= from && r.sent < to)
                .cloned()
                .collect(),
        )
    }

    /// The failed requests: no answer, or a 5xx.
    pub fn failed(&self) -> Vec<&Response> {
        self.0.iter().filter(|r| r.failed()).collect()
    }

    /// The requests answered by a pod whose image is `image`.
    pub fn answered_by(&self, image: &str) -> usize {
        self.0.iter().filter(|r| r.image() == Some(image)).count()
    }

    /// The share of the requests answered by `image`, in percent.
    pub fn share(&self, image: &str) -> f64 {
        if self.0.is_empty() {
            return 0.0;
        }
        100.0 * self.answered_by(image) as f64 / self.0.len() as f64
    }

    /// One line: how many were sent, by whom they were answered, how many
    /// failed, and the first failures.
    pub fn summary(&self) -> String {
        let mut by_image = std::collections::BTreeMap::<String, usize>::new();
        for r in &self.0 {
            let key = r.image().unwrap_or("(no pod)").to_string();
            *by_image.entry(key).or_default() += 1;
        }
        let failed = self.failed();
        let mut out = format!(
            "{} requests, {} failed; answered by {:?}",
            self.0.len(),
            failed.len(),
            by_image
        );
        if let (Some(first), Some(last)) = (failed.first(), failed.last()) {
            let start = self.0.iter().map(|r| r.sent).min().unwrap();
            out.push_str(&format!(
                "; failures from {:.2}s to {:.2}s after the first request",
                (first.sent - start).as_secs_f64(),
                (last.sent - start).as_secs_f64()
            ));
        }
        for r in failed.iter().take(5) {
            out.push_str(&format!("\n  failed: {:?}", r.outcome));
        }
        out
    }
}

/// The host name of `web`'s HTTPRoute in namespace `ns`.
pub fn host(ns: &super::Namespace) -> String {
    format!("web.{}.test", ns.name)
}

/// An HTTPRoute `web` attached to the plane's gateway, for host `host`,
/// sending everything to Service `web`.
pub fn http_route(host: &str) -> String {
    format!(
        r#"
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata:
  name: web
spec:
  parentRefs:
  - {{name: gateway, namespace: ramp-gateway}}
  hostnames: [{host}]
  rules:
  - name: primary
    backendRefs:
    - {{name: web, port: 80}}
"#
    )
}

/// A namespace with Deployment `web` (`replicas`, image example.com/web:1)
/// and its Service behind an HTTPRoute on the plane's gateway, once the
/// gateway sends its requests to web's pods.
pub fn gateway_app(prefix: &str, replicas: u32) -> super::Namespace {
    let mut ns = super::Namespace::new(prefix);
    ns.serves_traffic = true;
    ns.apply(&super::web_app("web", replicas, "example.com/web:1"))
        .success();
    ns.apply(&http_route(&host(&ns))).success();
    ns.wait_ready("web");
    wait_served(&host(&ns), "example.com/web:1");
    ns
}

/// Waits until requests to `host` are answered by pods of `image`.
pub fn wait_served(host: &str, image: &str) {
    let load = Load::start(host, 20);
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let seen = load.responses();
        let last: Vec<&Response> = seen.0.iter().rev().take(5).collect();
        if last.len() == 5 && last.iter().all(|r| r.image() == Some(image) && !r.failed()) {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "the gateway did not send {host} to {image} within 60s: {}; the last: {last:?}",
            seen.summary()
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// Sleeps until `settle` has passed since `from`, then for `window`, and
/// returns what was answered in that window.
pub fn window_after(load: &Load, from: Instant, settle: Duration, window: Duration) -> Responses {
    let start = from + settle;
    std::thread::sleep((start + window).saturating_duration_since(Instant::now()));
    load.responses().between(start, start + window)
}

/// The percentage of the Service's ready endpoints that are contender
/// pods: the split the replicas router gives.
pub fn contender_endpoints(ns: &super::Namespace) -> f64 {
    let slices = super::kubectl(&[
        "get",
        "endpointslices",
        "-n",
        &ns.name,
        "-l",
        "kubernetes.io/service-name=web",
        "-o",
        "json",
    ])
    .success()
    .json();
    let (mut contender, mut all) = (0, 0);
    for slice in slices["items"].as_array().unwrap() {
        for endpoint in slice["endpoints"].as_array().into_iter().flatten() {
            if endpoint["conditions"]["ready"] == true {
                all += 1;
                let pod = endpoint["targetRef"]["name"].as_str().unwrap_or_default();
                if pod.starts_with("web-canary-") {
                    contender += 1;
                }
            }
        }
    }
    100.0 * f64::from(contender) / f64::from(all.max(1))
}
