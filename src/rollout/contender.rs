//! Building the contender from the incumbent: its Deployment, its Service,
//! and the new pod template. Pure functions of the objects read.
//!
//! The contender's pods must not be selected by the incumbent's Service or
//! Deployment, so every label that either selects on gets `-canary`
//! appended on the contender (`app: web` becomes `app: web-canary`). Other
//! labels are kept, so dashboards and metrics still see the app.

use std::collections::{BTreeMap, BTreeSet};

use k8s_openapi::api::apps::v1::{Deployment, DeploymentSpec};
use k8s_openapi::api::core::v1::{PodTemplateSpec, Service, ServicePort, ServiceSpec};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector, ObjectMeta};

use super::model::RouterKind;
use crate::error::{Error, Result};

pub const SUFFIX: &str = "-canary";
pub const MANAGED_BY: (&str, &str) = ("app.kubernetes.io/managed-by", "kubectl-ramp");
/// On ramp's objects: the incumbent they belong to, as namespace/name.
pub const INCUMBENT_ANNOTATION: &str = "ramp.dev/incumbent";

/// On ramp's objects: the id of the rollout they were made for.
pub const ROLLOUT_LABEL: &str = "ramp.dev/rollout";

/// The labels and annotations that mark an object as ramp's, made for the
/// rollout `id` of the Deployment `namespace/incumbent`, on top of `labels`.
pub fn stamp(
    mut labels: BTreeMap<String, String>,
    namespace: &str,
    incumbent: &str,
    id: Option<&str>,
) -> (BTreeMap<String, String>, BTreeMap<String, String>) {
    labels.insert(MANAGED_BY.0.into(), MANAGED_BY.1.into());
    if let Some(id) = id {
        labels.insert(ROLLOUT_LABEL.into(), id.into());
    }
    let annotations = BTreeMap::from([(
        INCUMBENT_ANNOTATION.to_string(),
        format!("{namespace}/{incumbent}"),
    )]);
    (labels, annotations)
}

/// The contender Deployment's (and Service's) name.
pub fn name_for(incumbent: &str) -> String {
    format!("{incumbent}{SUFFIX}")
}

/// Whether an object was made by kubectl-ramp for the rollout of the
/// Deployment `namespace/deployment`: its label and its annotation say so,
/// and, when the rollout has an id (`id`), its `ramp.dev/rollout` label
/// names that rollout (not another one's).
pub fn owned(
    meta: &k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta,
    namespace: &str,
    deployment: &str,
    id: Option<&str>,
) -> bool {
    let labelled = meta
        .labels
        .as_ref()
        .and_then(|l| l.get(MANAGED_BY.0))
        .is_some_and(|v| v == MANAGED_BY.1);
    let of_this = meta
        .annotations
        .as_ref()
        .and_then(|a| a.get(INCUMBENT_ANNOTATION))
        .is_some_and(|v| *v == format!("{namespace}/{deployment}"));
    let this_rollout = id.is_none_or(|id| {
        meta.labels
            .as_ref()
            .and_then(|l| l.get(ROLLOUT_LABEL))
            .is_some_and(|v| v == id)
    });
    labelled && of_this && this_rollout
}

/// On the contender's pods, and in its Deployment's and Service's selectors.
pub const ROLE: (&str, &str) = ("ramp.dev/role", "contender");

/// The label keys that the contender's pods carry with `-canary` appended.
/// None with the replicas router: there the incumbent's Service must select
/// the contender's pods too, and the role label alone sets them apart.
pub fn rewritten_keys(
    incumbent: &Deployment,
    service: &Service,
    router: RouterKind,
) -> BTreeSet<String> {
    let mut keys = BTreeSet::new();
    if router.traffic_follows_pods() {
        return keys;
    }
    if let Some(labels) = incumbent
        .spec
        .as_ref()
        .and_then(|s| s.selector.match_labels.as_ref())
    {
        keys.extend(labels.keys().cloned());
    }
    if let Some(selector) = service.spec.as_ref().and_then(|s| s.selector.as_ref()) {
        keys.extend(selector.keys().cloned());
    }
    keys
}

