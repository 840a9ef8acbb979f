//! The record: the rollout's state, kept as a JSON annotation on the
//! incumbent Deployment so that any machine can run the next command.

use serde::{Deserialize, Serialize};

use super::strategy::Step;
use crate::error::{Error, Result};
use crate::router::RouterKind;

/// The annotation on the incumbent Deployment that holds the record.
pub const ANNOTATION: &str = "ramp.dev/record";

/// The newest record schema this build reads and writes.
pub const SCHEMA: u32 = 1;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Phase {
    /// No rollout recorded; never stored, `status` shows it.
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

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Record {
    pub schema: u32,
    pub phase: Phase,
    /// Where the steps came from: a preset's name, `steps`, or a file.
    pub strategy: String,
    pub steps: Vec<Step>,
    /// The step reached, counting from 1; 0 before the first.
    pub step: usize,
    /// The step being moved to while Progressing; equal to `step` at rest.
    pub target: usize,
    /// The incumbent's replicas when the rollout started: 100% capacity.
    pub replicas: i32,
    pub contender: Contender,
    /// The incumbent's Service.
    pub service: String,
    pub router: RouterRecord,
    /// Seconds the incumbent is kept at full capacity after the last step,
    /// before the promotion, so that an abort then is a single write.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scale_down_delay: Option<u64>,
    /// How `run` drives the rollout, when it is automated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub automation: Option<Automation>,
    pub history: Vec<Transition>,
}

/// The settings of an automated rollout, kept so that `run` on any machine
/// carries on with the same ones.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Automation {
    pub analysis: crate::analysis::spec::AnalysisSpec,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prometheus: Option<String>,
    /// Seconds between a step and its analysis.
    pub interval: u64,
    /// Failed checks at one step before the rollback.
    pub failure_limit: u32,
    /// Promote after the last step; otherwise leave it for a person.
    pub promote: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notify: Option<String>,
    /// Failed checks at the current step so far.
    #[serde(default)]
    pub failures: u32,
    /// Inconclusive checks in a row at the current step.
    #[serde(default)]
    pub inconclusive: u32,
    /// The latest checks, oldest first.
    #[serde(default)]
    pub checks: Vec<crate::analysis::Check>,
}

/// The new version: where ramp runs it and the pod template it runs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Contender {
    /// The name of the contender Deployment and of its Service.
    pub name: String,
    pub namespace: String,
    /// The new pod template, with the incumbent's labels: what the
    /// incumbent takes on promote.
    pub template: serde_json::Value,
}

/// The router in use and a snapshot of every route it changes, taken before
/// the first change, so that abort restores them exactly.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RouterRecord {
    pub kind: RouterKind,
    pub routes: Vec<RouteSnapshot>,
    /// Requests with this header go to the contender whatever the weights,
    /// through a route ramp adds beside each route it shifts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub header: Option<Header>,
}

/// An HTTP header and its exact value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Header {
    pub name: String,
    pub value: String,
}

impl Header {
    /// `NAME=VALUE` from the command line.
    pub fn parse(flag: &str, arg: &str) -> Result<Header> {
        match arg.split_once('=') {
            Some((name, value)) if !name.trim().is_empty() && !value.is_empty() => Ok(Header {
                name: name.trim().to_ascii_lowercase(),
                value: value.to_string(),
            }),
            _ => Err(Error::invalid(format!("{flag} {arg:?} is not NAME=VALUE"))
                .with_hint(format!("for example {flag} x-canary=always"))),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RouteSnapshot {
    /// The VirtualService (or HTTPRoute) name, in the incumbent's namespace.
    pub object: String,
    /// JSON pointer to the route in the object: `/spec/http/2` (an Istio
    /// HTTP route) or `/spec/rules/0` (an HTTPRoute rule).
    pub route: String,
    /// The route's name, when it has one: checked before every write.
    pub name: Option<String>,
    /// The route's destinations (Istio) or backendRefs (Gateway API)
    /// exactly as they were.
    pub original: serde_json::Value,
    /// The destination or backendRef that ramp adds for the contender.
    pub contender: serde_json::Value,
}

impl RouteSnapshot {
    /// The route's name, or where it is when it has none.
    pub fn label(&self) -> String {
        self.name.clone().unwrap_or_else(|| {
            let mut parts = self.route.rsplit('/');
            let index = parts.next().unwrap_or_default();
            format!("{}[{index}]", parts.next().unwrap_or_default())
        })
    }
}

/// One change of the rollout, as `status` and `kubectl describe` show it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Transition {
    /// RFC 3339.
    pub at: String,
    /// Who ran the command: user@host.
    pub by: String,
    pub event: String,
    pub message: String,
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
pub(crate) mod tests {
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

    pub fn sample() -> Record {
        Record {
            schema: SCHEMA,
            phase: Phase::Paused,
            strategy: "steps".into(),
            steps: crate::rollout::strategy::Strategy::from_percentages("10,100")
                .unwrap()
                .steps,
            step: 1,
            target: 1,
            replicas: 4,
            contender: Contender {
                name: "web-canary".into(),
                namespace: "shop".into(),
                template: serde_json::json!({"metadata": {"labels": {"app": "web"}}}),
            },
            service: "web".into(),
            router: RouterRecord {
                kind: RouterKind::Istio,
                routes: Vec::new(),
                header: None,
            },
            scale_down_delay: None,
            automation: None,
            history: Vec::new(),
        }
    }

    #[test]
    fn a_record_reads_back_what_was_written() {
        let record = sample();
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
