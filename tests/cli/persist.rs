//! `netsync persist` against a real etcd and real Git: snapshots into bare and non-bare
//! repositories, byte-exact round trips, no churn, compaction mid-read, one writer, pushes
//! to primary and backup remotes, a remote that moved ahead, and runs killed with SIGKILL.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use predicates::str::contains;

use crate::harness::{self, TestEnv};

/// A repository holding the example network, applied to etcd (sync point recorded).
fn applied(bare: bool) -> (TestEnv, PathBuf) {
    let env = TestEnv::new();
    let repo = env.init_repo("network", bare);
    env.copy_fixture(&repo, "network");
    env.netsync()
        .args(["apply", "--repo"])
        .arg(&repo)
        .assert()
        .success();
    (env, repo)
}

fn persist(env: &TestEnv, repo: &Path) -> assert_cmd::assert::Assert {
    env.netsync().args(["persist", "--repo"]).arg(repo).assert()
}

/// Every key file under `kv/` at `rev`, decoded back to its etcd key.
pub(crate) fn tree_kv(env: &TestEnv, repo: &Path, rev: &str) -> BTreeMap<Vec<u8>, Vec<u8>> {
    let listing = env.git(repo, ["ls-tree", "-r", "-z", "--full-tree", rev, "kv"]);
    let mut out = BTreeMap::new();
    for record in listing.split('\0').filter(|r| !r.is_empty()) {
        let (meta, path) = record.split_once('\t').expect("ls-tree record");
        let oid = meta.split_whitespace().nth(2).expect("oid");
        let rest = path.strip_prefix("kv/").expect("under kv/");
        let decoded = netsync::keypath::decode(rest).expect("a netsync key path");
        let mut key = b"/net/".to_vec();
        key.extend_from_slice(&decoded.rest);
        let value = env.git_stdin(repo, ["cat-file", "blob", oid], b"");
        out.insert(key, value);
    }
    out
}

/// What persist must record: the managed, non-ephemeral keys of etcd.
pub(crate) fn etcd_managed(env: &TestEnv) -> BTreeMap<Vec<u8>, Vec<u8>> {
    env.kv()
        .dump(b"/net/")
        .into_iter()
        .filter(|(k, _)| !k.starts_with(b"/net/sessions/") && !k.ends_with(b"/heartbeat"))
        .collect()
}

pub(crate) fn commit_count(env: &TestEnv, repo: &Path) -> usize {
    env.git(repo, ["rev-list", "--count", "main"])
        .trim()
        .parse()
        .expect("a count")
}

/// Operational changes of every kind, including keys that are not UTF-8 and keys that are
/// prefixes of other keys.
fn change_etcd(env: &TestEnv) {
    let kv = env.kv();
    kv.put("/net/params/mtu", "1380");
    kv.put("/net/users/frank/profile", "{\"name\":\"Frank\"}\n");
    kv.put(
        b"/net/bin/\xff\xfe/key".as_slice(),
        b"\x00\x01\xff binary\r\n".as_slice(),
    );
    kv.put("/net/users/alice", "alice's own value");
    kv.put("/net/tree", "parent");
    kv.put("/net/tree/leaf", "child");
    kv.put("/net/dots/../.git/%", "odd");
    kv.delete("/net/users/bob/devices");
    kv.put("/net/sessions/abc", "ephemeral, never persisted");
}

#[test]
fn persists_etcd_changes_byte_exact_into_bare_and_non_bare_repositories() {
    for bare in [true, false] {
        let (env, repo) = applied(bare);
        let before = commit_count(&env, &repo);
        change_etcd(&env);
        persist(&env, &repo)
            .success()
            .stdout(contains("committed "))
            .stdout(contains("6 added, 1 changed, 1 deleted"));
        assert_eq!(commit_count(&env, &repo), before + 1, "bare={bare}");
        assert_eq!(
            tree_kv(&env, &repo, "main"),
            etcd_managed(&env),
            "bare={bare}"
        );
        // A key with children is stored beside them; ephemeral keys never reach Git.
        let files = env.git(&repo, ["ls-tree", "-r", "--name-only", "main", "kv"]);
        assert!(files.contains("kv/users/alice/%self\n"), "{files}");
        assert!(files.contains("kv/tree/%self\nkv/tree/leaf\n"), "{files}");
        assert!(!files.contains("sessions"), "{files}");

        let message = env.git(&repo, ["log", "-1", "--format=%B", "main"]);
        for trailer in [
            "Netsync-Etcd-Revision: ",
            "Netsync-Cluster-Id: ",
            "Netsync-Member-Id: ",
            "Netsync-Host: ",
            "Netsync-Version: ",
        ] {
            assert!(message.contains(trailer), "{message}");
        }
        assert!(
            message.contains("  added    /net/bin/\\xff\\xfe/key"),
            "{message}"
        );
        let author = env.git(&repo, ["log", "-1", "--format=%an <%ae>", "main"]);
        assert!(author.starts_with("netsync <netsync@"), "{author}");
        let reflog = env.git(&repo, ["reflog", "show", "--format=%gs", "refs/heads/main"]);
        assert!(reflog.contains("netsync persist"), "bare={bare}: {reflog}");

        // Git and etcd now agree: diff finds nothing, and the sync point names the commit.
        env.netsync()
            .args(["diff", "--exit-code", "--repo"])
            .arg(&repo)
            .assert()
            .success();
        let point = env.kv().dump(b"/netsync/sync/");
        let point = point.values().next().expect("a sync point");
        let head = env.rev_parse(&repo, "main");
        assert!(
            String::from_utf8_lossy(point).contains(&head),
            "bare={bare}"
        );

        if !bare {
            let status = env.git(&repo, ["status", "--porcelain", "--untracked-files=all"]);
            assert_eq!(status, "", "the checkout follows the branch");
            assert_eq!(
                std::fs::read(repo.join("kv/params/mtu")).unwrap(),
                b"1380".to_vec()
            );
            assert!(!repo.join("kv/users/bob/devices").exists());
        }
        env.fsck(&repo);
    }
}

