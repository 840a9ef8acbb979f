//! The record: the rollout's state, kept as a JSON annotation on the
//! incumbent Deployment so that any machine can run the next command.

use serde::{Deserialize, Serialize};

use super::model::RouterKind;
use super::strategy::Step;
use crate::error::{Error, Result};

/// The annotation on the incumbent Deployment that holds the record.
pub const ANNOTATION: &str = "ramp.dev/record";

/// Whether an error says the record cannot be read at all: damaged past
/// reading, or written by a newer kubectl-ramp. An abort then goes by what
/// the cluster holds instead.
pub fn unreadable(err: &Error) -> bool {
    let about_it = err.message.contains(&format!("(annotation {ANNOTATION})"));
    about_it
        && ["cannot be read", "is damaged", " has schema "]
            .iter()
            .any(|m| err.message.contains(m))
}

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
    /// Seconds a version keeps its pods after the routes stopped sending to
    /// it, for the data plane to follow them (None: `DEFAULT_DRAIN`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub drain: Option<u64>,
    /// The step a command was moving to when it stopped half way (a
    /// timeout, Ctrl-C, a lost connection): what it did toward it is ramp's
    /// own unfinished move, not someone else's change. Cleared once a step
    /// is reached.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interrupted: Option<usize>,
    /// How `run` drives the rollout, when it is automated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub automation: Option<Automation>,
    pub history: Vec<Transition>,
    /// The digest of the incumbent's pod template when the rollout
    /// started: a change of it since is someone else's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub incumbent_digest: Option<String>,
    /// Who started the rollout, as the API server knows them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub started_by: Option<String>,
    /// Names this rollout on the objects ramp makes for it (the label
    /// `ramp.dev/rollout`); the waves of one rollout across clusters share it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// The user's autoscaler of the incumbent, when one scales it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub autoscaler: Option<super::autoscale::Autoscaler>,
    /// The rollouts of this Deployment that finished, oldest first: the
    /// last `history::KEPT`, this one too once it has.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub finished: Vec<Finished>,
    /// Who is moving the rollout: written with every record write of a
    /// move (and of a driver's whole session), so that another command
    /// knows without asking for a Lease; none once the rollout rests.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub held: Option<Held>,
}

/// A holder of the rollout, as the record names it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Held {
    /// `user@host pid N (command)`.
    pub by: String,
    /// When it last wrote the record (RFC 3339, its clock).
    pub at: String,
    /// A driver that holds the rollout between its moves too: its Lease
    /// says whether it still runs.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub session: bool,
}

impl Record {
    /// Who holds the rollout once `me` wrote this record at `at`: nobody
    /// when it ended; the driver of a session (`session`, its holder)
    /// between its moves too; `me` while a move is under way; else nobody,
    /// for the rollout rests.
    pub fn held_after(&self, me: &str, session: Option<&str>, at: &str) -> Option<Held> {
        let held = |by: &str, session: bool| {
            Some(Held {
                by: by.to_string(),
                at: at.to_string(),
                session,
            })
        };
        let moving =
            matches!(self.phase, Phase::Progressing | Phase::Promoting) || self.target != self.step;
        match (self.phase, session) {
            (Phase::Succeeded | Phase::Aborted | Phase::Idle, _) => None,
            (_, Some(driver)) => held(driver, true),
            _ if moving => held(me, false),
            _ => None,
        }
    }
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
    /// Seconds of metrics each check reads, when set by --window;
    /// otherwise the interval, but at least two scrapes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub window: Option<u64>,
    /// Prometheus' scrape interval in seconds, as read from its
    /// configuration.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scrape_interval: Option<u64>,
    /// Who paused the automation (`kubectl ramp pause`): a running driver
    /// stops at its current step; `run` clears it and carries on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub paused_by: Option<String>,
    /// Failed checks at one step before the rollback.
    pub failure_limit: u32,
    /// Seconds a driver holds the rollout through an API server it cannot
    /// reach (None: `decide::DEFAULT_OUTAGE_LIMIT_S`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outage_limit: Option<u64>,
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
    /// Why a freeze holds the rollout at its step, when the last round
    /// passed but a freeze kept it from moving on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub held: Option<String>,
}

