//! The driver of an automated rollout (`run`, `start --auto`): the CLI
//! process drives the rollout itself, on one cluster or many in lock-step.
//! It observes the records, asks `rollout::decide` what comes next, and
//! does it: waits (watching the records, so an abort or a pause is seen at
//! once), checks, steps, promotes, or rolls back. Every counter and check
//! is kept in each cluster's record, so a driver started anew on any
//! machine carries on exactly where the last one stopped. A Lease per
//! cluster keeps a second driver out.

use std::time::Duration;

use futures::StreamExt;
use futures::future::join_all;
use futures::stream::FuturesUnordered;

use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::jiff::Timestamp;
use kube::Api;

use crate::analysis::judge::Context;
use crate::analysis::prometheus::Prometheus;
use crate::analysis::spec::WebhookType;
use crate::analysis::webhook::{self, Payload};
use crate::analysis::{Check, Verdict, overall, pods};
use crate::clusters::registry::Metrics;
use crate::connect::Connection;
use crate::engine::change::Change;
use crate::engine::lock::{self, Lock, hostname, username};
use crate::engine::observe::Observed;
use crate::engine::session::{Loaded, in_progress, load, loaded_of, record_unchanged_until};
use crate::error::{self, Error, Kind, Result};
use crate::ops::advance::{self, AtTheEnd};
use crate::ops::{abort, executor, promote};
use crate::rollout::decide::{self, Counters, Next, Outcome, Round, StepFailed, View};
use crate::rollout::freeze::Command as FrozenCommand;
use crate::rollout::record::{Automation, Phase, Record};

/// How many times in a row the driver may find that someone else changed
/// a record it was about to write, before it gives up.
const CONFLICTS_IN_A_ROW: u32 = 10;

/// One cluster of an automated rollout.
pub struct Member {
    /// The cluster's name when there are several; progress lines carry it.
    pub label: Option<String>,
    pub conn: Connection,
    pub change: Change,
    /// The namespace of the cluster's cluster-wide freeze.
    pub freeze_namespace: String,
}

impl Member {
    fn labelled(&self, err: Error) -> Error {
        match &self.label {
            Some(label) => Error {
                message: format!("{label}: {}", err.message),
                ..err
            },
            None => err,
        }
    }

    fn say(&self, text: &str) {
        match &self.label {
            Some(label) => eprintln!("[{label}] {text}"),
            None => eprintln!("{text}"),
        }
    }
}

/// Holds every cluster's lease and drives the rollout to its end; on one
/// cluster, the rollout as its last command left it. `first`: every
/// cluster's incumbent as the command that started it wrote it last, when
/// it says (else the first look reads it).
pub async fn drive(
    members: Vec<Member>,
    deployment: &str,
    automation: Automation,
    first: Option<Vec<Loaded>>,
) -> Result<Option<Observed>> {
    let mut locks = Vec::new();
    for m in &members {
        match Lock::acquire(&m.conn, &m.conn.namespace, deployment, "run").await {
            Ok(lock) => locks.push(lock),
            Err(e) => {
                for lock in locks {
                    lock.release().await;
                }
                return Err(m.labelled(e));
            }
        }
    }
    let carry_on = match members.len() {
        1 => format!("`kubectl ramp run {deployment}` carries on"),
        _ => format!("`kubectl ramp run {deployment} --clusters ...` carries on"),
    };
    let outcome = tokio::select! {
        outcome = drive_held(&members, deployment, automation, &locks, first) => outcome,
        _ = tokio::signal::ctrl_c() => Err(Error::interrupted(format!(
            "the rollout stays where it is; {carry_on}"
        ))),
    };
    for lock in locks {
        lock.release().await;
    }
    match outcome {
        // One cluster out of reach past the limit: the clusters move in
        // lock-step, so the rollout is aborted everywhere it can be (as a
        // failed cluster is), unless --on-failure pause.
        Err(e)
            if e.kind == Kind::Unreachable
                && members.len() > 1
                && !members.iter().any(|m| m.change.hold_on_failure) =>
        {
            Err(abort_everywhere(&members, deployment, e).await)
        }
        outcome => outcome,
    }
}

/// After `err` ended the drive of several clusters: the rollout aborted on
/// each, and the error saying where that was done and where not.
async fn abort_everywhere(members: &[Member], deployment: &str, err: Error) -> Error {
    eprintln!("{}; aborting the rollout on every cluster", err.message);
    let reason = format!("the driver gave up: {}", err.message);
    let reason = reason
        .chars()
        .take(crate::input::MAX_REASON)
        .collect::<String>();
    let aborted = join_all(members.iter().map(|m| {
        let reason = reason.clone();
        async move {
            abort::abort(&m.conn, deployment, Some(&reason), &m.change)
                .await
                .map(|_| ())
        }
    }))
    .await;
    let name = |m: &Member| m.label.clone().unwrap_or_else(|| m.conn.server.clone());
    let mut done = Vec::new();
    let mut failed = Vec::new();
    for (m, result) in members.iter().zip(&aborted) {
        match result {
            Ok(()) => done.push(name(m)),
            Err(e) => {
                eprintln!("[{}] abort failed: {e}", name(m));
                failed.push(format!("{} ({})", name(m), e.message));
            }
        }
    }
    let mut message = err.message.clone();
    if !done.is_empty() {
        message.push_str(&format!("; the rollout was aborted on {}", done.join(", ")));
    }
    if !failed.is_empty() {
        message.push_str(&format!("; the abort failed on {}", failed.join("; ")));
    }
    Error::new(Kind::Unreachable, message).with_hint(format!(
        "once every cluster answers, `kubectl ramp abort {deployment} --clusters ...` finishes the abort where it failed"
    ))
}

/// What the driver read of every cluster in one look.
struct Look {
    loaded: Vec<Loaded>,
    records: Vec<Record>,
}

async fn look(members: &[Member], deployment: &str) -> Result<Look> {
    let loaded = join_all(
        members
            .iter()
            .map(|m| async move { load(&m.conn, deployment).await.map_err(|e| m.labelled(e)) }),
    )
    .await
    .into_iter()
    .collect::<Result<Vec<_>>>()?;
    look_of(members, deployment, loaded)
}

