//! `kubectl ramp status DEPLOYMENT`: reads only.

use std::io::{IsTerminal, Write};

use futures::StreamExt;
use k8s_openapi::api::apps::v1::Deployment;
use kube::Api;
use kube::runtime::watcher;

use crate::cli::{GlobalArgs, OutputFormat, StatusArgs};
use crate::connect::Connection;
use crate::engine::observe::{Observed, observe};
use crate::error::{Error, Result};
use crate::rollout::record::Phase;
use crate::router::Version;
use crate::ui::Ui;
use crate::ui::status::{
    CapacityReport, ContainerImage, ImagesReport, Replicas, StatusReport, StepReport,
    TrafficReport, table_of,
};

pub async fn run(global: &GlobalArgs, args: &StatusArgs) -> Result<()> {
    let ui = Ui::new(global);
    let conn = Connection::open(&global.target()).await?;
    let observed = observe(&conn, &args.deployment).await?;
    let report = report(&args.deployment, &conn.namespace, &observed);
    if !args.watch {
        return ui.print(&report, table_of);
    }
    watch(&ui, &conn, &args.deployment, report).await
}

/// Shows the status again whenever the Deployments of the rollout change.
/// It is a watch on the API server, not polling: nothing is sent while
/// nothing changes.
async fn watch(ui: &Ui, conn: &Connection, name: &str, first: StatusReport) -> Result<()> {
    let terminal = std::io::stdout().is_terminal() && ui.format == OutputFormat::Table;
    let draw = |report: &StatusReport| -> Result<()> {
        if terminal {
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
    draw(&first)?;
    let mut last = serde_json::to_value(&first).ok();
    let ended = |phase: Phase| matches!(phase, Phase::Succeeded | Phase::Aborted);
    if ended(first.phase) {
        return Ok(());
    }
    let config = watcher::Config::default();
    let deployments: Api<Deployment> = Api::namespaced(conn.client.clone(), &conn.namespace);
    let mut changes = watcher(deployments, config).boxed();
    loop {
        tokio::select! {
            change = changes.next() => {
                match change {
                    None => return Ok(()),
                    Some(Err(e)) => tracing::debug!("watch interrupted, it resumes: {e}"),
                    Some(Ok(_)) => {}
                }
            }
            _ = tokio::signal::ctrl_c() => return Err(Error::interrupted(
                "stopped watching; the rollout is not affected",
            )),
        }
        let observed = observe(conn, name).await?;
        let report = report(name, &conn.namespace, &observed);
        let value = serde_json::to_value(&report).ok();
        if value != last {
            draw(&report)?;
            last = value;
        }
        if ended(report.phase) {
            return Ok(());
        }
    }
}

/// The status of a rollout as the user sees it, from what was observed.
pub fn report(name: &str, namespace: &str, observed: &Observed) -> StatusReport {
    let incumbent = replicas_of(Some(&observed.incumbent));
    let contender = replicas_of(observed.contender.as_ref());
    let pods_decide = observed.routing.router.traffic_follows_pods();
    let traffic = match observed.routing.routes.first().filter(|_| !pods_decide) {
        None => {
            let (incumbent_pct, contender_pct) = crate::rollout::capacity::split(
                incumbent.ready.max(0) as u32,
                contender.ready.max(0) as u32,
            );
            TrafficReport {
                incumbent: incumbent_pct,
                contender: contender_pct,
                other: 0.0,
            }
        }
        Some(route) => TrafficReport {
            incumbent: route.percent_to(Version::Incumbent),
            contender: route.percent_to(Version::Contender),
            other: route.percent_to(Version::Other),
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
        service: observed
            .service
            .as_ref()
            .and_then(|s| s.metadata.name.clone()),
        contender: observed
            .contender
            .as_ref()
            .and_then(|d| d.metadata.name.clone()),
        images: ImagesReport {
            incumbent: images_of(Some(&observed.incumbent)),
            contender: images_of(observed.contender.as_ref()),
        },
        routes: observed.routing.routes.clone(),
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
    }
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