impl Automation {
    /// The settings before any flag or analysis file: a check a minute
    /// after each step of the contender's pods, one failure rolls back, the
    /// last step passed promotes.
    pub fn defaults() -> Automation {
        Automation {
            analysis: crate::analysis::spec::AnalysisSpec {
                provider: Default::default(),
                metrics: Vec::new(),
                min_samples: 10,
                inconclusive_limit: 5,
                pod_health: Default::default(),
                webhooks: Vec::new(),
            },
            prometheus: None,
            interval: 60,
            window: None,
            scrape_interval: None,
            paused_by: None,
            failure_limit: 1,
            outage_limit: None,
            promote: true,
            notify: None,
            failures: 0,
            inconclusive: 0,
            checks: Vec::new(),
            held: None,
        }
    }
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
    /// The version of the routing objects' API that the cluster served at
    /// start (`v1`, `v1beta1`, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_version: Option<String>,
    /// Requests with this header go to the contender whatever the weights,
    /// through a route ramp adds beside each route it shifts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub header: Option<Header>,
    /// Without a mesh: the incumbent's Service selector as it was, which
    /// ramp narrows to one version while the other takes no traffic.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub selector: Option<SelectorSnapshot>,
}

/// The label the Deployment controller gives the pods of each pod template
/// (and their ReplicaSet).
pub const HASH_LABEL: &str = "pod-template-hash";

impl SelectorSnapshot {
    /// The selector that gives `split`: the incumbent's pods alone at 0%,
    /// the contender's alone at 100%, as it was in between.
    pub fn selector(
        &self,
        split: super::strategy::Split,
    ) -> std::collections::BTreeMap<String, String> {
        let mut selector = self.original.clone();
        match split.contender {
            0 => {
                selector.insert(HASH_LABEL.into(), self.incumbent_hash.clone());
            }
            100 => {
                let (key, value) = super::contender::ROLE;
                selector.insert(key.into(), value.into());
            }
            _ => {}
        }
        selector
    }
}

impl RouterRecord {
    /// How many routes the rollout manages: the routes it shifts, or the
    /// Service whose selector it switches.
    pub fn managed(&self) -> usize {
        self.routes.len() + usize::from(self.selector.is_some())
    }
}

/// The user's Service as the replicas router found it: the only thing of
/// it ramp changes is its selector, and it puts it back exactly.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SelectorSnapshot {
    /// The Service's name, in the incumbent's namespace.
    pub service: String,
    /// The selector exactly as it was.
    pub original: std::collections::BTreeMap<String, String>,
    /// The `pod-template-hash` of the incumbent's pods when the rollout
    /// started: beside the original selector, it selects them alone.
    pub incumbent_hash: String,
    /// The Service's resourceVersion when the snapshot was taken.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource_version: Option<String>,
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
    /// The route's fields that held an empty list when the rollout began
    /// (an HTTPRoute rule's `filters: []`): a list ramp adds its own entry
    /// to (a mirror) and takes it out of again is left empty, as it was,
    /// not removed.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub empty_lists: Vec<String>,
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

/// One finished rollout, as the record keeps it (see `history`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Finished {
    /// The Deployment's revision that runs the rollout's pod template
    /// (`kubectl rollout history` numbers them the same); none for a
    /// rollout that was aborted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revision: Option<u64>,
    pub images: Vec<Image>,
    /// The first 12 hex digits of the SHA-256 of the pod template.
    pub digest: String,
    /// Succeeded or Aborted.
    pub result: Phase,
    /// Its last word: what the promotion or the abort said.
    pub reason: String,
    /// Who started it, as the API server knows them.
    pub by: String,
    /// RFC 3339.
    pub started_at: String,
    pub finished_at: String,
    pub seconds: u64,
}

/// A container and its image.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Image {
    pub container: String,
    pub image: String,
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

fn damaged(deployment: &str, problem: &str) -> Error {
    Error::invalid(format!(
        "the rollout record of deployment {deployment:?} (annotation {ANNOTATION}) is damaged: {problem}"
    ))
    .with_hint(damaged_hint(deployment))
}

fn damaged_hint(deployment: &str) -> String {
    format!(
        "if it was edited by hand, restore it; `kubectl ramp abort {deployment}` still puts traffic back \
         when the routes and the contender are readable; to forget the rollout, remove the annotation with \
         `kubectl annotate deployment {deployment} {ANNOTATION}-`"
    )
}

