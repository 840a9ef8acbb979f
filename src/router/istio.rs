//! The istio router: the weights of the HTTP routes of a VirtualService that
//! send to the incumbent's host.

use std::collections::BTreeMap;

use kube::Api;
use kube::api::{DynamicObject, Patch, PatchParams};
use kube::discovery::ApiResource;
use serde_json::{Value, json};

use super::{Backend, RouteWeights, ServiceRef, Version, list_custom, round_percent};
use crate::connect::Connection;
use crate::error::{self, Error, Kind, Result};
use crate::rollout::plan::RouteState;
use crate::rollout::record::RouteSnapshot;
use crate::rollout::strategy::Split;

pub fn virtual_service_resource() -> ApiResource {
    ApiResource {
        group: "networking.istio.io".into(),
        version: "v1".into(),
        api_version: "networking.istio.io/v1".into(),
        kind: "VirtualService".into(),
        plural: "virtualservices".into(),
    }
}

/// The HTTP routes of every VirtualService in the incumbent's namespace that
/// send to it. Empty when there are none or Istio is not installed.
pub async fn routes_to(
    conn: &Connection,
    incumbent: &ServiceRef,
    contender: &ServiceRef,
) -> Result<Vec<RouteWeights>> {
    let Some(objects) =
        list_custom(conn, &virtual_service_resource(), &incumbent.namespace).await?
    else {
        return Ok(Vec::new());
    };
    Ok(objects
        .iter()
        .flat_map(|vs| http_routes_to(vs, incumbent, contender))
        .collect())
}

/// The HTTP routes of one VirtualService that have a destination on the
/// incumbent's host.
pub fn http_routes_to(
    vs: &DynamicObject,
    incumbent: &ServiceRef,
    contender: &ServiceRef,
) -> Vec<RouteWeights> {
    let vs_name = vs.metadata.name.clone().unwrap_or_default();
    let vs_namespace = vs.metadata.namespace.clone().unwrap_or_default();
    let Some(http) = vs.data.pointer("/spec/http").and_then(Value::as_array) else {
        return Vec::new();
    };
    let mut found = Vec::new();
    for (index, route) in http.iter().enumerate() {
        let destinations = route
            .get("route")
            .and_then(Value::as_array)
            .map(Vec::as_slice)
            .unwrap_or_default();
        let backends: Vec<Backend> = destinations
            .iter()
            .map(|dest| {
                let host = dest
                    .pointer("/destination/host")
                    .and_then(Value::as_str)
                    .unwrap_or_default();
                let subset = dest.pointer("/destination/subset").and_then(Value::as_str);
                let version = if host_is_service(host, &vs_namespace, incumbent) {
                    Version::Incumbent
                } else if host_is_service(host, &vs_namespace, contender) {
                    Version::Contender
                } else {
                    Version::Other
                };
                let weight = dest.get("weight").and_then(Value::as_u64).unwrap_or(0) as u32;
                Backend {
                    destination: match subset {
                        Some(subset) => format!("{host}/{subset}"),
                        None => host.to_string(),
                    },
                    version,
                    weight,
                    percent: 0.0,
                }
            })
            .collect();
        if !backends.iter().any(|b| b.version == Version::Incumbent) {
            continue;
        }
        let backends = with_percents(backends);
        let name = route
            .get("name")
            .and_then(Value::as_str)
            .map(str::to_string);
        found.push(RouteWeights {
            kind: "VirtualService",
            object: vs_name.clone(),
            route: name.unwrap_or_else(|| format!("http[{index}]")),
            backends,
        });
    }
    found
}

/// Istio weights are percentages. A single destination without a weight
/// takes all the traffic; so do several whose weights are all unset, which
/// Istio then spreads evenly.
fn with_percents(mut backends: Vec<Backend>) -> Vec<Backend> {
    let total: u32 = backends.iter().map(|b| b.weight).sum();
    let count = backends.len() as f64;
    for backend in &mut backends {
        backend.percent = if total == 0 {
            round_percent(100.0 / count)
        } else {
            round_percent(f64::from(backend.weight) * 100.0 / f64::from(total))
        };
    }
    backends
}

