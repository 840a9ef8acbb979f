//! One command on several registered clusters at once (`--clusters`,
//! `--region`, `--capability`, `--all-clusters`). Each cluster keeps its own
//! record; the clusters are worked on in parallel; when one fails the
//! rollout is aborted everywhere (or, with --on-failure pause, the others
//! are left where they are), and a summary says where each cluster is.

use futures::future::{LocalBoxFuture, join_all};
use serde::Serialize;

use super::Change;
use super::start::Source;
use crate::cli::{
    ChangeArgs, Cli, ClusterSelection, Command, GlobalArgs, OnFailure, RolloutArgs, RunArgs,
    StartArgs, StepArgs,
};
use crate::clusters::registry::{Cluster, Registry};
use crate::connect::Connection;
use crate::engine::observe::observe;
use crate::error::{Error, Kind, Result};
use crate::rollout::freeze::Command as FrozenCommand;
use crate::rollout::record::{Automation, Phase, Record};
use crate::rollout::waves::{self, Next as WaveNext, Standing, standing};
use crate::ui::status::report;
use crate::ui::status::{StatusReport, percent};
use crate::ui::{render, table};

/// The global flags as they are for one registered cluster.
pub fn global_for(global: &GlobalArgs, cluster: &Cluster) -> GlobalArgs {
    GlobalArgs {
        context: Some(cluster.context.clone()),
        kubeconfig: cluster
            .kubeconfig
            .clone()
            .or_else(|| global.kubeconfig.clone()),
        ..global.clone()
    }
}

/// The clusters a selection names, each checked to be a context of its
/// kubeconfig before anything is read or written on any of them.
pub fn selected(global: &GlobalArgs, selection: &ClusterSelection) -> Result<Vec<Cluster>> {
    let clusters = Registry::load()?.select(
        &selection.clusters,
        selection.region.as_deref(),
        selection.capability.as_deref(),
        selection.all_clusters,
    )?;
    for cluster in &clusters {
        let kubeconfig = cluster
            .kubeconfig
            .as_deref()
            .or(global.kubeconfig.as_deref());
        if !crate::connect::has_context(kubeconfig, &cluster.context)? {
            let file = match kubeconfig {
                Some(path) => path.display().to_string(),
                None => std::env::var("KUBECONFIG")
                    .ok()
                    .filter(|v| !v.is_empty())
                    .unwrap_or_else(|| "~/.kube/config".to_string()),
            };
            return Err(Error::invalid(format!(
                "cluster {:?} names context {:?}, which the kubeconfig does not have ({file})",
                cluster.name, cluster.context
            ))
            .with_hint(format!(
                "see `kubectl config get-contexts`; register the cluster again with `kubectl ramp cluster setup --context CONTEXT --name {}`, or remove it with `kubectl ramp cluster remove {}`",
                cluster.name, cluster.name
            )));
        }
    }
    Ok(clusters)
}

/// Runs `work` on every selected cluster, handles a failure as asked, and
/// prints the summary.
pub async fn run<'a>(
    global: &'a GlobalArgs,
    change: &'a ChangeArgs,
    deployment: &'a str,
    command: &str,
    work: impl Fn(GlobalArgs, Change) -> LocalBoxFuture<'a, Result<()>>,
) -> Result<()> {
    let clusters = selected(global, &change.clusters)?;
    run_on(
        global, change, deployment, command, &clusters, &clusters, work,
    )
    .await
}

/// A start across clusters writes nothing anywhere until every cluster
/// has checked and rehearsed its start: each waits here before its first
/// write (`ready`), and one that fails before it stops them all.
#[derive(Debug)]
pub struct Gate {
    state: tokio::sync::watch::Sender<GateState>,
}

#[derive(Debug, Clone)]
struct GateState {
    arrived: Vec<bool>,
    /// The first cluster that failed before its first write.
    failed: Option<String>,
}

impl Gate {
    pub fn new(clusters: usize) -> std::sync::Arc<Gate> {
        let (state, _) = tokio::sync::watch::channel(GateState {
            arrived: vec![false; clusters],
            failed: None,
        });
        std::sync::Arc::new(Gate { state })
    }

    /// Cluster `i` is ready to write: waits until every cluster is (then
    /// `Ok`), or one failed first (then `Err` naming it).
    pub async fn ready(&self, i: usize) -> std::result::Result<(), String> {
        self.arrive(i);
        let mut seen = self.state.subscribe();
        let state = seen
            .wait_for(|s| s.failed.is_some() || s.arrived.iter().all(|a| *a))
            .await
            .expect("the gate's sender lives as long as the gate");
        match &state.failed {
            Some(who) => Err(who.clone()),
            None => Ok(()),
        }
    }

    /// Cluster `i` is done, with or without its writes: it keeps no one
    /// waiting; `failed` names it when it failed.
    fn done(&self, i: usize, failed: Option<&str>) {
        self.state.send_modify(|s| {
            if let (Some(who), false) = (failed, s.arrived[i]) {
                s.failed.get_or_insert_with(|| who.to_string());
            }
            s.arrived[i] = true;
        });
    }

    fn arrive(&self, i: usize) {
        self.state.send_modify(|s| s.arrived[i] = true);
    }
}

