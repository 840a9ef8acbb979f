//! Pod health: checked at every analysis, Prometheus or not.

use k8s_openapi::api::core::v1::Pod;
use kube::Api;
use kube::api::ListParams;

use super::{Check, Verdict};
use crate::connect::Connection;
use crate::error::{self, Result};

/// The contender's pods: ready, and restarted no more than `max_restarts`;
/// the check stamped `at`.
pub async fn check(
    conn: &Connection,
    namespace: &str,
    selector: &str,
    max_restarts: i32,
    at: &str,
) -> Result<Check> {
    let api: Api<Pod> = Api::namespaced(conn.client.clone(), namespace);
    let pods = api
        .list(&ListParams::default().labels(selector))
        .await
        .map_err(|e| {
            error::from_kube(
                e,
                &format!("list pods in namespace {namespace:?}"),
                &conn.server,
            )
        })?;
    let mut restarts = 0;
    let mut not_ready = Vec::new();
    for pod in &pods.items {
        let status = pod.status.clone().unwrap_or_default();
        restarts += status
            .container_statuses
            .unwrap_or_default()
            .iter()
            .map(|c| c.restart_count)
            .sum::<i32>();
        let ready = status
            .conditions
            .unwrap_or_default()
            .iter()
            .any(|c| c.type_ == "Ready" && c.status == "True");
        if !ready && pod.metadata.deletion_timestamp.is_none() {
            not_ready.push(pod.metadata.name.clone().unwrap_or_default());
        }
    }
    let (verdict, message) = if restarts > max_restarts {
        (
            Verdict::Fail,
            format!(
                "the contender's containers restarted {restarts} times, more than {max_restarts}"
            ),
        )
    } else if !not_ready.is_empty() {
        (
            Verdict::Fail,
            format!("contender pods not ready: {}", not_ready.join(", ")),
        )
    } else {
        (
            Verdict::Pass,
            format!(
                "{} contender pods ready, {restarts} restarts",
                pods.items.len()
            ),
        )
    };
    Ok(Check {
        at: at.to_string(),
        name: "pod-health".into(),
        query: Some(selector.to_string()),
        value: Some(f64::from(restarts)),
        incumbent: None,
        threshold: format!("all ready, restarts <= {max_restarts}"),
        verdict,
        message,
    })
}
