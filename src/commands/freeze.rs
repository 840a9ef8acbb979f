//! `kubectl ramp freeze|unfreeze [-n NS | --all-namespaces]`: holds the
//! rollouts of a namespace, or of the whole cluster, still; and the gate
//! every command that moves a rollout forward passes first.

use k8s_openapi::jiff::Timestamp;
use kube::config::Kubeconfig;

use super::Change;
use crate::cli::{FreezeArgs, GlobalArgs, UnfreezeArgs};
use crate::clusters::access::who_am_i;
use crate::clusters::registry::Registry;
use crate::connect::{Connection, Target};
use crate::engine::freeze::{self as stored, DEFAULT_CLUSTER_NAMESPACE, NAMESPACE_VARIABLE};
use crate::engine::lock::{hostname, username};
use crate::error::{Error, Kind, Result};
use crate::rollout::freeze::{self, Command, Freeze, Gate, Scope};

/// The namespace that holds the cluster's cluster-wide freeze:
/// `$RAMP_FREEZE_NAMESPACE`, else the one `cluster setup
/// --freeze-namespace` registered for the context, else kube-system.
pub fn cluster_namespace(target: &Target) -> String {
    if let Some(named) = std::env::var(NAMESPACE_VARIABLE)
        .ok()
        .filter(|n| !n.is_empty())
    {
        return named;
    }
    let context = target.context.clone().or_else(|| current_context(target));
    let registered = context.and_then(|context| {
        Registry::load()
            .ok()?
            .clusters
            .into_iter()
            .find(|c| c.context == context)?
            .freeze_namespace
    });
    registered.unwrap_or_else(|| DEFAULT_CLUSTER_NAMESPACE.to_string())
}

/// The kubeconfig's current context, when no --context names one.
fn current_context(target: &Target) -> Option<String> {
    let kubeconfig = match &target.kubeconfig {
        Some(path) => Kubeconfig::read_from(path).ok()?,
        None => Kubeconfig::read().ok()?,
    };
    kubeconfig.current_context
}

/// The time to judge `freezes` at, in milliseconds: a freeze that ends at
/// a time is judged by the cluster's clock, not this machine's (one that
/// runs late would let a pipeline through a freeze that still holds).
pub async fn now_for(conn: &Connection, freezes: &[Freeze]) -> i64 {
    match freezes.iter().any(|f| f.until.is_some()) {
        true => conn.server_now().await.as_millisecond(),
        false => Timestamp::now().as_millisecond(),
    }
}

/// The freezes of the connection's namespace and of the cluster that hold
/// now, and a warning for each that could not be read.
pub async fn freezes(conn: &Connection, cluster_namespace: &str) -> Result<stored::Found> {
    let mut found = stored::read(conn, &conn.namespace, cluster_namespace).await?;
    let now = now_for(conn, &found.freezes).await;
    found.freezes.retain(|f| f.holds_at(now));
    Ok(found)
}

/// Refuses `command` with exit 2 while a freeze holds it, naming who froze,
/// why and until when. With `--override-freeze`, it passes, and the
/// returned options carry the override for the record and an Event.
pub async fn gate(
    conn: &Connection,
    cluster_namespace: &str,
    command: Command,
    change: &Change,
) -> Result<Change> {
    if !command.frozen_by_freezes() {
        return Ok(change.clone());
    }
    match passage(conn, cluster_namespace, command, change, true).await? {
        Ok(change) => Ok(change),
        Err(held) => Err(refusal(command, &held)),
    }
}

/// What holds a command back: freezes that hold, or freezes that cannot be
/// read (which hold as well: see `freeze::gate`).
#[derive(Debug)]
pub enum Held {
    Frozen(Vec<Freeze>),
    Unknown(Vec<String>),
}

impl Held {
    /// One line: the freezes, or why they cannot be read.
    pub fn describe(&self) -> String {
        match self {
            Held::Frozen(holding) => holding
                .iter()
                .map(Freeze::describe)
                .collect::<Vec<_>>()
                .join("; "),
            Held::Unknown(unreadable) => format!(
                "a freeze may hold it, and it cannot be known: {}",
                unreadable.join("; ")
            ),
        }
    }
}

