//! How a command that changes a rollout runs, resolved once from its
//! flags: one of these for each cluster it works on; and the gate a start
//! across clusters waits at before its first write.

use crate::error::{Error, Result};

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
    /// write, and its place there (see `Gate`).
    pub gate: Option<(std::sync::Arc<Gate>, usize)>,
}

impl Default for Change {
    /// The options of a command given no flags (--timeout's default is
    /// five minutes).
    fn default() -> Self {
        Change {
            dry_run: false,
            timeout: std::time::Duration::from_secs(300),
            label: None,
            quiet: false,
            notify: None,
            force: false,
            override_freeze: None,
            freeze_note: None,
            metrics: Default::default(),
            hold_on_failure: false,
            gate: None,
        }
    }
}

impl Change {
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

/// A start across clusters writes nothing anywhere until every cluster
/// has checked and rehearsed its start: each waits here before its first
/// write (`ready`), and one that fails before it stops them all.
#[derive(Debug)]
pub struct Gate {
    state: tokio::sync::watch::Sender<GateState>,
}

#[derive(Debug, Clone)]
struct GateState {
    arrived: Vec<bool>,
    /// The first cluster that failed before its first write.
    failed: Option<String>,
}

impl Gate {
    pub fn new(clusters: usize) -> std::sync::Arc<Gate> {
        let (state, _) = tokio::sync::watch::channel(GateState {
            arrived: vec![false; clusters],
            failed: None,
        });
        std::sync::Arc::new(Gate { state })
    }

    /// Cluster `i` is ready to write: waits until every cluster is (then
    /// `Ok`), or one failed first (then `Err` naming it).
    pub async fn ready(&self, i: usize) -> std::result::Result<(), String> {
        self.arrive(i);
        let mut seen = self.state.subscribe();
        let state = seen
            .wait_for(|s| s.failed.is_some() || s.arrived.iter().all(|a| *a))
            .await
            .expect("the gate's sender lives as long as the gate");
        match &state.failed {
            Some(who) => Err(who.clone()),
            None => Ok(()),
        }
    }

    /// Cluster `i` is done, with or without its writes: it keeps no one
    /// waiting; `failed` names it when it failed.
    pub fn done(&self, i: usize, failed: Option<&str>) {
        self.state.send_modify(|s| {
            if let (Some(who), false) = (failed, s.arrived[i]) {
                s.failed.get_or_insert_with(|| who.to_string());
            }
            s.arrived[i] = true;
        });
    }

    fn arrive(&self, i: usize) {
        self.state.send_modify(|s| s.arrived[i] = true);
    }
}