/// A look made of what was just read (or written).
fn look_of(members: &[Member], deployment: &str, loaded: Vec<Loaded>) -> Result<Look> {
    let records = members
        .iter()
        .zip(&loaded)
        .map(|(m, l)| {
            l.record.clone().ok_or_else(|| {
                m.labelled(Error::failed(format!(
                    "the rollout record of {deployment:?} disappeared"
                )))
            })
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(Look { loaded, records })
}

fn millis(at: &str) -> Option<i64> {
    at.parse::<Timestamp>().ok().map(|t| t.as_millisecond())
}

fn view_of(record: &Record) -> View {
    let automation = record.automation.as_ref();
    View {
        phase: record.phase,
        step: record.step,
        total: record.steps.len(),
        changed_ms: record.history.last().and_then(|t| millis(&t.at)),
        checked_ms: automation
            .and_then(|a| a.checks.last())
            .and_then(|c| millis(&c.at)),
        paused_by: automation.and_then(|a| a.paused_by.clone()),
    }
}

fn settings_of(automation: &Automation) -> decide::Settings {
    decide::Settings {
        interval_ms: i64::try_from(automation.interval)
            .unwrap_or(i64::MAX / 2_000)
            .saturating_mul(1000),
        failure_limit: automation.failure_limit,
        inconclusive_limit: automation.analysis.inconclusive_limit,
        promote: automation.promote,
        scrape_ms: match automation.analysis.metrics.is_empty() {
            true => 0,
            false => i64::try_from(automation.scrape_interval.unwrap_or(0))
                .unwrap_or(0)
                .saturating_mul(1000),
        },
    }
}

/// The counters as the records keep them: the same in every record, or,
/// after a driver stopped half way through writing them, the highest.
fn counters_of(records: &[Record]) -> Counters {
    records
        .iter()
        .filter_map(|r| r.automation.as_ref())
        .fold(Counters::default(), |c, a| Counters {
            failures: c.failures.max(a.failures),
            inconclusive: c.inconclusive.max(a.inconclusive),
        })
}

async fn drive_held(
    members: &[Member],
    deployment: &str,
    flags: Automation,
    locks: &[Lock],
    mut first: Option<Vec<Loaded>>,
) -> Result<Option<Observed>> {
    let limit = Duration::from_secs(flags.outage_limit.unwrap_or(decide::DEFAULT_OUTAGE_LIMIT_S));
    let mut outage = Outage::new(limit);
    // The settings of this run on every cluster, with the counters and
    // checks the records keep; a pause is lifted.
    let scrape_interval = scrape_interval(&flags).await;
    let first = loop {
        match save_settings(members, deployment, &flags, scrape_interval, first.take()).await {
            Ok(first) => break first,
            Err(e) => outage.ride(e, members).await?,
        }
    };
    outage.over(members, locks).await?;
    // The first look is what was just read or written.
    let mut next_look = Some(first);
    let mut kept = Kept::default();
    let mut conflicts = 0;
    loop {
        let done = async {
            let look = match (next_look.take(), kept.next.take()) {
                (Some(look), _) => look,
                (None, Some(loaded)) => look_of(members, deployment, loaded)?,
                (None, None) => look(members, deployment).await?,
            };
            let automation = look.records[0]
                .automation
                .clone()
                .unwrap_or_else(|| flags.clone());
            outage.limit = Duration::from_secs(
                automation
                    .outage_limit
                    .unwrap_or(decide::DEFAULT_OUTAGE_LIMIT_S),
            );
            let views: Vec<View> = look.records.iter().map(view_of).collect();
            let now = Timestamp::now().as_millisecond();
            outage.at = Some(standing(&look.records[0]));
            outage.over(members, locks).await?;
            act(
                members,
                deployment,
                &look,
                &automation,
                &views,
                now,
                &mut kept,
            )
            .await
        }
        .await;
        if done.is_err() {
            // What was seen before a failure is read again.
            kept.next = None;
        }
        match done {
            Ok(Some(())) => return Ok(kept.seen),
            Ok(None) => conflicts = 0,
            // Someone changed a record between our look and our write (a
            // person's step, a pause, an abort): look again and decide anew.
            Err(e) if e.kind == Kind::Conflict && conflicts < CONFLICTS_IN_A_ROW => {
                conflicts += 1;
                tracing::debug!("looking again: {e}");
            }
            // The API server out of reach: the rollout stays where it is,
            // and the next look reads every record again.
            Err(e) if e.kind == Kind::Unreachable => outage.ride(e, members).await?,
            Err(e) => return Err(e),
        }
    }
}

/// The settings of this run written on every cluster's record; the look
/// they make.
async fn save_settings(
    members: &[Member],
    deployment: &str,
    flags: &Automation,
    scrape_interval: Option<u64>,
    written: Option<Vec<Loaded>>,
) -> Result<Look> {
    let first = match written {
        Some(loaded) => look_of(members, deployment, loaded)?,
        None => look(members, deployment).await?,
    };
    let mut saved = Vec::new();
    for (m, loaded) in members.iter().zip(&first.loaded) {
        let now = save_automation(m, deployment, loaded, |recorded| {
            let mut merged = flags.clone();
            merged.scrape_interval = flags.scrape_interval.or(scrape_interval);
            merged.paused_by = None;
            if let Some(recorded) = recorded {
                merged.failures = recorded.failures;
                merged.inconclusive = recorded.inconclusive;
                merged.checks = recorded.checks.clone();
            }
            merged
        })
        .await?;
        saved.push(now);
    }
    look_of(members, deployment, saved)
}

/// Where a rollout stands, as an outage's messages say it: at its step, or
/// on its way to the next.
fn standing(record: &Record) -> String {
    let total = record.steps.len();
    match record.phase {
        Phase::Progressing if record.target != record.step => {
            format!("moving to step {}/{total}", record.target)
        }
        Phase::Promoting => "promoting".to_string(),
        _ => format!("at step {}/{total}", record.step),
    }
}

/// An outage of the API server as the driver rides it out: since when,
/// how many tries so far, and what was said of it.
struct Outage {
    limit: Duration,
    since: Option<(std::time::Instant, String)>,
    tries: u32,
    /// The step the rollout stands at, as last seen.
    at: Option<String>,
}

impl Outage {
    fn new(limit: Duration) -> Outage {
        Outage {
            limit,
            since: None,
            tries: 0,
            at: None,
        }
    }

    /// After `err`: an error that is not the API server out of reach ends
    /// the driver; otherwise it says so (once), waits as `decide::outage`
    /// says, and returns for another try; past the limit it gives up.
    async fn ride(&mut self, err: Error, members: &[Member]) -> Result<()> {
        if err.kind != Kind::Unreachable {
            return Err(err);
        }
        let started = self
            .since
            .get_or_insert_with(|| (std::time::Instant::now(), Timestamp::now().to_string()));
        let (began, at) = (started.0, started.1.clone());
        self.tries += 1;
        let elapsed = i64::try_from(began.elapsed().as_millis()).unwrap_or(i64::MAX);
        let limit_ms = i64::try_from(self.limit.as_millis()).unwrap_or(i64::MAX);
        let step = match &self.at {
            Some(step) => step.clone(),
            None => "where it is".into(),
        };
        let whom = match members.len() {
            1 => "the API server".to_string(),
            _ => "an API server".to_string(),
        };
        match decide::outage(0, elapsed, limit_ms, self.tries) {
            decide::Outage::GiveUp => Err(Error::new(
                Kind::Unreachable,
                format!(
                    "{whom} has been out of reach for {}s (--outage-limit): {}",
                    began.elapsed().as_secs(),
                    err.message
                ),
            )
            .with_hint(format!(
                "the rollout stays {step}; `kubectl ramp run` carries on once it answers"
            ))),
            decide::Outage::RetryIn(ms) => {
                if self.tries == 1 {
                    eprintln!(
                        "{whom} is out of reach since {at} ({}); the rollout stays {step}, and the driver tries again for up to {}s (--outage-limit)",
                        err.message,
                        self.limit.as_secs()
                    );
                }
                tokio::time::sleep(Duration::from_millis(ms)).await;
                Ok(())
            }
        }
    }

    /// Once the API server answers again: says so, and makes sure every
    /// lease is still this driver's before it writes anything.
    async fn over(&mut self, members: &[Member], locks: &[Lock]) -> Result<()> {
        let Some((began, _)) = self.since.take() else {
            return Ok(());
        };
        self.tries = 0;
        for (m, lock) in members.iter().zip(locks) {
            lock.confirm().await.map_err(|e| m.labelled(e))?;
        }
        let step = match &self.at {
            Some(step) => format!(", {step}"),
            None => String::new(),
        };
        eprintln!(
            "the API server answers again, after {}s: carrying on{step}",
            began.elapsed().as_secs()
        );
        Ok(())
    }
}

/// What the driver keeps from one look to the next.
#[derive(Default)]
struct Kept {
    /// On one cluster, the rollout as the last command left it.
    seen: Option<Observed>,
    /// Why it held the rollout at its step at the last look (a freeze).
    held: Option<String>,
    /// Every cluster's incumbent as the driver last saw it, when that is as
    /// fresh as a read (its own last write, or the end of a wait on a
    /// watch): the next look, without a read.
    next: Option<Vec<Loaded>>,
}

/// The next look from what the commands that moved every cluster last saw
/// (their own last write): `None` when one of them did not say.
pub fn next_from(views: &[Option<Observed>], deployment: &str) -> Option<Vec<Loaded>> {
    views
        .iter()
        .map(|view| {
            let view = view.as_ref()?;
            let loaded = loaded_of(deployment, view.incumbent.clone()).ok()?;
            // Only when it holds the record that command wrote last.
            let written = view.record.as_ref().map(|r| serde_json::to_string(r).ok());
            (written.flatten() == loaded.raw && loaded.record.is_some()).then_some(loaded)
        })
        .collect()
}

/// Does what `decide::next` says; `Some(())` when the driver is done.
/// `seen`: on one cluster, the rollout as the last command left it.
async fn act(
    members: &[Member],
    deployment: &str,
    look: &Look,
    automation: &Automation,
    views: &[View],
    now: i64,
    kept: &mut Kept,
) -> Result<Option<()>> {
    let records = &look.records;
    let settings = settings_of(automation);
    match decide::next(&settings, views, counters_of(records), now) {
        Next::Succeeded => Ok(Some(())),
        Next::AbortedElsewhere(aborted) => {
            aborted_elsewhere(members, deployment, records, automation, &aborted).await
        }
        Next::Paused(by) => {
            let at = &records[0];
            eprintln!(
                "paused by {by} at step {}/{}; `kubectl ramp run {deployment}` carries on",
                at.step,
                at.steps.len()
            );
            Ok(Some(()))
        }
        Next::Finish(clusters) => finish_moves(members, deployment, look, &clusters, kept).await,
        Next::PromoteRest(clusters) => {
            kept.seen = promote_all(members, &clusters, deployment, &look.loaded, None).await?;
            Ok(None)
        }
        Next::CatchUp { clusters, target } => {
            catch_up(members, deployment, look, &clusters, target, kept).await
        }
        Next::WaitUntil(due) => {
            let at = &records[0];
            let wait = Duration::from_millis(u64::try_from(due - now).unwrap_or(0));
            eprintln!(
                "step {}/{}: analysis in {:.1}s",
                at.step,
                at.steps.len(),
                wait.as_secs_f64()
            );
            kept.next = unchanged_until(members, deployment, &look.loaded, wait).await?;
            Ok(None)
        }
        Next::Check => round(members, deployment, look, automation, kept).await,
        Next::RollBack => {
            let reason = failed_reason(records);
            roll_back(
                members,
                deployment,
                records,
                automation,
                &reason,
                Cause::Analysis,
            )
            .await
            .map(Some)
        }
    }
}

/// Another cluster's rollout was aborted: with one cluster, the driver
/// ends (exit 3); with several, every cluster is rolled back.
async fn aborted_elsewhere(
    members: &[Member],
    deployment: &str,
    records: &[Record],
    automation: &Automation,
    aborted: &[usize],
) -> Result<Option<()>> {
    let one = members.len() == 1;
    let by = &records[aborted[0]];
    let how = by
        .history
        .last()
        .map(|t| format!(" ({}, by {})", t.message, t.by))
        .unwrap_or_default();
    if one {
        return Err(Error::new(
            Kind::AnalysisFailed,
            format!("the rollout of {deployment:?} was aborted{how}"),
        ));
    }
    let on = aborted
        .iter()
        .filter_map(|i| members[*i].label.clone())
        .collect::<Vec<_>>()
        .join(", ");
    let reason = format!("the rollout was aborted on {on}{how}");
    roll_back(
        members,
        deployment,
        records,
        automation,
        &reason,
        Cause::Elsewhere,
    )
    .await
    .map(Some)
}

/// Finishes the moves the clusters in `clusters` were making when the
/// driver looked: a promotion, or a step.
async fn finish_moves(
    members: &[Member],
    deployment: &str,
    look: &Look,
    clusters: &[usize],
    kept: &mut Kept,
) -> Result<Option<()>> {
    let records = &look.records;
    let finished = join_all(clusters.iter().map(|i| {
        let m = &members[*i];
        let loaded = look.loaded[*i].clone();
        async move {
            let result = match records[*i].phase {
                Phase::Promoting => promote::promote(&m.conn, deployment, loaded, &m.change).await,
                _ => {
                    advance::advance(
                        &m.conn,
                        deployment,
                        None,
                        &m.change,
                        None,
                        AtTheEnd::Stop,
                        Some(loaded),
                    )
                    .await
                }
            };
            result.map_err(|e| m.labelled(e))
        }
    }))
    .await;
    let mut views = finished.into_iter().collect::<Result<Vec<_>>>()?;
    kept.next = next_from(&views, deployment);
    if members.len() == 1 {
        kept.seen = views.pop().flatten();
    }
    Ok(None)
}

/// Steps the clusters behind to `target`, where the others are.
async fn catch_up(
    members: &[Member],
    deployment: &str,
    look: &Look,
    clusters: &[usize],
    target: usize,
    kept: &mut Kept,
) -> Result<Option<()>> {
    let to = target.to_string();
    let stepped = join_all(clusters.iter().map(|i| {
        let m = &members[*i];
        let to = to.clone();
        let loaded = look.loaded[*i].clone();
        async move {
            advance::advance(
                &m.conn,
                deployment,
                Some(&to),
                &m.change,
                None,
                AtTheEnd::Stop,
                Some(loaded),
            )
            .await
            .map_err(|e| m.labelled(e))
        }
    }))
    .await;
    let views = stepped.into_iter().collect::<Result<Vec<_>>>()?;
    kept.next = next_from(&views, deployment);
    Ok(None)
}

/// Why a rollout whose checks failed too often is rolled back: the last
/// failed checks of every cluster, or the limit.
fn failed_reason(records: &[Record]) -> String {
    let failed: Vec<String> = records
        .iter()
        .filter_map(|r| r.automation.as_ref())
        .flat_map(|a| {
            a.checks
                .iter()
                .rev()
                .take_while(|c| c.verdict == Verdict::Fail)
        })
        .map(|c| c.message.clone())
        .collect();
    match failed.is_empty() {
        true => "the checks had failed as often as --failure-limit allows".to_string(),
        false => failed.join("; "),
    }
}

/// A round of checks on every cluster, judged, kept in every record, and
/// acted on.
async fn round(
    members: &[Member],
    deployment: &str,
    look: &Look,
    automation: &Automation,
    kept: &mut Kept,
) -> Result<Option<()>> {
    let Kept { seen, held, next } = kept;
    let records = &look.records;
    let settings = settings_of(automation);
    let checks = analyse_all(members, deployment, records, automation).await?;
    let rounds = rounds_of(members, &checks);
    let at = &records[0];
    let at_last_step = at.step >= at.steps.len();
    let all_passed = rounds.iter().all(|(_, r)| *r == Round::Pass);
    // A move on needs the freezes to let it: asked before the gates, so
    // that a rollout held by a freeze does not call its gate webhooks at
    // every interval of the freeze.
    let mut passed: Option<Vec<Change>> = None;
    let mut held_now = false;
    if all_passed {
        let (_, would) = decide::judge(
            &settings,
            counters_of(records),
            &rounds,
            Some(&[]),
            at_last_step,
            false,
        );
        if matches!(would, Outcome::Advance | Outcome::Promote) {
            passed = pass_freezes(members, at, held).await;
            held_now = passed.is_none();
        }
    }
    // The gates are asked once every cluster's checks passed.
    let gate_checks = match all_passed && !held_now {
        true => Some(gates(automation, &records[0], deployment).await),
        false => None,
    };
    let gate_failures: Option<Vec<String>> = gate_checks.as_ref().map(|g| {
        g.iter()
            .filter(|c| c.verdict == Verdict::Fail)
            .map(|c| c.message.clone())
            .collect()
    });
    let (counters, outcome) = decide::judge(
        &settings,
        counters_of(records),
        &rounds,
        gate_failures.as_deref(),
        at_last_step,
        held_now,
    );
    // The transcript and the counters, in every record, against what the
    // decision was made on: written with the move when the rollout moves
    // on (one write, the move's intent), else on their own.
    let moves_on = passed.is_some() && matches!(outcome, Outcome::Advance | Outcome::Promote);
    let round = Transcript {
        checks: &checks,
        gates: gate_checks.as_deref().unwrap_or_default(),
        counters,
        held: held.clone().filter(|_| held_now),
    };
    let saved = save_round(members, deployment, look, automation, round, moves_on).await?;
    let before = counters_of(records);
    let done = Done {
        members,
        deployment,
        look,
        automation,
        saved: &saved,
        passed,
    };
    done.carry_out(outcome, before, counters, seen, next).await
}

/// A round's transcript, for every record: each cluster's checks, the
/// gates', and the counters and hold the decision left.
struct Transcript<'a> {
    checks: &'a [Vec<Check>],
    gates: &'a [Check],
    counters: Counters,
    held: Option<String>,
}

/// Each cluster's checks of its step, on its own metrics.
async fn analyse_all(
    members: &[Member],
    deployment: &str,
    records: &[Record],
    automation: &Automation,
) -> Result<Vec<Vec<Check>>> {
    join_all(members.iter().zip(records).map(|(m, r)| async move {
        analyse(&m.conn, deployment, r, automation, &m.change.metrics)
            .await
            .map_err(|e| m.labelled(e))
    }))
    .await
    .into_iter()
    .collect()
}

/// The round's transcript and counters in every record, against what the
/// decision was made on: kept in the loaded records to go with the move
/// when the rollout `moves_on` (one write, the move's intent), else
/// written on their own.
async fn save_round(
    members: &[Member],
    deployment: &str,
    look: &Look,
    automation: &Automation,
    round: Transcript<'_>,
    moves_on: bool,
) -> Result<Vec<Loaded>> {
    let mut saved = Vec::new();
    for ((m, loaded), checks) in members.iter().zip(&look.loaded).zip(round.checks) {
        let mut kept = checks.clone();
        kept.extend(round.gates.iter().cloned());
        let update = |recorded: Option<&Automation>| {
            let recorded = recorded.cloned().unwrap_or_else(|| automation.clone());
            decide::after_round(recorded, &kept, round.counters, round.held.clone())
        };
        saved.push(match moves_on {
            true => with_automation(loaded, update),
            false => save_automation(m, deployment, loaded, update).await?,
        });
    }
    Ok(saved)
}

/// What a round decided, and what carrying it out needs.
struct Done<'a> {
    members: &'a [Member],
    deployment: &'a str,
    look: &'a Look,
    automation: &'a Automation,
    /// The records as the round saved them.
    saved: &'a [Loaded],
    /// The options each cluster passed the freezes with, when the round
    /// asked them (it moves on only then).
    passed: Option<Vec<Change>>,
}

