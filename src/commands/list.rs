//! `kubectl ramp list`: every rollout, that is every Deployment carrying a
//! record, as `kubectl get` lists objects. Everything shown comes from the
//! record, so one LIST of Deployments per namespace (or one for all of them)
//! is all it asks of each cluster.

use std::collections::BTreeMap;
use std::io::Write;

use futures::StreamExt;
use k8s_openapi::api::apps::v1::Deployment;
use kube::Api;
use kube::api::ListParams;
use kube::runtime::watcher;
use serde::Serialize;

use super::Change;
use super::fanout::fleet_of;
use super::freeze::Listed;
use super::freeze::cluster_namespace;
use crate::cli::{GlobalArgs, ListArgs};
use crate::connect::Connection;
use crate::error::{self, Error, Kind, Result};
use crate::ui::list::{Item, read_item};
use crate::ui::status::{age, percent};
use crate::ui::{Format, Ui};

#[derive(Serialize)]
struct List<'a> {
    items: &'a [Item],
    /// The freezes here: those that hold rollouts, and those over whose
    /// ConfigMap is still there.
    freezes: &'a [Listed],
}

pub async fn run(global: &GlobalArgs, args: &ListArgs) -> Result<()> {
    let ui = global.ui();
    if args.clusters.is_set() {
        if args.watch {
            return Err(Error::invalid("list -w follows one cluster")
                .with_hint("leave out -w, or pass --context CONTEXT for one cluster"));
        }
        return run_on_clusters(&ui, global, args).await;
    }
    let conn = Connection::open(&global.target()).await?;
    let layout = Layout::new(args.all_namespaces, false);
    if args.watch && ui.format != Format::Table {
        // A stream of items, one a line from the first.
        return watch(&ui, &conn, args, &layout, None).await;
    }
    let (items, freezes) = futures::future::join(
        read(&conn, None, args),
        freezes(&conn, &cluster_namespace(&global.target()), None, args),
    )
    .await;
    let items = items?;
    let (freezes, unreadable) = freezes?;
    warn(&unreadable);
    print(&ui, &layout, &items, &freezes, where_(&conn, args))?;
    if args.watch {
        return watch(&ui, &conn, args, &layout, Some(items)).await;
    }
    Ok(())
}

/// "in namespace shop", for "No rollouts found ...".
fn where_(conn: &Connection, args: &ListArgs) -> String {
    if args.all_namespaces {
        "in any namespace".to_string()
    } else {
        format!("in namespace {}", conn.namespace)
    }
}

async fn run_on_clusters(ui: &Ui, global: &GlobalArgs, args: &ListArgs) -> Result<()> {
    let fleet = fleet_of(global, &args.clusters, Change::default())?;
    let read_all = fleet.places.iter().map(|place| async move {
        let conn = place.conn().await?;
        let (items, freezes) = futures::future::join(
            read(conn, place.name(), args),
            freezes(conn, &place.freeze_namespace, place.name(), args),
        )
        .await;
        Ok::<_, Error>((items?, freezes?))
    });
    let mut items = Vec::new();
    let mut frozen = Vec::new();
    let mut failed = Vec::new();
    for (cluster, result) in fleet
        .places
        .iter()
        .filter_map(|p| p.cluster.as_ref())
        .zip(futures::future::join_all(read_all).await)
    {
        match result {
            Ok((found, (freezes, unreadable))) => {
                items.extend(found);
                frozen.extend(freezes);
                for warning in unreadable {
                    eprintln!("[{}] warning: {warning}", cluster.name);
                }
            }
            Err(e) => {
                eprintln!("[{}] {}", cluster.name, e.message);
                failed.push(cluster.name.clone());
            }
        }
    }
    let layout = Layout::new(args.all_namespaces, true);
    print(
        ui,
        &layout,
        &items,
        &frozen,
        "on the selected clusters".to_string(),
    )?;
    if failed.is_empty() {
        Ok(())
    } else {
        Err(Error::failed(format!(
            "{} of {} clusters did not answer: {}",
            failed.len(),
            fleet.places.len(),
            failed.join(", ")
        )))
    }
}

