//! Capacity arithmetic: how many pods of each version a step asks for,
//! and, without a mesh, what share of the traffic ready pods give.

use super::strategy::Step;

/// Replicas for a capacity percentage of `base`: at least one pod when the
/// percentage is above 0.
pub fn replicas_for(percent: u32, base: i32) -> i32 {
    if percent == 0 {
        return 0;
    }
    let wanted = (i64::from(percent) * i64::from(base.max(0)) + 99) / 100;
    (wanted as i32).max(1)
}

/// The replicas of each version at one step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Counts {
    pub incumbent: i32,
    pub contender: i32,
}

impl Counts {
    /// The contender's share of the traffic these pods give, in percent.
    pub fn reached(self) -> f64 {
        split(self.incumbent.max(0) as u32, self.contender.max(0) as u32).1
    }
}

/// The replica counts whose ready pods come closest to the step's traffic.
/// The incumbent keeps the capacity the step gives it, and none when it is
/// to get no traffic.
pub fn counts(step: &Step, base: i32) -> Counts {
    let incumbent = match step.traffic.incumbent {
        0 => 0,
        _ => replicas_for(step.capacity.incumbent, base),
    };
    let contender = match step.traffic.contender {
        0 => 0,
        100 => base.max(1),
        p => closest(p, incumbent),
    };
    Counts {
        incumbent,
        contender,
    }
}

/// The contender count whose share beside `incumbent` pods is closest to
/// `percent`. The exact count, p * i / (100 - p), lies between two whole
/// numbers; the nearer share of the two wins, the smaller on a tie.
fn closest(percent: u32, incumbent: i32) -> i32 {
    let (p, i) = (f64::from(percent), f64::from(incumbent.max(0)));
    let exact = p * i / (100.0 - p);
    let share = |c: f64| {
        if i + c == 0.0 {
            0.0
        } else {
            c * 100.0 / (i + c)
        }
    };
    let (low, high) = (exact.floor(), exact.ceil());
    let best = if (share(high) - p).abs() < (share(low) - p).abs() {
        high
    } else {
        low
    };
    best as i32
}

/// The percentages of traffic the incumbent and the contender receive when
/// a Service spreads requests evenly over their ready pods.
pub fn split(incumbent_ready: u32, contender_ready: u32) -> (f64, f64) {
    let total = incumbent_ready + contender_ready;
    if total == 0 {
        // Nothing is ready: nothing is served. Report the incumbent as
        // holding the traffic it will get back once its pods are ready.
        return (100.0, 0.0);
    }
    let contender = round_percent(f64::from(contender_ready) * 100.0 / f64::from(total));
    (round_percent(100.0 - contender), contender)
}

/// Rounds a percentage to one decimal, as reports show it.
pub fn round_percent(value: f64) -> f64 {
    (value * 10.0).round() / 10.0
}
