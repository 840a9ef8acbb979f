//! What the dashboard's page shows, computed from what the watches hold:
//! the list of rollouts, and one rollout in full. Pure: the same store
//! gives the same views, and nothing here asks the API server.

use k8s_openapi::api::apps::v1::Deployment;
use serde::Serialize;

use crate::analysis::Check;
use crate::engine::live::Store;
use crate::engine::observe::Observed;
use crate::rollout::record::{ANNOTATION, Record};
use crate::rollout::strategy::Step;
use crate::router::{Objects, Routing, ServiceRef};
use crate::ui::list::{self, Item};
use crate::ui::status::StatusReport;

/// A line of the list.
#[derive(Debug, Serialize)]
pub struct Row {
    #[serde(flatten)]
    pub item: Item,
    /// How many of someone else's changes the rollout has (see drift).
    pub drift: usize,
    /// Why the record cannot be read, when it cannot.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub problem: Option<String>,
}

/// The rollouts the store holds, by namespace and name.
pub fn rows(cluster: Option<&str>, store: &Store) -> Vec<Row> {
    store
        .deployments
        .values()
        .filter_map(|deployment| {
            let (item, problem) = list::read_item(cluster, deployment)?;
            let drift = observed(store, deployment)
                .map(|o| {
                    crate::ui::status::report(&item.deployment, &item.namespace, &o)
                        .drift
                        .len()
                })
                .unwrap_or(0);
            Some(Row {
                item,
                drift,
                problem,
            })
        })
        .collect()
}

/// One rollout in full: the status as `status -o json` has it, and what
/// the page draws besides.
#[derive(Debug, Serialize)]
pub struct Detail {
    pub cluster: Option<String>,
    #[serde(flatten)]
    pub status: StatusReport,
    /// Every step of the strategy, in order.
    pub steps: Vec<Step>,
    /// The step being moved to while Progressing.
    pub target: usize,
    /// The analysis of an automated rollout; none for a manual one.
    pub analysis: Option<Analysis>,
    /// Who paused the automation, when it is paused.
    pub paused_by: Option<String>,
}

/// What the checks are judged by, and the checks the record keeps.
#[derive(Debug, Serialize)]
pub struct Analysis {
    pub metrics: Vec<MetricBand>,
    /// Every check the record keeps, oldest first.
    pub checks: Vec<Check>,
    pub failure_limit: u32,
    pub failures: u32,
    pub inconclusive: u32,
    pub inconclusive_limit: u32,
}

/// A metric's threshold band: the contender's value (minus the
/// incumbent's, when relative) must lie within min and max.
#[derive(Debug, Serialize)]
pub struct MetricBand {
    pub name: String,
    pub min: Option<f64>,
    pub max: Option<f64>,
    pub relative: bool,
}

/// One rollout, when the store has a Deployment of that name with a
/// readable record.
pub fn detail(cluster: Option<&str>, store: &Store, namespace: &str, name: &str) -> Option<Detail> {
    let deployment = store
        .deployments
        .get(&(namespace.to_string(), name.to_string()))?;
    let observed = observed(store, deployment)?;
    let record = observed.record.clone()?;
    let status = crate::ui::status::report(name, namespace, &observed);
    let analysis = record.automation.as_ref().map(|a| Analysis {
        metrics: a
            .analysis
            .metrics
            .iter()
            .map(|m| MetricBand {
                name: m.name.clone(),
                min: m.min,
                max: m.max,
                relative: m.relative,
            })
            .collect(),
        checks: a.checks.clone(),
        failure_limit: a.failure_limit,
        failures: a.failures,
        inconclusive: a.inconclusive,
        inconclusive_limit: a.analysis.inconclusive_limit,
    });
    Some(Detail {
        cluster: cluster.map(str::to_string),
        status,
        target: record.target,
        paused_by: record.automation.as_ref().and_then(|a| a.paused_by.clone()),
        steps: record.steps,
        analysis,
    })
}

