//! `kubectl ramp dashboard` run for a test, and plain HTTP/1.1 to it.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use super::{Namespace, kubeconfig};

/// A dashboard process, stopped when dropped.
pub struct Dashboard {
    child: Child,
    /// The URL it printed, token included.
    pub url: String,
    /// `127.0.0.1:PORT`.
    pub host: String,
    pub token: String,
    /// What it said on stderr, read as it goes.
    pub stderr: std::sync::Arc<std::sync::Mutex<String>>,
}

impl Dashboard {
    /// `kubectl-ramp dashboard ARGS --port 0` in the namespace.
    pub fn start(ns: &Namespace, args: &[&str]) -> Dashboard {
        let mut all = vec!["dashboard", "--port", "0", "-n", &ns.name];
        all.extend(args);
        Dashboard::start_with(&all, |_| {})
    }

    pub fn start_with(args: &[&str], setup: impl FnOnce(&mut Command)) -> Dashboard {
        let mut command = Command::new(env!("CARGO_BIN_EXE_kubectl-ramp"));
        command
            .env("KUBECONFIG", kubeconfig())
            .env_remove("RAMP_LOG")
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        setup(&mut command);
        let mut child = command.spawn().expect("kubectl-ramp dashboard starts");
        let stderr = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
        let mut err = BufReader::new(child.stderr.take().unwrap());
        let said = stderr.clone();
        std::thread::spawn(move || {
            let mut line = String::new();
            while err.read_line(&mut line).unwrap_or(0) > 0 {
                said.lock().unwrap().push_str(&line);
                line.clear();
            }
        });
        let mut url = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut url)
            .unwrap();
        let url = url.trim().to_string();
        assert!(
            url.starts_with("http://127.0.0.1:"),
            "the dashboard printed its URL first, got {url:?}; stderr: {}",
            stderr.lock().unwrap()
        );
        let rest = url.trim_start_matches("http://");
        let (host, query) = rest.split_once("/?token=").unwrap();
        Dashboard {
            host: host.to_string(),
            token: query.to_string(),
            url,
            child,
            stderr,
        }
    }

    /// The process's id.
    /// Whether the dashboard's process still runs.
    pub fn running(&self) -> bool {
        let status = std::fs::read_to_string(format!("/proc/{}/stat", self.child.id()));
        // A zombie (state Z) has ended.
        status.is_ok_and(|s| {
            s.rsplit(')')
                .next()
                .is_some_and(|rest| !rest.trim_start().starts_with('Z'))
        })
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// GET `path` with the token.
    pub fn get(&self, path: &str) -> Answer {
        self.request("GET", &self.with_token(path), &[])
    }

    /// POST `path` with the token, from the page's own origin, as the
    /// page's buttons send it.
    pub fn post(&self, path: &str) -> Answer {
        let origin = format!("http://{}", self.host);
        self.request("POST", &self.with_token(path), &[("Origin", &origin)])
    }

    pub fn with_token(&self, path: &str) -> String {
        let joint = if path.contains('?') { '&' } else { '?' };
        format!("{path}{joint}token={}", self.token)
    }

    /// One request on a connection of its own, with these extra headers
    /// (a `Host` among them replaces the right one).
    pub fn request(&self, method: &str, target: &str, headers: &[(&str, &str)]) -> Answer {
        let mut stream = TcpStream::connect(&self.host).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(360)))
            .unwrap();
        let mut text = format!("{method} {target} HTTP/1.1\r\nConnection: close\r\n");
        if !headers.iter().any(|(k, _)| k.eq_ignore_ascii_case("host")) {
            text.push_str(&format!("Host: {}\r\n", self.host));
        }
        for (k, v) in headers {
            text.push_str(&format!("{k}: {v}\r\n"));
        }
        if method == "POST" {
            text.push_str("Content-Length: 0\r\n");
        }
        text.push_str("\r\n");
        stream.write_all(text.as_bytes()).unwrap();
        let mut raw = Vec::new();
        stream.read_to_end(&mut raw).unwrap();
        Answer::parse(&raw)
    }

    /// Opens the event stream of `params` (`rollout=...` or nothing) and
    /// returns a reader of its events.
    pub fn events(&self, params: &str) -> Events {
        let mut stream = TcpStream::connect(&self.host).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(120)))
            .unwrap();
        let target = self.with_token(&format!("/api/events?{params}"));
        write!(
            stream,
            "GET {target} HTTP/1.1\r\nHost: {}\r\nAccept: text/event-stream\r\n\r\n",
            self.host
        )
        .unwrap();
        let mut reader = BufReader::new(stream);
        let mut status = String::new();
        reader.read_line(&mut status).unwrap();
        assert!(status.contains(" 200 "), "the event stream: {status}");
        // The headers, up to the blank line.
        loop {
            let mut line = String::new();
            reader.read_line(&mut line).unwrap();
            if line.trim().is_empty() {
                break;
            }
        }
        Events { reader }
    }
}

impl Drop for Dashboard {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// An HTTP answer.
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub headers: String,
    pub body: String,
}

impl Answer {
    fn parse(raw: &[u8]) -> Answer {
        let text = String::from_utf8_lossy(raw).into_owned();
        let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
        let status = head
            .split_whitespace()
            .nth(1)
            .and_then(|s| s.parse().ok())
            .unwrap_or(0);
        // Bodies of known length; a chunked one is taken apart.
        let body = if head
            .to_ascii_lowercase()
            .contains("transfer-encoding: chunked")
        {
            dechunk(body)
        } else {
            body.to_string()
        };
        Answer {
            status,
            headers: head.to_string(),
            body,
        }
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {} {}", self.status, self.body))
    }
}

fn dechunk(mut body: &str) -> String {
    let mut out = String::new();
    while let Some((size, rest)) = body.split_once("\r\n") {
        let Ok(size) = usize::from_str_radix(size.trim(), 16) else {
            break;
        };
        if size == 0 || rest.len() < size {
            break;
        }
        out.push_str(&rest[..size]);
        body = rest[size..].trim_start_matches("\r\n");
    }
    out
}

/// The events of a server-sent event stream, one `data:` each.
pub struct Events {
    reader: BufReader<TcpStream>,
}

impl Events {
    /// The next event's data, parsed (chunk sizes and comments skipped).
    pub fn next(&mut self) -> serde_json::Value {
        loop {
            let mut line = String::new();
            let read = self.reader.read_line(&mut line).expect("an event in time");
            assert!(read > 0, "the event stream ended");
            if let Some(data) = line.strip_prefix("data: ") {
                return serde_json::from_str(data.trim()).unwrap();
            }
        }
    }

    /// Events until one satisfies `done`; that one.
    pub fn until(&mut self, done: impl Fn(&serde_json::Value) -> bool) -> serde_json::Value {
        loop {
            let event = self.next();
            if done(&event) {
                return event;
            }
        }
    }
}
