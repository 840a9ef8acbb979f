//! Many clusters: registering them, least-privilege RBAC, and a token
//! kubeconfig for CI, against three independent local control planes.

mod support;

use std::path::PathBuf;
use std::sync::atomic::{AtomicU32, Ordering};

use support::{Run, kubeconfig_all, kubectl_in, ramp_with, web_app};

/// A clusters file of its own for one test.
fn registry_file() -> PathBuf {
    static COUNT: AtomicU32 = AtomicU32::new(0);
    let n = COUNT.fetch_add(1, Ordering::SeqCst);
    let path = std::env::temp_dir().join(format!("ramp-clusters-{}-{n}.yaml", std::process::id()));
    let _ = std::fs::remove_file(&path);
    path
}

fn ramp_clusters(registry: &PathBuf, args: &[&str]) -> Run {
    ramp_with(args, |c| {
        c.env("KUBECONFIG", kubeconfig_all())
            .env("RAMP_CLUSTERS", registry);
    })
}

#[test]
fn setup_registers_clusters_and_list_shows_their_routers() {
    let registry = registry_file();
    ramp_clusters(
        &registry,
        &[
            "cluster",
            "setup",
            "--context",
            "ramp-testenv",
            "--name",
            "eu-1",
            "--region",
            "eu",
            "--capability",
            "gpu",
        ],
    )
    .success();
    let run = ramp_clusters(
        &registry,
        &[
            "cluster",
            "setup",
            "--context",
            "ramp-testenv-2",
            "--name",
            "us-1",
            "--region",
            "us",
        ],
    )
    .success();
    assert!(
        run.stdout.lines().any(|l| l.starts_with("us-1")
            && l.contains("istio,gateway-api,replicas")
            && l.ends_with("all")),
        "{run}"
    );
    // Setup is idempotent: again, and still two clusters.
    ramp_clusters(
        &registry,
        &[
            "cluster",
            "setup",
            "--context",
            "ramp-testenv-2",
            "--name",
            "us-1",
            "--region",
            "us",
        ],
    )
    .success();

    let list = ramp_clusters(&registry, &["cluster", "list", "-o", "json"])
        .success()
        .json();
    let rows = list.as_array().unwrap();
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0]["name"], "eu-1");
    assert_eq!(rows[0]["region"], "eu");
    assert_eq!(rows[0]["capabilities"], serde_json::json!(["gpu"]));
    assert_eq!(rows[1]["context"], "ramp-testenv-2");
    for row in rows {
        assert_eq!(row["reachable"], true);
        assert_eq!(row["version"], "v1.36.3");
        assert_eq!(
            row["routers"],
            serde_json::json!(["istio", "gateway-api", "replicas"])
        );
    }
    ramp_clusters(&registry, &["cluster", "check"]).success();

    ramp_clusters(&registry, &["cluster", "remove", "us-1"]).success();
    let list = ramp_clusters(&registry, &["cluster", "list", "-o", "json"])
        .success()
        .json();
    assert_eq!(list.as_array().unwrap().len(), 1);
    let run = ramp_clusters(&registry, &["cluster", "remove", "us-1"]).code(2);
    assert!(run.stderr.contains("no cluster named \"us-1\""), "{run}");
    assert!(
        run.stderr.contains("the registered clusters are: eu-1"),
        "{run}"
    );
    let run = ramp_clusters(&registry, &["cluster", "setup"]).code(2);
    assert!(
        run.stderr.contains("cluster setup needs --context"),
        "{run}"
    );
}

