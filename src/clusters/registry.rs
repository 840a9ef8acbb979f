//! The clusters file: the kubeconfig contexts ramp rolls out to, with a
//! region and capabilities each. `$RAMP_CLUSTERS`, else
//! `$XDG_CONFIG_HOME/ramp/clusters.yaml`, else `~/.config/ramp/clusters.yaml`.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Registry {
    #[serde(default)]
    pub clusters: Vec<Cluster>,
    /// What the clusters of a region share: their Prometheus and labels.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub regions: Vec<Region>,
}

/// A region's settings, written into the clusters file by hand.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Region {
    pub name: String,
    /// The Prometheus the analysis of its clusters reads.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prometheus: Option<String>,
    /// Label matchers added to every series the analysis reads.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub labels: BTreeMap<String, String>,
}

/// Where the analysis of one cluster reads its metrics.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Metrics {
    /// Its own Prometheus (else the one of `--prometheus`).
    pub prometheus: Option<String>,
    /// Label matchers added to its series, e.g. cluster="eu-1".
    pub labels: BTreeMap<String, String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Cluster {
    pub name: String,
    /// The kubeconfig context.
    pub context: String,
    /// The kubeconfig file, when it was not the default one at setup.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kubeconfig: Option<PathBuf>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub capabilities: Vec<String>,
    /// The namespace that holds the cluster-wide freeze, when not the
    /// default.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub freeze_namespace: Option<String>,
    /// The Prometheus the analysis of this cluster reads (else its
    /// region's, else `--prometheus`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prometheus: Option<String>,
    /// Label matchers added to every series its analysis reads, on top of
    /// its region's.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub labels: BTreeMap<String, String>,
}

pub fn path() -> PathBuf {
    if let Some(path) = std::env::var_os("RAMP_CLUSTERS").filter(|p| !p.is_empty()) {
        return PathBuf::from(path);
    }
    let config = std::env::var_os("XDG_CONFIG_HOME")
        .filter(|p| !p.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".config")))
        .unwrap_or_else(|| PathBuf::from("."));
    config.join("ramp").join("clusters.yaml")
}

