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
    let doc = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)));
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