#[test]
fn an_unreachable_cluster_is_named_with_the_reason() {
    let registry = registry_file();
    ramp_clusters(
        &registry,
        &[
            "cluster",
            "setup",
            "--context",
            "ramp-testenv",
            "--name",
            "alive",
        ],
    )
    .success();
    let dead = registry.with_extension("kubeconfig");
    std::fs::write(
        &dead,
        "apiVersion: v1\nkind: Config\nclusters:\n- name: gone\n  cluster: {server: 'https://127.0.0.1:1'}\n\
         users:\n- name: u\n  user: {token: t}\ncontexts:\n- name: gone\n  context: {cluster: gone, user: u}\n\
         current-context: gone\n",
    )
    .unwrap();
    let mut text = std::fs::read_to_string(&registry).unwrap();
    text.push_str(&format!(
        "- name: gone\n  context: gone\n  kubeconfig: {}\n",
        dead.display()
    ));
    std::fs::write(&registry, text).unwrap();

    let list = ramp_clusters(&registry, &["cluster", "list"]).success();
    let row = list
        .stdout
        .lines()
        .find(|l| l.starts_with("gone"))
        .unwrap()
        .to_string();
    assert!(
        row.contains("no: cannot reach the Kubernetes API server at https://127.0.0.1:1"),
        "{list}"
    );
    let check = ramp_clusters(&registry, &["cluster", "check"]).code(1);
    assert!(
        check
            .stderr
            .contains("not ready for rollouts: gone (unreachable)"),
        "{check}"
    );
    // A status across clusters that could not see the rollout on one is
    // no success: it shows what it saw, and names each it could not see
    // (exit 1 when one is out of reach).
    let status = ramp_clusters(&registry, &["status", "web", "--all-clusters"]).code(1);
    assert!(
        status.stderr.contains(
            "the rollout could not be seen on 2 of 2 clusters: alive (deployment \"web\" not found in namespace \"default\"); gone (cannot reach"
        ),
        "{status}"
    );
}

