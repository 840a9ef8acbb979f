//! `kubectl ramp status` against the local control plane.

mod support;

use std::process::Command;

use support::{Namespace, bin_dir, kubeconfig, kubectl, kubectl_stdin, ramp_with, web_app};

#[test]
fn an_idle_deployment_shows_its_ready_replicas_in_a_table_and_in_json() {
    let ns = Namespace::new("status-idle");
    ns.apply(&web_app("web", 3, "example.com/web:1.0"))
        .success();
    ns.wait_ready("web");

    let table = ns.ramp(&["status", "web"]).success();
    let lines: Vec<&str> = table.stdout.lines().collect();
    assert!(lines.contains(&"Deployment: web"), "{table}");
    assert!(lines.contains(&"Phase:      Idle"), "{table}");
    assert!(lines.contains(&"Router:     replicas"), "{table}");
    assert!(
        lines.contains(&"Traffic:    incumbent 100%, contender 0%"),
        "{table}"
    );
    let incumbent_row = lines
        .iter()
        .find(|l| l.starts_with("incumbent "))
        .expect("an incumbent row");
    let cells: Vec<&str> = incumbent_row.split_whitespace().collect();
    assert_eq!(
        cells,
        ["incumbent", "web", "3/3", "web=example.com/web:1.0"],
        "{table}"
    );

    let json = ns.ramp(&["status", "web", "-o", "json"]).success().json();
    assert_eq!(json["deployment"], "web");
    assert_eq!(json["namespace"], ns.name.as_str());
    assert_eq!(json["phase"], "Idle");
    assert_eq!(json["step"]["index"], 0);
    assert_eq!(json["step"]["total"], 0);
    assert_eq!(json["step"]["name"], serde_json::Value::Null);
    assert_eq!(json["traffic"]["incumbent"], 100.0);
    assert_eq!(json["traffic"]["contender"], 0.0);
    assert_eq!(json["capacity"]["incumbent"]["ready"], 3);
    assert_eq!(json["capacity"]["incumbent"]["desired"], 3);
    assert_eq!(json["capacity"]["contender"]["ready"], 0);
    assert_eq!(json["capacity"]["contender"]["desired"], 0);
    assert_eq!(json["router"], "replicas");
    assert_eq!(json["service"], "web");
    assert_eq!(
        json["images"]["incumbent"][0]["image"],
        "example.com/web:1.0"
    );

    let yaml = ns.ramp(&["status", "web", "-o", "yaml"]).success();
    assert!(yaml.stdout.lines().any(|l| l == "phase: Idle"), "{yaml}");
    assert!(
        yaml.stdout.lines().any(|l| l == "router: replicas"),
        "{yaml}"
    );
}

