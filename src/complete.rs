//! Completion for `kubectl ramp ...`. kubectl (1.26 and later) completes a
//! plugin by running `kubectl_complete-ramp` (in completions/) with the words
//! after `ramp`, the last being the word to complete; that script runs
//! `kubectl-ramp __complete WORDS...`. The answer is in cobra's form: one
//! candidate a line (a tab, then its description), then `:DIRECTIVE`.
//!
//! Subcommands, flags and their fixed values come from the clap definition;
//! Deployments, namespaces, contexts and registered clusters are looked up,
//! with the -n, --context and --kubeconfig already typed. A lookup that
//! fails or takes more than a moment offers nothing rather than an error.

use std::ffi::{OsStr, OsString};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::builder::StyledStr;
use clap_complete::engine::{ArgValueCompleter, CompletionCandidate};
use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::Namespace;
use kube::Api;
use kube::api::ListParams;
use kube::config::Kubeconfig;

use crate::cli::{GlobalArgs, OutputFormat};
use crate::clusters::registry::Registry;
use crate::connect::Connection;

/// The hidden first argument that asks for completions.
pub const COMMAND: &str = "__complete";

/// cobra's ShellCompDirective bits.
const NO_SPACE: u8 = 2;
const NO_FILE_COMPLETION: u8 = 4;

/// How long a lookup in the cluster may take.
const LOOKUP_TIMEOUT: Duration = Duration::from_secs(3);

pub fn main(words: &[OsString]) -> ExitCode {
    let mut args = vec![OsString::from("kubectl-ramp")];
    args.extend(words.iter().cloned());
    if words.is_empty() {
        args.push(OsString::new());
    }
    for line in complete(args) {
        println!("{line}");
    }
    ExitCode::SUCCESS
}

/// The lines of the answer for `args` (the program's name first, the word
/// to complete last).
pub fn complete(args: Vec<OsString>) -> Vec<String> {
    let target = Target::from_args(&args);
    let mut cmd = with_lookups(crate::help::command(), &target);
    let current = args.last().cloned().unwrap_or_default();
    let index = args.len() - 1;
    let dir = std::env::current_dir().ok();
    let mut candidates =
        clap_complete::engine::complete(&mut cmd, args, index, dir.as_deref()).unwrap_or_default();
    // As kubectl does: flags only once a dash is typed, unless there is
    // nothing else to offer.
    let is_flag = |c: &CompletionCandidate| c.get_value().to_string_lossy().starts_with('-');
    if current.is_empty() && candidates.iter().any(|c| !is_flag(c)) {
        candidates.retain(|c| !is_flag(c));
    }
    let mut directive = NO_FILE_COMPLETION;
    let mut lines = Vec::new();
    for candidate in &candidates {
        let value = candidate.get_value().to_string_lossy();
        if value.ends_with(std::path::MAIN_SEPARATOR) {
            // A directory: the path goes on.
            directive |= NO_SPACE;
        }
        lines.push(match candidate.get_help() {
            Some(help) => format!("{value}\t{}", one_line(help)),
            None => value.into_owned(),
        });
    }
    lines.push(format!(":{directive}"));
    lines
}

fn one_line(help: &StyledStr) -> String {
    let text = help.to_string();
    text.lines().next().unwrap_or_default().to_string()
}

/// Where the lookups go: the connection flags typed so far.
#[derive(Debug, Clone, Default)]
struct Target {
    kubeconfig: Option<PathBuf>,
    context: Option<String>,
    namespace: Option<String>,
}

impl Target {
    fn from_args(args: &[OsString]) -> Target {
        let mut target = Target::default();
        // The last word is being typed; it says nothing yet.
        let words: Vec<String> = args[..args.len().saturating_sub(1)]
            .iter()
            .map(|a| a.to_string_lossy().into_owned())
            .collect();
        let mut i = 0;
        while i < words.len() {
            let word = &words[i];
            let (flag, inline) = match word.split_once('=') {
                Some((flag, value)) if word.starts_with("--") => (flag, Some(value.to_string())),
                _ if word.starts_with("-n") && word.len() > 2 => {
                    ("-n", Some(word[2..].to_string()))
                }
                _ => (word.as_str(), None),
            };
            if matches!(flag, "--kubeconfig" | "--context" | "-n" | "--namespace") {
                let value = match inline {
                    Some(value) => Some(value),
                    None => {
                        i += 1;
                        words.get(i).cloned()
                    }
                };
                match flag {
                    "--kubeconfig" => target.kubeconfig = value.map(PathBuf::from),
                    "--context" => target.context = value,
                    _ => target.namespace = value,
                }
            }
            i += 1;
        }
        target
    }

