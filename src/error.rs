//! Errors and the exit codes they map to.
//!
//! Every error the user sees is one sentence naming the problem, optionally
//! followed by a hint naming the way out. The exit code tells scripts what
//! kind of failure it was (see DESIGN.md, "Interfaces that must stay stable").

use std::fmt;
use std::process::ExitCode;

/// What kind of failure, which decides the exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Something failed: the cluster, the network, a missing object. Exit 1.
    Failed,
    /// The API server could not be reached, or answered that it cannot
    /// serve now (a 5xx, a 429). Exit 1; a driver holds the rollout where
    /// it is and tries again, for up to its --outage-limit.
    Unreachable,
    /// Bad input or usage. Nothing in the cluster was changed. Exit 2.
    Invalid,
    /// Analysis failed and the rollout was rolled back. Exit 3.
    AnalysisFailed,
    /// Timed out waiting. Exit 4.
    TimedOut,
    /// Someone else changed the rollout, or a lock is held. Exit 5.
    Conflict,
    /// Someone else changed what the rollout manages (a weight, an image,
    /// a scale); ramp does not write over it without --force. Exit 5, but
    /// not worth a second look, as a conflict is.
    Drift,
    /// Interrupted by Ctrl-C; the rollout was left consistent. Exit 130,
    /// as a shell reports a command ended by SIGINT.
    Interrupted,
    /// Whoever read our output went away (`kubectl ramp status | head`):
    /// stop quietly, as other command-line tools do. Exit 0.
    OutputClosed,
}

impl Kind {
    pub fn exit_code(self) -> u8 {
        match self {
            Kind::Failed | Kind::Unreachable => 1,
            Kind::Invalid => 2,
            Kind::AnalysisFailed => 3,
            Kind::TimedOut => 4,
            Kind::Conflict | Kind::Drift => 5,
            Kind::Interrupted => 130,
            Kind::OutputClosed => 0,
        }
    }
}

#[derive(Debug, Clone)]
pub struct Error {
    pub kind: Kind,
    pub message: String,
    pub hint: Option<String>,
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub fn new(kind: Kind, message: impl Into<String>) -> Self {
        Error {
            kind,
            message: message.into(),
            hint: None,
        }
    }

    pub fn failed(message: impl Into<String>) -> Self {
        Self::new(Kind::Failed, message)
    }

    pub fn invalid(message: impl Into<String>) -> Self {
        Self::new(Kind::Invalid, message)
    }

