//! `netsync apply` and `netsync diff` against a real etcd: the happy paths, batching, pruning
//! and the prune guard, odd keys, and what must never be touched.

use std::collections::BTreeMap;

use crate::harness::{fixture_kv, TestEnv};

/// A repository (bare or not) holding the example network, and the env.
fn fixture_env(bare: bool) -> (TestEnv, std::path::PathBuf) {
    let env = TestEnv::new();
    let repo = env.init_repo("network", bare);
    env.copy_fixture(&repo, "network");
    (env, repo)
}

fn managed(env: &TestEnv) -> BTreeMap<Vec<u8>, Vec<u8>> {
    env.kv().dump(b"/net/")
}

fn json(out: &[u8]) -> serde_json::Value {
    crate::harness::json_doc(out)
}

fn sync_point_count(env: &TestEnv) -> usize {
    env.kv().dump(b"/netsync/sync/").len()
}

#[test]
fn applies_the_fixture_from_a_bare_repository_and_a_clone() {
    for bare in [true, false] {
        let (env, repo) = fixture_env(bare);
        env.netsync()
            .args(["apply", "--repo"])
            .arg(&repo)
            .assert()
            .success()
            .stdout(predicates::str::contains("applied:"))
            // No progress bars, warnings or colours when not on a terminal.
            .stderr("");
        assert_eq!(managed(&env), fixture_kv("network"), "bare={bare}");
        assert_eq!(sync_point_count(&env), 1);
        env.fsck(&repo);
    }
}

#[test]
fn apply_reads_the_committed_tree_not_the_working_tree() {
    let (env, repo) = fixture_env(false);
    std::fs::write(repo.join("kv/params/mtu"), "9000").unwrap();
    std::fs::write(repo.join("kv/uncommitted"), "x").unwrap();
    env.netsync()
        .args(["apply", "--repo"])
        .arg(&repo)
        .assert()
        .success();
    assert_eq!(managed(&env), fixture_kv("network"));
}

#[test]
fn a_second_apply_writes_nothing_and_says_so() {
    let (env, repo) = fixture_env(true);
    env.netsync()
        .args(["apply", "--repo"])
        .arg(&repo)
        .assert()
        .success();
    let before = env.kv().revision();
    env.netsync()
        .args(["apply", "--repo"])
        .arg(&repo)
        .assert()
        .success()
        .stdout(predicates::str::contains("nothing to apply"));
    assert_eq!(env.kv().revision(), before, "a no-op apply must not write");
    let out = env
        .netsync()
        .args(["diff", "--exit-code", "--repo"])
        .arg(&repo)
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    assert!(String::from_utf8_lossy(&out).contains("no differences"));
}

#[test]
fn dry_run_writes_nothing() {
    let (env, repo) = fixture_env(true);
    let before = env.kv().revision();
    let out = env
        .netsync()
        .args(["apply", "--dry-run", "--output", "json", "--repo"])
        .arg(&repo)
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let doc = json(&out);
    assert_eq!(doc["apply"]["dry_run"], true);
    assert_eq!(doc["summary"]["add"], fixture_kv("network").len());
    assert_eq!(env.kv().revision(), before);
    assert!(env.kv().dump_all().is_empty());
}

