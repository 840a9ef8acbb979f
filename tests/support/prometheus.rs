//! A real Prometheus (Debian's `prometheus`) scraping given targets every
//! second, stopped when its handle drops or the test process ends.

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub struct Prometheus {
    pub url: String,
    child: Child,
    dir: PathBuf,
}

impl Drop for Prometheus {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

impl Prometheus {
    /// Scrapes `targets` (`host:port`, at `/metrics`) as job `job`.
    pub fn start(job: &str, targets: &[String]) -> Prometheus {
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let dir =
            std::env::temp_dir().join(format!("ramp-prometheus-{}-{port}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let config = dir.join("prometheus.yml");
        let targets: Vec<String> = targets.iter().map(|t| format!("'{t}'")).collect();
        std::fs::write(
            &config,
            format!(
                "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\nscrape_configs:\n- job_name: {job}\n  static_configs:\n  - targets: [{}]\n",
                targets.join(", ")
            ),
        )
        .unwrap();
        assert!(
            Command::new("prometheus")
                .arg("--version")
                .output()
                .is_ok_and(|o| o.status.success()),
            "Debian's prometheus is needed (scripts/setup installs it)"
        );
        // Statics are never dropped: a watchdog stops Prometheus when this
        // test process is gone.
        let script = format!(
            "prometheus --config.file={} --storage.tsdb.path={} --web.listen-address=127.0.0.1:{port} & p=$!; \
             while kill -0 {} 2>/dev/null && kill -0 $p 2>/dev/null; do sleep 1; done; kill $p",
            config.display(),
            dir.join("data").display(),
            std::process::id()
        );
        let child = Command::new("bash")
            .args(["-c", &script])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let prometheus = Prometheus {
            url: format!("http://127.0.0.1:{port}"),
            child,
            dir,
        };
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let ready = Command::new("curl")
                .args(["-fsS", &format!("{}/-/ready", prometheus.url)])
                .output();
            if ready.is_ok_and(|o| o.status.success()) {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "Prometheus did not become ready at {}",
                prometheus.url
            );
            std::thread::sleep(Duration::from_millis(200));
        }
        prometheus
    }

    /// The value of an instant query's first sample, if it has one.
    pub fn query(&self, query: &str) -> Option<f64> {
        let out = Command::new("curl")
            .args([
                "-fsS",
                "--data-urlencode",
                &format!("query={query}"),
                &format!("{}/api/v1/query", self.url),
            ])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let answer: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        answer["data"]["result"][0]["value"][1]
            .as_str()
            .and_then(|v| v.parse().ok())
    }
}
