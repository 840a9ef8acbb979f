//! The analysis spec (`--analysis FILE`): metrics with thresholds, the
//! minimum-sample guard, limits, pod health and webhooks.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AnalysisSpec {
    /// Whose metrics the built-in checks read: the mesh's or the gateway's.
    #[serde(default, skip_serializing_if = "Provider::is_default")]
    pub provider: Provider,
    #[serde(default)]
    pub metrics: Vec<Metric>,
    /// Requests to the contender within the interval below which the
    /// metrics are inconclusive rather than judged.
    #[serde(default = "default_min_samples")]
    pub min_samples: u64,
    /// Inconclusive checks in a row before they count as a failure.
    #[serde(default = "default_inconclusive_limit")]
    pub inconclusive_limit: u32,
    #[serde(default)]
    pub pod_health: PodHealth,
    #[serde(default)]
    pub webhooks: Vec<Webhook>,
}

fn default_min_samples() -> u64 {
    10
}

fn default_inconclusive_limit() -> u32 {
    5
}

/// Where the requests that the built-in metrics count are seen.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Provider {
    /// Istio's standard metrics, by destination workload.
    #[default]
    Istio,
    /// Traefik's service metrics, by the Kubernetes Service each version
    /// is reached through (Traefik's Gateway API provider).
    Traefik,
}

