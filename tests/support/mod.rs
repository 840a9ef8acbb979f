//! Helpers for the end-to-end tests: they run the built `kubectl-ramp` and
//! the real `kubectl` against the local control plane (tests/cluster/).
//!
//! The plane is started on first use when it is not up (`tests/cluster/up`
//! is idempotent); `scripts/test` also starts it and stops it afterwards. If
//! it cannot start, the tests fail: they never skip.

#![allow(dead_code)] // each test binary uses its own part of these helpers

pub mod browser;
pub mod dashboard;
pub mod fault;
pub mod hook;
pub mod metrics;
pub mod prometheus;
pub mod traffic;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use serde_json::Value;

/// A directory of this test process's own under the system's temporary
/// one.
pub fn tempdir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("ramp-test-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Held while `tests/cluster/up` runs: two at once would start the same
/// plane twice.
static STARTING: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// The admin kubeconfig of the local control plane, starting it if needed.
pub fn kubeconfig() -> &'static Path {
    static KUBECONFIG: OnceLock<PathBuf> = OnceLock::new();
    KUBECONFIG.get_or_init(|| {
        let _starting = STARTING.lock().unwrap_or_else(|e| e.into_inner());
        let up = repo_root().join("tests/cluster/up");
        let output = Command::new(&up)
            .stderr(Stdio::inherit())
            .output()
            .unwrap_or_else(|e| panic!("cannot run {}: {e}", up.display()));
        assert!(
            output.status.success(),
            "the local control plane did not start ({}); the end-to-end tests need it",
            output.status
        );
        let path = String::from_utf8(output.stdout)
            .unwrap()
            .trim()
            .lines()
            .last()
            .unwrap()
            .to_string();
        PathBuf::from(path)
    })
}

/// The directory holding the `kubectl-ramp` binary under test.
pub fn bin_dir() -> PathBuf {
    Path::new(env!("CARGO_BIN_EXE_kubectl-ramp"))
        .parent()
        .unwrap()
        .to_path_buf()
}

/// What a command printed and how it ended.
#[derive(Debug)]
pub struct Run {
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    fn from(output: Output) -> Run {
        Run {
            code: output.status.code(),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }

    #[track_caller]
    pub fn success(self) -> Run {
        assert_eq!(self.code, Some(0), "expected success:\n{self}");
        self
    }

    #[track_caller]
    pub fn code(self, code: i32) -> Run {
        assert_eq!(self.code, Some(code), "expected exit code {code}:\n{self}");
        self
    }

    pub fn json(&self) -> Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("stdout is not JSON ({e}):\n{self}"))
    }
}

impl std::fmt::Display for Run {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "exit: {:?}\n--- stdout\n{}--- stderr\n{}",
            self.code, self.stdout, self.stderr
        )
    }
}

/// A namespace of its own for one test, deleted when the test ends.
pub struct Namespace {
    pub name: String,
    /// Its rollouts keep the default drain (see `drained`).
    pub serves_traffic: bool,
}

/// `args`, with `--drain 0s` added to a `start` that does not say how long
/// to drain: the rollouts of most tests have no data plane that lags behind
/// their routes, nothing to drain, and the default's wait at every
/// promotion and abort would only make the suite slower. Rollouts that
/// real requests go through (tests/traffic.rs) keep the default.
pub fn drained<'a>(args: &[&'a str]) -> Vec<&'a str> {
    let mut all = args.to_vec();
    if args.first() == Some(&"start") && !args.iter().any(|a| a.starts_with("--drain")) {
        all.extend(["--drain", "0s"]);
    }
    all
}

impl Namespace {
    pub fn new(prefix: &str) -> Namespace {
        static COUNTER: AtomicU32 = AtomicU32::new(0);
        let name = format!(
            "{prefix}-{}-{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::SeqCst)
        );
        kubectl(&["create", "namespace", &name]).success();
        // Pods need the namespace's default ServiceAccount, which the
        // controller manager creates a moment later.
        wait_until(
            "the default ServiceAccount",
            Duration::from_secs(30),
            || kubectl(&["get", "serviceaccount", "default", "-n", &name]).code == Some(0),
        );
        Namespace {
            name,
            serves_traffic: false,
        }
    }

