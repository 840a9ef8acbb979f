//! What the istio and gateway-api routers share: a route (an Istio HTTP
//! route, an HTTPRoute rule) holds a list of weighted backends (`route`,
//! `backendRefs`). ramp chooses the routes whose only backend is the
//! incumbent, adds the contender beside it, changes the two weights, and
//! finally puts the list back exactly as it was. Nothing else of the object
//! is ever written.

use std::collections::BTreeMap;

use kube::Api;
use kube::api::{DynamicObject, Patch, PatchParams};
use kube::discovery::ApiResource;
use serde_json::{Value, json};

use futures::future::BoxFuture;

use k8s_openapi::apimachinery::pkg::apis::meta::v1::APIGroup;

use super::{
    Choice, Chosen, Freshness, Objects, Router, RouterKind, RoutesOf, Routing, ServiceRef,
    list_custom,
};
use crate::connect::Connection;
use crate::error::{self, Error, Kind, Result};
use crate::rollout::plan::RouteState;
use crate::rollout::record::{Header, RouteSnapshot, RouterRecord};
use crate::rollout::strategy::{Split, Step};

/// How one kind of routing object spells its routes and backends.
pub struct Flavor {
    /// The API group and resource of the objects.
    pub group: &'static str,
    pub plural: &'static str,
    /// The versions ramp speaks, preferred first; the cluster's CRD may
    /// serve only some (older Istio releases serve v1beta1, not v1).
    pub versions: &'static [&'static str],
    /// `VirtualService`, `HTTPRoute`.
    pub kind: &'static str,
    /// The flag that names the object: `--virtual-service`, `--http-route`.
    pub flag: &'static str,
    /// The list of routes under `spec`: `http`, `rules`.
    pub routes: &'static str,
    /// The list of backends in a route: `route`, `backendRefs`.
    pub backends: &'static str,
    /// Whether a backend sends to `service`; the object's namespace is given.
    pub sends_to: fn(&Value, &str, &ServiceRef) -> bool,
    /// The backend as people would name it: its host, its Service name.
    pub describe: fn(&Value) -> String,
    /// The contender's backend, made from the incumbent's.
    pub contender_backend: fn(&Value, &ServiceRef, &ServiceRef) -> Value,
    /// The list of match conditions in a route: `match`, `matches`.
    pub matches: &'static str,
    /// One match condition that also requires the header.
    pub with_header: fn(Value, &Header) -> Value,
    /// Whether a header route must come before its route (Istio takes the
    /// first route that matches) or may follow (the Gateway API takes the
    /// most specific).
    pub header_route_first: bool,
    /// The share of a route's requests it mirrors to the contender (whose
    /// backend is given), when it does.
    pub mirror_of: fn(&Value, &Value) -> Option<u32>,
    /// Sets a route's mirror to the contender (given by its backend) to
    /// that share, or takes it out; nothing else of the route changes.
    pub set_mirror: fn(&mut Value, &Value, Option<u32>),
    /// Whether a route already mirrors requests somewhere.
    pub mirrors: fn(&Value) -> bool,
    /// A route mirrors to one place at most (Istio's `mirror`): ramp's
    /// would replace someone else's.
    pub one_mirror: bool,
    /// Takes any mirror to the Service out of a route (its namespace
    /// given); whether there was one.
    pub unmirror: fn(&mut Value, &str, &ServiceRef) -> bool,
}

/// A router that shifts weights in routing objects (istio, gateway-api):
/// what they share, with the flavor of each.
pub struct Weighted {
    pub kind: RouterKind,
    pub flavor: &'static Flavor,
    /// The routes of one object that send to the incumbent, for status.
    pub routes_of: RoutesOf,
    /// Whether a route may send to a contender in another namespace.
    pub cross_namespace: bool,
    /// Refuses, at start, a mirror the cluster's CRD cannot carry out.
    pub check_mirror: Option<CheckMirror>,
}

/// See `Weighted::check_mirror`: the connection, the objects' version, the
/// objects as read, the chosen routes and the steps.
pub type CheckMirror = for<'a> fn(
    &'a Connection,
    &'a str,
    &'a Objects,
    &'a [RouteSnapshot],
    &'a [Step],
) -> BoxFuture<'a, Result<()>>;

/// What a write puts beside the weights.
#[derive(Clone, Copy)]
pub struct Written<'a> {
    /// A header route beside each route.
    pub header: Option<&'a Header>,
    /// The share of requests each route mirrors to the contender.
    pub mirror: Option<u32>,
    /// Traffic going back (a restore, an eviction): when the routes changed
    /// between the read and the write, they are read again and the write
    /// worked out anew, so that another command's concurrent move does not
    /// keep traffic on the contender. A move forward stops at such a
    /// change instead (a conflict, exit 5): it never writes over another
    /// command's, an abort's above all.
    pub going_back: bool,
}

impl Router for Weighted {
    fn kind(&self) -> RouterKind {
        self.kind
    }

