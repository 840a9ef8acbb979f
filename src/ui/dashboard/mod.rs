//! The dashboard's web server: the page (embedded in the binary), a JSON
//! API of the views, server-sent events when they change, and the actions.
//!
//! Every request must carry the run's token (`?token=`), name this server
//! in its Host header (so a DNS name rebound to loopback gets nothing), and
//! come from this server's own origin when it says where it comes from.

pub mod view;

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures::future::BoxFuture;
use http::{Method, Request, Response, StatusCode, header};
use http_body_util::{BodyExt, Full, StreamBody, combinators::BoxBody};
use hyper::body::{Bytes, Frame, Incoming};
use hyper_util::rt::TokioIo;
use serde::Serialize;
use tokio::net::TcpListener;
use tokio::sync::watch;

use crate::engine::live::Store;

const PAGE: &str = include_str!("page.html");
const SCRIPT: &str = include_str!("app.js");
const STYLE: &str = include_str!("style.css");

/// How often an idle event stream says it is alive, so that a closed page
/// is noticed and its stream let go.
const KEEP_ALIVE: Duration = Duration::from_secs(20);

/// What a button of the page asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verb {
    Step,
    Promote,
    Abort,
    Pause,
}

impl Verb {
    fn parse(word: &str) -> Option<Verb> {
        match word {
            "step" => Some(Verb::Step),
            "promote" => Some(Verb::Promote),
            "abort" => Some(Verb::Abort),
            "pause" => Some(Verb::Pause),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Verb::Step => "step",
            Verb::Promote => "promote",
            Verb::Abort => "abort",
            Verb::Pause => "pause",
        }
    }
}

/// An action on one rollout.
#[derive(Debug, Clone)]
pub struct Action {
    pub cluster: Option<String>,
    pub namespace: String,
    pub deployment: String,
    pub verb: Verb,
}

/// How an action ended, as the command would have: its exit code and
/// what it said.
#[derive(Debug, Serialize)]
pub struct Outcome {
    pub ok: bool,
    pub exit_code: u8,
    pub message: String,
}

/// Carries out an action (the commands' own code).
pub type Act = Arc<dyn Fn(Action) -> BoxFuture<'static, Outcome> + Send + Sync>;

/// One cluster's store of rollouts.
pub struct Source {
    pub cluster: Option<String>,
    pub store: Arc<Mutex<Store>>,
}

/// Everything a request is answered from.
pub struct Board {
    pub sources: Vec<Source>,
    pub changed: watch::Receiver<u64>,
    pub token: String,
    /// None: read-only, there are no actions.
    pub act: Option<Act>,
    /// What the page says it shows, e.g. "namespace shop".
    pub scope: String,
    /// The Host headers this server answers to.
    pub hosts: Vec<String>,
    /// Any Host with the right port: the server listens on every address,
    /// and cannot know the names it is reached by.
    pub any_host_on_port: Option<u16>,
}

impl Board {
    /// The Host headers a server bound to `addr` answers to: its address,
    /// and for loopback `localhost` too.
    pub fn hosts_for(addr: SocketAddr) -> Vec<String> {
        let port = addr.port();
        let mut hosts = vec![host_of(addr)];
        if addr.ip().is_loopback() {
            hosts.push(format!("localhost:{port}"));
        }
        hosts
    }
}

/// `127.0.0.1:3100`, `[::1]:3100`: the address as a URL and Host have it.
pub fn host_of(addr: SocketAddr) -> String {
    match addr {
        SocketAddr::V4(v4) => format!("{}:{}", v4.ip(), v4.port()),
        SocketAddr::V6(v6) => format!("[{}]:{}", v6.ip(), v6.port()),
    }
}