/// Whether `command` may go on now: the options to go on with (an
/// override noted), or the freezes that hold it back. `say`: whether to
/// warn of freezes that cannot be read and of an override (a driver that
/// looks again and again while it holds says so once).
pub async fn passage(
    conn: &Connection,
    cluster_namespace: &str,
    command: Command,
    change: &Change,
    say: bool,
) -> Result<std::result::Result<Change, Held>> {
    if !command.frozen_by_freezes() {
        return Ok(Ok(change.clone()));
    }
    let read = stored::read(conn, &conn.namespace, cluster_namespace).await?;
    let found = &read.freezes;
    let now = now_for(conn, found).await;
    let gate = freeze::gate(
        command,
        found,
        &read.unreadable,
        now,
        change.override_freeze.as_deref(),
    );
    Ok(match gate {
        Gate::Open => Ok(change.clone()),
        Gate::Frozen(holding) => Err(Held::Frozen(holding)),
        Gate::Unknown(unreadable) => Err(Held::Unknown(unreadable)),
        Gate::Overridden(holding, reason) => {
            if say {
                read.warn();
            }
            let message = freeze::override_message(&holding, &reason);
            let text = format!("warning: {message}");
            match &change.label {
                Some(label) => eprintln!("[{label}] {text}"),
                None => eprintln!("{text}"),
            }
            Ok(change.noting(Some(message)))
        }
    })
}

/// `passage` for a driver, which holds rather than stops: the options to
/// go on with, or what holds it back as one line (the freezes, or why they
/// cannot be read, which holds it too), led by `label` when there is one.
pub async fn hold_or_pass(
    conn: &Connection,
    cluster_namespace: &str,
    command: Command,
    change: &Change,
    say: bool,
    label: Option<&str>,
) -> std::result::Result<Change, String> {
    let why = match passage(conn, cluster_namespace, command, change, say).await {
        Ok(Ok(change)) => return Ok(change),
        Ok(Err(held)) => held.describe(),
        Err(e) => format!("the freezes cannot be read ({})", e.message),
    };
    Err(match label {
        Some(label) => format!("[{label}] {why}"),
        None => why,
    })
}

/// After a driver looked at the freezes of each place it would move:
/// `holding`, what holds each one back. Says when a hold begins, changes
/// or ends (`freeze::hold_news`), keeps the reason in `held`, and tells
/// whether it holds.
pub fn hold(held: &mut Option<String>, holding: &[String], at: &str, meanwhile: &str) -> bool {
    let now = (!holding.is_empty()).then(|| holding.join("; "));
    if let Some(news) = freeze::hold_news(held.as_deref(), now.as_deref(), at, meanwhile) {
        eprintln!("{news}");
    }
    *held = now;
    held.is_some()
}

fn refusal(command: Command, held: &Held) -> Error {
    let verb = format!("{command:?}").to_lowercase();
    let why = held.describe();
    let error = Error::new(
        Kind::Invalid,
        format!("{verb} refused: {why}; nothing was changed"),
    );
    match held {
        Held::Frozen(_) => error.with_hint(
            "wait for the freeze to end, lift it with `kubectl ramp unfreeze`, or pass --override-freeze REASON \
             (recorded); `kubectl ramp abort` is never frozen",
        ),
        Held::Unknown(_) => error.with_hint(
            "let these credentials read the freezes (`kubectl ramp cluster setup --create-rbac` grants it, \
             as a get of configmap kubectl-ramp-freeze), or pass --override-freeze REASON to go on without \
             knowing (recorded); `kubectl ramp abort` is never frozen",
        ),
    }
}

/// When a freeze ends: an RFC 3339 time, or a duration from now (2h, 30m).
fn until(text: &str, now: Timestamp) -> Result<Timestamp> {
    let at = match text.parse::<Timestamp>() {
        Ok(at) => at,
        Err(_) => {
            match crate::duration::parse(text) {
                Ok(duration) => now
                    .checked_add(
                        k8s_openapi::jiff::SignedDuration::try_from(duration).map_err(|_| {
                            Error::invalid(format!("--until {text:?} is too far away"))
                        })?,
                    )
                    .map_err(|_| Error::invalid(format!("--until {text:?} is too far away")))?,
                Err(_) => {
                    return Err(Error::invalid(format!("--until {text:?} is not a time"))
                    .with_hint("write a time as 2026-12-01T08:00:00Z, or a duration from now as 2h or 90m"));
                }
            }
        }
    };
    if at <= now {
        return Err(
            Error::invalid(format!("--until {text:?} is already past ({at})"))
                .with_hint("name a time to come, e.g. 2h from now: --until 2h"),
        );
    }
    Ok(at)
}