impl Done<'_> {
    /// Does what the round decided: `Some` when the driver is done.
    async fn carry_out(
        self,
        outcome: Outcome,
        before: Counters,
        counters: Counters,
        seen: &mut Option<Observed>,
        next: &mut Option<Vec<Loaded>>,
    ) -> Result<Option<()>> {
        let Done {
            members,
            deployment,
            look,
            automation,
            saved,
            passed,
        } = self;
        let records = &look.records;
        let at = &records[0];
        match outcome {
            // Said as the hold began (see `pass_freezes`).
            Outcome::Held => Ok(None),
            Outcome::Again => {
                say_again(before, counters, automation);
                Ok(None)
            }
            Outcome::RollBack(reason) => roll_back(
                members,
                deployment,
                records,
                automation,
                &reason,
                Cause::Analysis,
            )
            .await
            .map(Some),
            Outcome::Advance => match passed {
                Some(passed) => {
                    advance_all(members, deployment, look, automation, saved, &passed, next).await
                }
                None => Ok(None),
            },
            Outcome::LeaveForPerson => {
                eprintln!(
                    "the last step passed its checks; left for a person: `kubectl ramp promote {deployment}` or `abort`"
                );
                Ok(Some(()))
            }
            Outcome::Promote => {
                let Some(passed) = passed else {
                    return Ok(None);
                };
                let everyone: Vec<usize> = (0..members.len()).collect();
                *seen = promote_all(members, &everyone, deployment, saved, Some(&passed)).await?;
                hooks(
                    automation,
                    WebhookType::PostRollout,
                    at,
                    deployment,
                    &members[0].conn,
                )
                .await;
                Ok(Some(()))
            }
        }
    }
}