#[test]
fn the_generated_rbac_runs_a_whole_rollout_and_a_missing_permission_is_named() {
    let registry = registry_file();
    let ns = format!("rbac-{}", std::process::id());
    // The cluster-wide freeze of this test alone, so that the other tests
    // on the plane are not frozen.
    let ops = format!("rbac-ops-{}", std::process::id());
    kubectl_in("ramp-testenv-2", &["create", "namespace", &ns], "").success();
    kubectl_in("ramp-testenv-2", &["create", "namespace", &ops], "").success();
    kubectl_in(
        "ramp-testenv-2",
        &["apply", "-n", &ns, "-f", "-"],
        &web_app("web", 2, "example.com/web:1"),
    )
    .success();
    let setup = ramp_clusters(
        &registry,
        &[
            "cluster",
            "setup",
            "--context",
            "ramp-testenv-2",
            "-n",
            &ns,
            "--create-rbac",
            "--freeze-namespace",
            &ops,
            "--print-kubeconfig",
            "--token-ttl",
            "15m",
        ],
    )
    .success();
    let ci_kubeconfig = registry.with_extension("ci-kubeconfig");
    std::fs::write(&ci_kubeconfig, &setup.stdout).unwrap();
    assert!(
        !setup.stdout.contains("client-certificate"),
        "a token, not the admin's certificate"
    );
    let with_token = |args: &[&str]| {
        ramp_with(args, |c| {
            c.env("KUBECONFIG", &ci_kubeconfig)
                .env("RAMP_CLUSTERS", &registry);
        })
    };
    support::wait_until("web ready", std::time::Duration::from_secs(60), || {
        let d = kubectl_in(
            "ramp-testenv-2",
            &["get", "deployment", "web", "-n", &ns, "-o", "json"],
            "",
        )
        .json();
        d["status"]["readyReplicas"] == 2
    });

    // The ServiceAccount's token alone: the whole rollout.
    with_token(&[
        "start",
        "web",
        "--image",
        "example.com/web:2",
        "--steps",
        "50,100",
    ])
    .success();
    with_token(&["step", "web"]).success();
    let status = with_token(&["promote", "web", "-o", "json"])
        .success()
        .json();
    assert_eq!(status["phase"], "Succeeded");
    // Nothing cluster-wide was granted.
    let bindings = kubectl_in(
        "ramp-testenv-2",
        &["get", "clusterrolebindings", "-o", "name"],
        "",
    )
    .success();
    assert!(!bindings.stdout.contains("kubectl-ramp"), "{bindings}");
    assert!(
        !setup.stderr.contains("warning") && !bindings.stderr.contains("warning"),
        "{setup}"
    );

    // The ServiceAccount reads the freezes: the namespace's, and the
    // cluster's in the freeze namespace registered at setup. Freezing is
    // not its to do: Role kubectl-ramp-freezer is bound to no one.
    let admin = |args: &[&str]| {
        let mut all = args.to_vec();
        all.extend(["--context", "ramp-testenv-2", "-n", &ns]);
        ramp_clusters(&registry, &all)
    };
    for (scope, said) in [
        (None, format!("namespace \"{ns}\" is frozen by ")),
        (
            Some("--all-namespaces"),
            "the cluster is frozen by ".to_string(),
        ),
    ] {
        let mut freeze = vec!["freeze", "--reason", "release freeze"];
        freeze.extend(scope);
        admin(&freeze).success();
        let refused = with_token(&["start", "web", "--image", "example.com/web:3"]).code(2);
        assert!(refused.stderr.contains(&said), "{refused}");
        assert!(!refused.stderr.contains("warning"), "{refused}");
        let mut unfreeze = vec!["unfreeze"];
        unfreeze.extend(scope);
        admin(&unfreeze).success();
    }
    // A freeze it may not read holds as one that is there: without the
    // reading of the cluster's freeze, start is refused and changes
    // nothing, until an override (recorded) passes it.
    let binding = format!("kubectl-ramp-freeze-reader-{ns}");
    let mut kept = kubectl_in(
        "ramp-testenv-2",
        &["get", "rolebinding", &binding, "-n", &ops, "-o", "json"],
        "",
    )
    .json();
    kubectl_in(
        "ramp-testenv-2",
        &["delete", "rolebinding", &binding, "-n", &ops],
        "",
    )
    .success();
    let template = || {
        kubectl_in(
            "ramp-testenv-2",
            &["get", "deployment", "web", "-n", &ns, "-o", "json"],
            "",
        )
        .json()["spec"]["template"]
            .clone()
    };
    let before = template();
    let refused = with_token(&["start", "web", "--image", "example.com/web:3"]).code(2);
    assert!(
        refused
            .stderr
            .contains("start refused: a freeze may hold it, and it cannot be known")
            && refused.stderr.contains(&format!("in namespace \"{ops}\"")),
        "{refused}"
    );
    assert_eq!(template(), before, "nothing changed: {refused}");
    let overridden = with_token(&[
        "start",
        "web",
        "--image",
        "example.com/web:3",
        "--steps",
        "50",
        "--override-freeze",
        "the freeze cannot be read from CI",
    ])
    .success();
    assert!(
        overridden.stderr.contains(
            "freeze overridden (the freeze cannot be read from CI); the freezes could not all be read"
        ),
        "{overridden}"
    );
    with_token(&["abort", "web"]).success();
    kept["metadata"] = serde_json::json!({"name": binding, "namespace": ops});
    kubectl_in("ramp-testenv-2", &["create", "-f", "-"], &kept.to_string()).success();

    let not_allowed = with_token(&["freeze", "--reason", "mine"]).code(1);
    assert!(not_allowed.stderr.contains("forbidden"), "{not_allowed}");
    let freezer = kubectl_in(
        "ramp-testenv-2",
        &[
            "get",
            "role",
            "kubectl-ramp-freezer",
            "-n",
            &ops,
            "-o",
            "json",
        ],
        "",
    )
    .json();
    assert_eq!(
        freezer["rules"][1]["resourceNames"][0],
        "kubectl-ramp-freeze"
    );

    // One permission fewer: the next rollout is refused up front, naming it.
    let role = kubectl_in(
        "ramp-testenv-2",
        &["get", "role", "kubectl-ramp", "-n", &ns, "-o", "json"],
        "",
    )
    .json();
    let mut role = role.clone();
    let rules = role["rules"].as_array_mut().unwrap();
    let deployments = rules
        .iter_mut()
        .find(|r| r["resources"][0] == "deployments")
        .unwrap();
    deployments["verbs"] = serde_json::json!(["get", "list", "watch", "create", "delete"]);
    kubectl_in("ramp-testenv-2", &["replace", "-f", "-"], &role.to_string()).success();
    let run = with_token(&[
        "start",
        "web",
        "--image",
        "example.com/web:3",
        "--steps",
        "50,100",
    ])
    .code(2);
    assert!(
        run.stderr.contains(&format!(
            "these credentials may not do what the rollout needs in namespace \"{ns}\": patch deployments.apps"
        )),
        "{run}"
    );

    // Without the reading of the freeze: start names it up front; status
    // says it cannot see the freeze, and shows the rest.
    let mut role = role.clone();
    role["rules"]
        .as_array_mut()
        .unwrap()
        .retain(|r| r["resources"][0] != "configmaps");
    role["metadata"]
        .as_object_mut()
        .unwrap()
        .remove("resourceVersion");
    kubectl_in("ramp-testenv-2", &["replace", "-f", "-"], &role.to_string()).success();
    let run = with_token(&[
        "start",
        "web",
        "--image",
        "example.com/web:3",
        "--steps",
        "50,100",
    ])
    .code(2);
    assert!(
        run.stderr.contains("get configmaps/kubectl-ramp-freeze"),
        "{run}"
    );
    let status = with_token(&["status", "web", "-o", "json"]).success();
    assert!(
        status.stderr.contains(&format!(
            "warning: cannot read the freeze (configmap \"kubectl-ramp-freeze\") in namespace \"{ns}\""
        )),
        "{status}"
    );
    // The last rollout: the one started through the override, aborted.
    assert_eq!(status.json()["phase"], "Aborted", "{status}");
    kubectl_in(
        "ramp-testenv-2",
        &["delete", "namespace", &ns, &ops, "--wait=false"],
        "",
    )
    .success();
}

