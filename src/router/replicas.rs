//! The replicas router: no mesh. One Service selects the pods of both
//! versions, so the traffic each gets is its share of the ready pods. A
//! step's traffic percentage becomes the contender's replica count that
//! comes closest to it beside the incumbent's pods.

use futures::future::BoxFuture;

use super::{Choice, Chosen, Objects, Router, RouterKind, Routing, ServiceRef};
use crate::connect::Connection;
use crate::error::{Error, Result};
use crate::rollout::capacity::{Counts, counts};
use crate::rollout::plan::RouteState;
use crate::rollout::record::{Header, RouterRecord};
use crate::rollout::strategy::{Split, Step};

/// The replicas router: nothing to weigh; the planner sizes the two
/// Deployments so that the ready pods give the split.
pub struct Replicas;

pub static ROUTER: Replicas = Replicas;

impl Router for Replicas {
    fn choose<'a>(
        &'a self,
        _conn: &'a Connection,
        choice: &'a Choice<'a>,
        steps: &'a [Step],
        replicas: i32,
        header: Option<&'a Header>,
    ) -> BoxFuture<'a, Result<Chosen>> {
        Box::pin(async move {
            check_steps(&choice.incumbent.name, steps, replicas)?;
            if header.is_some() {
                return Err(Error::invalid("routing by header needs the istio or gateway-api router")
                    .with_hint("without a mesh every ready pod behind the Service gets its share of requests, whatever their headers"));
            }
            Ok(Chosen {
                routes: Vec::new(),
                api_version: None,
                objects: Objects::new(),
            })
        })
    }

    fn observe<'a>(
        &'a self,
        _conn: &'a Connection,
        _router: &'a RouterRecord,
        _known: &'a mut Objects,
    ) -> BoxFuture<'a, Result<Vec<RouteState>>> {
        Box::pin(async { Ok(Vec::new()) })
    }

    fn set_weights<'a>(
        &'a self,
        _conn: &'a Connection,
        _router: &'a RouterRecord,
        _split: Split,
        _dry_run: bool,
        _known: &'a mut Objects,
    ) -> BoxFuture<'a, Result<()>> {
        Box::pin(async { Ok(()) })
    }

    fn restore<'a>(
        &'a self,
        _conn: &'a Connection,
        _router: &'a RouterRecord,
        _dry_run: bool,
        _known: &'a mut Objects,
    ) -> BoxFuture<'a, Result<()>> {
        Box::pin(async { Ok(()) })
    }

    fn routing<'a>(
        &'a self,
        _conn: &'a Connection,
        _router: &'a RouterRecord,
        _incumbent: &'a ServiceRef,
        _contender: &'a ServiceRef,
    ) -> BoxFuture<'a, Result<Routing>> {
        Box::pin(async {
            Ok(Routing {
                router: RouterKind::Replicas,
                routes: Vec::new(),
            })
        })
    }

    fn routing_of(
        &self,
        _router: &RouterRecord,
        _known: &Objects,
        _incumbent: &ServiceRef,
        _contender: &ServiceRef,
    ) -> Routing {
        Routing {
            router: RouterKind::Replicas,
            routes: Vec::new(),
        }
    }

    /// Pod ratios rarely give the exact percentage: say what was reached.
    fn reached(&self, step: &Step, replicas: i32) -> Option<String> {
        let counts = counts(step, replicas);
        Some(format!(
            "asked {}%, reached {} of {} ready pods = {}",
            step.traffic.contender,
            counts.contender,
            counts.contender + counts.incumbent,
            crate::ui::status::percent(counts.reached())
        ))
    }
}

