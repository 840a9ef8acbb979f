//! Drift: what someone else changed of what a rollout manages since ramp
//! last wrote it (a hand-edited weight, a new image on the contender or on
//! the incumbent, a scale). Found by comparing what is observed with what
//! the record says ramp left; no IO.

use serde_json::Value;

use super::history::{digest, images};
use super::plan::{DeploymentState, step_replicas};
use super::record::{Phase, Record};
use super::strategy::Step;

/// What is observed of a rollout, as drift is judged.
pub struct Seen<'a> {
    pub incumbent: &'a DeploymentState,
    pub contender: Option<&'a DeploymentState>,
    /// The share of each managed route's traffic that goes to the
    /// contender, in the record's order; `None` when it cannot be told.
    pub routes: &'a [Option<f64>],
    /// Who changed each since ramp last wrote it, when its managedFields
    /// tell (see `writer`): the incumbent, the contender, each route's
    /// object in the record's order.
    pub incumbent_by: Writers,
    pub contender_by: Writers,
    pub routes_by: &'a [Option<String>],
    /// Without a mesh, the incumbent Service's selector as it is (when the
    /// rollout manages it and it could be read), and who changed it.
    pub selector: Option<&'a std::collections::BTreeMap<String, String>>,
    pub selector_by: Option<String>,
}

type Entry = k8s_openapi::apimachinery::pkg::apis::meta::v1::ManagedFieldsEntry;

/// Whether a managedFields entry is ramp's.
fn ramps(e: &Entry) -> bool {
    e.manager
        .as_deref()
        .is_some_and(|m| m.starts_with("kubectl-ramp"))
}

/// When ramp last wrote the object, of the entries that `counts`.
fn last_ramp_write(
    entries: &[Entry],
    counts: impl Fn(&Entry) -> bool,
) -> Option<k8s_openapi::jiff::Timestamp> {
    entries
        .iter()
        .filter(|e| counts(e) && ramps(e))
        .filter_map(|e| e.time.as_ref().map(|t| t.0))
        .max()
}

/// The latest of `entries` that `counts` and is not ramp's, as people read
/// it: "kubectl-set at 10:14:34".
fn latest_other<'a>(
    entries: impl Iterator<Item = &'a Entry>,
    counts: impl Fn(&Entry) -> bool,
) -> Option<String> {
    let other = entries
        .filter(|e| counts(e) && !ramps(e))
        .max_by_key(|e| e.time.as_ref().map(|t| t.0))?;
    let at = other.time.as_ref()?.0.strftime("%H:%M:%S").to_string();
    Some(format!(
        "{} at {at}",
        other.manager.as_deref().unwrap_or("someone")
    ))
}

/// Who last changed an object after ramp's last write of it, by its
/// managedFields: the field manager and when ("kubectl-set at
/// 10:14:34"). `None` when ramp's write is the latest (or as late: the
/// times are in seconds), or nothing says.
pub fn writer(meta: &k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta) -> Option<String> {
    let entries = meta.managed_fields.as_deref().unwrap_or_default();
    let written = |e: &Entry| e.subresource.as_deref().is_none_or(str::is_empty);
    let last_ramp = last_ramp_write(entries, written)?;
    latest_other(entries.iter(), |e| {
        written(e) && e.time.as_ref().is_some_and(|t| t.0 > last_ramp)
    })
}

/// Who last changed a Deployment's pod template and its replicas after
/// ramp's last write: each named by the field manager that owns the field
/// (a manager that changes a field takes it over), so that a change of the
/// replicas by one and of the image by another names each right.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Writers {
    pub template: Option<String>,
    pub replicas: Option<String>,
}

impl Writers {
    pub fn of(meta: &k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta) -> Writers {
        Writers {
            template: writer_of(meta, &["f:spec", "f:template"]),
            replicas: writer_of(meta, &["f:spec", "f:replicas"]),
        }
    }
}

/// Who, of those who wrote since ramp's last write, owns the field at
/// `path` of the managedFields (the scale subresource counts for the
/// replicas): the latest of them.
pub fn writer_of(
    meta: &k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta,
    path: &[&str],
) -> Option<String> {
    let entries = meta.managed_fields.as_deref().unwrap_or_default();
    let last_ramp = last_ramp_write(entries, |_| true)?;
    let owns = |e: &Entry| {
        let mut at = e.fields_v1.as_ref().map(|f| &f.0);
        for key in path {
            at = at.and_then(|v| v.get(*key));
        }
        at.is_some()
    };
    latest_other(entries.iter(), |e| {
        matches!(e.subresource.as_deref(), None | Some("") | Some("scale"))
            // The same second as ramp's write counts: owning the field says
            // they changed it (an Update takes over the fields it changes).
            && e.time.as_ref().is_some_and(|t| t.0 >= last_ramp)
            && owns(e)
    })
}

