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

use super::ServiceRef;
use crate::connect::Connection;
use crate::error::{self, Error, Kind, Result};
use crate::rollout::plan::RouteState;
use crate::rollout::record::RouteSnapshot;
use crate::rollout::strategy::Split;

/// How one kind of routing object spells its routes and backends.
pub struct Flavor {
    pub resource: fn() -> ApiResource,
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
    let namespace = &incumbent.namespace;
    let kind = flavor.kind;
    let service = &incumbent.name;
    let routes_of = |o: &DynamicObject| -> Vec<Value> {
        o.data
            .pointer(&format!("/spec/{}", flavor.routes))
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default()
    };
    let backends_of = |r: &Value| -> Vec<Value> {
        r.get(flavor.backends)
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default()
    };
    let sends_to_incumbent = |o: &DynamicObject| {
        let object_namespace = o.metadata.namespace.clone().unwrap_or_default();
        routes_of(o).iter().any(|r| {
            backends_of(r)
                .iter()
                .any(|b| (flavor.sends_to)(b, &object_namespace, incumbent))
        })
    };
    let routing: Vec<&DynamicObject> = objects.iter().filter(|o| sends_to_incumbent(o)).collect();
    let names: Vec<String> = routing
        .iter()
        .filter_map(|o| o.metadata.name.clone())
        .collect();
    let chosen = match object {
        Some(wanted) => routing
            .iter()
            .find(|o| o.metadata.name.as_deref() == Some(wanted))
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
            })?,
        None => match routing.as_slice() {
            [] => {
                return Err(Error::invalid(format!(
                    "no {kind} in namespace {namespace:?} has a route to service {service:?}"
                ))
                .with_hint(format!(
                    "create one that sends to {service:?}, pass --service NAME if the Deployment's Service has another name, or choose another --router"
                )));
            }
            [one] => one,
            _ => {
                return Err(Error::invalid(format!(
                    "several {kind}s route to service {service:?}: {}",
                    names.join(", ")
                ))
                .with_hint(format!("pass {} NAME to choose one", flavor.flag)));
            }
        },
    };
    let object_name = chosen.metadata.name.clone().unwrap_or_default();
    let object_namespace = chosen.metadata.namespace.clone().unwrap_or_default();
    let mut snapshots = Vec::new();
    let mut seen = Vec::new();
    for (index, entry) in routes_of(chosen).iter().enumerate() {
        let backends = backends_of(entry);
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

fn without_weight(backend: &Value) -> Value {
    let mut backend = backend.clone();
    if let Some(object) = backend.as_object_mut() {
        object.remove("weight");
    }
    backend
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

/// What state one managed route is in, or a conflict when someone else has
/// changed it since ramp took its snapshot.
pub fn route_state(
    flavor: &Flavor,
    object: &DynamicObject,
    snapshot: &RouteSnapshot,
) -> Result<RouteState> {
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
        .with_hint(
            "restore the route as it was (the record keeps its snapshot), or abort the rollout",
        )
    };
    let entry = object.data.pointer(&snapshot.route).ok_or_else(changed)?;
    if entry
        .get("name")
        .and_then(Value::as_str)
        .map(str::to_string)
        != snapshot.name
    {
        return Err(changed());
    }
    let backends = entry.get(flavor.backends).cloned().unwrap_or(Value::Null);
    if backends == snapshot.original {
        return Ok(RouteState::Original);
    }
    let weight = |b: &Value| b.get("weight").and_then(Value::as_u64).unwrap_or(0) as u32;
    match backends.as_array().map(Vec::as_slice) {
        Some([incumbent, contender])
            if without_weight(incumbent) == without_weight(&snapshot.original[0])
                && without_weight(contender) == without_weight(&snapshot.contender) =>
        {
            Ok(RouteState::Weighted(Split {
                contender: weight(contender),
                incumbent: weight(incumbent),
            }))
        }
        _ => Err(changed()),
    }
}

fn api(flavor: &Flavor, conn: &Connection, namespace: &str) -> Api<DynamicObject> {
    Api::namespaced_with(conn.client.clone(), namespace, &(flavor.resource)())
}

/// The state of every managed route.
pub async fn observe(
    flavor: &Flavor,
    conn: &Connection,
    namespace: &str,
    snapshots: &[RouteSnapshot],
) -> Result<Vec<RouteState>> {
    let api = api(flavor, conn, namespace);
    let mut objects: BTreeMap<&str, DynamicObject> = BTreeMap::new();
    let mut states = Vec::new();
    for snapshot in snapshots {
        if !objects.contains_key(snapshot.object.as_str()) {
            let object = api.get(&snapshot.object).await.map_err(|e| {
                error::from_kube(
                    e,
                    &format!("get {} {:?}", flavor.kind, snapshot.object),
                    &conn.server,
                )
            })?;
            objects.insert(&snapshot.object, object);
        }
        states.push(route_state(
            flavor,
            &objects[snapshot.object.as_str()],
            snapshot,
        )?);
    }
    Ok(states)
}

/// Writes the backends of every managed route of each object in one JSON
/// patch. Each list is tested to hold what was read, so a concurrent change
/// fails the patch instead of being overwritten.
pub async fn write(
    flavor: &Flavor,
    conn: &Connection,
    namespace: &str,
    snapshots: &[RouteSnapshot],
    desired: impl Fn(&RouteSnapshot) -> Value,
    dry_run: bool,
) -> Result<()> {
    let api = api(flavor, conn, namespace);
    let kind = flavor.kind;
    let mut by_object: BTreeMap<&str, Vec<&RouteSnapshot>> = BTreeMap::new();
    for snapshot in snapshots {
        by_object
            .entry(snapshot.object.as_str())
            .or_default()
            .push(snapshot);
    }
    for (object, snapshots) in by_object {
        let current = api
            .get(object)
            .await
            .map_err(|e| error::from_kube(e, &format!("get {kind} {object:?}"), &conn.server))?;
        let mut ops = Vec::new();
        for snapshot in snapshots {
            route_state(flavor, &current, snapshot)?;
            let path = format!("{}/{}", snapshot.route, flavor.backends);
            let now = current.data.pointer(&path).cloned().unwrap_or(Value::Null);
            let wanted = desired(snapshot);
            if now != wanted {
                ops.push(json!({"op": "test", "path": path, "value": now}));
                ops.push(json!({"op": "replace", "path": path, "value": wanted}));
            }
        }
        if ops.is_empty() {
            continue;
        }
        let patch: json_patch::Patch =
            serde_json::from_value(Value::Array(ops)).expect("valid JSON patch operations");
        let params = PatchParams {
            dry_run,
            ..Default::default()
        };
        match api.patch(object, &params, &Patch::Json::<()>(patch)).await {
            Ok(_) => {}
            // A failed test operation: the route changed between our read
            // and our write.
            Err(kube::Error::Api(status))
                if status.code == 422 && status.message.contains("test") =>
            {
                return Err(Error::new(
                    Kind::Conflict,
                    format!("{kind} {object:?} changed while ramp was writing its weights"),
                )
                .with_hint("run the command again"));
            }
            Err(e) => {
                return Err(error::from_kube(
                    e,
                    &format!("patch {kind} {object:?}"),
                    &conn.server,
                ));
            }
        }
    }
    Ok(())
}
