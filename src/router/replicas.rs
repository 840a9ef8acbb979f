//! The replicas router: no mesh. One Service selects the pods of both
//! versions, so the traffic each gets is its share of the ready pods.

/// The percentages of traffic the incumbent and the contender receive when
/// a Service spreads requests evenly over their ready pods.
pub fn split(incumbent_ready: u32, contender_ready: u32) -> (f64, f64) {
    let total = incumbent_ready + contender_ready;
    if total == 0 {
        // Nothing is ready: nothing is served. Report the incumbent as
        // holding the traffic it will get back once its pods are ready.
        return (100.0, 0.0);
    }
    let contender = super::round_percent(f64::from(contender_ready) * 100.0 / f64::from(total));
    (super::round_percent(100.0 - contender), contender)
}

#[cfg(test)]
mod tests {
    use super::*;

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
