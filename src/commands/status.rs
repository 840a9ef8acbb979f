//! `kubectl ramp status DEPLOYMENT`: reads only.

use std::io::{IsTerminal, Write};
use std::time::Duration;

use tokio::time::Instant;

use futures::StreamExt;
use k8s_openapi::api::apps::v1::Deployment;
use kube::Api;
use kube::runtime::watcher;

use crate::cli::{GlobalArgs, OutputFormat, StatusArgs};
use crate::connect::Connection;
use crate::engine::observe::{Observed, observe};
use crate::error::{Error, Kind, Result};
use crate::rollout::record::Phase;
use crate::router::Version;
use crate::ui::Ui;
use crate::ui::status::{
    CapacityReport, ContainerImage, ImagesReport, Replicas, StatusReport, StepReport,
    TrafficReport, percent, table_of,
};

pub async fn run(global: &GlobalArgs, args: &StatusArgs) -> Result<()> {
    let ui = Ui::new(global);
    let conn = Connection::open(&global.target()).await?;
    // The freezes beside the rollout's objects; the rollout's error first.
    let (observed, freezes) = futures::future::join(
        observe(&conn, &args.deployment),
        super::freeze::freezes(global, &conn),
    )
    .await;
    let (observed, freezes) = (observed?, freezes?);
    let mut report = report(&args.deployment, &conn.namespace, &observed);
    freezes.warn();
    report.freezes = freezes.freezes;
    if !args.watch {
        return ui.print(&report, table_of);
    }
    watch(&ui, &conn, &args.deployment, report, args.timeout).await
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
    let redraw = terminal && ui.format == OutputFormat::Table;
    let draw = |report: &StatusReport| -> Result<()> {
        if redraw {
            // Clear the screen and draw from the top, as `watch` does.
            write!(std::io::stdout(), "\x1b[2J\x1b[H")?;
        }
        match ui.format {
            // One document per line, for scripts that read a stream.
            OutputFormat::Json => {
                let line = serde_json::to_string(report).expect("a report serializes");
                let mut out = std::io::stdout().lock();
                writeln!(out, "{line}")?;
                out.flush()?;
                Ok(())
            }
            OutputFormat::Yaml => {
                writeln!(std::io::stdout(), "---")?;
                ui.print(report, table_of)
            }
            OutputFormat::Table => ui.print(report, table_of),
        }
    };
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
    let until_deadline = async {
        match deadline {
            Some(deadline) => tokio::time::sleep_until(deadline).await,
            None => std::future::pending().await,
        }
    };
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
        let observed = observe(conn, name).await?;
        let mut report = report(name, &conn.namespace, &observed);
        // The freezes as first read: a wait does not read them again at
        // each change of the rollout.
        report.freezes = current.freezes.clone();
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

/// The status of a rollout as the user sees it, from what was observed.
pub fn report(name: &str, namespace: &str, observed: &Observed) -> StatusReport {
    let incumbent = replicas_of(Some(&observed.incumbent));
    let contender = replicas_of(observed.contender.as_ref());
    let pods_decide = observed.routing.router.traffic_follows_pods();
    // Without a mesh, the pods the Service selects share its traffic.
    let (incumbent_selected, contender_selected) = observed
        .routing
        .selector
        .as_ref()
        .map_or((true, true), |s| s.selected());
    // What the endpoints show wins over what the selector should select.
    let none_served = observed
        .routing
        .selector
        .as_ref()
        .is_some_and(|s| s.ready_endpoints == Some(0));
    let traffic = match observed.routing.routes.first().filter(|_| !pods_decide) {
        None if none_served => TrafficReport {
            incumbent: 0.0,
            contender: 0.0,
            other: 0.0,
            mirror: 0.0,
        },
        None => {
            let (incumbent_pct, contender_pct) = crate::rollout::capacity::split(
                incumbent.ready.max(0) as u32 * u32::from(incumbent_selected),
                contender.ready.max(0) as u32 * u32::from(contender_selected),
            );
            TrafficReport {
                incumbent: incumbent_pct,
                contender: contender_pct,
                other: 0.0,
                mirror: 0.0,
            }
        }
        Some(route) => TrafficReport {
            incumbent: route.percent_to(Version::Incumbent),
            contender: route.percent_to(Version::Contender),
            other: route.percent_to(Version::Other),
            mirror: route.mirror.map_or(0.0, f64::from),
        },
    };
    let (phase, step) = match &observed.record {
        Some(record) => (
            record.phase,
            StepReport {
                index: record.step,
                total: record.steps.len(),
                name: record.current_step().map(|s| s.name.clone()),
            },
        ),
        None => (
            Phase::Idle,
            StepReport {
                index: 0,
                total: 0,
                name: None,
            },
        ),
    };
    StatusReport {
        deployment: name.to_string(),
        namespace: namespace.to_string(),
        phase,
        step,
        traffic,
        capacity: CapacityReport {
            contender,
            incumbent,
        },
        router: observed.routing.router,
        service: observed.service.clone(),
        contender: observed
            .contender
            .as_ref()
            .and_then(|d| d.metadata.name.clone()),
        images: ImagesReport {
            incumbent: images_of(Some(&observed.incumbent)),
            contender: images_of(observed.contender.as_ref()),
        },
        routes: observed.routing.routes.clone(),
        selector: observed.routing.selector.clone(),
        rollout_id: observed.record.as_ref().and_then(|r| r.id.clone()),
        started_at: observed
            .record
            .as_ref()
            .and_then(|r| r.history.iter().find(|t| t.event == "Started"))
            .map(|t| t.at.clone()),
        checks: observed
            .record
            .as_ref()
            .and_then(|r| r.automation.as_ref())
            .map(|a| a.checks.clone())
            .unwrap_or_default(),
        history: observed
            .record
            .as_ref()
            .map(|r| r.history.iter().rev().take(10).rev().cloned().collect())
            .unwrap_or_default(),
        drift: drift_of(observed),
        freezes: Vec::new(),
        held: observed
            .record
            .as_ref()
            .filter(|r| r.phase == Phase::Paused)
            .and_then(|r| r.automation.as_ref())
            .and_then(|a| a.held.clone()),
    }
}

/// What someone else changed of the rollout since ramp's last write.
fn drift_of(observed: &Observed) -> Vec<String> {
    let Some(record) = &observed.record else {
        // ramp's contender, and no record to say how far it got.
        return match &observed.contender {
            Some(left) => vec![format!(
                "the rollout record is gone, but ramp's {} is here: `kubectl ramp abort {}` takes it out",
                left.metadata.name.clone().unwrap_or_default(),
                observed.incumbent.metadata.name.clone().unwrap_or_default()
            )],
            None => Vec::new(),
        };
    };
    let incumbent = crate::engine::execute::state_of(&observed.incumbent);
    let contender = observed
        .contender
        .as_ref()
        .map(crate::engine::execute::state_of);
    let routes: Vec<Option<f64>> = record
        .router
        .routes
        .iter()
        .map(|snapshot| {
            observed
                .routing
                .routes
                .iter()
                .find(|r| r.object == snapshot.object && r.route == snapshot.label())
                .map(|r| r.percent_to(Version::Contender))
        })
        .collect();
    crate::rollout::drift::find(
        record,
        &crate::rollout::drift::Seen {
            incumbent: &incumbent,
            contender: contender.as_ref(),
            routes: &routes,
            incumbent_by: crate::rollout::drift::Writers::of(&observed.incumbent.metadata),
            contender_by: observed
                .contender
                .as_ref()
                .map(|c| crate::rollout::drift::Writers::of(&c.metadata))
                .unwrap_or_default(),
            routes_by: &[],
            selector: observed.routing.selector.as_ref().map(|s| &s.labels),
            selector_by: observed
                .routing
                .selector
                .as_ref()
                .and_then(|s| s.changed_by.clone()),
        },
    )
}

fn replicas_of(deployment: Option<&Deployment>) -> Replicas {
    let Some(deployment) = deployment else {
        return Replicas::default();
    };
    Replicas {
        ready: deployment
            .status
            .as_ref()
            .and_then(|s| s.ready_replicas)
            .unwrap_or(0),
        desired: deployment
            .spec
            .as_ref()
            .and_then(|s| s.replicas)
            .unwrap_or(1),
    }
}

fn images_of(deployment: Option<&Deployment>) -> Vec<ContainerImage> {
    let containers = deployment
        .and_then(|d| d.spec.as_ref())
        .and_then(|s| s.template.spec.as_ref())
        .map(|s| s.containers.as_slice())
        .unwrap_or_default();
    containers
        .iter()
        .map(|c| ContainerImage {
            container: c.name.clone(),
            image: c.image.clone().unwrap_or_default(),
        })
        .collect()
}
