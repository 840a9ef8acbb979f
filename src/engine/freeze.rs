//! Freezes in the cluster: one ConfigMap `kubectl-ramp-freeze`, labelled
//! as ramp's, in the frozen namespace, or for the whole cluster in the
//! cluster's freeze namespace. Reading them, writing them, lifting them.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::ConfigMap;
use kube::Api;
use kube::api::{DeleteParams, ObjectMeta, PostParams, Preconditions};

use crate::connect::Connection;
use crate::error::{self, Error, Kind, Result};
use crate::rollout::contender::MANAGED_BY;
use crate::rollout::freeze::{CONFIG_MAP, Freeze, LABEL, Scope};

/// The namespace of cluster-wide freezes when none was named: one that
/// every cluster has, and that only its admins may write.
pub const DEFAULT_CLUSTER_NAMESPACE: &str = "kube-system";

/// The environment variable that names the cluster's freeze namespace,
/// for machines where the cluster was not registered (CI).
pub const NAMESPACE_VARIABLE: &str = "RAMP_FREEZE_NAMESPACE";

/// The freeze a ConfigMap holds; `None` when it is not ramp's.
pub fn from_config_map(config_map: &ConfigMap) -> Option<Freeze> {
    let labels = config_map.metadata.labels.as_ref()?;
    let scope = Scope::parse(labels.get(LABEL)?)?;
    if labels.get(MANAGED_BY.0).map(String::as_str) != Some(MANAGED_BY.1) {
        return None;
    }
    Some(with_scope(config_map, scope))
}

/// The freeze a ConfigMap of ramp's holds, in `scope`.
fn with_scope(config_map: &ConfigMap, scope: Scope) -> Freeze {
    let data = config_map.data.clone().unwrap_or_default();
    let field = |key: &str| data.get(key).cloned().unwrap_or_default();
    Freeze {
        scope,
        namespace: config_map.metadata.namespace.clone().unwrap_or_default(),
        by: field("by"),
        reason: field("reason"),
        since: field("since"),
        until: data.get("until").cloned(),
    }
}

/// What is wrong with a ConfigMap of ramp's freeze whose label no longer
/// says its scope (removed, or changed by hand): it is still a freeze,
/// and holds as one that cannot be read.
pub fn damaged_label(config_map: &ConfigMap) -> Option<String> {
    let labels = config_map.metadata.labels.as_ref()?;
    if labels.get(MANAGED_BY.0).map(String::as_str) != Some(MANAGED_BY.1) {
        return None;
    }
    let namespace = config_map.metadata.namespace.as_deref().unwrap_or_default();
    let said = match labels.get(LABEL) {
        Some(value) if Scope::parse(value).is_some() => return None,
        Some(value) => format!("label {LABEL}={}", crate::input::printable(value)),
        None => format!("no label {LABEL}"),
    };
    Some(format!(
        "the freeze (configmap {CONFIG_MAP:?}) in namespace {namespace:?} has {said}, not namespace or cluster; \
         put the label back, or lift it with `kubectl ramp unfreeze`"
    ))
}

fn to_config_map(freeze: &Freeze) -> ConfigMap {
    let mut data = BTreeMap::from([
        ("by".to_string(), freeze.by.clone()),
        ("reason".to_string(), freeze.reason.clone()),
        ("since".to_string(), freeze.since.clone()),
    ]);
    if let Some(until) = &freeze.until {
        data.insert("until".into(), until.clone());
    }
    ConfigMap {
        metadata: ObjectMeta {
            name: Some(CONFIG_MAP.into()),
            namespace: Some(freeze.namespace.clone()),
            labels: Some(BTreeMap::from([
                (MANAGED_BY.0.into(), MANAGED_BY.1.into()),
                (LABEL.into(), freeze.scope.as_str().into()),
            ])),
            ..Default::default()
        },
        data: Some(data),
        ..Default::default()
    }
}

/// The freezes found, and a warning for each one these credentials may
/// not read.
#[derive(Debug, Default)]
pub struct Found {
    pub freezes: Vec<Freeze>,
    pub unreadable: Vec<String>,
}

impl Found {
    /// Says on stderr which freezes could not be read: they are passed
    /// over, and `cluster setup --create-rbac` grants the reading.
    pub fn warn(&self) {
        for warning in &self.unreadable {
            eprintln!("warning: {warning}");
        }
    }
}

