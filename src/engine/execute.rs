//! The executor: observes the cluster, asks the planner for the next action,
//! performs it, and again, until the planner is done. All the IO of a
//! rollout is here; the decisions are in `plan`.

use std::time::{Duration, Instant};

use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::autoscaling::v2::HorizontalPodAutoscaler;
use k8s_openapi::api::core::v1::{PodTemplateSpec, Service};
use kube::api::{DeleteParams, Patch, PatchParams, PostParams, Preconditions};
use kube::{Api, Resource};
use serde_json::{Value, json};

use super::known::{Known, Scaler};
use super::lock::{hostname, username};
use super::observe::Observed;
use super::progress::Progress;
use super::tell::Teller;
use super::watch::{self, Seen, Waited, Watched};
use crate::connect::Connection;
use crate::error::{self, Error, Kind, Result};
use crate::rollout::autoscale;
use crate::rollout::contender;
use crate::rollout::drift;
use crate::rollout::history;
use crate::rollout::plan::{self, Action, DeploymentState, World};
use crate::rollout::record::{ANNOTATION, Contender, Phase, Record, Transition};
use crate::rollout::strategy::Split;
use crate::router::{Objects, ServiceRef};

/// The reason of the transition and the Event that record a freeze passed
/// over with --override-freeze.
pub const FREEZE_OVERRIDDEN: &str = "FreezeOverridden";

/// Transitions that say what a command is about to do: kept in the
/// record's history, not posted as Events (the Event of what it reached
/// follows).
const INTENTS: [&str; 2] = ["StepStarted", "Promoting"];

/// What a command's decision was made on: the record as the cluster held
/// it and the incumbent's resourceVersion when it was read. Every record
/// write is a compare-and-swap against it, so an answer given at a prompt
/// after someone else changed the rollout changes nothing.
#[derive(Debug, Clone, Default)]
pub struct Base {
    pub raw: Option<String>,
    pub resource_version: Option<String>,
    /// The incumbent as read: the watch of it starts there, with no list.
    pub incumbent: Option<Deployment>,
}

pub struct Executor {
    conn: Connection,
    /// The incumbent Deployment's name; it lives in `conn.namespace`.
    name: String,
    pub record: Record,
    /// The record as the cluster holds it, for compare-and-swap.
    stored: Option<String>,
    dry_run: bool,
    /// In a dry run, the world as it would be after the actions so far.
    simulated: Option<World>,
    deadline: Instant,
    progress: Progress,
    /// The incumbent's resourceVersion when last read.
    resource_version: Option<String>,
    /// The incumbent's uid, which its Events refer to.
    uid: Option<String>,
    /// Watches of the incumbent and the contender, started at the first
    /// look: every later look and every wait reads them, not the server.
    incumbent_watch: Option<Watched<Deployment>>,
    /// The record was written once with dryRun=All: a dry run's later
    /// writes of it would be judged the same.
    rehearsed: bool,
    /// The incumbent as the command read it, until its watch starts.
    loaded: Option<Deployment>,
    /// Who this command is, as the record names its holder.
    holder: Option<String>,
    contender_watch: Option<Watched<Deployment>>,
    /// What is known of the other objects: the contender's Service and
    /// autoscaler, the routes, the incumbent's Service.
    known: Known,
    /// Events and notices.
    tell: Teller,
    /// The incumbent as this command's last record write left it.
    written: Option<Deployment>,
    /// Moves on despite drift.
    force: bool,
    /// An overridden freeze, recorded with the next transition.
    note: Option<String>,
    /// An abort: routes that cannot be restored exactly lose the
    /// contender instead.
    aborting: bool,
    /// The record the command started from and every one it wrote: an
    /// incumbent carrying one of them (a watch may lag behind a write) has
    /// not been changed by anyone else.
    ours: Vec<Option<String>>,
}

/// The watches go on the connection when the executor is done: the next
/// command or round of this process goes on with them, not with a new
/// read and watch.
impl Drop for Executor {
    fn drop(&mut self) {
        if let Some(watched) = self.incumbent_watch.take() {
            let namespace = self.namespace().to_string();
            watch::keep(&self.conn, &namespace, &self.name, watched);
        }
        if let Some(watched) = self.contender_watch.take() {
            let contender = &self.record.contender;
            watch::keep(&self.conn, &contender.namespace, &contender.name, watched);
        }
    }
}

impl Executor {
    pub fn new(
        conn: Connection,
        name: &str,
        record: Record,
        base: Base,
        dry_run: bool,
        timeout: Duration,
        progress: Progress,
    ) -> Executor {
        let tell = Teller::new(&conn);
        Executor {
            conn,
            name: name.to_string(),
            record,
            stored: base.raw.clone(),
            dry_run,
            simulated: None,
            deadline: Instant::now() + timeout,
            progress,
            resource_version: base.resource_version,
            uid: None,
            incumbent_watch: None,
            holder: None,
            rehearsed: false,
            loaded: base.incumbent,
            contender_watch: None,
            known: Known::default(),
            tell,
            written: None,
            force: false,
            note: None,
            aborting: false,
            ours: vec![base.raw],
        }
    }

    pub fn dry_run(&self) -> bool {
        self.dry_run
    }

    /// Abort's first write: when the incumbent has all its capacity, its
    /// traffic goes back before anything else happens.
    pub async fn restore_routes_first(&mut self) -> Result<()> {
        let world = match self.dry_run {
            true => self.observe().await?,
            // Two reads side by side, not the watches a whole look starts:
            // traffic goes back first.
            false => {
                let name = self.name.clone();
                let api = self.deployments(self.namespace());
                let (conn, router, loaded) = (&self.conn, &self.record.router, &self.loaded);
                let (incumbent, routes) = futures::future::try_join(
                    async {
                        // As the command read it: the record's
                        // compare-and-swap judges whether it still is.
                        if let Some(loaded) = loaded {
                            return Ok(loaded.clone());
                        }
                        api.get(&name).await.map_err(|e| {
                            error::from_kube(e, &format!("get deployment {name:?}"), &conn.server)
                        })
                    },
                    async {
                        Ok(router
                            .kind
                            .router()
                            .observe(conn, router, &mut self.known.route_objects)
                            .await)
                    },
                )
                .await?;
                let routes = self.or_evicted(routes).await?;
                self.accept(&incumbent)?;
                World {
                    incumbent: state_of(&incumbent),
                    contender: None,
                    contender_service: false,
                    routes,
                    contender_autoscaler: None,
                    user_autoscaler: None,
                    settled: self.known.settled,
                }
            }
        };
        if let Some(first) = plan::abort_first(&self.record, &world) {
            self.apply(&first, &world).await?;
            self.remember(&first);
            if let Some(simulated) = self.simulated.as_mut() {
                plan::assume_done(&first, &mut self.record, simulated);
            }
        }
        Ok(())
    }

    fn namespace(&self) -> &str {
        &self.conn.namespace
    }

    fn deployments(&self, namespace: &str) -> Api<Deployment> {
        Api::namespaced(self.conn.client.clone(), namespace)
    }

    fn services(&self, namespace: &str) -> Api<Service> {
        Api::namespaced(self.conn.client.clone(), namespace)
    }

    fn fail(&self, err: kube::Error, what: String) -> Error {
        error::from_kube(err, &what, &self.conn.server)
    }

    fn params(&self) -> PatchParams {
        PatchParams {
            dry_run: self.dry_run,
            ..Default::default()
        }
    }

    fn post_params(&self) -> PostParams {
        PostParams {
            dry_run: self.dry_run,
            ..Default::default()
        }
    }

