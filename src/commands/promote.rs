//! `kubectl ramp promote DEPLOYMENT`: skips the remaining steps. The
//! contender carries all traffic while the incumbent takes the new template;
//! then traffic returns to the incumbent and the contender goes.

use super::{Change, load, show};
use crate::cli::{GlobalArgs, PromoteArgs};
use crate::engine::fleet::Place;
use crate::error::Result;
use crate::ops::promote::promote;
use crate::rollout::freeze::Command;

pub async fn run(global: &GlobalArgs, args: &PromoteArgs) -> Result<()> {
    let fleet = super::fanout::fleet(global, &args.change)?;
    if fleet.across() {
        return super::fanout::promote(global, &fleet, args).await;
    }
    let place = &fleet.places[0];
    exec(global, place, args, &place.change).await
}

/// `promote` on `place`.
pub async fn exec(
    global: &GlobalArgs,
    place: &Place,
    args: &PromoteArgs,
    change: &Change,
) -> Result<()> {
    let change = &change.forcing(args.force);
    let conn = place.conn().await?;
    let change =
        &super::freeze::gate(conn, &place.freeze_namespace, Command::Promote, change).await?;
    let loaded = load(conn, &args.deployment).await?;
    let view = promote(conn, &args.deployment, loaded, change).await?;
    show(global, conn, &args.deployment, change, view).await
}