/// Three clusters registered (c1 and c2 in region eu, c3 in us), each with
/// the web app behind a VirtualService in namespace `ns`.
fn three_clusters(ns: &str) -> PathBuf {
    let registry = registry_file();
    for (i, context) in support::PLANES.iter().enumerate() {
        let region = if i < 2 { "eu" } else { "us" };
        let name = format!("c{}", i + 1);
        ramp_clusters(
            &registry,
            &[
                "cluster",
                "setup",
                "--context",
                context,
                "--name",
                &name,
                "--region",
                region,
            ],
        )
        .success();
    }
    support::istio_app_on_planes(ns, 2);
    registry
}

fn steps(status: &serde_json::Value) -> Vec<(String, u64)> {
    status
        .as_array()
        .unwrap()
        .iter()
        .map(|row| {
            (
                row["cluster"].as_str().unwrap().to_string(),
                row["status"]["step"]["index"].as_u64().unwrap(),
            )
        })
        .collect()
}

/// The rollout record of web in `ns` on the plane `context`.
fn record_on(context: &str, ns: &str) -> Option<serde_json::Value> {
    let d = kubectl_in(
        context,
        &["get", "deployment", "web", "-n", ns, "-o", "json"],
        "",
    )
    .json();
    d["metadata"]["annotations"]["ramp.dev/record"]
        .as_str()
        .map(|raw| serde_json::from_str(raw).unwrap())
}

