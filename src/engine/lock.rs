//! A Lease (coordination.k8s.io) that keeps two kubectl-ramp processes from
//! driving one rollout at once. It is renewed while the command runs and
//! deleted when it ends; a holder that died is recognised (same host, its
//! process gone) or its lease expires, and the next command takes over.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use k8s_openapi::api::coordination::v1::{Lease, LeaseSpec};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{MicroTime, ObjectMeta};
use k8s_openapi::jiff::Timestamp;
use kube::Api;
use kube::api::{DeleteParams, PostParams, Preconditions};
use tokio::task::JoinHandle;

use crate::connect::Connection;
use crate::error::{self, Error, Kind, Result};
use crate::rollout::record::Held;

const DURATION_SECONDS: i32 = 30;
const RENEW_EVERY: Duration = Duration::from_secs(10);
/// A command that moves the rollout holds it by the record alone, and
/// takes the Lease only when its work goes on this long.
pub const LAZY_AFTER: Duration = Duration::from_secs(10);
/// How soon a Lease that could not be taken `LAZY_AFTER` is asked again.
const RETRY_LAZY: Duration = Duration::from_secs(2);

/// What the holder named in the record means for another command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Claim {
    /// Nobody holds it (or this process, or one that died here): go on.
    Free,
    /// A command wrote it moments ago: it is at work, whether or not it
    /// has taken the Lease yet.
    Young(String),
    /// Written longer ago, or by a driver: its Lease says whether it runs.
    Ask(String),
    /// Written at a time still to come here, past a hold's length (its
    /// clock is ahead): whether it runs is known once it would have taken
    /// the Lease, so its Lease is asked after `LAZY_AFTER` and a little.
    AskLater(String),
}

/// A Lease another create found there, and how to name it in errors.
struct Found<'a> {
    api: &'a Api<Lease>,
    name: &'a str,
    deployment: &'a str,
    what: &'a str,
    server: &'a str,
}

/// What became of a Lease found there when this process tried to take it.
enum TakeOver {
    /// Replaced with this process's: its holder had let it lapse, or died.
    Taken(Box<Lease>),
    /// It is this process's already.
    Ours,
    /// Let go between the create and the read: try the create again.
    Gone,
}

impl Found<'_> {
    /// Reads the Lease and replaces it with `lease` (this process's, `me`)
    /// when its holder let it lapse or died on this host; refuses while
    /// another holds it (exit 5). `tries`: the creates so far.
    async fn take_over(&self, lease: &Lease, me: &Holder, tries: u32) -> Result<TakeOver> {
        let (api, name, deployment) = (self.api, self.name, self.deployment);
        let current = match api.get_opt(name).await {
            Ok(Some(current)) => current,
            // Let go between the create and the read (its holder ended):
            // take it anew.
            Ok(None) if tries < 3 => return Ok(TakeOver::Gone),
            Ok(None) => {
                return Err(Error::new(
                    Kind::Conflict,
                    format!("the lease {name:?} kept coming and going; another kubectl-ramp is starting and ending on the rollout of {deployment:?}"),
                )
                .with_hint("run the command again"));
            }
            Err(e) => return Err(error::from_kube(e, self.what, self.server)),
        };
        let spec = current.spec.clone().unwrap_or_default();
        let holder_text = spec.holder_identity.clone().unwrap_or_default();
        let expired = expired(&spec, Timestamp::now());
        let holder = Holder::parse(&holder_text);
        if holder
            .as_ref()
            .is_some_and(|h| h.host == me.host && h.pid == me.pid)
        {
            return Ok(TakeOver::Ours);
        }
        let dead = holder.is_some_and(|h| h.is_dead_here());
        if !(expired || dead || holder_text.is_empty()) {
            return Err(held_by_another(deployment, &holder_text));
        }
        let mut replacement = lease.clone();
        replacement.metadata.resource_version = current.metadata.resource_version.clone();
        let replaced = api
            .replace(name, &PostParams::default(), &replacement)
            .await;
        replaced
            .map(|l| TakeOver::Taken(Box::new(l)))
            .map_err(|e| match e {
                kube::Error::Api(s) if s.code == 409 => Error::new(
                    Kind::Conflict,
                    format!(
                        "another kubectl-ramp took the rollout of {deployment:?} at the same moment"
                    ),
                ),
                e => error::from_kube(e, self.what, self.server),
            })
    }
}