#[test]
fn nothing_changed_means_no_commit() {
    let (env, repo) = applied(true);
    let head = env.rev_parse(&repo, "main");
    persist(&env, &repo)
        .success()
        .stdout(contains("nothing to persist"));
    let state = || {
        let kv = env.kv();
        let keys: Vec<Option<i64>> = kv
            .dump(b"/")
            .keys()
            .filter(|k| !k.starts_with(b"/netsync/lock/"))
            .map(|k| kv.mod_revision(k))
            .collect();
        keys
    };
    let before = state();
    persist(&env, &repo)
        .success()
        .stdout(contains("nothing to persist"));
    assert_eq!(env.rev_parse(&repo, "main"), head);
    assert_eq!(
        state(),
        before,
        "a no-op persist writes no key (only its lock)"
    );
    assert!(
        env.kv().dump(b"/netsync/lock/").is_empty(),
        "the lock is released"
    );
    env.fsck(&repo);
}

#[test]
fn deletes_remove_files_and_a_key_losing_its_children_moves_back() {
    let (env, repo) = applied(true);
    env.kv().put("/net/tree", "parent");
    env.kv().put("/net/tree/leaf", "child");
    persist(&env, &repo).success();
    env.kv().delete("/net/tree/leaf");
    env.kv().delete_prefix("/net/users/carol/");
    persist(&env, &repo)
        .success()
        .stdout(contains("0 added, 0 changed, 4 deleted"));
    let files = env.git(&repo, ["ls-tree", "-r", "--name-only", "main", "kv"]);
    assert!(files.contains("kv/tree\n"), "{files}");
    assert!(!files.contains("kv/tree/"), "{files}");
    assert!(!files.contains("kv/users/carol/"), "{files}");
    assert_eq!(tree_kv(&env, &repo, "main"), etcd_managed(&env));
    env.fsck(&repo);
}

#[test]
fn dry_run_writes_nothing() {
    let (env, repo) = applied(true);
    change_etcd(&env);
    let head = env.rev_parse(&repo, "main");
    let revision = env.kv().revision();
    env.netsync()
        .args(["persist", "--dry-run", "--repo"])
        .arg(&repo)
        .assert()
        .success()
        .stdout(contains(
            "dry run, nothing written: would commit 6 added, 1 changed, 1 deleted",
        ));
    assert_eq!(env.rev_parse(&repo, "main"), head);
    assert_eq!(env.kv().revision(), revision);
    env.fsck(&repo);
}

#[test]
fn compaction_during_the_read_restarts_at_a_new_revision() {
    let (env, repo) = applied(true);
    change_etcd(&env);
    let marker = env.root().join("compacted");
    // Once, between two pages: write a key, then compact etcd up to that write, so that the
    // revision the first pages were read at is gone.
    let hook = format!(
        "[ -e {m} ] && exit 0; touch {m}; \
         etcdctl --endpoints={e} put /net/params/hook during-read >/dev/null; \
         rev=$(etcdctl --endpoints={e} get /net/params/hook -w json | sed 's/.*\"revision\":\\([0-9]*\\).*/\\1/'); \
         etcdctl --endpoints={e} compact $rev >/dev/null",
        m = marker.display(),
        e = env.endpoints()
    );
    env.netsync()
        .env("NETSYNC_PAGE_SIZE", "5")
        .env("NETSYNC_FULL_READ", "true")
        .env("NETSYNC_TEST_HOOK_BETWEEN_PAGES", hook)
        .args(["persist", "--repo"])
        .arg(&repo)
        .assert()
        .success()
        .stderr(contains("compacted during the read"));
    assert!(marker.exists(), "the hook ran");
    let recorded = tree_kv(&env, &repo, "main");
    assert_eq!(
        recorded.get(b"/net/params/hook".as_slice()),
        Some(&b"during-read".to_vec())
    );
    assert_eq!(recorded, etcd_managed(&env));
    env.fsck(&repo);
}

#[test]
fn two_concurrent_persists_make_one_commit() {
    let (env, repo) = applied(true);
    change_etcd(&env);
    let before = commit_count(&env, &repo);
    let started = env.root().join("started");
    let mut first = env.netsync_std();
    first
        .env(
            "NETSYNC_TEST_HOOK_BEFORE_REF_UPDATE",
            format!("touch {}; sleep 3", started.display()),
        )
        .args(["persist", "--repo"])
        .arg(&repo)
        .stdout(std::process::Stdio::piped());
    let first = first.spawn().expect("spawn the first persist");
    crate::harness::wait_for_file(&started, "the first persist");
    persist(&env, &repo).success().stdout(contains(
        "another persist holds the lock (holder netsync persist pid",
    ));
    let out = first.wait_with_output().expect("first persist");
    assert!(out.status.success(), "{out:?}");
    assert!(String::from_utf8_lossy(&out.stdout).contains("committed "));
    assert_eq!(commit_count(&env, &repo), before + 1);
    // The lock is released at the end: the next run gets it.
    persist(&env, &repo)
        .success()
        .stdout(contains("nothing to persist"));
    env.fsck(&repo);
}

