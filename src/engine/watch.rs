//! The latest state of one object, kept by a watch on the API server (one
//! WATCH whose first events are the object as it is now, a streaming list;
//! one LIST and one WATCH where the server has no streaming lists; or the
//! WATCH alone from an object just read), so that a command waits for pods,
//! deletions and other commands' writes without asking again and again.

use std::fmt::Debug;
use std::time::Duration;

use futures::StreamExt;
use kube::Api;
use kube::api::{WatchEvent, WatchParams};
use kube::runtime::watcher::{self, Event, ListSemantic};
use serde::de::DeserializeOwned;
use tokio::sync::watch;
use tokio::task::JoinHandle;
use tokio::time::Instant;

use crate::connect::Connection;
use k8s_openapi::api::apps::v1::Deployment;

/// What the watch has seen so far.
#[derive(Debug, Clone)]
pub enum Seen<K> {
    /// Its first list has not come back yet.
    Nothing,
    /// The object as it is now; `None` when it does not exist.
    Now(Option<K>),
    /// The watch could not start: the first list failed.
    Failed(Failure),
}

/// Why a watch could not go on.
#[derive(Debug, Clone)]
pub struct Failure {
    pub message: String,
    /// The API server could not be reached (see `error::unreachable`).
    pub unreachable: bool,
}

impl Failure {
    fn of(err: &watcher::Error) -> Failure {
        let unreachable = match err {
            watcher::Error::InitialListFailed(e)
            | watcher::Error::WatchStartFailed(e)
            | watcher::Error::WatchFailed(e) => crate::error::unreachable(e),
            _ => false,
        };
        Failure {
            message: err.to_string(),
            unreachable,
        }
    }

    fn ended() -> Failure {
        Failure {
            message: "the watch ended".into(),
            unreachable: false,
        }
    }

