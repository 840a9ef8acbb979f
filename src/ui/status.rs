//! The status report: made from what was observed (`report`), its
//! JSON/YAML shape (a stable interface, see DESIGN.md) and its table for
//! people.

use console::style;
use k8s_openapi::api::apps::v1::Deployment;
use serde::Serialize;

use super::{Ui, render, table};
use crate::analysis::Check;
use crate::engine::observe::Observed;
pub use crate::rollout::model::percent;
use crate::rollout::record::{Phase, Record, Transition};
use crate::router::{RouteWeights, RouterKind, SelectorView, Version};

#[derive(Debug, Serialize)]
pub struct StatusReport {
    pub deployment: String,
    pub namespace: String,
    pub phase: Phase,
    pub step: StepReport,
    pub traffic: TrafficReport,
    pub capacity: CapacityReport,
    pub router: RouterKind,
    /// The incumbent's Service, when one selects its pods.
    pub service: Option<String>,
    /// The contender Deployment, while a rollout has one.
    pub contender: Option<String>,
    pub images: ImagesReport,
    /// Every route that sends to the incumbent, with its weights.
    pub routes: Vec<RouteWeights>,
    /// Without a mesh, the incumbent Service's selector while a rollout
    /// manages it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub selector: Option<SelectorView>,
    /// The rollout's id: the `ramp.dev/rollout` label of what ramp made
    /// for it. None without a rollout (and for rollouts started before ids).
    pub rollout_id: Option<String>,
    /// When the rollout started (RFC 3339), if there is one.
    pub started_at: Option<String>,
    /// The latest transitions, oldest first.
    pub history: Vec<Transition>,
    /// The latest analysis checks of an automated rollout, oldest first.
    pub checks: Vec<Check>,
    /// What someone else changed of what the rollout manages since ramp's
    /// last write; empty when nothing.
    pub drift: Vec<String>,
    /// The freezes that hold the rollouts of its namespace now.
    pub freezes: Vec<crate::rollout::freeze::Freeze>,
    /// Why its driver holds it at its step: its checks passed, and a
    /// freeze keeps it from moving on.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub held: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct StepReport {
    /// The step reached, from 1; 0 before the first.
    pub index: usize,
    pub total: usize,
    pub name: Option<String>,
}

/// Percent of requests, as the router applies them now.
#[derive(Debug, Serialize)]
pub struct TrafficReport {
    pub contender: f64,
    pub incumbent: f64,
    /// To backends ramp does not manage (only when a route splits to them).
    pub other: f64,
    /// Copied to the contender besides (its answers dropped): mirrored.
    pub mirror: f64,
}

#[derive(Debug, Serialize)]
pub struct CapacityReport {
    pub contender: Replicas,
    pub incumbent: Replicas,
}

#[derive(Debug, Serialize, Default)]
pub struct Replicas {
    pub ready: i32,
    pub desired: i32,
}

#[derive(Debug, Serialize)]
pub struct ImagesReport {
    pub incumbent: Vec<ContainerImage>,
    pub contender: Vec<ContainerImage>,
}

#[derive(Debug, Serialize)]
pub struct ContainerImage {
    pub container: String,
    pub image: String,
}

fn phase(phase: Phase, ui: &Ui) -> String {
    let text = phase.as_str();
    if !ui.color {
        return text.to_string();
    }
    match phase {
        Phase::Succeeded => style(text).green().to_string(),
        Phase::Aborted => style(text).red().to_string(),
        Phase::Progressing | Phase::Promoting => style(text).cyan().to_string(),
        Phase::Paused => style(text).yellow().to_string(),
        Phase::Idle => text.to_string(),
    }
}

fn images(images: &[ContainerImage]) -> String {
    if images.is_empty() {
        return "-".into();
    }
    images
        .iter()
        .map(|c| format!("{}={}", c.container, c.image))
        .collect::<Vec<_>>()
        .join(",")
}

