//! The automation's decisions, as pure functions of what the records say
//! and the time: when the next check is due, what a round of checks leads
//! to, when to promote, roll back, or leave the rollout to a person. The
//! driver (commands/run.rs) only observes, asks, and does; it never decides.
//!
//! One rollout may span several clusters (one record each); they move in
//! lock-step, so every decision looks at all of them. One cluster is the
//! case of one.

use super::record::{Automation, Phase, Record};
use crate::analysis::Check;
use crate::error::Kind;

/// What the driver needs to know of the settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Settings {
    /// How long each step runs before it is checked, in milliseconds.
    pub interval_ms: i64,
    /// Failed rounds at one step before the rollback.
    pub failure_limit: u32,
    /// Inconclusive rounds in a row that count as a failure.
    pub inconclusive_limit: u32,
    /// Promote after the last step passed; otherwise leave it for a person.
    pub promote: bool,
    /// Prometheus' scrape interval, in milliseconds, when metrics are
    /// checked (else 0): a step is first checked once it has run for three
    /// of them, so that the window read holds two scrapes taken since its
    /// traffic began, and the last one is queryable.
    pub scrape_ms: i64,
}

/// One cluster's record, as the decision sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct View {
    pub phase: Phase,
    /// The step reached, from 1.
    pub step: usize,
    pub total: usize,
    /// When the rollout last changed (the step was reached), in ms since
    /// the epoch.
    pub changed_ms: Option<i64>,
    /// When it was last checked, in ms since the epoch.
    pub checked_ms: Option<i64>,
    /// Who asked the automation to pause, when someone did.
    pub paused_by: Option<String>,
}

/// Failure and inconclusive counters of the current step. Kept in every
/// cluster's record, so that a driver started anew goes on counting.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Counters {
    pub failures: u32,
    pub inconclusive: u32,
}

/// What the driver does next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Next {
    /// Every cluster runs the new version.
    Succeeded,
    /// Someone aborted the rollout (on these clusters): the rest go back too.
    AbortedElsewhere(Vec<usize>),
    /// A command was interrupted on these clusters: finish it first.
    Finish(Vec<usize>),
    /// Some clusters were promoted (a driver stopped half way): promote
    /// these too.
    PromoteRest(Vec<usize>),
    /// Clusters stand at different steps: bring these to `target` first.
    CatchUp { clusters: Vec<usize>, target: usize },
    /// Nothing to do before this moment (ms since the epoch).
    WaitUntil(i64),
    /// Check every cluster now.
    Check,
    /// Someone paused the automation: stop, leaving the rollout as it is.
    Paused(String),
    /// The checks had already failed as often as allowed when the last
    /// driver stopped before rolling back: roll back now.
    RollBack,
}

/// The next thing to do, from the records of every cluster, the counters
/// they keep, and the time.
pub fn next(settings: &Settings, views: &[View], counters: Counters, now_ms: i64) -> Next {
    let indices = |keep: &dyn Fn(&View) -> bool| -> Vec<usize> {
        views
            .iter()
            .enumerate()
            .filter(|(_, v)| keep(v))
            .map(|(i, _)| i)
            .collect()
    };
    if views.iter().all(|v| v.phase == Phase::Succeeded) {
        return Next::Succeeded;
    }
    let aborted = indices(&|v| matches!(v.phase, Phase::Aborted | Phase::Idle));
    if !aborted.is_empty() {
        return Next::AbortedElsewhere(aborted);
    }
    if let Some(by) = views.iter().find_map(|v| v.paused_by.clone()) {
        return Next::Paused(by);
    }
    if counters.failures >= settings.failure_limit {
        return Next::RollBack;
    }
    let unfinished = indices(&|v| matches!(v.phase, Phase::Progressing | Phase::Promoting));
    if !unfinished.is_empty() {
        return Next::Finish(unfinished);
    }
    if views.iter().any(|v| v.phase == Phase::Succeeded) {
        return Next::PromoteRest(indices(&|v| v.phase != Phase::Succeeded));
    }
    let highest = views.iter().map(|v| v.step).max().unwrap_or(0);
    let behind = indices(&|v| v.phase == Phase::Paused && v.step < highest);
    if !behind.is_empty() {
        return Next::CatchUp {
            clusters: behind,
            target: highest,
        };
    }
    // Due once the step has run for the interval since it was reached or
    // last checked, whichever is later, on the cluster that moved last.
    let since = views
        .iter()
        .flat_map(|v| [v.changed_ms, v.checked_ms])
        .flatten()
        .max()
        .unwrap_or(now_ms);
    let reached = views.iter().filter_map(|v| v.changed_ms).max();
    let due = since
        .saturating_add(settings.interval_ms)
        .max(reached.map_or(i64::MIN, |r| {
            r.saturating_add(settings.scrape_ms.saturating_mul(3))
        }));
    if due > now_ms {
        return Next::WaitUntil(due);
    }
    Next::Check
}

