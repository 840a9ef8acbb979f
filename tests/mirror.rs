//! Traffic mirroring: a share of live requests copied to the contender
//! before it takes any, through Istio's `mirror` and the Gateway API's
//! RequestMirror filter; refused without a mesh.

mod support;

use serde_json::{Value, json};
use support::{Namespace, istio_app, web_app};

fn status(ns: &Namespace) -> Value {
    ns.ramp(&["status", "web", "-o", "json"]).success().json()
}

/// What of a routing object is the user's: its spec, labels and
/// annotations.
fn users_part(object: &Value) -> Value {
    json!({
        "spec": object["spec"],
        "labels": object["metadata"]["labels"],
        "annotations": object["metadata"]["annotations"],
    })
}

#[test]
fn istio_mirrors_at_the_shadow_step_and_the_route_is_restored_exactly() {
    for end in ["abort", "promote"] {
        let ns = istio_app("mirror-istio", 2);
        let before = ns.get("virtualservice", "web");
        let run = ns
            .ramp(&[
                "start",
                "web",
                "--image",
                "example.com/web:2",
                "--steps",
                "10,100",
                "--mirror",
                "100",
                "-o",
                "json",
            ])
            .success();
        assert!(
            run.stderr.contains(
                "traffic: web-canary 0%, web 100%; 100% of requests mirrored to web-canary"
            ),
            "{run}"
        );
        let shown = run.json();
        assert_eq!(shown["step"]["name"], "shadow");
        assert_eq!(shown["step"]["total"], 3);
        assert_eq!(shown["traffic"]["contender"], 0.0);
        assert_eq!(shown["traffic"]["mirror"], 100.0);
        let route = &ns.get("virtualservice", "web")["spec"]["http"][0];
        assert_eq!(route["mirror"], json!({"host": "web-canary"}));
        assert_eq!(route["mirrorPercentage"]["value"], 100.0);
        let table = ns.ramp(&["status", "web"]).success();
        assert!(
            table.stdout.contains(
                "Traffic:    incumbent 100%, contender 0%; 100% mirrored to the contender"
            ),
            "{table}"
        );

        // The next step takes real traffic, and mirrors no more.
        let shown = ns.ramp(&["step", "web", "-o", "json"]).success().json();
        assert_eq!(shown["traffic"]["contender"], 10.0);
        assert_eq!(shown["traffic"]["mirror"], 0.0);
        let route = &ns.get("virtualservice", "web")["spec"]["http"][0];
        assert!(route.get("mirror").is_none(), "{route}");
        assert!(route.get("mirrorPercentage").is_none(), "{route}");

        // Back to the mirror step, then the end from there.
        ns.ramp(&["step", "web", "--to", "1"]).success();
        assert_eq!(status(&ns)["traffic"]["mirror"], 100.0);
        ns.ramp(&[end, "web"]).success();
        let after = ns.get("virtualservice", "web");
        assert_eq!(users_part(&after), users_part(&before), "{end}");
        assert_eq!(status(&ns)["traffic"]["mirror"], 0.0);
        assert_eq!(ns.names("deployments"), ["web"]);
    }
}

const HTTP_ROUTE: &str = r#"
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata:
  name: web
spec:
  parentRefs:
  - name: public
  rules:
  - name: main
    filters:
    - type: RequestHeaderModifier
      requestHeaderModifier:
        set:
        - {name: x-app, value: web}
    backendRefs:
    - {name: web, port: 80}
"#;

const SHADOW_THEN_HALF: &str = "
- name: shadow
  capacity: {contender: 1, incumbent: 100}
  traffic: {contender: 0, incumbent: 100}
  mirror: 30
- name: half
  capacity: {contender: 50, incumbent: 100}
  traffic: {contender: 50, incumbent: 50}
- name: full
  capacity: {contender: 100, incumbent: 100}
  traffic: {contender: 100, incumbent: 0}
";

