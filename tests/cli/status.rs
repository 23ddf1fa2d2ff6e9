//! `netsync status` against a real etcd and real Git: JSON fields, the lock holder, three-way
//! counts, push records and remotes, endpoint health, and the monitoring exit codes.

use std::path::PathBuf;

use predicates::str::contains;

use crate::harness::TestEnv;

fn setup() -> (TestEnv, PathBuf, PathBuf) {
    let env = TestEnv::new();
    let remote = env.init_repo("backup.git", true);
    env.copy_fixture(&remote, "network");
    env.commit_files(
        &remote,
        &[(
            "netsync.toml",
            crate::harness::NETWORK_TOML_WITH_ORIGIN.as_bytes(),
        )],
        &[],
        "Configure remotes",
    );
    let local = env.clone_bare(&remote, "local.git");
    (env, remote, local)
}

fn status_json(env: &TestEnv, repo: &std::path::Path, extra: &[&str]) -> (i32, serde_json::Value) {
    let out = env
        .netsync()
        .args(["status", "--output", "json", "--repo"])
        .arg(repo)
        .args(extra)
        .output()
        .unwrap();
    assert!(
        !out.stdout.is_empty(),
        "status printed nothing: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc = crate::harness::json_doc(&out.stdout);
    (out.status.code().unwrap(), doc)
}

#[test]
fn without_a_sync_point_max_age_fails_with_6() {
    let (env, _remote, local) = setup();
    let (code, doc) = status_json(&env, &local, &[]);
    assert_eq!(code, 0);
    assert_eq!(doc["format_version"], 1);
    assert_eq!(doc["command"], "status");
    assert!(doc["status"]["sync_point"].is_null());
    assert_eq!(doc["status"]["lock"]["held"], false);
    let fixture = crate::harness::fixture_kv("network").len();
    assert_eq!(doc["status"]["counts"]["unbased"], fixture);
    env.netsync()
        .args(["status", "--max-age", "30m", "--repo"])
        .arg(&local)
        .assert()
        .code(6)
        .stdout(contains("sync point: none"))
        .stderr(contains("missing"));
}

#[test]
fn reports_sync_point_counts_pushes_remotes_and_endpoints() {
    let (env, remote, local) = setup();
    env.netsync()
        .args(["apply", "--repo"])
        .arg(&local)
        .assert()
        .success();
    env.kv().put("/net/params/mtu", "1380");
    env.netsync()
        .args(["persist", "--repo"])
        .arg(&local)
        .assert()
        .success();
    let tip = env.rev_parse(&local, "main");
    assert_eq!(env.rev_parse(&remote, "main"), tip);

    // drift: changed in etcd; git-only: committed, not applied; conflict: both.
    env.kv().put("/net/params/dns", "9.9.9.9");
    env.commit_files(
        &local,
        &[
            ("kv/params/domain", b"example.org"),
            ("kv/params/subnet", b"git"),
        ],
        &[],
        "edit",
    );
    env.kv().put("/net/params/subnet", "etcd");
    env.kv().put("/net/sessions/x", "ephemeral, not counted");

    let (code, doc) = status_json(&env, &local, &["--max-age", "1h"]);
    assert_eq!(code, 0, "{doc}");
    let s = &doc["status"];
    assert_eq!(s["sync_point"]["commit"], tip);
    assert_eq!(s["sync_point"]["command"], "persist");
    assert!(s["sync_point"]["etcd_revision"].as_i64().unwrap() > 0);
    assert!(s["sync_point"]["age_seconds"].as_u64().unwrap() < 600);
    for field in ["cluster_id", "time", "host"] {
        assert!(s["sync_point"][field].is_string(), "{field}");
    }
    assert_eq!(s["counts"]["drift"], 1);
    assert_eq!(s["counts"]["git_only"], 1);
    assert_eq!(s["counts"]["conflicts"], 1);
    let r = &s["remotes"][0];
    assert_eq!(r["remote"], "origin");
    assert_eq!(r["last_push"]["commit"], tip);
    assert_eq!(r["tip"], tip);
    assert_eq!(r["has_sync_commit"], true);
    let e = &s["endpoints"][0];
    assert_eq!(e["endpoint"], env.endpoints());
    assert_eq!(e["healthy"], true);
    assert!(e["version"].as_str().unwrap().starts_with("3."));
    assert!(!doc.to_string().contains("9.9.9.9"), "no values in status");

    env.netsync()
        .args(["status", "--fail-on", "drift", "--repo"])
        .arg(&local)
        .assert()
        .code(7)
        .stdout(contains("1 drifted in etcd, 1 conflicts"));
    env.netsync()
        .args([
            "status",
            "--fail-on",
            "conflict",
            "--offline",
            "--max-age",
            "1h",
            "--repo",
        ])
        .arg(&local)
        .assert()
        .code(7);
    std::thread::sleep(std::time::Duration::from_secs(2));
    env.netsync()
        .args(["status", "--offline", "--max-age", "1s", "--repo"])
        .arg(&local)
        .assert()
        .code(6)
        .stderr(contains("old (allowed: 1s)"));
}

#[test]
fn shows_the_lock_holder() {
    let (env, _remote, local) = setup();
    env.netsync()
        .args(["apply", "--repo"])
        .arg(&local)
        .assert()
        .success();
    let holder =
        r#"{"host":"core-2","pid":4242,"command":"persist","since":"2026-11-25T10:00:00Z"}"#;
    let (_, doc) = status_json(&env, &local, &[]);
    assert_eq!(doc["status"]["lock"]["held"], false);
    // The lock key is per repository, with the same id as the sync point's key.
    let sync_key = env
        .kv()
        .dump(b"/netsync/sync/")
        .into_keys()
        .next()
        .expect("sync point key");
    let id = String::from_utf8(sync_key[b"/netsync/sync/".len()..].to_vec()).unwrap();
    env.kv()
        .put_with_lease(format!("/netsync/lock/{id}"), holder, 30);
    let (_, doc) = status_json(&env, &local, &[]);
    assert_eq!(doc["status"]["lock"]["held"], true);
    assert_eq!(doc["status"]["lock"]["holder"]["host"], "core-2");
    assert_eq!(
        doc["status"]["lock"]["holder"]["since"],
        "2026-11-25T10:00:00Z"
    );
}

/// What `status` prints for a monitoring system: OpenMetrics for node_exporter's textfile
/// collector, a Nagios plugin line with its exit codes, and `--fail-on` lists with the most
/// severe failure deciding the exit code.
#[test]
fn monitoring_openmetrics_nagios_and_fail_on_lists() {
    let (env, _remote, local) = setup();
    env.netsync_ok(&["apply"], &local);
    env.kv().put("/net/params/mtu", "1380");
    env.netsync_ok(&["persist"], &local);
    env.kv().put("/net/params/dns", "9.9.9.9");

    let run = |args: &[&str]| {
        let out = env
            .netsync()
            .arg("status")
            .args(args)
            .arg("--repo")
            .arg(&local)
            .output()
            .unwrap();
        (
            out.status.code().unwrap(),
            String::from_utf8(out.stdout).unwrap(),
            String::from_utf8(out.stderr).unwrap(),
        )
    };

    // OpenMetrics: the documented metrics, one value each, and `# EOF` last.
    let (code, text, err) = run(&["--output", "openmetrics"]);
    assert_eq!(code, 0, "{err}");
    assert!(text.ends_with("# EOF\n"), "{text}");
    let value = |line: &str| {
        text.lines()
            .find(|l| l.starts_with(line) && !l.starts_with('#'))
            .unwrap_or_else(|| panic!("no {line} in:\n{text}"))
            .rsplit(' ')
            .next()
            .unwrap()
            .parse::<f64>()
            .unwrap()
    };
    assert_eq!(value("netsync_status_success "), 1.0);
    assert!(value("netsync_sync_point_timestamp_seconds ") > 1.7e9);
    assert!(value("netsync_sync_point_age_seconds ") < 600.0);
    assert_eq!(value("netsync_keys{class=\"etcd_only\"} "), 1.0);
    assert_eq!(value("netsync_keys{class=\"conflict\"} "), 0.0);
    assert_eq!(value("netsync_keys{class=\"git_only\"} "), 0.0);
    assert!(value("netsync_keys{class=\"unchanged\"} ") > 10.0);
    assert!(value("netsync_remote_last_push_timestamp_seconds{remote=\"origin\"} ") > 1.7e9);
    assert_eq!(
        value("netsync_remote_has_sync_commit{remote=\"origin\"} "),
        1.0
    );
    assert_eq!(
        value(&format!(
            "netsync_endpoint_up{{endpoint=\"{}\"}} ",
            env.endpoints()
        )),
        1.0
    );
    assert_eq!(value("netsync_lock_held "), 0.0);
    assert_eq!(value("netsync_persist_refused "), 0.0);
    assert!(text.contains("# TYPE netsync_sync_point_age_seconds gauge"));
    assert!(!text.contains("9.9.9.9"), "no values");

    // Nagios: OK, WARNING, CRITICAL, UNKNOWN, one line each, with perfdata.
    let (code, line, _) = run(&["--nagios", "--max-age", "1h"]);
    assert_eq!(code, 0);
    assert!(line.starts_with("NETSYNC OK - sync point "), "{line}");
    assert!(line.contains(" | sync_point_age="), "{line}");
    assert!(line.contains(";;3600;0 "), "{line}");
    assert!(line.contains("keys_etcd_only=1"), "{line}");
    assert_eq!(line.lines().count(), 1);
    let (code, line, _) = run(&["--nagios", "--warn-on", "drift"]);
    assert_eq!(code, 1, "{line}");
    assert!(
        line.starts_with("NETSYNC WARNING - 1 key(s) drifted in etcd, not persisted |"),
        "{line}"
    );
    let (code, line, _) = run(&[
        "--nagios",
        "--warn-on",
        "drift",
        "--fail-on",
        "conflict,drift",
    ]);
    assert_eq!(code, 2, "{line}");
    assert!(
        line.starts_with("NETSYNC CRITICAL - 1 key(s) drifted"),
        "{line}"
    );
    let (code, line, _) = run(&[
        "--nagios",
        "--endpoints",
        "http://127.0.0.1:1",
        "--dial-timeout",
        "1s",
    ]);
    // etcd unreachable is CRITICAL (the endpoint is down); not being able to check at all
    // (here: a branch that does not exist) is UNKNOWN.
    assert_eq!(code, 2, "{line}");
    assert!(
        line.starts_with("NETSYNC CRITICAL - cannot reach etcd at http://127.0.0.1:1; unhealthy endpoints: http://127.0.0.1:1 |"),
        "{line}"
    );
    let (code, line, _) = run(&["--nagios", "--branch", "no-such-branch"]);
    assert_eq!(code, 3, "{line}");
    assert!(line.starts_with("NETSYNC UNKNOWN - "), "{line}");
    assert_eq!(line.lines().count(), 1, "{line}");

    // --fail-on lists: every failing check named on its own line.
    let (code, _, err) = run(&[
        "--offline",
        "--fail-on",
        "drift,conflict,no-remote,lock,refused",
    ]);
    assert_eq!(code, 7, "{err}");
    assert_eq!(
        err,
        "error: 1 key(s) drifted in etcd, not persisted (--fail-on drift)\n"
    );
    // A stuck lock holder, then a refused persist.
    let sync_key = env
        .kv()
        .dump(b"/netsync/sync/")
        .into_keys()
        .next()
        .expect("sync point key");
    let id = String::from_utf8(sync_key[b"/netsync/sync/".len()..].to_vec()).unwrap();
    let holder =
        r#"{"host":"core-2","pid":4242,"command":"persist","since":"2026-11-25T10:00:00Z"}"#;
    env.kv()
        .put_with_lease(format!("/netsync/lock/{id}"), holder, 60);
    let (code, _, err) = run(&["--offline", "--fail-on", "lock"]);
    assert_eq!(code, 7, "{err}");
    assert!(
        err.starts_with("error: the lock has been held for ")
            && err.contains("(allowed: 10m) by netsync persist pid 4242 on core-2"),
        "{err}"
    );
    let (code, _, err) = run(&[
        "--offline",
        "--fail-on",
        "lock",
        "--max-lock-age",
        "100years",
    ]);
    assert_eq!(code, 0, "{err}");
    env.kv().delete_prefix("/netsync/lock/");
    env.kv().delete_prefix("/net/");
    let out = env
        .netsync()
        .args(["persist", "--repo"])
        .arg(&local)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3), "the mass-delete guard refuses");
    let (code, _, err) = run(&["--offline", "--fail-on", "refused"]);
    assert_eq!(code, 7, "{err}");
    assert!(
        err.contains("the last persist was refused (mass-delete guard)"),
        "{err}"
    );
    // A stale sync point is the most severe: exit 6, with every failure listed.
    std::thread::sleep(std::time::Duration::from_secs(2));
    let (code, _, err) = run(&["--offline", "--max-age", "1s", "--fail-on", "refused"]);
    assert_eq!(code, 6, "{err}");
    assert!(err.starts_with("error: the sync point is "), "{err}");
    assert!(
        err.contains("(--max-age)\nerror: the last persist was refused"),
        "{err}"
    );
    // Warnings do not fail.
    let (code, _, err) = run(&["--offline", "--warn-on", "refused"]);
    assert_eq!(code, 0, "{err}");
    assert!(
        err.starts_with("warning: the last persist was refused"),
        "{err}"
    );
}

