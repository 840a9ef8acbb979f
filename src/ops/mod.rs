//! The operations under the commands, as cargo's `ops` lie under its
//! commands: each moves a rollout (advance a step, promote, abort, drive
//! it automatically) or judges whether it may (the freezes), given a
//! connection and options already resolved; no clap type reaches here, and
//! nothing here renders a status. The commands above parse, call one and
//! render.

pub mod abort;
pub mod advance;
pub mod automate;
pub mod freeze;
pub mod promote;

use crate::connect::Connection;
use crate::engine::change::Change;
use crate::engine::execute::{Base, Executor};
use crate::engine::progress::Progress;
use crate::rollout::record::Record;

/// An executor for a command's rollout, with the command's --dry-run and
/// --timeout, reporting progress on stderr.
pub fn executor(
    conn: &Connection,
    name: &str,
    record: Record,
    base: Base,
    change: &Change,
) -> Executor {
    Executor::new(
        conn.clone(),
        name,
        record,
        base,
        change.dry_run,
        change.timeout,
        Progress::new(change.dry_run).labelled(change.label.as_deref()),
    )
    .notifying(change.notify.clone(), change.label.clone())
    .forcing(change.force)
    .noting(change.freeze_note.clone())
}

/// Writes one transition into the record as `loaded` read it, and posts
/// it: a note that moves nothing (a freeze overridden, a driver paused).
pub async fn note(
    conn: &Connection,
    name: &str,
    loaded: &crate::engine::session::Loaded,
    record: Record,
    (reason, message): (&str, &str),
) -> crate::error::Result<()> {
    let mut writer = executor(
        conn,
        name,
        record.clone(),
        loaded.base(),
        &Change::default(),
    );
    writer.transition(record, reason, message).await?;
    writer.flush().await;
    Ok(())
}
