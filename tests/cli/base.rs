//! The per-key base against a real etcd and real Git: each key's base is the last value both
//! sides agreed on, and it advances for every key a command makes agree, while other keys
//! still differ (a change waiting in Git, drift kept in etcd). Older records (format 1) read
//! as every key settled.

use std::path::Path;

use crate::harness::TestEnv;

const A: &str = "/net/params/mtu";
const A_FILE: &str = "kv/params/mtu";
const B: &str = "/net/params/dns";
const B_FILE: &str = "kv/params/dns";

/// The sync point record as JSON.
fn record(env: &TestEnv) -> serde_json::Value {
    let (_, value) = env
        .kv()
        .dump(b"/netsync/sync/")
        .into_iter()
        .next()
        .expect("a sync point");
    serde_json::from_slice(&value).unwrap()
}

fn unsettled_keys(env: &TestEnv) -> Vec<(String, bool)> {
    record(env)["unsettled"]
        .as_array()
        .map(|list| {
            list.iter()
                .map(|u| {
                    (
                        u["key"].as_str().unwrap().to_owned(),
                        u["etcd"].as_bool().unwrap(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

fn file(env: &TestEnv, repo: &Path, path: &str) -> Option<String> {
    env.show_file(repo, "main", path)
        .map(|b| String::from_utf8(b).unwrap())
}

fn status_json(env: &TestEnv, repo: &Path) -> serde_json::Value {
    serde_json::from_str(&env.netsync_ok(&["status", "--output", "json"], repo)).unwrap()
}

/// Defect 5 of the redesign: a merged change waits in Git for its deploy window while an
/// operator changes another key in etcd twice, with a cron persist after each.
#[test]
fn a_change_waiting_in_git_does_not_wedge_persist_or_apply() {
    let (env, repo) = TestEnv::applied_network();
    let applied_commit = record(&env)["commit"].as_str().unwrap().to_owned();
    env.commit_files(
        &repo,
        &[(A_FILE, b"9000")],
        &[],
        "jumbo frames, deploy tonight",
    );

    env.kv().put(B, "10.0.0.53");
    let out = env.netsync_ok(&["persist"], &repo);
    assert!(out.contains("not applied yet"), "{out}");
    assert_eq!(file(&env, &repo, B_FILE).as_deref(), Some("10.0.0.53"));
    assert_eq!(
        unsettled_keys(&env),
        vec![(A.to_owned(), false)],
        "the sync point moves for B and keeps A's older base"
    );
    assert_ne!(record(&env)["commit"].as_str().unwrap(), applied_commit);

    env.kv().put(B, "10.0.0.54");
    let diff = env.netsync_ok(&["diff", "--output", "json"], &repo);
    let diff: serde_json::Value = serde_json::from_str(&diff).unwrap();
    let class_of = |key: &str| {
        diff["changes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["key"] == key)
            .map(|c| c["class"].as_str().unwrap().to_owned())
    };
    assert_eq!(class_of(A).as_deref(), Some("git_only"), "{diff}");
    assert_eq!(class_of(B).as_deref(), Some("etcd_only"), "{diff}");
    let status = status_json(&env, &repo);
    assert_eq!(status["status"]["counts"]["conflicts"], 0, "{status}");
    assert_eq!(status["status"]["counts"]["git_only"], 1, "{status}");
    assert_eq!(status["status"]["counts"]["drift"], 1, "{status}");

    env.netsync_ok(&["persist"], &repo);
    assert_eq!(file(&env, &repo, B_FILE).as_deref(), Some("10.0.0.54"));
    assert_eq!(file(&env, &repo, A_FILE).as_deref(), Some("9000"));
    assert_eq!(
        env.kv().get(A).as_deref(),
        Some(&b"1420"[..]),
        "not applied yet"
    );

    env.netsync_ok(&["apply"], &repo);
    assert_eq!(env.kv().get(A).as_deref(), Some(&b"9000"[..]));
    assert_eq!(env.kv().get(B).as_deref(), Some(&b"10.0.0.54"[..]));
    assert_eq!(unsettled_keys(&env), vec![], "everything agrees again");
    let status = status_json(&env, &repo);
    assert_eq!(status["status"]["counts"]["git_only"], 0, "{status}");
    assert_eq!(status["status"]["counts"]["drift"], 0, "{status}");
    // Agreement is final: nothing more to record or apply.
    let before = env.rev_parse(&repo, "main");
    env.netsync_ok(&["persist"], &repo);
    assert_eq!(env.rev_parse(&repo, "main"), before);
    env.fsck(&repo);
}

/// apply writes the Git change and keeps drift: the sync point moves to the applied commit
/// for every key but the drifted one, which stays etcd's change however often it changes,
/// until persist records it (reading every value, since the record says etcd differed).
#[test]
fn drift_kept_by_apply_keeps_its_base_while_the_sync_point_moves() {
    let (env, repo) = TestEnv::applied_network();
    env.kv().put(B, "drift 1");
    let target = env.commit_files(&repo, &[(A_FILE, b"1380")], &[], "smaller MTU");
    env.netsync_ok(&["apply"], &repo);
    assert_eq!(env.kv().get(A).as_deref(), Some(&b"1380"[..]));
    assert_eq!(env.kv().get(B).as_deref(), Some(&b"drift 1"[..]), "kept");
    assert_eq!(record(&env)["commit"].as_str().unwrap(), target);
    assert_eq!(unsettled_keys(&env), vec![(B.to_owned(), true)]);

    // Changed again, and another Git change applied after that: still drift, kept, and
    // now older than the record, which says etcd differed on it.
    env.kv().put(B, "drift 2");
    let target = env.commit_files(&repo, &[("kv/params/domain", b"example.org")], &[], "d");
    let out = env.netsync_ok(&["apply"], &repo);
    assert!(out.contains("drift"), "{out}");
    assert_eq!(
        env.kv().get(B).as_deref(),
        Some(&b"drift 2"[..]),
        "still kept"
    );
    assert_eq!(record(&env)["commit"].as_str().unwrap(), target);
    assert_eq!(unsettled_keys(&env), vec![(B.to_owned(), true)]);

    let (out, err) = {
        let o = env
            .netsync()
            .args(["persist", "-v", "--output", "json", "--repo"])
            .arg(&repo)
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        (
            serde_json::from_slice::<serde_json::Value>(&o.stdout).unwrap(),
            String::from_utf8_lossy(&o.stderr).into_owned(),
        )
    };
    assert_eq!(out["persist"]["incremental"], false, "{err}");
    assert!(
        err.contains("a key etcd differed on at the sync point"),
        "{err}"
    );
    assert_eq!(file(&env, &repo, B_FILE).as_deref(), Some("drift 2"));
    assert_eq!(file(&env, &repo, A_FILE).as_deref(), Some("1380"));
    assert_eq!(unsettled_keys(&env), vec![]);

    // Settled again: the next persist reads incrementally.
    env.kv().put(B, "after");
    let o = env
        .netsync()
        .args(["persist", "--output", "json", "--repo"])
        .arg(&repo)
        .output()
        .unwrap();
    assert!(o.status.success());
    let doc: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(doc["persist"]["incremental"], true, "{doc}");
    env.fsck(&repo);
}

/// A record written by an older netsync (format 1, no per-key part) means what it meant:
/// every key agreed at its commit. Commands use it as is and write format 2.
#[test]
fn a_version_1_sync_point_is_used_without_a_migration_step() {
    let (env, repo) = TestEnv::applied_network();
    let (key, value) = env.kv().dump(b"/netsync/sync/").into_iter().next().unwrap();
    let mut old: serde_json::Value = serde_json::from_slice(&value).unwrap();
    old["format_version"] = 1.into();
    env.kv().put(&key, serde_json::to_vec(&old).unwrap());
    env.commit_files(&repo, &[(A_FILE, b"9000")], &[], "pending");
    env.kv().put(B, "changed in etcd");

    let diff = env.netsync_ok(&["diff"], &repo);
    assert!(!diff.contains("conflict"), "{diff}");
    env.netsync_ok(&["persist"], &repo);
    let now = record(&env);
    assert_eq!(now["format_version"], 2);
    assert_eq!(unsettled_keys(&env), vec![(A.to_owned(), false)]);
    env.netsync_ok(&["apply"], &repo);
    assert_eq!(env.kv().get(A).as_deref(), Some(&b"9000"[..]));
    assert_eq!(
        file(&env, &repo, B_FILE).as_deref(),
        Some("changed in etcd")
    );
    env.fsck(&repo);
}