/// Whether an Istio destination host names `service`. Short names are
/// relative to the VirtualService's namespace; the cluster domain may be any.
pub fn host_is_service(host: &str, vs_namespace: &str, service: &ServiceRef) -> bool {
    let parts: Vec<&str> = host.split('.').collect();
    let (name, namespace) = match parts.as_slice() {
        [name] => (*name, vs_namespace),
        [name, namespace] | [name, namespace, "svc", ..] => (*name, *namespace),
        _ => return false,
    };
    name == service.name && namespace == service.namespace
}

/// The routes ramp will shift, chosen at start: every HTTP route of one
/// VirtualService that sends all its traffic to the incumbent's host.
pub fn choose_routes(
    objects: &[DynamicObject],
    incumbent: &ServiceRef,
    contender: &ServiceRef,
    virtual_service: Option<&str>,
    route: Option<&str>,
) -> Result<(String, Vec<RouteSnapshot>)> {
    let namespace = &incumbent.namespace;
    let routing: Vec<&DynamicObject> = objects
        .iter()
        .filter(|vs| !http_routes_to(vs, incumbent, contender).is_empty())
        .collect();
    let names: Vec<String> = routing
        .iter()
        .filter_map(|vs| vs.metadata.name.clone())
        .collect();
    let vs = match virtual_service {
        Some(wanted) => routing
            .iter()
            .find(|vs| vs.metadata.name.as_deref() == Some(wanted))
            .ok_or_else(|| {
                let exists = objects
                    .iter()
                    .any(|vs| vs.metadata.name.as_deref() == Some(wanted));
                let problem = if exists {
                    format!(
                        "VirtualService {wanted:?} has no HTTP route to host {:?}",
                        incumbent.name
                    )
                } else {
                    format!("VirtualService {wanted:?} not found in namespace {namespace:?}")
                };
                Error::invalid(problem).with_hint(match names.is_empty() {
                    true => format!(
                        "no VirtualService in namespace {namespace:?} routes to {:?}",
                        incumbent.name
                    ),
                    false => format!("these route to {:?}: {}", incumbent.name, names.join(", ")),
                })
            })?,
        None => match routing.as_slice() {
            [] => {
                return Err(Error::invalid(format!(
                    "no VirtualService in namespace {namespace:?} has an HTTP route to service {:?}",
                    incumbent.name
                ))
                .with_hint(format!(
                    "create one whose route sends to host {:?}, or pass --service NAME if the Deployment's Service has another name",
                    incumbent.name
                )));
            }
            [one] => one,
            _ => {
                return Err(Error::invalid(format!(
                    "several VirtualServices route to service {:?}: {}",
                    incumbent.name,
                    names.join(", ")
                ))
                .with_hint("pass --virtual-service NAME to choose one"));
            }
        },
    };
    let vs_name = vs.metadata.name.clone().unwrap_or_default();
    let vs_namespace = vs.metadata.namespace.clone().unwrap_or_default();
    let http = vs
        .data
        .pointer("/spec/http")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let mut snapshots = Vec::new();
    let mut seen = Vec::new();
    for (index, entry) in http.iter().enumerate() {
        let destinations = entry
            .get("route")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        let host_of = |d: &Value| {
            d.pointer("/destination/host")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string()
        };
        if !destinations
            .iter()
            .any(|d| host_is_service(&host_of(d), &vs_namespace, incumbent))
        {
            continue;
        }
        let name = entry
            .get("name")
            .and_then(Value::as_str)
            .map(str::to_string);
        let label = name.clone().unwrap_or_else(|| format!("http[{index}]"));
        seen.push(label.clone());
        if route.is_some_and(|wanted| Some(wanted) != name.as_deref()) {
            continue;
        }
        if destinations.len() != 1 {
            let hosts: Vec<String> = destinations.iter().map(host_of).collect();
            return Err(Error::invalid(format!(
                "route {label} of VirtualService {vs_name:?} already splits traffic between {}",
                hosts.join(" and ")
            ))
            .with_hint(format!(
                "ramp shifts routes that send all their traffic to {:?}; remove the split, or pass --route NAME to choose another route",
                incumbent.name
            )));
        }
        let original = Value::Array(destinations.clone());
        let mut contender_destination = destinations[0].clone();
        let host = host_of(&destinations[0]);
        let contender_host = contender_host_for(&host, incumbent, contender);
        let destination = contender_destination
            .get_mut("destination")
            .and_then(Value::as_object_mut)
            .expect("a destination with a host is an object");
        destination.insert("host".into(), Value::String(contender_host));
        // The contender's pods are not in the incumbent's DestinationRule
        // subsets.
        destination.remove("subset");
        if let Some(object) = contender_destination.as_object_mut() {
            object.remove("weight");
            object.remove("headers");
        }
        snapshots.push(RouteSnapshot {
            object: vs_name.clone(),
            index,
            name,
            original,
            contender: contender_destination,
        });
    }
    if snapshots.is_empty() {
        return Err(Error::invalid(format!(
            "VirtualService {vs_name:?} has no HTTP route named {:?} that sends to {:?}",
            route.unwrap_or_default(),
            incumbent.name
        ))
        .with_hint(format!(
            "its routes to {:?} are: {}",
            incumbent.name,
            seen.join(", ")
        )));
    }
    Ok((vs_name, snapshots))
}

