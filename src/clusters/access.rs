//! What ramp needs of a cluster: that it answers, which routers it offers,
//! and the permissions ramp's commands use, which `cluster setup
//! --create-rbac` grants in one namespace (nothing cluster-wide).

use base64::Engine;
use k8s_openapi::api::authorization::v1::{
    ResourceAttributes, ResourceRule, SelfSubjectAccessReview, SelfSubjectAccessReviewSpec,
    SelfSubjectRulesReview, SelfSubjectRulesReviewSpec,
};
use k8s_openapi::api::core::v1::ServiceAccount;
use k8s_openapi::api::rbac::v1::{PolicyRule, Role, RoleBinding, RoleRef, Subject};
use kube::Api;
use kube::api::{ObjectMeta, Patch, PatchParams, PostParams};
use serde::Serialize;
use serde_json::json;

use crate::connect::Connection;
use crate::error::{self, Error, Result};
use crate::rollout::freeze::CONFIG_MAP as FREEZE_CONFIG_MAP;
use crate::router::RouterKind;

/// The name of the ServiceAccount, Role and RoleBinding ramp creates.
pub const NAME: &str = "kubectl-ramp";

/// What only the rollout of an autoscaled Deployment needs.
pub const AUTOSCALED: (&str, &str, &[&str]) = (
    "autoscaling",
    "horizontalpodautoscalers",
    &["get", "create", "patch", "delete"],
);

/// Every permission ramp's commands use, in the rollout's namespace.
pub const PERMISSIONS: &[(&str, &str, &[&str])] = &[
    (
        "apps",
        "deployments",
        &["get", "list", "watch", "create", "patch", "delete"],
    ),
    (
        "",
        "services",
        &["get", "list", "create", "patch", "delete"],
    ),
    ("", "pods", &["list"]),
    // What the gateway can know of a Service's pods: watched before the
    // contender's first requests and before pods that took traffic go.
    ("discovery.k8s.io", "endpointslices", &["list", "watch"]),
    // Beyond list, only for autoscaled Deployments: their contender gets
    // an autoscaler of its own (see AUTOSCALED).
    (
        "autoscaling",
        "horizontalpodautoscalers",
        &["list", "get", "create", "patch", "delete"],
    ),
    (
        "coordination.k8s.io",
        "leases",
        &["get", "list", "watch", "create", "update", "delete"],
    ),
    ("events.k8s.io", "events", &["create", "patch"]),
    (
        "networking.istio.io",
        "virtualservices",
        &["get", "list", "patch"],
    ),
    (
        "gateway.networking.k8s.io",
        "httproutes",
        &["get", "list", "patch"],
    ),
];

/// The freeze ConfigMap, which ramp reads (by its name only) wherever a
/// rollout or the cluster's freezes live.
const FREEZE_READ: (&str, &str, &str) = ("", "configmaps", FREEZE_CONFIG_MAP);

/// The Role, bound to no one, that lets whoever is bound to it freeze and
/// unfreeze a namespace (or, in the freeze namespace, the cluster).
pub const FREEZER: &str = "kubectl-ramp-freezer";

/// The Role in the freeze namespace that lets ramp's ServiceAccounts read
/// the cluster-wide freeze.
pub const FREEZE_READER: &str = "kubectl-ramp-freeze-reader";

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Permission {
    pub verb: String,
    pub resource: String,
    pub group: String,
    /// The one object it is needed on, when not every one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

impl std::fmt::Display for Permission {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.group.as_str() {
            "" => write!(f, "{} {}", self.verb, self.resource)?,
            group => write!(f, "{} {}.{group}", self.verb, self.resource)?,
        }
        match &self.name {
            Some(name) => write!(f, "/{name}"),
            None => Ok(()),
        }
    }
}

/// What the current credentials may do in one namespace, as the API server
/// says in one SelfSubjectRulesReview.
pub struct Rules {
    namespace: String,
    rules: Vec<ResourceRule>,
    /// The server could not list every rule (an authorizer that cannot
    /// enumerate): what the rules do not grant is asked one by one.
    incomplete: bool,
}

/// Asks the API server once what the credentials may do in `namespace`.
pub async fn rules(conn: &Connection, namespace: &str) -> Result<Rules> {
    let api: Api<SelfSubjectRulesReview> = Api::all(conn.client.clone());
    let review = SelfSubjectRulesReview {
        spec: SelfSubjectRulesReviewSpec {
            namespace: Some(namespace.to_string()),
        },
        ..Default::default()
    };
    let answer = api
        .create(&PostParams::default(), &review)
        .await
        .map_err(|e| {
            error::from_kube(
                e,
                "ask the API server what these credentials may do",
                &conn.server,
            )
        })?;
    let status = answer.status.unwrap_or_default();
    Ok(Rules {
        namespace: namespace.to_string(),
        rules: status.resource_rules,
        incomplete: status.incomplete,
    })
}

