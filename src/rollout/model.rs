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