    fn global_args(&self) -> GlobalArgs {
        GlobalArgs {
            kubeconfig: self.kubeconfig.clone(),
            context: self.context.clone(),
            namespace: self.namespace.clone(),
            output: OutputFormat::Table,
            yes: false,
            no_color: true,
            connection: Default::default(),
        }
    }

    /// Names from the cluster, or none when it cannot answer in time.
    fn lookup<F, Fut>(&self, list: F) -> Vec<String>
    where
        F: FnOnce(Connection) -> Fut,
        Fut: Future<Output = Option<Vec<String>>>,
    {
        let Ok(runtime) = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
        else {
            return Vec::new();
        };
        let global = self.global_args();
        runtime
            .block_on(async {
                tokio::time::timeout(LOOKUP_TIMEOUT, async {
                    let conn = Connection::open(&global.target()).await.ok()?;
                    list(conn).await
                })
                .await
            })
            .ok()
            .flatten()
            .unwrap_or_default()
    }

    fn deployments(&self) -> Vec<String> {
        self.lookup(|conn| async move {
            let api: Api<Deployment> = Api::namespaced(conn.client, &conn.namespace);
            let list = api.list_metadata(&ListParams::default()).await.ok()?;
            Some(
                list.items
                    .into_iter()
                    .filter_map(|d| d.metadata.name)
                    .collect(),
            )
        })
    }

    fn namespaces(&self) -> Vec<String> {
        self.lookup(|conn| async move {
            let api: Api<Namespace> = Api::all(conn.client);
            let list = api.list_metadata(&ListParams::default()).await.ok()?;
            Some(
                list.items
                    .into_iter()
                    .filter_map(|n| n.metadata.name)
                    .collect(),
            )
        })
    }

    /// The contexts of the kubeconfig, read as kubectl finds it.
    fn contexts(&self) -> Vec<String> {
        let paths: Vec<PathBuf> = match (&self.kubeconfig, std::env::var_os("KUBECONFIG")) {
            (Some(path), _) => vec![path.clone()],
            (None, Some(list)) if !list.is_empty() => std::env::split_paths(&list).collect(),
            _ => std::env::var_os("HOME")
                .map(|home| PathBuf::from(home).join(".kube").join("config"))
                .into_iter()
                .collect(),
        };
        let mut names: Vec<String> = paths
            .iter()
            .filter_map(|path| Kubeconfig::read_from(path).ok())
            .flat_map(|config| config.contexts.into_iter().map(|c| c.name))
            .collect();
        names.dedup();
        names
    }
}

/// The registered clusters' names, regions or capabilities.
fn registered(field: fn(&crate::clusters::registry::Cluster) -> Vec<String>) -> Vec<String> {
    let mut values: Vec<String> = Registry::load()
        .map(|r| r.clusters.iter().flat_map(field).collect())
        .unwrap_or_default();
    values.sort();
    values.dedup();
    values
}

/// A completer offering `values()` that start with what was typed.
fn offering(values: impl Fn() -> Vec<String> + Send + Sync + 'static) -> ArgValueCompleter {
    ArgValueCompleter::new(move |current: &OsStr| {
        let typed = current.to_string_lossy();
        values()
            .into_iter()
            .filter(|v| v.starts_with(typed.as_ref()))
            .map(CompletionCandidate::new)
            .collect::<Vec<_>>()
    })
}