#[test]
fn across_clusters_an_abort_passes_clusters_with_nothing_and_a_refused_start_starts_nowhere() {
    let ns = format!("own-{}", std::process::id());
    let registry = three_clusters(&ns);
    let on = |args: &[&str]| {
        let mut all = vec!["-n", ns.as_str()];
        all.extend_from_slice(args);
        ramp_clusters(&registry, &all)
    };
    let start_c2 = [
        "start",
        "web",
        "--image",
        "example.com/web:3",
        "--steps",
        "50,100",
        "--clusters",
        "c2",
    ];
    on(&start_c2).success();
    // Only c2 has a rollout: the others have nothing to abort, which is
    // said, and is no failure.
    let abort = on(&["abort", "web", "--all-clusters"]).success();
    assert!(
        abort.stderr.contains(
            "[c1] deployment \"web\" has no rollout in progress; there is nothing to abort"
        ),
        "{abort}"
    );
    assert_eq!(
        record_on("ramp-testenv-2", &ns).unwrap()["phase"],
        "Aborted"
    );
    assert!(record_on("ramp-testenv", &ns).is_none(), "{abort}");
    let nowhere = on(&["abort", "web", "--clusters", "c1,c3"]).code(2);
    assert!(
        nowhere.stderr.contains("there is nothing to abort"),
        "{nowhere}"
    );

    // Someone else's rollout in progress on c2: a start everywhere is
    // refused there, and starts nowhere else either: every cluster is
    // checked before the first write.
    on(&start_c2).success();
    let start = on(&[
        "start",
        "web",
        "--image",
        "example.com/web:2",
        "--steps",
        "50,100",
        "--all-clusters",
    ]);
    assert_ne!(start.code, Some(0), "{start}");
    assert!(start.stderr.contains("[c2] error: "), "{start}");
    let theirs = record_on("ramp-testenv-2", &ns).unwrap();
    assert_eq!(theirs["phase"], "Paused", "{start}");
    assert!(
        theirs["contender"]["template"]
            .to_string()
            .contains("example.com/web:3"),
        "{theirs}"
    );
    for context in ["ramp-testenv", "ramp-testenv-3"] {
        assert!(record_on(context, &ns).is_none(), "{start}");
    }
    assert!(
        start.stderr.contains(
            "[c1] error: not started: the start failed on c2, and no cluster starts before every one can"
        ),
        "{start}"
    );
    assert!(!start.stderr.contains("aborting the rollout"), "{start}");
    on(&["abort", "web", "--clusters", "c2"]).success();
}

#[test]
fn clusters_move_in_lock_step() {
    let ns = format!("lockstep-{}", std::process::id());
    let registry = three_clusters(&ns);
    let start = ramp_clusters(
        &registry,
        &[
            "start",
            "web",
            "-n",
            &ns,
            "--image",
            "example.com/web:2",
            "--steps",
            "20,50,100",
            "--all-clusters",
            "-o",
            "json",
        ],
    )
    .success();
    let expected = |n: u64| {
        vec![
            ("c1".to_string(), n),
            ("c2".to_string(), n),
            ("c3".to_string(), n),
        ]
    };
    assert_eq!(steps(&start.json()), expected(1), "{start}");
    // A driver across clusters is no more rehearsed than on one: refused,
    // with every record as it was.
    let records: Vec<_> = support::PLANES.iter().map(|c| record_on(c, &ns)).collect();
    let rehearsal = ramp_clusters(
        &registry,
        &["run", "web", "-n", &ns, "--all-clusters", "--dry-run"],
    )
    .code(2);
    assert!(
        rehearsal.stderr.contains("run does not take --dry-run"),
        "{rehearsal}"
    );
    let after: Vec<_> = support::PLANES.iter().map(|c| record_on(c, &ns)).collect();
    assert_eq!(after, records);
    for cluster in ["c1", "c2", "c3"] {
        assert!(
            start
                .stderr
                .contains(&format!("[{cluster}] reached step 1/3 (20%)")),
            "{start}"
        );
    }

    // One cluster is stepped on its own; the next step across all brings
    // the others level before any goes further.
    ramp_clusters(&registry, &["step", "web", "-n", &ns, "--clusters", "c1"]).success();
    let status = ramp_clusters(
        &registry,
        &["status", "web", "-n", &ns, "--all-clusters", "-o", "json"],
    )
    .success()
    .json();
    assert_eq!(
        steps(&status),
        vec![("c1".into(), 2), ("c2".into(), 1), ("c3".into(), 1)]
    );
    let step = ramp_clusters(
        &registry,
        &["step", "web", "-n", &ns, "--all-clusters", "-o", "json"],
    )
    .success();
    assert_eq!(steps(&step.json()), expected(2));
    let step = ramp_clusters(
        &registry,
        &["step", "web", "-n", &ns, "--region", "eu", "-o", "json"],
    )
    .success();
    assert_eq!(
        steps(&step.json()),
        vec![("c1".into(), 3), ("c2".into(), 3)]
    );

    let table = ramp_clusters(&registry, &["status", "web", "-n", &ns, "--all-clusters"]).success();
    assert!(
        table
            .stdout
            .lines()
            .any(|l| l.starts_with("c3") && l.contains("2/3")),
        "{table}"
    );
    assert!(table.stdout.contains("3 of 3 clusters answered"), "{table}");

    let promote = ramp_clusters(
        &registry,
        &["promote", "web", "-n", &ns, "--all-clusters", "-o", "json"],
    )
    .success()
    .json();
    for row in promote.as_array().unwrap() {
        assert_eq!(row["status"]["phase"], "Succeeded", "{promote:#}");
    }
}

