//! What a Deployment must be for a rollout to start from it: not paused,
//! not in the middle of its own rolling update, and with a name that
//! leaves room for the contender's. No IO.

use k8s_openapi::api::apps::v1::Deployment;

use super::contender::name_for;
use crate::error::{Error, Result};

/// The longest name of a Service (a DNS label): the contender's Service is
/// named after the Deployment.
pub const SERVICE_NAME_MAX: usize = 63;

/// Refuses, with the fix, a Deployment a rollout cannot start from.
pub fn check(deployment: &Deployment) -> Result<()> {
    let name = deployment.metadata.name.clone().unwrap_or_default();
    let contender = name_for(&name);
    if contender.len() > SERVICE_NAME_MAX {
        return Err(Error::invalid(format!(
            "deployment name {name:?} is too long for its contender: {contender:?} has {} characters, a Service name at most {SERVICE_NAME_MAX}",
            contender.len()
        ))
        .with_hint(format!(
            "ramp rolls out Deployments whose names have at most {} characters",
            SERVICE_NAME_MAX - name_for("").len()
        )));
    }
    let spec = deployment.spec.clone().unwrap_or_default();
    if spec.paused == Some(true) {
        return Err(Error::invalid(format!(
            "deployment {name:?} is paused: neither its own rollout nor ramp's promotion would finish"
        ))
        .with_hint(format!(
            "resume it first: kubectl rollout resume deployment/{name}"
        )));
    }
    if let Some(why) = rolling(deployment) {
        return Err(Error::invalid(format!(
            "deployment {name:?} is in the middle of its own rollout ({why})"
        ))
        .with_hint(format!(
            "wait for `kubectl rollout status deployment/{name}` to finish, or undo it with `kubectl rollout undo deployment/{name}`"
        )));
    }
    Ok(())
}

/// Why the Deployment controller has not finished rolling the Deployment
/// out, as `kubectl rollout status` judges it; `None` once it has.
pub fn rolling(deployment: &Deployment) -> Option<String> {
    // Not observedGeneration: a Deployment's generation also grows with
    // every change of its annotations (ramp's record among them), which
    // the controller takes a moment to observe.
    let status = deployment.status.clone().unwrap_or_default();
    let wanted = deployment
        .spec
        .as_ref()
        .and_then(|s| s.replicas)
        .unwrap_or(1);
    let updated = status.updated_replicas.unwrap_or(0);
    if updated < wanted {
        return Some(format!(
            "{updated} of {wanted} pods run its current template"
        ));
    }
    let all = status.replicas.unwrap_or(0);
    if all > updated {
        return Some(format!(
            "{} pods of an older template are still there",
            all - updated
        ));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn deployment(name: &str, spec: serde_json::Value, status: serde_json::Value) -> Deployment {
        serde_json::from_value(json!({
            "metadata": {"name": name, "generation": 3},
            "spec": spec,
            "status": status,
        }))
        .unwrap()
    }

    #[test]
    fn a_rollout_starts_only_from_a_deployment_at_rest() {
        let settled = json!({"observedGeneration": 3, "replicas": 3, "updatedReplicas": 3, "availableReplicas": 3});
        let selector = json!({"matchLabels": {"app": "web"}});
        let template = json!({"metadata": {"labels": {"app": "web"}}});
        let spec = |more: serde_json::Value| {
            let mut spec = json!({"replicas": 3, "selector": selector, "template": template});
            spec.as_object_mut()
                .unwrap()
                .extend(more.as_object().unwrap().clone());
            spec
        };
        let long = "a".repeat(57);
        type Case<'a> = (
            &'a str,
            serde_json::Value,
            serde_json::Value,
            Option<&'a str>,
        );
        let cases: Vec<Case> = vec![
            ("web", spec(json!({})), settled.clone(), None),
            // Unready pods of the current template: not a rollout under way.
            (
                "web",
                spec(json!({})),
                json!({"observedGeneration": 3, "replicas": 3, "updatedReplicas": 3, "availableReplicas": 1}),
                None,
            ),
            (
                "web",
                spec(json!({"paused": true})),
                settled.clone(),
                Some("deployment \"web\" is paused"),
            ),
            (
                "web",
                spec(json!({})),
                json!({"observedGeneration": 3, "replicas": 4, "updatedReplicas": 1}),
                Some("in the middle of its own rollout (1 of 3 pods run its current template)"),
            ),
            (
                "web",
                spec(json!({})),
                json!({"observedGeneration": 3, "replicas": 4, "updatedReplicas": 3}),
                Some("(1 pods of an older template are still there)"),
            ),
            // An annotation written a moment ago, not yet observed.
            (
                "web",
                spec(json!({})),
                json!({"observedGeneration": 2, "replicas": 3, "updatedReplicas": 3}),
                None,
            ),
            (
                &long,
                spec(json!({})),
                settled.clone(),
                Some("is too long for its contender"),
            ),
        ];
        for (name, spec, status, refused) in cases {
            let result = check(&deployment(name, spec, status));
            match refused {
                None => assert!(result.is_ok(), "{name}: {result:?}"),
                Some(message) => {
                    let err = result.unwrap_err();
                    assert!(err.message.contains(message), "{}", err.message);
                    assert_eq!(err.kind, crate::error::Kind::Invalid);
                }
            }
        }
        // 56 characters is the longest name that fits.
        assert!(check(&deployment(&"a".repeat(56), spec(json!({})), settled)).is_ok());
    }
}
