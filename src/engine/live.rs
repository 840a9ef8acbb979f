//! The rollouts of a namespace (or of all of them) kept up to date by
//! watches: one watch of Deployments and one of each routing kind the
//! cluster serves (VirtualServices, HTTPRoutes), never a poll. What the
//! dashboard shows is computed from this store.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Debug;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures::StreamExt;
use k8s_openapi::api::apps::v1::Deployment;
use kube::Api;
use kube::api::DynamicObject;
use kube::runtime::watcher::{self, Event};
use serde::de::DeserializeOwned;
use tokio::sync::watch;

use crate::connect::Connection;
use crate::error::Result;
use crate::rollout::contender::MANAGED_BY;
use crate::rollout::record::{ANNOTATION, Record};
use crate::router::routers;

/// A namespace and a name.
pub type Key = (String, String);

/// What the watches hold: only what a rollout's view needs.
#[derive(Default)]
pub struct Store {
    /// Deployments with a record (incumbents) and ramp's contenders.
    pub deployments: BTreeMap<Key, Deployment>,
    /// Routing objects by kind (`VirtualService`, `HTTPRoute`).
    pub routes: BTreeMap<&'static str, BTreeMap<Key, DynamicObject>>,
    /// Why a watch is interrupted, while one is (it resumes by itself).
    pub problems: Vec<String>,
    /// The watches started for the namespace (or all of them), by name.
    watches: BTreeSet<String>,
    /// The watches that have listed what they cover at least once.
    listed: BTreeSet<String>,
}

impl Store {
    /// The namespaces other than `home` that hold contenders of the
    /// records in `home` (`--canary-namespace`).
    fn contender_namespaces(&self, home: &str) -> BTreeSet<String> {
        self.deployments
            .iter()
            .filter(|((ns, _), _)| ns == home)
            .filter_map(|((_, name), d)| {
                Record::from_annotations(name, d.metadata.annotations.as_ref())
                    .ok()
                    .flatten()
            })
            .map(|record| record.contender.namespace)
            .filter(|ns| ns != home)
            .collect()
    }

    /// The watches that have neither listed what they cover nor said why
    /// they cannot: the watches started, and one per namespace holding a
    /// contender of a record of `home`. Until this is empty, what the
    /// store holds is not yet what the cluster holds.
    pub fn unsettled(&self, home: Option<&str>) -> Vec<String> {
        let contenders = match home {
            Some(home) => self.contender_namespaces(home),
            None => BTreeSet::new(),
        };
        self.watches
            .iter()
            .cloned()
            .chain(contenders.iter().map(|ns| contender_watch(ns)))
            .filter(|what| !self.listed.contains(what))
            .filter(|what| {
                !self
                    .problems
                    .iter()
                    .any(|p| p.starts_with(&format!("{what}: ")))
            })
            .collect()
    }
}

/// The name of the watch of ramp's Deployments in namespace `ns`.
fn contender_watch(ns: &str) -> String {
    format!("the watch of deployments in namespace {ns}")
}

/// The watches of one cluster and what they hold.
pub struct Live {
    /// The registered cluster's name, when the dashboard shows several.
    pub cluster: Option<String>,
    /// The connection, its namespace the one watched (or the context's).
    pub conn: Connection,
    pub store: Arc<Mutex<Store>>,
    /// The namespace watched, `None` for all of them.
    home: Option<String>,
    changed: watch::Sender<u64>,
    tasks: Vec<tokio::task::JoinHandle<()>>,
}

impl Drop for Live {
    fn drop(&mut self) {
        for task in &self.tasks {
            task.abort();
        }
    }
}

/// Where to watch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    Namespace(String),
    All,
}