impl Registry {
    pub fn load() -> Result<Registry> {
        let path = path();
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Registry::default()),
            Err(e) => {
                return Err(Error::failed(format!(
                    "cannot read the clusters file {}: {e}",
                    path.display()
                )));
            }
        };
        let registry: Registry = serde_saphyr::from_str(&text).map_err(|e| {
            let text = e.to_string();
            let first = text.lines().next().unwrap_or_default().trim_start_matches("error: ").to_string();
            Error::invalid(format!("the clusters file {} is not valid: {first}", path.display()))
                .with_hint("fix it by hand, or remove it and register the clusters again with `kubectl ramp cluster setup`")
        })?;
        registry.check().map_err(|e| {
            Error::invalid(format!("the clusters file {} {e}", path.display()))
                .with_hint("fix it by hand: each cluster once, each context of a kubeconfig once")
        })?;
        Ok(registry)
    }

    /// What makes a clusters file unusable, as the end of a sentence about
    /// it: a cluster named twice, or one context registered under two
    /// names (a rollout would run twice on it, racing itself).
    pub fn check(&self) -> std::result::Result<(), String> {
        for (i, cluster) in self.clusters.iter().enumerate() {
            if cluster.name.is_empty() || cluster.name.chars().any(char::is_control) {
                return Err(format!(
                    "is not valid: cluster name {} is empty or holds control characters",
                    crate::input::printable(&format!("{:?}", cluster.name))
                ));
            }
            for earlier in &self.clusters[..i] {
                if earlier.name == cluster.name {
                    return Err(format!("names cluster {:?} twice", cluster.name));
                }
                if earlier.context == cluster.context && earlier.kubeconfig == cluster.kubeconfig {
                    return Err(format!(
                        "is not valid: clusters {:?} and {:?} are the same context {:?}",
                        earlier.name, cluster.name, cluster.context
                    ));
                }
            }
        }
        Ok(())
    }

    pub fn save(&self) -> Result<()> {
        let path = path();
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)
                .map_err(|e| Error::failed(format!("cannot create {}: {e}", dir.display())))?;
        }
        let text = serde_saphyr::to_string(self).expect("the registry serializes");
        // Write aside, then rename: a crash never leaves half a file.
        let temporary = path.with_extension("yaml.tmp");
        std::fs::write(&temporary, text)
            .and_then(|()| std::fs::rename(&temporary, &path))
            .map_err(|e| {
                Error::failed(format!(
                    "cannot write the clusters file {}: {e}",
                    path.display()
                ))
            })
    }

    /// Adds a cluster, or replaces the one of the same name.
    pub fn upsert(&mut self, cluster: Cluster) {
        match self.clusters.iter_mut().find(|c| c.name == cluster.name) {
            Some(existing) => *existing = cluster,
            None => self.clusters.push(cluster),
        }
    }

    pub fn find(&self, name: &str) -> Result<&Cluster> {
        self.clusters
            .iter()
            .find(|c| c.name == name)
            .ok_or_else(|| self.unknown(name))
    }

    fn unknown(&self, name: &str) -> Error {
        let known: Vec<&str> = self.clusters.iter().map(|c| c.name.as_str()).collect();
        Error::invalid(format!("no cluster named {name:?} in {}", path().display())).with_hint(
            match known.is_empty() {
                true => {
                    "register one with `kubectl ramp cluster setup --context CONTEXT`".to_string()
                }
                false => format!("the registered clusters are: {}", known.join(", ")),
            },
        )
    }

    pub fn remove(&mut self, name: &str) -> Result<Cluster> {
        let index = self
            .clusters
            .iter()
            .position(|c| c.name == name)
            .ok_or_else(|| self.unknown(name))?;
        Ok(self.clusters.remove(index))
    }

    /// Where the analysis of `cluster` reads its metrics: its own
    /// Prometheus, else its region's; its region's labels with its own on
    /// top.
    pub fn metrics_of(&self, cluster: &Cluster) -> Metrics {
        let region = self
            .regions
            .iter()
            .find(|r| cluster.region.as_deref() == Some(r.name.as_str()));
        let mut labels = region.map(|r| r.labels.clone()).unwrap_or_default();
        labels.extend(cluster.labels.clone());
        Metrics {
            prometheus: cluster
                .prometheus
                .clone()
                .or_else(|| region.and_then(|r| r.prometheus.clone())),
            labels,
        }
    }

    /// The clusters a selection names: by name, by region, by capability,
    /// or all.
    pub fn select(
        &self,
        names: &[String],
        region: Option<&str>,
        capability: Option<&str>,
        all: bool,
    ) -> Result<Vec<Cluster>> {
        let mut chosen: Vec<Cluster> = Vec::new();
        for name in names {
            chosen.push(self.find(name)?.clone());
        }
        if all || region.is_some() || capability.is_some() {
            for cluster in &self.clusters {
                let matches = all
                    || region.is_some_and(|r| cluster.region.as_deref() == Some(r))
                    || capability
                        .is_some_and(|c| cluster.capabilities.iter().any(|have| have == c));
                if matches && !chosen.iter().any(|c| c.name == cluster.name) {
                    chosen.push(cluster.clone());
                }
            }
        }
        if chosen.is_empty() {
            return Err(Error::invalid("the selection names no registered cluster")
                .with_hint("see `kubectl ramp cluster list`"));
        }
        Ok(chosen)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cluster(name: &str, region: &str, capabilities: &[&str]) -> Cluster {
        Cluster {
            name: name.into(),
            context: format!("ctx-{name}"),
            kubeconfig: None,
            region: Some(region.into()),
            capabilities: capabilities.iter().map(|c| c.to_string()).collect(),
            freeze_namespace: None,
            prometheus: None,
            labels: BTreeMap::new(),
        }
    }

    fn registry() -> Registry {
        Registry {
            clusters: vec![
                cluster("a", "eu", &["gpu"]),
                cluster("b", "eu", &[]),
                cluster("c", "us", &["gpu"]),
            ],
            regions: Vec::new(),
        }
    }

    fn names(clusters: Vec<Cluster>) -> Vec<String> {
        clusters.into_iter().map(|c| c.name).collect()
    }

    #[test]
    fn selections_by_name_region_capability_and_all() {
        let r = registry();
        assert_eq!(
            names(r.select(&["c".into()], None, None, false).unwrap()),
            ["c"]
        );
        assert_eq!(
            names(r.select(&[], Some("eu"), None, false).unwrap()),
            ["a", "b"]
        );
        assert_eq!(
            names(r.select(&[], None, Some("gpu"), false).unwrap()),
            ["a", "c"]
        );
        assert_eq!(
            names(r.select(&[], None, None, true).unwrap()),
            ["a", "b", "c"]
        );
        let err = r.select(&["z".into()], None, None, false).unwrap_err();
        assert_eq!(
            err.hint.as_deref(),
            Some("the registered clusters are: a, b, c")
        );
        assert!(r.select(&[], Some("asia"), None, false).is_err());
    }

    #[test]
    fn a_clusters_metrics_are_its_own_else_its_regions() {
        let labels = |pairs: &[(&str, &str)]| -> BTreeMap<String, String> {
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect()
        };
        let mut r = registry();
        r.regions.push(Region {
            name: "eu".into(),
            prometheus: Some("http://prom-eu:9090".into()),
            labels: labels(&[("region", "eu"), ("cluster", "eu-any")]),
        });
        r.clusters[1].prometheus = Some("http://prom-b:9090".into());
        r.clusters[1].labels = labels(&[("cluster", "b")]);
        let cases = [
            // The region's Prometheus and labels.
            (
                "a",
                Some("http://prom-eu:9090"),
                labels(&[("region", "eu"), ("cluster", "eu-any")]),
            ),
            // Its own Prometheus, its own label over the region's.
            (
                "b",
                Some("http://prom-b:9090"),
                labels(&[("region", "eu"), ("cluster", "b")]),
            ),
            // A region with no settings: none (the --prometheus flag's).
            ("c", None, labels(&[])),
        ];
        for (name, prometheus, labels) in cases {
            let metrics = r.metrics_of(r.find(name).unwrap());
            assert_eq!(metrics.prometheus.as_deref(), prometheus, "{name}");
            assert_eq!(metrics.labels, labels, "{name}");
        }
    }

    #[test]
    fn a_file_names_each_cluster_and_each_context_once() {
        let with = |clusters: Vec<Cluster>| Registry {
            clusters,
            regions: Vec::new(),
        };
        let mut other_file = cluster("b", "eu", &[]);
        other_file.context = "ctx-a".into();
        other_file.kubeconfig = Some("/other".into());
        let mut same_context = cluster("b", "eu", &[]);
        same_context.context = "ctx-a".into();
        let cases: Vec<(Registry, Option<&str>)> = vec![
            (registry(), None),
            (with(vec![cluster("a", "eu", &[]), other_file]), None),
            (
                with(vec![cluster("a", "eu", &[]), cluster("a", "us", &[])]),
                Some("names cluster \"a\" twice"),
            ),
            (
                with(vec![cluster("a", "eu", &[]), same_context]),
                Some("is not valid: clusters \"a\" and \"b\" are the same context \"ctx-a\""),
            ),
            (
                with(vec![cluster("a\u{1b}[2J", "eu", &[])]),
                Some(
                    "is not valid: cluster name \"a\\u{1b}[2J\" is empty or holds control characters",
                ),
            ),
        ];
        for (registry, refused) in cases {
            assert_eq!(registry.check().err().as_deref(), refused);
        }
    }

    #[test]
    fn upsert_replaces_by_name() {
        let mut r = registry();
        r.upsert(cluster("b", "us", &[]));
        assert_eq!(r.clusters.len(), 3);
        assert_eq!(r.find("b").unwrap().region.as_deref(), Some("us"));
    }
}