impl Record {
    /// Reads the record from a Deployment's annotations; `None` when no
    /// rollout was ever recorded.
    fn parse(
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
            Error::invalid(format!(
                "the rollout record of deployment {deployment:?} (annotation {ANNOTATION}) cannot be read: {e}"
            ))
            .with_hint(damaged_hint(deployment))
        };
        let version: Version = serde_json::from_str(raw).map_err(damaged)?;
        if version.schema > SCHEMA {
            return Err(Error::failed(format!(
                "the rollout record of deployment {deployment:?} (annotation {ANNOTATION}) has schema {} but this kubectl-ramp reads up to {SCHEMA}",
                version.schema
            ))
            .with_hint("a newer kubectl-ramp wrote it; upgrade kubectl-ramp"));
        }
        // The field that is wrong is named: a record damaged by hand is
        // mended by hand.
        let record: Record =
            serde_path_to_error::deserialize(&mut serde_json::Deserializer::from_str(raw)).map_err(
                |e: serde_path_to_error::Error<serde_json::Error>| {
                    let field = e.path().to_string();
                    Error::invalid(format!(
                        "the rollout record of deployment {deployment:?} (annotation {ANNOTATION}) cannot be read: field {field}: {}",
                        e.into_inner()
                    ))
                    .with_hint(damaged_hint(deployment))
                },
            )?;
        Ok(Some(record))
    }

    /// Reads the record and checks it (see `check`): a damaged one is
    /// answered with exit 2, naming the field.
    pub fn from_annotations(
        deployment: &str,
        annotations: Option<&std::collections::BTreeMap<String, String>>,
    ) -> Result<Option<Record>> {
        let record = Self::parse(deployment, annotations)?;
        if let Some(record) = &record {
            record
                .check()
                .map_err(|problem| damaged(deployment, &problem))?;
        }
        Ok(record)
    }

    /// Reads the record for an abort, which needs only the routes'
    /// snapshots and the contender: a step or strategy damaged by hand does
    /// not keep traffic from going back.
    pub fn from_annotations_to_abort(
        deployment: &str,
        annotations: Option<&std::collections::BTreeMap<String, String>>,
    ) -> Result<Option<Record>> {
        let Some(mut record) = Self::parse(deployment, annotations)? else {
            return Ok(None);
        };
        record
            .check_for_abort()
            .map_err(|problem| damaged(deployment, &problem))?;
        if record.check().is_err() {
            tracing::warn!("aborting a rollout whose record is damaged");
            record.step = record.step.min(record.steps.len());
            record.target = record.step;
        }
        Ok(Some(record))
    }

    /// What a record must hold for any command to act on it; the first
    /// problem found, naming the field. A record written by ramp always
    /// passes; one edited by hand may not.
    pub fn check(&self) -> std::result::Result<(), String> {
        let total = self.steps.len();
        if total == 0 {
            return Err("steps is empty".into());
        }
        if self.step > total {
            return Err(format!("step is {} but there are {total} steps", self.step));
        }
        if self.target > total {
            return Err(format!(
                "target is {} but there are {total} steps",
                self.target
            ));
        }
        if self.phase == Phase::Progressing && self.target == 0 {
            return Err("target is 0 while the phase is Progressing".into());
        }
        if self.replicas < 0 {
            return Err(format!("replicas is {}, below 0", self.replicas));
        }
        if let Some(autoscaler) = &self.autoscaler
            && (autoscaler.min < 1 || autoscaler.max < autoscaler.min)
        {
            return Err(format!(
                "autoscaler.min is {} and autoscaler.max {}: the bounds of an autoscaler run from 1 up",
                autoscaler.min, autoscaler.max
            ));
        }
        let strategy = super::strategy::Strategy {
            name: self.strategy.clone(),
            steps: self.steps.clone(),
        };
        strategy
            .validate("steps")
            .map_err(|e| e.message.trim_start_matches("steps: ").to_string())?;
        self.check_for_abort()
    }

    /// The part of `check` that abort needs: where the contender is and
    /// how to put each route back.
    pub fn check_for_abort(&self) -> std::result::Result<(), String> {
        if self.contender.name.is_empty() || self.contender.namespace.is_empty() {
            return Err("contender.name and contender.namespace must not be empty".into());
        }
        if !self.contender.template.is_object() {
            return Err("contender.template is not an object".into());
        }
        for (i, route) in self.router.routes.iter().enumerate() {
            let original = route.original.as_array();
            if !original.is_some_and(|o| o.first().is_some_and(serde_json::Value::is_object)) {
                return Err(format!(
                    "router.routes[{i}].original is not a list of backends"
                ));
            }
            if !route.contender.is_object() {
                return Err(format!("router.routes[{i}].contender is not a backend"));
            }
            if route.object.is_empty() || !route.route.starts_with("/spec/") {
                return Err(format!(
                    "router.routes[{i}] does not name its object and route"
                ));
            }
        }
        Ok(())
    }

    pub fn current_step(&self) -> Option<&Step> {
        self.step.checked_sub(1).and_then(|i| self.steps.get(i))
    }

    /// How long a version keeps its pods after the routes stopped sending
    /// to it.
    pub fn drain(&self) -> std::time::Duration {
        std::time::Duration::from_secs(self.drain.unwrap_or(DEFAULT_DRAIN))
    }
}

