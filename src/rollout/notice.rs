//! What a notification says of a change to a rollout: which Deployment,
//! where, what happened, and which version, so that a channel shared by
//! many teams and clusters needs no context to read it.

use serde_json::Value;

use super::record::Record;

/// The transitions people are told of, and a rollout stopped by someone
/// else's changes.
pub const NOTIFIED: [&str; 4] = ["StepReached", "Promoted", "Aborted", "Drift"];

/// `shop/web on eu-1: reached step 2/3 (50%); web=registry/web:2.0`
pub fn notice(
    deployment: &str,
    namespace: &str,
    cluster: Option<&str>,
    record: &Record,
    message: &str,
) -> String {
    let on = cluster.map(|c| format!(" on {c}")).unwrap_or_default();
    let images = images(&record.contender.template);
    match images.is_empty() {
        true => format!("{namespace}/{deployment}{on}: {message}"),
        false => format!("{namespace}/{deployment}{on}: {message}; {images}"),
    }
}

/// The new version's images, as `container=image`.
fn images(template: &Value) -> String {
    super::history::images(template)
        .into_iter()
        .map(|i| format!("{}={}", i.container, i.image))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rollout::record::tests::sample;

    #[test]
    fn a_notice_names_the_deployment_the_cluster_and_the_version() {
        let mut record = sample();
        record.contender.template = serde_json::json!({"spec": {"containers": [
            {"name": "web", "image": "registry/web:2.0"},
            {"name": "proxy", "image": "envoy:1.30"},
        ]}});
        let cases = [
            (
                Some("eu-1"),
                "reached step 2/3 (50%)",
                "shop/web on eu-1: reached step 2/3 (50%); web=registry/web:2.0, proxy=envoy:1.30",
            ),
            (
                None,
                "aborted at step 1/3: p99 doubled",
                "shop/web: aborted at step 1/3: p99 doubled; web=registry/web:2.0, proxy=envoy:1.30",
            ),
        ];
        for (cluster, message, expected) in cases {
            assert_eq!(notice("web", "shop", cluster, &record, message), expected);
        }
        record.contender.template = serde_json::json!({});
        assert_eq!(
            notice("web", "shop", None, &record, "web runs the new version"),
            "shop/web: web runs the new version"
        );
    }
}
