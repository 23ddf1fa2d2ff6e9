//! Tests of the test harness itself: real etcd start/stop, the blocking client, the cluster,
//! the hermetic Git helpers.

use std::ffi::OsStr;
use std::time::{Duration, Instant};

use crate::harness::{
    locate_etcd, range_for_prefix, Cluster, Etcd, Kv, TestEnv, ETCD_INSTALL_HINT,
};

#[test]
fn missing_etcd_gives_install_hint() {
    let err = locate_etcd(Some(OsStr::new("/nonexistent")), None).unwrap_err();
    assert!(err.starts_with(ETCD_INSTALL_HINT), "{err}");
    assert!(err.contains("apt-get install etcd-server"), "{err}");

    let err = locate_etcd(None, Some(OsStr::new("/nonexistent-dir"))).unwrap_err();
    assert!(err.contains("NETSYNC_TEST_ETCD"), "{err}");

    let empty = tempfile::tempdir().unwrap();
    assert!(locate_etcd(None, Some(empty.path().as_os_str())).is_err());
}

#[test]
fn etcd_is_found_on_path_or_override() {
    let path = std::env::var_os("PATH");
    let found = locate_etcd(None, path.as_deref()).expect("etcd on PATH for the test suite");
    assert!(found.ends_with("etcd"));
    assert_eq!(locate_etcd(Some(found.as_os_str()), None).unwrap(), found);
}

#[test]
fn prefix_ranges() {
    assert_eq!(range_for_prefix(b""), (vec![0], vec![0]));
    assert_eq!(
        range_for_prefix(b"/net/"),
        (b"/net/".to_vec(), b"/net0".to_vec())
    );
    assert_eq!(
        range_for_prefix(b"a\xff"),
        (b"a\xff".to_vec(), b"b".to_vec())
    );
    assert_eq!(
        range_for_prefix(b"\xff\xff"),
        (b"\xff\xff".to_vec(), vec![0])
    );
}

#[test]
fn single_etcd_put_get_dump_byte_exact() {
    let etcd = Etcd::start();
    assert!(etcd.endpoint().starts_with("http://127.0.0.1:"));
    assert!(etcd.data_dir().is_dir());
    let kv = Kv::connect(&etcd.endpoint());

    let odd_key: &[u8] = b"/net/\xff\x00bin/\xc3(";
    kv.put(odd_key, b"\x00\x01\xfe value");
    kv.put("/net/a", "1");
    kv.put("/net/a/b", "");
    kv.put("/other", "x");
    assert_eq!(kv.get(odd_key).unwrap(), b"\x00\x01\xfe value");
    assert_eq!(kv.get("/net/a/b").unwrap(), b"");
    assert_eq!(kv.get("/net/missing"), None);

    let net = kv.dump(b"/net/");
    assert_eq!(net.len(), 3);
    assert_eq!(net[odd_key], b"\x00\x01\xfe value");
    assert_eq!(kv.dump_all().len(), 4);
    assert_eq!(kv.dump_str("/net/a")["/net/a"], "1");

    let rev = kv.revision();
    assert_eq!(kv.mod_revision("/other"), Some(rev));
    assert_eq!(kv.delete("/other"), 1);
    assert_eq!(kv.mod_revision("/other"), None);
    assert_eq!(kv.revision(), rev + 1);
    kv.compact(rev);

    let lease = kv.put_with_lease("/net/sessions/s1", "live", 60);
    assert_ne!(lease, 0);
    assert_eq!(kv.lease("/net/sessions/s1"), Some(lease));
    assert_eq!(kv.delete_prefix("/net/"), 4);
    assert!(kv.dump_all().is_empty());
}

#[test]
fn dump_paginates_at_one_revision() {
    let etcd = Etcd::start();
    let kv = Kv::connect(&etcd.endpoint());
    for i in 0..1234 {
        kv.put(format!("/p/{i:05}"), vec![b'x'; 100]);
    }
    let all = kv.dump(b"/p/");
    assert_eq!(all.len(), 1234);
    assert!(all.keys().next().unwrap().ends_with(b"00000"));
}

#[test]
fn etcd_restart_keeps_data_and_ports() {
    let mut etcd = Etcd::start();
    let endpoint = etcd.endpoint();
    Kv::connect(&endpoint).put("/k", "v");
    etcd.kill();
    assert!(!etcd.is_running());
    etcd.restart();
    assert_eq!(etcd.endpoint(), endpoint);
    assert_eq!(Kv::connect(&endpoint).get("/k").unwrap(), b"v");
    etcd.stop();
    assert!(!etcd.is_running());
}

