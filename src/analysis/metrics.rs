//! A round's metric checks: the contender's requests counted first (too
//! few is no verdict), then each metric of the analysis read from the
//! provider and judged. IO only through the `MetricProvider`.

use super::judge::{self, Context};
use super::provider::MetricProvider;
use super::spec::AnalysisSpec;
use super::{Check, Verdict};
use crate::error::Result;

/// The checks of `analysis`'s metrics, read from `provider` for `ctx`,
/// stamped `at`. A provider out of reach for a moment is no verdict on the
/// contender: the round is inconclusive (and counts towards the
/// inconclusive limit); a query the provider refuses is an error.
pub async fn check(
    provider: &dyn MetricProvider,
    analysis: &AnalysisSpec,
    ctx: &Context,
    at: &str,
) -> Result<Vec<Check>> {
    let mut checks = Vec::new();
    let out_of_reach = |checks: &mut Vec<Check>, query: &str, why: String| {
        checks.push(unanswered(provider.name(), query, why, at));
    };
    let samples_query = judge::samples_query(ctx);
    let samples = match provider.query(&samples_query).await? {
        Ok(samples) => samples.unwrap_or(0.0),
        Err(why) => {
            out_of_reach(&mut checks, &samples_query, why);
            return Ok(checks);
        }
    };
    if let Some(too_few) = too_few(samples, analysis.min_samples, samples_query, ctx, at) {
        checks.push(too_few);
        return Ok(checks);
    }
    for metric in &analysis.metrics {
        let query = judge::query(metric, ctx, &ctx.contender);
        let contender_value = match provider.query(&query).await? {
            Ok(value) => value,
            Err(why) => {
                out_of_reach(&mut checks, &query, why);
                return Ok(checks);
            }
        };
        let incumbent_value = match metric.relative {
            true => {
                let query = judge::query(metric, ctx, &ctx.incumbent);
                match provider.query(&query).await? {
                    Ok(value) => value,
                    Err(why) => {
                        out_of_reach(&mut checks, &query, why);
                        return Ok(checks);
                    }
                }
            }
            false => None,
        };
        let (verdict, value, message) = judge::judge(metric, contender_value, incumbent_value);
        checks.push(Check {
            at: at.to_string(),
            name: metric.name.clone(),
            query: Some(query),
            value,
            incumbent: incumbent_value,
            threshold: judge::threshold(metric),
            verdict,
            message,
        });
    }
    Ok(checks)
}

/// A query the provider did not answer: the round is inconclusive.
fn unanswered(provider: &str, query: &str, why: String, at: &str) -> Check {
    Check {
        at: at.to_string(),
        name: provider.into(),
        query: Some(query.to_string()),
        value: None,
        incumbent: None,
        threshold: "an answer".into(),
        verdict: Verdict::Inconclusive,
        message: format!("{why}; this round is inconclusive"),
    }
}