#[test]
fn a_gateway_api_route_mirrors_a_share_with_a_request_mirror_filter() {
    let ns = Namespace::new("mirror-gateway");
    ns.apply(&web_app("web", 2, "example.com/web:1")).success();
    ns.apply(HTTP_ROUTE).success();
    ns.wait_ready("web");
    let before = ns.get("httproute", "web");
    let file = std::env::temp_dir().join(format!("{}-shadow.yaml", ns.name));
    std::fs::write(&file, SHADOW_THEN_HALF).unwrap();

    let shown = ns
        .ramp(&[
            "start",
            "web",
            "--image",
            "example.com/web:2",
            "--strategy",
            file.to_str().unwrap(),
            "-o",
            "json",
        ])
        .success()
        .json();
    assert_eq!(shown["router"], "gateway-api");
    assert_eq!(shown["step"]["name"], "shadow");
    assert_eq!(shown["traffic"]["mirror"], 30.0);
    let filters = ns.get("httproute", "web")["spec"]["rules"][0]["filters"].clone();
    assert_eq!(filters[0], before["spec"]["rules"][0]["filters"][0]);
    assert_eq!(filters[1]["type"], "RequestMirror");
    assert_eq!(
        filters[1]["requestMirror"]["backendRef"]["name"],
        "web-canary"
    );
    assert_eq!(filters[1]["requestMirror"]["percent"], 30);

    let shown = ns.ramp(&["step", "web", "-o", "json"]).success().json();
    assert_eq!(shown["traffic"]["contender"], 50.0);
    assert_eq!(shown["traffic"]["mirror"], 0.0);
    assert_eq!(
        ns.get("httproute", "web")["spec"]["rules"][0]["filters"],
        before["spec"]["rules"][0]["filters"]
    );

    ns.ramp(&["step", "web", "--to", "1"]).success();
    ns.ramp(&["promote", "web"]).success();
    assert_eq!(users_part(&ns.get("httproute", "web")), users_part(&before));
    std::fs::remove_file(file).unwrap();
}

#[test]
fn a_rule_with_an_empty_filter_list_keeps_it_after_a_mirror() {
    // `filters: []`, as some generators and GitOps manifests write it: a
    // route restored without it would differ from the manifest.
    let ns = Namespace::new("mirror-empty");
    ns.apply(&web_app("web", 2, "example.com/web:1")).success();
    ns.apply(&HTTP_ROUTE.replace(
        "    filters:\n    - type: RequestHeaderModifier\n      requestHeaderModifier:\n        set:\n        - {name: x-app, value: web}\n",
        "    filters: []\n",
    ))
    .success();
    ns.wait_ready("web");
    let before = ns.get("httproute", "web");
    assert_eq!(
        before["spec"]["rules"][0]["filters"],
        serde_json::json!([]),
        "the API server keeps the empty list: {before}"
    );
    let shown = ns
        .ramp(&[
            "start",
            "web",
            "--image",
            "example.com/web:2",
            "--mirror",
            "100",
            "-o",
            "json",
        ])
        .success()
        .json();
    assert_eq!(shown["traffic"]["mirror"], 100.0, "{shown}");
    ns.ramp(&["abort", "web"]).success();
    assert_eq!(users_part(&ns.get("httproute", "web")), users_part(&before));
}

#[test]
fn without_a_mesh_a_mirror_is_refused_and_nothing_changes() {
    let ns = Namespace::new("mirror-replicas");
    ns.apply(&web_app("web", 3, "example.com/web:1")).success();
    ns.wait_ready("web");
    let versions = ns.versions();
    let run = ns
        .ramp(&[
            "start",
            "web",
            "--image",
            "example.com/web:2",
            "--strategy",
            "blue-green",
            "--mirror",
            "100",
        ])
        .code(2);
    assert!(
        run.stderr.contains(
            "the replicas router cannot mirror requests (step 1 (\"preview\")): without a mesh nothing copies a request to a second pod"
        ),
        "{run}"
    );
    assert!(
        run.stderr
            .contains("route with Istio (mirror) or the Gateway API"),
        "{run}"
    );
    assert_eq!(ns.versions(), versions);
    assert!(ns.record("web").is_none());
}
