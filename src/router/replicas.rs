//! The replicas router: no mesh. The incumbent's Service selects the pods
//! of both versions, so the traffic each gets is its share of the ready
//! pods; a step's percentage becomes the contender's replica count that
//! comes closest to it beside the incumbent's pods.
//!
//! A step that gives one version no traffic (staging, a blue-green
//! preview, the switch) narrows the Service's selector instead, as Argo
//! Rollouts and Flagger do without a mesh: to the incumbent's pods by
//! their `pod-template-hash`, or to the contender's by ramp's role label.
//! That selector is the only thing of the user's Service ramp changes:
//! its snapshot is in the record, every write of it is a compare-and-swap
//! on the Service's resourceVersion, and the end of the rollout puts it
//! back exactly.

use std::collections::BTreeMap;

use futures::future::BoxFuture;
use k8s_openapi::api::core::v1::{Pod, Service};
use k8s_openapi::api::discovery::v1::EndpointSlice;
use kube::api::{Api, DynamicObject, ListParams, Patch, PatchParams};
use kube::discovery::ApiResource;
use serde::Serialize;
use serde_json::json;

use super::{Choice, Chosen, Objects, Router, RouterKind, Routing, ServiceRef};
use crate::connect::Connection;
use crate::error::{self, Error, Kind, Result};
use crate::rollout::capacity::{Counts, counts};
use crate::rollout::contender::ROLE;
use crate::rollout::model::shown_labels as shown;
use crate::rollout::plan::{CONTENDER_ONLY, INCUMBENT_ONLY, RouteState};
use crate::rollout::record::{Header, RouterRecord, SelectorSnapshot};
use crate::rollout::strategy::{Split, Step, Strategy};

pub use crate::rollout::record::HASH_LABEL;

/// The replicas router: the planner sizes the two Deployments so that the
/// ready pods give the split, and the selector narrows to one version at
/// 0% and 100%.
pub struct Replicas;

pub static ROUTER: Replicas = Replicas;

/// Which pods the incumbent's Service selects.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Selects {
    /// As the user had it: both versions, by the ratio of ready pods.
    Both,
    Incumbent,
    Contender,
    /// Something neither the user nor ramp had: someone else changed it.
    Other,
}

impl SelectorView {
    /// Whether the Service selects the incumbent's pods, and the
    /// contender's, as it is meant to (both but when ramp narrowed it).
    pub fn selected(&self) -> (bool, bool) {
        match self.selects {
            Selects::Incumbent => (true, false),
            Selects::Contender => (false, true),
            Selects::Both | Selects::Other => (true, true),
        }
    }
}

impl Selects {
    pub fn as_str(self) -> &'static str {
        match self {
            Selects::Both => "as it was",
            Selects::Incumbent => "the incumbent's pods only",
            Selects::Contender => "the contender's pods only",
            Selects::Other => "something else (changed by someone else)",
        }
    }
}

/// The incumbent Service's selector as it is, for status.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SelectorView {
    pub service: String,
    pub selects: Selects,
    pub labels: BTreeMap<String, String>,
    /// Who changed the Service after ramp's last write of it, when its
    /// managedFields tell (see `drift::writer`).
    #[serde(skip)]
    pub changed_by: Option<String>,
    /// The ready endpoints the Service has, when they were read (status
    /// reads them; a command's own view of its writes does not).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ready_endpoints: Option<usize>,
}

/// The selector that gives `split` (see `SelectorSnapshot::selector`).
pub fn selector_for(snapshot: &SelectorSnapshot, split: Split) -> BTreeMap<String, String> {
    snapshot.selector(split)
}

/// What a selector selects, as the snapshot tells.
pub fn selects(snapshot: &SelectorSnapshot, now: &BTreeMap<String, String>) -> Selects {
    if *now == snapshot.original {
        Selects::Both
    } else if *now == selector_for(snapshot, INCUMBENT_ONLY) {
        Selects::Incumbent
    } else if *now == selector_for(snapshot, CONTENDER_ONLY) {
        Selects::Contender
    } else {
        Selects::Other
    }
}

/// The planner's view of the selector.
pub fn route_state(selects: Selects) -> RouteState {
    match selects {
        Selects::Both => RouteState::Original,
        Selects::Incumbent => RouteState::Weighted(INCUMBENT_ONLY),
        Selects::Contender => RouteState::Weighted(CONTENDER_ONLY),
        Selects::Other => RouteState::Drifted,
    }
}

/// What a switch of the selector does, as progress says it.
fn switch_message(service: &str, deployment: &str, contender: &str, split: Split) -> String {
    match split.contender {
        0 => format!(
            "traffic: all to {deployment}: service {service} selects {deployment}'s pods only"
        ),
        100 => format!(
            "traffic: all to {contender}: service {service} selects {contender}'s pods only"
        ),
        _ => format!("traffic: by ready pods: service {service} selects both versions, as it did"),
    }
}

/// The `pod-template-hash` all the incumbent's running pods carry: the
/// pods of its one ReplicaSet (`DEPLOYMENT-HASH`).
pub fn incumbent_hash(deployment: &str, service: &str, pods: &[Pod]) -> Result<String> {
    let mut hashes: Vec<String> =
        pods.iter()
            .filter(|p| p.metadata.deletion_timestamp.is_none())
            .filter_map(|p| {
                let hash = p.metadata.labels.as_ref()?.get(HASH_LABEL)?;
                let owned =
                    p.metadata.owner_references.as_ref()?.iter().any(|o| {
                        o.kind == "ReplicaSet" && o.name == format!("{deployment}-{hash}")
                    });
                owned.then(|| hash.clone())
            })
            .collect();
    hashes.sort();
    hashes.dedup();
    match hashes.as_slice() {
        [one] => Ok(one.clone()),
        [] => Err(Error::invalid(format!(
            "service {service:?} selects no running pod of deployment {deployment:?}: without a mesh ramp needs the incumbent's pods to tell them apart"
        ))
        .with_hint(format!(
            "wait until `kubectl rollout status deployment/{deployment}` says it is rolled out, then start again"
        ))),
        several => Err(Error::invalid(format!(
            "deployment {deployment:?} runs pods of {} pod templates ({})",
            several.len(),
            several.join(", ")
        ))
        .with_hint(format!(
            "wait until `kubectl rollout status deployment/{deployment}` says it is rolled out, then start again"
        ))),
    }
}

