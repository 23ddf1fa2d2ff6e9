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
    crate::harness::json_doc(env.netsync_ok(&["status", "--output", "json"], repo))
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
    let diff = crate::harness::json_doc(&diff);
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
            crate::harness::json_doc(&o.stdout),
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
    let doc = crate::harness::json_doc(&o.stdout);
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

/// A key Git changed while etcd held it under a lease: neither command touches it, and when
/// the lease goes, persist must not record the key's absence over the change that never
/// reached etcd.
#[test]
fn a_git_change_to_a_leased_key_waits_and_is_never_reverted() {
    let (env, repo) = TestEnv::applied_network();
    let lease = env.kv().put_with_lease(B, "runtime value", 60);
    env.commit_files(&repo, &[(B_FILE, b"1.1.1.1")], &[], "dns");
    env.netsync_ok(&["apply"], &repo);
    env.netsync_ok(&["persist", "--no-push"], &repo);
    assert_eq!(file(&env, &repo, B_FILE).as_deref(), Some("1.1.1.1"));
    let client = env.kv().client();
    env.kv()
        .block_on(async move { client.lease_client().revoke(lease).await })
        .expect("revoke");
    assert_eq!(env.kv().get(B), None);

    // Deleted in etcd, changed in Git since they last agreed: a conflict, not drift.
    let doc: serde_json::Value =
        crate::harness::json_doc(env.netsync_ok(&["diff", "--output", "json"], &repo));
    let dns = doc["changes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["key"] == B)
        .unwrap_or_else(|| panic!("{doc}"));
    assert_eq!(
        (&dns["class"], &dns["persist"]),
        (&"conflict".into(), &"refuse".into())
    );
    let head = env.head(&repo);
    env.netsync()
        .args(["persist", "--no-push", "--repo"])
        .arg(&repo)
        .assert()
        .code(5);
    assert_eq!(env.head(&repo), head);
    assert_eq!(file(&env, &repo, B_FILE).as_deref(), Some("1.1.1.1"));
    env.netsync_ok(&["apply", "--prefer", "git"], &repo);
    assert_eq!(env.kv().get(B).as_deref(), Some(&b"1.1.1.1"[..]));
}

/// A side chosen for a conflict by one command settles it for the other: after
/// `apply --prefer etcd`, persist records etcd's value; after `persist --prefer git`, apply
/// writes Git's. Neither meets the same conflict again.
#[test]
fn a_side_chosen_for_a_conflict_settles_it_for_the_other_command() {
    let (env, repo) = TestEnv::applied_network();
    env.commit_files(&repo, &[(A_FILE, b"9000")], &[], "mtu in Git");
    env.kv().put(A, "1280");
    env.netsync_ok(&["apply", "--prefer", "etcd"], &repo);
    assert_eq!(env.kv().get(A).as_deref(), Some(&b"1280"[..]));
    let out = env.netsync_ok(&["persist", "--no-push"], &repo);
    assert_eq!(file(&env, &repo, A_FILE).as_deref(), Some("1280"), "{out}");

    env.commit_files(&repo, &[(B_FILE, b"git side")], &[], "dns in Git");
    env.kv().put(B, "etcd side");
    env.netsync_ok(&["persist", "--no-push", "--prefer", "git"], &repo);
    assert_eq!(file(&env, &repo, B_FILE).as_deref(), Some("git side"));
    env.netsync_ok(&["apply"], &repo);
    assert_eq!(env.kv().get(B).as_deref(), Some(&b"git side"[..]));
    env.netsync()
        .args(["diff", "--exit-code", "--repo"])
        .arg(&repo)
        .assert()
        .code(0);
    env.fsck(&repo);
}

/// A sync point copied from another cluster (a snapshot restored into a new one) is no base
/// for any command: diff, persist and status all compare two ways, and diff's `persist`
/// field says what persist does.
#[test]
fn a_sync_point_of_another_cluster_is_no_base_for_any_command() {
    let (first, repo) = TestEnv::applied_network();
    let second = TestEnv::new();
    for (key, value) in first.kv().dump(b"/") {
        second.kv().put(key, value);
    }
    second.kv().put(B, "drift in the copy");
    second.commit_files(&repo, &[(A_FILE, b"9000")], &[], "mtu in Git");
    let doc: serde_json::Value =
        crate::harness::json_doc(second.netsync_ok(&["diff", "--output", "json"], &repo));
    let by_diff: Vec<(String, String, String)> = doc["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            let s = |f: &str| c[f].as_str().unwrap().to_owned();
            (s("key"), s("class"), s("persist"))
        })
        .collect();
    assert_eq!(
        by_diff,
        // Sorted by key: dns before mtu.
        vec![
            (B.to_owned(), "unbased".to_owned(), "record".to_owned()),
            (A.to_owned(), "unbased".to_owned(), "record".to_owned()),
        ],
        "{doc}"
    );
    let persist = crate::harness::json_doc(second.netsync_ok(
        &["persist", "--dry-run", "--no-push", "--output", "json"],
        &repo,
    ));
    let recorded: Vec<&str> = persist["persist"]["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["key"].as_str().unwrap())
        .collect();
    assert_eq!(recorded, vec![B, A], "{persist}");
    let counts = &status_json(&second, &repo)["status"]["counts"];
    assert_eq!(
        (counts["unbased"].as_u64(), counts["git_only"].as_u64()),
        (Some(2), Some(0)),
        "{counts}"
    );
}