/// Seconds a version keeps its pods after traffic left it, unless `start
/// --drain` said otherwise: what a gateway takes to follow a route, with
/// room to spare (Traefik applies a change within about a second, and
/// waits at least two between two changes).
pub const DEFAULT_DRAIN: u64 = 10;

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

    /// A rollout paused at step 1 (10%) of a 10, 50, 100 Istio canary of
    /// `web` in `shop`, its route `primary` of the VirtualService `web`.
    pub fn at_ten_percent() -> Record {
        let mut record = sample();
        record.steps = crate::rollout::strategy::Strategy::from_percentages("10,50,100")
            .unwrap()
            .steps;
        record.drain = Some(0);
        record.contender.template = serde_json::json!({
            "metadata": {"labels": {"app": "web"}},
            "spec": {"containers": [{"name": "web", "image": "example.com/web:2"}]},
        });
        record.router.routes = vec![RouteSnapshot {
            object: "web".into(),
            route: "/spec/http/0".into(),
            name: Some("primary".into()),
            original: serde_json::json!([{"destination": {"host": "web"}}]),
            contender: serde_json::json!({"destination": {"host": "web-canary"}}),
            empty_lists: Vec::new(),
        }];
        record
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
                api_version: None,
                header: None,
                selector: None,
            },
            scale_down_delay: None,
            drain: None,
            interrupted: None,
            automation: None,
            history: Vec::new(),
            started_by: None,
            id: None,
            autoscaler: None,
            finished: Vec::new(),
            incumbent_digest: None,
            held: None,
        }
    }

    #[test]
    fn a_move_holds_the_rollout_a_rest_lets_it_go_a_session_holds_it_throughout() {
        let me = "ana@laptop pid 7 (step)";
        let driver = "ci@runner pid 9 (run)";
        let at = "2026-12-04T05:00:00Z";
        // (phase, step, target, session) -> holder
        let cases = [
            (Phase::Progressing, 1, 2, None, Some((me, false))),
            (Phase::Promoting, 2, 2, None, Some((me, false))),
            // Paused on its way: a step interrupted mid-move.
            (Phase::Paused, 1, 2, None, Some((me, false))),
            (Phase::Paused, 2, 2, None, None),
            (Phase::Succeeded, 2, 2, None, None),
            (Phase::Aborted, 1, 2, None, None),
            (Phase::Paused, 2, 2, Some(driver), Some((driver, true))),
            (Phase::Progressing, 1, 2, Some(driver), Some((driver, true))),
            (Phase::Succeeded, 2, 2, Some(driver), None),
            (Phase::Aborted, 1, 1, Some(driver), None),
        ];
        for (phase, step, target, session, expected) in cases {
            let mut record = sample();
            (record.phase, record.step, record.target) = (phase, step, target);
            let held = record.held_after(me, session, at);
            let expected = expected.map(|(by, session)| Held {
                by: by.into(),
                at: at.into(),
                session,
            });
            assert_eq!(held, expected, "{phase:?} {step}->{target} {session:?}");
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
    fn a_record_that_cannot_be_read_is_told_apart_from_other_errors() {
        let newer =
            Record::from_annotations("web", Some(&annotations(r#"{"schema": 99}"#))).unwrap_err();
        let not_json =
            Record::from_annotations("web", Some(&annotations("{not json"))).unwrap_err();
        let damaged = Record::from_annotations_to_abort(
            "web",
            Some(&annotations(r#"{"schema": 1, "phase": "Paused", "strategy": "x", "steps": [], "step": 0, "target": 0, "replicas": 1, "contender": {"name": "web-canary", "namespace": "shop", "template": {}}, "service": "web", "router": {"kind": "istio", "routes": [{"object": "web", "route": "/nope", "name": null, "original": [], "contender": {}}]}, "history": []}"#)),
        )
        .unwrap_err();
        for err in [&newer, &not_json, &damaged] {
            assert!(unreadable(err), "{err}");
        }
        assert!(!unreadable(&Error::failed(
            "cannot reach the Kubernetes API server"
        )));
        assert!(!unreadable(&Error::invalid(
            "deployment \"web\" has no rollout in progress"
        )));
    }

    #[test]
    fn a_damaged_record_names_the_field() {
        let mut raw = serde_json::to_value(sample()).unwrap();
        raw["steps"] = serde_json::json!("many");
        let err =
            Record::from_annotations("web", Some(&annotations(&raw.to_string()))).unwrap_err();
        assert!(
            err.to_string()
                .contains("cannot be read: field steps: invalid type: string \"many\""),
            "{err}"
        );
        let mut raw = serde_json::to_value(sample()).unwrap();
        raw["contender"]["name"] = serde_json::json!(7);
        let err =
            Record::from_annotations("web", Some(&annotations(&raw.to_string()))).unwrap_err();
        assert!(err.to_string().contains("field contender.name: "), "{err}");
        assert_eq!(err.kind, crate::error::Kind::Invalid);
    }

    #[test]
    fn a_record_from_a_newer_schema_asks_for_an_upgrade() {
        let err =
            Record::from_annotations("web", Some(&annotations(r#"{"schema": 99}"#))).unwrap_err();
        assert!(err.to_string().contains("has schema 99"), "{err}");
        assert!(err.to_string().contains("upgrade kubectl-ramp"), "{err}");
    }

    #[test]
    fn a_record_edited_by_hand_is_refused_naming_the_field() {
        let mut with_route = sample();
        with_route.router.routes.push(RouteSnapshot {
            object: "web".into(),
            route: "/spec/http/0".into(),
            name: None,
            original: serde_json::json!([{"destination": {"host": "web"}}]),
            contender: serde_json::json!({"destination": {"host": "web-canary"}}),
            empty_lists: Vec::new(),
        });
        let edit = |f: &dyn Fn(&mut Record)| {
            let mut record = with_route.clone();
            f(&mut record);
            record
        };
        let cases: Vec<(Record, Option<&str>, bool)> = vec![
            (with_route.clone(), None, true),
            (
                edit(&|r| r.step = 7),
                Some("step is 7 but there are 2 steps"),
                true,
            ),
            (edit(&|r| r.target = 9), Some("target is 9"), true),
            (
                edit(&|r| {
                    r.phase = Phase::Progressing;
                    r.target = 0
                }),
                Some("target is 0 while the phase is Progressing"),
                true,
            ),
            (edit(&|r| r.steps.clear()), Some("steps is empty"), true),
            (
                edit(&|r| r.steps[0].traffic.incumbent = 5),
                Some("traffic adds up to 15"),
                true,
            ),
            (edit(&|r| r.replicas = -1), Some("replicas is -1"), true),
            (
                edit(&|r| {
                    r.autoscaler = Some(super::super::autoscale::Autoscaler {
                        name: "web".into(),
                        min: 9,
                        max: 5,
                    })
                }),
                Some("autoscaler.min is 9 and autoscaler.max 5"),
                true,
            ),
            (
                edit(&|r| r.router.routes[0].original = serde_json::json!([3])),
                Some("router.routes[0].original is not a list of backends"),
                false,
            ),
            (
                edit(&|r| r.router.routes[0].original = serde_json::json!([])),
                Some("router.routes[0].original"),
                false,
            ),
            (
                edit(&|r| r.contender.template = serde_json::json!("x")),
                Some("contender.template is not an object"),
                false,
            ),
        ];
        for (record, problem, abortable) in cases {
            let raw = serde_json::to_string(&record).unwrap();
            let read = Record::from_annotations("web", Some(&annotations(&raw)));
            match problem {
                None => assert_eq!(read.unwrap().unwrap(), record),
                Some(problem) => {
                    let err = read.unwrap_err();
                    assert_eq!(err.kind, crate::error::Kind::Invalid, "{err}");
                    assert!(err.message.contains(problem), "{problem}: {err}");
                    assert!(err.message.contains("is damaged"), "{err}");
                }
            }
            let to_abort = Record::from_annotations_to_abort("web", Some(&annotations(&raw)));
            assert_eq!(to_abort.is_ok(), abortable, "{problem:?}");
            if let Ok(Some(record)) = to_abort {
                assert!(
                    record.step <= record.steps.len() && record.target == record.step
                        || problem.is_none()
                );
            }
        }
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
