//! `kubectl ramp status DEPLOYMENT`: reads only.

use std::io::{IsTerminal, Write};
use std::time::Duration;

use tokio::time::Instant;

use futures::StreamExt;
use k8s_openapi::api::apps::v1::Deployment;
use kube::Api;
use kube::runtime::watcher;

use crate::cli::{GlobalArgs, StatusArgs};
use crate::connect::Connection;
use crate::engine::observe::observe;
use crate::error::{Error, Kind, Result};
use crate::rollout::record::Phase;
use crate::ui::status::{StatusReport, percent, report, table_of};
use crate::ui::{Format, Ui};

pub async fn run(global: &GlobalArgs, args: &StatusArgs) -> Result<()> {
    if args.clusters.is_set() && args.watch {
        return Err(Error::invalid(
            "status --wait follows the rollout on one cluster, and --clusters names several",
        )
        .with_hint(
            "wait on each cluster with --context CONTEXT, or leave out --wait for their summary",
        ));
    }
    let fleet = super::fanout::fleet_of(global, &args.clusters, super::Change::default())?;
    if fleet.across() {
        return super::fanout::status(global, &fleet, &args.deployment).await;
    }
    let ui = global.ui();
    let place = &fleet.places[0];
    let conn = place.conn().await?;
    // The freezes beside the rollout's objects; the rollout's error first.
    let (observed, freezes) = futures::future::join(
        observe(conn, &args.deployment),
        super::freeze::freezes(conn, &place.freeze_namespace),
    )
    .await;
    let (observed, freezes) = (observed?, freezes?);
    let mut report = report(&args.deployment, &conn.namespace, &observed);
    freezes.warn();
    report.freezes = freezes.freezes;
    if !args.watch {
        return ui.print(&report, table_of);
    }
    watch(&ui, conn, &args.deployment, report, args.timeout).await
}

/// How often a wait without a terminal says that it is still waiting: CI
/// systems kill jobs that print nothing for a while, and a log with times
/// tells how long each step took.
const HEARTBEAT: Duration = Duration::from_secs(30);

/// Shows the status again whenever the Deployments of the rollout change,
/// until the rollout ends. It is a watch on the API server, not polling:
/// nothing is sent while nothing changes. How the rollout ended is the exit
/// code, so that CI can wait on it.
async fn watch(
    ui: &Ui,
    conn: &Connection,
    name: &str,
    first: StatusReport,
    timeout: Option<Duration>,
) -> Result<()> {
    let terminal = std::io::stdout().is_terminal();
    let redraw = terminal && ui.format == Format::Table;
    let draw = |report: &StatusReport| draw(ui, redraw, report);
    let started = Instant::now();
    let deadline = timeout.map(|t| started + t);
    let beat = |report: &StatusReport| {
        if !terminal {
            eprintln!("{}", heartbeat(report, started.elapsed(), timeout));
        }
    };
    // Listening for Ctrl-C from before the first line, so that one pressed
    // at any moment of the wait is seen.
    let interrupted = tokio::signal::ctrl_c();
    tokio::pin!(interrupted);
    let _ = futures::poll!(interrupted.as_mut());
    draw(&first)?;
    if let Some(end) = ended(&first) {
        return end;
    }
    beat(&first);
    let mut last = serde_json::to_value(&first).ok();
    let mut last_said = (first.phase, first.step.index);
    let mut current = first;
    let mut next_beat = Instant::now() + HEARTBEAT;
    let config = watcher::Config::default();
    let deployments: Api<Deployment> = Api::namespaced(conn.client.clone(), &conn.namespace);
    let mut changes = watcher(deployments, config).boxed();
    let until_deadline = until(deadline);
    tokio::pin!(until_deadline);
    loop {
        tokio::select! {
            change = changes.next() => {
                match change {
                    None => return Err(Error::failed(format!(
                        "the watch of deployment {name:?} ended before its rollout did"
                    ))),
                    Some(Err(e)) => {
                        tracing::debug!("watch interrupted, it resumes: {e}");
                        continue;
                    }
                    Some(Ok(_)) => {}
                }
            }
            _ = tokio::time::sleep_until(next_beat), if !terminal => {
                beat(&current);
                next_beat = Instant::now() + HEARTBEAT;
                continue;
            }
            _ = &mut until_deadline => return Err(timed_out(name, &current, timeout)),
            _ = &mut interrupted => return Err(Error::interrupted(
                "stopped watching; the rollout is not affected",
            )),
        }
        let report = again(conn, name, &current).await?;
        let value = serde_json::to_value(&report).ok();
        if value != last {
            draw(&report)?;
            last = value;
        }
        if let Some(end) = ended(&report) {
            return end;
        }
        if (report.phase, report.step.index) != last_said {
            last_said = (report.phase, report.step.index);
            beat(&report);
            next_beat = Instant::now() + HEARTBEAT;
        }
        current = report;
    }
}

