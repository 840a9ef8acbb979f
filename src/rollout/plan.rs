//! The planner: a pure function from the record (what the rollout should
//! become) and the world (what the cluster holds now) to the next action.
//!
//! The executor observes, asks for the next action, performs it, and asks
//! again, until the planner answers `Done`. Because every answer depends
//! only on the record and what is observed, a command that was killed at any
//! point converges when it runs again.

use serde_json::Value;

use super::autoscale::{self, Autoscaler};
use super::capacity::replicas_for;
use super::record::{Phase, Record};
use super::strategy::{Split, Step};

/// What was observed of one Deployment.
#[derive(Debug, Clone, PartialEq)]
pub struct DeploymentState {
    /// spec.replicas
    pub replicas: i32,
    pub ready: i32,
    /// Pods of the current template.
    pub updated: i32,
    /// All its pods, of any template (status.replicas).
    pub total: i32,
    /// Whether the controller has seen the latest spec.
    pub observed: bool,
    pub template: Value,
}

/// What was observed of one route that ramp manages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RouteState {
    /// As it was before the rollout.
    Original,
    /// Split between the incumbent and the contender by ramp, with its
    /// header route when the rollout has one.
    Weighted(Split),
    /// Split, and this percentage of requests mirrored to the contender.
    Mirrored(Split, u32),
    /// Half way between the two: split without the header route it should
    /// have, or restored with a header route still there.
    Drifted,
}

#[derive(Debug, Clone, PartialEq)]
pub struct World {
    pub incumbent: DeploymentState,
    pub contender: Option<DeploymentState>,
    pub contender_service: bool,
    pub routes: Vec<RouteState>,
    /// The bounds of the contender's autoscaler, when it has one (only
    /// when the incumbent is autoscaled).
    pub contender_autoscaler: Option<(i32, i32)>,
    /// The bounds of the user's autoscaler of the incumbent as it is now,
    /// when the rollout has one and it could be read.
    pub user_autoscaler: Option<(i32, i32)>,
    /// The data plane has caught up with the routes as they are: it sends
    /// nothing more to the pods that the routes (the weights, or the
    /// Service's selector) no longer send to. Until then no pod that took
    /// traffic is removed: a request the gateway sends to it would fail.
    pub settled: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    CreateContenderService,
    /// Creates the contender when it does not exist.
    ScaleContender(i32),
    ScaleIncumbent(i32),
    /// Until the contender has this many ready pods.
    WaitContender(i32),
    /// Until the incumbent has this many ready pods.
    WaitIncumbent(i32),
    /// Until the contender has no more than this many ready pods: with the
    /// replicas router its traffic only drops as its pods go.
    WaitContenderDown(i32),
    /// Until the incumbent has no more than this many ready pods.
    WaitIncumbentDown(i32),
    /// Until the incumbent's rolling update to the new template is complete.
    WaitIncumbentRolledOut,
    /// The contender's autoscaler, created or changed, with these bounds.
    SetContenderAutoscaler(i32, i32),
    /// The user changed the bounds of their autoscaler: the record takes
    /// these, and the contender's follows them from there.
    FollowAutoscaler(i32, i32),
    DeleteContenderAutoscaler,
    SetWeights(Split),
    RestoreRoutes,
    /// The incumbent takes the new pod template, at full replicas.
    UpdateIncumbent,
    DeleteContender,
    DeleteContenderService,
    /// The target step is reached: record it, phase Paused.
    Settle,
    /// The promotion is complete: phase Succeeded.
    Finish,
    /// Until the data plane has caught up with the routes (see
    /// `World::settled`): before pods that took traffic are removed.
    WaitSettled,
    /// The record's view of the incumbent's pods (the selector snapshot's
    /// `pod-template-hash`, and the template it belongs to) becomes what
    /// its pods carry now: after the promotion's rolling update, so that
    /// the Service can narrow to the new pods while the contender's go.
    PinIncumbent,
    Done,
}

pub fn next(record: &Record, world: &World) -> Action {
    if matches!(record.phase, Phase::Progressing | Phase::Promoting)
        && let Some((min, max)) = followed(record, world)
    {
        return Action::FollowAutoscaler(min, max);
    }
    match record.phase {
        Phase::Progressing => match record.steps.get(record.target.saturating_sub(1)) {
            Some(step) => toward_step(step, record, world).unwrap_or(Action::Settle),
            None => Action::Settle,
        },
        Phase::Promoting => promote(record, world).unwrap_or(Action::Finish),
        Phase::Succeeded => clean_up(world).unwrap_or(Action::Done),
        Phase::Aborted => abort(record, world).unwrap_or(Action::Done),
        Phase::Paused | Phase::Idle => Action::Done,
    }
}

/// The bounds of the user's autoscaler, when the user changed them since
/// the record took them: the contender's autoscaler follows the user's.
fn followed(record: &Record, world: &World) -> Option<(i32, i32)> {
    let kept = record.autoscaler.as_ref()?;
    let (min, max) = world.user_autoscaler?;
    let now = (min.max(1), max.max(min.max(1)));
    (now != (kept.min, kept.max)).then_some(now)
}

fn routes_are(world: &World, state: RouteState) -> bool {
    world.routes.iter().all(|r| *r == state)
}

/// Capacity up, wait until ready, traffic, capacity down: traffic never goes
/// to pods that are not ready, and capacity never drops under the traffic
/// it carries.
fn toward_step(step: &Step, record: &Record, world: &World) -> Option<Action> {
    if let Some(autoscaler) = &record.autoscaler {
        return toward_autoscaled_step(step, record, world, autoscaler);
    }
    let (contender_wanted, incumbent_wanted) = step_replicas(step, record);
    let contender = world.contender.as_ref();
    let contender_replicas = contender.map_or(0, |c| c.replicas);
    let contender_ready = contender.map_or(0, |c| c.ready);

    if !world.contender_service {
        return Some(Action::CreateContenderService);
    }
    let wanted_route = route_for(record, step.traffic);
    // Without a mesh the Service sends requests to every ready pod it
    // selects: before the contender's pods come (or while they stay) with
    // no traffic, the selector narrows to the incumbent, which must carry
    // it all.
    if record.router.kind.traffic_follows_pods()
        && wanted_route == RouteState::Weighted(INCUMBENT_ONLY)
        && !routes_are(world, wanted_route)
    {
        if world.incumbent.replicas < incumbent_wanted {
            return Some(Action::ScaleIncumbent(incumbent_wanted));
        }
        if world.incumbent.ready < incumbent_wanted {
            return Some(Action::WaitIncumbent(incumbent_wanted));
        }
        return Some(Action::SetWeights(step.traffic));
    }
    if contender.is_none() || contender_replicas < contender_wanted {
        return Some(Action::ScaleContender(
            contender_wanted.max(contender_replicas),
        ));
    }
    if world.incumbent.replicas < incumbent_wanted {
        return Some(Action::ScaleIncumbent(incumbent_wanted));
    }
    if contender_ready < contender_wanted {
        return Some(Action::WaitContender(contender_wanted));
    }
    if world.incumbent.ready < incumbent_wanted {
        return Some(Action::WaitIncumbent(incumbent_wanted));
    }
    if !routes_are(world, wanted_route) {
        return Some(Action::SetWeights(step.traffic));
    }
    let lowers =
        contender_replicas > contender_wanted || world.incumbent.replicas > incumbent_wanted;
    if lowers && !world.settled {
        return Some(Action::WaitSettled);
    }
    if contender_replicas > contender_wanted {
        return Some(Action::ScaleContender(contender_wanted));
    }
    if world.incumbent.replicas > incumbent_wanted {
        return Some(Action::ScaleIncumbent(incumbent_wanted));
    }
    if record.router.kind.traffic_follows_pods() {
        if contender_ready > contender_wanted {
            return Some(Action::WaitContenderDown(contender_wanted));
        }
        if world.incumbent.ready > incumbent_wanted {
            return Some(Action::WaitIncumbentDown(incumbent_wanted));
        }
    }
    None
}

