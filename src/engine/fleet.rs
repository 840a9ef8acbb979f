//! The clusters a command works on, built once: one (the cluster the flags
//! name) or the registered clusters a selection names (`--clusters`,
//! `--region`, `--capability`, `--all-clusters`). Each place has its own
//! options and its own connection, opened the first time it is used and
//! kept for the whole command; the policies over them (which wave comes
//! when, which clusters an abort undoes) are pure functions.

use crate::clusters::registry::Cluster;
use crate::connect::{Connection, Target};
use crate::engine::change::Change;
use crate::error::{Error, Result};

/// One cluster of a command's fleet.
pub struct Place {
    /// The registered cluster; `None`: the cluster the flags name, alone.
    pub cluster: Option<Cluster>,
    pub target: Target,
    /// The namespace of the cluster's cluster-wide freeze.
    pub freeze_namespace: String,
    /// The command's options on this cluster.
    pub change: Change,
    conn: tokio::sync::OnceCell<Connection>,
}

impl Place {
    pub fn new(
        cluster: Option<Cluster>,
        target: Target,
        freeze_namespace: String,
        change: Change,
    ) -> Place {
        Place {
            cluster,
            target,
            freeze_namespace,
            change,
            conn: tokio::sync::OnceCell::new(),
        }
    }

    /// The registered cluster's name; `None` for the flags' cluster.
    pub fn name(&self) -> Option<&str> {
        self.cluster.as_ref().map(|c| c.name.as_str())
    }

    /// The connection to this cluster: opened on first use, the same one
    /// (and the watches kept on it) afterwards.
    pub async fn conn(&self) -> Result<&Connection> {
        self.conn
            .get_or_try_init(|| Connection::open(&self.target))
            .await
    }

    /// `err`, named after this cluster when it is one of several.
    pub fn labelled(&self, err: Error) -> Error {
        match self.name() {
            Some(name) => Error {
                message: format!("{name}: {}", err.message),
                ..err
            },
            None => err,
        }
    }
}

/// The places of one command, in the order the selection gave them.
pub struct Fleet {
    pub places: Vec<Place>,
}

impl Fleet {
    /// The cluster the flags name, alone.
    pub fn one(place: Place) -> Fleet {
        Fleet {
            places: vec![place],
        }
    }

    /// Whether the command names registered clusters (`--clusters` and
    /// the like), even one.
    pub fn across(&self) -> bool {
        self.places.iter().any(|p| p.cluster.is_some())
    }

    /// Every place's index.
    pub fn all(&self) -> Vec<usize> {
        (0..self.places.len()).collect()
    }

    /// The places of `indexes`.
    pub fn at<'a>(&'a self, indexes: &[usize]) -> impl Iterator<Item = &'a Place> {
        indexes.iter().map(|i| &self.places[*i])
    }

    /// The places grouped by region, regions in the order they first
    /// appear.
    pub fn waves(&self) -> Vec<Vec<usize>> {
        waves(&self.places.iter().map(region).collect::<Vec<_>>())
    }

    /// The name of the region of the wave `wave`, for messages.
    pub fn region_name(&self, wave: &[usize]) -> String {
        wave.first()
            .and_then(|i| region(&self.places[*i]))
            .unwrap_or("(none)")
            .to_string()
    }
}

fn region(place: &Place) -> Option<&str> {
    place.cluster.as_ref().and_then(|c| c.region.as_deref())
}

/// Indexes grouped by region, regions in the order they first appear.
pub fn waves(regions: &[Option<&str>]) -> Vec<Vec<usize>> {
    let mut waves: Vec<Vec<usize>> = Vec::new();
    for (i, region) in regions.iter().enumerate() {
        match waves.iter_mut().find(|w| regions[w[0]] == *region) {
            Some(wave) => wave.push(i),
            None => waves.push(vec![i]),
        }
    }
    waves
}

/// How one place's part of a command across clusters ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Done,
    /// An abort found no rollout there.
    Nothing,
    /// Refused before anything changed there (exit 2).
    Refused,
    Failed,
}

/// Which places the abort after a failure undoes: every one, but a start
/// undoes only its own: where it was refused, nothing of it is there, and
/// a rollout in progress there is someone else's.
pub fn undone(starting: bool, outcomes: &[Outcome]) -> Vec<bool> {
    outcomes
        .iter()
        .map(|o| !(starting && *o == Outcome::Refused))
        .collect()
}

/// When the places stand at different steps, the step the ones behind
/// must reach first (the furthest one's); `None` when all are level.
pub fn lagging(steps: &[usize]) -> Option<usize> {
    let (low, high) = (steps.iter().min()?, steps.iter().max()?);
    (low != high).then_some(*high)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regions_make_waves_in_the_order_they_first_appear() {
        type Case<'a> = (&'a [Option<&'a str>], Vec<Vec<usize>>);
        let cases: [Case; 4] = [
            (&[], vec![]),
            (&[Some("eu")], vec![vec![0]]),
            (
                &[Some("eu"), Some("us"), Some("eu"), None, Some("us")],
                vec![vec![0, 2], vec![1, 4], vec![3]],
            ),
            (&[None, None], vec![vec![0, 1]]),
        ];
        for (regions, want) in cases {
            assert_eq!(waves(regions), want, "{regions:?}");
        }
    }

    #[test]
    fn a_failure_elsewhere_undoes_only_what_this_command_began() {
        use Outcome::*;
        let cases = [
            (true, vec![Done, Refused, Failed], vec![true, false, true]),
            (true, vec![Done, Done], vec![true, true]),
            // A step or a promotion moves one rollout across clusters:
            // where it was refused, that rollout is still aborted.
            (false, vec![Done, Refused], vec![true, true]),
            (false, vec![Failed, Done], vec![true, true]),
        ];
        for (starting, outcomes, want) in cases {
            assert_eq!(undone(starting, &outcomes), want, "{starting} {outcomes:?}");
        }
    }

    #[test]
    fn the_clusters_behind_catch_up_with_the_furthest() {
        let cases: [(&[usize], Option<usize>); 5] = [
            (&[], None),
            (&[2], None),
            (&[2, 2, 2], None),
            (&[1, 3, 2], Some(3)),
            (&[4, 1], Some(4)),
        ];
        for (steps, want) in cases {
            assert_eq!(lagging(steps), want, "{steps:?}");
        }
    }
}
