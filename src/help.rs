//! The command line as people meet it: every `--help` ends with examples,
//! and a mistyped word is never answered with "a similar subcommand exists"
//! pointing at a command that changes the cluster.

use std::ffi::OsString;

use clap::error::{ContextKind, ContextValue};
use clap::{CommandFactory, FromArgMatches};

use crate::cli::Cli;

/// The examples at the end of each command's `--help` and man page, by the
/// path of subcommand names ("" is `kubectl ramp` itself). Lines are kept
/// under 80 columns, so that a terminal does not wrap a command.
pub const EXAMPLES: &[(&str, &str)] = &[
    (
        "",
        "\
# A canary in three steps, one `step` at a time, then the promotion
kubectl ramp start web --image registry.example.com/web:2.0 --steps 10,50,100
kubectl ramp step web
kubectl ramp promote web

# Where a rollout stands, for a script
kubectl ramp status web -o json",
    ),
    (
        "start",
        "\
# A canary: 10%, 50%, then all, each step when you say `step`
kubectl ramp start web --image registry.example.com/web:2.0 --steps 10,50,100

# The pod template of a manifest, with Shipper's vanguard strategy
kubectl ramp start web -f web-v2.yaml --strategy vanguard

# Blue-green, with a preview that requests carrying the header reach
kubectl ramp start web --image registry.example.com/web:2.0 \\
    --strategy blue-green --preview-header x-preview=1

# Shadow traffic first: every request also copied to the contender
kubectl ramp start web --image registry.example.com/web:2.0 \\
    --steps 10,50,100 --mirror 100

# Automated: analysis after each step, rolled back when it fails
kubectl ramp start web --image registry.example.com/web:2.0 --auto \\
    --analysis istio.yaml --prometheus http://prometheus:9090

# Region after region, by itself; a failing region is rolled back and the
# waves stop there
kubectl ramp start web --image registry.example.com/web:2.0 --auto \\
    --analysis istio.yaml --all-clusters --waves region

# What would change, changing nothing
kubectl ramp start web --image registry.example.com/web:2.0 --dry-run",
    ),
    (
        "step",
        "\
# The next step; in a terminal it shows what changes and asks first
kubectl ramp step web

# Straight to step 3, without asking
kubectl ramp step web --to 3 --yes

# Step, then stay and ask what next
kubectl ramp step web -i

# Every registered cluster of a region, in lock-step
kubectl ramp step web --region eu",
    ),
    (
        "promote",
        "\
# Skip the remaining steps: web takes the new version
kubectl ramp promote web

# On every registered cluster
kubectl ramp promote web --all-clusters --yes",
    ),
    (
        "abort",
        "\
# All traffic back to web, the contender removed
kubectl ramp abort web --reason \"p99 latency doubled\"

# What the abort would write, writing nothing
kubectl ramp abort web --dry-run",
    ),
    (
        "run",
        "\
# Drive a rollout started by hand: analyse each minute, go on or roll back
kubectl ramp run web --analysis istio.yaml \\
    --prometheus http://prometheus:9090 --interval 1m

# The same, but leave the promotion to a person
kubectl ramp run web --no-promote

# Every region in turn, each on its own clusters' Prometheus
kubectl ramp run web --all-clusters --waves region --analysis istio.yaml",
    ),
    (
        "pause",
        "\
# Stop the driver of an automated rollout at its current step
kubectl ramp pause web

# Later, on any machine: carry on from there
kubectl ramp run web",
    ),
    (
        "status",
        "\
# Phase, step, traffic, capacity and recent transitions
kubectl ramp status web -n shop

# For a script
kubectl ramp status web -o json

# Follow it until the rollout ends
kubectl ramp status web -w

# CI gate: exit 0 when it succeeded, 3 when aborted, 4 after 10 minutes
kubectl ramp status web --wait --timeout 10m

# One line per registered cluster
kubectl ramp status web --all-clusters",
    ),
    (
        "list",
        "\
# The rollouts in the namespace: phase, step, traffic, contender, age
kubectl ramp list -n shop

# In every namespace, of the Deployments labelled tier=web
kubectl ramp ls -A -l tier=web

# Follow them: a line whenever one changes
kubectl ramp list -w

# On every registered cluster, for a script
kubectl ramp list --all-clusters -o json",
    ),
    (
        "dashboard",
        "\
# A live page of the rollouts in namespace shop; open the URL it prints
kubectl ramp dashboard -n shop

# Every namespace, opened in the browser, without the buttons
kubectl ramp dashboard -A --open --read-only

# Every registered cluster, on another port
kubectl ramp dashboard --all-clusters --port 3200",
    ),
    (
        "history",
        "\
# The rollouts of web: revision, images, result, who, when, how long
kubectl ramp history web -n shop

# For a script
kubectl ramp history web -o json",
    ),
    (
        "undo",
        "\
# Back to the revision before the current one, by a canary
kubectl ramp undo web -n shop

# Back to revision 3, in two steps, driven by the analysis
kubectl ramp undo web --to-revision 3 --steps 50,100 --auto \\
  --analysis analysis.yaml --prometheus http://prometheus:9090",
    ),
    (
        "freeze",
        "\
# No rollouts in shop until Monday 08:00 UTC
kubectl ramp freeze -n shop --reason \"black friday\" \\
    --until 2026-11-30T08:00:00Z

# No rollouts anywhere in the cluster for two hours
kubectl ramp freeze --all-namespaces --reason \"incident 4711\" --until 2h

# Then, in a frozen namespace, a fix that must go out anyway
kubectl ramp start web --image registry.example.com/web:2.1 \\
    --override-freeze \"fix for incident 4711\"",
    ),
    (
        "unfreeze",
        "\
# Lift the freeze of namespace shop
kubectl ramp unfreeze -n shop

# Lift the cluster-wide freeze
kubectl ramp unfreeze --all-namespaces",
    ),
    (
        "cluster",
        "\
kubectl ramp cluster setup --context prod-eu --name eu-1 --region eu
kubectl ramp cluster list
kubectl ramp cluster check
kubectl ramp cluster remove eu-1",
    ),
    (
        "cluster setup",
        "\
# Register a context as cluster eu-1 of region eu
kubectl ramp cluster setup --context prod-eu --name eu-1 --region eu \\
    --capability gpu

# Also create the least-privilege ServiceAccount, Role and RoleBinding in shop
kubectl ramp cluster setup --context prod-us --name us-1 -n shop --create-rbac

# Cluster-wide freezes kept in namespace ops, where ramp's accounts read them
kubectl ramp cluster setup --context prod-us -n shop --create-rbac \\
    --freeze-namespace ops

# The Prometheus this cluster's analysis reads, and a label of its series
kubectl ramp cluster setup --context prod-eu --name eu-1 --region eu \\
    --prometheus http://thanos:9090 --prometheus-label cluster=eu-1

# A kubeconfig for CI with a token that lives one hour
kubectl ramp cluster setup --context prod-us -n shop --print-kubeconfig \\
    --token-ttl 1h",
    ),
    (
        "cluster list",
        "\
kubectl ramp cluster list
kubectl ramp cluster list -o json",
    ),
    (
        "cluster check",
        "\
# Every registered cluster: reachable, routers, permissions
kubectl ramp cluster check

# One of them
kubectl ramp cluster check eu-1",
    ),
    (
        "cluster remove",
        "\
# Forget eu-1 (nothing in the cluster changes)
kubectl ramp cluster remove eu-1",
    ),
    (
        "version",
        "\
kubectl ramp version
kubectl ramp version -o json

# Without asking the API server
kubectl ramp version --client",
    ),
];