/// Fewer requests reached the contender than the analysis needs to judge
/// it: an inconclusive check that says so, or `None` when there are
/// enough.
fn too_few(samples: f64, min: u64, query: String, ctx: &Context, at: &str) -> Option<Check> {
    let min = min as f64;
    (samples < min).then(|| Check {
        at: at.to_string(),
        name: "min-samples".into(),
        query: Some(query),
        value: Some(samples),
        incumbent: None,
        threshold: format!(">= {min} requests"),
        verdict: Verdict::Inconclusive,
        message: format!(
            "{} requests reached the contender in the last {}, fewer than {min}: too little traffic to judge, waiting",
            samples.round(),
            ctx.interval
        ),
    })
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use super::*;

    /// A provider that answers from a script, by the start of the query,
    /// and keeps what it was asked.
    struct Scripted {
        answers: Vec<(&'static str, Answer)>,
        asked: Mutex<Vec<String>>,
    }

    #[derive(Clone)]
    enum Answer {
        Value(Option<f64>),
        OutOfReach,
        Refused,
    }

    impl MetricProvider for Scripted {
        fn name(&self) -> &'static str {
            "scripted"
        }

        fn query<'a>(
            &'a self,
            query: &'a str,
        ) -> futures::future::BoxFuture<'a, Result<std::result::Result<Option<f64>, String>>>
        {
            self.asked.lock().unwrap().push(query.to_string());
            let answer = self
                .answers
                .iter()
                .find(|(start, _)| query.contains(start))
                .map(|(_, a)| a.clone())
                .unwrap_or(Answer::Value(None));
            Box::pin(async move {
                match answer {
                    Answer::Value(v) => Ok(Ok(v)),
                    Answer::OutOfReach => Ok(Err("cannot reach it".to_string())),
                    Answer::Refused => Err(crate::error::Error::failed("refused")),
                }
            })
        }
    }

    fn analysis() -> AnalysisSpec {
        AnalysisSpec::from_text(
            "metrics:\n- name: errors\n  max: 1\n  query: 'errors{w=\"{{workload}}\"}'\n- name: latency\n  relative: true\n  max: 10\n  query: 'latency{w=\"{{workload}}\"}'\n",
            "a.yaml",
        )
        .unwrap()
    }

    async fn round(answers: Script) -> (Result<Vec<Check>>, Vec<String>) {
        let provider = Scripted {
            answers,
            asked: Mutex::new(Vec::new()),
        };
        let checks = check(
            &provider,
            &analysis(),
            &judge::tests::ctx(),
            "2026-12-04T10:00:00Z",
        )
        .await;
        (checks, provider.asked.into_inner().unwrap())
    }

    fn verdicts(checks: &[Check]) -> Vec<(&str, Verdict)> {
        checks
            .iter()
            .map(|c| (c.name.as_str(), c.verdict))
            .collect()
    }

    const SAMPLES: &str = "istio_requests_total";

    /// What the provider answers, by a part of the query.
    type Script = Vec<(&'static str, Answer)>;
    type Verdicts = Vec<(&'static str, Verdict)>;

    #[tokio::test]
    async fn a_round_asks_the_samples_then_each_metric_and_judges_them() {
        use Answer::*;
        use Verdict::*;
        let enough = (SAMPLES, Value(Some(50.0)));
        // What the provider answers, the checks of the round, how many
        // queries it was asked.
        let cases: Vec<(Script, Verdicts, usize)> = vec![
            // Too little traffic: no metric is asked.
            (
                vec![(SAMPLES, Value(Some(3.0)))],
                vec![("min-samples", Inconclusive)],
                1,
            ),
            (
                vec![(SAMPLES, Value(None))],
                vec![("min-samples", Inconclusive)],
                1,
            ),
            // Out of reach: the round is inconclusive, named by the provider.
            (
                vec![(SAMPLES, OutOfReach)],
                vec![("scripted", Inconclusive)],
                1,
            ),
            // Within: the contender's errors, then both versions' latency.
            (
                vec![
                    enough.clone(),
                    ("errors{w=\"web-canary\"}", Value(Some(0.5))),
                    ("latency{w=\"web-canary\"}", Value(Some(105.0))),
                    ("latency{w=\"web\"}", Value(Some(100.0))),
                ],
                vec![("errors", Pass), ("latency", Pass)],
                4,
            ),
            // Relative: 20 over the incumbent's fails.
            (
                vec![
                    enough.clone(),
                    ("errors{w=\"web-canary\"}", Value(Some(0.5))),
                    ("latency{w=\"web-canary\"}", Value(Some(120.0))),
                    ("latency{w=\"web\"}", Value(Some(100.0))),
                ],
                vec![("errors", Pass), ("latency", Fail)],
                4,
            ),
            // No value for the incumbent yet.
            (
                vec![
                    enough.clone(),
                    ("errors{w=\"web-canary\"}", Value(Some(2.0))),
                    ("latency{w=\"web-canary\"}", Value(Some(120.0))),
                ],
                vec![("errors", Fail), ("latency", Inconclusive)],
                4,
            ),
            // Out of reach half way: what was judged stays, the round ends.
            (
                vec![
                    enough.clone(),
                    ("errors{w=\"web-canary\"}", Value(Some(0.5))),
                    ("latency{w=\"web-canary\"}", OutOfReach),
                ],
                vec![("errors", Pass), ("scripted", Inconclusive)],
                3,
            ),
        ];
        for (answers, expected, asked) in cases {
            let (checks, queries) = round(answers).await;
            let checks = checks.unwrap();
            assert_eq!(verdicts(&checks), expected, "{queries:?}");
            assert_eq!(queries.len(), asked, "{queries:?}");
            assert!(queries[0].contains(SAMPLES), "{queries:?}");
            assert!(checks.iter().all(|c| c.at == "2026-12-04T10:00:00Z"));
        }
    }

    #[tokio::test]
    async fn a_query_the_provider_refuses_is_an_error() {
        let (checks, _) = round(vec![(SAMPLES, Answer::Refused)]).await;
        assert_eq!(checks.unwrap_err().message, "refused");
    }
}