/// A primary remote holding the fixture with remotes configured, and a bare clone of it that
/// persist works in, applied to etcd.
fn with_remotes(backup: &str) -> (TestEnv, PathBuf, PathBuf) {
    let env = TestEnv::new();
    let primary = env.init_repo("primary.git", true);
    env.copy_fixture(&primary, "network");
    let toml =
        harness::NETWORK_TOML_WITH_ORIGIN.replace(r#"["origin"]"#, r#"["origin", "backup"]"#);
    env.commit_files(
        &primary,
        &[("netsync.toml", toml.as_bytes())],
        &[],
        "Configure remotes",
    );
    let local = env.clone_bare(&primary, "local.git");
    env.git(&local, ["remote", "add", "backup", backup]);
    env.netsync()
        .args(["apply", "--repo"])
        .arg(&local)
        .assert()
        .success();
    (env, primary, local)
}

#[test]
fn pushes_to_the_primary_and_reports_a_dead_backup() {
    let (env, primary, local) = with_remotes("/nonexistent/backup.git");
    change_etcd(&env);
    persist(&env, &local)
        .success()
        .stdout(contains("pushed to origin (primary)"))
        .stdout(contains("push to backup (backup) failed"));
    assert_eq!(
        env.rev_parse(&primary, "main"),
        env.rev_parse(&local, "main")
    );
    assert_eq!(tree_kv(&env, &primary, "main"), etcd_managed(&env));
    env.fsck(&primary);
    env.fsck(&local);
}

#[test]
fn pushes_to_a_live_backup_too() {
    let scratch = tempfile::tempdir().unwrap();
    let backup = scratch.path().join("backup.git");
    let (env, primary, local) = with_remotes(backup.to_str().unwrap());
    env.git(
        env.root(),
        [
            "init",
            "-q",
            "-b",
            "main",
            "--bare",
            backup.to_str().unwrap(),
        ],
    );
    change_etcd(&env);
    persist(&env, &local)
        .success()
        .stdout(contains("pushed to backup (backup)"));
    assert_eq!(
        env.rev_parse(&backup, "main"),
        env.rev_parse(&primary, "main")
    );
    env.fsck(&backup);
}

#[test]
fn a_primary_that_rejects_the_push_fails_the_run() {
    let (env, primary, local) = with_remotes("/nonexistent/backup.git");
    let hook = primary.join("hooks/pre-receive");
    std::fs::write(&hook, "#!/bin/sh\necho 'policy says no' >&2\nexit 1\n").unwrap();
    std::process::Command::new("chmod")
        .args(["+x"])
        .arg(&hook)
        .status()
        .unwrap();
    let remote_head = env.rev_parse(&primary, "main");
    let point = env.kv().dump(b"/netsync/sync/");
    change_etcd(&env);
    persist(&env, &local)
        .code(1)
        .stderr(contains("the primary remote origin rejected the push"))
        .stderr(contains("policy says no"));
    assert_eq!(env.rev_parse(&primary, "main"), remote_head);
    assert_eq!(
        env.kv().dump(b"/netsync/sync/"),
        point,
        "the sync point moves only after the primary has the commit"
    );
    env.fsck(&primary);
    env.fsck(&local);
}

/// Someone changes the desired state on the primary (not applied yet), from a clone of
/// their own; returns that clone and the commit, ready to push.
fn their_commit(env: &TestEnv, primary: &Path) -> (PathBuf, String) {
    let theirs = env.clone_bare(primary, "theirs.git");
    let commit = env.commit_files(
        &theirs,
        &[
            ("kv/params/dns", b"10.9.9.9\n".as_slice()),
            ("README", b"hi\n"),
        ],
        &[],
        "Change DNS",
    );
    (theirs, commit)
}

#[test]
fn a_remote_that_moved_ahead_is_fetched_and_built_upon() {
    let (env, primary, local) = with_remotes("/nonexistent/backup.git");
    let (their_clone, theirs) = their_commit(&env, &primary);
    // etcd changes, and the primary moves while persist works (after it fetched, before
    // its push).
    env.kv().put("/net/params/mtu", "1280");
    env.netsync()
        .env(
            "NETSYNC_TEST_HOOK_BEFORE_PUSH",
            format!(
                "[ -e {0}/pushed ] || {{ git --git-dir {0} push -q origin main && touch {0}/pushed; }}",
                their_clone.display()
            ),
        )
        .args(["persist", "--repo"])
        .arg(&local)
        .assert()
        .success()
        .stdout(contains("rebuilt 1 time(s)"))
        .stdout(contains("pushed to origin (primary)"));
    let head = env.rev_parse(&primary, "main");
    assert_eq!(env.rev_parse(&local, "main"), head);
    assert_eq!(
        env.rev_parse(&primary, "main^"),
        theirs,
        "their commit is kept, not replaced"
    );
    let recorded = tree_kv(&env, &primary, "main");
    assert_eq!(recorded[b"/net/params/mtu".as_slice()], b"1280".to_vec());
    assert_eq!(
        recorded[b"/net/params/dns".as_slice()],
        b"10.9.9.9\n".to_vec(),
        "a change made in Git is never reverted by a snapshot"
    );
    assert!(env
        .git(&primary, ["ls-tree", "--name-only", "main"])
        .contains("README"));
    env.fsck(&primary);
    env.fsck(&local);
}

/// A clone behind its primary (another host persisted, someone pushed) catches up before
/// it plans: it builds on the primary's tip at once, with no refused push and no rebuild.
#[test]
fn a_clone_behind_the_primary_fast_forwards_before_planning() {
    let (env, primary, local) = with_remotes("/nonexistent/backup.git");
    let (their_clone, theirs) = their_commit(&env, &primary);
    env.git(&their_clone, ["push", "-q", "origin", "main"]);
    env.kv().put("/net/params/mtu", "1280");
    let out = env.netsync_ok(&["persist", "-v"], &local);
    assert!(out.contains("pushed to origin (primary)"), "{out}");
    assert!(!out.contains("rebuilt"), "{out}");
    assert_eq!(
        env.rev_parse(&primary, "main"),
        env.rev_parse(&local, "main")
    );
    assert_eq!(env.rev_parse(&primary, "main^"), theirs);
    let recorded = tree_kv(&env, &primary, "main");
    assert_eq!(recorded[b"/net/params/mtu".as_slice()], b"1280".to_vec());
    assert_eq!(
        recorded[b"/net/params/dns".as_slice()],
        b"10.9.9.9\n".to_vec(),
        "a change made in Git is never reverted by a snapshot"
    );
    // The reflog says why the branch moved.
    let reflog = env.git(&local, ["reflog", "show", "--format=%gs", "main"]);
    assert!(
        reflog.contains("netsync persist: fast-forward to origin"),
        "{reflog}"
    );
    env.fsck(&primary);
    env.fsck(&local);
}

#[test]
fn a_key_changed_on_both_sides_stops_with_exit_5() {
    let (env, repo) = applied(true);
    env.commit_files(
        &repo,
        &[("kv/params/mtu", b"9000".as_slice())],
        &[],
        "Jumbo",
    );
    env.kv().put("/net/params/mtu", "1280");
    let head = env.rev_parse(&repo, "main");
    persist(&env, &repo)
        .code(5)
        .stderr(contains("/net/params/mtu changed both in Git and in etcd"));
    assert_eq!(env.rev_parse(&repo, "main"), head);
    env.fsck(&repo);
}

#[test]
fn uncommitted_edits_to_a_file_persist_must_change_are_refused() {
    let (env, repo) = applied(false);
    std::fs::write(repo.join("kv/params/mtu"), "local edit").unwrap();
    env.kv().put("/net/params/mtu", "1280");
    let head = env.rev_parse(&repo, "main");
    persist(&env, &repo)
        .code(1)
        .stderr(contains("uncommitted edits"))
        .stderr(contains("kv/params/mtu"));
    assert_eq!(env.rev_parse(&repo, "main"), head);
    assert_eq!(
        std::fs::read(repo.join("kv/params/mtu")).unwrap(),
        b"local edit"
    );
    env.fsck(&repo);
}

#[test]
fn a_run_killed_at_any_step_leaves_git_healthy_and_a_rerun_converges() {
    for step in ["BEFORE_REF_UPDATE", "BEFORE_PUSH", "BEFORE_SYNC_POINT"] {
        let (env, primary, local) = with_remotes("/nonexistent/backup.git");
        change_etcd(&env);
        let status = env
            .netsync_std()
            .env(format!("NETSYNC_TEST_HOOK_{step}"), "kill -9 $PPID")
            .env("NETSYNC_LOCK_TTL", "3")
            .args(["persist", "--repo"])
            .arg(&local)
            .status()
            .expect("run persist");
        assert!(!status.success(), "{step}: the run was killed");
        env.fsck(&local);
        // The lock died with the process's lease; the rerun waits for it to expire.
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
        loop {
            let out = env
                .netsync()
                .env("NETSYNC_LOCK_TTL", "3")
                .args(["persist", "--repo"])
                .arg(&local)
                .assert()
                .success();
            let stdout = String::from_utf8_lossy(&out.get_output().stdout).into_owned();
            if !stdout.contains("another persist holds the lock") {
                break;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "{step}: the lock never expired"
            );
            std::thread::sleep(std::time::Duration::from_secs(2));
        }
        assert_eq!(tree_kv(&env, &local, "main"), etcd_managed(&env), "{step}");
        assert_eq!(
            env.rev_parse(&primary, "main"),
            env.rev_parse(&local, "main"),
            "{step}"
        );
        persist(&env, &local)
            .success()
            .stdout(contains("nothing to persist"));
        env.fsck(&local);
        env.fsck(&primary);
    }
}

#[test]
fn stale_git_lock_files_are_reported_and_removed_only_when_old() {
    let (env, repo) = applied(true);
    change_etcd(&env);
    let lock = repo.join("refs/heads/main.lock");
    std::fs::write(&lock, "").unwrap();
    let head = env.rev_parse(&repo, "main");
    persist(&env, &repo)
        .code(1)
        .stderr(contains("refs/heads/main.lock exists"))
        .stderr(contains("another Git process may be working"));
    assert_eq!(env.rev_parse(&repo, "main"), head);
    assert!(lock.exists(), "a fresh lock file is never removed");
    std::process::Command::new("touch")
        .args(["-d", "1 hour ago"])
        .arg(&lock)
        .status()
        .unwrap();
    persist(&env, &repo)
        .success()
        .stdout(contains("removed stale lock file"))
        .stdout(contains("committed "));
    assert!(!lock.exists());
    env.fsck(&repo);
}

/// The sync point record: its key, JSON and `mod_revision`.
fn sync_point(env: &TestEnv) -> (Vec<u8>, serde_json::Value, i64) {
    let (key, value) = env
        .kv()
        .dump(b"/netsync/sync/")
        .into_iter()
        .next()
        .expect("a sync point");
    let revision = env.kv().mod_revision(&key).expect("its revision");
    (key, serde_json::from_slice(&value).unwrap(), revision)
}

fn tree_of(env: &TestEnv, repo: &Path) -> String {
    env.rev_parse(repo, "main^{tree}")
}

fn persist_json(env: &TestEnv, repo: &Path, full: bool) -> (serde_json::Value, String) {
    let mut cmd = env.netsync();
    if full {
        cmd.env("NETSYNC_FULL_READ", "true");
    }
    let out = cmd
        .args(["persist", "-v", "--output", "json", "--repo"])
        .arg(repo)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "{stderr}");
    (crate::harness::json_doc(&out.stdout), stderr)
}