/// The verdict of one round of checks on one cluster.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Round {
    Pass,
    /// Too little traffic to judge.
    Inconclusive,
    /// What failed, in the user's words.
    Fail(Vec<String>),
}

/// What a round of checks leads to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The step passed: the next step.
    Advance,
    /// The last step passed: the promotion.
    Promote,
    /// The last step passed and promotion is left to a person.
    LeaveForPerson,
    /// Nothing settled: check again after the interval.
    Again,
    /// The step passed, but a freeze holds the move: stay, check again
    /// after the interval, the failures of the step still counted.
    Held,
    /// Roll every cluster back, for this reason.
    RollBack(String),
}

/// Judges a round of checks (one per cluster, labelled for messages) and
/// the step gates (`None` when they were not asked because a check did not
/// pass; a list of failures otherwise). Returns the counters to keep and
/// the outcome. A failed gate counts as a failed check. `held`: a freeze
/// holds the rollout at its step, so a pass does not move it on, and
/// counts as nothing but the end of a row of inconclusive rounds.
pub fn judge(
    settings: &Settings,
    counters: Counters,
    rounds: &[(Option<&str>, Round)],
    gates: Option<&[String]>,
    at_last_step: bool,
    held: bool,
) -> (Counters, Outcome) {
    let mut failed: Vec<String> = Vec::new();
    let mut inconclusive = false;
    for (label, round) in rounds {
        match round {
            Round::Pass => {}
            Round::Inconclusive => inconclusive = true,
            Round::Fail(reasons) => failed.extend(reasons.iter().map(|r| match label {
                Some(label) => format!("{label}: {r}"),
                None => r.clone(),
            })),
        }
    }
    if let Some(gates) = gates {
        failed.extend(gates.iter().cloned());
    }
    let mut next = counters;
    if failed.is_empty() && inconclusive {
        next.inconclusive += 1;
        if next.inconclusive <= settings.inconclusive_limit {
            return (next, Outcome::Again);
        }
        failed.push(format!(
            "the analysis was inconclusive {} times in a row",
            next.inconclusive
        ));
    }
    if !failed.is_empty() {
        // Inconclusive rounds count in a row: a failure ends the row.
        if !inconclusive || next.inconclusive > settings.inconclusive_limit {
            next.inconclusive = 0;
        }
        next.failures += 1;
        if next.failures >= settings.failure_limit {
            return (next, Outcome::RollBack(failed.join("; ")));
        }
        return (next, Outcome::Again);
    }
    let moves_on = !at_last_step || settings.promote;
    if held && moves_on {
        return (
            Counters {
                failures: counters.failures,
                inconclusive: 0,
            },
            Outcome::Held,
        );
    }
    // A pass: the next step starts counting afresh.
    let outcome = match (at_last_step, settings.promote) {
        (false, _) => Outcome::Advance,
        (true, true) => Outcome::Promote,
        (true, false) => Outcome::LeaveForPerson,
    };
    (Counters::default(), outcome)
}

/// The window the metrics are read over: as given, or the interval, but
/// never shorter than two scrapes (a rate needs two samples).
pub fn metric_window(interval_s: u64, window_s: Option<u64>, scrape_s: Option<u64>) -> u64 {
    window_s.unwrap_or_else(|| interval_s.max(2 * scrape_s.unwrap_or(0)).max(1))
}

/// How long a driver rides out an API server it cannot reach, unless
/// `--outage-limit` says otherwise: longer than a managed control plane's
/// own upgrade usually keeps it away.
pub const DEFAULT_OUTAGE_LIMIT_S: u64 = 300;

/// What a driver does while the API server cannot be reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outage {
    /// Try again after this many milliseconds.
    RetryIn(u64),
    /// The outage has lasted the limit: stop, the rollout left where it is.
    GiveUp,
}