/// The freeze in `namespace`, if any (`Err(warning)` when these
/// credentials may not read it). A ConfigMap of that name that is not
/// ramp's is no freeze.
async fn read_one(
    conn: &Connection,
    namespace: &str,
) -> Result<std::result::Result<Option<Freeze>, String>> {
    let api: Api<ConfigMap> = Api::namespaced(conn.client.clone(), namespace);
    let what = format!("read the freeze (configmap {CONFIG_MAP:?}) in namespace {namespace:?}");
    match api.get_opt(CONFIG_MAP).await {
        Ok(found) => Ok(match found.as_ref().and_then(damaged_label) {
            Some(damaged) => Err(damaged),
            None => Ok(found.as_ref().and_then(from_config_map)),
        }),
        Err(kube::Error::Api(s)) if s.code == 403 => Ok(Err(format!(
            "cannot {what}: these credentials may not; `kubectl ramp cluster setup --create-rbac` grants it"
        ))),
        Err(e) => Err(error::from_kube(e, &what, &conn.server)),
    }
}

/// The freezes that may hold a rollout in `namespace`: the namespace's own
/// and the cluster-wide one (in `cluster_namespace`), read together.
pub async fn read(conn: &Connection, namespace: &str, cluster_namespace: &str) -> Result<Found> {
    let (own, cluster) =
        futures::future::join(read_one(conn, namespace), read_one(conn, cluster_namespace)).await;
    let mut found = Found::default();
    for (read, scope) in [(own?, Scope::Namespace), (cluster?, Scope::Cluster)] {
        match read {
            // Each freeze counts only where it belongs: a namespace freeze
            // left in the freeze namespace does not freeze the cluster.
            Ok(freeze) => found.freezes.extend(freeze.filter(|f| f.scope == scope)),
            Err(warning) => found.unreadable.push(warning),
        }
    }
    Ok(found)
}

/// Every freeze of the cluster, in one LIST of the labelled ConfigMaps of
/// every namespace (for `list --all-namespaces`); only the one in the
/// cluster's freeze namespace freezes the cluster.
pub async fn read_all(conn: &Connection, cluster_namespace: &str) -> Result<Found> {
    let api: Api<ConfigMap> = Api::all(conn.client.clone());
    let params = kube::api::ListParams::default().labels(LABEL);
    let what = "list the freezes (configmaps) of every namespace";
    let listed = match api.list(&params).await {
        Ok(listed) => listed,
        Err(kube::Error::Api(s)) if s.code == 403 => {
            return Ok(Found {
                freezes: Vec::new(),
                unreadable: vec![format!("cannot {what}: these credentials may not")],
            });
        }
        Err(e) => return Err(error::from_kube(e, what, &conn.server)),
    };
    Ok(Found {
        freezes: listed
            .items
            .iter()
            .filter(|c| c.metadata.name.as_deref() == Some(CONFIG_MAP))
            .filter_map(from_config_map)
            .filter(|f| f.scope == Scope::Namespace || f.namespace == cluster_namespace)
            .collect(),
        unreadable: Vec::new(),
    })
}

/// Writes a freeze: a new ConfigMap, or the one ramp wrote before
/// replaced. A ConfigMap of that name that is not ramp's is left alone.
/// Returns the freeze it replaced.
pub async fn write(conn: &Connection, freeze: &Freeze) -> Result<Option<Freeze>> {
    let namespace = &freeze.namespace;
    let api: Api<ConfigMap> = Api::namespaced(conn.client.clone(), namespace);
    let fail = |e, what: &str| {
        error::from_kube(
            e,
            &format!("{what} the freeze (configmap {CONFIG_MAP:?}) in namespace {namespace:?}"),
            &conn.server,
        )
    };
    let existing = api.get_opt(CONFIG_MAP).await.map_err(|e| fail(e, "read"))?;
    let mut wanted = to_config_map(freeze);
    match existing {
        None => {
            api.create(&PostParams::default(), &wanted)
                .await
                .map_err(|e| fail(e, "write"))?;
            Ok(None)
        }
        Some(existing) => {
            let Some(before) = from_config_map(&existing) else {
                return Err(not_ours(namespace));
            };
            // Compare-and-swap: a freeze changed meanwhile is not
            // overwritten unseen.
            wanted.metadata.resource_version = existing.metadata.resource_version.clone();
            api.replace(CONFIG_MAP, &PostParams::default(), &wanted)
                .await
                .map_err(|e| fail(e, "write"))?;
            Ok(Some(before))
        }
    }
}

