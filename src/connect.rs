//! Connecting to a cluster the way kubectl does: `--kubeconfig`, then
//! `$KUBECONFIG`, then `~/.kube/config`, then the in-cluster service account;
//! `--context` picks the context, `-n` overrides its namespace.

use std::path::{Path, PathBuf};
use std::time::Duration;

use kube::config::{
    AuthInfo, Context, KubeConfigOptions, Kubeconfig, NamedAuthInfo, NamedCluster, NamedContext,
};
use kube::{Client, Config};

use crate::error::{Error, Result};

/// Which cluster and namespace to talk to, and as whom, as kubectl's flags
/// say it.
#[derive(Debug, Clone, Default)]
pub struct Target {
    pub kubeconfig: Option<PathBuf>,
    pub context: Option<String>,
    pub namespace: Option<String>,
    /// The kubeconfig cluster and user to use instead of the context's.
    pub cluster: Option<String>,
    pub user: Option<String>,
    /// Overrides of the cluster's entry.
    pub server: Option<String>,
    pub certificate_authority: Option<PathBuf>,
    pub insecure_skip_tls_verify: bool,
    /// Overrides of the user's entry.
    pub token: Option<String>,
    pub client_certificate: Option<PathBuf>,
    pub client_key: Option<PathBuf>,
    /// Impersonation: `--as`, `--as-group`, `--as-uid`.
    pub impersonate: Option<String>,
    pub impersonate_groups: Vec<String>,
    pub impersonate_uid: Option<String>,
    /// How long one request may take; `None` keeps the client's defaults.
    pub request_timeout: Option<Duration>,
}

impl Target {
    /// Whether a flag names the cluster or the credentials, so that a
    /// kubeconfig is not needed to describe them.
    fn names_the_server(&self) -> bool {
        self.server.is_some()
    }

    /// Checks that the files the flags name exist: exit 2 naming the flag.
    fn check_files(&self) -> Result<()> {
        let files = [
            ("--certificate-authority", &self.certificate_authority),
            ("--client-certificate", &self.client_certificate),
            ("--client-key", &self.client_key),
        ];
        for (flag, path) in files {
            if let Some(path) = path
                && !path.is_file()
            {
                return Err(
                    Error::invalid(format!("{flag} {}: no such file", path.display()))
                        .with_hint(format!("pass the path of an existing PEM file to {flag}")),
                );
            }
        }
        if self.insecure_skip_tls_verify && self.certificate_authority.is_some() {
            return Err(Error::invalid(
                "--insecure-skip-tls-verify and --certificate-authority contradict each other",
            )
            .with_hint("pass one of them, as kubectl asks"));
        }
        if let Some(server) = &self.server
            && !server
                .parse::<http::Uri>()
                .is_ok_and(|u| u.host().is_some())
        {
            return Err(Error::invalid(format!("--server {server:?} is not a URL"))
                .with_hint("write it as https://HOST:PORT"));
        }
        Ok(())
    }

    /// The kubeconfig with the flags' overrides written into the entries
    /// the context (or --cluster and --user) points at, as kubectl applies
    /// them.
    fn apply(&self, mut config: Kubeconfig) -> Result<Kubeconfig> {
        self.check_names(&config)?;
        let context_name = self
            .context
            .clone()
            .or_else(|| config.current_context.clone())
            .unwrap_or_default();
        let context = config
            .contexts
            .iter()
            .find(|c| c.name == context_name)
            .and_then(|c| c.context.clone());
        let cluster_name = self
            .cluster
            .clone()
            .or_else(|| context.as_ref().map(|c| c.cluster.clone()));
        let user_name = self
            .user
            .clone()
            .or_else(|| context.as_ref().and_then(|c| c.user.clone()));
        let changes_cluster = self.server.is_some()
            || self.certificate_authority.is_some()
            || self.insecure_skip_tls_verify;
        if changes_cluster {
            self.apply_cluster(&mut config, cluster_name, &context_name)?;
        }
        let changes_user = self.token.is_some()
            || self.client_certificate.is_some()
            || self.client_key.is_some()
            || self.impersonate.is_some()
            || !self.impersonate_groups.is_empty()
            || self.impersonate_uid.is_some();
        if changes_user {
            self.apply_user(&mut config, user_name, &context_name);
        }
        Ok(config)
    }

