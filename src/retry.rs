//! Requests that met a transient fault are sent again, with backoff and a
//! bound, so that a blip of the API server of a few seconds does not end a
//! step or a run. Only what is safe to send twice is: any request the
//! server refused before doing anything (the connection refused, 429), and
//! reads after any transient fault (a reset, 500-504). A write whose answer
//! was lost is not sent again: it may have been done, and the record's
//! compare-and-swap would then read it as someone else's change.

use std::io::IsTerminal;
use std::time::Duration;

use http::{Method, Request, Response, StatusCode};
use kube::client::Body;
use tower::BoxError;
use tower::retry::Policy;

/// How many times a request is sent again at most.
pub const ATTEMPTS: u32 = 6;

/// What became of one sending of a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// The server answered with this status.
    Status(u16),
    /// No connection: the server never saw the request.
    Refused,
    /// The connection broke (reset, closed, timed out) before the answer.
    Broken,
    /// Anything else (TLS, a bad URL): not transient.
    Other,
}

/// Whether to send a request again after `outcome`, and after how long;
/// `retries` is how many times it was sent again already.
pub fn again(method: &Method, outcome: Outcome, retries: u32) -> Option<Duration> {
    if retries >= ATTEMPTS {
        return None;
    }
    let reads = matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS);
    let transient = match outcome {
        Outcome::Refused | Outcome::Status(429) => true,
        Outcome::Broken | Outcome::Status(500 | 502 | 503 | 504) => reads,
        Outcome::Status(_) | Outcome::Other => false,
    };
    // 200 ms, 400 ms, ... at most 2 s: about 7 s in all.
    transient.then(|| Duration::from_millis((200u64 << retries).min(2_000)))
}

/// What an error of the HTTP stack means for a retry.
pub fn outcome_of(error: &BoxError) -> Outcome {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(error.as_ref());
    while let Some(e) = source {
        if let Some(io) = e.downcast_ref::<std::io::Error>() {
            use std::io::ErrorKind::*;
            return match io.kind() {
                ConnectionRefused => Outcome::Refused,
                ConnectionReset | ConnectionAborted | BrokenPipe | UnexpectedEof | TimedOut => {
                    Outcome::Broken
                }
                _ => Outcome::Other,
            };
        }
        source = e.source();
    }
    let text = error.to_string();
    if text.contains("connection closed before message completed")
        || text.contains("connection reset")
        || text.contains("operation timed out")
    {
        return Outcome::Broken;
    }
    Outcome::Other
}

/// The policy of the client's retry layer.
#[derive(Clone, Default)]
pub struct Transient {
    retries: u32,
}

impl<B> Policy<Request<Body>, Response<B>, BoxError> for Transient {
    type Future = tokio::time::Sleep;

    fn retry(
        &mut self,
        request: &mut Request<Body>,
        result: &mut Result<Response<B>, BoxError>,
    ) -> Option<Self::Future> {
        let outcome = match result {
            Ok(response) if response.status().is_success() => return None,
            Ok(response) => Outcome::Status(response.status().as_u16()),
            Err(error) => outcome_of(error),
        };
        let wait = again(request.method(), outcome, self.retries)?;
        self.retries += 1;
        let why = match outcome {
            Outcome::Status(code) => StatusCode::from_u16(code)
                .map(|s| s.to_string())
                .unwrap_or_else(|_| code.to_string()),
            Outcome::Refused => "connection refused".into(),
            _ => "connection broken".into(),
        };
        let line = format!(
            "retrying {} {} in {} ms ({why}; {} of {ATTEMPTS})",
            request.method(),
            request.uri().path(),
            wait.as_millis(),
            self.retries
        );
        if std::io::stderr().is_terminal() {
            eprintln!("{line}");
        } else {
            tracing::info!("{line}");
        }
        Some(tokio::time::sleep(wait))
    }

    fn clone_request(&mut self, request: &Request<Body>) -> Option<Request<Body>> {
        let body = request.body().try_clone()?;
        let mut copy = Request::builder()
            .method(request.method().clone())
            .uri(request.uri().clone())
            .version(request.version())
            .body(body)
            .ok()?;
        *copy.headers_mut() = request.headers().clone();
        *copy.extensions_mut() = request.extensions().clone();
        Some(copy)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_what_is_safe_to_send_twice_is_sent_again() {
        let (get, patch, post) = (Method::GET, Method::PATCH, Method::POST);
        let cases: Vec<(&Method, Outcome, bool)> = vec![
            // The server never saw it, or refused it before doing anything.
            (&get, Outcome::Refused, true),
            (&patch, Outcome::Refused, true),
            (&post, Outcome::Status(429), true),
            // It may have been done: reads only.
            (&get, Outcome::Broken, true),
            (&patch, Outcome::Broken, false),
            (&get, Outcome::Status(503), true),
            (&get, Outcome::Status(500), true),
            (&post, Outcome::Status(503), false),
            (&patch, Outcome::Status(504), false),
            // Answers, not faults.
            (&get, Outcome::Status(404), false),
            (&patch, Outcome::Status(409), false),
            (&get, Outcome::Status(403), false),
            (&get, Outcome::Other, false),
        ];
        for (method, outcome, retried) in cases {
            assert_eq!(
                again(method, outcome, 0).is_some(),
                retried,
                "{method} after {outcome:?}"
            );
        }
    }

    #[test]
    fn the_waits_grow_to_two_seconds_and_stop_after_six() {
        let waits: Vec<Option<u128>> = (0..=ATTEMPTS)
            .map(|n| again(&Method::GET, Outcome::Refused, n).map(|d| d.as_millis()))
            .collect();
        assert_eq!(
            waits,
            [
                Some(200),
                Some(400),
                Some(800),
                Some(1600),
                Some(2000),
                Some(2000),
                None
            ]
        );
    }

    #[test]
    fn io_errors_say_whether_the_server_saw_the_request() {
        let refused: BoxError =
            Box::new(std::io::Error::from(std::io::ErrorKind::ConnectionRefused));
        assert_eq!(outcome_of(&refused), Outcome::Refused);
        let reset: BoxError = Box::new(std::io::Error::from(std::io::ErrorKind::ConnectionReset));
        assert_eq!(outcome_of(&reset), Outcome::Broken);
        let other: BoxError = "certificate unknown".into();
        assert_eq!(outcome_of(&other), Outcome::Other);
    }
}
