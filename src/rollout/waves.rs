//! A rollout region after region (`--waves region`), driven by itself:
//! where each cluster stands in this rollout, and what the driver does
//! next. No IO.

use serde::Serialize;

use super::record::{Phase, Record};

/// Where one cluster stands in the rollout of one pod template.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Standing {
    /// No rollout of this template yet (maybe an earlier one's record).
    NotStarted,
    /// Under way: stepping, paused, or promoting.
    InProgress,
    Promoted,
    RolledBack,
    /// Its record could not be read (the cluster out of reach): said so in
    /// the report, never taken for any of the others.
    Unknown,
}

impl Standing {
    pub fn as_str(self) -> &'static str {
        match self {
            Standing::NotStarted => "not started",
            Standing::InProgress => "in progress",
            Standing::Promoted => "promoted",
            Standing::RolledBack => "rolled back",
            Standing::Unknown => "unknown",
        }
    }
}

/// Where a cluster with `record` stands in the rollout of `template`.
pub fn standing(record: Option<&Record>, template: &serde_json::Value) -> Standing {
    match record {
        Some(r) if &r.contender.template == template => match r.phase {
            Phase::Succeeded => Standing::Promoted,
            Phase::Aborted => Standing::RolledBack,
            Phase::Idle => Standing::NotStarted,
            Phase::Progressing | Phase::Paused | Phase::Promoting => Standing::InProgress,
        },
        _ => Standing::NotStarted,
    }
}

/// What the driver of the waves does next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Next {
    /// Start the rollout on these clusters of wave `wave` (indices within
    /// the wave): the earlier waves are all promoted.
    Start { wave: usize, clusters: Vec<usize> },
    /// Drive wave `wave`'s clusters that are not yet promoted.
    Drive { wave: usize, clusters: Vec<usize> },
    /// Every wave is promoted.
    Done,
    /// Wave `wave` was rolled back: the waves stop there, and the later
    /// ones are not started.
    Stopped { wave: usize },
}

/// The next move, from where each cluster of each wave (in order) stands.
/// A wave begins only once every cluster of the waves before it is
/// promoted; a wave with a cluster rolled back stops the waves.
pub fn next(waves: &[Vec<Standing>]) -> Next {
    for (wave, standings) in waves.iter().enumerate() {
        if standings.contains(&Standing::RolledBack) {
            return Next::Stopped { wave };
        }
        let which = |wanted: Standing| -> Vec<usize> {
            standings
                .iter()
                .enumerate()
                .filter(|(_, s)| **s == wanted)
                .map(|(i, _)| i)
                .collect()
        };
        let not_started = which(Standing::NotStarted);
        if !not_started.is_empty() {
            return Next::Start {
                wave,
                clusters: not_started,
            };
        }
        let in_progress = which(Standing::InProgress);
        if !in_progress.is_empty() {
            return Next::Drive {
                wave,
                clusters: in_progress,
            };
        }
    }
    Next::Done
}

#[cfg(test)]
mod tests {
    use super::*;
    use Standing::*;

    #[test]
    fn waves_go_one_after_the_other_and_stop_at_a_rollback() {
        let cases: Vec<(Vec<Vec<Standing>>, Next)> = vec![
            (
                vec![vec![NotStarted, NotStarted], vec![NotStarted]],
                Next::Start {
                    wave: 0,
                    clusters: vec![0, 1],
                },
            ),
            // A start that reached only one cluster of the wave: the other
            // starts before any is driven.
            (
                vec![vec![InProgress, NotStarted], vec![NotStarted]],
                Next::Start {
                    wave: 0,
                    clusters: vec![1],
                },
            ),
            (
                vec![vec![InProgress, Promoted], vec![NotStarted]],
                Next::Drive {
                    wave: 0,
                    clusters: vec![0],
                },
            ),
            (
                vec![vec![Promoted, Promoted], vec![NotStarted], vec![NotStarted]],
                Next::Start {
                    wave: 1,
                    clusters: vec![0],
                },
            ),
            (
                vec![vec![Promoted], vec![InProgress], vec![NotStarted]],
                Next::Drive {
                    wave: 1,
                    clusters: vec![0],
                },
            ),
            // The second region rolled back: the third never starts.
            (
                vec![vec![Promoted], vec![RolledBack], vec![NotStarted]],
                Next::Stopped { wave: 1 },
            ),
            (
                vec![vec![Promoted, Promoted], vec![InProgress, RolledBack]],
                Next::Stopped { wave: 1 },
            ),
            (vec![vec![Promoted], vec![Promoted]], Next::Done),
            (vec![], Next::Done),
        ];
        for (waves, expected) in cases {
            assert_eq!(next(&waves), expected, "{waves:?}");
        }
    }

    #[test]
    fn a_cluster_stands_where_its_record_of_this_template_says() {
        let mut record = crate::rollout::record::tests::sample();
        let template = record.contender.template.clone();
        let other = serde_json::json!({"spec": {"containers": [{"image": "other"}]}});
        let cases = [
            (Phase::Progressing, &template, InProgress),
            (Phase::Paused, &template, InProgress),
            (Phase::Promoting, &template, InProgress),
            (Phase::Succeeded, &template, Promoted),
            (Phase::Aborted, &template, RolledBack),
            // An earlier rollout's record: this one has not started there.
            (Phase::Succeeded, &other, NotStarted),
            (Phase::Aborted, &other, NotStarted),
        ];
        for (phase, wanted, expected) in cases {
            record.phase = phase;
            assert_eq!(standing(Some(&record), wanted), expected, "{phase:?}");
        }
        assert_eq!(standing(None, &template), NotStarted);
    }
}