/// Without `persist.remotes`, persist says its commits stay local, and `status --fail-on
/// no-remote` fails; `--output openmetrics` belongs to status alone.
#[test]
fn no_remotes_are_warned_about_and_checked() {
    let env = TestEnv::new();
    let repo = env.init_repo("network", true);
    env.copy_fixture(&repo, "network");
    env.netsync_ok(&["apply"], &repo);
    env.kv().put("/net/params/mtu", "1380");
    let out = env
        .netsync()
        .args(["persist", "--repo"])
        .arg(&repo)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert!(
        err.contains(
            "warning: persist.remotes is empty: the commits stay in this repository alone"
        ),
        "{err}"
    );
    // -q: nothing but errors, though it commits a change.
    env.kv().put("/net/params/mtu", "1400");
    env.netsync()
        .args(["persist", "-q", "--repo"])
        .arg(&repo)
        .assert()
        .success()
        .stdout("")
        .stderr("");
    assert_eq!(
        env.show_file(&repo, "main", "kv/params/mtu"),
        Some(b"1400".to_vec())
    );
    env.netsync()
        .args(["status", "--fail-on", "no-remote", "--repo"])
        .arg(&repo)
        .assert()
        .code(7)
        .stderr(contains("error: no persist.remotes"));
    env.netsync()
        .args(["diff", "--output", "openmetrics", "--repo"])
        .arg(&repo)
        .assert()
        .code(64)
        .stderr(contains(
            "--output openmetrics is for `netsync status` and `netsync verify` only",
        ));
}