#[test]
fn incremental_and_full_reads_build_the_same_tree() {
    let (env, repo) = applied(true);
    // Keys that exist before the sync point and stay as they are, leased and ephemeral ones.
    let lease = env
        .kv()
        .put_with_lease("/net/nodes/n1/lease-held", "runtime", 60);
    assert!(lease > 0);
    let full = env.root().join("full.git");
    let status = std::process::Command::new("cp")
        .arg("-a")
        .arg(&repo)
        .arg(&full)
        .status()
        .unwrap();
    assert!(status.success());
    let (point_key, mut point, point_revision) = sync_point(&env);
    change_etcd(&env);

    let (doc, stderr) = persist_json(&env, &repo, false);
    assert_eq!(doc["persist"]["incremental"], true, "{stderr}");
    assert!(stderr.contains("incremental read"), "{stderr}");
    // Put the sync point back as it was (same commit, same agreed revision) for the full run.
    point["read_revision"] = point_revision.into();
    env.kv()
        .put(&point_key, serde_json::to_vec(&point).unwrap());
    let (doc_full, stderr) = persist_json(&env, &full, true);
    assert_eq!(doc_full["persist"]["incremental"], false, "{stderr}");
    assert_eq!(doc["persist"]["changes"], doc_full["persist"]["changes"]);
    assert_eq!(tree_of(&env, &repo), tree_of(&env, &full));
    let managed = || {
        let mut m = etcd_managed(&env);
        assert!(m.remove(b"/net/nodes/n1/lease-held".as_slice()).is_some());
        m
    };
    assert_eq!(tree_kv(&env, &repo, "main"), managed());

    // Next round from the full run's sync point: deletions, a key losing its children.
    env.kv().delete("/net/tree/leaf");
    env.kv().delete("/net/params/mtu");
    env.kv().put("/net/users/frank/profile", "{}");
    let (doc, stderr) = persist_json(&env, &full, false);
    assert_eq!(doc["persist"]["incremental"], true, "{stderr}");
    assert_eq!(tree_kv(&env, &full, "main"), managed());
    // And a no-op stays a no-op.
    let head = env.rev_parse(&full, "main");
    let (doc, _) = persist_json(&env, &full, false);
    assert_eq!(doc["persist"]["commit"], serde_json::Value::Null);
    assert_eq!(env.rev_parse(&full, "main"), head);
    env.fsck(&repo);
    env.fsck(&full);
}

