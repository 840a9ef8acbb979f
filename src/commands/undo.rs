//! `kubectl ramp undo DEPLOYMENT [--to-revision N]`: a canary back to the
//! pod template of an earlier revision (by default the one before the
//! revision the Deployment runs), with the steps of a normal start. The
//! earlier templates are the Deployment's own ReplicaSets, as for
//! `kubectl rollout undo`.

use k8s_openapi::api::apps::v1::{Deployment, ReplicaSet};
use kube::Api;
use kube::api::ListParams;

use super::load;
use super::start;
use crate::cli::{GlobalArgs, UndoArgs};
use crate::connect::Connection;
use crate::error::{self, Error, Result};
use crate::rollout::history::{self, REVISION, Revision};

pub async fn run(global: &GlobalArgs, args: &UndoArgs) -> Result<()> {
    if args.rollout.change.clusters.is_set() {
        return Err(Error::invalid(
            "undo goes back on one cluster at a time: revisions differ between clusters",
        )
        .with_hint("run it with --context CONTEXT for each cluster"));
    }
    let name = args.deployment.as_str();
    let fleet = super::fanout::fleet(global, &args.rollout.change)?;
    let place = &fleet.places[0];
    let conn = place.conn().await?;
    let loaded = load(conn, name).await?;
    let current = revision_of(loaded.incumbent.metadata.annotations.as_ref()).ok_or_else(|| {
        Error::invalid(format!(
            "deployment {name:?} has no revision yet: there is nothing to go back to"
        ))
    })?;
    let revisions = revisions(conn, &loaded.incumbent).await?;
    let (number, template) = history::undo_target(name, &revisions, current, args.to_revision)?;
    let images: Vec<String> = history::images(&template)
        .into_iter()
        .map(|i| i.image)
        .collect();
    eprintln!(
        "going back to revision {number} ({}) with a canary",
        images.join(", ")
    );
    let template = serde_json::from_value(template).map_err(|e| {
        Error::failed(format!(
            "the pod template of revision {number} cannot be read: {e}"
        ))
    })?;
    let asked = start::Asked::revision(name, &args.rollout, &template);
    start::start(global, place, &asked, &place.change).await
}

/// The revision a Deployment's or ReplicaSet's annotations give.
fn revision_of(annotations: Option<&std::collections::BTreeMap<String, String>>) -> Option<u64> {
    annotations?.get(REVISION)?.parse().ok()
}

/// The revisions the Deployment's ReplicaSets keep.
async fn revisions(conn: &Connection, deployment: &Deployment) -> Result<Vec<Revision>> {
    let name = deployment.metadata.name.clone().unwrap_or_default();
    let selector = deployment
        .spec
        .as_ref()
        .and_then(|s| s.selector.match_labels.as_ref())
        .map(|labels| {
            labels
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>()
                .join(",")
        })
        .unwrap_or_default();
    let api: Api<ReplicaSet> = Api::namespaced(conn.client.clone(), &conn.namespace);
    let sets = api
        .list(&ListParams::default().labels(&selector))
        .await
        .map_err(|e| {
            error::from_kube(
                e,
                &format!("list the replica sets of deployment {name:?}"),
                &conn.server,
            )
        })?;
    let uid = deployment.metadata.uid.as_deref();
    Ok(sets
        .items
        .into_iter()
        .filter(|set| {
            set.metadata
                .owner_references
                .iter()
                .flatten()
                .any(|o| Some(o.uid.as_str()) == uid)
        })
        .filter_map(|set| {
            let number = revision_of(set.metadata.annotations.as_ref())?;
            let template = serde_json::to_value(set.spec?.template?).ok()?;
            Some(Revision { number, template })
        })
        .collect())
}
