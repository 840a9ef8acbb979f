//! `kubectl ramp promote DEPLOYMENT`: skips the remaining steps. The
//! contender carries all traffic while the incumbent takes the new template;
//! then traffic returns to the incumbent and the contender goes.

use super::{Begin, Change, Loaded, drive, executor, load, show};
use crate::cli::{GlobalArgs, PromoteArgs};
use crate::connect::Connection;
use crate::engine::observe::Observed;
use crate::error::{Error, Result};
use crate::rollout::freeze::Command;
use crate::rollout::record::Phase;

pub async fn run(global: &GlobalArgs, args: &PromoteArgs) -> Result<()> {
    exec(global, args, &Change::of(&args.change)).await
}

pub async fn exec(global: &GlobalArgs, args: &PromoteArgs, change: &Change) -> Result<()> {
    let change = &change.forcing(args.force);
    let conn = Connection::open(&global.target()).await?;
    let change = &super::freeze::gate(global, &conn, Command::Promote, change).await?;
    let loaded = load(&conn, &args.deployment).await?;
    let view = promote(&conn, &args.deployment, loaded, change).await?;
    show(global, &conn, &args.deployment, change, view).await
}

/// Promotes; the rollout as it left it.
pub async fn promote(
    conn: &Connection,
    name: &str,
    loaded: Loaded,
    change: &Change,
) -> Result<Option<Observed>> {
    let base = loaded.base();
    let Some(record) = loaded.record else {
        return Err(
            Error::invalid(format!("deployment {name:?} has no rollout in progress")).with_hint(
                format!("start one with `kubectl ramp start {name} --image IMAGE`"),
            ),
        );
    };
    let begin = match record.phase {
        Phase::Aborted | Phase::Idle => {
            return Err(Error::invalid(format!(
                "the rollout of {name:?} was aborted; there is nothing to promote"
            ))
            .with_hint(format!(
                "start a new one with `kubectl ramp start {name} --image IMAGE`"
            )));
        }
        // Already promoted, or its clean-up was interrupted: converge.
        Phase::Succeeded | Phase::Promoting => None,
        Phase::Progressing | Phase::Paused => {
            let mut next = record.clone();
            next.phase = Phase::Promoting;
            Some(Begin {
                record: next,
                reason: "Promoting",
                message: format!("promoting from step {}/{}", record.step, record.steps.len()),
                restore_first: false,
            })
        }
    };
    let executor = executor(conn, name, record, base, change);
    Ok(drive(executor, conn, name, "promote", begin).await?.view)
}
