//! `kubectl ramp start DEPLOYMENT --image IMAGE`: validates everything,
//! writes the record, creates the contender and goes to the first step.

use std::collections::BTreeMap;

use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::{Namespace, PodTemplateSpec, Service};
use kube::Api;
use kube::api::{Patch, PatchParams};
use serde_json::json;

use super::{Begin, Change, Loaded, drive, executor, load, show};
use crate::cli::{GlobalArgs, RolloutArgs, StartArgs};
use crate::clusters::access::Rules;
use crate::connect::Connection;
use crate::engine::execute::Executor;
use crate::engine::fleet::Place;
use crate::engine::lock::Lock;
use crate::engine::observe::{selects, services_selecting};
use crate::engine::progress::Progress;
use crate::error::{self, Error, Kind, Result};
use crate::rollout::contender::{self, ImageChange, MANAGED_BY};
use crate::rollout::freeze::Command as FrozenCommand;
use crate::rollout::record::{Contender, Header, Phase, Record, RouterRecord, SCHEMA};
use crate::rollout::strategy::Strategy;
use crate::router::{RouterKind, ServiceRef};

pub async fn run(global: &GlobalArgs, args: &StartArgs) -> Result<()> {
    let change = &args.rollout.change;
    if args.rollout.interactive && change.clusters.is_set() && change.clusters.waves.is_none() {
        return Err(
            Error::invalid("--interactive drives one cluster").with_hint(
                "across clusters, step them with `kubectl ramp step DEPLOYMENT --clusters ...`",
            ),
        );
    }
    let fleet = super::fanout::fleet(global, change)?;
    if fleet.across() {
        return super::fanout::start(global, &fleet, args).await;
    }
    let place = &fleet.places[0];
    start(global, place, &Asked::of(args), &place.change).await
}

/// What a start is asked: the Deployment, the rollout's flags, and where
/// the new pod template comes from.
#[derive(Debug, Clone, Copy)]
pub struct Asked<'a> {
    pub deployment: &'a str,
    pub rollout: &'a RolloutArgs,
    pub source: Source<'a>,
}

/// No rollout flags: a wave's start, whose record carries them.
static NO_FLAGS: std::sync::LazyLock<RolloutArgs> = std::sync::LazyLock::new(RolloutArgs::default);

impl<'a> Asked<'a> {
    /// The record of the earlier wave whose template and steps this start
    /// carries on with, if it is a wave's.
    pub fn carried(&self) -> Option<&'a Record> {
        match self.source {
            Source::Wave(record) => Some(record),
            _ => None,
        }
    }

    /// The start the command line asks for.
    pub fn of(args: &'a StartArgs) -> Asked<'a> {
        Asked {
            deployment: &args.deployment,
            rollout: &args.rollout,
            source: Source::Flags {
                image: &args.image,
                filename: args.filename.as_deref(),
            },
        }
    }

    /// The next wave of the rollout `earlier` records, as it was.
    pub fn wave(deployment: &'a str, earlier: &'a Record) -> Asked<'a> {
        Asked {
            deployment,
            rollout: &NO_FLAGS,
            source: Source::Wave(earlier),
        }
    }

    /// A start of an earlier revision's pod template (undo).
    pub fn revision(
        deployment: &'a str,
        rollout: &'a RolloutArgs,
        template: &'a PodTemplateSpec,
    ) -> Asked<'a> {
        Asked {
            deployment,
            rollout,
            source: Source::Revision(template),
        }
    }
}

