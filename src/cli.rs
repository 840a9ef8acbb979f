//! The command line, as clap types only. Resolution of flags into settings
//! happens in the commands.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// Canary and blue-green rollouts of Kubernetes Deployments, with nothing
/// installed in the cluster.
#[derive(Debug, Parser)]
#[command(
    name = "kubectl-ramp",
    bin_name = "kubectl ramp",
    version,
    max_term_width = 100
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,

    #[command(subcommand)]
    pub command: Command,
}

/// Flags every subcommand takes, spelled as kubectl spells them.
#[derive(Debug, Args, Clone)]
#[command(next_help_heading = "Global options")]
pub struct GlobalArgs {
    /// Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)
    #[arg(long, global = true, value_name = "PATH")]
    pub kubeconfig: Option<PathBuf>,

    /// The kubeconfig context to use (default: the current context)
    #[arg(long, global = true, value_name = "NAME")]
    pub context: Option<String>,

    /// The namespace of the Deployment (default: the context's namespace)
    #[arg(short = 'n', long, global = true, value_name = "NAME", value_parser = crate::input::Checked(crate::input::namespace_name))]
    pub namespace: Option<String>,

    /// Output format
    #[arg(short = 'o', long, global = true, value_enum, default_value_t = OutputFormat::Table)]
    pub output: OutputFormat,

    /// Answer yes to every prompt
    #[arg(short = 'y', long, global = true)]
    pub yes: bool,

    /// Do not color the output (also: NO_COLOR=1)
    #[arg(long, global = true)]
    pub no_color: bool,

    #[command(flatten)]
    pub connection: ConnectionArgs,
}

/// kubectl's connection and identity flags, with kubectl's meaning: kubectl
/// refuses flags placed before a plugin's name, so ramp takes them itself.
#[derive(Debug, Args, Clone, Default)]
#[command(next_help_heading = "Connection options (as kubectl's)")]
pub struct ConnectionArgs {
    /// The kubeconfig cluster to use (not --clusters, ramp's registered
    /// clusters)
    #[arg(long, global = true, value_name = "NAME")]
    pub cluster: Option<String>,

    /// The kubeconfig user to use
    #[arg(long, global = true, value_name = "NAME")]
    pub user: Option<String>,

    /// Act as this user (impersonation)
    #[arg(long = "as", global = true, value_name = "USER")]
    pub as_user: Option<String>,

    /// Act as this group, repeatable (impersonation)
    #[arg(long = "as-group", global = true, value_name = "GROUP")]
    pub as_group: Vec<String>,

    /// Act as this UID (impersonation)
    #[arg(long = "as-uid", global = true, value_name = "UID")]
    pub as_uid: Option<String>,

    /// The API server's address, e.g. https://10.0.0.1:6443
    #[arg(short = 's', long, global = true, value_name = "URL")]
    pub server: Option<String>,

    /// A bearer token to authenticate with
    #[arg(long, global = true, value_name = "TOKEN")]
    pub token: Option<String>,

    /// A certificate file of the certificate authority
    #[arg(long, global = true, value_name = "PATH")]
    pub certificate_authority: Option<PathBuf>,

    /// A client certificate file for TLS
    #[arg(long, global = true, value_name = "PATH")]
    pub client_certificate: Option<PathBuf>,

    /// A client key file for TLS
    #[arg(long, global = true, value_name = "PATH")]
    pub client_key: Option<PathBuf>,

    /// Do not check the server's certificate (insecure)
    #[arg(long, global = true)]
    pub insecure_skip_tls_verify: bool,

    /// How long one request may take, e.g. 1s, 2m (0: no limit)
    #[arg(long, global = true, value_name = "DURATION", value_parser = crate::duration::parse)]
    pub request_timeout: Option<std::time::Duration>,
}

impl GlobalArgs {
    /// How stdout is written, as the flags ask.
    pub fn ui(&self) -> crate::ui::Ui {
        crate::ui::Ui::new(self.output.into(), self.no_color)
    }