    /// The arguments of a command in this namespace.
    fn args<'a>(&self, args: &[&'a str]) -> Vec<&'a str> {
        match self.serves_traffic {
            true => args.to_vec(),
            false => drained(args),
        }
    }

    /// `kubectl apply` of a manifest into this namespace.
    pub fn apply(&self, manifest: &str) -> Run {
        kubectl_stdin(&["apply", "-n", &self.name, "-f", "-"], manifest)
    }

    /// `kubectl-ramp ARGS -n NAMESPACE` with the plane's kubeconfig.
    pub fn ramp(&self, args: &[&str]) -> Run {
        let mut all = self.args(args);
        all.extend(["-n", &self.name]);
        ramp_as_given(&all, |_| {})
    }

    /// `kubectl-ramp ARGS -n NAMESPACE` with `stdin` on its standard input.
    pub fn ramp_stdin(&self, args: &[&str], stdin: &str) -> Run {
        let mut command = Command::new(env!("CARGO_BIN_EXE_kubectl-ramp"));
        command
            .env("KUBECONFIG", kubeconfig())
            .env_remove("RAMP_LOG")
            .args(self.args(args))
            .args(["-n", &self.name]);
        run(&mut command, stdin)
    }

    /// `kubectl get KIND NAME -o json` in this namespace.
    pub fn get(&self, kind: &str, name: &str) -> Value {
        kubectl(&["get", kind, name, "-n", &self.name, "-o", "json"])
            .success()
            .json()
    }

    /// Waits until a Deployment has all its replicas ready.
    pub fn wait_ready(&self, deployment: &str) {
        wait_until(
            &format!("deployment {deployment} ready"),
            Duration::from_secs(60),
            || {
                let d = self.get("deployment", deployment);
                let desired = d["spec"]["replicas"].as_i64().unwrap_or(1);
                d["status"]["readyReplicas"].as_i64().unwrap_or(0) == desired
                    && d["status"]["updatedReplicas"].as_i64().unwrap_or(0) == desired
            },
        );
    }
}

impl Drop for Namespace {
    fn drop(&mut self) {
        let _ = kubectl(&["delete", "namespace", &self.name, "--wait=false"]);
    }
}

/// Runs the real kubectl against the local control plane.
pub fn kubectl(args: &[&str]) -> Run {
    kubectl_stdin(args, "")
}

pub fn kubectl_stdin(args: &[&str], stdin: &str) -> Run {
    run(
        Command::new("kubectl")
            .arg("--kubeconfig")
            .arg(kubeconfig())
            .args(args),
        stdin,
    )
}

/// Runs kubectl-ramp against the local control plane.
pub fn ramp(args: &[&str]) -> Run {
    ramp_with(args, |_| {})
}

/// Runs kubectl-ramp with a chance to change its environment first.
pub fn ramp_with(args: &[&str], setup: impl FnOnce(&mut Command)) -> Run {
    ramp_as_given(&drained(args), setup)
}

fn ramp_as_given(args: &[&str], setup: impl FnOnce(&mut Command)) -> Run {
    let mut command = Command::new(env!("CARGO_BIN_EXE_kubectl-ramp"));
    command
        .env("KUBECONFIG", kubeconfig())
        .env_remove("RAMP_LOG")
        .args(args);
    setup(&mut command);
    run(&mut command, "")
}

fn run(command: &mut Command, stdin: &str) -> Run {
    let mut child = command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run {command:?}: {e}"));
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    Run::from(child.wait_with_output().unwrap())
}

/// Polls `check` until it holds, failing the test after `timeout`.
#[track_caller]
pub fn wait_until(what: &str, timeout: Duration, mut check: impl FnMut() -> bool) {
    let deadline = Instant::now() + timeout;
    while !check() {
        assert!(
            Instant::now() < deadline,
            "timed out after {timeout:?} waiting for {what}"
        );
        std::thread::sleep(Duration::from_millis(250));
    }
}

/// `manifest` (a `web_app`) with pods that are ready only `seconds` after
/// they start: their readiness probe's initial delay, which the plane's
/// pods honour as a kubelet does.
pub fn ready_after(manifest: &str, seconds: u32) -> String {
    manifest.replace(
        "        ports:",
        &format!(
            "        readinessProbe:\n          httpGet: {{path: /, port: 8080}}\n          initialDelaySeconds: {seconds}\n        ports:"
        ),
    )
}

/// A Deployment and a Service named `name`, its pods labelled `app: name`.
pub fn web_app(name: &str, replicas: u32, image: &str) -> String {
    format!(
        r#"
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {name}
spec:
  replicas: {replicas}
  selector:
    matchLabels: {{app: {name}}}
  template:
    metadata:
      labels: {{app: {name}}}
    spec:
      containers:
      - name: {name}
        image: {image}
        ports:
        - containerPort: 8080
---
apiVersion: v1
kind: Service
metadata:
  name: {name}
spec:
  selector: {{app: {name}}}
  ports:
  - name: http
    port: 80
    targetPort: 8080
"#
    )
}

