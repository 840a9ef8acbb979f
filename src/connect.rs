//! Connecting to a cluster the way kubectl does: `--kubeconfig`, then
//! `$KUBECONFIG`, then `~/.kube/config`, then the in-cluster service account;
//! `--context` picks the context, `-n` overrides its namespace.

use std::path::{Path, PathBuf};
use std::time::Duration;

use kube::config::{KubeConfigOptions, Kubeconfig};
use kube::{Client, Config};

use crate::error::{Error, Result};

/// Which cluster and namespace to talk to, as kubectl's flags say it.
#[derive(Debug, Clone, Default)]
pub struct Target {
    pub kubeconfig: Option<PathBuf>,
    pub context: Option<String>,
    pub namespace: Option<String>,
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
}

impl Connection {
    pub async fn open(target: &Target) -> Result<Self> {
        let options = KubeConfigOptions {
            context: target.context.clone(),
            ..Default::default()
        };
        let mut config = match kubeconfig(target.kubeconfig.as_deref())? {
            Some(kubeconfig) => Config::from_custom_kubeconfig(kubeconfig, &options)
                .await
                .map_err(|e| {
                    Error::failed(format!("cannot use the kubeconfig: {}", first_line(&e)))
                        .with_hint("check the file with `kubectl config view`, or pass --context")
                })?,
            None if target.context.is_none() => Config::incluster().map_err(|_| {
                Error::failed(
                    "no kubeconfig found: $KUBECONFIG is not set and ~/.kube/config does not exist",
                )
                .with_hint("pass --kubeconfig PATH or set KUBECONFIG")
            })?,
            None => {
                return Err(Error::failed(format!(
                    "no kubeconfig found to look up context {:?}",
                    target.context.as_deref().unwrap_or_default()
                ))
                .with_hint("pass --kubeconfig PATH or set KUBECONFIG"));
            }
        };
        // A black-holed address should fail in seconds, not hang a CI job.
        config.connect_timeout = Some(Duration::from_secs(10));
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
        let client = Client::try_from(config).map_err(|e| {
            Error::failed(format!(
                "cannot set up a client for {server}: {}",
                first_line(&e)
            ))
        })?;
        Ok(Connection {
            client,
            namespace,
            server,
            root_cert,
        })
    }
}

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
