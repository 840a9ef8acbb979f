//! `kubectl ramp run DEPLOYMENT` (and `start --auto`): the CLI process
//! drives the rollout itself. After each step it waits the interval, runs
//! the analysis, and goes on, promotes at the end, or rolls back when the
//! analysis fails. A Lease keeps a second driver out; if this one dies, the
//! next `run` carries on from the record.

use std::time::Duration;

use futures::future::join_all;

use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::jiff::Timestamp;
use kube::Api;

use super::{abort, executor, in_progress, load, promote, show, step};
use crate::analysis::judge::{self, Context};
use crate::analysis::prometheus::Prometheus;
use crate::analysis::spec::{AnalysisSpec, WebhookType};
use crate::analysis::webhook::{self, Payload};
use crate::analysis::{Check, Verdict, overall, pods};
use crate::cli::{AutomationArgs, ChangeArgs, GlobalArgs, RunArgs};
use crate::connect::Connection;
use crate::error::{self, Error, Kind, Result};
use crate::rollout::lock::Lock;
use crate::rollout::record::{Automation, Phase, Record};

/// How many checks the record keeps.
const KEPT_CHECKS: usize = 20;

pub async fn run(global: &GlobalArgs, args: &RunArgs) -> Result<()> {
    let conn = Connection::open(global).await?;
    let name = args.deployment.as_str();
    let loaded = load(&conn, name).await?;
    let record = in_progress(name, loaded.record.as_ref())?;
    let automation = settings(record.automation.clone(), &args.automation)?;
    drive(global, &conn, name, automation, &args.change).await
}

/// The automation settings: those recorded, with the flags given on top.
pub fn settings(recorded: Option<Automation>, flags: &AutomationArgs) -> Result<Automation> {
    let mut automation = recorded.unwrap_or(Automation {
        analysis: AnalysisSpec {
            metrics: Vec::new(),
            min_samples: 10,
            inconclusive_limit: 5,
            pod_health: Default::default(),
            webhooks: Vec::new(),
        },
        prometheus: None,
        interval: 60,
        failure_limit: 1,
        promote: true,
        notify: None,
        failures: 0,
        inconclusive: 0,
        checks: Vec::new(),
    });
    if let Some(path) = &flags.analysis {
        automation.analysis = AnalysisSpec::from_file(path)?;
    }
    if let Some(url) = &flags.prometheus {
        automation.prometheus = Some(url.clone());
    }
    if let Some(interval) = flags.interval {
        automation.interval = interval.as_secs().max(1);
    }
    if let Some(limit) = flags.failure_limit {
        if limit == 0 {
            return Err(Error::invalid("--failure-limit must be at least 1")
                .with_hint("it is how many failed checks at one step lead to the rollback"));
        }
        automation.failure_limit = limit;
    }
    if flags.no_promote {
        automation.promote = false;
    }
    if let Some(url) = &flags.notify {
        automation.notify = Some(url.clone());
    }
    if automation.analysis.uses_prometheus() && automation.prometheus.is_none() {
        return Err(Error::invalid(
            "the analysis has metrics, but no Prometheus to read them from",
        )
        .with_hint("pass --prometheus URL"));
    }
    Ok(automation)
}

/// Holds the lease and drives the rollout to its end, then shows it.
pub async fn drive(
    global: &GlobalArgs,
    conn: &Connection,
    name: &str,
    automation: Automation,
    change: &ChangeArgs,
) -> Result<()> {
    let lock = Lock::acquire(conn, &conn.namespace, name, "run").await?;
    let outcome = tokio::select! {
        outcome = drive_held(conn, name, automation, change) => outcome,
        _ = tokio::signal::ctrl_c() => {
            eprintln!("stopped; the rollout stays where it is. `kubectl ramp run {name}` carries on");
            Ok(())
        }
    };
    lock.release().await;
    outcome?;
    show(global, conn, name, change).await
}