/// The workloads other than `deployment` (and its contender) whose
/// running pods are among `pods`, as `deployment "api"`, by name.
pub fn other_workloads(deployment: &str, contender: &str, pods: &[Pod]) -> Vec<String> {
    let mut others: Vec<String> = pods
        .iter()
        .filter(|p| p.metadata.deletion_timestamp.is_none())
        .filter_map(|p| {
            let hash = p.metadata.labels.as_ref().and_then(|l| l.get(HASH_LABEL));
            let owner = p
                .metadata
                .owner_references
                .as_ref()
                .and_then(|o| o.iter().find(|o| o.controller == Some(true)).or(o.first()));
            let Some(owner) = owner else {
                return Some(format!(
                    "pod {:?}",
                    p.metadata.name.clone().unwrap_or_default()
                ));
            };
            // A ReplicaSet of a Deployment is named DEPLOYMENT-HASH.
            let of_deployment = match (owner.kind.as_str(), hash) {
                ("ReplicaSet", Some(hash)) => owner.name.strip_suffix(&format!("-{hash}")),
                _ => None,
            };
            match of_deployment {
                Some(name) if name == deployment || name == contender => None,
                Some(name) => Some(format!("deployment {name:?}")),
                None => Some(format!("{} {:?}", owner.kind.to_lowercase(), owner.name)),
            }
        })
        .collect();
    others.sort();
    others.dedup();
    others
}

fn service_resource() -> ApiResource {
    ApiResource::erase::<Service>(&())
}

fn services(conn: &Connection) -> Api<DynamicObject> {
    Api::namespaced_with(conn.client.clone(), &conn.namespace, &service_resource())
}

fn selector_of(service: &DynamicObject) -> BTreeMap<String, String> {
    service
        .data
        .pointer("/spec/selector")
        .and_then(|s| serde_json::from_value(s.clone()).ok())
        .unwrap_or_default()
}

/// The Service, from `known` or read (and kept there).
async fn service(
    conn: &Connection,
    snapshot: &SelectorSnapshot,
    known: &mut Objects,
) -> Result<DynamicObject> {
    if let Some(service) = known.get(&snapshot.service) {
        return Ok(service.clone());
    }
    let name = &snapshot.service;
    let read = services(conn)
        .get(name)
        .await
        .map_err(|e| error::from_kube(e, &format!("get service {name:?}"), &conn.server))?;
    known.insert(name.clone(), read.clone());
    Ok(read)
}

/// Whether `selector` selects a ready pod: the Service is narrowed to the
/// incumbent's pods only when one is, or it would select nothing.
async fn selects_ready_pods(
    conn: &Connection,
    snapshot: &SelectorSnapshot,
    selector: &BTreeMap<String, String>,
) -> Result<bool> {
    let pods: Api<Pod> = Api::namespaced(conn.client.clone(), &conn.namespace);
    let listed = pods
        .list(&ListParams::default().labels(&shown(selector)))
        .await
        .map_err(|e| {
            error::from_kube(
                e,
                &format!("list the pods of service {:?}", snapshot.service),
                &conn.server,
            )
        })?;
    Ok(listed.items.iter().any(|p| {
        p.metadata.deletion_timestamp.is_none()
            && p.status
                .as_ref()
                .and_then(|s| s.conditions.as_ref())
                .is_some_and(|c| c.iter().any(|c| c.type_ == "Ready" && c.status == "True"))
    }))
}

/// The selector giving `split` over one someone else changed (`now`):
/// theirs, without ramp's labels, with the one `split` needs.
pub fn on_top_of(
    snapshot: &SelectorSnapshot,
    now: &BTreeMap<String, String>,
    split: Split,
) -> BTreeMap<String, String> {
    let (mut wanted, _) = restored(snapshot, now);
    for (key, value) in selector_for(snapshot, split) {
        if !snapshot.original.contains_key(&key) {
            wanted.insert(key, value);
        }
    }
    wanted
}

/// The selector an abort or a promotion puts back, from the one the
/// Service has `now`: the snapshot's, unless someone else changed it since
/// ramp's last write; then theirs, with only ramp's own labels (the
/// incumbent's hash, the role label) taken out, and said so.
pub fn restored(
    snapshot: &SelectorSnapshot,
    now: &BTreeMap<String, String>,
) -> (BTreeMap<String, String>, Option<String>) {
    if selects(snapshot, now) != Selects::Other {
        return (snapshot.original.clone(), None);
    }
    let ours = [
        (HASH_LABEL, snapshot.incumbent_hash.as_str()),
        (ROLE.0, ROLE.1),
    ];
    let mut wanted = now.clone();
    let mut taken = Vec::new();
    for (key, value) in ours {
        if wanted.get(key).map(String::as_str) == Some(value)
            && !snapshot.original.contains_key(key)
        {
            wanted.remove(key);
            taken.push(format!("{key}={value}"));
        }
    }
    if wanted == snapshot.original {
        return (wanted, None);
    }
    let mut theirs: Vec<String> = wanted
        .iter()
        .filter(|(k, v)| snapshot.original.get(*k) != Some(*v))
        .map(|(k, v)| format!("{k}={v}"))
        .collect();
    theirs.extend(
        snapshot
            .original
            .keys()
            .filter(|k| !wanted.contains_key(*k))
            .map(|k| format!("no {k}")),
    );
    let service = &snapshot.service;
    let said = match taken.is_empty() {
        true => format!(
            "service {service} selects {}, as someone else set it ({}): ramp's labels were out of it already",
            shown(&wanted),
            theirs.join(", ")
        ),
        false => format!(
            "service {service} selects {}: took {} out of its selector and kept the change made by someone else ({})",
            shown(&wanted),
            taken.join(" and "),
            theirs.join(", ")
        ),
    };
    (wanted, Some(said))
}