/// Who the API server takes the caller to be (a SelfSubjectReview), for
/// the record: `None` when it cannot say (a server before 1.28).
pub async fn who_am_i(conn: &Connection) -> Option<String> {
    use k8s_openapi::api::authentication::v1::SelfSubjectReview;
    let api: Api<SelfSubjectReview> = Api::all(conn.client.clone());
    match api
        .create(&PostParams::default(), &SelfSubjectReview::default())
        .await
    {
        Ok(review) => review.status?.user_info?.username,
        Err(e) => {
            tracing::debug!("the API server did not say who the caller is: {e}");
            None
        }
    }
}

/// Whether one rule of a rules review grants `verb` on `resource` of
/// `group`: on every object, or on the object `name` when one is given.
pub fn grants_on(
    rule: &ResourceRule,
    group: &str,
    resource: &str,
    verb: &str,
    name: Option<&str>,
) -> bool {
    let any = |list: &[String], wanted: &str| list.iter().any(|v| v == "*" || v == wanted);
    let names = rule.resource_names.as_deref().unwrap_or_default();
    let names_match = names.is_empty() || name.is_some_and(|name| names.iter().any(|n| n == name));
    any(&rule.verbs, verb)
        && any(rule.api_groups.as_deref().unwrap_or_default(), group)
        && any(rule.resources.as_deref().unwrap_or_default(), resource)
        && names_match
}

impl Rules {
    /// The permissions a rollout (through `router`, or any router) needs
    /// that these credentials lack.
    pub async fn missing(
        &self,
        conn: &Connection,
        router: Option<RouterKind>,
    ) -> Result<Vec<Permission>> {
        self.missing_but(conn, |group| {
            router.is_some_and(|r| crate::router::unused_group(r, group))
        })
        .await
    }

    /// The permissions every rollout needs, whatever its router, that these
    /// credentials lack.
    pub async fn missing_common(&self, conn: &Connection) -> Result<Vec<Permission>> {
        self.missing_but(conn, |group| {
            crate::router::routers()
                .into_iter()
                .any(|r| r.flavor().is_some_and(|f| f.group == group))
        })
        .await
    }

    /// The permissions of a rollout but those of the API groups `unused`
    /// that these credentials lack.
    async fn missing_but(
        &self,
        conn: &Connection,
        unused: impl Fn(&str) -> bool,
    ) -> Result<Vec<Permission>> {
        let needed: Vec<Permission> = PERMISSIONS
            .iter()
            .filter(|(group, _, _)| !unused(group))
            .flat_map(|(group, resource, verbs)| {
                verbs.iter().map(move |verb| Permission {
                    verb: verb.to_string(),
                    resource: resource.to_string(),
                    group: group.to_string(),
                    name: None,
                })
            })
            .chain(std::iter::once(freeze_read()))
            .filter(|p| {
                let (group, resource, verbs) = AUTOSCALED;
                !(p.group == group && p.resource == resource && verbs.contains(&p.verb.as_str()))
            })
            .collect();
        self.missing_of(conn, needed).await
    }

    /// Those of `needed` that the rules do not grant.
    pub async fn missing_of(
        &self,
        conn: &Connection,
        needed: Vec<Permission>,
    ) -> Result<Vec<Permission>> {
        let not_granted: Vec<Permission> = needed
            .into_iter()
            .filter(|p| {
                !self
                    .rules
                    .iter()
                    .any(|r| grants_on(r, &p.group, &p.resource, &p.verb, p.name.as_deref()))
            })
            .collect();
        if !self.incomplete || not_granted.is_empty() {
            return Ok(not_granted);
        }
        // Asked together, not one after the other.
        let answers = futures::future::join_all(
            not_granted
                .iter()
                .map(|p| allowed(conn, &self.namespace, p)),
        )
        .await;
        let mut missing = Vec::new();
        for (permission, answer) in not_granted.into_iter().zip(answers) {
            if !answer? {
                missing.push(permission);
            }
        }
        Ok(missing)
    }
}

/// Reading the freeze ConfigMap.
fn freeze_read() -> Permission {
    let (group, resource, name) = FREEZE_READ;
    Permission {
        verb: "get".into(),
        resource: resource.into(),
        group: group.into(),
        name: Some(name.into()),
    }
}