    /// Ctrl-C: `hint` says where the rollout stands and how to go on.
    pub fn interrupted(hint: impl Into<String>) -> Self {
        Self::new(Kind::Interrupted, "interrupted").with_hint(hint)
    }

    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    pub fn exit_code(&self) -> ExitCode {
        ExitCode::from(self.kind.exit_code())
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)?;
        if let Some(hint) = &self.hint {
            write!(f, "\n  hint: {hint}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Error {}

impl From<std::io::Error> for Error {
    fn from(err: std::io::Error) -> Self {
        if err.kind() == std::io::ErrorKind::BrokenPipe {
            Error::new(Kind::OutputClosed, "output closed")
        } else {
            Error::failed(format!("cannot write the output: {err}"))
        }
    }
}

/// Turns an error from the Kubernetes client into one sentence. `what` names
/// the request in the user's words, e.g. `get deployment "web"`.
pub fn from_kube(err: kube::Error, what: &str, server: &str) -> Error {
    match err {
        kube::Error::Api(status) => {
            let message = if status.message.is_empty() {
                format!("cannot {what}: the API server answered {}", status.code)
            } else {
                format!("cannot {what}: {}", status.message)
            };
            match status.code {
                409 => Error::new(Kind::Conflict, message),
                401 => Error::failed(message).with_hint(
                    "the credentials in your kubeconfig were refused; log in again or pass another --context",
                ),
                403 => Error::failed(message).with_hint(
                    "your credentials lack this permission; ask a cluster admin to grant it, or pass another --context",
                ),
                429 | 500 | 502 | 503 | 504 => Error::new(Kind::Unreachable, message),
                _ => Error::failed(message),
            }
        }
        other => {
            let detail = root_cause(&other);
            let mut err = out_of_reach(server, &detail);
            if !unreachable(&other) {
                err.kind = Kind::Failed;
            }
            err
        }
    }
}

/// The API server at `server` could not be reached: `detail` says why.
pub fn out_of_reach(server: &str, detail: &str) -> Error {
    Error::new(
        Kind::Unreachable,
        format!("cannot reach the Kubernetes API server at {server}: {detail}"),
    )
    .with_hint("check that the cluster is running and that --context / --kubeconfig point at it")
}

/// Whether an error of the Kubernetes client means the API server could
/// not be reached or cannot serve now: a connection refused, reset, closed
/// or timed out, or an answer of 429 or 5xx. Not a refusal of the request
/// (4xx), nor credentials or TLS that do not work.
pub fn unreachable(err: &kube::Error) -> bool {
    if let kube::Error::Api(status) = err {
        return matches!(status.code, 429 | 500 | 502 | 503 | 504);
    }
    let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(err);
    while let Some(e) = cause {
        if let Some(io) = e.downcast_ref::<std::io::Error>() {
            use std::io::ErrorKind::*;
            return matches!(
                io.kind(),
                ConnectionRefused
                    | ConnectionReset
                    | ConnectionAborted
                    | BrokenPipe
                    | UnexpectedEof
                    | TimedOut
                    | NotConnected
                    | HostUnreachable
                    | NetworkUnreachable
            );
        }
        if e.is::<tokio::time::error::Elapsed>() {
            return true;
        }
        let text = e.to_string();
        if [
            "connection closed",
            "connection reset",
            "operation timed out",
            "deadline has elapsed",
        ]
        .iter()
        .any(|t| text.contains(t))
        {
            return true;
        }
        cause = e.source();
    }
    false
}

/// The innermost cause of an error, which is the one that says what happened
/// ("Connection refused (os error 111)") rather than where.
pub fn root_cause(err: &(dyn std::error::Error + 'static)) -> String {
    let mut cause = err;
    while let Some(next) = cause.source() {
        cause = next;
    }
    cause.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exit_codes_match_the_documented_interface() {
        let cases = [
            (Kind::Failed, 1),
            (Kind::Unreachable, 1),
            (Kind::Invalid, 2),
            (Kind::AnalysisFailed, 3),
            (Kind::TimedOut, 4),
            (Kind::Conflict, 5),
            (Kind::Drift, 5),
            (Kind::Interrupted, 130),
        ];
        for (kind, code) in cases {
            assert_eq!(kind.exit_code(), code, "{kind:?}");
        }
    }

    #[test]
    fn an_api_server_out_of_reach_is_told_from_a_refused_request() {
        let api = |code: u16| {
            kube::Error::Api(Box::new(kube::core::Status {
                code,
                ..Default::default()
            }))
        };
        let io =
            |kind: std::io::ErrorKind| kube::Error::Service(Box::new(std::io::Error::from(kind)));
        let cases = [
            (api(404), false),
            (api(403), false),
            (api(409), false),
            (api(422), false),
            (api(429), true),
            (api(500), true),
            (api(503), true),
            (api(504), true),
            (io(std::io::ErrorKind::ConnectionRefused), true),
            (io(std::io::ErrorKind::ConnectionReset), true),
            (io(std::io::ErrorKind::TimedOut), true),
            (io(std::io::ErrorKind::PermissionDenied), false),
            (
                kube::Error::Service(Box::new(std::io::Error::other(
                    "connection closed before message completed",
                ))),
                true,
            ),
            (kube::Error::Service("invalid certificate".into()), false),
        ];
        for (err, want) in cases {
            let shown = format!("{err:?}");
            assert_eq!(unreachable(&err), want, "{shown}");
            let kind = from_kube(err, "get deployment \"web\"", "https://127.0.0.1:6443").kind;
            assert_eq!(kind == Kind::Unreachable, want, "{shown}");
        }
    }

    #[test]
    fn api_errors_keep_the_servers_sentence() {
        let status = kube::core::Status {
            code: 404,
            reason: "NotFound".into(),
            message: "deployments.apps \"web\" not found".into(),
            ..Default::default()
        };
        let err = from_kube(
            kube::Error::Api(Box::new(status)),
            "get deployment \"web\"",
            "https://127.0.0.1:6443",
        );
        assert_eq!(err.kind, Kind::Failed);
        assert_eq!(
            err.to_string(),
            "cannot get deployment \"web\": deployments.apps \"web\" not found"
        );
    }

    #[test]
    fn conflicts_exit_with_five() {
        let status = kube::core::Status {
            code: 409,
            reason: "Conflict".into(),
            message: "the object has been modified".into(),
            ..Default::default()
        };
        let err = from_kube(kube::Error::Api(Box::new(status)), "update", "x");
        assert_eq!(err.kind.exit_code(), 5);
    }
}
