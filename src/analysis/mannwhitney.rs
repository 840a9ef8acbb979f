//! The Mann-Whitney U test (the Wilcoxon rank-sum test), for judging two
//! versions' samples of one metric against each other: whether they
//! differ (a two-sided p-value, as scipy's `mannwhitneyu` gives it), and by
//! how much (a confidence interval for the shift between them, and its
//! estimate, as R's `wilcox.test(conf.int = TRUE)` and Kayenta's judge
//! compute them). Pure: numbers in, numbers out.

/// A sample's values ranked among both samples' (1 for the smallest), the
/// values that tie sharing the mean of their ranks; NaN ranks above every
/// number.
pub fn ranks(values: &[f64]) -> Vec<f64> {
    let mut order: Vec<usize> = (0..values.len()).collect();
    order.sort_by(|a, b| values[*a].total_cmp(&values[*b]));
    let key = |i: usize| match values[i].is_nan() {
        true => f64::INFINITY,
        false => values[i],
    };
    let mut ranks = vec![0.0; values.len()];
    let mut start = 0;
    while start < order.len() {
        let mut end = start + 1;
        while end < order.len() && key(order[end]) == key(order[start]) {
            end += 1;
        }
        // Ranks start..end (0-based) share their mean, 1-based.
        let shared = (start + end + 1) as f64 / 2.0;
        for i in &order[start..end] {
            ranks[*i] = shared;
        }
        start = end;
    }
    ranks
}

/// The sizes of the groups of tied values, as a tie correction takes them:
/// the sum of t³ - t over every group of t equal ranks.
fn tie_term(ranks: &[f64]) -> f64 {
    let mut sorted = ranks.to_vec();
    sorted.sort_by(f64::total_cmp);
    let mut term = 0.0;
    let mut start = 0;
    while start < sorted.len() {
        let mut end = start + 1;
        while end < sorted.len() && sorted[end] == sorted[start] {
            end += 1;
        }
        let t = (end - start) as f64;
        term += t * t * t - t;
        start = end;
    }
    term
}

/// The outcome of a two-sided U test of `x` against `y`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct UTest {
    /// U of `x`: how many of the pairs (one value of each sample) have the
    /// value of `x` the larger, a tie counting a half.
    pub u: f64,
    /// The chance of a difference at least this large between samples of
    /// one distribution (the normal approximation, with the tie and
    /// continuity corrections).
    pub p: f64,
}

/// The two-sided Mann-Whitney U test of `x` against `y`, as scipy's
/// `mannwhitneyu(x, y, method="asymptotic", use_continuity=True)`; `None`
/// when a sample is empty.
pub fn u_test(x: &[f64], y: &[f64]) -> Option<UTest> {
    if x.is_empty() || y.is_empty() {
        return None;
    }
    let (n1, n2) = (x.len() as f64, y.len() as f64);
    let all: Vec<f64> = x.iter().chain(y).copied().collect();
    let ranks = ranks(&all);
    let r1: f64 = ranks[..x.len()].iter().sum();
    let u1 = r1 - n1 * (n1 + 1.0) / 2.0;
    let u = u1.max(n1 * n2 - u1);
    let n = n1 + n2;
    let sigma = (n1 * n2 / 12.0 * ((n + 1.0) - tie_term(&ranks) / (n * (n - 1.0)))).sqrt();
    // Every value tied: no evidence of a difference (the z of a zero
    // spread is -inf, and p 1).
    let z = (u - n1 * n2 / 2.0 - 0.5) / sigma;
    let p = (2.0 * normal_sf(z)).clamp(0.0, 1.0);
    Some(UTest { u: u1, p })
}

/// Every value of both samples is the same: the spread of the ranks is 0,
/// and no interval can be computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AllTied;

/// How far the rank sum of `x - mu` among `y` is from its expectation,
/// in standard deviations (with the tie and continuity corrections), less
/// `quantile`: its root in `mu` is where the shift `mu` would sit at that
/// quantile of the normal distribution.
pub fn wilcoxon_diff(mu: f64, quantile: f64, x: &[f64], y: &[f64]) -> Result<f64, AllTied> {
    let (nx, ny) = (x.len() as f64, y.len() as f64);
    let all: Vec<f64> = x.iter().map(|v| v - mu).chain(y.iter().copied()).collect();
    let ranks = ranks(&all);
    let dz = ranks[..x.len()].iter().sum::<f64>() - nx * (nx + 1.0) / 2.0 - nx * ny / 2.0;
    let correction = match dz {
        d if d > 0.0 => 0.5,
        d if d < 0.0 => -0.5,
        _ => 0.0,
    };
    let n = nx + ny;
    let sigma = (nx * ny / 12.0 * ((n + 1.0) - tie_term(&ranks) / (n * (n - 1.0)))).sqrt();
    if sigma == 0.0 {
        return Err(AllTied);
    }
    Ok((dz - correction) / sigma - quantile)
}