/// Runs `work` on `targets`, handles a failure as asked, and prints the
/// summary of `shown` (all the selected clusters).
pub async fn run_on<'a>(
    global: &'a GlobalArgs,
    change: &'a ChangeArgs,
    deployment: &'a str,
    command: &str,
    targets: &[Cluster],
    shown: &[Cluster],
    work: impl Fn(GlobalArgs, Change) -> LocalBoxFuture<'a, Result<()>>,
) -> Result<()> {
    let clusters = targets.to_vec();
    let options = Change::of(change);
    let registry = Registry::load()?;
    let for_cluster = |cluster: &Cluster| options.for_registered(&registry, cluster);
    // A start writes nowhere before every cluster could start.
    let gate = (command == "start" && !change.dry_run && clusters.len() > 1)
        .then(|| Gate::new(clusters.len()));
    let results = join_all(clusters.iter().enumerate().map(|(i, c)| {
        let mut options = for_cluster(c);
        options.gate = gate.clone().map(|g| (g, i));
        let gate = gate.clone();
        let done = work(global_for(global, c), options);
        async move {
            let result = done.await;
            if let Some(gate) = gate {
                gate.done(i, result.is_err().then_some(c.name.as_str()));
            }
            result
        }
    }))
    .await;
    let outcomes: Vec<Outcome> = results.iter().map(|r| outcome(command, r)).collect();
    let failures: Vec<(&Cluster, &Error)> = clusters
        .iter()
        .zip(&results)
        .zip(&outcomes)
        .filter(|(_, o)| matches!(o, Outcome::Refused | Outcome::Failed))
        .filter_map(|((c, r), _)| r.as_ref().err().map(|e| (c, e)))
        .collect();
    for (cluster, err) in &failures {
        eprintln!("[{}] error: {err}", cluster.name);
    }
    for ((cluster, result), _) in clusters
        .iter()
        .zip(&results)
        .zip(&outcomes)
        .filter(|(_, o)| **o == Outcome::Nothing)
    {
        if let Err(err) = result {
            eprintln!("[{}] {}", cluster.name, err.message);
        }
    }
    // No cluster had anything to abort: that is the user's mistake (exit 2).
    if outcomes.iter().all(|o| *o == Outcome::Nothing)
        && let Some(Err(first)) = results.first()
    {
        return Err(first.clone());
    }
    let undone = undone(command, &outcomes);
    let mut unaborted = Vec::new();
    if !failures.is_empty() && command != "abort" && !change.dry_run {
        let names: Vec<&str> = failures.iter().map(|(c, _)| c.name.as_str()).collect();
        let to_undo: Vec<Cluster> = clusters
            .iter()
            .zip(&undone)
            .filter(|(_, undo)| **undo)
            .map(|(c, _)| c.clone())
            .collect();
        match change.on_failure {
            // Nothing of this command is anywhere: nothing to abort.
            OnFailure::Abort if to_undo.is_empty() => {}
            OnFailure::Abort => {
                eprintln!(
                    "{command} failed on {}: aborting the rollout on every cluster",
                    names.join(", ")
                );
                let reason = format!("{command} failed on {}", names.join(", "));
                let clusters = to_undo;
                let aborted = join_all(clusters.iter().map(|c| {
                    let global = global_for(global, c);
                    let change = for_cluster(c);
                    let reason = reason.clone();
                    async move {
                        let conn = Connection::open(&global.target()).await?;
                        super::abort::abort(&conn, deployment, Some(&reason), &change)
                            .await
                            .map(|_| ())
                    }
                }))
                .await;
                unaborted = abort_failures(&clusters, &aborted);
            }
            OnFailure::Pause => {
                eprintln!(
                    "{command} failed on {}: the other clusters are left where they are",
                    names.join(", ")
                );
            }
        }
    }
    let unseen = match shown.is_empty() {
        true => Vec::new(),
        false => summary(global, shown, deployment, false).await?,
    };
    match failures.first() {
        // Done everywhere, as far as the command saw; a cluster it could
        // not look at afterwards has an outcome nobody knows.
        None => all_seen(unseen, shown.len()).map_err(|e| Error {
            message: format!("{command} was done on every cluster, but {}", e.message),
            ..e
        }),
        Some((_, first)) => {
            let kind = match first.kind {
                Kind::OutputClosed => Kind::Failed,
                // A rollout left half aborted is an error, whatever began it.
                _ if !unaborted.is_empty() => Kind::Failed,
                kind => kind,
            };
            let mut message = format!(
                "{command} failed on {} of {} clusters: {}",
                failures.len(),
                clusters.len(),
                failures
                    .iter()
                    .map(|(c, e)| format!("{} ({})", c.name, e.message))
                    .collect::<Vec<_>>()
                    .join("; ")
            );
            if !unaborted.is_empty() {
                message.push_str(&format!("; the abort failed on {}", unaborted.join("; ")));
            }
            Err(Error::new(kind, message))
        }
    }
}

/// How one cluster's part of a command across clusters ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    Done,
    /// An abort found no rollout there.
    Nothing,
    /// Refused before anything changed there (exit 2).
    Refused,
    Failed,
}

fn outcome(command: &str, result: &Result<()>) -> Outcome {
    match result {
        Ok(()) => Outcome::Done,
        Err(e) if command == "abort" && super::abort::nothing_to_abort(e) => Outcome::Nothing,
        Err(e) if e.kind == Kind::Invalid => Outcome::Refused,
        Err(_) => Outcome::Failed,
    }
}

/// Which clusters the abort after a failure undoes: every one, but a
/// start undoes only its own: where it was refused, nothing of it is
/// there, and a rollout in progress there is someone else's.
fn undone(command: &str, outcomes: &[Outcome]) -> Vec<bool> {
    outcomes
        .iter()
        .map(|o| !(command == "start" && *o == Outcome::Refused))
        .collect()
}