#[test]
fn diff_shows_changes_and_exit_code_two() {
    let (env, repo) = fixture_env(true);
    // etcd filled by hand, no sync point: every difference is one apply would write.
    for (key, value) in fixture_kv("network") {
        env.kv().put(key, value);
    }
    env.kv().put("/net/params/mtu", "1280");
    env.kv().put("/net/extra", b"\x00\xffbinary".as_slice());
    env.kv().delete("/net/params/dns");
    let assert = env
        .netsync()
        .args(["diff", "--exit-code", "--repo"])
        .arg(&repo)
        .assert()
        .code(2);
    let text = String::from_utf8_lossy(&assert.get_output().stdout).into_owned();
    assert!(text.contains("~ change /net/params/mtu"), "{text}");
    assert!(text.contains("-1280"), "{text}");
    assert!(text.contains("+ add    /net/params/dns"), "{text}");
    assert!(text.contains("- delete /net/extra"), "{text}");
    assert!(text.contains("binary value: 8 bytes, sha256 "), "{text}");
    assert!(text.contains("-> absent"), "{text}");
    assert!(
        text.contains("1 to add, 1 to change, 1 to delete"),
        "{text}"
    );
    assert!(!text.contains('\x1b'), "no colours when piped: {text}");

    let out = env
        .netsync()
        .args(["diff", "--output", "json", "--repo"])
        .arg(&repo)
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let doc = json(&out);
    assert_eq!(doc["format_version"], 1);
    assert_eq!(doc["command"], "diff");
    assert_eq!(doc["summary"]["change"], 1);
    let changes = doc["changes"].as_array().unwrap();
    let extra = changes.iter().find(|c| c["key"] == "/net/extra").unwrap();
    assert_eq!(extra["action"], "delete");
    assert_eq!(extra["old"]["binary"], true);
    assert_eq!(extra["key_base64"], "L25ldC9leHRyYQ==");
    let mtu = changes
        .iter()
        .find(|c| c["key"] == "/net/params/mtu")
        .unwrap();
    assert!(mtu["diff"].as_str().unwrap().contains("-1280"));
}

#[test]
fn prunes_keys_git_no_longer_has() {
    let (env, repo) = fixture_env(true);
    env.netsync()
        .args(["apply", "--repo"])
        .arg(&repo)
        .assert()
        .success();
    env.commit_files(
        &repo,
        &[],
        &["kv/params/dns", "kv/params/mtu"],
        "drop two params",
    );
    env.netsync()
        .args(["apply", "--repo"])
        .arg(&repo)
        .assert()
        .success();
    let mut want = fixture_kv("network");
    want.remove(b"/net/params/dns".as_slice());
    want.remove(b"/net/params/mtu".as_slice());
    assert_eq!(managed(&env), want);
}

#[test]
fn prune_guard_refuses_mass_deletes_unless_allowed() {
    let (env, repo) = fixture_env(true);
    env.netsync()
        .args(["apply", "--repo"])
        .arg(&repo)
        .assert()
        .success();
    let all = fixture_kv("network");
    let half: Vec<String> = all
        .keys()
        .take(all.len() / 2)
        .map(|k| format!("kv/{}", String::from_utf8_lossy(&k[5..])))
        .collect();
    let removals: Vec<&str> = half.iter().map(String::as_str).collect();
    env.commit_files(&repo, &[], &removals, "remove half");
    let before = env.kv().dump_all();
    env.netsync()
        .args(["apply", "--repo"])
        .arg(&repo)
        .assert()
        .code(3)
        .stderr(predicates::str::contains("refusing to delete"))
        .stderr(predicates::str::contains("--allow-mass-delete"));
    assert_eq!(env.kv().dump_all(), before, "refused apply must not write");
    env.netsync()
        .args(["apply", "--allow-mass-delete", "--repo"])
        .arg(&repo)
        .assert()
        .success();
    assert_eq!(managed(&env).len(), all.len() - half.len());
}

#[test]
fn prune_guard_refuses_to_empty_the_prefix() {
    let env = TestEnv::new();
    let repo = env.init_repo("r", true);
    env.commit_files(
        &repo,
        &[("netsync.toml", b"version = 1\n[[mapping]]\nprefix = \"/net/\"\ndir = \"kv\"\n[apply]\nmax_delete_fraction = 1.0\n")],
        &[],
        "config only",
    );
    env.kv().put("/net/only", "1");
    env.netsync()
        .args(["apply", "--repo"])
        .arg(&repo)
        .assert()
        .code(3)
        .stderr(predicates::str::contains("never all"));
    assert_eq!(env.kv().get("/net/only").as_deref(), Some(b"1".as_slice()));
}

