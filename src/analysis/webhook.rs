//! Webhooks: gates and hooks that an automated rollout calls, and
//! notifications to a Slack-compatible incoming webhook.

use std::time::{Duration, Instant};

use serde_json::json;

use super::spec::Webhook;
use super::{Check, Verdict};

/// The HTTP client of the analysis, with rustls on ring (as the Kubernetes
/// client uses).
pub fn client(timeout: Duration) -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder()
        .timeout(timeout)
        .build()
        .expect("an HTTP client builds")
}

/// What a webhook is told.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Payload {
    pub name: String,
    pub namespace: String,
    pub phase: String,
    pub step: usize,
    pub step_name: String,
    /// Seconds the caller waits for an answer of 200.
    pub timeout: u64,
}

/// Calls a webhook until it answers 200 or its timeout passes.
pub async fn gate(webhook: &Webhook, payload: &Payload, retry: Duration) -> Check {
    let timeout = webhook.timeout();
    let http = client(Duration::from_secs(10));
    let deadline = Instant::now() + timeout;
    let payload = Payload {
        timeout: timeout.as_secs(),
        ..payload.clone()
    };
    loop {
        let last = match http.post(&webhook.url).json(&payload).send().await {
            Ok(response) if response.status().as_u16() == 200 => {
                return check(webhook, Verdict::Pass, "answered 200".into());
            }
            Ok(response) => format!("answered {}", response.status().as_u16()),
            Err(e) => format!("did not answer: {e}"),
        };
        if Instant::now() + retry > deadline {
            return check(
                webhook,
                Verdict::Fail,
                format!(
                    "{last}, and did not answer 200 within {}s",
                    timeout.as_secs()
                ),
            );
        }
        tokio::time::sleep(retry).await;
    }
}

fn check(webhook: &Webhook, verdict: Verdict, message: String) -> Check {
    Check {
        at: k8s_openapi::jiff::Timestamp::now().to_string(),
        name: format!("webhook {}", webhook.name),
        query: Some(webhook.url.clone()),
        value: None,
        incumbent: None,
        threshold: "answers 200".into(),
        verdict,
        message: format!("webhook {} {message}", webhook.name),
    }
}

/// Posts a notification; a failure to notify is reported, never fatal.
pub async fn notify(url: &str, text: &str) {
    let http = client(Duration::from_secs(10));
    if let Err(e) = http.post(url).json(&json!({ "text": text })).send().await {
        tracing::warn!("could not notify {url}: {e}");
        eprintln!("warning: could not send the notification: {e}");
    }
}