/// The clusters whose abort failed, each with the reason, each also said
/// on stderr as it is found.
pub fn abort_failures(clusters: &[Cluster], aborted: &[Result<()>]) -> Vec<String> {
    clusters
        .iter()
        .zip(aborted)
        .filter_map(|(c, result)| {
            let err = result.as_ref().err()?;
            eprintln!("[{}] abort failed: {err}", c.name);
            Some(format!("{} ({})", c.name, err.message))
        })
        .collect()
}

#[derive(Debug, Serialize)]
struct Row {
    cluster: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    status: Option<StatusReport>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
    #[serde(skip)]
    kind: Option<Kind>,
}

/// Where the rollout stands on every cluster: a row each, or a JSON array;
/// `with_freezes` (status): and the freezes that hold on each. Returns the
/// clusters it could not see, each with the reason.
pub async fn summary(
    global: &GlobalArgs,
    clusters: &[Cluster],
    deployment: &str,
    with_freezes: bool,
) -> Result<Vec<(Kind, String)>> {
    let rows = join_all(clusters.iter().map(|c| async move {
        let global = global_for(global, c);
        let looked = async {
            let conn = Connection::open(&global.target()).await?;
            let observed = observe(&conn, deployment).await?;
            let mut status = report(deployment, &conn.namespace, &observed);
            if with_freezes {
                let found = super::freeze::freezes(&global, &conn).await?;
                found.warn();
                status.freezes = found.freezes;
            }
            Ok::<_, Error>(status)
        };
        match looked.await {
            Ok(status) => Row {
                cluster: c.name.clone(),
                status: Some(status),
                error: None,
                kind: None,
            },
            Err(e) => Row {
                cluster: c.name.clone(),
                status: None,
                error: Some(e.message),
                kind: Some(e.kind),
            },
        }
    }))
    .await;
    let unseen = rows
        .iter()
        .filter_map(|r| Some((r.kind?, format!("{} ({})", r.cluster, r.error.as_ref()?))))
        .collect();
    global.ui().print(&rows, |rows, _| {
        let mut t = table(&[
            "cluster",
            "phase",
            "step",
            "traffic",
            "contender",
            "incumbent",
        ]);
        for row in rows {
            match (&row.status, &row.error) {
                (Some(s), _) => t.add_row(vec![
                    row.cluster.clone(),
                    s.phase.as_str().to_string(),
                    format!("{}/{}", s.step.index, s.step.total),
                    format!("{} to the contender", percent(s.traffic.contender)),
                    format!(
                        "{}/{}",
                        s.capacity.contender.ready, s.capacity.contender.desired
                    ),
                    format!(
                        "{}/{}",
                        s.capacity.incumbent.ready, s.capacity.incumbent.desired
                    ),
                ]),
                (None, error) => t.add_row(vec![
                    row.cluster.clone(),
                    format!("unknown: {}", error.clone().unwrap_or_default()),
                ]),
            };
        }
        let ready = rows.iter().filter(|r| r.status.is_some()).count();
        let mut text = format!(
            "{}\n{ready} of {} clusters answered\n",
            render(&t).trim_end(),
            rows.len()
        );
        for row in rows {
            for freeze in row.status.iter().flat_map(|s| &s.freezes) {
                text.push_str(&format!("{}: {}\n", row.cluster, freeze.describe()));
            }
        }
        text
    })?;
    Ok(unseen)
}

/// `status` across clusters: a cluster whose rollout cannot be seen makes
/// the answer incomplete, and a pipeline gating on it must not read
/// success.
/// The exit code is the first cluster's error's, an unreachable one first.
fn all_seen(unseen: Vec<(Kind, String)>, of: usize) -> Result<()> {
    let Some(first) = unseen.first() else {
        return Ok(());
    };
    let kind = match unseen.iter().any(|(k, _)| *k == Kind::Unreachable) {
        true => Kind::Unreachable,
        false => first.0,
    };
    let named: Vec<&str> = unseen.iter().map(|(_, s)| s.as_str()).collect();
    Err(Error::new(
        kind,
        format!(
            "the rollout could not be seen on {} of {of} clusters: {}",
            unseen.len(),
            named.join("; ")
        ),
    ))
}

