//! `kubectl ramp dashboard`: a live web page of the rollouts, served from
//! this process. The rollouts come from watches (one per kind per
//! namespace, never a poll); the page's buttons run the commands' own code.

use std::net::SocketAddr;
use std::sync::Arc;

use futures::FutureExt;
use tokio::net::TcpListener;
use tokio::sync::watch;

use super::fanout::target_of;
use super::{Change, load, run as automation};
use crate::cli::{DashboardArgs, GlobalArgs};
use crate::connect::Connection;
use crate::engine::live::{Live, Scope};
use crate::error::{Error, Result};
use crate::ops::{abort, advance, promote};
use crate::ui::dashboard::{self, Action, Board, Outcome, Source, Verb};

/// How long the dashboard waits for its watches' first lists before it
/// serves what it has.
const SETTLE_LIMIT: std::time::Duration = std::time::Duration::from_secs(30);

pub async fn run(global: &GlobalArgs, args: &DashboardArgs) -> Result<()> {
    let (changed_tx, changed) = watch::channel(0u64);
    // The port first: one that is taken is said at once.
    let listener = listen(args).await?;
    if let Some(warning) = exposed(args.address) {
        eprintln!("warning: {warning}");
    }
    let lives = watch_clusters(global, args, &changed_tx).await?;
    // The URL is printed once the watches hold what the clusters hold: a
    // page opened at once shows the rollouts, not an empty list. Every
    // cluster's watches are waited for together, for at most the limit.
    settle(&lives).await;
    let addr = listener
        .local_addr()
        .map_err(|e| Error::failed(format!("cannot read the address listened on: {e}")))?;
    let token = dashboard::new_token();
    let url = format!("http://{}/?token={token}", dashboard::host_of(addr));
    let targets: Vec<Target> = lives
        .iter()
        .map(|l| Target {
            cluster: l.cluster.clone(),
            conn: l.conn.clone(),
            freeze_namespace: freeze_namespace(global, l.cluster.as_deref()),
        })
        .collect();
    let act = (!args.read_only).then(|| acting(targets));
    let scope = scope_words(&lives, args);
    let board = Arc::new(Board {
        sources: lives
            .iter()
            .map(|l| Source {
                cluster: l.cluster.clone(),
                store: l.store.clone(),
            })
            .collect(),
        changed,
        token,
        act,
        scope: scope.clone(),
        hosts: Board::hosts_for(addr),
        any_host_on_port: addr.ip().is_unspecified().then_some(addr.port()),
    });
    println!("{url}");
    eprintln!(
        "serving the rollouts of {scope}{} on {}; Ctrl-C stops",
        if args.read_only { ", read-only" } else { "" },
        dashboard::host_of(addr)
    );
    if args.open {
        open_browser(&url);
    }
    let outcome = tokio::select! {
        served = dashboard::serve(listener, board) => served
            .map_err(|e| Error::failed(format!("the dashboard stopped serving: {e}"))),
        _ = tokio::signal::ctrl_c() => Err(Error::interrupted("stopped serving the dashboard")),
    };
    drop(lives);
    outcome
}

/// Waits for every cluster's watches to hold what the cluster holds, all
/// together and for at most `SETTLE_LIMIT`, and says which still list.
async fn settle(lives: &[Live]) {
    let unsettled = futures::future::join_all(lives.iter().map(|l| l.settle(SETTLE_LIMIT))).await;
    for (live, unsettled) in lives.iter().zip(unsettled) {
        if !unsettled.is_empty() {
            let of = live
                .cluster
                .as_ref()
                .map(|c| format!("[{c}] "))
                .unwrap_or_default();
            eprintln!(
                "{of}still listing after {} s ({}); the page fills in as they answer",
                SETTLE_LIMIT.as_secs(),
                unsettled.join(", ")
            );
        }
    }
}

/// The dashboard's actions on `targets`, each run apart from its request.
fn acting(targets: Vec<Target>) -> dashboard::Act {
    let targets = Arc::new(targets);
    let busy = Busy::default();
    Arc::new(move |action: Action| {
        let (targets, busy) = (targets.clone(), busy.clone());
        // Run apart from the request: a page closed or reloaded
        // while the action works does not cut it short half way
        // (its Lease held, its record left moving).
        let task = tokio::spawn(async move { act(&targets, &busy, action).await });
        async move {
            task.await.unwrap_or_else(|e| Outcome {
                ok: false,
                exit_code: 1,
                message: format!("the action stopped: {e}"),
            })
        }
        .boxed()
    })
}

