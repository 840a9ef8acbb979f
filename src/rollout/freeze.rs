//! Freezes (Shipper's RolloutBlock, without a CRD): a namespace's or the
//! whole cluster's rollouts held still, for a reason, maybe until a time.
//! Whether a command may go on is decided here, with the time passed in.

use serde::{Deserialize, Serialize};

/// The name of the ConfigMap that holds a freeze, in the frozen namespace
/// or, for a cluster-wide freeze, in the cluster's freeze namespace.
pub const CONFIG_MAP: &str = "kubectl-ramp-freeze";

/// The label that marks a freeze ConfigMap as ramp's, with its scope as
/// the value.
pub const LABEL: &str = "ramp.dev/freeze";

/// Where a freeze holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Scope {
    /// The rollouts of one namespace.
    Namespace,
    /// Every rollout of the cluster.
    Cluster,
}

impl Scope {
    pub fn as_str(self) -> &'static str {
        match self {
            Scope::Namespace => "namespace",
            Scope::Cluster => "cluster",
        }
    }

    pub fn parse(text: &str) -> Option<Scope> {
        match text {
            "namespace" => Some(Scope::Namespace),
            "cluster" => Some(Scope::Cluster),
            _ => None,
        }
    }
}

/// One freeze, as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Freeze {
    pub scope: Scope,
    /// The namespace the ConfigMap is in.
    pub namespace: String,
    /// Who froze, as the API server knows them.
    pub by: String,
    pub reason: String,
    /// RFC 3339.
    pub since: String,
    /// RFC 3339; none: until someone unfreezes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub until: Option<String>,
}

fn millis(at: &str) -> Option<i64> {
    at.parse::<k8s_openapi::jiff::Timestamp>()
        .ok()
        .map(|t| t.as_millisecond())
}

impl Freeze {
    /// Whether it holds at `now` (milliseconds since the epoch): an expired
    /// freeze no longer does. An `until` that cannot be read holds, as if
    /// there were none: a freeze is never lifted by a typo.
    pub fn holds_at(&self, now: i64) -> bool {
        match self.until.as_deref() {
            None => true,
            Some(until) => millis(until).is_none_or(|until| now < until),
        }
    }

    /// One line for people: where, who, why, until when.
    pub fn describe(&self) -> String {
        let scope = match self.scope {
            Scope::Namespace => format!("namespace {:?} is frozen", self.namespace),
            Scope::Cluster => "the cluster is frozen".to_string(),
        };
        // Whoever wrote the ConfigMap wrote these: a terminal must not
        // act on what they hold.
        let text = crate::input::printable;
        let until = match &self.until {
            Some(until) => format!("until {}", text(until)),
            None => "until someone unfreezes it".to_string(),
        };
        format!(
            "{scope} by {} since {}, {until}: {}",
            text(&self.by),
            text(&self.since),
            text(&self.reason)
        )
    }
}

/// The commands a freeze is asked about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Command {
    Start,
    Step,
    Run,
    Promote,
    Undo,
    Abort,
}

impl Command {
    /// The command's name, as users type it.
    pub fn as_str(self) -> &'static str {
        match self {
            Command::Start => "start",
            Command::Step => "step",
            Command::Run => "run",
            Command::Promote => "promote",
            Command::Undo => "undo",
            Command::Abort => "abort",
        }
    }

    /// Whether a freeze holds it back. Whatever moves a rollout forward or
    /// begins one is frozen; abort, which takes one back, never is: a
    /// freeze must not keep a bad version serving. (`pause` only stops a
    /// driver and is not asked.)
    pub fn frozen_by_freezes(self) -> bool {
        match self {
            Command::Start | Command::Step | Command::Run | Command::Promote | Command::Undo => {
                true
            }
            Command::Abort => false,
        }
    }
}

/// What a command may do under the freezes found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Gate {
    /// No freeze holds it back.
    Open,
    /// Held back by these freezes (cluster-wide first).
    Frozen(Vec<Freeze>),
    /// These freezes hold, and the caller overrode them for this reason.
    Overridden(Vec<Freeze>, String),
    /// Freezes that may hold could not be read (these messages say which,
    /// and why): a freeze these credentials cannot see holds as one that
    /// is there, unless the caller overrides it.
    Unknown(Vec<String>),
}

