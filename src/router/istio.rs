//! The istio router: the weights of the HTTP routes of a VirtualService that
//! send to the incumbent's host.

use kube::api::DynamicObject;
use serde_json::Value;

use super::RouterKind;
use super::weights::{Flavor, Weighted};
use super::{Backend, RouteWeights, ServiceRef, Version};
use crate::rollout::capacity::round_percent;

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
        let mirror = route
            .pointer("/mirror/host")
            .and_then(Value::as_str)
            .filter(|host| host_is_service(host, &vs_namespace, contender))
            .map(|_| {
                route
                    .pointer("/mirrorPercentage/value")
                    .and_then(Value::as_f64)
                    .unwrap_or(100.0)
                    .round() as u32
            });
        found.push(RouteWeights {
            kind: "VirtualService",
            object: vs_name.clone(),
            route: name.unwrap_or_else(|| format!("http[{index}]")),
            backends,
            mirror,
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

/// Why a VirtualService that sends to `service` is not one the istio
/// router can shift, said when the rollout goes without a mesh: one in
/// another namespace (ramp shifts the routes of the Service's own), or one
/// whose routes to it are tcp or tls only (ramp shifts http routes).
/// `None` when it does not send to the Service, or the istio router can
/// shift it.
pub fn not_shifted(vs: &DynamicObject, service: &ServiceRef) -> Option<String> {
    let name = vs.metadata.name.clone().unwrap_or_default();
    let namespace = vs.metadata.namespace.clone().unwrap_or_default();
    let sends = |kind: &str| {
        vs.data
            .pointer(&format!("/spec/{kind}"))
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|route| route.get("route").and_then(Value::as_array))
            .flatten()
            .any(|dest| host_is_service(&host_of(dest), &namespace, service))
    };
    let (http, tcp) = (sends("http"), sends("tcp") || sends("tls"));
    if namespace != service.namespace && (http || tcp) {
        return Some(format!(
            "virtualservice {name} in namespace {namespace} routes to service {}, but ramp shifts the routes of namespace {} only: traffic follows the ready pods (the replicas router)",
            service.name, service.namespace
        ));
    }
    (tcp && !http).then(|| {
        format!(
            "virtualservice {name} routes service {} by tcp or tls only, and ramp shifts the weights of http routes: traffic follows the ready pods (the replicas router)",
            service.name
        )
    })
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

/// How the istio router reads and writes VirtualServices.
/// The istio router.
pub static ROUTER: Weighted = Weighted {
    kind: RouterKind::Istio,
    flavor: &FLAVOR,
    routes_of: http_routes_to,
    cross_namespace: true,
    check_mirror: None,
};

pub const FLAVOR: Flavor = Flavor {
    group: "networking.istio.io",
    plural: "virtualservices",
    versions: &["v1", "v1beta1", "v1alpha3"],
    kind: "VirtualService",
    flag: "--virtual-service",
    routes: "http",
    backends: "route",
    sends_to: |destination, namespace, service| {
        host_is_service(&host_of(destination), namespace, service)
    },
    describe: host_of,
    contender_backend,
    matches: "match",
    with_header: |mut condition, header| {
        condition["headers"][&header.name] = serde_json::json!({"exact": header.value});
        condition
    },
    header_route_first: true,
    mirror_of,
    set_mirror,
    unmirror: |route, namespace, service| {
        let host = route
            .pointer("/mirror/host")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let ours = host_is_service(host, namespace, service);
        if let (true, Some(object)) = (ours, route.as_object_mut()) {
            object.remove("mirror");
            object.remove("mirrorPercentage");
        }
        ours
    },
    one_mirror: true,
    mirrors: |route| {
        [
            "mirror",
            "mirrors",
            "mirrorPercentage",
            "mirrorPercent",
            "mirror_percent",
        ]
        .iter()
        .any(|key| route.get(key).is_some())
    },
};

/// Istio mirrors a route's requests with `mirror` (a destination) and
/// `mirrorPercentage`: the share mirrored to the contender's destination.
fn mirror_of(route: &Value, contender: &Value) -> Option<u32> {
    let destination = contender.get("destination")?;
    if route.get("mirror")? != destination {
        return None;
    }
    let percent = route
        .pointer("/mirrorPercentage/value")
        .and_then(Value::as_f64)
        .unwrap_or(100.0);
    Some(percent.round() as u32)
}

fn set_mirror(route: &mut Value, contender: &Value, mirror: Option<u32>) {
    let ours = mirror_of(route, contender).is_some();
    let (Some(object), Some(destination)) = (route.as_object_mut(), contender.get("destination"))
    else {
        return;
    };
    if ours {
        object.remove("mirror");
        object.remove("mirrorPercentage");
    }
    if let Some(percent) = mirror {
        object.insert("mirror".into(), destination.clone());
        object.insert(
            "mirrorPercentage".into(),
            serde_json::json!({"value": f64::from(percent)}),
        );
    }
}

fn host_of(destination: &Value) -> String {
    destination
        .pointer("/destination/host")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string()
}

/// The contender's destination: the incumbent's, with the contender's
/// host, spelled like the incumbent's when both are in one namespace and
/// fully qualified otherwise. A subset is dropped: the contender's pods are
/// not in the incumbent's DestinationRule subsets.
fn contender_backend(
    incumbent_destination: &Value,
    incumbent: &ServiceRef,
    contender: &ServiceRef,
) -> Value {
    let host = host_of(incumbent_destination);
    let contender_host = if contender.namespace != incumbent.namespace {
        format!(
            "{}.{}.svc.cluster.local",
            contender.name, contender.namespace
        )
    } else {
        match host.split_once('.') {
            Some((_, rest)) => format!("{}.{rest}", contender.name),
            None => contender.name.clone(),
        }
    };
    let mut backend = incumbent_destination.clone();
    if let Some(destination) = backend
        .get_mut("destination")
        .and_then(Value::as_object_mut)
    {
        destination.insert("host".into(), Value::String(contender_host));
        destination.remove("subset");
    }
    if let Some(object) = backend.as_object_mut() {
        object.remove("weight");
        object.remove("headers");
    }
    backend
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
    fn a_virtual_service_ramp_cannot_shift_is_told_why() {
        let web = svc("web", "shop");
        let in_ns = |namespace: &str, spec: Value| {
            let mut o = vs(spec);
            o.metadata.namespace = Some(namespace.into());
            o
        };
        let to = |host: &str| json!([{"route": [{"destination": {"host": host}}]}]);
        let cases: Vec<(DynamicObject, Option<&str>)> = vec![
            (in_ns("shop", json!({"http": to("web")})), None),
            (in_ns("shop", json!({"http": to("api")})), None),
            (in_ns("shop", json!({"tcp": to("api")})), None),
            (
                in_ns("shop", json!({"tcp": to("web")})),
                Some("virtualservice web routes service web by tcp or tls only"),
            ),
            (
                in_ns("shop", json!({"tls": to("web.shop.svc.cluster.local")})),
                Some("virtualservice web routes service web by tcp or tls only"),
            ),
            (
                in_ns("shop", json!({"http": to("web"), "tcp": to("web")})),
                None,
            ),
            (
                in_ns("edge", json!({"http": to("web.shop.svc.cluster.local")})),
                Some(
                    "virtualservice web in namespace edge routes to service web, but ramp shifts the routes of namespace shop only",
                ),
            ),
            (in_ns("edge", json!({"http": to("web")})), None),
        ];
        for (object, said) in cases {
            let told = not_shifted(&object, &web);
            match said {
                None => assert_eq!(told, None, "{:?}", object.data),
                Some(said) => assert!(
                    told.as_deref().is_some_and(|t| t.starts_with(said)),
                    "{told:?}"
                ),
            }
        }
    }

    #[test]
    fn a_virtual_service_without_http_routes_routes_nothing() {
        let object = vs(json!({"tcp": [{"route": [{"destination": {"host": "web"}}]}]}));
        assert!(
            http_routes_to(&object, &svc("web", "shop"), &svc("web-canary", "shop")).is_empty()
        );
    }

    #[test]
    fn a_mirror_is_set_on_the_route_and_taken_out_exactly() {
        let contender =
            serde_json::json!({"destination": {"host": "web-canary", "port": {"number": 80}}});
        let route = serde_json::json!({"name": "primary", "retries": {"attempts": 3},
            "route": [{"destination": {"host": "web"}}]});
        assert_eq!(mirror_of(&route, &contender), None);
        let mut mirrored = route.clone();
        set_mirror(&mut mirrored, &contender, Some(100));
        assert_eq!(mirrored["mirror"], contender["destination"]);
        assert_eq!(
            mirrored["mirrorPercentage"],
            serde_json::json!({"value": 100.0})
        );
        assert_eq!(mirror_of(&mirrored, &contender), Some(100));
        set_mirror(&mut mirrored, &contender, Some(25));
        assert_eq!(mirror_of(&mirrored, &contender), Some(25));
        set_mirror(&mut mirrored, &contender, None);
        assert_eq!(mirrored, route, "the route as it was, byte for byte");
        // Someone else's mirror is not ramp's to take out.
        let theirs = serde_json::json!({"name": "primary", "mirror": {"host": "audit"},
            "route": [{"destination": {"host": "web"}}]});
        let mut kept = theirs.clone();
        set_mirror(&mut kept, &contender, None);
        assert_eq!(kept, theirs);
        assert!((FLAVOR.mirrors)(&theirs) && !(FLAVOR.mirrors)(&route));
    }
}
