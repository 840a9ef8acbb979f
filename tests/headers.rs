//! Routing by header: requests carrying it go to the contender whatever the
//! weights, through a route ramp adds during the rollout and removes after.

mod support;

use serde_json::{Value, json};
use support::{Namespace, istio_app, web_app};

fn route_names(list: &Value) -> Vec<String> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|r| r["name"].as_str().unwrap_or("").to_string())
        .collect()
}

#[test]
fn an_istio_header_route_sits_before_its_route_while_the_rollout_runs() {
    let ns = Namespace::new("header-istio");
    ns.apply(&web_app("web", 2, "example.com/web:1")).success();
    ns.apply(
        r#"
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: web
spec:
  hosts: [web]
  http:
  - name: beta
    match:
    - headers:
        x-beta: {exact: "1"}
    route:
    - destination: {host: beta}
  - name: primary
    match:
    - uri: {prefix: /}
    retries: {attempts: 2}
    route:
    - destination: {host: web}
"#,
    )
    .success();
    ns.wait_ready("web");
    let before = ns.get("virtualservice", "web");

    ns.ramp(&[
        "start",
        "web",
        "--image",
        "example.com/web:2",
        "--steps",
        "10,100",
        "--match-header",
        "X-Canary=always",
    ])
    .success();
    let during = ns.get("virtualservice", "web");
    let http = &during["spec"]["http"];
    assert_eq!(route_names(http), ["beta", "ramp-header-1", "primary"]);
    assert_eq!(http[0], before["spec"]["http"][0]);
    let header_route = &http[1];
    assert_eq!(
        header_route["match"],
        json!([{"uri": {"prefix": "/"}, "headers": {"x-canary": {"exact": "always"}}}])
    );
    assert_eq!(
        header_route["route"],
        json!([{"destination": {"host": "web-canary"}}])
    );
    assert_eq!(
        header_route["retries"],
        json!({"attempts": 2}),
        "the route's policies stay"
    );
    assert_eq!(
        support::weights(&during, 2),
        [("web".into(), 90), ("web-canary".into(), 10)]
    );

    let status = ns.ramp(&["step", "web", "-o", "json"]).success().json();
    assert_eq!(status["step"]["index"], 2);
    assert_eq!(
        route_names(&ns.get("virtualservice", "web")["spec"]["http"]),
        ["beta", "ramp-header-1", "primary"]
    );

    ns.ramp(&["abort", "web"]).success();
    assert_eq!(
        ns.get("virtualservice", "web")["spec"],
        before["spec"],
        "the header route is gone"
    );
}

#[test]
fn a_gateway_api_header_rule_is_added_and_removed() {
    let ns = Namespace::new("header-gateway");
    ns.apply(&web_app("web", 2, "example.com/web:1")).success();
    ns.apply(
        r#"
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata:
  name: web
spec:
  rules:
  - name: main
    matches:
    - path: {type: PathPrefix, value: /shop}
      headers:
      - {name: x-tenant, value: acme}
    backendRefs:
    - {name: web, port: 80}
"#,
    )
    .success();
    ns.wait_ready("web");
    let before = ns.get("httproute", "web");

    ns.ramp(&[
        "start",
        "web",
        "--image",
        "example.com/web:2",
        "--steps",
        "25,100",
        "--match-header",
        "x-canary=always",
    ])
    .success();
    let rules = &ns.get("httproute", "web")["spec"]["rules"];
    assert_eq!(route_names(rules), ["main", "ramp-header-0"]);
    let header_rule = &rules[1];
    assert_eq!(
        header_rule["matches"][0]["path"],
        json!({"type": "PathPrefix", "value": "/shop"})
    );
    assert_eq!(
        header_rule["matches"][0]["headers"],
        json!([
            {"type": "Exact", "name": "x-tenant", "value": "acme"},
            {"type": "Exact", "name": "x-canary", "value": "always"}
        ])
    );
    assert_eq!(header_rule["backendRefs"].as_array().unwrap().len(), 1);
    assert_eq!(header_rule["backendRefs"][0]["name"], "web-canary");

    ns.ramp(&["promote", "web"]).success();
    assert_eq!(
        ns.get("httproute", "web")["spec"],
        before["spec"],
        "the header rule is gone"
    );
}

#[test]
fn a_blue_green_preview_is_reachable_by_header() {
    let ns = istio_app("header-preview", 2);
    ns.ramp(&[
        "start",
        "web",
        "--image",
        "example.com/web:2",
        "--strategy",
        "blue-green",
        "--preview-header",
        "x-preview=1",
    ])
    .success();
    let vs = ns.get("virtualservice", "web");
    assert_eq!(
        route_names(&vs["spec"]["http"]),
        ["ramp-header-0", "primary"]
    );
    assert_eq!(
        vs["spec"]["http"][0]["match"],
        json!([{"headers": {"x-preview": {"exact": "1"}}}])
    );
    assert_eq!(
        support::weights(&vs, 1),
        [("web".into(), 100), ("web-canary".into(), 0)]
    );
    ns.ramp(&["abort", "web"]).success();
    assert_eq!(
        route_names(&ns.get("virtualservice", "web")["spec"]["http"]),
        ["primary"]
    );
}

#[test]
fn header_routing_without_a_mesh_is_refused() {
    let ns = Namespace::new("header-replicas");
    ns.apply(&web_app("web", 4, "example.com/web:1")).success();
    ns.wait_ready("web");
    let versions = ns.versions();
    let run = ns
        .ramp(&[
            "start",
            "web",
            "--image",
            "example.com/web:2",
            "--steps",
            "50,100",
            "--match-header",
            "x-canary=1",
        ])
        .code(2);
    assert!(
        run.stderr
            .contains("routing by header needs the istio or gateway-api router"),
        "{run}"
    );
    let run = ns
        .ramp(&[
            "start",
            "web",
            "--image",
            "example.com/web:2",
            "--match-header",
            "x-canary",
        ])
        .code(2);
    assert!(
        run.stderr
            .contains("--match-header \"x-canary\" is not NAME=VALUE"),
        "{run}"
    );
    assert_eq!(ns.versions(), versions);
}
