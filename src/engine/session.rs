//! A command's session with one rollout: read the incumbent and its
//! record, hold the rollout (by the record, then the Lease), write the
//! intent, run the executor to the end, and let go; and the waits on the
//! record that a stepping command and a driver share. Commands call these;
//! they decide nothing.

use k8s_openapi::api::apps::v1::Deployment;
use kube::Api;

use super::execute::{Base, Executor};
use super::lock::{self, Claim, Holder, Lock};
use super::observe::Observed;
use super::watch::Watched;
use crate::connect::Connection;
use crate::error::{self, Error, Kind, Result};
use crate::rollout::record::{ANNOTATION, Phase, Record};

/// The incumbent and its record, for a command that needs a rollout.
#[derive(Clone)]
pub struct Loaded {
    pub incumbent: Deployment,
    pub record: Option<Record>,
    /// The record annotation exactly as stored.
    pub raw: Option<String>,
}

impl Loaded {
    /// What a decision made on this read is compared with when it writes.
    pub fn base(&self) -> Base {
        Base {
            raw: self.raw.clone(),
            resource_version: self.incumbent.metadata.resource_version.clone(),
            incumbent: Some(self.incumbent.clone()),
        }
    }
}

pub async fn load(conn: &Connection, name: &str) -> Result<Loaded> {
    load_with(conn, name, Record::from_annotations).await
}

type ReadRecord =
    fn(&str, Option<&std::collections::BTreeMap<String, String>>) -> Result<Option<Record>>;

/// `load` with the record read as `read` reads it.
pub async fn load_with(conn: &Connection, name: &str, read: ReadRecord) -> Result<Loaded> {
    let namespace = &conn.namespace;
    let api: Api<Deployment> = Api::namespaced(conn.client.clone(), namespace);
    // Read afresh by a new watch, which this command and the next of this
    // process go on with (a streaming list: one request for both); read
    // alone when the watch cannot be had, which also says why.
    let mut watched = Watched::start(api.clone(), name);
    let seen = match watched.current().await {
        Ok(seen) => {
            super::watch::keep(conn, namespace, name, watched);
            seen
        }
        Err(failure) if failure.unreachable => {
            return Err(error::out_of_reach(&conn.server, &failure.message));
        }
        Err(_) => api
            .get_opt(name)
            .await
            .map_err(|e| error::from_kube(e, &format!("get deployment {name:?}"), &conn.server))?,
    };
    let incumbent = seen.ok_or_else(|| {
        Error::invalid(format!(
            "deployment {name:?} not found in namespace {namespace:?}"
        ))
        .with_hint(format!(
            "list them with `kubectl get deployments -n {namespace}`, or pass -n NAMESPACE"
        ))
    })?;
    loaded_with(name, incumbent, read)
}

/// The incumbent and its record, from a Deployment already read (a write's
/// answer, a watch).
pub fn loaded_of(name: &str, incumbent: Deployment) -> Result<Loaded> {
    loaded_with(name, incumbent, Record::from_annotations)
}

