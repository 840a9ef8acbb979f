//! A cluster without the Gateway API: the HTTPRoute CRD is removed for this
//! test and installed again after it. Cargo runs test binaries one at a
//! time, so no other test sees the cluster without it.

mod support;

use std::path::PathBuf;

use support::{Namespace, kubectl, web_app};

struct CrdRemoved;

impl CrdRemoved {
    fn new() -> CrdRemoved {
        kubectl(&[
            "delete",
            "crd",
            "httproutes.gateway.networking.k8s.io",
            "--wait=true",
        ])
        .success();
        CrdRemoved
    }
}

impl Drop for CrdRemoved {
    fn drop(&mut self) {
        let crds = std::env::var_os("RAMP_CRDS_DIR")
            .map(PathBuf::from)
            .unwrap_or_else(|| support::repo_root().join("../shared/crds"));
        let file = crds.join("gateway-api-standard.yaml");
        kubectl(&["apply", "--server-side", "-f", file.to_str().unwrap()]).success();
        kubectl(&[
            "wait",
            "--for",
            "condition=Established",
            "crd/httproutes.gateway.networking.k8s.io",
        ])
        .success();
    }
}

#[test]
fn the_gateway_api_router_without_its_crd_names_the_crd() {
    let ns = Namespace::new("no-gateway");
    ns.apply(&web_app("web", 2, "example.com/web:1")).success();
    ns.wait_ready("web");
    let _removed = CrdRemoved::new();
    let versions = ns.versions();
    let run = ns
        .ramp(&["start", "web", "--image", "x:2", "--router", "gateway-api"])
        .code(2);
    assert!(
        run.stderr.contains(
            "the gateway-api router needs the HTTPRoute CRD (httproutes.gateway.networking.k8s.io), which this cluster does not have"
        ),
        "{run}"
    );
    assert_eq!(ns.versions(), versions);
    // Status still works, with the routers the cluster has.
    let status = ns.ramp(&["status", "web", "-o", "json"]).success().json();
    assert_eq!(status["router"], "replicas");
}