/// Sets the Service's selector to `wanted`: a compare-and-swap on the
/// resourceVersion read. A change of something else of the Service (a
/// label) is tried again on the new version; a change of the selector by
/// someone else stops the write.
async fn write_selector(
    conn: &Connection,
    snapshot: &SelectorSnapshot,
    wanted: BTreeMap<String, String>,
    dry_run: bool,
    known: &mut Objects,
) -> Result<()> {
    let name = snapshot.service.clone();
    let mut current = service(conn, snapshot, known).await?;
    let expected = selector_of(&current);
    for _ in 0..3 {
        if selector_of(&current) == wanted {
            return Ok(());
        }
        let patch: json_patch::Patch = serde_json::from_value(json!([
            {"op": "replace", "path": "/metadata/resourceVersion", "value": current.metadata.resource_version},
            {"op": "replace", "path": "/spec/selector", "value": wanted},
        ]))
        .expect("valid JSON patch operations");
        let params = PatchParams {
            dry_run,
            ..Default::default()
        };
        match services(conn)
            .patch(&name, &params, &Patch::Json::<()>(patch))
            .await
        {
            Ok(written) => {
                if !dry_run {
                    known.insert(name, written);
                }
                return Ok(());
            }
            Err(kube::Error::Api(status)) if status.code == 409 => {
                let fresh = services(conn).get(&name).await.map_err(|e| {
                    error::from_kube(e, &format!("get service {name:?}"), &conn.server)
                })?;
                known.insert(name.clone(), fresh.clone());
                if selector_of(&fresh) != expected {
                    return Err(Error::new(
                        Kind::Conflict,
                        format!(
                            "the selector of service {name:?} was changed by someone else while ramp switched it: it is {}",
                            shown(&selector_of(&fresh))
                        ),
                    )
                    .with_hint(format!(
                        "see `kubectl ramp status`; the record keeps the selector as it was ({})",
                        shown(&snapshot.original)
                    )));
                }
                current = fresh;
            }
            Err(e) => {
                return Err(error::from_kube(
                    e,
                    &format!("patch the selector of service {name:?}"),
                    &conn.server,
                ));
            }
        }
    }
    Err(Error::new(
        Kind::Conflict,
        format!("service {name:?} kept changing while ramp switched its selector"),
    ))
}

/// An abort with no record to go by: the Service named `service` selects
/// every version again when ramp had narrowed it to the contender (ramp's
/// role label is ramp's alone); a `pod-template-hash` in its selector is
/// told of, as ramp cannot know whether it was ramp's. What was done, a
/// sentence each.
pub async fn widen_without_record(
    conn: &Connection,
    service: &str,
    dry_run: bool,
) -> Result<Vec<String>> {
    let Some(current) = services(conn)
        .get_opt(service)
        .await
        .map_err(|e| error::from_kube(e, &format!("get service {service:?}"), &conn.server))?
    else {
        return Ok(Vec::new());
    };
    let selector = selector_of(&current);
    let mut done = Vec::new();
    if selector.get(ROLE.0).map(String::as_str) == Some(ROLE.1) {
        let mut widened = selector.clone();
        widened.remove(ROLE.0);
        let patch: json_patch::Patch = serde_json::from_value(json!([
            {"op": "replace", "path": "/metadata/resourceVersion", "value": current.metadata.resource_version},
            {"op": "replace", "path": "/spec/selector", "value": widened},
        ]))
        .expect("valid JSON patch operations");
        let params = PatchParams {
            dry_run,
            ..Default::default()
        };
        services(conn)
            .patch(service, &params, &Patch::Json::<()>(patch))
            .await
            .map_err(|e| {
                error::from_kube(
                    e,
                    &format!("patch the selector of service {service:?}"),
                    &conn.server,
                )
            })?;
        done.push(format!(
            "service {service} selects {} again: took {}={} out of its selector",
            shown(&widened),
            ROLE.0,
            ROLE.1
        ));
    }
    if let Some(hash) = selector.get(HASH_LABEL) {
        done.push(format!(
            "service {service} still selects {HASH_LABEL}={hash}, which a rollout may have added; if it was not you: kubectl patch service {service} --type json -p '[{{\"op\":\"remove\",\"path\":\"/spec/selector/{HASH_LABEL}\"}}]'"
        ));
    }
    Ok(done)
}

/// The ready endpoints of service `name`: the pods it sends requests to.
async fn endpoints_of(conn: &Connection, name: &str) -> Result<usize> {
    let slices: Api<EndpointSlice> = Api::namespaced(conn.client.clone(), &conn.namespace);
    let listed = slices
        .list(&ListParams::default().labels(&format!("kubernetes.io/service-name={name}")))
        .await
        .map_err(|e| {
            error::from_kube(
                e,
                &format!("list the endpoints of service {name:?}"),
                &conn.server,
            )
        })?;
    Ok(super::settle::ready_endpoints(&listed.items))
}

