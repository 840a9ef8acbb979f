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

/// A request as a line: its method and path, a watch by the object it
/// watches and where it begins (a streaming list, or a version).
pub fn line(sent: &Sent) -> String {
    let (path, query) = sent.uri.split_once('?').unwrap_or((&sent.uri, ""));
    let param = |key: &str| {
        query
            .split('&')
            .find_map(|p| p.strip_prefix(&format!("{key}=")))
            .unwrap_or_default()
            .replace("metadata.name%3D", "")
    };
    if param("watch") == "true" {
        let from = match param("sendInitialEvents").as_str() {
            "true" => "listing".to_string(),
            _ => format!("from {}", param("resourceVersion")),
        };
        return format!("WATCH {path} {} {from}", param("fieldSelector"));
    }
    format!("{} {path}", sent.method)
}

/// The objects of `record`'s canary of `web` in `shop` at its step: the
/// incumbent holding the record, ramp's contender and its Service, the
/// user's Service, and the VirtualService sending the step's weights.
pub fn canary_at(record: &crate::rollout::record::Record) -> Vec<(String, Value)> {
    use serde_json::json;
    let apps = "/apis/apps/v1/namespaces/shop/deployments";
    let services = "/api/v1/namespaces/shop/services";
    let ramps = json!({"app.kubernetes.io/managed-by": "kubectl-ramp"});
    let of_web = json!({"ramp.dev/incumbent": "shop/web"});
    let deployment =
        |name: &str, replicas: i64, template: &Value, labels: &Value, annotations: Value| {
            json!({
                "apiVersion": "apps/v1",
                "kind": "Deployment",
                "metadata": {"name": name, "namespace": "shop", "uid": format!("uid-{name}"),
                             "generation": 1, "labels": labels, "annotations": annotations},
                "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": "web"}},
                         "template": template},
            })
        };
    let service = |name: &str, labels: &Value, annotations: Value| {
        json!({
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": {"name": name, "namespace": "shop", "uid": format!("uid-svc-{name}"),
                         "labels": labels, "annotations": annotations},
            "spec": {"selector": {"app": "web"}, "ports": [{"port": 80}]},
        })
    };
    let step = &record.steps[record.step - 1];
    let recorded = serde_json::to_string(record).unwrap();
    let replicas = i64::from(record.replicas);
    let contender_replicas = (replicas * i64::from(step.capacity.contender) + 99) / 100;
    vec![
        (
            format!("{apps}/web"),
            deployment(
                "web",
                replicas,
                &json!({"metadata": {"labels": {"app": "web"}},
                     "spec": {"containers": [{"name": "web", "image": "example.com/web:1"}]}}),
                &json!({"app": "web"}),
                json!({crate::rollout::record::ANNOTATION: recorded}),
            ),
        ),
        (
            format!("{apps}/web-canary"),
            deployment(
                "web-canary",
                contender_replicas,
                &record.contender.template,
                &ramps,
                of_web.clone(),
            ),
        ),
        (
            format!("{services}/web"),
            service("web", &json!({"app": "web"}), json!({})),
        ),
        (
            format!("{services}/web-canary"),
            service("web-canary", &ramps, of_web),
        ),
        (
            "/apis/networking.istio.io/v1/namespaces/shop/virtualservices/web".to_string(),
            json!({
                "apiVersion": "networking.istio.io/v1",
                "kind": "VirtualService",
                "metadata": {"name": "web", "namespace": "shop"},
                "spec": {"hosts": ["web"], "http": [{"name": "primary", "route": [
                    {"destination": {"host": "web"}, "weight": step.traffic.incumbent},
                    {"destination": {"host": "web-canary"}, "weight": step.traffic.contender},
                ]}]},
            }),
        ),
    ]
}

/// A scripted cluster: the API server of a few objects, answering reads,
/// watches (of one object, by name), patches, creates and deletes as the
/// real one does, with every Deployment's status following its spec at
/// once (a controller with nothing to wait for). For tests that assert the
/// exact requests of a whole command, in order.
pub struct Cluster {
    /// By path (`/apis/apps/v1/namespaces/shop/deployments/web`).
    objects: std::collections::BTreeMap<String, Value>,
    /// The version each deleted object went at.
    deleted: std::collections::BTreeMap<String, u64>,
    version: u64,
}

impl Cluster {
    pub fn new(objects: &[(String, Value)]) -> Cluster {
        let mut cluster = Cluster {
            objects: Default::default(),
            deleted: Default::default(),
            version: 100,
        };
        for (path, object) in objects {
            cluster.put(path, object.clone());
        }
        cluster
    }

    /// Changes the object at `path` as someone else would.
    pub fn edit(&mut self, path: &str, edit: impl FnOnce(&mut Value)) {
        let mut object = self.objects[path].clone();
        edit(&mut object);
        self.put(path, object);
    }

    /// The object at `path`, as it stands.
    pub fn get(&self, path: &str) -> Option<&Value> {
        self.objects.get(path)
    }

