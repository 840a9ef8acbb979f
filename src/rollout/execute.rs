//! The executor: observes the cluster, asks the planner for the next action,
//! performs it, and again, until the planner is done. All the IO of a
//! rollout is here; the decisions are in `plan`.

use std::time::{Duration, Instant};

use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::{PodTemplateSpec, Service};
use kube::api::{DeleteParams, Patch, PatchParams, PostParams};
use kube::runtime::events::{Event, EventType, Recorder, Reporter};
use kube::{Api, Resource};
use serde_json::{Value, json};

use super::contender;
use super::lock::{hostname, username};
use super::plan::{self, Action, DeploymentState, World};
use super::record::{ANNOTATION, Phase, Record, RouteSnapshot, Transition};
use crate::connect::Connection;
use crate::error::{self, Error, Kind, Result};
use crate::router::{RouterKind, weights};
use crate::ui::progress::Progress;

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
    recorder: Recorder,
}

impl Executor {
    pub fn new(
        conn: Connection,
        name: &str,
        record: Record,
        stored: Option<String>,
        dry_run: bool,
        timeout: Duration,
        progress: Progress,
    ) -> Executor {
        let recorder = Recorder::new(
            conn.client.clone(),
            Reporter {
                controller: "kubectl-ramp".into(),
                instance: Some(hostname()),
            },
        );
        Executor {
            conn,
            name: name.to_string(),
            record,
            stored,
            dry_run,
            simulated: None,
            deadline: Instant::now() + timeout,
            progress,
            resource_version: None,
            uid: None,
            recorder,
        }
    }

    pub fn dry_run(&self) -> bool {
        self.dry_run
    }