/// Decides whether `command` may go on at `now` under `freezes`, some of
/// which could not be read (`unreadable`, why each), with an override
/// reason when the caller gave one. It fails closed: a freeze that cannot
/// be read holds as one that is there.
pub fn gate(
    command: Command,
    freezes: &[Freeze],
    unreadable: &[String],
    now: i64,
    override_reason: Option<&str>,
) -> Gate {
    if !command.frozen_by_freezes() {
        return Gate::Open;
    }
    let mut holding: Vec<Freeze> = freezes
        .iter()
        .filter(|f| f.holds_at(now))
        .cloned()
        .collect();
    holding.sort_by_key(|f| f.scope != Scope::Cluster);
    if holding.is_empty() && unreadable.is_empty() {
        return Gate::Open;
    }
    match override_reason.map(str::trim).filter(|r| !r.is_empty()) {
        Some(reason) => Gate::Overridden(holding, reason.to_string()),
        None if holding.is_empty() => Gate::Unknown(unreadable.to_vec()),
        None => Gate::Frozen(holding),
    }
}

/// What the record and the Event say of an override.
pub fn override_message(freezes: &[Freeze], reason: &str) -> String {
    let held = freezes
        .iter()
        .map(Freeze::describe)
        .collect::<Vec<_>>()
        .join("; ");
    match held.is_empty() {
        true => format!("freeze overridden ({reason}); the freezes could not all be read"),
        false => format!("freeze overridden ({reason}); {held}"),
    }
}

