# Shared settings of the local control plane scripts. Sourced, not run.
# Versions: change one here and the next `up` builds the new set into its own
# cache directory, leaving the old one alone.
KUBE_VERSION="${RAMP_KUBE_VERSION:-v1.36.3}"
ETCD_VERSION="${RAMP_ETCD_VERSION:-v3.6.16}"
KWOK_VERSION="${RAMP_KWOK_VERSION:-v0.8.0}"

CLUSTER_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$CLUSTER_DIR/../.." && pwd)"
CACHE_ROOT="${RAMP_TESTENV_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/kubectl-ramp/testenv}"
BIN_DIR="$CACHE_ROOT/kube-$KUBE_VERSION-etcd-$ETCD_VERSION-kwok-$KWOK_VERSION/bin"
# Runtime state lives in the checkout's target dir, next to cargo's output.
STATE_ROOT="${RAMP_TESTENV_STATE:-$REPO_ROOT/target/testenv}"
# The shared/ directory beside the checkout holds the CRDs.
CRDS_DIR="${RAMP_CRDS_DIR:-$REPO_ROOT/../shared/crds}"

export CGO_ENABLED=0
export GOFLAGS="${GOFLAGS:--buildvcs=false}"

log() { printf 'cluster: %s\n' "$*" >&2; }
die() { printf 'cluster: error: %s\n' "$*" >&2; exit 1; }

# Loopback ports of the plane; RAMP_TESTENV_PORT_BASE moves them all.
PORT_BASE="${RAMP_TESTENV_PORT_BASE:-36440}"
ETCD_CLIENT_PORT=$((PORT_BASE + 1))
ETCD_PEER_PORT=$((PORT_BASE + 2))
APISERVER_PORT=$((PORT_BASE + 3))
CONTROLLER_MANAGER_PORT=$((PORT_BASE + 4))
SCHEDULER_PORT=$((PORT_BASE + 5))
KWOK_PORT=$((PORT_BASE + 6))

STATE_DIR="$STATE_ROOT/plane"
PKI_DIR="$STATE_DIR/pki"
KUBECONFIG_OUT="$STATE_ROOT/kubeconfig"
# How many fake nodes KWOK runs.
NODE_COUNT="${RAMP_TESTENV_NODES:-3}"