    /// The cluster and namespace the flags name.
    pub fn target(&self) -> crate::connect::Target {
        let c = &self.connection;
        crate::connect::Target {
            kubeconfig: self.kubeconfig.clone(),
            context: self.context.clone(),
            namespace: self.namespace.clone(),
            cluster: c.cluster.clone(),
            user: c.user.clone(),
            server: c.server.clone(),
            certificate_authority: c.certificate_authority.clone(),
            insecure_skip_tls_verify: c.insecure_skip_tls_verify,
            token: c.token.clone(),
            client_certificate: c.client_certificate.clone(),
            client_key: c.client_key.clone(),
            impersonate: c.as_user.clone(),
            impersonate_groups: c.as_group.clone(),
            impersonate_uid: c.as_uid.clone(),
            request_timeout: c.request_timeout.filter(|t| !t.is_zero()),
        }
    }
}

/// `--router`: how traffic is split.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum RouterArg {
    Istio,
    GatewayApi,
    Replicas,
}

impl From<RouterArg> for crate::router::RouterKind {
    fn from(arg: RouterArg) -> Self {
        match arg {
            RouterArg::Istio => Self::Istio,
            RouterArg::GatewayApi => Self::GatewayApi,
            RouterArg::Replicas => Self::Replicas,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    Table,
    Json,
    Yaml,
}

impl From<OutputFormat> for crate::ui::Format {
    fn from(format: OutputFormat) -> Self {
        match format {
            OutputFormat::Table => crate::ui::Format::Table,
            OutputFormat::Json => crate::ui::Format::Json,
            OutputFormat::Yaml => crate::ui::Format::Yaml,
        }
    }
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Start a rollout: create the contender and go to the first step
    Start(Box<StartArgs>),
    /// Go to the next step (or --to a given one)
    Step(StepArgs),
    /// Skip the remaining steps: the Deployment takes the new version
    Promote(PromoteArgs),
    /// Roll back: all traffic to the incumbent, the contender removed
    Abort(AbortArgs),
    /// Drive a rollout by itself: after each step wait, analyse, go on;
    /// roll back when the analysis fails. Resumes where any command left it
    Run(RunArgs),
    /// Stop a running `run` at its current step; `run` carries on
    Pause(PauseArgs),
    /// Show the rollout of a Deployment: phase, step, traffic and capacity
    Status(StatusArgs),
    /// List the rollouts: every Deployment with a record, its phase and step
    #[command(visible_alias = "ls")]
    List(ListArgs),
    /// Show a Deployment's rollouts: the last ten that finished, and the one
    /// under way
    History(HistoryArgs),
    /// Serve a live web page of the rollouts, with their steps, traffic and
    /// analysis, and buttons to step, promote, abort and pause
    Dashboard(DashboardArgs),
    /// Go back to an earlier revision's pod template, by a canary with the
    /// steps of a normal start
    Undo(Box<UndoArgs>),
    /// Hold the rollouts of a namespace (or, with --all-namespaces, of the
    /// cluster) still: start, step, run, promote and undo refuse until it
    /// ends or is lifted; abort and pause never do
    Freeze(FreezeArgs),
    /// Lift the freeze of a namespace (or, with --all-namespaces, of the
    /// cluster)
    Unfreeze(UnfreezeArgs),
    /// Register, check and list the clusters ramp rolls out to
    #[command(subcommand)]
    Cluster(ClusterCommand),
    /// Show the version of kubectl-ramp and of the Kubernetes API server
    Version(VersionArgs),
}

#[derive(Debug, Args)]
pub struct FreezeArgs {
    /// Freeze the whole cluster (kept in the cluster's freeze namespace,
    /// see `cluster setup --freeze-namespace`), not one namespace
    #[arg(short = 'A', long)]
    pub all_namespaces: bool,

    /// Why, for whoever's rollout it stops
    #[arg(long, value_name = "TEXT", value_parser = crate::input::Checked(crate::input::reason))]
    pub reason: String,

    /// When the freeze ends by itself: a time (2026-12-01T08:00:00Z) or a
    /// duration from now (2h); without it, until `unfreeze`
    #[arg(long, value_name = "TIME|DURATION")]
    pub until: Option<String>,
}

#[derive(Debug, Args)]
pub struct UnfreezeArgs {
    /// Lift the cluster-wide freeze, not the namespace's
    #[arg(short = 'A', long)]
    pub all_namespaces: bool,
}

#[derive(Debug, Args)]
pub struct VersionArgs {
    /// Only this program's version; do not ask the API server
    #[arg(long)]
    pub client: bool,
}

#[derive(Debug, Subcommand)]
pub enum ClusterCommand {
    /// Check a kubeconfig context (--context) and register it
    Setup(ClusterSetupArgs),
    /// The registered clusters: region, capabilities, reachable, routers
    List,
    /// Check the registered clusters (or one): reachable, routers, permissions
    Check {
        /// The cluster (default: all)
        name: Option<String>,
    },
    /// Forget a registered cluster
    Remove {
        /// The cluster
        name: String,
    },
}

#[derive(Debug, Args)]
pub struct ClusterSetupArgs {
    /// The name to register it under (default: the context's)
    #[arg(long)]
    pub name: Option<String>,

    /// Its region, for --region and --waves region
    #[arg(long)]
    pub region: Option<String>,

    /// A capability, for --capability (repeatable)
    #[arg(long = "capability", value_name = "CAPABILITY")]
    pub capabilities: Vec<String>,

    /// Create a ServiceAccount, Role and RoleBinding kubectl-ramp in the
    /// namespace (-n) holding exactly what ramp needs there
    #[arg(long)]
    pub create_rbac: bool,

    /// Print a kubeconfig for CI that uses a short-lived token of that
    /// ServiceAccount
    #[arg(long)]
    pub print_kubeconfig: bool,

    /// The namespace that holds the cluster-wide freeze (`freeze
    /// --all-namespaces`), registered with the cluster; with --create-rbac,
    /// ramp's ServiceAccount may read it there (default: kube-system)
    #[arg(long, value_name = "NAME", value_parser = crate::input::Checked(crate::input::namespace_name))]
    pub freeze_namespace: Option<String>,

    /// The Prometheus the analysis of this cluster reads (instead of
    /// --prometheus), e.g. http://prometheus.eu-1:9090
    #[arg(long, value_name = "URL", value_parser = crate::input::http_url)]
    pub prometheus: Option<String>,

    /// A label matcher added to every series this cluster's analysis reads,
    /// e.g. cluster=eu-1 for a Prometheus (or Thanos) that sees several
    /// (repeatable)
    #[arg(long = "prometheus-label", value_name = "NAME=VALUE")]
    pub prometheus_labels: Vec<String>,

    /// How long the printed kubeconfig's token lives
    #[arg(long, value_name = "DURATION", default_value = "1h", value_parser = crate::duration::positive)]
    pub token_ttl: std::time::Duration,
}

/// Flags of every command that changes the cluster.
#[derive(Debug, Args, Clone)]
pub struct ChangeArgs {
    /// Send the writes with the API server's dryRun=All and print what would
    /// change; nothing is changed
    #[arg(long)]
    pub dry_run: bool,

    /// How long to wait for pods to become ready, e.g. 90s, 5m
    #[arg(long, default_value = "5m", value_parser = crate::duration::positive)]
    pub timeout: std::time::Duration,

    #[command(flatten)]
    pub clusters: ClusterSelection,

    /// When one of several clusters fails: abort the rollout everywhere
    /// (default), or pause, leaving the others where they are; with --auto,
    /// a failed analysis then leaves the clusters paused at their step
    /// instead of rolling them back
    #[arg(long, value_enum, default_value_t = OnFailure::Abort)]
    pub on_failure: OnFailure,

    /// A Slack-compatible incoming webhook told of each step reached, the
    /// promotion and an abort, naming the namespace, cluster and images
    #[arg(long, value_name = "URL", env = "RAMP_NOTIFY", value_parser = crate::input::http_url)]
    pub notify: Option<String>,

    /// Go on despite a freeze (see `freeze`), for this reason, recorded in
    /// the rollout's history and as an Event
    #[arg(long, value_name = "REASON", value_parser = crate::input::Checked(crate::input::reason))]
    pub override_freeze: Option<String>,
}

/// Registered clusters to run a command on, all at once (see `cluster`).
#[derive(Debug, Args, Clone, Default)]
#[command(next_help_heading = "Clusters")]
pub struct ClusterSelection {
    /// These registered clusters, e.g. eu-1,us-1
    #[arg(long, value_name = "NAME,...", value_delimiter = ',')]
    pub clusters: Vec<String>,

    /// The registered clusters of this region
    #[arg(long, value_name = "REGION")]
    pub region: Option<String>,

    /// The registered clusters with this capability
    #[arg(long, value_name = "CAPABILITY")]
    pub capability: Option<String>,

    /// Every registered cluster
    #[arg(long)]
    pub all_clusters: bool,

    /// Roll out region by region: each region through all its steps (and
    /// promoted) before the next begins; with --auto (or `run`), driven by
    /// itself, each region analysed on its own. Without it, all clusters
    /// move in lock-step
    #[arg(long, value_enum, value_name = "BY")]
    pub waves: Option<Waves>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Waves {
    Region,
}

impl ClusterSelection {
    pub fn is_set(&self) -> bool {
        !self.clusters.is_empty()
            || self.region.is_some()
            || self.capability.is_some()
            || self.all_clusters
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, ValueEnum)]
pub enum OnFailure {
    #[default]
    Abort,
    Pause,
}

impl Default for ChangeArgs {
    fn default() -> Self {
        ChangeArgs {
            dry_run: false,
            timeout: std::time::Duration::from_secs(300),
            clusters: ClusterSelection::default(),
            on_failure: OnFailure::Abort,
            notify: None,
            override_freeze: None,
        }
    }
}

#[derive(Debug, Args, Clone)]
pub struct StartArgs {
    /// The Deployment to roll out (the incumbent)
    #[arg(value_parser = crate::input::Checked(crate::input::object_name))]
    pub deployment: String,

    /// The new image, as [CONTAINER=]IMAGE (repeatable; CONTAINER may be left
    /// out when the pod has one container)
    #[arg(
        long,
        value_name = "[CONTAINER=]IMAGE",
        required_unless_present = "filename",
        conflicts_with = "filename"
    )]
    pub image: Vec<String>,

    /// The new version of the Deployment as a manifest (- for stdin; of
    /// several documents, the Deployment of that name); its pod template
    /// becomes the contender's
    #[arg(short = 'f', long = "filename", value_name = "FILE")]
    pub filename: Option<std::path::PathBuf>,

    #[command(flatten)]
    pub rollout: RolloutArgs,
}

#[derive(Debug, Args)]
pub struct HistoryArgs {
    /// The Deployment
    #[arg(value_parser = crate::input::Checked(crate::input::object_name))]
    pub deployment: String,
}

#[derive(Debug, Args, Clone)]
pub struct UndoArgs {
    /// The Deployment to take back
    #[arg(value_parser = crate::input::Checked(crate::input::object_name))]
    pub deployment: String,

