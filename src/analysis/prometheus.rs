//! The Prometheus metric provider: instant queries over its HTTP API.

use std::time::Duration;

use serde::Deserialize;

use crate::error::{Error, Result};

#[derive(Clone)]
pub struct Prometheus {
    url: String,
    http: reqwest::Client,
}

#[derive(Deserialize)]
struct Response {
    status: String,
    #[serde(default)]
    data: Option<Data>,
    #[serde(default)]
    error: Option<String>,
}

#[derive(Deserialize)]
struct Data {
    #[serde(rename = "resultType")]
    result_type: String,
    result: serde_json::Value,
}

impl Prometheus {
    pub fn new(url: &str) -> Prometheus {
        Prometheus {
            url: url.trim_end_matches('/').to_string(),
            http: crate::analysis::webhook::client(Duration::from_secs(15)),
        }
    }

    /// Prometheus' global scrape interval in seconds (rounded up), from its
    /// configuration; `None` when the configuration does not set it.
    pub async fn scrape_interval(&self) -> Result<Option<u64>> {
        #[derive(Deserialize)]
        struct Config {
            data: ConfigData,
        }
        #[derive(Deserialize)]
        struct ConfigData {
            yaml: String,
        }
        #[derive(Deserialize)]
        struct Yaml {
            #[serde(default)]
            global: Option<Global>,
        }
        #[derive(Deserialize)]
        struct Global {
            #[serde(default)]
            scrape_interval: Option<String>,
        }
        let url = format!("{}/api/v1/status/config", self.url);
        let failed = |e: String| {
            Error::failed(format!(
                "cannot read the configuration of Prometheus at {}: {e}",
                self.url
            ))
        };
        let config: Config = self
            .http
            .get(&url)
            .send()
            .await
            .and_then(reqwest::Response::error_for_status)
            .map_err(|e| failed(e.to_string()))?
            .json()
            .await
            .map_err(|e| failed(e.to_string()))?;
        let yaml: Yaml =
            serde_saphyr::from_str(&config.data.yaml).map_err(|e| failed(e.to_string()))?;
        // Prometheus' own default.
        let interval = yaml
            .global
            .and_then(|g| g.scrape_interval)
            .unwrap_or_else(|| "1m".into());
        Ok(seconds(&interval))
    }

    /// The value of a query that yields one number, or `None` when it
    /// yields nothing (no data) or not a number (0/0 with no traffic).
    pub async fn query(&self, query: &str) -> Result<Option<f64>> {
        self.try_query(query).await?.map_err(|unreachable| {
            Error::failed(unreachable)
                .with_hint("check --prometheus; it must be the base URL of the Prometheus HTTP API")
        })
    }

    /// `query`, telling a Prometheus that cannot be reached (or answered
    /// with something that is not its API's JSON), the inner error, which
    /// may pass, from a query it refused, the outer one, which will not.
    pub async fn try_query(&self, query: &str) -> Result<std::result::Result<Option<f64>, String>> {
        let url = format!("{}/api/v1/query", self.url);
        let unreachable =
            |e: reqwest::Error| format!("cannot query Prometheus at {}: {e}", self.url);
        let response = match self.http.get(&url).query(&[("query", query)]).send().await {
            Ok(response) => response,
            Err(e) => return Ok(Err(unreachable(e))),
        };
        let status = response.status();
        let body: Response = match response.json().await {
            Ok(body) => body,
            Err(e) => return Ok(Err(unreachable(e))),
        };
        if body.status != "success" {
            return Err(Error::failed(format!(
                "Prometheus refused the query ({status}): {}",
                body.error.unwrap_or_default()
            ))
            .with_hint(format!("the query was: {query}")));
        }
        let Some(data) = body.data else {
            return Ok(Ok(None));
        };
        let value = match data.result_type.as_str() {
            "vector" => data.result.get(0).and_then(|s| s.get("value")).cloned(),
            "scalar" => Some(data.result),
            _ => None,
        };
        let number = value
            .and_then(|v| v.get(1).and_then(|n| n.as_str()).map(str::to_string))
            .and_then(|n| n.parse::<f64>().ok())
            .filter(|n| n.is_finite());
        Ok(Ok(number))
    }
}

impl super::provider::MetricProvider for Prometheus {
    fn name(&self) -> &'static str {
        "prometheus"
    }

    fn query<'a>(
        &'a self,
        query: &'a str,
    ) -> futures::future::BoxFuture<'a, Result<std::result::Result<Option<f64>, String>>> {
        Box::pin(self.try_query(query))
    }
}

/// A Prometheus duration (`15s`, `1m30s`, `500ms`) in whole seconds,
/// rounded up.
pub fn seconds(duration: &str) -> Option<u64> {
    let mut millis: u64 = 0;
    let mut rest = duration.trim();
    if rest.is_empty() {
        return None;
    }
    while !rest.is_empty() {
        let digits = rest
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(rest.len());
        let number: u64 = rest[..digits].parse().ok()?;
        rest = &rest[digits..];
        let unit_len = rest
            .find(|c: char| c.is_ascii_digit())
            .unwrap_or(rest.len());
        let unit = match &rest[..unit_len] {
            "ms" => 1,
            "s" => 1_000,
            "m" => 60_000,
            "h" => 3_600_000,
            "d" => 86_400_000,
            "w" => 604_800_000,
            "y" => 31_536_000_000,
            _ => return None,
        };
        rest = &rest[unit_len..];
        millis = millis.checked_add(number.checked_mul(unit)?)?;
    }
    Some(millis.div_ceil(1000))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prometheus_durations_read_as_seconds() {
        let cases = [
            ("15s", Some(15)),
            ("1m", Some(60)),
            ("1m30s", Some(90)),
            ("500ms", Some(1)),
            ("1s500ms", Some(2)),
            ("2h", Some(7200)),
            ("", None),
            ("5x", None),
            ("s", None),
        ];
        for (text, expected) in cases {
            assert_eq!(seconds(text), expected, "{text}");
        }
    }
}