async fn drive_held(
    conn: &Connection,
    name: &str,
    automation: Automation,
    change: &ChangeArgs,
) -> Result<()> {
    save_automation(conn, name, |recorded| {
        // Settings from the flags; counters and checks from the record.
        let mut merged = automation.clone();
        if let Some(recorded) = recorded {
            merged.failures = recorded.failures;
            merged.inconclusive = recorded.inconclusive;
            merged.checks = recorded.checks.clone();
        }
        merged
    })
    .await?;
    loop {
        let loaded = load(conn, name).await?;
        let Some(record) = loaded.record.clone() else {
            return Err(Error::failed(format!(
                "the rollout record of {name:?} disappeared"
            )));
        };
        let automation = record
            .automation
            .clone()
            .unwrap_or_else(|| automation.clone());
        let total = record.steps.len();
        match record.phase {
            Phase::Succeeded => return Ok(()),
            Phase::Aborted | Phase::Idle => {
                return Err(Error::failed(format!(
                    "the rollout of {name:?} was aborted"
                )));
            }
            // Finish what an interrupted command began.
            Phase::Progressing => step::advance(conn, name, None, change, false).await?,
            Phase::Promoting => promote::promote(conn, name, loaded, change).await?,
            Phase::Paused if record.step >= total => {
                if !automation.promote {
                    eprintln!(
                        "at the last step; left for a person: `kubectl ramp promote {name}` or `abort`"
                    );
                    return Ok(());
                }
                notify(
                    &automation,
                    &format!("{name}: promoting after step {}/{total}", record.step),
                )
                .await;
                promote::promote(conn, name, loaded, change).await?;
                hooks(&automation, WebhookType::PostRollout, &record, name, conn).await;
                notify(
                    &automation,
                    &format!("{name}: promoted, it runs the new version"),
                )
                .await;
                return Ok(());
            }
            Phase::Paused => {
                wait_for_next_check(&record, &automation).await;
                let checks = analyse(conn, name, &record, &automation).await?;
                let verdict = overall(&checks);
                for check in &checks {
                    eprintln!(
                        "check {}: {} ({})",
                        check.name,
                        check.verdict.as_str(),
                        check.message
                    );
                }
                let mut updated = automation.clone();
                updated.checks.extend(checks.iter().cloned());
                let excess = updated.checks.len().saturating_sub(KEPT_CHECKS);
                updated.checks.drain(..excess);
                let failed = match verdict {
                    Verdict::Pass => {
                        let gates = gates(&automation, &record, name).await;
                        updated.checks.extend(gates.iter().cloned());
                        gates
                            .iter()
                            .filter(|c| c.verdict == Verdict::Fail)
                            .cloned()
                            .collect::<Vec<_>>()
                    }
                    Verdict::Fail => checks
                        .iter()
                        .filter(|c| c.verdict == Verdict::Fail)
                        .cloned()
                        .collect(),
                    Verdict::Inconclusive => {
                        updated.inconclusive += 1;
                        if updated.inconclusive > automation.analysis.inconclusive_limit {
                            vec![Check {
                                message: format!(
                                    "the analysis was inconclusive {} times in a row",
                                    updated.inconclusive
                                ),
                                verdict: Verdict::Fail,
                                ..checks
                                    .iter()
                                    .find(|c| c.verdict == Verdict::Inconclusive)
                                    .cloned()
                                    .expect("one")
                            }]
                        } else {
                            eprintln!(
                                "inconclusive ({} of {}): waiting {}s",
                                updated.inconclusive,
                                automation.analysis.inconclusive_limit,
                                automation.interval
                            );
                            Vec::new()
                        }
                    }
                };
                if !failed.is_empty() {
                    updated.failures += 1;
                }
                let passed = verdict == Verdict::Pass && failed.is_empty();
                if passed {
                    updated.failures = 0;
                    updated.inconclusive = 0;
                }
                let limit_reached = updated.failures >= automation.failure_limit;
                save_automation(conn, name, |_| updated.clone()).await?;
                if limit_reached {
                    let reason = failed
                        .iter()
                        .map(|c| c.message.clone())
                        .collect::<Vec<_>>()
                        .join("; ");
                    return roll_back(conn, name, &record, &automation, &reason, change).await;
                }
                if passed {
                    step::advance(conn, name, None, change, false).await?;
                    let reached = load(conn, name).await?.record.unwrap_or(record);
                    notify(
                        &automation,
                        &format!(
                            "{name}: step {}/{total} ({}) reached",
                            reached.step,
                            reached
                                .current_step()
                                .map(|s| s.name.as_str())
                                .unwrap_or_default()
                        ),
                    )
                    .await;
                    save_automation(conn, name, |a| {
                        let mut a = a.cloned().unwrap_or_else(|| updated.clone());
                        a.failures = 0;
                        a.inconclusive = 0;
                        a
                    })
                    .await?;
                }
            }
        }
    }
}

