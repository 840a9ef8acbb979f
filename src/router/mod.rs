//! Routers: how a traffic split between the incumbent and the contender is
//! applied. One file per router; this module holds what they share.
//!
//! - `istio`: the weights of the VirtualService HTTP routes that send to the
//!   incumbent's host (request-level precision).
//! - `gateway-api`: the weights of the HTTPRoute backendRefs that send to the
//!   incumbent's Service.
//! - `replicas`: no mesh; the split is the ratio of ready pods behind one
//!   Service.

pub mod gateway_api;
pub mod istio;
pub mod replicas;
pub mod settle;
pub mod weights;

use futures::future::BoxFuture;
use kube::api::{Api, DynamicObject, ListParams};
use kube::discovery::ApiResource;
use serde::Serialize;

use crate::connect::Connection;
use crate::error::{self, Result};
use crate::rollout::plan::RouteState;
use crate::rollout::record::{Header, RouteSnapshot, RouterRecord};
use crate::rollout::strategy::{Split, Step, Strategy};

pub use crate::rollout::model::RouterKind;
pub use replicas::{SelectorView, Selects};

impl RouterKind {
    /// The router of this kind.
    pub fn router(self) -> &'static dyn Router {
        match self {
            RouterKind::Istio => &istio::ROUTER,
            RouterKind::GatewayApi => &gateway_api::ROUTER,
            RouterKind::Replicas => &replicas::ROUTER,
        }
    }
}

/// Every router, in the order a rollout looks for them: Istio
/// VirtualServices, then Gateway API HTTPRoutes, else the ratio of pods.
/// What a caller asks of a router goes through the `Router` trait; this is
/// the one list of them.
pub fn routers() -> [&'static dyn Router; 3] {
    let [istio, gateway_api] = weighted();
    [istio, gateway_api, &replicas::ROUTER]
}

/// The routers that write weights into routing objects, in `routers`'
/// order.
fn weighted() -> [&'static weights::Weighted; 2] {
    [&istio::ROUTER, &gateway_api::ROUTER]
}

/// The router whose objects `flag` names (`--virtual-service`,
/// `--http-route`).
pub fn named_by(flag: &str) -> Option<RouterKind> {
    routers()
        .into_iter()
        .find(|r| r.flavor().is_some_and(|f| f.flag == flag))
        .map(|r| r.kind())
}

/// Whether a rollout through `router` has no use for the API `group`: it
/// is the group of another router's objects.
pub fn unused_group(router: RouterKind, group: &str) -> bool {
    let of = |r: &dyn Router| r.flavor().map(|f| f.group);
    of(router.router()) != Some(group) && routers().into_iter().any(|r| of(r) == Some(group))
}

/// An abort with no record to go by: every router undoes what it can tell
/// it had changed of the routing to `incumbent` (the contender taken out
/// of every route of the namespace that sends to it, a Service narrowed to
/// the contender's pods widened again); what was done, a sentence each.
pub async fn abort_without_record(
    conn: &Connection,
    incumbent: &ServiceRef,
    contender: &ServiceRef,
    dry_run: bool,
) -> Result<Vec<String>> {
    let mut done = Vec::new();
    for router in routers() {
        done.extend(
            router
                .without_record(conn, incumbent, contender, dry_run)
                .await?,
        );
    }
    Ok(done)
}

/// The routing objects a command last read or wrote, by name. A write
/// starts from them instead of reading again (its `test` operation still
/// refuses routes that changed since), and the status a command prints at
/// its end is made from them.
pub type Objects = std::collections::BTreeMap<String, DynamicObject>;

/// The routes a rollout will shift, and the API version of their objects.
pub struct Chosen {
    pub routes: Vec<RouteSnapshot>,
    pub api_version: Option<String>,
    /// The objects the routes are in, as read to choose them.
    pub objects: Objects,
    /// The replicas router: the incumbent Service's selector as it was.
    pub selector: Option<crate::rollout::record::SelectorSnapshot>,
}

/// What `start` was told about the routes to shift.
pub struct Choice<'a> {
    /// The incumbent Deployment's name.
    pub deployment: &'a str,
    pub incumbent: &'a ServiceRef,
    pub contender: &'a ServiceRef,
    /// --virtual-service or --http-route.
    pub object: Option<&'a str>,
    /// --route.
    pub route: Option<&'a str>,
    /// The router's objects in the namespace, when discovering the router
    /// just listed them as they are now.
    pub listed: Option<Vec<DynamicObject>>,
}

