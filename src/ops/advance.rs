//! A step: the next one (or the one asked for), in the order capacity up,
//! wait until ready, traffic, capacity down; past the last step, the
//! promotion.

use crate::connect::Connection;
use crate::engine::change::Change;
use crate::engine::observe::Observed;
use crate::engine::session::{Begin, Loaded, drive, in_progress, load, record_changes};
use crate::error::{Error, Result};
use crate::ops::{executor, promote};
use crate::rollout::decide::{self, Move};
use crate::rollout::record::{Phase, Record};
use crate::rollout::strategy::Step;

/// Asks a person whether to take a step: the rollout's name, the step it
/// is at, the one it would go to, and that one's number of the total.
pub type Confirm<'a> =
    &'a (dyn Fn(&str, Option<&Step>, &Step, usize, usize) -> Result<bool> + Sync);

/// How a step that reaches the last one ends when the rollout has a
/// scale-down delay.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AtTheEnd {
    /// Keep the incumbent for the delay, then promote (a person's step).
    DelayThenPromote,
    /// Stop at the step: the automation checks it and decides.
    Stop,
}

/// Moves the rollout to step `to` (default: the next one). `ask`, when
/// given, is asked first.
pub async fn advance(
    conn: &Connection,
    name: &str,
    to: Option<&str>,
    change: &Change,
    ask: Option<Confirm<'_>>,
    at_the_end: AtTheEnd,
    loaded: Option<Loaded>,
) -> Result<Option<Observed>> {
    let loaded = match loaded {
        Some(loaded) => loaded,
        None => load(conn, name).await?,
    };
    let record = in_progress(name, loaded.record.as_ref())?;
    if record.phase == Phase::Promoting {
        return Err(
            Error::invalid(format!("the rollout of {name:?} is being promoted"))
                .with_hint(format!("run `kubectl ramp promote {name}` to finish it")),
        );
    }
    let total = record.steps.len();
    let to = to.map(|to| resolve(to, &record)).transpose()?;
    let target = match decide::next_move(record.phase, record.step, record.target, total, to) {
        Move::Step(target) => target,
        Move::Promote => return promote::promote(conn, name, loaded, change).await,
    };
    let step = &record.steps[target - 1];
    let asked = match ask.filter(|_| !change.dry_run) {
        Some(ask) => ask(name, record.current_step(), step, target, total)?,
        None => true,
    };
    if !asked {
        return Err(Error::invalid("not confirmed; nothing changed"));
    }
    let next = decide::moving(&record, target);
    let message = format!("moving to step {target}/{total} ({})", step.name);
    let executor = executor(conn, name, record, loaded.base(), change);
    let begin = Begin {
        record: next,
        reason: "StepStarted",
        message,
        restore_first: false,
    };
    let driven = drive(executor, conn, name, "step", Some(begin)).await?;
    match driven.record.scale_down_delay {
        Some(delay)
            if target == total && !change.dry_run && at_the_end == AtTheEnd::DelayThenPromote =>
        {
            scale_down_delay(conn, name, &driven.record, delay, change).await
        }
        _ => Ok(driven.view),
    }
}

/// After the last step: the incumbent stays at full capacity for the delay,
/// with no lock held, so that an abort in the meantime is instant; then,
/// unless someone changed the rollout, the promotion.
async fn scale_down_delay(
    conn: &Connection,
    name: &str,
    reached: &Record,
    seconds: u64,
    change: &Change,
) -> Result<Option<Observed>> {
    eprintln!(
        "keeping {name} at full capacity for {seconds}s so that an abort is instant, then promoting \
         (Ctrl-C stops waiting; `kubectl ramp promote {name}` finishes later)"
    );
    // Ends early, on the watch, when anyone aborts or changes the rollout.
    let raw = serde_json::to_string(reached).ok();
    tokio::select! {
        _ = tokio::time::sleep(std::time::Duration::from_secs(seconds)) => {}
        changed = record_changes(conn, name, raw, None) => changed?,
        _ = tokio::signal::ctrl_c() => {
            return Err(Error::interrupted(format!(
                "stopped waiting; the rollout stays at step {}/{}; `kubectl ramp promote {name}` finishes it",
                reached.step,
                reached.steps.len()
            )));
        }
    }
    let loaded = load(conn, name).await?;
    let unchanged = loaded.record.as_ref().is_some_and(|r| {
        r.phase == Phase::Paused && r.step == reached.step && r.history == reached.history
    });
    if !unchanged {
        let phase = loaded.record.as_ref().map_or(Phase::Idle, |r| r.phase);
        return Err(Error::new(
            crate::error::Kind::Conflict,
            format!(
                "the rollout of {name:?} was changed during the scale-down delay (it is now {}); not promoting",
                phase.as_str()
            ),
        ));
    }
    promote::promote(conn, name, loaded, change).await
}