#[test]
fn compaction_during_an_incremental_read_falls_back_to_the_full_read() {
    let (env, repo) = applied(true);
    change_etcd(&env);
    let marker = env.root().join("compacted");
    let hook = format!(
        "[ -e {m} ] && exit 0; touch {m}; \
         etcdctl --endpoints={e} put /net/params/hook during-read >/dev/null; \
         rev=$(etcdctl --endpoints={e} get /net/params/hook -w json | sed 's/.*\"revision\":\\([0-9]*\\).*/\\1/'); \
         etcdctl --endpoints={e} compact $rev >/dev/null",
        m = marker.display(),
        e = env.endpoints()
    );
    let out = env
        .netsync()
        .env("NETSYNC_PAGE_SIZE", "1")
        .env("NETSYNC_TEST_HOOK_BETWEEN_PAGES", hook)
        .args(["persist", "-v", "--output", "json", "--repo"])
        .arg(&repo)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(marker.exists(), "the hook ran");
    assert!(
        stderr.contains("incremental read not possible") && stderr.contains("compacted"),
        "{stderr}"
    );
    assert!(stderr.contains("reading every value"), "{stderr}");
    let doc = crate::harness::json_doc(&out.stdout);
    assert_eq!(doc["persist"]["incremental"], false);
    let recorded = tree_kv(&env, &repo, "main");
    assert_eq!(
        recorded.get(b"/net/params/hook".as_slice()),
        Some(&b"during-read".to_vec())
    );
    assert_eq!(recorded, etcd_managed(&env));
    env.fsck(&repo);
}

/// `netsync status` of `repo`, as text.
fn status_text(env: &TestEnv, repo: &Path) -> String {
    env.netsync_ok(&["status"], repo)
}

#[test]
fn an_accidental_del_prefix_is_refused_not_persisted_and_pushed() {
    let (env, primary, local) = with_remotes("/nonexistent/backup.git");
    let managed = etcd_managed(&env).len();
    let local_before = env.rev_parse(&local, "main");
    let primary_before = env.rev_parse(&primary, "main");
    let point_before = env.kv().dump(b"/netsync/");

    // `etcdctl del --prefix /net/`, then the next cron persist.
    env.kv().delete_prefix("/net/");
    let refusal = format!(
        "error: refusing to record the deletion of {managed} of the {managed} managed keys under /net/"
    );
    for args in [&["persist"][..], &["persist", "--dry-run"]] {
        env.netsync()
            .args(args)
            .arg("--repo")
            .arg(&local)
            .assert()
            .code(3)
            .stderr(contains(refusal.as_str()))
            .stderr(contains("nothing was committed or pushed"))
            .stderr(contains(format!(
                "hint: if the keys were deleted by accident, put them back from the last good commit: netsync restore --from REPO --rev {}",
                &local_before[..12]
            )))
            .stderr(contains("--allow-mass-delete"));
    }
    assert_eq!(env.rev_parse(&local, "main"), local_before, "no commit");
    assert_eq!(env.rev_parse(&primary, "main"), primary_before, "no push");
    let after: Vec<Vec<u8>> = env.kv().dump(b"/netsync/").into_keys().collect();
    assert!(
        point_before.keys().all(|k| after.contains(k)),
        "the sync point stays"
    );
    let status = status_text(&env, &local);
    assert!(
        status.contains("last persist refused (mass-delete guard) at ")
            && status.contains(&format!(
                "the deletion of {managed} of the {managed} managed keys under /net/"
            )),
        "{status}"
    );

    // The way back the hint names: restore the last good commit over the emptied prefix.
    env.netsync()
        .args(["restore", "--force", "--rev", &local_before[..12], "--from"])
        .arg(&local)
        .assert()
        .success();
    assert_eq!(etcd_managed(&env).len(), managed);
    persist(&env, &local).success();
    assert_eq!(env.rev_parse(&local, "main"), local_before);
    assert!(
        !status_text(&env, &local).contains("last persist refused"),
        "a persist that got through clears the refusal"
    );

    // Deleting everything on purpose: --allow-mass-delete records and pushes it.
    env.kv().delete_prefix("/net/");
    env.netsync()
        .args(["persist", "--allow-mass-delete", "--repo"])
        .arg(&local)
        .assert()
        .success()
        .stdout(contains(format!("{managed} deleted")))
        .stdout(contains("pushed to origin (primary)"));
    assert!(tree_kv(&env, &primary, "main").is_empty());
    assert!(!status_text(&env, &local).contains("last persist refused"));
    env.fsck(&local);
    env.fsck(&primary);
}

