//! `kubectl ramp run DEPLOYMENT` (and `start --auto`): the automation's
//! settings from the record and the flags, the freeze passed, and the
//! driver (`ops::automate`) run on one cluster or many.

use super::{Change, Loaded, in_progress, load, show};
use crate::analysis::spec::AnalysisSpec;
use crate::cli::{AutomationArgs, GlobalArgs, RunArgs};
use crate::engine::execute::FREEZE_OVERRIDDEN;
use crate::engine::fleet::Place;
use crate::engine::observe::Observed;
use crate::error::{Error, Result};
pub use crate::ops::automate::{Member, drive, next_from, pause, pre_rollout};
use crate::rollout::freeze::Command as FrozenCommand;
use crate::rollout::record::Automation;

pub async fn run(global: &GlobalArgs, args: &RunArgs) -> Result<()> {
    let name = args.deployment.as_str();
    if args.change.dry_run {
        // A driver's decisions depend on metrics that only time brings; a
        // rehearsal of them would write nothing true.
        return Err(Error::invalid("run does not take --dry-run: it drives the rollout for real, over time")
            .with_hint(format!(
                "rehearse the next step with `kubectl ramp step {name} --dry-run`, or see where it stands with `kubectl ramp status {name}`"
            )));
    }
    let fleet = super::fanout::fleet(global, &args.change)?;
    if fleet.across() {
        return super::fanout::run(global, &fleet, args).await;
    }
    let place = &fleet.places[0];
    let conn = place.conn().await?;
    let loaded = load(conn, name).await?;
    let record = in_progress(name, loaded.record.as_ref())?;
    let automation = settings(
        record.automation.clone(),
        &args.automation,
        args.change.notify.as_ref(),
        false,
    )?;
    let change = place.change.forcing(args.force);
    pass_freeze(place, name, &change, loaded).await?;
    drive_one(global, place, name, automation, &change, None).await
}

/// Refuses to drive a frozen rollout (exit 2); with --override-freeze, the
/// override is written into the record and posted as an Event first.
pub async fn pass_freeze(place: &Place, name: &str, change: &Change, loaded: Loaded) -> Result<()> {
    let conn = place.conn().await?;
    let passed =
        super::freeze::gate(conn, &place.freeze_namespace, FrozenCommand::Run, change).await?;
    let (Some(note), Some(record)) = (passed.freeze_note, loaded.record.clone()) else {
        return Ok(());
    };
    crate::ops::note(conn, name, &loaded, record, (FREEZE_OVERRIDDEN, &note)).await?;
    Ok(())
}

/// The automation settings: those recorded, with the flags given on top.
/// `own_prometheus`: every cluster has its own Prometheus in the clusters
/// file, so --prometheus is not needed.
pub fn settings(
    recorded: Option<Automation>,
    flags: &AutomationArgs,
    notify: Option<&String>,
    own_prometheus: bool,
) -> Result<Automation> {
    let mut automation = recorded.unwrap_or_else(Automation::defaults);
    if let Some(path) = &flags.analysis {
        automation.analysis = AnalysisSpec::from_file(path)?;
    }
    if let Some(url) = &flags.prometheus {
        automation.prometheus = Some(url.clone());
        automation.scrape_interval = None;
    }
    if let Some(interval) = flags.interval {
        automation.interval = interval.as_secs().max(1);
    }
    if let Some(window) = flags.window {
        automation.window = Some(window.as_secs().max(1));
    }
    if let Some(limit) = flags.failure_limit {
        if limit == 0 {
            return Err(Error::invalid("--failure-limit must be at least 1")
                .with_hint("it is how many failed checks at one step lead to the rollback"));
        }
        automation.failure_limit = limit;
    }
    if let Some(limit) = flags.outage_limit {
        automation.outage_limit = Some(limit.as_secs());
    }
    if flags.no_promote {
        automation.promote = false;
    }
    if let Some(url) = notify {
        automation.notify = Some(url.clone());
    }
    if automation.analysis.uses_prometheus() && automation.prometheus.is_none() && !own_prometheus {
        return Err(Error::invalid(
            "the analysis has metrics, but no Prometheus to read them from",
        )
        .with_hint(
            "pass --prometheus URL, or give each cluster its own with `cluster setup --prometheus URL`",
        ));
    }
    Ok(automation)
}

/// Drives the rollout on one cluster to its end, then shows it.
pub async fn drive_one(
    global: &GlobalArgs,
    place: &Place,
    name: &str,
    automation: Automation,
    change: &Change,
    started: Option<Observed>,
) -> Result<()> {
    let conn = place.conn().await?;
    let first = next_from(&[started], name);
    let member = Member {
        label: None,
        conn: conn.clone(),
        change: change.clone(),
        freeze_namespace: place.freeze_namespace.clone(),
    };
    let view = drive(vec![member], name, automation, first).await?;
    show(global, conn, name, change, view).await
}