/// Runs a command on several clusters when it names them; `None` when it
/// is for one cluster.
pub async fn dispatch(cli: &Cli) -> Option<Result<()>> {
    let global = &cli.global;
    let frozen = match &cli.command {
        Command::Start(args) => Some((FrozenCommand::Start, &args.rollout.change)),
        Command::Step(args) => Some((FrozenCommand::Step, &args.change)),
        Command::Promote(args) => Some((FrozenCommand::Promote, &args.change)),
        Command::Run(args) => Some((FrozenCommand::Run, &args.change)),
        _ => None,
    };
    if let Some((command, change)) = frozen.filter(|(_, c)| c.clusters.is_set())
        && let Err(e) = check_freezes(global, command, change).await
    {
        return Some(Err(e));
    }
    let result = match &cli.command {
        Command::Start(args)
            if args.rollout.change.clusters.is_set()
                && args.rollout.change.clusters.waves.is_some()
                && args.rollout.auto =>
        {
            automated_waves(
                global,
                &args.rollout.change,
                &args.deployment,
                Some(args),
                &args.rollout.automation,
                false,
            )
            .await
        }
        Command::Run(args)
            if args.change.clusters.is_set() && args.change.clusters.waves.is_some() =>
        {
            automated_waves(
                global,
                &args.change,
                &args.deployment,
                None,
                &args.automation,
                args.force,
            )
            .await
        }
        Command::Start(args)
            if args.rollout.change.clusters.is_set()
                && args.rollout.change.clusters.waves.is_some() =>
        {
            // Waves: only the first region starts; `step` carries the rollout
            // on to the next region once this one is promoted.
            let all = match selected(global, &args.rollout.change.clusters) {
                Ok(all) => all,
                Err(e) => return Some(Err(e)),
            };
            let first = waves(&all).into_iter().next().unwrap_or_default();
            run_on(
                global,
                &args.rollout.change,
                &args.deployment,
                "start",
                &first,
                &all,
                |g, change| {
                    Box::pin(
                        async move { super::start::start(&g, args, Source::Flags, &change).await },
                    )
                },
            )
            .await
        }
        Command::Step(args)
            if args.change.clusters.is_set() && args.change.clusters.waves.is_some() =>
        {
            step_in_waves(global, args).await
        }
        Command::Start(args) if args.rollout.change.clusters.is_set() => {
            if args.rollout.interactive {
                return Some(Err(Error::invalid("--interactive drives one cluster")
                    .with_hint("across clusters, step them with `kubectl ramp step DEPLOYMENT --clusters ...`")));
            }
            let all = match selected(global, &args.rollout.change.clusters) {
                Ok(all) => all,
                Err(e) => return Some(Err(e)),
            };
            // An automated rollout sums up once, at its end.
            let shown: &[Cluster] = if args.rollout.auto { &[] } else { &all };
            let started = run_on(
                global,
                &args.rollout.change,
                &args.deployment,
                "start",
                &all,
                shown,
                |g, change| {
                    Box::pin(
                        async move { super::start::start(&g, args, Source::Flags, &change).await },
                    )
                },
            )
            .await;
            match (started, args.rollout.auto) {
                (Ok(()), true) => {
                    match super::run::settings(
                        None,
                        &args.rollout.automation,
                        args.rollout.change.notify.as_ref(),
                        every_cluster_has_prometheus(&all),
                    ) {
                        Ok(automation) => {
                            automated(
                                global,
                                &args.rollout.change,
                                &args.deployment,
                                automation,
                                false,
                            )
                            .await
                        }
                        Err(e) => Err(e),
                    }
                }
                (started, _) => started,
            }
        }
        Command::Run(args) if args.change.clusters.is_set() => run_many(global, args).await,
        Command::Step(args) if args.change.clusters.is_set() => {
            if args.interactive {
                return Some(Err(Error::invalid("--interactive drives one cluster")));
            }
            // Lock-step: clusters left behind catch up before any goes on.
            let to = match &args.to {
                Some(to) => Some(to.clone()),
                None => match lagging_target(global, &args.change.clusters, &args.deployment).await
                {
                    Ok(target) => target.map(|t| t.to_string()),
                    Err(e) => return Some(Err(e)),
                },
            };
            run(
                global,
                &args.change,
                &args.deployment,
                "step",
                |g, change| {
                    let to = to.clone();
                    Box::pin(
                        async move { super::step::exec(&g, args, to.as_deref(), &change).await },
                    )
                },
            )
            .await
        }
        Command::Promote(args) if args.change.clusters.is_set() => {
            run(
                global,
                &args.change,
                &args.deployment,
                "promote",
                |g, change| Box::pin(async move { super::promote::exec(&g, args, &change).await }),
            )
            .await
        }
        Command::Abort(args) if args.change.clusters.is_set() => {
            run(
                global,
                &args.change,
                &args.deployment,
                "abort",
                |g, change| Box::pin(async move { super::abort::exec(&g, args, &change).await }),
            )
            .await
        }
        Command::Status(args) if args.clusters.is_set() && args.watch => Err(Error::invalid(
            "status --wait follows the rollout on one cluster, and --clusters names several",
        )
        .with_hint(
            "wait on each cluster with --context CONTEXT, or leave out --wait for their summary",
        )),
        Command::Status(args) if args.clusters.is_set() => match selected(global, &args.clusters) {
            Ok(clusters) => summary(global, &clusters, &args.deployment, true)
                .await
                .and_then(|unseen| all_seen(unseen, clusters.len())),
            Err(e) => Err(e),
        },
        _ => return None,
    };
    Some(result)
}

/// Refuses (exit 2), before any cluster changes, when a freeze holds the
/// command back on one of the selected clusters. An override is left to
/// each cluster's command, which records it.
async fn check_freezes(
    global: &GlobalArgs,
    command: FrozenCommand,
    change: &ChangeArgs,
) -> Result<()> {
    if change.override_freeze.is_some() {
        return Ok(());
    }
    let clusters = selected(global, &change.clusters)?;
    let options = Change::of(change);
    let gates = join_all(clusters.iter().map(|c| {
        let options = options.for_cluster(&c.name);
        async move {
            let global = global_for(global, c);
            let conn = Connection::open(&global.target()).await?;
            super::freeze::gate(&global, &conn, command, &options)
                .await
                .map(|_| ())
        }
    }))
    .await;
    // Only the refusals: a cluster that cannot be asked is left to the
    // command itself, which reports it as it reports any failure there.
    let refused: Vec<String> = clusters
        .iter()
        .zip(gates)
        .filter_map(|(c, gate)| match gate {
            Err(e) if e.kind == Kind::Invalid => Some(format!("{}: {}", c.name, e.message)),
            _ => None,
        })
        .collect();
    match refused.is_empty() {
        true => Ok(()),
        false => Err(Error::invalid(refused.join("; ")).with_hint(
            "wait for the freeze to end, lift it with `kubectl ramp unfreeze --context CONTEXT`, \
             or pass --override-freeze REASON (recorded); `kubectl ramp abort` is never frozen",
        )),
    }
}

