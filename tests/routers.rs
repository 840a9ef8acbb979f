//! The replicas and gateway-api routers on the local control plane.

mod support;

use serde_json::Value;
use support::{Namespace, kubectl, web_app};

fn image(ns: &Namespace, deployment: &str) -> Value {
    ns.get("deployment", deployment)["spec"]["template"]["spec"]["containers"][0]["image"].clone()
}

/// Ready endpoints behind a Service, counted from its EndpointSlices: the
/// pods it really sends requests to.
fn ready_endpoints(ns: &Namespace, service: &str) -> usize {
    let selector = format!("kubernetes.io/service-name={service}");
    let slices = kubectl(&[
        "get",
        "endpointslices",
        "-n",
        &ns.name,
        "-l",
        &selector,
        "-o",
        "json",
    ])
    .success()
    .json();
    slices["items"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|s| s["endpoints"].as_array().cloned().unwrap_or_default())
        .filter(|e| e["conditions"]["ready"] == true)
        .count()
}

#[test]
fn without_a_mesh_traffic_follows_the_ratio_of_ready_pods() {
    let ns = Namespace::new("replicas");
    ns.apply(&web_app("web", 9, "example.com/web:1")).success();
    ns.wait_ready("web");

    let run = ns
        .ramp(&[
            "start",
            "web",
            "--image",
            "example.com/web:2",
            "--steps",
            "10,50,100",
            "-o",
            "json",
        ])
        .success();
    let status = run.json();
    assert_eq!(status["router"], "replicas");
    assert_eq!(status["capacity"]["contender"]["ready"], 1);
    assert_eq!(status["capacity"]["incumbent"]["ready"], 9);
    assert_eq!(status["traffic"]["contender"], 10.0);
    assert!(
        run.stderr
            .contains("asked 10%, reached 1 of 10 ready pods = 10%"),
        "{run}"
    );
    // The contender's pods are behind the incumbent's own Service.
    support::wait_until("10 endpoints", std::time::Duration::from_secs(30), || {
        ready_endpoints(&ns, "web") == 10
    });
    let pod_labels = &ns.get("deployment", "web-canary")["spec"]["template"]["metadata"]["labels"];
    assert_eq!(pod_labels["app"], "web");
    assert_eq!(pod_labels["ramp.dev/role"], "contender");

    let status = ns.ramp(&["step", "web", "-o", "json"]).success().json();
    assert_eq!(status["capacity"]["contender"]["ready"], 9);
    assert_eq!(status["traffic"]["contender"], 50.0);

    // All traffic: the Service's selector narrows to the contender's pods;
    // the incumbent keeps the capacity the step gives it.
    let run = ns.ramp(&["step", "web", "-o", "json"]).success();
    let status = run.json();
    assert_eq!(status["capacity"]["incumbent"]["desired"], 9);
    assert_eq!(status["traffic"]["contender"], 100.0);
    assert_eq!(
        ns.get("service", "web")["spec"]["selector"],
        serde_json::json!({"app": "web", "ramp.dev/role": "contender"})
    );

    let status = ns.ramp(&["promote", "web", "-o", "json"]).success().json();
    assert_eq!(status["phase"], "Succeeded");
    assert_eq!(status["capacity"]["incumbent"]["ready"], 9);
    assert_eq!(image(&ns, "web"), "example.com/web:2");
    assert_eq!(ns.names("deployments"), ["web"]);
    assert_eq!(ns.names("services"), ["web"]);
    assert_eq!(
        ns.get("service", "web")["spec"]["selector"],
        serde_json::json!({"app": "web"})
    );
}

#[test]
fn a_replicas_abort_brings_the_incumbent_back_before_the_contender_goes() {
    let ns = Namespace::new("replicas-abort");
    ns.apply(&web_app("web", 3, "example.com/web:1")).success();
    ns.wait_ready("web");
    ns.ramp(&[
        "start",
        "web",
        "--image",
        "example.com/web:2",
        "--strategy",
        "vanguard",
    ])
    .success();
    ns.ramp(&["step", "web"]).success();
    let status = ns.ramp(&["step", "web", "-o", "json"]).success().json();
    assert_eq!(status["step"]["name"], "full on");
    assert_eq!(status["capacity"]["incumbent"]["desired"], 0);

    let run = ns.ramp(&["abort", "web", "-o", "json"]).success();
    let lines: Vec<&str> = run.stderr.lines().collect();
    let scaled = lines
        .iter()
        .position(|l| *l == "scaling web to 3 replicas")
        .expect("the incumbent is scaled up");
    let deleted = lines
        .iter()
        .position(|l| *l == "deleting deployment web-canary")
        .expect("the contender goes");
    assert!(scaled < deleted, "{run}");
    assert_eq!(run.json()["capacity"]["incumbent"]["ready"], 3);
    assert_eq!(image(&ns, "web"), "example.com/web:1");
    assert_eq!(ns.names("deployments"), ["web"]);
}