    /// The incumbent as the executor sees it now: from its watch (a GET in
    /// a dry run, which looks once). Stops with a conflict when someone
    /// else changed the record.
    pub async fn incumbent(&mut self) -> Result<Deployment> {
        let name = self.name.clone();
        let namespace = self.namespace().to_string();
        let disappeared = || {
            Error::failed(format!(
                "deployment {name:?} disappeared from namespace {namespace:?}"
            ))
        };
        let incumbent = match self.dry_run {
            // A dry run changes nothing: one read serves every look.
            true if self.known.dry_incumbent.is_some() => self.known.dry_incumbent.clone(),
            true if self.loaded.is_some() => {
                self.known.dry_incumbent.clone_from(&self.loaded);
                self.loaded.clone()
            }
            true => {
                let read = self
                    .deployments(&namespace)
                    .get_opt(&name)
                    .await
                    .map_err(|e| self.fail(e, format!("get deployment {name:?}")))?;
                self.known.dry_incumbent.clone_from(&read);
                read
            }
            false => {
                self.watch_incumbent().await;
                self.incumbent_watch
                    .as_mut()
                    .expect("started")
                    .current()
                    .await
                    .map_err(|e| e.error(&format!("deployment {name:?}")))?
            }
        }
        .ok_or_else(disappeared)?;
        self.accept(&incumbent)?;
        Ok(incumbent)
    }

    /// Takes what a read of the incumbent says: its uid, and its
    /// resourceVersion when it carries the record last written.
    fn accept(&mut self, incumbent: &Deployment) -> Result<()> {
        let now = record_of(incumbent);
        ours(&self.name, &self.ours, now.as_ref())?;
        self.uid = incumbent.metadata.uid.clone();
        if now == self.stored {
            self.resource_version = incumbent.metadata.resource_version.clone();
        }
        Ok(())
    }

    /// The contender as the executor sees it now.
    async fn contender(&mut self) -> Result<Option<Deployment>> {
        if self.known.contender_absent {
            return Ok(None);
        }
        let contender = self.record.contender.clone();
        let api = self.deployments(&contender.namespace);
        let seen = match self.dry_run {
            true => api
                .get_opt(&contender.name)
                .await
                .map_err(|e| self.fail(e, format!("get deployment {:?}", contender.name)))?,
            false => self
                .watch_contender()
                .current()
                .await
                .map_err(|e| e.error(&format!("deployment {:?}", contender.name)))?,
        };
        Ok(self.ours_only("deployment", seen))
    }

    /// What a create made; when the name is taken, the object there if it
    /// is ramp's (a command run again). Someone else's is not taken over.
    async fn made<K>(
        &mut self,
        api: &Api<K>,
        kind: &'static str,
        created: std::result::Result<K, kube::Error>,
    ) -> Result<K>
    where
        K: Resource + Clone + serde::de::DeserializeOwned + std::fmt::Debug,
    {
        let name = self.record.contender.name.clone();
        match created {
            Ok(made) => Ok(made),
            Err(kube::Error::Api(status)) if status.code == 409 => {
                let there = api
                    .get(&name)
                    .await
                    .map_err(|e| self.fail(e, format!("get {kind} {name:?}")))?;
                if contender::owned(
                    there.meta(),
                    &self.conn.namespace,
                    &self.name,
                    self.record.id.as_deref(),
                ) {
                    return Ok(there);
                }
                Err(Error::new(
                    Kind::Conflict,
                    format!("{kind} {name} was made by someone else; ramp does not take it over"),
                )
                .with_hint(format!(
                    "rename or delete it and run the command again, or put all traffic back with `kubectl ramp abort {}`",
                    self.name
                )))
            }
            Err(e) => Err(self.fail(e, format!("create {kind} {name:?}"))),
        }
    }

    /// The contender (its Deployment or Service) when it is ramp's; one of
    /// someone else's is left alone, and said so once.
    fn ours_only<K: Resource>(&mut self, kind: &'static str, seen: Option<K>) -> Option<K> {
        let seen = seen?;
        if contender::owned(
            seen.meta(),
            &self.conn.namespace,
            &self.name,
            self.record.id.as_deref(),
        ) {
            return Some(seen);
        }
        if !self.known.foreign.contains(&kind) {
            self.known.foreign.push(kind);
            self.progress.say(&format!(
                "left {kind} {}: it is not kubectl-ramp's",
                self.record.contender.name
            ));
        }
        None
    }

    /// The routes as read; in an abort, when they cannot be told from the
    /// snapshot (someone changed a route, or removed its object), the
    /// contender is taken out of them instead, and they count as restored.
    async fn or_evicted(
        &mut self,
        read: Result<Vec<plan::RouteState>>,
    ) -> Result<Vec<plan::RouteState>> {
        let aborting = self.aborting || self.record.phase == Phase::Aborted;
        let err = match read {
            Ok(routes) => return Ok(routes),
            Err(err) if aborting && !self.dry_run => err,
            Err(err) => return Err(err),
        };
        self.progress.say(&format!(
            "the routes cannot be restored exactly: {}",
            err.message
        ));
        let record = &self.record;
        let incumbent = ServiceRef {
            name: record.service.clone(),
            namespace: self.conn.namespace.clone(),
        };
        let contender = ServiceRef {
            name: record.contender.name.clone(),
            namespace: record.contender.namespace.clone(),
        };
        let done = record
            .router
            .kind
            .router()
            .evict(&self.conn, &record.router, &incumbent, &contender)
            .await?;
        for line in done {
            self.progress.say(&line);
        }
        self.known.route_objects.clear();
        let restored = vec![plan::RouteState::Original; record.router.managed()];
        self.known.routes = Some(restored.clone());
        Ok(restored)
    }

    /// Starts the incumbent's watch: the one this process already has on
    /// the connection, caught up with the incumbent as the command read it,
    /// or one from that read.
    async fn watch_incumbent(&mut self) {
        if self.incumbent_watch.is_some() {
            return;
        }
        let namespace = self.namespace().to_string();
        let loaded = self.loaded.take();
        if let Some(watched) = watch::kept(&self.conn, &namespace, &self.name) {
            self.incumbent_watch = Some(watched);
            let version = loaded.and_then(|read| read.metadata.resource_version);
            self.caught_up(Which::Incumbent, version).await;
            return;
        }
        let api = self.deployments(&namespace);
        self.incumbent_watch = Some(match loaded {
            Some(read) => Watched::start_from(api, &self.name, read),
            None => Watched::start(api, &self.name),
        });
    }

    /// Starts the contender's watch: the one this process already has on
    /// the connection, or a new one.
    fn watch_contender(&mut self) -> &mut Watched<Deployment> {
        let contender = self.record.contender.clone();
        if self.contender_watch.is_none() {
            self.contender_watch = Some(
                match watch::kept(&self.conn, &contender.namespace, &contender.name) {
                    Some(watched) => watched,
                    None => Watched::start(self.deployments(&contender.namespace), &contender.name),
                },
            );
        }
        self.contender_watch.as_mut().expect("started")
    }

    pub async fn observe(&mut self) -> Result<World> {
        if let Some(world) = &self.simulated {
            return Ok(world.clone());
        }
        if !self.dry_run {
            // Both watches start at once.
            self.watch_incumbent().await;
            if !self.known.contender_absent {
                self.watch_contender();
            }
        }
        if self.known.contender_service.is_none() || self.known.routes.is_none() {
            let (conn, record, known) = (&self.conn, &self.record, self.known.contender_service);
            // One after the other on the open connection (see
            // observe::observe: a second one costs more than the wait).
            let service = match known {
                Some(_) => None,
                None => Some(read_contender_service(conn, record).await?),
            };
            let routes = record
                .router
                .kind
                .router()
                .observe(conn, &record.router, &mut self.known.route_objects)
                .await;
            let routes = self.or_evicted(routes).await?;
            if let Some(service) = service {
                let ours = self.ours_only("service", service);
                self.known.contender_service_uid =
                    ours.as_ref().and_then(|s| s.metadata.uid.clone());
                self.known.contender_service = Some(ours.is_some());
            }
            self.known.routes = Some(routes);
        }
        if self.known.contender_autoscaler.unread() {
            let read = match self.record.autoscaler.is_some() {
                true => self.read_contender_autoscaler().await?,
                false => None,
            };
            self.known.contender_autoscaler = Scaler::read(read);
        }
        if self.known.user_autoscaler.unread() {
            let read = match self.record.autoscaler.clone() {
                Some(users) => self.read_user_autoscaler(&users.name).await?,
                None => None,
            };
            self.known.user_autoscaler = Scaler::read(read);
        }
        let incumbent = self.incumbent().await?;
        let contender_deployment = self.contender().await?;
        let world = World {
            user_autoscaler: self.known.user_autoscaler.bounds(),
            incumbent: state_of(&incumbent),
            contender: contender_deployment.as_ref().map(state_of),
            contender_service: self.known.contender_service.unwrap_or(false),
            routes: self.known.routes.clone().unwrap_or_default(),
            contender_autoscaler: self.known.contender_autoscaler.bounds(),
            settled: self.known.settled,
        };
        if self.dry_run {
            self.simulated = Some(world.clone());
        }
        Ok(world)
    }

