//! What ramp takes from files, stdin and URLs given on the command line:
//! at most `MAX_BYTES` of a file (a wrong path such as /dev/zero or a log
//! cannot fill memory), and only http(s) URLs with a host.

use std::io::Read;

/// The most ramp reads of one file or of stdin.
pub const MAX_BYTES: u64 = 4 * 1024 * 1024;

/// The text of a file, or why it cannot be had.
pub fn read(path: &std::path::Path) -> Result<String, String> {
    let file = std::fs::File::open(path).map_err(|e| e.to_string())?;
    read_from(file)
}

/// The text of a reader (stdin), at most `MAX_BYTES`.
pub fn read_from(reader: impl Read) -> Result<String, String> {
    let mut text = String::new();
    reader
        .take(MAX_BYTES + 1)
        .read_to_string(&mut text)
        .map_err(|e| e.to_string())?;
    if text.len() as u64 > MAX_BYTES {
        return Err(format!("it is larger than {} MiB", MAX_BYTES / 1024 / 1024));
    }
    Ok(text)
}

/// A URL ramp sends requests to (--prometheus, --notify, a webhook):
/// http or https, with a host.
pub fn http_url(text: &str) -> Result<String, String> {
    match reqwest::Url::parse(text) {
        Ok(url) if matches!(url.scheme(), "http" | "https") && url.host().is_some() => {
            Ok(text.to_string())
        }
        _ => Err(format!(
            "{text:?} is not an http(s) URL; write e.g. http://prometheus.monitoring:9090"
        )),
    }
}

/// The name of an object ramp looks up (a Deployment, a Service, a
/// VirtualService, an HTTPRoute): a DNS-1123 subdomain, as the API server
/// requires. Checked before it reaches an API path, where `web?x=1` or
/// `a/b` would name something else.
pub fn object_name(text: &str) -> Result<String, String> {
    let fix = "names are lowercase letters, digits, '-' and '.', starting and ending with a letter or digit";
    if text.is_empty() {
        return Err(format!("the name is empty; {fix}"));
    }
    if text.len() > 253 {
        return Err(format!(
            "{} characters is too long for a name (at most 253)",
            text.len()
        ));
    }
    let bad = text
        .chars()
        .find(|c| !(c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '-' || *c == '.'));
    if let Some(c) = bad {
        return Err(format!(
            "{} is not a valid name: it holds {}; {fix}",
            shown(text),
            shown_char(c)
        ));
    }
    if !text.starts_with(|c: char| c.is_ascii_alphanumeric())
        || !text.ends_with(|c: char| c.is_ascii_alphanumeric())
    {
        return Err(format!("{} is not a valid name; {fix}", shown(text)));
    }
    Ok(text.to_string())
}

/// A namespace: a DNS-1123 label, at most 63 characters.
pub fn namespace_name(text: &str) -> Result<String, String> {
    let fix = "namespaces are at most 63 lowercase letters, digits and '-', starting and ending with a letter or digit";
    let valid = !text.is_empty()
        && text.len() <= 63
        && text
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && text.starts_with(|c: char| c.is_ascii_alphanumeric())
        && text.ends_with(|c: char| c.is_ascii_alphanumeric());
    match valid {
        true => Ok(text.to_string()),
        false => Err(format!("{} is not a valid namespace; {fix}", shown(text))),
    }
}

/// The most characters of a reason (--reason, --override-freeze): it is
/// kept in the rollout's record, its Events and a freeze's ConfigMap.
pub const MAX_REASON: usize = 1024;

/// A reason someone gives: plain text of at most `MAX_REASON` characters,
/// with no control characters (a terminal would act on them when the
/// reason is shown).
pub fn reason(text: &str) -> Result<String, String> {
    let count = text.chars().count();
    if count > MAX_REASON {
        return Err(format!(
            "the reason has {count} characters, more than {MAX_REASON}; say it shorter, and link to the details"
        ));
    }
    if let Some(c) = text.chars().find(|c| c.is_control()) {
        return Err(format!(
            "the reason holds the control character {}; write it as plain text on one line",
            shown_char(c)
        ));
    }
    if text.trim().is_empty() {
        return Err("the reason is empty; say why".into());
    }
    Ok(text.to_string())
}

/// Text someone else wrote into the cluster (a freeze's reason, a
/// transition's message), as it may go to a terminal: control characters
/// (an escape sequence would clear the screen or retitle the window) are
/// shown as `\u{1b}` instead.
pub fn printable(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.chars().any(char::is_control) {
        return std::borrow::Cow::Borrowed(text);
    }
    std::borrow::Cow::Owned(
        text.chars()
            .map(|c| match c.is_control() {
                true => c.escape_unicode().to_string(),
                false => c.to_string(),
            })
            .collect(),
    )
}