impl Live {
    /// Starts the watches; every change to the store bumps `changed`.
    pub async fn start(
        cluster: Option<String>,
        conn: Connection,
        scope: &Scope,
        changed: watch::Sender<u64>,
    ) -> Result<Live> {
        let store = Arc::new(Mutex::new(Store::default()));
        let mut tasks = Vec::new();
        let deployments: Api<Deployment> = match scope {
            Scope::Namespace(ns) => Api::namespaced(conn.client.clone(), ns),
            Scope::All => Api::all(conn.client.clone()),
        };
        let home = match scope {
            Scope::Namespace(ns) => Some(ns.clone()),
            Scope::All => None,
        };
        let what = "the watch of deployments".to_string();
        store
            .lock()
            .expect("not poisoned")
            .watches
            .insert(what.clone());
        tasks.push(tokio::spawn(follow(
            deployments,
            what,
            home.clone(),
            store.clone(),
            changed.clone(),
            |store: &mut Store| &mut store.deployments,
            worth_keeping,
        )));
        if let Some(home) = home.clone() {
            tasks.push(tokio::spawn(follow_contenders(
                conn.client.clone(),
                home,
                store.clone(),
                changed.clone(),
            )));
        }
        for (kind, flavor) in routers()
            .into_iter()
            .filter_map(|r| Some((r.kind(), r.flavor()?)))
        {
            let Some(version) = flavor.served(&conn).await? else {
                continue;
            };
            let resource = flavor.resource(&version);
            let api: Api<DynamicObject> = match scope {
                Scope::Namespace(ns) => Api::namespaced_with(conn.client.clone(), ns, &resource),
                Scope::All => Api::all_with(conn.client.clone(), &resource),
            };
            let of_kind = flavor.kind;
            let what = format!("the watch of {}", resource.plural);
            {
                let mut store = store.lock().expect("not poisoned");
                store.routes.insert(of_kind, BTreeMap::new());
                store.watches.insert(what.clone());
            }
            tracing::debug!("watching {} for the {kind:?} router", resource.plural);
            tasks.push(tokio::spawn(follow(
                api,
                what,
                home.clone(),
                store.clone(),
                changed.clone(),
                move |store: &mut Store| store.routes.entry(of_kind).or_default(),
                |_| true,
            )));
        }
        Ok(Live {
            cluster,
            conn,
            store,
            home,
            changed,
            tasks,
        })
    }

    /// Waits, at most `limit`, until every watch has listed what it
    /// covers (or said why it cannot); returns the ones still listing.
    pub async fn settle(&self, limit: Duration) -> Vec<String> {
        let mut changes = self.changed.subscribe();
        let waiting = async {
            loop {
                let unsettled = self
                    .store
                    .lock()
                    .expect("not poisoned")
                    .unsettled(self.home.as_deref());
                if unsettled.is_empty() || changes.changed().await.is_err() {
                    return unsettled;
                }
            }
        };
        match tokio::time::timeout(limit, waiting).await {
            Ok(unsettled) => unsettled,
            Err(_) => self
                .store
                .lock()
                .expect("not poisoned")
                .unsettled(self.home.as_deref()),
        }
    }
}

/// A Deployment the views need: one with a record, or ramp's contender.
/// The others of the namespace are not kept.
fn worth_keeping(deployment: &Deployment) -> bool {
    let meta = &deployment.metadata;
    meta.annotations
        .as_ref()
        .is_some_and(|a| a.contains_key(ANNOTATION))
        || meta
            .labels
            .as_ref()
            .is_some_and(|l| l.get(MANAGED_BY.0).map(String::as_str) == Some(MANAGED_BY.1))
}

/// A Deployment ramp made: a contender.
fn ramps(deployment: &Deployment) -> bool {
    deployment
        .metadata
        .labels
        .as_ref()
        .is_some_and(|l| l.get(MANAGED_BY.0).map(String::as_str) == Some(MANAGED_BY.1))
}

/// Tasks aborted when dropped, with the task that holds them.
struct Tasks(BTreeMap<String, tokio::task::JoinHandle<()>>);

impl Drop for Tasks {
    fn drop(&mut self) {
        for task in self.0.values() {
            task.abort();
        }
    }
}