#[test]
fn more_changes_than_one_transaction_are_batched() {
    let env = TestEnv::new();
    let repo = env.init_repo("r", true);
    let files: Vec<(String, Vec<u8>)> = (0..300)
        .map(|i| {
            (
                format!("kv/gen/{:02}/key-{i:04}", i % 7),
                format!("value {i}\n").into_bytes(),
            )
        })
        .chain([(
            "netsync.toml".to_owned(),
            b"version = 1\n[[mapping]]\nprefix = \"/net/\"\ndir = \"kv\"\n".to_vec(),
        )])
        .collect();
    let refs: Vec<(&str, &[u8])> = files
        .iter()
        .map(|(p, c)| (p.as_str(), c.as_slice()))
        .collect();
    env.commit_files(&repo, &refs, &[], "300 keys");
    let output = env
        .netsync()
        .args(["apply", "--output", "json", "--repo"])
        .arg(&repo)
        .assert()
        .success()
        .get_output()
        .clone();
    // Batches fit the server's default limits at once (the lock's fence compare counts).
    assert_eq!(String::from_utf8_lossy(&output.stderr), "");
    let doc = json(&output.stdout);
    assert_eq!(doc["summary"]["add"], 300);
    assert!(doc["apply"]["transactions"].as_u64().unwrap() >= 3, "{doc}");
    assert_eq!(managed(&env).len(), 300);
    assert_eq!(
        env.kv().get("/net/gen/03/key-0010").as_deref(),
        Some(b"value 10\n".as_slice())
    );

    // A smaller transaction size is honoured; changing every value needs >= 30 transactions.
    let changed: Vec<(String, Vec<u8>)> = files
        .iter()
        .filter(|(p, _)| p.starts_with("kv/"))
        .map(|(p, c)| (p.clone(), [c.as_slice(), b"v2\n"].concat()))
        .collect();
    let refs: Vec<(&str, &[u8])> = changed
        .iter()
        .map(|(p, c)| (p.as_str(), c.as_slice()))
        .collect();
    env.commit_files(&repo, &refs, &[], "v2");
    let out = env
        .netsync()
        .args(["apply", "--max-txn-ops", "10", "--output", "json", "--repo"])
        .arg(&repo)
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let doc = json(&out);
    assert_eq!(doc["summary"]["change"], 300);
    assert!(
        doc["apply"]["transactions"].as_u64().unwrap() >= 30,
        "{doc}"
    );
    assert!(managed(&env).values().all(|v| v.ends_with(b"v2\n")));
}

#[test]
fn a_value_too_large_for_one_request_is_refused_before_any_write() {
    let (env, repo) = fixture_env(true);
    let big = vec![b'x'; 2 * 1024 * 1024];
    env.commit_files(&repo, &[("kv/big/blob", &big)], &[], "big value");
    env.netsync()
        .args(["apply", "--repo"])
        .arg(&repo)
        .assert()
        .code(1)
        .stderr(predicates::str::contains("/net/big/blob"))
        .stderr(predicates::str::contains(
            "more than fits in one etcd request",
        ));
    assert!(env.kv().dump_all().is_empty(), "nothing may be written");
}

#[test]
fn a_key_changed_between_plan_and_write_is_not_overwritten() {
    let (env, repo) = fixture_env(true);
    env.kv().put("/net/params/mtu", "1280");
    let hook = format!(
        "etcdctl --endpoints {} put /net/params/mtu 9999 >/dev/null",
        env.endpoints()
    );
    env.netsync()
        .env("NETSYNC_TEST_HOOK_BEFORE_WRITE", &hook)
        .args(["apply", "--max-txn-ops", "1000", "--repo"])
        .arg(&repo)
        .assert()
        .code(4)
        .stderr(predicates::str::contains("/net/params/mtu changed in etcd"))
        .stderr(predicates::str::contains("rerun"));
    assert_eq!(
        env.kv().get("/net/params/mtu").as_deref(),
        Some(b"9999".as_slice())
    );
    assert_eq!(sync_point_count(&env), 0, "the sync point must not move");
    // A rerun re-plans from the new state and converges.
    env.netsync()
        .args(["apply", "--repo"])
        .arg(&repo)
        .assert()
        .success();
    assert_eq!(managed(&env), fixture_kv("network"));
}

