//! Reads what the cluster holds of a rollout: the incumbent Deployment and
//! its record, the contender, the incumbent's Service and the routes to it.

use std::collections::BTreeMap;

use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::Service;
use kube::Api;
use kube::api::ListParams;

use crate::connect::Connection;
use crate::error::{self, Error, Result};
use crate::rollout::record::Record;
use crate::router::{self, Routing, ServiceRef};

/// Everything a command needs to know about one rollout.
pub struct Observed {
    pub incumbent: Deployment,
    pub record: Option<Record>,
    pub contender: Option<Deployment>,
    /// The name of the Service that selects the incumbent's pods, if any.
    pub service: Option<String>,
    pub routing: Routing,
}

pub async fn observe(conn: &Connection, name: &str) -> Result<Observed> {
    let namespace = conn.namespace.as_str();
    let incumbent = get_deployment(conn, namespace, name)
        .await?
        .ok_or_else(|| {
            Error::failed(format!(
                "deployment {name:?} not found in namespace {namespace:?}"
            ))
            .with_hint(format!(
                "list them with `kubectl get deployments -n {namespace}`, or pass -n NAMESPACE"
            ))
        })?;
    let record = Record::from_annotations(name, incumbent.metadata.annotations.as_ref())?;
    let Some(record) = record else {
        return discovered(conn, name, incumbent).await;
    };
    // A rollout knows its objects: read those together (each on a
    // connection of its own, which TCP_NODELAY makes cheap: see
    // connect::builder).
    let contender_ref = ServiceRef {
        name: record.contender.name.clone(),
        namespace: record.contender.namespace.clone(),
    };
    let incumbent_ref = ServiceRef {
        name: record.service.clone(),
        namespace: namespace.to_string(),
    };
    let services: Api<Service> = Api::namespaced(conn.client.clone(), namespace);
    let router = record.router.kind.router();
    let (contender, service, routing) = futures::future::join3(
        get_deployment(conn, &contender_ref.namespace, &contender_ref.name),
        async {
            services.get_opt(&record.service).await.map_err(|e| {
                error::from_kube(
                    e,
                    &format!("get service {:?}", record.service),
                    &conn.server,
                )
            })
        },
        router.routing(conn, &record.router, &incumbent_ref, &contender_ref),
    )
    .await;
    // In the order they were asked, whichever failed first.
    let (contender, service, routing) = (contender?, service?, routing?);
    Ok(Observed {
        incumbent,
        record: Some(record),
        contender,
        service: service.and_then(|s| s.metadata.name),
        routing,
    })
}

/// The Deployment and the Service named `name` in `namespace` (the
/// contender's names), whoever made them, read at once.
pub async fn contender_objects(
    conn: &Connection,
    namespace: &str,
    name: &str,
) -> Result<(Option<Deployment>, Option<Service>)> {
    let services: Api<Service> = Api::namespaced(conn.client.clone(), namespace);
    futures::future::try_join(get_deployment(conn, namespace, name), async {
        services
            .get_opt(name)
            .await
            .map_err(|e| error::from_kube(e, &format!("get service {name:?}"), &conn.server))
    })
    .await
}

/// The Deployment as if it had no rollout: after ramp's objects were taken
/// out without a record to go by (removed, or damaged past reading).
pub async fn observe_without_record(conn: &Connection, name: &str) -> Result<Observed> {
    let namespace = conn.namespace.as_str();
    let incumbent = get_deployment(conn, namespace, name)
        .await?
        .ok_or_else(|| {
            Error::failed(format!(
                "deployment {name:?} not found in namespace {namespace:?}"
            ))
        })?;
    discovered(conn, name, incumbent).await
}

