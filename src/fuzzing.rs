//! What the coverage-guided fuzzers (fuzz/, `cargo +nightly fuzz run
//! TARGET`) feed arbitrary bytes to: the parsers of what a user writes
//! (strategy and analysis files, flags), of what is read from the cluster
//! (the record), and the planner and the automation's decisions on any
//! record and any world. None may panic. `cargo test` replays every input
//! kept in fuzz/corpus/ through the same functions.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use crate::analysis::spec::AnalysisSpec;
use crate::rollout::decide::{self, Counters, Round, Settings, View};
use crate::rollout::plan::{self, Action, DeploymentState, RouteState, World};
use crate::rollout::record::{ANNOTATION, Phase, Record};
use crate::rollout::strategy::{Split, Strategy};

/// A fuzz target: takes any bytes, must not panic.
pub type Target = fn(&[u8]);

/// The fuzz targets, by name (fuzz/fuzz_targets/NAME.rs).
pub const TARGETS: [(&str, Target); 5] = [
    ("strategy", strategy),
    ("analysis", analysis),
    ("flags", flags),
    ("record", record),
    ("planner", planner),
];

/// A strategy file, the `--steps` short form and a preset's name.
pub fn strategy(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let _ = Strategy::from_text(&text, "fuzz.yaml");
    let _ = Strategy::from_percentages(&text);
    let _ = Strategy::named(&text);
}

/// An analysis file.
pub fn analysis(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let _ = AnalysisSpec::from_text(&text, "fuzz.yaml");
}

/// Flags whose values are parsed: images, durations, headers.
pub fn flags(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let _ = crate::rollout::contender::ImageChange::parse(&text);
    let _ = crate::duration::parse(&text);
    let _ = crate::rollout::record::Header::parse("--match-header", &text);
    let _ = crate::input::http_url(&text);
}

/// The record annotation as anyone may have edited it; a record that reads
/// is then planned against the world its own numbers describe.
pub fn record(data: &[u8]) {
    let text = String::from_utf8_lossy(data).into_owned();
    let annotations = BTreeMap::from([(ANNOTATION.to_string(), text)]);
    if let Ok(Some(record)) = Record::from_annotations("web", Some(&annotations)) {
        let world = World {
            incumbent: state(record.replicas, record.replicas, Value::Null),
            contender: None,
            contender_service: false,
            routes: vec![RouteState::Original; record.router.routes.len()],
            contender_autoscaler: None,
            user_autoscaler: None,
            settled: false,
        };
        settle(record, world);
    }
    let _ = Record::from_annotations_to_abort("web", Some(&annotations));
}

/// The planner on any record that reads and any world, driven until it
/// is done; then the automation's decisions on any records and counters.
pub fn planner(data: &[u8]) {
    let mut bytes = Bytes(data);
    if let Some((record, world)) = scene(&mut bytes) {
        settle(record, world);
    }
    let settings = Settings {
        interval_ms: bytes.i64(),
        failure_limit: bytes.u32(),
        inconclusive_limit: bytes.u32(),
        promote: bytes.flag(),
        scrape_ms: bytes.i64(),
    };
    let views: Vec<View> = (0..bytes.below(5))
        .map(|_| View {
            phase: bytes.phase(),
            step: bytes.below(8),
            total: bytes.below(8),
            changed_ms: bytes.flag().then(|| bytes.i64()),
            checked_ms: bytes.flag().then(|| bytes.i64()),
            paused_by: bytes.flag().then(|| "someone".to_string()),
        })
        .collect();
    let counters = Counters {
        failures: bytes.u32(),
        inconclusive: bytes.u32(),
    };
    let _ = decide::next(&settings, &views, counters, bytes.i64());
    let rounds: Vec<(Option<&str>, Round)> = (0..bytes.below(4))
        .map(|i| {
            let round = match bytes.below(3) {
                0 => Round::Pass,
                1 => Round::Inconclusive,
                _ => Round::Fail(vec!["error rate 9%".into()]),
            };
            (["eu-1", "us-1", "ap-1", "sa-1"].get(i).copied(), round)
        })
        .collect();
    let gates = bytes.flag().then(|| vec!["a gate failed".to_string()]);
    let _ = decide::judge(
        &settings,
        counters,
        &rounds,
        gates.as_deref(),
        bytes.flag(),
        bytes.flag(),
    );
}

/// Asks the planner for actions, doing each in the model world, until it is
/// done or has answered as often as the executor would ask.
fn settle(mut record: Record, mut world: World) {
    for _ in 0..200 {
        let action = plan::next(&record, &world);
        if action == Action::Done {
            return;
        }
        assert!(
            world.settled || !plan::removes_pods(&action, &record, &world),
            "{action:?} removes pods before the data plane settled: {:?} {world:?}",
            record.phase
        );
        plan::assume_done(&action, &mut record, &mut world);
    }
}

/// One to six steps of any capacity and traffic.
fn steps_of(bytes: &mut Bytes) -> Vec<Value> {
    (0..1 + bytes.below(6))
        .map(|i| {
            let traffic = bytes.below(101) as u32;
            json!({
                "name": format!("step {i}"),
                "capacity": {"contender": bytes.below(102), "incumbent": bytes.below(102)},
                "traffic": {"contender": traffic, "incumbent": 100 - traffic},
            })
        })
        .collect()
}

/// Up to two routes of one VirtualService, each sending to the incumbent.
fn routes_of(bytes: &mut Bytes) -> Vec<Value> {
    (0..bytes.below(3))
        .map(|i| {
            json!({
                "object": "web",
                "route": format!("/spec/http/{i}"),
                "name": null,
                "original": [{"destination": {"host": "web"}}],
                "contender": {"destination": {"host": "web-canary"}},
            })
        })
        .collect()
}