/// What a running driver says when it looks at the freezes before moving
/// a rollout on: `before`, why it was holding the last time (none: it was
/// not); `now`, why it holds now; `at`, where ("at step 1/3", "before
/// region us"); `meanwhile`, what goes on during the hold. It says so once
/// when a hold begins or its reason changes, and once when it ends; not at
/// every look in between.
pub fn hold_news(
    before: Option<&str>,
    now: Option<&str>,
    at: &str,
    meanwhile: &str,
) -> Option<String> {
    match (before, now) {
        (None, None) => None,
        (Some(before), Some(now)) if before == now => None,
        (_, Some(now)) => Some(format!("holding {at}: {now}; {meanwhile}")),
        (Some(_), None) => Some(format!("the freeze is over: carrying on {at}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_800_000_000_000;

    fn at(millis: i64) -> String {
        k8s_openapi::jiff::Timestamp::from_millisecond(millis)
            .unwrap()
            .to_string()
    }

    fn freeze(scope: Scope, until: Option<i64>) -> Freeze {
        Freeze {
            scope,
            namespace: match scope {
                Scope::Namespace => "shop".into(),
                Scope::Cluster => "kube-system".into(),
            },
            by: "alice".into(),
            reason: "black friday".into(),
            since: at(NOW - 3_600_000),
            until: until.map(at),
        }
    }

    #[test]
    fn which_commands_a_freeze_holds_back() {
        let ns = freeze(Scope::Namespace, None);
        let cluster = freeze(Scope::Cluster, None);
        let expired = freeze(Scope::Namespace, Some(NOW - 1));
        let later = freeze(Scope::Namespace, Some(NOW + 60_000));
        let at_the_end = freeze(Scope::Namespace, Some(NOW));
        let unreadable = Freeze {
            until: Some("next tuesday".into()),
            ..ns.clone()
        };
        use Command::*;
        let cases: Vec<(Command, Vec<Freeze>, Option<&str>, Gate)> = vec![
            (Start, vec![], None, Gate::Open),
            (
                Start,
                vec![ns.clone()],
                None,
                Gate::Frozen(vec![ns.clone()]),
            ),
            (Step, vec![ns.clone()], None, Gate::Frozen(vec![ns.clone()])),
            (Run, vec![ns.clone()], None, Gate::Frozen(vec![ns.clone()])),
            (
                Promote,
                vec![ns.clone()],
                None,
                Gate::Frozen(vec![ns.clone()]),
            ),
            (Undo, vec![ns.clone()], None, Gate::Frozen(vec![ns.clone()])),
            // Abort takes a rollout back: never frozen.
            (Abort, vec![ns.clone(), cluster.clone()], None, Gate::Open),
            // An expired freeze no longer holds; one that ends later does;
            // at its very end it is over.
            (Start, vec![expired.clone()], None, Gate::Open),
            (
                Start,
                vec![later.clone()],
                None,
                Gate::Frozen(vec![later.clone()]),
            ),
            (Start, vec![at_the_end], None, Gate::Open),
            (
                Start,
                vec![unreadable.clone()],
                None,
                Gate::Frozen(vec![unreadable]),
            ),
            // The cluster-wide freeze is named first.
            (
                Step,
                vec![ns.clone(), cluster.clone()],
                None,
                Gate::Frozen(vec![cluster.clone(), ns.clone()]),
            ),
            (
                Start,
                vec![expired.clone(), cluster.clone()],
                None,
                Gate::Frozen(vec![cluster.clone()]),
            ),
            // An override passes, with its reason; a blank one does not.
            (
                Start,
                vec![ns.clone()],
                Some(" hotfix "),
                Gate::Overridden(vec![ns.clone()], "hotfix".into()),
            ),
            (
                Start,
                vec![ns.clone()],
                Some("  "),
                Gate::Frozen(vec![ns.clone()]),
            ),
            // Nothing to override: the override is not recorded.
            (Start, vec![expired], Some("hotfix"), Gate::Open),
        ];
        for (command, freezes, reason, expected) in cases {
            assert_eq!(
                gate(command, &freezes, &[], NOW, reason),
                expected,
                "{command:?} {freezes:?} {reason:?}"
            );
        }
    }

    /// A freeze these credentials cannot read holds as one that is there:
    /// a cluster freeze must stop a pipeline whose token sees only its own
    /// namespace. An override (recorded) lets it through; abort always.
    #[test]
    fn a_freeze_that_cannot_be_read_holds_unless_overridden() {
        let unreadable = ["cannot read the freeze in namespace \"kube-system\"".to_string()];
        let cases = [
            (Command::Start, None, Gate::Unknown(unreadable.to_vec())),
            (Command::Step, None, Gate::Unknown(unreadable.to_vec())),
            (Command::Abort, None, Gate::Open),
            (
                Command::Promote,
                Some("release train"),
                Gate::Overridden(Vec::new(), "release train".into()),
            ),
            (Command::Run, Some("  "), Gate::Unknown(unreadable.to_vec())),
        ];
        for (command, reason, want) in cases {
            assert_eq!(
                gate(command, &[], &unreadable, NOW, reason),
                want,
                "{command:?}"
            );
        }
        // A freeze that holds is named first, readable or not the rest.
        let held = freeze(Scope::Namespace, None);
        assert_eq!(
            gate(
                Command::Start,
                std::slice::from_ref(&held),
                &unreadable,
                NOW,
                None
            ),
            Gate::Frozen(vec![held])
        );
    }

    #[test]
    fn a_freeze_reads_who_why_and_until_when() {
        let ns = freeze(Scope::Namespace, Some(NOW));
        assert_eq!(
            ns.describe(),
            format!(
                "namespace \"shop\" is frozen by alice since {}, until {}: black friday",
                at(NOW - 3_600_000),
                at(NOW)
            )
        );
        let cluster = freeze(Scope::Cluster, None);
        assert!(
            cluster
                .describe()
                .starts_with("the cluster is frozen by alice since "),
            "{}",
            cluster.describe()
        );
        assert!(
            cluster
                .describe()
                .ends_with("until someone unfreezes it: black friday")
        );
        assert!(
            override_message(std::slice::from_ref(&cluster), "hotfix")
                .starts_with("freeze overridden (hotfix); the cluster is frozen by alice")
        );
    }

    #[test]
    fn a_driver_tells_of_a_hold_once_and_of_its_end() {
        let frozen =
            "namespace \"shop\" is frozen by ana since T, until someone unfreezes it: audit";
        let unreadable = "the freezes cannot be read: connection refused";
        type Case<'a> = (&'a str, Option<&'a str>, Option<&'a str>, Option<String>);
        let cases: Vec<Case> = vec![
            ("nothing holds", None, None, None),
            (
                "a hold begins",
                None,
                Some(frozen),
                Some(format!("holding at step 1/3: {frozen}; meanwhile")),
            ),
            (
                "the same hold at the next check",
                Some(frozen),
                Some(frozen),
                None,
            ),
            (
                "another reason",
                Some(frozen),
                Some(unreadable),
                Some(format!("holding at step 1/3: {unreadable}; meanwhile")),
            ),
            (
                "the hold ends",
                Some(frozen),
                None,
                Some("the freeze is over: carrying on at step 1/3".to_string()),
            ),
        ];
        for (case, before, now, want) in cases {
            assert_eq!(
                hold_news(before, now, "at step 1/3", "meanwhile"),
                want,
                "{case}"
            );
        }
    }
}