/// One SelfSubjectAccessReview.
async fn allowed(conn: &Connection, namespace: &str, p: &Permission) -> Result<bool> {
    let api: Api<SelfSubjectAccessReview> = Api::all(conn.client.clone());
    let review = SelfSubjectAccessReview {
        spec: SelfSubjectAccessReviewSpec {
            resource_attributes: Some(ResourceAttributes {
                namespace: Some(namespace.to_string()),
                verb: Some(p.verb.clone()),
                group: Some(p.group.clone()),
                resource: Some(p.resource.clone()),
                name: p.name.clone(),
                ..Default::default()
            }),
            ..Default::default()
        },
        ..Default::default()
    };
    let answer = api
        .create(&PostParams::default(), &review)
        .await
        .map_err(|e| {
            error::from_kube(
                e,
                "ask the API server what these credentials may do",
                &conn.server,
            )
        })?;
    Ok(answer.status.is_some_and(|s| s.allowed))
}

/// The permissions the current credentials lack in `namespace`. With a
/// router, only those a rollout through it uses.
pub async fn missing_permissions(
    conn: &Connection,
    namespace: &str,
    router: Option<RouterKind>,
) -> Result<Vec<Permission>> {
    rules(conn, namespace).await?.missing(conn, router).await
}

/// The Kubernetes version, or why the cluster cannot be reached.
pub async fn version(conn: &Connection) -> Result<String> {
    conn.client
        .apiserver_version()
        .await
        .map(|info| info.git_version)
        .map_err(|e| error::from_kube(e, "read the version", &conn.server))
}

/// The routers the cluster offers: replicas always; istio and gateway-api
/// when their CRDs are served.
pub async fn routers(conn: &Connection) -> Result<Vec<RouterKind>> {
    let groups = conn
        .client
        .list_api_groups()
        .await
        .map_err(|e| error::from_kube(e, "list the API groups", &conn.server))?;
    let mut routers = Vec::new();
    for router in crate::router::routers() {
        // A router without objects of its own works on any cluster.
        let Some(flavor) = router.flavor() else {
            routers.push(router.kind());
            continue;
        };
        let (kind, group, resource) = (router.kind(), flavor.group, flavor.plural);
        let Some(found) = groups.groups.iter().find(|g| g.name == group) else {
            continue;
        };
        let version = found
            .preferred_version
            .as_ref()
            .map(|v| v.group_version.clone())
            .unwrap_or_default();
        let resources = conn
            .client
            .list_api_group_resources(&version)
            .await
            .map_err(|e| {
                error::from_kube(e, &format!("list the resources of {version}"), &conn.server)
            })?;
        if resources.resources.iter().any(|r| r.name == resource) {
            routers.push(kind);
        }
    }
    Ok(routers)
}

/// Creates (or brings up to date) the ServiceAccount, Role and RoleBinding
/// that hold exactly the permissions ramp needs in `namespace`, with the
/// reading of the cluster-wide freeze in `freeze_namespace`; and, bound to
/// no one, the Roles that let a person freeze (`kubectl-ramp-freezer`).
pub async fn create_rbac(conn: &Connection, namespace: &str, freeze_namespace: &str) -> Result<()> {
    let params = PatchParams::apply("kubectl-ramp").force();
    let meta = || named_meta(NAME, namespace);
    let fail = |e, what: &str| {
        error::from_kube(
            e,
            &format!("apply the {what} {NAME:?} in namespace {namespace:?}"),
            &conn.server,
        )
    };
    let account = ServiceAccount {
        metadata: meta(),
        ..Default::default()
    };
    let mut value = serde_json::to_value(&account).expect("serializes");
    value["apiVersion"] = json!("v1");
    value["kind"] = json!("ServiceAccount");
    Api::<ServiceAccount>::namespaced(conn.client.clone(), namespace)
        .patch(NAME, &params, &Patch::Apply(&value))
        .await
        .map_err(|e| fail(e, "ServiceAccount"))?;
    let mut rules: Vec<PolicyRule> = PERMISSIONS
        .iter()
        .map(|(group, resource, verbs)| PolicyRule {
            api_groups: Some(vec![group.to_string()]),
            resources: Some(vec![resource.to_string()]),
            verbs: verbs.iter().map(|v| v.to_string()).collect(),
            ..Default::default()
        })
        .collect();
    rules.push(freeze_read_rule());
    apply_role(conn, namespace, NAME, rules).await?;
    apply_binding(conn, namespace, NAME, NAME, namespace).await?;
    apply_role(conn, namespace, FREEZER, freezer_rules()).await?;
    if freeze_namespace != namespace {
        apply_role(
            conn,
            freeze_namespace,
            FREEZE_READER,
            vec![freeze_read_rule()],
        )
        .await?;
        apply_binding(
            conn,
            freeze_namespace,
            &format!("{FREEZE_READER}-{namespace}"),
            FREEZE_READER,
            namespace,
        )
        .await?;
        apply_role(conn, freeze_namespace, FREEZER, freezer_rules()).await?;
    }
    Ok(())
}