fn rewrite(
    labels: &BTreeMap<String, String>,
    keys: &BTreeSet<String>,
) -> Result<BTreeMap<String, String>> {
    labels
        .iter()
        .map(|(key, value)| {
            if !keys.contains(key) {
                return Ok((key.clone(), value.clone()));
            }
            let new = format!("{value}{SUFFIX}");
            if new.len() > 63 {
                return Err(Error::invalid(format!(
                    "label {key}={value} is too long to mark the contender's pods ({new} is over 63 characters)"
                ))
                .with_hint("shorten the label value the Service and Deployment select on"));
            }
            Ok((key.clone(), new))
        })
        .collect()
}

/// The labels of the contender's pods: the new template's, the `keys`
/// rewritten, and ramp's role label.
pub fn pod_labels(
    template: &BTreeMap<String, String>,
    keys: &BTreeSet<String>,
) -> Result<BTreeMap<String, String>> {
    let mut labels = rewrite(template, keys)?;
    labels.insert(ROLE.0.into(), ROLE.1.into());
    Ok(labels)
}

/// Refuses a new pod template that changes or drops a label the
/// incumbent's Service selects: once promoted, the incumbent's pods would
/// carry the new labels and the Service would select none of them.
pub fn check_selected_labels(
    service: &str,
    selector: &BTreeMap<String, String>,
    template: &BTreeMap<String, String>,
) -> Result<()> {
    for (key, value) in selector {
        let now = match template.get(key) {
            Some(new) if new == value => continue,
            Some(new) => format!("sets label {key}={new}"),
            None => format!("has no label {key}"),
        };
        return Err(Error::invalid(format!(
            "the new pod template {now}, but service {service:?} selects {key}={value}: once promoted, the Service would select none of the pods"
        ))
        .with_hint(format!(
            "keep {key}={value} in the new template's labels; to change the label, change the Service's selector after the rollout"
        )));
    }
    Ok(())
}

/// Other Services that select the contender's pods (`others`) send it
/// requests whatever the steps say: a step that runs the contender with no
/// traffic (a preview, staging) is refused, a split is told of.
pub fn check_other_services(
    service: &str,
    others: &[String],
    steps: &[super::strategy::Step],
) -> Result<Vec<String>> {
    let Some(other) = others.first() else {
        return Ok(Vec::new());
    };
    if let Some((i, step)) = steps
        .iter()
        .enumerate()
        .find(|(_, s)| s.traffic.contender == 0 && s.capacity.contender > 0)
    {
        return Err(Error::invalid(format!(
            "service {other:?} selects the contender's pods too, and ramp switches only service {service:?}: at step {} ({}), which gives the contender no traffic, {other} would send it requests",
            i + 1,
            step.name
        ))
        .with_hint(format!(
            "change service {other}'s selector so that it does not select the pods during the rollout, or use a strategy without a preview"
        )));
    }
    Ok(others
        .iter()
        .map(|other| {
            format!(
                "service {other} selects the contender's pods too: it sends to both versions by ready pods, whatever the steps give service {service}"
            )
        })
        .collect())
}

