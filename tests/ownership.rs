//! ramp changes and deletes only what it created: objects of someone else's
//! that take the contender's names during a rollout are left alone, and
//! traffic still goes back to the incumbent.

mod support;

use support::{istio_app, kubectl, weights};

const THEIR_SERVICE: &str = r#"
apiVersion: v1
kind: Service
metadata:
  name: web-canary
  labels: {owner: someone-else}
spec:
  selector: {app: something-else}
  ports: [{port: 81}]
"#;

#[test]
fn abort_puts_traffic_back_and_leaves_objects_that_are_not_its_own() {
    let ns = istio_app("owned-abort", 2);
    ns.ramp(&[
        "start",
        "web",
        "--image",
        "example.com/web:2",
        "--steps",
        "50,100",
    ])
    .success();
    // Someone replaces ramp's Service with one of theirs, of the same name.
    kubectl(&["delete", "service", "web-canary", "-n", &ns.name]).success();
    ns.apply(THEIR_SERVICE).success();
    let theirs = ns.get("service", "web-canary");

    let run = ns.ramp(&["abort", "web"]).success();
    assert_eq!(
        weights(&ns.get("virtualservice", "web"), 0),
        [("web".into(), 0)],
        "traffic is back on the incumbent"
    );
    assert!(
        run.stderr
            .contains("left service web-canary: it is not kubectl-ramp's"),
        "{run}"
    );
    let still = ns.get("service", "web-canary");
    assert_eq!(
        still["metadata"]["uid"], theirs["metadata"]["uid"],
        "their Service is still there"
    );
    assert_eq!(still["spec"], theirs["spec"], "and unchanged");
    assert_eq!(ns.record("web").unwrap()["phase"], "Aborted");
}

#[test]
fn a_step_does_not_take_over_a_deployment_of_someone_elses() {
    let ns = istio_app("owned-step", 2);
    ns.ramp(&[
        "start",
        "web",
        "--image",
        "example.com/web:2",
        "--steps",
        "50,100",
    ])
    .success();
    // Someone deletes ramp's contender and makes their own of that name.
    kubectl(&["delete", "deployment", "web-canary", "-n", &ns.name]).success();
    let theirs = support::web_app("web-canary", 1, "example.com/theirs:1");
    ns.apply(theirs.split("---").next().unwrap()).success();
    let theirs = ns.get("deployment", "web-canary");
    let run = ns.ramp(&["step", "web"]).code(5);
    assert!(
        run.stderr
            .contains("deployment web-canary was made by someone else; ramp does not take it over"),
        "{run}"
    );
    let still = ns.get("deployment", "web-canary");
    assert_eq!(still["metadata"]["uid"], theirs["metadata"]["uid"]);
    assert_eq!(
        still["spec"]["template"]["spec"]["containers"][0]["image"],
        "example.com/theirs:1"
    );
    assert_eq!(still["spec"]["replicas"], 1, "not scaled");

    // Abort puts traffic back and leaves their Deployment.
    let run = ns.ramp(&["abort", "web"]).success();
    assert_eq!(
        weights(&ns.get("virtualservice", "web"), 0),
        [("web".into(), 0)]
    );
    assert!(
        run.stderr
            .contains("left deployment web-canary: it is not kubectl-ramp's"),
        "{run}"
    );
    let still = ns.get("deployment", "web-canary");
    assert_eq!(still["metadata"]["uid"], theirs["metadata"]["uid"]);
}