#[test]
fn the_mass_delete_guard_weighs_the_configured_fraction() {
    let (env, repo) = applied(true);
    let managed = etcd_managed(&env);
    let keys: Vec<&Vec<u8>> = managed.keys().collect();
    // One deletion is within the default 25%: recorded as usual.
    env.kv().delete(keys[0]);
    persist(&env, &repo).success().stdout(contains("1 deleted"));

    // Half of what is left, under a fraction of 0.75: recorded; everything, even at 1.0: not.
    let toml = env.show_file(&repo, "main", "netsync.toml").unwrap();
    let mut toml = String::from_utf8(toml).unwrap();
    toml.push_str("\n[persist]\nmax_delete_fraction = 0.75\n");
    env.commit_files(&repo, &[("netsync.toml", toml.as_bytes())], &[], "guard");
    env.netsync()
        .args(["apply", "--repo"])
        .arg(&repo)
        .assert()
        .success();
    let rest = &keys[1..];
    let half = rest.len() / 2;
    for key in &rest[..half] {
        env.kv().delete(key);
    }
    persist(&env, &repo)
        .success()
        .stdout(contains(format!("{half} deleted")));
    let head = env.rev_parse(&repo, "main");
    env.kv().delete_prefix("/net/");
    persist(&env, &repo).code(3).stderr(contains(format!(
        "refusing to record the deletion of {n} of the {n} managed keys under /net/ (the mass-delete guard allows 75% and never all)",
        n = rest.len() - half
    )));
    assert_eq!(env.rev_parse(&repo, "main"), head);
    env.fsck(&repo);
}

/// `git status --porcelain` of a checked-out repository: empty when the working tree and the
/// index match the branch.
fn porcelain(env: &TestEnv, repo: &Path) -> String {
    env.git(repo, ["status", "--porcelain", "--untracked-files=all"])
}

#[test]
fn a_checked_out_branch_follows_files_becoming_folders_and_back() {
    let (env, repo) = applied(false);
    let work = |path: &str| repo.join(path);
    let profile = env.kv().get("/net/users/alice/profile").unwrap();

    // A key gains its first child: kv/users/alice/profile becomes a folder with %self.
    env.kv().put("/net/users/alice/profile/avatar", "png");
    persist(&env, &repo).success();
    assert_eq!(
        std::fs::read(work("kv/users/alice/profile/%self")).unwrap(),
        profile
    );
    assert_eq!(
        std::fs::read(work("kv/users/alice/profile/avatar")).unwrap(),
        b"png"
    );
    assert_eq!(porcelain(&env, &repo), "");

    // A stray file in that folder would be lost if it became a file again: refused, named.
    std::fs::write(work("kv/users/alice/profile/notes.txt"), "mine").unwrap();
    env.kv().delete("/net/users/alice/profile/avatar");
    let head = env.rev_parse(&repo, "main");
    persist(&env, &repo)
        .failure()
        .stderr(contains("kv/users/alice/profile/notes.txt"));
    assert_eq!(env.rev_parse(&repo, "main"), head, "nothing moved");
    std::fs::remove_file(work("kv/users/alice/profile/notes.txt")).unwrap();

    // The key loses its last child: the folder becomes a file again.
    persist(&env, &repo).success();
    assert!(work("kv/users/alice/profile").is_file());
    assert_eq!(
        std::fs::read(work("kv/users/alice/profile")).unwrap(),
        profile
    );
    assert_eq!(porcelain(&env, &repo), "");

    // Deep paths and segments longer than a file name (continuations), in and out.
    let long = "x".repeat(300);
    let deep = format!("/net/deep/{long}/a/b/c");
    env.kv().put(&deep, "1");
    env.kv().put(format!("/net/deep/{long}/a"), "2");
    persist(&env, &repo).success();
    assert_eq!(porcelain(&env, &repo), "");
    assert_eq!(tree_kv(&env, &repo, "main"), etcd_managed(&env));
    env.kv().delete(&deep);
    persist(&env, &repo).success();
    assert_eq!(porcelain(&env, &repo), "");
    env.kv().delete_prefix("/net/deep/");
    persist(&env, &repo).success();
    assert_eq!(porcelain(&env, &repo), "");
    assert!(!work("kv/deep").exists(), "empty folders are removed");
    assert_eq!(tree_kv(&env, &repo, "main"), etcd_managed(&env));
    env.fsck(&repo);
}

/// Defect 7 of the redesign: a persist killed after it moved the branch (before its push,
/// after it, before it recorded the sync point) and then the same keys changed again in
/// etcd. The next `apply` keeps the new values as drift and the next `persist` records
/// them, both with exit 0: the commit's trailers prove what both sides agreed on.
#[test]
fn a_persist_killed_after_moving_the_branch_is_adopted_from_its_trailers() {
    for step in ["BEFORE_PUSH", "AFTER_PUSH", "BEFORE_SYNC_POINT"] {
        let (env, primary, local) = with_remotes("/nonexistent/backup.git");
        let (_, point, _) = sync_point(&env);
        env.kv().put("/net/params/mtu", "1380");
        env.kv().put("/net/params/dns", "10.0.0.53");
        let status = env
            .netsync_std()
            .env(format!("NETSYNC_TEST_HOOK_{step}"), "kill -9 $PPID")
            .env("NETSYNC_LOCK_TTL", "2")
            .args(["persist", "--repo"])
            .arg(&local)
            .status()
            .expect("run persist");
        assert!(!status.success(), "{step}: the run was killed");
        let killed = env.rev_parse(&local, "main");
        let message = env.commit_message(&local, "main");
        assert!(
            message.contains(&format!(
                "Netsync-Sync-Point: {}@",
                point["commit"].as_str().unwrap()
            )),
            "{step}: {message}"
        );
        let (_, still, _) = sync_point(&env);
        assert_eq!(still["commit"], point["commit"], "{step}: never recorded");

        // The same keys change again.
        env.kv().put("/net/params/mtu", "1280");
        env.kv().put("/net/params/dns", "10.0.0.54");
        let out = env
            .netsync()
            .args(["apply", "--lock-timeout", "30s", "--repo"])
            .arg(&local)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{step}: apply exit {:?}\n{}",
            out.status.code(),
            String::from_utf8_lossy(&out.stderr)
        );
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(stdout.contains("(drift)"), "{step}: {stdout}");
        assert_eq!(
            env.kv().get("/net/params/mtu").as_deref(),
            Some(&b"1280"[..])
        );

        let out = env.netsync_ok(&["persist"], &local);
        assert!(out.contains("committed "), "{step}: {out}");
        assert_eq!(
            env.rev_parse(&local, "main^"),
            killed,
            "{step}: built on it"
        );
        assert_eq!(tree_kv(&env, &local, "main"), etcd_managed(&env), "{step}");
        assert_eq!(
            env.rev_parse(&primary, "main"),
            env.rev_parse(&local, "main")
        );
        let (_, now, _) = sync_point(&env);
        assert_eq!(
            now["commit"].as_str().unwrap(),
            env.rev_parse(&local, "main")
        );
        assert!(now.get("unsettled").is_none(), "{step}: {now}");
        // Converged: nothing left on either side.
        let out = env.netsync_ok(&["persist"], &local);
        assert!(out.contains("nothing to persist"), "{step}: {out}");
        env.netsync()
            .args(["diff", "--exit-code", "--repo"])
            .arg(&local)
            .assert()
            .success();
        env.fsck(&local);
        env.fsck(&primary);
    }
}