    /// The rollout as this command last saw it, after its own writes: what
    /// its status shows at the end, without reading everything again.
    pub async fn view(&mut self) -> Result<Observed> {
        let incumbent = self.incumbent().await?;
        let contender = self.contender().await?;
        let record = &self.record;
        let incumbent_ref = ServiceRef {
            name: record.service.clone(),
            namespace: self.conn.namespace.clone(),
        };
        let contender_ref = ServiceRef {
            name: record.contender.name.clone(),
            namespace: record.contender.namespace.clone(),
        };
        let routing = record.router.kind.router().routing_of(
            &record.router,
            &self.known.route_objects,
            &incumbent_ref,
            &contender_ref,
        );
        Ok(Observed {
            incumbent,
            record: Some(record.clone()),
            contender,
            service: Some(record.service.clone()),
            routing,
        })
    }

    /// What someone else changed of what the rollout manages since ramp's
    /// last write, as sentences (see `drift`).
    pub async fn drift(&mut self) -> Result<Vec<String>> {
        let world = self.observe().await?;
        let routes: Vec<Option<f64>> = world.routes.iter().map(contender_percent).collect();
        // Who changed what, when the objects' managedFields tell.
        let incumbent_by = drift::Writers::of(&self.incumbent().await?.metadata);
        let contender_by = self
            .contender()
            .await?
            .map(|c| drift::Writers::of(&c.metadata))
            .unwrap_or_default();
        let routes_by: Vec<Option<String>> = self
            .record
            .router
            .routes
            .iter()
            .map(|r| {
                self.known
                    .route_objects
                    .get(&r.object)
                    .and_then(|o| drift::writer(&o.metadata))
            })
            .collect();
        let service = self
            .record
            .router
            .selector
            .as_ref()
            .and_then(|s| self.known.route_objects.get(&s.service));
        let selector: Option<std::collections::BTreeMap<String, String>> = service.map(|s| {
            s.data
                .pointer("/spec/selector")
                .and_then(|v| serde_json::from_value(v.clone()).ok())
                .unwrap_or_default()
        });
        let selector_by = service.and_then(|s| drift::writer(&s.metadata));
        let found = drift::find(
            &self.record,
            &drift::Seen {
                incumbent: &world.incumbent,
                contender: world.contender.as_ref(),
                routes: &routes,
                incumbent_by,
                contender_by,
                routes_by: &routes_by,
                selector: selector.as_ref(),
                selector_by,
            },
        );
        if !found.is_empty() && !self.dry_run {
            // The incumbent's watch may not have caught up with a change of
            // the record (an abort) that explains all of it: read it now.
            let name = self.name.clone();
            let fresh = self
                .deployments(self.namespace())
                .get(&name)
                .await
                .map_err(|e| self.fail(e, format!("get deployment {name:?}")))?;
            self.accept(&fresh)?;
        }
        let taken = self.known.foreign.contains(&"deployment");
        let name = self.record.contender.name.clone();
        Ok(found
            .into_iter()
            .map(|line| match taken && line.ends_with("is gone") {
                true => format!(
                    "deployment {name} was made by someone else; ramp does not take it over"
                ),
                false => line,
            })
            .collect())
    }

    /// Says, on stderr and in a Warning Event, what someone else changed.
    pub fn tell_drift(&mut self, drift: &[String]) {
        let text = drift.join("; ");
        self.progress
            .say(&format!("changed by someone else: {text}"));
        if !self.dry_run {
            self.event("Drift", &text);
            self.notice("Drift", &format!("changed by someone else: {text}"));
        }
    }

    /// Runs actions until the planner is done.
    pub async fn run(&mut self) -> Result<()> {
        for _ in 0..200 {
            let world = self.observe().await?;
            let action = plan::next(&self.record, &world);
            if action == Action::Done {
                return Ok(());
            }
            if let Err(err) = self.apply(&action, &world).await {
                // Read the Service and the routes again on the next look.
                self.forget();
                return Err(err);
            }
            self.remember(&action);
            if let Some(simulated) = self.simulated.as_mut() {
                plan::assume_done(&action, &mut self.record, simulated);
            }
        }
        Err(Error::failed(
            "the rollout did not settle after 200 actions; this is a bug in kubectl-ramp",
        )
        .with_hint("run the command again with RAMP_LOG=debug and report what it prints"))
    }

    /// Reads the contender's Service and the routes again at the next
    /// look, instead of trusting what this command last saw or wrote.
    /// Names this command (`user@host pid N (command)`) as the holder its
    /// record writes name while it moves the rollout.
    pub fn holding(&mut self, holder: &str) {
        self.holder = Some(holder.to_string());
    }

    pub fn forget(&mut self) {
        self.known.forget();
    }

    /// Starts from the routing objects as `start` read them to choose the
    /// routes, instead of reading them again.
    pub fn knowing_routes(mut self, objects: Objects) -> Executor {
        self.known.route_objects = objects;
        self
    }

    /// Moves on despite drift (someone else's changes), saying so.
    pub fn forcing(mut self, force: bool) -> Executor {
        self.force = force;
        self
    }

    /// An abort's executor.
    pub fn aborting(mut self) -> Executor {
        self.aborting = true;
        self
    }

    /// Records `note` (an overridden freeze) with the next transition,
    /// and posts it as a Warning Event.
    pub fn noting(mut self, note: Option<String>) -> Executor {
        self.note = note;
        self
    }

    pub fn forced(&self) -> bool {
        self.force
    }

    /// The incumbent as this command's last record write left it.
    pub fn written(&self) -> Option<Deployment> {
        self.written.clone()
    }

    /// Starts knowing that neither the contender nor its Service exists
    /// (`start` looked, to take nothing over).
    pub fn knowing_no_contender(mut self) -> Executor {
        self.known.no_contender();
        self
    }

    /// Starts from the incumbent's Service as `start` read it.
    pub fn knowing_service(mut self, service: Service) -> Executor {
        self.known.incumbent_service = Some(service);
        self
    }

    /// What an action that succeeded changed of the Service and routes.
    fn remember(&mut self, action: &Action) {
        self.known.remember(action, &self.record, Instant::now());
    }

    async fn apply(&mut self, action: &Action, world: &World) -> Result<()> {
        tracing::debug!(?action, "applying");
        let contender = self.record.contender.clone();
        match action {
            Action::FollowAutoscaler(min, max) => self.follow_autoscaler(min, max).await?,
            Action::CreateContenderService => self.create_contender_service(&contender).await?,
            Action::ScaleContender(replicas) => {
                self.scale_contender(&contender, replicas, world).await?
            }
            Action::ScaleIncumbent(replicas) => {
                self.progress
                    .say(&format!("scaling {} to {}", self.name, pods(*replicas)));
                let (namespace, name) = (self.namespace().to_string(), self.name.clone());
                let version = self.scale(&namespace, &name, *replicas).await?;
                self.caught_up(Which::Incumbent, version).await;
            }
            Action::WaitContender(replicas) => {
                self.wait(action, Which::Contender, Goal::AtLeast(*replicas))
                    .await?;
            }
            Action::WaitIncumbent(replicas) => {
                self.wait(action, Which::Incumbent, Goal::AtLeast(*replicas))
                    .await?;
            }
            Action::WaitContenderDown(replicas) => {
                self.wait(action, Which::Contender, Goal::AtMost(*replicas))
                    .await?;
            }
            Action::WaitIncumbentDown(replicas) => {
                self.wait(action, Which::Incumbent, Goal::AtMost(*replicas))
                    .await?;
            }
            Action::WaitIncumbentRolledOut => {
                let replicas = self.record.replicas;
                self.wait(action, Which::Incumbent, Goal::AtLeast(replicas))
                    .await?;
            }
            Action::SetWeights(split) => self.set_weights(&contender, split, world).await?,
            Action::RestoreRoutes => self.restore_routes().await?,
            Action::UpdateIncumbent => self.update_incumbent(&contender).await?,
            Action::DeleteContender => self.delete_contender(&contender, action).await?,
            Action::SetContenderAutoscaler(min, max) => {
                self.set_contender_autoscaler((*min, *max), world).await?;
            }
            Action::DeleteContenderAutoscaler => {
                self.delete_contender_autoscaler(&contender).await?
            }
            Action::DeleteContenderService => self.delete_contender_service(&contender).await?,
            Action::Settle => self.reach_step().await?,
            Action::Finish => self.finish().await?,
            Action::WaitSettled => self.wait_settled().await?,
            Action::PinIncumbent => self.pin_incumbent(world).await?,
            Action::Done => {}
        }
        Ok(())
    }