/// `--to 3` or `--to "50/50"`.
pub fn resolve(to: &str, record: &Record) -> Result<usize> {
    let total = record.steps.len();
    if let Ok(n) = to.parse::<usize>()
        && (1..=total).contains(&n)
    {
        return Ok(n);
    }
    if let Some(i) = record.steps.iter().position(|s| s.name == to) {
        return Ok(i + 1);
    }
    let names: Vec<String> = record
        .steps
        .iter()
        .map(|s| format!("{:?}", s.name))
        .collect();
    Err(
        Error::invalid(format!("--to {to}: the rollout has no such step")).with_hint(format!(
            "give a number from 1 to {total}, or one of {}",
            names.join(", ")
        )),
    )
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::mock;
    use crate::rollout::record::tests::at_ten_percent;

    const DEPLOYMENTS: &str = "/apis/apps/v1/namespaces/shop/deployments";
    const ROUTE: &str = "/apis/networking.istio.io/v1/namespaces/shop/virtualservices/web";

    async fn step_from_ten_percent() -> Result<(Vec<mock::Sent>, mock::Cluster)> {
        let (conn, server) = mock::connection("shop");
        let mut cluster = mock::Cluster::new(&mock::canary_at(&at_ten_percent()));
        let (outcome, sent) = mock::script(
            server,
            advance(
                &conn,
                "web",
                None,
                &Change::default(),
                None,
                AtTheEnd::DelayThenPromote,
                None,
            ),
            |s| cluster.answer(s),
        )
        .await;
        outcome?;
        Ok((sent, cluster))
    }

    fn record_in(patch: &serde_json::Value) -> crate::rollout::record::Record {
        let raw = &patch["metadata"]["annotations"][crate::rollout::record::ANNOTATION];
        serde_json::from_str(raw.as_str().unwrap()).unwrap()
    }

    #[test]
    fn a_step_writes_its_intent_grows_the_contender_then_sends_it_more_traffic() {
        let (sent, cluster) = mock::run(step_from_ten_percent()).unwrap_or_else(|e| panic!("{e}"));
        let lines: Vec<String> = sent.iter().map(mock::line).collect();
        assert_eq!(
            lines,
            [
                format!("WATCH {DEPLOYMENTS} web listing"),
                format!("WATCH {DEPLOYMENTS} web from 105"),
                // Drift first: the contender, its Service and the route
                // as ramp left them.
                "GET /api/v1/namespaces/shop/services/web-canary".to_string(),
                format!("WATCH {DEPLOYMENTS} web-canary listing"),
                format!("GET {ROUTE}"),
                format!("WATCH {DEPLOYMENTS} web-canary from 105"),
                // The intent, the contender's pods, then the weights.
                format!("PATCH {DEPLOYMENTS}/web"),
                format!("WATCH {DEPLOYMENTS} web from 106"),
                format!("PATCH {DEPLOYMENTS}/web-canary"),
                format!("WATCH {DEPLOYMENTS} web-canary from 107"),
                format!("PATCH {ROUTE}"),
                // The step reached, and said.
                format!("PATCH {DEPLOYMENTS}/web"),
                format!("WATCH {DEPLOYMENTS} web from 109"),
                "POST /apis/events.k8s.io/v1/namespaces/shop/events".to_string(),
            ],
            "no Lease, no second read of anything: a quick step holds the rollout by its record"
        );
        let body = |i: usize| sent[i].body.clone().unwrap();
        let intent = record_in(&body(6));
        assert_eq!((intent.step, intent.target), (1, 2));
        assert!(intent.held.is_some(), "the intent names who moves it");
        assert_eq!(body(6)["metadata"]["resourceVersion"], "101");
        assert_eq!(body(8), json!({"spec": {"replicas": 2}}));
        assert_eq!(
            body(10)[1]["value"][0]["route"],
            json!([{"destination": {"host": "web"}, "weight": 50},
                   {"destination": {"host": "web-canary"}, "weight": 50}])
        );
        let reached = record_in(&body(11));
        assert_eq!((reached.step, reached.target), (2, 2));
        assert_eq!(reached.held, None, "at rest, nobody holds it");
        // Compared with the intent's own write, not read again.
        assert_eq!(body(11)["metadata"]["resourceVersion"], "106");
        let contender = cluster.get(&format!("{DEPLOYMENTS}/web-canary")).unwrap();
        assert_eq!(contender["spec"]["replicas"], 2);
    }
}