/// The traffic split that sends everything to one version.
pub const INCUMBENT_ONLY: Split = Split {
    contender: 0,
    incumbent: 100,
};
pub const CONTENDER_ONLY: Split = Split {
    contender: 100,
    incumbent: 0,
};

/// What the managed routes are once `split` is set. With a mesh, the
/// weights. Without one the route is the incumbent Service's selector:
/// narrowed to the incumbent's pods at 0%, to the contender's at 100%, and
/// as the user had it in between, where the ratio of ready pods gives the
/// split. A rollout recorded before ramp managed the selector has no such
/// route, and always splits by pods.
pub fn route_for(record: &Record, split: Split) -> RouteState {
    if !record.router.kind.traffic_follows_pods() {
        return match mirror_at(record) {
            Some(mirror) => RouteState::Mirrored(split, mirror),
            None => RouteState::Weighted(split),
        };
    }
    match (record.router.selector.is_some(), split.contender) {
        (true, 0) => RouteState::Weighted(INCUMBENT_ONLY),
        (true, 100) => RouteState::Weighted(CONTENDER_ONLY),
        _ => RouteState::Original,
    }
}

/// Whether setting `split` makes a weight router send the contender its
/// first requests (by weight, or by the header route): the contender's
/// Service must then list its pods first, or the gateway answers 503 for
/// the contender's share. Without a mesh the Service is the incumbent's,
/// and its endpoints follow the pods.
pub fn first_requests(record: &Record, world: &World, split: Split) -> bool {
    if record.router.kind.traffic_follows_pods() {
        return false;
    }
    let header = record.router.header.is_some();
    let sends = |s: &Split| s.contender > 0 || header;
    let now = world.routes.iter().any(|r| match r {
        RouteState::Weighted(s) | RouteState::Mirrored(s, _) => sends(s),
        RouteState::Original | RouteState::Drifted => false,
    });
    sends(&split) && !now
}

/// The share of requests mirrored to the contender while moving to the
/// target step: its `mirror`. None on the way out (promote, abort).
pub fn mirror_at(record: &Record) -> Option<u32> {
    match record.phase {
        Phase::Progressing => record
            .steps
            .get(record.target.checked_sub(1)?)
            .and_then(|s| s.mirror),
        _ => None,
    }
}

/// A step of an autoscaled incumbent: the autoscalers choose the replicas.
/// ramp writes neither the incumbent's replicas nor its autoscaler; the
/// contender's autoscaler gets the step's bounds, raised before its pods
/// are waited for and lowered only once the traffic moved.
fn toward_autoscaled_step(
    step: &Step,
    record: &Record,
    world: &World,
    autoscaler: &Autoscaler,
) -> Option<Action> {
    let routing = autoscale::Routing {
        kind: record.router.kind,
        narrowed: record.router.selector.is_some(),
    };
    let bounds = autoscale::bounds(step, routing, record.replicas, autoscaler);
    let contender_wanted = bounds.map_or(0, |(min, _)| min);
    let contender = world.contender.as_ref();
    let contender_replicas = contender.map_or(0, |c| c.replicas);
    // The incumbent's own autoscaler may have scaled it: its replicas now
    // are its capacity.
    let incumbent_wanted = world.incumbent.replicas.min(record.replicas);

    if !world.contender_service {
        return Some(Action::CreateContenderService);
    }
    // Without a mesh, a step without contender traffic narrows the
    // selector to the incumbent before the contender has pods (see
    // `toward_step`).
    let wanted_route = route_for(record, step.traffic);
    if record.router.kind.traffic_follows_pods()
        && wanted_route == RouteState::Weighted(INCUMBENT_ONLY)
        && !routes_are(world, wanted_route)
    {
        if world.incumbent.ready < incumbent_wanted {
            return Some(Action::WaitIncumbent(incumbent_wanted));
        }
        return Some(Action::SetWeights(step.traffic));
    }
    if contender.is_none() || contender_replicas < contender_wanted {
        return Some(Action::ScaleContender(
            contender_wanted.max(contender_replicas),
        ));
    }
    if let Some((min, max)) = bounds.filter(|b| autoscale::raises(world.contender_autoscaler, *b)) {
        return Some(Action::SetContenderAutoscaler(min, max));
    }
    if contender.map_or(0, |c| c.ready) < contender_wanted {
        return Some(Action::WaitContender(contender_wanted));
    }
    if world.incumbent.ready < incumbent_wanted {
        return Some(Action::WaitIncumbent(incumbent_wanted));
    }
    if !routes_are(world, wanted_route) {
        return Some(Action::SetWeights(step.traffic));
    }
    // What is left lowers the contender's capacity, once the traffic it
    // lost has left it.
    let lowers = match bounds {
        Some(b) => world.contender_autoscaler != Some(b),
        None => world.contender_autoscaler.is_some() || contender_replicas > 0,
    };
    if lowers && !world.settled {
        return Some(Action::WaitSettled);
    }
    match bounds {
        Some((min, max)) if world.contender_autoscaler != Some((min, max)) => {
            Some(Action::SetContenderAutoscaler(min, max))
        }
        None if world.contender_autoscaler.is_some() => Some(Action::DeleteContenderAutoscaler),
        None if contender_replicas > 0 => Some(Action::ScaleContender(0)),
        _ => None,
    }
}

/// The replicas of the contender and the incumbent at a step. With the
/// replicas router, while the Service selects both versions, the
/// contender's count is what gives the step's traffic; while it selects
/// one, the step's capacity is honoured as with a mesh.
pub fn step_replicas(step: &Step, record: &Record) -> (i32, i32) {
    let base = record.replicas;
    if record.router.kind.traffic_follows_pods()
        && route_for(record, step.traffic) == RouteState::Original
    {
        let counts = super::capacity::counts(step, base);
        return (counts.contender, counts.incumbent);
    }
    (
        replicas_for(step.capacity.contender, base),
        replicas_for(step.capacity.incumbent, base),
    )
}