/// Each cluster's checks said, and judged as a round.
fn rounds_of<'a>(members: &'a [Member], checks: &[Vec<Check>]) -> Vec<(Option<&'a str>, Round)> {
    let mut rounds = Vec::new();
    for (m, checks) in members.iter().zip(checks) {
        for check in checks {
            m.say(&format!(
                "check {}: {} ({})",
                check.name,
                check.verdict.as_str(),
                check.message
            ));
        }
        let round = match overall(checks) {
            Verdict::Pass => Round::Pass,
            Verdict::Inconclusive => Round::Inconclusive,
            Verdict::Fail => Round::Fail(
                checks
                    .iter()
                    .filter(|c| c.verdict == Verdict::Fail)
                    .map(|c| c.message.clone())
                    .collect(),
            ),
        };
        rounds.push((m.label.as_deref(), round));
    }
    rounds
}

/// What a round that neither moves on nor rolls back says.
fn say_again(before: Counters, counters: Counters, automation: &Automation) {
    if counters.failures > before.failures {
        eprintln!(
            "failed ({} of {}): checking again in {}s",
            counters.failures, automation.failure_limit, automation.interval
        );
    } else {
        eprintln!(
            "inconclusive ({} of {}): waiting {}s",
            counters.inconclusive, automation.analysis.inconclusive_limit, automation.interval
        );
    }
}

