//! The consistency matrix of the three-way rule, fencing and fault tolerance: one test per
//! row, each asserting the final etcd keyspace and Git tree exactly.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use crate::harness::{fixture_kv, TestEnv};

const PROFILE: &str = "/net/users/alice/profile";
const MTU: &str = "/net/params/mtu";
const DNS: &str = "/net/params/dns";

/// A bare repository with the fixture, applied (so a sync point exists).
fn synced(env: &TestEnv) -> PathBuf {
    let repo = env.init_repo("network", true);
    env.copy_fixture(&repo, "network");
    env.netsync()
        .args(["apply", "--repo"])
        .arg(&repo)
        .assert()
        .success();
    repo
}

fn managed(env: &TestEnv) -> BTreeMap<Vec<u8>, Vec<u8>> {
    env.kv().dump(b"/net/")
}

/// The etcd content a commit describes (plain keys of the fixture's one mapping).
fn tree_kv(env: &TestEnv, repo: &Path) -> BTreeMap<Vec<u8>, Vec<u8>> {
    env.tree_files(repo, "main")
        .into_iter()
        .filter_map(|(path, content)| {
            path.strip_prefix("kv/")
                .map(|rest| (format!("/net/{rest}").into_bytes(), content))
        })
        .collect()
}

fn sync_commit(env: &TestEnv) -> Option<String> {
    let points = env.kv().dump(b"/netsync/sync/");
    let value = points.values().next()?;
    let doc: serde_json::Value = serde_json::from_slice(value).ok()?;
    doc["commit"].as_str().map(str::to_owned)
}

/// The sync point's unsettled keys, and whether etcd differed on each.
fn unsettled(env: &TestEnv) -> Vec<(String, bool)> {
    let points = env.kv().dump(b"/netsync/sync/");
    let doc: serde_json::Value = serde_json::from_slice(points.values().next().unwrap()).unwrap();
    doc["unsettled"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|u| (u["key"].as_str().unwrap().to_owned(), u["etcd"] == true))
        .collect()
}

fn expect(
    base: &BTreeMap<Vec<u8>, Vec<u8>>,
    edits: &[(&str, Option<&str>)],
) -> BTreeMap<Vec<u8>, Vec<u8>> {
    let mut want = base.clone();
    for (key, value) in edits {
        match value {
            Some(v) => want.insert(key.as_bytes().to_vec(), v.as_bytes().to_vec()),
            None => want.remove(key.as_bytes()),
        };
    }
    want
}

