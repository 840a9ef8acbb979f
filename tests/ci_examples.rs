//! The CI examples in examples/ci/ run as written: each one's shell steps
//! are taken out of the file and run in order against the local plane, on a
//! real Deployment, with short intervals; the canary must end promoted. The
//! GitHub workflow also passes actionlint (scripts/actionlint-tools builds
//! it from the Go module proxy).

mod support;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;
use support::{Namespace, Run, bin_dir, kubeconfig, repo_root};

/// One shell step of an example: its name, environment and script.
struct Step {
    name: String,
    env: BTreeMap<String, String>,
    script: String,
}

fn example(name: &str) -> Vec<Value> {
    let path = repo_root().join("examples/ci").join(name);
    let text = std::fs::read_to_string(&path).unwrap();
    serde_saphyr::from_multiple(&text).unwrap()
}

/// The settings a test gives every example: the test's namespace, a new
/// image, two steps, and seconds where a pipeline has minutes.
fn settings(ns: &Namespace) -> BTreeMap<String, String> {
    [
        ("APP", "web"),
        ("NAMESPACE", ns.name.as_str()),
        ("IMAGE", "example.com/web:2"),
        ("STEPS", "50,100"),
        ("INTERVAL", "2s"),
        ("BAKE", "20s"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect()
}

fn strings(value: &Value) -> BTreeMap<String, String> {
    value
        .as_object()
        .map(|o| {
            o.iter()
                .map(|(k, v)| {
                    let v = v.as_str().map(str::to_string).unwrap_or(v.to_string());
                    (k.clone(), v)
                })
                .collect()
        })
        .unwrap_or_default()
}

/// Runs the steps in order in one directory, as a CI job does, with
/// kubectl-ramp on PATH and the plane's kubeconfig; `after` sees each step's
/// end (and may set the environment of the next).
fn run_steps(
    dir: &Path,
    steps: &[Step],
    mut after: impl FnMut(&Step, &Run, &mut BTreeMap<String, String>),
) -> Vec<Run> {
    let path = format!(
        "{}:{}",
        bin_dir().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let mut carried = BTreeMap::new();
    let mut runs = Vec::new();
    for step in steps {
        let script = dir.join("step.sh");
        std::fs::write(&script, &step.script).unwrap();
        let output = Command::new("bash")
            .args(["-eo", "pipefail"])
            .arg(&script)
            .current_dir(dir)
            .env("PATH", &path)
            .env("KUBECONFIG", kubeconfig())
            .env_remove("RAMP_LOG")
            .envs(&step.env)
            .envs(&carried)
            .output()
            .unwrap();
        let run = Run {
            code: output.status.code(),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        };
        assert_eq!(run.code, Some(0), "step {:?} failed:\n{run}", step.name);
        after(step, &run, &mut carried);
        runs.push(run);
    }
    runs
}

fn workdir(ns: &Namespace) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("ramp-ci-{}", ns.name));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// What every example must leave: web promoted to the new image, nothing
/// of the canary left.
fn promoted(ns: &Namespace, runs: &[Run]) {
    let last = runs.last().unwrap();
    assert!(
        last.stdout.contains("promoted: example.com/web:2"),
        "{last}"
    );
    let web = ns.get("deployment", "web");
    assert_eq!(
        web["spec"]["template"]["spec"]["containers"][0]["image"],
        "example.com/web:2"
    );
    assert_eq!(ns.record("web").unwrap()["phase"], "Succeeded");
    assert_eq!(ns.names("deployments"), ["web"]);
}

/// The gate's line in the status it wrote: it waited and timed out on a
/// canary standing at its last step.
fn gate_saw_the_last_step(dir: &Path) {
    let text = std::fs::read_to_string(dir.join("status.jsonl")).unwrap();
    let last: Value = serde_json::from_str(text.lines().last().unwrap()).unwrap();
    assert_eq!(last["phase"], "Paused", "{text}");
    assert_eq!(last["step"]["index"], 2, "{text}");
}

#[test]
fn the_github_workflow_promotes_after_the_gate() {
    let documents = example("github-actions.yml");
    let job = &documents[0]["jobs"]["canary"];
    let ns = support::istio_app("ci-github", 2);
    let mut env = strings(&job["env"]);
    env.extend(settings(&ns));
    let dir = workdir(&ns);
    let outputs = dir.join("github_output");
    env.insert("GITHUB_OUTPUT".into(), outputs.display().to_string());
    let steps: Vec<Step> = job["steps"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["if"].is_null())
        .filter(|s| !s["name"].as_str().unwrap().starts_with("Install"))
        .map(|s| {
            let mut step_env = env.clone();
            step_env.extend(strings(&s["env"]));
            Step {
                name: s["id"].as_str().unwrap_or_default().to_string(),
                env: step_env,
                script: s["run"].as_str().unwrap().to_string(),
            }
        })
        .collect();
    assert_eq!(steps.len(), 3, "start, gate, promote or abort");
    let runs = run_steps(&dir, &steps, |step, _, carried| {
        // ${{ steps.gate.outputs.code }}, as the runner fills it in.
        if step.name == "gate" {
            let written = std::fs::read_to_string(&outputs).unwrap();
            let code = written
                .lines()
                .find_map(|l| l.strip_prefix("code="))
                .unwrap();
            carried.insert("GATE".into(), code.to_string());
        }
    });
    assert!(
        runs[0]
            .stdout
            .contains("canary at step 1/2: 50% of the traffic"),
        "{}",
        runs[0]
    );
    let written = std::fs::read_to_string(&outputs).unwrap();
    assert_eq!(written.trim(), "code=4", "the bake time passed");
    gate_saw_the_last_step(&dir);
    promoted(&ns, &runs);
}

#[test]
fn the_gitlab_job_promotes_after_the_gate() {
    let documents = example("gitlab-ci.yml");
    let job = &documents[0]["canary"];
    let ns = support::istio_app("ci-gitlab", 2);
    let mut env = strings(&documents[0]["variables"]);
    env.extend(settings(&ns));
    let dir = workdir(&ns);
    // GitLab runs the lines of `script` in one shell, one after another.
    let script = job["script"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l.as_str().unwrap())
        .collect::<Vec<_>>()
        .join("\n");
    let steps = [Step {
        name: "script".into(),
        env,
        script,
    }];
    let runs = run_steps(&dir, &steps, |_, _, _| {});
    assert!(
        runs[0]
            .stdout
            .contains("canary at step 1/2: 50% of the traffic"),
        "{}",
        runs[0]
    );
    assert!(runs[0].stdout.contains("the gate: exit 4"), "{}", runs[0]);
    gate_saw_the_last_step(&dir);
    promoted(&ns, &runs);
}

#[test]
fn the_tekton_task_promotes_after_the_gate() {
    let documents = example("tekton.yaml");
    let task = documents.iter().find(|d| d["kind"] == "Task").unwrap();
    let pipeline = documents.iter().find(|d| d["kind"] == "Pipeline").unwrap();
    assert_eq!(
        pipeline["spec"]["tasks"][0]["taskRef"]["name"],
        task["metadata"]["name"]
    );
    let ns = support::istio_app("ci-tekton", 2);
    let dir = workdir(&ns);
    let result = dir.join("result-gate");
    // The TaskRun's params: the same settings, by their lower-case names.
    let params: BTreeMap<String, String> = settings(&ns)
        .into_iter()
        .map(|(k, v)| (k.to_lowercase(), v))
        .collect();
    let declared: Vec<&str> = task["spec"]["params"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    for name in params.keys() {
        assert!(
            declared.contains(&name.as_str()),
            "param {name}: {declared:?}"
        );
    }
    let substitute = |text: &str| {
        let mut text = text
            .replace("$(workspaces.state.path)", &dir.display().to_string())
            .replace("$(results.gate.path)", &result.display().to_string());
        for (name, value) in &params {
            text = text.replace(&format!("$(params.{name})"), value);
        }
        assert!(!text.contains("$(params."), "{text}");
        text
    };
    let env: BTreeMap<String, String> = task["spec"]["stepTemplate"]["env"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["name"].as_str().unwrap().to_string(),
                substitute(e["value"].as_str().unwrap()),
            )
        })
        .collect();
    let steps: Vec<Step> = task["spec"]["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| Step {
            name: s["name"].as_str().unwrap().to_string(),
            env: env.clone(),
            script: substitute(s["script"].as_str().unwrap()),
        })
        .collect();
    let runs = run_steps(&dir, &steps, |_, _, _| {});
    assert!(
        runs[0]
            .stdout
            .contains("canary at step 1/2: 50% of the traffic"),
        "{}",
        runs[0]
    );
    assert_eq!(std::fs::read_to_string(&result).unwrap(), "4");
    gate_saw_the_last_step(&dir);
    promoted(&ns, &runs);
}

#[test]
fn the_github_workflow_passes_actionlint() {
    let tools = Command::new(repo_root().join("scripts/actionlint-tools"))
        .output()
        .unwrap();
    assert!(
        tools.status.success(),
        "scripts/actionlint-tools failed:\n{}",
        String::from_utf8_lossy(&tools.stderr)
    );
    let bin = PathBuf::from(String::from_utf8(tools.stdout).unwrap().trim()).join("actionlint");
    let output = Command::new(&bin)
        .arg("-no-color")
        .arg(repo_root().join("examples/ci/github-actions.yml"))
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "actionlint:\n{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}