    /// Follows a change of the incumbent's autoscaler's bounds: the record keeps them.
    async fn follow_autoscaler(&mut self, min: &i32, max: &i32) -> Result<()> {
        let mut record = self.record.clone();
        if let Some(kept) = record.autoscaler.as_mut() {
            self.progress.say(&format!(
                "horizontalpodautoscaler {} now scales {} within {min}-{max} replicas (it was {}-{}): the contender's follows",
                kept.name, self.name, kept.min, kept.max
            ));
            (kept.min, kept.max) = (*min, *max);
        }
        self.write_record(&mut record).await?;
        self.record = record;
        Ok(())
    }

    /// Creates the contender's Service, a copy of the incumbent's that selects the contender's pods.
    async fn create_contender_service(&mut self, contender: &Contender) -> Result<()> {
        let incumbent_service = self.incumbent_service().await?;
        let incumbent = self.incumbent().await?;
        let keys =
            contender::rewritten_keys(&incumbent, &incumbent_service, self.record.router.kind);
        let service = contender::service(
            &incumbent_service,
            &self.name,
            &keys,
            &contender.namespace,
            self.record.id.as_deref(),
        )?;
        self.progress
            .say(&format!("creating service {}", contender.name));
        let api = self.services(&contender.namespace);
        let created = api.create(&self.post_params(), &service).await;
        let made = self.made(&api, "service", created).await?;
        if !self.dry_run {
            self.known.contender_service_uid = made.metadata.uid;
        }
        Ok(())
    }

    /// Creates the contender with `replicas` pods, or scales it to them.
    async fn scale_contender(
        &mut self,
        contender: &Contender,
        replicas: &i32,
        world: &World,
    ) -> Result<()> {
        if world.contender.is_none() {
            let incumbent_service = self.incumbent_service().await?;
            let incumbent = self.incumbent().await?;
            let keys =
                contender::rewritten_keys(&incumbent, &incumbent_service, self.record.router.kind);
            let template: PodTemplateSpec = serde_json::from_value(contender.template.clone())
                .map_err(|e| {
                    Error::failed(format!("the record's pod template cannot be read: {e}"))
                })?;
            let deployment = contender::deployment(
                &incumbent,
                &keys,
                &template,
                &contender.namespace,
                *replicas,
                self.record.id.as_deref(),
            )?;
            self.progress.say(&format!(
                "creating deployment {} with {}",
                contender.name,
                pods(*replicas)
            ));
            let api = self.deployments(&contender.namespace);
            let created = api.create(&self.post_params(), &deployment).await;
            let made = self.made(&api, "deployment", created).await?;
            let version = made.metadata.resource_version.clone();
            let made = Some(made);
            if !self.dry_run {
                self.known.contender_absent = false;
                if let (None, Some(made)) = (&self.contender_watch, made) {
                    // Watched from its creation on: no list.
                    self.contender_watch = Some(Watched::start_from(api, &contender.name, made));
                }
            }
            self.caught_up(Which::Contender, version).await;
        } else {
            self.progress.say(&format!(
                "scaling {} to {}",
                contender.name,
                pods(*replicas)
            ));
            let version = self
                .scale(&contender.namespace, &contender.name, *replicas)
                .await?;
            self.caught_up(Which::Contender, version).await;
        }
        Ok(())
    }

    /// Sends the contender its share of traffic (and of mirrored requests), once its first requests can be served.
    async fn set_weights(
        &mut self,
        contender: &Contender,
        split: &Split,
        world: &World,
    ) -> Result<()> {
        let router = &self.record.router;
        let message =
            router
                .kind
                .router()
                .split_message(router, &self.name, &contender.name, *split);
        let mirror = plan::mirror_at(&self.record);
        let message = match mirror {
            Some(mirror) => format!(
                "{message}; {mirror}% of requests mirrored to {}",
                contender.name
            ),
            None => message,
        };
        if !self.dry_run && plan::first_requests(&self.record, world, *split) {
            self.wait_serving(world).await;
            // That wait can be long (up to the settle limit): an abort
            // written meanwhile stops the step here, before its weights.
            self.incumbent().await?;
        }
        let router = &self.record.router;
        router
            .kind
            .router()
            .set_weights(
                &self.conn,
                router,
                *split,
                mirror,
                self.dry_run,
                &mut self.known.route_objects,
            )
            .await?;
        // Said once it is so, not before.
        self.progress.say(&message);
        Ok(())
    }

    /// Puts the routes back as they were before the rollout.
    async fn restore_routes(&mut self) -> Result<()> {
        let router = &self.record.router;
        let done = router
            .kind
            .router()
            .restore(
                &self.conn,
                router,
                self.dry_run,
                &mut self.known.route_objects,
            )
            .await?;
        let exactly = router.kind.router().restored_message(router, &self.name);
        match done.is_empty() {
            true => self.progress.say(&exactly),
            false => done.iter().for_each(|line| self.progress.say(line)),
        }
        Ok(())
    }

    /// Gives the incumbent the contender's template, against the version this command last read or wrote.
    async fn update_incumbent(&mut self, contender: &Contender) -> Result<()> {
        self.progress
            .say(&format!("updating {} to the new pod template", self.name));
        let name = self.name.clone();
        let namespace = self.namespace().to_string();
        // Against the version this command last read or wrote, so
        // that an abort's record written meanwhile stops it (exit
        // 5) instead of the new template going in behind it.
        let mut updated = None;
        // The version as the watch sees it now (which checks the
        // record is still this command's).
        self.incumbent().await?;
        for _ in 0..5 {
            let mut ops = vec![
                json!({"op": "replace", "path": "/metadata/resourceVersion", "value": self.resource_version}),
                json!({"op": "replace", "path": "/spec/template", "value": contender.template}),
            ];
            // An autoscaled incumbent's replicas are its autoscaler's.
            if self.record.autoscaler.is_none() {
                ops.push(json!({"op": "replace", "path": "/spec/replicas", "value": self.record.replicas}));
            }
            let patch: json_patch::Patch =
                serde_json::from_value(Value::Array(ops)).expect("valid JSON patch");
            match self
                .deployments(&namespace)
                .patch(&name, &self.params(), &Patch::Json::<()>(patch))
                .await
            {
                Ok(done) => {
                    updated = Some(done);
                    break;
                }
                // Changed since it was read: by another command's
                // record, a stop; by anything else, once more.
                Err(kube::Error::Api(s)) if s.code == 409 => {
                    let fresh = self
                        .deployments(&namespace)
                        .get(&name)
                        .await
                        .map_err(|e| self.fail(e, format!("get deployment {name:?}")))?;
                    if !self.ours.contains(&record_of(&fresh)) {
                        return Err(changed_by_another(&name, record_of(&fresh).as_ref()));
                    }
                    self.accept(&fresh)?;
                    self.resource_version = fresh.metadata.resource_version.clone();
                }
                Err(e) => return Err(self.fail(e, format!("update deployment {name:?}"))),
            }
        }
        let updated = updated.ok_or_else(|| {
            Error::new(
                Kind::Conflict,
                format!("deployment {name:?} kept changing while ramp gave it the new template"),
            )
        })?;
        if !self.dry_run {
            self.resource_version = updated.metadata.resource_version.clone();
        }
        self.caught_up(Which::Incumbent, updated.metadata.resource_version)
            .await;
        Ok(())
    }

