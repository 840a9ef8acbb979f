//! `kubectl ramp cluster setup|list|check|remove`: the clusters ramp rolls
//! out to.

use std::time::Duration;

use serde::Serialize;

use super::fanout::target_of;
use crate::cli::{ClusterCommand, ClusterSetupArgs, GlobalArgs};
use crate::clusters::access::{self, Permission};
use crate::clusters::registry::{Cluster, Registry};
use crate::connect::Connection;
use crate::error::{Error, Result};
use crate::router::RouterKind;
use crate::ui::{Ui, render, table};

pub async fn run(global: &GlobalArgs, command: &ClusterCommand) -> Result<()> {
    match command {
        ClusterCommand::Setup(args) => setup(global, args).await,
        ClusterCommand::List => list(global).await,
        ClusterCommand::Check { name } => check(global, name.as_deref()).await,
        ClusterCommand::Remove { name } => {
            let mut registry = Registry::load()?;
            let removed = registry.remove(name)?;
            registry.save()?;
            eprintln!(
                "removed cluster {:?} (context {:?})",
                removed.name, removed.context
            );
            Ok(())
        }
    }
}

/// What is known of one cluster.
#[derive(Debug, Serialize)]
struct Report {
    name: String,
    context: String,
    region: Option<String>,
    capabilities: Vec<String>,
    reachable: bool,
    /// Why it cannot be reached.
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
    version: Option<String>,
    routers: Vec<RouterKind>,
    /// Permissions ramp needs that the credentials lack (check and setup).
    #[serde(skip_serializing_if = "Option::is_none")]
    missing: Option<Vec<Permission>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    namespace: Option<String>,
}

async fn inspect(global: &GlobalArgs, cluster: &Cluster, permissions: bool) -> Report {
    let mut report = Report {
        name: cluster.name.clone(),
        context: cluster.context.clone(),
        region: cluster.region.clone(),
        capabilities: cluster.capabilities.clone(),
        reachable: false,
        error: None,
        version: None,
        routers: Vec::new(),
        missing: None,
        namespace: None,
    };
    let looked = async {
        let conn = Connection::open(&target_of(global, cluster)).await?;
        let version = access::version(&conn).await?;
        let routers = access::routers(&conn).await?;
        let missing = match permissions {
            true => Some(access::missing_permissions(&conn, &conn.namespace, None).await?),
            false => None,
        };
        Ok::<_, Error>((version, routers, missing, conn.namespace.clone()))
    };
    match tokio::time::timeout(Duration::from_secs(20), looked).await {
        Ok(Ok((version, routers, missing, namespace))) => {
            report.reachable = true;
            report.version = Some(version);
            report.routers = routers;
            report.missing = missing;
            report.namespace = permissions.then_some(namespace);
        }
        Ok(Err(e)) => report.error = Some(e.message),
        Err(_) => report.error = Some("no answer within 20s".into()),
    }
    report
}

