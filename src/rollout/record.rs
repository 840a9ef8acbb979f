//! The record: the rollout's state, kept as a JSON annotation on the
//! incumbent Deployment so that any machine can run the next command.

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// The annotation on the incumbent Deployment that holds the record.
pub const ANNOTATION: &str = "ramp.dev/record";

/// The newest record schema this build reads and writes.
pub const SCHEMA: u32 = 1;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Phase {
    /// No rollout recorded.
    Idle,
    Progressing,
    Paused,
    Promoting,
    Succeeded,
    Aborted,
}

impl Phase {
    pub fn as_str(self) -> &'static str {
        match self {
            Phase::Idle => "Idle",
            Phase::Progressing => "Progressing",
            Phase::Paused => "Paused",
            Phase::Promoting => "Promoting",
            Phase::Succeeded => "Succeeded",
            Phase::Aborted => "Aborted",
        }
    }
}

/// One stage of a rollout, in percent.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Step {
    pub name: String,
    pub capacity: Split,
    pub traffic: Split,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Split {
    pub contender: u32,
    pub incumbent: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Record {
    pub schema: u32,
    pub phase: Phase,
    pub steps: Vec<Step>,
    /// The step reached, counting from 1; 0 before the first.
    pub step: usize,
    /// The contender Deployment's name and namespace.
    pub contender: ObjectRef,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ObjectRef {
    pub name: String,
    pub namespace: String,
}

impl Record {
    /// Reads the record from a Deployment's annotations; `None` when no
    /// rollout was ever recorded.
    pub fn from_annotations(
        deployment: &str,
        annotations: Option<&std::collections::BTreeMap<String, String>>,
    ) -> Result<Option<Record>> {
        let Some(raw) = annotations.and_then(|a| a.get(ANNOTATION)) else {
            return Ok(None);
        };
        #[derive(Deserialize)]
        struct Version {
            schema: u32,
        }
        let damaged = |e: serde_json::Error| {
            Error::failed(format!(
                "the rollout record of deployment {deployment:?} (annotation {ANNOTATION}) cannot be read: {e}"
            ))
            .with_hint(format!(
                "if it was edited by hand, restore it; to forget the rollout, remove the annotation with \
                 `kubectl annotate deployment {deployment} {ANNOTATION}-`"
            ))
        };
        let version: Version = serde_json::from_str(raw).map_err(damaged)?;
        if version.schema > SCHEMA {
            return Err(Error::failed(format!(
                "the rollout record of deployment {deployment:?} has schema {} but this kubectl-ramp reads up to {SCHEMA}",
                version.schema
            ))
            .with_hint("a newer kubectl-ramp wrote it; upgrade kubectl-ramp"));
        }
        serde_json::from_str(raw).map(Some).map_err(damaged)
    }

    pub fn current_step(&self) -> Option<&Step> {
        self.step.checked_sub(1).and_then(|i| self.steps.get(i))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn annotations(value: &str) -> BTreeMap<String, String> {
        BTreeMap::from([(ANNOTATION.to_string(), value.to_string())])
    }

    #[test]
    fn no_annotation_means_no_rollout() {
        assert_eq!(Record::from_annotations("web", None).unwrap(), None);
        assert_eq!(
            Record::from_annotations("web", Some(&BTreeMap::new())).unwrap(),
            None
        );
    }

    #[test]
    fn a_record_reads_back_what_was_written() {
        let record = Record {
            schema: SCHEMA,
            phase: Phase::Paused,
            steps: vec![Step {
                name: "10%".into(),
                capacity: Split {
                    contender: 10,
                    incumbent: 100,
                },
                traffic: Split {
                    contender: 10,
                    incumbent: 90,
                },
            }],
            step: 1,
            contender: ObjectRef {
                name: "web-canary".into(),
                namespace: "shop".into(),
            },
        };
        let raw = serde_json::to_string(&record).unwrap();
        let read = Record::from_annotations("web", Some(&annotations(&raw)))
            .unwrap()
            .unwrap();
        assert_eq!(read, record);
        assert_eq!(read.current_step().unwrap().name, "10%");
    }

    #[test]
    fn a_record_from_a_newer_schema_asks_for_an_upgrade() {
        let err =
            Record::from_annotations("web", Some(&annotations(r#"{"schema": 99}"#))).unwrap_err();
        assert!(err.to_string().contains("has schema 99"), "{err}");
        assert!(err.to_string().contains("upgrade kubectl-ramp"), "{err}");
    }

    #[test]
    fn a_damaged_record_names_the_annotation_and_how_to_clear_it() {
        let err = Record::from_annotations("web", Some(&annotations("{not json"))).unwrap_err();
        let text = err.to_string();
        assert!(text.contains("ramp.dev/record"), "{text}");
        assert!(
            text.contains("kubectl annotate deployment web ramp.dev/record-"),
            "{text}"
        );
    }
}
