//! A scripted API server for unit tests: a kube client whose requests a
//! test receives one by one, asserts exactly (method, path, query, content
//! type, body), and answers (tower-test, as kube-rs' own mock tests do).

use http::{Request, Response, StatusCode};
use kube::Client;
use kube::client::Body;
use serde_json::Value;
use tower_test::mock::Handle;

use crate::connect::Connection;

pub struct ApiServer(Handle<Request<Body>, Response<Body>>);

/// One request the code under test sent.
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
    (conn, ApiServer(handle))
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
        let mut lines = Vec::new();
        for event in events {
            lines.extend(serde_json::to_vec(event).unwrap());
            lines.push(b'\n');
        }
        self.answer_bytes(200, lines).await
    }

    async fn answer_bytes(&mut self, status: u16, body: Vec<u8>) -> Sent {
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
        let response = Response::builder()
            .status(StatusCode::from_u16(status).unwrap())
            .body(Body::from(body))
            .unwrap();
        send.send_response(response);
        Sent {
            method,
            uri,
            content_type,
            body: body_sent,
        }
    }
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