    /// Refuses a --cluster or --user the kubeconfig does not have (a
    /// --cluster with --server is made).
    fn check_names(&self, config: &Kubeconfig) -> Result<()> {
        let names = |names: Vec<&String>| match names.is_empty() {
            true => "none".to_string(),
            false => names
                .iter()
                .map(|n| n.as_str())
                .collect::<Vec<_>>()
                .join(", "),
        };
        if let Some(name) = &self.cluster
            && self.server.is_none()
            && !config.clusters.iter().any(|c| c.name == *name)
        {
            return Err(Error::invalid(format!(
                "the kubeconfig has no cluster {name:?} (--cluster)"
            ))
            .with_hint(format!(
                "its clusters: {}",
                names(config.clusters.iter().map(|c| &c.name).collect())
            )));
        }
        if let Some(name) = &self.user
            && !config.auth_infos.iter().any(|u| u.name == *name)
        {
            return Err(
                Error::invalid(format!("the kubeconfig has no user {name:?} (--user)")).with_hint(
                    format!(
                        "its users: {}",
                        names(config.auth_infos.iter().map(|u| &u.name).collect())
                    ),
                ),
            );
        }
        Ok(())
    }

    /// --server, --certificate-authority and --insecure-skip-tls-verify,
    /// written into the cluster `cluster_name` (made when it is missing).
    fn apply_cluster(
        &self,
        config: &mut Kubeconfig,
        cluster_name: Option<String>,
        context_name: &str,
    ) -> Result<()> {
        let name = cluster_name.ok_or_else(|| {
            Error::invalid(format!(
                "the kubeconfig has no context {context_name:?} naming a cluster"
            ))
            .with_hint("pass --context, or --cluster NAME")
        })?;
        if !config.clusters.iter().any(|c| c.name == name) {
            config.clusters.push(NamedCluster {
                name: name.clone(),
                ..Default::default()
            });
        }
        let entry = config.clusters.iter_mut().find(|c| c.name == name).unwrap();
        let cluster = entry.cluster.get_or_insert_with(Default::default);
        if let Some(server) = &self.server {
            cluster.server = Some(server.clone());
        }
        if let Some(path) = &self.certificate_authority {
            cluster.certificate_authority = Some(path.display().to_string());
            cluster.certificate_authority_data = None;
        }
        if self.insecure_skip_tls_verify {
            cluster.insecure_skip_tls_verify = Some(true);
            cluster.certificate_authority = None;
            cluster.certificate_authority_data = None;
        }
        Ok(())
    }

    /// --token, the client certificate and key, and impersonation, written
    /// into the user `user_name` (made when it is missing, and given to the
    /// context when it had none).
    fn apply_user(&self, config: &mut Kubeconfig, user_name: Option<String>, context_name: &str) {
        // A context without a user is anonymous; the flags give it one.
        let name = user_name.unwrap_or_else(|| "kubectl-ramp".to_string());
        if !config.auth_infos.iter().any(|u| u.name == name) {
            config.auth_infos.push(NamedAuthInfo {
                name: name.clone(),
                ..Default::default()
            });
        }
        let entry = config
            .auth_infos
            .iter_mut()
            .find(|u| u.name == name)
            .unwrap();
        let user = entry.auth_info.get_or_insert_with(Default::default);
        if let Some(token) = &self.token {
            // The token says who we are: no other way of logging in is
            // kept, not even a client certificate, which the API server
            // would believe first.
            *user = AuthInfo {
                token: Some(token.clone().into()),
                impersonate: user.impersonate.take(),
                impersonate_groups: user.impersonate_groups.take(),
                impersonate_uid: user.impersonate_uid.take(),
                ..Default::default()
            };
        }
        if let Some(path) = &self.client_certificate {
            user.client_certificate = Some(path.display().to_string());
            user.client_certificate_data = None;
        }
        if let Some(path) = &self.client_key {
            user.client_key = Some(path.display().to_string());
            user.client_key_data = None;
        }
        if let Some(name) = &self.impersonate {
            user.impersonate = Some(name.clone());
        }
        if !self.impersonate_groups.is_empty() {
            user.impersonate_groups = Some(self.impersonate_groups.clone());
        }
        if let Some(uid) = &self.impersonate_uid {
            user.impersonate_uid = Some(uid.clone());
        }
        if self.user.is_none() {
            // The context may have had no user: point it at this one.
            if let Some(entry) = config
                .contexts
                .iter_mut()
                .find(|c| c.name == context_name)
                .and_then(|c| c.context.as_mut())
            {
                entry.user = Some(name);
            }
        }
    }
}