/// A name as a message shows it: quoted, its control characters escaped.
fn shown(text: &str) -> String {
    let cut: String = text.chars().take(80).collect();
    format!(
        "{:?}{}",
        cut,
        if cut.len() < text.len() { "..." } else { "" }
    )
}

fn shown_char(c: char) -> String {
    match c {
        ' ' => "a space".into(),
        c if c.is_control() || c.is_whitespace() => format!("U+{:04X}", u32::from(c)),
        c => format!("'{c}'"),
    }
}

/// A clap value parser of one of the checks above that, unlike a plain
/// function's, never echoes the value it refused: a name or a reason with
/// an escape sequence would act on the terminal in clap's own message.
#[derive(Clone)]
pub struct Checked(pub fn(&str) -> Result<String, String>);

impl clap::builder::TypedValueParser for Checked {
    type Value = String;

    fn parse_ref(
        &self,
        _cmd: &clap::Command,
        arg: Option<&clap::Arg>,
        value: &std::ffi::OsStr,
    ) -> Result<String, clap::Error> {
        let name = arg.map_or_else(|| "a value".to_string(), |a| a.to_string());
        let refused = |why: String| {
            clap::Error::raw(
                clap::error::ErrorKind::ValueValidation,
                format!("{name}: {why}\n"),
            )
        };
        let text = value
            .to_str()
            .ok_or_else(|| refused("it is not UTF-8".into()))?;
        (self.0)(text).map_err(refused)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_that_would_change_an_api_path_are_refused() {
        for ok in ["web", "web-2", "web.v2", "a", "0web"] {
            assert_eq!(object_name(ok).as_deref(), Ok(ok));
        }
        let cases = [
            ("web?x=1", "'?'"),
            ("hb/configmaps/x", "'/'"),
            ("Web", "'W'"),
            ("web ", "a space"),
            ("-web", "not a valid name"),
            ("web.", "not a valid name"),
            ("", "empty"),
            ("w\u{1b}[2J", "U+001B"),
        ];
        for (name, says) in cases {
            let err = object_name(name).unwrap_err();
            assert!(err.contains(says), "{name:?}: {err}");
            assert!(
                err.contains("lowercase letters") || err.contains("long"),
                "{err}"
            );
        }
        assert!(
            object_name(&"a".repeat(254))
                .unwrap_err()
                .contains("at most 253")
        );
        assert!(object_name(&"a".repeat(253)).is_ok());
    }

    #[test]
    fn namespaces_are_dns_labels() {
        for ok in ["shop", "kube-system", "a1"] {
            assert_eq!(namespace_name(ok).as_deref(), Ok(ok));
        }
        for bad in [
            "hb/configmaps/x?y=",
            "shop.eu",
            "Shop",
            "",
            "-shop",
            &"a".repeat(64),
        ] {
            let err = namespace_name(bad).unwrap_err();
            assert!(err.contains("is not a valid namespace"), "{bad:?}: {err}");
        }
    }

    #[test]
    fn a_reason_is_plain_text_and_not_too_long() {
        assert_eq!(
            reason("p99 latency doubled").as_deref(),
            Ok("p99 latency doubled")
        );
        assert_eq!(
            reason("dépôt: 50 % d'erreurs").as_deref(),
            Ok("dépôt: 50 % d'erreurs")
        );
        let cases = [
            ("\u{1b}]0;owned\u{7}", "control character"),
            ("two\nlines", "control character"),
            ("   ", "empty"),
        ];
        for (text, says) in cases {
            assert!(reason(text).unwrap_err().contains(says), "{text:?}");
        }
        assert!(reason(&"x".repeat(MAX_REASON)).is_ok());
        assert!(
            reason(&"x".repeat(130 * 1024))
                .unwrap_err()
                .contains("more than 1024")
        );
    }

    #[test]
    fn text_from_the_cluster_reaches_the_terminal_without_its_controls() {
        assert_eq!(printable("black friday"), "black friday");
        assert_eq!(printable("x\u{1b}[2Jy\u{7}"), "x\\u{1b}[2Jy\\u{7}");
        assert_eq!(printable("a\u{9b}b"), "a\\u{9b}b");
    }

    #[test]
    fn only_http_urls_with_a_host_are_taken() {
        for url in [
            "http://prometheus:9090",
            "https://hooks.slack.com/services/T0/B0/x",
            "http://127.0.0.1:9/",
        ] {
            assert_eq!(http_url(url).as_deref(), Ok(url));
        }
        for url in [
            "not a url",
            "::not a url",
            "ftp://x/",
            "http://",
            "prometheus:9090",
            "",
        ] {
            assert!(http_url(url).is_err(), "{url:?}");
        }
    }

    #[test]
    fn reading_stops_past_the_cap() {
        let big = std::io::repeat(b'a');
        assert_eq!(read_from(big).unwrap_err(), "it is larger than 4 MiB");
        assert_eq!(read_from("steps: []".as_bytes()).unwrap(), "steps: []");
    }
}
