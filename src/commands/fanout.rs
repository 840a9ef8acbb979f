//! One command on several registered clusters at once (`--clusters`,
//! `--region`, `--capability`, `--all-clusters`). Each cluster keeps its own
//! record; the clusters are worked on in parallel; when one fails the
//! rollout is aborted everywhere (or, with --on-failure pause, the others
//! are left where they are), and a summary says where each cluster is.

use futures::future::{LocalBoxFuture, join_all};
use serde::Serialize;

use super::Change;
use super::start::Asked;
use crate::cli::{
    AbortArgs, ChangeArgs, ClusterSelection, GlobalArgs, OnFailure, PromoteArgs, RunArgs,
    StartArgs, StepArgs,
};
use crate::clusters::registry::{Cluster, Registry};
use crate::connect::Target;
use crate::engine::change::Gate;
use crate::engine::fleet::{self, Fleet, Outcome, Place, undone};
use crate::engine::observe::observe;
use crate::error::{Error, Kind, Result};
use crate::rollout::freeze::Command as FrozenCommand;
use crate::rollout::record::{Automation, Phase, Record};
use crate::rollout::waves::{self, Next as WaveNext, Standing, standing};
use crate::ui::status::report;
use crate::ui::status::{StatusReport, percent};
use crate::ui::{render, table};

/// The fleet the flags name: the cluster of --context (and kubectl's other
/// flags) alone, or the registered clusters `change.clusters` selects,
/// each with the options for it.
pub fn fleet(global: &GlobalArgs, change: &ChangeArgs) -> Result<Fleet> {
    fleet_of(global, &change.clusters, Change::of(change))
}

/// `fleet`, for a selection and options of any command.
pub fn fleet_of(
    global: &GlobalArgs,
    selection: &ClusterSelection,
    options: Change,
) -> Result<Fleet> {
    if !selection.is_set() {
        let target = global.target();
        let freezes = super::freeze::cluster_namespace(&target);
        return Ok(Fleet::one(Place::new(None, target, freezes, options)));
    }
    let registry = Registry::load()?;
    let places = selected(global, &registry, selection)?
        .into_iter()
        .map(|cluster| {
            let target = target_of(global, &cluster);
            let freezes = super::freeze::cluster_namespace(&target);
            let options = options.for_registered(&registry, &cluster);
            Place::new(Some(cluster), target, freezes, options)
        })
        .collect();
    Ok(Fleet { places })
}

/// Where one registered cluster is: its context (and kubeconfig, when the
/// clusters file names one), with the rest of kubectl's flags as given.
pub fn target_of(global: &GlobalArgs, cluster: &Cluster) -> Target {
    Target {
        context: Some(cluster.context.clone()),
        kubeconfig: cluster
            .kubeconfig
            .clone()
            .or_else(|| global.kubeconfig.clone()),
        ..global.target()
    }
}