    fn flavor(&self) -> Option<&'static Flavor> {
        Some(self.flavor)
    }

    fn without_record<'a>(
        &'a self,
        conn: &'a Connection,
        incumbent: &'a ServiceRef,
        contender: &'a ServiceRef,
        dry_run: bool,
    ) -> BoxFuture<'a, Result<Vec<String>>> {
        Box::pin(evict_all(self.flavor, conn, incumbent, contender, dry_run))
    }

    fn choose<'a>(
        &'a self,
        conn: &'a Connection,
        choice: &'a Choice<'a>,
        steps: &'a [Step],
        _replicas: i32,
        _header: Option<&'a Header>,
    ) -> BoxFuture<'a, Result<Chosen>> {
        Box::pin(async move {
            let namespace = &choice.incumbent.namespace;
            let missing = || {
                Error::invalid(format!(
                    "the {} router needs the {} CRD ({}.{}), which this cluster does not have",
                    self.kind.as_str(),
                    self.flavor.kind,
                    self.flavor.plural,
                    self.flavor.group,
                ))
                .with_hint(format!(
                    "install it (serving version {}), or choose another --router",
                    self.flavor.versions.join(", ")
                ))
            };
            let version = self.flavor.served(conn).await?.ok_or_else(missing)?;
            let resource = self.flavor.resource(&version);
            let objects = match &choice.listed {
                Some(listed) => listed.clone(),
                None => list_custom(conn, &resource, namespace, Freshness::Now)
                    .await?
                    .ok_or_else(missing)?,
            };
            if !self.cross_namespace && choice.contender.namespace != *namespace {
                return Err(Error::invalid(format!(
                    "--canary-namespace is not available with the {} router",
                    self.kind.as_str()
                ))
                .with_hint("an HTTPRoute may send to another namespace only through a ReferenceGrant; run the contender beside the Deployment, or use the istio router"));
            }
            let routes = choose(
                self.flavor,
                &objects,
                choice.incumbent,
                choice.contender,
                choice.object,
                choice.route,
            )?;
            let objects: Objects = objects
                .into_iter()
                .filter(|o| {
                    routes
                        .iter()
                        .any(|r| Some(&r.object) == o.metadata.name.as_ref())
                })
                .map(|o| (o.metadata.name.clone().unwrap_or_default(), o))
                .collect();
            if let Some(step) = steps.iter().find(|s| s.mirror.is_some()) {
                no_mirror_yet(self.flavor, &objects, &routes, step)?;
                if let Some(check) = self.check_mirror {
                    check(conn, &version, &objects, &routes, steps).await?;
                }
            }
            Ok(Chosen {
                routes,
                api_version: Some(version),
                objects,
                selector: None,
            })
        })
    }

    fn observe<'a>(
        &'a self,
        conn: &'a Connection,
        router: &'a RouterRecord,
        known: &'a mut Objects,
    ) -> BoxFuture<'a, Result<Vec<RouteState>>> {
        Box::pin(observe(
            self.flavor,
            self.flavor.recorded(router),
            conn,
            &router.routes,
            router.header.as_ref(),
            known,
        ))
    }

    fn set_weights<'a>(
        &'a self,
        conn: &'a Connection,
        router: &'a RouterRecord,
        split: Split,
        mirror: Option<u32>,
        dry_run: bool,
        known: &'a mut Objects,
    ) -> BoxFuture<'a, Result<()>> {
        Box::pin(write(
            self.flavor,
            self.flavor.recorded(router),
            conn,
            &router.routes,
            move |s| weighted(s, split),
            Written {
                header: router.header.as_ref(),
                mirror,
                going_back: false,
            },
            dry_run,
            known,
        ))
    }

    fn restore<'a>(
        &'a self,
        conn: &'a Connection,
        router: &'a RouterRecord,
        dry_run: bool,
        known: &'a mut Objects,
    ) -> BoxFuture<'a, Result<Vec<String>>> {
        Box::pin(async move {
            write(
                self.flavor,
                self.flavor.recorded(router),
                conn,
                &router.routes,
                |s| s.original.clone(),
                Written {
                    header: None,
                    mirror: None,
                    going_back: true,
                },
                dry_run,
                known,
            )
            .await?;
            Ok(Vec::new())
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
            let resource = self.flavor.recorded(router);
            let deadline = deadline.min(std::time::Instant::now() + super::SETTLE_LIMIT);
            for name in by_object(&router.routes).into_keys() {
                let api = api(&resource, conn, &conn.namespace);
                let taken = |o: &DynamicObject| {
                    super::settle::taken_up(o.metadata.generation, o.data.get("status"))
                };
                if known.get(name).is_some_and(taken) {
                    continue;
                }
                // A watch until the gateway's status names the generation
                // written; one that never reports is waited for no longer
                // than the deadline.
                let condition = move |o: Option<&DynamicObject>| o.is_none_or(taken);
                let waited = tokio::time::timeout_at(
                    deadline.into(),
                    kube::runtime::wait::await_condition(api, name, condition),
                )
                .await;
                match waited {
                    Ok(Ok(Some(object))) => {
                        known.insert(name.to_string(), object);
                    }
                    Ok(Ok(None)) => {}
                    Ok(Err(e)) => tracing::debug!("the watch of {name} ended: {e}"),
                    Err(_) => tracing::debug!("{name}: no gateway took it up in time"),
                }
            }
            Ok(())
        })
    }

    fn routing<'a>(
        &'a self,
        conn: &'a Connection,
        router: &'a RouterRecord,
        incumbent: &'a ServiceRef,
        contender: &'a ServiceRef,
    ) -> BoxFuture<'a, Result<Routing>> {
        Box::pin(async move {
            let resource = self.flavor.recorded(router);
            let api: Api<DynamicObject> =
                Api::namespaced_with(conn.client.clone(), &incumbent.namespace, &resource);
            let mut names: Vec<&String> = router.routes.iter().map(|r| &r.object).collect();
            names.dedup();
            // Only the objects the record names, read together.
            let read = futures::future::join_all(names.iter().map(|name| api.get_opt(name))).await;
            let mut routes = Vec::new();
            for (name, object) in names.into_iter().zip(read) {
                let object = object.map_err(|e| {
                    error::from_kube(
                        e,
                        &format!("get {} {name:?}", self.flavor.kind),
                        &conn.server,
                    )
                })?;
                if let Some(object) = object {
                    routes.extend((self.routes_of)(&object, incumbent, contender));
                }
            }
            Ok(Routing {
                router: self.kind,
                routes,
                selector: None,
            })
        })
    }

    fn evict<'a>(
        &'a self,
        conn: &'a Connection,
        router: &'a RouterRecord,
        incumbent: &'a ServiceRef,
        contender: &'a ServiceRef,
    ) -> BoxFuture<'a, Result<Vec<String>>> {
        Box::pin(evict(
            self.flavor,
            self.flavor.recorded(router),
            conn,
            router,
            incumbent,
            contender,
        ))
    }

    fn routing_of(
        &self,
        router: &RouterRecord,
        known: &Objects,
        incumbent: &ServiceRef,
        contender: &ServiceRef,
    ) -> Routing {
        let mut names: Vec<&String> = router.routes.iter().map(|r| &r.object).collect();
        names.dedup();
        Routing {
            router: self.kind,
            routes: names
                .into_iter()
                .filter_map(|name| known.get(name))
                .flat_map(|object| (self.routes_of)(object, incumbent, contender))
                .collect(),
            selector: None,
        }
    }
}

impl Flavor {
    /// The objects' resource at one version.
    pub fn resource(&self, version: &str) -> ApiResource {
        ApiResource {
            group: self.group.into(),
            version: version.into(),
            api_version: format!("{}/{version}", self.group),
            kind: self.kind.into(),
            plural: self.plural.into(),
        }
    }

    /// The resource at the version a rollout recorded (the preferred one
    /// for records written before versions were).
    pub fn recorded(&self, router: &RouterRecord) -> ApiResource {
        self.resource(router.api_version.as_deref().unwrap_or(self.versions[0]))
    }

    /// The version of the objects the cluster serves that ramp prefers,
    /// asked of the API server (one GET of the API group); `None` when
    /// the cluster does not have the CRD.
    pub async fn served(&self, conn: &Connection) -> Result<Option<String>> {
        let known = conn
            .served
            .lock()
            .expect("not poisoned")
            .get(self.group)
            .cloned();
        let served = match known {
            Some(served) => served,
            None => {
                let served = self.ask_served(conn).await?;
                conn.served
                    .lock()
                    .expect("not poisoned")
                    .insert(self.group.to_string(), served.clone());
                served
            }
        };
        let Some(served) = served else {
            return Ok(None);
        };
        Ok(self
            .versions
            .iter()
            .find(|v| served.iter().any(|s| s == *v))
            .map(|v| v.to_string()))
    }

    /// The versions of the group the cluster serves; `None` without it.
    async fn ask_served(&self, conn: &Connection) -> Result<Option<Vec<String>>> {
        let request = http::Request::get(format!("/apis/{}", self.group))
            .body(Vec::new())
            .expect("a valid request");
        match conn.client.request::<APIGroup>(request).await {
            Ok(group) => Ok(Some(
                group.versions.into_iter().map(|v| v.version).collect(),
            )),
            Err(kube::Error::Api(status)) if status.code == 404 => Ok(None),
            Err(e) => Err(error::from_kube(
                e,
                &format!("read the API group {}", self.group),
                &conn.server,
            )),
        }
    }
}

/// The routes ramp will shift, chosen at start: every route of one object
/// that sends all its traffic to the incumbent's Service.
pub fn choose(
    flavor: &Flavor,
    objects: &[DynamicObject],
    incumbent: &ServiceRef,
    contender: &ServiceRef,
    object: Option<&str>,
    route: Option<&str>,
) -> Result<Vec<RouteSnapshot>> {
    let routing: Vec<&DynamicObject> = objects
        .iter()
        .filter(|o| sends_to_incumbent(flavor, o, incumbent))
        .collect();
    let chosen = chosen_object(flavor, objects, &routing, incumbent, object)?;
    snapshots_of(flavor, chosen, incumbent, contender, route)
}

/// The routes of a routing object, as its kind lists them.
fn routes_of(flavor: &Flavor, o: &DynamicObject) -> Vec<Value> {
    o.data
        .pointer(&format!("/spec/{}", flavor.routes))
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default()
}