    /// Abort's first write: when the incumbent has all its capacity, its
    /// traffic goes back before anything else happens.
    pub async fn restore_routes_first(&mut self) -> Result<()> {
        let world = self.observe().await?;
        let restored = world
            .routes
            .iter()
            .all(|r| *r == plan::RouteState::Original);
        if !restored && world.incumbent.ready >= self.record.replicas {
            self.apply(&Action::RestoreRoutes, &world).await?;
            if let Some(simulated) = self.simulated.as_mut() {
                plan::assume_done(&Action::RestoreRoutes, &mut self.record, simulated);
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

    /// Reads the incumbent, as the executor sees it now.
    pub async fn incumbent(&mut self) -> Result<Deployment> {
        let name = self.name.clone();
        let namespace = self.namespace().to_string();
        let incumbent = self
            .deployments(&namespace)
            .get_opt(&name)
            .await
            .map_err(|e| self.fail(e, format!("get deployment {name:?}")))?
            .ok_or_else(|| {
                Error::failed(format!(
                    "deployment {name:?} disappeared from namespace {namespace:?}"
                ))
            })?;
        self.resource_version = incumbent.metadata.resource_version.clone();
        self.uid = incumbent.metadata.uid.clone();
        Ok(incumbent)
    }

    pub async fn observe(&mut self) -> Result<World> {
        if let Some(world) = &self.simulated {
            return Ok(world.clone());
        }
        let incumbent = self.incumbent().await?;
        let contender = &self.record.contender;
        let contender_deployment = self
            .deployments(&contender.namespace)
            .get_opt(&contender.name)
            .await
            .map_err(|e| self.fail(e, format!("get deployment {:?}", contender.name)))?;
        let contender_service = self
            .services(&contender.namespace)
            .get_opt(&contender.name)
            .await
            .map_err(|e| self.fail(e, format!("get service {:?}", contender.name)))?
            .is_some();
        let routes = match self.record.router.kind.flavor() {
            Some(flavor) => {
                weights::observe(
                    flavor,
                    &self.conn,
                    &self.conn.namespace,
                    &self.record.router.routes,
                    self.record.router.header.as_ref(),
                )
                .await?
            }
            None => Vec::new(),
        };
        let world = World {
            incumbent: state_of(&incumbent),
            contender: contender_deployment.as_ref().map(state_of),
            contender_service,
            routes,
        };
        if self.dry_run {
            self.simulated = Some(world.clone());
        }
        Ok(world)
    }

    /// Runs actions until the planner is done.
    pub async fn run(&mut self) -> Result<()> {
        for _ in 0..200 {
            let world = self.observe().await?;
            let action = plan::next(&self.record, &world);
            if action == Action::Done {
                return Ok(());
            }
            self.apply(&action, &world).await?;
            if let Some(simulated) = self.simulated.as_mut() {
                plan::assume_done(&action, &mut self.record, simulated);
            }
        }
        Err(Error::failed(
            "the rollout did not settle after 200 actions; this is a bug in kubectl-ramp",
        )
        .with_hint("run the command again with RAMP_LOG=debug and report what it prints"))
    }

    async fn apply(&mut self, action: &Action, world: &World) -> Result<()> {
        tracing::debug!(?action, "applying");
        let contender = self.record.contender.clone();
        match action {
            Action::CreateContenderService => {
                let incumbent_service = self.incumbent_service().await?;
                let incumbent = self.incumbent().await?;
                let keys = contender::rewritten_keys(
                    &incumbent,
                    &incumbent_service,
                    self.record.router.kind,
                );
                let service = contender::service(
                    &incumbent_service,
                    &self.name,
                    &keys,
                    &contender.namespace,
                )?;
                self.progress
                    .say(&format!("creating service {}", contender.name));
                let created = self
                    .services(&contender.namespace)
                    .create(&self.post_params(), &service)
                    .await;
                already_there(created)
                    .map_err(|e| self.fail(e, format!("create service {:?}", contender.name)))?;
            }
            Action::ScaleContender(replicas) => {
                if world.contender.is_none() {
                    let incumbent_service = self.incumbent_service().await?;
                    let incumbent = self.incumbent().await?;
                    let keys = contender::rewritten_keys(
                        &incumbent,
                        &incumbent_service,
                        self.record.router.kind,
                    );
                    let template: PodTemplateSpec =
                        serde_json::from_value(contender.template.clone()).map_err(|e| {
                            Error::failed(format!("the record's pod template cannot be read: {e}"))
                        })?;
                    let deployment = contender::deployment(
                        &incumbent,
                        &keys,
                        &template,
                        &contender.namespace,
                        *replicas,
                    )?;
                    self.progress.say(&format!(
                        "creating deployment {} with {}",
                        contender.name,
                        pods(*replicas)
                    ));
                    let created = self
                        .deployments(&contender.namespace)
                        .create(&self.post_params(), &deployment)
                        .await;
                    already_there(created).map_err(|e| {
                        self.fail(e, format!("create deployment {:?}", contender.name))
                    })?;
                } else {
                    self.progress.say(&format!(
                        "scaling {} to {}",
                        contender.name,
                        pods(*replicas)
                    ));
                    self.scale(&contender.namespace, &contender.name, *replicas)
                        .await?;
                }
            }
            Action::ScaleIncumbent(replicas) => {
                self.progress
                    .say(&format!("scaling {} to {}", self.name, pods(*replicas)));
                let (namespace, name) = (self.namespace().to_string(), self.name.clone());
                self.scale(&namespace, &name, *replicas).await?;
            }
            Action::WaitContender(replicas) => {
                let name = contender.name.clone();
                self.wait(&name, *replicas, |w| {
                    w.contender.as_ref().map_or(0, |c| c.ready)
                })
                .await?;
            }
            Action::WaitIncumbent(replicas) => {
                let name = self.name.clone();
                self.wait(&name, *replicas, |w| w.incumbent.ready).await?;
            }
            Action::WaitContenderDown(replicas) => {
                let name = contender.name.clone();
                self.wait_for(&name, Goal::AtMost(*replicas), |w| {
                    w.contender.as_ref().map_or(0, |c| c.ready)
                })
                .await?;
            }
            Action::WaitIncumbentDown(replicas) => {
                let name = self.name.clone();
                self.wait_for(&name, Goal::AtMost(*replicas), |w| w.incumbent.ready)
                    .await?;
            }
            Action::WaitIncumbentRolledOut => {
                let name = self.name.clone();
                let replicas = self.record.replicas;
                self.wait(&name, replicas, |w| {
                    if w.incumbent.observed {
                        w.incumbent.ready.min(w.incumbent.updated)
                    } else {
                        0
                    }
                })
                .await?;
            }
            Action::SetWeights(split) => {
                self.progress.say(&format!(
                    "traffic: {} {}%, {} {}%",
                    contender.name, split.contender, self.name, split.incumbent
                ));
                let split = *split;
                self.write_routes(|s| weights::weighted(s, split), true)
                    .await?;
            }
            Action::RestoreRoutes => {
                self.progress.say(&format!(
                    "traffic: all to {}, routes restored as they were",
                    self.name
                ));
                self.write_routes(|s| s.original.clone(), false).await?;
            }
            Action::UpdateIncumbent => {
                self.progress
                    .say(&format!("updating {} to the new pod template", self.name));
                let patch: json_patch::Patch = serde_json::from_value(json!([
                    {"op": "replace", "path": "/spec/template", "value": contender.template},
                    {"op": "replace", "path": "/spec/replicas", "value": self.record.replicas},
                ]))
                .expect("valid JSON patch");
                let name = self.name.clone();
                let namespace = self.namespace().to_string();
                self.deployments(&namespace)
                    .patch(&name, &self.params(), &Patch::Json::<()>(patch))
                    .await
                    .map_err(|e| self.fail(e, format!("update deployment {name:?}")))?;
            }
            Action::DeleteContender => {
                self.progress
                    .say(&format!("deleting deployment {}", contender.name));
                let params = DeleteParams {
                    dry_run: self.dry_run,
                    ..DeleteParams::foreground()
                };
                let deleted = self
                    .deployments(&contender.namespace)
                    .delete(&contender.name, &params)
                    .await;
                already_gone(deleted)
                    .map_err(|e| self.fail(e, format!("delete deployment {:?}", contender.name)))?;
                if !self.dry_run {
                    self.wait_gone(&contender.namespace, &contender.name)
                        .await?;
                }
            }
            Action::DeleteContenderService => {
                self.progress
                    .say(&format!("deleting service {}", contender.name));
                let params = DeleteParams {
                    dry_run: self.dry_run,
                    ..Default::default()
                };
                let deleted = self
                    .services(&contender.namespace)
                    .delete(&contender.name, &params)
                    .await;
                already_gone(deleted)
                    .map_err(|e| self.fail(e, format!("delete service {:?}", contender.name)))?;
            }
            Action::Settle => {
                let mut record = self.record.clone();
                record.step = record.target;
                record.phase = Phase::Paused;
                let step = record.current_step().cloned();
                let name = step.as_ref().map(|s| s.name.clone()).unwrap_or_default();
                let mut message = format!(
                    "reached step {}/{} ({name})",
                    record.step,
                    record.steps.len()
                );
                if let (RouterKind::Replicas, Some(step)) = (record.router.kind, step) {
                    // Pod ratios rarely give the exact percentage: say what was reached.
                    let counts = crate::router::replicas::counts(&step, record.replicas);
                    message.push_str(&format!(
                        ": asked {}%, reached {} of {} ready pods = {}",
                        step.traffic.contender,
                        counts.contender,
                        counts.contender + counts.incumbent,
                        crate::ui::status::percent(counts.reached())
                    ));
                }
                self.transition(record, "StepReached", &message).await?;
            }
            Action::Finish => {
                let mut record = self.record.clone();
                record.phase = Phase::Succeeded;
                self.transition(
                    record,
                    "Promoted",
                    &format!("{} runs the new version", self.name),
                )
                .await?;
            }
            Action::Done => {}
        }
        Ok(())
    }

    /// Writes the managed routes: their backends as `desired` gives them,
    /// and the header route beside each while `with_header`.
    async fn write_routes(
        &self,
        desired: impl Fn(&RouteSnapshot) -> Value,
        with_header: bool,
    ) -> Result<()> {
        let header = self.record.router.header.as_ref().filter(|_| with_header);
        match self.record.router.kind.flavor() {
            Some(flavor) => {
                weights::write(
                    flavor,
                    &self.conn,
                    &self.conn.namespace,
                    &self.record.router.routes,
                    desired,
                    header,
                    self.dry_run,
                )
                .await
            }
            None => Ok(()),
        }
    }

    async fn incumbent_service(&self) -> Result<Service> {
        let name = &self.record.service;
        self.services(self.namespace())
            .get(name)
            .await
            .map_err(|e| self.fail(e, format!("get service {name:?}")))
    }

    async fn scale(&self, namespace: &str, name: &str, replicas: i32) -> Result<()> {
        let patch = json!({"spec": {"replicas": replicas}});
        self.deployments(namespace)
            .patch(name, &self.params(), &Patch::Merge(&patch))
            .await
            .map_err(|e| self.fail(e, format!("scale deployment {name:?}")))?;
        Ok(())
    }

    /// Polls until `ready(world)` reaches `wanted`, or the timeout.
    /// Polls until `ready(world)` reaches `wanted`, or the timeout.
    async fn wait(&mut self, name: &str, wanted: i32, ready: impl Fn(&World) -> i32) -> Result<()> {
        self.wait_for(name, Goal::AtLeast(wanted), ready).await
    }

    async fn wait_for(
        &mut self,
        name: &str,
        goal: Goal,
        ready: impl Fn(&World) -> i32,
    ) -> Result<()> {
        let (wanted, label) = match goal {
            Goal::AtLeast(n) => (n, format!("waiting for {name}")),
            Goal::AtMost(n) => (n, format!("waiting for {name} to scale down")),
        };
        if self.dry_run {
            self.progress
                .say(&format!("{label}: {} ready", pods(wanted)));
            return Ok(());
        }
        let mut bar = self.progress.counter(&label, wanted);
        loop {
            let world = self.observe().await?;
            let now = ready(&world);
            bar.set(now);
            let reached = match goal {
                Goal::AtLeast(n) => now >= n,
                Goal::AtMost(n) => now <= n,
            };
            if reached {
                bar.finish();
                return Ok(());
            }
            if Instant::now() >= self.deadline {
                bar.finish();
                let state = match goal {
                    Goal::AtLeast(_) => format!("{now} of {wanted} pods ready"),
                    Goal::AtMost(_) => format!("{now} pods still ready, {wanted} wanted"),
                };
                return Err(Error::new(Kind::TimedOut, format!("timed out {label}: {state}"))
                .with_hint(format!(
                    "the rollout is paused where it was; see `kubectl describe deployment {name}`, then run the command again (with a longer --timeout) or abort"
                )));
            }
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
    }

    async fn wait_gone(&self, namespace: &str, name: &str) -> Result<()> {
        let api = self.deployments(namespace);
        while api
            .get_opt(name)
            .await
            .map_err(|e| self.fail(e, format!("get deployment {name:?}")))?
            .is_some()
        {
            if Instant::now() >= self.deadline {
                return Err(Error::new(
                    Kind::TimedOut,
                    format!("timed out waiting for deployment {name:?} to go"),
                ));
            }
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
        Ok(())
    }

    /// Writes a new record with one more history entry, and posts it as an
    /// Event on the incumbent.
    pub async fn transition(
        &mut self,
        mut record: Record,
        reason: &str,
        message: &str,
    ) -> Result<()> {
        record.history.push(Transition {
            at: k8s_openapi::jiff::Timestamp::now().to_string(),
            by: format!("{}@{}", username(), hostname()),
            event: reason.to_string(),
            message: message.to_string(),
        });
        // Keep the record small: the last 50 transitions tell the story.
        if record.history.len() > 50 {
            record.history.drain(..record.history.len() - 50);
        }
        self.write_record(&record).await?;
        self.record = record;
        self.progress.say(message);
        if !self.dry_run {
            self.event(reason, message).await;
        }
        Ok(())
    }

    /// Compare-and-swap of the record annotation: the write carries the
    /// resourceVersion read. When something else changed the Deployment
    /// (a scale, a label) but not the record, the write is tried again.
    pub async fn write_record(&mut self, record: &Record) -> Result<()> {
        let raw = serde_json::to_string(record).expect("a record serializes");
        let name = self.name.clone();
        let namespace = self.namespace().to_string();
        for _ in 0..5 {
            if self.resource_version.is_none() {
                self.incumbent().await?;
            }
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
                    if !self.dry_run {
                        self.resource_version = written.metadata.resource_version;
                        self.stored = Some(raw);
                    }
                    return Ok(());
                }
                Err(kube::Error::Api(s)) if s.code == 409 => {
                    let current = self.incumbent().await?;
                    let now = current
                        .metadata
                        .annotations
                        .as_ref()
                        .and_then(|a| a.get(ANNOTATION))
                        .cloned();
                    if now != self.stored {
                        return Err(Error::new(
                            Kind::Conflict,
                            format!("the rollout of {name:?} was changed by another command while this one ran"),
                        )
                        .with_hint(format!("see `kubectl ramp status {name}`, then decide what to run next")));
                    }
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

    async fn event(&self, reason: &str, message: &str) {
        let reference = Deployment {
            metadata: kube::api::ObjectMeta {
                name: Some(self.name.clone()),
                namespace: Some(self.conn.namespace.clone()),
                uid: self.uid.clone(),
                ..Default::default()
            },
            ..Default::default()
        }
        .object_ref(&());
        let event = Event {
            type_: if reason == "Aborted" {
                EventType::Warning
            } else {
                EventType::Normal
            },
            reason: reason.to_string(),
            note: Some(message.to_string()),
            action: reason.to_string(),
            secondary: None,
        };
        // An event is a courtesy: the record holds the truth.
        if let Err(e) = self.recorder.publish(&event, &reference).await {
            tracing::warn!("could not post event {reason}: {e}");
        }
    }
}

/// Actions are idempotent: a create that finds the object there did what
/// was asked (a command run again after it was interrupted).
fn already_there<T>(result: Result<T, kube::Error>) -> Result<(), kube::Error> {
    match result {
        Err(kube::Error::Api(status)) if status.code == 409 => Ok(()),
        other => other.map(|_| ()),
    }
}

/// And a delete that finds the object gone did too.
fn already_gone<T>(result: Result<T, kube::Error>) -> Result<(), kube::Error> {
    match result {
        Err(kube::Error::Api(status)) if status.code == 404 => Ok(()),
        other => other.map(|_| ()),
    }
}

/// What a wait waits for: at least so many ready pods, or at most.
#[derive(Debug, Clone, Copy)]
enum Goal {
    AtLeast(i32),
    AtMost(i32),
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