/// The rollout of an incumbent as `observe` would read it, from the
/// store: its contender and the routing objects its record names.
fn observed(store: &Store, incumbent: &Deployment) -> Option<Observed> {
    let name = incumbent.metadata.name.as_deref()?;
    let namespace = incumbent.metadata.namespace.as_deref()?;
    incumbent.metadata.annotations.as_ref()?.get(ANNOTATION)?;
    let record = Record::from_annotations(name, incumbent.metadata.annotations.as_ref()).ok()??;
    let contender = store
        .deployments
        .get(&(
            record.contender.namespace.clone(),
            record.contender.name.clone(),
        ))
        .cloned();
    let kind = record.router.kind.router().flavor().map(|f| f.kind);
    let objects: Objects = kind
        .and_then(|kind| store.routes.get(kind))
        .map(|of_kind| {
            of_kind
                .iter()
                .filter(|((ns, _), _)| ns == namespace)
                .map(|((_, object_name), object)| (object_name.clone(), object.clone()))
                .collect()
        })
        .unwrap_or_default();
    let incumbent_ref = ServiceRef {
        name: record.service.clone(),
        namespace: namespace.to_string(),
    };
    let contender_ref = ServiceRef {
        name: record.contender.name.clone(),
        namespace: record.contender.namespace.clone(),
    };
    let routing: Routing = record.router.kind.router().routing_of(
        &record.router,
        &objects,
        &incumbent_ref,
        &contender_ref,
    );
    Some(Observed {
        incumbent: incumbent.clone(),
        contender,
        service: Some(record.service.clone()),
        record: Some(record),
        routing,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn deployment(value: serde_json::Value) -> Deployment {
        serde_json::from_value(value).unwrap()
    }

    /// web paused at step 1/2 (50%) behind VirtualService web, its
    /// contender 1/1 ready, the route at 50/50 unless `weights` says.
    fn store(weights: (u32, u32)) -> Store {
        let record = json!({
            "schema": 1, "phase": "Paused", "strategy": "steps",
            "steps": [
                {"name": "50%", "capacity": {"contender": 50, "incumbent": 100}, "traffic": {"contender": 50, "incumbent": 50}},
                {"name": "100%", "capacity": {"contender": 100, "incumbent": 100}, "traffic": {"contender": 100, "incumbent": 0}}
            ],
            "step": 1, "target": 1, "replicas": 2,
            "contender": {"name": "web-canary", "namespace": "shop", "template": {"spec": {"containers": [{"name": "web", "image": "example.com/web:2"}]}}},
            "service": "web",
            "router": {"kind": "istio", "routes": [{"object": "web", "route": "/spec/http/0", "name": "primary",
                "original": [{"destination": {"host": "web"}}], "contender": {"destination": {"host": "web-canary"}}}]},
            "history": [{"at": "2026-11-27T10:00:00Z", "by": "jane@laptop", "event": "Started", "message": "started: 2 steps (steps)"}],
            "automation": {
                "analysis": {"metrics": [{"name": "request-success-rate", "min": -1.0, "relative": true}]},
                "interval": 60, "failure_limit": 1, "promote": true,
                "checks": [{"at": "2026-11-27T10:01:00Z", "name": "request-success-rate", "value": 99.5, "incumbent": 99.9,
                    "threshold": ">= incumbent - 1", "verdict": "pass", "message": "ok"}]
            }
        });
        let mut store = Store::default();
        let incumbent = deployment(json!({
            "metadata": {"name": "web", "namespace": "shop", "annotations": {ANNOTATION: record.to_string()}},
            "spec": {"replicas": 2, "selector": {}, "template": {"spec": {"containers": [{"name": "web", "image": "example.com/web:1"}]}}},
            "status": {"readyReplicas": 2}
        }));
        let contender = deployment(json!({
            "metadata": {"name": "web-canary", "namespace": "shop", "labels": {"app.kubernetes.io/managed-by": "kubectl-ramp"}},
            "spec": {"replicas": 1, "selector": {}, "template": {"spec": {"containers": [{"name": "web", "image": "example.com/web:2"}]}}},
            "status": {"readyReplicas": 1}
        }));
        store
            .deployments
            .insert(("shop".into(), "web".into()), incumbent);
        store
            .deployments
            .insert(("shop".into(), "web-canary".into()), contender);
        let vs: kube::api::DynamicObject = serde_json::from_value(json!({
            "apiVersion": "networking.istio.io/v1", "kind": "VirtualService",
            "metadata": {"name": "web", "namespace": "shop"},
            "spec": {"hosts": ["web"], "http": [{"name": "primary", "route": [
                {"destination": {"host": "web"}, "weight": weights.0},
                {"destination": {"host": "web-canary"}, "weight": weights.1}
            ]}]}
        }))
        .unwrap();
        store
            .routes
            .entry("VirtualService")
            .or_default()
            .insert(("shop".into(), "web".into()), vs);
        store
    }

    #[test]
    fn the_list_has_one_row_per_record_and_none_for_contenders() {
        let rows = rows(Some("eu-1"), &store((50, 50)));
        assert_eq!(rows.len(), 1);
        let row = serde_json::to_value(&rows[0]).unwrap();
        assert_eq!(row["deployment"], "web");
        assert_eq!(row["cluster"], "eu-1");
        assert_eq!(row["phase"], "Paused");
        assert_eq!(row["traffic"]["contender"], 50.0);
        assert_eq!(row["contender"]["images"][0], "example.com/web:2");
        assert_eq!(row["drift"], 0);
    }

    #[test]
    fn a_rollout_shows_the_weights_the_route_holds_and_its_analysis() {
        let detail = detail(None, &store((50, 50)), "shop", "web").unwrap();
        let value = serde_json::to_value(&detail).unwrap();
        assert_eq!(value["traffic"]["contender"], 50.0);
        assert_eq!(value["capacity"]["contender"]["ready"], 1);
        assert_eq!(value["steps"].as_array().unwrap().len(), 2);
        assert_eq!(value["step"]["index"], 1);
        assert_eq!(value["analysis"]["metrics"][0]["min"], -1.0);
        assert_eq!(value["analysis"]["checks"][0]["incumbent"], 99.9);
        assert_eq!(value["drift"], json!([]));
    }

    #[test]
    fn weights_someone_else_wrote_are_drift_in_both_views() {
        let store = store((80, 20));
        let detail = detail(None, &store, "shop", "web").unwrap();
        assert_eq!(detail.status.traffic.contender, 20.0);
        assert_eq!(detail.status.drift.len(), 1, "{:?}", detail.status.drift);
        assert_eq!(rows(None, &store)[0].drift, 1);
    }

    #[test]
    fn no_detail_for_a_deployment_the_store_lacks() {
        assert!(detail(None, &store((50, 50)), "shop", "api").is_none());
        assert!(detail(None, &store((50, 50)), "other", "web").is_none());
    }
}