/// The contender's host, spelled like the incumbent's when both are in one
/// namespace, fully qualified otherwise.
fn contender_host_for(
    incumbent_host: &str,
    incumbent: &ServiceRef,
    contender: &ServiceRef,
) -> String {
    if contender.namespace != incumbent.namespace {
        return format!(
            "{}.{}.svc.cluster.local",
            contender.name, contender.namespace
        );
    }
    match incumbent_host.split_once('.') {
        Some((_, rest)) => format!("{}.{rest}", contender.name),
        None => contender.name.clone(),
    }
}

/// The destinations of a route split by ramp.
pub fn weighted(snapshot: &RouteSnapshot, split: Split) -> Value {
    let mut incumbent = snapshot.original[0].clone();
    incumbent["weight"] = Value::from(split.incumbent);
    let mut contender = snapshot.contender.clone();
    contender["weight"] = Value::from(split.contender);
    Value::Array(vec![incumbent, contender])
}

/// What state one managed route is in, or an error when someone else has
/// changed it since ramp took its snapshot.
pub fn route_state(vs: &DynamicObject, snapshot: &RouteSnapshot) -> Result<RouteState> {
    let entry = vs.data.pointer(&format!("/spec/http/{}", snapshot.index));
    let changed =
        || {
            Error::new(
            Kind::Conflict,
            format!(
                "route {} of VirtualService {:?} was changed by someone else during the rollout",
                snapshot.name.clone().unwrap_or_else(|| format!("http[{}]", snapshot.index)),
                snapshot.object
            ),
        )
        .with_hint("restore the route as it was (see the record's snapshot), or abort the rollout")
        };
    let Some(entry) = entry else {
        return Err(changed());
    };
    if entry
        .get("name")
        .and_then(Value::as_str)
        .map(str::to_string)
        != snapshot.name
    {
        return Err(changed());
    }
    let destinations = entry.get("route").cloned().unwrap_or(Value::Null);
    if destinations == snapshot.original {
        return Ok(RouteState::Original);
    }
    let weight = |d: &Value| d.get("weight").and_then(Value::as_u64).unwrap_or(0) as u32;
    match destinations.as_array().map(Vec::as_slice) {
        Some([incumbent, contender])
            if incumbent.get("destination") == snapshot.original[0].get("destination")
                && contender.get("destination") == snapshot.contender.get("destination") =>
        {
            Ok(RouteState::Weighted(Split {
                contender: weight(contender),
                incumbent: weight(incumbent),
            }))
        }
        _ => Err(changed()),
    }
}