/// Whether a Lease is over at `now`: never renewed, or renewed longer
/// ago than its duration (30 seconds when it names none).
pub fn expired(spec: &LeaseSpec, now: Timestamp) -> bool {
    spec.renew_time.as_ref().is_none_or(|renewed| {
        let seconds = i64::from(spec.lease_duration_seconds.unwrap_or(DURATION_SECONDS));
        renewed.0.as_second() + seconds < now.as_second()
    })
}

/// The claim of the holder the record names, judged by `me` at `now`.
pub fn claim_of(held: Option<&Held>, me: &Holder, now: Timestamp) -> Claim {
    let Some(held) = held else {
        return Claim::Free;
    };
    let holder = Holder::parse(&held.by);
    if holder
        .as_ref()
        .is_some_and(|h| h.host == me.host && h.pid == me.pid)
        || holder.is_some_and(|h| h.is_dead_here())
    {
        return Claim::Free;
    }
    let written = held.at.parse::<Timestamp>().ok();
    // Its Lease is taken LAZY_AFTER its start: a lease's duration after
    // its last write, it has one or is gone.
    let seconds = i64::from(DURATION_SECONDS);
    let young = written.is_some_and(|at| {
        at.as_second() + seconds > now.as_second() && at.as_second() <= now.as_second() + seconds
    });
    let ahead = written.is_some_and(|at| at.as_second() > now.as_second() + seconds);
    match (young, ahead, held.session) {
        (_, _, true) => Claim::Ask(held.by.clone()),
        (true, _, false) => Claim::Young(held.by.clone()),
        (_, true, false) => Claim::AskLater(held.by.clone()),
        _ => Claim::Ask(held.by.clone()),
    }
}

/// How long from `now` until a command that holds the rollout by the
/// record alone has taken the Lease, if it is still at work.
pub fn until_leased(held: &Held, now: Timestamp) -> Duration {
    let Ok(at) = held.at.parse::<Timestamp>() else {
        return Duration::ZERO;
    };
    let by = at.as_second() + LAZY_AFTER.as_secs() as i64 + 2;
    Duration::from_secs(u64::try_from(by - now.as_second()).unwrap_or(0))
        .min(LAZY_AFTER + Duration::from_secs(2))
}

/// The refusal of a command that finds the rollout held.
pub fn held_by_another(deployment: &str, holder: &str) -> Error {
    Error::new(
        Kind::Conflict,
        format!("another kubectl-ramp is driving the rollout of {deployment:?}: {holder}"),
    )
    .with_hint("wait for it to finish, or stop it; a dead one's lock expires within 30s")
}

/// Who holds a lease: `user@host pid N (command)`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Holder {
    pub host: String,
    pub pid: u32,
    pub text: String,
}

impl Holder {
    pub fn me(command: &str) -> Holder {
        let host = hostname();
        let pid = std::process::id();
        Holder {
            text: format!("{}@{host} pid {pid} ({command})", username()),
            host,
            pid,
        }
    }

    fn parse(text: &str) -> Option<Holder> {
        let (_, rest) = text.split_once('@')?;
        let (host, rest) = rest.split_once(" pid ")?;
        let pid = rest.split_whitespace().next()?.parse().ok()?;
        Some(Holder {
            host: host.to_string(),
            pid,
            text: text.to_string(),
        })
    }

    /// Whether this holder is a process on this machine that has exited:
    /// only where the process table can be read (/proc), and never of the
    /// name a machine without one goes by, which other machines share.
    fn is_dead_here(&self) -> bool {
        std::path::Path::new("/proc/self").exists()
            && self.host != FALLBACK_HOST
            && self.host == hostname()
            && !std::path::Path::new(&format!("/proc/{}", self.pid)).exists()
    }
}

pub fn username() -> String {
    std::env::var("USER")
        .or_else(|_| std::env::var("USERNAME"))
        .unwrap_or_else(|_| "unknown".into())
}

pub fn hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|s| s.trim().to_string())
        .ok()
        .filter(|s| !s.is_empty())
        .or_else(|| std::env::var("HOSTNAME").ok())
        .unwrap_or_else(|| FALLBACK_HOST.into())
}