/// The clusters a selection names, each checked to be a context of its
/// kubeconfig before anything is read or written on any of them.
fn selected(
    global: &GlobalArgs,
    registry: &Registry,
    selection: &ClusterSelection,
) -> Result<Vec<Cluster>> {
    let clusters = registry.select(
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

/// The name of a place in messages: its cluster's.
fn name(place: &Place) -> &str {
    place.name().unwrap_or_default()
}

/// One command's work on several places: what it is, where, and what the
/// summary at the end shows.
struct Across<'a> {
    fleet: &'a Fleet,
    change: &'a ChangeArgs,
    deployment: &'a str,
    command: FrozenCommand,
}

/// Runs `work` on the places `targets`, handles a failure as asked, and
/// prints the summary of the places `shown`.
async fn run_on<'a>(
    global: &GlobalArgs,
    across: &Across<'a>,
    targets: &[usize],
    shown: &[usize],
    work: impl Fn(&'a Place, Change) -> LocalBoxFuture<'a, Result<()>>,
) -> Result<()> {
    let Across {
        fleet,
        change,
        deployment,
        command,
    } = *across;
    let places: Vec<&'a Place> = fleet.at(targets).collect();
    let starting = command == FrozenCommand::Start;
    // A start writes nowhere before every cluster could start.
    let gate = (starting && !change.dry_run && places.len() > 1).then(|| Gate::new(places.len()));
    let results = join_all(places.iter().enumerate().map(|(i, place)| {
        let mut options = place.change.clone();
        options.gate = gate.clone().map(|g| (g, i));
        let gate = gate.clone();
        let done = work(place, options);
        async move {
            let result = done.await;
            if let Some(gate) = gate {
                gate.done(i, result.is_err().then_some(name(place)));
            }
            result
        }
    }))
    .await;
    let outcomes: Vec<Outcome> = results.iter().map(|r| outcome(command, r)).collect();
    let failures: Vec<(&Place, &Error)> = places
        .iter()
        .zip(&results)
        .zip(&outcomes)
        .filter(|(_, o)| matches!(o, Outcome::Refused | Outcome::Failed))
        .filter_map(|((p, r), _)| r.as_ref().err().map(|e| (*p, e)))
        .collect();
    say_failures(&places, &results, &outcomes);
    // No cluster had anything to abort: that is the user's mistake (exit 2).
    if outcomes.iter().all(|o| *o == Outcome::Nothing)
        && let Some(Err(first)) = results.first()
    {
        return Err(first.clone());
    }
    let mut unaborted = Vec::new();
    if !failures.is_empty() && command != FrozenCommand::Abort && !change.dry_run {
        let to_undo: Vec<&Place> = places
            .iter()
            .zip(undone(starting, &outcomes))
            .filter(|(_, undo)| *undo)
            .map(|(p, _)| *p)
            .collect();
        unaborted =
            after_failure(change.on_failure, command, deployment, &failures, &to_undo).await;
    }
    let unseen = match shown.is_empty() {
        true => Vec::new(),
        false => summary(global, fleet, shown, deployment, false).await?,
    };
    let failed: Vec<(&str, &Error)> = failures.iter().map(|(p, e)| (name(p), *e)).collect();
    ended(
        command,
        places.len(),
        &failed,
        &unaborted,
        unseen,
        shown.len(),
    )
}

/// How a command across clusters ends, for its exit code: done when it
/// failed nowhere (and every shown cluster could be seen afterwards);
/// else an error naming each failure (`failed`: the cluster and its
/// error, of `of` clusters), and each abort that failed after it.
fn ended(
    command: FrozenCommand,
    of: usize,
    failed: &[(&str, &Error)],
    unaborted: &[String],
    unseen: Vec<(Kind, String)>,
    shown: usize,
) -> Result<()> {
    let Some((_, first)) = failed.first() else {
        // Done everywhere, as far as the command saw; a cluster it could
        // not look at afterwards has an outcome nobody knows.
        return all_seen(unseen, shown).map_err(|e| Error {
            message: format!(
                "{} was done on every cluster, but {}",
                command.as_str(),
                e.message
            ),
            ..e
        });
    };
    let kind = match first.kind {
        Kind::OutputClosed => Kind::Failed,
        // A rollout left half aborted is an error, whatever began it.
        _ if !unaborted.is_empty() => Kind::Failed,
        kind => kind,
    };
    let mut message = format!(
        "{} failed on {} of {of} clusters: {}",
        command.as_str(),
        failed.len(),
        failed
            .iter()
            .map(|(name, e)| format!("{name} ({})", e.message))
            .collect::<Vec<_>>()
            .join("; ")
    );
    if !unaborted.is_empty() {
        message.push_str(&format!("; the abort failed on {}", unaborted.join("; ")));
    }
    Err(Error::new(kind, message))
}

/// Each place's failure on stderr, then each that had nothing to abort.
fn say_failures(places: &[&Place], results: &[Result<()>], outcomes: &[Outcome]) {
    let each = || places.iter().zip(results).zip(outcomes);
    for ((place, result), outcome) in each() {
        if let (Err(err), Outcome::Refused | Outcome::Failed) = (result, outcome) {
            eprintln!("[{}] error: {err}", name(place));
        }
    }
    for ((place, result), outcome) in each() {
        if let (Err(err), Outcome::Nothing) = (result, outcome) {
            eprintln!("[{}] {}", name(place), err.message);
        }
    }
}

/// After `command` failed on some places: aborts the rollout on the
/// places `to_undo`, or, with --on-failure pause, leaves every place where
/// it is. The places whose abort failed, each with the reason.
async fn after_failure(
    on_failure: OnFailure,
    command: FrozenCommand,
    deployment: &str,
    failures: &[(&Place, &Error)],
    to_undo: &[&Place],
) -> Vec<String> {
    let names: Vec<&str> = failures.iter().map(|(p, _)| name(p)).collect();
    let command = command.as_str();
    match on_failure {
        // Nothing of this command is anywhere: nothing to abort.
        OnFailure::Abort if to_undo.is_empty() => Vec::new(),
        OnFailure::Abort => {
            eprintln!(
                "{command} failed on {}: aborting the rollout on every cluster",
                names.join(", ")
            );
            let reason = format!("{command} failed on {}", names.join(", "));
            let aborted = join_all(to_undo.iter().map(|place| {
                let reason = reason.clone();
                async move {
                    let conn = place.conn().await?;
                    crate::ops::abort::abort(conn, deployment, Some(&reason), &place.change)
                        .await
                        .map(|_| ())
                }
            }))
            .await;
            abort_failures(to_undo, &aborted)
        }
        OnFailure::Pause => {
            eprintln!(
                "{command} failed on {}: the other clusters are left where they are",
                names.join(", ")
            );
            Vec::new()
        }
    }
}

fn outcome(command: FrozenCommand, result: &Result<()>) -> Outcome {
    match result {
        Ok(()) => Outcome::Done,
        Err(e) if command == FrozenCommand::Abort && crate::ops::abort::nothing_to_abort(e) => {
            Outcome::Nothing
        }
        Err(e) if e.kind == Kind::Invalid => Outcome::Refused,
        Err(_) => Outcome::Failed,
    }
}

/// The places whose abort failed, each with the reason, each also said on
/// stderr as it is found.
pub fn abort_failures(places: &[&Place], aborted: &[Result<()>]) -> Vec<String> {
    places
        .iter()
        .zip(aborted)
        .filter_map(|(p, result)| {
            let err = result.as_ref().err()?;
            eprintln!("[{}] abort failed: {err}", name(p));
            Some(format!("{} ({})", name(p), err.message))
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
async fn summary(
    global: &GlobalArgs,
    fleet: &Fleet,
    shown: &[usize],
    deployment: &str,
    with_freezes: bool,
) -> Result<Vec<(Kind, String)>> {
    let rows = join_all(fleet.at(shown).map(|place| async move {
        let looked = async {
            let conn = place.conn().await?;
            let observed = observe(conn, deployment).await?;
            let mut status = report(deployment, &conn.namespace, &observed);
            if with_freezes {
                let found = super::freeze::freezes(conn, &place.freeze_namespace).await?;
                found.warn();
                status.freezes = found.freezes;
            }
            Ok::<_, Error>(status)
        };
        match looked.await {
            Ok(status) => Row {
                cluster: name(place).to_string(),
                status: Some(status),
                error: None,
                kind: None,
            },
            Err(e) => Row {
                cluster: name(place).to_string(),
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
    global.ui().print(&rows, |rows, _| summary_table(rows))?;
    Ok(unseen)
}

/// The summary's rows as a table, with the freezes of each cluster after
/// it.
fn summary_table(rows: &[Row]) -> String {
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

/// `start` across clusters; with --waves region, the first region only
/// (and with --auto, region after region).
pub async fn start(global: &GlobalArgs, fleet: &Fleet, args: &StartArgs) -> Result<()> {
    let change = &args.rollout.change;
    let deployment = args.deployment.as_str();
    check_freezes(fleet, FrozenCommand::Start, change).await?;
    let waves = change.clusters.waves.is_some();
    if waves && args.rollout.auto {
        let start = Some(args);
        let flags = &args.rollout.automation;
        return automated_waves(global, fleet, change, deployment, start, flags, false).await;
    }
    let across = Across {
        fleet,
        change,
        deployment,
        command: FrozenCommand::Start,
    };
    let work = start_with(global, args);
    if waves {
        // Waves: only the first region starts; `step` carries the rollout
        // on to the next region once this one is promoted.
        let first = fleet.waves().into_iter().next().unwrap_or_default();
        return run_on(global, &across, &first, &fleet.all(), work).await;
    }
    // An automated rollout sums up once, at its end.
    let shown = match args.rollout.auto {
        true => Vec::new(),
        false => fleet.all(),
    };
    run_on(global, &across, &fleet.all(), &shown, work).await?;
    if !args.rollout.auto {
        return Ok(());
    }
    let automation = super::run::settings(
        None,
        &args.rollout.automation,
        change.notify.as_ref(),
        every_cluster_has_prometheus(fleet, &fleet.all()),
    )?;
    automated(global, fleet, change, deployment, automation, false).await
}

/// The work of `start` on one place: a start of the flags' pod template.
fn start_with<'a>(
    global: &'a GlobalArgs,
    args: &'a StartArgs,
) -> impl Fn(&'a Place, Change) -> LocalBoxFuture<'a, Result<()>> {
    move |place, change| {
        Box::pin(async move { super::start::start(global, place, &Asked::of(args), &change).await })
    }
}

/// `step` across clusters, in lock-step: clusters left behind catch up
/// before any goes on; with --waves region, the first region not done.
pub async fn step(global: &GlobalArgs, fleet: &Fleet, args: &StepArgs) -> Result<()> {
    check_freezes(fleet, FrozenCommand::Step, &args.change).await?;
    if args.change.clusters.waves.is_some() {
        return step_in_waves(global, fleet, args).await;
    }
    let all = fleet.all();
    step_on(global, fleet, args, &all, &all).await
}

/// `step` on the places `targets`, those behind first to where the
/// furthest is.
async fn step_on(
    global: &GlobalArgs,
    fleet: &Fleet,
    args: &StepArgs,
    targets: &[usize],
    shown: &[usize],
) -> Result<()> {
    let to = match &args.to {
        Some(to) => Some(to.clone()),
        None => lagging_step(fleet, targets, &args.deployment)
            .await?
            .map(|t| t.to_string()),
    };
    let across = Across {
        fleet,
        change: &args.change,
        deployment: &args.deployment,
        command: FrozenCommand::Step,
    };
    run_on(global, &across, targets, shown, |place, change| {
        let to = to.clone();
        Box::pin(
            async move { super::step::exec(global, place, args, to.as_deref(), &change).await },
        )
    })
    .await
}

/// `promote` across clusters.
pub async fn promote(global: &GlobalArgs, fleet: &Fleet, args: &PromoteArgs) -> Result<()> {
    check_freezes(fleet, FrozenCommand::Promote, &args.change).await?;
    let across = Across {
        fleet,
        change: &args.change,
        deployment: &args.deployment,
        command: FrozenCommand::Promote,
    };
    let all = fleet.all();
    run_on(global, &across, &all, &all, |place, change| {
        Box::pin(async move { super::promote::exec(global, place, args, &change).await })
    })
    .await
}

/// `abort` across clusters: never frozen.
pub async fn abort(global: &GlobalArgs, fleet: &Fleet, args: &AbortArgs) -> Result<()> {
    let across = Across {
        fleet,
        change: &args.change,
        deployment: &args.deployment,
        command: FrozenCommand::Abort,
    };
    let all = fleet.all();
    run_on(global, &across, &all, &all, |place, change| {
        Box::pin(async move { super::abort::exec(global, place, args, &change).await })
    })
    .await
}

/// `status` across clusters: a row each, and an error when one could not
/// be seen.
pub async fn status(global: &GlobalArgs, fleet: &Fleet, deployment: &str) -> Result<()> {
    let all = fleet.all();
    let unseen = summary(global, fleet, &all, deployment, true).await?;
    all_seen(unseen, all.len())
}

/// Refuses (exit 2), before any cluster changes, when a freeze holds the
/// command back on one of the selected clusters. An override is left to
/// each cluster's command, which records it.
async fn check_freezes(fleet: &Fleet, command: FrozenCommand, change: &ChangeArgs) -> Result<()> {
    if change.override_freeze.is_some() {
        return Ok(());
    }
    let gates = join_all(fleet.places.iter().map(|place| async move {
        let conn = place.conn().await?;
        super::freeze::gate(conn, &place.freeze_namespace, command, &place.change)
            .await
            .map(|_| ())
    }))
    .await;
    // Only the refusals: a cluster that cannot be asked is left to the
    // command itself, which reports it as it reports any failure there.
    let refused: Vec<String> = fleet
        .places
        .iter()
        .zip(gates)
        .filter_map(|(place, gate)| match gate {
            Err(e) if e.kind == Kind::Invalid => Some(format!("{}: {}", name(place), e.message)),
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

/// Drives an automated rollout on every place in lock-step, then prints
/// the summary.
async fn automated(
    global: &GlobalArgs,
    fleet: &Fleet,
    change: &ChangeArgs,
    deployment: &str,
    automation: Automation,
    force: bool,
) -> Result<()> {
    let all = fleet.all();
    let members = members(fleet, &all, change.on_failure, force).await?;
    let driven = super::run::drive(members, deployment, automation, None).await;
    summary(global, fleet, &all, deployment, false).await?;
    driven.map(|_| ())
}

/// The driver's members for the places `indexes`: each one's connection,
/// and each one's own metrics; with --on-failure pause, a failed analysis
/// leaves them paused.
async fn members(
    fleet: &Fleet,
    indexes: &[usize],
    on_failure: OnFailure,
    force: bool,
) -> Result<Vec<super::run::Member>> {
    let mut members = Vec::new();
    for place in fleet.at(indexes) {
        let mut options = place.change.forcing(force);
        options.hold_on_failure = on_failure == OnFailure::Pause;
        let conn = place.conn().await.map_err(|e| place.labelled(e))?;
        members.push(super::run::Member {
            label: place.name().map(str::to_string),
            conn: conn.clone(),
            change: options,
            freeze_namespace: place.freeze_namespace.clone(),
        });
    }
    Ok(members)
}

/// Whether the clusters file gives every one of the places `indexes` a
/// Prometheus.
fn every_cluster_has_prometheus(fleet: &Fleet, indexes: &[usize]) -> bool {
    fleet
        .at(indexes)
        .all(|place| place.change.metrics.prometheus.is_some())
}

/// `run` across clusters: the automation settings kept in the first
/// cluster's record, with the flags on top; with --waves region, region
/// after region.
pub async fn run(global: &GlobalArgs, fleet: &Fleet, args: &RunArgs) -> Result<()> {
    check_freezes(fleet, FrozenCommand::Run, &args.change).await?;
    let deployment = args.deployment.as_str();
    if args.change.clusters.waves.is_some() {
        let flags = &args.automation;
        return automated_waves(
            global,
            fleet,
            &args.change,
            deployment,
            None,
            flags,
            args.force,
        )
        .await;
    }
    let first = &fleet.places[0];
    let loaded = super::load(first.conn().await?, deployment).await?;
    let record = super::in_progress(deployment, loaded.record.as_ref())?;
    let automation = super::run::settings(
        record.automation,
        &args.automation,
        args.change.notify.as_ref(),
        every_cluster_has_prometheus(fleet, &fleet.all()),
    )?;
    for place in &fleet.places {
        let loaded = super::load(place.conn().await?, deployment).await?;
        super::run::pass_freeze(place, deployment, &place.change, loaded).await?;
    }
    automated(
        global,
        fleet,
        &args.change,
        deployment,
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
    fleet: &Fleet,
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
    let regions = fleet.waves();
    let mut template = None;
    let driven = async {
        if let Some(args) = start {
            let across = Across {
                fleet,
                change,
                deployment,
                command: FrozenCommand::Start,
            };
            run_on(global, &across, &regions[0], &[], start_with(global, args)).await?;
        }
        if start.is_none() && change.override_freeze.is_some() {
            record_overrides(fleet, deployment).await?;
        }
        let waves = Waves {
            fleet,
            change,
            deployment,
            flags,
            force,
            regions: &regions,
        };
        waves.drive(global, &mut template).await
    }
    .await;
    waves_summary(global, fleet, &regions, deployment, template.as_ref()).await?;
    driven
}

/// `run --override-freeze`: the override written into the record of every
/// cluster with a rollout under way, and posted as an Event there.
async fn record_overrides(fleet: &Fleet, deployment: &str) -> Result<()> {
    for place in &fleet.places {
        let loaded = super::load(place.conn().await?, deployment).await?;
        if super::in_progress(deployment, loaded.record.as_ref()).is_err() {
            continue;
        }
        super::run::pass_freeze(place, deployment, &place.change, loaded).await?;
    }
    Ok(())
}

/// Before the driven waves start a region: while a freeze holds any of its
/// clusters (or their freezes cannot be read), the waves wait here, the
/// regions before it promoted and left as they are, and look again every
/// `interval`; they carry on once it ends. A start under a freeze would be
/// refused; the waves hold instead, as a driver holds its step.
async fn hold_before_region(
    fleet: &Fleet,
    targets: &[usize],
    region: &str,
    interval: std::time::Duration,
) {
    let at = format!("before region {region}");
    let mut held: Option<String> = None;
    loop {
        let say = held.is_none();
        let looked = join_all(fleet.at(targets).map(|place| async move {
            let conn = match place.conn().await {
                Ok(conn) => conn,
                Err(e) => {
                    return Err(format!(
                        "[{}] the freezes cannot be read ({})",
                        name(place),
                        e.message
                    ));
                }
            };
            super::freeze::hold_or_pass(
                conn,
                &place.freeze_namespace,
                FrozenCommand::Start,
                &place.change,
                say,
                place.name(),
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

/// The waves a driver takes region by region.
struct Waves<'a> {
    fleet: &'a Fleet,
    change: &'a ChangeArgs,
    deployment: &'a str,
    flags: &'a crate::cli::AutomationArgs,
    force: bool,
    regions: &'a [Vec<usize>],
}

impl Waves<'_> {
    /// Region after region until every one is promoted, one was rolled
    /// back, or a person paused the one driven; `template` is left the
    /// rollout's pod template.
    async fn drive(
        &self,
        global: &GlobalArgs,
        template: &mut Option<serde_json::Value>,
    ) -> Result<()> {
        let (fleet, regions, deployment) = (self.fleet, self.regions, self.deployment);
        let mut driven: Option<usize> = None;
        loop {
            let records = records_of(fleet, regions, deployment).await?;
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
                    let mut message = format!(
                        "region {} was rolled back; the waves stopped there",
                        fleet.region_name(&regions[wave])
                    );
                    if let Some(later) = self.later(wave) {
                        message.push_str(&format!(" and region {later} did not start"));
                    }
                    return Err(Error::new(Kind::AnalysisFailed, message));
                }
                WaveNext::Start { wave, clusters } => {
                    let targets: Vec<usize> = clusters.iter().map(|i| regions[wave][*i]).collect();
                    self.start(global, &rollout, wave, &targets).await?;
                }
                WaveNext::Drive { wave, clusters } => {
                    let region = fleet.region_name(&regions[wave]);
                    if driven == Some(wave) {
                        // The driver ended without a promotion: someone
                        // paused it, and it stays where it is.
                        eprintln!(
                            "region {region} stays where it is; `kubectl ramp run {deployment} --waves region ...` carries on"
                        );
                        return Ok(());
                    }
                    driven = Some(wave);
                    let targets: Vec<usize> = clusters.iter().map(|i| regions[wave][*i]).collect();
                    self.drive_region(&rollout, wave, &targets).await?;
                }
            }
        }
    }

    /// The regions after `wave`, named for a message; `None` when it is
    /// the last.
    fn later(&self, wave: usize) -> Option<String> {
        let later: Vec<String> = self.regions[wave + 1..]
            .iter()
            .map(|w| self.fleet.region_name(w))
            .collect();
        (!later.is_empty()).then(|| later.join(", "))
    }

    /// Starts the region `wave` on its places `targets` as the region
    /// before it did, once no freeze holds it.
    async fn start(
        &self,
        global: &GlobalArgs,
        rollout: &Record,
        wave: usize,
        targets: &[usize],
    ) -> Result<()> {
        let (fleet, deployment) = (self.fleet, self.deployment);
        let interval = self.flags.interval.unwrap_or_else(|| {
            std::time::Duration::from_secs(rollout.automation.as_ref().map_or(60, |a| a.interval))
        });
        let region = fleet.region_name(&self.regions[wave]);
        // Ctrl-C while it looks or waits: the driver of the region before
        // installed the process's handler.
        tokio::select! {
            _ = hold_before_region(fleet, targets, &region, interval) => {}
            _ = tokio::signal::ctrl_c() => {
                return Err(Error::interrupted(format!(
                    "the waves stopped before region {region}, the regions before it promoted; `kubectl ramp run {deployment} --waves region ...` carries on"
                )));
            }
        }
        eprintln!("region {region}: starting, as the region before it did");
        start_as_before(
            global,
            fleet,
            self.change,
            deployment,
            rollout,
            targets,
            &[],
        )
        .await
    }

    /// Drives the region `wave` on its places `targets` to its promotion.
    async fn drive_region(&self, rollout: &Record, wave: usize, targets: &[usize]) -> Result<()> {
        let region = self.fleet.region_name(&self.regions[wave]);
        let automation = super::run::settings(
            rollout.automation.clone(),
            self.flags,
            self.change.notify.as_ref(),
            every_cluster_has_prometheus(self.fleet, targets),
        )?;
        let names: Vec<&str> = self.fleet.at(targets).map(name).collect();
        eprintln!("region {region}: driving {}", names.join(", "));
        let members = members(self.fleet, targets, self.change.on_failure, self.force).await?;
        super::run::drive(members, self.deployment, automation, None)
            .await
            .map(|_| ())
            .map_err(|e| {
                let rest = match self.later(wave) {
                    Some(later) => format!("; region {later} did not start"),
                    None => String::new(),
                };
                Error {
                    message: format!("region {region}: {}{rest}", e.message),
                    ..e
                }
            })
    }
}

/// Starts the rollout `rollout` on the places `targets` with its pod
/// template and steps, as an earlier region did; the summary of `shown`.
async fn start_as_before(
    global: &GlobalArgs,
    fleet: &Fleet,
    change: &ChangeArgs,
    deployment: &str,
    rollout: &Record,
    targets: &[usize],
    shown: &[usize],
) -> Result<()> {
    let across = Across {
        fleet,
        change,
        deployment,
        command: FrozenCommand::Start,
    };
    run_on(global, &across, targets, shown, |place, change| {
        Box::pin(async move {
            let asked = Asked::wave(deployment, rollout);
            super::start::start(global, place, &asked, &change).await
        })
    })
    .await
}

/// The record of every place, region by region.
async fn records_of(
    fleet: &Fleet,
    regions: &[Vec<usize>],
    deployment: &str,
) -> Result<Vec<Vec<Option<Record>>>> {
    let mut all = Vec::new();
    for wave in regions {
        all.push(
            join_all(fleet.at(wave).map(|place| record_of(place, deployment)))
                .await
                .into_iter()
                .collect::<Result<Vec<_>>>()?,
        );
    }
    Ok(all)
}

/// The record of the rollout of `deployment` on `place`, if any.
async fn record_of(place: &Place, deployment: &str) -> Result<Option<Record>> {
    let read = async { Ok::<_, Error>(super::load(place.conn().await?, deployment).await?.record) };
    read.await.map_err(|e| place.labelled(e))
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

/// Where the rollout stands on every place, region by region: a row each,
/// or a JSON array.
async fn waves_summary(
    global: &GlobalArgs,
    fleet: &Fleet,
    regions: &[Vec<usize>],
    deployment: &str,
    template: Option<&serde_json::Value>,
) -> Result<()> {
    let places: Vec<&Place> = regions.iter().flat_map(|w| fleet.at(w)).collect();
    let rows = join_all(places.iter().map(|place| async move {
        let looked = async {
            let conn = place.conn().await?;
            let observed = observe(conn, deployment).await?;
            let standing = template.map(|t| standing(observed.record.as_ref(), t));
            Ok::<_, Error>((standing, report(deployment, &conn.namespace, &observed)))
        };
        let region = place.cluster.as_ref().and_then(|c| c.region.clone());
        match looked.await {
            Ok((standing, status)) => WaveRow {
                cluster: name(place).to_string(),
                region,
                rollout: standing,
                status: Some(status),
                error: None,
            },
            Err(e) => WaveRow {
                cluster: name(place).to_string(),
                region,
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

/// `step --waves region`: steps the first region that has not finished;
/// once a region is promoted, the next one starts with the same pod
/// template and steps.
async fn step_in_waves(global: &GlobalArgs, fleet: &Fleet, args: &StepArgs) -> Result<()> {
    let deployment = args.deployment.as_str();
    let records = join_all(
        fleet
            .places
            .iter()
            .map(|place| record_of(place, deployment)),
    )
    .await
    .into_iter()
    .collect::<Result<Vec<_>>>()?;
    let regions = fleet.waves();
    // The rollout is the one the first region runs or ran.
    let Some(rollout) = regions
        .first()
        .and_then(|w| w.iter().find_map(|i| records[*i].clone()))
    else {
        return Err(
            Error::invalid(format!("the first region has no rollout of {deployment:?}"))
                .with_hint("start one with `kubectl ramp start ... --waves region`"),
        );
    };
    let of_this_rollout = |i: usize| {
        records[i]
            .as_ref()
            .is_some_and(|r| r.contender.template == rollout.contender.template)
    };
    let done = |i: usize| {
        of_this_rollout(i)
            && records[i]
                .as_ref()
                .is_some_and(|r| r.phase == Phase::Succeeded)
    };
    let Some(wave) = regions.iter().find(|w| w.iter().any(|i| !done(*i))) else {
        return Err(Error::invalid(format!(
            "every region has rolled out this version of {deployment:?}"
        )));
    };
    let all = fleet.all();
    if !wave.iter().any(|i| of_this_rollout(*i)) {
        let region = fleet
            .at(&wave[..1])
            .find_map(|p| p.cluster.as_ref()?.region.clone())
            .unwrap_or_default();
        eprintln!("region {region}: starting, as the region before it did");
        return start_as_before(
            global,
            fleet,
            &args.change,
            deployment,
            &rollout,
            wave,
            &all,
        )
        .await;
    }
    // Within the region, lock-step, and only the clusters not yet done.
    let targets: Vec<usize> = wave.iter().copied().filter(|i| !done(*i)).collect();
    step_on(global, fleet, args, &targets, &all).await
}

/// When the places `indexes` stand at different steps, the step the ones
/// behind must reach first (the furthest one's); `None` when all are
/// level. A place that cannot be read is left to the step itself.
async fn lagging_step(fleet: &Fleet, indexes: &[usize], deployment: &str) -> Result<Option<usize>> {
    let steps = join_all(fleet.at(indexes).map(|place| async move {
        let loaded = super::load(place.conn().await?, deployment).await?;
        Ok::<_, Error>(
            loaded
                .record
                .filter(|r| matches!(r.phase, Phase::Paused))
                .map(|r| r.step),
        )
    }))
    .await;
    let steps: Vec<usize> = steps.into_iter().filter_map(|s| s.ok().flatten()).collect();
    Ok(fleet::lagging(&steps))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_command_across_clusters_ends_as_its_worst_cluster_did() {
        let refused = Error::invalid("frozen");
        let gone = Error::new(Kind::Unreachable, "cannot reach");
        let closed = Error::new(Kind::OutputClosed, "closed");
        let step = FrozenCommand::Step;
        let unseen = || vec![(Kind::Unreachable, "b (cannot reach)".to_string())];
        // Done everywhere, and seen.
        assert!(ended(step, 2, &[], &[], Vec::new(), 2).is_ok());
        // Done everywhere, but one could not be seen afterwards.
        let e = ended(step, 2, &[], &[], unseen(), 2).unwrap_err();
        assert_eq!(e.kind, Kind::Unreachable);
        assert_eq!(
            e.message,
            "step was done on every cluster, but the rollout could not be seen on 1 of 2 clusters: b (cannot reach)"
        );
        type Case<'a> = (&'a [(&'a str, &'a Error)], &'a [String], Kind, &'a str);
        let cases: [Case; 4] = [
            (
                &[("a", &refused)],
                &[],
                Kind::Invalid,
                "step failed on 1 of 3 clusters: a (frozen)",
            ),
            (
                &[("a", &gone), ("b", &refused)],
                &[],
                Kind::Unreachable,
                "step failed on 2 of 3 clusters: a (cannot reach); b (frozen)",
            ),
            // A rollout left half aborted fails, whatever began it.
            (
                &[("a", &refused)],
                &["c (timed out)".to_string()],
                Kind::Failed,
                "step failed on 1 of 3 clusters: a (frozen); the abort failed on c (timed out)",
            ),
            // A closed output is no reason to stay quiet about a failure.
            (
                &[("a", &closed)],
                &[],
                Kind::Failed,
                "step failed on 1 of 3 clusters: a (closed)",
            ),
        ];
        for (failed, unaborted, kind, message) in cases {
            let e = ended(step, 3, failed, unaborted, unseen(), 3).unwrap_err();
            assert_eq!((e.kind, e.message.as_str()), (kind, message));
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
            (FrozenCommand::Abort, &nothing, Outcome::Nothing),
            (FrozenCommand::Abort, &succeeded, Outcome::Nothing),
            (FrozenCommand::Abort, &bad, Outcome::Refused),
            (FrozenCommand::Abort, &Ok(()), Outcome::Done),
            (FrozenCommand::Step, &nothing, Outcome::Refused),
            (
                FrozenCommand::Abort,
                &Err(Error::failed("cannot reach")),
                Outcome::Failed,
            ),
        ];
        for (command, result, want) in cases {
            assert_eq!(outcome(command, result), want, "{command:?} {result:?}");
        }
    }
}