/// How a traffic split is applied: one implementation per file (istio.rs,
/// gateway_api.rs, replicas.rs), as Flagger's routers are.
pub trait Router: Sync {
    /// The kind the record names it by.
    fn kind(&self) -> RouterKind;

    /// The objects whose weights it writes (their API group, kind and the
    /// flag that names one); `None` for a router without such objects.
    fn flavor(&self) -> Option<&'static weights::Flavor> {
        None
    }

    /// When `strategy` asks of `base` replicas more than this router can
    /// give, the nearest strategy it can carry out and why (`start` fits
    /// the default strategy to it); `None` when it carries it out as it is.
    fn fit(&self, _strategy: &Strategy, _base: i32) -> Option<(Strategy, String)> {
        None
    }

    /// An abort with no record to go by: what this router changes of the
    /// routing to `incumbent`, undone as far as it can tell it was ramp's;
    /// what was done, a sentence each.
    fn without_record<'a>(
        &'a self,
        conn: &'a Connection,
        incumbent: &'a ServiceRef,
        contender: &'a ServiceRef,
        dry_run: bool,
    ) -> BoxFuture<'a, Result<Vec<String>>>;

    /// What a split does, as progress says it once it is so.
    fn split_message(
        &self,
        _router: &RouterRecord,
        deployment: &str,
        contender: &str,
        split: Split,
    ) -> String {
        split_said(deployment, contender, split)
    }

    /// What a restore that put everything back exactly did, as progress
    /// says it.
    fn restored_message(&self, _router: &RouterRecord, deployment: &str) -> String {
        restored_said(deployment)
    }

    /// At start: refuses, before anything changes, what this router cannot
    /// carry out, and snapshots the routes it will shift (none for the
    /// replicas router).
    fn choose<'a>(
        &'a self,
        conn: &'a Connection,
        choice: &'a Choice<'a>,
        steps: &'a [Step],
        replicas: i32,
        header: Option<&'a Header>,
    ) -> BoxFuture<'a, Result<Chosen>>;

    /// The state of each managed route, in the record's order: from the
    /// objects in `known`, the others read (and kept there).
    fn observe<'a>(
        &'a self,
        conn: &'a Connection,
        router: &'a RouterRecord,
        known: &'a mut Objects,
    ) -> BoxFuture<'a, Result<Vec<RouteState>>>;

    /// Splits the managed routes (with the header routes, when the rollout
    /// has them), mirroring `mirror` percent of their requests to the
    /// contender when given; `known` holds the objects as written.
    #[allow(clippy::too_many_arguments)]
    fn set_weights<'a>(
        &'a self,
        conn: &'a Connection,
        router: &'a RouterRecord,
        split: Split,
        mirror: Option<u32>,
        dry_run: bool,
        known: &'a mut Objects,
    ) -> BoxFuture<'a, Result<()>>;

    /// Puts every managed route back as the snapshot has it, keeping what
    /// someone else changed since where the router can tell it from its
    /// own: what was done otherwise than exactly, a sentence each.
    fn restore<'a>(
        &'a self,
        conn: &'a Connection,
        router: &'a RouterRecord,
        dry_run: bool,
        known: &'a mut Objects,
    ) -> BoxFuture<'a, Result<Vec<String>>>;

    /// What the rollout's objects route to the incumbent now, for status.
    fn routing<'a>(
        &'a self,
        conn: &'a Connection,
        router: &'a RouterRecord,
        incumbent: &'a ServiceRef,
        contender: &'a ServiceRef,
    ) -> BoxFuture<'a, Result<Routing>>;

    /// Takes the contender out of every route of the rollout's objects,
    /// when they cannot be restored exactly: what was done, a sentence each.
    fn evict<'a>(
        &'a self,
        _conn: &'a Connection,
        _router: &'a RouterRecord,
        _incumbent: &'a ServiceRef,
        _contender: &'a ServiceRef,
    ) -> BoxFuture<'a, Result<Vec<String>>> {
        Box::pin(async { Ok(Vec::new()) })
    }

    /// `routing`, from objects already read or written.
    fn routing_of(
        &self,
        router: &RouterRecord,
        known: &Objects,
        incumbent: &ServiceRef,
        contender: &ServiceRef,
    ) -> Routing;

    /// What a step reached, when the router cannot give exactly what it
    /// asked (pod ratios).
    fn reached(&self, _step: &Step, _replicas: i32) -> Option<String> {
        None
    }

    /// Waits, until `deadline` at the latest, for what the cluster shows of
    /// the data plane to follow the routes as last written (the gateway's
    /// status of a route, the Service's endpoints); past the deadline it
    /// returns, and the drain that follows covers the rest.
    fn settle<'a>(
        &'a self,
        _conn: &'a Connection,
        _router: &'a RouterRecord,
        _known: &'a mut Objects,
        _deadline: std::time::Instant,
    ) -> BoxFuture<'a, Result<()>> {
        Box::pin(async { Ok(()) })
    }

    /// The record's router with what it knows of the incumbent's pods made
    /// what they are now (after the promotion's rolling update); `None`
    /// when it keeps nothing of them.
    fn repin<'a>(
        &'a self,
        _conn: &'a Connection,
        _router: &'a RouterRecord,
        _deployment: &'a str,
    ) -> BoxFuture<'a, Result<Option<RouterRecord>>> {
        Box::pin(async { Ok(None) })
    }
}