/// A confidence interval for the shift of `x` from `y`, and the shift's
/// estimate (the Hodges-Lehmann estimate, as R's `wilcox.test` computes
/// it without exact p-values).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Shift {
    /// The ends of the interval, in Kayenta's order: the root at the upper
    /// quantile first, then at the lower.
    pub interval: (f64, f64),
    pub estimate: f64,
}

/// The shift of `x` from `y` at confidence `level` (e.g. 0.98), found as
/// the roots of `wilcoxon_diff` between the smallest and the largest
/// shift the samples allow, as Kayenta's judge finds them.
pub fn shift(x: &[f64], y: &[f64], level: f64) -> Result<Shift, AllTied> {
    let min = |v: &[f64]| v.iter().copied().fold(f64::INFINITY, f64::min);
    let max = |v: &[f64]| v.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let (low, high) = (min(x) - max(y), max(x) - min(y));
    let diff = |zq: f64| move |mu: f64| wilcoxon_diff(mu, zq, x, y);
    let root = |zq: f64| -> Result<f64, AllTied> {
        let (f_low, f_high) = (diff(zq)(low)?, diff(zq)(high)?);
        if f_low <= 0.0 {
            return Ok(low);
        }
        if f_high >= 0.0 {
            return Ok(high);
        }
        zeroin(low, high, f_low, f_high, diff(zq))
    };
    let quantile = normal_quantile((1.0 - level) / 2.0);
    let interval = (root(-quantile)?, root(quantile)?);
    let (f_low, f_high) = (diff(0.0)(low)?, diff(0.0)(high)?);
    let estimate = zeroin(low, high, f_low, f_high, diff(0.0))?;
    Ok(Shift { interval, estimate })
}

/// Brent's root finder as R's `uniroot` runs it (tolerance 1e-4, at most
/// 1000 steps), so that the roots are the same numbers R and Kayenta find.
fn zeroin(
    ax: f64,
    bx: f64,
    fa: f64,
    fb: f64,
    f: impl Fn(f64) -> Result<f64, AllTied>,
) -> Result<f64, AllTied> {
    const TOLERANCE: f64 = 1e-4;
    let zero = |v: f64| v.abs() <= f64::from_bits(1);
    let (mut a, mut b, mut fa, mut fb) = (ax, bx, fa, fb);
    let (mut c, mut fc) = (a, fa);
    if zero(fa) {
        return Ok(a);
    }
    if zero(fb) {
        return Ok(b);
    }
    for _ in 0..=1000 {
        let previous = b - a;
        if fc.abs() < fb.abs() {
            (a, b, c) = (b, c, b);
            (fa, fb, fc) = (fb, fc, fb);
        }
        let tolerance = 2.0 * f64::EPSILON * b.abs() + TOLERANCE / 2.0;
        let mut step = (c - b) / 2.0;
        if step.abs() <= tolerance || zero(fb) {
            return Ok(b);
        }
        if previous.abs() >= tolerance && fa.abs() > fb.abs() {
            let cb = c - b;
            let (mut p, mut q);
            if a == c {
                let t1 = fb / fa;
                p = cb * t1;
                q = 1.0 - t1;
            } else {
                // Inverse quadratic interpolation.
                let (qa, t1, t2) = (fa / fc, fb / fc, fb / fa);
                p = t2 * (cb * qa * (qa - t1) - (b - a) * (t1 - 1.0));
                q = (qa - 1.0) * (t1 - 1.0) * (t2 - 1.0);
            }
            if p > 0.0 {
                q = -q;
            } else {
                p = -p;
            }
            if p < 0.75 * cb * q - (tolerance * q).abs() / 2.0 && p < (previous * q / 2.0).abs() {
                step = p / q;
            }
        }
        if step.abs() < tolerance {
            step = match step > 0.0 {
                true => tolerance,
                false => -tolerance,
            };
        }
        (a, fa) = (b, fb);
        b += step;
        fb = f(b)?;
        if (fb > 0.0 && fc > 0.0) || (fb < 0.0 && fc < 0.0) {
            (c, fc) = (a, fa);
        }
    }
    Ok(b)
}

/// P(Z > z) for a standard normal Z.
fn normal_sf(z: f64) -> f64 {
    0.5 * libm::erfc(z / std::f64::consts::SQRT_2)
}

