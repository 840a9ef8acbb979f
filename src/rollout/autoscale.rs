//! Rollouts of a Deployment that a HorizontalPodAutoscaler scales. No IO.
//!
//! ramp never fights the autoscaler: it never writes the incumbent's
//! replicas nor its autoscaler, and it lowers no autoscaled capacity (a
//! Deployment scaled to 0 is one its autoscaler stops scaling). The
//! contender gets an autoscaler of its own, a copy of the user's whose
//! bounds follow the step's capacity; it goes with the contender.

use std::collections::BTreeMap;

use k8s_openapi::api::autoscaling::v2::HorizontalPodAutoscaler;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use serde::{Deserialize, Serialize};

use super::capacity::{counts, replicas_for};
use super::contender::stamp;
use super::model::RouterKind;
use super::strategy::Step;
use crate::error::{Error, Result};

/// The user's autoscaler of the incumbent, as the rollout found it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Autoscaler {
    pub name: String,
    pub min: i32,
    pub max: i32,
}

/// The autoscaler (autoscaling/v2) that scales the Deployment `name`, if any.
pub fn of<'a>(
    autoscalers: &'a [HorizontalPodAutoscaler],
    name: &str,
) -> Option<&'a HorizontalPodAutoscaler> {
    autoscalers.iter().find(|hpa| {
        hpa.spec.as_ref().is_some_and(|spec| {
            let target = &spec.scale_target_ref;
            target.kind == "Deployment"
                && target.name == name
                && target
                    .api_version
                    .as_deref()
                    .is_none_or(|v| v.starts_with("apps/"))
        })
    })
}

/// What the rollout keeps of the user's autoscaler.
pub fn kept(hpa: &HorizontalPodAutoscaler) -> Autoscaler {
    let spec = hpa.spec.clone().unwrap_or_default();
    let min = spec.min_replicas.unwrap_or(1);
    Autoscaler {
        name: hpa.metadata.name.clone().unwrap_or_default(),
        min,
        max: spec.max_replicas.max(min),
    }
}

/// How a router gives each version its traffic: by weights, or by the ratio
/// of ready pods; `narrowed` when, with pods, the Service's selector is
/// narrowed to one version at 0% and 100% (ramp records the selector), so
/// that there the capacity is the step's, as with weights.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Routing {
    pub kind: RouterKind,
    pub narrowed: bool,
}

impl Routing {
    /// Whether the pods' ratio gives the step's traffic.
    fn by_pods(self, step: &Step) -> bool {
        self.kind.traffic_follows_pods()
            && !(self.narrowed && matches!(step.traffic.contender, 0 | 100))
    }
}

/// The contender's pods at a step when the incumbent counts `base`.
fn contender_at(step: &Step, routing: Routing, base: i32) -> i32 {
    match routing.by_pods(step) {
        true => counts(step, base).contender,
        false => replicas_for(step.capacity.contender, base),
    }
}

/// The incumbent's pods at a step when it counts `base`.
fn incumbent_at(step: &Step, routing: Routing, base: i32) -> i32 {
    match routing.by_pods(step) {
        true => counts(step, base).incumbent,
        false => replicas_for(step.capacity.incumbent, base),
    }
}

/// Refuses steps that would lower the autoscaled incumbent's capacity: its
/// autoscaler would undo it, or stop scaling it at 0 pods.
pub fn check(
    deployment: &str,
    autoscaler: &Autoscaler,
    steps: &[Step],
    routing: Routing,
    base: i32,
) -> Result<()> {
    let Some((index, step, pods)) = steps.iter().enumerate().find_map(|(i, step)| {
        let pods = incumbent_at(step, routing, base);
        (pods < base).then_some((i + 1, step, pods))
    }) else {
        return Ok(());
    };
    let hint = match routing.kind.traffic_follows_pods() && !routing.narrowed {
        true => {
            "without a mesh the traffic follows the pods, so the contender cannot have all of it while the incumbent keeps its pods: end the steps below 100% (e.g. --steps 10,50) and `promote`, which hands the incumbent the new version under its own autoscaler"
        }
        false => {
            "keep the incumbent's capacity at 100% in every step (the canary and blue-green presets do)"
        }
    };
    Err(Error::invalid(format!(
        "step {index}/{} ({}) gives deployment {deployment:?} {pods} of its {base} pods, but HorizontalPodAutoscaler {:?} scales it: ramp does not lower an autoscaled Deployment's capacity",
        steps.len(),
        step.name,
        autoscaler.name
    ))
    .with_hint(hint))
}