/// The host name of a machine that tells none.
const FALLBACK_HOST: &str = "localhost";

pub fn lease_name(deployment: &str) -> String {
    format!("ramp-{deployment}")
}

/// A held lease. Call `release` when done; if the process dies instead, the
/// next command recognises it.
pub struct Lock {
    api: Api<Lease>,
    name: String,
    /// The server, namespace and name: what `held` knows it by.
    key: String,
    /// None when this process already held the lease (`run` driving its
    /// steps): the outer holder renews and releases it.
    renewer: Option<JoinHandle<()>>,
    /// The lease's resourceVersion as last written by this process: the
    /// release deletes exactly that version, without reading it first.
    version: Arc<Mutex<Option<String>>>,
    /// A lease taken only if the command goes on past `LAZY_AFTER`.
    pending: Option<Pending>,
}

struct Pending {
    stop: tokio::sync::oneshot::Sender<()>,
    taken: JoinHandle<Option<Lock>>,
}

impl Lock {
    /// A hold this process has already, by a Lease it renews elsewhere.
    fn unrenewed(api: Api<Lease>, name: String, key: String) -> Lock {
        Lock {
            api,
            name,
            key,
            renewer: None,
            version: Arc::default(),
            pending: None,
        }
    }

    pub async fn acquire(
        conn: &Connection,
        namespace: &str,
        deployment: &str,
        command: &str,
    ) -> Result<Lock> {
        let api: Api<Lease> = Api::namespaced(conn.client.clone(), namespace);
        let name = lease_name(deployment);
        let key = format!("{} {namespace} {name}", conn.server);
        // `run` holds it already while it steps: nothing to ask.
        if held().contains(&key) {
            return Ok(Lock::unrenewed(api, name, key));
        }
        let me = Holder::me(command);
        let what = format!("take the lease {name:?} in namespace {namespace:?}");
        let lease = lease(&name, &me.text);
        let mut tries = 0;
        let taken = loop {
            tries += 1;
            let refused = match api.create(&PostParams::default(), &lease).await {
                Ok(created) => break created,
                Err(kube::Error::Api(status)) if status.code == 409 => status,
                Err(e) => return Err(error::from_kube(e, &what, &conn.server)),
            };
            tracing::debug!("the lease {name:?} is there: {}", refused.message);
            let found = Found {
                api: &api,
                name: &name,
                deployment,
                what: &what,
                server: &conn.server,
            };
            match found.take_over(&lease, &me, tries).await? {
                TakeOver::Taken(taken) => break *taken,
                TakeOver::Ours => {
                    return Ok(Lock::unrenewed(api, name, key));
                }
                TakeOver::Gone => continue,
            }
        };
        let version = Arc::new(Mutex::new(taken.metadata.resource_version.clone()));
        held().insert(key.clone());
        if command == "run" {
            sessions().insert(key.clone(), me.text.clone());
        }
        let renewer = Some(tokio::spawn(renew(
            api.clone(),
            name.clone(),
            me.text,
            taken,
            version.clone(),
            key.clone(),
        )));
        Ok(Lock {
            api,
            name,
            key,
            renewer,
            version,
            pending: None,
        })
    }

    /// Holds the rollout for a command whose record write names it as the
    /// holder: the Lease is taken only if the command is still at work
    /// `LAZY_AFTER` from now (most steps are done by then), and renewed.
    pub fn lazy(conn: &Connection, namespace: &str, deployment: &str, command: &str) -> Lock {
        let api: Api<Lease> = Api::namespaced(conn.client.clone(), namespace);
        let name = lease_name(deployment);
        let key = format!("{} {namespace} {name}", conn.server);
        let outer = held().contains(&key);
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let pending = (!outer).then(|| {
            let (conn, namespace) = (conn.clone(), namespace.to_string());
            let (deployment, command) = (deployment.to_string(), command.to_string());
            let taken = tokio::spawn(async move {
                let mut stopped = std::pin::pin!(stopped);
                let mut wait = LAZY_AFTER;
                let mut said = false;
                loop {
                    tokio::select! {
                        _ = &mut stopped => return None,
                        () = tokio::time::sleep(wait) => {}
                    }
                    match Lock::acquire(&conn, &namespace, &deployment, &command).await {
                        Ok(lock) => return Some(lock),
                        // A blip of the API server, or a Lease someone
                        // holds for a moment (a driver that then finds
                        // this command's hold in the record and lets go,
                        // a dead one's not yet expired): tried again well
                        // within the record's hold, so that nobody who
                        // asks the Lease after it finds the rollout free.
                        Err(e) => {
                            if !said {
                                tracing::warn!("could not take the lease yet: {e}");
                                said = true;
                            }
                            wait = RETRY_LAZY;
                        }
                    }
                }
            });
            Pending { stop, taken }
        });
        Lock {
            pending,
            ..Lock::unrenewed(api, name, key)
        }
    }

