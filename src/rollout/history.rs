//! The rollouts a Deployment went through: each one that finished is kept
//! in the record (the last `KEPT`), and `undo` picks the pod template of
//! an earlier revision. No IO here.

use serde_json::Value;

pub use super::record::{Finished, Image};
use super::record::{Phase, Record};
use crate::error::{Error, Result};

/// How many finished rollouts a record keeps.
pub const KEPT: usize = 10;

/// The label the Deployment controller adds to a ReplicaSet's pod
/// template; not part of the Deployment's own template.
pub const POD_TEMPLATE_HASH: &str = "pod-template-hash";

/// The annotation that numbers a Deployment's revisions (and the revision
/// of each of its ReplicaSets).
pub const REVISION: &str = "deployment.kubernetes.io/revision";

/// The containers of a pod template and their images.
pub fn images(template: &Value) -> Vec<Image> {
    template
        .pointer("/spec/containers")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default()
        .iter()
        .map(|c| Image {
            container: c["name"].as_str().unwrap_or_default().to_string(),
            image: c["image"].as_str().unwrap_or_default().to_string(),
        })
        .collect()
}

/// The first 12 hex digits of the SHA-256 of a pod template's JSON (keys
/// in order, so the same template always gives the same digest).
pub fn digest(template: &Value) -> String {
    let bytes = serde_json::to_vec(template).expect("a JSON value serializes");
    let sum = ring::digest::digest(&ring::digest::SHA256, &bytes);
    sum.as_ref()[..6]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The entry of `record`'s rollout, which has just ended in its phase:
/// `revision` is the incumbent's when it succeeded, `now` RFC 3339.
pub fn finished(record: &Record, revision: Option<u64>, now: &str) -> Finished {
    let started = record.history.iter().find(|t| t.event == "Started");
    let started_at = started.map(|t| t.at.clone()).unwrap_or_default();
    let seconds = match (
        started_at.parse::<k8s_openapi::jiff::Timestamp>(),
        now.parse::<k8s_openapi::jiff::Timestamp>(),
    ) {
        (Ok(from), Ok(to)) => to.duration_since(from).as_secs().max(0) as u64,
        _ => 0,
    };
    let template = &record.contender.template;
    Finished {
        revision: revision.filter(|_| record.phase == Phase::Succeeded),
        images: images(template),
        digest: digest(template),
        result: record.phase,
        reason: record
            .history
            .last()
            .map(|t| t.message.clone())
            .unwrap_or_default(),
        by: record
            .started_by
            .clone()
            .or_else(|| started.map(|t| t.by.clone()))
            .unwrap_or_default(),
        started_at,
        finished_at: now.to_string(),
        seconds,
    }
}

/// `earlier` with `entry` after them, the oldest dropped beyond `KEPT`.
pub fn keep(earlier: &[Finished], entry: Finished) -> Vec<Finished> {
    let mut all = earlier.to_vec();
    all.push(entry);
    let over = all.len().saturating_sub(KEPT);
    all.drain(..over);
    all
}

/// A revision of the Deployment, as one of its ReplicaSets keeps it.
#[derive(Debug, Clone, PartialEq)]
pub struct Revision {
    pub number: u64,
    /// The pod template, as the ReplicaSet holds it.
    pub template: Value,
}

/// The pod template `undo` rolls out: revision `to`, or the one before the
/// revision the Deployment runs now (`current`); as the Deployment's own
/// template, without the ReplicaSet's hash label.
pub fn undo_target(
    deployment: &str,
    revisions: &[Revision],
    current: u64,
    to: Option<u64>,
) -> Result<(u64, Value)> {
    let kept = || {
        let mut numbers: Vec<u64> = revisions.iter().map(|r| r.number).collect();
        numbers.sort_unstable();
        numbers
            .iter()
            .map(u64::to_string)
            .collect::<Vec<_>>()
            .join(", ")
    };
    let chosen = match to {
        Some(n) if n == current => {
            return Err(Error::invalid(format!(
                "deployment {deployment:?} runs revision {n} now: there is nothing to undo to"
            ))
            .with_hint(format!(
                "see its revisions with `kubectl ramp history {deployment}`"
            )));
        }
        Some(n) => revisions.iter().find(|r| r.number == n).ok_or_else(|| {
            Error::invalid(format!(
                "deployment {deployment:?} has no revision {n} (it keeps {})",
                match kept() {
                    k if k.is_empty() => "none".to_string(),
                    k => k,
                }
            ))
            .with_hint(format!(
                "see its revisions with `kubectl ramp history {deployment}` or `kubectl rollout history deployment/{deployment}`"
            ))
        })?,
        None => revisions
            .iter()
            .filter(|r| r.number < current)
            .max_by_key(|r| r.number)
            .ok_or_else(|| {
                Error::invalid(format!(
                    "deployment {deployment:?} has no revision before {current} to go back to"
                ))
                .with_hint(
                    "a Deployment keeps its earlier revisions as ReplicaSets (spec.revisionHistoryLimit)",
                )
            })?,
    };
    let mut template = chosen.template.clone();
    if let Some(labels) = template
        .pointer_mut("/metadata/labels")
        .and_then(Value::as_object_mut)
    {
        labels.remove(POD_TEMPLATE_HASH);
    }
    Ok((chosen.number, template))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rollout::record::Transition;
    use crate::rollout::record::tests::sample;
    use serde_json::json;

    fn template(image: &str) -> Value {
        json!({
            "metadata": {"labels": {"app": "web"}},
            "spec": {"containers": [{"name": "web", "image": image}]},
        })
    }

    fn transition(at: &str, event: &str, message: &str) -> Transition {
        Transition {
            at: at.into(),
            by: "ana@laptop".into(),
            event: event.into(),
            message: message.into(),
        }
    }

    #[test]
    fn the_digest_depends_on_the_template_only_not_on_its_key_order() {
        let a: Value = serde_json::from_str(r#"{"spec": {"x": 1, "y": 2}}"#).unwrap();
        let b: Value = serde_json::from_str(r#"{"spec": {"y": 2, "x": 1}}"#).unwrap();
        assert_eq!(digest(&a), digest(&b));
        assert_eq!(digest(&a).len(), 12);
        assert_ne!(digest(&template("web:1")), digest(&template("web:2")));
    }

    #[test]
    fn a_finished_rollout_says_what_it_ran_how_it_ended_who_and_how_long() {
        // The phase, who the API server said started it, the incumbent's
        // revision; the revision, who and how long the entry says.
        type Case<'a> = (
            Phase,
            Option<String>,
            Option<u64>,
            Option<u64>,
            &'a str,
            u64,
        );
        let cases: Vec<Case> = vec![
            // Promoted: the revision the incumbent runs, who the API
            // server said started it.
            (
                Phase::Succeeded,
                Some("system:serviceaccount:ci:deployer".into()),
                Some(7),
                Some(7),
                "system:serviceaccount:ci:deployer",
                90,
            ),
            // Aborted: no revision runs it; without the API server's word
            // the person who started it.
            (Phase::Aborted, None, Some(7), None, "ana@laptop", 90),
        ];
        for (phase, started_by, revision, wanted_revision, by, seconds) in cases {
            let mut record = sample();
            record.contender.template = template("example.com/web:2");
            record.phase = phase;
            record.started_by = started_by;
            record.history = vec![
                transition("2026-11-27T10:00:00Z", "Started", "started: 2 steps"),
                transition("2026-11-27T10:01:30Z", "Last", "the last word"),
            ];
            let entry = finished(&record, revision, "2026-11-27T10:01:30Z");
            assert_eq!(entry.revision, wanted_revision, "{phase:?}");
            assert_eq!(entry.result, phase);
            assert_eq!(entry.by, by);
            assert_eq!(entry.seconds, seconds);
            assert_eq!(entry.reason, "the last word");
            assert_eq!(entry.started_at, "2026-11-27T10:00:00Z");
            assert_eq!(
                entry.images,
                [Image {
                    container: "web".into(),
                    image: "example.com/web:2".into()
                }]
            );
            assert_eq!(entry.digest, digest(&template("example.com/web:2")));
        }
    }

    #[test]
    fn the_record_keeps_the_last_ten() {
        let entry = |n: u64| {
            let mut record = sample();
            record.phase = Phase::Succeeded;
            finished(&record, Some(n), "2026-11-27T10:00:00Z")
        };
        let mut all = Vec::new();
        for n in 1..=12 {
            all = keep(&all, entry(n));
        }
        let revisions: Vec<Option<u64>> = all.iter().map(|e| e.revision).collect();
        assert_eq!(revisions, (3..=12).map(Some).collect::<Vec<_>>());
    }

    #[test]
    fn undo_goes_to_the_revision_asked_or_the_one_before() {
        let with_hash = |image: &str, hash: &str| {
            let mut t = template(image);
            t["metadata"]["labels"][POD_TEMPLATE_HASH] = json!(hash);
            t
        };
        let revisions = [
            Revision {
                number: 1,
                template: with_hash("web:1", "aaa"),
            },
            Revision {
                number: 3,
                template: with_hash("web:3", "ccc"),
            },
            Revision {
                number: 4,
                template: with_hash("web:4", "ddd"),
            },
        ];
        let ok: Vec<(Option<u64>, u64, &str)> = vec![
            (None, 3, "web:3"),
            (Some(1), 1, "web:1"),
            (Some(3), 3, "web:3"),
        ];
        for (to, number, image) in ok {
            let (n, t) = undo_target("web", &revisions, 4, to).unwrap();
            assert_eq!((n, t), (number, template(image)), "{to:?}");
        }
        let refused: Vec<(Option<u64>, u64, &str)> = vec![
            (
                Some(2),
                4,
                "deployment \"web\" has no revision 2 (it keeps 1, 3, 4)",
            ),
            (
                Some(4),
                4,
                "deployment \"web\" runs revision 4 now: there is nothing to undo to",
            ),
            (
                None,
                1,
                "deployment \"web\" has no revision before 1 to go back to",
            ),
        ];
        for (to, current, message) in refused {
            let err = undo_target("web", &revisions, current, to).unwrap_err();
            assert_eq!(err.message, message);
            assert_eq!(err.kind, crate::error::Kind::Invalid);
        }
    }
}
