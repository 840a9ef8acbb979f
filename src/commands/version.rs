//! `kubectl ramp version`: this program's version, git commit and build
//! date, and the API server's version when it can be reached. A server that
//! cannot be reached is not an error: the client's part is still printed,
//! and a sentence on stderr says why the server's is missing.

use std::time::Duration;

use serde::Serialize;

use crate::cli::{GlobalArgs, VersionArgs};
use crate::connect::Connection;
use crate::error::{self, Error, Result};

/// How long to wait for the API server before reporting it unreachable.
const SERVER_TIMEOUT: Duration = Duration::from_secs(15);

#[derive(Debug, Serialize)]
pub struct Versions {
    pub client: Client,
    pub server: Option<Server>,
}

#[derive(Debug, Serialize)]
pub struct Client {
    pub version: &'static str,
    pub commit: &'static str,
    pub build_date: &'static str,
}

#[derive(Debug, Serialize)]
pub struct Server {
    pub git_version: String,
}

/// This build, as build.rs recorded it ("unknown" where git was missing).
pub fn client() -> Client {
    Client {
        version: env!("CARGO_PKG_VERSION"),
        commit: env!("RAMP_GIT_COMMIT"),
        build_date: env!("RAMP_BUILD_DATE"),
    }
}

pub async fn run(global: &GlobalArgs, args: &VersionArgs) -> Result<()> {
    let (server, unreachable) = match args.client {
        true => (None, None),
        false => match server(global).await {
            Ok(server) => (Some(server), None),
            Err(err) => (None, Some(err)),
        },
    };
    let versions = Versions {
        client: client(),
        server,
    };
    global.ui().print(&versions, |v, _| table_of(v))?;
    if let Some(err) = unreachable {
        eprintln!("the API server could not be reached: {err}");
    }
    Ok(())
}

async fn server(global: &GlobalArgs) -> Result<Server> {
    let conn = Connection::open(&global.target()).await?;
    let info = tokio::time::timeout(SERVER_TIMEOUT, conn.client.apiserver_version())
        .await
        .map_err(|_| {
            Error::failed(format!(
                "the Kubernetes API server at {} did not answer within {}s",
                conn.server,
                SERVER_TIMEOUT.as_secs()
            ))
        })?
        .map_err(|e| error::from_kube(e, "get the server's version", &conn.server))?;
    Ok(Server {
        git_version: info.git_version,
    })
}

/// kubectl's `version` layout: one "Name: value" line each.
pub fn table_of(versions: &Versions) -> String {
    let client = &versions.client;
    let mut text = format!(
        "Client Version: {}\nGit Commit:     {}\nBuild Date:     {}\n",
        client.version, client.commit, client.build_date
    );
    if let Some(server) = &versions.server {
        text.push_str(&format!("Server Version: {}\n", server.git_version));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_has_the_documented_keys() {
        let versions = Versions {
            client: client(),
            server: Some(Server {
                git_version: "v1.36.3".into(),
            }),
        };
        let json = serde_json::to_value(&versions).unwrap();
        assert_eq!(json["client"]["version"], env!("CARGO_PKG_VERSION"));
        assert!(json["client"]["commit"].is_string());
        assert!(json["client"]["build_date"].is_string());
        assert_eq!(json["server"]["git_version"], "v1.36.3");

        let unreachable = Versions {
            client: client(),
            server: None,
        };
        assert!(serde_json::to_value(&unreachable).unwrap()["server"].is_null());
    }

    #[test]
    fn the_table_leaves_out_an_unknown_server() {
        let text = table_of(&Versions {
            client: client(),
            server: None,
        });
        assert!(text.starts_with("Client Version: "), "{text}");
        assert!(!text.contains("Server Version"), "{text}");
    }
}