fn named_meta(name: &str, namespace: &str) -> ObjectMeta {
    ObjectMeta {
        name: Some(name.into()),
        namespace: Some(namespace.into()),
        labels: Some(
            [(
                "app.kubernetes.io/managed-by".to_string(),
                "kubectl-ramp".to_string(),
            )]
            .into(),
        ),
        ..Default::default()
    }
}

/// Reading the freeze ConfigMap, and nothing else of the ConfigMaps.
fn freeze_read_rule() -> PolicyRule {
    let (group, resource, name) = FREEZE_READ;
    PolicyRule {
        api_groups: Some(vec![group.into()]),
        resources: Some(vec![resource.into()]),
        resource_names: Some(vec![name.into()]),
        verbs: vec!["get".into()],
        ..Default::default()
    }
}

/// Freezing and unfreezing: RBAC cannot limit a create to one name, so
/// creating ConfigMaps is granted; the rest only on the freeze's.
fn freezer_rules() -> Vec<PolicyRule> {
    let (group, resource, name) = FREEZE_READ;
    vec![
        PolicyRule {
            api_groups: Some(vec![group.into()]),
            resources: Some(vec![resource.into()]),
            verbs: vec!["create".into()],
            ..Default::default()
        },
        PolicyRule {
            api_groups: Some(vec![group.into()]),
            resources: Some(vec![resource.into()]),
            resource_names: Some(vec![name.into()]),
            verbs: ["get", "update", "delete"].map(String::from).to_vec(),
            ..Default::default()
        },
    ]
}

async fn apply_role(
    conn: &Connection,
    namespace: &str,
    name: &str,
    rules: Vec<PolicyRule>,
) -> Result<()> {
    let role = Role {
        metadata: named_meta(name, namespace),
        rules: Some(rules),
    };
    let mut value = serde_json::to_value(&role).expect("serializes");
    value["apiVersion"] = json!("rbac.authorization.k8s.io/v1");
    value["kind"] = json!("Role");
    Api::<Role>::namespaced(conn.client.clone(), namespace)
        .patch(
            name,
            &PatchParams::apply("kubectl-ramp").force(),
            &Patch::Apply(&value),
        )
        .await
        .map_err(|e| {
            error::from_kube(
                e,
                &format!("apply the Role {name:?} in namespace {namespace:?}"),
                &conn.server,
            )
        })?;
    Ok(())
}

/// Binds `role` in `namespace` to ramp's ServiceAccount of
/// `account_namespace`.
async fn apply_binding(
    conn: &Connection,
    namespace: &str,
    name: &str,
    role: &str,
    account_namespace: &str,
) -> Result<()> {
    let binding = RoleBinding {
        metadata: named_meta(name, namespace),
        role_ref: RoleRef {
            api_group: "rbac.authorization.k8s.io".into(),
            kind: "Role".into(),
            name: role.into(),
        },
        subjects: Some(vec![Subject {
            kind: "ServiceAccount".into(),
            name: NAME.into(),
            namespace: Some(account_namespace.into()),
            ..Default::default()
        }]),
    };
    let mut value = serde_json::to_value(&binding).expect("serializes");
    value["apiVersion"] = json!("rbac.authorization.k8s.io/v1");
    value["kind"] = json!("RoleBinding");
    Api::<RoleBinding>::namespaced(conn.client.clone(), namespace)
        .patch(
            name,
            &PatchParams::apply("kubectl-ramp").force(),
            &Patch::Apply(&value),
        )
        .await
        .map_err(|e| {
            error::from_kube(
                e,
                &format!("apply the RoleBinding {name:?} in namespace {namespace:?}"),
                &conn.server,
            )
        })?;
    Ok(())
}