/// The backends of one route.
fn backends_of(flavor: &Flavor, r: &Value) -> Vec<Value> {
    r.get(flavor.backends)
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default()
}

/// Whether one of `o`'s routes sends to the incumbent's Service.
fn sends_to_incumbent(flavor: &Flavor, o: &DynamicObject, incumbent: &ServiceRef) -> bool {
    let object_namespace = o.metadata.namespace.clone().unwrap_or_default();
    routes_of(flavor, o).iter().any(|r| {
        backends_of(flavor, r)
            .iter()
            .any(|b| (flavor.sends_to)(b, &object_namespace, incumbent))
    })
}

/// The object of `routing` (those that send to the incumbent) named by
/// the flag (`object`), else the only one.
fn chosen_object<'a>(
    flavor: &Flavor,
    objects: &[DynamicObject],
    routing: &[&'a DynamicObject],
    incumbent: &ServiceRef,
    object: Option<&str>,
) -> Result<&'a DynamicObject> {
    let namespace = &incumbent.namespace;
    let kind = flavor.kind;
    let service = &incumbent.name;
    let names: Vec<String> = routing
        .iter()
        .filter_map(|o| o.metadata.name.clone())
        .collect();
    match object {
        Some(wanted) => routing
            .iter()
            .find(|o| o.metadata.name.as_deref() == Some(wanted))
            .copied()
            .ok_or_else(|| {
                let exists = objects
                    .iter()
                    .any(|o| o.metadata.name.as_deref() == Some(wanted));
                let problem = match exists {
                    true => format!("{kind} {wanted:?} has no route to service {service:?}"),
                    false => format!("{kind} {wanted:?} not found in namespace {namespace:?}"),
                };
                Error::invalid(problem).with_hint(match names.is_empty() {
                    true => format!("no {kind} in namespace {namespace:?} routes to {service:?}"),
                    false => format!("these route to {service:?}: {}", names.join(", ")),
                })
            }),
        None => match routing {
            [] => Err(Error::invalid(format!(
                "no {kind} in namespace {namespace:?} has a route to service {service:?}"
            ))
            .with_hint(format!(
                "create one that sends to {service:?}, pass --service NAME if the Deployment's Service has another name, or choose another --router"
            ))),
            [one] => Ok(one),
            _ => Err(Error::invalid(format!(
                "several {kind}s route to service {service:?}: {}",
                names.join(", ")
            ))
            .with_hint(format!("pass {} NAME to choose one", flavor.flag))),
        },
    }
}

/// The routes of `chosen` to shift: each that sends all its traffic to the
/// incumbent's Service (the one named `route`, when given), as it is now.
fn snapshots_of(
    flavor: &Flavor,
    chosen: &DynamicObject,
    incumbent: &ServiceRef,
    contender: &ServiceRef,
    route: Option<&str>,
) -> Result<Vec<RouteSnapshot>> {
    let kind = flavor.kind;
    let service = &incumbent.name;
    let object_name = chosen.metadata.name.clone().unwrap_or_default();
    let object_namespace = chosen.metadata.namespace.clone().unwrap_or_default();
    let mut snapshots = Vec::new();
    let mut seen = Vec::new();
    for (index, entry) in routes_of(flavor, chosen).iter().enumerate() {
        let backends = backends_of(flavor, entry);
        if !backends
            .iter()
            .any(|b| (flavor.sends_to)(b, &object_namespace, incumbent))
        {
            continue;
        }
        let name = entry
            .get("name")
            .and_then(Value::as_str)
            .map(str::to_string);
        let label = name
            .clone()
            .unwrap_or_else(|| format!("{}[{index}]", flavor.routes));
        seen.push(label.clone());
        if route.is_some_and(|wanted| Some(wanted) != name.as_deref()) {
            continue;
        }
        if backends.len() != 1 {
            let described: Vec<String> = backends.iter().map(flavor.describe).collect();
            return Err(Error::invalid(format!(
                "route {label} of {kind} {object_name:?} already splits traffic between {}",
                described.join(" and ")
            ))
            .with_hint(format!(
                "ramp shifts routes that send all their traffic to {service:?}; remove the split, or pass --route NAME to choose another route"
            )));
        }
        snapshots.push(RouteSnapshot {
            object: object_name.clone(),
            route: format!("/spec/{}/{index}", flavor.routes),
            name,
            contender: (flavor.contender_backend)(&backends[0], incumbent, contender),
            original: Value::Array(backends),
            empty_lists: empty_lists(entry),
        });
    }
    if snapshots.is_empty() {
        return Err(Error::invalid(format!(
            "{kind} {object_name:?} has no route named {:?} that sends to {service:?}",
            route.unwrap_or_default()
        ))
        .with_hint(format!(
            "its routes to {service:?} are: {}",
            seen.join(", ")
        )));
    }
    Ok(snapshots)
}

/// Refuses a step that mirrors (`step`) on a route that already mirrors
/// requests elsewhere: a route has one mirror.
fn no_mirror_yet(
    flavor: &Flavor,
    objects: &Objects,
    routes: &[RouteSnapshot],
    step: &Step,
) -> Result<()> {
    for route in routes {
        let entry = objects
            .get(&route.object)
            .and_then(|o| o.data.pointer(&route.route));
        if entry.is_some_and(flavor.mirrors) {
            return Err(Error::invalid(format!(
                "route {} of {} {:?} already mirrors requests; step {:?} would mirror them to the contender",
                route.label(),
                flavor.kind,
                route.object,
                step.name
            ))
            .with_hint("leave out --mirror and the steps' mirror, or take the route's own mirror out for the rollout"));
        }
    }
    Ok(())
}

fn without_weight(backend: &Value) -> Value {
    let mut backend = backend.clone();
    if let Some(object) = backend.as_object_mut() {
        object.remove("weight");
    }
    backend
}

/// The routes list without the contender: every backend that sends to it
/// taken out, its weight given to the incumbent's backend beside it, and a
/// route left with no backend (a header route) removed. `None` when
/// nothing sends to the contender.
pub fn evicted(
    flavor: &Flavor,
    list: &[Value],
    namespace: &str,
    incumbent: &ServiceRef,
    contender: &ServiceRef,
) -> Option<Vec<Value>> {
    let to_contender = |b: &Value| (flavor.sends_to)(b, namespace, contender);
    let weight = |b: &Value| b.get("weight").and_then(Value::as_u64).unwrap_or(0);
    let mut changed = false;
    let mut kept = Vec::new();
    for route in list {
        // A mirror to the contender goes too.
        let mut unmirrored = route.clone();
        let route = match (flavor.unmirror)(&mut unmirrored, namespace, contender) {
            true => {
                changed = true;
                &unmirrored
            }
            false => route,
        };
        let backends = route
            .get(flavor.backends)
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        if !backends.iter().any(to_contender) {
            kept.push(route.clone());
            continue;
        }
        changed = true;
        let freed: u64 = backends
            .iter()
            .filter(|b| to_contender(b))
            .map(weight)
            .sum();
        let mut left: Vec<Value> = backends.into_iter().filter(|b| !to_contender(b)).collect();
        match left.as_mut_slice() {
            [] => continue,
            [only] => {
                if let Some(object) = only.as_object_mut() {
                    object.remove("weight");
                }
            }
            several => {
                if let Some(home) = several
                    .iter_mut()
                    .find(|b| (flavor.sends_to)(b, namespace, incumbent))
                    && let Some(w) = home.get("weight").and_then(Value::as_u64)
                {
                    home["weight"] = Value::from(w + freed);
                }
            }
        }
        let mut route = route.clone();
        route[flavor.backends] = Value::Array(left);
        kept.push(route);
    }
    changed.then_some(kept)
}