fn not_ours(namespace: &str) -> Error {
    Error::invalid(format!(
        "configmap {CONFIG_MAP:?} in namespace {namespace:?} was not made by kubectl-ramp; ramp leaves it alone"
    ))
    .with_hint(format!(
        "it is someone else's: rename it, or remove it with `kubectl delete configmap {CONFIG_MAP} -n {namespace}` if it is no longer needed"
    ))
}

/// Lifts the freeze in `namespace`; returns it, or `None` when there was
/// none. A ConfigMap of that name that is not ramp's is left alone.
pub async fn delete(conn: &Connection, namespace: &str) -> Result<Option<Freeze>> {
    let api: Api<ConfigMap> = Api::namespaced(conn.client.clone(), namespace);
    let fail = |e, what: &str| {
        error::from_kube(
            e,
            &format!("{what} the freeze (configmap {CONFIG_MAP:?}) in namespace {namespace:?}"),
            &conn.server,
        )
    };
    let Some(existing) = api.get_opt(CONFIG_MAP).await.map_err(|e| fail(e, "read"))? else {
        return Ok(None);
    };
    // One whose scope label was damaged is still ramp's to lift.
    let freeze = match from_config_map(&existing) {
        Some(freeze) => freeze,
        None if damaged_label(&existing).is_some() => with_scope(&existing, Scope::Namespace),
        None => return Err(not_ours(namespace)),
    };
    let params = DeleteParams {
        preconditions: Some(Preconditions {
            resource_version: existing.metadata.resource_version.clone(),
            uid: existing.metadata.uid.clone(),
        }),
        ..Default::default()
    };
    match api.delete(CONFIG_MAP, &params).await {
        Ok(_) => Ok(Some(freeze)),
        Err(kube::Error::Api(s)) if s.code == 404 => Ok(None),
        Err(e) => {
            let err = fail(e, "delete");
            Err(match err.kind {
                Kind::Conflict => err.with_hint("someone changed the freeze meanwhile; look at it with `kubectl ramp list` and try again"),
                _ => err,
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_freeze_goes_to_its_config_map_and_back() {
        let freeze = Freeze {
            scope: Scope::Cluster,
            namespace: "ops".into(),
            by: "alice".into(),
            reason: "black friday".into(),
            since: "2026-11-27T10:00:00Z".into(),
            until: Some("2026-11-30T00:00:00Z".into()),
        };
        let config_map = to_config_map(&freeze);
        assert_eq!(config_map.metadata.name.as_deref(), Some(CONFIG_MAP));
        assert_eq!(from_config_map(&config_map), Some(freeze));
    }

    #[test]
    fn a_config_map_that_is_not_ramps_is_no_freeze() {
        let mut config_map = to_config_map(&Freeze {
            scope: Scope::Namespace,
            namespace: "shop".into(),
            by: "alice".into(),
            reason: "r".into(),
            since: "2026-11-27T10:00:00Z".into(),
            until: None,
        });
        config_map
            .metadata
            .labels
            .as_mut()
            .unwrap()
            .remove("app.kubernetes.io/managed-by");
        assert_eq!(from_config_map(&config_map), None);
        config_map.metadata.labels = None;
        assert_eq!(from_config_map(&config_map), None);
    }

    #[test]
    fn a_freeze_whose_scope_label_was_changed_is_still_a_freeze() {
        let mut config_map = to_config_map(&Freeze {
            scope: Scope::Cluster,
            namespace: "ops".into(),
            by: "alice".into(),
            reason: "r".into(),
            since: "2026-11-27T10:00:00Z".into(),
            until: None,
        });
        assert_eq!(damaged_label(&config_map), None);
        let labels = config_map.metadata.labels.as_mut().unwrap();
        labels.insert(LABEL.into(), "\u{1b}]0;x".into());
        let said = damaged_label(&config_map).unwrap();
        assert!(
            said.contains("in namespace \"ops\" has label ramp.dev/freeze=\\u{1b}]0;x, not namespace or cluster"),
            "{said}"
        );
        config_map.metadata.labels.as_mut().unwrap().remove(LABEL);
        assert!(
            damaged_label(&config_map)
                .unwrap()
                .contains("has no label ramp.dev/freeze")
        );
        // Not ramp's at all: no freeze, and nothing to say.
        config_map.metadata.labels.as_mut().unwrap().clear();
        assert_eq!(damaged_label(&config_map), None);
    }
}