/// Subcommands that only read. A mistyped word may be answered with one of
/// these; never with one of CHANGES.
const READS: &[&str] = &[
    "status", "version", "cluster", "list", "history", "check", "help",
];

/// Flags never offered for a mistyped one: they widen what a command acts
/// on, or answer its questions. (`--cluster` is kubectl's flag for a
/// kubeconfig cluster; `--clusters` means something else here.)
const NEVER_SUGGESTED_FLAGS: &[&str] = &[
    "--clusters",
    "--all-clusters",
    "--region",
    "--capability",
    "--waves",
    "--yes",
    "--auto",
    "--create-rbac",
    "--on-failure",
    "--override-freeze",
    "--all-namespaces",
];

/// The clap definition with the examples: what `--help` and man pages show.
pub fn command() -> clap::Command {
    let mut cmd = Cli::command();
    for (path, text) in EXAMPLES {
        let heading = cmd.get_styles().get_header();
        let help = format!("{heading}Examples:{heading:#}\n{}", indent(text));
        cmd = with_after_help(cmd, path.split_whitespace(), help);
    }
    cmd
}

fn indent(text: &str) -> String {
    let lines: Vec<String> = text
        .lines()
        .map(|line| match line {
            "" => String::new(),
            line => format!("  {line}"),
        })
        .collect();
    lines.join("\n")
}

