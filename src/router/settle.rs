//! What the cluster shows of the data plane following the routes: a
//! gateway's status of a route it took up, and a Service's endpoints. Pure;
//! the routers wait on them (`Router::settle`).

use std::collections::BTreeSet;

use k8s_openapi::api::discovery::v1::EndpointSlice;
use serde_json::Value;

/// Whether every controller that reports on a route has taken up its
/// latest generation: each parent's conditions (the Gateway API's
/// `status.parents`), or the object's `status.observedGeneration` (Istio's,
/// when it writes status). A route no controller reports on has nothing
/// to wait for.
pub fn taken_up(generation: Option<i64>, status: Option<&Value>) -> bool {
    let (Some(generation), Some(status)) = (generation, status) else {
        return true;
    };
    let observed = |v: &Value| {
        v.as_i64()
            .or_else(|| v.as_str().and_then(|s| s.parse().ok()))
    };
    if let Some(parents) = status.get("parents").and_then(Value::as_array) {
        return parents.iter().all(|parent| {
            parent["conditions"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|c| c.get("observedGeneration").and_then(observed))
                .all(|seen| seen >= generation)
        });
    }
    match status.get("observedGeneration").and_then(observed) {
        Some(seen) => seen >= generation,
        None => true,
    }
}

/// Whether the Service's endpoints follow its selector: no ready endpoint
/// is a pod that the selector no longer selects (`selected` names those it
/// does).
pub fn endpoints_follow(slices: &[EndpointSlice], selected: &BTreeSet<String>) -> bool {
    slices
        .iter()
        .flat_map(|slice| &slice.endpoints)
        .filter(|e| e.conditions.as_ref().and_then(|c| c.ready).unwrap_or(true))
        .filter_map(|e| e.target_ref.as_ref())
        .filter(|r| r.kind.as_deref() == Some("Pod"))
        .all(|r| r.name.as_ref().is_some_and(|n| selected.contains(n)))
}

/// Whether the Service's endpoints hold at least `wanted` ready pods: a
/// gateway sends a backend's share only to the endpoints it knows, and
/// answers 503 for a backend that has none.
pub fn endpoints_serve(slices: &[EndpointSlice], wanted: usize) -> bool {
    ready_endpoints(slices) >= wanted
}

/// The ready endpoints of a Service's slices, each pod counted once.
pub fn ready_endpoints(slices: &[EndpointSlice]) -> usize {
    let ready: BTreeSet<&str> = slices
        .iter()
        .flat_map(|slice| &slice.endpoints)
        .filter(|e| e.conditions.as_ref().and_then(|c| c.ready).unwrap_or(true))
        .filter_map(|e| match &e.target_ref {
            Some(r) => r.name.as_deref(),
            None => e.addresses.first().map(String::as_str),
        })
        .collect();
    ready.len()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_route_is_taken_up_once_every_reporting_parent_saw_its_generation() {
        let parents = |gens: &[i64]| {
            json!({"parents": gens.iter().map(|g| json!({
                "conditions": [
                    {"type": "Accepted", "status": "True", "observedGeneration": g},
                    {"type": "ResolvedRefs", "status": "True", "observedGeneration": g},
                ]
            })).collect::<Vec<_>>()})
        };
        let cases = [
            (Some(2), Some(parents(&[2])), true),
            (Some(3), Some(parents(&[2])), false),
            (Some(3), Some(parents(&[3, 2])), false),
            (Some(3), Some(parents(&[4, 3])), true),
            // Nobody reports on it: nothing to wait for.
            (Some(3), None, true),
            (Some(3), Some(json!({"parents": []})), true),
            (
                Some(3),
                Some(json!({"parents": [{"conditions": []}]})),
                true,
            ),
            (None, Some(parents(&[1])), true),
            // Istio's status, when it writes one.
            (Some(5), Some(json!({"observedGeneration": "4"})), false),
            (Some(5), Some(json!({"observedGeneration": 5})), true),
            (Some(5), Some(json!({"conditions": []})), true),
        ];
        for (generation, status, want) in cases {
            assert_eq!(
                taken_up(generation, status.as_ref()),
                want,
                "generation {generation:?}, status {status:?}"
            );
        }
    }

    #[test]
    fn endpoints_follow_the_selector_once_no_ready_one_is_a_pod_it_left() {
        let slice = |endpoints: &[(&str, Option<bool>)]| -> EndpointSlice {
            serde_json::from_value(json!({
                "metadata": {"name": "web-x"},
                "addressType": "IPv4",
                "endpoints": endpoints.iter().map(|(pod, ready)| json!({
                    "addresses": ["10.244.0.1"],
                    "conditions": {"ready": ready},
                    "targetRef": {"kind": "Pod", "name": pod},
                })).collect::<Vec<_>>(),
            }))
            .unwrap()
        };
        let selected: BTreeSet<String> = ["web-1".to_string(), "web-2".to_string()].into();
        let cases = [
            (
                vec![slice(&[("web-1", Some(true)), ("web-2", Some(true))])],
                true,
            ),
            (
                vec![slice(&[
                    ("web-1", Some(true)),
                    ("web-canary-1", Some(true)),
                ])],
                false,
            ),
            // Not ready (terminating): the gateway sends nothing to it.
            (
                vec![slice(&[
                    ("web-1", Some(true)),
                    ("web-canary-1", Some(false)),
                ])],
                true,
            ),
            // Ready unless it says otherwise.
            (vec![slice(&[("web-canary-1", None)])], false),
            (
                vec![
                    slice(&[("web-1", None)]),
                    slice(&[("web-canary-2", Some(true))]),
                ],
                false,
            ),
            (vec![], true),
        ];
        for (slices, want) in cases {
            assert_eq!(endpoints_follow(&slices, &selected), want, "{slices:?}");
        }
    }

    #[test]
    fn a_service_serves_once_its_ready_endpoints_are_the_pods_wanted() {
        let slice = |name: &str, endpoints: &[(&str, Option<bool>)]| -> EndpointSlice {
            serde_json::from_value(json!({
                "metadata": {"name": name},
                "addressType": "IPv4",
                "endpoints": endpoints.iter().map(|(pod, ready)| json!({
                    "addresses": [format!("10.244.0.{}", pod.len())],
                    "conditions": {"ready": ready},
                    "targetRef": {"kind": "Pod", "name": pod},
                })).collect::<Vec<_>>(),
            }))
            .unwrap()
        };
        let cases = [
            // A Service just made: no slice, or one with no endpoint yet.
            (vec![], 1, false),
            (vec![slice("a", &[])], 1, false),
            // The pod has its address but is not ready yet.
            (vec![slice("a", &[("c-1", Some(false))])], 1, false),
            (vec![slice("a", &[("c-1", Some(true))])], 1, true),
            (vec![slice("a", &[("c-1", None)])], 1, true),
            (
                vec![slice("a", &[("c-1", Some(true)), ("c-2", Some(false))])],
                2,
                false,
            ),
            (
                vec![
                    slice("a", &[("c-1", Some(true))]),
                    slice("b", &[("c-2", Some(true))]),
                ],
                2,
                true,
            ),
            // One pod in two slices (as while a slice is being replaced)
            // counts once.
            (
                vec![
                    slice("a", &[("c-1", Some(true))]),
                    slice("b", &[("c-1", Some(true))]),
                ],
                2,
                false,
            ),
            (vec![], 0, true),
        ];
        for (slices, wanted, want) in cases {
            assert_eq!(
                endpoints_serve(&slices, wanted),
                want,
                "{wanted} wanted of {slices:?}"
            );
        }
    }
}
