//! kubectl's connection and identity flags, taken by ramp itself (kubectl
//! refuses them before a plugin's name): --as, --token, --server,
//! --certificate-authority, --client-certificate, --client-key,
//! --insecure-skip-tls-verify, --cluster, --user, --request-timeout.

mod support;

use std::path::PathBuf;

use base64::Engine;
use support::{Namespace, kubeconfig, kubectl, kubectl_stdin, ramp_with, web_app};

/// A field of the plane's kubeconfig, e.g. `{.clusters[0].cluster.server}`.
fn field(path: &str) -> String {
    kubectl(&["config", "view", "--raw", "-o", &format!("jsonpath={path}")])
        .success()
        .stdout
}

/// A `*-data` field of the plane's kubeconfig, written to a file.
fn data_file(dir: &std::path::Path, path: &str, name: &str) -> PathBuf {
    let pem = base64::engine::general_purpose::STANDARD
        .decode(field(path).trim())
        .unwrap();
    let file = dir.join(name);
    std::fs::write(&file, pem).unwrap();
    file
}

/// Runs kubectl-ramp with no kubeconfig at all: only the flags say where.
fn ramp_without_kubeconfig(args: &[&str], home: &std::path::Path) -> support::Run {
    ramp_with(args, |c| {
        c.env_remove("KUBECONFIG").env("HOME", home);
    })
}

/// Cluster-wide objects of one test, deleted when it ends.
struct ClusterScoped(Vec<String>);

impl Drop for ClusterScoped {
    fn drop(&mut self) {
        for object in &self.0 {
            let _ = kubectl(&["delete", object, "--wait=false"]);
        }
    }
}

#[test]
fn as_acts_as_a_user_who_may_not_patch_and_the_error_names_that_user() {
    let ns = Namespace::new("conn-as");
    ns.apply(&web_app("web", 2, "example.com/web:1")).success();
    ns.wait_ready("web");
    let jane = format!("jane-{}", ns.name);
    // ci may impersonate jane, and nobody else; jane may only read.
    kubectl(&["create", "serviceaccount", "ci", "-n", &ns.name]).success();
    let impersonator = format!("ramp-impersonate-{}", ns.name);
    let _cleanup = ClusterScoped(vec![
        format!("clusterrole/{impersonator}"),
        format!("clusterrolebinding/{impersonator}"),
    ]);
    kubectl(&[
        "create",
        "clusterrole",
        &impersonator,
        "--verb=impersonate",
        "--resource=users",
        &format!("--resource-name={jane}"),
    ])
    .success();
    kubectl(&[
        "create",
        "clusterrolebinding",
        &impersonator,
        &format!("--clusterrole={impersonator}"),
        &format!("--serviceaccount={}:ci", ns.name),
    ])
    .success();
    kubectl_stdin(
        &["apply", "-n", &ns.name, "-f", "-"],
        &format!(
            r#"
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {{name: reader}}
rules:
- apiGroups: ["*"]
  resources: ["*"]
  verbs: [get, list, watch]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {{name: jane-reads}}
roleRef: {{apiGroup: rbac.authorization.k8s.io, kind: Role, name: reader}}
subjects:
- {{apiGroup: rbac.authorization.k8s.io, kind: User, name: {jane}}}
"#
        ),
    )
    .success();
    let token = kubectl(&["create", "token", "ci", "-n", &ns.name])
        .success()
        .stdout;
    let token = token.trim();
    let versions = ns.versions();

    // ci itself may not even read.
    let run = ns.ramp(&["status", "web", "--token", token]).code(1);
    assert!(
        run.stderr
            .contains(&format!("system:serviceaccount:{}:ci", ns.name)),
        "{run}"
    );
    // As jane it may.
    let status = ns
        .ramp(&[
            "status", "web", "--token", token, "--as", &jane, "-o", "json",
        ])
        .success()
        .json();
    assert_eq!(status["capacity"]["incumbent"]["ready"], 2);
    // But jane may not roll out: the error names her, and nothing changed.
    let run = ns
        .ramp(&[
            "start",
            "web",
            "--image",
            "example.com/web:2",
            "--token",
            token,
            "--as",
            &jane,
        ])
        .code(2);
    assert!(
        run.stderr.starts_with(&format!(
            "error: user \"{jane}\" (--as) may not do what the rollout needs in namespace \"{}\":",
            ns.name
        )),
        "{run}"
    );
    assert!(run.stderr.contains("patch deployments"), "{run}");
    // Someone else, whom ci may not impersonate: the API server's refusal.
    let run = ns
        .ramp(&["status", "web", "--token", token, "--as", "root"])
        .code(1);
    assert!(
        run.stderr.contains("cannot impersonate resource \"users\""),
        "{run}"
    );
    assert!(run.stderr.contains("\"root\""), "{run}");
    assert_eq!(ns.versions(), versions, "nothing changed");
}