    /// Deletes the contender ramp made, and waits until it is gone.
    async fn delete_contender(&mut self, contender: &Contender, action: &Action) -> Result<()> {
        self.progress
            .say(&format!("deleting deployment {}", contender.name));
        // Its pods carry no traffic once the routes are restored:
        // the Deployment goes at once and the garbage collector
        // removes its pods after. Without routes (the replicas
        // router) they carry traffic until they are gone, so the
        // Deployment stays until its pods went.
        let propagation = match self.record.router.kind.traffic_follows_pods() {
            true => DeleteParams::foreground(),
            false => DeleteParams::background(),
        };
        // Exactly the one ramp made: not another of that name.
        let uid = self.contender().await?.and_then(|d| d.metadata.uid);
        let params = DeleteParams {
            dry_run: self.dry_run,
            preconditions: uid.map(|uid| Preconditions {
                uid: Some(uid),
                resource_version: None,
            }),
            ..propagation
        };
        let deleted = self
            .deployments(&contender.namespace)
            .delete(&contender.name, &params)
            .await;
        already_gone(not_the_same(deleted))
            .map_err(|e| self.fail(e, format!("delete deployment {:?}", contender.name)))?;
        self.wait(action, Which::Contender, Goal::Gone).await?;
        Ok(())
    }

    /// Deletes the contender's autoscaler.
    async fn delete_contender_autoscaler(&mut self, contender: &Contender) -> Result<()> {
        self.progress.say(&format!(
            "deleting horizontalpodautoscaler {}",
            contender.name
        ));
        let params = DeleteParams {
            dry_run: self.dry_run,
            ..Default::default()
        };
        let deleted = self
            .autoscalers(&contender.namespace)
            .delete(&contender.name, &params)
            .await;
        already_gone(deleted).map_err(|e| {
            self.fail(
                e,
                format!("delete horizontalpodautoscaler {:?}", contender.name),
            )
        })?;
        Ok(())
    }

    /// Deletes the contender's Service ramp made.
    async fn delete_contender_service(&mut self, contender: &Contender) -> Result<()> {
        self.progress
            .say(&format!("deleting service {}", contender.name));
        let params = DeleteParams {
            dry_run: self.dry_run,
            preconditions: self
                .known
                .contender_service_uid
                .clone()
                .map(|uid| Preconditions {
                    uid: Some(uid),
                    resource_version: None,
                }),
            ..Default::default()
        };
        let deleted = self
            .services(&contender.namespace)
            .delete(&contender.name, &params)
            .await;
        already_gone(not_the_same(deleted))
            .map_err(|e| self.fail(e, format!("delete service {:?}", contender.name)))?;
        Ok(())
    }

    /// Records the step reached.
    async fn reach_step(&mut self) -> Result<()> {
        let mut record = self.record.clone();
        record.step = record.target;
        record.phase = Phase::Paused;
        record.interrupted = None;
        let step = record.current_step().cloned();
        let name = step.as_ref().map(|s| s.name.clone()).unwrap_or_default();
        let mut message = format!(
            "reached step {}/{} ({name})",
            record.step,
            record.steps.len()
        );
        if let Some(reached) = step
            .as_ref()
            .and_then(|step| record.router.kind.router().reached(step, record.replicas))
        {
            message.push_str(&format!(": {reached}"));
        }
        self.transition(record, "StepReached", &message).await?;
        Ok(())
    }

    /// Records the promotion done.
    async fn finish(&mut self) -> Result<()> {
        let mut record = self.record.clone();
        record.phase = Phase::Succeeded;
        self.transition(
            record,
            "Promoted",
            &format!("{} runs the new version", self.name),
        )
        .await?;
        Ok(())
    }

    /// Pins the incumbent's Service to its own pods (without a mesh), and records the incumbent's template as promoted.
    async fn pin_incumbent(&mut self, world: &World) -> Result<()> {
        let router = self.record.router.clone();
        let repinned = router
            .kind
            .router()
            .repin(&self.conn, &router, &self.name)
            .await?;
        let mut record = self.record.clone();
        if let Some(repinned) = repinned {
            record.router = repinned;
        }
        record.incumbent_digest = Some(history::digest(&world.incumbent.template));
        self.write_record(&mut record).await?;
        self.record = record;
        Ok(())
    }

    /// Before the contender's first requests: its Service lists its ready
    /// pods, which the gateway sends the contender's share to. Bounded: a
    /// Service whose endpoints do not come is said, and the weights are
    /// written all the same (the analysis then sees what clients see).
    async fn wait_serving(&mut self, world: &World) {
        let contender = &self.record.contender;
        let wanted = world.contender.as_ref().map_or(1, |c| c.ready.max(1)) as usize;
        let deadline = self
            .deadline
            .min(Instant::now() + crate::router::SETTLE_LIMIT);
        let serving = |now: &[_]| crate::router::settle::endpoints_serve(now, wanted);
        let name = &contender.name;
        use crate::router::Endpoints;
        let waited = crate::router::await_endpoints(
            &self.conn,
            &contender.namespace,
            name,
            deadline,
            serving,
        )
        .await;
        let said = match waited {
            Endpoints::Followed => return,
            Endpoints::TimedOut => {
                format!("service {name} lists fewer than {wanted} ready endpoints")
            }
            Endpoints::Forbidden => format!(
                "these credentials may not watch the endpointslices of service {name} (`kubectl ramp cluster setup --create-rbac` grants it), so its pods cannot be seen behind it"
            ),
        };
        self.progress
            .say(&format!("{said}; sending it traffic all the same"));
    }

    /// Waits until the data plane has caught up with the routes: first for
    /// what the cluster shows of it (the router's objects taken up by their
    /// gateway, the Service's endpoints), then for the rest of the drain
    /// after this command's last write of the routes; a command that does
    /// not know when they were written waits the whole drain.
    async fn wait_settled(&mut self) -> Result<()> {
        if self.dry_run {
            return Ok(());
        }
        let drain = self.record.drain();
        let deadline = self.deadline;
        let router = &self.record.router;
        router
            .kind
            .router()
            .settle(&self.conn, router, &mut self.known.route_objects, deadline)
            .await?;
        let since = *self.known.routes_written.get_or_insert_with(Instant::now);
        let left = (since + drain).saturating_duration_since(Instant::now());
        if !left.is_zero() {
            self.progress.say(&format!(
                "draining: {}s more for the gateway to follow the routes (--drain {}s)",
                left.as_secs_f64().ceil() as u64,
                drain.as_secs()
            ));
            tokio::time::sleep(left).await;
        }
        Ok(())
    }

    fn autoscalers(&self, namespace: &str) -> Api<HorizontalPodAutoscaler> {
        Api::namespaced(self.conn.client.clone(), namespace)
    }

    /// The bounds of the contender's autoscaler when there is one of
    /// ramp's; one of someone else's is left alone (creating ours then
    /// fails, naming it).
    async fn read_contender_autoscaler(&mut self) -> Result<Option<(i32, i32)>> {
        let contender = self.record.contender.clone();
        let read = self
            .autoscalers(&contender.namespace)
            .get_opt(&contender.name)
            .await
            .map_err(|e| {
                self.fail(
                    e,
                    format!("get horizontalpodautoscaler {:?}", contender.name),
                )
            })?;
        Ok(self
            .ours_only("horizontalpodautoscaler", read)
            .as_ref()
            .and_then(autoscale::bounds_of))
    }

    /// The bounds of the user's autoscaler of the incumbent, as the rollout
    /// keeps them (`autoscale::kept`); None when it is gone.
    async fn read_user_autoscaler(&mut self, name: &str) -> Result<Option<(i32, i32)>> {
        let namespace = self.namespace().to_string();
        let read = self
            .autoscalers(&namespace)
            .get_opt(name)
            .await
            .map_err(|e| self.fail(e, format!("get horizontalpodautoscaler {name:?}")))?;
        Ok(read.map(|hpa| {
            let kept = autoscale::kept(&hpa);
            (kept.min, kept.max)
        }))
    }