/// ` (changed by WHO)`, when it is known.
fn by(writer: Option<&String>) -> String {
    writer
        .map(|w| format!(" (changed by {w})"))
        .unwrap_or_default()
}

/// Each change someone else made, as a sentence; empty when there is none.
/// Judged at rest (Paused): while a command moves the rollout, its own
/// writes are under way.
pub fn find(record: &Record, seen: &Seen) -> Vec<String> {
    let mut drift = Vec::new();
    if record.phase != Phase::Paused || record.step == 0 {
        return drift;
    }
    let Some(step) = record.steps.get(record.step - 1) else {
        return drift;
    };
    let at = format!("step {}/{}", record.step, record.steps.len());
    let contender_name = record.contender.name.as_str();
    // What the step left, and, when a command stopped half way toward
    // another step, anything between the two: ramp's own unfinished move.
    let toward = record
        .interrupted
        .and_then(|t| t.checked_sub(1))
        .and_then(|t| record.steps.get(t));
    let steps: Vec<&Step> = std::iter::once(step).chain(toward).collect();
    let replicas: Vec<(i32, i32)> = steps.iter().map(|s| step_replicas(s, record)).collect();
    let within = |value: i32, pick: fn(&(i32, i32)) -> i32| {
        let low = replicas.iter().map(pick).min().unwrap_or(0);
        let high = replicas.iter().map(pick).max().unwrap_or(0);
        (low..=high).contains(&value)
    };
    let (contender_wanted, incumbent_wanted) = replicas[0];

    if let Some(started) = &record.incumbent_digest
        && digest(&seen.incumbent.template) != *started
    {
        drift.push(format!(
            "the incumbent's pod template changed (it runs {} now){}",
            shown(&seen.incumbent.template),
            by(seen.incumbent_by.template.as_ref())
        ));
    }
    // Autoscalers choose the replicas of an autoscaled rollout's versions.
    let autoscaled = record.autoscaler.is_some();
    if !within(seen.incumbent.replicas, |r| r.1) && !autoscaled {
        drift.push(format!(
            "the incumbent has {} replicas, not {incumbent_wanted} as {at} left it{}",
            seen.incumbent.replicas,
            by(seen.incumbent_by.replicas.as_ref())
        ));
    }
    match seen.contender {
        None => drift.push(format!("deployment {contender_name} is gone")),
        Some(contender) => {
            if images(&contender.template) != images(&record.contender.template) {
                drift.push(format!(
                    "deployment {contender_name} runs {}, not {} as the rollout made it{}",
                    shown(&contender.template),
                    shown(&record.contender.template),
                    by(seen.contender_by.template.as_ref())
                ));
            }
            if !within(contender.replicas, |r| r.0) && !autoscaled {
                drift.push(format!(
                    "deployment {contender_name} has {} replicas, not {contender_wanted} as {at} left it{}",
                    contender.replicas,
                    by(seen.contender_by.replicas.as_ref())
                ));
            }
        }
    }
    if let (Some(snapshot), Some(now)) = (&record.router.selector, seen.selector) {
        let wanted = snapshot.selector(step.traffic);
        if !steps.iter().any(|s| *now == snapshot.selector(s.traffic)) {
            drift.push(format!(
                "service {} selects {}, not {} as {at} left it{}",
                snapshot.service,
                labels(now),
                labels(&wanted),
                by(seen.selector_by.as_ref())
            ));
        }
    }
    if !record.router.kind.traffic_follows_pods() {
        drift.extend(routes_drift(record, seen, &steps, &at));
    }
    drift
}

/// How the routes ramp shifts differ from what the step (`steps[0]`, or
/// the one ramp's unfinished move went toward) set, each as a sentence.
fn routes_drift(record: &Record, seen: &Seen, steps: &[&Step], at: &str) -> Vec<String> {
    let mut drift = Vec::new();
    let step = steps[0];
    let contender_name = record.contender.name.as_str();
    let wanted = percent(step.traffic.contender, step.traffic.incumbent);
    let accepted: Vec<f64> = steps
        .iter()
        .map(|s| percent(s.traffic.contender, s.traffic.incumbent))
        .collect();
    for (i, (snapshot, now)) in record.router.routes.iter().zip(seen.routes).enumerate() {
        let who = by(seen.routes_by.get(i).and_then(Option::as_ref));
        match now {
            Some(now) if accepted.iter().any(|a| (now - a).abs() < 0.01) => {}
            Some(now) => drift.push(format!(
                "route {} of {:?} sends {now:.0}% to {contender_name}, not {wanted:.0}% as {at} set it{who}",
                snapshot.label(),
                snapshot.object
            )),
            None => drift.push(format!(
                "route {} of {:?} was changed by someone else{who}",
                snapshot.label(),
                snapshot.object
            )),
        }
    }
    drift
}