#[test]
fn odd_keys_round_trip_byte_exactly() {
    let env = TestEnv::new();
    let repo = env.init_repo("r", true);
    let long = "s".repeat(300);
    let long_path = format!("kv/{}%+/{}", "s".repeat(250), "s".repeat(50));
    let files: Vec<(&str, &[u8])> = vec![
        (
            "netsync.toml",
            b"version = 1\n[[mapping]]\nprefix = \"/net/\"\ndir = \"kv\"\n",
        ),
        ("kv/a/%self", b"value of a"),
        ("kv/a/b", b"value of a/b"),
        ("kv/%FF%FE", b"\xff\xfe non-utf8 key"),
        ("kv/%", b"the prefix itself"),
        ("kv/x/%/y", b"empty segment"),
        ("kv/%2Egit/config", b"dot git"),
        ("kv/100%25", b"percent"),
        ("kv/bin", b"\x00\x01\x02\xff binary"),
        ("kv/zoë", b"utf-8 name"),
        (long_path.as_str(), b"long"),
    ];
    env.commit_files(&repo, &files, &[], "odd keys");
    env.netsync()
        .args(["apply", "--repo"])
        .arg(&repo)
        .assert()
        .success();
    let want: BTreeMap<Vec<u8>, Vec<u8>> = [
        (b"/net/a".to_vec(), b"value of a".to_vec()),
        (b"/net/a/b".to_vec(), b"value of a/b".to_vec()),
        (b"/net/\xff\xfe".to_vec(), b"\xff\xfe non-utf8 key".to_vec()),
        (b"/net/".to_vec(), b"the prefix itself".to_vec()),
        (b"/net/x//y".to_vec(), b"empty segment".to_vec()),
        (b"/net/.git/config".to_vec(), b"dot git".to_vec()),
        (b"/net/100%".to_vec(), b"percent".to_vec()),
        (b"/net/bin".to_vec(), b"\x00\x01\x02\xff binary".to_vec()),
        ("/net/zoë".as_bytes().to_vec(), b"utf-8 name".to_vec()),
        (format!("/net/{long}").into_bytes(), b"long".to_vec()),
    ]
    .into_iter()
    .collect();
    assert_eq!(managed(&env), want);
    env.netsync()
        .args(["diff", "--exit-code", "--repo"])
        .arg(&repo)
        .assert()
        .success();
}

#[test]
fn keys_outside_the_prefixes_are_never_touched() {
    let (env, repo) = fixture_env(true);
    let outside: Vec<&[u8]> = vec![
        b"/network/x",
        b"/net",
        b"/net0",
        b"/ne",
        b"/net\xff",
        b"/net\xff/x",
        b"/other/key",
        b"\xff\xff",
    ];
    for key in &outside {
        env.kv().put(key, b"outside");
    }
    let revisions: Vec<Option<i64>> = outside.iter().map(|k| env.kv().mod_revision(k)).collect();
    env.netsync()
        .args(["apply", "--repo"])
        .arg(&repo)
        .assert()
        .success();
    // 0xff right after the prefix is inside it, and gets pruned like any other managed key
    // (with --force: added in etcd after the sync point, it is drift that apply keeps).
    env.kv().put(b"/net/\xff".as_slice(), b"inside");
    env.netsync()
        .args(["apply", "--force", "--repo"])
        .arg(&repo)
        .assert()
        .success();
    for (key, rev) in outside.iter().zip(&revisions) {
        assert_eq!(env.kv().get(key).as_deref(), Some(b"outside".as_slice()));
        assert_eq!(&env.kv().mod_revision(key), rev, "{key:?} was rewritten");
    }
    assert_eq!(env.kv().get(b"/net/\xff".as_slice()), None);
    assert_eq!(managed(&env), fixture_kv("network"));
}

