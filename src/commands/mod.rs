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

/// How a command that changes a rollout runs, resolved from its flags;
/// across clusters, one of these for each cluster.
#[derive(Debug, Clone)]
pub struct Change {
    /// Send the writes with dryRun=All; change nothing.
    pub dry_run: bool,
    /// How long to wait for pods.
    pub timeout: std::time::Duration,
    /// Put before every progress line: the cluster, when there are several.
    pub label: Option<String>,
    /// Leave the final status to the caller (the summary of the clusters).
    pub quiet: bool,
    /// The webhook told of each step reached, the promotion and an abort.
    pub notify: Option<String>,
    /// Move on despite drift (someone else's changes), reporting it.
    pub force: bool,
    /// --override-freeze: why a freeze is passed over.
    pub override_freeze: Option<String>,
    /// A freeze this command passed over: written into the record with the
    /// command's first transition, and posted as an Event.
    pub freeze_note: Option<String>,
    /// Where this cluster's analysis reads its metrics, when the clusters
    /// file says.
    pub metrics: crate::clusters::registry::Metrics,
    /// An automated rollout whose analysis fails is left paused where it
    /// stands instead of rolled back (`--on-failure pause` across
    /// clusters).
    pub hold_on_failure: bool,
    /// A start across clusters: the gate it waits at before its first
    /// write, and its place there (see `fanout::Gate`).
    pub gate: Option<(std::sync::Arc<fanout::Gate>, usize)>,
}

impl Change {
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

    /// Across clusters, before the first write: waits until every cluster
    /// could start; refused (nothing written) when one could not.
    pub async fn wait_for_every_cluster(&self) -> Result<()> {
        let Some((gate, i)) = &self.gate else {
            return Ok(());
        };
        gate.ready(*i).await.map_err(|who| {
            Error::invalid(format!(
                "not started: the start failed on {who}, and no cluster starts before every one can"
            ))
            .with_hint("see the error of that cluster; once it is dealt with, start again")
        })
    }

    /// These options, recording `note` (an overridden freeze) with the
    /// first transition.
    pub fn noting(&self, note: Option<String>) -> Change {
        Change {
            freeze_note: note,
            ..self.clone()
        }
    }

    /// These options, moving on despite drift when `force`.
    pub fn forcing(&self, force: bool) -> Change {
        Change {
            force,
            ..self.clone()
        }
    }

    /// For one registered cluster of several: `for_cluster`, with where
    /// its analysis reads its metrics.
    pub fn for_registered(
        &self,
        registry: &crate::clusters::registry::Registry,
        cluster: &crate::clusters::registry::Cluster,
    ) -> Change {
        Change {
            metrics: registry.metrics_of(cluster),
            ..self.for_cluster(&cluster.name)
        }
    }

    /// For one cluster of several: its progress labelled, no status at
    /// the end.
    pub fn for_cluster(&self, cluster: &str) -> Change {
        Change {
            label: Some(cluster.to_string()),
            quiet: true,
            ..self.clone()
        }
    }
}

impl Default for Change {
    fn default() -> Self {
        Change::of(&ChangeArgs::default())
    }
}
use crate::connect::Connection;
use crate::engine::execute::{Base, Executor};
use crate::engine::observe::Observed;
use crate::engine::progress::Progress;
use crate::error::{Error, Result};
use crate::rollout::record::Record;
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