/// A split of the routes, as progress says it.
fn split_said(deployment: &str, contender: &str, split: Split) -> String {
    format!(
        "traffic: {contender} {}%, {deployment} {}%",
        split.contender, split.incumbent
    )
}

/// The routes put back exactly, as progress says it.
fn restored_said(deployment: &str) -> String {
    format!("traffic: all to {deployment}, routes restored as they were")
}

/// How long a settle waits for the cluster to show that the data plane
/// followed a write, at most: a gateway that never reports is not waited
/// for beyond it.
pub const SETTLE_LIMIT: std::time::Duration = std::time::Duration::from_secs(30);

/// How a watch of a Service's endpoints ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Endpoints {
    /// They came to be as wanted.
    Followed,
    /// The deadline passed first.
    TimedOut,
    /// These credentials may not watch EndpointSlices.
    Forbidden,
}

/// Watches the EndpointSlices of Service `service` until `done` holds for
/// them, or `deadline` passes; the caller says what it goes on without.
pub async fn await_endpoints(
    conn: &Connection,
    namespace: &str,
    service: &str,
    deadline: std::time::Instant,
    done: impl Fn(&[k8s_openapi::api::discovery::v1::EndpointSlice]) -> bool,
) -> Endpoints {
    use futures::StreamExt;
    use kube::runtime::watcher::{self, Event};
    let slices: Api<k8s_openapi::api::discovery::v1::EndpointSlice> =
        Api::namespaced(conn.client.clone(), namespace);
    let config =
        watcher::Config::default().labels(&format!("kubernetes.io/service-name={service}"));
    let mut events = watcher::watcher(slices, config).boxed();
    let mut seen = std::collections::BTreeMap::new();
    let mut listed = false;
    loop {
        let Ok(Some(event)) = tokio::time::timeout_at(deadline.into(), events.next()).await else {
            return Endpoints::TimedOut;
        };
        match event {
            Ok(Event::Init) => seen.clear(),
            Ok(Event::InitApply(s) | Event::Apply(s)) => {
                seen.insert(s.metadata.name.clone().unwrap_or_default(), s);
            }
            Ok(Event::Delete(s)) => {
                seen.remove(&s.metadata.name.clone().unwrap_or_default());
            }
            Ok(Event::InitDone) => listed = true,
            Err(
                watcher::Error::InitialListFailed(kube::Error::Api(s))
                | watcher::Error::WatchStartFailed(kube::Error::Api(s)),
            ) if s.code == 403 => return Endpoints::Forbidden,
            Err(e) => tracing::debug!("the watch of {service}'s endpoints: {e}"),
        }
        let now: Vec<_> = seen.values().cloned().collect();
        if listed && done(&now) {
            return Endpoints::Followed;
        }
    }
}

/// A Kubernetes Service, by name and namespace.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceRef {
    pub name: String,
    pub namespace: String,
}

/// Which version a backend of a route sends to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Version {
    Incumbent,
    Contender,
    /// A backend ramp does not manage (another service).
    Other,
}