/// Aborts with the failed checks as the reason, and exits 3.
async fn roll_back(
    conn: &Connection,
    name: &str,
    record: &Record,
    automation: &Automation,
    reason: &str,
    change: &ChangeArgs,
) -> Result<()> {
    let at = format!("step {}/{}", record.step, record.steps.len());
    eprintln!("analysis failed at {at}: {reason}; rolling back");
    abort::abort(
        conn,
        name,
        Some(&format!("analysis failed: {reason}")),
        change,
    )
    .await?;
    hooks(automation, WebhookType::Rollback, record, name, conn).await;
    notify(
        automation,
        &format!("{name}: rolled back at {at}: {reason}"),
    )
    .await;
    Err(Error::new(
        Kind::AnalysisFailed,
        format!("analysis failed at {at} and the rollout was rolled back: {reason}"),
    )
    .with_hint(format!("`kubectl ramp status {name}` shows the checks")))
}

/// Waits until the step has run for the interval since it was reached or
/// since its last check, whichever is later (after a restart, too).
async fn wait_for_next_check(record: &Record, automation: &Automation) {
    let since = |at: &str| at.parse::<Timestamp>().ok();
    let last_transition = record.history.last().and_then(|t| since(&t.at));
    let last_check = automation.checks.last().and_then(|c| since(&c.at));
    let from = last_transition
        .max(last_check)
        .unwrap_or_else(Timestamp::now);
    let due = from.as_second() + automation.interval as i64;
    let wait = (due - Timestamp::now().as_second()).max(0) as u64;
    if wait > 0 {
        eprintln!(
            "step {}/{}: analysis in {wait}s",
            record.step,
            record.steps.len()
        );
        tokio::time::sleep(Duration::from_secs(wait)).await;
    }
}