    /// The revision to go back to, as `kubectl ramp history` and `kubectl
    /// rollout history` number them (default: the one before the current)
    #[arg(long, value_name = "N")]
    pub to_revision: Option<u64>,

    #[command(flatten)]
    pub rollout: RolloutArgs,
}

/// How a rollout goes: its steps, its routes, its automation; what start
/// and undo share.
#[derive(Debug, Args, Clone, Default)]
pub struct RolloutArgs {
    /// canary, vanguard, blue-green, or a strategy file in Shipper's step format
    #[arg(long, value_name = "NAME|FILE", conflicts_with = "steps")]
    pub strategy: Option<String>,

    /// The contender's share at each step, e.g. 10,25,50,100
    #[arg(long, value_name = "PERCENT,...")]
    pub steps: Option<String>,

    /// Copies this share of live requests to the contender before it takes
    /// any (its answers are dropped): on the first step when it gives the
    /// contender no traffic, else on a first step "shadow" (istio,
    /// gateway-api)
    #[arg(long, value_name = "PERCENT")]
    pub mirror: Option<u32>,

    /// How traffic is split (default: found by looking at what routes to
    /// the Deployment's Service)
    #[arg(long, value_enum)]
    pub router: Option<RouterArg>,

    /// The VirtualService to shift, when several route to the Service
    #[arg(long, value_name = "NAME", value_parser = crate::input::Checked(crate::input::object_name))]
    pub virtual_service: Option<String>,