#[test]
fn waves_roll_out_region_by_region() {
    let ns = format!("waves-{}", std::process::id());
    let registry = three_clusters(&ns);
    let phases = |json: &serde_json::Value| -> Vec<(String, String, u64)> {
        json.as_array()
            .unwrap()
            .iter()
            .map(|row| {
                (
                    row["cluster"].as_str().unwrap().to_string(),
                    row["status"]["phase"].as_str().unwrap().to_string(),
                    row["status"]["step"]["index"].as_u64().unwrap(),
                )
            })
            .collect()
    };
    let at = |c1: (&str, u64), c2: (&str, u64), c3: (&str, u64)| {
        vec![
            ("c1".to_string(), c1.0.to_string(), c1.1),
            ("c2".to_string(), c2.0.to_string(), c2.1),
            ("c3".to_string(), c3.0.to_string(), c3.1),
        ]
    };
    let wave = ["--all-clusters", "--waves", "region", "-o", "json"];
    let mut start = vec![
        "start",
        "web",
        "-n",
        &ns,
        "--image",
        "example.com/web:2",
        "--steps",
        "50,100",
    ];
    start.extend(wave);
    let run = ramp_clusters(&registry, &start).success();
    assert_eq!(
        phases(&run.json()),
        at(("Paused", 1), ("Paused", 1), ("Idle", 0)),
        "{run}"
    );

    let mut step = vec!["step", "web", "-n", &ns];
    step.extend(wave);
    let expected = [
        at(("Paused", 2), ("Paused", 2), ("Idle", 0)),
        at(("Succeeded", 2), ("Succeeded", 2), ("Idle", 0)),
        at(("Succeeded", 2), ("Succeeded", 2), ("Paused", 1)),
        at(("Succeeded", 2), ("Succeeded", 2), ("Paused", 2)),
        at(("Succeeded", 2), ("Succeeded", 2), ("Succeeded", 2)),
    ];
    for (i, wanted) in expected.iter().enumerate() {
        let run = ramp_clusters(&registry, &step).success();
        assert_eq!(&phases(&run.json()), wanted, "step {}: {run}", i + 1);
    }
    let run = ramp_clusters(&registry, &step).code(2);
    assert!(
        run.stderr
            .contains("every region has rolled out this version"),
        "{run}"
    );
    let image = kubectl_in(
        "ramp-testenv-3",
        &["get", "deployment", "web", "-n", &ns, "-o", "json"],
        "",
    )
    .json();
    assert_eq!(
        image["spec"]["template"]["spec"]["containers"][0]["image"],
        "example.com/web:2"
    );
}

#[test]
fn an_automated_rollout_across_clusters_moves_in_lock_step_and_promotes() {
    let ns = format!("auto-many-{}", std::process::id());
    let registry = three_clusters(&ns);
    let run = ramp_clusters(
        &registry,
        &[
            "start",
            "web",
            "-n",
            &ns,
            "--image",
            "example.com/web:2",
            "--steps",
            "50,100",
            "--all-clusters",
            "--auto",
            "--interval",
            "1s",
            "-o",
            "json",
        ],
    )
    .success();
    for row in run.json().as_array().unwrap() {
        assert_eq!(row["status"]["phase"], "Succeeded", "{run}");
    }
    for cluster in ["c1", "c2", "c3"] {
        assert!(
            run.stderr
                .contains(&format!("[{cluster}] check pod-health: pass")),
            "{run}"
        );
    }
    // Lock-step: no cluster reached step 2 before every one had passed its
    // check at step 1.
    let lines: Vec<&str> = run.stderr.lines().collect();
    let first_step_two = lines
        .iter()
        .position(|l| l.contains("reached step 2/2"))
        .unwrap();
    let checks_before = lines[..first_step_two]
        .iter()
        .filter(|l| l.contains("check pod-health: pass"))
        .count();
    assert_eq!(checks_before, 3, "{run}");
}