impl Namespace {
    /// The resourceVersion of every object a rollout could touch, to show
    /// that a command changed nothing. Taken once the controllers have
    /// stopped updating statuses, so that only a command's writes show.
    pub fn versions(&self) -> Vec<(String, String)> {
        let mut last = self.versions_now();
        for _ in 0..40 {
            std::thread::sleep(Duration::from_millis(500));
            let now = self.versions_now();
            if now == last {
                return now;
            }
            last = now;
        }
        panic!(
            "the objects in namespace {} kept changing: {last:?}",
            self.name
        );
    }

    fn versions_now(&self) -> Vec<(String, String)> {
        let mut items = Vec::new();
        for kind in [
            "deployments",
            "services",
            "virtualservices",
            "httproutes",
            "leases",
        ] {
            let run = kubectl(&["get", kind, "-n", &self.name, "-o", "json"]);
            // A kind whose CRD the cluster lacks has nothing to change.
            let missing = [
                "doesn't have a resource type",
                "could not find the requested resource",
            ];
            if run.code != Some(0) && missing.iter().any(|m| run.stderr.contains(m)) {
                continue;
            }
            items.extend(run.success().json()["items"].as_array().unwrap().clone());
        }
        let list = serde_json::json!({ "items": items });
        let mut versions: Vec<(String, String)> = list["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|o| {
                (
                    format!(
                        "{}/{}",
                        o["kind"].as_str().unwrap(),
                        o["metadata"]["name"].as_str().unwrap()
                    ),
                    o["metadata"]["resourceVersion"]
                        .as_str()
                        .unwrap()
                        .to_string(),
                )
            })
            .collect();
        versions.sort();
        versions
    }

    /// The names of the objects of one kind in this namespace.
    pub fn names(&self, kind: &str) -> Vec<String> {
        let out = kubectl(&["get", kind, "-n", &self.name, "-o", "name"])
            .success()
            .stdout;
        out.lines()
            .map(|l| l.rsplit('/').next().unwrap().to_string())
            .collect()
    }

    /// The rollout record on a Deployment, parsed.
    pub fn record(&self, deployment: &str) -> Option<Value> {
        let d = self.get("deployment", deployment);
        d["metadata"]["annotations"]["ramp.dev/record"]
            .as_str()
            .map(|raw| serde_json::from_str(raw).unwrap())
    }

    /// Writes `record` as the rollout record of `deployment`, as someone
    /// editing it by hand would.
    pub fn set_record(&self, deployment: &str, record: &Value) {
        kubectl(&[
            "annotate",
            "deployment",
            deployment,
            "-n",
            &self.name,
            "--overwrite",
            &format!("ramp.dev/record={record}"),
        ])
        .success();
    }

    /// Runs `args`, kills it with SIGKILL after `delay`, then runs it again,
    /// which must succeed (as must a first run that ended before the kill).
    /// Whether the kill landed before the command's work was done (`done`
    /// says whether the cluster already holds its end state: a kill while it
    /// printed the status at the end interrupted nothing, and running `step`
    /// again then would be a second step).
    pub fn killed_then_rerun(
        &self,
        args: &[&str],
        delay: Duration,
        done: impl Fn() -> bool,
    ) -> bool {
        let mut child = self.spawn_ramp(args);
        std::thread::sleep(delay);
        if child.try_wait().unwrap().is_some() {
            // It finished before the kill: running it again would be a second
            // command, not a retry.
            let run = wait_output(child);
            assert_eq!(run.code, Some(0), "{args:?} (not killed):\n{run}");
            return false;
        }
        child.kill().unwrap();
        let status = child.wait().unwrap();
        // It may have ended between the look and the signal (the signal then
        // found a process that had exited): not killed, then.
        if std::os::unix::process::ExitStatusExt::signal(&status).is_none() {
            assert_eq!(status.code(), Some(0), "{args:?} ended by itself");
            return false;
        }
        // Killed by the signal, not ended by itself.
        assert_eq!(
            std::os::unix::process::ExitStatusExt::signal(&status),
            Some(9),
            "{args:?}"
        );
        if done() {
            eprintln!("killed {args:?} after {delay:?}, once its work was done");
            return false;
        }
        eprintln!("killed {args:?} after {delay:?}");
        let run = self.ramp(args);
        assert_eq!(
            run.code,
            Some(0),
            "{args:?} after a kill at {delay:?}:\n{run}"
        );
        true
    }

    /// Starts kubectl-ramp without waiting for it.
    pub fn spawn_ramp(&self, args: &[&str]) -> std::process::Child {
        Command::new(env!("CARGO_BIN_EXE_kubectl-ramp"))
            .env("KUBECONFIG", kubeconfig())
            .env_remove("RAMP_LOG")
            .args(self.args(args))
            .args(["-n", &self.name])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
    }
}