#[test]
fn apply_writes_git_only_changes_and_keeps_drift() {
    let env = TestEnv::new();
    let repo = synced(&env);
    let synced_at = sync_commit(&env).unwrap();
    env.kv().put(MTU, "1280"); // drift: an operational change not yet persisted
    env.kv().put("/net/users/zed/profile", "added in etcd");
    env.commit_files(
        &repo,
        &[("kv/params/dns", b"10.88.0.1")],
        &[],
        "new resolver",
    );
    let assert = env
        .netsync()
        .args(["apply", "--repo"])
        .arg(&repo)
        .assert()
        .success();
    let stdout = String::from_utf8_lossy(&assert.get_output().stdout).into_owned();
    assert!(stdout.contains("(drift)"), "{stdout}");
    assert!(stdout.contains(MTU), "{stdout}");
    let want = expect(
        &fixture_kv("network"),
        &[
            (DNS, Some("10.88.0.1")),
            (MTU, Some("1280")),
            ("/net/users/zed/profile", Some("added in etcd")),
        ],
    );
    assert_eq!(managed(&env), want);
    // Drift remains: the sync point moves to the applied commit for every key that agrees,
    // and the drifted keys keep their older base, etcd's side marked as changed.
    assert_ne!(sync_commit(&env).as_deref(), Some(synced_at.as_str()));
    assert_eq!(sync_commit(&env), Some(env.head(&repo)));
    assert_eq!(
        unsettled(&env),
        vec![
            (MTU.to_owned(), true),
            ("/net/users/zed/profile".to_owned(), true)
        ]
    );
    // A rerun converges: nothing to write, drift still kept.
    let before = env.kv().revision();
    env.netsync()
        .args(["apply", "--repo"])
        .arg(&repo)
        .assert()
        .success();
    assert_eq!(env.kv().revision(), before);
    // diff says the same in JSON.
    let out = env
        .netsync()
        .args(["diff", "--output", "json", "--exit-code", "--repo"])
        .arg(&repo)
        .assert()
        .code(2)
        .get_output()
        .stdout
        .clone();
    let doc = crate::harness::json_doc(&out);
    assert_eq!(doc["summary"]["drift"], 2, "{doc}");
    assert_eq!(doc["summary"]["change"], 0, "{doc}");
    let mtu = doc["changes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["key"] == MTU)
        .unwrap();
    assert_eq!(mtu["class"], "etcd_only");
    assert_eq!(mtu["apply_writes"], false);
    // Persist records the drift, after which both sides agree.
    env.netsync()
        .args(["persist", "--no-push", "--repo"])
        .arg(&repo)
        .assert()
        .success();
    assert_eq!(tree_kv(&env, &repo), want);
    env.netsync()
        .args(["diff", "--exit-code", "--repo"])
        .arg(&repo)
        .assert()
        .success();
    env.fsck(&repo);
}

#[test]
fn persist_keeps_git_only_changes() {
    let env = TestEnv::new();
    let repo = synced(&env);
    env.commit_files(
        &repo,
        &[("kv/params/dns", b"10.88.0.1")],
        &[],
        "not yet applied",
    );
    env.kv().put(MTU, "1280");
    env.netsync()
        .args(["persist", "--no-push", "--repo"])
        .arg(&repo)
        .assert()
        .success();
    let want_git = expect(
        &fixture_kv("network"),
        &[(DNS, Some("10.88.0.1")), (MTU, Some("1280"))],
    );
    assert_eq!(
        tree_kv(&env, &repo),
        want_git,
        "the Git-only change survives"
    );
    assert_eq!(
        managed(&env),
        expect(&fixture_kv("network"), &[(MTU, Some("1280"))]),
        "persist never writes values to etcd"
    );
    // The pending change is then applied, and everything agrees.
    env.netsync()
        .args(["apply", "--repo"])
        .arg(&repo)
        .assert()
        .success();
    assert_eq!(managed(&env), want_git);
    env.fsck(&repo);
}

/// Alice's profile changed in Git and in etcd, to different values.
fn conflicted() -> (TestEnv, PathBuf) {
    let env = TestEnv::new();
    let repo = synced(&env);
    env.commit_files(
        &repo,
        &[("kv/users/alice/profile", b"from git")],
        &[],
        "edit alice",
    );
    env.kv().put(PROFILE, "from etcd");
    (env, repo)
}

#[test]
fn a_conflict_stops_apply_and_persist() {
    let (env, repo) = conflicted();
    let etcd_before = env.kv().dump_all();
    let head = env.head(&repo);
    env.netsync()
        .args(["apply", "--repo"])
        .arg(&repo)
        .assert()
        .code(5)
        .stderr(predicates::str::contains(PROFILE))
        .stderr(predicates::str::contains("--prefer"));
    assert_eq!(env.kv().dump_all(), etcd_before, "apply wrote nothing");
    env.netsync()
        .args(["apply", "--dry-run", "--repo"])
        .arg(&repo)
        .assert()
        .code(5)
        .stdout(predicates::str::contains("(conflicts)"));
    env.netsync()
        .args(["persist", "--no-push", "--repo"])
        .arg(&repo)
        .assert()
        .code(5)
        .stderr(predicates::str::contains(PROFILE));
    assert_eq!(env.head(&repo), head, "persist committed nothing");
    assert_eq!(
        env.kv().dump(b"/net/"),
        etcd_before
            .into_iter()
            .filter(|(k, _)| k.starts_with(b"/net/"))
            .collect()
    );
    env.fsck(&repo);
}

#[test]
fn prefer_git_resolves_a_conflict_with_gits_value() {
    let (env, repo) = conflicted();
    env.netsync()
        .args(["apply", "--prefer", "git", "--repo"])
        .arg(&repo)
        .assert()
        .success();
    assert_eq!(
        managed(&env),
        expect(&fixture_kv("network"), &[(PROFILE, Some("from git"))])
    );
    assert_eq!(tree_kv(&env, &repo), managed(&env));
    assert_eq!(
        sync_commit(&env),
        Some(env.head(&repo)),
        "both sides agree again"
    );
}

#[test]
fn prefer_etcd_resolves_a_conflict_with_etcds_value() {
    let (env, repo) = conflicted();
    let before = env.kv().mod_revision(PROFILE);
    env.netsync()
        .args(["apply", "--prefer", "etcd", "--repo"])
        .arg(&repo)
        .assert()
        .success();
    assert_eq!(
        env.kv().mod_revision(PROFILE),
        before,
        "etcd's value is kept: nothing written"
    );
    // Only the record moved: every other key agrees at the applied commit, the conflict
    // keeps its older base with both sides changed.
    assert_eq!(sync_commit(&env), Some(env.head(&repo)));
    assert_eq!(unsettled(&env), vec![(PROFILE.to_owned(), true)]);
    assert_eq!(
        managed(&env),
        expect(&fixture_kv("network"), &[(PROFILE, Some("from etcd"))])
    );
    // --force makes etcd equal to Git whatever changed where.
    env.netsync()
        .args(["apply", "--force", "--repo"])
        .arg(&repo)
        .assert()
        .success();
    assert_eq!(managed(&env), tree_kv(&env, &repo));
}

#[test]
fn persist_prefer_resolves_a_conflict_each_way() {
    // --prefer git: Git's value stays in Git (and is applied next); etcd's is not recorded.
    let (env, repo) = conflicted();
    env.netsync()
        .args(["persist", "--no-push", "--prefer", "git", "--repo"])
        .arg(&repo)
        .assert()
        .success();
    assert_eq!(
        env.show_file(&repo, "main", "kv/users/alice/profile")
            .as_deref(),
        Some(b"from git".as_slice())
    );
    env.netsync()
        .args(["apply", "--prefer", "git", "--repo"])
        .arg(&repo)
        .assert()
        .success();
    assert_eq!(
        env.kv().get(PROFILE).as_deref(),
        Some(b"from git".as_slice())
    );
    assert_eq!(managed(&env), tree_kv(&env, &repo));

    // --prefer etcd: etcd's value is committed over Git's.
    let (env, repo) = conflicted();
    env.netsync()
        .args(["persist", "--no-push", "--prefer", "etcd", "--repo"])
        .arg(&repo)
        .assert()
        .success();
    assert_eq!(
        tree_kv(&env, &repo),
        expect(&fixture_kv("network"), &[(PROFILE, Some("from etcd"))])
    );
    assert_eq!(managed(&env), tree_kv(&env, &repo));
    env.netsync()
        .args(["diff", "--exit-code", "--repo"])
        .arg(&repo)
        .assert()
        .success();
    env.fsck(&repo);
}

/// A repository of `n` generated keys, committed; returns the repo and the etcd content.
pub(crate) fn generated(env: &TestEnv, n: usize) -> (PathBuf, BTreeMap<Vec<u8>, Vec<u8>>) {
    let repo = env.init_repo("big", true);
    let mut files: Vec<(String, Vec<u8>)> = (0..n)
        .map(|i| {
            (
                format!("kv/gen/{:02}/k{i:05}", i % 10),
                format!("value {i}\n").into_bytes(),
            )
        })
        .collect();
    files.push((
        "netsync.toml".into(),
        b"version = 1\n[[mapping]]\nprefix = \"/net/\"\ndir = \"kv\"\n".to_vec(),
    ));
    let refs: Vec<(&str, &[u8])> = files
        .iter()
        .map(|(p, c)| (p.as_str(), c.as_slice()))
        .collect();
    env.commit_files(&repo, &refs, &[], "generated");
    let want = files
        .iter()
        .filter_map(|(p, c)| {
            p.strip_prefix("kv/")
                .map(|r| (format!("/net/{r}").into_bytes(), c.clone()))
        })
        .collect();
    (repo, want)
}

/// Spawn `netsync apply` in small batches, with a lock lease of `ttl` seconds.
pub(crate) fn spawn_apply(env: &TestEnv, repo: &Path, ttl: &str) -> Child {
    spawn_apply_with(env, repo, ttl, &[])
}

/// [`spawn_apply`] with `extra` arguments. Each transaction sent waits 10 ms (a test hook),
/// so that the run lasts long enough to be interrupted mid-way however many transactions it
/// keeps in flight.
pub(crate) fn spawn_apply_with(env: &TestEnv, repo: &Path, ttl: &str, extra: &[&str]) -> Child {
    env.netsync_std()
        .env("NETSYNC_LOCK_TTL", ttl)
        .env("NETSYNC_TEST_HOOK_AFTER_SEND", "sleep 0.01")
        .args(["apply", "--max-txn-ops", "5"])
        .args(extra)
        .arg("--repo")
        .arg(repo)
        .stdout(Stdio::null())
        // A file, not a pipe: nobody reads it until the run ends, and a full pipe would
        // block the run.
        .stderr(std::fs::File::create(env.root().join("apply.stderr")).unwrap())
        .spawn()
        .expect("spawn netsync")
}

/// Wait until etcd holds at least `n` managed keys (the run is mid-way).
fn wait_for_keys(env: &TestEnv, n: usize) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while env.kv().dump(b"/net/").len() < n {
        assert!(Instant::now() < deadline, "apply made no progress");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn sigkill_mid_apply_then_rerun_converges() {
    let env = TestEnv::new();
    let (repo, want) = generated(&env, 1500);
    let mut child = spawn_apply(&env, &repo, "3");
    wait_for_keys(&env, 200);
    child.kill().expect("SIGKILL");
    child.wait().unwrap();
    let partial = managed(&env).len();
    assert!(partial < want.len(), "killed mid-run ({partial} keys)");
    assert_eq!(
        sync_commit(&env),
        None,
        "the sync point moves only when all batches are in"
    );
    // The rerun waits for the dead run's lock to expire, then converges.
    env.netsync()
        .env("NETSYNC_LOCK_TTL", "3")
        .args(["apply", "--repo"])
        .arg(&repo)
        .assert()
        .success();
    assert_eq!(managed(&env), want);
    assert_eq!(sync_commit(&env), Some(env.head(&repo)));
}

#[test]
fn a_kill_with_transactions_in_flight_then_a_rerun_converges() {
    let env = TestEnv::new();
    let (repo, want) = generated(&env, 1500);
    let mut child = spawn_apply_with(&env, &repo, "3", &["--txns-in-flight", "16"]);
    wait_for_keys(&env, 300);
    child.kill().expect("SIGKILL");
    child.wait().unwrap();
    let partial = managed(&env);
    assert!(
        partial.len() < want.len(),
        "killed mid-run ({} keys)",
        partial.len()
    );
    // Whichever batches were in, each key holds Git's value or nothing.
    for (key, value) in &partial {
        assert_eq!(
            want.get(key),
            Some(value),
            "{}",
            String::from_utf8_lossy(key)
        );
    }
    assert_eq!(
        sync_commit(&env),
        None,
        "the sync point moves only when all batches are in"
    );
    env.netsync()
        .env("NETSYNC_LOCK_TTL", "3")
        .args(["apply", "--txns-in-flight", "16", "--repo"])
        .arg(&repo)
        .assert()
        .success();
    assert_eq!(managed(&env), want);
    assert_eq!(sync_commit(&env), Some(env.head(&repo)));
    env.netsync_ok(&["diff", "--exit-code"], &repo);
}

#[test]
fn losing_the_etcd_leader_mid_apply_loses_nothing() {
    let mut env = TestEnv::with_cluster(3);
    let (repo, want) = generated(&env, 1500);
    let leader = env.cluster().leader_index();
    let mut child = spawn_apply(&env, &repo, "30");
    wait_for_keys(&env, 200);
    env.cluster().kill(leader);
    let status = child.wait().unwrap();
    let stderr = std::fs::read_to_string(env.root().join("apply.stderr")).unwrap();
    assert!(
        status.success(),
        "apply survives the leader's loss: {stderr}"
    );
    assert_eq!(managed(&env), want);
    assert_eq!(sync_commit(&env), Some(env.head(&repo)));
}

#[test]
fn without_quorum_apply_fails_clearly_and_records_nothing() {
    let mut env = TestEnv::with_cluster(3);
    let (repo, _) = generated(&env, 50);
    env.cluster().kill(1);
    env.cluster().kill(2);
    let start = Instant::now();
    env.netsync()
        .args([
            "apply",
            "--command-timeout",
            "4s",
            "--dial-timeout",
            "3s",
            "--repo",
        ])
        .arg(&repo)
        .assert()
        .code(1)
        .stderr(predicates::str::contains("error: "))
        .stderr(predicates::str::contains("etcd"));
    assert!(
        start.elapsed() < Duration::from_secs(40),
        "took {:?}",
        start.elapsed()
    );
    env.cluster().restart(1);
    assert!(managed(&env).is_empty(), "nothing half-written");
    assert_eq!(sync_commit(&env), None);
}

#[test]
fn a_paused_apply_whose_lease_expired_writes_nothing_more() {
    let env = TestEnv::new();
    let repo = synced(&env);
    env.commit_files(
        &repo,
        &[("kv/params/dns", b"from the paused run")],
        &[],
        "change",
    );
    // The run stops itself right before its first write (SIGSTOP from the hook)...
    let mut child = env
        .netsync_std()
        .env("NETSYNC_LOCK_TTL", "2")
        .env("NETSYNC_TEST_HOOK_BEFORE_WRITE", "kill -STOP $PPID")
        .args(["apply", "--repo"])
        .arg(&repo)
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let pid = child.id().to_string();
    // ...stays stopped past its lease; another writer takes over meanwhile.
    std::thread::sleep(Duration::from_secs(5));
    env.kv().put(MTU, "written while the first run slept");
    std::process::Command::new("kill")
        .args(["-CONT", &pid])
        .status()
        .unwrap();
    let status = child.wait().unwrap();
    let mut stderr = String::new();
    std::io::Read::read_to_string(child.stderr.as_mut().unwrap(), &mut stderr).unwrap();
    assert!(!status.success(), "{stderr}");
    assert!(stderr.contains("lost the etcd lock"), "{stderr}");
    assert_eq!(
        managed(&env),
        expect(
            &fixture_kv("network"),
            &[(MTU, Some("written while the first run slept"))]
        ),
        "the expired run wrote nothing"
    );
}

#[test]
fn a_paused_persist_whose_lease_expired_writes_nothing() {
    let env = TestEnv::new();
    let repo = synced(&env);
    env.kv().put(MTU, "1280");
    let mut first = env
        .netsync_std()
        .env("NETSYNC_LOCK_TTL", "2")
        .env("NETSYNC_TEST_HOOK_BEFORE_REF_UPDATE", "kill -STOP $PPID")
        .args(["persist", "--no-push", "--repo"])
        .arg(&repo)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let pid = first.id().to_string();
    std::thread::sleep(Duration::from_secs(5));
    // A second persist runs while the first is stopped past its lease, and commits.
    env.kv().put(DNS, "10.88.0.9");
    env.netsync()
        .env("NETSYNC_LOCK_TTL", "2")
        .args(["persist", "--no-push", "--repo"])
        .arg(&repo)
        .assert()
        .success();
    let second = env.head(&repo);
    std::process::Command::new("kill")
        .args(["-CONT", &pid])
        .status()
        .unwrap();
    let status = first.wait().unwrap();
    let mut stderr = String::new();
    std::io::Read::read_to_string(first.stderr.as_mut().unwrap(), &mut stderr).unwrap();
    assert!(!status.success(), "{stderr}");
    assert!(stderr.contains("lost the etcd lock"), "{stderr}");
    assert_eq!(env.head(&repo), second, "the first run moved nothing");
    assert_eq!(sync_commit(&env), Some(second));
    assert_eq!(
        tree_kv(&env, &repo),
        expect(
            &fixture_kv("network"),
            &[(MTU, Some("1280")), (DNS, Some("10.88.0.9"))]
        )
    );
    env.fsck(&repo);
}
