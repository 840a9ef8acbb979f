//! One file per subcommand: parse the arguments into options, call the core,
//! render. What the mutating commands share is here.

pub mod abort;
pub mod cluster;
pub mod dashboard;
pub mod fanout;
pub mod freeze;
pub mod history;
pub mod list;
pub mod promote;
pub mod run;
pub mod start;
pub mod status;
pub mod step;
pub mod undo;
pub mod version;

use crate::cli::{ChangeArgs, GlobalArgs};

pub use crate::engine::change::Change;

impl Change {
    /// The options `args` give, for one cluster (`for_cluster` across
    /// several).
    pub fn of(args: &ChangeArgs) -> Change {
        Change {
            dry_run: args.dry_run,
            timeout: args.timeout,
            label: None,
            quiet: false,
            notify: args.notify.clone(),
            force: false,
            override_freeze: args.override_freeze.clone(),
            freeze_note: None,
            metrics: Default::default(),
            hold_on_failure: false,
            gate: None,
        }
    }
}

use crate::connect::Connection;
use crate::engine::observe::Observed;
use crate::error::Result;
pub use crate::ops::executor;
// The session every changing command runs, under the names commands use.
pub use crate::engine::session::{
    Begin, Driven, Loaded, drive, in_progress, load, load_with, loaded_of, record_changes,
    record_unchanged_until,
};

/// What every mutating command prints at the end: the rollout's status, as
/// the command last saw it (`view`), or read now.
pub async fn show(
    global: &GlobalArgs,
    conn: &Connection,
    name: &str,
    change: &Change,
    view: Option<Observed>,
) -> Result<()> {
    if change.dry_run || change.quiet {
        // Nothing changed (the status would only show the cluster as it
        // is), or the caller sums up several clusters.
        return Ok(());
    }
    let ui = global.ui();
    let observed = match view {
        Some(view) => view,
        None => crate::engine::observe::observe(conn, name).await?,
    };
    ui.print(
        &crate::ui::status::report(name, &conn.namespace, &observed),
        crate::ui::status::table_of,
    )
}
