//! A scripted API server for unit tests: a kube client whose requests a
//! test receives one by one, asserts exactly (method, path, query, content
//! type, body), and answers (tower-test, as kube-rs' own mock tests do).

use http::{Request, Response, StatusCode};
use kube::Client;
use kube::client::Body;
use serde_json::Value;
use tower_test::mock::Handle;

use crate::connect::Connection;

pub struct ApiServer(
    Handle<Request<Body>, Response<Body>>,
    /// Requests held open, unanswered: watches that go on.
    Vec<(Sent, tower_test::mock::SendResponse<Response<Body>>)>,
);

/// One request the code under test sent.
#[derive(Debug, Clone)]
pub struct Sent {
    pub method: String,
    /// Path and query.
    pub uri: String,
    pub content_type: Option<String>,
    pub body: Option<Value>,
}

/// A connection to a scripted API server, in namespace `namespace`.
pub fn connection(namespace: &str) -> (Connection, ApiServer) {
    let (service, handle) = tower_test::mock::pair::<Request<Body>, Response<Body>>();
    let conn = Connection {
        client: Client::new(service, namespace.to_string()),
        namespace: namespace.to_string(),
        server: "https://api.test".into(),
        root_cert: None,
        impersonating: None,
        served: Default::default(),
        kept: Default::default(),
    };
    (conn, ApiServer(handle, Vec::new()))
}

impl ApiServer {
    /// Takes the next request and answers it with `status` and `body`.
    pub async fn answer(&mut self, status: u16, body: Value) -> Sent {
        self.answer_bytes(status, serde_json::to_vec(&body).unwrap())
            .await
    }

    /// Takes the next request, a watch, and answers it with `events`, one
    /// JSON object a line, after which the server ends the watch.
    pub async fn answer_events(&mut self, events: &[Value]) -> Sent {
        self.answer_bytes(200, lines(events)).await
    }

    async fn answer_bytes(&mut self, status: u16, body: Vec<u8>) -> Sent {
        self.serve(|_| (status, body)).await
    }

    /// Takes the next request and answers it with what `answer` makes of
    /// it: a status and the bytes of the body (`json`, `events`).
    pub async fn serve(&mut self, answer: impl FnOnce(&Sent) -> (u16, Vec<u8>)) -> Sent {
        self.serve_or_hold(|sent| Some(answer(sent))).await
    }

    /// `serve`, where `None` holds the request open, unanswered, as a
    /// watch with nothing to tell is.
    pub async fn serve_or_hold(
        &mut self,
        answer: impl FnOnce(&Sent) -> Option<(u16, Vec<u8>)>,
    ) -> Sent {
        let (request, send) = self
            .0
            .next_request()
            .await
            .expect("the code under test sent another request");
        let method = request.method().to_string();
        let uri = request.uri().to_string();
        let content_type = request
            .headers()
            .get(http::header::CONTENT_TYPE)
            .map(|v| v.to_str().unwrap().to_string());
        let bytes = request.into_body().collect_bytes().await.unwrap();
        let body_sent = (!bytes.is_empty()).then(|| serde_json::from_slice(&bytes).unwrap());
        let sent = Sent {
            method,
            uri,
            content_type,
            body: body_sent,
        };
        match answer(&sent) {
            Some(answer) => respond(send, answer),
            None => self.1.push((sent.clone(), send)),
        }
        sent
    }

    /// Answers the requests held open that `answer` now has an answer for.
    pub fn answer_held(&mut self, mut answer: impl FnMut(&Sent) -> Option<(u16, Vec<u8>)>) {
        for (sent, send) in std::mem::take(&mut self.1) {
            match answer(&sent) {
                Some(answer) => respond(send, answer),
                None => self.1.push((sent, send)),
            }
        }
    }
}

fn respond(send: tower_test::mock::SendResponse<Response<Body>>, (status, body): (u16, Vec<u8>)) {
    let response = Response::builder()
        .status(StatusCode::from_u16(status).unwrap())
        .body(Body::from(body))
        .unwrap();
    send.send_response(response);
}

/// Answers every request with `answer` (`None`: held open, and asked again
/// after each request) until `work` is done: its outcome, and the requests
/// in the order they came.
pub async fn script<T>(
    mut server: ApiServer,
    work: impl std::future::Future<Output = T>,
    mut answer: impl FnMut(&Sent) -> Option<(u16, Vec<u8>)>,
) -> (T, Vec<Sent>) {
    let mut sent = Vec::new();
    // On the heap: a whole command's future is deep for a test thread.
    let mut work = Box::pin(work);
    loop {
        tokio::select! {
            outcome = &mut work => return (outcome, sent),
            request = server.serve_or_hold(&mut answer) => {
                sent.push(request);
                server.answer_held(&mut answer);
            }
        }
    }
}

/// Runs `work` to its end as the binary runs a command: on a runtime
/// whose threads have the binary's stack (a whole command's future is
/// deeper in a debug build than a test thread's stack).
pub fn run<T: Send + 'static>(work: impl std::future::Future<Output = T> + Send + 'static) -> T {
    std::thread::Builder::new()
        .stack_size(8 * 1024 * 1024)
        .spawn(move || {
            tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap()
                .block_on(work)
        })
        .unwrap()
        .join()
        .unwrap()
}

/// A JSON body.
pub fn json(value: &Value) -> Vec<u8> {
    serde_json::to_vec(value).unwrap()
}

/// Watch events as a watch's body: one JSON object a line.
pub fn lines(events: &[Value]) -> Vec<u8> {
    let mut lines = Vec::new();
    for event in events {
        lines.extend(serde_json::to_vec(event).unwrap());
        lines.push(b'\n');
    }
    lines
}

/// A Status the API server answers an error with.
pub fn status(code: u16, reason: &str, message: &str) -> Value {
    serde_json::json!({
        "kind": "Status",
        "apiVersion": "v1",
        "status": "Failure",
        "code": code,
        "reason": reason,
        "message": message,
    })
}