fn view(snapshot: &SelectorSnapshot, service: &DynamicObject) -> SelectorView {
    let labels = selector_of(service);
    SelectorView {
        service: snapshot.service.clone(),
        selects: selects(snapshot, &labels),
        labels,
        changed_by: crate::rollout::drift::writer(&service.metadata),
        ready_endpoints: None,
    }
}

impl Router for Replicas {
    fn kind(&self) -> RouterKind {
        RouterKind::Replicas
    }

    fn fit(&self, strategy: &Strategy, base: i32) -> Option<(Strategy, String)> {
        nearest_feasible(strategy, base)
    }

    fn split_message(
        &self,
        router: &RouterRecord,
        deployment: &str,
        contender: &str,
        split: Split,
    ) -> String {
        match &router.selector {
            Some(snapshot) => switch_message(&snapshot.service, deployment, contender, split),
            None => super::split_said(deployment, contender, split),
        }
    }

    fn restored_message(&self, router: &RouterRecord, deployment: &str) -> String {
        match &router.selector {
            Some(snapshot) => format!(
                "service {} selects as it did: {}",
                snapshot.service,
                shown(&snapshot.original)
            ),
            None => super::restored_said(deployment),
        }
    }

    fn without_record<'a>(
        &'a self,
        conn: &'a Connection,
        incumbent: &'a ServiceRef,
        _contender: &'a ServiceRef,
        dry_run: bool,
    ) -> BoxFuture<'a, Result<Vec<String>>> {
        Box::pin(widen_without_record(conn, &incumbent.name, dry_run))
    }

    fn choose<'a>(
        &'a self,
        conn: &'a Connection,
        choice: &'a Choice<'a>,
        steps: &'a [Step],
        replicas: i32,
        header: Option<&'a Header>,
    ) -> BoxFuture<'a, Result<Chosen>> {
        Box::pin(async move {
            check_steps(choice.deployment, steps, replicas)?;
            if header.is_some() {
                return Err(Error::invalid("routing by header needs the istio or gateway-api router")
                    .with_hint("without a mesh every ready pod behind the Service gets its share of requests, whatever their headers"));
            }
            let name = &choice.incumbent.name;
            let service = services(conn)
                .get(name)
                .await
                .map_err(|e| error::from_kube(e, &format!("get service {name:?}"), &conn.server))?;
            let original = selector_of(&service);
            if let Some(key) = [HASH_LABEL, ROLE.0]
                .into_iter()
                .find(|k| original.contains_key(*k))
            {
                return Err(Error::invalid(format!(
                    "service {name:?} already selects on {key}={}: ramp narrows the selector with that label without a mesh",
                    original[key]
                ))
                .with_hint(format!(
                    "if an earlier rollout left it, remove it: kubectl patch service {name} --type json -p '[{{\"op\":\"remove\",\"path\":\"/spec/selector/{}\"}}]'",
                    key.replace('/', "~1")
                )));
            }
            let pods: Api<Pod> = Api::namespaced(conn.client.clone(), &conn.namespace);
            let listed = pods
                .list(&ListParams::default().labels(&shown(&original)))
                .await
                .map_err(|e| {
                    error::from_kube(
                        e,
                        &format!("list the pods of service {name:?}"),
                        &conn.server,
                    )
                })?;
            let others = other_workloads(choice.deployment, &choice.contender.name, &listed.items);
            if !others.is_empty() {
                return Err(Error::invalid(format!(
                    "service {name:?} ({}) also selects the pods of {}: without a mesh ramp narrows its selector to one version, which would take their traffic",
                    shown(&original),
                    others.join(" and ")
                ))
                .with_hint(format!(
                    "give service {name} a selector that only deployment {}'s pods match, pass --service NAME for one that does, or route with Istio or the Gateway API",
                    choice.deployment
                )));
            }
            let incumbent_hash = incumbent_hash(choice.deployment, name, &listed.items)?;
            let snapshot = SelectorSnapshot {
                service: name.clone(),
                original,
                incumbent_hash,
                resource_version: service.metadata.resource_version.clone(),
            };
            Ok(Chosen {
                routes: Vec::new(),
                api_version: None,
                objects: Objects::from([(name.clone(), service)]),
                selector: Some(snapshot),
            })
        })
    }

    fn observe<'a>(
        &'a self,
        conn: &'a Connection,
        router: &'a RouterRecord,
        known: &'a mut Objects,
    ) -> BoxFuture<'a, Result<Vec<RouteState>>> {
        Box::pin(async move {
            let Some(snapshot) = &router.selector else {
                return Ok(Vec::new());
            };
            let service = service(conn, snapshot, known).await?;
            Ok(vec![route_state(selects(snapshot, &selector_of(&service)))])
        })
    }

    fn set_weights<'a>(
        &'a self,
        conn: &'a Connection,
        router: &'a RouterRecord,
        split: Split,
        _mirror: Option<u32>,
        dry_run: bool,
        known: &'a mut Objects,
    ) -> BoxFuture<'a, Result<()>> {
        // A mirror was refused at start (see `check_steps`).
        Box::pin(async move {
            let Some(snapshot) = &router.selector else {
                return Ok(());
            };
            let now = selector_of(&service(conn, snapshot, known).await?);
            let drifted = selects(snapshot, &now) == Selects::Other;
            let wanted = match drifted {
                false => selector_for(snapshot, split),
                true => on_top_of(snapshot, &now, split),
            };
            if split.contender == 0
                && now != wanted
                && !selects_ready_pods(conn, snapshot, &wanted).await?
            {
                // Someone else's selector (an abort sends traffic back
                // first): narrowing it would select nothing, so it stays as
                // they set it until the contender is gone.
                if drifted {
                    return Ok(());
                }
                return Err(Error::failed(format!(
                    "service {:?} would select no ready pod: none carries {HASH_LABEL}={} (the incumbent's pod template changed since the rollout started)",
                    snapshot.service, snapshot.incumbent_hash
                ))
                .with_hint("put the incumbent's pod template back, or abort: abort puts the selector back as it was"));
            }
            write_selector(conn, snapshot, wanted, dry_run, known).await
        })
    }

    fn restore<'a>(
        &'a self,
        conn: &'a Connection,
        router: &'a RouterRecord,
        dry_run: bool,
        known: &'a mut Objects,
    ) -> BoxFuture<'a, Result<Vec<String>>> {
        Box::pin(async move {
            let Some(snapshot) = &router.selector else {
                return Ok(Vec::new());
            };
            let now = selector_of(&service(conn, snapshot, known).await?);
            let (wanted, said) = restored(snapshot, &now);
            write_selector(conn, snapshot, wanted, dry_run, known).await?;
            Ok(said.into_iter().collect())
        })
    }

    fn routing<'a>(
        &'a self,
        conn: &'a Connection,
        router: &'a RouterRecord,
        _incumbent: &'a ServiceRef,
        _contender: &'a ServiceRef,
    ) -> BoxFuture<'a, Result<Routing>> {
        Box::pin(async move {
            let selector = match &router.selector {
                Some(snapshot) => {
                    let name = &snapshot.service;
                    let read = services(conn).get_opt(name).await.map_err(|e| {
                        error::from_kube(e, &format!("get service {name:?}"), &conn.server)
                    })?;
                    match read {
                        Some(service) => {
                            let mut view = view(snapshot, &service);
                            view.ready_endpoints = Some(endpoints_of(conn, name).await?);
                            Some(view)
                        }
                        None => None,
                    }
                }
                None => None,
            };
            Ok(Routing {
                router: RouterKind::Replicas,
                routes: Vec::new(),
                selector,
            })
        })
    }

    fn routing_of(
        &self,
        router: &RouterRecord,
        known: &Objects,
        _incumbent: &ServiceRef,
        _contender: &ServiceRef,
    ) -> Routing {
        let selector = router
            .selector
            .as_ref()
            .and_then(|snapshot| Some(view(snapshot, known.get(&snapshot.service)?)));
        Routing {
            router: RouterKind::Replicas,
            routes: Vec::new(),
            selector,
        }
    }

    /// Pod ratios rarely give the exact percentage: say what was reached.
    fn repin<'a>(
        &'a self,
        conn: &'a Connection,
        router: &'a RouterRecord,
        deployment: &'a str,
    ) -> BoxFuture<'a, Result<Option<RouterRecord>>> {
        Box::pin(async move {
            let Some(snapshot) = &router.selector else {
                return Ok(None);
            };
            let pods: Api<Pod> = Api::namespaced(conn.client.clone(), &conn.namespace);
            let listed = pods
                .list(&ListParams::default().labels(&shown(&snapshot.original)))
                .await
                .map_err(|e| error::from_kube(e, "list pods", &conn.server))?;
            let hash = incumbent_hash(deployment, &snapshot.service, &listed.items)?;
            let mut router = router.clone();
            if let Some(selector) = router.selector.as_mut() {
                selector.incumbent_hash = hash;
            }
            Ok(Some(router))
        })
    }

    fn settle<'a>(
        &'a self,
        conn: &'a Connection,
        router: &'a RouterRecord,
        known: &'a mut Objects,
        deadline: std::time::Instant,
    ) -> BoxFuture<'a, Result<()>> {
        Box::pin(async move {
            let Some(snapshot) = &router.selector else {
                return Ok(());
            };
            let service = service(conn, snapshot, known).await?;
            let selector = shown(&selector_of(&service));
            let name = &snapshot.service;
            let pods: Api<Pod> = Api::namespaced(conn.client.clone(), &conn.namespace);
            let selected: std::collections::BTreeSet<String> = pods
                .list(&ListParams::default().labels(&selector))
                .await
                .map_err(|e| error::from_kube(e, "list pods", &conn.server))?
                .items
                .into_iter()
                .filter_map(|p| p.metadata.name)
                .collect();
            let deadline = deadline.min(std::time::Instant::now() + super::SETTLE_LIMIT);
            let follow = |now: &[EndpointSlice]| super::settle::endpoints_follow(now, &selected);
            let waited =
                super::await_endpoints(conn, &conn.namespace, name, deadline, follow).await;
            if waited != super::Endpoints::Followed {
                tracing::debug!("service {name}: its endpoints not seen to follow: {waited:?}");
            }
            Ok(())
        })
    }

    fn reached(&self, step: &Step, replicas: i32) -> Option<String> {
        if step.traffic.contender == 0 || step.traffic.contender == 100 {
            return None;
        }
        let counts = counts(step, replicas);
        Some(format!(
            "asked {}%, reached {} of {} ready pods = {}",
            step.traffic.contender,
            counts.contender,
            counts.contender + counts.incumbent,
            crate::rollout::model::percent(counts.reached())
        ))
    }
}