pub fn table_of(report: &StatusReport, ui: &Ui) -> String {
    let mut out = String::new();
    let step = match &report.step.name {
        Some(name) => format!("{}/{} ({name})", report.step.index, report.step.total),
        None => format!("{}/{}", report.step.index, report.step.total),
    };
    let mut traffic = format!(
        "incumbent {}, contender {}",
        percent(report.traffic.incumbent),
        percent(report.traffic.contender)
    );
    if report.traffic.other > 0.0 {
        traffic.push_str(&format!(", other {}", percent(report.traffic.other)));
    }
    if report.traffic.mirror > 0.0 {
        traffic.push_str(&format!(
            "; {} mirrored to the contender",
            percent(report.traffic.mirror)
        ));
    }
    let fields = [
        ("Deployment", report.deployment.clone()),
        ("Namespace", report.namespace.clone()),
        ("Phase", phase(report.phase, ui)),
        ("Step", step),
        (
            "Age",
            report
                .started_at
                .as_deref()
                .map(age)
                .unwrap_or_else(|| "-".into()),
        ),
        ("Router", report.router.as_str().to_string()),
        (
            "Service",
            report.service.clone().unwrap_or_else(|| "-".into()),
        ),
        ("Traffic", traffic),
    ];
    for (label, value) in fields {
        out.push_str(&format!("{:<12}{value}\n", format!("{label}:")));
    }
    out.push_str(&notes(report));
    for table in [
        Some(versions(report)),
        routes(report),
        checks(report),
        history(report),
    ]
    .into_iter()
    .flatten()
    {
        out.push('\n');
        out.push_str(&table);
    }
    out
}

/// What the status notes under its fields: the selector without a mesh,
/// drift, freezes, a driver's hold.
fn notes(report: &StatusReport) -> String {
    let mut out = String::new();
    if let Some(selector) = &report.selector {
        out.push_str(&format!(
            "{:<12}{} selects {}: {}\n",
            "Selector:",
            selector.service,
            crate::rollout::model::shown_labels(&selector.labels),
            selector.selects.as_str()
        ));
        if selector.ready_endpoints == Some(0) {
            out.push_str(&format!(
                "{:<12}service {} sends to no pod: no ready pod matches its selector; `kubectl ramp abort {}` puts it back as it was\n",
                "",
                selector.service,
                report.deployment
            ));
        }
    }
    for (i, change) in report.drift.iter().enumerate() {
        let label = if i == 0 { "Drift:" } else { "" };
        out.push_str(&format!("{label:<12}{change}\n"));
    }
    for (i, freeze) in report.freezes.iter().enumerate() {
        let label = if i == 0 { "Frozen:" } else { "" };
        out.push_str(&format!("{label:<12}{}\n", freeze.describe()));
    }
    if let Some(held) = &report.held {
        out.push_str(&format!(
            "{:<12}at its step: its checks passed, and {}\n",
            "Held:",
            crate::input::printable(held)
        ));
    }

    out
}

/// The two versions, their Deployments, readiness and images.
fn versions(report: &StatusReport) -> String {
    let mut versions = table(&["version", "deployment", "ready", "images"]);
    versions.add_row(vec![
        "incumbent".to_string(),
        report.deployment.clone(),
        format!(
            "{}/{}",
            report.capacity.incumbent.ready, report.capacity.incumbent.desired
        ),
        images(&report.images.incumbent),
    ]);
    versions.add_row(vec![
        "contender".to_string(),
        report.contender.clone().unwrap_or_else(|| "-".into()),
        match &report.contender {
            Some(_) => format!(
                "{}/{}",
                report.capacity.contender.ready, report.capacity.contender.desired
            ),
            None => "-".into(),
        },
        images(&report.images.contender),
    ]);
    render(&versions)
}

/// Each route ramp shifts, and its weights.
fn routes(report: &StatusReport) -> Option<String> {
    if report.routes.is_empty() {
        return None;
    }
    let mut routes = table(&["route", "destination", "weight"]);
    for route in &report.routes {
        for (i, backend) in route.backends.iter().enumerate() {
            let name = if i == 0 {
                format!("{}/{} {}", route.kind, route.object, route.route)
            } else {
                String::new()
            };
            routes.add_row(vec![
                name,
                backend.destination.clone(),
                format!("{} ({})", backend.weight, percent(backend.percent)),
            ]);
        }
    }
    Some(render(&routes))
}

