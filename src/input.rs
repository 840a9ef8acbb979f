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

#[cfg(test)]
mod tests {
    use super::*;

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
