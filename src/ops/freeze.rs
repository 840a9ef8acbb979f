//! The gate every command that moves a rollout forward passes first: the
//! freezes that hold it back, as the cluster keeps them, judged by the
//! cluster's clock; and where a cluster keeps its cluster-wide freeze.

use k8s_openapi::jiff::Timestamp;
use kube::config::Kubeconfig;

use crate::clusters::registry::Registry;
use crate::connect::{Connection, Target};
use crate::engine::change::Change;
use crate::engine::freeze::{self as stored, DEFAULT_CLUSTER_NAMESPACE, NAMESPACE_VARIABLE};
use crate::error::{Error, Kind, Result};
use crate::rollout::freeze::{self, Command, Freeze, Gate};

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
