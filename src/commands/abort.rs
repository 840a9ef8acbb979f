//! `kubectl ramp abort DEPLOYMENT`: traffic back to the incumbent first
//! (the routes restored from the snapshot), then the contender removed.

use super::{Begin, Change, drive, executor, load_with, show};
use crate::cli::{AbortArgs, GlobalArgs};
use crate::connect::Connection;
use crate::engine::execute::state_of;
use crate::engine::observe::Observed;
use crate::error::{Error, Kind, Result};
use crate::rollout::record::{Phase, Record};

pub async fn run(global: &GlobalArgs, args: &AbortArgs) -> Result<()> {
    exec(global, args, &Change::of(&args.change)).await
}

pub async fn exec(global: &GlobalArgs, args: &AbortArgs, change: &Change) -> Result<()> {
    let conn = Connection::open(&global.target()).await?;
    let view = abort(&conn, &args.deployment, args.reason.as_deref(), change).await?;
    show(global, &conn, &args.deployment, change, view).await
}

/// How many times an abort reads the rollout again after someone else
/// changed it in the moment between its read and its write.
const ABORT_ATTEMPTS: usize = 5;

/// Aborts: another command writing the record at the same moment does not
/// stop it (abort always wins); it reads the rollout again and goes on.
/// The rollout as it left it.
pub async fn abort(
    conn: &Connection,
    name: &str,
    reason: Option<&str>,
    change: &Change,
) -> Result<Option<Observed>> {
    let mut attempt = 1;
    loop {
        match abort_once(conn, name, reason, change).await {
            Err(err) if err.kind == Kind::Conflict && attempt < ABORT_ATTEMPTS => {
                tracing::debug!("aborting again after a conflict: {err}");
                attempt += 1;
            }
            outcome => return outcome,
        }
    }
}

async fn abort_once(
    conn: &Connection,
    name: &str,
    reason: Option<&str>,
    change: &Change,
) -> Result<Option<Observed>> {
    let loaded = load_with(conn, name, Record::from_annotations_to_abort).await?;
    let base = loaded.base();
    let Some(record) = loaded.record else {
        return Err(Error::invalid(format!(
            "deployment {name:?} has no rollout in progress; there is nothing to abort"
        )));
    };
    let begin = match record.phase {
        Phase::Succeeded | Phase::Idle => {
            return Err(Error::invalid(format!(
                "the rollout of {name:?} already succeeded; there is nothing to abort"
            ))
            .with_hint(format!(
                "to go back to the previous version, run `kubectl rollout undo deployment/{name}`"
            )));
        }
        // Already aborted, or its clean-up was interrupted: converge.
        Phase::Aborted => None,
        Phase::Promoting if state_of(&loaded.incumbent).template == record.contender.template => {
            return Err(Error::invalid(format!("deployment {name:?} already runs the new version; promotion cannot be undone by abort"))
                .with_hint(format!("finish with `kubectl ramp promote {name}`, then `kubectl rollout undo deployment/{name}`")));
        }
        Phase::Progressing | Phase::Paused | Phase::Promoting => {
            let mut next = record.clone();
            next.phase = Phase::Aborted;
            next.target = next.step;
            let reason = reason.unwrap_or("aborted by request");
            Some(Begin {
                record: next,
                reason: "Aborted",
                message: format!(
                    "aborted at step {}/{}: {reason}",
                    record.step,
                    record.steps.len()
                ),
                restore_first: true,
            })
        }
    };
    let executor = executor(conn, name, record, base, change);
    Ok(drive(executor, conn, name, "abort", begin).await?.view)
}
