//! `kubectl ramp freeze|unfreeze [-n NS | --all-namespaces]`: holds the
//! rollouts of a namespace, or of the whole cluster, still. The gate every
//! command that moves a rollout forward passes first is `ops::freeze`.

use k8s_openapi::jiff::Timestamp;

use crate::cli::{FreezeArgs, GlobalArgs, UnfreezeArgs};
use crate::clusters::access::who_am_i;
use crate::connect::Connection;
use crate::engine::freeze as stored;
use crate::engine::lock::{hostname, username};
use crate::error::{Error, Result};
use crate::rollout::freeze::{Freeze, Scope};

pub use crate::ops::freeze::{
    Held, cluster_namespace, freezes, gate, hold, hold_or_pass, now_for, passage,
};

/// When a freeze ends: an RFC 3339 time, or a duration from now (2h, 30m).
fn until(text: &str, now: Timestamp) -> Result<Timestamp> {
    let at = match text.parse::<Timestamp>() {
        Ok(at) => at,
        Err(_) => {
            match crate::duration::parse(text) {
                Ok(duration) => now
                    .checked_add(
                        k8s_openapi::jiff::SignedDuration::try_from(duration).map_err(|_| {
                            Error::invalid(format!("--until {text:?} is too far away"))
                        })?,
                    )
                    .map_err(|_| Error::invalid(format!("--until {text:?} is too far away")))?,
                Err(_) => {
                    return Err(Error::invalid(format!("--until {text:?} is not a time"))
                    .with_hint("write a time as 2026-12-01T08:00:00Z, or a duration from now as 2h or 90m"));
                }
            }
        }
    };
    if at <= now {
        return Err(
            Error::invalid(format!("--until {text:?} is already past ({at})"))
                .with_hint("name a time to come, e.g. 2h from now: --until 2h"),
        );
    }
    Ok(at)
}

pub async fn freeze(global: &GlobalArgs, args: &FreezeArgs) -> Result<()> {
    let reason = args.reason.trim();
    if reason.is_empty() {
        return Err(Error::invalid("--reason is empty")
            .with_hint("say why, for whoever's rollout it stops: --reason 'black friday'"));
    }
    // Checked before anything is asked of the cluster, then counted from
    // the cluster's clock, which judges it.
    args.until
        .as_deref()
        .map(|t| until(t, Timestamp::now()))
        .transpose()?;
    let conn = Connection::open(&global.target()).await?;
    let now = conn.server_now().await;
    let until = args.until.as_deref().map(|t| until(t, now)).transpose()?;
    let (scope, namespace) = match args.all_namespaces {
        true => (Scope::Cluster, cluster_namespace(&global.target())),
        false => (Scope::Namespace, conn.namespace.clone()),
    };
    let by = who_am_i(&conn)
        .await
        .unwrap_or_else(|| format!("{}@{}", username(), hostname()));
    let freeze = Freeze {
        scope,
        namespace,
        by,
        reason: reason.to_string(),
        since: now.to_string(),
        until: until.map(|u| u.to_string()),
    };
    let replaced = stored::write(&conn, &freeze).await?;
    if let Some(before) = replaced {
        eprintln!("replaces: {}", before.describe());
    }
    eprintln!("{}", freeze.describe());
    global.ui().print(&vec![freeze], |f, _| list_table(f))
}

pub async fn unfreeze(global: &GlobalArgs, args: &UnfreezeArgs) -> Result<()> {
    let conn = Connection::open(&global.target()).await?;
    let namespace = match args.all_namespaces {
        true => cluster_namespace(&global.target()),
        false => conn.namespace.clone(),
    };
    let what = match args.all_namespaces {
        true => "the cluster".to_string(),
        false => format!("namespace {namespace:?}"),
    };
    match stored::delete(&conn, &namespace).await? {
        Some(freeze) => {
            eprintln!("unfrozen {what}; it was: {}", freeze.describe());
            Ok(())
        }
        None => {
            eprintln!("{what} was not frozen");
            Ok(())
        }
    }
}

/// A freeze as `list` shows it: with its cluster, across clusters.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Listed {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cluster: Option<String>,
    #[serde(flatten)]
    pub freeze: Freeze,
    /// Its `until` is past (by the cluster's clock): it no longer holds,
    /// but its ConfigMap stays until someone lifts it.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub over: bool,
}

/// The freezes as a table: scope, namespace, by, since, until, reason.
pub fn list_table(freezes: &[Freeze]) -> String {
    let listed: Vec<Listed> = freezes
        .iter()
        .map(|f| Listed {
            cluster: None,
            freeze: f.clone(),
            over: false,
        })
        .collect();
    listed_table(&listed)
}

/// `list_table`, with a CLUSTER column when they come from several.
pub fn listed_table(freezes: &[Listed]) -> String {
    let clusters = freezes.iter().any(|l| l.cluster.is_some());
    let mut header = vec!["frozen", "namespace", "by", "since", "until", "reason"];
    if clusters {
        header.insert(0, "cluster");
    }
    let mut t = crate::ui::table(&header);
    for listed in freezes {
        let f = &listed.freeze;
        // What the freeze's ConfigMap holds, as anyone may have written
        // it: shown without the control characters a terminal acts on.
        let text = |t: &str| crate::input::printable(t).into_owned();
        let mut row = vec![
            f.scope.as_str().to_string(),
            f.namespace.clone(),
            text(&f.by),
            text(&f.since),
            match (&f.until, listed.over) {
                (_, true) => format!("{} (over)", text(f.until.as_deref().unwrap_or_default())),
                (Some(until), false) => text(until),
                (None, false) => "-".into(),
            },
            text(&f.reason),
        ];
        if clusters {
            row.insert(0, listed.cluster.clone().unwrap_or_default());
        }
        t.add_row(row);
    }
    crate::ui::render(&t)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Kind;

    #[test]
    fn until_reads_a_time_or_a_duration_from_now() {
        let now: Timestamp = "2026-11-27T10:00:00Z".parse().unwrap();
        assert_eq!(
            until("2h", now).unwrap().to_string(),
            "2026-11-27T12:00:00Z"
        );
        assert_eq!(
            until("2026-12-01T08:00:00Z", now).unwrap().to_string(),
            "2026-12-01T08:00:00Z"
        );
        let past = until("2026-11-27T09:00:00Z", now).unwrap_err();
        assert_eq!(past.kind, Kind::Invalid);
        assert!(past.message.contains("already past"), "{}", past.message);
        let nonsense = until("tomorrow", now).unwrap_err();
        assert!(
            nonsense.message.contains("is not a time"),
            "{}",
            nonsense.message
        );
        assert!(until("0s", now).is_err());
    }
}
