//! Notifications: every command that changes a rollout tells a
//! Slack-compatible webhook (--notify, or RAMP_NOTIFY) of each step
//! reached, the promotion and an abort, naming the namespace and the
//! images, so that a shared channel needs no context.

mod support;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};

use support::istio_app;

/// A webhook that keeps the `text` of every message it is sent.
fn collector() -> (String, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    let texts = Arc::new(Mutex::new(Vec::new()));
    let kept = texts.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut length = 0;
            let mut line = String::new();
            while reader.read_line(&mut line).is_ok_and(|n| n > 2) {
                if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                    length = v.trim().parse().unwrap_or(0);
                }
                line.clear();
            }
            let mut body = vec![0; length];
            let _ = reader.read_exact(&mut body);
            let message: serde_json::Value = serde_json::from_slice(&body).unwrap_or_default();
            if let Some(text) = message["text"].as_str() {
                kept.lock().unwrap().push(text.to_string());
            }
            let mut stream = stream;
            let _ = write!(
                stream,
                "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok"
            );
        }
    });
    (url, texts)
}

#[test]
fn each_step_and_the_abort_are_told_naming_the_namespace_and_the_images() {
    let (url, texts) = collector();
    let ns = istio_app("notify", 2);
    ns.ramp(&[
        "start",
        "web",
        "--image",
        "example.com/web:2",
        "--steps",
        "50,100",
        "--notify",
        &url,
    ])
    .success();
    ns.ramp(&["step", "web", "--yes", "--notify", &url])
        .success();
    // From the environment, as a CI job would set it once.
    support::ramp_with(&["abort", "web", "-n", &ns.name], |c| {
        c.env("RAMP_NOTIFY", &url);
    })
    .success();
    let at = &ns.name;
    assert_eq!(
        *texts.lock().unwrap(),
        [
            format!("{at}/web: reached step 1/2 (50%); web=example.com/web:2"),
            format!("{at}/web: reached step 2/2 (100%); web=example.com/web:2"),
            format!("{at}/web: aborted at step 2/2: aborted by request; web=example.com/web:2"),
        ]
    );
}

#[test]
fn without_a_webhook_nothing_is_sent_and_a_promotion_is_told() {
    let (url, texts) = collector();
    let ns = istio_app("notify-promote", 2);
    ns.ramp(&[
        "start",
        "web",
        "--image",
        "example.com/web:2",
        "--steps",
        "100",
    ])
    .success();
    assert!(texts.lock().unwrap().is_empty());
    ns.ramp(&["promote", "web", "--notify", &url]).success();
    assert_eq!(
        *texts.lock().unwrap(),
        [format!(
            "{}/web: web runs the new version; web=example.com/web:2",
            ns.name
        )]
    );
}