#[test]
fn what_ramp_makes_carries_the_rollouts_id() {
    let ns = istio_app("owned-id", 2);
    ns.ramp(&[
        "start",
        "web",
        "--image",
        "example.com/web:2",
        "--steps",
        "50,100",
    ])
    .success();
    let status = ns.ramp(&["status", "web", "-o", "json"]).success().json();
    let id = status["rollout_id"]
        .as_str()
        .unwrap_or_else(|| panic!("status names the rollout: {status}"))
        .to_string();
    assert_eq!(ns.record("web").unwrap()["id"], id.as_str());
    assert_eq!(id.len(), 10, "{id}");
    // kubectl finds everything of this rollout by its label.
    let listed = kubectl(&[
        "get",
        "deployments,services",
        "-n",
        &ns.name,
        "-l",
        &format!("ramp.dev/rollout={id}"),
        "-o",
        "name",
    ])
    .success();
    assert_eq!(
        listed.stdout.trim(),
        "deployment.apps/web-canary\nservice/web-canary",
        "{listed}"
    );
    for kind in ["deployment", "service"] {
        let made = ns.get(kind, "web-canary");
        assert_eq!(
            made["metadata"]["labels"]["app.kubernetes.io/managed-by"],
            "kubectl-ramp"
        );
        assert_eq!(
            made["metadata"]["annotations"]["ramp.dev/incumbent"],
            format!("{}/web", ns.name).as_str()
        );
    }
    // A new rollout of the same Deployment gets a new id.
    ns.ramp(&["abort", "web"]).success();
    ns.ramp(&[
        "start",
        "web",
        "--image",
        "example.com/web:3",
        "--steps",
        "50,100",
    ])
    .success();
    let again = ns.ramp(&["status", "web", "-o", "json"]).success().json()["rollout_id"].clone();
    assert!(
        again.is_string() && again != id.as_str(),
        "{again} after {id}"
    );
}

/// Objects with ramp's labels but another rollout's id are not this
/// rollout's: abort leaves them, and still puts traffic back.
#[test]
fn abort_leaves_what_another_rollout_made() {
    let ns = istio_app("owned-other-id", 2);
    ns.ramp(&[
        "start",
        "web",
        "--image",
        "example.com/web:2",
        "--steps",
        "50,100",
    ])
    .success();
    // Someone puts back a Service of ramp's look, from another rollout.
    let mut service = ns.get("service", "web-canary");
    kubectl(&["delete", "service", "web-canary", "-n", &ns.name]).success();
    service["metadata"]["labels"]["ramp.dev/rollout"] = "0000000000".into();
    for field in [
        "uid",
        "resourceVersion",
        "creationTimestamp",
        "managedFields",
    ] {
        service["metadata"].as_object_mut().unwrap().remove(field);
    }
    service["spec"].as_object_mut().unwrap().remove("clusterIP");
    service["spec"]
        .as_object_mut()
        .unwrap()
        .remove("clusterIPs");
    ns.apply(&service.to_string()).success();
    let theirs = ns.get("service", "web-canary");

    let run = ns.ramp(&["abort", "web"]).success();
    assert!(
        run.stderr
            .contains("left service web-canary: it is not kubectl-ramp's"),
        "{run}"
    );
    assert_eq!(
        weights(&ns.get("virtualservice", "web"), 0),
        [("web".into(), 0)]
    );
    assert_eq!(
        ns.get("service", "web-canary")["metadata"]["uid"],
        theirs["metadata"]["uid"]
    );
    assert_eq!(ns.record("web").unwrap()["phase"], "Aborted");
}

/// Without a record, abort takes the contender out of the routes of its
/// namespace; a route of another namespace that still sends to it keeps
/// it (its pods and its Service), and abort says which.
#[test]
fn abort_without_a_record_keeps_a_contender_another_namespace_still_routes_to() {
    let ns = istio_app("owned-no-record", 2);
    let elsewhere = support::Namespace::new("owned-no-record-vs");
    ns.ramp(&[
        "start",
        "web",
        "--image",
        "example.com/web:2",
        "--steps",
        "20,100",
    ])
    .success();
    let canary_host = format!("web-canary.{}.svc.cluster.local", ns.name);
    elsewhere
        .apply(&format!(
            r#"
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: edge
spec:
  hosts: [edge]
  http:
  - route:
    - destination: {{host: "web.{}.svc.cluster.local"}}
      weight: 80
    - destination: {{host: "{canary_host}"}}
      weight: 20
"#,
            ns.name
        ))
        .success();
    kubectl(&[
        "annotate",
        "deployment",
        "web",
        "-n",
        &ns.name,
        "ramp.dev/record-",
    ])
    .success();
    let run = ns.ramp(&["abort", "web"]).code(1);
    assert!(
        run.stderr.contains(&format!(
            "left deployment and service web-canary: VirtualService {}/edge still send to it",
            elsewhere.name
        )),
        "{run}"
    );
    assert!(ns.names("deployments").contains(&"web-canary".to_string()));
    assert!(ns.names("services").contains(&"web-canary".to_string()));
    // Its own namespace's route is back on web.
    assert_eq!(
        weights(&ns.get("virtualservice", "web"), 0),
        [("web".into(), 0)]
    );
}