/// The contender takes all traffic at full capacity; the incumbent takes the
/// new template and, once it is rolled out, the traffic back; the contender
/// goes.
fn promote(record: &Record, world: &World) -> Option<Action> {
    let base = record.replicas;
    // An autoscaled contender gets the user's bounds, and at least the
    // incumbent's replicas at the start.
    let full = record.autoscaler.as_ref().map(|a| autoscale::full(base, a));
    let contender_full = full.map_or(base, |(min, _)| min);
    let incumbent_updated = world.incumbent.template == record.contender.template;
    if !incumbent_updated {
        let all_to_contender = Split {
            contender: 100,
            incumbent: 0,
        };
        // Reach "all traffic on a full contender", but keep the incumbent's
        // pods: its own rolling update replaces them next.
        let contender = world.contender.as_ref();
        if !world.contender_service {
            return Some(Action::CreateContenderService);
        }
        if contender.is_none_or(|c| c.replicas < contender_full) {
            return Some(Action::ScaleContender(contender_full));
        }
        if let Some((min, max)) = full.filter(|b| world.contender_autoscaler != Some(*b)) {
            return Some(Action::SetContenderAutoscaler(min, max));
        }
        if contender.is_some_and(|c| c.ready < contender_full) {
            return Some(Action::WaitContender(contender_full));
        }
        if !routes_are(world, route_for(record, all_to_contender)) {
            return Some(Action::SetWeights(all_to_contender));
        }
        // The incumbent's pods go in its rolling update.
        if !world.settled {
            return Some(Action::WaitSettled);
        }
        return Some(Action::UpdateIncumbent);
    }
    // An autoscaled incumbent keeps the replicas its autoscaler gave it.
    if world.incumbent.replicas != base && record.autoscaler.is_none() {
        return Some(Action::ScaleIncumbent(base));
    }
    if !rolled_out(&world.incumbent) {
        return Some(Action::WaitIncumbentRolledOut);
    }
    // Without a mesh the selector as it was selects the contender's pods
    // too: the Service narrows to the incumbent's new pods while the
    // contender goes, and is put back after.
    // (A record of an older ramp does not know the template the hash is
    // of: it cleans up as it did.)
    let pinned = record.incumbent_digest.is_some();
    if record.router.kind.traffic_follows_pods() && record.router.selector.is_some() && pinned {
        if !runs_its_template(record, world) {
            return Some(Action::PinIncumbent);
        }
        return without_the_contender(world);
    }
    clean_up(world)
}

/// As `kubectl rollout status` has it: every pod runs the new template, no
/// old pod is left, and all are ready.
fn rolled_out(d: &DeploymentState) -> bool {
    d.observed && d.updated >= d.replicas && d.total == d.replicas && d.ready >= d.replicas
}

/// Traffic back to the incumbent exactly as it was, then the contender goes.
fn clean_up(world: &World) -> Option<Action> {
    if !routes_are(world, RouteState::Original) {
        return Some(Action::RestoreRoutes);
    }
    if (world.contender_autoscaler.is_some() || world.contender.is_some()) && !world.settled {
        return Some(Action::WaitSettled);
    }
    // The autoscaler first: it would scale the contender again.
    if world.contender_autoscaler.is_some() {
        return Some(Action::DeleteContenderAutoscaler);
    }
    if world.contender.is_some() {
        return Some(Action::DeleteContender);
    }
    if world.contender_service {
        return Some(Action::DeleteContenderService);
    }
    None
}

/// The incumbent back to full capacity first when a step had lowered it,
/// then traffic back, then the contender goes.
fn abort(record: &Record, world: &World) -> Option<Action> {
    let base = record.replicas;
    if record.router.kind.traffic_follows_pods() && !world.routes.is_empty() {
        return abort_by_selector(record, world);
    }
    // With the replicas router the contender's pods carry traffic until
    // they are gone.
    let contender_has_traffic = match record.router.kind.traffic_follows_pods() {
        true => world.contender.as_ref().is_some_and(|c| c.replicas > 0),
        false => !routes_are(world, RouteState::Original),
    };
    // An autoscaled incumbent was never scaled down by ramp: its
    // autoscaler's choice stands.
    let contender_has_traffic = contender_has_traffic && record.autoscaler.is_none();
    if contender_has_traffic && world.incumbent.replicas < base {
        return Some(Action::ScaleIncumbent(base));
    }
    if contender_has_traffic && world.incumbent.ready < base {
        return Some(Action::WaitIncumbent(base));
    }
    clean_up(world)
}

/// Without a mesh, with the Service's selector managed: the incumbent back
/// to full capacity; while the contender has pods the selector narrows to
/// the incumbent's (once they are all ready); the contender goes; then the
/// selector is put back exactly as it was.
fn abort_by_selector(record: &Record, world: &World) -> Option<Action> {
    let base = full_capacity(record, world);
    // An autoscaled incumbent's replicas are its autoscaler's.
    if world.incumbent.replicas < base && record.autoscaler.is_none() {
        return Some(Action::ScaleIncumbent(base));
    }
    let contender_pods = world
        .contender
        .as_ref()
        .is_some_and(|c| c.replicas > 0 || c.ready > 0);
    if contender_pods && !routes_are(world, RouteState::Weighted(INCUMBENT_ONLY)) {
        if world.incumbent.ready < base {
            return Some(Action::WaitIncumbent(base));
        }
        if runs_its_template(record, world) {
            return Some(Action::SetWeights(INCUMBENT_ONLY));
        }
        // Its pods no longer carry the hash of the snapshot: the selector
        // as it was is what selects them.
        if !routes_are(world, RouteState::Original) {
            return Some(Action::RestoreRoutes);
        }
    }
    removal_by_selector(world)
}

/// With the Service's selector managed, once the incumbent is all it
/// selects while the contender has pods: narrowed to the incumbent's pods
/// (all of them ready), then `removal_by_selector`.
fn without_the_contender(world: &World) -> Option<Action> {
    let contender_pods = world
        .contender
        .as_ref()
        .is_some_and(|c| c.replicas > 0 || c.ready > 0);
    if contender_pods && !routes_are(world, RouteState::Weighted(INCUMBENT_ONLY)) {
        if world.incumbent.ready < world.incumbent.replicas {
            return Some(Action::WaitIncumbent(world.incumbent.replicas));
        }
        return Some(Action::SetWeights(INCUMBENT_ONLY));
    }
    removal_by_selector(world)
}

/// The contender goes while the Service no longer selects its pods: after
/// the autoscaler that would scale them again, once the gateway no longer
/// sends to them; then the selector is put back exactly as it was.
fn removal_by_selector(world: &World) -> Option<Action> {
    if (world.contender_autoscaler.is_some() || world.contender.is_some()) && !world.settled {
        return Some(Action::WaitSettled);
    }
    if world.contender_autoscaler.is_some() {
        return Some(Action::DeleteContenderAutoscaler);
    }
    if world.contender.is_some() {
        return Some(Action::DeleteContender);
    }
    if !routes_are(world, RouteState::Original) {
        return Some(Action::RestoreRoutes);
    }
    if world.contender_service {
        return Some(Action::DeleteContenderService);
    }
    None
}