impl Provider {
    fn is_default(&self) -> bool {
        *self == Provider::Istio
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Metric {
    /// A built-in (`request-success-rate`, `request-duration`) or any name
    /// with a `query`.
    pub name: String,
    /// PromQL with {{namespace}}, {{contender}}, {{incumbent}}, {{interval}}
    /// and, for relative metrics, {{workload}} and {{service}} (each
    /// version's Deployment and Service in turn).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub query: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<f64>,
    /// Judge the contender's value minus the incumbent's against min/max.
    #[serde(default)]
    pub relative: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PodHealth {
    /// Container restarts of the contender's pods beyond which a check fails.
    #[serde(default = "default_max_restarts")]
    pub max_restarts: i32,
}

impl Default for PodHealth {
    fn default() -> Self {
        PodHealth {
            max_restarts: default_max_restarts(),
        }
    }
}

fn default_max_restarts() -> i32 {
    2
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum WebhookType {
    /// Before the first step; anything but 200 stops the start.
    PreRollout,
    /// Before each further step; the step waits until it answers 200.
    Step,
    /// After the promotion.
    PostRollout,
    /// After a rollback.
    Rollback,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Webhook {
    pub name: String,
    #[serde(rename = "type")]
    pub kind: WebhookType,
    pub url: String,
    /// How long a gate may hold, e.g. 2m.
    #[serde(default = "default_webhook_timeout")]
    pub timeout: String,
}

fn default_webhook_timeout() -> String {
    "1m".into()
}

impl Webhook {
    pub fn timeout(&self) -> Duration {
        crate::duration::parse(&self.timeout).unwrap_or(Duration::from_secs(60))
    }
}

pub const BUILT_INS: [&str; 2] = ["request-success-rate", "request-duration"];

impl AnalysisSpec {
    pub fn from_file(path: &str) -> Result<AnalysisSpec> {
        let text = crate::input::read(std::path::Path::new(path)).map_err(|e| {
            Error::invalid(format!("cannot read the analysis file {path}: {e}"))
                .with_hint("--analysis takes the path of a YAML file; see examples/analysis/")
        })?;
        AnalysisSpec::from_text(&text, path)
    }

    /// An analysis file's text; `source` names the file in messages.
    pub fn from_text(text: &str, source: &str) -> Result<AnalysisSpec> {
        if text.trim().is_empty() {
            return Err(
                Error::invalid(format!("the analysis file {source} is empty"))
                    .with_hint("give it metrics or webhooks; see examples/analysis/"),
            );
        }
        let spec: AnalysisSpec = serde_saphyr::from_str(text).map_err(|e| {
            let text = e.to_string();
            let first = text
                .lines()
                .next()
                .unwrap_or_default()
                .trim_start_matches("error: ")
                .to_string();
            Error::invalid(format!("the analysis file {source} is not valid: {first}"))
                .with_hint("see examples/analysis/ for the format")
        })?;
        spec.validate(source)?;
        Ok(spec)
    }

    pub fn validate(&self, source: &str) -> Result<()> {
        for metric in &self.metrics {
            let name = &metric.name;
            if metric.query.is_none() && !BUILT_INS.contains(&name.as_str()) {
                return Err(Error::invalid(format!(
                    "{source}: metric {name:?} has no query and is not a built-in"
                ))
                .with_hint(format!(
                    "give it a query, or use one of {}",
                    BUILT_INS.join(", ")
                )));
            }
            if metric.min.is_none() && metric.max.is_none() {
                return Err(Error::invalid(format!(
                    "{source}: metric {name:?} has neither min nor max"
                ))
                .with_hint("give the threshold it must stay within"));
            }
            if let (Some(min), Some(max)) = (metric.min, metric.max)
                && min > max
            {
                return Err(Error::invalid(format!(
                    "{source}: metric {name:?}: min {min} is above max {max}"
                ))
                .with_hint("no value could pass: swap them, or keep one"));
            }
            if metric.relative
                && metric
                    .query
                    .as_deref()
                    .is_some_and(|q| !q.contains("{{workload}}"))
            {
                return Err(Error::invalid(format!(
                    "{source}: relative metric {name:?} has a query without {{{{workload}}}}"
                ))
                .with_hint(
                    "a relative query is run once per version, with {{workload}} standing for each",
                ));
            }
        }
        for webhook in &self.webhooks {
            if let Err(e) = crate::input::http_url(&webhook.url) {
                return Err(Error::invalid(format!(
                    "{source}: webhook {:?}: {e}",
                    webhook.name
                )));
            }
            if crate::duration::parse(&webhook.timeout).is_err() {
                return Err(Error::invalid(format!(
                    "{source}: webhook {:?} has timeout {:?}, which is not a duration",
                    webhook.name, webhook.timeout
                ))
                .with_hint("write e.g. 30s, 2m"));
            }
        }
        Ok(())
    }

    pub fn uses_prometheus(&self) -> bool {
        !self.metrics.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_spec_with_built_ins_custom_and_relative_metrics_parses() {
        let spec: AnalysisSpec = serde_saphyr::from_str(
            "metrics:\n- name: request-success-rate\n  min: 99\n- name: errors\n  relative: true\n  max: 1\n  query: 'x{w=\"{{workload}}\"}'\nwebhooks:\n- name: gate\n  type: step\n  url: http://127.0.0.1:1/\n",
        )
        .unwrap();
        spec.validate("a.yaml").unwrap();
        assert_eq!(spec.min_samples, 10);
        assert_eq!(spec.webhooks[0].kind, WebhookType::Step);
        assert_eq!(spec.webhooks[0].timeout(), Duration::from_secs(60));
    }

    #[test]
    fn the_provider_is_istio_unless_the_file_names_traefik() {
        let spec = AnalysisSpec::from_text(
            "metrics:\n- name: request-success-rate\n  min: 99\n",
            "a.yaml",
        )
        .unwrap();
        assert_eq!(spec.provider, Provider::Istio);
        let spec = AnalysisSpec::from_text(
            "provider: traefik\nmetrics:\n- name: request-success-rate\n  min: 99\n",
            "a.yaml",
        )
        .unwrap();
        assert_eq!(spec.provider, Provider::Traefik);
        let err = AnalysisSpec::from_text("provider: nginx\nmetrics: []\n", "a.yaml").unwrap_err();
        assert!(err.message.contains("nginx"), "{}", err.message);
        // A record written before providers existed reads as Istio's.
        let json = serde_json::to_string(&spec).unwrap();
        assert!(json.contains("\"provider\":\"traefik\""), "{json}");
        let old: AnalysisSpec =
            serde_json::from_str(r#"{"metrics":[],"minSamples":10,"inconclusiveLimit":5}"#)
                .unwrap();
        assert_eq!(old.provider, Provider::Istio);
        assert!(!serde_json::to_string(&old).unwrap().contains("provider"));
    }

    #[test]
    fn a_metric_without_query_or_threshold_is_refused() {
        let spec: AnalysisSpec =
            serde_saphyr::from_str("metrics:\n- name: latency\n  max: 3\n").unwrap();
        let err = spec.validate("a.yaml").unwrap_err();
        assert_eq!(
            err.message,
            "a.yaml: metric \"latency\" has no query and is not a built-in"
        );
        let spec: AnalysisSpec =
            serde_saphyr::from_str("metrics:\n- name: request-duration\n").unwrap();
        assert!(
            spec.validate("a.yaml")
                .unwrap_err()
                .message
                .contains("has neither min nor max")
        );
    }
}