fn with_after_help<'a>(
    cmd: clap::Command,
    mut path: impl Iterator<Item = &'a str>,
    help: String,
) -> clap::Command {
    match path.next() {
        None => cmd.after_help(help),
        Some(name) => cmd.mut_subcommand(name, |sub| with_after_help(sub, path, help)),
    }
}

/// Parses the command line; a usage error keeps clap's message and exit
/// code, without suggestions that would steer toward changing the cluster.
pub fn parse_from(
    args: impl IntoIterator<Item = impl Into<OsString> + Clone>,
) -> Result<Cli, clap::Error> {
    let args: Vec<OsString> = args.into_iter().map(Into::into).collect();
    let mut cmd = command();
    let matches = cmd
        .try_get_matches_from_mut(&args)
        .map_err(|e| safe_suggestions(e, &cmd, &args))?;
    Cli::from_arg_matches(&matches).map_err(|e| e.format(&mut cmd))
}

fn safe_suggestions(mut err: clap::Error, cmd: &clap::Command, args: &[OsString]) -> clap::Error {
    let typed = match err.get(ContextKind::InvalidSubcommand) {
        Some(ContextValue::String(word)) => Some(word.clone()),
        _ => None,
    };
    if let Some(ContextValue::String(flag)) = err.get(ContextKind::SuggestedArg)
        && NEVER_SUGGESTED_FLAGS.contains(&flag.as_str())
    {
        err.remove(ContextKind::SuggestedArg);
        // "'status --clusters' exists" names the flag through its command.
        err.remove(ContextKind::SuggestedSubcommand);
        // clap's usage line shows the suggested flag too.
        err.insert(
            ContextKind::Usage,
            ContextValue::StyledStr(subcommand_of(cmd, args).clone().render_usage()),
        );
    }
    if let Some(ContextValue::Strings(names)) = err.get(ContextKind::SuggestedSubcommand) {
        let kept: Vec<String> = names
            .iter()
            .filter(|name| READS.contains(&name.as_str()))
            .filter(|name| typed.as_deref().is_none_or(|word| is_typo_of(word, name)))
            .cloned()
            .collect();
        if kept.is_empty() {
            err.remove(ContextKind::SuggestedSubcommand);
        } else {
            err.insert(
                ContextKind::SuggestedSubcommand,
                ContextValue::Strings(kept),
            );
        }
    }
    // With no suggestion left, an empty list of tips would still leave a
    // blank line behind.
    if let Some(ContextValue::StyledStrs(tips)) = err.get(ContextKind::Suggested)
        && tips.is_empty()
    {
        err.remove(ContextKind::Suggested);
    }
    err
}

/// The subcommand the words name (`cluster setup ...`), or the command.
fn subcommand_of<'a>(cmd: &'a clap::Command, args: &[OsString]) -> &'a clap::Command {
    let mut current = cmd;
    for arg in args.iter().skip(1).filter_map(|a| a.to_str()) {
        if let Some(sub) = current.find_subcommand(arg) {
            current = sub;
        }
    }
    current
}