/// Without a rollout: the Service that selects the Deployment's pods and
/// what routes to it are found by looking.
async fn discovered(conn: &Connection, name: &str, incumbent: Deployment) -> Result<Observed> {
    let namespace = conn.namespace.as_str();
    let contender_ref = ServiceRef {
        name: crate::rollout::contender::name_for(name),
        namespace: namespace.to_string(),
    };
    // Most Deployments' Service has their name: one GET instead of a list;
    // beside it, ramp's contender, which should not be there without a
    // record.
    let services: Api<Service> = Api::namespaced(conn.client.clone(), namespace);
    let (named, left) = futures::future::join(
        async {
            services
                .get_opt(name)
                .await
                .map_err(|e| error::from_kube(e, &format!("get service {name:?}"), &conn.server))
        },
        get_deployment(conn, namespace, &contender_ref.name),
    )
    .await;
    let (named, left) = (named?, left?);
    let left =
        left.filter(|d| crate::rollout::contender::owned(&d.metadata, namespace, name, None));
    let named = named.filter(|service| {
        let selector = service.spec.as_ref().and_then(|s| s.selector.as_ref());
        let labels = incumbent
            .spec
            .as_ref()
            .and_then(|s| s.template.metadata.as_ref())
            .and_then(|m| m.labels.clone())
            .unwrap_or_default();
        selector.is_some_and(|selector| selects(selector, &labels))
    });
    let service = match named {
        Some(service) => Some(service),
        None => services_selecting(conn, &incumbent)
            .await?
            .into_iter()
            .next(),
    };
    let routing = match &service {
        Some(service) => {
            let incumbent_ref = ServiceRef {
                name: service.metadata.name.clone().unwrap_or_default(),
                namespace: namespace.to_string(),
            };
            router::discover_named(conn, &incumbent_ref, &contender_ref).await?
        }
        None => Routing::none(),
    };
    Ok(Observed {
        incumbent,
        record: None,
        contender: left,
        service: service.and_then(|s| s.metadata.name),
        routing,
    })
}

async fn get_deployment(
    conn: &Connection,
    namespace: &str,
    name: &str,
) -> Result<Option<Deployment>> {
    let api: Api<Deployment> = Api::namespaced(conn.client.clone(), namespace);
    api.get_opt(name).await.map_err(|e| {
        error::from_kube(
            e,
            &format!("get deployment {name:?} in namespace {namespace:?}"),
            &conn.server,
        )
    })
}

/// The Services whose selector picks the Deployment's pods: the one named
/// like the Deployment first, then the others by name.
pub async fn services_selecting(
    conn: &Connection,
    deployment: &Deployment,
) -> Result<Vec<Service>> {
    let namespace = deployment
        .metadata
        .namespace
        .as_deref()
        .unwrap_or(&conn.namespace);
    let name = deployment.metadata.name.as_deref().unwrap_or_default();
    let labels = deployment
        .spec
        .as_ref()
        .and_then(|s| s.template.metadata.as_ref())
        .and_then(|m| m.labels.clone())
        .unwrap_or_default();
    let api: Api<Service> = Api::namespaced(conn.client.clone(), namespace);
    let services = api.list(&ListParams::default()).await.map_err(|e| {
        error::from_kube(
            e,
            &format!("list services in namespace {namespace:?}"),
            &conn.server,
        )
    })?;
    let mut selecting: Vec<Service> = services
        .items
        .into_iter()
        .filter(|svc| {
            let selector = svc.spec.as_ref().and_then(|s| s.selector.as_ref());
            selector.is_some_and(|selector| selects(selector, &labels))
        })
        .collect();
    selecting.sort_by_key(|svc| {
        (
            svc.metadata.name.as_deref() != Some(name),
            svc.metadata.name.clone(),
        )
    });
    Ok(selecting)
}

/// Whether a Service selector (all its labels must match) picks pods with
/// these labels. An empty selector selects nothing of ours.
pub fn selects(selector: &BTreeMap<String, String>, labels: &BTreeMap<String, String>) -> bool {
    !selector.is_empty() && selector.iter().all(|(k, v)| labels.get(k) == Some(v))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn a_selector_picks_pods_that_carry_all_its_labels() {
        let pod = labels(&[("app", "web"), ("tier", "front")]);
        assert!(selects(&labels(&[("app", "web")]), &pod));
        assert!(selects(&labels(&[("app", "web"), ("tier", "front")]), &pod));
        assert!(!selects(
            &labels(&[("app", "web"), ("track", "canary")]),
            &pod
        ));
        assert!(!selects(&labels(&[("app", "api")]), &pod));
        assert!(!selects(&labels(&[]), &pod));
    }
}