/// Replaces an object's routes list with `wanted`, in one JSON patch that
/// carries the resourceVersion the object was read at: a concurrent change
/// fails the write (409) instead of being overwritten.
///
/// The version, not a `test` of the list as read: the API server compares
/// a `test`'s strings as it encodes them, with `&`, `<` and `>` escaped,
/// so a route holding one of them (a URI match `/search?a=1&b=2`) would
/// never test equal.
async fn replace_routes(
    api: &Api<DynamicObject>,
    flavor: &Flavor,
    object: &DynamicObject,
    wanted: &[Value],
    dry_run: bool,
) -> std::result::Result<DynamicObject, kube::Error> {
    let name = object.metadata.name.clone().unwrap_or_default();
    let path = format!("/spec/{}", flavor.routes);
    let mut ops = Vec::new();
    if let Some(version) = &object.metadata.resource_version {
        ops.push(json!({"op": "replace", "path": "/metadata/resourceVersion", "value": version}));
    }
    ops.push(json!({"op": "replace", "path": path, "value": wanted}));
    let patch: json_patch::Patch =
        serde_json::from_value(Value::Array(ops)).expect("valid JSON patch operations");
    let params = PatchParams {
        dry_run,
        ..Default::default()
    };
    api.patch(&name, &params, &Patch::Json::<()>(patch)).await
}

/// How many times a routes write is tried again after the object changed
/// between its read and the write (a gateway writing its status, a label):
/// each time it is read again, and what ramp would write is worked out
/// anew from it.
const ROUTE_WRITES: usize = 5;

/// Writes the list `wanted` gives for `object` (none: nothing to write)
/// against the version read, reading it again when it changed meanwhile.
/// What was written, or `None` when nothing was.
async fn write_routes(
    api: &Api<DynamicObject>,
    flavor: &Flavor,
    mut current: DynamicObject,
    mut wanted: impl FnMut(&DynamicObject) -> Result<Option<Vec<Value>>>,
    going_back: bool,
    dry_run: bool,
    conn: &Connection,
) -> Result<Option<DynamicObject>> {
    let kind = flavor.kind;
    let name = current.metadata.name.clone().unwrap_or_default();
    for attempt in 1..=ROUTE_WRITES {
        let Some(list) = wanted(&current)? else {
            return Ok(None);
        };
        match replace_routes(api, flavor, &current, &list, dry_run).await {
            Ok(written) => return Ok(Some(written)),
            Err(kube::Error::Api(status)) if status.code == 409 && attempt < ROUTE_WRITES => {
                let fresh = api.get(&name).await.map_err(|e| {
                    error::from_kube(e, &format!("get {kind} {name:?}"), &conn.server)
                })?;
                // The routes themselves changed: someone else moved them.
                if !going_back && routes_list(flavor, &fresh) != routes_list(flavor, &current) {
                    return Err(Error::new(
                        Kind::Conflict,
                        format!("{kind} {name:?} changed while ramp was writing its weights"),
                    )
                    .with_hint("run the command again"));
                }
                current = fresh;
            }
            Err(kube::Error::Api(status)) if status.code == 409 => break,
            Err(e) => {
                return Err(error::from_kube(
                    e,
                    &format!("patch {kind} {name:?}"),
                    &conn.server,
                ));
            }
        }
    }
    Err(Error::new(
        Kind::Conflict,
        format!("{kind} {name:?} kept changing while ramp was writing its routes"),
    )
    .with_hint("run the command again"))
}

/// Takes the contender out of every route of this kind in the namespace
/// that sends to it (a rollout whose record is gone): what was done.
pub async fn evict_all(
    flavor: &Flavor,
    conn: &Connection,
    incumbent: &ServiceRef,
    contender: &ServiceRef,
    dry_run: bool,
) -> Result<Vec<String>> {
    let Some(version) = flavor.served(conn).await? else {
        return Ok(Vec::new());
    };
    let resource = flavor.resource(&version);
    let Some(objects) = list_custom(conn, &resource, &conn.namespace, Freshness::Now).await? else {
        return Ok(Vec::new());
    };
    let api = api(&resource, conn, &conn.namespace);
    let kind = flavor.kind;
    let mut done = Vec::new();
    for object in objects {
        let name = object.metadata.name.clone().unwrap_or_default();
        if evict_from(&api, flavor, object, conn, incumbent, contender, dry_run).await? {
            done.push(format!("took {} out of {kind} {name}", contender.name));
        }
    }
    Ok(done)
}

/// Takes the contender out of one routing object's routes, writing it
/// against the version read; false when none of them sent to it.
async fn evict_from(
    api: &Api<DynamicObject>,
    flavor: &Flavor,
    object: DynamicObject,
    conn: &Connection,
    incumbent: &ServiceRef,
    contender: &ServiceRef,
    dry_run: bool,
) -> Result<bool> {
    let out = |o: &DynamicObject| {
        let list = routes_list(flavor, o);
        Ok(evicted(
            flavor,
            &list,
            &conn.namespace,
            incumbent,
            contender,
        ))
    };
    Ok(write_routes(api, flavor, object, out, true, dry_run, conn)
        .await?
        .is_some())
}

/// Takes the contender out of every route of the rollout's objects, when
/// they cannot be restored from the snapshot (someone changed them); what
/// was done, a sentence each.
pub async fn evict(
    flavor: &Flavor,
    resource: ApiResource,
    conn: &Connection,
    router: &RouterRecord,
    incumbent: &ServiceRef,
    contender: &ServiceRef,
) -> Result<Vec<String>> {
    let api = api(&resource, conn, &conn.namespace);
    let kind = flavor.kind;
    let mut done = Vec::new();
    for (object, _) in by_object(&router.routes) {
        let Some(current) = api
            .get_opt(object)
            .await
            .map_err(|e| error::from_kube(e, &format!("get {kind} {object:?}"), &conn.server))?
        else {
            done.push(format!(
                "{kind} {object} is gone: it sends nothing to {}",
                contender.name
            ));
            continue;
        };
        if evict_from(&api, flavor, current, conn, incumbent, contender, false).await? {
            done.push(format!(
                "took {} out of {kind} {object}; its other routes are as someone left them",
                contender.name
            ));
        }
    }
    Ok(done)
}

/// The backends of a route split by ramp: the incumbent's as it was, and
/// the contender's beside it.
pub fn weighted(snapshot: &RouteSnapshot, split: Split) -> Value {
    let mut incumbent = snapshot.original[0].clone();
    incumbent["weight"] = Value::from(split.incumbent);
    let mut contender = snapshot.contender.clone();
    contender["weight"] = Value::from(split.contender);
    Value::Array(vec![incumbent, contender])
}

/// The name of the header route ramp adds for a route: unique, and valid
/// as an HTTPRoute rule name.
fn header_route_name(snapshot: &RouteSnapshot) -> String {
    let index = snapshot.route.rsplit('/').next().unwrap_or_default();
    format!("ramp-header-{index}")
}

/// The header route for a managed route: the route itself (its retries,
/// timeouts, filters stay), matching only requests that carry the header,
/// sending them all to the contender.
fn header_route(
    flavor: &Flavor,
    entry: &Value,
    snapshot: &RouteSnapshot,
    header: &Header,
) -> Value {
    let mut route = entry.clone();
    route["name"] = Value::String(header_route_name(snapshot));
    route[flavor.backends] = Value::Array(vec![snapshot.contender.clone()]);
    let matches = entry
        .get(flavor.matches)
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let matches = if matches.is_empty() {
        vec![json!({})]
    } else {
        matches
    };
    route[flavor.matches] = Value::Array(
        matches
            .into_iter()
            .map(|m| (flavor.with_header)(m, header))
            .collect(),
    );
    route
}