#[test]
fn server_and_certificates_are_enough_without_a_kubeconfig() {
    let ns = Namespace::new("conn-server");
    ns.apply(&web_app("web", 1, "example.com/web:1")).success();
    let dir = support::tempdir("server");
    let ca = data_file(
        &dir,
        "{.clusters[0].cluster.certificate-authority-data}",
        "ca.crt",
    );
    let cert = data_file(
        &dir,
        "{.users[0].user.client-certificate-data}",
        "admin.crt",
    );
    let key = data_file(&dir, "{.users[0].user.client-key-data}", "admin.key");
    let server = field("{.clusters[0].cluster.server}");

    let run = ramp_without_kubeconfig(
        &[
            "status",
            "web",
            "-n",
            &ns.name,
            "--server",
            &server,
            "--certificate-authority",
            ca.to_str().unwrap(),
            "--client-certificate",
            cert.to_str().unwrap(),
            "--client-key",
            key.to_str().unwrap(),
        ],
        &dir,
    )
    .success();
    assert!(run.stdout.contains("Deployment: web"), "{run}");

    // Without the certificate authority the server's certificate is
    // refused, unless told not to check it.
    let without_ca = [
        "status",
        "web",
        "-n",
        &ns.name,
        "--server",
        &server,
        "--client-certificate",
        cert.to_str().unwrap(),
        "--client-key",
        key.to_str().unwrap(),
    ];
    let run = ramp_without_kubeconfig(&without_ca, &dir).code(1);
    assert!(run.stderr.contains(&server), "{run}");
    let mut insecure = without_ca.to_vec();
    insecure.push("--insecure-skip-tls-verify");
    ramp_without_kubeconfig(&insecure, &dir).success();
}

#[test]
fn cluster_and_user_pick_other_kubeconfig_entries() {
    let ns = Namespace::new("conn-entries");
    ns.apply(&web_app("web", 1, "example.com/web:1")).success();
    kubectl(&["create", "serviceaccount", "nobody", "-n", &ns.name]).success();
    let token = kubectl(&["create", "token", "nobody", "-n", &ns.name])
        .success()
        .stdout;
    let dir = support::tempdir("entries");
    let config = dir.join("kubeconfig");
    std::fs::copy(kubeconfig(), &config).unwrap();
    let set = |args: &[&str]| {
        let mut all = vec!["config", "--kubeconfig", config.to_str().unwrap()];
        all.extend_from_slice(args);
        kubectl(&all).success();
    };
    set(&["set-credentials", "nobody", "--token", token.trim()]);
    set(&[
        "set-cluster",
        "elsewhere",
        "--server",
        "https://127.0.0.1:9",
    ]);
    let with_config = |c: &mut std::process::Command| {
        c.env("KUBECONFIG", &config);
    };

    ramp_with(&["status", "web", "-n", &ns.name], with_config).success();
    let run = ramp_with(
        &["status", "web", "-n", &ns.name, "--user", "nobody"],
        with_config,
    )
    .code(1);
    assert!(
        run.stderr
            .contains(&format!("system:serviceaccount:{}:nobody", ns.name)),
        "{run}"
    );
    let run = ramp_with(
        &["status", "web", "-n", &ns.name, "--cluster", "elsewhere"],
        with_config,
    )
    .code(1);
    assert!(
        run.stderr
            .contains("cannot reach the Kubernetes API server at https://127.0.0.1:9"),
        "{run}"
    );
}

#[test]
fn bad_connection_flags_exit_2_naming_the_flag() {
    let dir = support::tempdir("bad");
    let run = support::ramp(&["status", "web", "--client-key", "/nonexistent/key.pem"]).code(2);
    assert!(
        run.stderr
            .starts_with("error: --client-key /nonexistent/key.pem: no such file"),
        "{run}"
    );
    let run = ramp_without_kubeconfig(&["status", "web", "--server", "not a url"], &dir).code(2);
    assert!(
        run.stderr.contains("--server \"not a url\" is not a URL"),
        "{run}"
    );
    let run = support::ramp(&["status", "web", "--request-timeout", "soon"]).code(2);
    assert!(run.stderr.contains("--request-timeout"), "{run}");
}

#[test]
fn request_timeout_takes_kubectls_durations() {
    let ns = Namespace::new("conn-timeout");
    ns.apply(&web_app("web", 1, "example.com/web:1")).success();
    for timeout in ["0", "30s", "1m"] {
        ns.ramp(&["status", "web", "--request-timeout", timeout])
            .success();
    }
}
