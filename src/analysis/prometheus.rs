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

    /// The value of a query that yields one number, or `None` when it
    /// yields nothing (no data) or not a number (0/0 with no traffic).
    pub async fn query(&self, query: &str) -> Result<Option<f64>> {
        let url = format!("{}/api/v1/query", self.url);
        let unreachable = |e: reqwest::Error| {
            Error::failed(format!("cannot query Prometheus at {}: {e}", self.url))
                .with_hint("check --prometheus; it must be the base URL of the Prometheus HTTP API")
        };
        let response = self
            .http
            .get(&url)
            .query(&[("query", query)])
            .send()
            .await
            .map_err(unreachable)?;
        let status = response.status();
        let body: Response = response.json().await.map_err(unreachable)?;
        if body.status != "success" {
            return Err(Error::failed(format!(
                "Prometheus refused the query ({status}): {}",
                body.error.unwrap_or_default()
            ))
            .with_hint(format!("the query was: {query}")));
        }
        let Some(data) = body.data else {
            return Ok(None);
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
        Ok(number)
    }
}