/// After the `tries`th failure in a row of an outage that began at
/// `since_ms`: a pause that grows (1 s, 2 s, 4 s, then 5 s), never past the
/// limit, and then no more.
pub fn outage(since_ms: i64, now_ms: i64, limit_ms: i64, tries: u32) -> Outage {
    let elapsed = now_ms.saturating_sub(since_ms).max(0);
    let left = limit_ms.saturating_sub(elapsed);
    if left <= 0 {
        return Outage::GiveUp;
    }
    let pause = 1_000i64 << tries.saturating_sub(1).min(3);
    Outage::RetryIn(pause.min(5_000).min(left) as u64)
}

/// Where a step command takes a rollout.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Move {
    /// To this step, from 1.
    Step(usize),
    /// Past the last step: the promotion.
    Promote,
}

/// Where `step` takes a rollout in `phase` at step `at` of `total`, on its
/// way to `target`: to `to` when asked (a step it has), else an
/// interrupted move is finished first, past the last step there is only
/// the promotion, and otherwise the next step.
pub fn next_move(phase: Phase, at: usize, target: usize, total: usize, to: Option<usize>) -> Move {
    match to {
        Some(to) => Move::Step(to),
        None if phase == Phase::Progressing => Move::Step(target),
        None if at >= total => Move::Promote,
        None => Move::Step(at + 1),
    }
}

/// The record as a move to step `target` begins: the move's intent, and a
/// new step counting its own failed and inconclusive checks.
pub fn moving(record: &Record, target: usize) -> Record {
    let mut next = record.clone();
    next.phase = Phase::Progressing;
    next.target = target;
    if let Some(automation) = next.automation.as_mut() {
        automation.failures = 0;
        automation.inconclusive = 0;
    }
    next
}

/// How many checks a record keeps: the last ones, which tell how the
/// step went.
pub const KEPT_CHECKS: usize = 20;

/// The automation as a round of checks leaves it: the round's checks
/// added (the oldest dropped past `KEPT_CHECKS`), the counters as judged,
/// and why the rollout is held at its step, when it is.
pub fn after_round(
    mut automation: Automation,
    checks: &[Check],
    counters: Counters,
    held: Option<String>,
) -> Automation {
    automation.checks.extend(checks.iter().cloned());
    let excess = automation.checks.len().saturating_sub(KEPT_CHECKS);
    automation.checks.drain(..excess);
    automation.failures = counters.failures;
    automation.inconclusive = counters.inconclusive;
    automation.held = held;
    automation
}

/// What the driver does when a step (not its checks) failed on a cluster.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StepFailed {
    /// Stop, the error said, for a person to look.
    Stop,
    /// Roll every cluster back: they move in lock-step.
    RollBack,
}

