//! The list of rollouts: one item per Deployment carrying a record, the
//! shape of `list -o json` and of the dashboard's list, made from the record
//! alone.

use k8s_openapi::api::apps::v1::Deployment;
use serde::Serialize;

use crate::rollout::record::{ANNOTATION, Phase, Record};

/// One rollout, a line of the table or an item of `-o json`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Item {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cluster: Option<String>,
    pub namespace: String,
    pub deployment: String,
    /// None when the record cannot be read (stderr says why).
    pub phase: Option<Phase>,
    pub step: Step,
    /// The contender's share of traffic at the recorded step; 0 once the
    /// rollout has ended.
    pub traffic: Traffic,
    /// The contender Deployment and the images of its pod template.
    pub contender: Option<Contender>,
    pub started_at: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Step {
    pub index: usize,
    pub total: usize,
    pub name: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Traffic {
    pub contender: f64,
    pub incumbent: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Contender {
    pub name: String,
    pub images: Vec<String>,
}

/// The rollout of a Deployment, when it carries a record, and why the
/// record cannot be read when it cannot (the item then has no phase).
pub fn read_item(cluster: Option<&str>, deployment: &Deployment) -> Option<(Item, Option<String>)> {
    let annotations = deployment.metadata.annotations.as_ref();
    annotations?.get(ANNOTATION)?;
    let name = deployment.metadata.name.clone().unwrap_or_default();
    let namespace = deployment.metadata.namespace.clone().unwrap_or_default();
    let record = match Record::from_annotations(&name, annotations) {
        Ok(record) => record?,
        Err(e) => {
            let item = Item {
                cluster: cluster.map(str::to_string),
                namespace,
                deployment: name,
                phase: None,
                step: Step {
                    index: 0,
                    total: 0,
                    name: None,
                },
                traffic: Traffic {
                    contender: 0.0,
                    incumbent: 100.0,
                },
                contender: None,
                started_at: None,
            };
            return Some((item, Some(e.message)));
        }
    };
    Some((of_record(cluster, &namespace, &name, &record), None))
}

fn of_record(cluster: Option<&str>, namespace: &str, name: &str, record: &Record) -> Item {
    let under_way = !matches!(
        record.phase,
        Phase::Succeeded | Phase::Aborted | Phase::Idle
    );
    let contender_share = match (under_way, record.current_step()) {
        (true, Some(step)) => step.traffic.contender,
        _ => 0,
    };
    let images = record.contender.template["spec"]["containers"]
        .as_array()
        .map(|containers| {
            containers
                .iter()
                .filter_map(|c| c["image"].as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    Item {
        cluster: cluster.map(str::to_string),
        namespace: namespace.to_string(),
        deployment: name.to_string(),
        phase: Some(record.phase),
        step: Step {
            index: record.step,
            total: record.steps.len(),
            name: record.current_step().map(|s| s.name.clone()),
        },
        traffic: Traffic {
            contender: f64::from(contender_share),
            incumbent: f64::from(100 - contender_share.min(100)),
        },
        contender: Some(Contender {
            name: record.contender.name.clone(),
            images,
        }),
        started_at: record
            .history
            .iter()
            .find(|t| t.event == "Started")
            .map(|t| t.at.clone()),
    }
}