/// Shows `report` once more: from the top of the screen (`redraw`), or
/// one JSON document per line, or one YAML document after another.
fn draw(ui: &Ui, redraw: bool, report: &StatusReport) -> Result<()> {
    if redraw {
        // Clear the screen and draw from the top, as `watch` does.
        write!(std::io::stdout(), "\x1b[2J\x1b[H")?;
    }
    match ui.format {
        // One document per line, for scripts that read a stream.
        Format::Json => {
            let line = serde_json::to_string(report).expect("a report serializes");
            let mut out = std::io::stdout().lock();
            writeln!(out, "{line}")?;
            out.flush()?;
            Ok(())
        }
        Format::Yaml => {
            writeln!(std::io::stdout(), "---")?;
            ui.print(report, table_of)
        }
        Format::Table => ui.print(report, table_of),
    }
}

/// Ends at `deadline`; never without one.
async fn until(deadline: Option<Instant>) {
    match deadline {
        Some(deadline) => tokio::time::sleep_until(deadline).await,
        None => std::future::pending().await,
    }
}

/// The status read again after a change, with the freezes as first read:
/// a wait does not read them again at each change of the rollout.
async fn again(conn: &Connection, name: &str, current: &StatusReport) -> Result<StatusReport> {
    let observed = observe(conn, name).await?;
    let mut report = report(name, &conn.namespace, &observed);
    report.freezes = current.freezes.clone();
    Ok(report)
}

/// How the wait ends, once the rollout has: 0 when it succeeded, 3 when it
/// was aborted; at once with exit 2 when there is no rollout to wait for.
fn ended(report: &StatusReport) -> Option<Result<()>> {
    let name = &report.deployment;
    match report.phase {
        Phase::Succeeded => Some(Ok(())),
        Phase::Aborted => {
            let why = report
                .history
                .iter()
                .rev()
                .find(|t| t.event == "Aborted")
                .map(|t| t.message.clone())
                .unwrap_or_else(|| "aborted".to_string());
            Some(Err(Error::new(
                Kind::AnalysisFailed,
                format!("the rollout of {name} did not succeed: {why}"),
            )))
        }
        Phase::Idle => Some(Err(Error::invalid(format!(
            "deployment {name:?} has no rollout to wait for: no rollout was ever started on it"
        ))
        .with_hint(format!(
            "start one with `kubectl ramp start {name} --image IMAGE`, then wait"
        )))),
        Phase::Progressing | Phase::Paused | Phase::Promoting => None,
    }
}

fn timed_out(name: &str, report: &StatusReport, timeout: Option<Duration>) -> Error {
    let waited = timeout.map(crate::duration::display).unwrap_or_default();
    Error::new(
        Kind::TimedOut,
        format!(
            "timed out after {waited} waiting for the rollout of {name} to end; it is {} at step {}",
            report.phase.as_str(),
            step_of(report)
        ),
    )
    .with_hint(format!(
        "the rollout is not affected: go on with `kubectl ramp step {name}`, or `kubectl ramp abort {name}`"
    ))
}

/// One line for a CI log: when, where the rollout stands, how long waited.
fn heartbeat(report: &StatusReport, waited: Duration, timeout: Option<Duration>) -> String {
    let now = k8s_openapi::jiff::Timestamp::now().strftime("%Y-%m-%dT%H:%M:%SZ");
    let mut line = format!(
        "{now} waiting for {}: {} at step {}, {} of traffic to the contender, {}/{} contender pods ready",
        report.deployment,
        report.phase.as_str(),
        step_of(report),
        percent(report.traffic.contender),
        report.capacity.contender.ready,
        report.capacity.contender.desired,
    );
    let waited = crate::duration::display(Duration::from_secs(waited.as_secs()));
    match timeout {
        Some(timeout) => line.push_str(&format!(
            " ({waited} of {})",
            crate::duration::display(timeout)
        )),
        None => line.push_str(&format!(" ({waited})")),
    }
    line
}

fn step_of(report: &StatusReport) -> String {
    match &report.step.name {
        Some(name) => format!("{}/{} ({name})", report.step.index, report.step.total),
        None => format!("{}/{}", report.step.index, report.step.total),
    }
}