    /// Waits, by watching the lease, until whoever holds it lets go (or it
    /// expires), for at most `limit`; whether it was let go.
    pub async fn wait_released(
        conn: &Connection,
        namespace: &str,
        deployment: &str,
        limit: Duration,
    ) -> bool {
        let api: Api<Lease> = Api::namespaced(conn.client.clone(), namespace);
        let name = lease_name(deployment);
        let released = kube::runtime::wait::await_condition(api, &name, |lease: Option<&Lease>| {
            lease.is_none_or(|lease| {
                expired(&lease.spec.clone().unwrap_or_default(), Timestamp::now())
            })
        });
        matches!(tokio::time::timeout(limit, released).await, Ok(Ok(_)))
    }

    /// Fails (a conflict, exit 5) when the lease is no longer this
    /// process's: someone took it over while this one could not renew it
    /// (an outage of the API server longer than the lease's 30 seconds).
    /// Read afresh; a lease this process holds from an outer command is
    /// its holder's to confirm.
    pub async fn confirm(&self) -> Result<()> {
        if self.renewer.is_none() {
            return Ok(());
        }
        let what = format!("read the lease {:?}", self.name);
        let lease = self
            .api
            .get_opt(&self.name)
            .await
            .map_err(|e| error::from_kube(e, &what, "the API server"))?;
        let holder = lease
            .and_then(|l| l.spec?.holder_identity)
            .unwrap_or_default();
        let me = Holder::me("");
        match Holder::parse(&holder) {
            Some(h) if h.host == me.host && h.pid == me.pid => Ok(()),
            _ => Err(Error::new(
                Kind::Conflict,
                format!(
                    "another kubectl-ramp took over the rollout while this one could not reach the API server: {}",
                    if holder.is_empty() { "nobody holds the lease now" } else { &holder }
                ),
            )
            .with_hint("this driver stops; the other one drives it now")),
        }
    }

    /// Deletes the lease, if it is still ours.
    pub async fn release(self) {
        if let Some(Pending { stop, taken }) = self.pending {
            // Not yet taken: it never will be. Being taken: let go of it.
            let _ = stop.send(());
            if let Ok(Some(lock)) = taken.await {
                Box::pin(lock.release()).await;
            }
            return;
        }
        let Some(renewer) = self.renewer else { return };
        renewer.abort();
        let _ = renewer.await;
        held().remove(&self.key);
        sessions().remove(&self.key);
        let version = self.version.lock().map(|v| v.clone()).unwrap_or_default();
        let params = DeleteParams {
            preconditions: Some(Preconditions {
                resource_version: version,
                uid: None,
            }),
            ..Default::default()
        };
        // A 409 means someone took it over after it expired: theirs now.
        let _ = self.api.delete(&self.name, &params).await;
    }
}

/// The holder this process drives the rollout of `deployment` as, when it
/// holds it for a whole session (`run`, `start --auto`).
pub fn session_holder(conn: &Connection, namespace: &str, deployment: &str) -> Option<String> {
    let key = format!("{} {namespace} {}", conn.server, lease_name(deployment));
    sessions().get(&key).cloned()
}

/// The sessions this process drives, by the key of their lease.
fn sessions() -> std::sync::MutexGuard<'static, std::collections::BTreeMap<String, String>> {
    static SESSIONS: Mutex<std::collections::BTreeMap<String, String>> =
        Mutex::new(std::collections::BTreeMap::new());
    SESSIONS.lock().unwrap_or_else(|e| e.into_inner())
}

/// The leases this process holds, by server, namespace and name.
fn held() -> std::sync::MutexGuard<'static, std::collections::BTreeSet<String>> {
    static HELD: Mutex<std::collections::BTreeSet<String>> =
        Mutex::new(std::collections::BTreeSet::new());
    HELD.lock().unwrap_or_else(|e| e.into_inner())
}