pub async fn freeze(global: &GlobalArgs, args: &FreezeArgs) -> Result<()> {
    let reason = args.reason.trim();
    if reason.is_empty() {
        return Err(Error::invalid("--reason is empty")
            .with_hint("say why, for whoever's rollout it stops: --reason 'black friday'"));
    }
    // Checked before anything is asked of the cluster, then counted from
    // the cluster's clock, which judges it.
    args.until
        .as_deref()
        .map(|t| until(t, Timestamp::now()))
        .transpose()?;
    let conn = Connection::open(&global.target()).await?;
    let now = conn.server_now().await;
    let until = args.until.as_deref().map(|t| until(t, now)).transpose()?;
    let (scope, namespace) = match args.all_namespaces {
        true => (Scope::Cluster, cluster_namespace(&global.target())),
        false => (Scope::Namespace, conn.namespace.clone()),
    };
    let by = who_am_i(&conn)
        .await
        .unwrap_or_else(|| format!("{}@{}", username(), hostname()));
    let freeze = Freeze {
        scope,
        namespace,
        by,
        reason: reason.to_string(),
        since: now.to_string(),
        until: until.map(|u| u.to_string()),
    };
    let replaced = stored::write(&conn, &freeze).await?;
    if let Some(before) = replaced {
        eprintln!("replaces: {}", before.describe());
    }
    eprintln!("{}", freeze.describe());
    global.ui().print(&vec![freeze], |f, _| list_table(f))
}

pub async fn unfreeze(global: &GlobalArgs, args: &UnfreezeArgs) -> Result<()> {
    let conn = Connection::open(&global.target()).await?;
    let namespace = match args.all_namespaces {
        true => cluster_namespace(&global.target()),
        false => conn.namespace.clone(),
    };
    let what = match args.all_namespaces {
        true => "the cluster".to_string(),
        false => format!("namespace {namespace:?}"),
    };
    match stored::delete(&conn, &namespace).await? {
        Some(freeze) => {
            eprintln!("unfrozen {what}; it was: {}", freeze.describe());
            Ok(())
        }
        None => {
            eprintln!("{what} was not frozen");
            Ok(())
        }
    }
}

/// A freeze as `list` shows it: with its cluster, across clusters.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Listed {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cluster: Option<String>,
    #[serde(flatten)]
    pub freeze: Freeze,
    /// Its `until` is past (by the cluster's clock): it no longer holds,
    /// but its ConfigMap stays until someone lifts it.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub over: bool,
}

/// The freezes as a table: scope, namespace, by, since, until, reason.
pub fn list_table(freezes: &[Freeze]) -> String {
    let listed: Vec<Listed> = freezes
        .iter()
        .map(|f| Listed {
            cluster: None,
            freeze: f.clone(),
            over: false,
        })
        .collect();
    listed_table(&listed)
}

/// `list_table`, with a CLUSTER column when they come from several.
pub fn listed_table(freezes: &[Listed]) -> String {
    let clusters = freezes.iter().any(|l| l.cluster.is_some());
    let mut header = vec!["frozen", "namespace", "by", "since", "until", "reason"];
    if clusters {
        header.insert(0, "cluster");
    }
    let mut t = crate::ui::table(&header);
    for listed in freezes {
        let f = &listed.freeze;
        // What the freeze's ConfigMap holds, as anyone may have written
        // it: shown without the control characters a terminal acts on.
        let text = |t: &str| crate::input::printable(t).into_owned();
        let mut row = vec![
            f.scope.as_str().to_string(),
            f.namespace.clone(),
            text(&f.by),
            text(&f.since),
            match (&f.until, listed.over) {
                (_, true) => format!("{} (over)", text(f.until.as_deref().unwrap_or_default())),
                (Some(until), false) => text(until),
                (None, false) => "-".into(),
            },
            text(&f.reason),
        ];
        if clusters {
            row.insert(0, listed.cluster.clone().unwrap_or_default());
        }
        t.add_row(row);
    }
    crate::ui::render(&t)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn until_reads_a_time_or_a_duration_from_now() {
        let now: Timestamp = "2026-11-27T10:00:00Z".parse().unwrap();
        assert_eq!(
            until("2h", now).unwrap().to_string(),
            "2026-11-27T12:00:00Z"
        );
        assert_eq!(
            until("2026-12-01T08:00:00Z", now).unwrap().to_string(),
            "2026-12-01T08:00:00Z"
        );
        let past = until("2026-11-27T09:00:00Z", now).unwrap_err();
        assert_eq!(past.kind, Kind::Invalid);
        assert!(past.message.contains("already past"), "{}", past.message);
        let nonsense = until("tomorrow", now).unwrap_err();
        assert!(
            nonsense.message.contains("is not a time"),
            "{}",
            nonsense.message
        );
        assert!(until("0s", now).is_err());
    }
}
