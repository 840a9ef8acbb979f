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

# Several independent planes can run side by side (for multi-cluster
# tests): PLANE=N picks one. Plane 1 is the default one.
PLANE="${PLANE:-1}"

# Loopback ports of the plane; RAMP_TESTENV_PORT_BASE moves them all.
# Below the kernel's ephemeral range (32768-60999), where any process's
# outgoing connection may take a port at any moment.
PORT_BASE=$(( ${RAMP_TESTENV_PORT_BASE:-26440} + 20 * (PLANE - 1) ))
ETCD_CLIENT_PORT=$((PORT_BASE + 1))
ETCD_PEER_PORT=$((PORT_BASE + 2))
APISERVER_PORT=$((PORT_BASE + 3))
CONTROLLER_MANAGER_PORT=$((PORT_BASE + 4))
SCHEDULER_PORT=$((PORT_BASE + 5))
KWOK_PORT=$((PORT_BASE + 6))

if [ "$PLANE" = 1 ]; then
  STATE_DIR="$STATE_ROOT/plane"
  KUBECONFIG_OUT="$STATE_ROOT/kubeconfig"
  CONTEXT=ramp-testenv
else
  STATE_DIR="$STATE_ROOT/plane-$PLANE"
  KUBECONFIG_OUT="$STATE_ROOT/kubeconfig-$PLANE"
  CONTEXT="ramp-testenv-$PLANE"
fi
PKI_DIR="$STATE_DIR/pki"
# A kubeconfig with a context for every plane that `up N` started.
KUBECONFIG_ALL="$STATE_ROOT/kubeconfig-all"
# How many fake nodes KWOK runs.
NODE_COUNT="${RAMP_TESTENV_NODES:-3}"

# The plane's components, in the order they start.
COMPONENTS="etcd kube-apiserver kube-controller-manager kube-scheduler kwok"

# Stops one component of the plane whose state is in DIR.
stop_component() {
  local dir=$1 name=$2 pid
  [ -f "$dir/$name.pid" ] || return 0
  pid=$(cat "$dir/$name.pid")
  if kill -0 "$pid" 2>/dev/null; then
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
  fi
  rm -f "$dir/$name.pid"
}

# Stops the processes of the plane whose state is in DIR, keeping the
# state. Processes whose pid file was lost (a start that failed half way)
# are found by DIR in their command line.
stop_processes() {
  local dir=$1 name
  for name in kwok kube-scheduler kube-controller-manager kube-apiserver etcd; do
    stop_component "$dir" "$name"
  done
  pkill -9 -f -- "--[a-z-]*[ =]$dir/" 2>/dev/null || true
}

# Stops the plane whose state is in DIR and removes the state.
stop_plane() {
  stop_processes "$1"
  rm -rf "$1"
}

# Starts component NAME of the plane in DIR with the command line its
# first start saved (one argument a line), its output appended to its log.
start_component() {
  local dir=$1 name=$2 args=()
  mapfile -t args <"$dir/$name.cmd"
  setsid "${args[@]}" >>"$dir/logs/$name.log" 2>&1 </dev/null &
  echo $! >"$dir/$name.pid"
}

# Who listens on loopback port PORT: the process's name and pid, as ss
# tells them, or nothing.
port_holder() {
  ss -Hltnp "sport = :$1" 2>/dev/null | grep -o 'users:(([^)]*))' | head -1
}