fn table_of(reports: &Vec<Report>, _: &Ui) -> String {
    let with_permissions = reports.iter().any(|r| r.missing.is_some());
    let mut header = vec![
        "name",
        "context",
        "region",
        "capabilities",
        "reachable",
        "version",
        "routers",
    ];
    if with_permissions {
        header.push("permissions");
    }
    let mut t = table(&header);
    for r in reports {
        let mut row = vec![
            r.name.clone(),
            r.context.clone(),
            r.region.clone().unwrap_or_else(|| "-".into()),
            if r.capabilities.is_empty() {
                "-".into()
            } else {
                r.capabilities.join(",")
            },
            match &r.error {
                None => "yes".into(),
                Some(e) => format!("no: {e}"),
            },
            r.version.clone().unwrap_or_else(|| "-".into()),
            if r.routers.is_empty() {
                "-".into()
            } else {
                r.routers
                    .iter()
                    .map(|k| k.as_str())
                    .collect::<Vec<_>>()
                    .join(",")
            },
        ];
        if with_permissions {
            row.push(match &r.missing {
                Some(m) if m.is_empty() => "all".into(),
                Some(m) => format!(
                    "missing {}",
                    m.iter()
                        .map(|p| p.to_string())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
                None => "-".into(),
            });
        }
        t.add_row(row);
    }
    render(&t)
}

async fn setup(global: &GlobalArgs, args: &ClusterSetupArgs) -> Result<()> {
    let Some(context) = global.context.clone() else {
        return Err(Error::invalid(
            "cluster setup needs --context: the kubeconfig context of the cluster",
        )
        .with_hint("see them with `kubectl config get-contexts`"));
    };
    // Before anything is written: one context is one cluster, once.
    let name = args.name.clone().unwrap_or_else(|| context.clone());
    let mut registry = Registry::load()?;
    once(&registry, &context, global.kubeconfig.as_ref(), &name)?;
    let conn = Connection::open(&global.target()).await?;
    let version = access::version(&conn).await?;
    let routers = access::routers(&conn).await?;
    let namespace = conn.namespace.clone();
    let freeze_namespace = args
        .freeze_namespace
        .clone()
        .unwrap_or_else(|| crate::engine::freeze::DEFAULT_CLUSTER_NAMESPACE.to_string());
    if args.create_rbac {
        access::create_rbac(&conn, &namespace, &freeze_namespace).await?;
        eprintln!(
            "ServiceAccount, Role and RoleBinding {:?} hold what ramp needs in namespace {namespace:?}, \
             and may read the cluster-wide freeze in namespace {freeze_namespace:?}; \
             Role {:?} (bound to no one) lets whoever you bind to it freeze",
            access::NAME,
            access::FREEZER
        );
    }
    let missing = access::missing_permissions(&conn, &namespace, None).await?;
    let cluster = Cluster {
        name,
        context: context.clone(),
        kubeconfig: global.kubeconfig.clone(),
        region: args.region.clone(),
        capabilities: args.capabilities.clone(),
        freeze_namespace: args.freeze_namespace.clone(),
        prometheus: args.prometheus.clone(),
        labels: labels_of(&args.prometheus_labels)?,
    };
    registry.upsert(cluster.clone());
    registry.check().map_err(|e| {
        Error::invalid(format!("the clusters file would not be valid: it {e}"))
            .with_hint("give the cluster a --name of printable characters")
    })?;
    registry.save()?;
    if !missing.is_empty() {
        eprintln!(
            "warning: these credentials lack, in namespace {namespace:?}: {}",
            missing
                .iter()
                .map(|p| p.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    if args.print_kubeconfig {
        let ttl = args.token_ttl.as_secs().max(600) as i64;
        let kubeconfig = access::token_kubeconfig(&conn, &namespace, &context, ttl).await?;
        print!("{kubeconfig}");
        return Ok(());
    }
    let report = Report {
        name: cluster.name,
        context,
        region: cluster.region,
        capabilities: cluster.capabilities,
        reachable: true,
        error: None,
        version: Some(version),
        routers,
        missing: Some(missing),
        namespace: Some(namespace),
    };
    global.ui().print(&vec![report], table_of)
}

/// Refuses to register `context` (of `kubeconfig`) as `name` when it is
/// registered already under another name: a rollout across both would
/// run twice on it.
fn once(
    registry: &Registry,
    context: &str,
    kubeconfig: Option<&std::path::PathBuf>,
    name: &str,
) -> Result<()> {
    if let Some(other) = registry
        .clusters
        .iter()
        .find(|c| c.context == context && c.kubeconfig.as_ref() == kubeconfig && c.name != name)
    {
        return Err(Error::invalid(format!(
            "context {context:?} is registered already, as cluster {:?}: a rollout across both would run twice on it",
            other.name
        ))
        .with_hint(format!(
            "set it up again under its name (--name {}), or remove it first: kubectl ramp cluster remove {}",
            other.name, other.name
        )));
    }
    Ok(())
}

/// `--prometheus-label NAME=VALUE`s as a map.
fn labels_of(flags: &[String]) -> Result<std::collections::BTreeMap<String, String>> {
    flags
        .iter()
        .map(|flag| match flag.split_once('=') {
            Some((name, value))
                if !name.is_empty()
                    && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
                    && !name.starts_with(|c: char| c.is_ascii_digit()) =>
            {
                Ok((name.to_string(), value.to_string()))
            }
            _ => Err(Error::invalid(format!(
                "--prometheus-label {flag:?} is not NAME=VALUE with a Prometheus label name"
            ))
            .with_hint("write it as cluster=eu-1")),
        })
        .collect()
}

async fn list(global: &GlobalArgs) -> Result<()> {
    let registry = Registry::load()?;
    let reports =
        futures::future::join_all(registry.clusters.iter().map(|c| inspect(global, c, false)))
            .await;
    global.ui().print(&reports, table_of)
}

async fn check(global: &GlobalArgs, name: Option<&str>) -> Result<()> {
    let registry = Registry::load()?;
    let clusters = match name {
        Some(name) => vec![registry.find(name)?.clone()],
        None => registry.clusters.clone(),
    };
    let reports =
        futures::future::join_all(clusters.iter().map(|c| inspect(global, c, true))).await;
    global.ui().print(&reports, table_of)?;
    let unreachable: Vec<&str> = reports
        .iter()
        .filter(|r| !r.reachable)
        .map(|r| r.name.as_str())
        .collect();
    let lacking: Vec<&str> = reports
        .iter()
        .filter(|r| r.missing.as_ref().is_some_and(|m| !m.is_empty()))
        .map(|r| r.name.as_str())
        .collect();
    match (unreachable.is_empty(), lacking.is_empty()) {
        (true, true) => Ok(()),
        _ => Err(Error::failed(format!(
            "not ready for rollouts: {}",
            unreachable
                .iter()
                .map(|n| format!("{n} (unreachable)"))
                .chain(lacking.iter().map(|n| format!("{n} (missing permissions)")))
                .collect::<Vec<_>>()
                .join(", ")
        ))
        .with_hint("see the table above; `cluster setup --create-rbac` grants what ramp needs")),
    }
}