#[test]
fn a_virtual_service_splitting_90_10_shows_its_weights() {
    let ns = Namespace::new("status-istio");
    ns.apply(&web_app("web", 2, "example.com/web:1.0"))
        .success();
    ns.apply(&web_app("web-v2", 1, "example.com/web:2.0"))
        .success();
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
    - destination: {host: web-v2}
  - name: primary
    route:
    - destination: {host: web}
      weight: 90
    - destination: {host: web-v2}
      weight: 10
"#,
    )
    .success();

    let json = ns.ramp(&["status", "web", "-o", "json"]).success().json();
    assert_eq!(json["router"], "istio");
    assert_eq!(json["traffic"]["incumbent"], 90.0);
    assert_eq!(json["traffic"]["contender"], 0.0);
    assert_eq!(json["traffic"]["other"], 10.0);
    // Only the route that sends to web is the incumbent's: not the beta route.
    let routes = json["routes"].as_array().unwrap();
    assert_eq!(routes.len(), 1, "{json:#}");
    assert_eq!(routes[0]["object"], "web");
    assert_eq!(routes[0]["route"], "primary");
    let weights: Vec<(&str, u64)> = routes[0]["backends"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| {
            (
                b["destination"].as_str().unwrap(),
                b["weight"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(weights, [("web", 90), ("web-v2", 10)]);

    let table = ns.ramp(&["status", "web"]).success();
    assert!(table.stdout.contains("Router:     istio"), "{table}");
    assert!(
        table
            .stdout
            .contains("Traffic:    incumbent 90%, contender 0%, other 10%"),
        "{table}"
    );
    let route_rows: Vec<Vec<&str>> = table
        .stdout
        .lines()
        .skip_while(|l| !l.starts_with("ROUTE"))
        .skip(1)
        .map(|l| l.split_whitespace().collect())
        .collect();
    assert_eq!(
        route_rows,
        [
            vec!["VirtualService/web", "primary", "web", "90", "(90%)"],
            vec!["web-v2", "10", "(10%)"]
        ],
        "{table}"
    );
}

#[test]
fn an_http_route_is_read_through_the_gateway_api() {
    let ns = Namespace::new("status-gateway");
    ns.apply(&web_app("web", 1, "example.com/web:1.0"))
        .success();
    ns.apply(
        r#"
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata:
  name: web
spec:
  rules:
  - backendRefs:
    - {name: web, port: 80, weight: 3}
    - {name: web-canary, port: 80, weight: 1}
"#,
    )
    .success();
    let json = ns.ramp(&["status", "web", "-o", "json"]).success().json();
    assert_eq!(json["router"], "gateway-api");
    assert_eq!(json["traffic"]["incumbent"], 75.0);
    assert_eq!(json["traffic"]["contender"], 25.0);
    assert_eq!(json["routes"][0]["kind"], "HTTPRoute");
}

#[test]
fn a_missing_deployment_is_one_sentence_and_exit_1() {
    let ns = Namespace::new("status-missing");
    let run = ns.ramp(&["status", "nope"]).code(1);
    assert!(run.stdout.is_empty(), "{run}");
    let first = run.stderr.lines().next().unwrap_or_default();
    assert_eq!(
        first,
        format!(
            "error: deployment \"nope\" not found in namespace \"{}\"",
            ns.name
        ),
        "{run}"
    );
    assert!(run.stderr.contains("kubectl get deployments"), "{run}");
}

#[test]
fn an_unreachable_api_server_is_named_with_the_reason() {
    let dir = support::tempdir("unreachable");
    let config = dir.join("kubeconfig");
    std::fs::write(
        &config,
        "apiVersion: v1\nkind: Config\nclusters:\n- name: gone\n  cluster: {server: 'https://127.0.0.1:1'}\n\
         users:\n- name: u\n  user: {token: t}\ncontexts:\n- name: gone\n  context: {cluster: gone, user: u}\n\
         current-context: gone\n",
    )
    .unwrap();
    let run = ramp_with(&["status", "web"], |c| {
        c.env("KUBECONFIG", &config);
    })
    .code(1);
    let first = run.stderr.lines().next().unwrap_or_default();
    assert!(
        first.starts_with("error: cannot reach the Kubernetes API server at https://127.0.0.1:1: "),
        "{run}"
    );
    assert!(first.to_lowercase().contains("connection refused"), "{run}");
    assert!(
        run.stderr.lines().count() <= 2,
        "no debug dump expected:\n{run}"
    );
}

#[test]
fn a_missing_kubeconfig_says_how_to_give_one() {
    let run = ramp_with(
        &["status", "web", "--kubeconfig", "/nonexistent/kubeconfig"],
        |_| {},
    )
    .code(1);
    assert_eq!(
        run.stderr.lines().next().unwrap_or_default(),
        "error: the kubeconfig /nonexistent/kubeconfig does not exist",
        "{run}"
    );

    let empty_home = support::tempdir("home");
    let run = ramp_with(&["status", "web"], |c| {
        c.env_remove("KUBECONFIG")
            .env("HOME", &empty_home)
            .env_remove("KUBERNETES_SERVICE_HOST");
    })
    .code(1);
    assert!(
        run.stderr.starts_with(
            "error: no kubeconfig found: $KUBECONFIG is not set and ~/.kube/config does not exist"
        ),
        "{run}"
    );
    assert!(run.stderr.contains("--kubeconfig"), "{run}");
}

#[test]
fn a_forbidden_read_names_the_missing_permission() {
    let ns = Namespace::new("status-forbidden");
    ns.apply(&web_app("web", 1, "example.com/web:1.0"))
        .success();
    kubectl(&["create", "serviceaccount", "nobody", "-n", &ns.name]).success();
    let token = kubectl(&["create", "token", "nobody", "-n", &ns.name])
        .success()
        .stdout;
    let dir = support::tempdir("forbidden");
    let config = dir.join("kubeconfig");
    std::fs::copy(kubeconfig(), &config).unwrap();
    let set = |args: &[&str]| {
        let mut all = vec!["config", "--kubeconfig", config.to_str().unwrap()];
        all.extend_from_slice(args);
        kubectl_stdin(&all, "").success();
    };
    set(&["set-credentials", "nobody", "--token", token.trim()]);
    set(&["set-context", "ramp-testenv", "--user", "nobody"]);

    let run = ramp_with(&["status", "web", "-n", &ns.name], |c| {
        c.env("KUBECONFIG", &config);
    })
    .code(1);
    let first = run.stderr.lines().next().unwrap_or_default();
    assert!(
        first.starts_with("error: cannot get deployment \"web\""),
        "{run}"
    );
    assert!(first.contains("forbidden"), "{run}");
    assert!(
        first.contains("cannot get resource \"deployments\""),
        "{run}"
    );
    assert!(run.stderr.contains("ask a cluster admin"), "{run}");
}

#[test]
fn a_usage_error_exits_2() {
    let run = ramp_with(&["status"], |_| {}).code(2);
    assert!(run.stderr.contains("<DEPLOYMENT>"), "{run}");
    let run = ramp_with(&["status", "web", "-o", "xml"], |_| {}).code(2);
    assert!(run.stderr.contains("invalid value 'xml'"), "{run}");
}

#[test]
fn a_closed_pipe_is_not_an_error() {
    let ns = Namespace::new("status-pipe");
    ns.apply(&web_app("web", 1, "example.com/web:1.0"))
        .success();
    let binary = env!("CARGO_BIN_EXE_kubectl-ramp");
    // `true` exits before ramp has asked the API server anything, so ramp's
    // write meets a closed pipe; `head -1` reads one line and goes.
    for reader in ["true", "head -1"] {
        let script = format!(
            "'{binary}' status web -n {} 2>stderr | {reader} >/dev/null; code=${{PIPESTATUS[0]}}; cat stderr; exit $code",
            ns.name
        );
        let dir = support::tempdir("pipe");
        let output = Command::new("bash")
            .args(["-c", &script])
            .current_dir(&dir)
            .env("KUBECONFIG", kubeconfig())
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stdout);
        assert_eq!(output.status.code(), Some(0), "{reader}: {stderr}");
        assert_eq!(stderr, "", "{reader}: nothing on stderr");
    }
}

#[test]
fn works_as_a_kubectl_plugin() {
    let ns = Namespace::new("status-plugin");
    ns.apply(&web_app("web", 2, "example.com/web:1.0"))
        .success();
    ns.wait_ready("web");
    let path = format!(
        "{}:{}",
        bin_dir().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let output = Command::new("kubectl")
        .args(["ramp", "status", "web", "-n", &ns.name, "-o", "json"])
        .env("PATH", path)
        .env("KUBECONFIG", kubeconfig())
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(json["capacity"]["incumbent"]["ready"], 2);
    assert_eq!(json["phase"], "Idle");

    let plugins = Command::new("kubectl")
        .args(["plugin", "list", "--name-only"])
        .env("PATH", format!("{}:/usr/bin:/bin", bin_dir().display()))
        .output()
        .unwrap();
    assert!(
        String::from_utf8_lossy(&plugins.stdout)
            .lines()
            .any(|l| l == "kubectl-ramp")
    );
}