#[test]
fn cluster_survives_leader_loss() {
    let mut cluster = Cluster::start(3);
    assert_eq!(cluster.endpoints().split(',').count(), 3);
    let kv = Kv::connect(&cluster.endpoints());
    kv.put("/net/before", "1");
    let (cluster_id, _) = kv.ids();

    let leader = cluster.leader_index();
    cluster.kill(leader);
    let started = Instant::now();
    kv.put("/net/after", "2");
    assert!(started.elapsed() < Duration::from_secs(20));
    assert_eq!(kv.get("/net/before").unwrap(), b"1");

    let new_leader = cluster.leader_index();
    assert_ne!(new_leader, leader);
    // A client given only the surviving endpoints sees the same data.
    let survivors: Vec<String> = (0..3)
        .filter(|&i| i != leader)
        .map(|i| cluster.member(i).endpoint())
        .collect();
    let kv2 = Kv::connect(&survivors.join(","));
    assert_eq!(kv2.dump_str("/net/").len(), 2);
    assert_eq!(kv2.ids().0, cluster_id);

    cluster.restart(leader);
    let back = Kv::connect(&cluster.member(leader).endpoint());
    assert_eq!(back.get("/net/after").unwrap(), b"2");
}

#[test]
fn test_env_git_helpers() {
    let env = TestEnv::new();
    let home = env.home();
    assert!(home.is_dir());

    for bare in [false, true] {
        let repo = env.init_repo(if bare { "bare.git" } else { "work" }, bare);
        let odd = "kv/odd/100%25 é [x]*?";
        let c1 = env.commit_files(
            &repo,
            &[
                ("kv/a", b"A\n"),
                (odd, b"\xff\x00binary"),
                ("netsync.toml", b"version = 1\n"),
            ],
            &[],
            "first",
        );
        assert_eq!(env.head(&repo), c1);
        let c2 = env.commit_files(
            &repo,
            &[("kv/b", b"B")],
            &["kv/a"],
            "second\n\nTrailer: x\n",
        );
        assert_eq!(env.head(&repo), c2);
        assert_eq!(env.rev_parse(&repo, "HEAD^"), c1);
        assert!(env.commit_message(&repo, "HEAD").contains("Trailer: x"));
        let files = env.tree_files(&repo, "HEAD");
        assert_eq!(
            files.keys().collect::<Vec<_>>(),
            ["kv/b", odd, "netsync.toml"]
        );
        assert_eq!(files[odd], b"\xff\x00binary");
        assert_eq!(env.show_file(&repo, "HEAD", "kv/a"), None);
        assert_eq!(env.show_file(&repo, "HEAD^", "kv/a").unwrap(), b"A\n");
        env.fsck(&repo);
        if !bare {
            // The working tree matches the new commit.
            assert_eq!(env.git(&repo, ["status", "--porcelain"]), "");
            assert!(!repo.join("kv/a").exists());
            assert_eq!(std::fs::read(repo.join(odd)).unwrap(), b"\xff\x00binary");
        }
    }
    // Fixed identity and dates make commit ids reproducible.
    assert_eq!(
        env.head(env.root().join("work")),
        env.head(env.root().join("bare.git"))
    );
}

#[test]
fn test_env_fixture_and_netsync_env() {
    let env = TestEnv::new();
    let repo = env.init_repo("net.git", true);
    env.copy_fixture(&repo, "network");
    env.fsck(&repo);
    let files = env.tree_files(&repo, "HEAD");
    assert!(files.contains_key("netsync.toml"));
    let expected = crate::harness::fixture_kv("network");
    assert!(expected.len() >= 40, "{}", expected.len());
    assert_eq!(files.len(), expected.len() + 1);

    env.kv().put("/net/x", "1");
    assert_eq!(env.kv().dump(b"/net/").len(), 1);

    let out = env.command("env").output().unwrap();
    let vars = String::from_utf8(out.stdout).unwrap();
    assert!(vars.contains(&format!("NETSYNC_ENDPOINTS={}", env.endpoints())));
    assert!(vars.contains("GIT_CONFIG_GLOBAL=/dev/null"));
    assert!(!vars.contains("RUST_LOG"));
    assert!(!vars.contains("ETCDCTL_"));
    env.netsync().arg("--help").assert().success();
}

/// The schema check can fail: a document that breaks its schema (a count as text, a missing
/// required field, an unknown `class`) is caught and the place named.
#[test]
fn schema_check_catches_a_document_that_breaks_its_schema() {
    let good = serde_json::json!({
        "format_version": 1, "command": "secret rekey",
        "rekey": {"branch": "main", "commit": null, "secrets": 0, "recipients": 1}
    });
    crate::harness::assert_matches_schema(&good);
    let mut text_count = good.clone();
    text_count["rekey"]["secrets"] = "0".into();
    let mut missing = good.clone();
    missing["rekey"].as_object_mut().unwrap().remove("branch");
    let mut other_command = good.clone();
    other_command["command"] = "status".into();
    for (bad, place) in [
        (text_count, "/rekey/secrets"),
        (missing, "/rekey"),
        (other_command, ""),
    ] {
        let err = std::panic::catch_unwind(|| crate::harness::assert_matches_schema(&bad))
            .expect_err("a broken document must fail its schema");
        let message = err.downcast_ref::<String>().cloned().unwrap_or_default();
        assert!(message.contains("does not match"), "{message}");
        assert!(
            message.contains(&format!("\n  {place}")),
            "{place}: {message}"
        );
    }
}
