//! The gateway-api router: the weights of the backendRefs of the HTTPRoute
//! rules that send to the incumbent's Service.

use kube::api::DynamicObject;
use serde_json::Value;

use super::RouterKind;
use super::weights::{Flavor, Weighted};
use super::{Backend, RouteWeights, ServiceRef, Version};
use crate::rollout::capacity::round_percent;

/// The rules of one HTTPRoute with a backendRef to the incumbent's Service.
pub fn rules_to(
    route: &DynamicObject,
    incumbent: &ServiceRef,
    contender: &ServiceRef,
) -> Vec<RouteWeights> {
    let route_name = route.metadata.name.clone().unwrap_or_default();
    let route_namespace = route.metadata.namespace.clone().unwrap_or_default();
    let Some(rules) = route.data.pointer("/spec/rules").and_then(Value::as_array) else {
        return Vec::new();
    };
    let mut found = Vec::new();
    for (index, rule) in rules.iter().enumerate() {
        let refs = rule
            .get("backendRefs")
            .and_then(Value::as_array)
            .map(Vec::as_slice)
            .unwrap_or_default();
        let backends: Vec<Backend> = refs
            .iter()
            .map(|backend| {
                let name = backend
                    .get("name")
                    .and_then(Value::as_str)
                    .unwrap_or_default();
                let namespace = backend
                    .get("namespace")
                    .and_then(Value::as_str)
                    .unwrap_or(&route_namespace);
                let version = match refers_to(backend, &route_namespace) {
                    Some(target) if &target == incumbent => Version::Incumbent,
                    Some(target) if &target == contender => Version::Contender,
                    _ => Version::Other,
                };
                // The Gateway API's default weight is 1.
                let weight = backend.get("weight").and_then(Value::as_u64).unwrap_or(1) as u32;
                Backend {
                    destination: if namespace == route_namespace {
                        name.to_string()
                    } else {
                        format!("{namespace}/{name}")
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
        let name = rule.get("name").and_then(Value::as_str).map(str::to_string);
        found.push(RouteWeights {
            kind: "HTTPRoute",
            object: route_name.clone(),
            route: name.unwrap_or_else(|| format!("rules[{index}]")),
            backends: with_percents(backends),
        });
    }
    found
}

/// How the gateway-api router reads and writes HTTPRoutes.
/// The gateway-api router.
pub static ROUTER: Weighted = Weighted {
    kind: RouterKind::GatewayApi,
    flavor: &FLAVOR,
    routes_of: rules_to,
    cross_namespace: false,
};

pub const FLAVOR: Flavor = Flavor {
    group: "gateway.networking.k8s.io",
    plural: "httproutes",
    versions: &["v1", "v1beta1"],
    kind: "HTTPRoute",
    flag: "--http-route",
    routes: "rules",
    backends: "backendRefs",
    sends_to: |backend, namespace, service| refers_to(backend, namespace) == Some(service.clone()),
    describe: |backend| {
        backend
            .get("name")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string()
    },
    contender_backend,
    matches: "matches",
    with_header: |mut condition, header| {
        let wanted =
            serde_json::json!({"type": "Exact", "name": header.name, "value": header.value});
        match condition.get_mut("headers").and_then(Value::as_array_mut) {
            Some(headers) => headers.push(wanted),
            None => condition["headers"] = Value::Array(vec![wanted]),
        }
        condition
    },
    header_route_first: false,
};

/// The Service a backendRef sends to, if it is a Service.
fn refers_to(backend: &Value, route_namespace: &str) -> Option<ServiceRef> {
    let group = backend.get("group").and_then(Value::as_str).unwrap_or("");
    let kind = backend
        .get("kind")
        .and_then(Value::as_str)
        .unwrap_or("Service");
    if !group.is_empty() || kind != "Service" {
        return None;
    }
    Some(ServiceRef {
        name: backend
            .get("name")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string(),
        namespace: backend
            .get("namespace")
            .and_then(Value::as_str)
            .unwrap_or(route_namespace)
            .to_string(),
    })
}

/// The contender's backendRef: the incumbent's, naming the contender's
/// Service.
fn contender_backend(
    incumbent_backend: &Value,
    incumbent: &ServiceRef,
    contender: &ServiceRef,
) -> Value {
    let mut backend = incumbent_backend.clone();
    if let Some(object) = backend.as_object_mut() {
        object.insert("name".into(), Value::String(contender.name.clone()));
        if contender.namespace != incumbent.namespace {
            object.insert(
                "namespace".into(),
                Value::String(contender.namespace.clone()),
            );
        }
        object.remove("weight");
        object.remove("filters");
    }
    backend
}

/// Gateway API weights are proportions: each backend gets weight / sum.
fn with_percents(mut backends: Vec<Backend>) -> Vec<Backend> {
    let total: u32 = backends.iter().map(|b| b.weight).sum();
    for backend in &mut backends {
        backend.percent = if total == 0 {
            0.0
        } else {
            round_percent(f64::from(backend.weight) * 100.0 / f64::from(total))
        };
    }
    backends
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn svc(name: &str) -> ServiceRef {
        ServiceRef {
            name: name.into(),
            namespace: "shop".into(),
        }
    }

    fn http_route(spec: Value) -> DynamicObject {
        serde_json::from_value(json!({
            "apiVersion": "gateway.networking.k8s.io/v1",
            "kind": "HTTPRoute",
            "metadata": {"name": "web", "namespace": "shop"},
            "spec": spec,
        }))
        .unwrap()
    }

    #[test]
    fn weights_are_proportions_of_their_sum() {
        let route = http_route(json!({"rules": [{"backendRefs": [
            {"name": "web", "port": 80, "weight": 3},
            {"name": "web-canary", "port": 80, "weight": 1}
        ]}]}));
        let rules = rules_to(&route, &svc("web"), &svc("web-canary"));
        assert_eq!(rules[0].route, "rules[0]");
        assert_eq!(rules[0].percent_to(Version::Incumbent), 75.0);
        assert_eq!(rules[0].percent_to(Version::Contender), 25.0);
    }

    #[test]
    fn an_unweighted_backend_counts_as_weight_one() {
        let route = http_route(
            json!({"rules": [{"name": "main", "backendRefs": [{"name": "web", "port": 80}]}]}),
        );
        let rules = rules_to(&route, &svc("web"), &svc("web-canary"));
        assert_eq!(rules[0].route, "main");
        assert_eq!(rules[0].percent_to(Version::Incumbent), 100.0);
    }

    #[test]
    fn backends_of_another_kind_or_namespace_are_not_the_incumbent() {
        let route = http_route(json!({"rules": [
            {"backendRefs": [{"name": "web", "namespace": "other", "port": 80}]},
            {"backendRefs": [{"name": "web", "group": "example.com", "kind": "Bucket"}]}
        ]}));
        assert!(rules_to(&route, &svc("web"), &svc("web-canary")).is_empty());
    }
}
