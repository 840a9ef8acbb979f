//! The krew manifest: scripts/dist fills plugins/ramp.yaml for the archive
//! it builds, and krew's own validator (built from the Go module proxy by
//! scripts/krew-tools) checks it and installs it for every platform, from
//! the archive served on loopback.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

#[track_caller]
fn run(command: &mut Command) -> Output {
    let output = command
        .output()
        .unwrap_or_else(|e| panic!("cannot run {command:?}: {e}"));
    assert!(
        output.status.success(),
        "{command:?} failed ({}):\n{}{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

/// Serves the files of `dir` over HTTP on loopback, for as long as the test
/// runs; returns the base URL.
fn serve(dir: &Path) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let dir = dir.to_path_buf();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut request = String::new();
            let mut reader = BufReader::new(&stream);
            if reader.read_line(&mut request).is_err() {
                continue;
            }
            // The rest of the request's head.
            let mut line = String::new();
            while reader.read_line(&mut line).is_ok_and(|n| n > 2) {
                line.clear();
            }
            let path = request.split(' ').nth(1).unwrap_or("/");
            let file = dir.join(path.trim_start_matches('/'));
            let _ = match std::fs::read(&file) {
                Ok(body) if file.is_file() => stream
                    .write_all(
                        format!(
                            "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                            body.len()
                        )
                        .as_bytes(),
                    )
                    .and_then(|()| stream.write_all(&body)),
                _ => stream.write_all(
                    b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
                ),
            };
        }
    });
    base
}

fn validate(tools: &Path, manifest: &Path) -> Output {
    let path = std::env::join_paths(
        std::iter::once(tools.to_path_buf())
            .chain(std::env::split_paths(&std::env::var_os("PATH").unwrap())),
    )
    .unwrap();
    Command::new(tools.join("validate-krew-manifest"))
        .arg("-manifest")
        .arg(manifest)
        .env("PATH", path)
        .output()
        .unwrap()
}

#[test]
fn the_dist_manifest_passes_krews_validator_on_every_platform() {
    let tools = run(&mut Command::new(repo().join("scripts/krew-tools")));
    let tools = PathBuf::from(String::from_utf8(tools.stdout).unwrap().trim());

    let out = std::env::temp_dir().join(format!("ramp-dist-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&out);
    let base = serve(&out);
    let dist = || {
        let mut command = Command::new(repo().join("scripts/dist"));
        command.arg("--out").arg(&out).args(["--uri-base", &base]);
        command
    };
    // The binary under test stands in for the release one, which takes
    // minutes to build.
    run(dist().args(["--binary", env!("CARGO_BIN_EXE_kubectl-ramp")]));

    let version = format!("v{}", env!("CARGO_PKG_VERSION"));
    let archive = format!("kubectl-ramp-{version}-linux-amd64.tar.gz");
    let listing = run(Command::new("tar").arg("tzf").arg(out.join(&archive)));
    let listing = String::from_utf8(listing.stdout).unwrap();
    for file in [
        "kubectl-ramp",
        "LICENSE",
        "completions/kubectl_complete-ramp",
        "completions/kubectl-ramp.bash",
        "man/kubectl-ramp.1",
        "man/kubectl-ramp-start.1",
    ] {
        assert!(
            listing.lines().any(|l| l == file),
            "{file} missing:\n{listing}"
        );
    }
    run(Command::new("sha256sum")
        .args(["--check", &format!("{archive}.sha256")])
        .current_dir(&out));

    // This machine builds one platform; krew installs each platform's
    // archive, so the others get copies of it, as if built there.
    for platform in ["linux-arm64", "darwin-amd64", "darwin-arm64"] {
        std::fs::copy(
            out.join(&archive),
            out.join(format!("kubectl-ramp-{version}-{platform}.tar.gz")),
        )
        .unwrap();
    }
    run(dist().arg("--manifest-only"));
    let manifest = out.join("ramp.yaml");
    let text = std::fs::read_to_string(&manifest).unwrap();
    assert!(!text.contains('@'), "placeholders left:\n{text}");
    assert!(text.contains(&format!("version: \"{version}\"")), "{text}");

    let output = validate(&tools, &manifest);
    let log = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "krew's validator refused it:\n{log}"
    );
    assert!(log.contains("all 4 spec.platforms installed fine"), "{log}");

    // And it does refuse an archive that is not the one the manifest names.
    let wrong = out.join("wrong");
    std::fs::create_dir_all(&wrong).unwrap();
    let sha = text
        .lines()
        .find_map(|l| l.trim().strip_prefix("sha256: "))
        .unwrap()
        .trim_matches('"')
        .to_string();
    std::fs::write(wrong.join("ramp.yaml"), text.replace(&sha, &"0".repeat(64))).unwrap();
    let output = validate(&tools, &wrong.join("ramp.yaml"));
    assert!(!output.status.success(), "a wrong sha256 passed");

    std::fs::remove_dir_all(&out).unwrap();
}
