//! `kubectl ramp abort DEPLOYMENT`: traffic back to the incumbent first
//! (the routes restored from the snapshot), then the contender removed.

use super::{Change, show};
use crate::cli::{AbortArgs, GlobalArgs};
use crate::engine::fleet::Place;
use crate::error::Result;
use crate::ops::abort::abort;
use crate::rollout::freeze::Command;

pub async fn run(global: &GlobalArgs, args: &AbortArgs) -> Result<()> {
    let fleet = super::fanout::fleet(global, &args.change)?;
    if fleet.across() {
        return super::fanout::abort(global, &fleet, args).await;
    }
    let place = &fleet.places[0];
    exec(global, place, args, &place.change).await
}

/// `abort` on `place`.
pub async fn exec(
    global: &GlobalArgs,
    place: &Place,
    args: &AbortArgs,
    change: &Change,
) -> Result<()> {
    let conn = place.conn().await?;
    // Never frozen: asked all the same, so that the rule lives in one place.
    let change =
        &super::freeze::gate(conn, &place.freeze_namespace, Command::Abort, change).await?;
    let view = abort(conn, &args.deployment, args.reason.as_deref(), change).await?;
    show(global, conn, &args.deployment, change, view).await
}