/// Whether the incumbent still runs the pod template it started with: its
/// pods carry the hash the selector snapshot names.
fn runs_its_template(record: &Record, world: &World) -> bool {
    record
        .incumbent_digest
        .as_ref()
        .is_none_or(|d| *d == super::history::digest(&world.incumbent.template))
}

/// The incumbent's full capacity: its replicas at the start, or, when an
/// autoscaler scales it, what the autoscaler gives it now (up to those).
fn full_capacity(record: &Record, world: &World) -> i32 {
    match record.autoscaler {
        Some(_) => world.incumbent.replicas.min(record.replicas),
        None => record.replicas,
    }
}

/// Abort's first write, before its record's: all traffic back to the
/// incumbent when it has all its capacity ready. With a mesh the routes
/// as they were; without one the selector narrowed to the incumbent (the
/// selector as it was would select the contender's pods too).
pub fn abort_first(record: &Record, world: &World) -> Option<Action> {
    if world.incumbent.ready < full_capacity(record, world) {
        return None;
    }
    if !record.router.kind.traffic_follows_pods() {
        return (!routes_are(world, RouteState::Original)).then_some(Action::RestoreRoutes);
    }
    let narrowed = RouteState::Weighted(INCUMBENT_ONLY);
    (!world.routes.is_empty() && !routes_are(world, narrowed) && runs_its_template(record, world))
        .then_some(Action::SetWeights(INCUMBENT_ONLY))
}

/// Whether `action` takes pods away from a version that may have had
/// traffic: the planner asks for it only once the world is settled.
pub fn removes_pods(action: &Action, record: &Record, world: &World) -> bool {
    let contender = world.contender.as_ref().map_or(0, |c| c.replicas);
    match action {
        Action::ScaleContender(n) => *n < contender,
        Action::ScaleIncumbent(n) => *n < world.incumbent.replicas,
        Action::UpdateIncumbent => world.incumbent.template != record.contender.template,
        Action::DeleteContender => contender > 0,
        // The promotion raises the contender to carry everything: bounds
        // it lowers there take nothing from a version that lost traffic.
        Action::SetContenderAutoscaler(min, _) => {
            record.phase != Phase::Promoting
                && world
                    .contender_autoscaler
                    .is_some_and(|(was, _)| *min < was)
        }
        Action::DeleteContenderAutoscaler => contender > 0,
        _ => false,
    }
}

