//! `kubectl ramp step DEPLOYMENT [--to N|NAME]`: the next step, in the
//! order capacity up, wait until ready, traffic, capacity down.

use std::io::IsTerminal;

use super::{Begin, drive, in_progress, load, progress, show};
use crate::cli::{GlobalArgs, StepArgs};
use crate::connect::Connection;
use crate::error::{Error, Result};
use crate::rollout::execute::Executor;
use crate::rollout::record::{Phase, Record};
use crate::rollout::strategy::Step;

pub async fn run(global: &GlobalArgs, args: &StepArgs) -> Result<()> {
    let conn = Connection::open(global).await?;
    let name = args.deployment.as_str();
    let loaded = load(&conn, name).await?;
    let record = in_progress(name, loaded.record.as_ref())?;
    if record.phase == Phase::Promoting {
        return Err(
            Error::invalid(format!("the rollout of {name:?} is being promoted"))
                .with_hint(format!("run `kubectl ramp promote {name}` to finish it")),
        );
    }
    let total = record.steps.len();
    let target = match &args.to {
        Some(to) => resolve(to, &record)?,
        // An interrupted step is finished first.
        None if record.phase == Phase::Progressing => record.target,
        None if record.step >= total => {
            // Past the last step there is only the promotion.
            return super::promote::promote(global, &conn, name, loaded, &args.change).await;
        }
        None => record.step + 1,
    };
    let step = &record.steps[target - 1];
    let before = record.current_step();
    if !global.yes
        && std::io::stdin().is_terminal()
        && !args.change.dry_run
        && !confirm(name, before, step, target, total)?
    {
        return Err(Error::invalid("not confirmed; nothing changed"));
    }
    let mut next = record.clone();
    next.phase = Phase::Progressing;
    next.target = target;
    let message = format!("moving to step {target}/{total} ({})", step.name);
    let executor = Executor::new(
        conn.clone(),
        name,
        record,
        loaded.raw,
        args.change.dry_run,
        args.change.timeout,
        progress(&args.change),
    );
    let begin = Begin {
        record: next,
        reason: "StepStarted",
        message,
        restore_first: false,
    };
    drive(executor, &conn, name, "step", Some(begin)).await?;
    show(global, &conn, name, &args.change).await
}

/// `--to 3` or `--to "50/50"`.
fn resolve(to: &str, record: &Record) -> Result<usize> {
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