/// The contender Deployment: the incumbent's spec with the new template,
/// its selector and pod labels rewritten, at `replicas`.
pub fn deployment(
    incumbent: &Deployment,
    keys: &BTreeSet<String>,
    template: &PodTemplateSpec,
    namespace: &str,
    replicas: i32,
    rollout: Option<&str>,
) -> Result<Deployment> {
    let name = incumbent.metadata.name.clone().unwrap_or_default();
    let spec = incumbent.spec.clone().unwrap_or_default();
    if spec
        .selector
        .match_expressions
        .as_ref()
        .is_some_and(|e| !e.is_empty())
    {
        return Err(Error::invalid(format!(
            "deployment {name:?} selects its pods with matchExpressions, which ramp cannot rewrite for the contender"
        ))
        .with_hint("select the pods with matchLabels only"));
    }
    let mut match_labels = rewrite(
        &spec.selector.match_labels.clone().unwrap_or_default(),
        keys,
    )?;
    match_labels.insert(ROLE.0.into(), ROLE.1.into());
    let mut template = template.clone();
    let metadata = template.metadata.get_or_insert_with(Default::default);
    metadata.labels = Some(pod_labels(
        &metadata.labels.clone().unwrap_or_default(),
        keys,
    )?);

    let (labels, annotations) = stamp(
        incumbent.metadata.labels.clone().unwrap_or_default(),
        incumbent.metadata.namespace.as_deref().unwrap_or_default(),
        &name,
        rollout,
    );
    Ok(Deployment {
        metadata: ObjectMeta {
            name: Some(name_for(&name)),
            namespace: Some(namespace.to_string()),
            labels: Some(labels),
            annotations: Some(annotations),
            ..Default::default()
        },
        spec: Some(DeploymentSpec {
            replicas: Some(replicas),
            selector: LabelSelector {
                match_labels: Some(match_labels),
                match_expressions: None,
            },
            template,
            paused: None,
            ..spec
        }),
        status: None,
    })
}

/// The contender's Service: the incumbent Service's ports, selecting the
/// contender's pods.
pub fn service(
    incumbent_service: &Service,
    incumbent: &str,
    keys: &BTreeSet<String>,
    namespace: &str,
    rollout: Option<&str>,
) -> Result<Service> {
    let spec = incumbent_service.spec.clone().unwrap_or_default();
    let mut selector = rewrite(&spec.selector.clone().unwrap_or_default(), keys)?;
    selector.insert(ROLE.0.into(), ROLE.1.into());
    let ports = spec
        .ports
        .unwrap_or_default()
        .into_iter()
        .map(|p| ServicePort {
            node_port: None,
            ..p
        })
        .collect();
    let (labels, annotations) = stamp(
        BTreeMap::new(),
        incumbent_service
            .metadata
            .namespace
            .as_deref()
            .unwrap_or_default(),
        incumbent,
        rollout,
    );
    Ok(Service {
        metadata: ObjectMeta {
            name: Some(name_for(incumbent)),
            namespace: Some(namespace.to_string()),
            labels: Some(labels),
            annotations: Some(annotations),
            ..Default::default()
        },
        spec: Some(ServiceSpec {
            selector: Some(selector),
            ports: Some(ports),
            type_: Some("ClusterIP".into()),
            ..Default::default()
        }),
        status: None,
    })
}

/// An image change from `--image [CONTAINER=]IMAGE`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageChange {
    pub container: Option<String>,
    pub image: String,
}

impl ImageChange {
    pub fn parse(arg: &str) -> Result<ImageChange> {
        let (container, image) = match arg.split_once('=') {
            Some((container, image)) => (Some(container.to_string()), image.to_string()),
            None => (None, arg.to_string()),
        };
        if image.is_empty() || container.as_deref() == Some("") {
            return Err(Error::invalid(format!("--image {arg:?} names no image"))
                .with_hint("write --image IMAGE, or --image CONTAINER=IMAGE when the pod has several containers"));
        }
        if !is_image_reference(&image) {
            return Err(Error::invalid(format!(
                "--image {image:?} is not a valid image reference"
            ))
            .with_hint("write [REGISTRY[:PORT]/]REPOSITORY[:TAG][@DIGEST], the repository in lower case, e.g. registry.example.com/shop/web:2.1"));
        }
        Ok(ImageChange { container, image })
    }