/// A kubeconfig of one context, for flags that name the server outright
/// (`--server`, `--token`) where there is no kubeconfig.
fn from_flags_only() -> Kubeconfig {
    const NAME: &str = "kubectl-ramp";
    Kubeconfig {
        clusters: vec![NamedCluster {
            name: NAME.into(),
            cluster: Some(Default::default()),
            ..Default::default()
        }],
        auth_infos: vec![NamedAuthInfo {
            name: NAME.into(),
            auth_info: Some(Default::default()),
            ..Default::default()
        }],
        contexts: vec![NamedContext {
            name: NAME.into(),
            context: Some(Context {
                cluster: NAME.into(),
                user: Some(NAME.into()),
                ..Default::default()
            }),
            ..Default::default()
        }],
        current_context: Some(NAME.into()),
        ..Default::default()
    }
}

/// An HTTP Date (RFC 9110: `Wed, 02 Dec 2026 15:04:05 GMT`).
pub fn http_date(text: &str) -> Option<k8s_openapi::jiff::Timestamp> {
    k8s_openapi::jiff::fmt::rfc2822::parse(text.trim())
        .ok()
        .map(|zoned| zoned.timestamp())
}

/// The User-Agent of every request to the API server.
pub const USER_AGENT: &str = concat!("kubectl-ramp/", env!("CARGO_PKG_VERSION"));

/// A client for one cluster, with the namespace commands act in.
#[derive(Clone)]
pub struct Connection {
    pub client: Client,
    pub namespace: String,
    /// The API server's URL, for messages.
    pub server: String,
    /// The certificate authorities the server is checked against (DER), for
    /// the kubeconfigs ramp writes.
    pub root_cert: Option<Vec<Vec<u8>>>,
    /// The user named by --as (or the kubeconfig's `as`), for messages.
    pub impersonating: Option<String>,
    /// The versions of each API group the server serves, as discovery
    /// answered them (`None`: not served), asked once per connection.
    pub served: Served,
    /// What the engine keeps open on this connection from one use to the
    /// next (the watches a driver's rounds go on with), by key.
    pub kept: Kept,
}

/// Things kept per connection, each by a key of its keeper's.
pub type Kept = std::sync::Arc<
    std::sync::Mutex<std::collections::BTreeMap<String, Box<dyn std::any::Any + Send>>>,
>;

/// API groups and the versions the server serves of each.
pub type Served =
    std::sync::Arc<std::sync::Mutex<std::collections::BTreeMap<String, Option<Vec<String>>>>>;

impl Connection {
    /// The API server's time now, as its answer's Date header gives it (to
    /// the second), so that a time someone gave (a freeze's --until) is
    /// judged by the cluster's clock, not this machine's. This machine's
    /// when the server does not say.
    pub async fn server_now(&self) -> k8s_openapi::jiff::Timestamp {
        let request = http::Request::get("/version")
            .body(kube::client::Body::empty())
            .expect("a valid request");
        let date = match self.client.send(request).await {
            Ok(response) => response
                .headers()
                .get(http::header::DATE)
                .and_then(|d| d.to_str().ok())
                .and_then(http_date),
            Err(e) => {
                tracing::debug!("no time from the API server ({e}): this machine's");
                None
            }
        };
        date.unwrap_or_else(k8s_openapi::jiff::Timestamp::now)
    }

    pub async fn open(target: &Target) -> Result<Self> {
        target.check_files()?;
        let options = KubeConfigOptions {
            context: target.context.clone(),
            cluster: target.cluster.clone(),
            user: target.user.clone(),
        };
        let mut config = config_of(target, &options).await?;
        // A black-holed address should fail in seconds, not hang a CI job.
        config.connect_timeout = Some(Duration::from_secs(10));
        if let Some(timeout) = target.request_timeout {
            config.connect_timeout = Some(timeout.min(Duration::from_secs(10)));
            config.read_timeout = Some(timeout);
            config.write_timeout = Some(timeout);
        }
        let impersonating = config.auth_info.impersonate.clone();
        // As kubectl names itself: audit logs tell who made each request.
        config.headers.push((
            http::header::USER_AGENT,
            http::HeaderValue::from_static(USER_AGENT),
        ));
        let server = config
            .cluster_url
            .to_string()
            .trim_end_matches('/')
            .to_string();
        let root_cert = config.root_cert.clone();
        let namespace = target
            .namespace
            .clone()
            .unwrap_or_else(|| config.default_namespace.clone());
        // The context's namespace reaches API paths as -n's does.
        crate::input::namespace_name(&namespace).map_err(|e| {
            Error::invalid(format!("the kubeconfig context's namespace: {e}"))
                .with_hint("fix the context's namespace, or pass -n NAMESPACE")
        })?;
        // ramp's own retries (crate::retry) instead of the client's, which
        // send writes again after 503 and 504 and never after a refused
        // connection.
        config.default_retry = false;
        let client = builder(config)
            .map_err(|e| {
                Error::failed(format!(
                    "cannot set up a client for {server}: {}",
                    first_line(&e)
                ))
            })?
            // The retry layer sends copies through a service it can clone.
            .with_layer(&tower::buffer::BufferLayer::new(1024))
            .with_layer(&tower::retry::RetryLayer::new(
                crate::retry::Transient::default(),
            ))
            .build();
        Ok(Connection {
            client,
            namespace,
            server,
            root_cert,
            impersonating,
            served: Served::default(),
            kept: Kept::default(),
        })
    }
}