    /// Creates the contender's autoscaler from the user's, or changes its
    /// bounds.
    async fn set_contender_autoscaler(&mut self, bounds: (i32, i32), world: &World) -> Result<()> {
        let contender = self.record.contender.clone();
        let api = self.autoscalers(&contender.namespace);
        let (min, max) = bounds;
        if world.contender_autoscaler.is_some() {
            self.progress.say(&format!(
                "setting horizontalpodautoscaler {} to {min}-{max} replicas",
                contender.name
            ));
            let patch = json!({"spec": {"minReplicas": min, "maxReplicas": max}});
            api.patch(&contender.name, &self.params(), &Patch::Merge(&patch))
                .await
                .map_err(|e| {
                    self.fail(
                        e,
                        format!("change horizontalpodautoscaler {:?}", contender.name),
                    )
                })?;
            return Ok(());
        }
        let Some(users) = self.record.autoscaler.clone() else {
            return Ok(());
        };
        let namespace = self.namespace().to_string();
        let user = self
            .autoscalers(&namespace)
            .get(&users.name)
            .await
            .map_err(|e| self.fail(e, format!("get horizontalpodautoscaler {:?}", users.name)))?;
        let made = autoscale::for_contender(
            &user,
            &contender.name,
            &contender.namespace,
            (&namespace, &self.name),
            self.record.id.as_deref(),
            bounds,
        );
        self.progress.say(&format!(
            "creating horizontalpodautoscaler {} ({min}-{max} replicas, as {} scales {})",
            contender.name, users.name, self.name
        ));
        let created = api.create(&self.post_params(), &made).await;
        let there = self.made(&api, "horizontalpodautoscaler", created).await?;
        if autoscale::bounds_of(&there) != Some(bounds) {
            // Ours, made by a command run before: its bounds as wanted now.
            let patch = json!({"spec": {"minReplicas": min, "maxReplicas": max}});
            api.patch(&contender.name, &self.params(), &Patch::Merge(&patch))
                .await
                .map_err(|e| {
                    self.fail(
                        e,
                        format!("change horizontalpodautoscaler {:?}", contender.name),
                    )
                })?;
        }
        Ok(())
    }

    /// The incumbent's Service, read once (the contender's labels and its
    /// Service are made from it).
    async fn incumbent_service(&mut self) -> Result<Service> {
        if let Some(service) = &self.known.incumbent_service {
            return Ok(service.clone());
        }
        let name = &self.record.service;
        let service = self
            .services(self.namespace())
            .get(name)
            .await
            .map_err(|e| self.fail(e, format!("get service {name:?}")))?;
        self.known.incumbent_service = Some(service.clone());
        Ok(service)
    }

    /// Scales a Deployment; its resourceVersion after the write.
    async fn scale(&self, namespace: &str, name: &str, replicas: i32) -> Result<Option<String>> {
        let patch = json!({"spec": {"replicas": replicas}});
        let scaled = self
            .deployments(namespace)
            .patch(name, &self.params(), &Patch::Merge(&patch))
            .await
            .map_err(|e| self.fail(e, format!("scale deployment {name:?}")))?;
        Ok(scaled.metadata.resource_version)
    }

    /// After a write of this process to a watched Deployment: the next
    /// look waits (briefly) for the watch to show it.
    async fn caught_up(&mut self, which: Which, version: Option<String>) {
        let watched = match which {
            Which::Incumbent => self.incumbent_watch.as_mut(),
            Which::Contender => self.contender_watch.as_mut(),
        };
        if let (Some(watched), Some(version), false) = (watched, version, self.dry_run) {
            watched.caught_up(&version, Duration::from_secs(2)).await;
        }
    }

    /// The watch of `which`, taken for a wait (and put back after it).
    fn take_watch(&mut self, which: Which) -> Result<Watched<Deployment>> {
        let watched = match which {
            Which::Incumbent => self.incumbent_watch.take(),
            Which::Contender => self.contender_watch.take(),
        };
        watched.ok_or_else(|| Error::failed("no watch to wait on; this is a bug in kubectl-ramp"))
    }

    /// Waits, on the watch of one Deployment, until the planner no longer
    /// asks for `action`: its pods are ready (or gone), or it is gone. The
    /// incumbent's watch is looked at all the while: someone else's change
    /// to the record ends the wait.
    async fn wait(&mut self, action: &Action, which: Which, goal: Goal) -> Result<()> {
        let name = match which {
            Which::Incumbent => self.name.clone(),
            Which::Contender => self.record.contender.name.clone(),
        };
        let (wanted, label) = waiting(goal, &name);
        if self.dry_run {
            if !matches!(goal, Goal::Gone) {
                self.progress
                    .say(&format!("{label}: {} ready", pods(wanted)));
            }
            return Ok(());
        }
        let world = self.observe().await?;
        let record = self.record.clone();
        let mut watched = self.take_watch(which)?;
        let other = match which {
            Which::Incumbent => None,
            Which::Contender => self.incumbent_watch.as_ref().map(Watched::subscribe),
        };
        let counting = !matches!(goal, Goal::Gone);
        let mut bar = counting.then(|| self.progress.counter(&label, wanted));
        // Someone else's Deployment of the contender's name is not the
        // contender: ramp leaves it.
        let (namespace, incumbent) = (self.conn.namespace.clone(), self.name.clone());
        let id = self.record.id.clone();
        let is_ours = move |d: &Deployment| {
            contender::owned(&d.metadata, &namespace, &incumbent, id.as_deref())
        };
        let world_with = |d: Option<&Deployment>| {
            let mut world = world.clone();
            match which {
                Which::Incumbent => {
                    if let Some(d) = d {
                        world.incumbent = state_of(d);
                    }
                }
                Which::Contender => world.contender = d.filter(|d| is_ours(d)).map(state_of),
            }
            world
        };
        let ready = |d: Option<&Deployment>| d.map_or(0, |d| state_of(d).ready);
        let (this, mine) = (self.name.as_str(), &self.ours);
        let waited = watched
            .until(
                self.deadline.into(),
                |d| match goal {
                    Goal::Gone => d.is_none_or(|d| !is_ours(d)),
                    _ => plan::next(&record, &world_with(d)) != *action,
                },
                |d, incumbent| {
                    if let Some(bar) = bar.as_mut() {
                        bar.set(ready(d));
                    }
                    let incumbent = match (which, incumbent) {
                        (Which::Incumbent, _) => d,
                        (Which::Contender, Seen::Now(i)) => i.as_ref(),
                        _ => return Ok(()),
                    };
                    match incumbent {
                        Some(i) => ours(this, mine, record_of(i).as_ref()),
                        None => Err(Error::failed(format!("deployment {this:?} disappeared"))),
                    }
                },
                other,
            )
            .await;
        match which {
            Which::Incumbent => self.incumbent_watch = Some(watched),
            Which::Contender => self.contender_watch = Some(watched),
        }
        if let Some(bar) = bar {
            bar.finish();
        }
        match waited? {
            Ok(Waited::Reached(_)) => Ok(()),
            Ok(Waited::TimedOut(d)) => Err(timed_out(goal, ready(d.as_ref()), &label, &name)),
            Err(e) => Err(e.error(&format!("deployment {name:?}"))),
        }
    }

    /// Writes a new record with one more history entry, and posts it as an
    /// Event on the incumbent unless it is one of the `INTENTS`.
    pub async fn transition(
        &mut self,
        mut record: Record,
        reason: &str,
        message: &str,
    ) -> Result<()> {
        let now = k8s_openapi::jiff::Timestamp::now().to_string();
        let note = self.note.take();
        if let Some(note) = &note {
            record.history.push(Transition {
                at: now.clone(),
                by: format!("{}@{}", username(), hostname()),
                event: FREEZE_OVERRIDDEN.to_string(),
                message: note.clone(),
            });
        }
        record.history.push(Transition {
            at: now.clone(),
            by: format!("{}@{}", username(), hostname()),
            event: reason.to_string(),
            message: message.to_string(),
        });
        // The rollout ends here: it joins the Deployment's history, with
        // the revision that runs it when it succeeded.
        let ended = |phase: Phase| matches!(phase, Phase::Succeeded | Phase::Aborted);
        if ended(record.phase) && !ended(self.record.phase) {
            let revision = match record.phase {
                Phase::Succeeded => self
                    .incumbent()
                    .await
                    .ok()
                    .and_then(|d| d.metadata.annotations?.get(history::REVISION)?.parse().ok()),
                _ => None,
            };
            let entry = history::finished(&record, revision, &now);
            record.finished = history::keep(&record.finished, entry);
        }
        // Keep the record small: the last 50 transitions tell the story.
        if record.history.len() > 50 {
            record.history.drain(..record.history.len() - 50);
        }
        self.write_record(&mut record).await?;
        self.record = record;
        self.progress.say(message);
        if !self.dry_run {
            if let Some(note) = &note {
                self.event(FREEZE_OVERRIDDEN, note);
            }
            // The start of a step or of the promotion is in the record;
            // an Event tells what it reached (one per command, not two).
            if !INTENTS.contains(&reason) {
                self.event(reason, message);
            }
            self.notice(reason, message);
        }
        Ok(())
    }

