//! `kubectl ramp history DEPLOYMENT`: the rollouts the record keeps (the
//! last ten that finished, and the one under way), oldest first, as
//! `kubectl rollout history` lists revisions. One GET.

use serde::Serialize;

use super::load;
use crate::cli::{GlobalArgs, HistoryArgs};
use crate::connect::Connection;
use crate::error::Result;
use crate::rollout::history::{self, Image};
use crate::rollout::record::{Phase, Record};
use crate::ui::status::age;
use crate::ui::{render, table};

/// The rollouts of one Deployment, as `-o json` prints them.
#[derive(Debug, Serialize)]
pub struct History {
    pub deployment: String,
    pub namespace: String,
    pub rollouts: Vec<Rollout>,
}

/// One rollout: finished, or under way (no `finished_at`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Rollout {
    /// The Deployment's revision that runs its pod template, once promoted.
    pub revision: Option<u64>,
    pub images: Vec<Image>,
    pub digest: String,
    pub result: Phase,
    pub reason: String,
    pub by: String,
    pub started_at: String,
    pub finished_at: Option<String>,
    pub seconds: Option<u64>,
}

pub async fn run(global: &GlobalArgs, args: &HistoryArgs) -> Result<()> {
    let conn = Connection::open(&global.target()).await?;
    let loaded = load(&conn, &args.deployment).await?;
    let history = History {
        deployment: args.deployment.clone(),
        namespace: conn.namespace.clone(),
        rollouts: rollouts(loaded.record.as_ref()),
    };
    if history.rollouts.is_empty() {
        eprintln!(
            "no rollouts of deployment {:?} are recorded yet",
            args.deployment
        );
    }
    global.ui().print(&history, |history, _| table_of(history))
}

/// The finished rollouts the record keeps, then the one under way.
pub fn rollouts(record: Option<&Record>) -> Vec<Rollout> {
    let Some(record) = record else {
        return Vec::new();
    };
    let mut all: Vec<Rollout> = record
        .finished
        .iter()
        .map(|f| Rollout {
            revision: f.revision,
            images: f.images.clone(),
            digest: f.digest.clone(),
            result: f.result,
            reason: f.reason.clone(),
            by: f.by.clone(),
            started_at: f.started_at.clone(),
            finished_at: Some(f.finished_at.clone()),
            seconds: Some(f.seconds),
        })
        .collect();
    if !matches!(
        record.phase,
        Phase::Succeeded | Phase::Aborted | Phase::Idle
    ) {
        let now = history::finished(record, None, "");
        all.push(Rollout {
            revision: None,
            images: now.images,
            digest: now.digest,
            result: record.phase,
            reason: now.reason,
            by: now.by,
            started_at: now.started_at,
            finished_at: None,
            seconds: None,
        });
    }
    all
}

fn table_of(history: &History) -> String {
    if history.rollouts.is_empty() {
        return String::new();
    }
    let mut t = table(&[
        "revision", "images", "digest", "result", "by", "age", "took", "reason",
    ]);
    for r in &history.rollouts {
        t.add_row(vec![
            r.revision.map_or("-".into(), |n| n.to_string()),
            r.images
                .iter()
                .map(|i| i.image.clone())
                .collect::<Vec<_>>()
                .join(","),
            r.digest.clone(),
            r.result.as_str().to_string(),
            r.by.clone(),
            age(&r.started_at),
            r.seconds.map_or("-".into(), |s| {
                crate::duration::display(std::time::Duration::from_secs(s))
            }),
            r.reason.clone(),
        ]);
    }
    render(&t)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rollout::record::Transition;
    use crate::rollout::record::tests::sample;

    #[test]
    fn the_finished_rollouts_come_first_then_the_one_under_way() {
        let mut record = sample();
        record.phase = Phase::Succeeded;
        record.history = vec![Transition {
            at: "2026-11-27T10:00:00Z".into(),
            by: "ana@laptop".into(),
            event: "Started".into(),
            message: "started".into(),
        }];
        let done = history::finished(&record, Some(2), "2026-11-27T10:02:00Z");
        record.finished = vec![done.clone()];
        // Finished: only what the record keeps.
        let shown = rollouts(Some(&record));
        assert_eq!(shown.len(), 1);
        assert_eq!(shown[0].revision, Some(2));
        assert_eq!(shown[0].seconds, Some(120));
        // Under way: one more line, with no end.
        record.phase = Phase::Paused;
        let shown = rollouts(Some(&record));
        assert_eq!(shown.len(), 2);
        assert_eq!(shown[1].result, Phase::Paused);
        assert_eq!(shown[1].finished_at, None);
        assert_eq!(shown[1].revision, None);
        assert!(rollouts(None).is_empty());
    }
}