fn lease(name: &str, holder: &str) -> Lease {
    let now = MicroTime(Timestamp::now());
    Lease {
        metadata: ObjectMeta {
            name: Some(name.to_string()),
            labels: Some(
                [(
                    "app.kubernetes.io/managed-by".to_string(),
                    "kubectl-ramp".to_string(),
                )]
                .into(),
            ),
            ..Default::default()
        },
        spec: Some(LeaseSpec {
            holder_identity: Some(holder.to_string()),
            lease_duration_seconds: Some(DURATION_SECONDS),
            acquire_time: Some(now.clone()),
            renew_time: Some(now),
            ..Default::default()
        }),
    }
}

async fn renew(
    api: Api<Lease>,
    name: String,
    holder: String,
    mut lease: Lease,
    version: Arc<Mutex<Option<String>>>,
    key: String,
) {
    let mut wait = RENEW_EVERY;
    loop {
        tokio::time::sleep(wait).await;
        let mut next = lease.clone();
        if let Some(spec) = next.spec.as_mut() {
            if spec.holder_identity.as_deref() != Some(holder.as_str()) {
                return;
            }
            spec.renew_time = Some(MicroTime(Timestamp::now()));
        }
        match api.replace(&name, &PostParams::default(), &next).await {
            Ok(renewed) => {
                if let Ok(mut v) = version.lock() {
                    v.clone_from(&renewed.metadata.resource_version);
                }
                lease = renewed;
                wait = RENEW_EVERY;
            }
            // Changed since this process last renewed it: still its own
            // when a renewal whose answer was lost went through; lost when
            // someone took it over after it expired (the record's
            // compare-and-swap stops this process at its next write).
            Err(kube::Error::Api(status)) if status.code == 409 => match api.get(&name).await {
                Ok(current)
                    if current
                        .spec
                        .as_ref()
                        .and_then(|s| s.holder_identity.as_deref())
                        == Some(holder.as_str()) =>
                {
                    lease = current;
                    wait = Duration::ZERO;
                }
                Ok(_) => {
                    held().remove(&key);
                    sessions().remove(&key);
                    return;
                }
                Err(e) => {
                    tracing::debug!("could not read the lease, trying again: {e}");
                    wait = Duration::from_secs(2);
                }
            },
            Err(kube::Error::Api(status)) if status.code == 404 => {
                held().remove(&key);
                sessions().remove(&key);
                return;
            }
            // A blip of the API server: try again soon, well within the
            // lease's 30 seconds.
            Err(e) => {
                tracing::debug!("could not renew the lease, trying again: {e}");
                wait = Duration::from_secs(2);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lease_is_over_once_its_duration_passed_since_its_renewal() {
        let at = |t: &str| Some(MicroTime(t.parse().unwrap()));
        let now: Timestamp = "2026-12-04T12:00:00Z".parse().unwrap();
        let cases = [
            (None, None, true),
            (at("2026-12-04T11:59:40Z"), None, false),
            (at("2026-12-04T11:59:30Z"), None, false),
            (at("2026-12-04T11:59:29Z"), None, true),
            (at("2026-12-04T11:59:00Z"), Some(90), false),
            (at("2026-12-04T11:59:00Z"), Some(10), true),
            // Renewed by a clock ahead of this one's.
            (at("2026-12-04T12:00:20Z"), None, false),
        ];
        for (renew_time, lease_duration_seconds, want) in cases {
            let spec = LeaseSpec {
                renew_time: renew_time.clone(),
                lease_duration_seconds,
                ..Default::default()
            };
            assert_eq!(
                expired(&spec, now),
                want,
                "{renew_time:?} {lease_duration_seconds:?}"
            );
        }
    }

    /// An abort's lease let go between its create (409) and its read
    /// (404): the lease is taken anew instead of failing ("not found").
    #[tokio::test]
    async fn a_lease_let_go_between_create_and_read_is_taken_anew() {
        let (conn, mut server) = crate::mock::connection("shop");
        let taken = tokio::spawn(async move {
            let lock = Lock::acquire(&conn, "shop", "web", "step").await;
            lock.map(|l| {
                if let Some(r) = &l.renewer {
                    r.abort();
                }
                held().remove(&l.key);
                l.name.clone()
            })
        });
        let exists = crate::mock::status(
            409,
            "AlreadyExists",
            "leases.coordination.k8s.io \"ramp-web\" already exists",
        );
        let first = server.answer(409, exists).await;
        assert_eq!(first.method, "POST");
        let gone = crate::mock::status(
            404,
            "NotFound",
            "leases.coordination.k8s.io \"ramp-web\" not found",
        );
        let read = server.answer(404, gone).await;
        assert_eq!(read.method, "GET");
        let lease = serde_json::json!({
            "apiVersion": "coordination.k8s.io/v1", "kind": "Lease",
            "metadata": {"name": "ramp-web", "namespace": "shop", "resourceVersion": "3"},
            "spec": {"holderIdentity": "me"},
        });
        let again = server.answer(201, lease).await;
        assert_eq!(again.method, "POST", "created anew");
        assert_eq!(taken.await.unwrap().unwrap(), "ramp-web");
    }

    #[test]
    fn the_holder_a_record_names_is_judged_by_who_it_is_and_when_it_wrote() {
        let me = Holder::me("step");
        let now: Timestamp = "2026-12-04T05:00:00Z".parse().unwrap();
        let other = "ana@some-other-host-xyz pid 42 (step)";
        let dead_here = format!("ana@{} pid 999999999 (step)", hostname());
        let held = |by: &str, at: &str, session: bool| Held {
            by: by.into(),
            at: at.into(),
            session,
        };
        let young = || Claim::Young(other.into());
        let ask = || Claim::Ask(other.into());
        let cases = [
            (None, Claim::Free),
            (
                Some(held(&me.text, "2026-12-04T04:59:58Z", false)),
                Claim::Free,
            ),
            (
                Some(held(&dead_here, "2026-12-04T04:59:58Z", false)),
                Claim::Free,
            ),
            (Some(held(other, "2026-12-04T04:59:55Z", false)), young()),
            // Past a lease's duration: it has taken the Lease, or is gone.
            (Some(held(other, "2026-12-04T04:59:30Z", false)), ask()),
            (Some(held(other, "2026-12-04T04:59:31Z", false)), young()),
            // A driver holds it between its moves too: its Lease tells.
            (Some(held(other, "2026-12-04T04:59:58Z", true)), ask()),
            (Some(held(other, "not a time", false)), ask()),
            // A clock far ahead of this one's: its Lease is asked once it
            // would have one.
            (
                Some(held(other, "2026-12-04T05:01:00Z", false)),
                Claim::AskLater(other.into()),
            ),
            (Some(held(other, "2026-12-04T05:01:00Z", true)), ask()),
        ];
        for (held, expected) in cases {
            assert_eq!(claim_of(held.as_ref(), &me, now), expected, "{held:?}");
        }
    }

    #[test]
    fn an_abort_waits_for_a_young_holder_until_it_would_have_taken_the_lease() {
        let held = Held {
            by: "ana@elsewhere pid 42 (step)".into(),
            at: "2026-12-04T05:00:00Z".into(),
            session: false,
        };
        let at = |t: &str| t.parse::<Timestamp>().unwrap();
        assert_eq!(
            until_leased(&held, at("2026-12-04T05:00:03Z")),
            Duration::from_secs(9)
        );
        assert_eq!(
            until_leased(&held, at("2026-12-04T05:00:20Z")),
            Duration::ZERO
        );
        assert_eq!(
            until_leased(&held, at("2026-12-04T04:00:00Z")),
            Duration::from_secs(12)
        );
    }

    #[test]
    fn a_holder_reads_back_its_host_and_pid() {
        let holder = Holder::parse("ana@build-7 pid 4242 (step)").unwrap();
        assert_eq!((holder.host.as_str(), holder.pid), ("build-7", 4242));
        assert!(Holder::parse("something else").is_none());
    }

    #[test]
    fn a_holder_on_another_host_is_never_taken_for_dead() {
        let holder = Holder::parse("ana@some-other-host-xyz pid 999999999 (step)").unwrap();
        assert!(!holder.is_dead_here());
        let me = Holder::me("step");
        assert!(!Holder::parse(&me.text).unwrap().is_dead_here());
    }
}