/// The client configuration `target` names: its kubeconfig (or, for
/// flags that name the server outright, one of them alone) with the flags'
/// overrides, else the in-cluster one.
async fn config_of(target: &Target, options: &KubeConfigOptions) -> Result<Config> {
    let found = match kubeconfig(target.kubeconfig.as_deref())? {
        None if target.names_the_server() && target.context.is_none() => Some(from_flags_only()),
        found => found,
    };
    let found = found.map(|k| target.apply(k)).transpose()?;
    match found {
        Some(kubeconfig) => Config::from_custom_kubeconfig(kubeconfig, options)
            .await
            .map_err(|e| {
                Error::failed(format!("cannot use the kubeconfig: {}", first_line(&e)))
                    .with_hint("check the file with `kubectl config view`, or pass --context")
            }),
        None if target.context.is_none() => Config::incluster().map_err(|_| {
            Error::failed(
                "no kubeconfig found: $KUBECONFIG is not set and ~/.kube/config does not exist",
            )
            .with_hint("pass --kubeconfig PATH or set KUBECONFIG")
        }),
        None => Err(Error::failed(format!(
            "no kubeconfig found to look up context {:?}",
            target.context.as_deref().unwrap_or_default()
        ))
        .with_hint("pass --kubeconfig PATH or set KUBECONFIG")),
    }
}

/// The client's stack: kube's own, but with TCP_NODELAY on its
/// connections. Without it, a request that goes out in two TLS records
/// on a fresh connection waits for the server's delayed acknowledgement
/// of the first (about 40 ms on Linux) before the second is sent, so a
/// read on a connection of its own, beside another, cost more than
/// waiting for the other to finish. TLS (client certificates from an
/// exec plugin included), authentication and its refresh, impersonation
/// and the timeouts are kube's own layers; only a proxy, which kube
/// handles itself, goes through kube's builder as it is.
fn builder(
    config: Config,
) -> std::result::Result<kube::client::ClientBuilder<GenericService>, kube::Error> {
    use kube::client::ConfigExt;
    use tower::ServiceBuilder;
    if config.proxy_url.is_some() {
        return kube::client::ClientBuilder::try_from(config);
    }
    let mut http = hyper_util::client::legacy::connect::HttpConnector::new();
    http.enforce_http(false);
    http.set_nodelay(true);
    let https = config.rustls_https_connector_with_connector(http)?;
    let mut connector = hyper_timeout::TimeoutConnector::new(https);
    connector.set_connect_timeout(config.connect_timeout);
    connector.set_read_timeout(config.read_timeout);
    connector.set_write_timeout(config.write_timeout);
    connector.set_reset_reader_on_write(config.reset_reader_on_write);
    let client: hyper_util::client::legacy::Client<_, kube::client::Body> =
        hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
            .build(connector);
    let service = ServiceBuilder::new()
        .layer(config.base_uri_layer())
        .option_layer(config.auth_layer()?)
        .layer(config.extra_headers_layer()?)
        // RAMP_LOG=debug shows each request, as kube's stack does.
        .map_request(|request: http::Request<kube::client::Body>| {
            tracing::debug!(method = %request.method(), url = %request.uri(), "requesting");
            request
        })
        .map_err(BoxError::from)
        .service(client);
    let service = tower::ServiceExt::map_response(
        service,
        |response: http::Response<hyper::body::Incoming>| {
            response.map(|body| {
                Box::new(http_body_util::BodyExt::map_err(body, BoxError::from))
                    as Box<kube::client::DynBody>
            })
        },
    );
    Ok(kube::client::ClientBuilder::new(
        tower::util::BoxService::new(service),
        config.default_namespace,
    ))
}

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// The service kube's builder makes, which ramp's layers go on.
type GenericService = tower::util::BoxService<
    http::Request<kube::client::Body>,
    http::Response<Box<kube::client::DynBody>>,
    BoxError,