/// The z with P(Z < z) = p, for a standard normal Z and 0 < p < 1:
/// halving, then Newton's steps, to the last bits of a double.
pub fn normal_quantile(p: f64) -> f64 {
    let cdf = |z: f64| 0.5 * libm::erfc(-z / std::f64::consts::SQRT_2);
    let (mut low, mut high) = (-40.0_f64, 40.0_f64);
    for _ in 0..80 {
        let mid = (low + high) / 2.0;
        match cdf(mid) < p {
            true => low = mid,
            false => high = mid,
        }
    }
    let mut z = (low + high) / 2.0;
    for _ in 0..3 {
        let density = (-z * z / 2.0).exp() / (2.0 * std::f64::consts::PI).sqrt();
        if density == 0.0 {
            break;
        }
        z -= (cdf(z) - p) / density;
    }
    z
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    fn numbers(v: &Value) -> Vec<f64> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|n| n.as_f64().unwrap())
            .collect()
    }

    fn close(got: f64, want: f64, within: f64) -> bool {
        (got - want).abs() <= within || (got - want).abs() <= within * want.abs()
    }

    #[test]
    fn ranks_share_their_mean_when_values_tie() {
        let cases: [(&[f64], &[f64]); 5] = [
            (&[], &[]),
            (&[3.0, 1.0, 2.0], &[3.0, 1.0, 2.0]),
            (&[5.0, 5.0, 1.0], &[2.5, 2.5, 1.0]),
            (&[2.0, 2.0, 2.0, 2.0], &[2.5, 2.5, 2.5, 2.5]),
            // NaN ranks above every number, NaNs tied among themselves.
            (&[f64::NAN, 1.0, f64::NAN], &[2.5, 1.0, 2.5]),
        ];
        for (values, want) in cases {
            assert_eq!(ranks(values), want, "{values:?}");
        }
    }

    /// scipy 1.17.1's `mannwhitneyu(x, y, alternative="two-sided",
    /// method="asymptotic", use_continuity=True)` on the same samples.
    #[test]
    fn the_u_test_gives_scipys_statistic_and_p_value() {
        let cases: Value =
            serde_json::from_str(include_str!("testdata/scipy-mannwhitneyu.json")).unwrap();
        for case in cases.as_array().unwrap() {
            let name = case["name"].as_str().unwrap();
            let (x, y) = (numbers(&case["x"]), numbers(&case["y"]));
            let got = u_test(&x, &y).unwrap();
            let (u, p) = (case["u"].as_f64().unwrap(), case["p"].as_f64().unwrap());
            assert_eq!(got.u, u, "{name}: U");
            assert!(close(got.p, p, 1e-9), "{name}: p {} against {p}", got.p);
        }
        assert_eq!(u_test(&[], &[1.0]), None);
    }

    /// Kayenta's own test data (its module kayenta-mannwhitney, whose
    /// expected values tie out with R's `wilcox.test`), each within the
    /// precision its test asks.
    #[test]
    fn the_shift_and_its_interval_are_kayentas_and_rs() {
        let cases: Value =
            serde_json::from_str(include_str!("testdata/kayenta-mannwhitney.json")).unwrap();
        for case in cases.as_array().unwrap() {
            let name = case["name"].as_str().unwrap();
            let (x, y) = (numbers(&case["x"]), numbers(&case["y"]));
            let within = case["within"].as_f64().unwrap();
            for row in case["wilcoxon_diff"].as_array().into_iter().flatten() {
                let row = numbers(row);
                let got = wilcoxon_diff(row[0], row[1], &x, &y).unwrap();
                assert!(close(got, row[2], within), "{name}: {row:?}: {got}");
            }
            let Some(level) = case["confidence"].as_f64() else {
                continue;
            };
            let got = shift(&x, &y, level).unwrap();
            let interval = numbers(&case["interval"]);
            assert!(
                (got.interval.0 - interval[0]).abs() <= within
                    && (got.interval.1 - interval[1]).abs() <= within,
                "{name}: interval {:?} against {interval:?}",
                got.interval
            );
            let estimate = case["estimate"].as_f64().unwrap();
            let estimate_within = case["estimate_within"].as_f64().unwrap();
            assert!(
                (got.estimate - estimate).abs() <= estimate_within,
                "{name}: estimate {} against {estimate}",
                got.estimate
            );
        }
    }

    #[test]
    fn constant_and_identical_samples_show_no_difference() {
        // scipy gives p = 1 for both.
        assert_eq!(u_test(&[2.0; 3], &[2.0; 3]).unwrap().p, 1.0);
        let same = [3.0, 1.0, 4.0, 1.0, 5.0];
        assert_eq!(u_test(&same, &same).unwrap().p, 1.0);
        // Every value tied: there is no interval to give.
        assert_eq!(shift(&[2.0; 3], &[2.0; 3], 0.98), Err(AllTied));
    }

    #[test]
    fn the_normal_quantiles_are_exact_to_the_last_digits() {
        // Kayenta's zQuant at 0.98, and R's qnorm(0.025).
        let cases = [
            (0.01, -2.326_347_874_040_841),
            (0.025, -1.959_963_984_540_054),
            (0.5, 0.0),
            (0.975, 1.959_963_984_540_054),
        ];
        for (p, want) in cases {
            let got = normal_quantile(p);
            assert!((got - want).abs() < 1e-12, "{p}: {got}");
        }
    }
}