fn api(conn: &Connection, all_namespaces: bool) -> Api<Deployment> {
    if all_namespaces {
        Api::all(conn.client.clone())
    } else {
        Api::namespaced(conn.client.clone(), &conn.namespace)
    }
}

/// One LIST of Deployments: those with a record are the rollouts.
async fn read(conn: &Connection, cluster: Option<&str>, args: &ListArgs) -> Result<Vec<Item>> {
    let mut params = ListParams::default();
    if let Some(selector) = &args.selector {
        params = params.labels(selector);
    }
    let list = api(conn, args.all_namespaces)
        .list(&params)
        .await
        .map_err(|e| list_error(e, conn, args))?;
    Ok(list.items.iter().filter_map(|d| item(cluster, d)).collect())
}

fn list_error(err: kube::Error, conn: &Connection, args: &ListArgs) -> Error {
    if let (kube::Error::Api(status), Some(selector)) = (&err, &args.selector)
        && status.code == 400
    {
        return Error::invalid(format!(
            "the selector {selector:?} is not valid: {}",
            status.message
        ))
        .with_hint("write it as kubectl does, e.g. -l app=web or -l 'tier in (web,api)'");
    }
    let what = if args.all_namespaces {
        "list deployments in all namespaces".to_string()
    } else {
        format!("list deployments in namespace {:?}", conn.namespace)
    };
    error::from_kube(err, &what, &conn.server)
}

/// The rollout of a Deployment, when it carries a record; an unreadable
/// record is said on stderr.
fn item(cluster: Option<&str>, deployment: &Deployment) -> Option<Item> {
    let (item, problem) = read_item(cluster, deployment)?;
    if let Some(problem) = problem {
        eprintln!("warning: {}/{}: {problem}", item.namespace, item.deployment);
    }
    Some(item)
}

/// The columns, as `kubectl get` shows them: NAMESPACE with -A, the cluster
/// first when there are several.
struct Layout {
    namespace: bool,
    cluster: bool,
}

impl Layout {
    fn new(namespace: bool, cluster: bool) -> Layout {
        Layout { namespace, cluster }
    }

    fn header(&self) -> Vec<String> {
        let mut cells = Vec::new();
        if self.cluster {
            cells.push("CLUSTER".to_string());
        }
        if self.namespace {
            cells.push("NAMESPACE".to_string());
        }
        cells.extend(["NAME", "PHASE", "STEP", "TRAFFIC", "CONTENDER", "AGE"].map(str::to_string));
        cells
    }

    fn cells(&self, item: &Item) -> Vec<String> {
        let mut cells = Vec::new();
        if self.cluster {
            cells.push(item.cluster.clone().unwrap_or_default());
        }
        if self.namespace {
            cells.push(item.namespace.clone());
        }
        let images = match &item.contender {
            Some(contender) if !contender.images.is_empty() => contender.images.join(","),
            _ => "<none>".to_string(),
        };
        cells.extend([
            item.deployment.clone(),
            item.phase
                .map(|p| p.as_str().to_string())
                .unwrap_or_else(|| "<unreadable>".to_string()),
            format!("{}/{}", item.step.index, item.step.total),
            percent(item.traffic.contender),
            images,
            item.started_at
                .as_deref()
                .map(age)
                .unwrap_or_else(|| "<unknown>".to_string()),
        ]);
        cells
    }
}

/// Column widths: the widest cell, as kubectl aligns them.
fn widths(rows: &[Vec<String>]) -> Vec<usize> {
    let mut widths = vec![0; rows.first().map_or(0, Vec::len)];
    for row in rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    widths
}

fn line(cells: &[String], widths: &[usize]) -> String {
    let mut text = String::new();
    for (i, (cell, width)) in cells.iter().zip(widths).enumerate() {
        if i + 1 == cells.len() {
            text.push_str(cell);
        } else {
            text.push_str(&format!("{cell:<width$}   "));
        }
    }
    text.trim_end().to_string()
}