/// The routes list of an object without ramp's header routes, and where
/// each of the remaining routes stands in the full list.
fn without_header_routes(list: &[Value], snapshots: &[&RouteSnapshot]) -> (Vec<Value>, Vec<usize>) {
    let ours: Vec<String> = snapshots.iter().map(|s| header_route_name(s)).collect();
    let mut kept = Vec::new();
    let mut positions = Vec::new();
    for (i, entry) in list.iter().enumerate() {
        let name = entry
            .get("name")
            .and_then(Value::as_str)
            .unwrap_or_default();
        if !ours.iter().any(|o| o == name) {
            kept.push(entry.clone());
            positions.push(i);
        }
    }
    (kept, positions)
}

fn original_index(snapshot: &RouteSnapshot) -> usize {
    snapshot
        .route
        .rsplit('/')
        .next()
        .and_then(|i| i.parse().ok())
        .unwrap_or(usize::MAX)
}

pub fn routes_list(flavor: &Flavor, object: &DynamicObject) -> Vec<Value> {
    object
        .data
        .pointer(&format!("/spec/{}", flavor.routes))
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default()
}

/// What state each managed route of one object is in, or a conflict when
/// someone else has changed one since ramp took its snapshot.
pub fn route_states(
    flavor: &Flavor,
    object: &DynamicObject,
    snapshots: &[&RouteSnapshot],
    header: Option<&Header>,
) -> Result<Vec<RouteState>> {
    let list = routes_list(flavor, object);
    let (kept, _) = without_header_routes(&list, snapshots);
    let present: Vec<String> = list
        .iter()
        .filter_map(|e| e.get("name").and_then(Value::as_str).map(str::to_string))
        .collect();
    snapshots
        .iter()
        .map(|snapshot| {
            let changed = || {
                Error::new(
                    Kind::Conflict,
                    format!(
                        "route {} of {} {:?} was changed by someone else during the rollout",
                        snapshot.label(),
                        flavor.kind,
                        snapshot.object
                    ),
                )
                .with_hint("restore the route as it was (the record keeps its snapshot), or abort the rollout")
            };
            let entry = kept.get(original_index(snapshot)).ok_or_else(changed)?;
            if entry.get("name").and_then(Value::as_str).map(str::to_string) != snapshot.name {
                return Err(changed());
            }
            let has_header_route = present.contains(&header_route_name(snapshot));
            let backends = entry.get(flavor.backends).cloned().unwrap_or(Value::Null);
            let weight = |b: &Value| b.get("weight").and_then(Value::as_u64).unwrap_or(0) as u32;
            let split = match backends.as_array().map(Vec::as_slice) {
                _ if backends == snapshot.original => None,
                Some([incumbent, contender])
                    if without_weight(incumbent) == without_weight(&snapshot.original[0])
                        && without_weight(contender) == without_weight(&snapshot.contender) =>
                {
                    Some(Split {
                        contender: weight(contender),
                        incumbent: weight(incumbent),
                    })
                }
                _ => return Err(changed()),
            };
            let mirror = (flavor.mirror_of)(entry, &snapshot.contender);
            Ok(match (split, has_header_route, mirror) {
                (None, false, None) => RouteState::Original,
                (Some(split), present, None) if present == header.is_some() => {
                    RouteState::Weighted(split)
                }
                (Some(split), present, Some(mirror)) if present == header.is_some() => {
                    RouteState::Mirrored(split, mirror)
                }
                _ => RouteState::Drifted,
            })
        })
        .collect()
}

fn api(resource: &ApiResource, conn: &Connection, namespace: &str) -> Api<DynamicObject> {
    Api::namespaced_with(conn.client.clone(), namespace, resource)
}

fn by_object(snapshots: &[RouteSnapshot]) -> BTreeMap<&str, Vec<&RouteSnapshot>> {
    let mut grouped: BTreeMap<&str, Vec<&RouteSnapshot>> = BTreeMap::new();
    for snapshot in snapshots {
        grouped
            .entry(snapshot.object.as_str())
            .or_default()
            .push(snapshot);
    }
    grouped
}

/// The state of every managed route, in the order of `snapshots`: from
/// the objects in `known`, the others read and kept there.
pub async fn observe(
    flavor: &Flavor,
    resource: ApiResource,
    conn: &Connection,
    snapshots: &[RouteSnapshot],
    header: Option<&Header>,
    known: &mut Objects,
) -> Result<Vec<RouteState>> {
    let api = api(&resource, conn, &conn.namespace);
    let mut states: BTreeMap<(String, String), RouteState> = BTreeMap::new();
    for (name, managed) in by_object(snapshots) {
        if !known.contains_key(name) {
            let object = api.get(name).await.map_err(|e| {
                error::from_kube(e, &format!("get {} {name:?}", flavor.kind), &conn.server)
            })?;
            known.insert(name.to_string(), object);
        }
        for (snapshot, state) in
            managed
                .iter()
                .zip(route_states(flavor, &known[name], &managed, header)?)
        {
            states.insert((snapshot.object.clone(), snapshot.route.clone()), state);
        }
    }
    Ok(snapshots
        .iter()
        .map(|s| states[&(s.object.clone(), s.route.clone())])
        .collect())
}

/// The whole routes list as it should be: the managed routes' backends as
/// `backends` gives them, with a header route beside each when `header` is
/// given, and every other route exactly as it is.
fn desired_list(
    flavor: &Flavor,
    list: &[Value],
    snapshots: &[&RouteSnapshot],
    backends: &impl Fn(&RouteSnapshot) -> Value,
    written: Written,
) -> Result<Vec<Value>> {
    let (mut kept, _) = without_header_routes(list, snapshots);
    let mut header_routes = Vec::new();
    for snapshot in snapshots {
        if let Some(entry) = kept.get_mut(original_index(snapshot)) {
            // A mirror that is not ramp's is someone else's: never replaced.
            if written.mirror.is_some()
                && flavor.one_mirror
                && (flavor.mirrors)(entry)
                && (flavor.mirror_of)(entry, &snapshot.contender).is_none()
            {
                return Err(Error::new(
                    Kind::Conflict,
                    format!(
                        "route {} of {} {:?} mirrors its requests somewhere else: someone else's mirror, which ramp does not replace with its own",
                        snapshot.label(),
                        flavor.kind,
                        snapshot.object
                    ),
                )
                .with_hint("take that mirror out of the route to go on, or `kubectl ramp abort` (it leaves that mirror as it is)"));
            }
            entry[flavor.backends] = backends(snapshot);
            let lists_before = lists(entry);
            // The header route mirrors nothing: its requests all go to the
            // contender anyway.
            (flavor.set_mirror)(entry, &snapshot.contender, None);
            if let Some(header) = written.header {
                header_routes.push((
                    original_index(snapshot),
                    header_route(flavor, entry, snapshot, header),
                ));
            }
            (flavor.set_mirror)(entry, &snapshot.contender, written.mirror);
            // A list that held only ramp's mirror, and was empty when the
            // rollout began, stays as the route had it.
            if let Some(object) = entry.as_object_mut() {
                for key in &snapshot.empty_lists {
                    if lists_before.contains(key) && !object.contains_key(key) {
                        object.insert(key.clone(), Value::Array(Vec::new()));
                    }
                }
            }
        }
    }
    if flavor.header_route_first {
        // Istio takes the first route that matches: each header route goes
        // right before its route. From the back, so indices stay right.
        header_routes.sort_by_key(|(index, _)| std::cmp::Reverse(*index));
        for (index, route) in header_routes {
            kept.insert(index, route);
        }
    } else {
        // The Gateway API prefers the more specific match wherever it is.
        kept.extend(header_routes.into_iter().map(|(_, route)| route));
    }
    Ok(kept)
}