    /// The error a command reports, `what` naming the watch.
    pub fn error(&self, what: &str) -> crate::error::Error {
        let kind = match self.unreachable {
            true => crate::error::Kind::Unreachable,
            false => crate::error::Kind::Failed,
        };
        crate::error::Error::new(kind, format!("cannot watch {what}: {}", self.message))
    }
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

/// A watch of one object by name, running until dropped.
pub struct Watched<K> {
    rx: watch::Receiver<Seen<K>>,
    task: JoinHandle<()>,
}

impl<K> Drop for Watched<K> {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Keeps `watched`, a watch of the Deployment `name` in `namespace`, on the
/// connection: this process's next look at it goes on with it. A watch
/// that failed is not kept.
pub fn keep(conn: &Connection, namespace: &str, name: &str, watched: Watched<Deployment>) {
    if matches!(*watched.rx.borrow(), Seen::Failed(_)) {
        return;
    }
    if let Ok(mut kept) = conn.kept.lock() {
        kept.insert(key(namespace, name), Box::new(watched));
    }
}

/// The watch of the Deployment `name` in `namespace` kept on the
/// connection, taken from it.
pub fn kept(conn: &Connection, namespace: &str, name: &str) -> Option<Watched<Deployment>> {
    let taken = conn.kept.lock().ok()?.remove(&key(namespace, name))?;
    taken.downcast::<Watched<Deployment>>().ok().map(|w| *w)
}

fn key(namespace: &str, name: &str) -> String {
    format!("watch deployment {namespace}/{name}")
}

/// How a wait ended.
pub enum Waited<K> {
    /// The condition holds for this state of the object.
    Reached(Option<K>),
    /// The deadline passed; the object as last seen.
    TimedOut(Option<K>),
}

impl<K> Watched<K>
where
    K: kube::Resource + Clone + DeserializeOwned + Debug + Send + Sync + 'static,
{
    /// Starts watching the object `name` that `api` reaches.
    pub fn start(api: Api<K>, name: &str) -> Watched<K> {
        let (tx, rx) = watch::channel(Seen::Nothing);
        let name = name.to_string();
        let task = tokio::spawn(async move { listed(api, &name, tx).await });
        Watched { rx, task }
    }

    /// Starts watching the object `name` from `object`, just read: the
    /// watch begins at its resourceVersion, with no list. When the server
    /// no longer has that version, it lists and goes on as `start`.
    pub fn start_from(api: Api<K>, name: &str, object: K) -> Watched<K> {
        let version = object.meta().resource_version.clone();
        let (tx, rx) = watch::channel(Seen::Now(Some(object)));
        let name = name.to_string();
        let task = tokio::spawn(async move {
            if let Some(version) = version {
                from_version(&api, &name, version, &tx).await;
            }
            listed(api, &name, tx).await
        });
        Watched { rx, task }
    }

    /// The object as last seen, once the watch has seen it.
    pub async fn current(&mut self) -> Result<Option<K>, Failure> {
        loop {
            match &*self.rx.borrow_and_update() {
                Seen::Nothing => {}
                Seen::Now(object) => return Ok(object.clone()),
                Seen::Failed(e) => return Err(e.clone()),
            }
            if self.rx.changed().await.is_err() {
                return Err(Failure::ended());
            }
        }
    }

    /// Waits until `done` holds for the object, or the deadline. `each`
    /// sees every state on the way, with the latest state of `other` (a
    /// watch of another object whose changes matter too); an error from it
    /// ends the wait.
    pub async fn until<E>(
        &mut self,
        deadline: Instant,
        done: impl Fn(Option<&K>) -> bool,
        mut each: impl FnMut(Option<&K>, &Seen<K>) -> Result<(), E>,
        mut other: Option<watch::Receiver<Seen<K>>>,
    ) -> Result<Result<Waited<K>, Failure>, E> {
        loop {
            let now = match self.current().await {
                Ok(now) => now,
                Err(e) => return Ok(Err(e)),
            };
            let beside = match other.as_mut() {
                Some(rx) => rx.borrow_and_update().clone(),
                None => Seen::Nothing,
            };
            each(now.as_ref(), &beside)?;
            if done(now.as_ref()) {
                return Ok(Ok(Waited::Reached(now)));
            }
            let other_changed = async {
                match other.as_mut() {
                    Some(rx) => {
                        if rx.changed().await.is_err() {
                            std::future::pending::<()>().await;
                        }
                    }
                    None => std::future::pending::<()>().await,
                }
            };
            tokio::select! {
                changed = self.rx.changed() => {
                    if changed.is_err() {
                        return Ok(Err(Failure::ended()));
                    }
                }
                () = other_changed => {}
                () = tokio::time::sleep_until(deadline) => return Ok(Ok(Waited::TimedOut(now))),
            }
        }
    }

    /// Waits, for at most `limit`, until the watch has seen the object at
    /// `version` or later (a write of this process), so that the next look
    /// does not find it as it was before the write.
    pub async fn caught_up(&mut self, version: &str, limit: Duration) {
        // resourceVersions are etcd revisions; one that is not a number
        // cannot be ordered, and the look simply goes on.
        let Ok(wanted) = version.parse::<u64>() else {
            return;
        };
        let deadline = Instant::now() + limit;
        loop {
            let seen = match &*self.rx.borrow_and_update() {
                Seen::Now(Some(object)) => object
                    .meta()
                    .resource_version
                    .as_deref()
                    .and_then(|v| v.parse::<u64>().ok()),
                Seen::Failed(_) => return,
                // Not there yet (a create this process just made).
                Seen::Now(None) | Seen::Nothing => None,
            };
            if seen.is_some_and(|seen| seen >= wanted) {
                return;
            }
            tokio::select! {
                changed = self.rx.changed() => {
                    if changed.is_err() {
                        return;
                    }
                }
                () = tokio::time::sleep_until(deadline) => return,
            }
        }
    }

    /// A receiver of this watch's states, for a wait on another object
    /// that must also notice changes to this one.
    pub fn subscribe(&self) -> watch::Receiver<Seen<K>> {
        self.rx.clone()
    }
}

/// How long a streaming list may go without an event before it is taken
/// for a server that ignores `sendInitialEvents` (older than 1.27: it
/// sends the object if there is one, and no bookmark when there is none).
const INITIAL_EVENTS_LIMIT: Duration = Duration::from_secs(5);

/// How a streaming list ended.
enum Streamed {
    /// The server refused it or does not stream: list instead.
    Refused,
    /// The server could not be reached.
    Failed(Failure),
    /// It streamed the object and then ended: watch on from this version.
    From(String),
}

/// Follows the object, for as long as the receiver is there: by a
/// streaming list, then watches from the last version seen; by the
/// watcher's list and watch where the server does not stream.
async fn listed<K>(api: Api<K>, name: &str, tx: watch::Sender<Seen<K>>)
where
    K: kube::Resource + Clone + DeserializeOwned + Debug + Send + Sync + 'static,
{
    match streamed(&api, name, &tx).await {
        Streamed::Refused => {}
        Streamed::Failed(failure) => {
            tx.send_replace(Seen::Failed(failure));
            return;
        }
        Streamed::From(version) => from_version(&api, name, version, &tx).await,
    }
    list_and_watch(api, name, tx).await;
}

/// A streaming list (`sendInitialEvents`): one WATCH whose first events
/// are the object as a consistent read finds it, then a bookmark that
/// marks their end; the same WATCH goes on with its changes.
async fn streamed<K>(api: &Api<K>, name: &str, tx: &watch::Sender<Seen<K>>) -> Streamed
where
    K: kube::Resource + Clone + DeserializeOwned + Debug + Send + Sync + 'static,
{
    let mut stream = match open_stream(api, name).await {
        Ok(stream) => stream,
        Err(streamed) => return streamed,
    };
    let mut version: Option<String> = None;
    let mut initial = true;
    let mut seen = false;
    loop {
        let next = match initial {
            true => match tokio::time::timeout(INITIAL_EVENTS_LIMIT, stream.next()).await {
                Ok(next) => next,
                // The object came and no bookmark: one object is all a
                // watch by name has to send.
                Err(_) if seen => {
                    initial = false;
                    continue;
                }
                Err(_) => {
                    tracing::debug!("no initial events within {INITIAL_EVENTS_LIMIT:?}, listing");
                    return Streamed::Refused;
                }
            },
            false => stream.next().await,
        };
        match next {
            Some(Ok(WatchEvent::Added(object) | WatchEvent::Modified(object))) => {
                version.clone_from(&object.meta().resource_version);
                seen = true;
                tx.send_replace(Seen::Now(Some(object)));
            }
            Some(Ok(WatchEvent::Deleted(object))) => {
                version.clone_from(&object.meta().resource_version);
                tx.send_replace(Seen::Now(None));
            }
            Some(Ok(WatchEvent::Bookmark(bookmark))) => {
                let end = bookmark
                    .metadata
                    .annotations
                    .contains_key("k8s.io/initial-events-end");
                version = Some(bookmark.metadata.resource_version);
                if initial && end {
                    initial = false;
                    if !seen {
                        tx.send_replace(Seen::Now(None));
                    }
                }
            }
            Some(Ok(WatchEvent::Error(status))) => {
                tracing::debug!("streaming list ended: {status:?}");
                break;
            }
            Some(Err(e)) => {
                tracing::debug!("streaming list interrupted: {e}");
                break;
            }
            None => break,
        }
    }
    match (initial, version) {
        (false, Some(version)) => Streamed::From(version),
        _ => Streamed::Refused,
    }
}

/// A watch of the object `name` that begins with its current state (a
/// streaming list); how it was refused or failed when it could not start.
async fn open_stream<K>(
    api: &Api<K>,
    name: &str,
) -> std::result::Result<futures::stream::BoxStream<'static, kube::Result<WatchEvent<K>>>, Streamed>
where
    K: kube::Resource + Clone + DeserializeOwned + Debug + Send + Sync + 'static,
{
    let params = WatchParams {
        field_selector: Some(format!("metadata.name={name}")),
        timeout: Some(290),
        bookmarks: true,
        send_initial_events: true,
        ..WatchParams::default()
    };
    // No resourceVersion: the initial events are as fresh as a read from
    // etcd, never older than what this process wrote.
    match api.watch(&params, "").await {
        Ok(stream) => Ok(stream.boxed()),
        Err(kube::Error::Api(status)) => {
            tracing::debug!("streaming list refused, listing: {}", status.message);
            Err(Streamed::Refused)
        }
        Err(e) => Err(Streamed::Failed(Failure {
            message: crate::error::root_cause(&e),
            unreachable: crate::error::unreachable(&e),
        })),
    }
}

/// Follows the object with the watcher (a list, then a watch).
async fn list_and_watch<K>(api: Api<K>, name: &str, tx: watch::Sender<Seen<K>>)
where
    K: kube::Resource + Clone + DeserializeOwned + Debug + Send + Sync + 'static,
{
    // The latest state, read from etcd rather than the API server's
    // cache, so that it is never older than what this process wrote.
    let config = watcher::Config::default()
        .fields(&format!("metadata.name={name}"))
        .list_semantic(ListSemantic::MostRecent);
    let mut events = watcher::watcher(api, config).boxed();
    let mut seen = false;
    let mut started = false;
    while let Some(event) = events.next().await {
        match event {
            Ok(Event::Init) => seen = false,
            Ok(Event::InitApply(object)) => {
                seen = true;
                tx.send_replace(Seen::Now(Some(object)));
            }
            Ok(Event::InitDone) => {
                if !seen {
                    tx.send_replace(Seen::Now(None));
                }
                started = true;
            }
            Ok(Event::Apply(object)) => {
                tx.send_replace(Seen::Now(Some(object)));
            }
            Ok(Event::Delete(_)) => {
                tx.send_replace(Seen::Now(None));
            }
            Err(e) if !started => {
                tx.send_replace(Seen::Failed(Failure::of(&e)));
                return;
            }
            // The watcher lists again and goes on; a pause keeps a
            // server that refuses from being asked in a loop.
            Err(e) => {
                tracing::debug!("watch interrupted, it resumes: {e}");
                tokio::time::sleep(Duration::from_millis(500)).await;
            }
        }
    }
}

/// Follows the object by watching from `version` on, again from the last
/// version seen each time the server ends the watch. Returns when the
/// server no longer has the version (410 Gone) or refuses the watch: the
/// caller lists instead.
async fn from_version<K>(api: &Api<K>, name: &str, mut version: String, tx: &watch::Sender<Seen<K>>)
where
    K: kube::Resource + Clone + DeserializeOwned + Debug + Send + Sync + 'static,
{
    let params = WatchParams::default()
        .fields(&format!("metadata.name={name}"))
        .timeout(290);
    loop {
        let mut stream = match api.watch(&params, &version).await {
            Ok(stream) => stream.boxed(),
            Err(e) => {
                tracing::debug!("watch from version {version} refused, listing: {e}");
                return;
            }
        };
        while let Some(event) = stream.next().await {
            match event {
                Ok(WatchEvent::Added(object) | WatchEvent::Modified(object)) => {
                    if let Some(now) = &object.meta().resource_version {
                        version.clone_from(now);
                    }
                    tx.send_replace(Seen::Now(Some(object)));
                }
                Ok(WatchEvent::Deleted(object)) => {
                    if let Some(now) = &object.meta().resource_version {
                        version.clone_from(now);
                    }
                    tx.send_replace(Seen::Now(None));
                }
                Ok(WatchEvent::Bookmark(bookmark)) => {
                    version = bookmark.metadata.resource_version;
                }
                Ok(WatchEvent::Error(status)) => {
                    tracing::debug!("watch from version {version} ended, listing: {status:?}");
                    return;
                }
                Err(e) => {
                    tracing::debug!("watch interrupted, listing: {e}");
                    return;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mock;
    use k8s_openapi::api::apps::v1::Deployment;
    use serde_json::json;

    fn deployment(version: &str) -> Deployment {
        serde_json::from_value(json!({
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": {"name": "web", "namespace": "shop", "resourceVersion": version},
        }))
        .unwrap()
    }

    fn end_of_initial_events(version: &str) -> serde_json::Value {
        json!({"type": "BOOKMARK", "object": {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": {
                "resourceVersion": version,
                "annotations": {"k8s.io/initial-events-end": "true"},
            },
        }})
    }

    #[tokio::test]
    async fn a_watch_begins_with_a_streaming_list_one_request_for_the_object_and_its_changes() {
        let (conn, mut server) = mock::connection("shop");
        let api: Api<Deployment> = Api::namespaced(conn.client.clone(), "shop");
        let mut watched = Watched::start(api, "web");
        let first = server
            .answer_events(&[
                json!({"type": "ADDED", "object": deployment("41")}),
                end_of_initial_events("43"),
                json!({"type": "MODIFIED", "object": deployment("44")}),
            ])
            .await;
        assert_eq!(first.method, "GET");
        for part in [
            "watch=true",
            "sendInitialEvents=true",
            "resourceVersionMatch=NotOlderThan",
            "allowWatchBookmarks=true",
            "fieldSelector=metadata.name%3Dweb",
        ] {
            assert!(first.uri.contains(part), "{part} in {}", first.uri);
        }
        // No version: the first events are a consistent read.
        assert!(first.uri.ends_with("resourceVersion="), "{}", first.uri);
        watched.caught_up("44", Duration::from_secs(5)).await;
        let now = watched.current().await.unwrap().unwrap();
        assert_eq!(now.metadata.resource_version.as_deref(), Some("44"));
        // The server ended that watch: the next goes on from 44, no list.
        let second = server.answer_events(&[]).await;
        assert!(
            second.uri.contains("watch=true")
                && second.uri.contains("resourceVersion=44")
                && !second.uri.contains("sendInitialEvents"),
            "{}",
            second.uri
        );
    }

    #[tokio::test]
    async fn a_streaming_list_of_an_object_that_is_not_there_ends_with_its_bookmark() {
        let (conn, mut server) = mock::connection("shop");
        let api: Api<Deployment> = Api::namespaced(conn.client.clone(), "shop");
        let mut watched = Watched::start(api, "web");
        let seen = async {
            let _ = server.answer_events(&[end_of_initial_events("43")]).await;
            server
        };
        let (now, _server) = tokio::join!(watched.current(), seen);
        assert!(now.unwrap().is_none(), "not there");
    }

    #[tokio::test]
    async fn a_server_that_refuses_streaming_lists_is_listed_and_watched() {
        let (conn, mut server) = mock::connection("shop");
        let api: Api<Deployment> = Api::namespaced(conn.client.clone(), "shop");
        let mut watched = Watched::start(api, "web");
        let refused = mock::status(
            422,
            "Invalid",
            "sendInitialEvents is forbidden for watch unless the WatchList feature gate is enabled",
        );
        let first = server.answer(422, refused).await;
        assert!(
            first.uri.contains("sendInitialEvents=true"),
            "{}",
            first.uri
        );
        let list = server
            .answer(200, json!({"kind": "DeploymentList", "apiVersion": "apps/v1", "metadata": {"resourceVersion": "50"}, "items": [deployment("45")]}))
            .await;
        assert!(!list.uri.contains("watch=true"), "a list: {}", list.uri);
        let now = watched.current().await.unwrap().unwrap();
        assert_eq!(now.metadata.resource_version.as_deref(), Some("45"));
    }

    #[tokio::test]
    async fn a_watch_from_an_object_just_read_starts_at_its_version_without_a_list() {
        let (conn, mut server) = mock::connection("shop");
        let api: Api<Deployment> = Api::namespaced(conn.client.clone(), "shop");
        let mut watched = Watched::start_from(api, "web", deployment("41"));
        let now = watched.current().await.unwrap().unwrap();
        assert_eq!(now.metadata.resource_version.as_deref(), Some("41"));

        let modified = json!({"type": "MODIFIED", "object": deployment("42")});
        let first = server.answer(200, modified).await;
        assert_eq!(first.method, "GET");
        assert!(
            first.uri.contains("watch=true") && first.uri.contains("resourceVersion=41"),
            "a watch from version 41, not a list: {}",
            first.uri
        );
        assert!(
            first.uri.contains("fieldSelector=metadata.name%3Dweb"),
            "{}",
            first.uri
        );
        watched.caught_up("42", Duration::from_secs(5)).await;
        let now = watched.current().await.unwrap().unwrap();
        assert_eq!(now.metadata.resource_version.as_deref(), Some("42"));

        // The server ended that watch: the next goes on from 42.
        let gone = json!({"type": "ERROR", "object": mock::status(410, "Expired", "too old resource version: 42")});
        let second = server.answer(200, gone).await;
        assert!(second.uri.contains("resourceVersion=42"), "{}", second.uri);
        // The version expired: it reads the object anew, streamed.
        let list = server.answer_events(&[end_of_initial_events("50")]).await;
        assert!(
            list.uri.contains("sendInitialEvents=true") && list.uri.ends_with("resourceVersion="),
            "a streaming list: {}",
            list.uri
        );
    }
}