/// On one cluster, or when someone else's doing stopped the step (a
/// conflict with another writer, drift), the driver stops and says so; a
/// step that failed otherwise on one of several clusters rolls them all
/// back.
pub fn after_failed_step(clusters: usize, kind: Kind) -> StepFailed {
    match clusters == 1 || matches!(kind, Kind::Conflict | Kind::Drift) {
        true => StepFailed::Stop,
        false => StepFailed::RollBack,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn where_a_step_goes() {
        use Phase::*;
        let cases = [
            // phase, at, target, total, --to, goes to
            (Paused, 1, 1, 3, None, Move::Step(2)),
            (Paused, 2, 2, 3, None, Move::Step(3)),
            (Paused, 3, 3, 3, None, Move::Promote),
            // An interrupted move is finished first.
            (Progressing, 1, 2, 3, None, Move::Step(2)),
            (Progressing, 3, 3, 3, None, Move::Step(3)),
            // --to goes where it says, back or forth.
            (Paused, 3, 3, 3, Some(1), Move::Step(1)),
            (Progressing, 1, 2, 3, Some(3), Move::Step(3)),
        ];
        for (phase, at, target, total, to, expected) in cases {
            assert_eq!(
                next_move(phase, at, target, total, to),
                expected,
                "{phase:?} at {at} to {target} of {total}, --to {to:?}"
            );
        }
    }

    fn automation(checks: Vec<Check>) -> Automation {
        Automation {
            failures: 2,
            inconclusive: 1,
            checks,
            ..Automation::defaults()
        }
    }

    fn check(n: usize) -> Check {
        Check {
            at: "2026-12-04T10:00:00Z".into(),
            name: format!("c{n}"),
            query: None,
            value: None,
            incumbent: None,
            threshold: String::new(),
            verdict: crate::analysis::Verdict::Pass,
            message: String::new(),
        }
    }

    #[test]
    fn a_move_writes_its_intent_and_starts_the_steps_counters_anew() {
        let mut record = crate::rollout::record::tests::sample();
        record.phase = Phase::Paused;
        record.step = 1;
        record.target = 1;
        record.automation = Some(automation(Vec::new()));
        let next = moving(&record, 2);
        assert_eq!(
            (next.phase, next.step, next.target),
            (Phase::Progressing, 1, 2)
        );
        let automation = next.automation.unwrap();
        assert_eq!((automation.failures, automation.inconclusive), (0, 0));
        // A person's rollout has no counters to reset.
        record.automation = None;
        assert_eq!(moving(&record, 2).automation, None);
    }

    #[test]
    fn a_round_keeps_the_last_checks_and_its_counters() {
        let cases = [
            // checks kept before, checks of the round, kept after, the first kept
            (0, 2, 2, "c0"),
            (18, 2, 20, "c0"),
            (19, 3, 20, "c2"),
            (20, 1, 20, "c1"),
        ];
        for (before, round, kept, first) in cases {
            let automation = automation((0..before).map(check).collect());
            let checks: Vec<Check> = (before..before + round).map(check).collect();
            let counters = Counters {
                failures: 1,
                inconclusive: 2,
            };
            let after = after_round(automation, &checks, counters, Some("a freeze".into()));
            assert_eq!(after.checks.len(), kept, "{before} + {round}");
            assert_eq!(after.checks[0].name, first, "{before} + {round}");
            assert_eq!(
                after.checks.last().unwrap().name,
                format!("c{}", before + round - 1)
            );
            assert_eq!((after.failures, after.inconclusive), (1, 2));
            assert_eq!(after.held.as_deref(), Some("a freeze"));
        }
    }

    #[test]
    fn a_failed_step_stops_for_a_person_or_rolls_every_cluster_back() {
        use Kind::*;
        let cases = [
            (1, Failed, StepFailed::Stop),
            (1, TimedOut, StepFailed::Stop),
            (3, Conflict, StepFailed::Stop),
            (3, Drift, StepFailed::Stop),
            (3, Failed, StepFailed::RollBack),
            (3, TimedOut, StepFailed::RollBack),
            (2, Unreachable, StepFailed::RollBack),
        ];
        for (clusters, kind, expected) in cases {
            assert_eq!(
                after_failed_step(clusters, kind),
                expected,
                "{kind:?} on one of {clusters}"
            );
        }
    }

    #[test]
    fn an_outage_is_ridden_out_with_growing_pauses_until_its_limit() {
        let limit = 300_000;
        let cases = [
            // (since, now, tries) -> outcome
            (0, 0, 1, Outage::RetryIn(1_000)),
            (0, 1_000, 2, Outage::RetryIn(2_000)),
            (0, 3_000, 3, Outage::RetryIn(4_000)),
            (0, 7_000, 4, Outage::RetryIn(5_000)),
            (0, 60_000, 40, Outage::RetryIn(5_000)),
            // Never past the limit: the last pause ends at it.
            (0, 298_500, 90, Outage::RetryIn(1_500)),
            (0, 300_000, 91, Outage::GiveUp),
            (0, 400_000, 92, Outage::GiveUp),
            // A limit of 0 gives up at once.
            (5_000, 5_000, 1, Outage::GiveUp),
        ];
        for (since, now, tries, want) in cases {
            let limit = if since == 5_000 { 0 } else { limit };
            assert_eq!(
                outage(since, now, limit, tries),
                want,
                "{since} {now} {tries}"
            );
        }
        // Huge numbers do not overflow.
        assert_eq!(
            outage(i64::MAX - 1, i64::MAX, i64::MAX, u32::MAX),
            Outage::RetryIn(5_000)
        );
    }

    const SETTINGS: Settings = Settings {
        interval_ms: 2_000,
        failure_limit: 2,
        inconclusive_limit: 1,
        promote: true,
        scrape_ms: 0,
    };

    fn view(phase: Phase, step: usize) -> View {
        View {
            phase,
            step,
            total: 3,
            changed_ms: Some(10_000),
            checked_ms: None,
            paused_by: None,
        }
    }

    #[test]
    fn what_comes_next() {
        let paused = |step| view(Phase::Paused, step);
        let checked = |at| View {
            checked_ms: Some(at),
            ..paused(1)
        };
        let cases: Vec<(&str, Vec<View>, i64, Next)> = vec![
            (
                "all promoted",
                vec![view(Phase::Succeeded, 3); 2],
                0,
                Next::Succeeded,
            ),
            (
                "aborted on one: the others go back",
                vec![paused(1), view(Phase::Aborted, 1)],
                0,
                Next::AbortedElsewhere(vec![1]),
            ),
            (
                "paused by a person",
                vec![View {
                    paused_by: Some("ana".into()),
                    ..paused(1)
                }],
                0,
                Next::Paused("ana".into()),
            ),
            (
                "an interrupted step is finished",
                vec![paused(1), view(Phase::Progressing, 2)],
                0,
                Next::Finish(vec![1]),
            ),
            (
                "promoted on one: the rest are promoted",
                vec![view(Phase::Succeeded, 3), paused(3)],
                0,
                Next::PromoteRest(vec![1]),
            ),
            (
                "one left behind catches up",
                vec![paused(2), paused(1), paused(2)],
                0,
                Next::CatchUp {
                    clusters: vec![1],
                    target: 2,
                },
            ),
            (
                "not yet: due to the millisecond",
                vec![paused(1)],
                11_999,
                Next::WaitUntil(12_000),
            ),
            ("due", vec![paused(1)], 12_000, Next::Check),
            (
                "a check restarts the interval",
                vec![checked(13_000)],
                14_000,
                Next::WaitUntil(15_000),
            ),
            (
                "the cluster that moved last sets the time",
                vec![
                    paused(1),
                    View {
                        changed_ms: Some(11_000),
                        ..paused(1)
                    },
                ],
                12_500,
                Next::WaitUntil(13_000),
            ),
            (
                "the last step is checked like any other",
                vec![paused(3)],
                12_000,
                Next::Check,
            ),
        ];
        for (what, views, now, expected) in cases {
            assert_eq!(
                next(&SETTINGS, &views, Counters::default(), now),
                expected,
                "{what}"
            );
        }
    }

    #[test]
    fn a_step_is_first_checked_once_its_window_holds_two_scrapes_of_it() {
        // 1 s scrapes, checks every 2 s: the step reached at 10 s is first
        // checked at 13 s (two scrapes since, and the last one stored).
        let settings = Settings {
            scrape_ms: 1_000,
            ..SETTINGS
        };
        let reached = View {
            phase: Phase::Paused,
            step: 1,
            total: 3,
            changed_ms: Some(10_000),
            checked_ms: None,
            paused_by: None,
        };
        let cases: Vec<(&str, View, i64, Next)> = vec![
            (
                "the interval is not enough",
                reached.clone(),
                12_000,
                Next::WaitUntil(13_000),
            ),
            (
                "three scrapes since the step",
                reached.clone(),
                13_000,
                Next::Check,
            ),
            (
                "later checks of the step keep the interval",
                View {
                    checked_ms: Some(13_000),
                    ..reached.clone()
                },
                15_000,
                Next::Check,
            ),
        ];
        for (what, view, now, expected) in cases {
            assert_eq!(
                next(&settings, &[view], Counters::default(), now),
                expected,
                "{what}"
            );
        }
        // Scrapes far apart never shorten the interval.
        let slow = Settings {
            scrape_ms: 100,
            interval_ms: 60_000,
            ..SETTINGS
        };
        assert_eq!(
            next(&slow, &[reached], Counters::default(), 11_000),
            Next::WaitUntil(70_000)
        );
    }

    #[test]
    fn what_comes_next_after_a_driver_stopped() {
        let paused = |step| view(Phase::Paused, step);
        // A driver stopped after the checks had failed as often as allowed,
        // before its rollback: the next one rolls back at once.
        let failed = Counters {
            failures: 2,
            inconclusive: 0,
        };
        assert_eq!(next(&SETTINGS, &[paused(1)], failed, 0), Next::RollBack);
        let once = Counters {
            failures: 1,
            inconclusive: 0,
        };
        assert_eq!(
            next(&SETTINGS, &[paused(1)], once, 0),
            Next::WaitUntil(12_000)
        );
    }

    #[test]
    fn what_a_round_of_checks_leads_to() {
        let fail = |r: &str| Round::Fail(vec![r.to_string()]);
        let zero = Counters::default();
        let once = Counters {
            failures: 1,
            inconclusive: 0,
        };
        let unsure = Counters {
            failures: 0,
            inconclusive: 1,
        };
        let gate_failed = ["webhook load-test answered 503".to_string()];
        type Case<'a> = (
            &'a str,
            Counters,
            Vec<(Option<&'a str>, Round)>,
            Option<&'a [String]>,
            bool,
            Counters,
            Outcome,
        );
        let cases: Vec<Case> = vec![
            (
                "a pass advances",
                once,
                vec![(None, Round::Pass)],
                Some(&[]),
                false,
                zero,
                Outcome::Advance,
            ),
            (
                "a pass at the last step promotes",
                zero,
                vec![(None, Round::Pass)],
                Some(&[]),
                true,
                zero,
                Outcome::Promote,
            ),
            (
                "the first failure waits for the limit",
                zero,
                vec![(None, fail("rate is 70"))],
                None,
                false,
                once,
                Outcome::Again,
            ),
            (
                "the failure at the limit rolls back, naming the cluster",
                once,
                vec![(Some("c1"), Round::Pass), (Some("c2"), fail("rate is 70"))],
                None,
                false,
                Counters {
                    failures: 2,
                    inconclusive: 0,
                },
                Outcome::RollBack("c2: rate is 70".into()),
            ),
            (
                "a failed gate counts as a failed check",
                once,
                vec![(None, Round::Pass)],
                Some(&gate_failed),
                false,
                Counters {
                    failures: 2,
                    inconclusive: 0,
                },
                Outcome::RollBack("webhook load-test answered 503".into()),
            ),
            (
                "inconclusive waits",
                zero,
                vec![(None, Round::Inconclusive)],
                None,
                false,
                unsure,
                Outcome::Again,
            ),
            (
                "inconclusive past its limit is a failure",
                Counters {
                    failures: 1,
                    inconclusive: 1,
                },
                vec![(None, Round::Inconclusive)],
                None,
                false,
                Counters {
                    failures: 2,
                    inconclusive: 0,
                },
                Outcome::RollBack("the analysis was inconclusive 2 times in a row".into()),
            ),
            (
                "a failure ends a row of inconclusive rounds",
                unsure,
                vec![(None, fail("p99 is 900"))],
                None,
                false,
                once,
                Outcome::Again,
            ),
            (
                "a failure anywhere outweighs inconclusive elsewhere",
                zero,
                vec![
                    (Some("c1"), Round::Inconclusive),
                    (Some("c2"), fail("p99 is 900")),
                ],
                None,
                false,
                once,
                Outcome::Again,
            ),
        ];
        for (what, counters, rounds, gates, last, kept, outcome) in cases {
            assert_eq!(
                judge(&SETTINGS, counters, &rounds, gates, last, false),
                (kept, outcome),
                "{what}"
            );
        }
        let person = Settings {
            promote: false,
            ..SETTINGS
        };
        assert_eq!(
            judge(
                &person,
                zero,
                &[(None, Round::Pass)],
                Some(&[]),
                true,
                false
            )
            .1,
            Outcome::LeaveForPerson
        );
    }

    #[test]
    fn a_pass_under_a_freeze_holds_and_keeps_the_failures_of_the_step() {
        let pass = [(None, Round::Pass)];
        let failed_once = Counters {
            failures: 1,
            inconclusive: 1,
        };
        let kept = Counters {
            failures: 1,
            inconclusive: 0,
        };
        for last in [false, true] {
            assert_eq!(
                judge(&SETTINGS, failed_once, &pass, Some(&[]), last, true),
                (kept, Outcome::Held),
                "last step: {last}"
            );
        }
        // A failure under a freeze counts as ever: the limit rolls back.
        assert_eq!(
            judge(
                &SETTINGS,
                failed_once,
                &[(None, Round::Fail(vec!["p99 is 900".into()]))],
                None,
                false,
                true
            )
            .1,
            Outcome::RollBack("p99 is 900".into())
        );
        // Left for a person: no move to hold.
        let person = Settings {
            promote: false,
            ..SETTINGS
        };
        assert_eq!(
            judge(&person, failed_once, &pass, Some(&[]), true, true),
            (Counters::default(), Outcome::LeaveForPerson)
        );
    }

    #[test]
    fn the_metric_window_covers_two_scrapes() {
        let cases = [
            // interval, window flag, scrape interval -> window
            (60, None, Some(15), 60),
            (1, None, Some(1), 2),
            (1, None, Some(15), 30),
            (10, Some(5), Some(15), 5),
            (4, None, None, 4),
        ];
        for (interval, window, scrape, expected) in cases {
            assert_eq!(
                metric_window(interval, window, scrape),
                expected,
                "{interval} {window:?} {scrape:?}"
            );
        }
    }
}