/// A persist killed before it recorded, then a Git change committed on top of its commit:
/// the adopted agreement covers what the persist recorded, and the later commit stays a Git
/// change for apply (not drift, not a conflict).
#[test]
fn an_adopted_commit_with_a_git_change_on_top_keeps_the_change_for_apply() {
    let (env, primary, local) = with_remotes("/nonexistent/backup.git");
    env.kv().put("/net/params/mtu", "1380");
    let status = env
        .netsync_std()
        .env("NETSYNC_TEST_HOOK_BEFORE_SYNC_POINT", "kill -9 $PPID")
        .env("NETSYNC_LOCK_TTL", "2")
        .args(["persist", "--no-push", "--repo"])
        .arg(&primary)
        .status()
        .unwrap();
    assert_eq!(status.code(), None, "killed");
    env.commit_files(
        &primary,
        &[("kv/params/dns", b"10.9.9.9")],
        &[],
        "new resolver",
    );
    env.kv().put("/net/params/mtu", "1280");
    env.git(&local, ["fetch", "-q", "origin", "+main:main"]);
    let out = env.netsync_ok(&["diff", "--output", "json"], &local);
    let doc = crate::harness::json_doc(&out);
    let class = |key: &str| {
        doc["changes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["key"] == key)
            .map(|c| c["class"].clone())
    };
    assert_eq!(class("/net/params/mtu"), Some("etcd_only".into()), "{doc}");
    assert_eq!(class("/net/params/dns"), Some("git_only".into()), "{doc}");
    let status = env.netsync_ok(&["status", "--output", "json"], &local);
    let status = crate::harness::json_doc(&status);
    assert_eq!(status["status"]["counts"]["conflicts"], 0, "{status}");

    env.netsync()
        .args(["apply", "--lock-timeout", "30s", "--repo"])
        .arg(&local)
        .assert()
        .success();
    assert_eq!(
        env.kv().get("/net/params/dns").as_deref(),
        Some(&b"10.9.9.9"[..])
    );
    assert_eq!(
        env.kv().get("/net/params/mtu").as_deref(),
        Some(&b"1280"[..])
    );
    env.netsync_ok(&["persist"], &local);
    assert_eq!(tree_kv(&env, &local, "main"), etcd_managed(&env));
    env.fsck(&local);
    env.fsck(&primary);
}

/// Trailers are text anyone who can push can write. A commit claiming to be a persist built
/// on the current record, read at a revision etcd has not reached, is not adopted: persist
/// refuses naming the commit, diff and apply judge by the record as it is.
#[test]
fn a_trailer_from_the_future_is_not_adopted() {
    let (env, repo) = applied(true);
    let (_, point, recorded_at) = sync_point(&env);
    let message = format!(
        "not netsync\n\nNetsync-Etcd-Revision: 999999\nNetsync-Cluster-Id: {}\nNetsync-Sync-Point: {}@{recorded_at}\n",
        point["cluster_id"].as_str().unwrap(),
        point["commit"].as_str().unwrap()
    );
    let forged = env.commit_files(&repo, &[("kv/params/mtu", b"1")], &[], &message);
    let out = env
        .netsync()
        .args(["persist", "--repo"])
        .arg(&repo)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains(&format!(
            "error: commit {forged} of the branch says it was read from etcd at revision 999999"
        )),
        "{stderr}"
    );
    assert!(stderr.contains("hint: look at who made it"), "{stderr}");
    assert_eq!(env.rev_parse(&repo, "main"), forged, "nothing committed");
    // diff does not adopt it: the change is Git's, as any pushed change.
    let out = env.netsync_ok(&["diff", "--output", "json", "-v"], &repo);
    let doc = crate::harness::json_doc(&out);
    let mtu = doc["changes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["key"] == "/net/params/mtu")
        .unwrap();
    assert_eq!(mtu["class"], "git_only", "{doc}");
}

/// `persist.remotes` takes what `git push` takes: a URL, an absolute path, and a path
/// relative to the repository (the same entry serves a bare repository and a checked-out
/// one beside it, wherever netsync is started). A bad entry stops persist with its position
/// in netsync.toml, nothing written, while status reports it as a failing remote and diff
/// keeps working.
#[test]
fn remotes_may_be_urls_and_paths() {
    for checked_out in [false, true] {
        let env = TestEnv::new();
        let primary = env.init_repo("primary.git", true);
        env.copy_fixture(&primary, "network");
        let backup = env.init_repo("backup.git", true);
        let beside = env.init_repo("beside.git", true);
        let remotes = format!(
            r#"["file://{}", "{}", "../beside.git"]"#,
            primary.display(),
            backup.display()
        );
        let toml = harness::NETWORK_TOML_WITH_ORIGIN.replace(r#"["origin"]"#, &remotes);
        env.commit_files(
            &primary,
            &[("netsync.toml", toml.as_bytes())],
            &[],
            "Remotes as URLs and paths",
        );
        let local = match checked_out {
            false => env.clone_bare(&primary, "local.git"),
            true => {
                env.git(
                    env.root(),
                    ["clone", "-q", primary.to_str().unwrap(), "local"],
                );
                env.root().join("local")
            }
        };
        env.netsync_ok(&["apply"], &local);
        change_etcd(&env);
        env.netsync()
            .current_dir("/")
            .args(["persist", "--repo"])
            .arg(&local)
            .assert()
            .success()
            .stdout(contains(format!("pushed to file://{}", primary.display())));
        let tip = env.rev_parse(&local, "main");
        for remote in [&primary, &backup, &beside] {
            assert_eq!(env.rev_parse(remote, "main"), tip, "{}", remote.display());
            env.fsck(remote);
        }
        let out = env
            .netsync()
            .current_dir("/")
            .args(["status", "-o", "json", "--fail-on", "remote", "--repo"])
            .arg(&local)
            .output()
            .unwrap();
        let doc = crate::harness::json_doc(&out.stdout);
        assert_eq!(out.status.code(), Some(0), "{doc:#}");
        let remotes = doc["status"]["remotes"].as_array().unwrap();
        assert_eq!(remotes.len(), 3);
        for r in remotes {
            assert_eq!(r["has_sync_commit"], true, "{r}");
            assert!(r["error"].is_null(), "{r}");
        }

        // A typo in one entry: persist refuses before it writes anything.
        let bad = toml.replace("\"../beside.git\"", "\"../beside.git\", \"back up\"");
        env.commit_files(&local, &[("netsync.toml", bad.as_bytes())], &[], "Typo");
        env.kv().put("/net/params/mtu", "1400");
        let etcd_before = env.kv().dump_all();
        let refs_before = env.git(&local, ["show-ref"]);
        let assert = persist(&env, &local).code(1);
        let stderr = String::from_utf8_lossy(&assert.get_output().stderr).into_owned();
        assert!(
            stderr.starts_with("error: netsync.toml (at commit ") && stderr.contains("):12:"),
            "the entry's position: {stderr}"
        );
        assert!(
            stderr.contains("\"back up\" is not a valid Git name"),
            "{stderr}"
        );
        assert!(
            stderr.contains("hint: an entry of persist.remotes is a remote name"),
            "{stderr}"
        );
        assert_eq!(env.kv().dump_all(), etcd_before);
        assert_eq!(env.git(&local, ["show-ref"]), refs_before);
        env.fsck(&local);

        let out = env
            .netsync()
            .args(["status", "-o", "json", "--repo"])
            .arg(&local)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0));
        let doc = crate::harness::json_doc(&out.stdout);
        let failing = &doc["status"]["remotes"][3];
        assert_eq!(failing["remote"], "back up", "{doc:#}");
        assert!(failing["error"]
            .as_str()
            .unwrap()
            .contains("is not a valid Git name"));
        env.netsync()
            .args(["status", "--fail-on", "remote", "--repo"])
            .arg(&local)
            .assert()
            .code(7)
            .stderr(contains("back up"));
        env.netsync()
            .args(["diff", "--repo"])
            .arg(&local)
            .assert()
            .success()
            .stdout(contains("params/mtu"));
    }
}