fn print(
    ui: &Ui,
    layout: &Layout,
    items: &[Item],
    freezes: &[Listed],
    where_: String,
) -> Result<()> {
    if ui.format == Format::Table && items.is_empty() {
        eprintln!("No rollouts found {where_}.");
        if freezes.is_empty() {
            return Ok(());
        }
    }
    ui.print(&List { items, freezes }, |list, _| {
        let mut text = String::new();
        if !list.items.is_empty() {
            let mut rows = vec![layout.header()];
            rows.extend(list.items.iter().map(|i| layout.cells(i)));
            let widths = widths(&rows);
            text = rows.iter().map(|r| line(r, &widths) + "\n").collect();
        }
        if !list.freezes.is_empty() {
            if !text.is_empty() {
                text.push('\n');
            }
            text.push_str(&super::freeze::listed_table(list.freezes));
        }
        text
    })
}

/// The freezes of the namespace and the cluster, or with --all-namespaces
/// of every namespace; those whose time is past marked over.
async fn freezes(
    conn: &Connection,
    cluster_namespace: &str,
    cluster: Option<&str>,
    args: &ListArgs,
) -> Result<(Vec<Listed>, Vec<String>)> {
    let found = match args.all_namespaces {
        true => crate::engine::freeze::read_all(conn, cluster_namespace).await?,
        false => crate::engine::freeze::read(conn, &conn.namespace, cluster_namespace).await?,
    };
    let now = super::freeze::now_for(conn, &found.freezes).await;
    let listed = found
        .freezes
        .into_iter()
        .map(|freeze| Listed {
            cluster: cluster.map(String::from),
            over: !freeze.holds_at(now),
            freeze,
        })
        .collect();
    Ok((listed, found.unreadable))
}

/// Says which freezes could not be read, once the list itself was read.
fn warn(unreadable: &[String]) {
    for warning in unreadable {
        eprintln!("warning: {warning}");
    }
}

/// `-w`: after the list, a line for each rollout whenever it changes, as
/// `kubectl get -w` does; with -o json, one item a line.
async fn watch(
    ui: &Ui,
    conn: &Connection,
    args: &ListArgs,
    layout: &Layout,
    first: Option<Vec<Item>>,
) -> Result<()> {
    let first = first.unwrap_or_default();
    let mut rows = vec![layout.header()];
    rows.extend(first.iter().map(|i| layout.cells(i)));
    let widths = widths(&rows);
    let key = |i: &Item| (i.namespace.clone(), i.deployment.clone());
    let mut shown: BTreeMap<(String, String), Item> =
        first.into_iter().map(|i| (key(&i), i)).collect();
    let mut config = watcher::Config::default();
    if let Some(selector) = &args.selector {
        config = config.labels(selector);
    }
    let mut events = watcher(api(conn, args.all_namespaces), config).boxed();
    let interrupted = tokio::signal::ctrl_c();
    tokio::pin!(interrupted);
    loop {
        let event = tokio::select! {
            event = events.next() => event,
            _ = &mut interrupted => return Err(Error::interrupted("stopped watching")),
        };
        let deployment = match event {
            None => {
                return Err(Error::new(
                    Kind::Failed,
                    "the watch of the Deployments ended",
                ));
            }
            Some(Err(e)) => {
                tracing::debug!("watch interrupted, it resumes: {e}");
                continue;
            }
            Some(Ok(watcher::Event::Apply(d) | watcher::Event::InitApply(d))) => d,
            Some(Ok(_)) => continue,
        };
        let Some(item) = item(None, &deployment) else {
            continue;
        };
        if shown.get(&key(&item)) == Some(&item) {
            continue;
        }
        let mut out = std::io::stdout().lock();
        match ui.format {
            Format::Json => {
                let text = serde_json::to_string(&item).expect("an item serializes");
                writeln!(out, "{text}")?;
            }
            Format::Yaml => {
                drop(out);
                writeln!(std::io::stdout(), "---")?;
                ui.print(&item, |_, _| String::new())?;
                out = std::io::stdout().lock();
            }
            Format::Table => writeln!(out, "{}", line(&layout.cells(&item), &widths))?,
        }
        out.flush()?;
        shown.insert(key(&item), item);
    }
}