/// The share of traffic of weights `a` and `b` that goes to `a`.
pub fn percent(a: u32, b: u32) -> f64 {
    match a + b {
        0 => 0.0,
        total => f64::from(a) * 100.0 / f64::from(total),
    }
}

/// A selector as kubectl shows it: `app=web,tier=front`.
fn labels(selector: &std::collections::BTreeMap<String, String>) -> String {
    selector
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join(",")
}

/// A template's images, as people read them.
fn shown(template: &Value) -> String {
    images(template)
        .into_iter()
        .map(|i| i.image)
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rollout::record::RouteSnapshot;
    use crate::rollout::record::tests::sample;
    use serde_json::json;

    fn template(image: &str) -> Value {
        json!({"metadata": {"labels": {"app": "web"}}, "spec": {"containers": [{"name": "web", "image": image}]}})
    }

    fn state(replicas: i32, image: &str) -> DeploymentState {
        DeploymentState {
            replicas,
            ready: replicas,
            updated: replicas,
            total: replicas,
            observed: true,
            template: template(image),
        }
    }

    /// A rollout at step 1/2 (10%) of 4 replicas, with one route.
    fn at_step_one() -> Record {
        let mut record = sample();
        record.contender.template = template("web:2");
        record.incumbent_digest = Some(digest(&template("web:1")));
        record.router.routes = vec![RouteSnapshot {
            object: "web".into(),
            route: "/spec/http/0".into(),
            name: Some("primary".into()),
            original: json!([{"destination": {"host": "web"}}]),
            contender: json!({"destination": {"host": "web-canary"}}),
            empty_lists: Vec::new(),
        }];
        record
    }

    /// A command that stopped half way toward step 2 (a timeout) left
    /// what it did: between what step 1 and step 2 have is ramp's own,
    /// beyond it is someone else's.
    #[test]
    fn an_unfinished_move_of_ramps_own_is_not_drift() {
        let mut record = at_step_one();
        record.interrupted = Some(2);
        let incumbent = state(4, "web:1");
        let seen_in = |record: &Record, contender: &DeploymentState, routes: &[Option<f64>]| {
            let seen = Seen {
                incumbent: &incumbent,
                contender: Some(contender),
                routes,
                incumbent_by: Writers::default(),
                contender_by: Writers::default(),
                routes_by: &[],
                selector: None,
                selector_by: None,
            };
            find(record, &seen)
        };
        let seen = |contender: &DeploymentState, routes: &[Option<f64>]| {
            seen_in(&record, contender, routes)
        };
        let (one, two, three) = (state(1, "web:2"), state(2, "web:2"), state(3, "web:2"));
        let (at_two, at_four) = (state(4, "web:2"), state(5, "web:2"));
        // Step 2/2 of the sample is 100% of 4 replicas.
        assert!(seen(&one, &[Some(10.0)]).is_empty());
        assert!(
            seen(&two, &[Some(10.0)]).is_empty(),
            "scaled up toward step 2"
        );
        assert!(seen(&three, &[Some(10.0)]).is_empty());
        assert!(
            seen(&at_two, &[Some(100.0)]).is_empty(),
            "even the traffic moved"
        );
        assert_eq!(
            seen(&at_four, &[Some(10.0)]),
            ["deployment web-canary has 5 replicas, not 1 as step 1/2 left it"]
        );
        assert_eq!(
            seen(&one, &[Some(50.0)]),
            ["route primary of \"web\" sends 50% to web-canary, not 10% as step 1/2 set it"]
        );
        // Without the interrupted move, the step's own numbers only.
        let mut settled = record.clone();
        settled.interrupted = None;
        assert_eq!(
            seen_in(&settled, &two, &[Some(10.0)]),
            ["deployment web-canary has 2 replicas, not 1 as step 1/2 left it"]
        );
    }

    #[test]
    fn what_someone_else_changed_is_named() {
        let record = at_step_one();
        let (incumbent, contender) = (state(4, "web:1"), state(1, "web:2"));
        let (scaled, changed, evil) =
            (state(5, "web:1"), state(4, "web:1.1"), state(1, "web:evil"));
        let ten = [Some(10.0)];
        let edited = [Some("kubectl-edit at 10:14:34".to_string())];
        let cases: Vec<(Seen, Vec<&str>)> = vec![
            (
                Seen {
                    incumbent: &incumbent,
                    contender: Some(&contender),
                    routes: &ten,
                    incumbent_by: Writers::default(),
                    contender_by: Writers::default(),
                    routes_by: &[],
                    selector: None,
                    selector_by: None,
                },
                vec![],
            ),
            (
                Seen {
                    incumbent: &scaled,
                    contender: Some(&contender),
                    routes: &ten,
                    incumbent_by: Writers::default(),
                    contender_by: Writers::default(),
                    routes_by: &[],
                    selector: None,
                    selector_by: None,
                },
                vec!["the incumbent has 5 replicas, not 4 as step 1/2 left it"],
            ),
            (
                Seen {
                    incumbent: &changed,
                    contender: Some(&contender),
                    routes: &ten,
                    incumbent_by: Writers::default(),
                    contender_by: Writers::default(),
                    routes_by: &[],
                    selector: None,
                    selector_by: None,
                },
                vec!["the incumbent's pod template changed (it runs web:1.1 now)"],
            ),
            (
                Seen {
                    incumbent: &incumbent,
                    contender: Some(&evil),
                    routes: &ten,
                    incumbent_by: Writers::default(),
                    contender_by: Writers::default(),
                    routes_by: &[],
                    selector: None,
                    selector_by: None,
                },
                vec!["deployment web-canary runs web:evil, not web:2 as the rollout made it"],
            ),
            (
                Seen {
                    incumbent: &incumbent,
                    contender: Some(&contender),
                    routes: &[Some(30.0)],
                    incumbent_by: Writers::default(),
                    contender_by: Writers::default(),
                    routes_by: &edited,
                    selector: None,
                    selector_by: None,
                },
                vec![
                    "route primary of \"web\" sends 30% to web-canary, not 10% as step 1/2 set it (changed by kubectl-edit at 10:14:34)",
                ],
            ),
            (
                Seen {
                    incumbent: &incumbent,
                    contender: None,
                    routes: &ten,
                    incumbent_by: Writers::default(),
                    contender_by: Writers::default(),
                    routes_by: &[],
                    selector: None,
                    selector_by: None,
                },
                vec!["deployment web-canary is gone"],
            ),
        ];
        for (seen, wanted) in cases {
            assert_eq!(find(&record, &seen), wanted);
        }
        // Autoscalers choose the replicas of an autoscaled rollout: the
        // incumbent's at 5 and the contender's at 3 are theirs.
        let mut autoscaled = record.clone();
        autoscaled.autoscaler = Some(crate::rollout::autoscale::Autoscaler {
            name: "web".into(),
            min: 2,
            max: 6,
        });
        let more = state(3, "web:2");
        let seen = Seen {
            incumbent: &scaled,
            contender: Some(&more),
            routes: &ten,
            incumbent_by: Writers::default(),
            contender_by: Writers::default(),
            routes_by: &[],
            selector: None,
            selector_by: None,
        };
        assert_eq!(find(&autoscaled, &seen), Vec::<String>::new());
    }

    #[test]
    fn a_selector_changed_by_someone_else_is_named() {
        let mut record = at_step_one();
        record.router.kind = crate::rollout::model::RouterKind::Replicas;
        record.router.routes = Vec::new();
        // Staging: one contender pod, no traffic.
        record.steps = crate::rollout::strategy::Strategy::named("vanguard")
            .unwrap()
            .steps;
        record.router.selector = Some(crate::rollout::record::SelectorSnapshot {
            service: "web".into(),
            original: std::collections::BTreeMap::from([("app".into(), "web".into())]),
            incumbent_hash: "5d8f".into(),
            resource_version: None,
        });
        let (incumbent, contender) = (state(4, "web:1"), state(1, "web:2"));
        let narrowed = std::collections::BTreeMap::from([
            ("app".to_string(), "web".to_string()),
            ("pod-template-hash".to_string(), "5d8f".to_string()),
        ]);
        let widened = std::collections::BTreeMap::from([("app".to_string(), "web".to_string())]);
        let seen = |selector| Seen {
            incumbent: &incumbent,
            contender: Some(&contender),
            routes: &[],
            incumbent_by: Writers::default(),
            contender_by: Writers::default(),
            routes_by: &[],
            selector: Some(selector),
            selector_by: Some("kubectl-edit at 10:14:34".into()),
        };
        assert!(find(&record, &seen(&narrowed)).is_empty());
        assert_eq!(
            find(&record, &seen(&widened)),
            [
                "service web selects app=web, not app=web,pod-template-hash=5d8f as step 1/3 left it (changed by kubectl-edit at 10:14:34)"
            ]
        );
    }

    #[test]
    fn the_writer_is_whoever_wrote_after_ramp() {
        let meta = |entries: serde_json::Value| -> k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta {
            serde_json::from_value(json!({"name": "web", "managedFields": entries})).unwrap()
        };
        let entry = |manager: &str, time: &str| json!({"manager": manager, "operation": "Update", "time": time});
        let status = json!({"manager": "kube-controller-manager", "operation": "Update", "time": "2026-11-27T10:20:00Z", "subresource": "status"});
        let cases: Vec<(serde_json::Value, Option<&str>)> = vec![
            (
                json!([
                    entry("kubectl-client-side-apply", "2026-11-27T10:00:00Z"),
                    entry("kubectl-ramp", "2026-11-27T10:01:00Z"),
                    entry("kubectl-set", "2026-11-27T10:02:03Z"),
                    status
                ]),
                Some("kubectl-set at 10:02:03"),
            ),
            // Before ramp's write, or the same second: not named.
            (
                json!([
                    entry("kubectl-client-side-apply", "2026-11-27T10:01:00Z"),
                    entry("kubectl-ramp", "2026-11-27T10:01:00Z"),
                    status
                ]),
                None,
            ),
            // Never written by ramp: nothing to compare with.
            (
                json!([entry("argocd-controller", "2026-11-27T10:05:00Z")]),
                None,
            ),
        ];
        for (entries, wanted) in cases {
            assert_eq!(
                writer(&meta(entries.clone())).as_deref(),
                wanted,
                "{entries}"
            );
        }
    }

    #[test]
    fn each_field_names_the_manager_that_owns_it() {
        let meta: k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta =
            serde_json::from_value(json!({"name": "web", "managedFields": [
                {"manager": "kubectl-ramp", "operation": "Update", "time": "2026-11-27T10:01:00Z",
                 "fieldsType": "FieldsV1", "fieldsV1": {"f:metadata": {"f:annotations": {}}}},
                {"manager": "alice", "operation": "Update", "time": "2026-11-27T10:02:00Z",
                 "fieldsType": "FieldsV1", "fieldsV1": {"f:spec": {"f:replicas": {}}}},
                {"manager": "kubectl-set", "operation": "Update", "time": "2026-11-27T10:03:00Z",
                 "fieldsType": "FieldsV1", "fieldsV1": {"f:spec": {"f:template": {"f:spec": {}}}}},
                {"manager": "kube-controller-manager", "operation": "Update", "time": "2026-11-27T10:04:00Z",
                 "subresource": "status", "fieldsType": "FieldsV1", "fieldsV1": {"f:status": {}}},
            ]}))
            .unwrap();
        assert_eq!(
            Writers::of(&meta),
            Writers {
                template: Some("kubectl-set at 10:03:00".into()),
                replicas: Some("alice at 10:02:00".into()),
            }
        );
        // `kubectl scale` writes the replicas through the scale subresource.
        let scaled: k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta =
            serde_json::from_value(json!({"name": "web", "managedFields": [
                {"manager": "kubectl-ramp", "operation": "Update", "time": "2026-11-27T10:01:00Z",
                 "fieldsType": "FieldsV1", "fieldsV1": {"f:spec": {"f:replicas": {}}}},
                {"manager": "kubectl", "operation": "Update", "time": "2026-11-27T10:02:00Z",
                 "subresource": "scale", "fieldsType": "FieldsV1", "fieldsV1": {"f:spec": {"f:replicas": {}}}},
            ]}))
            .unwrap();
        assert_eq!(
            Writers::of(&scaled),
            Writers {
                template: None,
                replicas: Some("kubectl at 10:02:00".into()),
            }
        );
    }

    #[test]
    fn a_rollout_on_the_move_or_ended_is_not_judged() {
        let (incumbent, contender) = (state(9, "web:x"), state(9, "web:y"));
        let seen = Seen {
            incumbent: &incumbent,
            contender: Some(&contender),
            routes: &[None],
            incumbent_by: Writers::default(),
            contender_by: Writers::default(),
            routes_by: &[],
            selector: None,
            selector_by: None,
        };
        for phase in [
            Phase::Progressing,
            Phase::Promoting,
            Phase::Succeeded,
            Phase::Aborted,
        ] {
            let mut record = at_step_one();
            record.phase = phase;
            assert!(find(&record, &seen).is_empty(), "{phase:?}");
        }
    }
}
