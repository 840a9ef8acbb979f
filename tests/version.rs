//! `kubectl ramp version`: this build, and the API server's version when it
//! can be reached.

mod support;

use support::{kubectl, ramp, ramp_with};

#[test]
fn version_shows_the_client_and_the_server() {
    let run = ramp(&["version"]).success();
    assert!(
        run.stdout
            .starts_with(&format!("Client Version: {}\n", env!("CARGO_PKG_VERSION"))),
        "{run}"
    );
    let server =
        kubectl(&["version", "-o", "json"]).success().json()["serverVersion"]["gitVersion"]
            .as_str()
            .unwrap()
            .to_string();
    assert!(
        run.stdout.contains(&format!("Server Version: {server}\n")),
        "{run}"
    );

    let json = ramp(&["version", "-o", "json"]).success().json();
    assert_eq!(json["client"]["version"], env!("CARGO_PKG_VERSION"));
    let commit = json["client"]["commit"].as_str().unwrap();
    assert!(
        commit == "unknown"
            || (commit.len() == 40 && commit.chars().all(|c| c.is_ascii_hexdigit())),
        "{json}"
    );
    let date = json["client"]["build_date"].as_str().unwrap();
    assert!(date.len() == 20 && date.ends_with('Z'), "{json}");
    assert_eq!(json["server"]["git_version"], server.as_str());
}

#[test]
fn an_unreachable_server_is_not_an_error() {
    // Nothing listens on port 9 (discard) of loopback.
    let dir = std::env::temp_dir().join(format!("ramp-version-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let config = dir.join("kubeconfig");
    std::fs::write(
        &config,
        "apiVersion: v1
kind: Config
clusters:
- name: gone
  cluster: {server: 'https://127.0.0.1:9'}
users:
- name: someone
  user: {token: x}
contexts:
- name: gone
  context: {cluster: gone, user: someone}
current-context: gone
",
    )
    .unwrap();
    let run = ramp_with(&["version", "-o", "json"], |c| {
        c.env("KUBECONFIG", &config);
    })
    .success();
    let json = run.json();
    assert_eq!(json["client"]["version"], env!("CARGO_PKG_VERSION"));
    assert!(json["server"].is_null(), "{run}");
    assert!(run.stderr.contains("could not be reached"), "{run}");
    assert!(run.stderr.contains("https://127.0.0.1:9"), "{run}");

    let run = ramp_with(&["version"], |c| {
        c.env("KUBECONFIG", &config);
    })
    .success();
    assert!(run.stdout.starts_with("Client Version: "), "{run}");
    assert!(!run.stdout.contains("Server Version"), "{run}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn client_only_does_not_ask_the_server() {
    let run = ramp_with(&["version", "--client", "-o", "json"], |c| {
        c.env("KUBECONFIG", "/nonexistent");
    })
    .success();
    assert!(run.json()["server"].is_null(), "{run}");
    assert_eq!(run.stderr, "", "{run}");
}
