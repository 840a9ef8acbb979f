//! Statistical judging, as Kayenta's NetflixACAJudge does it: each
//! metric's samples of the contender against the incumbent's, classified
//! High, Low or Pass by a Mann-Whitney U test and the size of the effect;
//! the classifications scored by group into one score of 0-100; and the
//! score judged against a pass and a marginal threshold. Pure: samples in,
//! classifications and scores out.

use super::mannwhitney::{self, Shift};

/// Which way a change of the metric is a failure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// Only higher is worse (latency, errors).
    Increase,
    /// Only lower is worse (throughput, successes).
    Decrease,
    Either,
}

/// What to do with the samples that are not numbers (NaN).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Nans {
    /// Leave them out; a metric left with no samples has no data.
    Remove,
    /// Count them as 0; a metric without samples passes.
    Replace,
}

/// How one metric is judged.
#[derive(Debug, Clone, PartialEq)]
pub struct Judging {
    pub direction: Direction,
    /// The confidence of the interval the test gives (0.98 by default).
    pub confidence: f64,
    /// The effect (the contender's mean over the incumbent's) a High needs
    /// to reach, and a Low to go under: 1.1 allows 10% more.
    pub allowed_increase: f64,
    pub allowed_decrease: f64,
    /// A critical metric fails the whole judgement when it is High or Low
    /// past these effects (or has no data).
    pub critical: bool,
    pub critical_increase: f64,
    pub critical_decrease: f64,
    /// Without data the metric fails its group (instead of being left out).
    pub must_have_data: bool,
    pub nans: Nans,
    /// Leave out the samples past the fences of Tukey's test, widened to the
    /// 1st and 99th percentiles: this many interquartile ranges beyond the
    /// quartiles (3.0 as Kayenta's default); `None` keeps them all.
    pub outliers: Option<f64>,
}

impl Default for Judging {
    fn default() -> Self {
        Judging {
            direction: Direction::Either,
            confidence: 0.98,
            allowed_increase: 1.0,
            allowed_decrease: 1.0,
            critical: false,
            critical_increase: 1.0,
            critical_decrease: 1.0,
            must_have_data: false,
            nans: Nans::Remove,
            outliers: None,
        }
    }
}

/// A metric's classification.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Class {
    Pass,
    High,
    Low,
    /// No samples: the metric is left out of its group's score.
    NoData,
    /// No samples of a metric that must have data: it fails its group.
    NoDataFail,
}

/// How one metric was judged, for the transcript.
#[derive(Debug, Clone, PartialEq)]
pub struct Judged {
    pub class: Class,
    /// Whether the metric fails the whole judgement.
    pub critical: bool,
    /// Why, when it is not a plain Pass.
    pub reason: Option<String>,
    /// The contender's mean over the incumbent's (NaN when a mean is 0).
    pub effect: f64,
    /// The two-sided p-value of the U test, when it ran.
    pub p: Option<f64>,
    /// The shift of the contender from the incumbent, with its interval.
    pub shift: Option<Shift>,
}

impl Judged {
    fn plain(class: Class, critical: bool, reason: Option<String>) -> Judged {
        Judged {
            class,
            critical,
            reason,
            effect: 1.0,
            p: None,
            shift: None,
        }
    }
}

/// The `p`th percentile of `values`, as R's type 7 (and numpy's default)
/// estimates it between two samples; NaN for no samples.
pub fn percentile(values: &[f64], p: f64) -> f64 {
    if values.is_empty() {
        return f64::NAN;
    }
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let h = (sorted.len() - 1) as f64 * p / 100.0;
    let (low, high) = (h.floor() as usize, h.ceil() as usize);
    sorted[low] + (h - low as f64) * (sorted[high] - sorted[low])
}

/// `values` without the outliers past `factor` interquartile ranges from
/// the quartiles (the fences widened to the 1st and 99th percentiles).
pub fn without_outliers(values: &[f64], factor: f64) -> Vec<f64> {
    let (q1, q3) = (percentile(values, 25.0), percentile(values, 75.0));
    let iqr = q3 - q1;
    let low = (q1 - factor * iqr).min(percentile(values, 1.0));
    let high = (q3 + factor * iqr).max(percentile(values, 99.0));
    values
        .iter()
        .copied()
        .filter(|v| *v >= low && *v <= high)
        .collect()
}