/// Refuses, before anything changes, a strategy the replicas router cannot
/// carry out on `base` replicas, saying what is possible instead.
pub fn check_steps(deployment: &str, steps: &[Step], base: i32) -> Result<()> {
    for (i, step) in steps.iter().enumerate() {
        let at = format!("step {} ({:?})", i + 1, step.name);
        if step.mirror.is_some() {
            return Err(Error::invalid(format!(
                "the replicas router cannot mirror requests ({at}): without a mesh nothing copies a request to a second pod"
            ))
            .with_hint("route with Istio (mirror) or the Gateway API (a RequestMirror filter), or leave out --mirror and the steps' mirror"));
        }
        let counts = counts(step, base);
        let p = step.traffic.contender;
        if p > 0 && p < 100 && counts.contender == 0 {
            let one = Counts {
                incumbent: counts.incumbent,
                contender: 1,
            };
            let needed = (100 - p).div_ceil(p);
            return Err(Error::invalid(format!(
                "the replicas router cannot send {p}% of traffic to the contender with {base} replicas ({at}): one contender pod beside {} would take {}",
                counts.incumbent,
                crate::rollout::model::percent(one.reached())
            ))
            .with_hint(format!(
                "scale deployment {deployment} to at least {needed} replicas, ask for {} with --steps, leave out --strategy and --steps for the nearest steps its pods allow, or route with Istio or the Gateway API",
                crate::rollout::model::percent(one.reached())
            )));
        }
    }
    Ok(())
}