/// What the world and the record become once `action` has been done and
/// its wait has ended: the model a dry run plans against.
pub fn assume_done(action: &Action, record: &mut Record, world: &mut World) {
    match action {
        Action::FollowAutoscaler(min, max) => {
            if let Some(kept) = record.autoscaler.as_mut() {
                (kept.min, kept.max) = (*min, *max);
            }
        }
        Action::CreateContenderService => world.contender_service = true,
        Action::ScaleContender(n) => {
            let contender = world.contender.get_or_insert_with(|| DeploymentState {
                replicas: 0,
                ready: 0,
                updated: 0,
                total: 0,
                observed: true,
                template: record.contender.template.clone(),
            });
            contender.replicas = *n;
            contender.ready = contender.ready.min(*n);
        }
        Action::ScaleIncumbent(n) => {
            world.incumbent.replicas = *n;
            world.incumbent.ready = world.incumbent.ready.min(*n);
        }
        Action::WaitContender(_) => {
            if let Some(contender) = world.contender.as_mut() {
                contender.ready = contender.replicas;
                contender.updated = contender.replicas;
            }
        }
        Action::WaitContenderDown(_) | Action::WaitIncumbentDown(_) => {}
        Action::WaitIncumbent(_) | Action::WaitIncumbentRolledOut => {
            world.incumbent.ready = world.incumbent.replicas;
            world.incumbent.updated = world.incumbent.replicas;
            world.incumbent.total = world.incumbent.replicas;
            world.incumbent.observed = true;
        }
        Action::SetWeights(split) => {
            let route = route_for(record, *split);
            world.routes.iter_mut().for_each(|r| *r = route);
            world.settled = false;
        }
        Action::RestoreRoutes => {
            world
                .routes
                .iter_mut()
                .for_each(|r| *r = RouteState::Original);
            world.settled = false;
        }
        Action::WaitSettled => world.settled = true,
        Action::PinIncumbent => {
            record.incumbent_digest = Some(super::history::digest(&world.incumbent.template));
        }
        Action::UpdateIncumbent => {
            world.incumbent.template = record.contender.template.clone();
            if record.autoscaler.is_none() {
                world.incumbent.replicas = record.replicas;
            }
            world.incumbent.updated = 0;
        }
        Action::DeleteContender => world.contender = None,
        Action::DeleteContenderService => world.contender_service = false,
        Action::SetContenderAutoscaler(min, max) => world.contender_autoscaler = Some((*min, *max)),
        Action::DeleteContenderAutoscaler => world.contender_autoscaler = None,
        Action::Settle => {
            record.step = record.target;
            record.phase = Phase::Paused;
        }
        Action::Finish => record.phase = Phase::Succeeded,
        Action::Done => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rollout::model::RouterKind;
    use crate::rollout::record::tests::sample;
    use serde_json::json;

    fn deployment(replicas: i32, ready: i32) -> DeploymentState {
        DeploymentState {
            replicas,
            ready,
            updated: ready,
            total: replicas,
            observed: true,
            template: json!({"old": true}),
        }
    }

    fn split(contender: u32, incumbent: u32) -> Split {
        Split {
            contender,
            incumbent,
        }
    }

    /// A record of a 4-replica incumbent moving through 10%, 50%, 100%.
    fn record(phase: Phase, step: usize, target: usize) -> Record {
        let mut record = sample();
        record.phase = phase;
        record.step = step;
        record.target = target;
        record.replicas = 4;
        record.steps = crate::rollout::strategy::Strategy::from_percentages("10,50,100")
            .unwrap()
            .steps;
        record.contender.template = json!({"new": true});
        record
    }

    fn world() -> World {
        World {
            incumbent: deployment(4, 4),
            contender: None,
            contender_service: false,
            contender_autoscaler: None,
            user_autoscaler: None,
            routes: vec![RouteState::Original, RouteState::Original],
            settled: true,
        }
    }

    #[test]
    fn the_contender_gets_its_first_requests_once_per_rollout() {
        let weighted = |c: u32| RouteState::Weighted(split(c, 100 - c));
        let cases = [
            (vec![RouteState::Original], 10, false, true),
            (vec![weighted(0)], 10, false, true),
            (vec![weighted(10)], 50, false, false),
            (
                vec![RouteState::Mirrored(split(0, 100), 20)],
                10,
                false,
                true,
            ),
            (vec![RouteState::Drifted], 10, false, true),
            // Going back sends it nothing new.
            (vec![weighted(10)], 0, false, false),
            (vec![RouteState::Original], 0, false, false),
            // A header route sends it requests from the first step on.
            (vec![RouteState::Original], 0, true, true),
            (vec![weighted(0)], 10, true, false),
        ];
        for (routes, contender, header, want) in cases {
            let mut record = record(Phase::Progressing, 0, 1);
            record.router.kind = RouterKind::GatewayApi;
            record.router.header = header.then(|| crate::rollout::record::Header {
                name: "x-preview".into(),
                value: "1".into(),
            });
            let world = World {
                routes: routes.clone(),
                ..world()
            };
            assert_eq!(
                first_requests(&record, &world, split(contender, 100 - contender)),
                want,
                "{routes:?} to {contender}%, header {header}"
            );
            record.router.kind = RouterKind::Replicas;
            assert!(!first_requests(
                &record,
                &world,
                split(contender, 100 - contender)
            ));
        }
    }

    #[test]
    fn capacity_rounds_up_and_is_at_least_one_pod() {
        let cases = [
            (0, 4, 0),
            (1, 4, 1),
            (10, 4, 1),
            (25, 4, 1),
            (26, 4, 2),
            (50, 4, 2),
            (100, 4, 4),
            (10, 10, 1),
            (15, 10, 2),
            (100, 1, 1),
            (1, 0, 1),
        ];
        for (percent, base, replicas) in cases {
            assert_eq!(
                replicas_for(percent, base),
                replicas,
                "{percent}% of {base}"
            );
        }
    }

    /// Runs the planner against a world that does what it is told, and
    /// returns the actions in order.
    fn drive(record: &mut Record, mut world: World) -> (Vec<Action>, World) {
        let mut actions = Vec::new();
        for _ in 0..50 {
            let action = next(record, &world);
            // Every plan here: no pod that may have had traffic goes before
            // the data plane has followed the routes.
            let unsettled_removal = removes_pods(&action, record, &world) && !world.settled;
            assert!(
                !unsettled_removal,
                "{action:?} before settling, after {actions:?}"
            );
            actions.push(action.clone());
            if action == Action::Done {
                return (actions, world);
            }
            assume_done(&action, record, &mut world);
        }
        panic!("the planner did not finish: {actions:?}");
    }

    #[test]
    fn the_first_step_scales_up_waits_then_shifts_traffic() {
        let mut record = record(Phase::Progressing, 0, 1);
        let (actions, world) = drive(&mut record, world());
        assert_eq!(
            actions,
            [
                Action::CreateContenderService,
                Action::ScaleContender(1),
                Action::WaitContender(1),
                Action::SetWeights(split(10, 90)),
                Action::Settle,
                Action::Done,
            ]
        );
        assert_eq!((record.phase, record.step), (Phase::Paused, 1));
        assert_eq!(world.routes, [RouteState::Weighted(split(10, 90)); 2]);
    }

    #[test]
    fn traffic_waits_for_ready_pods() {
        let record = record(Phase::Progressing, 1, 2);
        let mut w = world();
        w.contender_service = true;
        w.contender = Some(deployment(2, 1));
        w.routes = vec![RouteState::Weighted(split(10, 90)); 2];
        assert_eq!(next(&record, &w), Action::WaitContender(2));
        w.contender = Some(deployment(2, 2));
        assert_eq!(next(&record, &w), Action::SetWeights(split(50, 50)));
    }

    #[test]
    fn going_back_shifts_traffic_before_removing_capacity() {
        let mut record = record(Phase::Progressing, 2, 1);
        let mut w = world();
        w.contender_service = true;
        w.contender = Some(deployment(2, 2));
        w.routes = vec![RouteState::Weighted(split(50, 50)); 2];
        let (actions, _) = drive(&mut record, w);
        assert_eq!(
            actions,
            [
                Action::SetWeights(split(10, 90)),
                Action::WaitSettled,
                Action::ScaleContender(1),
                Action::Settle,
                Action::Done
            ]
        );
    }

    #[test]
    fn a_step_that_lowers_the_incumbent_scales_it_down_after_traffic() {
        let mut record = record(Phase::Progressing, 1, 2);
        record.steps = crate::rollout::strategy::Strategy::named("vanguard")
            .unwrap()
            .steps;
        record.target = 3;
        let mut w = world();
        w.contender_service = true;
        w.contender = Some(deployment(2, 2));
        w.routes = vec![RouteState::Weighted(split(50, 50)); 2];
        let (actions, world) = drive(&mut record, w);
        assert_eq!(
            actions,
            [
                Action::ScaleContender(4),
                Action::WaitContender(4),
                Action::SetWeights(split(100, 0)),
                Action::WaitSettled,
                Action::ScaleIncumbent(0),
                Action::Settle,
                Action::Done
            ]
        );
        assert_eq!(world.incumbent.replicas, 0);
    }

    #[test]
    fn promote_moves_all_traffic_then_updates_the_incumbent_then_cleans_up() {
        let mut record = record(Phase::Promoting, 1, 1);
        let mut w = world();
        w.contender_service = true;
        w.contender = Some(deployment(1, 1));
        w.routes = vec![RouteState::Weighted(split(10, 90)); 2];
        let (actions, world) = drive(&mut record, w);
        assert_eq!(
            actions,
            [
                Action::ScaleContender(4),
                Action::WaitContender(4),
                Action::SetWeights(split(100, 0)),
                Action::WaitSettled,
                Action::UpdateIncumbent,
                Action::WaitIncumbentRolledOut,
                Action::RestoreRoutes,
                Action::WaitSettled,
                Action::DeleteContender,
                Action::DeleteContenderService,
                Action::Finish,
                Action::Done,
            ]
        );
        assert_eq!(record.phase, Phase::Succeeded);
        assert_eq!(world.incumbent.template, json!({"new": true}));
        assert!(world.contender.is_none() && !world.contender_service);
    }

    #[test]
    fn promote_resumed_after_the_contender_was_deleted_does_not_recreate_it() {
        let record = record(Phase::Promoting, 1, 1);
        let mut w = world();
        w.incumbent.template = json!({"new": true});
        assert_eq!(next(&record, &w), Action::Finish);
        w.contender_service = true;
        assert_eq!(next(&record, &w), Action::DeleteContenderService);
    }

    #[test]
    fn abort_restores_full_incumbent_capacity_before_traffic() {
        let mut record = record(Phase::Aborted, 3, 3);
        let mut w = world();
        w.incumbent = deployment(0, 0);
        w.contender_service = true;
        w.contender = Some(deployment(4, 4));
        w.routes = vec![RouteState::Weighted(split(100, 0)); 2];
        let (actions, world) = drive(&mut record, w);
        assert_eq!(
            actions,
            [
                Action::ScaleIncumbent(4),
                Action::WaitIncumbent(4),
                Action::RestoreRoutes,
                Action::WaitSettled,
                Action::DeleteContender,
                Action::DeleteContenderService,
                Action::Done,
            ]
        );
        assert_eq!(world.routes, [RouteState::Original; 2]);
    }

    fn autoscaled(phase: Phase, step: usize, target: usize) -> Record {
        let mut record = record(phase, step, target);
        record.autoscaler = Some(crate::rollout::autoscale::Autoscaler {
            name: "web".into(),
            min: 2,
            max: 6,
        });
        record
    }

    #[test]
    fn the_record_follows_the_users_autoscaler_before_a_move() {
        type Bounds = Option<(i32, i32)>;
        let cases: Vec<(Phase, Bounds, Option<Action>)> = vec![
            (Phase::Progressing, Some((2, 6)), None),
            (
                Phase::Progressing,
                Some((2, 10)),
                Some(Action::FollowAutoscaler(2, 10)),
            ),
            (
                Phase::Promoting,
                Some((3, 6)),
                Some(Action::FollowAutoscaler(3, 6)),
            ),
            // Bounds kept as the rollout keeps them: at least 1, max >= min.
            (
                Phase::Progressing,
                Some((0, 0)),
                Some(Action::FollowAutoscaler(1, 1)),
            ),
            // Gone, or not moving: nothing to follow.
            (Phase::Progressing, None, None),
            (Phase::Paused, Some((2, 10)), None),
            (Phase::Aborted, Some((2, 10)), None),
        ];
        for (phase, users, followed) in cases {
            let record = autoscaled(phase, 1, 2);
            let world = World {
                user_autoscaler: users,
                ..world()
            };
            let next = next(&record, &world);
            match &followed {
                Some(action) => assert_eq!(&next, action, "{phase:?} {users:?}"),
                None => assert!(
                    !matches!(next, Action::FollowAutoscaler(..)),
                    "{phase:?} {users:?}: {next:?}"
                ),
            }
        }
        // Once followed, the plan goes on.
        let mut record = autoscaled(Phase::Progressing, 1, 2);
        let mut world = World {
            user_autoscaler: Some((2, 10)),
            ..world()
        };
        assume_done(&Action::FollowAutoscaler(2, 10), &mut record, &mut world);
        assert!(!matches!(
            next(&record, &world),
            Action::FollowAutoscaler(..)
        ));
    }

    #[test]
    fn an_autoscaled_rollout_sets_the_contenders_autoscaler_and_never_scales_the_incumbent() {
        // Step 1 (10%): the contender's autoscaler gets 10% of 2..6, and
        // the contender its share of the 4 pods there were.
        let mut record = autoscaled(Phase::Progressing, 0, 1);
        let (actions, mut w) = drive(&mut record, world());
        assert_eq!(
            actions,
            [
                Action::CreateContenderService,
                Action::ScaleContender(1),
                Action::SetContenderAutoscaler(1, 1),
                Action::WaitContender(1),
                Action::SetWeights(split(10, 90)),
                Action::Settle,
                Action::Done,
            ]
        );
        // The incumbent's autoscaler scaled it to 6 meanwhile: that stands.
        w.incumbent = deployment(6, 6);
        // Step 2 (50%): bounds raised before the wait.
        record.phase = Phase::Progressing;
        record.target = 2;
        let (actions, mut w) = drive(&mut record, w);
        assert_eq!(
            actions,
            [
                Action::ScaleContender(2),
                Action::SetContenderAutoscaler(2, 3),
                Action::WaitContender(2),
                Action::SetWeights(split(50, 50)),
                Action::Settle,
                Action::Done,
            ]
        );
        // Back to step 1: lowered only once the traffic moved.
        record.phase = Phase::Progressing;
        record.target = 1;
        let (actions, world) = drive(&mut record, w.clone());
        assert_eq!(
            actions,
            [
                Action::SetWeights(split(10, 90)),
                Action::WaitSettled,
                Action::SetContenderAutoscaler(1, 1),
                Action::Settle,
                Action::Done,
            ]
        );
        assert_eq!(world.incumbent.replicas, 6);
        // An abort leaves the incumbent as its autoscaler has it, and the
        // contender's autoscaler goes before the contender.
        let mut aborted = autoscaled(Phase::Aborted, 2, 2);
        w.incumbent = deployment(3, 3);
        let (actions, world) = drive(&mut aborted, w);
        assert_eq!(
            actions,
            [
                Action::RestoreRoutes,
                Action::WaitSettled,
                Action::DeleteContenderAutoscaler,
                Action::DeleteContender,
                Action::DeleteContenderService,
                Action::Done,
            ]
        );
        assert_eq!(world.incumbent.replicas, 3);
    }

    #[test]
    fn an_autoscaled_promotion_leaves_the_incumbents_replicas_to_its_autoscaler() {
        let mut record = autoscaled(Phase::Promoting, 1, 1);
        let mut w = world();
        w.incumbent = deployment(6, 6);
        w.contender_service = true;
        w.contender = Some(deployment(1, 1));
        w.contender_autoscaler = Some((1, 1));
        w.routes = vec![RouteState::Weighted(split(10, 90)); 2];
        let (actions, world) = drive(&mut record, w);
        assert_eq!(
            actions,
            [
                Action::ScaleContender(4),
                Action::SetContenderAutoscaler(4, 6),
                Action::WaitContender(4),
                Action::SetWeights(split(100, 0)),
                Action::WaitSettled,
                Action::UpdateIncumbent,
                Action::WaitIncumbentRolledOut,
                Action::RestoreRoutes,
                Action::WaitSettled,
                Action::DeleteContenderAutoscaler,
                Action::DeleteContender,
                Action::DeleteContenderService,
                Action::Finish,
                Action::Done,
            ]
        );
        assert_eq!(world.incumbent.replicas, 6);
        assert_eq!(world.contender_autoscaler, None);
    }

    #[test]
    fn the_replicas_router_scales_to_the_traffic_share_and_never_sets_weights() {
        let mut record = record(Phase::Progressing, 0, 1);
        record.router.kind = crate::rollout::model::RouterKind::Replicas;
        record.replicas = 9;
        record.steps = crate::rollout::strategy::Strategy::from_percentages("10,50,100")
            .unwrap()
            .steps;
        let mut w = world();
        w.incumbent = deployment(9, 9);
        w.routes = Vec::new();
        let (actions, w) = drive(&mut record, w);
        assert_eq!(
            actions,
            [
                Action::CreateContenderService,
                Action::ScaleContender(1),
                Action::WaitContender(1),
                Action::Settle,
                Action::Done
            ]
        );
        record.phase = Phase::Progressing;
        record.target = 3;
        let (actions, w) = drive(&mut record, w);
        assert_eq!(
            actions,
            [
                Action::ScaleContender(9),
                Action::WaitContender(9),
                Action::ScaleIncumbent(0),
                Action::Settle,
                Action::Done
            ]
        );
        // Abort brings the incumbent back before the contender goes.
        record.phase = Phase::Aborted;
        let (actions, _) = drive(&mut record, w);
        assert_eq!(
            actions,
            [
                Action::ScaleIncumbent(9),
                Action::WaitIncumbent(9),
                Action::DeleteContender,
                Action::DeleteContenderService,
                Action::Done
            ]
        );
    }

    /// A rollout without a mesh whose record keeps the Service's selector.
    fn by_selector(strategy: &str) -> (Record, World) {
        let mut record = record(Phase::Progressing, 0, 1);
        record.router.kind = crate::rollout::model::RouterKind::Replicas;
        record.router.selector = Some(crate::rollout::record::SelectorSnapshot {
            service: "web".into(),
            original: std::collections::BTreeMap::from([("app".into(), "web".into())]),
            incumbent_hash: "5d8f".into(),
            resource_version: None,
        });
        record.steps = crate::rollout::strategy::Strategy::named(strategy)
            .unwrap()
            .steps;
        let mut world = world();
        world.routes = vec![RouteState::Original];
        (record, world)
    }

    fn to(record: &mut Record, target: usize) {
        record.phase = Phase::Progressing;
        record.target = target;
    }

    const NARROWED: RouteState = RouteState::Weighted(INCUMBENT_ONLY);
    const SWITCHED: RouteState = RouteState::Weighted(CONTENDER_ONLY);

    #[test]
    fn staging_narrows_the_selector_before_the_contender_has_pods() {
        let (mut record, w) = by_selector("vanguard");
        let (actions, w) = drive(&mut record, w);
        assert_eq!(
            actions,
            [
                Action::CreateContenderService,
                Action::SetWeights(INCUMBENT_ONLY),
                Action::ScaleContender(1),
                Action::WaitContender(1),
                Action::Settle,
                Action::Done,
            ]
        );
        assert_eq!(w.routes, [NARROWED]);
        assert_eq!(w.incumbent.replicas, 4);
        // 50/50 by pods: both ready before the selector selects both, then
        // the incumbent down to its share.
        to(&mut record, 2);
        let (actions, w) = drive(&mut record, w);
        assert_eq!(
            actions,
            [
                Action::ScaleContender(2),
                Action::WaitContender(2),
                Action::SetWeights(split(50, 50)),
                Action::WaitSettled,
                Action::ScaleIncumbent(2),
                Action::Settle,
                Action::Done,
            ]
        );
        assert_eq!(w.routes, [RouteState::Original]);
        // Full on: the contender at full capacity and ready, the switch,
        // then the incumbent down to the step's 0.
        to(&mut record, 3);
        let (actions, w) = drive(&mut record, w);
        assert_eq!(
            actions,
            [
                Action::ScaleContender(4),
                Action::WaitContender(4),
                Action::SetWeights(CONTENDER_ONLY),
                Action::WaitSettled,
                Action::ScaleIncumbent(0),
                Action::Settle,
                Action::Done,
            ]
        );
        assert_eq!(w.routes, [SWITCHED]);
        // Promote: the incumbent takes the new template while the
        // contender serves; the selector back as it was once it is rolled
        // out; the contender goes.
        record.phase = Phase::Promoting;
        let (actions, w) = drive(&mut record, w);
        assert_eq!(
            actions,
            [
                Action::UpdateIncumbent,
                Action::WaitIncumbentRolledOut,
                Action::RestoreRoutes,
                Action::WaitSettled,
                Action::DeleteContender,
                Action::DeleteContenderService,
                Action::Finish,
                Action::Done,
            ]
        );
        assert_eq!(w.routes, [RouteState::Original]);
        assert_eq!(w.incumbent.replicas, 4);
    }

    #[test]
    fn blue_green_keeps_the_incumbent_and_switches_the_selector() {
        let (mut record, w) = by_selector("blue-green");
        let (actions, w) = drive(&mut record, w);
        assert_eq!(
            actions,
            [
                Action::CreateContenderService,
                Action::SetWeights(INCUMBENT_ONLY),
                Action::ScaleContender(4),
                Action::WaitContender(4),
                Action::Settle,
                Action::Done,
            ]
        );
        to(&mut record, 2);
        let (actions, w) = drive(&mut record, w);
        assert_eq!(
            actions,
            [
                Action::SetWeights(CONTENDER_ONLY),
                Action::Settle,
                Action::Done
            ]
        );
        assert_eq!(w.incumbent.replicas, 4);
        // Abort after the switch: traffic back first (the incumbent has
        // all its pods ready), the contender goes, the selector as it was.
        record.phase = Phase::Aborted;
        assert_eq!(
            abort_first(&record, &w),
            Some(Action::SetWeights(INCUMBENT_ONLY))
        );
        let (actions, w) = drive(&mut record, w);
        assert_eq!(
            actions,
            [
                Action::SetWeights(INCUMBENT_ONLY),
                Action::WaitSettled,
                Action::DeleteContender,
                Action::RestoreRoutes,
                Action::DeleteContenderService,
                Action::Done,
            ]
        );
        assert_eq!(w.routes, [RouteState::Original]);
        assert!(w.contender.is_none());
    }

    /// A promotion without a mesh never has the Service select the
    /// contender's pods while they go: it narrows to the incumbent's new
    /// pods (their hash pinned in the record), then the contender goes,
    /// then the selector is put back.
    #[test]
    fn a_promotion_by_selector_takes_the_contenders_pods_out_before_they_go() {
        for strategy in ["blue-green", "canary"] {
            let (mut record, w) = by_selector(strategy);
            record.incumbent_digest = Some(crate::rollout::history::digest(&json!({"old": true})));
            let (_, w) = drive(&mut record, w);
            record.phase = Phase::Promoting;
            let (actions, w) = drive(&mut record, w);
            let tail = [
                Action::PinIncumbent,
                Action::SetWeights(INCUMBENT_ONLY),
                Action::WaitSettled,
                Action::DeleteContender,
                Action::RestoreRoutes,
                Action::DeleteContenderService,
                Action::Finish,
                Action::Done,
            ];
            assert!(actions.ends_with(&tail), "{strategy}: {actions:?}");
            assert!(
                actions.contains(&Action::SetWeights(CONTENDER_ONLY)),
                "{strategy}: the contender served alone while the incumbent rolled: {actions:?}"
            );
            assert_eq!(w.routes, [RouteState::Original]);
            assert!(w.contender.is_none());
            assert_eq!(
                record.incumbent_digest,
                Some(crate::rollout::history::digest(&json!({"new": true}))),
                "the record knows the template the pinned hash is of"
            );
            // Killed after the pin and run again: the same way on.
            let (mut again, w2) = by_selector(strategy);
            again.incumbent_digest = record.incumbent_digest.clone();
            again.phase = Phase::Promoting;
            let mut w2 = w2;
            w2.incumbent.template = json!({"new": true});
            w2.contender = Some(deployment(4, 4));
            w2.contender_service = true;
            w2.routes = vec![SWITCHED];
            w2.settled = false;
            let (actions, _) = drive(&mut again, w2);
            assert_eq!(actions[..3], tail[1..4], "{strategy}: {actions:?}");
        }
    }

    /// Abort at every step of vanguard: the selector never selects the
    /// contender's pods once abort began, and ends as it was.
    #[test]
    fn abort_at_every_step_ends_with_the_selector_as_it_was() {
        for at in 1..=3 {
            let (mut record, w) = by_selector("vanguard");
            let mut w = w;
            for step in 1..=at {
                to(&mut record, step);
                w = drive(&mut record, w).1;
            }
            record.phase = Phase::Aborted;
            let (actions, w) = drive(&mut record, w);
            let deleted = actions
                .iter()
                .position(|a| *a == Action::DeleteContender)
                .unwrap();
            let restored = actions
                .iter()
                .position(|a| *a == Action::RestoreRoutes)
                .unwrap();
            assert!(deleted < restored, "step {at}: {actions:?}");
            assert_eq!(w.routes, [RouteState::Original], "step {at}");
            assert_eq!(w.incumbent.replicas, 4, "step {at}");
            assert!(w.contender.is_none() && !w.contender_service, "step {at}");
            if at == 3 {
                // Full on had scaled the incumbent to 0: it comes back and
                // is ready before it takes the traffic.
                assert_eq!(
                    actions[..3],
                    [
                        Action::ScaleIncumbent(4),
                        Action::WaitIncumbent(4),
                        Action::SetWeights(INCUMBENT_ONLY)
                    ]
                );
            }
        }
    }

    #[test]
    fn an_autoscaled_abort_without_a_mesh_leaves_the_incumbent_to_its_autoscaler() {
        // Canary by pods; the incumbent's autoscaler brought it from 4 to 3
        // meanwhile; the contender has its own autoscaler.
        let (mut record, w) = by_selector("vanguard");
        record.autoscaler = Some(crate::rollout::autoscale::Autoscaler {
            name: "web".into(),
            min: 2,
            max: 10,
        });
        let mut w = w;
        for step in 1..=2 {
            to(&mut record, step);
            w = drive(&mut record, w).1;
        }
        assert!(w.contender_autoscaler.is_some());
        w.incumbent = deployment(3, 3);
        record.phase = Phase::Aborted;
        let (actions, w) = drive(&mut record, w);
        assert!(
            !actions
                .iter()
                .any(|a| matches!(a, Action::ScaleIncumbent(_))),
            "the incumbent's replicas are its autoscaler's: {actions:?}"
        );
        assert_eq!(
            actions[0],
            Action::SetWeights(INCUMBENT_ONLY),
            "traffic back first: {actions:?}"
        );
        assert_eq!(w.contender_autoscaler, None, "{actions:?}");
        assert!(w.contender.is_none() && !w.contender_service);
        assert_eq!(w.routes, [RouteState::Original]);
        assert_eq!(w.incumbent.replicas, 3);
    }

    /// A command killed between any two actions, run again, ends where one
    /// that ran through would: each look starts from the world as left. At
    /// every step of vanguard and of blue-green, the promotion and aborts
    /// from each step.
    #[test]
    fn a_crash_between_any_two_writes_converges() {
        fn check(record: &Record, w: &World, what: &str) {
            let (mut whole, _) = drive(&mut record.clone(), w.clone());
            whole.retain(|a| *a != Action::Done);
            for cut in 0..whole.len() {
                let (mut r, mut w) = (record.clone(), w.clone());
                for action in &whole[..cut] {
                    assume_done(action, &mut r, &mut w);
                }
                let (rest, _) = drive(&mut r, w);
                assert_eq!(rest[..rest.len() - 1], whole[cut..], "{what}, cut at {cut}");
            }
        }
        for strategy in ["vanguard", "blue-green"] {
            let (mut record, mut w) = by_selector(strategy);
            for step in 1..=record.steps.len() {
                to(&mut record, step);
                check(&record, &w, &format!("{strategy} to step {step}"));
                w = drive(&mut record, w).1;
                let mut aborted = record.clone();
                aborted.phase = Phase::Aborted;
                check(&aborted, &w, &format!("{strategy} abort at {step}"));
            }
            record.phase = Phase::Promoting;
            check(&record, &w, &format!("{strategy} promote"));
        }
    }

    #[test]
    fn without_the_incumbents_template_abort_puts_the_selector_back_first() {
        let (mut record, mut w) = by_selector("blue-green");
        record.incumbent_digest = Some(crate::rollout::history::digest(&json!({"old": true})));
        record.phase = Phase::Aborted;
        w.contender_service = true;
        w.contender = Some(deployment(4, 4));
        w.routes = vec![SWITCHED];
        w.incumbent.template = json!({"changed": true});
        assert_eq!(abort_first(&record, &w), None);
        let (actions, _) = drive(&mut record, w);
        assert_eq!(
            actions,
            [
                Action::RestoreRoutes,
                Action::WaitSettled,
                Action::DeleteContender,
                Action::DeleteContenderService,
                Action::Done,
            ]
        );
    }

    #[test]
    fn a_mirror_step_is_set_with_its_weights_and_gone_at_the_next_step_and_the_end() {
        let mut record = record(Phase::Progressing, 0, 1);
        record.steps = crate::rollout::strategy::Strategy::from_percentages("10,100")
            .unwrap()
            .with_mirror(100)
            .unwrap()
            .steps;
        let (actions, w) = drive(&mut record, world());
        assert_eq!(
            actions,
            [
                Action::CreateContenderService,
                Action::ScaleContender(4),
                Action::WaitContender(4),
                Action::SetWeights(split(0, 100)),
                Action::Settle,
                Action::Done,
            ]
        );
        assert_eq!(w.routes, [RouteState::Mirrored(split(0, 100), 100); 2]);
        // The next step's weights come without the mirror.
        to(&mut record, 2);
        let (actions, w) = drive(&mut record, w);
        assert!(
            actions.contains(&Action::SetWeights(split(10, 90))),
            "{actions:?}"
        );
        assert_eq!(w.routes, [RouteState::Weighted(split(10, 90)); 2]);
        // Abort at the mirror step puts the routes back as they were.
        let mut aborted = record.clone();
        aborted.phase = Phase::Aborted;
        let mut at_mirror = w.clone();
        at_mirror.routes = vec![RouteState::Mirrored(split(0, 100), 100); 2];
        assert_eq!(
            abort_first(&aborted, &at_mirror),
            Some(Action::RestoreRoutes)
        );
        // Promote from the mirror step: all traffic to the contender, no
        // mirror.
        record.phase = Phase::Promoting;
        let (actions, _) = drive(&mut record, at_mirror);
        assert!(
            actions.contains(&Action::SetWeights(split(100, 0))),
            "{actions:?}"
        );
    }

    #[test]
    fn a_paused_rollout_needs_nothing() {
        let record = record(Phase::Paused, 1, 1);
        assert_eq!(next(&record, &world()), Action::Done);
    }
}