/// One set of watches per cluster: the one of the flags, or each
/// registered one selected. A registered cluster that cannot be reached is
/// said and left out.
async fn watch_clusters(
    global: &GlobalArgs,
    args: &DashboardArgs,
    changed: &watch::Sender<u64>,
) -> Result<Vec<Live>> {
    let fleet = super::fanout::fleet_of(global, &args.clusters, super::Change::default())?;
    if !fleet.across() {
        let conn = fleet.places[0].conn().await?.clone();
        let scope = scope_of(&conn, args);
        return Ok(vec![
            Live::start(None, conn, &scope, changed.clone()).await?,
        ]);
    }
    let mut lives = Vec::new();
    for place in &fleet.places {
        let name = place.name().unwrap_or_default();
        let started = async {
            let conn = place.conn().await?.clone();
            let scope = scope_of(&conn, args);
            Live::start(Some(name.to_string()), conn, &scope, changed.clone()).await
        };
        match started.await {
            Ok(live) => lives.push(live),
            Err(e) => eprintln!("[{name}] {}; left out", e.message),
        }
    }
    if lives.is_empty() {
        return Err(Error::failed("none of the selected clusters answered"));
    }
    Ok(lives)
}

fn scope_of(conn: &Connection, args: &DashboardArgs) -> Scope {
    match args.all_namespaces {
        true => Scope::All,
        false => Scope::Namespace(conn.namespace.clone()),
    }
}

/// "namespace shop", "every namespace", with the clusters when several.
fn scope_words(lives: &[Live], args: &DashboardArgs) -> String {
    let namespaces = match args.all_namespaces {
        true => "every namespace".to_string(),
        false => format!("namespace {}", lives[0].conn.namespace),
    };
    let clusters: Vec<&str> = lives.iter().filter_map(|l| l.cluster.as_deref()).collect();
    match clusters.as_slice() {
        [] => namespaces,
        names => format!("{namespaces} on {}", names.join(", ")),
    }
}

/// What a dashboard listening beyond loopback must say: its page is plain
/// HTTP, so its token, and the rollouts it shows and moves with these
/// credentials, travel readable to whoever is on the path.
fn exposed(address: std::net::IpAddr) -> Option<String> {
    if address.is_loopback() {
        return None;
    }
    let reach = match address.is_unspecified() {
        true => "every network this machine is on".to_string(),
        false => format!("the network of {address}"),
    };
    Some(format!(
        "the dashboard listens on {reach}, over plain HTTP: its URL's token and the pages it serves \
         (and the steps, promotions and aborts it takes with these credentials) can be read by anyone \
         on the path; keep it on 127.0.0.1 and reach it through an SSH tunnel or `kubectl port-forward`"
    ))
}

async fn listen(args: &DashboardArgs) -> Result<TcpListener> {
    let addr = SocketAddr::new(args.address, args.port);
    TcpListener::bind(addr).await.map_err(|e| {
        let hint = match e.kind() {
            std::io::ErrorKind::AddrInUse => format!(
                "another program listens on port {}: pass --port N (--port 0 takes any free one)",
                args.port
            ),
            std::io::ErrorKind::AddrNotAvailable => format!(
                "{} is not an address of this machine: pass --address with one of its own (127.0.0.1 by default)",
                args.address
            ),
            _ => "pass another --port or --address".to_string(),
        };
        Error::failed(format!("cannot listen on {addr}: {e}")).with_hint(hint)
    })
}

/// A cluster the dashboard acts on.
struct Target {
    cluster: Option<String>,
    conn: Connection,
    /// Where the cluster-wide freeze of that cluster is kept.
    freeze_namespace: String,
}

/// The namespace of a cluster's cluster-wide freeze: the one of the flags'
/// context, or the registered cluster's.
fn freeze_namespace(global: &GlobalArgs, cluster: Option<&str>) -> String {
    let registered = cluster.and_then(|name| {
        crate::clusters::registry::Registry::load()
            .ok()?
            .clusters
            .into_iter()
            .find(|c| c.name == name)
    });
    match registered {
        Some(cluster) => super::freeze::cluster_namespace(&target_of(global, &cluster)),
        None => super::freeze::cluster_namespace(&global.target()),
    }
}

/// The rollouts a step or a promotion from this dashboard is moving: a
/// second one waits its turn (the Lease cannot tell them apart: both are
/// this process's). An abort is never held back.
#[derive(Clone, Default)]
struct Busy(Arc<std::sync::Mutex<std::collections::HashSet<Rollout>>>);

/// A rollout: its cluster, namespace and Deployment.
type Rollout = (Option<String>, String, String);

/// Marks a rollout busy until dropped.
struct Moving {
    busy: Busy,
    key: Rollout,
}

