//! The incremental read of `diff` and `apply`: with a sync point of this cluster they read
//! only what changed since (Git's tree against the sync point's commit, etcd's keys against
//! its revision), plan exactly as the full read does, and fall back to the full read, saying
//! why at `-v`, whenever they cannot rest on the sync point.

use std::path::Path;

use crate::harness::TestEnv;

/// `netsync diff -v --output json`, reading only what changed (or, `full`, every value):
/// the document and the log.
fn diff(env: &TestEnv, repo: &Path, full: bool) -> (serde_json::Value, String) {
    let vars: &[(&str, &str)] = match full {
        true => &[("NETSYNC_FULL_READ", "true")],
        false => &[],
    };
    env.netsync_json(&["diff", "-v"], repo, vars)
}

const INCREMENTAL: &str = "incremental read: only the keys changed since the sync point";

/// Both reads plan alike; returns the incremental read's log.
fn same_plan(env: &TestEnv, repo: &Path) -> String {
    let (doc, log) = diff(env, repo, false);
    let (full, full_log) = diff(env, repo, true);
    assert!(!full_log.contains(INCREMENTAL), "{full_log}");
    assert_eq!(doc, full, "{log}");
    log
}

#[test]
fn diff_and_apply_read_only_what_changed_and_plan_as_the_full_read_does() {
    let (env, repo) = TestEnv::applied_network();
    let log = same_plan(&env, &repo);
    assert!(log.contains(INCREMENTAL), "{log}");
    assert!(
        log.contains("read=0"),
        "nothing changed, nothing read: {log}"
    );

    // Git: a change, an addition, a deletion, and a key that gains a child (its file
    // moves to `%self`). etcd: drift, a deletion, a leased key, an ephemeral one.
    env.commit_files(
        &repo,
        &[
            ("kv/params/mtu", b"9000"),
            ("kv/params/new", b"added in Git"),
            ("kv/acl/policy/%self", b"allow all\n"),
            ("kv/acl/policy/extra", b"child"),
        ],
        &["kv/params/keepalive", "kv/acl/policy"],
        "Git changes",
    );
    env.kv().put("/net/params/dns", "drift");
    env.kv().delete("/net/roles/member");
    env.kv()
        .put_with_lease("/net/nodes/entry-ams1/lease", "runtime", 60);
    env.kv().put("/net/sessions/s1", "ephemeral");
    let log = same_plan(&env, &repo);
    assert!(log.contains(INCREMENTAL), "{log}");
    assert!(log.contains("git_changed=5"), "{log}");

    let out = env
        .netsync()
        .args(["apply", "-v", "--repo"])
        .arg(&repo)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(stderr.contains(INCREMENTAL), "{stderr}");
    let kv = env.kv();
    assert_eq!(kv.get("/net/params/mtu").as_deref(), Some(&b"9000"[..]));
    assert_eq!(
        kv.get("/net/params/new").as_deref(),
        Some(&b"added in Git"[..])
    );
    assert_eq!(kv.get("/net/params/keepalive"), None);
    assert_eq!(
        kv.get("/net/acl/policy").as_deref(),
        Some(&b"allow all\n"[..])
    );
    assert_eq!(
        kv.get("/net/acl/policy/extra").as_deref(),
        Some(&b"child"[..])
    );
    // Drift kept, for persist to record.
    assert_eq!(kv.get("/net/params/dns").as_deref(), Some(&b"drift"[..]));
    assert_eq!(kv.get("/net/roles/member"), None);
    let log = same_plan(&env, &repo);
    assert!(log.contains(INCREMENTAL), "{log}");
    let (doc, _) = diff(&env, &repo, false);
    let classes: Vec<(&str, &str)> = doc["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["key"].as_str().unwrap(), c["class"].as_str().unwrap()))
        .collect();
    assert_eq!(
        classes,
        [
            ("/net/params/dns", "etcd_only"),
            ("/net/roles/member", "etcd_only")
        ],
        "{doc}"
    );
}

#[test]
fn without_a_sync_point_to_rest_on_the_full_read_says_why() {
    // No sync point at all.
    let env = TestEnv::new();
    let repo = env.init_repo("network", true);
    env.copy_fixture(&repo, "network");
    let (_, log) = diff(&env, &repo, false);
    assert!(
        log.contains("(no sync point to read only what changed since); reading every value"),
        "{log}"
    );

    // Key rules changed in netsync.toml since the sync point.
    let (env, repo) = TestEnv::applied_network();
    let config = env.git(&repo, ["show", "main:netsync.toml"]);
    let config = config.replace(
        "\"/net/sessions/**\"",
        "\"/net/sessions/**\", \"/net/ipam/*\"",
    );
    env.commit_files(&repo, &[("netsync.toml", config.as_bytes())], &[], "rules");
    let log = same_plan(&env, &repo);
    assert!(
        log.contains("incremental read not possible (netsync.toml changed since the sync point)"),
        "{log}"
    );

    // A sync point of another cluster.
    let (first, repo) = TestEnv::applied_network();
    let second = TestEnv::new();
    for (key, value) in first.kv().dump(b"/") {
        second.kv().put(key, value);
    }
    let (_, log) = diff(&second, &repo, false);
    assert!(
        log.contains("incremental read not possible (the sync point is of cluster"),
        "{log}"
    );
    assert!(log.contains("comparing two ways"), "{log}");
}

#[test]
fn a_revision_compacted_before_the_values_are_read_falls_back_to_the_full_read() {
    let (env, repo) = TestEnv::applied_network();
    env.kv().put("/net/params/dns", "drift");
    // Between the listing and the values: a write, and a compaction up to it.
    let hook = format!(
        "etcdctl --endpoints={e} put /net/params/hook during-read >/dev/null; \
         rev=$(etcdctl --endpoints={e} get /net/params/hook -w json | sed 's/.*\"revision\":\\([0-9]*\\).*/\\1/'); \
         etcdctl --endpoints={e} compact $rev >/dev/null",
        e = env.endpoints()
    );
    let out = env
        .netsync()
        .env("NETSYNC_TEST_HOOK_BEFORE_VALUES", hook)
        .args(["diff", "-v", "--output", "json", "--repo"])
        .arg(&repo)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stderr.contains("incremental read not possible (revision ") && stderr.contains("compacted"),
        "{stderr}"
    );
    // The full read saw the write made during the first.
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let keys: Vec<&str> = doc["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["key"].as_str().unwrap())
        .collect();
    assert_eq!(keys, ["/net/params/dns", "/net/params/hook"], "{doc}");
    same_plan(&env, &repo);
}

#[test]
fn a_persist_commit_never_recorded_is_adopted_by_the_full_read() {
    let (env, repo) = TestEnv::applied_network();
    env.kv().put("/net/params/mtu", "1380");
    let status = env
        .netsync_std()
        .env("NETSYNC_TEST_HOOK_BEFORE_SYNC_POINT", "kill -9 $PPID")
        .env("NETSYNC_LOCK_TTL", "2")
        .args(["persist", "--no-push", "--repo"])
        .arg(&repo)
        .status()
        .unwrap();
    assert_eq!(status.code(), None, "killed");
    let (doc, log) = diff(&env, &repo, false);
    assert!(
        log.contains("(a persist commit after the sync point was never recorded)"),
        "{log}"
    );
    assert_eq!(doc["changes"], serde_json::json!([]), "adopted: {doc}");
}

#[test]
fn values_are_read_as_the_listing_saw_them_not_as_written_since() {
    let (env, repo) = TestEnv::applied_network();
    env.kv().put("/net/params/dns", "drift");
    // Between the listing and the values, someone writes the key again.
    let hook = format!(
        "etcdctl --endpoints={} put /net/params/dns later >/dev/null",
        env.endpoints()
    );
    let (doc, log) = env.netsync_json(
        &["diff", "-v"],
        &repo,
        &[("NETSYNC_TEST_HOOK_BEFORE_VALUES", hook.as_str())],
    );
    assert!(log.contains(INCREMENTAL), "{log}");
    let change = &doc["changes"][0];
    assert_eq!(change["key"], "/net/params/dns", "{doc}");
    // Drift reads from Git's value to etcd's: `new` is etcd's as listed.
    let sha = |v: &[u8]| {
        use sha2::Digest;
        let digest = sha2::Sha256::digest(v);
        digest
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<String>()
    };
    assert_eq!(change["new"]["sha256"], sha(b"drift"), "{doc}");
    assert_eq!(
        env.kv().get("/net/params/dns").as_deref(),
        Some(&b"later"[..])
    );
}

#[test]
fn a_sync_point_recorded_after_the_listing_is_not_rested_on() {
    let (env, repo) = TestEnv::applied_network();
    // Between the listing and the record's read, the record is written again (another
    // command recording): keys it settled could look unchanged to the listing.
    let (key, value) = env.kv().dump(b"/netsync/sync/").into_iter().next().unwrap();
    let path = env.root().join("record.json");
    std::fs::write(&path, &value).unwrap();
    let hook = format!(
        "etcdctl --endpoints={} put {} < {} >/dev/null",
        env.endpoints(),
        String::from_utf8_lossy(&key),
        path.display()
    );
    let (_, log) = env.netsync_json(
        &["diff", "-v"],
        &repo,
        &[("NETSYNC_TEST_HOOK_AFTER_LISTING", hook.as_str())],
    );
    assert!(
        log.contains("(the sync point was recorded after etcd's keys were listed)"),
        "{log}"
    );
    same_plan(&env, &repo);
}