/// Where the new pod template comes from.
#[derive(Debug, Clone, Copy)]
pub enum Source<'a> {
    /// --image or -f.
    Flags {
        image: &'a [String],
        filename: Option<&'a std::path::Path>,
    },
    /// The next wave of a rollout across regions: the pod template and the
    /// steps of the earlier wave's record.
    Wave(&'a Record),
    /// undo: an earlier revision's pod template.
    Revision(&'a PodTemplateSpec),
}

/// `start`: a new rollout of the pod template `source` gives.
pub async fn start(
    global: &GlobalArgs,
    place: &Place,
    args: &Asked<'_>,
    change: &Change,
) -> Result<()> {
    let conn = place.conn().await?;
    let name = args.deployment;
    if args.rollout.interactive {
        super::step::require_terminal(name)?;
    }
    let checked = checked(place, args, change).await?;
    let change = &checked.change;
    let base = checked.loaded.base();
    if let Some(existing) = checked.loaded.record.as_ref().filter(|r| in_progress(r)) {
        // The same start, run again after it was interrupted: carry on.
        same_start(args, args.carried(), existing, &checked.template)?;
        change.wait_for_every_cluster().await?;
        let executor = executor(conn, name, existing.clone(), base, change);
        let view = drive(executor, conn, name, "start", None).await?.view;
        return show(global, conn, name, change, view).await;
    }
    let (new, objects, service, message) = planned(conn, args, &checked).await?;
    let begin = |record: Record| Begin {
        record,
        reason: "Started",
        message: message.clone(),
        restore_first: false,
    };
    // Every write once with dryRun=All first, so that admission, schemas
    // and RBAC judge the whole plan before anything changes.
    let known = (objects.clone(), service.clone());
    rehearse(conn, name, begin(new.clone()), base.clone(), known, change).await?;
    if change.dry_run {
        return Ok(());
    }
    // Across clusters: no write anywhere before every cluster got here.
    change.wait_for_every_cluster().await?;
    if let Some(automation) = &new.automation {
        super::run::pre_rollout(automation, name, &conn.namespace).await?;
    }
    let executor = executor(conn, name, new.clone(), base, change)
        .knowing_routes(objects)
        .knowing_service(service)
        .knowing_no_contender();
    // Across clusters, one driver drives them all once every one started.
    if let Some(automation) = new.automation.clone().filter(|_| !change.quiet) {
        let started = begin(new.clone());
        let driving = (executor, started, automation);
        return drive_from_start(global, place, name, driving, change).await;
    }
    let view = drive(executor, conn, name, "start", Some(begin(new.clone())))
        .await?
        .view;
    if args.rollout.interactive {
        return super::step::interact(global, conn, name, &change.noting(None), view).await;
    }
    show(global, conn, name, change, view).await
}

/// What a start checked before it plans: the rollout as read, what the
/// credentials may do and who they are, the options once the freezes let
/// it (with an override noted), and the new pod template as the API
/// server defaults it.
struct Checked {
    loaded: Loaded,
    rules: Rules,
    started_by: Option<String>,
    change: Change,
    template: serde_json::Value,
}

async fn checked(place: &Place, args: &Asked<'_>, change: &Change) -> Result<Checked> {
    let conn = place.conn().await?;
    let loaded = load(conn, args.deployment).await?;
    // What every router needs, before even the dry runs; the router's own
    // objects once it is known. And who the API server takes the caller to
    // be, for the history.
    let (rules, started_by) = futures::future::join(
        crate::clusters::access::rules(conn, &conn.namespace),
        crate::clusters::access::who_am_i(conn),
    )
    .await;
    let rules = rules?;
    check_access(conn, &rules, None).await?;
    // Once the credentials are known to allow a rollout: a freeze holds it.
    let command = match args.source {
        Source::Revision(_) => FrozenCommand::Undo,
        _ => FrozenCommand::Start,
    };
    let change = super::freeze::gate(conn, &place.freeze_namespace, command, change).await?;
    let template = new_template(conn, args, &loaded.incumbent).await?;
    Ok(Checked {
        loaded,
        rules,
        started_by,
        change,
        template,
    })
}

/// The new rollout's record, checked against the incumbent's autoscaler,
/// with its automation, who started it, its id and the history so far;
/// the routing objects and the incumbent's Service as the plan read them;
/// and what its start says.
async fn planned(
    conn: &Connection,
    args: &Asked<'_>,
    checked: &Checked,
) -> Result<(Record, crate::router::Objects, Service, String)> {
    let name = args.deployment;
    let carried = args.carried();
    let incumbent = &checked.loaded.incumbent;
    crate::rollout::precondition::check(incumbent)?;
    let autoscaler = autoscaler_of(conn, incumbent).await?;
    let template = checked.template.clone();
    let Planned {
        record: mut new,
        objects,
        service,
        fitted,
        notices,
    } = plan_rollout(conn, &checked.rules, args, carried, incumbent, template).await?;
    for notice in &notices {
        eprintln!("{notice}");
    }
    if let Some(autoscaler) = autoscaler {
        check_autoscaler(conn, &checked.rules, name, &new, &autoscaler).await?;
        new.autoscaler = Some(autoscaler);
    }
    new.automation = automation(args, &checked.change)?;
    new.started_by = checked.started_by.clone();
    new.id = Some(match carried.and_then(|r| r.id.clone()) {
        Some(id) => id,
        None => rollout_id()?,
    });
    // The history goes on from the last rollout's record.
    new.finished = checked
        .loaded
        .record
        .as_ref()
        .map(|r| r.finished.clone())
        .unwrap_or_default();
    let mut message = format!("started: {} steps ({})", new.steps.len(), new.strategy);
    if let Some(why) = fitted {
        message.push_str(&format!(": {why}"));
    }
    Ok((new, objects, service, message))
}

/// Whether `record` is of a rollout under way (not ended, not idle).
fn in_progress(record: &Record) -> bool {
    !matches!(
        record.phase,
        Phase::Succeeded | Phase::Aborted | Phase::Idle
    )
}

/// A start while `existing` is under way: the same start, run again after
/// it was interrupted before its first step was reached, carries on (Ok);
/// any other is refused (exit 2).
fn same_start(
    args: &Asked<'_>,
    carried: Option<&Record>,
    existing: &Record,
    template: &serde_json::Value,
) -> Result<()> {
    if existing.step <= 1
        && existing.contender.template == *template
        && same_steps(args, carried, existing)?
    {
        return Ok(());
    }
    let name = args.deployment;
    Err(Error::invalid(format!(
        "deployment {name:?} already has a rollout in progress ({}, step {}/{})",
        existing.phase.as_str(),
        existing.step,
        existing.steps.len()
    ))
    .with_hint(format!(
        "finish it with `kubectl ramp promote {name}` or `kubectl ramp abort {name}` first"
    )))
}

/// Refuses a plan the incumbent's autoscaler and the credentials cannot
/// carry out.
async fn check_autoscaler(
    conn: &Connection,
    rules: &Rules,
    name: &str,
    new: &Record,
    autoscaler: &crate::rollout::autoscale::Autoscaler,
) -> Result<()> {
    crate::rollout::autoscale::check(
        name,
        autoscaler,
        &new.steps,
        crate::rollout::autoscale::Routing {
            kind: new.router.kind,
            narrowed: new.router.selector.is_some(),
        },
        new.replicas,
    )?;
    check_autoscaling_access(conn, rules).await
}

/// Every write of `begin` once with dryRun=All, so that admission, schemas
/// and RBAC judge the whole plan before anything changes; `known`: the
/// routing objects and the incumbent's Service as the plan read them.
async fn rehearse(
    conn: &Connection,
    name: &str,
    begin: Begin,
    base: crate::engine::execute::Base,
    known: (crate::router::Objects, Service),
    change: &Change,
) -> Result<()> {
    let quiet = match change.dry_run {
        true => Progress::new(true),
        false => Progress::silent(),
    };
    let new = begin.record.clone();
    let rehearsal = Executor::new(
        conn.clone(),
        name,
        new.clone(),
        base,
        true,
        change.timeout,
        quiet,
    )
    .knowing_routes(known.0)
    .knowing_service(known.1)
    .knowing_no_contender();
    let Err(err) = drive(rehearsal, conn, name, "start", Some(begin)).await else {
        return Ok(());
    };
    // A contender's name already taken (not by this rollout) fails the
    // rehearsal's create as a conflict: said for what it is, a leftover
    // of ramp's or the user's object.
    if err.kind == Kind::Conflict {
        check_leftovers(conn, &new.contender, new.autoscaler.is_some()).await?;
    }
    Err(err)
}

/// `start --auto`: the start's first step, then the driver, under one
/// Lease held from the first write to the driver's end (not let go and
/// taken again between the two), held by what drives it: `run`.
async fn drive_from_start(
    global: &GlobalArgs,
    place: &Place,
    name: &str,
    (executor, begin, automation): (Executor, Begin, crate::rollout::record::Automation),
    change: &Change,
) -> Result<()> {
    let conn = place.conn().await?;
    let lock = Lock::acquire(conn, &conn.namespace, name, "run").await?;
    let driven = async {
        let started = match drive(executor, conn, name, "start", Some(begin)).await {
            Ok(driven) => driven.view,
            // Another command changed the rollout as it started (an
            // abort, a person's step): the driver looks again and decides
            // anew, as it does between its own moves; an abort ends it
            // with exit 3, naming who aborted.
            Err(e) if e.kind == Kind::Conflict => {
                tracing::debug!("looking again: {e}");
                None
            }
            Err(e) => return Err(e),
        };
        // The override went into the record with the start.
        let change = change.noting(None);
        super::run::drive_one(global, place, name, automation, &change, started).await
    }
    .await;
    lock.release().await;
    driven
}

/// A new rollout's id: 10 random hexadecimal digits, short enough for a
/// label value and for `kubectl get -l ramp.dev/rollout=ID`.
fn rollout_id() -> Result<String> {
    use ring::rand::{SecureRandom, SystemRandom};
    let mut bytes = [0u8; 5];
    SystemRandom::new()
        .fill(&mut bytes)
        .map_err(|_| Error::failed("the system's random number generator failed"))?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

/// RBAC allows the rollout: asked of the API server before the first write,
/// all at once, so that a missing permission is named, not met half way.
/// With `router`, what a rollout through it needs; without, what every
/// rollout needs.
async fn check_access(conn: &Connection, rules: &Rules, router: Option<RouterKind>) -> Result<()> {
    let namespace = &conn.namespace;
    let missing = match router {
        Some(router) => rules.missing(conn, Some(router)).await?,
        None => rules.missing_common(conn).await?,
    };
    if missing.is_empty() {
        return Ok(());
    }
    let who = match &conn.impersonating {
        Some(user) => format!("user {user:?} (--as)"),
        None => "these credentials".to_string(),
    };
    Err(Error::invalid(format!(
        "{who} may not do what the rollout needs in namespace {namespace:?}: {}",
        missing.iter().map(|p| p.to_string()).collect::<Vec<_>>().join(", ")
    ))
    .with_hint(format!(
        "ask for them, or grant them with `kubectl ramp cluster setup --context CONTEXT -n {namespace} --create-rbac`"
    )))
}

/// The automation settings of `start --auto`; the automation flags without
/// it are a mistake.
fn automation(
    args: &Asked<'_>,
    change: &Change,
) -> Result<Option<crate::rollout::record::Automation>> {
    let flags = &args.rollout.automation;
    let given = flags.analysis.is_some()
        || flags.prometheus.is_some()
        || flags.interval.is_some()
        || flags.window.is_some()
        || flags.failure_limit.is_some()
        || flags.no_promote;
    match (args.rollout.auto, given) {
        (true, _) => super::run::settings(
            None,
            flags,
            change.notify.as_ref(),
            change.metrics.prometheus.is_some(),
        )
        .map(Some),
        (false, true) => Err(Error::invalid("--analysis, --prometheus, --interval, --window, --failure-limit and --no-promote drive an automated rollout")
            .with_hint("add --auto, or drive the rollout later with `kubectl ramp run`")),
        (false, false) => Ok(None),
    }
}

/// The new pod template, as the API server will store it: a dry-run update
/// of the incumbent defaults it and runs admission on it, so that promote
/// can tell later whether the incumbent already took it.
async fn new_template(
    conn: &Connection,
    args: &Asked<'_>,
    incumbent: &Deployment,
) -> Result<serde_json::Value> {
    let name = args.deployment;
    let template = match args.source {
        // The next wave: the template the earlier one rolled out.
        Source::Wave(earlier) => serde_json::from_value(earlier.contender.template.clone())
            .map_err(|e| {
                Error::failed(format!(
                    "the earlier wave's pod template cannot be read: {e}"
                ))
            })?,
        Source::Revision(template) => template.clone(),
        Source::Flags {
            filename: Some(path),
            ..
        } => template_from_file(path, incumbent, &conn.namespace)?,
        Source::Flags {
            filename: None,
            image: images,
        } => {
            let changes = ImageChange::parse_all(images)?;
            contender::with_images(incumbent, &changes)?
        }
    };
    let template = defaulted(conn, name, &template).await?;
    let current = serde_json::to_value(incumbent.spec.as_ref().map(|s| s.template.clone()))
        .unwrap_or_default();
    if current == template {
        return Err(Error::invalid(format!(
            "deployment {name:?} already runs this pod template: there is nothing to roll out"
        ))
        .with_hint("pass a different --image, or a manifest with a changed pod template"));
    }
    Ok(template)
}

/// The autoscaler that scales the incumbent, if one does.
async fn autoscaler_of(
    conn: &Connection,
    incumbent: &Deployment,
) -> Result<Option<crate::rollout::autoscale::Autoscaler>> {
    use k8s_openapi::api::autoscaling::v2::HorizontalPodAutoscaler;
    let name = incumbent.metadata.name.clone().unwrap_or_default();
    let api: Api<HorizontalPodAutoscaler> = Api::namespaced(conn.client.clone(), &conn.namespace);
    let autoscalers = api
        .list(&kube::api::ListParams::default())
        .await
        .map_err(|e| {
            error::from_kube(
                e,
                &format!("list the autoscalers in namespace {:?}", conn.namespace),
                &conn.server,
            )
        })?;
    Ok(crate::rollout::autoscale::of(&autoscalers.items, &name)
        .map(crate::rollout::autoscale::kept))
}

/// The contender of an autoscaled Deployment gets an autoscaler of its
/// own: the credentials must allow it.
async fn check_autoscaling_access(conn: &Connection, rules: &Rules) -> Result<()> {
    use crate::clusters::access::{AUTOSCALED, Permission};
    let (group, resource, verbs) = AUTOSCALED;
    let needed = verbs
        .iter()
        .map(|verb| Permission {
            verb: verb.to_string(),
            resource: resource.to_string(),
            group: group.to_string(),
            name: None,
        })
        .collect();
    let missing = rules.missing_of(conn, needed).await?;
    if missing.is_empty() {
        return Ok(());
    }
    let namespace = &conn.namespace;
    Err(Error::invalid(format!(
        "the Deployment is autoscaled and its contender gets an autoscaler of its own, but these credentials may not: {}",
        missing.iter().map(|p| p.to_string()).collect::<Vec<_>>().join(", ")
    ))
    .with_hint(format!(
        "ask for them, or grant them with `kubectl ramp cluster setup --context CONTEXT -n {namespace} --create-rbac`"
    )))
}

/// The steps the flags ask for, or the earlier wave's.
fn strategy_of(args: &Asked<'_>, carried: Option<&Record>) -> Result<Strategy> {
    let strategy = match (&args.rollout.strategy, &args.rollout.steps, carried) {
        (_, _, Some(carried)) => Strategy {
            name: carried.strategy.clone(),
            steps: carried.steps.clone(),
        },
        (_, Some(steps), None) => Strategy::from_percentages(steps)?,
        (Some(strategy), None, None) => Strategy::named(strategy)?,
        (None, None, None) => Strategy::named("canary")?,
    };
    match (args.rollout.mirror, carried) {
        (Some(percent), None) => strategy.with_mirror(percent),
        _ => Ok(strategy),
    }
}

/// Whether the steps of a rollout started before are the ones these flags
/// ask for: the default's fitted to the pods, too, as `start` chose them.
fn same_steps(args: &Asked<'_>, carried: Option<&Record>, existing: &Record) -> Result<bool> {
    let wanted = strategy_of(args, carried)?;
    if wanted.steps == existing.steps {
        return Ok(true);
    }
    let fitted = match default_strategy(args, carried) {
        true => existing
            .router
            .kind
            .router()
            .fit(&wanted, existing.replicas),
        false => None,
    };
    Ok(fitted.is_some_and(|(fitted, _)| fitted.steps == existing.steps))
}

/// Whether the strategy is the default one: no --strategy, no --steps.
fn default_strategy(args: &Asked<'_>, carried: Option<&Record>) -> bool {
    args.rollout.strategy.is_none() && args.rollout.steps.is_none() && carried.is_none()
}

/// What `start` will write, and what it read to decide it.
struct Planned {
    /// Why the default strategy's steps were changed, when they were.
    fitted: Option<String>,
    record: Record,
    /// The routing objects, as read to choose the routes.
    objects: crate::router::Objects,
    /// The incumbent's Service.
    service: Service,
    /// What the user should know of the plan, a sentence each.
    notices: Vec<String>,
}

/// Everything `start` checks before the first write, and the record it
/// will write.
async fn plan_rollout(
    conn: &Connection,
    rules: &Rules,
    args: &Asked<'_>,
    carried: Option<&Record>,
    incumbent: &Deployment,
    template: serde_json::Value,
) -> Result<Planned> {
    let name = args.deployment;
    let header = header_of(args.rollout)?;
    let strategy = strategy_of(args, carried)?;
    let replicas = replicas_of(name, incumbent)?;

    let (service, selecting) =
        incumbent_service(conn, incumbent, args.rollout.service.as_deref()).await?;
    let service_name = service.metadata.name.clone().unwrap_or_default();
    let template_labels: BTreeMap<String, String> =
        serde_json::from_value(template["metadata"]["labels"].clone()).unwrap_or_default();
    contender::check_selected_labels(&service_name, &selector_of(&service), &template_labels)?;

    let contender_namespace = contender_namespace(conn, args.rollout).await?;
    let contender_name = contender::name_for(name);
    let incumbent_ref = ServiceRef {
        name: service_name.clone(),
        namespace: conn.namespace.clone(),
    };
    let contender_ref = ServiceRef {
        name: contender_name.clone(),
        namespace: contender_namespace.clone(),
    };

    let refs = (&incumbent_ref, &contender_ref);
    let sizing = (strategy, replicas, header.as_ref());
    let (router, (strategy, fitted), chosen, mut notices) =
        routed(conn, rules, args, carried, refs, sizing).await?;
    let keys = contender::rewritten_keys(incumbent, &service, router);
    let contender_labels = contender::pod_labels(&template_labels, &keys)?;
    let services = (&service_name, &contender_ref.name, selecting.as_slice());
    notices.extend(other_services(
        services,
        &contender_labels,
        &strategy.steps,
    )?);
    let scale_down_delay = scale_down_delay_of(args.rollout, &strategy.name);
    let contender = Contender {
        name: contender_name,
        namespace: contender_namespace,
        template,
    };
    let router = RouterRecord {
        kind: router,
        routes: chosen.routes,
        api_version: chosen.api_version,
        header,
        selector: chosen.selector,
    };
    let record = Record {
        scale_down_delay,
        drain: args.rollout.drain.map(|d| d.as_secs()),
        ..new_record(incumbent, strategy, contender, service_name, router)
    };
    Ok(Planned {
        record,
        objects: chosen.objects,
        service,
        fitted,
        notices,
    })
}

/// The router, the steps it can carry out, the routes it chose (with the
/// objects they are in, as read), and what the user should know of them.
async fn routed(
    conn: &Connection,
    rules: &Rules,
    args: &Asked<'_>,
    carried: Option<&Record>,
    (incumbent_ref, contender_ref): (&ServiceRef, &ServiceRef),
    (strategy, replicas, header): (Strategy, i32, Option<&Header>),
) -> Result<(
    RouterKind,
    (Strategy, Option<String>),
    crate::router::Chosen,
    Vec<String>,
)> {
    let name = args.deployment;
    // The flags that name a router's object, and what they name.
    let objects = [
        ("--virtual-service", args.rollout.virtual_service.as_deref()),
        ("--http-route", args.rollout.http_route.as_deref()),
    ];
    let named = objects
        .iter()
        .find_map(|(flag, object)| object.and(crate::router::named_by(flag)));
    let (router, listed) =
        router_of(conn, args.rollout, named, incumbent_ref, contender_ref).await?;
    // Discovered to go without a mesh: a VirtualService that sends to the
    // Service but is not one ramp shifts is told of.
    let mut notices = Vec::new();
    if router.router().flavor().is_none() && args.rollout.router.is_none() {
        notices.extend(crate::router::why_not_istio(conn, incumbent_ref).await?);
    }
    check_access(conn, rules, Some(router)).await?;
    // Without a mesh the default canary's shares may be more than whole
    // pods can give: the nearest steps they can, said so.
    let fit = router.router().fit(&strategy, replicas);
    let (strategy, fitted) = match (default_strategy(args, carried), fit) {
        (true, Some((fitted, why))) => (fitted, Some(why)),
        _ => (strategy, None),
    };
    let choice = crate::router::Choice {
        deployment: name,
        incumbent: incumbent_ref,
        contender: contender_ref,
        object: objects
            .iter()
            .find(|(flag, _)| router.router().flavor().is_some_and(|f| f.flag == *flag))
            .and_then(|(_, object)| *object),
        route: args.rollout.route.as_deref(),
        listed,
    };
    let chosen = router
        .router()
        .choose(conn, &choice, &strategy.steps, replicas, header)
        .await?;
    Ok((router, (strategy, fitted), chosen, notices))
}

/// The other Services that would select the contender's pods too (of
/// `services`: the incumbent's, the contender's, and every one selecting
/// the incumbent's pods): they send it requests whatever the steps say, so
/// a step with no traffic to it is refused and a split is told of.
fn other_services(
    (incumbent, contender, selecting): (&String, &String, &[Service]),
    contender_labels: &BTreeMap<String, String>,
    steps: &[crate::rollout::strategy::Step],
) -> Result<Vec<String>> {
    let others: Vec<String> = selecting
        .iter()
        .filter(|s| selects(&selector_of(s), contender_labels))
        .filter_map(|s| s.metadata.name.clone())
        .filter(|s| s != incumbent && s != contender)
        .collect();
    contender::check_other_services(incumbent, &others, steps)
}

/// A new rollout's record, at its start: before its first step.
fn new_record(
    incumbent: &Deployment,
    strategy: Strategy,
    contender: Contender,
    service: String,
    router: RouterRecord,
) -> Record {
    let replicas = incumbent
        .spec
        .as_ref()
        .and_then(|s| s.replicas)
        .unwrap_or(1);
    Record {
        schema: SCHEMA,
        phase: Phase::Progressing,
        strategy: strategy.name,
        steps: strategy.steps,
        step: 0,
        target: 1,
        replicas,
        contender,
        service,
        router,
        scale_down_delay: None,
        drain: None,
        interrupted: None,
        automation: None,
        history: Vec::new(),
        started_by: None,
        id: None,
        autoscaler: None,
        finished: Vec::new(),
        held: None,
        incumbent_digest: Some(crate::rollout::history::digest(
            &serde_json::to_value(incumbent.spec.as_ref().map(|s| &s.template)).unwrap_or_default(),
        )),
    }
}

/// The header a `--match-header` or `--preview-header` names, if any.
fn header_of(rollout: &RolloutArgs) -> Result<Option<Header>> {
    match (&rollout.match_header, &rollout.preview_header) {
        (Some(arg), _) => Header::parse("--match-header", arg).map(Some),
        (None, Some(arg)) => Header::parse("--preview-header", arg).map(Some),
        (None, None) => Ok(None),
    }
}

/// The incumbent's replicas: at least one, or there is nothing to shift
/// traffic from.
fn replicas_of(name: &str, incumbent: &Deployment) -> Result<i32> {
    let replicas = incumbent
        .spec
        .as_ref()
        .and_then(|s| s.replicas)
        .unwrap_or(1);
    if replicas < 1 {
        return Err(Error::invalid(format!(
            "deployment {name:?} has 0 replicas: there is nothing to shift traffic from"
        ))
        .with_hint(format!(
            "scale it up first: kubectl scale deployment {name} --replicas N"
        )));
    }
    Ok(replicas)
}

/// How long the incumbent keeps its capacity after the last step: the
/// flag's, else 30 s for blue-green, which switches all at once.
fn scale_down_delay_of(rollout: &RolloutArgs, strategy: &str) -> Option<u64> {
    match (rollout.scale_down_delay, strategy) {
        (Some(delay), _) => Some(delay.as_secs()),
        (None, "blue-green") => Some(30),
        (None, _) => None,
    }
}

/// The namespace the contender runs in: --canary-namespace's, which must
/// exist, else the incumbent's.
async fn contender_namespace(conn: &Connection, rollout: &RolloutArgs) -> Result<String> {
    let namespace = conn.namespace.as_str();
    let contender_namespace = rollout
        .canary_namespace
        .clone()
        .unwrap_or_else(|| namespace.to_string());
    if contender_namespace != namespace {
        let namespaces: Api<Namespace> = Api::all(conn.client.clone());
        let found = match namespaces.get_opt(&contender_namespace).await {
            Ok(found) => found.is_some(),
            // Namespaces are cluster-wide, which ramp's least-privilege Role
            // does not read: the contender's creation will tell.
            Err(kube::Error::Api(status)) if status.code == 403 => true,
            Err(e) => {
                return Err(error::from_kube(
                    e,
                    &format!("get namespace {contender_namespace:?}"),
                    &conn.server,
                ));
            }
        };
        if !found {
            return Err(Error::invalid(format!(
                "--canary-namespace: namespace {contender_namespace:?} does not exist"
            ))
            .with_hint(format!(
                "create it with `kubectl create namespace {contender_namespace}`"
            )));
        }
    }
    Ok(contender_namespace)
}

/// The router: the flag's, else the one the flag naming its object
/// (`named`) implies, else the one found in front of the Service, with
/// the routes found (as they are now: the ones snapshotted).
async fn router_of(
    conn: &Connection,
    rollout: &RolloutArgs,
    named: Option<RouterKind>,
    incumbent: &ServiceRef,
    contender: &ServiceRef,
) -> Result<(RouterKind, Option<Vec<kube::api::DynamicObject>>)> {
    Ok(match (rollout.router, named) {
        (Some(router), _) => (router.into(), None),
        (None, Some(router)) => (router, None),
        (None, None) => {
            // As they are now: the routes found are the ones snapshotted.
            let (routing, listed) = crate::router::discover_listing(
                conn,
                incumbent,
                contender,
                crate::router::Freshness::Now,
            )
            .await?;
            (routing.router, Some(listed))
        }
    })
}

/// The text of `-f`: a file, or stdin for `-`, read once (a rollout on
/// several clusters asks for it once per cluster).
fn manifest_text(path: &std::path::Path) -> Result<String> {
    static STDIN: std::sync::OnceLock<std::result::Result<String, String>> =
        std::sync::OnceLock::new();
    if path == std::path::Path::new("-") {
        let read = STDIN.get_or_init(|| crate::input::read_from(std::io::stdin()));
        return read.clone().map_err(|e| {
            Error::invalid(format!("cannot read the manifest from stdin: {e}"))
                .with_hint("pipe a Deployment manifest into `-f -`")
        });
    }
    crate::input::read(path).map_err(|e| {
        Error::invalid(format!("cannot read {}: {e}", path.display()))
            .with_hint("pass the path of a Deployment manifest to -f, or - for stdin")
    })
}

/// The pod template of a manifest of the same Deployment. The manifest may
/// hold several documents (or a List): the Deployment of that name is
/// taken, and stderr says so.
fn selector_of(service: &Service) -> BTreeMap<String, String> {
    service
        .spec
        .as_ref()
        .and_then(|s| s.selector.clone())
        .unwrap_or_default()
}

fn template_from_file(
    path: &std::path::Path,
    incumbent: &Deployment,
    namespace: &str,
) -> Result<PodTemplateSpec> {
    let name = incumbent.metadata.name.clone().unwrap_or_default();
    let shown = if path == std::path::Path::new("-") {
        "stdin".to_string()
    } else {
        path.display().to_string()
    };
    let text = manifest_text(path)?;
    let not_a_manifest = |e: &dyn std::fmt::Display| {
        let text = e.to_string();
        let first = text
            .lines()
            .next()
            .unwrap_or_default()
            .trim_start_matches("error: ")
            .to_string();
        Error::invalid(format!("{shown} is not a valid Deployment manifest: {first}"))
            .with_hint("-f takes the new version of the Deployment, as `kubectl get deployment NAME -o yaml` prints it")
    };
    let documents: Vec<serde_json::Value> =
        serde_saphyr::from_multiple(&text).map_err(|e| not_a_manifest(&e))?;
    let objects = objects_of(documents);
    let chosen = deployment_in(&objects, &name, &shown)?;
    let deployment: Deployment = serde_json::from_value(chosen).map_err(|e| not_a_manifest(&e))?;
    check_manifest(&deployment, &name, namespace, &shown)?;
    if objects.len() > 1 {
        eprintln!(
            "using deployment {name:?} of {shown} ({} objects; the others are left alone)",
            objects.len()
        );
    }
    let template = deployment.spec.map(|s| s.template).unwrap_or_default();
    let labels = template
        .metadata
        .as_ref()
        .and_then(|m| m.labels.clone())
        .unwrap_or_default();
    let selector = incumbent
        .spec
        .as_ref()
        .and_then(|s| s.selector.match_labels.clone())
        .unwrap_or_default();
    if !selects(&selector, &labels) {
        return Err(Error::invalid(format!(
            "the pod template in {shown} has labels the deployment's selector does not match"
        ))
        .with_hint("keep the labels that spec.selector.matchLabels names"));
    }
    Ok(template)
}

/// The objects of a manifest's documents, a List's items each one.
fn objects_of(documents: Vec<serde_json::Value>) -> Vec<serde_json::Value> {
    let mut objects = Vec::new();
    for document in documents.into_iter().filter(|d| !d.is_null()) {
        match (document["kind"].as_str(), document["items"].as_array()) {
            (Some("List"), Some(items)) => objects.extend(items.iter().cloned()),
            _ => objects.push(document),
        }
    }
    objects
}

/// The Deployment `name` among a manifest's objects (`shown`: the
/// manifest, for messages); a manifest of one object is taken whole.
fn deployment_in(
    objects: &[serde_json::Value],
    name: &str,
    shown: &str,
) -> Result<serde_json::Value> {
    let deployments: Vec<&serde_json::Value> = objects
        .iter()
        .filter(|o| o["kind"] == "Deployment")
        .collect();
    Ok(match deployments.as_slice() {
        [] if objects.len() == 1 => objects[0].clone(),
        [only] if objects.len() == 1 => (*only).clone(),
        _ => {
            let found = deployments
                .iter()
                .position(|d| d["metadata"]["name"] == name)
                .ok_or_else(|| {
                    let names: Vec<String> = deployments
                        .iter()
                        .map(|d| {
                            format!("{:?}", d["metadata"]["name"].as_str().unwrap_or_default())
                        })
                        .collect();
                    Error::invalid(format!(
                        "{shown} has no deployment {name:?} (its deployments: {})",
                        if names.is_empty() {
                            "none".to_string()
                        } else {
                            names.join(", ")
                        }
                    ))
                    .with_hint(format!("-f takes a manifest holding deployment {name:?}"))
                })?;
            deployments[found].clone()
        }
    })
}

/// Refuses a manifest of another Deployment, or of another namespace.
fn check_manifest(deployment: &Deployment, name: &str, namespace: &str, shown: &str) -> Result<()> {
    let file_name = deployment.metadata.name.clone().unwrap_or_default();
    if file_name != name {
        return Err(Error::invalid(format!(
            "{shown} describes deployment {file_name:?}, not {name:?}"
        ))
        .with_hint(format!(
            "-f takes the new version of deployment {name:?} itself"
        )));
    }
    if let Some(theirs) = &deployment.metadata.namespace
        && theirs != namespace
    {
        return Err(Error::invalid(format!(
            "{shown} is for namespace {theirs:?}, but the rollout is in namespace {namespace:?}"
        ))
        .with_hint(format!(
            "pass -n {theirs} to roll out there, or change metadata.namespace in the manifest"
        )));
    }
    Ok(())
}

/// The incumbent's Service: the one named, or the one whose selector picks
/// the Deployment's pods (the one named like it when several do); with
/// every Service that selects them.
async fn incumbent_service(
    conn: &Connection,
    incumbent: &Deployment,
    wanted: Option<&str>,
) -> Result<(Service, Vec<Service>)> {
    let name = incumbent.metadata.name.clone().unwrap_or_default();
    let namespace = &conn.namespace;
    let api: Api<Service> = Api::namespaced(conn.client.clone(), namespace);
    let labels = incumbent
        .spec
        .as_ref()
        .and_then(|s| s.template.metadata.as_ref())
        .and_then(|m| m.labels.clone())
        .unwrap_or_default();
    let picks = |svc: &Service| {
        svc.spec
            .as_ref()
            .and_then(|s| s.selector.as_ref())
            .is_some_and(|selector| selects(selector, &labels))
    };
    if let Some(wanted) = wanted {
        let service = api
            .get_opt(wanted)
            .await
            .map_err(|e| error::from_kube(e, &format!("get service {wanted:?}"), &conn.server))?
            .ok_or_else(|| {
                Error::invalid(format!(
                    "--service: service {wanted:?} not found in namespace {namespace:?}"
                ))
            })?;
        if !picks(&service) {
            return Err(Error::invalid(format!(
                "service {wanted:?} does not select the pods of deployment {name:?}"
            ))
            .with_hint("name the Service whose selector matches the Deployment's pod labels"));
        }
        return Ok((service, services_selecting(conn, incumbent).await?));
    }
    let selecting = services_selecting(conn, incumbent).await?;
    if selecting.first().and_then(|s| s.metadata.name.as_deref()) == Some(name.as_str()) {
        return Ok((selecting[0].clone(), selecting));
    }
    match selecting.len() {
        1 => Ok((selecting[0].clone(), selecting)),
        0 => Err(Error::invalid(format!(
            "no Service in namespace {namespace:?} selects the pods of deployment {name:?}"
        ))
        .with_hint("create one, or pass --service NAME")),
        _ => Err(Error::invalid(format!(
            "several Services select the pods of deployment {name:?}: {}",
            selecting
                .iter()
                .filter_map(|s| s.metadata.name.clone())
                .collect::<Vec<_>>()
                .join(", ")
        ))
        .with_hint("pass --service NAME to choose one")),
    }
}

async fn defaulted(
    conn: &Connection,
    name: &str,
    template: &PodTemplateSpec,
) -> Result<serde_json::Value> {
    let api: Api<Deployment> = Api::namespaced(conn.client.clone(), &conn.namespace);
    let patch: json_patch::Patch = serde_json::from_value(json!([
        {"op": "replace", "path": "/spec/template", "value": template}
    ]))
    .expect("valid JSON patch");
    let params = PatchParams {
        dry_run: true,
        ..Default::default()
    };
    let result = api
        .patch(name, &params, &Patch::Json::<()>(patch))
        .await
        .map_err(|e| match e {
            kube::Error::Api(status) if status.code == 422 || status.code == 400 => Error::invalid(
                format!("the new pod template is not valid: {}", status.message),
            )
            .with_hint("fix the image or manifest and start again"),
            e => error::from_kube(
                e,
                &format!("check the new pod template on deployment {name:?}"),
                &conn.server,
            ),
        })?;
    Ok(serde_json::to_value(result.spec.map(|s| s.template)).unwrap_or_default())
}

/// A contender left from an earlier rollout, or an object of the user's that
/// has the contender's name (its Deployment or its Service), must not be
/// taken over. Both are read at once.
async fn check_leftovers(conn: &Connection, contender: &Contender, autoscaled: bool) -> Result<()> {
    use k8s_openapi::api::autoscaling::v2::HorizontalPodAutoscaler;
    let name = &contender.name;
    let (deployment, service) =
        crate::engine::observe::contender_objects(conn, &contender.namespace, name).await?;
    // The contender of an autoscaled Deployment gets an autoscaler of that
    // name too.
    let autoscaler = match autoscaled {
        true => {
            Api::<HorizontalPodAutoscaler>::namespaced(conn.client.clone(), &contender.namespace)
                .get_opt(name)
                .await
                .map_err(|e| {
                    error::from_kube(
                        e,
                        &format!("get horizontalpodautoscaler {name:?}"),
                        &conn.server,
                    )
                })?
        }
        false => None,
    };
    let found = [
        ("deployment", deployment.map(|d| d.metadata)),
        ("service", service.map(|s| s.metadata)),
        ("horizontalpodautoscaler", autoscaler.map(|a| a.metadata)),
    ];
    let Some((kind, existing)) = found
        .into_iter()
        .find_map(|(kind, meta)| meta.map(|m| (kind, m)))
    else {
        return Ok(());
    };
    let ours = existing
        .labels
        .as_ref()
        .and_then(|l| l.get(MANAGED_BY.0))
        .map(String::as_str)
        == Some(MANAGED_BY.1);
    let problem = format!(
        "{kind} {name:?} already exists in namespace {:?}",
        contender.namespace
    );
    Err(if ours {
        Error::invalid(format!(
            "{problem}: the contender of an earlier rollout that was not cleaned up"
        ))
        .with_hint(format!(
            "delete it with `kubectl delete {kind} {name} -n {}` and start again",
            contender.namespace
        ))
    } else {
        Error::invalid(format!("{problem} and is not kubectl-ramp's")).with_hint(format!(
            "rename or delete it; ramp names the contender's {kind} NAME-canary"
        ))
    })
}