/// A record (made as the record's JSON would be, then read and checked as
/// a command reads it) and a world, from the bytes.
fn scene(bytes: &mut Bytes) -> Option<(Record, World)> {
    let steps = steps_of(bytes);
    let kind = ["istio", "gateway-api", "replicas"][bytes.below(3)];
    let routes = routes_of(bytes);
    let new_template = json!({"spec": {"containers": [{"name": "web", "image": "web:2"}]}});
    let autoscaler = bytes
        .flag()
        .then(|| json!({"name": "web", "min": bytes.i32(), "max": bytes.i32()}));
    let raw = json!({
        "schema": 1,
        "phase": bytes.phase(),
        "strategy": "fuzz",
        "steps": steps,
        "step": bytes.below(8),
        "target": bytes.below(8),
        "replicas": bytes.i32(),
        "contender": {"name": "web-canary", "namespace": "shop", "template": new_template},
        "service": "web",
        "router": {"kind": kind, "routes": routes},
        "scale_down_delay": bytes.flag().then(|| bytes.u32()),
        "history": [],
        "autoscaler": autoscaler,
    });
    let annotations = BTreeMap::from([(ANNOTATION.to_string(), raw.to_string())]);
    let record = Record::from_annotations("web", Some(&annotations)).ok()??;
    let template = |bytes: &mut Bytes| match bytes.flag() {
        true => record.contender.template.clone(),
        false => json!({"spec": {"containers": [{"name": "web", "image": "web:1"}]}}),
    };
    let mut incumbent = state(bytes.i32(), bytes.i32(), template(bytes));
    incumbent.updated = bytes.i32();
    incumbent.total = bytes.i32();
    incumbent.observed = bytes.flag();
    let contender = bytes.flag().then(|| {
        let mut contender = state(bytes.i32(), bytes.i32(), template(bytes));
        contender.updated = bytes.i32();
        contender.total = bytes.i32();
        contender
    });
    let routes = (0..record.router.routes.len())
        .map(|_| match bytes.below(3) {
            0 => RouteState::Original,
            1 => {
                let contender = bytes.below(101) as u32;
                RouteState::Weighted(Split {
                    contender,
                    incumbent: 100 - contender,
                })
            }
            _ => RouteState::Drifted,
        })
        .collect();
    let world = World {
        incumbent,
        contender,
        contender_service: bytes.flag(),
        routes,
        contender_autoscaler: bytes.flag().then(|| (bytes.i32(), bytes.i32())),
        user_autoscaler: bytes.flag().then(|| (bytes.i32(), bytes.i32())),
        settled: bytes.flag(),
    };
    Some((record, world))
}

fn state(replicas: i32, ready: i32, template: Value) -> DeploymentState {
    DeploymentState {
        replicas,
        ready,
        updated: ready,
        total: replicas,
        observed: true,
        template,
    }
}

/// Reads numbers off the fuzzer's bytes; zeros once they run out.
struct Bytes<'a>(&'a [u8]);

impl Bytes<'_> {
    fn u8(&mut self) -> u8 {
        match self.0.split_first() {
            Some((first, rest)) => {
                self.0 = rest;
                *first
            }
            None => 0,
        }
    }

    fn flag(&mut self) -> bool {
        self.u8() & 1 == 1
    }

    /// A number below `n`.
    fn below(&mut self, n: usize) -> usize {
        usize::from(self.u8()) % n
    }

    fn u32(&mut self) -> u32 {
        u32::from_le_bytes([self.u8(), self.u8(), self.u8(), self.u8()])
    }

    /// Mostly small numbers, as replicas are, but any number at all too.
    fn i32(&mut self) -> i32 {
        match self.u8() {
            0..=239 => i32::from(self.u8() % 12) - 1,
            _ => self.u32() as i32,
        }
    }

    fn i64(&mut self) -> i64 {
        i64::from(self.u32()) << (self.u8() % 32)
    }

    fn phase(&mut self) -> Phase {
        [
            Phase::Progressing,
            Phase::Paused,
            Phase::Promoting,
            Phase::Succeeded,
            Phase::Aborted,
        ][self.below(5)]
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;

    /// Every input kept in fuzz/corpus/TARGET/ (the fuzzers' findings and
    /// the seeds they started from) goes through its target again.
    #[test]
    fn the_fuzz_corpus_replays_without_a_panic() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/corpus");
        let mut replayed = 0;
        for (name, target) in TARGETS {
            let dir = root.join(name);
            let entries = std::fs::read_dir(&dir)
                .unwrap_or_else(|e| panic!("no corpus for {name} at {}: {e}", dir.display()));
            let mut count = 0;
            for entry in entries {
                let path = entry.unwrap().path();
                let data = std::fs::read(&path).unwrap();
                target(&data);
                count += 1;
            }
            assert!(count > 0, "the corpus of {name} is empty");
            replayed += count;
        }
        assert!(replayed >= TARGETS.len());
    }

    /// The seed records read as a command reads them, so that the fuzzers
    /// start from records that reach the planner.
    #[test]
    fn the_seed_records_read() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/corpus/record");
        for seed in ["paused-autoscaled.json", "promoting-replicas.json"] {
            let raw = std::fs::read_to_string(dir.join(seed)).unwrap();
            let annotations = BTreeMap::from([(ANNOTATION.to_string(), raw)]);
            let read = Record::from_annotations("web", Some(&annotations));
            assert!(matches!(read, Ok(Some(_))), "{seed}: {read:?}");
        }
    }
}
