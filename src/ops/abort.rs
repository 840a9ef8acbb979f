//! Abort: traffic back to the incumbent first (the routes restored from the
//! snapshot), then the contender removed. Abort always wins: another
//! command writing at the same moment does not stop it.

use crate::connect::Connection;
use crate::engine::change::Change;
use crate::engine::execute::state_of;
use crate::engine::observe::Observed;
use crate::engine::session::{Begin, drive, load_with};
use crate::error::{Error, Kind, Result};
use crate::ops::executor;
use crate::rollout::record::{Phase, Record};

/// How an abort that finds no rollout to abort ends its message (exit 2).
const NOTHING_TO_ABORT: &str = "there is nothing to abort";

/// Whether an abort's error says there was nothing to abort: across
/// clusters, one that has no rollout is no failure of the others'.
pub fn nothing_to_abort(err: &Error) -> bool {
    err.kind == crate::error::Kind::Invalid && err.message.ends_with(NOTHING_TO_ABORT)
}

/// How many times an abort reads the rollout again after someone else
/// changed it in the moment between its read and its write.
const ABORT_ATTEMPTS: usize = 5;

/// Aborts: another command writing the record at the same moment does not
/// stop it (abort always wins); it reads the rollout again and goes on.
/// The rollout as it left it.
pub async fn abort(
    conn: &Connection,
    name: &str,
    reason: Option<&str>,
    change: &Change,
) -> Result<Option<Observed>> {
    let mut attempt = 1;
    loop {
        match abort_once(conn, name, reason, change).await {
            Err(err) if err.kind == Kind::Conflict && attempt < ABORT_ATTEMPTS => {
                tracing::debug!("aborting again after a conflict: {err}");
                attempt += 1;
            }
            outcome => return outcome,
        }
    }
}

/// An abort with no record (someone removed it): traffic back from
/// whatever sends to ramp's contender, then ramp's contender removed. Only
/// what ramp made is touched; without any, there is nothing to abort.
async fn without_record(
    conn: &Connection,
    name: &str,
    change: &Change,
) -> Result<Option<Observed>> {
    use k8s_openapi::api::apps::v1::Deployment;
    use k8s_openapi::api::core::v1::Service;
    use kube::Api;
    use kube::api::{DeleteParams, Preconditions};
    let namespace = conn.namespace.clone();
    let contender = crate::rollout::contender::name_for(name);
    let deployments: Api<Deployment> = Api::namespaced(conn.client.clone(), &namespace);
    let services: Api<Service> = Api::namespaced(conn.client.clone(), &namespace);
    let failed = |what: String| move |e| crate::error::from_kube(e, &what, &conn.server);
    let (deployment, service) =
        crate::engine::observe::contender_objects(conn, &namespace, &contender).await?;
    let ours = |meta: &kube::api::ObjectMeta| {
        crate::rollout::contender::owned(meta, &namespace, name, None)
    };
    let deployment = deployment.filter(|d| ours(&d.metadata));
    let service = service.filter(|s| ours(&s.metadata));
    if deployment.is_none() && service.is_none() {
        return Err(Error::invalid(format!(
            "deployment {name:?} has no rollout in progress; {NOTHING_TO_ABORT}"
        )));
    }
    eprintln!("ramp's {contender} is here without a rollout record to go by: taking it out");
    let incumbent_ref = crate::router::ServiceRef {
        name: name.to_string(),
        namespace: namespace.clone(),
    };
    let contender_ref = crate::router::ServiceRef {
        name: contender.clone(),
        namespace: namespace.clone(),
    };
    for line in
        crate::router::abort_without_record(conn, &incumbent_ref, &contender_ref, change.dry_run)
            .await?
    {
        eprintln!("{line}");
    }
    if !change.dry_run {
        none_sending(conn, name, (&incumbent_ref, &contender_ref)).await?;
    }
    let exactly = |uid: Option<String>| DeleteParams {
        dry_run: change.dry_run,
        preconditions: uid.map(|uid| Preconditions {
            uid: Some(uid),
            resource_version: None,
        }),
        ..Default::default()
    };
    if let Some(d) = deployment {
        deployments
            .delete(&contender, &exactly(d.metadata.uid))
            .await
            .map_err(failed(format!("delete deployment {contender:?}")))?;
        eprintln!("deleted deployment {contender}");
    }
    if let Some(s) = service {
        services
            .delete(&contender, &exactly(s.metadata.uid))
            .await
            .map_err(failed(format!("delete service {contender:?}")))?;
        eprintln!("deleted service {contender}");
    }
    if change.dry_run {
        return Ok(None);
    }
    crate::engine::observe::observe_without_record(conn, name)
        .await
        .map(Some)
}