/// Every cluster moves on to the next step, the round's transcript with
/// it; one that fails stops the driver, or rolls every cluster back (see
/// `decide::after_failed_step`).
async fn advance_all(
    members: &[Member],
    deployment: &str,
    look: &Look,
    automation: &Automation,
    saved: &[Loaded],
    passed: &[Change],
    next: &mut Option<Vec<Loaded>>,
) -> Result<Option<()>> {
    let records = &look.records;
    let stepped = join_all(members.iter().zip(saved).zip(passed).map(
        |((m, loaded), change)| async move {
            advance::advance(
                &m.conn,
                deployment,
                None,
                change,
                None,
                AtTheEnd::Stop,
                Some(loaded.clone()),
            )
            .await
            .map_err(|e| m.labelled(e))
        },
    ))
    .await;
    let failed = stepped.iter().any(Result::is_err);
    if failed {
        // The transcript of the checks did not go in with the step
        // everywhere: kept where the record is as the driver read it.
        for ((m, loaded), with) in members.iter().zip(&look.loaded).zip(saved) {
            let automation = with.record.as_ref().and_then(|r| r.automation.clone());
            if let Some(automation) = automation
                && let Err(e) = save_automation(m, deployment, loaded, |_| automation.clone()).await
            {
                tracing::debug!("the checks' transcript was not kept: {e}");
            }
        }
    }
    let mut views = Vec::new();
    for result in stepped {
        let err = match result {
            Ok(view) => {
                views.push(view);
                continue;
            }
            Err(err) => err,
        };
        if decide::after_failed_step(members.len(), err.kind) == StepFailed::Stop {
            return Err(err);
        }
        let reason = err.message;
        return roll_back(
            members,
            deployment,
            records,
            automation,
            &reason,
            Cause::StepFailed(err.kind),
        )
        .await
        .map(Some);
    }
    *next = next_from(&views, deployment);
    Ok(None)
}