/// The last six checks of the analysis.
fn checks(report: &StatusReport) -> Option<String> {
    if report.checks.is_empty() {
        return None;
    }
    let mut checks = table(&["age", "check", "verdict", "value", "threshold"]);
    for check in report.checks.iter().rev().take(6).rev() {
        checks.add_row(vec![
            age(&check.at),
            check.name.clone(),
            check.verdict.as_str().to_string(),
            check
                .value
                .map(|v| format!("{}", (v * 100.0).round() / 100.0))
                .unwrap_or_else(|| "-".into()),
            check.threshold.clone(),
        ]);
    }
    Some(render(&checks))
}

/// The last five transitions.
fn history(report: &StatusReport) -> Option<String> {
    if report.history.is_empty() {
        return None;
    }
    let mut history = table(&["age", "event", "message"]);
    for transition in report.history.iter().rev().take(5).rev() {
        history.add_row(vec![
            age(&transition.at),
            crate::input::printable(&transition.event).into_owned(),
            crate::input::printable(&transition.message).into_owned(),
        ]);
    }
    Some(render(&history))
}

/// How long ago an RFC 3339 time was, as kubectl prints ages: 42s, 5m, 3h, 2d.
pub fn age(at: &str) -> String {
    age_at(at, k8s_openapi::jiff::Timestamp::now())
}

/// How long before `now` an RFC 3339 time was, as kubectl prints ages; a
/// time to come is 0s, and one that is not a time "?".
pub fn age_at(at: &str, now: k8s_openapi::jiff::Timestamp) -> String {
    let Ok(then) = at.parse::<k8s_openapi::jiff::Timestamp>() else {
        return "?".into();
    };
    let seconds = (now.as_second() - then.as_second()).max(0);
    match seconds {
        s if s < 120 => format!("{s}s"),
        s if s < 7200 => format!("{}m", s / 60),
        s if s < 172_800 => format!("{}h", s / 3600),
        s => format!("{}d", s / 86_400),
    }
}

/// The status of a rollout as the user sees it, from what was observed.
pub fn report(name: &str, namespace: &str, observed: &Observed) -> StatusReport {
    let incumbent = replicas_of(Some(&observed.incumbent));
    let contender = replicas_of(observed.contender.as_ref());
    let traffic = traffic_of(observed, &incumbent, &contender);
    let (phase, step) = step_of(observed.record.as_ref());
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

/// Where the traffic goes: as the first route ramp shifts sends it, or
/// without a mesh by the ready pods the Service selects (none when its
/// endpoints show no ready pod).
fn traffic_of(observed: &Observed, incumbent: &Replicas, contender: &Replicas) -> TrafficReport {
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
    match observed.routing.routes.first().filter(|_| !pods_decide) {
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
    }
}

/// The rollout's phase and step, Idle at 0/0 without a record.
fn step_of(record: Option<&Record>) -> (Phase, StepReport) {
    match record {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ages_read_as_kubectl_prints_them() {
        let now: k8s_openapi::jiff::Timestamp = "2026-12-04T12:00:00Z".parse().unwrap();
        let cases = [
            ("2026-12-04T11:59:18Z", "42s"),
            ("2026-12-04T11:58:01Z", "119s"),
            ("2026-12-04T11:58:00Z", "2m"),
            ("2026-12-04T10:00:01Z", "119m"),
            ("2026-12-04T10:00:00Z", "2h"),
            ("2026-12-02T12:00:01Z", "47h"),
            ("2026-12-02T12:00:00Z", "2d"),
            // A clock ahead of this one's: no negative age.
            ("2026-12-04T12:05:00Z", "0s"),
            ("yesterday", "?"),
        ];
        for (at, want) in cases {
            assert_eq!(age_at(at, now), want, "{at}");
        }
    }
}