    /// The HTTPRoute to shift, when several route to the Service
    #[arg(long, value_name = "NAME", conflicts_with = "virtual_service", value_parser = crate::input::Checked(crate::input::object_name))]
    pub http_route: Option<String>,

    /// Shift only the route (or HTTPRoute rule) with this name
    #[arg(long, value_name = "NAME")]
    pub route: Option<String>,

    /// The incumbent's Service, when it is not found by its selector
    #[arg(long, value_name = "NAME", value_parser = crate::input::Checked(crate::input::object_name))]
    pub service: Option<String>,

    /// Run the contender and its Service in this namespace
    #[arg(long, value_name = "NAMESPACE", value_parser = crate::input::Checked(crate::input::namespace_name))]
    pub canary_namespace: Option<String>,

    /// Requests with this header go to the contender at every step,
    /// whatever the weights (A/B testing; istio and gateway-api)
    #[arg(long, value_name = "NAME=VALUE")]
    pub match_header: Option<String>,

    /// Blue-green: requests with this header reach the preview (istio and
    /// gateway-api); the same mechanism as --match-header
    #[arg(long, value_name = "NAME=VALUE", conflicts_with = "match_header")]
    pub preview_header: Option<String>,

    /// After the last step, keep the incumbent at full capacity this long,
    /// then promote (default: 30s for blue-green, none otherwise)
    #[arg(long, value_name = "DURATION", value_parser = crate::duration::parse)]
    pub scale_down_delay: Option<std::time::Duration>,