/// Contenders run in another namespace than their incumbent's
/// (`--canary-namespace`): while a record names one, ramp's Deployments
/// there are watched too, one watch per such namespace.
async fn follow_contenders(
    client: kube::Client,
    home: String,
    store: Arc<Mutex<Store>>,
    changed: watch::Sender<u64>,
) {
    let mut changes = changed.subscribe();
    let mut watching = Tasks(BTreeMap::new());
    loop {
        let wanted = store
            .lock()
            .expect("not poisoned")
            .contender_namespaces(&home);
        for ns in &wanted {
            if watching.0.contains_key(ns) {
                continue;
            }
            tracing::debug!("watching ramp's deployments in namespace {ns}");
            let task = tokio::spawn(follow(
                Api::<Deployment>::namespaced(client.clone(), ns),
                contender_watch(ns),
                Some(ns.clone()),
                store.clone(),
                changed.clone(),
                |store: &mut Store| &mut store.deployments,
                ramps,
            ));
            watching.0.insert(ns.clone(), task);
        }
        let unwanted: Vec<String> = watching
            .0
            .keys()
            .filter(|ns| !wanted.contains(*ns))
            .cloned()
            .collect();
        for ns in unwanted {
            if let Some(task) = watching.0.remove(&ns) {
                task.abort();
            }
            let mut store = store.lock().expect("not poisoned");
            store.deployments.retain(|(of, _), _| *of != ns);
            store.listed.remove(&contender_watch(&ns));
        }
        if changes.changed().await.is_err() {
            return;
        }
    }
}

fn key_of<K: kube::Resource>(object: &K) -> Key {
    (
        object.meta().namespace.clone().unwrap_or_default(),
        object.meta().name.clone().unwrap_or_default(),
    )
}

/// Applies a watcher's events to one map of the store: a list, then a
/// watch, again after the watch breaks (the watcher resumes by itself).
async fn follow<K>(
    api: Api<K>,
    what: String,
    // The namespace the watch covers; `None`: all of them.
    namespace: Option<String>,
    store: Arc<Mutex<Store>>,
    changed: watch::Sender<u64>,
    map: impl Fn(&mut Store) -> &mut BTreeMap<Key, K> + Send + 'static,
    keep: fn(&K) -> bool,
) where
    K: kube::Resource + Clone + DeserializeOwned + Debug + Send + Sync + 'static,
{
    let mut events = watcher::watcher(api, watcher::Config::default()).boxed();
    let mut listing: Option<BTreeMap<Key, K>> = None;
    let bump = || changed.send_modify(|v| *v += 1);
    while let Some(event) = events.next().await {
        match event {
            Ok(Event::Init) => listing = Some(BTreeMap::new()),
            Ok(Event::InitApply(object)) => {
                if keep(&object) {
                    listing
                        .get_or_insert_default()
                        .insert(key_of(&object), object);
                }
            }
            Ok(Event::InitDone) => {
                let fresh = listing.take().unwrap_or_default();
                {
                    let mut store = store.lock().expect("not poisoned");
                    // Only what this watch covers: another may fill the
                    // same map from another namespace.
                    let into = map(&mut store);
                    into.retain(|(ns, _), _| namespace.as_ref().is_some_and(|n| n != ns));
                    into.extend(fresh);
                    store
                        .problems
                        .retain(|p| !p.starts_with(&format!("{what}: ")));
                    store.listed.insert(what.clone());
                }
                bump();
            }
            Ok(Event::Apply(object)) => {
                let key = key_of(&object);
                {
                    let mut store = store.lock().expect("not poisoned");
                    let into = map(&mut store);
                    if keep(&object) {
                        into.insert(key, object);
                    } else if into.remove(&key).is_none() {
                        continue;
                    }
                }
                bump();
            }
            Ok(Event::Delete(object)) => {
                let removed = map(&mut store.lock().expect("not poisoned"))
                    .remove(&key_of(&object))
                    .is_some();
                if removed {
                    bump();
                }
            }
            Err(e) => {
                tracing::debug!("watch interrupted, it resumes: {e}");
                if noted(&store, &what, &e) {
                    bump();
                }
                // A server that refuses is not asked again in a loop.
                tokio::time::sleep(Duration::from_millis(500)).await;
            }
        }
    }
}

