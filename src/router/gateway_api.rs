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
        let mirror = rule
            .get("filters")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .find(|f| {
                f["type"] == "RequestMirror"
                    && refers_to(&f["requestMirror"]["backendRef"], &route_namespace).as_ref()
                        == Some(contender)
            })
            .map(|f| f["requestMirror"]["percent"].as_u64().unwrap_or(100) as u32);
        found.push(RouteWeights {
            kind: "HTTPRoute",
            object: route_name.clone(),
            route: name.unwrap_or_else(|| format!("rules[{index}]")),
            backends: with_percents(backends),
            mirror,
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
    check_mirror: Some(|conn, version, objects, routes, steps| {
        Box::pin(check_mirror(conn, version, objects, routes, steps))
    }),
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
    mirror_of,
    set_mirror,
    unmirror: |rule, namespace, service| {
        let Some(filters) = rule.get("filters").and_then(Value::as_array) else {
            return false;
        };
        let to_service = |f: &Value| {
            f["type"] == "RequestMirror"
                && refers_to(&f["requestMirror"]["backendRef"], namespace).as_ref() == Some(service)
        };
        let kept: Vec<Value> = filters.iter().filter(|f| !to_service(f)).cloned().collect();
        if kept.len() == filters.len() {
            return false;
        }
        match (kept.is_empty(), rule.as_object_mut()) {
            (true, Some(object)) => {
                object.remove("filters");
            }
            (false, _) => rule["filters"] = Value::Array(kept),
            _ => {}
        }
        true
    },
    one_mirror: false,
    mirrors: |rule| {
        rule.get("filters")
            .and_then(Value::as_array)
            .is_some_and(|f| f.iter().any(|f| f["type"] == "RequestMirror"))
    },
};

/// Whether a filter is ramp's RequestMirror to the contender (its backend
/// given): the API server adds defaults to the backendRef, so it is told
/// by the Service it names.
fn mirrors_to(filter: &Value, contender: &Value) -> bool {
    let named = |v: &Value, key: &str| v.get(key).cloned().unwrap_or(Value::Null);
    let backend = &filter["requestMirror"]["backendRef"];
    filter["type"] == "RequestMirror"
        && named(backend, "name") == named(contender, "name")
        && named(backend, "namespace") == named(contender, "namespace")
        && named(backend, "port") == named(contender, "port")
}

/// The Gateway API mirrors a rule's requests with a RequestMirror filter;
/// its `percent` is the share (all of them without one).
fn mirror_of(rule: &Value, contender: &Value) -> Option<u32> {
    let filter = rule
        .get("filters")?
        .as_array()?
        .iter()
        .find(|f| mirrors_to(f, contender))?;
    let percent = filter["requestMirror"]["percent"].as_u64().unwrap_or(100);
    Some(percent as u32)
}

/// The RequestMirror filter ramp adds for a share of the requests; without
/// `percent` at 100%, which every version of the CRD takes.
fn mirror_filter(contender: &Value, percent: u32) -> Value {
    let mut backend = serde_json::Map::new();
    for key in ["group", "kind", "name", "namespace", "port"] {
        if let Some(value) = contender.get(key) {
            backend.insert(key.into(), value.clone());
        }
    }
    let mut mirror = serde_json::json!({"backendRef": backend});
    if percent < 100 {
        mirror["percent"] = Value::from(percent);
    }
    serde_json::json!({"type": "RequestMirror", "requestMirror": mirror})
}

fn set_mirror(rule: &mut Value, contender: &Value, mirror: Option<u32>) {
    let Some(object) = rule.as_object_mut() else {
        return;
    };
    let mut filters: Vec<Value> = object
        .get("filters")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let before = filters.len();
    filters.retain(|f| !mirrors_to(f, contender));
    let ours = filters.len() != before;
    if let Some(percent) = mirror {
        filters.push(mirror_filter(contender, percent));
    } else if !ours {
        return;
    }
    match filters.is_empty() {
        true => object.remove("filters"),
        false => object.insert("filters".into(), Value::Array(filters)),
    };
}

/// A mirror of less than all requests needs `percent` on the RequestMirror
/// filter, which older HTTPRoute CRDs do not have (the API server would
/// drop it, and mirror everything): asked of the API server up front, by a
/// dry run of the first such step with strict field validation.
async fn check_mirror(
    conn: &crate::connect::Connection,
    version: &str,
    objects: &super::Objects,
    routes: &[crate::rollout::record::RouteSnapshot],
    steps: &[crate::rollout::strategy::Step],
) -> crate::error::Result<()> {
    let Some((index, step, percent)) = steps
        .iter()
        .enumerate()
        .find_map(|(i, s)| s.mirror.filter(|p| *p < 100).map(|p| (i, s, p)))
    else {
        return Ok(());
    };
    let resource = FLAVOR.resource(version);
    let api: kube::Api<kube::api::DynamicObject> =
        kube::Api::namespaced_with(conn.client.clone(), &conn.namespace, &resource);
    for route in routes {
        let Some(object) = objects.get(&route.object) else {
            continue;
        };
        let Some(rule) = object.data.pointer(&route.route) else {
            continue;
        };
        let mut rule = rule.clone();
        rule["backendRefs"] = super::weights::weighted(route, step.traffic);
        set_mirror(&mut rule, &route.contender, Some(percent));
        let patch: json_patch::Patch = serde_json::from_value(serde_json::json!([
            {"op": "replace", "path": route.route, "value": rule},
        ]))
        .expect("valid JSON patch operations");
        let params = kube::api::PatchParams {
            dry_run: true,
            ..Default::default()
        }
        .validation_strict();
        match api
            .patch(&route.object, &params, &kube::api::Patch::Json::<()>(patch))
            .await
        {
            Ok(_) => {}
            Err(kube::Error::Api(status)) if status.message.contains("percent") => {
                return Err(crate::error::Error::invalid(format!(
                    "step {} ({:?}) mirrors {percent}% of requests, but this cluster's HTTPRoute CRD has no RequestMirror percent: it would mirror them all",
                    index + 1,
                    step.name
                ))
                .with_hint("mirror 100% (a RequestMirror filter without percent), install Gateway API v1.3 or newer, or route with Istio"));
            }
            Err(e) => {
                return Err(crate::error::from_kube(
                    e,
                    &format!("try a mirror on HTTPRoute {:?}", route.object),
                    &conn.server,
                ));
            }
        }
    }
    Ok(())
}

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

    #[test]
    fn a_request_mirror_filter_is_added_beside_the_users_and_taken_out_exactly() {
        let contender = serde_json::json!({"name": "web-canary", "port": 80});
        let cases = [
            serde_json::json!({"name": "main", "backendRefs": [{"name": "web", "port": 80}]}),
            serde_json::json!({"name": "main", "filters": [
                {"type": "RequestHeaderModifier", "requestHeaderModifier": {"set": [{"name": "x-app", "value": "web"}]}},
                {"type": "RequestMirror", "requestMirror": {"backendRef": {"name": "audit", "port": 80}}}
            ], "backendRefs": [{"name": "web", "port": 80}]}),
        ];
        for rule in cases {
            assert_eq!(mirror_of(&rule, &contender), None);
            let mut mirrored = rule.clone();
            set_mirror(&mut mirrored, &contender, Some(30));
            assert_eq!(mirror_of(&mirrored, &contender), Some(30));
            let filters = mirrored["filters"].as_array().unwrap();
            assert_eq!(
                filters.last().unwrap(),
                &serde_json::json!({"type": "RequestMirror", "requestMirror": {
                    "backendRef": {"name": "web-canary", "port": 80}, "percent": 30}})
            );
            // As the API server returns it, with its defaults.
            let mut defaulted = mirrored.clone();
            let last = defaulted["filters"]
                .as_array_mut()
                .unwrap()
                .last_mut()
                .unwrap();
            last["requestMirror"]["backendRef"]["group"] = "".into();
            last["requestMirror"]["backendRef"]["kind"] = "Service".into();
            assert_eq!(mirror_of(&defaulted, &contender), Some(30));
            set_mirror(&mut defaulted, &contender, None);
            assert_eq!(defaulted, rule, "the rule as it was, byte for byte");
            // All requests: no percent, which every CRD version takes.
            set_mirror(&mut mirrored, &contender, Some(100));
            assert_eq!(mirror_of(&mirrored, &contender), Some(100));
            assert!(!mirrored["filters"].to_string().contains("percent"));
            // Taking out a mirror that is not there changes nothing.
            let mut untouched = rule.clone();
            set_mirror(&mut untouched, &contender, None);
            assert_eq!(untouched, rule);
        }
    }

    /// An HTTPRoute CRD without RequestMirror's percent: the dry run with
    /// strict field validation tells, and start refuses with the reason.
    #[tokio::test]
    async fn a_share_the_crd_cannot_mirror_is_refused_up_front() {
        use crate::rollout::record::RouteSnapshot;
        use crate::rollout::strategy::{Split, Step};
        let (conn, mut server) = crate::mock::connection("shop");
        let checked = tokio::spawn(async move {
            let object: kube::api::DynamicObject = serde_json::from_value(serde_json::json!({
                "apiVersion": "gateway.networking.k8s.io/v1",
                "kind": "HTTPRoute",
                "metadata": {"name": "web", "namespace": "shop"},
                "spec": {"rules": [{"name": "main", "backendRefs": [{"name": "web", "port": 80}]}]},
            }))
            .unwrap();
            let objects = crate::router::Objects::from([("web".to_string(), object)]);
            let routes = [RouteSnapshot {
                object: "web".into(),
                route: "/spec/rules/0".into(),
                name: Some("main".into()),
                original: serde_json::json!([{"name": "web", "port": 80}]),
                contender: serde_json::json!({"name": "web-canary", "port": 80}),
                empty_lists: Vec::new(),
            }];
            let steps = [Step {
                name: "shadow".into(),
                capacity: Split {
                    contender: 1,
                    incumbent: 100,
                },
                traffic: Split {
                    contender: 0,
                    incumbent: 100,
                },
                mirror: Some(30),
            }];
            check_mirror(&conn, "v1", &objects, &routes, &steps).await
        });
        let sent = server
            .answer(
                422,
                crate::mock::status(
                    422,
                    "Invalid",
                    "HTTPRoute.gateway.networking.k8s.io \"web\" is invalid: spec.rules[0].filters[0].requestMirror.percent: unknown field",
                ),
            )
            .await;
        assert_eq!(sent.method, "PATCH");
        assert_eq!(
            sent.uri,
            "/apis/gateway.networking.k8s.io/v1/namespaces/shop/httproutes/web?&dryRun=All&fieldValidation=Strict"
        );
        assert_eq!(
            sent.body.unwrap(),
            serde_json::json!([{"op": "replace", "path": "/spec/rules/0", "value": {
                "name": "main",
                "backendRefs": [{"name": "web", "port": 80, "weight": 100}, {"name": "web-canary", "port": 80, "weight": 0}],
                "filters": [{"type": "RequestMirror", "requestMirror": {
                    "backendRef": {"name": "web-canary", "port": 80}, "percent": 30}}],
            }}])
        );
        let err = checked.await.unwrap().unwrap_err();
        assert_eq!(err.kind, crate::error::Kind::Invalid);
        assert_eq!(
            err.message,
            "step 1 (\"shadow\") mirrors 30% of requests, but this cluster's HTTPRoute CRD has no RequestMirror percent: it would mirror them all"
        );
    }
}