/// Refuses, before anything changes, a strategy the replicas router cannot
/// carry out on `base` replicas, saying what is possible instead.
pub fn check_steps(deployment: &str, steps: &[Step], base: i32) -> Result<()> {
    for (i, step) in steps.iter().enumerate() {
        let at = format!("step {} ({:?})", i + 1, step.name);
        let counts = counts(step, base);
        if step.traffic.contender == 0 && step.capacity.contender > 0 {
            return Err(Error::invalid(format!(
                "the replicas router cannot run contender pods without traffic ({at}): the Service sends requests to every ready pod"
            ))
            .with_hint("use a strategy whose steps give the contender traffic whenever it has pods, or route with Istio or the Gateway API"));
        }
        if step.traffic.contender > 0 && counts.contender == 0 {
            let one = Counts {
                incumbent: counts.incumbent,
                contender: 1,
            };
            let p = step.traffic.contender;
            let needed = (100 - p).div_ceil(p);
            return Err(Error::invalid(format!(
                "the replicas router cannot send {p}% of traffic to the contender with {base} replicas ({at}): one contender pod beside {} would take {}",
                counts.incumbent,
                crate::ui::status::percent(one.reached())
            ))
            .with_hint(format!(
                "scale deployment {deployment} to at least {needed} replicas, ask for {} with --steps, or route with Istio or the Gateway API",
                crate::ui::status::percent(one.reached())
            )));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rollout::capacity::split;
    use crate::rollout::strategy::{Split, Strategy};

    fn canary(percent: u32) -> Step {
        Step {
            name: format!("{percent}%"),
            capacity: Split {
                contender: percent,
                incumbent: 100,
            },
            traffic: Split {
                contender: percent,
                incumbent: 100 - percent,
            },
        }
    }

    /// For every size from 1 to 50 and many percentages, the contender count
    /// is the one whose share is closest to the asked percentage.
    #[test]
    fn the_contender_count_comes_closest_to_the_asked_share() {
        for base in 1..=50 {
            for percent in [1, 5, 10, 20, 25, 30, 33, 40, 50, 60, 75, 90, 99] {
                let counts = counts(&canary(percent), base);
                assert_eq!(counts.incumbent, base);
                let share = |c: i32| f64::from(c) * 100.0 / f64::from(base + c);
                let error = |c: i32| (share(c) - f64::from(percent)).abs();
                let best = (0..=base * 100)
                    .min_by(|a, b| error(*a).total_cmp(&error(*b)))
                    .unwrap();
                assert!(
                    (error(counts.contender) - error(best)).abs() < 1e-9,
                    "{percent}% of {base}: chose {} ({:.2}%), best {best} ({:.2}%)",
                    counts.contender,
                    share(counts.contender),
                    share(best)
                );
            }
        }
    }

    #[test]
    fn counts_for_typical_steps() {
        let cases = [
            (10, 10, (10, 1), 9.1),
            (25, 3, (3, 1), 25.0),
            (50, 4, (4, 4), 50.0),
            (100, 4, (0, 4), 100.0),
            (20, 1, (1, 0), 0.0),
        ];
        for (percent, base, (incumbent, contender), reached) in cases {
            let counts = counts(&canary(percent), base);
            assert_eq!(
                (counts.incumbent, counts.contender),
                (incumbent, contender),
                "{percent}% of {base}"
            );
            assert_eq!(counts.reached(), reached, "{percent}% of {base}");
        }
    }

    #[test]
    fn ten_percent_of_one_replica_says_what_is_possible() {
        let steps = Strategy::from_percentages("10,100").unwrap().steps;
        let err = check_steps("web", &steps, 1).unwrap_err();
        assert_eq!(err.kind, crate::error::Kind::Invalid);
        assert_eq!(
            err.message,
            "the replicas router cannot send 10% of traffic to the contender with 1 replicas (step 1 (\"10%\")): one contender pod beside 1 would take 50%"
        );
        assert_eq!(
            err.hint.as_deref(),
            Some(
                "scale deployment web to at least 9 replicas, ask for 50% with --steps, or route with Istio or the Gateway API"
            )
        );
        check_steps("web", &steps, 9).unwrap();
    }

    #[test]
    fn steps_without_traffic_but_with_pods_are_refused() {
        let steps = Strategy::named("vanguard").unwrap().steps;
        let err = check_steps("web", &steps, 4).unwrap_err();
        assert!(
            err.message
                .contains("cannot run contender pods without traffic (step 1 (\"staging\"))"),
            "{err}"
        );
    }

    #[test]
    fn traffic_follows_the_ratio_of_ready_pods() {
        let cases = [
            ((3, 0), (100.0, 0.0)),
            ((10, 1), (90.9, 9.1)),
            ((1, 1), (50.0, 50.0)),
            ((0, 4), (0.0, 100.0)),
            ((2, 1), (66.7, 33.3)),
            ((0, 0), (100.0, 0.0)),
        ];
        for ((incumbent, contender), expected) in cases {
            assert_eq!(
                split(incumbent, contender),
                expected,
                "{incumbent}+{contender}"
            );
        }
    }
}