/// Drives an automated rollout on every selected cluster in lock-step, then
/// prints the summary.
async fn automated(
    global: &GlobalArgs,
    change: &ChangeArgs,
    deployment: &str,
    automation: Automation,
    force: bool,
) -> Result<()> {
    let clusters = selected(global, &change.clusters)?;
    let members = members(global, change, &clusters, force).await?;
    let driven = super::run::drive(members, deployment, automation, None).await;
    summary(global, &clusters, deployment, false).await?;
    driven.map(|_| ())
}

/// The driver's members for `clusters`: a connection each, and each
/// cluster's own metrics; with --on-failure pause, a failed analysis leaves
/// them paused.
async fn members(
    global: &GlobalArgs,
    change: &ChangeArgs,
    clusters: &[Cluster],
    force: bool,
) -> Result<Vec<super::run::Member>> {
    let registry = Registry::load()?;
    let mut members = Vec::new();
    for c in clusters {
        let mut options = Change::of(change)
            .for_registered(&registry, c)
            .forcing(force);
        options.hold_on_failure = change.on_failure == OnFailure::Pause;
        let global = global_for(global, c);
        let conn = Connection::open(&global.target())
            .await
            .map_err(|e| Error {
                message: format!("{}: {}", c.name, e.message),
                ..e
            })?;
        members.push(super::run::Member {
            label: Some(c.name.clone()),
            conn,
            change: options,
            freeze_namespace: super::freeze::cluster_namespace(&global),
        });
    }
    Ok(members)
}

/// Whether the clusters file gives every one of `clusters` a Prometheus.
fn every_cluster_has_prometheus(clusters: &[Cluster]) -> bool {
    Registry::load().is_ok_and(|registry| {
        clusters
            .iter()
            .all(|c| registry.metrics_of(c).prometheus.is_some())
    })
}

/// `run --clusters ...`: the automation settings kept in the first
/// cluster's record, with the flags on top.
async fn run_many(global: &GlobalArgs, args: &RunArgs) -> Result<()> {
    let clusters = selected(global, &args.change.clusters)?;
    let first = &clusters[0];
    let conn = Connection::open(&global_for(global, first).target()).await?;
    let loaded = super::load(&conn, &args.deployment).await?;
    let record = super::in_progress(&args.deployment, loaded.record.as_ref())?;
    let automation = super::run::settings(
        record.automation,
        &args.automation,
        args.change.notify.as_ref(),
        every_cluster_has_prometheus(&clusters),
    )?;
    for c in &clusters {
        let global = global_for(global, c);
        let conn = Connection::open(&global.target()).await?;
        let loaded = super::load(&conn, &args.deployment).await?;
        let change = Change::of(&args.change).for_cluster(&c.name);
        super::run::pass_freeze(&global, &conn, &args.deployment, &change, loaded).await?;
    }
    automated(
        global,
        &args.change,
        &args.deployment,
        automation,
        args.force,
    )
    .await
}

/// `start --auto --waves region` and `run --waves region`: region after
/// region, each driven by itself (its clusters in lock-step, each cluster's
/// checks on its own metrics) to its promotion before the next starts with
/// the same pod template and steps. A region rolled back stops the waves;
/// the report at the end says where each cluster stands.
async fn automated_waves(
    global: &GlobalArgs,
    change: &ChangeArgs,
    deployment: &str,
    start: Option<&StartArgs>,
    flags: &crate::cli::AutomationArgs,
    force: bool,
) -> Result<()> {
    if change.dry_run {
        // As for `run`: what the waves do depends on metrics only time
        // brings.
        return Err(Error::invalid(
            "--auto and run with --waves region do not take --dry-run: they drive the rollout for real, over time",
        )
        .with_hint("rehearse the start with `kubectl ramp start ... --waves region --dry-run`, without --auto"));
    }
    if flags.no_promote {
        return Err(Error::invalid(
            "--no-promote leaves the last step to a person, and --waves region goes on to the next region only after a promotion",
        )
        .with_hint("leave out one of them; `kubectl ramp step DEPLOYMENT --waves region` steps region by region by hand"));
    }
    let all = selected(global, &change.clusters)?;
    let regions = waves(&all);
    let mut template = None;
    let driven = async {
        if let Some(args) = start {
            run_on(
                global,
                change,
                deployment,
                "start",
                &regions[0],
                &[],
                |g, change| {
                    Box::pin(
                        async move { super::start::start(&g, args, Source::Flags, &change).await },
                    )
                },
            )
            .await?;
        }
        if start.is_none() && change.override_freeze.is_some() {
            record_overrides(global, change, deployment, &all).await?;
        }
        drive_waves(
            global,
            change,
            deployment,
            flags,
            force,
            &regions,
            &mut template,
        )
        .await
    }
    .await;
    waves_summary(global, &regions, deployment, template.as_ref()).await?;
    driven
}

