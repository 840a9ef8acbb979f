//! `kubectl ramp step DEPLOYMENT [--to N|NAME]`: the next step, in the
//! order capacity up, wait until ready, traffic, capacity down.

use std::io::IsTerminal;

use super::{Change, load, show};
use crate::cli::{GlobalArgs, StepArgs};
use crate::connect::Connection;
use crate::engine::fleet::Place;
use crate::engine::observe::Observed;
use crate::error::{Error, Result};
use crate::ops::advance::{AtTheEnd, Confirm, advance};
use crate::ops::{abort, promote};
use crate::rollout::freeze::Command;
use crate::rollout::record::Phase;
use crate::rollout::strategy::Step;

pub async fn run(global: &GlobalArgs, args: &StepArgs) -> Result<()> {
    let clusters = &args.change.clusters;
    if args.interactive && clusters.is_set() && clusters.waves.is_none() {
        return Err(Error::invalid("--interactive drives one cluster"));
    }
    let fleet = super::fanout::fleet(global, &args.change)?;
    if fleet.across() {
        return super::fanout::step(global, &fleet, args).await;
    }
    let place = &fleet.places[0];
    exec(global, place, args, args.to.as_deref(), &place.change).await
}

/// `step` on `place` to `to` (the flag's, or the step clusters behind
/// must catch up to).
pub async fn exec(
    global: &GlobalArgs,
    place: &Place,
    args: &StepArgs,
    to: Option<&str>,
    change: &Change,
) -> Result<()> {
    let change = &change.forcing(args.force);
    let conn = place.conn().await?;
    let change = &super::freeze::gate(conn, &place.freeze_namespace, Command::Step, change).await?;
    let name = args.deployment.as_str();
    if args.interactive {
        require_terminal(name)?;
    }
    let asking = !global.yes && !args.interactive && std::io::stdin().is_terminal();
    let ask: Option<Confirm> = asking.then_some(&confirm);
    let view = advance(
        conn,
        name,
        to,
        change,
        ask,
        AtTheEnd::DelayThenPromote,
        None,
    )
    .await?;
    if args.interactive {
        // The override went into the record with this step.
        return interact(global, conn, name, &change.noting(None), view).await;
    }
    show(global, conn, name, change, view).await
}

/// Step-through: after each step, shows the status and asks what next. A
/// key answers: n (or Enter) the next step, p promote, a abort, q quit and
/// leave the rollout paused where it is.
pub async fn interact(
    global: &GlobalArgs,
    conn: &Connection,
    name: &str,
    change: &Change,
    mut view: Option<Observed>,
) -> Result<()> {
    let term = console::Term::stderr();
    if !term.is_term() || !std::io::stdin().is_terminal() {
        return Err(
            Error::invalid("--interactive needs a terminal to ask in").with_hint(format!(
                "drive the rollout with `kubectl ramp step {name}` instead"
            )),
        );
    }
    loop {
        show(global, conn, name, change, view.take()).await?;
        let loaded = load(conn, name).await?;
        let Some(record) = loaded
            .record
            .filter(|r| matches!(r.phase, Phase::Paused | Phase::Progressing))
        else {
            return Ok(());
        };
        let total = record.steps.len();
        let next = match record.steps.get(record.step) {
            Some(step) => describe(name, record.current_step(), step, record.step + 1, total),
            None => format!(
                "Step {}/{total} is the last one: the next is the promotion.",
                record.step
            ),
        };
        eprintln!("\n{next}");
        eprint!("[n]ext step, [p]romote, [a]bort, [q]uit (leave it paused)? ");
        let key = term
            .read_char()
            .map_err(|e| Error::failed(format!("cannot read the answer: {e}")))?;
        eprintln!();
        match key {
            'n' | 'N' | '\n' | '\r' => {
                view = advance(
                    conn,
                    name,
                    None,
                    change,
                    None,
                    AtTheEnd::DelayThenPromote,
                    None,
                )
                .await?;
            }
            'p' | 'P' => {
                let loaded = load(conn, name).await?;
                view = promote::promote(conn, name, loaded, change).await?;
            }
            'a' | 'A' => {
                view = abort::abort(conn, name, Some("aborted at the prompt"), change).await?;
            }
            // q, Esc, Ctrl-C or Ctrl-D: the rollout stays paused and consistent.
            _ => {
                eprintln!(
                    "left paused at step {}/{total}; continue with `kubectl ramp step {name}`",
                    record.step
                );
                return Ok(());
            }
        }
    }
}

/// Checked before anything changes: a prompt needs a person at a terminal.
pub fn require_terminal(name: &str) -> Result<()> {
    if console::Term::stderr().is_term() && std::io::stdin().is_terminal() {
        return Ok(());
    }
    Err(
        Error::invalid("--interactive needs a terminal to ask in").with_hint(format!(
            "drive the rollout with `kubectl ramp step {name}` instead"
        )),
    )
}

/// What the step will do, before -> after, and a yes/no question.
fn confirm(
    name: &str,
    before: Option<&Step>,
    after: &Step,
    target: usize,
    total: usize,
) -> Result<bool> {
    eprintln!("{}", describe(name, before, after, target, total));
    dialoguer::Confirm::new()
        .with_prompt("Go ahead?")
        .default(true)
        .interact()
        .map_err(|e| Error::failed(format!("cannot read the answer: {e}")))
}

pub fn describe(
    name: &str,
    before: Option<&Step>,
    after: &Step,
    target: usize,
    total: usize,
) -> String {
    let (cap_c, cap_i, tr_c, tr_i) = match before {
        Some(b) => (
            b.capacity.contender,
            b.capacity.incumbent,
            b.traffic.contender,
            b.traffic.incumbent,
        ),
        None => (0, 100, 0, 100),
    };
    format!(
        "Step {target}/{total} ({}) of {name}:\n  capacity  contender {cap_c}% -> {}%, incumbent {cap_i}% -> {}%\n  traffic   contender {tr_c}% -> {}%, incumbent {tr_i}% -> {}%",
        after.name,
        after.capacity.contender,
        after.capacity.incumbent,
        after.traffic.contender,
        after.traffic.incumbent
    )
}