    /// How long a version keeps its pods after the routes stopped sending
    /// to it, so that the gateway has followed them before the pods go
    /// (default 10s; 0s where no data plane lags behind the routes)
    #[arg(long, value_name = "DURATION", value_parser = crate::duration::parse)]
    pub drain: Option<std::time::Duration>,

    /// After the first step, stay and ask what next: step, promote, abort
    /// or quit
    #[arg(short = 'i', long, conflicts_with = "auto")]
    pub interactive: bool,

    /// Then drive the rollout automatically, as `run` does
    #[arg(long)]
    pub auto: bool,

    #[command(flatten)]
    pub automation: AutomationArgs,

    #[command(flatten)]
    pub change: ChangeArgs,
}

/// How an automated rollout analyses and advances.
#[derive(Debug, Args, Clone, Default)]
pub struct AutomationArgs {
    /// The analysis: metrics and thresholds, webhooks (YAML; see
    /// examples/analysis/)
    #[arg(long, value_name = "FILE")]
    pub analysis: Option<String>,

    /// The Prometheus the metrics are read from, e.g. http://prometheus:9090
    #[arg(long, value_name = "URL", value_parser = crate::input::http_url)]
    pub prometheus: Option<String>,

    /// How long each step runs before its analysis (default 1m)
    #[arg(long, value_name = "DURATION", value_parser = crate::duration::positive)]
    pub interval: Option<std::time::Duration>,

    /// How much of the metrics each check reads, e.g. 2m (default: the
    /// interval, but at least two of Prometheus' scrape intervals, read
    /// from its configuration)
    #[arg(long, value_name = "DURATION", value_parser = crate::duration::positive)]
    pub window: Option<std::time::Duration>,

    /// Failed checks at one step before the rollback (default 1)
    #[arg(long, value_name = "N")]
    pub failure_limit: Option<u32>,

    /// How long to hold the rollout at its step and try again while the API
    /// server cannot be reached, before giving up (default 5m)
    #[arg(long, value_name = "DURATION", value_parser = crate::duration::parse)]
    pub outage_limit: Option<std::time::Duration>,

    /// Stay at the last step for a person instead of promoting
    #[arg(long)]
    pub no_promote: bool,
}

#[derive(Debug, Args, Clone)]
pub struct RunArgs {
    /// The Deployment being rolled out
    #[arg(value_parser = crate::input::Checked(crate::input::object_name))]
    pub deployment: String,

    #[command(flatten)]
    pub automation: AutomationArgs,

    /// Move on even though someone else changed what the rollout manages
    /// since ramp's last write (the changes are still reported)
    #[arg(long)]
    pub force: bool,

    #[command(flatten)]
    pub change: ChangeArgs,
}

#[derive(Debug, Args, Clone)]
pub struct StepArgs {
    /// The Deployment being rolled out
    #[arg(value_parser = crate::input::Checked(crate::input::object_name))]
    pub deployment: String,

    /// Go to this step, by number (from 1) or name
    #[arg(long, value_name = "N|NAME")]
    pub to: Option<String>,

    /// After the step, stay and ask what next: step, promote, abort or quit
    #[arg(short = 'i', long)]
    pub interactive: bool,