/// Notes the watch `what`'s failure `e` in the store, in place of its
/// last one: whether that changed what the store says.
fn noted(store: &Mutex<Store>, what: &str, e: &dyn std::fmt::Display) -> bool {
    let problem = format!("{what}: {e}");
    let mut store = store.lock().expect("not poisoned");
    if store.problems.contains(&problem) {
        return false;
    }
    store
        .problems
        .retain(|p| !p.starts_with(&format!("{what}: ")));
    store.problems.push(problem);
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rollout::record::tests::sample;

    /// A Deployment `name` of `ns`, with a record whose contender runs in
    /// `contender_ns` when there is one.
    fn deployment(ns: &str, name: &str, contender_ns: Option<&str>) -> (Key, Deployment) {
        let mut deployment = Deployment::default();
        deployment.metadata.name = Some(name.into());
        deployment.metadata.namespace = Some(ns.into());
        if let Some(contender_ns) = contender_ns {
            let mut record = sample();
            record.contender.namespace = contender_ns.into();
            deployment.metadata.annotations = Some(BTreeMap::from([(
                ANNOTATION.to_string(),
                serde_json::to_string(&record).unwrap(),
            )]));
        }
        ((ns.into(), name.into()), deployment)
    }

    fn store(
        watches: &[&str],
        listed: &[&str],
        problems: &[&str],
        deployments: Vec<(Key, Deployment)>,
    ) -> Store {
        Store {
            deployments: deployments.into_iter().collect(),
            routes: BTreeMap::new(),
            problems: problems.iter().map(|p| p.to_string()).collect(),
            watches: watches.iter().map(|w| w.to_string()).collect(),
            listed: listed.iter().map(|w| w.to_string()).collect(),
        }
    }

    #[test]
    fn a_store_is_settled_when_each_watch_has_listed_or_said_why_not() {
        let deployments = "the watch of deployments";
        let routes = "the watch of virtualservices";
        let away = "the watch of deployments in namespace away";
        let cases: Vec<(&str, Store, Option<&str>, Vec<&str>)> = vec![
            (
                "nothing listed yet",
                store(&[deployments, routes], &[], &[], vec![]),
                Some("shop"),
                vec![deployments, routes],
            ),
            (
                "one listed",
                store(&[deployments, routes], &[deployments], &[], vec![]),
                Some("shop"),
                vec![routes],
            ),
            (
                "all listed",
                store(&[deployments, routes], &[deployments, routes], &[], vec![]),
                Some("shop"),
                vec![],
            ),
            (
                "a watch refused is settled: the page says why",
                store(
                    &[deployments, routes],
                    &[deployments],
                    &["the watch of virtualservices: 403 forbidden"],
                    vec![],
                ),
                Some("shop"),
                vec![],
            ),
            (
                "another watch's problem does not settle this one",
                store(
                    &[deployments],
                    &[],
                    &["the watch of deployments in namespace away: 403"],
                    vec![],
                ),
                Some("shop"),
                vec![deployments],
            ),
            (
                "a contender in another namespace waits for that namespace's list",
                store(
                    &[deployments],
                    &[deployments],
                    &[],
                    vec![deployment("shop", "web", Some("away"))],
                ),
                Some("shop"),
                vec![away],
            ),
            (
                "and is settled once it is listed",
                store(
                    &[deployments],
                    &[deployments, away],
                    &[],
                    vec![deployment("shop", "web", Some("away"))],
                ),
                Some("shop"),
                vec![],
            ),
            (
                "a contender beside its incumbent needs no other watch",
                store(
                    &[deployments],
                    &[deployments],
                    &[],
                    vec![
                        deployment("shop", "web", Some("shop")),
                        deployment("shop", "api", None),
                    ],
                ),
                Some("shop"),
                vec![],
            ),
            (
                "every namespace is watched at once with -A",
                store(
                    &[deployments],
                    &[deployments],
                    &[],
                    vec![deployment("shop", "web", Some("away"))],
                ),
                None,
                vec![],
            ),
        ];
        for (case, store, home, want) in cases {
            assert_eq!(store.unsettled(home), want, "{case}");
        }
    }
}