    /// The changes of several --image flags; a container named twice (or
    /// two images for the only container) is refused.
    pub fn parse_all(args: &[String]) -> Result<Vec<ImageChange>> {
        let changes = args
            .iter()
            .map(|a| ImageChange::parse(a))
            .collect::<Result<Vec<_>>>()?;
        for (i, change) in changes.iter().enumerate() {
            if changes[..i].iter().any(|c| c.container == change.container) {
                return Err(match &change.container {
                    Some(container) => {
                        Error::invalid(format!("--image names container {container:?} twice"))
                    }
                    None => Error::invalid("--image gives two images for the same container"),
                }
                .with_hint("give each container one --image"));
            }
        }
        Ok(changes)
    }
}

/// Whether `text` is an image reference as container runtimes read it:
/// [DOMAIN[:PORT]/]PATH[:TAG][@ALGORITHM:HEX], the path in lower case.
pub fn is_image_reference(text: &str) -> bool {
    let (rest, digest) = match text.split_once('@') {
        Some((rest, digest)) => (rest, Some(digest)),
        None => (text, None),
    };
    if digest.is_some_and(|d| !is_digest(d)) {
        return false;
    }
    // A tag follows the last colon after the last slash.
    let last_slash = rest.rfind('/').map_or(0, |i| i + 1);
    let (name, tag) = match rest[last_slash..].rfind(':') {
        Some(i) => (&rest[..last_slash + i], Some(&rest[last_slash + i + 1..])),
        None => (rest, None),
    };
    if let Some(tag) = tag {
        let tag_ok = (1..=128).contains(&tag.len())
            && tag.starts_with(|c: char| c.is_ascii_alphanumeric() || c == '_')
            && tag
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "_.-".contains(c));
        if !tag_ok {
            return false;
        }
    }
    if name.is_empty() || name.len() > 255 {
        return false;
    }
    let mut components: Vec<&str> = name.split('/').collect();
    let first = components[0];
    let has_domain = components.len() > 1
        && (first.contains(['.', ':'])
            || first == "localhost"
            || first.chars().any(|c| c.is_ascii_uppercase()));
    if has_domain {
        let (host, port) = match first.rsplit_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (first, None),
        };
        let host_ok = host.split('.').all(|part| {
            !part.is_empty()
                && part.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
                && !part.starts_with('-')
                && !part.ends_with('-')
        });
        let port_ok = port.is_none_or(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_digit()));
        if !host_ok || !port_ok {
            return false;
        }
        components.remove(0);
    }
    components
        .iter()
        .all(|component| is_path_component(component))
}

/// A digest, as `ALGORITHM:HEX`: sha256:... and the like.
fn is_digest(digest: &str) -> bool {
    let Some((algorithm, hex)) = digest.split_once(':') else {
        return false;
    };
    let algorithm_ok = !algorithm.is_empty()
        && algorithm.starts_with(|c: char| c.is_ascii_alphabetic())
        && algorithm
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "+._-".contains(c));
    algorithm_ok && hex.len() >= 32 && hex.chars().all(|c| c.is_ascii_hexdigit())
}

/// One component of a repository's path: lower-case alphanumerics,
/// separated by one of . _ __ or dashes.
fn is_path_component(component: &str) -> bool {
    let bytes = component.as_bytes();
    let alnum = |b: &u8| b.is_ascii_lowercase() || b.is_ascii_digit();
    if bytes.is_empty() || !alnum(&bytes[0]) || !alnum(&bytes[bytes.len() - 1]) {
        return false;
    }
    let mut i = 0;
    while i < bytes.len() {
        if alnum(&bytes[i]) {
            i += 1;
            continue;
        }
        let start = i;
        while i < bytes.len() && !alnum(&bytes[i]) {
            i += 1;
        }
        let separator = &component[start..i];
        let ok = matches!(separator, "." | "_" | "__") || separator.chars().all(|c| c == '-');
        if !ok {
            return false;
        }
    }
    true
}