#[test]
fn ephemeral_and_leased_keys_are_never_touched() {
    let (env, repo) = fixture_env(true);
    env.kv()
        .put("/net/sessions/alice-laptop", "pattern, no lease");
    let lease = env
        .kv()
        .put_with_lease("/net/nodes/entry-1/heartbeat", "beat", 300);
    env.kv()
        .put_with_lease("/net/runtime/lock", "leased, no pattern", 300);
    env.netsync()
        .args(["apply", "--repo"])
        .arg(&repo)
        .assert()
        .success();
    assert_eq!(
        env.kv().get("/net/sessions/alice-laptop").as_deref(),
        Some(b"pattern, no lease".as_slice())
    );
    assert_eq!(env.kv().lease("/net/nodes/entry-1/heartbeat"), Some(lease));
    assert_eq!(
        env.kv().get("/net/runtime/lock").as_deref(),
        Some(b"leased, no pattern".as_slice())
    );
    let out = env
        .netsync()
        .args(["diff", "--output", "json", "--repo"])
        .arg(&repo)
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let doc = json(&out);
    // The heartbeat matches an ephemeral pattern (and has a lease): counted as ephemeral.
    assert_eq!(doc["summary"]["leased"], 1);
    assert_eq!(doc["summary"]["ephemeral"], 2);
    assert_eq!(doc["changes"].as_array().unwrap().len(), 0);
}

#[test]
fn endpoints_come_from_etcdctl_env_and_flag_wins() {
    let (env, repo) = fixture_env(true);
    // ETCDCTL_ENDPOINTS alone works.
    env.netsync()
        .env_remove("NETSYNC_ENDPOINTS")
        .env("ETCDCTL_ENDPOINTS", env.endpoints())
        .args(["diff", "--repo"])
        .arg(&repo)
        .assert()
        .success();
    // The flag wins over a wrong environment.
    env.netsync()
        .env("NETSYNC_ENDPOINTS", "http://127.0.0.1:1")
        .args(["diff", "--endpoints", &env.endpoints(), "--repo"])
        .arg(&repo)
        .assert()
        .success();
}

#[test]
fn batches_respect_the_request_size_limit() {
    let env = TestEnv::new();
    let repo = env.init_repo("r", true);
    let values: Vec<(String, Vec<u8>)> = (0..8u8)
        .map(|i| (format!("kv/blobs/{i}"), vec![b'a' + i; 500 * 1024]))
        .collect();
    let mut files: Vec<(&str, &[u8])> = values
        .iter()
        .map(|(p, c)| (p.as_str(), c.as_slice()))
        .collect();
    files.push((
        "netsync.toml",
        b"version = 1\n[[mapping]]\nprefix = \"/net/\"\ndir = \"kv\"\n",
    ));
    env.commit_files(&repo, &files, &[], "4 MB of values");
    let out = env
        .netsync()
        .args(["apply", "--output", "json", "--repo"])
        .arg(&repo)
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let doc = json(&out);
    // 4 MB cannot go in fewer than three 1.5 MiB requests.
    assert!(doc["apply"]["transactions"].as_u64().unwrap() >= 3, "{doc}");
    let got = managed(&env);
    assert_eq!(got.len(), 8);
    for (i, (_, value)) in values.iter().enumerate() {
        assert_eq!(got[format!("/net/blobs/{i}").as_bytes()], *value);
    }
}

#[test]
fn a_server_with_lower_limits_than_configured_is_learned_not_fatal() {
    let env = TestEnv::with_etcd_args(&["--max-txn-ops", "16"]);
    let repo = env.init_repo("r", true);
    env.copy_fixture(&repo, "network");
    let assert = env
        .netsync()
        .args(["apply", "--output", "json", "--repo"])
        .arg(&repo)
        .assert()
        .success();
    let doc = json(&assert.get_output().stdout);
    assert!(doc["apply"]["transactions"].as_u64().unwrap() >= 3, "{doc}");
    let stderr = String::from_utf8_lossy(&assert.get_output().stderr).into_owned();
    assert!(
        stderr.contains("fewer operations per transaction"),
        "{stderr}"
    );
    assert_eq!(managed(&env), fixture_kv("network"));
}
