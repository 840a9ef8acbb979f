//! `start -f`: a manifest with several documents, stdin, and a manifest of
//! another namespace refused before anything changes.

mod support;

use support::{Namespace, VIRTUAL_SERVICE, web_app};

fn contender_image(ns: &Namespace) -> String {
    ns.get("deployment", "web-canary")["spec"]["template"]["spec"]["containers"][0]["image"]
        .as_str()
        .unwrap()
        .to_string()
}

fn file(ns: &Namespace, name: &str, text: &str) -> String {
    let path = std::env::temp_dir().join(format!("ramp-manifest-{}-{name}", ns.name));
    std::fs::write(&path, text).unwrap();
    path.to_str().unwrap().to_string()
}

#[test]
fn a_file_of_several_documents_gives_the_deployment_of_that_name() {
    let ns = support::istio_app("manifest-multi", 2);
    // The app's whole directory: another Deployment, Services, routes.
    let manifest = [
        web_app("api", 1, "example.com/api:9").as_str(),
        web_app("web", 2, "example.com/web:2").as_str(),
        VIRTUAL_SERVICE,
    ]
    .join("\n---\n");
    let path = file(&ns, "all.yaml", &manifest);
    let run = ns
        .ramp(&["start", "web", "-f", &path, "--steps", "50,100"])
        .success();
    assert!(
        run.stderr.contains(&format!(
            "using deployment \"web\" of {path} (5 objects; the others are left alone)"
        )),
        "{run}"
    );
    assert_eq!(contender_image(&ns), "example.com/web:2");
    assert_eq!(
        ns.names("deployments"),
        ["web", "web-canary"],
        "api untouched"
    );
}

#[test]
fn dash_reads_the_manifest_from_stdin() {
    let ns = support::istio_app("manifest-stdin", 2);
    let manifest = web_app("web", 2, "example.com/web:3");
    let deployment = manifest.split("---").next().unwrap();
    ns.ramp_stdin(
        &["start", "web", "-f", "-", "--steps", "50,100"],
        deployment,
    )
    .success();
    assert_eq!(contender_image(&ns), "example.com/web:3");
}

#[test]
fn a_manifest_of_another_namespace_or_without_the_deployment_exits_2_and_changes_nothing() {
    let ns = support::istio_app("manifest-bad", 2);
    let versions = ns.versions();

    let elsewhere = web_app("web", 2, "example.com/web:2").replacen(
        "metadata:\n  name: web\n",
        "metadata:\n  name: web\n  namespace: production\n",
        1,
    );
    let run = ns
        .ramp_stdin(&["start", "web", "-f", "-"], &elsewhere)
        .code(2);
    assert!(
        run.stderr.starts_with(&format!(
            "error: stdin is for namespace \"production\", but the rollout is in namespace \"{}\"",
            ns.name
        )),
        "{run}"
    );
    assert!(run.stderr.contains("hint: pass -n production"), "{run}");

    let others = [
        web_app("api", 1, "example.com/api:2"),
        web_app("worker", 1, "example.com/worker:2"),
    ]
    .join("\n---\n");
    let path = file(&ns, "others.yaml", &others);
    let run = ns.ramp(&["start", "web", "-f", &path]).code(2);
    assert!(
        run.stderr.starts_with(&format!(
            "error: {path} has no deployment \"web\" (its deployments: \"api\", \"worker\")"
        )),
        "{run}"
    );

    assert_eq!(ns.versions(), versions, "nothing in the cluster changed");
    assert_eq!(ns.record("web"), None);
}