    fn put(&mut self, path: &str, mut object: Value) {
        self.version += 1;
        object["metadata"]["resourceVersion"] = Value::String(self.version.to_string());
        if object["kind"] == "Deployment" {
            let spec_changed = self
                .objects
                .get(path)
                .is_none_or(|o| o["spec"] != object["spec"]);
            if spec_changed {
                let generation = object["metadata"]["generation"].as_i64().unwrap_or(0) + 1;
                object["metadata"]["generation"] = generation.into();
            }
            let replicas = object["spec"]["replicas"].as_i64().unwrap_or(1);
            object["status"] = serde_json::json!({
                "replicas": replicas, "readyReplicas": replicas, "availableReplicas": replicas,
                "updatedReplicas": replicas,
                "observedGeneration": object["metadata"]["generation"],
            });
        }
        self.deleted.remove(path);
        self.objects.insert(path.to_string(), object);
    }

    /// A merge or JSON patch of the object at `path`, refused when it
    /// names another version than the object's.
    fn patch(&mut self, path: &str, sent: &Sent) -> Option<(u16, Vec<u8>)> {
        let mut object = self.objects.get(path)?.clone();
        let patch = sent.body.clone()?;
        let current = object["metadata"]["resourceVersion"].clone();
        // Either kind of patch may name the version it was made
        // on: written at another, it is refused, as the server does.
        let made_on = match sent.content_type.as_deref() {
            Some("application/json-patch+json") => {
                let patch: json_patch::Patch = serde_json::from_value(patch).ok()?;
                json_patch::patch(&mut object, &patch).ok()?;
                object["metadata"]["resourceVersion"].clone()
            }
            _ => {
                json_patch::merge(&mut object, &patch);
                patch["metadata"]["resourceVersion"].clone()
            }
        };
        if !made_on.is_null() && made_on != current {
            return Some((
                409,
                json(&status(409, "Conflict", "the object has been modified")),
            ));
        }
        self.put(path, object);
        Some((200, json(&self.objects[path])))
    }

    /// Answers `sent`, or holds it open (a watch with nothing to tell).
    pub fn answer(&mut self, sent: &Sent) -> Option<(u16, Vec<u8>)> {
        let (path, query) = sent.uri.split_once('?').unwrap_or((&sent.uri, ""));
        let param = |key: &str| {
            query
                .split('&')
                .find_map(|p| p.strip_prefix(&format!("{key}=")))
                .map(|v| v.replace("metadata.name%3D", ""))
        };
        let not_found = || Some((404, json(&status(404, "NotFound", "not found"))));
        let ok = |v: &Value| Some((200, json(v)));
        if param("watch").as_deref() == Some("true") {
            let object = format!("{path}/{}", param("fieldSelector").unwrap_or_default());
            let now = self.objects.get(&object);
            if param("sendInitialEvents").as_deref() == Some("true") {
                let mut events: Vec<Value> = now
                    .iter()
                    .map(|o| serde_json::json!({"type": "ADDED", "object": o}))
                    .collect();
                events.push(serde_json::json!({"type": "BOOKMARK", "object": {
                    "kind": now.map(|o| o["kind"].clone()).unwrap_or_default(),
                    "apiVersion": now.map(|o| o["apiVersion"].clone()).unwrap_or_default(),
                    "metadata": {"resourceVersion": self.version.to_string(),
                                 "annotations": {"k8s.io/initial-events-end": "true"}}}}));
                return Some((200, lines(&events)));
            }
            let from: u64 = param("resourceVersion")?.parse().ok()?;
            return match (now, self.deleted.get(&object)) {
                (Some(o), _)
                    if o["metadata"]["resourceVersion"]
                        .as_str()?
                        .parse::<u64>()
                        .ok()?
                        > from =>
                {
                    Some((
                        200,
                        lines(&[serde_json::json!({"type": "MODIFIED", "object": o})]),
                    ))
                }
                (None, Some(&at)) if at > from => {
                    let mut gone = serde_json::json!({"metadata": {"name": param("fieldSelector"), "resourceVersion": at.to_string()}});
                    gone["kind"] = "Deployment".into();
                    Some((
                        200,
                        lines(&[serde_json::json!({"type": "DELETED", "object": gone})]),
                    ))
                }
                _ => None,
            };
        }
        match sent.method.as_str() {
            "GET" => self.objects.get(path).map_or_else(not_found, ok),
            "PATCH" => self.patch(path, sent),
            "DELETE" => self.objects.remove(path).map_or_else(not_found, |_| {
                self.version += 1;
                self.deleted.insert(path.to_string(), self.version);
                ok(&status(200, "Success", ""))
            }),
            "POST" => {
                let object = sent.body.clone()?;
                let name = object["metadata"]["name"].as_str()?.to_string();
                let path = format!("{path}/{name}");
                if self.objects.contains_key(&path) {
                    return Some((409, json(&status(409, "AlreadyExists", "already exists"))));
                }
                self.put(&path, object);
                Some((201, json(&self.objects[&path])))
            }
            _ => not_found(),
        }
    }
}