/// The incumbent's template with new images.
pub fn with_images(incumbent: &Deployment, changes: &[ImageChange]) -> Result<PodTemplateSpec> {
    let name = incumbent.metadata.name.clone().unwrap_or_default();
    let mut template = incumbent.spec.clone().unwrap_or_default().template;
    let spec = template.spec.get_or_insert_with(Default::default);
    let names: Vec<String> = spec.containers.iter().map(|c| c.name.clone()).collect();
    for change in changes {
        let index = match &change.container {
            Some(container) => names.iter().position(|n| n == container).ok_or_else(|| {
                Error::invalid(format!(
                    "deployment {name:?} has no container {container:?}"
                ))
                .with_hint(format!("its containers are: {}", names.join(", ")))
            })?,
            None if names.len() == 1 => 0,
            None => {
                return Err(Error::invalid(format!(
                    "deployment {name:?} has {} containers; say which one takes {}",
                    names.len(),
                    change.image
                ))
                .with_hint(format!(
                    "write --image CONTAINER=IMAGE, with CONTAINER one of: {}",
                    names.join(", ")
                )));
            }
        };
        spec.containers[index].image = Some(change.image.clone());
    }
    Ok(template)
}

#[cfg(test)]
mod tests {

    #[test]
    fn an_object_is_this_rollouts_only_with_its_label_annotation_and_id() {
        let meta = |labels: &[(&str, &str)], incumbent: Option<&str>| {
            serde_json::from_value::<k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta>(
                serde_json::json!({
                    "labels": labels.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect::<std::collections::BTreeMap<_, _>>(),
                    "annotations": incumbent.map(|i| serde_json::json!({INCUMBENT_ANNOTATION: i})),
                }),
            )
            .unwrap()
        };
        let ramp = (MANAGED_BY.0, MANAGED_BY.1);
        let cases = [
            (
                meta(&[ramp, (ROLLOUT_LABEL, "a1")], Some("shop/web")),
                Some("a1"),
                true,
            ),
            // Another rollout's, of the same Deployment: not this one's.
            (
                meta(&[ramp, (ROLLOUT_LABEL, "b2")], Some("shop/web")),
                Some("a1"),
                false,
            ),
            // No id on it, while the rollout has one: not made by it.
            (meta(&[ramp], Some("shop/web")), Some("a1"), false),
            // A rollout without an id (an older record): label and annotation.
            (
                meta(&[ramp, (ROLLOUT_LABEL, "b2")], Some("shop/web")),
                None,
                true,
            ),
            (meta(&[ramp], Some("shop/web")), None, true),
            (meta(&[ramp], Some("shop/api")), None, false),
            (meta(&[], Some("shop/web")), None, false),
            (meta(&[ramp], None), None, false),
        ];
        for (meta, id, want) in cases {
            assert_eq!(owned(&meta, "shop", "web", id), want, "{meta:?} {id:?}");
        }
    }

    #[test]
    fn image_references_are_read_as_container_runtimes_read_them() {
        let sha = "sha256:4f53cda18c2baa0c0354bb5f9a3ecbe5ed12ab4d8e11ba873c2f11161202b945";
        let valid = [
            "web".to_string(),
            "web:2".into(),
            "example.com/web:2".into(),
            "registry.example.com:5000/shop/web:2.1-rc_1".into(),
            "localhost/web".into(),
            "localhost:5000/web:latest".into(),
            "ghcr.io/org/my__app/web-api:v1".into(),
            format!("web@{sha}"),
            format!("example.com/web:2@{sha}"),
            "[::1]:5000/web".into(),
        ];
        for image in &valid {
            if image.starts_with('[') {
                // IPv6 registries are not taken (rare; refused rather
                // than guessed at).
                assert!(!is_image_reference(image), "{image}");
                continue;
            }
            assert!(is_image_reference(image), "{image} is valid");
        }
        let invalid = [
            " registry/web:2",
            "registry/web:2 ",
            "Registry/Web:2",
            "web:",
            "web::2",
            ":2",
            "example.com/",
            "web/-x",
            "web:-2",
            "web@sha256:abc",
            "example.com:port/web",
            "web..app",
            "web@",
        ];
        for image in invalid {
            assert!(!is_image_reference(image), "{image:?} is not valid");
        }
    }

