# Shared settings of the local control plane scripts. Sourced, not run.
# Versions: change one here and the next `up` builds the new set into its own
# cache directory, leaving the old one alone.
KUBE_VERSION="${RAMP_KUBE_VERSION:-v1.36.3}"
ETCD_VERSION="${RAMP_ETCD_VERSION:-v3.6.16}"
KWOK_VERSION="${RAMP_KWOK_VERSION:-v0.8.0}"
# The gateway (Traefik's Gateway API provider) and the Gateway API CRDs of
# the standard channel that it watches, beside those of ../shared/crds.
TRAEFIK_VERSION="${RAMP_TRAEFIK_VERSION:-v3.6.12}"
GATEWAY_API_VERSION="${RAMP_GATEWAY_API_VERSION:-v1.6.1}"

CLUSTER_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$CLUSTER_DIR/../.." && pwd)"
CACHE_ROOT="${RAMP_TESTENV_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/kubectl-ramp/testenv}"
BIN_DIR="$CACHE_ROOT/kube-$KUBE_VERSION-etcd-$ETCD_VERSION-kwok-$KWOK_VERSION/bin"
TRAEFIK_BIN="$CACHE_ROOT/traefik-$TRAEFIK_VERSION/traefik"
# KWOK's stages with ours (see build), named by a digest of ours.
KWOK_STAGES="$BIN_DIR/kwok-stages-$(cat "$(dirname "${BASH_SOURCE[0]}")"/kwok-pod-*.yaml | sha256sum | cut -c1-12).yaml"
GATEWAY_API_CRDS="$CACHE_ROOT/gateway-api-$GATEWAY_API_VERSION/standard"
# The podserver is built from tests/cluster/podserver, cached by a digest
# of its sources.
PODSERVER_SRC="$(dirname "${BASH_SOURCE[0]}")/podserver"
podserver_bin() {
  local digest
  digest=$(cat "$PODSERVER_SRC"/go.mod "$PODSERVER_SRC"/go.sum "$PODSERVER_SRC"/*.go | sha256sum | cut -c1-16)
  echo "$CACHE_ROOT/podserver-$digest/podserver"
}
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
# The gateway's entry point for requests (a Gateway's listener has this
# port), and its own port for metrics and ping.
GATEWAY_PORT=$((PORT_BASE + 7))
GATEWAY_ADMIN_PORT=$((PORT_BASE + 8))
PLANE_PORTS="$ETCD_CLIENT_PORT $ETCD_PEER_PORT $APISERVER_PORT $CONTROLLER_MANAGER_PORT $SCHEDULER_PORT $KWOK_PORT $GATEWAY_PORT $GATEWAY_ADMIN_PORT"

# Every plane runs in one network namespace of its own, whose loopback has
# the pod ranges routed to it: each pod gets an address a gateway can
# reach, and nothing in the namespace can reach beyond the machine (it has
# no other interface and no default route). Plane N's pods are in
# 10.(16N).0.0/12.
NETNS="${RAMP_TESTENV_NETNS:-ramp-testenv}"
POD_OCTET=$((16 * PLANE))
POD_CIDR="10.$POD_OCTET.0.0/12"
POD_RANGES="10.16.0.0/12 10.32.0.0/11 10.64.0.0/10 10.128.0.0/11"

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
COMPONENTS="etcd kube-apiserver kube-controller-manager kube-scheduler kwok podserver gateway"

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
  for name in gateway podserver kwok kube-scheduler kube-controller-manager kube-apiserver etcd; do
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

# --- the plane's network namespace ----------------------------------------

# Whether this process runs in the plane's network namespace.
in_netns() {
  [ "$(ip netns identify 2>/dev/null)" = "$NETNS" ]
}

# Creates the namespace when it is missing: loopback up, and the pod
# ranges local to it. Needs root (CI runs as root).
ensure_netns() {
  [ -e "/run/netns/$NETNS" ] && return 0
  command -v ip >/dev/null || die "the plane runs in a network namespace of its own, made with ip (apt-get install iproute2)"
  [ "$(id -u)" = 0 ] || die "the plane runs in a network namespace of its own, which only root can make; run this as root (sudo -E $0)"
  ip netns add "$NETNS" || die "cannot create the network namespace $NETNS"
  ip -n "$NETNS" link set lo up
  local range
  for range in $POD_RANGES; do
    ip -n "$NETNS" route add local "$range" dev lo
  done
}

# Runs the calling script again inside the namespace, unless it is there.
enter_netns() {
  in_netns && return 0
  ensure_netns
  exec ip netns exec "$NETNS" "$0" "$@"
}

# Fails unless the pod addresses are local here: anything that connects to
# a pod (the gateway, a load generator) would otherwise send its requests
# out of the machine by the default route.
require_pod_ranges_local() {
  local route
  route=$(ip route get "10.$POD_OCTET.0.1" 2>/dev/null | head -1)
  case "$route" in
    local\ *) return 0 ;;
  esac
  die "refusing to start $1: the pod range $POD_CIDR is not local here (ip route get says: ${route:-no route}); it runs only inside the plane's network namespace $NETNS (tests/cluster/up starts it there)"
}