/// A kubeconfig for CI: the cluster's address and CA, and a short-lived
/// token of ramp's ServiceAccount from the TokenRequest API.
pub async fn token_kubeconfig(
    conn: &Connection,
    namespace: &str,
    context: &str,
    ttl_seconds: i64,
) -> Result<String> {
    let api: Api<ServiceAccount> = Api::namespaced(conn.client.clone(), namespace);
    let request = json!({
        "apiVersion": "authentication.k8s.io/v1",
        "kind": "TokenRequest",
        "spec": {"expirationSeconds": ttl_seconds},
    });
    let answer: serde_json::Value = api
        .create_subresource("token", NAME, &PostParams::default(), &request)
        .await
        .map_err(|e| match e {
            kube::Error::Api(status) if status.code == 404 => Error::invalid(format!(
                "there is no ServiceAccount {NAME:?} in namespace {namespace:?} to make a token for"
            ))
            .with_hint("add --create-rbac"),
            e => error::from_kube(
                e,
                &format!("request a token for ServiceAccount {NAME:?}"),
                &conn.server,
            ),
        })?;
    let token = answer
        .pointer("/status/token")
        .and_then(|t| t.as_str())
        .unwrap_or_default();
    let mut cluster = json!({"server": conn.server});
    if let Some(certificates) = &conn.root_cert {
        let pem: String = certificates.iter().map(|der| pem(der)).collect();
        cluster["certificate-authority-data"] =
            json!(base64::engine::general_purpose::STANDARD.encode(pem));
    }
    let kubeconfig = json!({
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": context, "cluster": cluster}],
        "users": [{"name": format!("{context}-{NAME}"), "user": {"token": token}}],
        "contexts": [{"name": context, "context": {"cluster": context, "user": format!("{context}-{NAME}"), "namespace": namespace}}],
        "current-context": context,
    });
    Ok(serde_saphyr::to_string(&kubeconfig).expect("a kubeconfig serializes"))
}

fn pem(der: &[u8]) -> String {
    let encoded = base64::engine::general_purpose::STANDARD.encode(der);
    let lines: Vec<&str> = encoded
        .as_bytes()
        .chunks(64)
        .map(|c| std::str::from_utf8(c).expect("base64 is ASCII"))
        .collect();
    format!(
        "-----BEGIN CERTIFICATE-----\n{}\n-----END CERTIFICATE-----\n",
        lines.join("\n")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn permissions_read_as_kubectl_writes_them() {
        let p = Permission {
            verb: "patch".into(),
            resource: "deployments".into(),
            group: "apps".into(),
            name: None,
        };
        assert_eq!(p.to_string(), "patch deployments.apps");
        let p = Permission {
            verb: "create".into(),
            resource: "services".into(),
            group: "".into(),
            name: None,
        };
        assert_eq!(p.to_string(), "create services");
        assert_eq!(
            freeze_read().to_string(),
            "get configmaps/kubectl-ramp-freeze"
        );
    }

    #[test]
    fn rules_grant_by_verb_group_and_resource_with_wildcards() {
        let rule =
            |verbs: &[&str], groups: &[&str], resources: &[&str], names: &[&str]| ResourceRule {
                verbs: verbs.iter().map(|v| v.to_string()).collect(),
                api_groups: Some(groups.iter().map(|v| v.to_string()).collect()),
                resources: Some(resources.iter().map(|v| v.to_string()).collect()),
                resource_names: Some(names.iter().map(|v| v.to_string()).collect()),
            };
        let cases = [
            (rule(&["patch"], &["apps"], &["deployments"], &[]), true),
            (rule(&["*"], &["*"], &["*"], &[]), true),
            (rule(&["get", "patch"], &["apps"], &["*"], &[]), true),
            (rule(&["get"], &["apps"], &["deployments"], &[]), false),
            (rule(&["patch"], &[""], &["deployments"], &[]), false),
            (rule(&["patch"], &["apps"], &["replicasets"], &[]), false),
            // Only some names: not every Deployment ramp may touch.
            (
                rule(&["patch"], &["apps"], &["deployments"], &["web"]),
                false,
            ),
        ];
        for (rule, expected) in cases {
            assert_eq!(
                grants_on(&rule, "apps", "deployments", "patch", None),
                expected,
                "{rule:?}"
            );
        }
        // A rule for one name grants what is needed on that name only.
        let freeze = rule(&["get"], &[""], &["configmaps"], &["kubectl-ramp-freeze"]);
        assert!(grants_on(
            &freeze,
            "",
            "configmaps",
            "get",
            Some("kubectl-ramp-freeze")
        ));
        assert!(!grants_on(&freeze, "", "configmaps", "get", Some("other")));
        assert!(!grants_on(&freeze, "", "configmaps", "get", None));
        let every = rule(&["get"], &[""], &["configmaps"], &[]);
        assert!(grants_on(
            &every,
            "",
            "configmaps",
            "get",
            Some("kubectl-ramp-freeze")
        ));
    }

    #[test]
    fn certificates_become_pem() {
        let text = pem(&[0u8; 60]);
        assert!(text.starts_with("-----BEGIN CERTIFICATE-----\nAAAA"));
        assert!(text.ends_with("\n-----END CERTIFICATE-----\n"));
    }
}