/// One check: the contender's pods, then the metrics (unless too little
/// traffic reached the contender to judge them).
async fn analyse(
    conn: &Connection,
    name: &str,
    record: &Record,
    automation: &Automation,
) -> Result<Vec<Check>> {
    let contender = &record.contender;
    let api: Api<Deployment> = Api::namespaced(conn.client.clone(), &contender.namespace);
    let deployment = api.get(&contender.name).await.map_err(|e| {
        error::from_kube(
            e,
            &format!("get deployment {:?}", contender.name),
            &conn.server,
        )
    })?;
    let selector = deployment
        .spec
        .and_then(|s| s.selector.match_labels)
        .unwrap_or_default()
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join(",");
    let mut checks = vec![
        pods::check(
            conn,
            &contender.namespace,
            &selector,
            automation.analysis.pod_health.max_restarts,
        )
        .await?,
    ];
    let Some(url) = &automation.prometheus else {
        return Ok(checks);
    };
    if automation.analysis.metrics.is_empty() {
        return Ok(checks);
    }
    let prometheus = Prometheus::new(url);
    let ctx = Context {
        namespace: conn.namespace.clone(),
        contender: contender.name.clone(),
        incumbent: name.to_string(),
        interval: format!("{}s", automation.interval),
    };
    let now = || Timestamp::now().to_string();
    let samples_query = judge::samples_query(&ctx);
    let samples = prometheus.query(&samples_query).await?.unwrap_or(0.0);
    let min = automation.analysis.min_samples as f64;
    if samples < min {
        checks.push(Check {
            at: now(),
            name: "min-samples".into(),
            query: Some(samples_query),
            value: Some(samples),
            threshold: format!(">= {min} requests"),
            verdict: Verdict::Inconclusive,
            message: format!(
                "{} requests reached the contender in the last {}, fewer than {min}: too little traffic to judge, waiting",
                samples.round(),
                ctx.interval
            ),
        });
        return Ok(checks);
    }
    for metric in &automation.analysis.metrics {
        let query = judge::query(metric, &ctx, &ctx.contender);
        let contender_value = prometheus.query(&query).await?;
        let incumbent_value = match metric.relative {
            true => {
                prometheus
                    .query(&judge::query(metric, &ctx, &ctx.incumbent))
                    .await?
            }
            false => None,
        };
        let (verdict, value, message) = judge::judge(metric, contender_value, incumbent_value);
        checks.push(Check {
            at: now(),
            name: metric.name.clone(),
            query: Some(query),
            value,
            threshold: judge::threshold(metric),
            verdict,
            message,
        });
    }
    Ok(checks)
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

async fn notify(automation: &Automation, text: &str) {
    if let Some(url) = &automation.notify {
        webhook::notify(url, text).await;
    }
}

/// Writes the automation part of the record (compare-and-swap, as every
/// record write).
async fn save_automation(
    conn: &Connection,
    name: &str,
    change: impl Fn(Option<&Automation>) -> Automation,
) -> Result<()> {
    let loaded = load(conn, name).await?;
    let Some(mut record) = loaded.record.clone() else {
        return Err(Error::failed(format!(
            "the rollout record of {name:?} disappeared"
        )));
    };
    let updated = change(record.automation.as_ref());
    if record.automation.as_ref() == Some(&updated) {
        return Ok(());
    }
    record.automation = Some(updated);
    let mut writer = executor(
        conn,
        name,
        record.clone(),
        loaded.raw,
        &ChangeArgs::default(),
    );
    writer.write_record(&record).await
}

/// One cluster of an automated rollout across clusters.
struct Member {
    name: String,
    conn: Connection,
    change: ChangeArgs,
}

/// An automated rollout across clusters, in lock-step: every cluster's
/// step is analysed, and only when all pass do all go to the next step; a
/// failure on any cluster rolls back every cluster (exit 3).
pub async fn drive_many(
    clusters: Vec<(String, GlobalArgs, ChangeArgs)>,
    deployment: &str,
    automation: Automation,
) -> Result<()> {
    let mut members = Vec::new();
    for (name, global, change) in clusters {
        let conn = Connection::open(&global)
            .await
            .map_err(|e| labelled(&name, e))?;
        members.push(Member { name, conn, change });
    }
    let mut locks = Vec::new();
    for m in &members {
        match Lock::acquire(&m.conn, &m.conn.namespace, deployment, "run").await {
            Ok(lock) => locks.push(lock),
            Err(e) => {
                for lock in locks {
                    lock.release().await;
                }
                return Err(labelled(&m.name, e));
            }
        }
    }
    let outcome = tokio::select! {
        outcome = lock_step(&members, deployment, &automation) => outcome,
        _ = tokio::signal::ctrl_c() => {
            eprintln!("stopped; the clusters stay where they are");
            Ok(())
        }
    };
    for lock in locks {
        lock.release().await;
    }
    outcome
}

fn labelled(cluster: &str, err: Error) -> Error {
    Error {
        message: format!("{cluster}: {}", err.message),
        ..err
    }
}

async fn lock_step(members: &[Member], deployment: &str, automation: &Automation) -> Result<()> {
    let mut failures = 0;
    let mut inconclusive = 0;
    loop {
        let mut records = Vec::new();
        for m in members {
            let record = load(&m.conn, deployment)
                .await
                .map_err(|e| labelled(&m.name, e))?
                .record;
            records.push(record.ok_or_else(|| {
                Error::failed(format!("{}: the rollout record disappeared", m.name))
            })?);
        }
        if records.iter().all(|r| r.phase == Phase::Succeeded) {
            return Ok(());
        }
        if let Some((m, _)) = members
            .iter()
            .zip(&records)
            .find(|(_, r)| r.phase == Phase::Aborted)
        {
            let reason = format!("the rollout was aborted on {}", m.name);
            return everywhere_back(members, deployment, &records, automation, &reason).await;
        }
        // Finish what an interrupted command began, everywhere.
        let unfinished: Vec<_> = members
            .iter()
            .zip(&records)
            .filter(|(_, r)| matches!(r.phase, Phase::Progressing | Phase::Promoting))
            .collect();
        if !unfinished.is_empty() {
            for (m, r) in unfinished {
                let result = match r.phase {
                    Phase::Promoting => {
                        let loaded = load(&m.conn, deployment).await?;
                        promote::promote(&m.conn, deployment, loaded, &m.change).await
                    }
                    _ => step::advance(&m.conn, deployment, None, &m.change, false).await,
                };
                result.map_err(|e| labelled(&m.name, e))?;
            }
            continue;
        }
        let total = records[0].steps.len();
        if records.iter().all(|r| r.step >= total) {
            if !automation.promote {
                eprintln!(
                    "every cluster is at the last step; left for a person: `kubectl ramp promote {deployment} --clusters ...`"
                );
                return Ok(());
            }
            let promoted = join_all(members.iter().map(|m| async move {
                let loaded = load(&m.conn, deployment).await?;
                promote::promote(&m.conn, deployment, loaded, &m.change).await
            }))
            .await;
            for (m, result) in members.iter().zip(promoted) {
                result.map_err(|e| labelled(&m.name, e))?;
            }
            notify(
                automation,
                &format!("{deployment}: promoted on {} clusters", members.len()),
            )
            .await;
            return Ok(());
        }
        // The check is due when it is due on the cluster that stepped last.
        let latest = records
            .iter()
            .max_by_key(|r| r.history.last().map(|t| t.at.clone()).unwrap_or_default())
            .expect("one cluster at least");
        wait_for_next_check(latest, automation).await;
        let mut failed = Vec::new();
        let mut unsure = false;
        for (m, record) in members.iter().zip(&records) {
            let checks = analyse(&m.conn, deployment, record, automation)
                .await
                .map_err(|e| labelled(&m.name, e))?;
            for check in &checks {
                eprintln!(
                    "[{}] check {}: {} ({})",
                    m.name,
                    check.name,
                    check.verdict.as_str(),
                    check.message
                );
            }
            let kept = checks.clone();
            save_automation(&m.conn, deployment, |a| {
                let mut a = a.cloned().unwrap_or_else(|| automation.clone());
                a.checks.extend(kept.iter().cloned());
                let excess = a.checks.len().saturating_sub(KEPT_CHECKS);
                a.checks.drain(..excess);
                a
            })
            .await?;
            match overall(&checks) {
                Verdict::Fail => failed.extend(
                    checks
                        .into_iter()
                        .filter(|c| c.verdict == Verdict::Fail)
                        .map(|c| format!("{}: {}", m.name, c.message)),
                ),
                Verdict::Inconclusive => unsure = true,
                Verdict::Pass => {}
            }
        }
        if failed.is_empty() && unsure {
            inconclusive += 1;
            if inconclusive > automation.analysis.inconclusive_limit {
                failed.push(format!(
                    "the analysis was inconclusive {inconclusive} times in a row"
                ));
            } else {
                eprintln!(
                    "inconclusive ({inconclusive} of {}): waiting",
                    automation.analysis.inconclusive_limit
                );
                continue;
            }
        }
        if !failed.is_empty() {
            failures += 1;
            if failures >= automation.failure_limit {
                return everywhere_back(
                    members,
                    deployment,
                    &records,
                    automation,
                    &failed.join("; "),
                )
                .await;
            }
            continue;
        }
        failures = 0;
        inconclusive = 0;
        let gated = gates(automation, &records[0], deployment).await;
        if let Some(gate) = gated.iter().find(|c| c.verdict == Verdict::Fail) {
            return everywhere_back(members, deployment, &records, automation, &gate.message).await;
        }
        let stepped = join_all(
            members
                .iter()
                .map(|m| step::advance(&m.conn, deployment, None, &m.change, false)),
        )
        .await;
        if let Some((m, Err(e))) = members.iter().zip(stepped).find(|(_, r)| r.is_err()) {
            let reason = format!("{}: {}", m.name, e.message);
            return everywhere_back(members, deployment, &records, automation, &reason).await;
        }
        notify(
            automation,
            &format!(
                "{deployment}: step {}/{total} reached on {} clusters",
                records[0].step + 1,
                members.len()
            ),
        )
        .await;
    }
}

/// Rolls every cluster back and exits 3 with the reason.
async fn everywhere_back(
    members: &[Member],
    deployment: &str,
    records: &[Record],
    automation: &Automation,
    reason: &str,
) -> Result<()> {
    eprintln!("rolling back on every cluster: {reason}");
    let why = format!("analysis failed: {reason}");
    join_all(
        members
            .iter()
            .map(|m| abort::abort(&m.conn, deployment, Some(&why), &m.change)),
    )
    .await;
    if let Some(record) = records.first() {
        hooks(
            automation,
            WebhookType::Rollback,
            record,
            deployment,
            &members[0].conn,
        )
        .await;
    }
    notify(
        automation,
        &format!("{deployment}: rolled back on every cluster: {reason}"),
    )
    .await;
    Err(Error::new(
        Kind::AnalysisFailed,
        format!("the rollout was rolled back on every cluster: {reason}"),
    ))
}