/// Whether `word` is `name` mistyped: at most two letters left out, added,
/// changed or swapped. clap's own measure also pairs unrelated words
/// (`pause` and `status`).
fn is_typo_of(word: &str, name: &str) -> bool {
    let a: Vec<char> = word.chars().collect();
    let b: Vec<char> = name.chars().collect();
    // Optimal string alignment distance.
    let mut d = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in d[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            d[i][j] = (d[i - 1][j] + 1)
                .min(d[i][j - 1] + 1)
                .min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                d[i][j] = d[i][j].min(d[i - 2][j - 2] + 1);
            }
        }
    }
    d[a.len()][b.len()] <= 2
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Subcommands that change the cluster or ramp's files.
    const CHANGES: &[&str] = &[
        "start",
        "step",
        "promote",
        "abort",
        "run",
        "pause",
        "undo",
        "setup",
        "remove",
        "freeze",
        "unfreeze",
        "dashboard",
    ];

    fn error_of(args: &[&str]) -> clap::Error {
        let mut all = vec!["kubectl-ramp"];
        all.extend(args);
        parse_from(all).expect_err("a usage error")
    }

    /// Every subcommand, as the words that name it ("cluster setup").
    fn paths(cmd: &clap::Command, prefix: &str) -> Vec<String> {
        let mut all = Vec::new();
        for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
            let path = format!("{prefix}{}", sub.get_name()).trim().to_string();
            all.extend(paths(sub, &format!("{path} ")));
            all.push(path);
        }
        all
    }

    #[test]
    fn every_command_has_examples() {
        let mut cmd = command();
        cmd.build();
        let mut missing = Vec::new();
        for path in paths(&cmd, "").into_iter().chain([String::new()]) {
            if path.split(' ').any(|word| word == "help") {
                continue;
            }
            if !EXAMPLES.iter().any(|(p, _)| *p == path) {
                missing.push(path);
            }
        }
        assert!(missing.is_empty(), "no examples for: {missing:?}");
    }

    #[test]
    fn every_example_parses() {
        for (path, text) in EXAMPLES {
            let joined = text.replace(" \\\n", " ");
            for line in joined.lines().map(str::trim) {
                let Some(rest) = line.strip_prefix("kubectl ramp ") else {
                    assert!(line.is_empty() || line.starts_with('#'), "{path}: {line}");
                    continue;
                };
                let mut args = vec!["kubectl-ramp".to_string()];
                args.extend(shell_words(rest));
                if let Err(err) = parse_from(&args) {
                    panic!("example of {path:?} does not parse: {line}\n{err}");
                }
            }
        }
    }

    /// Words as a shell splits them, for the examples' simple quoting.
    fn shell_words(line: &str) -> Vec<String> {
        let mut words = Vec::new();
        let mut word = String::new();
        let mut quoted = false;
        for c in line.chars() {
            match c {
                '"' => quoted = !quoted,
                ' ' if !quoted => {
                    if !word.is_empty() {
                        words.push(std::mem::take(&mut word));
                    }
                }
                c => word.push(c),
            }
        }
        if !word.is_empty() {
            words.push(word);
        }
        words
    }

    #[test]
    fn examples_fit_in_80_columns() {
        for (path, text) in EXAMPLES {
            for line in indent(text).lines() {
                assert!(line.chars().count() <= 80, "{path:?}: {line}");
            }
        }
    }

    #[test]
    fn every_subcommand_is_known_to_read_or_to_change() {
        for path in paths(&Cli::command(), "") {
            let name = path.rsplit(' ').next().unwrap();
            assert!(
                READS.contains(&name) != CHANGES.contains(&name),
                "say whether {path:?} only reads (READS) or changes something (CHANGES)"
            );
        }
    }

    #[test]
    fn unknown_words_are_not_steered_to_commands_that_change_the_cluster() {
        for (word, not) in [
            ("rum", "run"),
            ("restart", "start"),
            ("paus", "pause"),
            ("undoo", "undo"),
        ] {
            let err = error_of(&[word]);
            let text = err.render().to_string();
            assert_eq!(err.exit_code(), 2, "{text}");
            assert!(
                text.contains(&format!("unrecognized subcommand '{word}'")),
                "{text}"
            );
            assert!(!text.contains("similar"), "{word}: {text}");
            assert!(!text.contains("\n\n\n"), "{word}: {text}");
            assert!(!text.contains(&format!("'{not}'")), "{word}: {text}");
        }
    }

    #[test]
    fn cluster_is_kubectls_and_never_steered_to_clusters() {
        let cli = parse_from(["kubectl-ramp", "status", "web", "--cluster", "prod"]).unwrap();
        assert_eq!(cli.global.connection.cluster.as_deref(), Some("prod"));
        let err = error_of(&["status", "web", "--clustrs", "prod"]);
        let text = err.render().to_string();
        assert_eq!(err.exit_code(), 2, "{text}");
        assert!(text.contains("unexpected argument '--clustrs'"), "{text}");
        assert!(!text.contains("'--clusters'"), "{text}");
        assert!(text.contains("Usage: kubectl ramp status"), "{text}");
    }

    #[test]
    fn typos_of_commands_that_only_read_are_still_corrected() {
        let text = error_of(&["statsu", "web"]).render().to_string();
        assert!(
            text.contains("a similar subcommand exists: 'status'"),
            "{text}"
        );
        let text = error_of(&["status", "web", "--no-colour"])
            .render()
            .to_string();
        assert!(text.contains("'--no-color'"), "{text}");
    }

    #[test]
    fn help_lists_global_flags_apart_and_status_does_not_offer_waves() {
        let mut cmd = command();
        cmd.build();
        let help = cmd
            .find_subcommand_mut("status")
            .unwrap()
            .render_help()
            .to_string();
        let (own, global) = help.split_once("Global options:").expect(&help);
        assert!(!own.contains("--yes") && global.contains("--yes"), "{help}");
        assert!(!help.contains("--waves"), "{help}");
        assert!(help.contains("Examples:"), "{help}");
        // Still accepted, as before.
        parse_from(["kubectl-ramp", "status", "web", "--waves", "region"]).unwrap();
    }
}