    /// Who to tell of this rollout's steps, promotion and abort: the
    /// command's --notify, else the webhook an automated rollout recorded.
    pub fn notifying(mut self, url: Option<String>, cluster: Option<String>) -> Executor {
        self.tell.notifying(url, cluster);
        self
    }

    /// Posts a notice of a transition people are told of, beside the work
    /// that follows it (`flush` waits for it).
    fn notice(&mut self, reason: &str, message: &str) {
        let at = (self.conn.namespace.as_str(), self.name.as_str());
        self.tell.notice(at, &self.record, reason, message);
    }

    /// Compare-and-swap of the record annotation: the write carries the
    /// resourceVersion read. When something else changed the Deployment
    /// (a scale, a label) but not the record, the write is tried again.
    /// Writes `record`, naming in it who holds the rollout now.
    pub async fn write_record(&mut self, record: &mut Record) -> Result<()> {
        if self.dry_run && self.rehearsed {
            return Ok(());
        }
        let name = self.name.clone();
        let namespace = self.namespace().to_string();
        // A writer that holds the rollout (a command's session, a driver's)
        // names its holder; one that holds nothing (a note that pauses a
        // driver) leaves the holder as it read it.
        let session = super::lock::session_holder(&self.conn, &namespace, &name);
        if let Some(me) = self.holder.as_ref().or(session.as_ref()) {
            let at = k8s_openapi::jiff::Timestamp::now().to_string();
            record.held = record.held_after(me, session.as_deref(), &at);
        }
        let raw = serde_json::to_string(&*record).expect("a record serializes");
        for _ in 0..5 {
            if self.resource_version.is_none() {
                self.incumbent().await?;
            }
            // Without a base there is nothing to compare with: a create-only
            // write would be wrong too, so the record must be read first.
            let patch = json!({"metadata": {
                "resourceVersion": self.resource_version,
                "annotations": {ANNOTATION: raw},
            }});
            match self
                .deployments(&namespace)
                .patch(&name, &self.params(), &Patch::Merge(&patch))
                .await
            {
                Ok(written) => {
                    self.uid = written.metadata.uid.clone();
                    self.rehearsed = self.dry_run;
                    if !self.dry_run {
                        self.resource_version = written.metadata.resource_version.clone();
                        self.stored = Some(raw.clone());
                        self.ours.push(Some(raw));
                        self.caught_up(Which::Incumbent, written.metadata.resource_version.clone())
                            .await;
                        self.written = Some(written);
                    }
                    return Ok(());
                }
                // Something changed the Deployment since it was read: when
                // it was not the record (a scale, a label), the write is
                // tried again on the new version; it stops when the record
                // changed. Read afresh: a watch may lag.
                Err(kube::Error::Api(s)) if s.code == 409 => {
                    let fresh = self
                        .deployments(&namespace)
                        .get(&name)
                        .await
                        .map_err(|e| self.fail(e, format!("get deployment {name:?}")))?;
                    if record_of(&fresh) != self.stored {
                        return Err(changed_by_another(&name, record_of(&fresh).as_ref()));
                    }
                    self.accept(&fresh)?;
                }
                Err(e) => {
                    return Err(self.fail(
                        e,
                        format!("write the rollout record on deployment {name:?}"),
                    ));
                }
            }
        }
        Err(Error::new(
            Kind::Conflict,
            format!("deployment {name:?} kept changing while ramp wrote its record"),
        ))
    }

    /// Posts an Event on the incumbent beside the work that follows;
    /// `flush` waits for the Events still on their way.
    fn event(&mut self, reason: &str, message: &str) {
        let on = (
            self.conn.namespace.as_str(),
            self.name.as_str(),
            self.uid.clone(),
        );
        self.tell.event(on, reason, message);
    }

    /// Waits for the Events and notices posted so far.
    pub async fn flush(&mut self) {
        self.tell.flush().await;
    }
}

/// The share of a route's traffic that goes to the contender; `None`
/// when someone else changed the route past reading.
fn contender_percent(route: &plan::RouteState) -> Option<f64> {
    match route {
        plan::RouteState::Original => Some(0.0),
        plan::RouteState::Weighted(split) | plan::RouteState::Mirrored(split, _) => {
            Some(drift::percent(split.contender, split.incumbent))
        }
        plan::RouteState::Drifted => None,
    }
}

/// The pods a wait for `goal` on the Deployment `name` wants, and how its
/// progress line reads.
fn waiting(goal: Goal, name: &str) -> (i32, String) {
    match goal {
        Goal::AtLeast(n) => (n, format!("waiting for {name}")),
        Goal::AtMost(n) => (n, format!("waiting for {name} to scale down")),
        Goal::Gone => (0, format!("waiting for {name} to go")),
    }
}

/// A wait for `goal` that ran out of time with `now` pods ready.
fn timed_out(goal: Goal, now: i32, label: &str, name: &str) -> Error {
    let state = match goal {
        Goal::AtLeast(wanted) => format!("{now} of {wanted} pods ready"),
        Goal::AtMost(wanted) => format!("{now} pods still ready, {wanted} wanted"),
        Goal::Gone => "it is still there".to_string(),
    };
    Error::new(Kind::TimedOut, format!("timed out {label}: {state}")).with_hint(format!(
        "the rollout is paused where it was; see `kubectl describe deployment {name}`, then run the command again (with a longer --timeout) or abort"
    ))
}

/// The contender's Service, whoever made it.
async fn read_contender_service(conn: &Connection, record: &Record) -> Result<Option<Service>> {
    let contender = &record.contender;
    let api: Api<Service> = Api::namespaced(conn.client.clone(), &contender.namespace);
    api.get_opt(&contender.name).await.map_err(|e| {
        error::from_kube(
            e,
            &format!("get service {:?}", contender.name),
            &conn.server,
        )
    })
}

/// The error of a command whose rollout was changed by another one while
/// it ran (an abort, a step from another terminal): it stops and says what
/// happened instead of acting on what it read before.
fn changed_by_another(name: &str, now: Option<&String>) -> Error {
    let what = match now.and_then(|raw| serde_json::from_str::<Record>(raw).ok()) {
        Some(record) => match record.history.last() {
            Some(last) => format!(
                "it is now {} ({}, by {} at {})",
                record.phase.as_str(),
                last.message,
                last.by,
                last.at
            ),
            None => format!("it is now {}", record.phase.as_str()),
        },
        None if now.is_none() => "its record was removed".to_string(),
        None => "its record was replaced".to_string(),
    };
    Error::new(
        Kind::Conflict,
        format!("the rollout of {name:?} was changed by another command while this one ran: {what}; nothing more was done"),
    )
    .with_hint(format!("see `kubectl ramp status {name}`, then decide what to run next"))
}

/// A delete whose uid precondition failed found another object of that
/// name: someone else's, which stays; the one ramp made is gone.
fn not_the_same<T>(result: Result<T, kube::Error>) -> Result<T, kube::Error> {
    match result {
        Err(kube::Error::Api(mut status))
            if status.code == 409 && status.message.contains("UID") =>
        {
            status.code = 404;
            Err(kube::Error::Api(status))
        }
        other => other,
    }
}

/// And a delete that finds the object gone did too.
fn already_gone<T>(result: Result<T, kube::Error>) -> Result<(), kube::Error> {
    match result {
        Err(kube::Error::Api(status)) if status.code == 404 => Ok(()),
        other => other.map(|_| ()),
    }
}

/// What a wait waits for: at least so many ready pods, at most, or the
/// Deployment gone.
#[derive(Debug, Clone, Copy)]
enum Goal {
    AtLeast(i32),
    AtMost(i32),
    Gone,
}