/// Refuses to take the contender out while routes elsewhere (another
/// namespace's) still send to it: its pods and its Service stay, or those
/// routes' requests fail. Says so when the routes cannot all be listed.
async fn none_sending(
    conn: &Connection,
    name: &str,
    (incumbent, contender): (&crate::router::ServiceRef, &crate::router::ServiceRef),
) -> Result<()> {
    let sending = crate::router::still_sending(conn, incumbent, contender).await?;
    let contender = &contender.name;
    match sending {
        Some(sending) if !sending.is_empty() => Err(Error::failed(format!(
            "left deployment and service {contender}: {} still send to it",
            sending.join(", ")
        ))
        .with_hint(format!(
            "take {contender} out of those routes, then run `kubectl ramp abort {name}` again"
        ))),
        Some(_) => Ok(()),
        None => {
            eprintln!(
                "cannot list the routes of every namespace: any that still sends to {contender} elsewhere loses its traffic to it"
            );
            Ok(())
        }
    }
}

async fn abort_once(
    conn: &Connection,
    name: &str,
    reason: Option<&str>,
    change: &Change,
) -> Result<Option<Observed>> {
    let loaded = match load_with(conn, name, Record::from_annotations_to_abort).await {
        // Nothing of the record can be trusted, its snapshot neither: the
        // contender is taken out of whatever sends to it.
        // Nor of one a newer kubectl-ramp wrote, which this one cannot
        // read: traffic goes back all the same.
        Err(err) if crate::rollout::record::unreadable(&err) => {
            eprintln!("{}; taking ramp's contender out instead", err.message);
            return without_record(conn, name, change).await;
        }
        loaded => loaded?,
    };
    let base = loaded.base();
    let Some(record) = loaded.record else {
        return without_record(conn, name, change).await;
    };
    let begin = match record.phase {
        Phase::Succeeded | Phase::Idle => {
            return Err(Error::invalid(format!(
                "the rollout of {name:?} already succeeded; {NOTHING_TO_ABORT}"
            ))
            .with_hint(format!(
                "to go back to the previous version, run `kubectl rollout undo deployment/{name}`"
            )));
        }
        // Already aborted, or its clean-up was interrupted: converge.
        Phase::Aborted => None,
        Phase::Promoting if state_of(&loaded.incumbent).template == record.contender.template => {
            return Err(Error::invalid(format!("deployment {name:?} already runs the new version; promotion cannot be undone by abort"))
                .with_hint(format!("finish with `kubectl ramp promote {name}`, then `kubectl rollout undo deployment/{name}`")));
        }
        Phase::Progressing | Phase::Paused | Phase::Promoting => {
            let mut next = record.clone();
            next.phase = Phase::Aborted;
            next.target = next.step;
            let reason = reason.unwrap_or("aborted by request");
            Some(Begin {
                record: next,
                reason: "Aborted",
                message: format!(
                    "aborted at step {}/{}: {reason}",
                    record.step,
                    record.steps.len()
                ),
                restore_first: true,
            })
        }
    };
    let executor = executor(conn, name, record, base, change).aborting();
    Ok(drive(executor, conn, name, "abort", begin).await?.view)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::mock::{self, Sent};
    use crate::rollout::record::ANNOTATION;
    use crate::rollout::record::tests::at_ten_percent;

    const DEPLOYMENTS: &str = "/apis/apps/v1/namespaces/shop/deployments";

    /// Aborts the rollout at 10% on a cluster whose `web-canary` is ramp's
    /// (`ours`) or someone else's: what it sent, in order.
    async fn abort_at_ten_percent(ours: bool) -> Result<Vec<Sent>> {
        let (conn, server) = mock::connection("shop");
        let mut cluster = mock::Cluster::new(&mock::canary_at(&at_ten_percent()));
        if !ours {
            cluster.edit(&format!("{DEPLOYMENTS}/web-canary"), |d| {
                d["metadata"]["labels"] = json!({"app": "web"});
                d["metadata"]["annotations"] = json!({});
            });
        }
        let (outcome, sent) = mock::script(
            server,
            abort(&conn, "web", Some("p99 doubled"), &Change::default()),
            |s| cluster.answer(s),
        )
        .await;
        outcome?;
        Ok(sent)
    }

    #[test]
    fn an_abort_puts_traffic_back_then_writes_the_record_then_removes_the_contender() {
        let sent = mock::run(abort_at_ten_percent(true)).unwrap_or_else(|e| panic!("{e}"));
        let route = "/apis/networking.istio.io/v1/namespaces/shop/virtualservices/web";
        let lines: Vec<String> = sent.iter().map(mock::line).collect();
        assert_eq!(
            lines,
            [
                // The Deployment and its record: one streaming list, whose
                // watch goes on from what it listed.
                format!("WATCH {DEPLOYMENTS} web listing"),
                format!("WATCH {DEPLOYMENTS} web from 105"),
                // Traffic back first, before even the record.
                format!("GET {route}"),
                format!("PATCH {route}"),
                format!("PATCH {DEPLOYMENTS}/web"),
                "GET /api/v1/namespaces/shop/services/web-canary".to_string(),
                format!("WATCH {DEPLOYMENTS} web from 107"),
                "POST /apis/events.k8s.io/v1/namespaces/shop/events".to_string(),
                // Then ramp's contender, deleted and watched until it is
                // gone, and its Service.
                format!("WATCH {DEPLOYMENTS} web-canary listing"),
                format!("WATCH {DEPLOYMENTS} web-canary from 108"),
                format!("DELETE {DEPLOYMENTS}/web-canary"),
                format!("WATCH {DEPLOYMENTS} web-canary from 109"),
                "DELETE /api/v1/namespaces/shop/services/web-canary".to_string(),
            ],
            "no Lease: an abort done at once holds the rollout by its record alone"
        );
        // The route as it was, against the version read.
        assert_eq!(
            sent[3].body,
            Some(json!([
                {"op": "replace", "path": "/metadata/resourceVersion", "value": "105"},
                {"op": "replace", "path": "/spec/http",
                 "value": [{"name": "primary", "route": [{"destination": {"host": "web"}}]}]},
            ]))
        );
        // The record, a compare-and-swap on the version the abort read.
        let patch = sent[4].body.as_ref().unwrap();
        assert_eq!(patch["metadata"]["resourceVersion"], "101");
        let written: Record = serde_json::from_str(
            patch["metadata"]["annotations"][ANNOTATION]
                .as_str()
                .unwrap(),
        )
        .unwrap();
        assert_eq!(written.phase, Phase::Aborted);
        assert_eq!(
            written.history.last().map(|t| t.message.as_str()),
            Some("aborted at step 1/3: p99 doubled")
        );
        assert_eq!(written.held, None, "an aborted rollout is held by nobody");
        // Only the contender ramp made, by its uid.
        assert_eq!(
            sent[10].body,
            Some(
                json!({"preconditions": {"uid": "uid-web-canary"}, "propagationPolicy": "Background"})
            )
        );
    }

    #[test]
    fn an_abort_leaves_a_web_canary_that_is_not_ramps() {
        let sent = mock::run(abort_at_ten_percent(false)).unwrap_or_else(|e| panic!("{e}"));
        let lines: Vec<String> = sent.iter().map(mock::line).collect();
        assert!(
            lines.contains(
                &"PATCH /apis/networking.istio.io/v1/namespaces/shop/virtualservices/web"
                    .to_string()
            ),
            "traffic went back: {lines:#?}"
        );
        assert!(
            !lines.contains(&format!("DELETE {DEPLOYMENTS}/web-canary")),
            "the user's web-canary is left: {lines:#?}"
        );
    }
}