/// Before the driver moves the rollout on, the freezes of every cluster.
/// While one holds (or they cannot be read), the rollout is held at its
/// step and `None` returned: the driver goes on analysing it, a failure
/// still rolls it back (abort is never frozen), and once the freeze ends
/// it carries on. With --override-freeze each cluster's move records the
/// override. `held`: why it was holding at the last look.
async fn pass_freezes(
    members: &[Member],
    at: &Record,
    held: &mut Option<String>,
) -> Option<Vec<Change>> {
    let say = held.is_none();
    let passed = join_all(members.iter().map(|m| {
        crate::ops::freeze::hold_or_pass(
            &m.conn,
            &m.freeze_namespace,
            FrozenCommand::Run,
            &m.change,
            say,
            m.label.as_deref(),
        )
    }))
    .await;
    let holding: Vec<String> = passed
        .iter()
        .filter_map(|p| p.as_ref().err().cloned())
        .collect();
    let at_step = format!("at step {}/{}", at.step, at.steps.len());
    let meanwhile = "the analysis goes on, and a failure still rolls back";
    if crate::ops::freeze::hold(held, &holding, &at_step, meanwhile) {
        return None;
    }
    passed
        .into_iter()
        .collect::<std::result::Result<_, _>>()
        .ok()
}

/// Promotes the clusters `which`, from what was last read of each; on one
/// cluster, the rollout as the promotion left it.
async fn promote_all(
    members: &[Member],
    which: &[usize],
    deployment: &str,
    loaded: &[Loaded],
    changes: Option<&[Change]>,
) -> Result<Option<Observed>> {
    let promoted = join_all(which.iter().map(|i| {
        let m = &members[*i];
        let loaded = loaded[*i].clone();
        let change = changes.map_or(&m.change, |c| &c[*i]);
        async move {
            promote::promote(&m.conn, deployment, loaded, change)
                .await
                .map_err(|e| m.labelled(e))
        }
    }))
    .await;
    let mut views = promoted.into_iter().collect::<Result<Vec<_>>>()?;
    Ok(match members.len() {
        1 => views.pop().flatten(),
        _ => None,
    })
}

/// Rolls every cluster back, reports each cluster's abort, and exits 3
/// with the reason (1 when an abort failed somewhere).
/// Why the driver rolls back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Cause {
    Analysis,
    /// Someone aborted it on one of the clusters.
    Elsewhere,
    /// A step failed on one of the clusters (not the analysis).
    StepFailed(Kind),
}

async fn roll_back(
    members: &[Member],
    deployment: &str,
    records: &[Record],
    automation: &Automation,
    reason: &str,
    cause: Cause,
) -> Result<()> {
    let record = &records[0];
    let at = format!("step {}/{}", record.step, record.steps.len());
    if cause != Cause::Elsewhere && members.iter().any(|m| m.change.hold_on_failure) {
        return hold(members, deployment, &at, reason).await;
    }
    match members.len() {
        1 => eprintln!("analysis failed at {at}: {reason}; rolling back"),
        _ => eprintln!("rolling back on every cluster: {reason}"),
    }
    let why = match cause {
        Cause::Analysis => format!("analysis failed: {reason}"),
        Cause::Elsewhere | Cause::StepFailed(_) => reason.to_string(),
    };
    let aborted = join_all(
        members
            .iter()
            .map(|m| abort::abort(&m.conn, deployment, Some(&why), &m.change)),
    )
    .await;
    let failed: Vec<String> = members
        .iter()
        .zip(&aborted)
        .filter_map(|(m, result)| {
            let err = result.as_ref().err()?;
            m.say(&format!("abort failed: {err}"));
            Some(match &m.label {
                Some(label) => format!("{label} ({})", err.message),
                None => err.message.clone(),
            })
        })
        .collect();
    hooks(
        automation,
        WebhookType::Rollback,
        record,
        deployment,
        &members[0].conn,
    )
    .await;

    if !failed.is_empty() {
        return Err(Error::failed(format!(
            "{why}, but the rollback failed on {}",
            failed.join("; ")
        ))
        .with_hint(format!("run `kubectl ramp abort {deployment}` there again")));
    }
    let (kind, message) = match (cause, members.len()) {
        (Cause::Analysis, 1) => (
            Kind::AnalysisFailed,
            format!("analysis failed at {at} and the rollout was rolled back: {reason}"),
        ),
        (Cause::StepFailed(kind), _) => (
            kind,
            format!("a step failed and the rollout was rolled back on every cluster: {reason}"),
        ),
        _ => (
            Kind::AnalysisFailed,
            format!("the rollout was rolled back on every cluster: {reason}"),
        ),
    };
    Err(Error::new(kind, message).with_hint(format!(
        "`kubectl ramp status {deployment}` shows the checks"
    )))
}

/// `--on-failure pause`: instead of the rollback, every cluster is left
/// where it stands, its automation paused with the reason, for a person to
/// promote or abort (or `run` to try again). Exit 1, saying so.
async fn hold(members: &[Member], deployment: &str, at: &str, reason: &str) -> Result<()> {
    let message = format!("analysis failed at {at}: {reason}; left paused (--on-failure pause)");
    eprintln!("{message}");
    let held = join_all(members.iter().map(|m| {
        let message = message.clone();
        async move {
            let loaded = load(&m.conn, deployment).await?;
            let mut record = in_progress(deployment, loaded.record.as_ref())?;
            if let Some(automation) = record.automation.as_mut() {
                automation.paused_by = Some("the analysis (--on-failure pause)".to_string());
            }
            let mut writer = executor(
                &m.conn,
                deployment,
                record.clone(),
                loaded.base(),
                &Change::default(),
            );
            writer
                .transition(record, "AnalysisFailed", &message)
                .await?;
            writer.flush().await;
            Ok::<_, Error>(())
        }
    }))
    .await;
    let failed: Vec<String> = members
        .iter()
        .zip(&held)
        .filter_map(|(m, result)| {
            let err = result.as_ref().err()?;
            m.say(&format!("could not leave it paused: {err}"));
            Some(format!(
                "{} ({})",
                m.label.clone().unwrap_or_default(),
                err.message
            ))
        })
        .collect();
    let mut text = format!(
        "analysis failed at {at} and the rollout was left paused where it stands: {reason}"
    );
    if !failed.is_empty() {
        text.push_str(&format!(
            "; it could not be marked paused on {}",
            failed.join("; ")
        ));
    }
    Err(Error::failed(text).with_hint(format!(
        "look, then `kubectl ramp promote {deployment}` or `kubectl ramp abort {deployment}` with the same clusters; `kubectl ramp run` tries again"
    )))
}