/// `run --override-freeze`: the override written into the record of every
/// cluster with a rollout under way, and posted as an Event there.
async fn record_overrides(
    global: &GlobalArgs,
    change: &ChangeArgs,
    deployment: &str,
    clusters: &[Cluster],
) -> Result<()> {
    for c in clusters {
        let global = global_for(global, c);
        let conn = Connection::open(&global.target()).await?;
        let loaded = super::load(&conn, deployment).await?;
        if super::in_progress(deployment, loaded.record.as_ref()).is_err() {
            continue;
        }
        let change = Change::of(change).for_cluster(&c.name);
        super::run::pass_freeze(&global, &conn, deployment, &change, loaded).await?;
    }
    Ok(())
}

/// Before the driven waves start a region: while a freeze holds any of its
/// clusters (or their freezes cannot be read), the waves wait here, the
/// regions before it promoted and left as they are, and look again every
/// `interval`; they carry on once it ends. A start under a freeze would be
/// refused; the waves hold instead, as a driver holds its step.
async fn hold_before_region(
    global: &GlobalArgs,
    change: &ChangeArgs,
    targets: &[Cluster],
    region: &str,
    interval: std::time::Duration,
) {
    let at = format!("before region {region}");
    let mut held: Option<String> = None;
    loop {
        let say = held.is_none();
        let looked = join_all(targets.iter().map(|c| async move {
            let global = global_for(global, c);
            let change = Change::of(change).for_cluster(&c.name);
            let conn = match Connection::open(&global.target()).await {
                Ok(conn) => conn,
                Err(e) => {
                    return Err(format!(
                        "[{}] the freezes cannot be read ({})",
                        c.name, e.message
                    ));
                }
            };
            let namespace = super::freeze::cluster_namespace(&global);
            super::freeze::hold_or_pass(
                &conn,
                &namespace,
                FrozenCommand::Start,
                &change,
                say,
                Some(&c.name),
            )
            .await
        }))
        .await;
        let holding: Vec<String> = looked.into_iter().filter_map(Result::err).collect();
        let meanwhile = "the regions before it stay promoted";
        if !super::freeze::hold(&mut held, &holding, &at, meanwhile) {
            return;
        }
        tokio::time::sleep(interval).await;
    }
}

/// The name of a region in messages.
fn region_name(wave: &[Cluster]) -> String {
    wave.first()
        .and_then(|c| c.region.clone())
        .unwrap_or_else(|| "(none)".into())
}