impl Busy {
    fn take(&self, action: &Action) -> Option<Moving> {
        let key = (
            action.cluster.clone(),
            action.namespace.clone(),
            action.deployment.clone(),
        );
        let mut set = self.0.lock().unwrap_or_else(|e| e.into_inner());
        set.insert(key.clone()).then(|| Moving {
            busy: self.clone(),
            key,
        })
    }
}

impl Drop for Moving {
    fn drop(&mut self) {
        let mut set = self.busy.0.lock().unwrap_or_else(|e| e.into_inner());
        set.remove(&self.key);
    }
}

/// The commands' own code, on the rollout the page names: the same checks
/// (a freeze holds a step and a promotion, as it holds the commands), and
/// how it ended as the command's exit code and message.
async fn act(targets: &[Target], busy: &Busy, action: Action) -> Outcome {
    let Some(target) = targets.iter().find(|t| t.cluster == action.cluster) else {
        return Outcome {
            ok: false,
            exit_code: 2,
            message: "no such cluster".to_string(),
        };
    };
    let mut conn = target.conn.clone();
    conn.namespace = action.namespace.clone();
    let name = action.deployment.as_str();
    let failed = |e: Error| {
        eprintln!("error: {e}");
        Outcome {
            ok: false,
            exit_code: e.kind.exit_code(),
            message: e.to_string(),
        }
    };
    let moving = matches!(action.verb, Verb::Step | Verb::Promote);
    let _moving = match moving {
        true => match busy.take(&action) {
            Some(moving) => Some(moving),
            None => {
                return failed(
                    Error::new(
                        crate::error::Kind::Conflict,
                        format!("a step or promotion of {name} from this dashboard is under way"),
                    )
                    .with_hint("wait for it to end; abort is never held back"),
                );
            }
        },
        false => None,
    };
    let frozen = match action.verb {
        Verb::Step => Some(crate::rollout::freeze::Command::Step),
        Verb::Promote => Some(crate::rollout::freeze::Command::Promote),
        Verb::Abort | Verb::Pause => None,
    };
    let change = match frozen {
        Some(command) => {
            match super::freeze::gate(&conn, &target.freeze_namespace, command, &Change::default())
                .await
            {
                Ok(change) => change,
                Err(e) => return failed(e),
            }
        }
        None => Change::default(),
    };
    eprintln!(
        "{} {}/{name} (from the dashboard)",
        action.verb.as_str(),
        action.namespace
    );
    match carry_out(&conn, name, action.verb, &change).await {
        Ok(()) => {
            let now = load(&conn, name)
                .await
                .ok()
                .and_then(|l| l.record)
                .map(|r| {
                    format!(
                        ": {} at step {}/{}",
                        r.phase.as_str(),
                        r.step,
                        r.steps.len()
                    )
                })
                .unwrap_or_default();
            Outcome {
                ok: true,
                exit_code: 0,
                message: format!("{} {name}: done{now}", action.verb.as_str()),
            }
        }
        Err(e) => failed(e),
    }
}

/// One action of the dashboard's on the rollout of `name`, as the command
/// of its name does it.
async fn carry_out(conn: &Connection, name: &str, verb: Verb, change: &Change) -> Result<()> {
    match verb {
        Verb::Step => {
            let at_the_end = advance::AtTheEnd::DelayThenPromote;
            advance::advance(conn, name, None, change, None, at_the_end, None)
                .await
                .map(|_| ())
        }
        Verb::Promote => {
            let loaded = load(conn, name).await?;
            promote::promote(conn, name, loaded, change)
                .await
                .map(|_| ())
        }
        Verb::Abort => abort::abort(conn, name, Some("aborted from the dashboard"), change)
            .await
            .map(|_| ()),
        Verb::Pause => automation::pause(conn, name).await,
    }
}

/// `--open`: the system's way of opening a URL; when there is none, the
/// URL printed above is there to copy.
fn open_browser(url: &str) {
    let opener = if cfg!(target_os = "macos") {
        "open"
    } else {
        "xdg-open"
    };
    let spawned = std::process::Command::new(opener)
        .arg(url)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn();
    if let Err(e) = spawned {
        eprintln!("cannot open a browser ({opener}: {e}); open the URL above");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_dashboard_beyond_loopback_says_it_is_plain_http() {
        let cases = [
            ("127.0.0.1", None),
            ("::1", None),
            ("0.0.0.0", Some("every network this machine is on")),
            ("::", Some("every network this machine is on")),
            ("10.1.2.3", Some("the network of 10.1.2.3")),
        ];
        for (address, want) in cases {
            let said = exposed(address.parse().unwrap());
            match want {
                None => assert_eq!(said, None, "{address}"),
                Some(reach) => {
                    let said = said.unwrap_or_default();
                    assert!(
                        said.contains(reach) && said.contains("plain HTTP"),
                        "{address}: {said}"
                    );
                }
            }
        }
    }
}
