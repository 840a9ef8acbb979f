//! The local control plane is real: KWOK's fake nodes run pods to Ready, and
//! the Istio and Gateway API CRDs validate objects with their schemas.

mod support;

use support::{Namespace, kubectl, web_app};

#[test]
fn fake_nodes_are_ready_and_run_pods() {
    let nodes = kubectl(&["get", "nodes", "-o", "json"]).success().json();
    let ready = nodes["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|n| {
            n["status"]["conditions"].as_array().is_some_and(|c| {
                c.iter()
                    .any(|c| c["type"] == "Ready" && c["status"] == "True")
            })
        })
        .count();
    assert!(ready >= 1, "no Ready node: {nodes:#}");

    let ns = Namespace::new("plane-pods");
    ns.apply(&web_app("web", 3, "example.com/web:1.0"))
        .success();
    ns.wait_ready("web");
    let pods = kubectl(&["get", "pods", "-n", &ns.name, "-l", "app=web", "-o", "json"])
        .success()
        .json();
    let pods = pods["items"].as_array().unwrap();
    assert_eq!(pods.len(), 3);
    for pod in pods {
        assert_eq!(pod["status"]["phase"], "Running", "{pod:#}");
        assert!(
            pod["spec"]["nodeName"]
                .as_str()
                .unwrap()
                .starts_with("kwok-node-"),
            "{pod:#}"
        );
    }
}

#[test]
fn the_istio_crd_rejects_a_weight_given_as_a_string() {
    let ns = Namespace::new("plane-schema");
    let run = ns.apply(
        r#"
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: bad
spec:
  hosts: [web]
  http:
  - route:
    - destination: {host: web}
      weight: "ninety"
"#,
    );
    assert_ne!(run.code, Some(0), "{run}");
    assert!(run.stderr.contains("spec.http[0].route[0].weight"), "{run}");
    assert!(run.stderr.contains("integer"), "{run}");
    let list = kubectl(&["get", "virtualservices", "-n", &ns.name, "-o", "name"]).success();
    assert_eq!(list.stdout, "");
}

#[test]
fn the_gateway_api_crd_rejects_a_negative_weight() {
    let ns = Namespace::new("plane-schema-gw");
    let run = ns.apply(
        r#"
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata:
  name: bad
spec:
  rules:
  - backendRefs:
    - {name: web, port: 80, weight: -1}
"#,
    );
    assert_ne!(run.code, Some(0), "{run}");
    assert!(run.stderr.contains("weight"), "{run}");
}