/// Waits `wait`, ending early when any cluster's record differs from what
/// was loaded (an abort, a pause, a person's step): `None` then; else every
/// incumbent as its watch last saw it, the next look. A watch on each.
async fn unchanged_until(
    members: &[Member],
    deployment: &str,
    loaded: &[Loaded],
    wait: Duration,
) -> Result<Option<Vec<Loaded>>> {
    let deadline = tokio::time::Instant::now() + wait;
    let mut waits: FuturesUnordered<_> = members
        .iter()
        .zip(loaded)
        .enumerate()
        .map(|(i, (m, l))| async move {
            let seen = record_unchanged_until(
                &m.conn,
                deployment,
                l.raw.clone(),
                Some(&l.incumbent),
                deadline,
            )
            .await;
            (i, seen)
        })
        .collect();
    let mut seen = vec![None; members.len()];
    while let Some((i, result)) = waits.next().await {
        match result? {
            Some(incumbent) => seen[i] = Some(incumbent),
            None => return Ok(None),
        }
    }
    Ok(seen
        .into_iter()
        .map(|d| loaded_of(deployment, d?).ok())
        .collect())
}

/// Prometheus' scrape interval, when metrics are checked (for the metric
/// window, and the first check of a step: see `decide::Settings`) and it
/// can be read from its configuration.
async fn scrape_interval(automation: &Automation) -> Option<u64> {
    let url = automation.prometheus.as_ref()?;
    if automation.analysis.metrics.is_empty() {
        return None;
    }
    match Prometheus::new(url).scrape_interval().await {
        Ok(seconds) => seconds,
        Err(e) => {
            tracing::warn!("cannot read Prometheus' scrape interval: {e}");
            None
        }
    }
}

/// One check: the contender's pods, then the metrics (unless too little
/// traffic reached the contender to judge them).
async fn analyse(
    conn: &Connection,
    name: &str,
    record: &Record,
    automation: &Automation,
    metrics: &Metrics,
) -> Result<Vec<Check>> {
    let contender = &record.contender;
    let selector = contender_selector(conn, contender).await?;
    let at = Timestamp::now().to_string();
    let mut checks = vec![
        pods::check(
            conn,
            &contender.namespace,
            &selector,
            automation.analysis.pod_health.max_restarts,
            &at,
        )
        .await?,
    ];
    // The cluster's own Prometheus (the clusters file's), else the one of
    // --prometheus.
    let Some(url) = metrics
        .prometheus
        .as_ref()
        .or(automation.prometheus.as_ref())
    else {
        return Ok(checks);
    };
    // A step that gives the contender no traffic (a preview, a staging
    // step) has no requests of its to judge: its pods are what is checked.
    if record
        .current_step()
        .is_some_and(|s| s.traffic.contender == 0)
    {
        return Ok(checks);
    }
    if automation.analysis.metrics.is_empty() {
        return Ok(checks);
    }
    let prometheus = Prometheus::new(url);
    let ctx = Context {
        labels: metrics.labels.clone(),
        namespace: conn.namespace.clone(),
        contender: contender.name.clone(),
        incumbent: name.to_string(),
        contender_service: contender.name.clone(),
        incumbent_service: record.service.clone(),
        provider: automation.analysis.provider,
        interval: format!(
            "{}s",
            decide::metric_window(
                automation.interval,
                automation.window,
                automation.scrape_interval
            )
        ),
    };
    checks.extend(
        crate::analysis::metrics::check(&prometheus, &automation.analysis, &ctx, &at).await?,
    );
    Ok(checks)
}

/// The contender's label selector, as `pods::check` takes it: from the
/// watch the last move of this process kept when there is one, else read.
async fn contender_selector(
    conn: &Connection,
    contender: &crate::rollout::record::Contender,
) -> Result<String> {
    let watched = match crate::engine::watch::kept(conn, &contender.namespace, &contender.name) {
        Some(mut watched) => {
            let seen = watched.current().await.ok().flatten();
            crate::engine::watch::keep(conn, &contender.namespace, &contender.name, watched);
            seen
        }
        None => None,
    };
    let deployment = match watched {
        Some(deployment) => deployment,
        None => {
            let api: Api<Deployment> = Api::namespaced(conn.client.clone(), &contender.namespace);
            api.get(&contender.name).await.map_err(|e| {
                error::from_kube(
                    e,
                    &format!("get deployment {:?}", contender.name),
                    &conn.server,
                )
            })?
        }
    };
    Ok(deployment
        .spec
        .and_then(|s| s.selector.match_labels)
        .unwrap_or_default()
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join(","))
}

fn payload(record: &Record, name: &str, namespace: &str) -> Payload {
    Payload {
        name: name.to_string(),
        namespace: namespace.to_string(),
        phase: record.phase.as_str().to_string(),
        step: record.step,
        step_name: record
            .current_step()
            .map(|s| s.name.clone())
            .unwrap_or_default(),
        timeout: 0,
    }
}

/// The step gates: each must answer 200 before the next step.
async fn gates(automation: &Automation, record: &Record, name: &str) -> Vec<Check> {
    let mut checks = Vec::new();
    let payload = payload(record, name, &record.contender.namespace);
    for hook in automation
        .analysis
        .webhooks
        .iter()
        .filter(|w| w.kind == WebhookType::Step)
    {
        eprintln!("waiting for webhook {} to answer 200", hook.name);
        checks.push(webhook::gate(hook, &payload, Duration::from_secs(2)).await);
    }
    checks
}

