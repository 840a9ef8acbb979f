//! One file per subcommand: parse the arguments into options, call the core,
//! render. What the mutating commands share is here.

pub mod abort;
pub mod cluster;
pub mod fanout;
pub mod promote;
pub mod run;
pub mod start;
pub mod status;
pub mod step;
pub mod version;

use k8s_openapi::api::apps::v1::Deployment;
use kube::Api;

use crate::cli::{ChangeArgs, GlobalArgs};
use crate::connect::Connection;
use crate::error::{self, Error, Kind, Result};
use crate::rollout::execute::Executor;
use crate::rollout::lock::Lock;
use crate::rollout::record::{ANNOTATION, Phase, Record};
use crate::ui::Ui;
use crate::ui::progress::Progress;

/// The incumbent and its record, for a command that needs a rollout.
pub struct Loaded {
    pub incumbent: Deployment,
    pub record: Option<Record>,
    /// The record annotation exactly as stored.
    pub raw: Option<String>,
}

pub async fn load(conn: &Connection, name: &str) -> Result<Loaded> {
    let namespace = &conn.namespace;
    let api: Api<Deployment> = Api::namespaced(conn.client.clone(), namespace);
    let incumbent = api
        .get_opt(name)
        .await
        .map_err(|e| error::from_kube(e, &format!("get deployment {name:?}"), &conn.server))?
        .ok_or_else(|| {
            Error::invalid(format!(
                "deployment {name:?} not found in namespace {namespace:?}"
            ))
            .with_hint(format!(
                "list them with `kubectl get deployments -n {namespace}`, or pass -n NAMESPACE"
            ))
        })?;
    let annotations = incumbent.metadata.annotations.as_ref();
    let record = Record::from_annotations(name, annotations)?;
    let raw = annotations.and_then(|a| a.get(ANNOTATION)).cloned();
    Ok(Loaded {
        incumbent,
        record,
        raw,
    })
}

/// The record of a rollout that is under way, or exit 2 naming what to do.
pub fn in_progress(name: &str, record: Option<&Record>) -> Result<Record> {
    match record {
        Some(record)
            if !matches!(
                record.phase,
                Phase::Succeeded | Phase::Aborted | Phase::Idle
            ) =>
        {
            Ok(record.clone())
        }
        Some(record) => Err(Error::invalid(format!(
            "deployment {name:?} has no rollout in progress (the last one {})",
            if record.phase == Phase::Succeeded {
                "succeeded"
            } else {
                "was aborted"
            }
        ))
        .with_hint(format!(
            "start one with `kubectl ramp start {name} --image IMAGE`"
        ))),
        None => Err(
            Error::invalid(format!("deployment {name:?} has no rollout in progress")).with_hint(
                format!("start one with `kubectl ramp start {name} --image IMAGE`"),
            ),
        ),
    }
}

const INTERRUPTED: &str = "interrupted";

/// The record write that begins a command's work: the intent, written
/// before any action.
pub struct Begin {
    pub record: Record,
    pub reason: &'static str,
    pub message: String,
    /// Abort: put the routes back before anything else, even the record.
    pub restore_first: bool,
}

/// Takes the lock, writes the intent, runs the executor to the end,
/// releases the lock. On a timeout or Ctrl-C a stepping rollout is left
/// paused where it stands.
pub async fn drive(
    mut executor: Executor,
    conn: &Connection,
    name: &str,
    command: &str,
    begin: Option<Begin>,
) -> Result<Record> {
    let dry_run = executor.dry_run();
    let lock = match dry_run {
        true => None,
        false => Some(Lock::acquire(conn, &conn.namespace, name, command).await?),
    };
    let work = async {
        if let Some(begin) = begin {
            if begin.restore_first {
                executor.restore_routes_first().await?;
            }
            executor
                .transition(begin.record, begin.reason, &begin.message)
                .await?;
        }
        executor.run().await
    };
    let outcome = tokio::select! {
        result = work => result,
        _ = tokio::signal::ctrl_c() => Err(Error::failed(INTERRUPTED)
            .with_hint(format!("see `kubectl ramp status {name}`; run the command again to continue"))),
    };
    if let Err(err) = &outcome
        && !dry_run
        && (err.kind == Kind::TimedOut || err.message == INTERRUPTED)
    {
        pause_where_it_stands(&mut executor, err).await;
    }
    if let Some(lock) = lock {
        lock.release().await;
    }
    outcome.map(|()| executor.record.clone())
}

/// After a timeout or an interrupt: a rollout between steps is marked
/// Paused at the step it last reached, so that `step` tries again.
async fn pause_where_it_stands(executor: &mut Executor, err: &Error) {
    if executor.record.phase != Phase::Progressing {
        return;
    }
    let mut record = executor.record.clone();
    record.phase = Phase::Paused;
    record.target = record.step;
    let message = format!(
        "paused at step {}/{}: {}",
        record.step,
        record.steps.len(),
        err.message
    );
    if let Err(e) = executor.transition(record, "Paused", &message).await {
        tracing::warn!("could not record the pause: {e}");
    }
}

/// What every mutating command prints at the end: the rollout's status.
pub async fn show(
    global: &GlobalArgs,
    conn: &Connection,
    name: &str,
    change: &ChangeArgs,
) -> Result<()> {
    if change.dry_run || change.quiet {
        // Nothing changed (the status would only show the cluster as it
        // is), or the caller sums up several clusters.
        return Ok(());
    }
    let ui = Ui::new(global);
    let observed = crate::rollout::observe::observe(conn, name).await?;
    ui.print(
        &status::report(name, &conn.namespace, &observed),
        crate::ui::status::table_of,
    )
}

/// An executor for a command's rollout, with the command's --dry-run and
/// --timeout, reporting progress on stderr.
pub fn executor(
    conn: &Connection,
    name: &str,
    record: Record,
    stored: Option<String>,
    change: &ChangeArgs,
) -> Executor {
    Executor::new(
        conn.clone(),
        name,
        record,
        stored,
        change.dry_run,
        change.timeout,
        Progress::new(change.dry_run).labelled(change.label.as_deref()),
    )
}