    #[test]
    fn a_container_gets_one_image() {
        let args = |list: &[&str]| list.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(
            ImageChange::parse_all(&args(&["web=a:1", "web=b:2"]))
                .unwrap_err()
                .message,
            "--image names container \"web\" twice"
        );
        assert_eq!(
            ImageChange::parse_all(&args(&["a:1", "b:2"]))
                .unwrap_err()
                .message,
            "--image gives two images for the same container"
        );
        assert_eq!(
            ImageChange::parse_all(&args(&["web=a:1", "sidecar=b:2"]))
                .unwrap()
                .len(),
            2
        );
        assert_eq!(
            ImageChange::parse(" registry/web:2").unwrap_err().message,
            "--image \" registry/web:2\" is not a valid image reference"
        );
    }

    use super::*;
    use serde_json::json;

    fn incumbent() -> Deployment {
        serde_json::from_value(json!({
            "metadata": {"name": "web", "namespace": "shop", "labels": {"team": "a"}},
            "spec": {
                "replicas": 4,
                "selector": {"matchLabels": {"app": "web"}},
                "strategy": {"type": "RollingUpdate"},
                "template": {
                    "metadata": {"labels": {"app": "web", "tier": "front", "version": "1"}},
                    "spec": {"containers": [
                        {"name": "web", "image": "web:1"},
                        {"name": "proxy", "image": "envoy:1"}
                    ]}
                }
            }
        }))
        .unwrap()
    }

    fn svc() -> Service {
        serde_json::from_value(json!({
            "metadata": {"name": "web", "namespace": "shop"},
            "spec": {"selector": {"app": "web", "tier": "front"}, "type": "NodePort",
                     "ports": [{"name": "http", "port": 80, "targetPort": 8080, "nodePort": 30080}]}
        }))
        .unwrap()
    }

    #[test]
    fn a_template_must_keep_the_labels_the_service_selects() {
        let map = |pairs: &[(&str, &str)]| -> BTreeMap<String, String> {
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect()
        };
        let selector = map(&[("app", "web"), ("track", "v1")]);
        type Labels<'a> = &'a [(&'a str, &'a str)];
        let cases: &[(Labels, Option<&str>)] = &[
            (&[("app", "web"), ("track", "v1")], None),
            (&[("app", "web"), ("track", "v1"), ("extra", "x")], None),
            (
                &[("app", "web"), ("track", "v2")],
                Some(
                    "the new pod template sets label track=v2, but service \"web\" selects track=v1",
                ),
            ),
            (
                &[("app", "web")],
                Some(
                    "the new pod template has no label track, but service \"web\" selects track=v1",
                ),
            ),
        ];
        for (labels, refused) in cases {
            let checked = check_selected_labels("web", &selector, &map(labels));
            match refused {
                None => assert!(checked.is_ok(), "{labels:?}"),
                Some(message) => {
                    let err = checked.unwrap_err();
                    assert_eq!(err.kind, crate::error::Kind::Invalid);
                    assert!(err.message.starts_with(message), "{}", err.message);
                }
            }
        }
    }