/// Writes the destinations of every managed route of one VirtualService in
/// one JSON patch. Each route is tested to hold what was read, so a
/// concurrent change fails the patch instead of being overwritten; nothing
/// else of the object is touched.
pub async fn write_routes(
    conn: &Connection,
    namespace: &str,
    snapshots: &[RouteSnapshot],
    desired: impl Fn(&RouteSnapshot) -> Value,
    dry_run: bool,
) -> Result<()> {
    let api: Api<DynamicObject> =
        Api::namespaced_with(conn.client.clone(), namespace, &virtual_service_resource());
    let mut by_object: BTreeMap<&str, Vec<&RouteSnapshot>> = BTreeMap::new();
    for snapshot in snapshots {
        by_object
            .entry(snapshot.object.as_str())
            .or_default()
            .push(snapshot);
    }
    for (object, snapshots) in by_object {
        let what = format!("patch VirtualService {object:?}");
        let vs = api.get(object).await.map_err(|e| {
            error::from_kube(e, &format!("get VirtualService {object:?}"), &conn.server)
        })?;
        let mut ops = Vec::new();
        for snapshot in snapshots {
            route_state(&vs, snapshot)?;
            let path = format!("/spec/http/{}/route", snapshot.index);
            let current = vs.data.pointer(&path).cloned().unwrap_or(Value::Null);
            let wanted = desired(snapshot);
            if current == wanted {
                continue;
            }
            ops.push(json!({"op": "test", "path": path, "value": current}));
            ops.push(json!({"op": "replace", "path": path, "value": wanted}));
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
                    format!("VirtualService {object:?} changed while ramp was writing its weights"),
                )
                .with_hint("run the command again"));
            }
            Err(e) => return Err(error::from_kube(e, &what, &conn.server)),
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn svc(name: &str, namespace: &str) -> ServiceRef {
        ServiceRef {
            name: name.into(),
            namespace: namespace.into(),
        }
    }

    fn vs(spec: Value) -> DynamicObject {
        serde_json::from_value(json!({
            "apiVersion": "networking.istio.io/v1",
            "kind": "VirtualService",
            "metadata": {"name": "web", "namespace": "shop"},
            "spec": spec,
        }))
        .unwrap()
    }

    #[test]
    fn hosts_match_in_every_spelling_istio_accepts() {
        let web = svc("web", "shop");
        let cases = [
            ("web", "shop", true),
            ("web", "other", false),
            ("web.shop", "other", true),
            ("web.shop.svc", "other", true),
            ("web.shop.svc.cluster.local", "other", true),
            ("web.shop.svc.corp.example", "other", true),
            ("web.other.svc.cluster.local", "shop", false),
            ("webshop", "shop", false),
            ("web.example.com", "shop", false),
            ("*.shop.svc.cluster.local", "shop", false),
        ];
        for (host, vs_ns, expected) in cases {
            assert_eq!(
                host_is_service(host, vs_ns, &web),
                expected,
                "{host} from {vs_ns}"
            );
        }
    }

    #[test]
    fn only_routes_to_the_incumbent_are_reported_with_their_weights() {
        let object = vs(json!({
            "hosts": ["web"],
            "http": [
                {"name": "beta", "match": [{"headers": {"x-beta": {"exact": "1"}}}],
                 "route": [{"destination": {"host": "beta"}}]},
                {"route": [
                    {"destination": {"host": "web"}, "weight": 90},
                    {"destination": {"host": "web-canary.shop.svc.cluster.local"}, "weight": 10}
                ]}
            ]
        }));
        let routes = http_routes_to(&object, &svc("web", "shop"), &svc("web-canary", "shop"));
        assert_eq!(routes.len(), 1);
        let route = &routes[0];
        assert_eq!(route.route, "http[1]");
        assert_eq!(route.percent_to(Version::Incumbent), 90.0);
        assert_eq!(route.percent_to(Version::Contender), 10.0);
        assert_eq!(
            route.backends[1].destination,
            "web-canary.shop.svc.cluster.local"
        );
    }

    #[test]
    fn a_lone_destination_without_weight_takes_all_traffic() {
        let object =
            vs(json!({"http": [{"route": [{"destination": {"host": "web", "subset": "v1"}}]}]}));
        let routes = http_routes_to(&object, &svc("web", "shop"), &svc("web-canary", "shop"));
        assert_eq!(routes[0].backends[0].destination, "web/v1");
        assert_eq!(routes[0].percent_to(Version::Incumbent), 100.0);
    }

    #[test]
    fn a_version_with_no_backend_gets_zero_not_negative_zero() {
        let object = vs(json!({"http": [{"route": [{"destination": {"host": "web"}}]}]}));
        let routes = http_routes_to(&object, &svc("web", "shop"), &svc("web-canary", "shop"));
        let contender = routes[0].percent_to(Version::Contender);
        assert!(
            contender == 0.0 && contender.is_sign_positive(),
            "{contender}"
        );
    }

    #[test]
    fn a_virtual_service_without_http_routes_routes_nothing() {
        let object = vs(json!({"tcp": [{"route": [{"destination": {"host": "web"}}]}]}));
        assert!(
            http_routes_to(&object, &svc("web", "shop"), &svc("web-canary", "shop")).is_empty()
        );
    }
}
