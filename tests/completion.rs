//! Shell completion as people get it: bash with the generated script, and
//! kubectl (1.26 and later) completing `kubectl ramp ...` through
//! completions/kubectl_complete-ramp, with Deployment names from the cluster.

mod support;

use std::process::Command;
use std::time::Instant;

use support::{Namespace, bin_dir, kubeconfig, repo_root, web_app};

/// What bash offers after `words` (the last one being completed), with
/// completions/kubectl-ramp.bash sourced as a user would.
fn bash(words: &[&str]) -> Vec<String> {
    let script = repo_root().join("completions/kubectl-ramp.bash");
    let quoted: Vec<String> = words.iter().map(|w| format!("'{w}'")).collect();
    let program = format!(
        r#"
source "{script}"
function=$(complete -p kubectl-ramp | sed 's/.* -F \([^ ]*\) .*/\1/')
COMP_WORDS=(kubectl-ramp {words})
COMP_CWORD=$(( ${{#COMP_WORDS[@]}} - 1 ))
COMP_LINE="${{COMP_WORDS[*]}}"
COMP_POINT=${{#COMP_LINE}}
"$function" kubectl-ramp "${{COMP_WORDS[COMP_CWORD]}}" "${{COMP_WORDS[COMP_CWORD-1]}}"
printf '%s\n' "${{COMPREPLY[@]}}"
"#,
        script = script.display(),
        words = quoted.join(" "),
    );
    let output = Command::new("bash")
        .args(["--norc", "--noprofile", "-c", &program])
        .output()
        .expect("bash runs");
    assert!(
        output.status.success(),
        "bash failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout)
        .unwrap()
        .lines()
        .filter(|l| !l.is_empty())
        .map(String::from)
        .collect()
}

#[test]
fn bash_completes_subcommands_flags_and_values() {
    assert_eq!(bash(&["st"]), ["start", "step", "status"]);
    assert_eq!(bash(&["cluster", "re"]), ["remove"]);
    assert!(bash(&["status", "web", "--wa"]).contains(&"--watch".to_string()));
    assert_eq!(bash(&["start", "web", "--dry"]), ["--dry-run"]);
    assert_eq!(
        bash(&["status", "web", "-o", ""]),
        ["table", "json", "yaml"]
    );
    assert_eq!(
        bash(&["start", "web", "--router", ""]),
        ["istio", "gateway-api", "replicas"]
    );
    assert!(bash(&["v"]).contains(&"version".to_string()));
}

/// `kubectl __complete ramp WORDS...`, with kubectl-ramp and
/// kubectl_complete-ramp on PATH: what kubectl's own shell completion runs.
fn kubectl_complete(words: &[&str]) -> (Vec<String>, String) {
    let path = std::env::join_paths(
        [repo_root().join("completions"), bin_dir()]
            .into_iter()
            .chain(std::env::split_paths(&std::env::var_os("PATH").unwrap())),
    )
    .unwrap();
    let output = Command::new("kubectl")
        .args(["__complete", "ramp"])
        .args(words)
        .env("PATH", path)
        .env("KUBECONFIG", kubeconfig())
        .output()
        .expect("kubectl runs");
    let stdout = String::from_utf8(output.stdout).unwrap();
    let mut lines: Vec<String> = stdout.lines().map(String::from).collect();
    let directive = lines.pop().unwrap_or_default();
    let values = lines
        .iter()
        .map(|l| l.split('\t').next().unwrap().to_string())
        .collect();
    (values, directive)
}

#[test]
fn kubectl_completes_subcommands_and_flags_through_the_plugin() {
    let (values, directive) = kubectl_complete(&[""]);
    for name in [
        "start", "step", "promote", "abort", "run", "status", "cluster", "version",
    ] {
        assert!(values.contains(&name.to_string()), "{name}: {values:?}");
    }
    // No file names after a subcommand's word.
    assert_eq!(directive, ":4");
    let (values, _) = kubectl_complete(&["promote", "web", "--"]);
    for flag in ["--dry-run", "--timeout", "--namespace", "--context"] {
        assert!(values.contains(&flag.to_string()), "{flag}: {values:?}");
    }
    let (values, _) = kubectl_complete(&["status", "web", "--output", ""]);
    assert_eq!(values, ["table", "json", "yaml"]);
}

#[test]
fn kubectl_completes_deployment_names_of_the_namespace_given() {
    let ns = Namespace::new("complete");
    ns.apply(&web_app("web", 1, "example.com/web:1")).success();
    ns.apply(&web_app("api", 1, "example.com/api:1")).success();
    let started = Instant::now();
    let (values, directive) = kubectl_complete(&["status", "-n", &ns.name, ""]);
    let took = started.elapsed();
    assert_eq!(values, ["api", "web"]);
    assert_eq!(directive, ":4");
    eprintln!("kubectl __complete ramp status -n NS '' took {took:?}");
    let (values, _) = kubectl_complete(&["step", "--namespace", &ns.name, "w"]);
    assert_eq!(values, ["web"]);
    let (values, _) = kubectl_complete(&["abort", &format!("--namespace={}", ns.name), "w"]);
    assert_eq!(values, ["web"]);
    // Namespaces, for -n.
    let (values, _) = kubectl_complete(&["status", "web", "-n", &ns.name[..4]]);
    assert!(values.contains(&ns.name), "{values:?}");
    assert!(!values.contains(&"default".to_string()), "{values:?}");
}