pub fn wait_output(child: std::process::Child) -> Run {
    Run::from(child.wait_with_output().unwrap())
}

/// The weights of one VirtualService HTTP route, destination host -> weight.
pub fn weights(vs: &Value, route: usize) -> Vec<(String, u64)> {
    vs["spec"]["http"][route]["route"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["destination"]["host"].as_str().unwrap().to_string(),
                d["weight"].as_u64().unwrap_or(0),
            )
        })
        .collect()
}

/// A VirtualService `web` sending all of web's traffic to it.
pub const VIRTUAL_SERVICE: &str = r#"
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: web
spec:
  hosts: [web]
  http:
  - name: primary
    route:
    - destination: {host: web}
"#;

/// A namespace with Deployment `web` (`replicas`, image example.com/web:1),
/// its Service and VIRTUAL_SERVICE, the Deployment ready.
pub fn istio_app(prefix: &str, replicas: u32) -> Namespace {
    let ns = Namespace::new(prefix);
    ns.apply(&web_app("web", replicas, "example.com/web:1"))
        .success();
    ns.apply(VIRTUAL_SERVICE).success();
    ns.wait_ready("web");
    ns
}

/// A manifest of the next version of `web` whose pods can never be
/// scheduled, so they never become ready; returns its path.
pub fn unschedulable_web(ns: &Namespace) -> PathBuf {
    let manifest = web_app("web", 2, "example.com/web:2").replace(
        "      containers:",
        "      nodeSelector: {disk: none}\n      containers:",
    );
    let file = std::env::temp_dir().join(format!("ramp-unschedulable-{}.yaml", ns.name));
    std::fs::write(&file, manifest.split("---").next().unwrap()).unwrap();
    file
}

/// A kubeconfig with a context for each of three independent planes:
/// ramp-testenv, ramp-testenv-2, ramp-testenv-3 (started if needed).
pub fn kubeconfig_all() -> &'static Path {
    static KUBECONFIG: OnceLock<PathBuf> = OnceLock::new();
    KUBECONFIG.get_or_init(|| {
        let _starting = STARTING.lock().unwrap_or_else(|e| e.into_inner());
        let up = repo_root().join("tests/cluster/up");
        let output = Command::new(&up)
            .arg("3")
            .stderr(Stdio::inherit())
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "three local control planes did not start"
        );
        PathBuf::from(
            String::from_utf8(output.stdout)
                .unwrap()
                .trim()
                .lines()
                .last()
                .unwrap(),
        )
    })
}

/// kubectl against one of the planes of `kubeconfig_all`.
pub fn kubectl_in(context: &str, args: &[&str], stdin: &str) -> Run {
    run(
        Command::new("kubectl")
            .arg("--kubeconfig")
            .arg(kubeconfig_all())
            .arg("--context")
            .arg(context)
            .args(args),
        stdin,
    )
}

/// The contexts of the three planes of `kubeconfig_all`.
pub const PLANES: [&str; 3] = ["ramp-testenv", "ramp-testenv-2", "ramp-testenv-3"];

/// On every plane: namespace `ns` with the web app (`replicas`, image
/// example.com/web:1) behind VIRTUAL_SERVICE, ready.
pub fn istio_app_on_planes(ns: &str, replicas: u32) {
    for context in PLANES {
        kubectl_in(context, &["create", "namespace", ns], "").success();
        kubectl_in(
            context,
            &["apply", "-n", ns, "-f", "-"],
            &web_app("web", replicas, "example.com/web:1"),
        )
        .success();
        kubectl_in(context, &["apply", "-n", ns, "-f", "-"], VIRTUAL_SERVICE).success();
    }
    for context in PLANES {
        wait_until("web ready", Duration::from_secs(60), || {
            let d = kubectl_in(
                context,
                &["get", "deployment", "web", "-n", ns, "-o", "json"],
                "",
            )
            .json();
            d["status"]["readyReplicas"] == replicas
        });
    }
}