/// The contender autoscaler's bounds at a step, None when the step gives
/// the contender no pods: the user's bounds scaled to the step's share, the
/// lower one no less than the share of the incumbent's replicas at the
/// start (`base`), so that the contender holds its share before traffic
/// moves.
pub fn bounds(
    step: &Step,
    routing: Routing,
    base: i32,
    autoscaler: &Autoscaler,
) -> Option<(i32, i32)> {
    let wanted = contender_at(step, routing, base);
    if wanted == 0 {
        return None;
    }
    let low = contender_at(step, routing, autoscaler.min).max(1);
    let high = contender_at(step, routing, autoscaler.max).max(low);
    Some((wanted.clamp(low, high), high))
}

/// The contender autoscaler's bounds while the contender carries all the
/// traffic, at the promotion: the user's own, the lower one the incumbent's
/// replicas at the start.
pub fn full(base: i32, autoscaler: &Autoscaler) -> (i32, i32) {
    // Never panics, even on bounds a record edited by hand might hold
    // (Record::check refuses those).
    let low = autoscaler.min.max(1);
    let high = autoscaler.max.max(low);
    (base.clamp(low, high), high)
}

/// Whether bounds `wanted` raise either of those `seen` (or there are none
/// yet): raised before the contender's pods are waited for, lowered after
/// the traffic moved.
pub fn raises(seen: Option<(i32, i32)>, wanted: (i32, i32)) -> bool {
    seen.is_none_or(|(min, max)| min < wanted.0 || max < wanted.1)
}

/// The contender's autoscaler: a copy of the user's (metrics, behavior)
/// scaling the contender Deployment `contender` within `bounds`, marked as
/// ramp's.
pub fn for_contender(
    user: &HorizontalPodAutoscaler,
    contender: &str,
    namespace: &str,
    incumbent: (&str, &str),
    rollout: Option<&str>,
    bounds: (i32, i32),
) -> HorizontalPodAutoscaler {
    let mut spec = user.spec.clone().unwrap_or_default();
    spec.scale_target_ref.name = contender.to_string();
    spec.min_replicas = Some(bounds.0);
    spec.max_replicas = bounds.1;
    let (labels, annotations) = stamp(BTreeMap::new(), incumbent.0, incumbent.1, rollout);
    HorizontalPodAutoscaler {
        metadata: ObjectMeta {
            name: Some(contender.to_string()),
            namespace: Some(namespace.to_string()),
            labels: Some(labels),
            annotations: Some(annotations),
            ..Default::default()
        },
        spec: Some(spec),
        status: None,
    }
}