    /// Move on even though someone else changed what the rollout manages
    /// since ramp's last write (the changes are still reported)
    #[arg(long)]
    pub force: bool,

    #[command(flatten)]
    pub change: ChangeArgs,
}

#[derive(Debug, Args, Clone)]
pub struct PromoteArgs {
    /// The Deployment being rolled out
    #[arg(value_parser = crate::input::Checked(crate::input::object_name))]
    pub deployment: String,

    /// Move on even though someone else changed what the rollout manages
    /// since ramp's last write (the changes are still reported)
    #[arg(long)]
    pub force: bool,

    #[command(flatten)]
    pub change: ChangeArgs,
}

#[derive(Debug, Args, Clone)]
pub struct PauseArgs {
    /// The Deployment being rolled out
    #[arg(value_parser = crate::input::Checked(crate::input::object_name))]
    pub deployment: String,
}

#[derive(Debug, Args, Clone)]
#[command(mut_arg("override_freeze", |arg| arg.hide(true)))]
pub struct AbortArgs {
    /// The Deployment being rolled out
    #[arg(value_parser = crate::input::Checked(crate::input::object_name))]
    pub deployment: String,

    /// Why, for the record and the Event
    #[arg(long, value_name = "TEXT", value_parser = crate::input::Checked(crate::input::reason))]
    pub reason: Option<String>,

    #[command(flatten)]
    pub change: ChangeArgs,
}

// --waves only orders a rollout; status accepts it, as it always has, but
// does not offer it.
#[derive(Debug, Args)]
#[command(mut_arg("waves", |arg| arg.hide(true)))]
pub struct StatusArgs {
    /// The Deployment (the incumbent)
    #[arg(value_parser = crate::input::Checked(crate::input::object_name))]
    pub deployment: String,

    /// Keep watching: show the status again whenever it changes, until the
    /// rollout ends; exit 0 when it succeeded, 3 when it was aborted (the
    /// CI gate). Without a TTY, a timestamped line on stderr every 30s
    #[arg(short = 'w', long, visible_alias = "wait")]
    pub watch: bool,

    /// With --wait: give up after this long, e.g. 10m (exit 4); the rollout
    /// is not affected
    #[arg(long, value_name = "DURATION", requires = "watch", value_parser = crate::duration::parse)]
    pub timeout: Option<std::time::Duration>,

    #[command(flatten)]
    pub clusters: ClusterSelection,
}

#[derive(Debug, Args)]
#[command(mut_arg("waves", |arg| arg.hide(true)))]
pub struct ListArgs {
    /// In every namespace
    #[arg(short = 'A', long)]
    pub all_namespaces: bool,

    /// Only Deployments with these labels, e.g. app=web or 'tier in (web,api)'
    #[arg(short = 'l', long, value_name = "SELECTOR")]
    pub selector: Option<String>,

    /// After the list, a line for each rollout whenever it changes
    #[arg(short = 'w', long)]
    pub watch: bool,

    #[command(flatten)]
    pub clusters: ClusterSelection,
}

#[derive(Debug, Args)]
#[command(mut_arg("waves", |arg| arg.hide(true)))]
pub struct DashboardArgs {
    /// The rollouts of every namespace
    #[arg(short = 'A', long)]
    pub all_namespaces: bool,

    /// The port to listen on (0: any free one)
    #[arg(long, default_value_t = 3100)]
    pub port: u16,

    /// The address to listen on; anything but loopback lets other machines
    /// reach the page (the token is still needed)
    #[arg(long, default_value = "127.0.0.1", value_name = "IP")]
    pub address: std::net::IpAddr,

    /// Open the page in the default browser
    #[arg(long)]
    pub open: bool,

    /// Show the rollouts without the buttons that change them
    #[arg(long)]
    pub read_only: bool,

    #[command(flatten)]
    pub clusters: ClusterSelection,
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_cli_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn global_flags_are_accepted_after_the_subcommand() {
        let cli = Cli::try_parse_from([
            "kubectl-ramp",
            "status",
            "web",
            "-n",
            "shop",
            "--context",
            "prod",
            "-o",
            "json",
        ])
        .unwrap();
        assert_eq!(cli.global.namespace.as_deref(), Some("shop"));
        assert_eq!(cli.global.context.as_deref(), Some("prod"));
        assert_eq!(cli.global.output, OutputFormat::Json);
    }
}
