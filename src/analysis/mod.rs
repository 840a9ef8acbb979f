//! Analysis: the checks run between steps of an automated rollout.
//! Metrics from Prometheus judged against thresholds (absolute, or relative
//! to the incumbent), the contender's pod health, and webhooks. Every check
//! leaves a transcript entry: what was asked, what came back, the threshold,
//! the verdict.
//!
//! Two halves: what an analysis is (the spec, the judge, the transcript's
//! types here) is pure, and part of the core a record holds; the providers
//! (`metrics`, `prometheus`, `webhook`, `pods`) do the IO, above it.

pub mod judge;
pub mod mannwhitney;
pub mod metrics;
pub mod pods;
pub mod prometheus;
pub mod provider;
pub mod spec;
pub mod statistical;
pub mod webhook;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    Pass,
    Fail,
    /// Too little traffic, or no data yet: neither pass nor failure.
    Inconclusive,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Pass => "pass",
            Verdict::Fail => "fail",
            Verdict::Inconclusive => "inconclusive",
        }
    }
}

/// One entry of a check's transcript.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Check {
    /// RFC 3339.
    pub at: String,
    /// The metric, `pod-health`, or `webhook NAME`.
    pub name: String,
    /// The PromQL query as sent, or the URL called.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub query: Option<String>,
    /// The contender's value (of a metric: before the incumbent's is
    /// taken from it, for a relative one).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<f64>,
    /// The incumbent's value, of a relative metric.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub incumbent: Option<f64>,
    /// The threshold as people read it, e.g. ">= 99" or "<= incumbent + 1".
    pub threshold: String,
    pub verdict: Verdict,
    pub message: String,
}

/// The verdict of a whole check: any failure fails it; otherwise anything
/// inconclusive makes it inconclusive.
pub fn overall(checks: &[Check]) -> Verdict {
    if checks.iter().any(|c| c.verdict == Verdict::Fail) {
        Verdict::Fail
    } else if checks.iter().any(|c| c.verdict == Verdict::Inconclusive) {
        Verdict::Inconclusive
    } else {
        Verdict::Pass
    }
}
