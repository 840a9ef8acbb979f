//! The latest state of one object, kept by a watch on the API server (one
//! LIST and one long WATCH), so that a command waits for pods, deletions
//! and other commands' writes without asking again and again.

use std::fmt::Debug;
use std::time::Duration;

use futures::StreamExt;
use kube::Api;
use kube::runtime::watcher::{self, Event, ListSemantic};
use serde::de::DeserializeOwned;
use tokio::sync::watch;
use tokio::task::JoinHandle;
use tokio::time::Instant;

/// What the watch has seen so far.
#[derive(Debug, Clone)]
pub enum Seen<K> {
    /// Its first list has not come back yet.
    Nothing,
    /// The object as it is now; `None` when it does not exist.
    Now(Option<K>),
    /// The watch could not start: the first list failed.
    Failed(String),
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
        // The latest state, read from etcd rather than the API server's
        // cache, so that it is never older than what this process wrote.
        let config = watcher::Config::default()
            .fields(&format!("metadata.name={name}"))
            .list_semantic(ListSemantic::MostRecent);
        let task = tokio::spawn(async move {
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
                        tx.send_replace(Seen::Failed(e.to_string()));
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
        });
        Watched { rx, task }
    }

    /// The object as last seen, once the watch has seen it.
    pub async fn current(&mut self) -> Result<Option<K>, String> {
        loop {
            match &*self.rx.borrow_and_update() {
                Seen::Nothing => {}
                Seen::Now(object) => return Ok(object.clone()),
                Seen::Failed(e) => return Err(e.clone()),
            }
            if self.rx.changed().await.is_err() {
                return Err("the watch ended".into());
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
    ) -> Result<Result<Waited<K>, String>, E> {
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
                        return Ok(Err("the watch ended".into()));
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