    #[test]
    fn the_contender_pods_escape_the_incumbents_selectors() {
        let incumbent = incumbent();
        let keys = rewritten_keys(&incumbent, &svc(), RouterKind::Istio);
        let template =
            with_images(&incumbent, &[ImageChange::parse("web=web:2").unwrap()]).unwrap();
        let contender =
            deployment(&incumbent, &keys, &template, "shop", 1, Some("0a1b2c3d4e")).unwrap();
        let spec = contender.spec.unwrap();
        let labels = spec.template.metadata.unwrap().labels.unwrap();
        assert_eq!(labels["app"], "web-canary");
        assert_eq!(labels["tier"], "front-canary");
        assert_eq!(labels["version"], "1");
        assert_eq!(spec.selector.match_labels.unwrap()["app"], "web-canary");
        assert_eq!(spec.replicas, Some(1));
        assert_eq!(
            spec.template.spec.unwrap().containers[0].image.as_deref(),
            Some("web:2")
        );
        assert_eq!(contender.metadata.name.as_deref(), Some("web-canary"));
        let labels = contender.metadata.labels.unwrap();
        assert_eq!(labels["app.kubernetes.io/managed-by"], "kubectl-ramp");
        assert_eq!(labels["ramp.dev/rollout"], "0a1b2c3d4e");
        assert_eq!(
            contender.metadata.annotations.unwrap()["ramp.dev/incumbent"],
            "shop/web"
        );
    }

    #[test]
    fn the_contender_service_keeps_the_ports_and_selects_the_contender() {
        let incumbent = incumbent();
        let keys = rewritten_keys(&incumbent, &svc(), RouterKind::Istio);
        let service = service(&svc(), "web", &keys, "canaries", Some("0a1b2c3d4e")).unwrap();
        let spec = service.spec.unwrap();
        assert_eq!(
            spec.selector.unwrap(),
            BTreeMap::from([
                ("app".to_string(), "web-canary".to_string()),
                ("ramp.dev/role".into(), "contender".into()),
                ("tier".into(), "front-canary".into())
            ])
        );
        let port = &spec.ports.unwrap()[0];
        assert_eq!(
            (port.name.as_deref(), port.port, port.node_port),
            (Some("http"), 80, None)
        );
        assert_eq!(spec.type_.as_deref(), Some("ClusterIP"));
        assert_eq!(service.metadata.namespace.as_deref(), Some("canaries"));
        assert_eq!(
            service.metadata.labels.unwrap()["ramp.dev/rollout"],
            "0a1b2c3d4e"
        );
        // The incumbent's Service is in shop; the contender's may be elsewhere.
        assert_eq!(
            service.metadata.annotations.unwrap()["ramp.dev/incumbent"],
            "shop/web"
        );
    }

    #[test]
    fn with_the_replicas_router_the_incumbents_service_selects_the_contender() {
        let incumbent = incumbent();
        let keys = rewritten_keys(&incumbent, &svc(), RouterKind::Replicas);
        let template =
            with_images(&incumbent, &[ImageChange::parse("web=web:2").unwrap()]).unwrap();
        let contender =
            deployment(&incumbent, &keys, &template, "shop", 1, Some("0a1b2c3d4e")).unwrap();
        let spec = contender.spec.unwrap();
        let labels = spec.template.metadata.unwrap().labels.unwrap();
        let service_selector = svc().spec.unwrap().selector.unwrap();
        assert!(crate::engine::observe::selects(&service_selector, &labels));
        let own_selector = spec.selector.match_labels.unwrap();
        assert_eq!(own_selector["ramp.dev/role"], "contender");
        assert!(crate::engine::observe::selects(&own_selector, &labels));
    }

    #[test]
    fn image_changes_name_the_container_when_there_are_several() {
        let incumbent = incumbent();
        let err = with_images(&incumbent, &[ImageChange::parse("web:2").unwrap()]).unwrap_err();
        assert_eq!(
            err.message,
            "deployment \"web\" has 2 containers; say which one takes web:2"
        );
        let err = with_images(&incumbent, &[ImageChange::parse("db=pg:16").unwrap()]).unwrap_err();
        assert_eq!(err.message, "deployment \"web\" has no container \"db\"");
        assert_eq!(err.hint.as_deref(), Some("its containers are: web, proxy"));
        assert!(ImageChange::parse("web=").is_err());
    }
}