/// One backend of a route with its weight as written in the object and as a
/// share of the route's traffic.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Backend {
    /// The destination as the object writes it: an Istio host (with
    /// `/subset` when one is set) or a Service name.
    pub destination: String,
    pub version: Version,
    pub weight: u32,
    pub percent: f64,
}

/// One route (a VirtualService HTTP route, an HTTPRoute rule) that sends to
/// the incumbent, with its current weights.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RouteWeights {
    /// `VirtualService` or `HTTPRoute`.
    pub kind: &'static str,
    /// The object's name.
    pub object: String,
    /// The route's name, or its position (`http[0]`, `rules[1]`).
    pub route: String,
    pub backends: Vec<Backend>,
    /// The percentage of the route's requests also copied to the
    /// contender, when it mirrors to it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mirror: Option<u32>,
}

impl RouteWeights {
    /// The share of this route's traffic that goes to one version.
    pub fn percent_to(&self, version: Version) -> f64 {
        self.backends
            .iter()
            .filter(|b| b.version == version)
            // Not `sum()`: an empty f64 sum is -0.0, which prints as "-0%".
            .fold(0.0, |total, b| total + b.percent)
    }
}

/// What the cluster routes to a Deployment's Service: the router that
/// applies and the routes it would manage.
#[derive(Debug, Clone, PartialEq)]
pub struct Routing {
    pub router: RouterKind,
    pub routes: Vec<RouteWeights>,
    /// Without a mesh, the incumbent Service's selector as it is, when the
    /// rollout manages it.
    pub selector: Option<replicas::SelectorView>,
}

impl Routing {
    /// Nothing routes to the Deployment (no Service selects its pods): its
    /// pods are all there is.
    pub fn none() -> Routing {
        Routing {
            router: RouterKind::Replicas,
            routes: Vec::new(),
            selector: None,
        }
    }
}

/// The routes of one routing object that send to the incumbent.
pub type RoutesOf = fn(&DynamicObject, &ServiceRef, &ServiceRef) -> Vec<RouteWeights>;

/// Finds what routes traffic to `incumbent`: Istio VirtualServices first,
/// then Gateway API HTTPRoutes, else the replicas router.
pub async fn discover(
    conn: &Connection,
    incumbent: &ServiceRef,
    contender: &ServiceRef,
) -> Result<Routing> {
    Ok(
        discover_listing(conn, incumbent, contender, Freshness::Cached)
            .await?
            .0,
    )
}

/// Why no VirtualService that sends to `incumbent` is one the istio router
/// shifts (tcp only, another namespace), a sentence each: said when a
/// rollout goes without a mesh. Read across namespaces where these
/// credentials may; in the Service's namespace where they may not.
pub async fn why_not_istio(conn: &Connection, incumbent: &ServiceRef) -> Result<Vec<String>> {
    let Some(version) = istio::FLAVOR.served(conn).await? else {
        return Ok(Vec::new());
    };
    let resource = istio::FLAVOR.resource(&version);
    let everywhere: Api<DynamicObject> = Api::all_with(conn.client.clone(), &resource);
    let listed = match everywhere.list(&ListParams::default().match_any()).await {
        Ok(list) => list.items,
        Err(kube::Error::Api(status)) if status.code == 403 => {
            list_custom(conn, &resource, &incumbent.namespace, Freshness::Cached)
                .await?
                .unwrap_or_default()
        }
        Err(e) => {
            return Err(error::from_kube(
                e,
                "list virtualservices in every namespace",
                &conn.server,
            ));
        }
    };
    Ok(listed
        .iter()
        .filter_map(|vs| istio::not_shifted(vs, incumbent))
        .collect())
}

/// `discover`, first from the routing objects named like the Service (one
/// GET each, where most setups keep them), listing the namespace's only
/// when none of those routes to it.
pub async fn discover_named(
    conn: &Connection,
    incumbent: &ServiceRef,
    contender: &ServiceRef,
) -> Result<Routing> {
    for (kind, flavor, routes_of) in flavors() {
        let Some(version) = flavor.served(conn).await? else {
            continue;
        };
        let api: Api<DynamicObject> = Api::namespaced_with(
            conn.client.clone(),
            &incumbent.namespace,
            &flavor.resource(&version),
        );
        let named = api.get_opt(&incumbent.name).await.map_err(|e| {
            error::from_kube(
                e,
                &format!("get {} {:?}", flavor.kind, incumbent.name),
                &conn.server,
            )
        })?;
        let routes = named.map_or_else(Vec::new, |o| routes_of(&o, incumbent, contender));
        if !routes.is_empty() {
            return Ok(Routing {
                router: kind,
                routes,
                selector: None,
            });
        }
        // Only the first kind the cluster serves is tried by name.
        break;
    }
    // Something else may route to it: look at everything, in order.
    discover(conn, incumbent, contender).await
}

