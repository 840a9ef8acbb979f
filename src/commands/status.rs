//! `kubectl ramp status DEPLOYMENT`: reads only.

use k8s_openapi::api::apps::v1::Deployment;

use crate::cli::{GlobalArgs, StatusArgs};
use crate::connect::Connection;
use crate::error::Result;
use crate::rollout::observe::{Observed, observe};
use crate::rollout::record::Phase;
use crate::router::{RouterKind, Version, replicas};
use crate::ui::Ui;
use crate::ui::status::{
    CapacityReport, ContainerImage, ImagesReport, Replicas, StatusReport, StepReport,
    TrafficReport, table_of,
};

pub async fn run(global: &GlobalArgs, args: &StatusArgs) -> Result<()> {
    let ui = Ui::new(global);
    let conn = Connection::open(global).await?;
    let observed = observe(&conn, &args.deployment).await?;
    let report = report(&args.deployment, &conn.namespace, &observed);
    ui.print(&report, table_of)
}

/// The status of a rollout as the user sees it, from what was observed.
pub fn report(name: &str, namespace: &str, observed: &Observed) -> StatusReport {
    let incumbent = replicas_of(Some(&observed.incumbent));
    let contender = replicas_of(observed.contender.as_ref());
    let traffic = match (observed.routing.router, observed.routing.routes.first()) {
        (RouterKind::Replicas, _) | (_, None) => {
            let (incumbent_pct, contender_pct) =
                replicas::split(incumbent.ready.max(0) as u32, contender.ready.max(0) as u32);
            TrafficReport {
                incumbent: incumbent_pct,
                contender: contender_pct,
                other: 0.0,
            }
        }
        (_, Some(route)) => TrafficReport {
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