/// Which Deployment a wait watches.
#[derive(Debug, Clone, Copy)]
enum Which {
    Incumbent,
    Contender,
}

/// The record annotation of a Deployment.
fn record_of(deployment: &Deployment) -> Option<String> {
    deployment
        .metadata
        .annotations
        .as_ref()
        .and_then(|a| a.get(ANNOTATION))
        .cloned()
}

/// Whether the record on the incumbent is one this command started from or
/// wrote; a conflict naming what happened otherwise.
fn ours(name: &str, ours: &[Option<String>], now: Option<&String>) -> Result<()> {
    match ours.iter().any(|o| o.as_ref() == now) {
        true => Ok(()),
        false => Err(changed_by_another(name, now)),
    }
}

fn pods(n: i32) -> String {
    if n == 1 {
        "1 replica".into()
    } else {
        format!("{n} replicas")
    }
}

pub fn state_of(deployment: &Deployment) -> DeploymentState {
    let spec = deployment.spec.as_ref();
    let status = deployment.status.as_ref();
    DeploymentState {
        replicas: spec.and_then(|s| s.replicas).unwrap_or(1),
        ready: status.and_then(|s| s.ready_replicas).unwrap_or(0),
        updated: status.and_then(|s| s.updated_replicas).unwrap_or(0),
        total: status.and_then(|s| s.replicas).unwrap_or(0),
        observed: status.and_then(|s| s.observed_generation) >= deployment.metadata.generation,
        template: spec
            .map(|s| serde_json::to_value(&s.template).unwrap_or(Value::Null))
            .unwrap_or(Value::Null),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mock;
    use crate::rollout::record::Held;
    use crate::rollout::record::tests::sample;

    const PATH: &str = "/apis/apps/v1/namespaces/shop/deployments/web";

    fn incumbent(record: &str, version: &str) -> Value {
        json!({
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": {
                "name": "web",
                "namespace": "shop",
                "uid": "u-1",
                "resourceVersion": version,
                "annotations": {ANNOTATION: record},
            },
            "spec": {"selector": {"matchLabels": {"app": "web"}}, "template": {}},
        })
    }

    fn executor(conn: Connection, read: &str) -> Executor {
        Executor::new(
            conn,
            "web",
            sample(),
            Base {
                raw: Some(read.to_string()),
                resource_version: Some("41".into()),
                incumbent: None,
            },
            false,
            Duration::from_secs(5),
            Progress::silent(),
        )
    }

    fn next_record() -> (Record, String) {
        let mut record = sample();
        record.phase = Phase::Progressing;
        record.target = 2;
        let raw = serde_json::to_string(&record).unwrap();
        (record, raw)
    }

    #[tokio::test]
    async fn the_record_is_written_against_the_version_it_was_read_at() {
        let (conn, mut server) = mock::connection("shop");
        let (mut record, raw) = next_record();
        let written = tokio::spawn(async move {
            let mut executor = executor(conn, "read");
            executor.holding(&super::super::lock::Holder::me("step").text);
            executor.write_record(&mut record).await
        });
        let patch = server.answer(200, incumbent(&raw, "42")).await;
        assert_eq!(
            (patch.method.as_str(), patch.uri.as_str()),
            ("PATCH", &*format!("{PATH}?"))
        );
        assert_eq!(
            patch.content_type.as_deref(),
            Some("application/merge-patch+json")
        );
        let body = patch.body.unwrap();
        assert_eq!(body["metadata"]["resourceVersion"], json!("41"));
        // The record as given, naming this process as its holder: a move
        // is under way.
        let sent: Record = serde_json::from_str(
            body["metadata"]["annotations"][ANNOTATION]
                .as_str()
                .unwrap(),
        )
        .unwrap();
        let held = sent.held.clone().expect("the holder named");
        assert_eq!(held.by, super::super::lock::Holder::me("step").text);
        let expected: Record = serde_json::from_str(&raw).unwrap();
        assert_eq!(Record { held: None, ..sent }, expected);
        written.await.unwrap().unwrap();
    }

    #[tokio::test]
    async fn a_writer_that_holds_nothing_leaves_the_holder_as_it_read_it() {
        let (conn, mut server) = mock::connection("shop");
        let (mut record, _) = next_record();
        let theirs = Held {
            by: "ci@runner pid 9 (run)".into(),
            at: "2026-12-04T05:00:00Z".into(),
            session: true,
        };
        record.held = Some(theirs.clone());
        let raw = serde_json::to_string(&record).unwrap();
        let written = tokio::spawn(async move {
            // As `pause` writes: no session here, no holder named.
            let mut executor = executor(conn, "read");
            executor.write_record(&mut record).await
        });
        let patch = server.answer(200, incumbent(&raw, "42")).await;
        let body = patch.body.unwrap();
        let sent: Record = serde_json::from_str(
            body["metadata"]["annotations"][ANNOTATION]
                .as_str()
                .unwrap(),
        )
        .unwrap();
        assert_eq!(sent.held, Some(theirs), "the driver still holds it");
        written.await.unwrap().unwrap();
    }

    #[tokio::test]
    async fn a_conflict_over_something_else_is_tried_again_on_the_new_version() {
        let (conn, mut server) = mock::connection("shop");
        let (mut record, raw) = next_record();
        let written = tokio::spawn(async move {
            let mut executor = executor(conn, "read");
            executor.write_record(&mut record).await
        });
        // Someone scaled the Deployment: its version moved, the record did not.
        server
            .answer(
                409,
                mock::status(409, "Conflict", "the object has been modified"),
            )
            .await;
        let get = server.answer(200, incumbent("read", "43")).await;
        assert_eq!((get.method.as_str(), get.uri.as_str()), ("GET", PATH));
        let again = server.answer(200, incumbent(&raw, "44")).await;
        assert_eq!(
            again.body.unwrap()["metadata"]["resourceVersion"],
            json!("43")
        );
        written.await.unwrap().unwrap();
    }

    #[tokio::test]
    async fn a_record_changed_by_someone_else_stops_the_write_with_exit_5() {
        let (conn, mut server) = mock::connection("shop");
        let (mut record, _) = next_record();
        let written = tokio::spawn(async move {
            let mut executor = executor(conn, "read");
            executor.write_record(&mut record).await
        });
        server
            .answer(
                409,
                mock::status(409, "Conflict", "the object has been modified"),
            )
            .await;
        let mut aborted = sample();
        aborted.phase = Phase::Aborted;
        aborted.history.push(Transition {
            at: "2026-11-27T06:00:00Z".into(),
            by: "ana@laptop".into(),
            event: "Aborted".into(),
            message: "aborted at step 1/2: p99 doubled".into(),
        });
        let theirs = serde_json::to_string(&aborted).unwrap();
        server.answer(200, incumbent(&theirs, "43")).await;
        let err = tokio::time::timeout(Duration::from_secs(5), written)
            .await
            .expect("no third request")
            .unwrap()
            .unwrap_err();
        assert_eq!(err.kind.exit_code(), 5);
        assert_eq!(
            err.message,
            "the rollout of \"web\" was changed by another command while this one ran: it is now Aborted \
             (aborted at step 1/2: p99 doubled, by ana@laptop at 2026-11-27T06:00:00Z); nothing more was done"
        );
    }

    #[tokio::test]
    async fn deleting_a_service_that_is_already_gone_is_done() {
        let (conn, mut server) = mock::connection("shop");
        let deleted = tokio::spawn(async move {
            let mut executor = executor(conn, "read");
            let world = World {
                incumbent: DeploymentState {
                    replicas: 4,
                    ready: 4,
                    updated: 4,
                    total: 4,
                    observed: true,
                    template: Value::Null,
                },
                contender: None,
                contender_service: true,
                routes: Vec::new(),
                contender_autoscaler: None,
                user_autoscaler: None,
                settled: true,
            };
            executor
                .apply(&Action::DeleteContenderService, &world)
                .await
        });
        let delete = server
            .answer(
                404,
                mock::status(404, "NotFound", "services \"web-canary\" not found"),
            )
            .await;
        assert_eq!(
            (delete.method.as_str(), delete.uri.as_str()),
            ("DELETE", "/api/v1/namespaces/shop/services/web-canary?")
        );
        deleted.await.unwrap().unwrap();
    }
}