const HTTP_ROUTE: &str = r#"
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata:
  name: web
  annotations: {owner: shop}
spec:
  parentRefs:
  - name: public
  hostnames: [web.example.com]
  rules:
  - name: api
    matches:
    - path: {type: PathPrefix, value: /api}
    backendRefs:
    - {name: api, port: 8080}
  - name: main
    matches:
    - path: {type: PathPrefix, value: /}
    filters:
    - type: RequestHeaderModifier
      requestHeaderModifier:
        set:
        - {name: x-app, value: web}
    backendRefs:
    - {name: web, port: 80}
"#;

fn gateway_app(prefix: &str) -> Namespace {
    let ns = Namespace::new(prefix);
    ns.apply(&web_app("web", 2, "example.com/web:1")).success();
    ns.apply(HTTP_ROUTE).success();
    ns.wait_ready("web");
    ns
}

fn backend_weights(route: &Value, rule: usize) -> Vec<(String, u64)> {
    route["spec"]["rules"][rule]["backendRefs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| {
            (
                b["name"].as_str().unwrap().to_string(),
                b["weight"].as_u64().unwrap_or(1),
            )
        })
        .collect()
}

#[test]
fn an_http_route_is_split_and_restored_exactly() {
    let ns = gateway_app("gateway");
    let before = ns.get("httproute", "web");

    let status = ns
        .ramp(&[
            "start",
            "web",
            "--image",
            "example.com/web:2",
            "--steps",
            "20,60,100",
            "-o",
            "json",
        ])
        .success()
        .json();
    assert_eq!(status["router"], "gateway-api");
    assert_eq!(status["traffic"]["contender"], 20.0);
    let during = ns.get("httproute", "web");
    assert_eq!(
        backend_weights(&during, 1),
        [("web".into(), 80), ("web-canary".into(), 20)]
    );
    assert_eq!(during["spec"]["rules"][1]["backendRefs"][1]["port"], 80);
    assert_eq!(
        during["spec"]["rules"][0], before["spec"]["rules"][0],
        "the api rule is not ours"
    );
    assert_eq!(
        during["spec"]["rules"][1]["filters"],
        before["spec"]["rules"][1]["filters"]
    );
    assert_eq!(during["spec"]["parentRefs"], before["spec"]["parentRefs"]);

    ns.ramp(&["step", "web"]).success();
    assert_eq!(
        backend_weights(&ns.get("httproute", "web"), 1),
        [("web".into(), 40), ("web-canary".into(), 60)]
    );

    ns.ramp(&["abort", "web"]).success();
    let after = ns.get("httproute", "web");
    assert_eq!(
        after["spec"], before["spec"],
        "abort restores the whole spec exactly"
    );
    assert_eq!(
        after["metadata"]["annotations"],
        before["metadata"]["annotations"]
    );
    assert_eq!(ns.names("deployments"), ["web"]);
    assert_eq!(ns.names("services"), ["web"]);
}

#[test]
fn a_gateway_api_canary_promotes() {
    let ns = gateway_app("gateway-promote");
    let before = ns.get("httproute", "web");
    ns.ramp(&[
        "start",
        "web",
        "--image",
        "example.com/web:2",
        "--steps",
        "50,100",
    ])
    .success();
    ns.ramp(&["step", "web"]).success();
    assert_eq!(
        backend_weights(&ns.get("httproute", "web"), 1),
        [("web".into(), 0), ("web-canary".into(), 100)]
    );
    let status = ns.ramp(&["promote", "web", "-o", "json"]).success().json();
    assert_eq!(status["phase"], "Succeeded");
    assert_eq!(ns.get("httproute", "web")["spec"], before["spec"]);
    assert_eq!(image(&ns, "web"), "example.com/web:2");
    assert_eq!(ns.names("deployments"), ["web"]);
}

