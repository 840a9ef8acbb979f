//! What an executor tells beside its writes: Events on the incumbent, and
//! notices to the webhook people are told by. Each is posted beside the
//! work that follows it, and `flush` waits for those still on their way; a
//! failure to tell is logged, never an error: the record holds the truth.

use k8s_openapi::api::apps::v1::Deployment;
use kube::Resource;
use kube::runtime::events::{Event, EventType, Recorder, Reporter};

use super::execute::FREEZE_OVERRIDDEN;
use super::lock::hostname;
use crate::connect::Connection;
use crate::rollout::notice;
use crate::rollout::record::Record;

pub struct Teller {
    recorder: Recorder,
    /// The webhook told of steps reached, the promotion and an abort, and
    /// the cluster its notices name (when there are several).
    notify: Option<String>,
    cluster: Option<String>,
    /// Events and notices posted and not yet answered.
    posted: Vec<tokio::task::JoinHandle<()>>,
}

impl Teller {
    pub fn new(conn: &Connection) -> Teller {
        Teller {
            recorder: Recorder::new(
                conn.client.clone(),
                Reporter {
                    controller: "kubectl-ramp".into(),
                    instance: Some(hostname()),
                },
            ),
            notify: None,
            cluster: None,
            posted: Vec::new(),
        }
    }

    /// Tells `url` (else the webhook an automated rollout recorded) of the
    /// rollout's steps, promotion and abort, naming `cluster`.
    pub fn notifying(&mut self, url: Option<String>, cluster: Option<String>) {
        self.notify = url;
        self.cluster = cluster;
    }

    /// Posts an Event on the Deployment `name` (of uid `uid`) in
    /// `namespace`: a Warning for an abort, drift or an overridden freeze.
    pub fn event(
        &mut self,
        (namespace, name, uid): (&str, &str, Option<String>),
        reason: &str,
        message: &str,
    ) {
        let reference = Deployment {
            metadata: kube::api::ObjectMeta {
                name: Some(name.to_string()),
                namespace: Some(namespace.to_string()),
                uid,
                ..Default::default()
            },
            ..Default::default()
        }
        .object_ref(&());
        let event = Event {
            type_: if matches!(reason, "Aborted" | "Drift" | FREEZE_OVERRIDDEN) {
                EventType::Warning
            } else {
                EventType::Normal
            },
            reason: reason.to_string(),
            note: Some(message.to_string()),
            action: reason.to_string(),
            secondary: None,
        };
        let recorder = self.recorder.clone();
        let reason = reason.to_string();
        self.posted.push(tokio::spawn(async move {
            if let Err(e) = recorder.publish(&event, &reference).await {
                tracing::warn!("could not post event {reason}: {e}");
            }
        }));
    }

    /// Posts a notice of a transition people are told of.
    pub fn notice(
        &mut self,
        (namespace, name): (&str, &str),
        record: &Record,
        reason: &str,
        message: &str,
    ) {
        if !notice::NOTIFIED.contains(&reason) {
            return;
        }
        let url = self
            .notify
            .clone()
            .or_else(|| record.automation.as_ref()?.notify.clone());
        let Some(url) = url else { return };
        let text = notice::notice(name, namespace, self.cluster.as_deref(), record, message);
        self.posted.push(tokio::spawn(async move {
            crate::analysis::webhook::notify(&url, &text).await;
        }));
    }

    /// Waits for the Events and notices posted so far.
    pub async fn flush(&mut self) {
        for posted in self.posted.drain(..) {
            let _ = posted.await;
        }
    }
}