/// The routes of every namespace the caller may list that still send to
/// (or mirror to) the contender's Service, as `KIND NAMESPACE/NAME`; `None`
/// when the caller may not list them all. A Service ramp would delete
/// while one of them sends to it would take that route's traffic with it.
pub async fn still_sending(
    conn: &Connection,
    incumbent: &ServiceRef,
    contender: &ServiceRef,
) -> Result<Option<Vec<String>>> {
    let mut sending = Vec::new();
    for (_, flavor, _) in flavors() {
        let Some(version) = flavor.served(conn).await? else {
            continue;
        };
        let resource = flavor.resource(&version);
        let api: Api<DynamicObject> = Api::all_with(conn.client.clone(), &resource);
        let objects = match api.list(&ListParams::default()).await {
            Ok(list) => list.items,
            Err(kube::Error::Api(status)) if status.code == 403 => return Ok(None),
            Err(e) => {
                return Err(error::from_kube(
                    e,
                    &format!("list {} in every namespace", resource.plural),
                    &conn.server,
                ));
            }
        };
        for object in objects {
            let namespace = object.metadata.namespace.clone().unwrap_or_default();
            let list = weights::routes_list(flavor, &object);
            if weights::evicted(flavor, &list, &namespace, incumbent, contender).is_some() {
                sending.push(format!(
                    "{} {namespace}/{}",
                    flavor.kind,
                    object.metadata.name.clone().unwrap_or_default()
                ));
            }
        }
    }
    Ok(Some(sending))
}

/// The kinds of routing objects, in the order they are looked for.
fn flavors() -> [(RouterKind, &'static weights::Flavor, RoutesOf); 2] {
    weighted().map(|w| (w.kind, w.flavor, w.routes_of))
}

/// `discover`, with the lists as fresh as asked, and the objects of the
/// router found.
pub async fn discover_listing(
    conn: &Connection,
    incumbent: &ServiceRef,
    contender: &ServiceRef,
    freshness: Freshness,
) -> Result<(Routing, Vec<DynamicObject>)> {
    for (kind, flavor, routes_of) in flavors() {
        let Some(version) = flavor.served(conn).await? else {
            continue;
        };
        let resource = flavor.resource(&version);
        let Some(objects) = list_custom(conn, &resource, &incumbent.namespace, freshness).await?
        else {
            continue;
        };
        let routes: Vec<RouteWeights> = objects
            .iter()
            .flat_map(|o| routes_of(o, incumbent, contender))
            .collect();
        if !routes.is_empty() {
            return Ok((
                Routing {
                    router: kind,
                    routes,
                    selector: None,
                },
                objects,
            ));
        }
    }
    Ok((
        Routing {
            router: RouterKind::Replicas,
            routes: Vec::new(),
            selector: None,
        },
        Vec::new(),
    ))
}

/// How current a list must be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Freshness {
    /// As etcd holds it now: what a snapshot is taken of.
    Now,
    /// As the API server's cache holds it (a moment old at most): enough
    /// to tell what routes where, and much cheaper in a crowded namespace.
    Cached,
}

/// Lists the objects of a custom resource in a namespace, or `None` when its
/// CRD is not installed in the cluster.
pub(crate) async fn list_custom(
    conn: &Connection,
    resource: &ApiResource,
    namespace: &str,
    freshness: Freshness,
) -> Result<Option<Vec<DynamicObject>>> {
    let api: Api<DynamicObject> = Api::namespaced_with(conn.client.clone(), namespace, resource);
    let params = match freshness {
        Freshness::Now => ListParams::default(),
        Freshness::Cached => ListParams::default().match_any(),
    };
    match api.list(&params).await {
        Ok(list) => Ok(Some(list.items)),
        Err(kube::Error::Api(status)) if status.code == 404 => Ok(None),
        Err(e) => Err(error::from_kube(
            e,
            &format!("list {} in namespace {namespace:?}", resource.plural),
            &conn.server,
        )),
    }
}