/// The samples as they are judged: NaNs removed or replaced, then the
/// outliers left out when asked.
pub fn prepared(values: &[f64], judging: &Judging) -> Vec<f64> {
    let numbers: Vec<f64> = match judging.nans {
        Nans::Remove => values.iter().copied().filter(|v| !v.is_nan()).collect(),
        Nans::Replace => values
            .iter()
            .map(|v| if v.is_nan() { 0.0 } else { *v })
            .collect(),
    };
    match judging.outliers {
        Some(factor) => without_outliers(&numbers, factor),
        None => numbers,
    }
}

/// The contender's mean over the incumbent's; NaN when either is 0.
pub fn mean_ratio(incumbent: &[f64], contender: &[f64]) -> f64 {
    let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
    let (i, c) = (mean(incumbent), mean(contender));
    match i == 0.0 || c == 0.0 {
        true => f64::NAN,
        false => c / i,
    }
}

/// Classifies the contender's samples of one metric against the
/// incumbent's (both already `prepared`): High when the whole interval of
/// the shift lies above a quarter of its estimate and the effect reaches
/// the allowed increase, Low likewise below, else Pass.
pub fn classify(incumbent: &[f64], contender: &[f64], judging: &Judging) -> Judged {
    if incumbent.is_empty() || contender.is_empty() {
        let reason = Some("no samples of one version".to_string());
        return match (judging.nans, judging.must_have_data, judging.critical) {
            (Nans::Replace, _, _) => Judged::plain(Class::Pass, false, None),
            (Nans::Remove, true, false) => Judged::plain(Class::NoDataFail, false, reason),
            (Nans::Remove, _, critical) => Judged::plain(Class::NoData, critical, reason),
        };
    }
    let sorted = |v: &[f64]| {
        let mut v = v.to_vec();
        v.sort_by(f64::total_cmp);
        v
    };
    if sorted(incumbent) == sorted(contender) {
        let reason = Some("the two versions' samples are the same".to_string());
        return Judged::plain(Class::Pass, false, reason);
    }
    let first = incumbent[0];
    if incumbent.iter().chain(contender).all(|v| *v == first) {
        return Judged::plain(Class::Pass, false, None);
    }
    let effect = mean_ratio(incumbent, contender);
    let p = mannwhitney::u_test(contender, incumbent).map(|t| t.p);
    let Ok(shift) = mannwhitney::shift(contender, incumbent, judging.confidence) else {
        // Every sample tied, within each version: the values above tell.
        return Judged::plain(Class::Pass, false, None);
    };
    let class = class_of(&shift, effect, judging);
    let critical = judging.critical
        && match class {
            Class::High => effect.is_nan() || effect >= judging.critical_increase,
            Class::Low => effect.is_nan() || effect <= judging.critical_decrease,
            _ => false,
        };
    let reason = match class {
        Class::High | Class::Low => Some(format!(
            "{}{}: the contender's mean is {:.3} times the incumbent's",
            if class == Class::High { "High" } else { "Low" },
            if critical { " (critical)" } else { "" },
            effect
        )),
        _ => None,
    };
    Judged {
        class,
        critical,
        reason,
        effect,
        p,
        shift: Some(shift),
    }
}

/// High, Low or Pass from the shift's interval (as Kayenta orders its
/// ends) against bounds of a quarter of the estimate, and the effect
/// against what is allowed (an effect that cannot be computed is no
/// obstacle).
fn class_of(shift: &Shift, effect: f64, judging: &Judging) -> Class {
    let bound = 0.25 * shift.estimate.abs();
    let (lower, upper) = shift.interval;
    let up = matches!(judging.direction, Direction::Increase | Direction::Either);
    let down = matches!(judging.direction, Direction::Decrease | Direction::Either);
    if up && lower > bound && (effect.is_nan() || effect >= judging.allowed_increase) {
        return Class::High;
    }
    if down && upper < -bound && (effect.is_nan() || effect <= judging.allowed_decrease) {
        return Class::Low;
    }
    Class::Pass
}

/// A group's score: the share of its judged metrics that passed, 0-100;
/// `None` when none of them had data.
pub fn group_score(classes: &[Class]) -> Option<f64> {
    let count = |c: Class| classes.iter().filter(|x| **x == c).count() as f64;
    let pass = count(Class::Pass);
    let total = pass + count(Class::High) + count(Class::Low) + count(Class::NoDataFail);
    (total > 0.0).then(|| pass / total * 100.0)
}

/// A group of metrics: its name, its weight, and its metrics' judgements.
pub type Group<'a> = (&'a str, Option<f64>, Vec<&'a Judged>);