>;

/// Reads the kubeconfig the way kubectl finds it. `None` when there is none
/// at all (not an error yet: in a pod the service account is used).
fn kubeconfig(flag: Option<&Path>) -> Result<Option<Kubeconfig>> {
    if let Some(path) = flag {
        if !path.exists() {
            return Err(
                Error::failed(format!("the kubeconfig {} does not exist", path.display()))
                    .with_hint("pass the path of an existing file to --kubeconfig"),
            );
        }
        return read(path).map(Some);
    }
    if let Some(paths) = std::env::var_os("KUBECONFIG").filter(|v| !v.is_empty()) {
        // Like kubectl: every file in the list that exists, merged in order.
        let mut merged: Option<Kubeconfig> = None;
        for path in std::env::split_paths(&paths).filter(|p| p.exists()) {
            let next = read(&path)?;
            merged = Some(match merged {
                None => next,
                Some(first) => first.merge(next).map_err(|e| {
                    Error::failed(format!(
                        "cannot merge {}: {}",
                        path.display(),
                        first_line(&e)
                    ))
                })?,
            });
        }
        if merged.is_none() {
            return Err(Error::failed(format!(
                "no kubeconfig found: none of the files in KUBECONFIG ({}) exists",
                paths.to_string_lossy()
            ))
            .with_hint("set KUBECONFIG to an existing file, or pass --kubeconfig"));
        }
        return Ok(merged);
    }
    let default = home_kubeconfig();
    match default {
        Some(path) if path.exists() => read(&path).map(Some),
        _ => Ok(None),
    }
}

/// Whether the kubeconfig (`flag`, else $KUBECONFIG, else
/// ~/.kube/config) has a context named `context`.
pub fn has_context(flag: Option<&Path>, context: &str) -> Result<bool> {
    Ok(kubeconfig(flag)?.is_some_and(|k| k.contexts.iter().any(|c| c.name == context)))
}

fn home_kubeconfig() -> Option<PathBuf> {
    std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".kube").join("config"))
}

fn read(path: &Path) -> Result<Kubeconfig> {
    Kubeconfig::read_from(path).map_err(|e| {
        Error::failed(format!(
            "cannot read the kubeconfig {}: {}",
            path.display(),
            first_line(&e)
        ))
    })
}

fn first_line(err: &dyn std::fmt::Display) -> String {
    err.to_string()
        .lines()
        .next()
        .unwrap_or_default()
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_http_date_is_read_as_the_server_wrote_it() {
        let at = http_date("Wed, 02 Dec 2026 15:04:05 GMT").unwrap();
        assert_eq!(at.to_string(), "2026-12-02T15:04:05Z");
        assert!(http_date("yesterday").is_none());
    }

    const KUBECONFIG: &str = r#"
apiVersion: v1
kind: Config
clusters:
- name: prod
  cluster: {server: "https://prod:6443", certificate-authority-data: Q0E=}
users:
- name: admin
  user: {client-certificate-data: Q0VSVA==, client-key-data: S0VZ}
contexts:
- name: prod
  context: {cluster: prod, user: admin}
current-context: prod
"#;

    fn applied(target: Target) -> Kubeconfig {
        target
            .apply(Kubeconfig::from_yaml(KUBECONFIG).unwrap())
            .unwrap()
    }

    #[test]
    fn impersonation_goes_into_the_contexts_user() {
        let config = applied(Target {
            impersonate: Some("jane".into()),
            impersonate_groups: vec!["dev".into(), "ops".into()],
            impersonate_uid: Some("42".into()),
            ..Default::default()
        });
        let user = config.auth_infos[0].auth_info.as_ref().unwrap();
        assert_eq!(user.impersonate.as_deref(), Some("jane"));
        assert_eq!(
            user.impersonate_groups.as_deref(),
            Some(&["dev".to_string(), "ops".to_string()][..])
        );
        assert_eq!(user.impersonate_uid.as_deref(), Some("42"));
        assert!(user.client_certificate_data.is_some(), "still logged in");
    }

    #[test]
    fn insecure_drops_the_certificate_authority_and_server_replaces_the_address() {
        let config = applied(Target {
            server: Some("https://other:6443".into()),
            insecure_skip_tls_verify: true,
            ..Default::default()
        });
        let cluster = config.clusters[0].cluster.as_ref().unwrap();
        assert_eq!(cluster.server.as_deref(), Some("https://other:6443"));
        assert_eq!(cluster.insecure_skip_tls_verify, Some(true));
        assert!(cluster.certificate_authority_data.is_none());
    }
}