#[test]
fn a_failed_gate_during_an_automated_rollout_rolls_back_every_cluster() {
    let ns = format!("auto-gate-{}", std::process::id());
    let registry = three_clusters(&ns);
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        use std::io::{BufRead, Write};
        for stream in listener.incoming().flatten() {
            let mut reader = std::io::BufReader::new(stream.try_clone().unwrap());
            let mut line = String::new();
            while reader.read_line(&mut line).is_ok_and(|n| n > 2) {
                line.clear();
            }
            let mut stream = stream;
            let _ = write!(
                stream,
                "HTTP/1.1 500 X\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
            );
        }
    });
    let analysis = registry.with_extension("analysis.yaml");
    std::fs::write(
        &analysis,
        format!("webhooks:\n- name: smoke\n  type: step\n  url: {url}\n  timeout: 3s\n"),
    )
    .unwrap();
    let run = ramp_clusters(
        &registry,
        &[
            "start",
            "web",
            "-n",
            &ns,
            "--image",
            "example.com/web:2",
            "--steps",
            "50,100",
            "--all-clusters",
            "--auto",
            "--interval",
            "1s",
            "--analysis",
            analysis.to_str().unwrap(),
        ],
    )
    .code(3);
    assert!(
        run.stderr
            .contains("the rollout was rolled back on every cluster: webhook smoke answered 500"),
        "{run}"
    );
    for context in ["ramp-testenv", "ramp-testenv-2", "ramp-testenv-3"] {
        let vs = kubectl_in(
            context,
            &["get", "virtualservice", "web", "-n", &ns, "-o", "json"],
            "",
        )
        .json();
        assert_eq!(
            support::weights(&vs, 0),
            [("web".to_string(), 0)],
            "{context}"
        );
        let d = kubectl_in(context, &["get", "deployment", "web-canary", "-n", &ns], "");
        assert_ne!(d.code, Some(0), "{context}: the contender is gone");
    }
}

#[test]
fn a_clusters_file_with_a_missing_context_or_a_cluster_twice_is_refused_before_any_write() {
    let ns = format!("clusters-file-{}", std::process::id());
    kubectl_in(support::PLANES[0], &["create", "namespace", &ns], "").success();
    kubectl_in(
        support::PLANES[0],
        &["apply", "-n", &ns, "-f", "-"],
        &web_app("web", 1, "example.com/web:1"),
    )
    .success();
    let registry = registry_file();
    let cases = [
        (
            "clusters:\n- {name: c1, context: ramp-testenv}\n- {name: c2, context: nowhere}\n",
            "cluster \"c2\" names context \"nowhere\", which the kubeconfig does not have",
        ),
        (
            "clusters:\n- {name: c1, context: ramp-testenv}\n- {name: c1, context: ramp-testenv-2}\n",
            "names cluster \"c1\" twice",
        ),
        (
            "clusters:\n- {name: c1, context: ramp-testenv}\n- {name: c2, context: ramp-testenv}\n",
            "clusters \"c1\" and \"c2\" are the same context \"ramp-testenv\"",
        ),
    ];
    for (file, refusal) in cases {
        std::fs::write(&registry, file).unwrap();
        let start = ramp_clusters(
            &registry,
            &[
                "-n",
                &ns,
                "start",
                "web",
                "--image",
                "example.com/web:2",
                "--all-clusters",
            ],
        )
        .code(2);
        assert!(start.stderr.contains(refusal), "{file}: {start}");
        let web = kubectl_in(
            support::PLANES[0],
            &["get", "deployment", "web", "-n", &ns, "-o", "json"],
            "",
        )
        .json();
        assert!(
            web["metadata"]["annotations"]["ramp.dev/record"].is_null(),
            "{file}: nothing was written on c1"
        );
    }
    kubectl_in(
        support::PLANES[0],
        &["delete", "namespace", &ns, "--wait=false"],
        "",
    );
}