/// The bounds of an autoscaler as read.
pub fn bounds_of(hpa: &HorizontalPodAutoscaler) -> Option<(i32, i32)> {
    let spec = hpa.spec.as_ref()?;
    Some((spec.min_replicas.unwrap_or(1), spec.max_replicas))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::rollout::strategy::{Split, Strategy};

    fn hpa(target: &str, min: Option<i32>, max: i32) -> HorizontalPodAutoscaler {
        serde_json::from_value(json!({
            "metadata": {"name": format!("{target}-hpa"), "namespace": "shop", "labels": {"team": "a"}},
            "spec": {
                "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": target},
                "minReplicas": min, "maxReplicas": max,
                "metrics": [{"type": "Resource", "resource": {"name": "cpu",
                    "target": {"type": "Utilization", "averageUtilization": 60}}}]
            }
        }))
        .unwrap()
    }

    fn step(contender: u32, incumbent_capacity: u32) -> Step {
        Step {
            name: format!("{contender}%"),
            capacity: Split {
                contender,
                incumbent: incumbent_capacity,
            },
            traffic: Split {
                contender,
                incumbent: 100 - contender,
            },
            mirror: None,
        }
    }

    const USERS: Autoscaler = Autoscaler {
        name: String::new(),
        min: 2,
        max: 10,
    };

    #[test]
    fn the_autoscaler_of_this_deployment_is_found() {
        let all = [hpa("api", Some(1), 3), hpa("web", None, 6)];
        let found = of(&all, "web").unwrap();
        assert_eq!(
            kept(found),
            Autoscaler {
                name: "web-hpa".into(),
                min: 1,
                max: 6
            }
        );
        assert!(of(&all[..1], "web").is_none());
    }

    #[test]
    fn the_contenders_bounds_follow_the_steps_capacity() {
        // (step's contender %, router, base, expected bounds)
        let cases = [
            // 10% of 2..10 is 1..1; of the 4 pods at the start, 1.
            (10, RouterKind::Istio, 4, Some((1, 1))),
            // 50%: 1..5, and at least half of the 4 pods there were.
            (50, RouterKind::Istio, 4, Some((2, 5))),
            // The autoscaler had scaled the incumbent to 10: 5 of them.
            (50, RouterKind::Istio, 10, Some((5, 5))),
            (100, RouterKind::Istio, 4, Some((4, 10))),
            // No traffic and no capacity: no pods, no autoscaler.
            (0, RouterKind::Istio, 4, None),
            // Without a mesh the count gives the share: 1 beside 4 is 20%.
            (20, RouterKind::Replicas, 4, Some((1, 3))),
            (50, RouterKind::Replicas, 4, Some((4, 10))),
        ];
        for (percent, router, base, expected) in cases {
            let mut autoscaler = USERS;
            autoscaler.name = "web-hpa".into();
            let routing = Routing {
                kind: router,
                narrowed: false,
            };
            assert_eq!(
                bounds(&step(percent, 100), routing, base, &autoscaler),
                expected,
                "{percent}% with {router:?} from {base}"
            );
        }
        assert_eq!(full(4, &USERS), (4, 10));
        assert_eq!(full(12, &USERS), (10, 10));
        // Bounds no autoscaler has (a record edited by hand) do not panic.
        let upside_down = Autoscaler {
            name: "web".into(),
            min: 9,
            max: 5,
        };
        assert_eq!(full(4, &upside_down), (9, 9));
    }

    #[test]
    fn bounds_are_raised_before_the_wait_and_lowered_after_the_traffic() {
        let cases = [
            (None, (1, 1), true),
            (Some((1, 1)), (2, 5), true),
            (Some((2, 5)), (2, 6), true),
            (Some((2, 5)), (2, 5), false),
            (Some((4, 10)), (2, 5), false),
        ];
        for (seen, wanted, expected) in cases {
            assert_eq!(raises(seen, wanted), expected, "{seen:?} -> {wanted:?}");
        }
    }

    #[test]
    fn steps_that_lower_an_autoscaled_incumbent_are_refused() {
        let autoscaler = Autoscaler {
            name: "web-hpa".into(),
            min: 2,
            max: 10,
        };
        let istio = Routing {
            kind: RouterKind::Istio,
            narrowed: false,
        };
        let pods = Routing {
            kind: RouterKind::Replicas,
            narrowed: false,
        };
        let narrowed = Routing {
            kind: RouterKind::Replicas,
            narrowed: true,
        };
        let canary = Strategy::named("canary").unwrap().steps;
        assert!(check("web", &autoscaler, &canary, istio, 4).is_ok());
        let lowered = [step(10, 100), step(50, 50)];
        let err = check("web", &autoscaler, &lowered, istio, 4).unwrap_err();
        assert_eq!(
            err.message,
            "step 2/2 (50%) gives deployment \"web\" 2 of its 4 pods, but HorizontalPodAutoscaler \"web-hpa\" scales it: ramp does not lower an autoscaled Deployment's capacity"
        );
        // Without a mesh all the traffic on the contender means no pods
        // for the incumbent.
        let err = check("web", &autoscaler, &canary, pods, 4).unwrap_err();
        assert!(err.message.contains("0 of its 4 pods"), "{}", err.message);
        assert!(err.hint.unwrap().contains("--steps 10,50"));
        let short = [step(10, 100), step(50, 100)];
        assert!(check("web", &autoscaler, &short, pods, 4).is_ok());
        // With the selector narrowed to the contender at 100%, the
        // incumbent keeps its pods there.
        assert!(check("web", &autoscaler, &canary, narrowed, 4).is_ok());
        // And a staging step (1 pod, no traffic) gives the contender its
        // capacity, not the pods' share of no traffic.
        let staging = Step {
            name: "staging".into(),
            capacity: Split {
                contender: 25,
                incumbent: 100,
            },
            traffic: Split {
                contender: 0,
                incumbent: 100,
            },
            mirror: None,
        };
        assert_eq!(bounds(&staging, narrowed, 4, &autoscaler), Some((1, 3)));
        assert_eq!(bounds(&staging, pods, 4, &autoscaler), None);
    }

    #[test]
    fn the_contenders_autoscaler_copies_the_users_for_the_contender() {
        let user = hpa("web", Some(2), 10);
        let made = for_contender(
            &user,
            "web-canary",
            "canaries",
            ("shop", "web"),
            Some("0a1b2c3d4e"),
            (2, 5),
        );
        let spec = made.spec.clone().unwrap();
        assert_eq!(spec.scale_target_ref.name, "web-canary");
        assert_eq!(spec.scale_target_ref.kind, "Deployment");
        assert_eq!((spec.min_replicas, spec.max_replicas), (Some(2), 5));
        assert_eq!(spec.metrics, user.spec.unwrap().metrics);
        assert_eq!(made.metadata.namespace.as_deref(), Some("canaries"));
        assert!(crate::rollout::contender::owned(
            &made.metadata,
            "shop",
            "web",
            None
        ));
        assert_eq!(bounds_of(&made), Some((2, 5)));
    }
}