fn loaded_with(name: &str, incumbent: Deployment, read: ReadRecord) -> Result<Loaded> {
    let annotations = incumbent.metadata.annotations.as_ref();
    let record = read(name, annotations)?;
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

/// How long an abort waits for a command that held the rollout to see the
/// abort and let go, before its last look.
const OTHER_HOLDER_GRACE: std::time::Duration = std::time::Duration::from_secs(15);

/// The record write that begins a command's work: the intent, written
/// before any action.
pub struct Begin {
    pub record: Record,
    pub reason: &'static str,
    pub message: String,
    /// Abort: put the routes back before anything else, even the record.
    pub restore_first: bool,
}

/// What a command that drove a rollout ends with.
pub struct Driven {
    /// The record as it wrote it last.
    pub record: Record,
    /// The rollout as it last saw it, after its own writes: what its
    /// status shows (none in a dry run).
    pub view: Option<Observed>,
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
) -> Result<Driven> {
    let dry_run = executor.dry_run();
    let me = Holder::me(command);
    executor.holding(&me.text);
    let held_at_start = executor.record.held.clone();
    let (lock, held_elsewhere) = match dry_run {
        true => (None, None),
        false => {
            hold(
                conn,
                name,
                command,
                &me,
                held_at_start.as_ref(),
                begin.is_some(),
            )
            .await?
        }
    };
    let work = async {
        // A command that moves the rollout on first looks for changes of
        // someone else's: it does not write over them unless --force.
        if matches!(command, "step" | "promote") {
            refuse_drift(&mut executor, name).await?;
        }
        if let Some(begin) = begin {
            if begin.restore_first {
                executor.restore_routes_first().await?;
            }
            executor
                .transition(begin.record, begin.reason, &begin.message)
                .await?;
        }
        executor.run().await?;
        if let Some(claim) = &held_elsewhere {
            converge_once_it_let_go(&mut executor, conn, name, claim, held_at_start.as_ref())
                .await?;
        }
        Ok(())
    };
    let outcome = tokio::select! {
        result = work => result,
        _ = tokio::signal::ctrl_c() => Err(Error::interrupted(
            format!("see `kubectl ramp status {name}`; run the command again to continue"))),
    };
    if let Err(err) = &outcome
        && !dry_run
        && matches!(err.kind, Kind::TimedOut | Kind::Interrupted)
    {
        pause_where_it_stands(&mut executor, err).await;
    }
    let view = match (&outcome, dry_run) {
        // Read from the watches this command already has; when that fails
        // the status is read afresh.
        (Ok(()), false) => executor.view().await.ok(),
        _ => None,
    };
    executor.flush().await;
    if let Some(lock) = lock {
        lock.release().await;
    }
    outcome.map(|()| Driven {
        record: executor.record.clone(),
        view,
    })
}

/// Holds the rollout for `command` (not a dry run): the record names who
/// holds it; a command that finds it free writes itself there with its
/// intent (the compare-and-swap that makes it the one), and takes the
/// Lease only if its work goes on; one that finds a holder asks the Lease
/// whether it still runs. The lock, if one is held, and for an abort that
/// goes on under another holder, that holder's claim.
async fn hold(
    conn: &Connection,
    name: &str,
    command: &str,
    me: &Holder,
    held: Option<&crate::rollout::record::Held>,
    begins: bool,
) -> Result<(Option<Lock>, Option<Claim>)> {
    let claim = lock::claim_of(held, me, k8s_openapi::jiff::Timestamp::now());
    if claim == Claim::Free && begins {
        return Ok((Some(Lock::lazy(conn, &conn.namespace, name, command)), None));
    }
    let taken = match &claim {
        Claim::Young(holder) => Err(lock::held_by_another(name, holder)),
        // Not an abort, which goes on at once and wins by its record write.
        Claim::AskLater(_) if command != "abort" => {
            tokio::time::sleep(lock::LAZY_AFTER + std::time::Duration::from_secs(2)).await;
            Lock::acquire(conn, &conn.namespace, name, command).await
        }
        _ => Lock::acquire(conn, &conn.namespace, name, command).await,
    };
    match taken {
        Ok(lock) => Ok((Some(lock), None)),
        // Abort always wins: it does not wait for the command that holds
        // the rollout. Its record write (a compare-and-swap) is what that
        // command sees at its next look, and stops on.
        Err(err) if command == "abort" && err.kind == Kind::Conflict => {
            eprintln!(
                "{}; aborting anyway: it stops at its next look at the rollout",
                err.message
            );
            Ok((None, Some(claim)))
        }
        Err(err) => Err(err),
    }
}

/// After an abort under another holder: a write that command had in
/// flight may have landed after ours, so once it has let go, the abort
/// converges once more. One that held it by the record alone has taken the
/// Lease by `LAZY_AFTER` if it is still at work.
async fn converge_once_it_let_go(
    executor: &mut Executor,
    conn: &Connection,
    name: &str,
    claim: &Claim,
    held_at_start: Option<&crate::rollout::record::Held>,
) -> Result<()> {
    if let (Claim::Young(_), Some(held)) = (claim, held_at_start) {
        let now = k8s_openapi::jiff::Timestamp::now();
        tokio::time::sleep(lock::until_leased(held, now)).await;
    }
    let released = Lock::wait_released(conn, &conn.namespace, name, OTHER_HOLDER_GRACE).await;
    if !released {
        tracing::warn!("the other command still holds the rollout");
    }
    executor.forget();
    executor.run().await
}

/// Refuses to move on over someone else's changes (exit 5, naming them),
/// unless --force, which reports them and goes on.
async fn refuse_drift(executor: &mut Executor, name: &str) -> Result<()> {
    let drift = executor.drift().await?;
    if drift.is_empty() {
        return Ok(());
    }
    executor.tell_drift(&drift);
    if executor.forced() {
        return Ok(());
    }
    Err(Error::new(
        Kind::Drift,
        format!(
            "the rollout of {name:?} was changed by someone else since ramp's last write: {}",
            drift.join("; ")
        ),
    )
    .with_hint(format!(
        "put it back as it was, move on anyway with --force, or put all traffic back with `kubectl ramp abort {name}`"
    )))
}

/// Resolves when the record on the Deployment differs from `raw`: a watch
/// from `read` (the Deployment as read with that record), or from a list.
pub async fn record_changes(
    conn: &Connection,
    deployment: &str,
    raw: Option<String>,
    read: Option<&Deployment>,
) -> Result<()> {
    let forever = tokio::time::Instant::now() + std::time::Duration::from_secs(365 * 86_400);
    record_unchanged_until(conn, deployment, raw, read, forever)
        .await
        .map(|_| ())
}

/// Waits on a watch from `read` (or from a list) until `deadline`: `None`
/// as soon as the record on the Deployment differs from `raw` (or it is
/// gone), else the Deployment as last seen, as fresh as a read.
pub async fn record_unchanged_until(
    conn: &Connection,
    deployment: &str,
    raw: Option<String>,
    read: Option<&Deployment>,
    deadline: tokio::time::Instant,
) -> Result<Option<Deployment>> {
    let api: Api<Deployment> = Api::namespaced(conn.client.clone(), &conn.namespace);
    let kept = super::watch::kept(conn, &conn.namespace, deployment);
    let mut watched = match (kept, read) {
        (Some(mut watched), read) => {
            if let Some(version) = read.and_then(|r| r.metadata.resource_version.as_deref()) {
                watched
                    .caught_up(version, std::time::Duration::from_secs(2))
                    .await;
            }
            watched
        }
        (None, Some(read)) => Watched::start_from(api, deployment, read.clone()),
        (None, None) => Watched::start(api, deployment),
    };
    let waited = watched
        .until(
            deadline,
            changed_from(raw),
            |_, _| Ok::<(), Error>(()),
            None,
        )
        .await?;
    super::watch::keep(conn, &conn.namespace, deployment, watched);
    match waited {
        Ok(super::watch::Waited::TimedOut(seen)) => Ok(seen),
        Ok(super::watch::Waited::Reached(_)) => Ok(None),
        Err(e) => Err(e.error(&format!("deployment {deployment:?}"))),
    }
}

/// Whether the record on a Deployment differs from `raw`.
fn changed_from(raw: Option<String>) -> impl Fn(Option<&Deployment>) -> bool {
    move |d: Option<&Deployment>| {
        d.and_then(|d| d.metadata.annotations.as_ref()?.get(ANNOTATION).cloned()) != raw
    }
}

/// After a timeout or an interrupt: a rollout between steps is marked
/// Paused at the step it last reached, so that `step` tries again.
async fn pause_where_it_stands(executor: &mut Executor, err: &Error) {
    if executor.record.phase != Phase::Progressing {
        return;
    }
    let mut record = executor.record.clone();
    record.phase = Phase::Paused;
    // What it did toward the step it was moving to is its own.
    if record.target != record.step {
        record.interrupted = Some(record.target);
    }
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