/// The fields of a route that hold a list.
fn lists(entry: &Value) -> Vec<String> {
    entry.as_object().map_or_else(Vec::new, |object| {
        object
            .iter()
            .filter(|(_, v)| v.is_array())
            .map(|(k, _)| k.clone())
            .collect()
    })
}

/// The fields of a route that hold an empty list.
fn empty_lists(entry: &Value) -> Vec<String> {
    entry.as_object().map_or_else(Vec::new, |object| {
        object
            .iter()
            .filter(|(_, v)| v.as_array().is_some_and(Vec::is_empty))
            .map(|(k, _)| k.clone())
            .collect()
    })
}

/// Writes the routes list of every object ramp manages, as one JSON patch
/// each against the version read: a concurrent change to the object is
/// read, and a route someone else changed refused, instead of being
/// overwritten. Routes that are not ramp's come out exactly as they were.
/// An object in `known` is not read again unless it changed; `known` holds
/// what was written.
#[allow(clippy::too_many_arguments)]
pub async fn write(
    flavor: &Flavor,
    resource: ApiResource,
    conn: &Connection,
    snapshots: &[RouteSnapshot],
    backends: impl Fn(&RouteSnapshot) -> Value,
    written: Written<'_>,
    dry_run: bool,
    known: &mut Objects,
) -> Result<()> {
    let header = written.header;
    let api = api(&resource, conn, &conn.namespace);
    let kind = flavor.kind;
    for (object, managed) in by_object(snapshots) {
        let current = match known.get(object) {
            Some(current) => current.clone(),
            None => api.get(object).await.map_err(|e| {
                error::from_kube(e, &format!("get {kind} {object:?}"), &conn.server)
            })?,
        };
        // Worked out from each version read: a route someone else changed
        // is refused, never written over.
        let mut unchanged = None;
        let wanted = |o: &DynamicObject| {
            route_states(flavor, o, &managed, header)?;
            let list = routes_list(flavor, o);
            let wanted = desired_list(flavor, &list, &managed, &backends, written)?;
            if wanted == list {
                unchanged = Some(o.clone());
                return Ok(None);
            }
            Ok(Some(wanted))
        };
        match write_routes(
            &api,
            flavor,
            current,
            wanted,
            written.going_back,
            dry_run,
            conn,
        )
        .await?
        {
            Some(written) if !dry_run => {
                known.insert(object.to_string(), written);
            }
            Some(_) => {}
            None => {
                if let Some(unchanged) = unchanged {
                    known.insert(object.to_string(), unchanged);
                }
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mock;
    use crate::router::istio;

    fn snapshot() -> RouteSnapshot {
        RouteSnapshot {
            object: "web".into(),
            route: "/spec/http/0".into(),
            name: Some("primary".into()),
            original: json!([{"destination": {"host": "web"}}]),
            contender: json!({"destination": {"host": "web-canary"}}),
            empty_lists: Vec::new(),
        }
    }

    #[test]
    fn an_empty_list_ramps_mirror_went_into_is_left_empty() {
        use crate::router::gateway_api;
        let backend = json!({"name": "web", "port": 80});
        let contender = json!({"name": "web-canary", "port": 80});
        let ours = json!({"type": "RequestMirror",
                          "requestMirror": {"backendRef": contender.clone()}});
        let snapshot = |empty_lists: &[&str]| RouteSnapshot {
            object: "web".into(),
            route: "/spec/rules/0".into(),
            name: Some("main".into()),
            original: json!([backend.clone()]),
            contender: contender.clone(),
            empty_lists: empty_lists.iter().map(|k| k.to_string()).collect(),
        };
        let rule = |filters: Option<Value>| {
            let mut rule = json!({"name": "main", "backendRefs": [backend.clone()]});
            if let Some(filters) = filters {
                rule["filters"] = filters;
            }
            rule
        };
        let backends = |s: &RouteSnapshot| s.original.clone();
        type Case<'a> = (
            &'a str,
            &'a [&'a str],
            Option<Value>,
            Option<u32>,
            Option<Value>,
        );
        let cases: Vec<Case> = vec![
            (
                "ramp's mirror taken out of a list that was empty",
                &["filters"],
                Some(json!([ours.clone()])),
                None,
                Some(json!([])),
            ),
            (
                "ramp's mirror taken out of a rule that had no list",
                &[],
                Some(json!([ours.clone()])),
                None,
                None,
            ),
            (
                "ramp's mirror put into a list that was empty",
                &["filters"],
                Some(json!([])),
                Some(100),
                Some(json!([ours.clone()])),
            ),
            (
                "someone else took the empty list out: it stays out",
                &["filters"],
                None,
                None,
                None,
            ),
        ];
        for (case, empty, filters, mirror, want) in cases {
            let snapshot = snapshot(empty);
            let written = Written {
                header: None,
                mirror,
                going_back: false,
            };
            let wanted = desired_list(
                &gateway_api::FLAVOR,
                &[rule(filters)],
                &[&snapshot],
                &backends,
                written,
            )
            .unwrap();
            assert_eq!(wanted[0].get("filters"), want.as_ref(), "{case}");
        }
    }

    #[test]
    fn someone_elses_mirror_is_not_replaced_by_ramps() {
        let snapshot = snapshot();
        let mirrored = |mirror: Value| {
            vec![json!({"name": "primary", "mirror": mirror,
                        "route": [{"destination": {"host": "web"}}]})]
        };
        let written = Written {
            header: None,
            mirror: Some(100),
            going_back: false,
        };
        let backends = |s: &RouteSnapshot| {
            weighted(
                s,
                Split {
                    contender: 0,
                    incumbent: 100,
                },
            )
        };
        // Theirs (to an audit service), put on the route during the rollout.
        let theirs = mirrored(json!({"host": "audit"}));
        let err =
            desired_list(&istio::FLAVOR, &theirs, &[&snapshot], &backends, written).unwrap_err();
        assert_eq!(err.kind, Kind::Conflict);
        assert!(
            err.message
                .contains("mirrors its requests somewhere else: someone else's mirror"),
            "{}",
            err.message
        );
        // Ramp's own is replaced as the step wants.
        let ours = mirrored(json!({"host": "web-canary"}));
        let wanted = desired_list(&istio::FLAVOR, &ours, &[&snapshot], &backends, written).unwrap();
        assert_eq!(wanted[0]["mirror"], json!({"host": "web-canary"}));
        // Without a mirror at this step, theirs stays as it is.
        let none = Written {
            header: None,
            mirror: None,
            going_back: false,
        };
        let kept = desired_list(&istio::FLAVOR, &theirs, &[&snapshot], &backends, none).unwrap();
        assert_eq!(kept[0]["mirror"], json!({"host": "audit"}));
    }

    fn virtual_service(routes: Value) -> Value {
        json!({
            "apiVersion": "networking.istio.io/v1",
            "kind": "VirtualService",
            "metadata": {"name": "web", "namespace": "shop", "resourceVersion": "7"},
            "spec": {"hosts": ["web"], "http": routes},
        })
    }

    fn as_read() -> Value {
        json!([
            {"name": "primary", "retries": {"attempts": 3}, "route": [{"destination": {"host": "web"}}]},
            {"name": "admin", "route": [{"destination": {"host": "admin"}}]},
        ])
    }

    async fn set_ten_percent(conn: &Connection) -> Result<()> {
        set_ten_percent_knowing(conn, &mut Objects::new()).await
    }

    async fn set_ten_percent_knowing(conn: &Connection, known: &mut Objects) -> Result<()> {
        let split = Split {
            contender: 10,
            incumbent: 90,
        };
        write(
            &istio::FLAVOR,
            istio::FLAVOR.resource("v1"),
            conn,
            &[snapshot()],
            |s| weighted(s, split),
            Written {
                header: None,
                mirror: None,
                going_back: false,
            },
            false,
            known,
        )
        .await
    }

    fn known(routes: Value) -> Objects {
        let object: DynamicObject = serde_json::from_value(virtual_service(routes)).unwrap();
        Objects::from([("web".to_string(), object)])
    }

    #[tokio::test]
    async fn an_object_read_earlier_by_the_command_is_written_without_reading_it_again() {
        let (conn, mut server) = mock::connection("shop");
        let written = tokio::spawn(async move {
            let mut known = known(as_read());
            set_ten_percent_knowing(&conn, &mut known)
                .await
                .map(|()| known)
        });
        let patch = server.answer(200, virtual_service(json!([]))).await;
        assert_eq!(patch.method, "PATCH", "no GET first");
        assert_eq!(
            patch.body.unwrap()[0],
            json!({"op": "replace", "path": "/metadata/resourceVersion", "value": "7"})
        );
        let known = written.await.unwrap().unwrap();
        assert_eq!(
            known["web"].data["spec"]["http"],
            json!([]),
            "what the server answered is what is known now"
        );
    }

    #[tokio::test]
    async fn an_object_changed_since_the_command_read_it_is_read_again_and_written_once_more() {
        let (conn, mut server) = mock::connection("shop");
        let written = tokio::spawn(async move {
            // Known at version 7; a gateway wrote its status since.
            let mut known = known(as_read());
            set_ten_percent_knowing(&conn, &mut known).await
        });
        let conflict = mock::status(
            409,
            "Conflict",
            "Operation cannot be fulfilled on virtualservices.networking.istio.io \"web\": the object has been modified; please apply your changes to the latest version and try again",
        );
        let first = server.answer(409, conflict).await;
        assert_eq!(first.method, "PATCH");
        let mut fresh = virtual_service(as_read());
        fresh["metadata"]["resourceVersion"] = json!("8");
        let get = server.answer(200, fresh).await;
        assert_eq!(get.method, "GET");
        let patch = server.answer(200, virtual_service(as_read())).await;
        assert_eq!(
            patch.body.unwrap()[0],
            json!({"op": "replace", "path": "/metadata/resourceVersion", "value": "8"}),
            "the second write is against the version read afresh"
        );
        written.await.unwrap().unwrap();
    }

    /// The API server writes `&`, `<` and `>` in strings as `\u0026`,
    /// `\u003c`, `\u003e`: a write that tested the routes as read would
    /// never match a route that holds one. The write carries the version
    /// read instead, whatever the routes hold.
    #[tokio::test]
    async fn routes_holding_text_the_api_server_escapes_are_written_against_their_version() {
        let (conn, mut server) = mock::connection("shop");
        let written = tokio::spawn(async move { set_ten_percent(&conn).await });
        let mut read = as_read();
        read.as_array_mut().unwrap().push(json!({
            "name": "search<1>",
            "match": [{"uri": {"exact": "/search?a=1&b=2"}}],
            "route": [{"destination": {"host": "search"}}],
        }));
        server.answer(200, virtual_service(read)).await;
        let patch = server.answer(200, virtual_service(as_read())).await;
        let body = patch.body.unwrap();
        assert_eq!(body.as_array().unwrap().len(), 2, "{body}");
        assert_eq!(
            body[0],
            json!({"op": "replace", "path": "/metadata/resourceVersion", "value": "7"})
        );
        assert!(
            body.to_string().matches("\"op\":\"test\"").count() == 0,
            "{body}"
        );
        assert_eq!(
            body[1]["value"][2]["match"][0]["uri"]["exact"],
            "/search?a=1&b=2"
        );
        written.await.unwrap().unwrap();
    }

    #[test]
    fn eviction_takes_the_contender_out_of_every_route_and_nothing_else() {
        let refs = (
            ServiceRef {
                name: "web".into(),
                namespace: "shop".into(),
            },
            ServiceRef {
                name: "web-canary".into(),
                namespace: "shop".into(),
            },
        );
        let evict = |list: Value| {
            evicted(
                &istio::FLAVOR,
                list.as_array().unwrap(),
                "shop",
                &refs.0,
                &refs.1,
            )
        };
        let admin = json!({"name": "admin", "route": [{"destination": {"host": "admin"}}]});
        let cases: Vec<(Value, Option<Value>)> = vec![
            // Split by ramp: the incumbent gets it all back.
            (
                json!([admin, {"name": "primary", "route": [
                    {"destination": {"host": "web"}, "weight": 50},
                    {"destination": {"host": "web-canary"}, "weight": 50},
                ]}]),
                Some(
                    json!([admin, {"name": "primary", "route": [{"destination": {"host": "web"}}]}]),
                ),
            ),
            // A third backend someone added keeps its weight.
            (
                json!([{"route": [
                    {"destination": {"host": "web"}, "weight": 40},
                    {"destination": {"host": "web-canary"}, "weight": 40},
                    {"destination": {"host": "other"}, "weight": 20},
                ]}]),
                Some(json!([{"route": [
                    {"destination": {"host": "web"}, "weight": 80},
                    {"destination": {"host": "other"}, "weight": 20},
                ]}])),
            ),
            // A header route to the contender alone goes.
            (
                json!([
                    {"name": "primary-canary-header", "match": [{"headers": {"x": {"exact": "1"}}}], "route": [{"destination": {"host": "web-canary"}}]},
                    {"name": "primary", "route": [{"destination": {"host": "web"}}]},
                ]),
                Some(json!([{"name": "primary", "route": [{"destination": {"host": "web"}}]}])),
            ),
            // A mirror to the contender goes with its weight; someone
            // else's mirror stays.
            (
                json!([admin, {"name": "primary", "mirror": {"host": "web-canary"}, "mirrorPercentage": {"value": 100.0}, "route": [
                    {"destination": {"host": "web"}, "weight": 100},
                    {"destination": {"host": "web-canary"}, "weight": 0},
                ]}, {"name": "audit", "mirror": {"host": "audit"}, "route": [{"destination": {"host": "web"}}]}]),
                Some(
                    json!([admin, {"name": "primary", "route": [{"destination": {"host": "web"}}]},
                    {"name": "audit", "mirror": {"host": "audit"}, "route": [{"destination": {"host": "web"}}]}]),
                ),
            ),
            // Nothing sends to the contender: nothing to write.
            (json!([admin]), None),
        ];
        for (list, wanted) in cases {
            assert_eq!(
                evict(list.clone()),
                wanted.map(|w| w.as_array().unwrap().clone()),
                "{list}"
            );
        }
    }

    #[tokio::test]
    async fn weights_are_one_json_patch_against_the_version_read() {
        let (conn, mut server) = mock::connection("shop");
        let written = tokio::spawn(async move { set_ten_percent(&conn).await });
        let get = server.answer(200, virtual_service(as_read())).await;
        assert_eq!(
            (get.method.as_str(), get.uri.as_str()),
            (
                "GET",
                "/apis/networking.istio.io/v1/namespaces/shop/virtualservices/web"
            )
        );
        let patch = server.answer(200, virtual_service(as_read())).await;
        assert_eq!(patch.method, "PATCH");
        assert_eq!(
            patch.uri,
            "/apis/networking.istio.io/v1/namespaces/shop/virtualservices/web?"
        );
        assert_eq!(
            patch.content_type.as_deref(),
            Some("application/json-patch+json")
        );
        assert_eq!(
            patch.body.unwrap(),
            json!([
                {"op": "replace", "path": "/metadata/resourceVersion", "value": "7"},
                {"op": "replace", "path": "/spec/http", "value": [
                    {"name": "primary", "retries": {"attempts": 3}, "route": [
                        {"destination": {"host": "web"}, "weight": 90},
                        {"destination": {"host": "web-canary"}, "weight": 10},
                    ]},
                    {"name": "admin", "route": [{"destination": {"host": "admin"}}]},
                ]},
            ])
        );
        written.await.unwrap().unwrap();
    }

    #[tokio::test]
    async fn the_version_the_cluster_serves_is_found_by_discovery() {
        let group = |versions: &[&str]| {
            json!({
                "kind": "APIGroup",
                "apiVersion": "v1",
                "name": "networking.istio.io",
                "versions": versions.iter().map(|v| json!({
                    "groupVersion": format!("networking.istio.io/{v}"),
                    "version": v,
                })).collect::<Vec<_>>(),
            })
        };
        let cases: Vec<(u16, Value, Option<&str>)> = vec![
            (200, group(&["v1", "v1beta1", "v1alpha3"]), Some("v1")),
            // An Istio release from before v1: the newest it serves.
            (200, group(&["v1beta1", "v1alpha3"]), Some("v1beta1")),
            (200, group(&["v1alpha3"]), Some("v1alpha3")),
            (200, group(&["v2alpha1"]), None),
            (
                404,
                mock::status(
                    404,
                    "NotFound",
                    "the server could not find the requested resource",
                ),
                None,
            ),
        ];
        for (code, answer, expected) in cases {
            let (conn, mut server) = mock::connection("shop");
            let served = tokio::spawn(async move { istio::FLAVOR.served(&conn).await });
            let get = server.answer(code, answer).await;
            assert_eq!(
                (get.method.as_str(), get.uri.as_str()),
                ("GET", "/apis/networking.istio.io")
            );
            assert_eq!(served.await.unwrap().unwrap().as_deref(), expected);
        }
    }

    #[tokio::test]
    async fn a_rollout_writes_at_the_version_it_recorded() {
        let (conn, mut server) = mock::connection("shop");
        let written = tokio::spawn(async move {
            let router = RouterRecord {
                kind: RouterKind::Istio,
                routes: vec![snapshot()],
                api_version: Some("v1beta1".into()),
                header: None,
                selector: None,
            };
            istio::ROUTER
                .set_weights(
                    &conn,
                    &router,
                    Split {
                        contender: 10,
                        incumbent: 90,
                    },
                    None,
                    false,
                    &mut Objects::new(),
                )
                .await
        });
        let get = server.answer(200, virtual_service(as_read())).await;
        assert_eq!(
            get.uri,
            "/apis/networking.istio.io/v1beta1/namespaces/shop/virtualservices/web"
        );
        let patch = server.answer(200, virtual_service(as_read())).await;
        assert_eq!(
            patch.uri,
            "/apis/networking.istio.io/v1beta1/namespaces/shop/virtualservices/web?"
        );
        written.await.unwrap().unwrap();
    }

    #[tokio::test]
    async fn routes_changed_between_the_read_and_the_write_are_a_conflict() {
        let (conn, mut server) = mock::connection("shop");
        let written = tokio::spawn(async move { set_ten_percent(&conn).await });
        server.answer(200, virtual_service(as_read())).await;
        let conflict = mock::status(409, "Conflict", "the object has been modified");
        server.answer(409, conflict).await;
        // Read again: someone moved the primary route's traffic meanwhile.
        let changed = json!([
            {"name": "primary", "retries": {"attempts": 3}, "route": [{"destination": {"host": "other"}}]},
            {"name": "admin", "route": [{"destination": {"host": "admin"}}]},
        ]);
        let get = server.answer(200, virtual_service(changed)).await;
        assert_eq!(get.method, "GET");
        let err = written.await.unwrap().unwrap_err();
        assert_eq!(err.kind, Kind::Conflict, "{err}");
        assert_eq!(
            err.message, "VirtualService \"web\" changed while ramp was writing its weights",
            "a move forward never writes over another's"
        );
    }

    #[tokio::test]
    async fn traffic_going_back_is_written_again_over_a_change_made_meanwhile() {
        let (conn, mut server) = mock::connection("shop");
        let written = tokio::spawn(async move {
            let split_by_ramp = json!([
                {"name": "primary", "retries": {"attempts": 3}, "route": [
                    {"destination": {"host": "web"}, "weight": 90},
                    {"destination": {"host": "web-canary"}, "weight": 10},
                ]},
                {"name": "admin", "route": [{"destination": {"host": "admin"}}]},
            ]);
            let mut known = known(split_by_ramp);
            istio::ROUTER
                .restore(
                    &conn,
                    &RouterRecord {
                        kind: RouterKind::Istio,
                        routes: vec![snapshot()],
                        api_version: Some("v1".into()),
                        header: None,
                        selector: None,
                    },
                    false,
                    &mut known,
                )
                .await
        });
        let conflict = mock::status(409, "Conflict", "the object has been modified");
        server.answer(409, conflict).await;
        // Another command moved the weights meanwhile (a promotion to 100%).
        let mut moved = virtual_service(json!([
            {"name": "primary", "retries": {"attempts": 3}, "route": [
                {"destination": {"host": "web"}, "weight": 0},
                {"destination": {"host": "web-canary"}, "weight": 100},
            ]},
            {"name": "admin", "route": [{"destination": {"host": "admin"}}]},
        ]));
        moved["metadata"]["resourceVersion"] = json!("9");
        server.answer(200, moved).await;
        let patch = server.answer(200, virtual_service(as_read())).await;
        let body = patch.body.unwrap();
        assert_eq!(body[0]["value"], "9");
        assert_eq!(
            body[1]["value"],
            as_read(),
            "the routes as they were, all to web"
        );
        written.await.unwrap().unwrap();
    }

    #[tokio::test]
    async fn an_object_that_keeps_changing_is_a_conflict_after_a_few_writes() {
        let (conn, mut server) = mock::connection("shop");
        let written = tokio::spawn(async move { set_ten_percent(&conn).await });
        server.answer(200, virtual_service(as_read())).await;
        for attempt in 0..ROUTE_WRITES {
            let conflict = mock::status(409, "Conflict", "the object has been modified");
            let patch = server.answer(409, conflict).await;
            assert_eq!(patch.method, "PATCH");
            if attempt + 1 < ROUTE_WRITES {
                server.answer(200, virtual_service(as_read())).await;
            }
        }
        let err = written.await.unwrap().unwrap_err();
        assert_eq!(err.kind, Kind::Conflict, "{err}");
        assert_eq!(
            err.message,
            "VirtualService \"web\" kept changing while ramp was writing its routes"
        );
    }

    #[tokio::test]
    async fn routes_already_as_wanted_are_not_written() {
        let (conn, mut server) = mock::connection("shop");
        let written = tokio::spawn(async move { set_ten_percent(&conn).await });
        let already = json!([{"name": "primary", "route": [
            {"destination": {"host": "web"}, "weight": 90},
            {"destination": {"host": "web-canary"}, "weight": 10},
        ]}]);
        server.answer(200, virtual_service(already)).await;
        // No PATCH follows: the write is done after the GET (a PATCH would
        // wait for an answer that never comes).
        tokio::time::timeout(std::time::Duration::from_secs(5), written)
            .await
            .expect("no request after the GET")
            .unwrap()
            .unwrap();
    }
}
