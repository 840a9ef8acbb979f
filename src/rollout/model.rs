//! The words of the rollout's model that every layer shares.

use serde::{Deserialize, Serialize};

/// How a traffic split is applied (see `router`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RouterKind {
    Istio,
    GatewayApi,
    Replicas,
}

impl RouterKind {
    /// Whether traffic follows the ready pods (no routes to weigh): the
    /// contender's pods carry the incumbent Service's labels, and a
    /// version's traffic only goes when its pods do.
    pub fn traffic_follows_pods(self) -> bool {
        self == RouterKind::Replicas
    }

    pub fn as_str(self) -> &'static str {
        match self {
            RouterKind::Istio => "istio",
            RouterKind::GatewayApi => "gateway-api",
            RouterKind::Replicas => "replicas",
        }
    }
}

/// A share as people read it: `90%`, `9.1%` (one decimal, none when it
/// is whole).
pub fn percent(value: f64) -> String {
    let rounded = (value * 10.0).round() / 10.0;
    if rounded.fract() == 0.0 {
        format!("{rounded:.0}%")
    } else {
        format!("{rounded:.1}%")
    }
}

/// Labels as a label selector writes them: `app=web,tier=front`.
pub fn shown_labels(labels: &std::collections::BTreeMap<String, String>) -> String {
    labels
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join(",")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percents_drop_a_zero_fraction() {
        assert_eq!(percent(90.0), "90%");
        assert_eq!(percent(9.0909), "9.1%");
        assert_eq!(percent(0.0), "0%");
        assert_eq!(percent(33.33), "33.3%");
    }

    #[test]
    fn labels_are_shown_as_a_selector() {
        let labels = [("tier", "front"), ("app", "web")]
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .into();
        assert_eq!(shown_labels(&labels), "app=web,tier=front");
        assert_eq!(shown_labels(&Default::default()), "");
    }
}