async fn drive_waves(
    global: &GlobalArgs,
    change: &ChangeArgs,
    deployment: &str,
    flags: &crate::cli::AutomationArgs,
    force: bool,
    regions: &[Vec<Cluster>],
    template: &mut Option<serde_json::Value>,
) -> Result<()> {
    let mut driven: Option<usize> = None;
    loop {
        let records = records_of(global, regions, deployment).await?;
        // The rollout is the one the first region runs or ran.
        let Some(rollout) = records[0].iter().flatten().next().cloned() else {
            return Err(Error::invalid(format!(
                "the first region has no rollout of {deployment:?}"
            ))
            .with_hint("start one with `kubectl ramp start ... --waves region --auto`"));
        };
        *template = Some(rollout.contender.template.clone());
        let standings: Vec<Vec<Standing>> = records
            .iter()
            .map(|wave| {
                wave.iter()
                    .map(|r| standing(r.as_ref(), &rollout.contender.template))
                    .collect()
            })
            .collect();
        match waves::next(&standings) {
            WaveNext::Done => return Ok(()),
            WaveNext::Stopped { wave } => {
                let later: Vec<String> =
                    regions[wave + 1..].iter().map(|w| region_name(w)).collect();
                let mut message = format!(
                    "region {} was rolled back; the waves stopped there",
                    region_name(&regions[wave])
                );
                if !later.is_empty() {
                    message.push_str(&format!(" and region {} did not start", later.join(", ")));
                }
                return Err(Error::new(Kind::AnalysisFailed, message));
            }
            WaveNext::Start { wave, clusters } => {
                let targets: Vec<Cluster> =
                    clusters.iter().map(|i| regions[wave][*i].clone()).collect();
                let interval = flags.interval.unwrap_or_else(|| {
                    std::time::Duration::from_secs(
                        rollout.automation.as_ref().map_or(60, |a| a.interval),
                    )
                });
                let region = region_name(&regions[wave]);
                // Ctrl-C while it looks or waits: the driver of the region
                // before installed the process's handler.
                tokio::select! {
                    _ = hold_before_region(global, change, &targets, &region, interval) => {}
                    _ = tokio::signal::ctrl_c() => {
                        return Err(Error::interrupted(format!(
                            "the waves stopped before region {region}, the regions before it promoted; `kubectl ramp run {deployment} --waves region ...` carries on"
                        )));
                    }
                }
                eprintln!(
                    "region {}: starting, as the region before it did",
                    region_name(&regions[wave])
                );
                let start = StartArgs {
                    deployment: deployment.to_string(),
                    image: Vec::new(),
                    filename: None,
                    rollout: RolloutArgs {
                        change: change.clone(),
                        ..Default::default()
                    },
                };
                run_on(
                    global,
                    change,
                    deployment,
                    "start",
                    &targets,
                    &[],
                    |g, change| {
                        let (start, rollout) = (&start, &rollout);
                        Box::pin(async move {
                            super::start::start(&g, start, Source::Wave(rollout), &change).await
                        })
                    },
                )
                .await?;
            }
            WaveNext::Drive { wave, clusters } => {
                let region = region_name(&regions[wave]);
                if driven == Some(wave) {
                    // The driver ended without a promotion: someone paused
                    // it, and it stays where it is.
                    eprintln!(
                        "region {region} stays where it is; `kubectl ramp run {deployment} --waves region ...` carries on"
                    );
                    return Ok(());
                }
                driven = Some(wave);
                let targets: Vec<Cluster> =
                    clusters.iter().map(|i| regions[wave][*i].clone()).collect();
                let automation = super::run::settings(
                    rollout.automation.clone(),
                    flags,
                    change.notify.as_ref(),
                    every_cluster_has_prometheus(&targets),
                )?;
                eprintln!(
                    "region {region}: driving {}",
                    targets
                        .iter()
                        .map(|c| c.name.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                );
                let members = members(global, change, &targets, force).await?;
                super::run::drive(members, deployment, automation, None)
                    .await
                    .map_err(|e| {
                        let later: Vec<String> =
                            regions[wave + 1..].iter().map(|w| region_name(w)).collect();
                        let rest = match later.is_empty() {
                            true => String::new(),
                            false => format!("; region {} did not start", later.join(", ")),
                        };
                        Error {
                            message: format!("region {region}: {}{rest}", e.message),
                            ..e
                        }
                    })?;
            }
        }
    }
}

/// The record of every cluster, region by region.
async fn records_of(
    global: &GlobalArgs,
    regions: &[Vec<Cluster>],
    deployment: &str,
) -> Result<Vec<Vec<Option<Record>>>> {
    let mut all = Vec::new();
    for wave in regions {
        let records = join_all(wave.iter().map(|c| async move {
            let conn = Connection::open(&global_for(global, c).target()).await?;
            super::load(&conn, deployment)
                .await
                .map(|l| l.record)
                .map_err(|e| Error {
                    message: format!("{}: {}", c.name, e.message),
                    ..e
                })
        }))
        .await
        .into_iter()
        .collect::<Result<Vec<_>>>()?;
        all.push(records);
    }
    Ok(all)
}

#[derive(Debug, Serialize)]
struct WaveRow {
    cluster: String,
    region: Option<String>,
    /// Where the cluster stands in this rollout: not_started, in_progress,
    /// promoted, rolled_back, or unknown when it could not be read (`error`
    /// says why).
    rollout: Option<Standing>,
    #[serde(skip_serializing_if = "Option::is_none")]
    status: Option<StatusReport>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
}

/// Where the rollout stands on every cluster, region by region: a row
/// each, or a JSON array.
async fn waves_summary(
    global: &GlobalArgs,
    regions: &[Vec<Cluster>],
    deployment: &str,
    template: Option<&serde_json::Value>,
) -> Result<()> {
    let clusters: Vec<&Cluster> = regions.iter().flatten().collect();
    let rows = join_all(clusters.iter().map(|c| async move {
        let global = global_for(global, c);
        let looked = async {
            let conn = Connection::open(&global.target()).await?;
            let observed = observe(&conn, deployment).await?;
            let standing = template.map(|t| standing(observed.record.as_ref(), t));
            Ok::<_, Error>((standing, report(deployment, &conn.namespace, &observed)))
        };
        match looked.await {
            Ok((standing, status)) => WaveRow {
                cluster: c.name.clone(),
                region: c.region.clone(),
                rollout: standing,
                status: Some(status),
                error: None,
            },
            Err(e) => WaveRow {
                cluster: c.name.clone(),
                region: c.region.clone(),
                rollout: Some(Standing::Unknown),
                status: None,
                error: Some(e.message),
            },
        }
    }))
    .await;
    global.ui().print(&rows, |rows, _| {
        let mut t = table(&["cluster", "region", "rollout", "phase", "step", "traffic"]);
        for row in rows {
            let rollout = row
                .rollout
                .map(|s| s.as_str().to_string())
                .unwrap_or_else(|| "-".into());
            let region = row.region.clone().unwrap_or_else(|| "-".into());
            match (&row.status, &row.error) {
                // Not started here: what an earlier rollout left is not
                // this one's.
                (Some(_), _) if row.rollout == Some(Standing::NotStarted) => {
                    t.add_row(vec![row.cluster.clone(), region, rollout])
                }
                (Some(s), _) => t.add_row(vec![
                    row.cluster.clone(),
                    region,
                    rollout,
                    s.phase.as_str().to_string(),
                    format!("{}/{}", s.step.index, s.step.total),
                    format!("{} to the contender", percent(s.traffic.contender)),
                ]),
                (None, error) => t.add_row(vec![
                    row.cluster.clone(),
                    region,
                    format!("unknown: {}", error.clone().unwrap_or_default()),
                ]),
            };
        }
        render(&t)
    })
}

/// The clusters grouped by region, regions in the order they first appear.
pub fn waves(clusters: &[Cluster]) -> Vec<Vec<Cluster>> {
    let mut waves: Vec<Vec<Cluster>> = Vec::new();
    for cluster in clusters {
        match waves.iter_mut().find(|w| w[0].region == cluster.region) {
            Some(wave) => wave.push(cluster.clone()),
            None => waves.push(vec![cluster.clone()]),
        }
    }
    waves
}

/// `step --waves region`: steps the first region that has not finished;
/// once a region is promoted, the next one starts with the same pod
/// template and steps.
async fn step_in_waves(global: &GlobalArgs, args: &StepArgs) -> Result<()> {
    let deployment = args.deployment.as_str();
    let all = selected(global, &args.change.clusters)?;
    let records = join_all(all.iter().map(|c| async move {
        let read = async {
            let conn = Connection::open(&global_for(global, c).target()).await?;
            Ok::<_, Error>(super::load(&conn, deployment).await?.record)
        };
        read.await.map_err(|e| Error {
            message: format!("{}: {}", c.name, e.message),
            ..e
        })
    }))
    .await
    .into_iter()
    .collect::<Result<Vec<_>>>()?;
    let records: Vec<(Cluster, Option<Record>)> = all.iter().cloned().zip(records).collect();
    let record_of = |c: &Cluster| {
        records
            .iter()
            .find(|(k, _)| k.name == c.name)
            .and_then(|(_, r)| r.clone())
    };
    // The rollout is the one the first region runs or ran.
    let Some(rollout) = waves(&all)
        .first()
        .and_then(|w| w.iter().find_map(&record_of))
    else {
        return Err(
            Error::invalid(format!("the first region has no rollout of {deployment:?}"))
                .with_hint("start one with `kubectl ramp start ... --waves region`"),
        );
    };
    let of_this_rollout = |r: &Option<Record>| {
        r.as_ref()
            .is_some_and(|r| r.contender.template == rollout.contender.template)
    };
    let done = |c: &Cluster| {
        let r = record_of(c);
        of_this_rollout(&r) && r.is_some_and(|r| r.phase == Phase::Succeeded)
    };
    let all_waves = waves(&all);
    let Some(wave) = all_waves.iter().find(|w| w.iter().any(|c| !done(c))) else {
        return Err(Error::invalid(format!(
            "every region has rolled out this version of {deployment:?}"
        )));
    };
    let started = wave.iter().any(|c| of_this_rollout(&record_of(c)));
    if !started {
        let region = wave[0].region.clone().unwrap_or_default();
        eprintln!("region {region}: starting, as the region before it did");
        let start = StartArgs {
            deployment: deployment.to_string(),
            image: Vec::new(),
            filename: None,
            rollout: RolloutArgs {
                change: args.change.clone(),
                ..Default::default()
            },
        };
        return run_on(
            global,
            &args.change,
            deployment,
            "start",
            wave,
            &all,
            |g, change| {
                let (start, rollout) = (&start, &rollout);
                Box::pin(async move {
                    super::start::start(&g, start, Source::Wave(rollout), &change).await
                })
            },
        )
        .await;
    }
    // Within the region, lock-step, and only the clusters not yet done.
    let targets: Vec<Cluster> = wave.iter().filter(|c| !done(c)).cloned().collect();
    let to = match &args.to {
        Some(to) => Some(to.clone()),
        None => lagging_target_of(global, &targets, deployment)
            .await?
            .map(|t| t.to_string()),
    };
    run_on(
        global,
        &args.change,
        deployment,
        "step",
        &targets,
        &all,
        |g, change| {
            let to = to.clone();
            Box::pin(async move { super::step::exec(&g, args, to.as_deref(), &change).await })
        },
    )
    .await
}

/// When the selected clusters stand at different steps, the step the ones
/// behind must reach first (the furthest one's); `None` when all are level.
async fn lagging_target(
    global: &GlobalArgs,
    selection: &ClusterSelection,
    deployment: &str,
) -> Result<Option<usize>> {
    lagging_target_of(global, &selected(global, selection)?, deployment).await
}

async fn lagging_target_of(
    global: &GlobalArgs,
    clusters: &[Cluster],
    deployment: &str,
) -> Result<Option<usize>> {
    let steps = join_all(clusters.iter().map(|c| async move {
        let conn = Connection::open(&global_for(global, c).target()).await?;
        let loaded = super::load(&conn, deployment).await?;
        Ok::<_, Error>(
            loaded
                .record
                .filter(|r| matches!(r.phase, crate::rollout::record::Phase::Paused))
                .map(|r| r.step),
        )
    }))
    .await;
    let steps: Vec<usize> = steps.into_iter().filter_map(|s| s.ok().flatten()).collect();
    let (Some(low), Some(high)) = (steps.iter().min(), steps.iter().max()) else {
        return Ok(None);
    };
    Ok((low != high).then_some(*high))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failure_elsewhere_undoes_only_what_this_command_began() {
        use Outcome::*;
        let cases = [
            (
                "start",
                vec![Done, Refused, Failed],
                vec![true, false, true],
            ),
            ("start", vec![Done, Done], vec![true, true]),
            // A step or a promotion moves one rollout across clusters:
            // where it was refused, that rollout is still aborted.
            ("step", vec![Done, Refused], vec![true, true]),
            ("promote", vec![Failed, Done], vec![true, true]),
        ];
        for (command, outcomes, want) in cases {
            assert_eq!(undone(command, &outcomes), want, "{command} {outcomes:?}");
        }
    }

    #[test]
    fn an_abort_that_finds_nothing_on_a_cluster_is_no_failure() {
        let nothing = Err(Error::invalid(
            "deployment \"web\" has no rollout in progress; there is nothing to abort",
        ));
        let succeeded = Err(Error::invalid(
            "the rollout of \"web\" already succeeded; there is nothing to abort",
        ));
        let bad = Err(Error::invalid("--reason holds a control character"));
        let cases = [
            ("abort", &nothing, Outcome::Nothing),
            ("abort", &succeeded, Outcome::Nothing),
            ("abort", &bad, Outcome::Refused),
            ("abort", &Ok(()), Outcome::Done),
            ("step", &nothing, Outcome::Refused),
            (
                "abort",
                &Err(Error::failed("cannot reach")),
                Outcome::Failed,
            ),
        ];
        for (command, result, want) in cases {
            assert_eq!(outcome(command, result), want, "{command} {result:?}");
        }
    }
}