/// The judgement's score of 0-100, with why it is 0 when it is: a critical
/// metric failed, or half of the metrics or more had no data. `groups`:
/// each group's name, weight (`None`: an equal share of what the weighted
/// groups leave of 100) and its metrics' judgements.
pub fn score(groups: &[Group]) -> (f64, Option<String>) {
    let all: Vec<&Judged> = groups.iter().flat_map(|g| g.2.iter().copied()).collect();
    if let Some(failed) = all.iter().find(|j| j.critical && j.class != Class::Pass) {
        let why = failed.reason.clone().unwrap_or_else(|| "no data".into());
        return (0.0, Some(format!("a critical metric failed: {why}")));
    }
    let no_data = all.iter().filter(|j| j.class == Class::NoData).count();
    if !all.is_empty() && no_data * 2 >= all.len() {
        return (0.0, Some("half of the metrics or more had no data".into()));
    }
    let weighted: f64 = groups.iter().filter_map(|g| g.1).sum();
    let unweighted = groups.iter().filter(|g| g.1.is_none()).count();
    let share = match unweighted {
        0 => 0.0,
        n => (100.0 - weighted) / n as f64,
    };
    let total: f64 = groups
        .iter()
        .map(|(_, weight, judged)| {
            let classes: Vec<Class> = judged.iter().map(|j| j.class).collect();
            // A group without data counts as passed.
            let score = group_score(&classes).unwrap_or(100.0);
            score * weight.unwrap_or(share) / 100.0
        })
        .sum();
    ((total * 100.0).round() / 100.0, None)
}

/// What a score means for the rollout.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// At least the pass threshold: go on.
    Pass,
    /// Between the two: inconclusive, look again.
    Marginal,
    /// Under the marginal threshold: roll back.
    Fail,
}