/// The clap definition with the lookups attached to the arguments they
/// complete, in every subcommand.
fn with_lookups(cmd: clap::Command, target: &Target) -> clap::Command {
    let target = target.clone();
    let cmd = cmd.mut_args(|arg| attach(arg, &target));
    let names: Vec<String> = cmd
        .get_subcommands()
        .map(|s| s.get_name().to_string())
        .collect();
    names.iter().fold(cmd, |cmd, name| {
        let parent = name.clone();
        let target = target.clone();
        cmd.mut_subcommand(name, move |sub| {
            let sub = with_lookups(sub, &target);
            if parent == "cluster" {
                // `cluster check NAME`, `cluster remove NAME`.
                sub.mut_subcommands(|s| {
                    s.mut_args(|arg| match arg.get_id().as_str() {
                        "name" if arg.is_positional() => {
                            arg.add(offering(|| registered(|c| vec![c.name.clone()])))
                        }
                        _ => arg,
                    })
                })
            } else {
                sub
            }
        })
    })
}

fn attach(arg: clap::Arg, target: &Target) -> clap::Arg {
    let t = target.clone();
    match arg.get_id().as_str() {
        "deployment" => arg.add(offering(move || t.deployments())),
        "namespace" | "canary_namespace" => arg.add(offering(move || t.namespaces())),
        "context" => arg.add(offering(move || t.contexts())),
        "clusters" => arg.add(offering(|| registered(|c| vec![c.name.clone()]))),
        "region" => arg.add(offering(|| {
            registered(|c| c.region.iter().cloned().collect())
        })),
        "capability" => arg.add(offering(|| registered(|c| c.capabilities.clone()))),
        "strategy" => arg.add(offering(|| {
            ["canary", "vanguard", "blue-green"]
                .map(String::from)
                .to_vec()
        })),
        "kubeconfig" | "filename" | "analysis" => arg.value_hint(clap::ValueHint::FilePath),
        _ => arg,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(words: &[&str]) -> Vec<String> {
        let mut args = vec![OsString::from("kubectl-ramp")];
        args.extend(words.iter().map(OsString::from));
        complete(args)
    }

    fn values(lines: &[String]) -> Vec<&str> {
        lines[..lines.len() - 1]
            .iter()
            .map(|l| l.split('\t').next().unwrap())
            .collect()
    }

    #[test]
    fn subcommands_with_their_descriptions() {
        let lines = answer(&[""]);
        assert_eq!(lines.last().unwrap(), ":4");
        let names = values(&lines);
        for name in [
            "start", "step", "promote", "abort", "run", "status", "cluster", "version",
        ] {
            assert!(names.contains(&name), "{name} missing: {lines:?}");
        }
        assert!(!names.iter().any(|n| n.starts_with('-')), "{lines:?}");
        assert!(
            lines
                .iter()
                .any(|l| l.starts_with("status\tShow the rollout")),
            "{lines:?}"
        );
        assert_eq!(values(&answer(&["st"])), ["start", "step", "status"]);
    }

    #[test]
    fn flags_of_the_subcommand_and_the_global_ones() {
        let names = answer(&["status", "web", "--"]);
        let names = values(&names);
        for flag in [
            "--watch",
            "--namespace",
            "--context",
            "--output",
            "--all-clusters",
        ] {
            assert!(names.contains(&flag), "{flag} missing: {names:?}");
        }
        assert!(!names.contains(&"--waves"), "{names:?}");
        assert!(!names.contains(&"--dry-run"), "{names:?}");
        assert_eq!(values(&answer(&["start", "web", "--dry"])), ["--dry-run"]);
    }

    #[test]
    fn fixed_values() {
        assert_eq!(
            values(&answer(&["status", "web", "-o", ""])),
            ["table", "json", "yaml"]
        );
        assert_eq!(
            values(&answer(&["start", "web", "--strategy", "b"])),
            ["blue-green"]
        );
        assert_eq!(
            values(&answer(&["start", "web", "--router", ""])),
            ["istio", "gateway-api", "replicas"]
        );
    }

    #[test]
    fn connection_flags_typed_so_far_are_read() {
        let target = Target::from_args(
            &[
                "kubectl-ramp",
                "status",
                "-n",
                "shop",
                "--context=prod",
                "--kubeconfig",
                "k",
                "w",
            ]
            .map(OsString::from),
        );
        assert_eq!(target.namespace.as_deref(), Some("shop"));
        assert_eq!(target.context.as_deref(), Some("prod"));
        assert_eq!(target.kubeconfig, Some(PathBuf::from("k")));
        let target =
            Target::from_args(&["kubectl-ramp", "status", "-nshop", "-n"].map(OsString::from));
        assert_eq!(target.namespace.as_deref(), Some("shop"));
    }
}