/// A new random token, 128 bits in hex.
pub fn new_token() -> String {
    use ring::rand::SecureRandom;
    let mut bytes = [0u8; 16];
    ring::rand::SystemRandom::new()
        .fill(&mut bytes)
        .expect("the system has randomness");
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The most connections open at once: more wait in the listener's backlog
/// (no file descriptor held) until one closes.
pub const MAX_CONNECTIONS: usize = 256;

/// How long a connection may take to send a request's headers, from when
/// it opens: one that sends nothing is closed then, so idle connections do
/// not pile up (each connection serves one request).
pub const HEADER_TIMEOUT: Duration = Duration::from_secs(10);

/// Answers connections, for as long as the process runs: an accept that
/// fails (out of file descriptors) is said and tried again, never the end.
pub async fn serve(listener: TcpListener, board: Arc<Board>) -> std::io::Result<()> {
    let slots = Arc::new(tokio::sync::Semaphore::new(MAX_CONNECTIONS));
    let mut failing = false;
    loop {
        let slot = slots
            .clone()
            .acquire_owned()
            .await
            .expect("the semaphore is never closed");
        let stream = match listener.accept().await {
            Ok((stream, _)) => {
                failing = false;
                stream
            }
            Err(e) => {
                if !failing {
                    eprintln!(
                        "warning: the dashboard cannot take a connection ({e}); it tries again, and serves those it has"
                    );
                }
                failing = true;
                tokio::time::sleep(Duration::from_millis(100)).await;
                continue;
            }
        };
        let board = board.clone();
        tokio::spawn(async move {
            let service = hyper::service::service_fn(move |request| {
                let board = board.clone();
                async move { Ok::<_, Infallible>(answer(&board, request).await) }
            });
            if let Err(e) = hyper::server::conn::http1::Builder::new()
                .timer(hyper_util::rt::TokioTimer::new())
                .header_read_timeout(HEADER_TIMEOUT)
                .keep_alive(false)
                .serve_connection(TokioIo::new(stream), service)
                .await
            {
                tracing::debug!("dashboard connection ended: {e}");
            }
            drop(slot);
        });
    }
}

type Body = BoxBody<Bytes, Infallible>;

fn full(text: impl Into<Bytes>) -> Body {
    Full::new(text.into()).boxed()
}

fn respond(status: StatusCode, content_type: &str, body: Body) -> Response<Body> {
    let mut response = Response::new(body);
    *response.status_mut() = status;
    let headers = response.headers_mut();
    let set = |headers: &mut http::HeaderMap, name, value: &str| {
        headers.insert(
            name,
            http::HeaderValue::from_str(value).expect("a valid header"),
        );
    };
    set(headers, header::CONTENT_TYPE, content_type);
    set(headers, header::CACHE_CONTROL, "no-store");
    // The token is in the page's URL: it is not sent to anyone else.
    set(headers, header::REFERRER_POLICY, "no-referrer");
    set(headers, header::X_FRAME_OPTIONS, "DENY");
    set(headers, header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    set(
        headers,
        header::CONTENT_SECURITY_POLICY,
        "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
    );
    response
}

fn json(status: StatusCode, value: &impl Serialize) -> Response<Body> {
    let text = serde_json::to_string(value).expect("a view serializes");
    respond(status, "application/json", full(text))
}

fn refuse(status: StatusCode, message: &str) -> Response<Body> {
    json(status, &serde_json::json!({ "error": message }))
}

/// Whether two secrets are equal, in a time that does not tell how much of
/// them matched.
fn same_secret(given: &str, expected: &str) -> bool {
    given.len() == expected.len()
        && given
            .bytes()
            .zip(expected.bytes())
            .fold(0u8, |diff, (a, b)| diff | (a ^ b))
            == 0
}

/// The value of `name` in a query string, percent-decoded.
fn query_value(query: Option<&str>, name: &str) -> Option<String> {
    query?.split('&').find_map(|pair| {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        (key == name).then(|| decode(value))
    })
}

/// Percent-decoding of a path segment or query value.
fn decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |at: usize| {
            bytes
                .get(at)
                .and_then(|b| (*b as char).to_digit(16))
                .map(|d| d as u8)
        };
        match (bytes[i], hex(i + 1), hex(i + 2)) {
            (b'%', Some(high), Some(low)) => {
                out.push(high * 16 + low);
                i += 3;
            }
            (b'+', _, _) => {
                out.push(b' ');
                i += 1;
            }
            (byte, _, _) => {
                out.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Why a request is refused before it is looked at, if it is.
fn gate(board: &Board, request: &Request<Incoming>) -> Option<Response<Body>> {
    let headers = request.headers();
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or_default();
    let host_allowed = board.hosts.iter().any(|h| h == host)
        || board
            .any_host_on_port
            .is_some_and(|port| host.rsplit_once(':').map(|(_, p)| p) == Some(&port.to_string()));
    if !host_allowed {
        return Some(refuse(
            StatusCode::FORBIDDEN,
            "this dashboard answers only to its own address",
        ));
    }
    if let Some(origin) = headers.get(header::ORIGIN)
        && origin.to_str().ok() != Some(&format!("http://{host}"))
    {
        return Some(refuse(
            StatusCode::FORBIDDEN,
            "requests from other origins are refused",
        ));
    }
    let token = query_value(request.uri().query(), "token").unwrap_or_default();
    if !same_secret(&token, &board.token) {
        return Some(refuse(
            StatusCode::UNAUTHORIZED,
            "the token is missing or wrong: open the URL kubectl ramp dashboard printed",
        ));
    }
    None
}

async fn answer(board: &Arc<Board>, request: Request<Incoming>) -> Response<Body> {
    if let Some(refused) = gate(board, &request) {
        return refused;
    }
    let path = request.uri().path().to_string();
    let segments: Vec<String> = path
        .trim_start_matches('/')
        .split('/')
        .map(decode)
        .collect();
    let segments: Vec<&str> = segments.iter().map(String::as_str).collect();
    let method = request.method().clone();
    match (&method, segments.as_slice()) {
        (&Method::GET, [""]) => respond(
            StatusCode::OK,
            "text/html; charset=utf-8",
            full(PAGE.replace("{{token}}", &board.token)),
        ),
        (&Method::GET, ["app.js"]) => respond(
            StatusCode::OK,
            "text/javascript; charset=utf-8",
            full(SCRIPT),
        ),
        (&Method::GET, ["style.css"]) => {
            respond(StatusCode::OK, "text/css; charset=utf-8", full(STYLE))
        }
        (&Method::GET, ["api", "config"]) => json(
            StatusCode::OK,
            &serde_json::json!({
                "read_only": board.act.is_none(),
                "scope": board.scope,
                "clusters": board.sources.iter().map(|s| s.cluster.clone()).collect::<Vec<_>>(),
            }),
        ),
        (&Method::GET, ["api", "rollouts"]) => json(StatusCode::OK, &list(board)),
        (&Method::GET, ["api", "rollouts", cluster, namespace, name]) => {
            match one(board, cluster, namespace, name) {
                Some(detail) => json(StatusCode::OK, &detail),
                None => refuse(
                    StatusCode::NOT_FOUND,
                    &format!("no rollout of {namespace}/{name} here"),
                ),
            }
        }
        (&Method::GET, ["api", "events"]) => {
            let rollout = query_value(request.uri().query(), "rollout");
            events(board, rollout)
        }
        (&Method::POST, ["api", "rollouts", cluster, namespace, name, verb]) => {
            act_on(board, (cluster, namespace, name), verb).await
        }
        (&Method::GET | &Method::POST, _) => refuse(StatusCode::NOT_FOUND, "no such page"),
        _ => refuse(StatusCode::METHOD_NOT_ALLOWED, "only GET and POST"),
    }
}

/// A button's action on the rollout `namespace/name` of `cluster`, once
/// the dashboard is known to act, to serve that rollout, and the names to
/// be valid.
async fn act_on(
    board: &Board,
    (cluster, namespace, name): (&str, &str, &str),
    verb: &str,
) -> Response<Body> {
    let Some(act) = &board.act else {
        return refuse(
            StatusCode::FORBIDDEN,
            "the dashboard is read-only (--read-only): it has no actions",
        );
    };
    let Some(verb) = Verb::parse(verb) else {
        return refuse(StatusCode::NOT_FOUND, &format!("no action {verb:?}"));
    };
    let Some(source) = source(board, cluster) else {
        return refuse(StatusCode::NOT_FOUND, &format!("no cluster {cluster:?}"));
    };
    // Names reach API paths: only valid ones, and only of a rollout
    // this dashboard serves (-n, -A), whatever the URL says.
    if crate::input::namespace_name(namespace).is_err() || crate::input::object_name(name).is_err()
    {
        return refuse(StatusCode::BAD_REQUEST, "not a valid namespace and name");
    }
    if one(board, cluster, namespace, name).is_none() {
        return refuse(
            StatusCode::NOT_FOUND,
            &format!("no rollout of {namespace}/{name} here"),
        );
    }
    let outcome = act(Action {
        cluster: source.cluster.clone(),
        namespace: namespace.to_string(),
        deployment: name.to_string(),
        verb,
    })
    .await;
    let status = if outcome.ok {
        StatusCode::OK
    } else {
        StatusCode::CONFLICT
    };
    json(status, &outcome)
}

/// The cluster of a URL: its name, or `-` for the one cluster.
fn source<'a>(board: &'a Board, cluster: &str) -> Option<&'a Source> {
    board
        .sources
        .iter()
        .find(|s| s.cluster.as_deref().unwrap_or("-") == cluster)
}

/// Every cluster's rollouts.
fn list(board: &Board) -> serde_json::Value {
    let mut rows = Vec::new();
    let mut problems = Vec::new();
    for source in &board.sources {
        let store = source.store.lock().expect("not poisoned");
        rows.extend(view::rows(source.cluster.as_deref(), &store));
        problems.extend(store.problems.iter().map(|p| match &source.cluster {
            Some(cluster) => format!("[{cluster}] {p}"),
            None => p.clone(),
        }));
    }
    serde_json::json!({ "rollouts": rows, "problems": problems })
}

fn one(board: &Board, cluster: &str, namespace: &str, name: &str) -> Option<view::Detail> {
    let source = source(board, cluster)?;
    let store = source.store.lock().expect("not poisoned");
    view::detail(source.cluster.as_deref(), &store, namespace, name)
}

/// `cluster/namespace/name`, or the list when none: its view as JSON.
fn current(board: &Board, rollout: Option<&str>) -> String {
    let value = match rollout {
        None => list(board),
        Some(rollout) => {
            let parts: Vec<&str> = rollout.splitn(3, '/').collect();
            match parts.as_slice() {
                [cluster, namespace, name] => match one(board, cluster, namespace, name) {
                    Some(detail) => serde_json::to_value(detail).expect("a view serializes"),
                    None => serde_json::json!({ "missing": true }),
                },
                _ => serde_json::json!({ "missing": true }),
            }
        }
    };
    value.to_string()
}

/// Server-sent events: the view now, then again each time the watches
/// change it.
fn events(board: &Arc<Board>, rollout: Option<String>) -> Response<Body> {
    let snapshot = board.clone();
    let mut changed = board.changed.clone();
    changed.mark_changed();
    let state = (snapshot, changed, String::new(), rollout);
    let stream = futures::stream::unfold(state, |(board, mut changed, last, rollout)| async move {
        loop {
            tokio::select! {
                result = changed.changed() => {
                    if result.is_err() {
                        return None;
                    }
                }
                () = tokio::time::sleep(KEEP_ALIVE) => {
                    let frame = Frame::data(Bytes::from_static(b": alive\n\n"));
                    return Some((Ok::<_, Infallible>(frame), (board, changed, last, rollout)));
                }
            }
            let now = current(&board, rollout.as_deref());
            if now != last {
                let frame = Frame::data(Bytes::from(format!("data: {now}\n\n")));
                return Some((Ok(frame), (board, changed, now, rollout)));
            }
        }
    });
    respond(
        StatusCode::OK,
        "text/event-stream",
        BodyExt::boxed(StreamBody::new(stream)),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_compare_whole() {
        assert!(same_secret("abc", "abc"));
        assert!(!same_secret("abd", "abc"));
        assert!(!same_secret("ab", "abc"));
        assert!(!same_secret("", "abc"));
    }

    #[test]
    fn query_values_are_decoded() {
        assert_eq!(
            query_value(Some("token=a1&rollout=-%2Fshop%2Fweb"), "rollout").as_deref(),
            Some("-/shop/web")
        );
        assert_eq!(query_value(Some("token=a1"), "rollout"), None);
        assert_eq!(query_value(None, "token"), None);
    }

    #[test]
    fn loopback_also_answers_to_localhost() {
        let hosts = Board::hosts_for("127.0.0.1:3100".parse().unwrap());
        assert_eq!(hosts, ["127.0.0.1:3100", "localhost:3100"]);
        let hosts = Board::hosts_for("[::1]:3100".parse().unwrap());
        assert_eq!(hosts, ["[::1]:3100", "localhost:3100"]);
        let hosts = Board::hosts_for("10.0.0.5:3100".parse().unwrap());
        assert_eq!(hosts, ["10.0.0.5:3100"]);
    }

    #[test]
    fn tokens_are_random_and_long() {
        let (a, b) = (new_token(), new_token());
        assert_eq!(a.len(), 32);
        assert_ne!(a, b);
    }
}