#[test]
fn gateway_api_bad_input_exits_2_and_changes_nothing() {
    let ns = gateway_app("gateway-bad");
    ns.apply(
        r#"
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata:
  name: elsewhere
spec:
  rules:
  - backendRefs:
    - {name: api, port: 8080}
"#,
    )
    .success();
    let versions = ns.versions();
    let cases: [(&[&str], &str); 3] = [
        (
            &[
                "start",
                "web",
                "--image",
                "x:2",
                "--http-route",
                "elsewhere",
            ],
            "HTTPRoute \"elsewhere\" has no route to service \"web\"",
        ),
        (
            &["start", "web", "--image", "x:2", "--route", "nope"],
            "HTTPRoute \"web\" has no route named \"nope\" that sends to \"web\"",
        ),
        (
            &[
                "start",
                "web",
                "--image",
                "x:2",
                "--router",
                "gateway-api",
                "--canary-namespace",
                "default",
            ],
            "--canary-namespace is not available with the gateway-api router",
        ),
    ];
    for (args, message) in cases {
        let run = ns.ramp(args).code(2);
        assert!(
            run.stderr.contains(message),
            "{args:?} should say {message:?}:\n{run}"
        );
        assert_eq!(ns.versions(), versions, "{args:?} changed the cluster");
    }
}

/// The API server writes `&`, `<` and `>` in its JSON as `\u0026`,
/// `\u003c`, `\u003e`: a VirtualService whose other routes hold them is
/// shifted and restored like any other, and an abort after someone added
/// such a route puts all traffic back.
#[test]
fn routes_holding_text_the_api_server_escapes_are_shifted_and_restored() {
    let ns = support::Namespace::new("routers-escaped");
    ns.apply(&support::web_app("web", 2, "example.com/web:1"))
        .success();
    let with_search = r#"
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: web
spec:
  hosts: [web]
  http:
  - name: search<1>
    match:
    - uri: {exact: "/search?a=1&b=2"}
    route:
    - destination: {host: search}
  - name: primary
    route:
    - destination: {host: web}
"#;
    ns.apply(with_search).success();
    ns.wait_ready("web");
    let before = ns.get("virtualservice", "web")["spec"].clone();
    ns.ramp(&[
        "start",
        "web",
        "--image",
        "example.com/web:2",
        "--steps",
        "10,100",
    ])
    .success();
    assert_eq!(
        support::weights(&ns.get("virtualservice", "web"), 1),
        [("web".into(), 90), ("web-canary".into(), 10)]
    );
    // Someone adds a route with more of them, after ramp's; then it is
    // aborted.
    let vs = ns.get("virtualservice", "web");
    let mut http = vs["spec"]["http"].as_array().unwrap().clone();
    http.push(
        serde_json::json!({"name": "a>b", "match": [{"uri": {"prefix": "/x&y<z>"}}], "route": [{"destination": {"host": "other"}}]}),
    );
    let patch = serde_json::json!({"spec": {"http": http}}).to_string();
    kubectl(&[
        "patch",
        "virtualservice",
        "web",
        "-n",
        &ns.name,
        "--type",
        "merge",
        "-p",
        &patch,
    ])
    .success();
    let abort = ns.ramp(&["abort", "web"]).success();
    assert!(
        abort
            .stderr
            .contains("traffic: all to web, routes restored as they were"),
        "{abort}"
    );
    let after = ns.get("virtualservice", "web")["spec"].clone();
    assert_eq!(
        after["http"][0], before["http"][0],
        "the first route as it was"
    );
    assert_eq!(
        after["http"][1], before["http"][1],
        "ramp's route as it was"
    );
    assert_eq!(after["http"][2]["name"], "a>b", "their route stays");
    assert_eq!(after["http"][2]["match"][0]["uri"]["prefix"], "/x&y<z>");
}

#[test]
fn a_virtual_service_ramp_does_not_shift_is_named_when_traffic_follows_the_pods() {
    let ns = Namespace::new("replicas-why");
    ns.apply(&web_app("web", 3, "example.com/web:1")).success();
    ns.wait_ready("web");
    // Routes by tcp only, in the Service's namespace.
    ns.apply(
        r#"
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: web-tcp
spec:
  hosts: [web]
  tcp:
  - route:
    - destination: {host: web, port: {number: 80}}
"#,
    )
    .success();
    // Routes by http, from another namespace.
    let edge = Namespace::new("replicas-why-edge");
    edge.apply(&format!(
        r#"
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: web-edge
spec:
  hosts: [shop.example.com]
  http:
  - route:
    - destination: {{host: web.{}.svc.cluster.local}}
"#,
        ns.name
    ))
    .success();
    let run = ns
        .ramp(&["start", "web", "--image", "example.com/web:2", "-o", "json"])
        .success();
    assert_eq!(run.json()["router"], "replicas");
    assert!(
        run.stderr.contains(
            "virtualservice web-tcp routes service web by tcp or tls only, and ramp shifts the weights of http routes: traffic follows the ready pods (the replicas router)"
        ),
        "{run}"
    );
    assert!(
        run.stderr.contains(&format!(
            "virtualservice web-edge in namespace {} routes to service web, but ramp shifts the routes of namespace {} only",
            edge.name, ns.name
        )),
        "{run}"
    );
    ns.ramp(&["abort", "web"]).success();
}