/// Post-rollout and rollback hooks: called once, their answer reported.
async fn hooks(
    automation: &Automation,
    kind: WebhookType,
    record: &Record,
    name: &str,
    conn: &Connection,
) {
    let payload = payload(record, name, &conn.namespace);
    for hook in automation
        .analysis
        .webhooks
        .iter()
        .filter(|w| w.kind == kind)
    {
        let mut once = hook.clone();
        once.timeout = "1s".into();
        let check = webhook::gate(&once, &payload, Duration::from_secs(1)).await;
        eprintln!("{}", check.message);
    }
}

/// The pre-rollout gates, before `start --auto` changes anything.
pub async fn pre_rollout(automation: &Automation, name: &str, namespace: &str) -> Result<()> {
    let payload = Payload {
        name: name.to_string(),
        namespace: namespace.to_string(),
        phase: Phase::Idle.as_str().to_string(),
        step: 0,
        step_name: String::new(),
        timeout: 0,
    };
    for hook in automation
        .analysis
        .webhooks
        .iter()
        .filter(|w| w.kind == WebhookType::PreRollout)
    {
        let check = webhook::gate(hook, &payload, Duration::from_secs(2)).await;
        if check.verdict != Verdict::Pass {
            return Err(
                Error::failed(format!("{}; nothing was started", check.message))
                    .with_hint("the pre-rollout webhook must answer 200 before a rollout starts"),
            );
        }
    }
    Ok(())
}

/// Writes the automation part of the record, as a compare-and-swap
/// against the record the decision was made on.
/// `loaded` with its record's automation as `change` makes it, not
/// written: the write that follows (a step's intent, the promotion's)
/// carries it, compared with the record as it was read.
fn with_automation(loaded: &Loaded, change: impl Fn(Option<&Automation>) -> Automation) -> Loaded {
    let mut with = loaded.clone();
    if let Some(record) = with.record.as_mut() {
        record.automation = Some(change(record.automation.as_ref()));
    }
    with
}

async fn save_automation(
    member: &Member,
    name: &str,
    loaded: &Loaded,
    change: impl Fn(Option<&Automation>) -> Automation,
) -> Result<Loaded> {
    let Some(mut record) = loaded.record.clone() else {
        return Err(member.labelled(Error::failed(format!(
            "the rollout record of {name:?} disappeared"
        ))));
    };
    // A command at work on the rollout that holds it by the record alone
    // (it has not needed the Lease yet) keeps it: the driver does not
    // write over its move.
    let conn = &member.conn;
    let me = lock::Holder::me("run");
    if let lock::Claim::Young(holder) = lock::claim_of(record.held.as_ref(), &me, Timestamp::now())
    {
        return Err(member.labelled(lock::held_by_another(name, &holder)));
    }
    // The record names this driver for its whole session: a command run
    // meanwhile asks the driver's Lease, not finding the rollout free.
    let session = lock::session_holder(conn, &conn.namespace, name);
    let named = record.held.as_ref().map(|h| &h.by) == session.as_ref();
    let updated = change(record.automation.as_ref());
    if record.automation.as_ref() == Some(&updated) && named {
        return Ok(loaded.clone());
    }
    record.automation = Some(updated);
    let mut writer = executor(
        &member.conn,
        name,
        record.clone(),
        loaded.base(),
        &Change::default(),
    );
    writer
        .write_record(&mut record)
        .await
        .map_err(|e| member.labelled(e))?;
    Ok(match writer.written() {
        Some(incumbent) => Loaded {
            incumbent,
            raw: Some(serde_json::to_string(&record).expect("a record serializes")),
            record: Some(record),
        },
        None => loaded.clone(),
    })
}

/// `kubectl ramp pause`: a driver stops at its current step.
pub async fn pause(conn: &Connection, name: &str) -> Result<()> {
    let loaded = load(conn, name).await?;
    let mut record = in_progress(name, loaded.record.as_ref())?;
    let Some(automation) = record.automation.as_mut() else {
        return Err(Error::invalid(format!(
            "the rollout of {name:?} is not automated; there is nothing to pause"
        ))
        .with_hint(format!(
            "it moves only when someone runs `kubectl ramp step {name}`"
        )));
    };
    if automation.paused_by.is_some() {
        eprintln!(
            "the automation of {name:?} is already paused; `kubectl ramp run {name}` carries on"
        );
        return Ok(());
    }
    automation.paused_by = Some(format!("{}@{}", username(), hostname()));
    let message = format!(
        "automation paused at step {}/{}",
        record.step,
        record.steps.len()
    );
    crate::ops::note(conn, name, &loaded, record, ("AutomationPaused", &message)).await?;
    eprintln!(
        "a running `kubectl ramp run {name}` stops at its current step; `kubectl ramp run {name}` carries on"
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rollout::record::tests::sample;

    fn check(name: &str, verdict: Verdict) -> Check {
        Check {
            at: "2026-12-04T05:00:00Z".into(),
            name: name.into(),
            query: None,
            value: None,
            incumbent: None,
            threshold: ">= 99".into(),
            verdict,
            message: format!("{name} {}", verdict.as_str()),
        }
    }

    #[test]
    fn a_rollback_names_the_failures_that_ended_each_clusters_checks() {
        let with = |checks: Vec<Check>| {
            let mut record = sample();
            let mut automation = Automation::defaults();
            automation.checks = checks;
            record.automation = Some(automation);
            record
        };
        let cases = [
            (
                vec![sample()],
                "the checks had failed as often as --failure-limit allows",
            ),
            (
                vec![with(vec![check("a", Verdict::Pass)])],
                "the checks had failed as often as --failure-limit allows",
            ),
            // The last run of failures, newest first; an older one is over.
            (
                vec![with(vec![
                    check("old", Verdict::Fail),
                    check("ok", Verdict::Pass),
                    check("p99", Verdict::Fail),
                    check("errors", Verdict::Fail),
                ])],
                "errors fail; p99 fail",
            ),
            (
                vec![
                    with(vec![check("p99", Verdict::Fail)]),
                    with(vec![check("pods", Verdict::Fail)]),
                ],
                "p99 fail; pods fail",
            ),
        ];
        for (records, expected) in cases {
            assert_eq!(failed_reason(&records), expected);
        }
    }
}
