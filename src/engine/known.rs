//! What an executor knows of a rollout's objects besides the two
//! Deployments (which its watches follow): read at its first look, then
//! kept up with what it wrote itself. Nothing here talks to the cluster.

use std::time::Instant;

use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::Service;

use crate::rollout::plan::{self, Action, RouteState};
use crate::rollout::record::Record;
use crate::router::Objects;

/// An autoscaler as known: not read yet, none there, or there with these
/// bounds (min, max).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Scaler {
    #[default]
    Unread,
    Absent,
    Bounds(i32, i32),
}

impl Scaler {
    /// As read: `None` when there is none.
    pub fn read(bounds: Option<(i32, i32)>) -> Scaler {
        match bounds {
            Some((min, max)) => Scaler::Bounds(min, max),
            None => Scaler::Absent,
        }
    }

    pub fn unread(self) -> bool {
        self == Scaler::Unread
    }

    /// Its bounds, when it is known to be there.
    pub fn bounds(self) -> Option<(i32, i32)> {
        match self {
            Scaler::Bounds(min, max) => Some((min, max)),
            _ => None,
        }
    }
}

/// What an executor knows beyond the Deployments.
#[derive(Default)]
pub struct Known {
    /// The contender is known not to exist (`start` just looked) until
    /// this command creates it: its watch starts from the creation.
    pub contender_absent: bool,
    /// Whether the contender's Service is there and ramp's, once read.
    pub contender_service: Option<bool>,
    /// The uid of the contender's Service when it is ramp's: it is
    /// deleted only as exactly that object.
    pub contender_service_uid: Option<String>,
    /// The contender's autoscaler, when the incumbent is autoscaled.
    pub contender_autoscaler: Scaler,
    /// The user's autoscaler of the incumbent, when the rollout has one
    /// (absent: it is gone).
    pub user_autoscaler: Scaler,
    /// Objects of someone else's that have the contender's names, already
    /// told of: ramp leaves them.
    pub foreign: Vec<&'static str>,
    /// Where each route stands, once read.
    pub routes: Option<Vec<RouteState>>,
    /// The routing objects as last read or written.
    pub route_objects: Objects,
    /// The incumbent's Service, once read.
    pub incumbent_service: Option<Service>,
    /// In a dry run, the incumbent as read at the first look.
    pub dry_incumbent: Option<Deployment>,
    /// The data plane has caught up with the routes as this command last
    /// wrote them (see `World::settled`); not known at first.
    pub settled: bool,
    /// When this command last wrote the routes.
    pub routes_written: Option<Instant>,
}

impl Known {
    /// Forgets what someone else may have changed since: the contender's
    /// Service and autoscaler and the routes are read again at the next
    /// look.
    pub fn forget(&mut self) {
        self.contender_service = None;
        self.contender_autoscaler = Scaler::Unread;
        self.routes = None;
        self.route_objects.clear();
    }

    /// Knows that neither the contender nor its Service nor its autoscaler
    /// exists (`start` looked, to take nothing over).
    pub fn no_contender(&mut self) {
        self.contender_absent = true;
        self.contender_service = Some(false);
        self.contender_autoscaler = Scaler::Absent;
    }

    /// What `action`, done for `record`'s rollout, changed of the
    /// contender's Service and autoscaler and of the routes.
    pub fn remember(&mut self, action: &Action, record: &Record, now: Instant) {
        let count = record.router.managed();
        match action {
            Action::CreateContenderService => self.contender_service = Some(true),
            Action::DeleteContenderService => self.contender_service = Some(false),
            Action::SetWeights(split) => {
                let route = plan::route_for(record, *split);
                self.routes = Some(vec![route; count]);
                self.routes_written = Some(now);
                self.settled = false;
            }
            Action::RestoreRoutes => {
                self.routes = Some(vec![RouteState::Original; count]);
                self.routes_written = Some(now);
                self.settled = false;
            }
            Action::WaitSettled => self.settled = true,
            Action::SetContenderAutoscaler(min, max) => {
                self.contender_autoscaler = Scaler::Bounds(*min, *max);
            }
            Action::DeleteContenderAutoscaler => self.contender_autoscaler = Scaler::Absent,
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rollout::record::tests::sample;
    use crate::rollout::strategy::Split;

    #[test]
    fn an_action_done_is_known_without_reading_it_again() {
        let record = sample();
        let count = record.router.managed();
        let now = Instant::now();
        let split = Split {
            incumbent: 50,
            contender: 50,
        };
        type Holds = Box<dyn Fn(&Known) -> bool>;
        let cases: Vec<(Action, Holds)> = vec![
            (
                Action::CreateContenderService,
                Box::new(|k| k.contender_service == Some(true)),
            ),
            (
                Action::DeleteContenderService,
                Box::new(|k| k.contender_service == Some(false)),
            ),
            (
                Action::SetWeights(split),
                Box::new(move |k| {
                    k.routes == Some(vec![plan::route_for(&sample(), split); count])
                        && k.routes_written == Some(now)
                        && !k.settled
                }),
            ),
            (
                Action::RestoreRoutes,
                Box::new(move |k| {
                    k.routes == Some(vec![RouteState::Original; count]) && !k.settled
                }),
            ),
            (Action::WaitSettled, Box::new(|k| k.settled)),
            (
                Action::SetContenderAutoscaler(2, 5),
                Box::new(|k| k.contender_autoscaler.bounds() == Some((2, 5))),
            ),
            (
                Action::DeleteContenderAutoscaler,
                Box::new(|k| k.contender_autoscaler == Scaler::Absent),
            ),
        ];
        for (action, holds) in cases {
            let mut known = Known {
                settled: true,
                ..Default::default()
            };
            known.remember(&action, &record, now);
            assert!(holds(&known), "{action:?}");
        }
    }

    #[test]
    fn forgetting_reads_what_others_may_change_again_and_keeps_the_rest() {
        let mut known = Known::default();
        known.no_contender();
        known.foreign.push("service");
        known.forget();
        assert!(known.contender_service.is_none());
        assert!(known.contender_autoscaler.unread());
        assert!(known.routes.is_none());
        // Someone else's objects stay told of; the contender stays absent.
        assert_eq!(known.foreign, ["service"]);
        assert!(known.contender_absent);
    }

    #[test]
    fn an_autoscaler_is_unread_absent_or_bounded() {
        assert_eq!(Scaler::read(None), Scaler::Absent);
        assert_eq!(Scaler::read(Some((1, 4))).bounds(), Some((1, 4)));
        assert!(Scaler::default().unread());
        assert_eq!(Scaler::Absent.bounds(), None);
    }
}