/// The score against the pass and the marginal thresholds.
pub fn verdict(score: f64, pass: f64, marginal: f64) -> Verdict {
    match score {
        s if s >= pass => Verdict::Pass,
        s if s >= marginal => Verdict::Marginal,
        _ => Verdict::Fail,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// numpy 2's `percentile` (linear, R's type 7) of the same samples.
    #[test]
    fn percentiles_are_rs_type_seven() {
        let values = [15.0, 20.0, 35.0, 40.0, 50.0];
        let cases = [
            (0.0, 15.0),
            (25.0, 20.0),
            (40.0, 29.0),
            (50.0, 35.0),
            (99.0, 49.6),
            (100.0, 50.0),
        ];
        for (p, want) in cases {
            assert!((percentile(&values, p) - want).abs() < 1e-9, "{p}");
        }
        assert!(percentile(&[], 50.0).is_nan());
    }

    #[test]
    fn outliers_are_left_out_past_the_widened_fences() {
        let mut values: Vec<f64> = (1..=100).map(f64::from).collect();
        values.push(1000.0);
        let kept = without_outliers(&values, 3.0);
        assert_eq!(kept.len(), 100, "only the 1000 goes");
        assert!(!kept.contains(&1000.0));
        // Nothing is an outlier in a sample without one.
        let even: Vec<f64> = (1..=20).map(f64::from).collect();
        assert_eq!(without_outliers(&even, 3.0), even);
    }

    #[test]
    fn nans_are_removed_or_counted_as_zero() {
        let values = [1.0, f64::NAN, 3.0];
        let remove = Judging::default();
        assert_eq!(prepared(&values, &remove), [1.0, 3.0]);
        let replace = Judging {
            nans: Nans::Replace,
            ..Judging::default()
        };
        assert_eq!(prepared(&values, &replace), [1.0, 0.0, 3.0]);
    }

    /// Latencies in ms about `level`, with noise of ±10% of 40 ms drawn
    /// from `seed` (a fixed sequence, the same at every run).
    fn latencies(level: f64, n: usize, seed: u64) -> Vec<f64> {
        let mut state = seed;
        (0..n)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                let uniform = (state >> 11) as f64 / (1u64 << 53) as f64;
                level + 4.0 * (2.0 * uniform - 1.0)
            })
            .collect()
    }

    #[test]
    fn a_metric_is_classified_by_its_shift_and_its_effect() {
        let incumbent = latencies(40.0, 60, 1);
        let higher = latencies(46.0, 60, 2);
        let lower = latencies(34.0, 60, 3);
        let barely = latencies(40.4, 60, 4);
        let either = Judging::default();
        let increase = Judging {
            direction: Direction::Increase,
            ..Judging::default()
        };
        let allowing_20 = Judging {
            allowed_increase: 1.2,
            ..Judging::default()
        };
        let cases = [
            ("15% higher", &higher, &either, Class::High),
            ("15% lower", &lower, &either, Class::Low),
            (
                "15% lower, only an increase fails",
                &lower,
                &increase,
                Class::Pass,
            ),
            (
                "15% higher, 20% allowed",
                &higher,
                &allowing_20,
                Class::Pass,
            ),
            ("1% higher", &barely, &either, Class::Pass),
            ("the same", &incumbent, &either, Class::Pass),
        ];
        for (name, contender, judging, want) in cases {
            let judged = classify(&incumbent, contender, judging);
            assert_eq!(judged.class, want, "{name}: {judged:?}");
        }
        let judged = classify(&incumbent, &higher, &either);
        assert!((judged.effect - 1.15).abs() < 0.02, "{judged:?}");
        assert!(judged.p.is_some_and(|p| p < 1e-6), "{judged:?}");
    }

    #[test]
    fn a_metric_without_samples_has_no_data_or_fails_as_told() {
        let some = [1.0, 2.0, 3.0];
        let cases = [
            (Judging::default(), Class::NoData, false),
            (
                Judging {
                    must_have_data: true,
                    ..Judging::default()
                },
                Class::NoDataFail,
                false,
            ),
            (
                Judging {
                    critical: true,
                    ..Judging::default()
                },
                Class::NoData,
                true,
            ),
            (
                Judging {
                    nans: Nans::Replace,
                    ..Judging::default()
                },
                Class::Pass,
                false,
            ),
        ];
        for (judging, class, critical) in cases {
            let judged = classify(&some, &[], &judging);
            assert_eq!(
                (judged.class, judged.critical),
                (class, critical),
                "{judging:?}"
            );
        }
        // Every sample the same value: nothing to tell them apart.
        assert_eq!(
            classify(&[2.0; 4], &[2.0; 5], &Judging::default()).class,
            Class::Pass
        );
    }

    #[test]
    fn a_critical_metric_fails_the_whole_score() {
        let critical = Judging {
            critical: true,
            ..Judging::default()
        };
        let high = classify(&latencies(40.0, 60, 1), &latencies(46.0, 60, 2), &critical);
        assert!(high.critical, "{high:?}");
        let pass = Judged::plain(Class::Pass, false, None);
        let (score, why) = score(&[("latency", None, vec![&high, &pass])]);
        assert_eq!(score, 0.0);
        assert!(
            why.unwrap()
                .starts_with("a critical metric failed: High (critical)")
        );
    }

    #[test]
    fn groups_are_scored_by_their_passes_and_weighted() {
        let pass = Judged::plain(Class::Pass, false, None);
        let high = Judged::plain(Class::High, false, None);
        let no_data = Judged::plain(Class::NoData, false, None);
        let failed_data = Judged::plain(Class::NoDataFail, false, None);
        assert_eq!(group_score(&[Class::Pass, Class::High]), Some(50.0));
        assert_eq!(group_score(&[Class::Pass, Class::NoData]), Some(100.0));
        assert_eq!(group_score(&[Class::Pass, Class::NoDataFail]), Some(50.0));
        assert_eq!(group_score(&[Class::NoData]), None);
        let cases: Vec<(Vec<Group>, f64)> = vec![
            // Two unweighted groups share 100 equally.
            (
                vec![("a", None, vec![&pass, &high]), ("b", None, vec![&pass])],
                75.0,
            ),
            // A weighted group takes its weight; the others share the rest.
            (
                vec![
                    ("a", Some(70.0), vec![&high]),
                    ("b", None, vec![&pass]),
                    ("c", None, vec![&pass, &failed_data]),
                ],
                22.5,
            ),
            // A group without data counts as passed.
            (
                vec![
                    ("a", None, vec![&pass, &pass, &pass]),
                    ("b", None, vec![&no_data]),
                ],
                100.0,
            ),
            // Thirds round to two decimals.
            (vec![("a", None, vec![&pass, &high, &high])], 33.33),
        ];
        for (groups, want) in cases {
            let names: Vec<&str> = groups.iter().map(|g| g.0).collect();
            assert_eq!(score(&groups), (want, None), "{names:?}");
        }
        // Half of the metrics or more without data: 0.
        let (zero, why) = score(&[("a", None, vec![&pass, &no_data])]);
        assert_eq!(zero, 0.0);
        assert!(why.is_some());
    }

    #[test]
    fn a_score_passes_is_marginal_or_fails_by_the_thresholds() {
        let cases = [
            (100.0, Verdict::Pass),
            (95.0, Verdict::Pass),
            (94.99, Verdict::Marginal),
            (75.0, Verdict::Marginal),
            (74.99, Verdict::Fail),
            (0.0, Verdict::Fail),
        ];
        for (score, want) in cases {
            assert_eq!(verdict(score, 95.0, 75.0), want, "{score}");
        }
    }
}