/// `git count-objects -v` of `repo`, as numbers.
fn count_objects(env: &TestEnv, repo: &Path) -> BTreeMap<String, u64> {
    env.git(repo, ["count-objects", "-v"])
        .lines()
        .filter_map(|l| l.split_once(": "))
        .filter_map(|(k, v)| Some((k.to_owned(), v.parse().ok()?)))
        .collect()
}

/// gix writes every object of a commit loose; after a commit, with the lock held, persist
/// has Git pack them once they pile up past `gc.auto` (and never when it is 0).
#[test]
fn persist_packs_loose_objects_once_they_pile_up() {
    for bare in [true, false] {
        let (env, repo) = applied(bare);
        env.git(&repo, ["config", "gc.auto", "0"]);
        env.kv().put("/net/params/mtu", "1380");
        persist(&env, &repo).success();
        let objects = count_objects(&env, &repo);
        assert!(objects["count"] > 0, "gc.auto = 0: left loose {objects:?}");

        // A threshold below what one commit writes: packed right after it. `git gc --auto`
        // estimates the loose objects from those whose ids start with 17 (more than
        // gc.auto / 256 of them): two values' ids do.
        env.git(&repo, ["config", "gc.auto", "3"]);
        let samples = (0..)
            .map(|i| format!("value {i}"))
            .filter(|v| {
                let id = netsync::git::blob_id(gix::hash::Kind::Sha1, v.as_bytes());
                id.to_string().starts_with("17")
            })
            .take(2);
        for (i, sample) in samples.enumerate() {
            env.kv().put(format!("/net/params/sample{i}"), sample);
        }
        env.kv().put("/net/params/mtu", "1280");
        env.kv().put("/net/users/frank/profile", "{}");
        let head = env.rev_parse(&repo, "main");
        persist(&env, &repo).success();
        assert_ne!(env.rev_parse(&repo, "main"), head, "committed");
        let objects = count_objects(&env, &repo);
        assert!(objects["count"] < 3, "packed: {objects:?}");
        assert!(objects["in-pack"] > 0, "{objects:?}");
        assert_eq!(
            tree_kv(&env, &repo, "main")
                .get(b"/net/params/mtu".as_slice())
                .map(Vec::as_slice),
            Some(&b"1280"[..])
        );
        env.fsck(&repo);
        // And the next run reads the packed history as before.
        env.netsync_ok(&["diff", "--exit-code"], &repo);
    }
}

/// `--repo` given relative to where netsync runs: the `git` it runs for push and packing
/// (in the repository's own folder) still finds the repository.
#[test]
fn a_relative_repository_path_pushes_and_packs() {
    let (env, primary, local) = with_remotes("/nonexistent/backup.git");
    env.git(&local, ["config", "gc.auto", "1"]);
    change_etcd(&env);
    let relative = local.strip_prefix(env.root()).unwrap();
    let out = env
        .netsync()
        .args(["persist", "--repo"])
        .arg(relative)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("pushed to origin (primary)"),
        "{stderr}"
    );
    assert!(!stderr.contains("could not pack"), "{stderr}");
    assert_eq!(
        env.rev_parse(&primary, "main"),
        env.rev_parse(&local, "main")
    );
    env.fsck(&local);
    env.fsck(&primary);
}