/// The contender's share of the ready pods, in whole percent.
fn share_of(incumbent: i32, contender: i32) -> u32 {
    (f64::from(contender) * 100.0 / f64::from(incumbent + contender)).round() as u32
}

/// A strategy the replicas router can carry out on `base` replicas: each
/// split step becomes the nearest share whole contender pods give beside
/// the incumbent's (once each), the others stay. With the reason; `None`
/// when the strategy can be carried out as it is.
pub fn nearest_feasible(strategy: &Strategy, base: i32) -> Option<(Strategy, String)> {
    // A strategy the pods can carry out keeps its steps (each says what it
    // reached, see `reached`).
    if check_steps("", &strategy.steps, base).is_ok() {
        return None;
    }
    let mut steps: Vec<Step> = Vec::new();
    let mut changed = false;
    let mut pods = Vec::new();
    for step in &strategy.steps {
        let p = step.traffic.contender;
        if p == 0 || p == 100 {
            steps.push(step.clone());
            continue;
        }
        let incumbent = counts(step, base).incumbent;
        let contender = counts(step, base).contender.max(1);
        let share = share_of(incumbent, contender);
        let fitted = Step {
            name: format!("{share}%"),
            capacity: Split {
                contender: share,
                incumbent: step.capacity.incumbent,
            },
            traffic: Split {
                contender: share,
                incumbent: 100 - share,
            },
            mirror: step.mirror,
        };
        changed |= fitted != *step;
        if steps.last().is_some_and(|s| s.traffic == fitted.traffic) {
            changed = true;
            continue;
        }
        pods.push(contender);
        steps.push(fitted);
    }
    if !changed {
        return None;
    }
    let asked: Vec<&str> = strategy.steps.iter().map(|s| s.name.as_str()).collect();
    let now: Vec<&str> = steps.iter().map(|s| s.name.as_str()).collect();
    let pods: Vec<String> = pods.iter().map(i32::to_string).collect();
    let reason = format!(
        "without a mesh the contender's share moves by whole pods: with {base} {} the {} steps {} become {} ({} contender {} beside {base})",
        if base == 1 { "replica" } else { "replicas" },
        strategy.name,
        asked.join(", "),
        now.join(", "),
        pods.join(", "),
        if pods.len() == 1 && pods[0] == "1" {
            "pod"
        } else {
            "pods"
        },
    );
    Some((
        Strategy {
            name: strategy.name.clone(),
            steps,
        },
        reason,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rollout::capacity::split;
    use crate::rollout::strategy::{Split, Strategy};

    fn canary(percent: u32) -> Step {
        Step {
            name: format!("{percent}%"),
            capacity: Split {
                contender: percent,
                incumbent: 100,
            },
            traffic: Split {
                contender: percent,
                incumbent: 100 - percent,
            },
            mirror: None,
        }
    }

    /// For every size from 1 to 50 and many percentages, the contender count
    /// is the one whose share is closest to the asked percentage.
    #[test]
    fn the_contender_count_comes_closest_to_the_asked_share() {
        for base in 1..=50 {
            for percent in [1, 5, 10, 20, 25, 30, 33, 40, 50, 60, 75, 90, 99] {
                let counts = counts(&canary(percent), base);
                assert_eq!(counts.incumbent, base);
                let share = |c: i32| f64::from(c) * 100.0 / f64::from(base + c);
                let error = |c: i32| (share(c) - f64::from(percent)).abs();
                let best = (0..=base * 100)
                    .min_by(|a, b| error(*a).total_cmp(&error(*b)))
                    .unwrap();
                assert!(
                    (error(counts.contender) - error(best)).abs() < 1e-9,
                    "{percent}% of {base}: chose {} ({:.2}%), best {best} ({:.2}%)",
                    counts.contender,
                    share(counts.contender),
                    share(best)
                );
            }
        }
    }

    #[test]
    fn counts_for_typical_steps() {
        let cases = [
            (10, 10, (10, 1), 9.1),
            (25, 3, (3, 1), 25.0),
            (50, 4, (4, 4), 50.0),
            (100, 4, (0, 4), 100.0),
            (20, 1, (1, 0), 0.0),
        ];
        for (percent, base, (incumbent, contender), reached) in cases {
            let counts = counts(&canary(percent), base);
            assert_eq!(
                (counts.incumbent, counts.contender),
                (incumbent, contender),
                "{percent}% of {base}"
            );
            assert_eq!(counts.reached(), reached, "{percent}% of {base}");
        }
    }

    #[test]
    fn ten_percent_of_one_replica_says_what_is_possible() {
        let steps = Strategy::from_percentages("10,100").unwrap().steps;
        let err = check_steps("web", &steps, 1).unwrap_err();
        assert_eq!(err.kind, crate::error::Kind::Invalid);
        assert_eq!(
            err.message,
            "the replicas router cannot send 10% of traffic to the contender with 1 replicas (step 1 (\"10%\")): one contender pod beside 1 would take 50%"
        );
        assert_eq!(
            err.hint.as_deref(),
            Some(
                "scale deployment web to at least 9 replicas, ask for 50% with --steps, leave out --strategy and --steps for the nearest steps its pods allow, or route with Istio or the Gateway API"
            )
        );
        check_steps("web", &steps, 9).unwrap();
    }

    #[test]
    fn staging_and_blue_green_need_no_mesh() {
        for name in ["vanguard", "blue-green"] {
            let steps = Strategy::named(name).unwrap().steps;
            check_steps("web", &steps, 1).unwrap();
        }
    }

    fn snapshot() -> SelectorSnapshot {
        SelectorSnapshot {
            service: "web".into(),
            original: BTreeMap::from([("app".into(), "web".into())]),
            incumbent_hash: "5d8f".into(),
            resource_version: Some("7".into()),
        }
    }

    fn labels(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn the_selector_narrows_to_one_version_at_0_and_100_percent() {
        let snapshot = snapshot();
        let cases = [
            (0, labels(&[("app", "web"), ("pod-template-hash", "5d8f")])),
            (10, labels(&[("app", "web")])),
            (50, labels(&[("app", "web")])),
            (
                100,
                labels(&[("app", "web"), ("ramp.dev/role", "contender")]),
            ),
        ];
        for (contender, wanted) in cases {
            let split = Split {
                contender,
                incumbent: 100 - contender,
            };
            assert_eq!(selector_for(&snapshot, split), wanted, "{contender}%");
        }
    }

    #[test]
    fn a_selector_is_told_apart_by_what_it_selects() {
        let snapshot = snapshot();
        let cases = [
            (
                labels(&[("app", "web")]),
                Selects::Both,
                RouteState::Original,
            ),
            (
                labels(&[("app", "web"), ("pod-template-hash", "5d8f")]),
                Selects::Incumbent,
                RouteState::Weighted(INCUMBENT_ONLY),
            ),
            (
                labels(&[("app", "web"), ("ramp.dev/role", "contender")]),
                Selects::Contender,
                RouteState::Weighted(CONTENDER_ONLY),
            ),
            // Another hash, another label, a value changed: someone else's.
            (
                labels(&[("app", "web"), ("pod-template-hash", "77aa")]),
                Selects::Other,
                RouteState::Drifted,
            ),
            (
                labels(&[("app", "web"), ("tier", "front")]),
                Selects::Other,
                RouteState::Drifted,
            ),
            (
                labels(&[("app", "shop")]),
                Selects::Other,
                RouteState::Drifted,
            ),
        ];
        for (selector, wanted, state) in cases {
            assert_eq!(selects(&snapshot, &selector), wanted, "{selector:?}");
            assert_eq!(route_state(wanted), state);
        }
    }

    fn pod(name: &str, hash: &str, owner: &str, terminating: bool) -> Pod {
        serde_json::from_value(serde_json::json!({
            "metadata": {
                "name": name,
                "labels": {"app": "web", "pod-template-hash": hash},
                "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": owner, "uid": "u", "controller": true}],
                "deletionTimestamp": if terminating { serde_json::json!("2026-11-27T10:00:00Z") } else { serde_json::Value::Null },
            }
        }))
        .unwrap()
    }

    #[test]
    fn the_pods_of_other_workloads_are_named() {
        let bare = |name: &str| {
            let mut p = pod(name, "h", "x", false);
            p.metadata.owner_references = None;
            p
        };
        let job = |name: &str| {
            let mut p = bare(name);
            p.metadata.owner_references = Some(vec![
                serde_json::from_value(serde_json::json!({
                    "apiVersion": "batch/v1", "kind": "Job", "name": "nightly", "uid": "u", "controller": true
                }))
                .unwrap(),
            ]);
            p
        };
        let cases: Vec<(Vec<Pod>, Vec<&str>)> = vec![
            (vec![pod("web-abc-1", "abc", "web-abc", false)], vec![]),
            (
                vec![
                    pod("web-abc-1", "abc", "web-abc", false),
                    pod("web-canary-def-1", "def", "web-canary-def", false),
                ],
                vec![],
            ),
            (
                vec![
                    pod("web-abc-1", "abc", "web-abc", false),
                    pod("api-123-1", "123", "api-123", false),
                    pod("api-123-2", "123", "api-123", false),
                ],
                vec!["deployment \"api\""],
            ),
            // Going away: not selected for long.
            (vec![pod("api-123-1", "123", "api-123", true)], vec![]),
            (vec![bare("debug")], vec!["pod \"debug\""]),
            (vec![job("nightly-x")], vec!["job \"nightly\""]),
            // A ReplicaSet of the user's own, not of a Deployment.
            (
                vec![pod("front-1", "zzz", "front", false)],
                vec!["replicaset \"front\""],
            ),
        ];
        for (pods, expected) in cases {
            assert_eq!(other_workloads("web", "web-canary", &pods), expected);
        }
    }

    #[test]
    fn a_restore_keeps_what_someone_else_changed_of_the_selector() {
        let snapshot = snapshot();
        let hash = snapshot.incumbent_hash.clone();
        type Selector = BTreeMap<String, String>;
        let cases: Vec<(Selector, Selector, Option<String>)> = vec![
            // ramp's own states: back as it was.
            (selector_for(&snapshot, INCUMBENT_ONLY), snapshot.original.clone(), None),
            (selector_for(&snapshot, CONTENDER_ONLY), snapshot.original.clone(), None),
            (snapshot.original.clone(), snapshot.original.clone(), None),
            // Someone took ramp's label out: as it was, nothing to say.
            (labels(&[("app", "web")]), snapshot.original.clone(), None),
            (
                labels(&[("app", "web"), (HASH_LABEL, &hash), ("zone", "a")]),
                labels(&[("app", "web"), ("zone", "a")]),
                Some(format!("service web selects app=web,zone=a: took {HASH_LABEL}={hash} out of its selector and kept the change made by someone else (zone=a)")),
            ),
            (
                labels(&[("app", "shop"), (ROLE.0, ROLE.1)]),
                labels(&[("app", "shop")]),
                Some("service web selects app=shop: took ramp.dev/role=contender out of its selector and kept the change made by someone else (app=shop)".to_string()),
            ),
            (
                labels(&[("tier", "front")]),
                labels(&[("tier", "front")]),
                Some("service web selects tier=front, as someone else set it (tier=front, no app): ramp's labels were out of it already".to_string()),
            ),
        ];
        for (now, wanted, said) in cases {
            assert_eq!(restored(&snapshot, &now), (wanted, said), "{now:?}");
        }
    }

    #[test]
    fn a_split_goes_on_top_of_what_someone_else_set() {
        let snapshot = snapshot();
        let hash = snapshot.incumbent_hash.clone();
        let theirs = labels(&[("app", "web"), (HASH_LABEL, &hash), ("zone", "a")]);
        assert_eq!(
            on_top_of(&snapshot, &theirs, INCUMBENT_ONLY),
            theirs,
            "already narrowed"
        );
        assert_eq!(
            on_top_of(
                &snapshot,
                &labels(&[("app", "web"), ("zone", "a")]),
                INCUMBENT_ONLY
            ),
            theirs
        );
        assert_eq!(
            on_top_of(&snapshot, &theirs, CONTENDER_ONLY),
            labels(&[("app", "web"), (ROLE.0, ROLE.1), ("zone", "a")])
        );
    }

    #[test]
    fn the_incumbents_hash_is_the_one_its_running_pods_share() {
        let cases: Vec<(Vec<Pod>, std::result::Result<&str, &str>)> = vec![
            (
                vec![
                    pod("a", "5d8f", "web-5d8f", false),
                    pod("b", "5d8f", "web-5d8f", false),
                ],
                Ok("5d8f"),
            ),
            // A pod on its way out and another Deployment's pod do not count.
            (
                vec![
                    pod("a", "5d8f", "web-5d8f", false),
                    pod("b", "1111", "web-1111", true),
                    pod("c", "9999", "web-api-9999", false),
                ],
                Ok("5d8f"),
            ),
            (
                vec![
                    pod("a", "5d8f", "web-5d8f", false),
                    pod("b", "1111", "web-1111", false),
                ],
                Err("deployment \"web\" runs pods of 2 pod templates (1111, 5d8f)"),
            ),
            (
                vec![],
                Err(
                    "service \"web\" selects no running pod of deployment \"web\": without a mesh ramp needs the incumbent's pods to tell them apart",
                ),
            ),
        ];
        for (pods, wanted) in cases {
            let got = incumbent_hash("web", "web", &pods);
            match wanted {
                Ok(hash) => assert_eq!(got.unwrap(), hash),
                Err(message) => {
                    let err = got.unwrap_err();
                    assert_eq!(err.kind, crate::error::Kind::Invalid);
                    assert_eq!(err.message, message);
                }
            }
        }
    }

    /// The default canary on a small Deployment with no mesh: the nearest
    /// shares whole pods give, each once, and why.
    #[test]
    fn the_default_canary_becomes_the_nearest_steps_pods_allow() {
        let canary = Strategy::named("canary").unwrap();
        let cases: [(i32, &[&str]); 4] = [
            (1, &["50%", "full"]),
            (2, &["33%", "50%", "full"]),
            (3, &["25%", "40%", "50%", "full"]),
            (4, &["20%", "33%", "43%", "50%", "full"]),
        ];
        for (base, wanted) in cases {
            let (fitted, _) = nearest_feasible(&canary, base).expect("changed");
            let names: Vec<&str> = fitted.steps.iter().map(|s| s.name.as_str()).collect();
            assert_eq!(names, wanted, "{base} replicas");
            check_steps("web", &fitted.steps, base).unwrap();
            fitted.validate("fitted").unwrap();
            // Each share is what the pods give: the count it asks for is
            // the one it was made from.
            for step in &fitted.steps[..fitted.steps.len() - 1] {
                let c = counts(step, base);
                assert_eq!(
                    share_of(c.incumbent, c.contender),
                    step.traffic.contender,
                    "{base}: {step:?}"
                );
            }
        }
        // From 5 replicas one contender pod is the nearest to 10%: the
        // steps stay, and each says what it reached.
        for base in [5, 8, 9, 40] {
            assert_eq!(nearest_feasible(&canary, base), None, "{base}");
        }
    }

    #[test]
    fn the_reason_names_the_replicas_and_the_steps() {
        let canary = Strategy::named("canary").unwrap();
        let (_, why) = nearest_feasible(&canary, 3).unwrap();
        assert_eq!(
            why,
            "without a mesh the contender's share moves by whole pods: with 3 replicas the canary steps 10%, 20%, 30%, 40%, 50%, full become 25%, 40%, 50%, full (1, 2, 3 contender pods beside 3)"
        );
        let (_, why) = nearest_feasible(&canary, 1).unwrap();
        assert!(why.contains("with 1 replica the canary steps"), "{why}");
        assert!(why.contains("(1 contender pod beside 1)"), "{why}");
    }

    #[test]
    fn traffic_follows_the_ratio_of_ready_pods() {
        let cases = [
            ((3, 0), (100.0, 0.0)),
            ((10, 1), (90.9, 9.1)),
            ((1, 1), (50.0, 50.0)),
            ((0, 4), (0.0, 100.0)),
            ((2, 1), (66.7, 33.3)),
            ((0, 0), (100.0, 0.0)),
        ];
        for ((incumbent, contender), expected) in cases {
            assert_eq!(
                split(incumbent, contender),
                expected,
                "{incumbent}+{contender}"
            );
        }
    }
}
