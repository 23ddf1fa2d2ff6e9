//! `netsync restore` against real etcd processes and real Git: the whole disaster (lose every
//! member, restore from the bare backup onto a new empty etcd), older revisions by tag, commit
//! and date, the empty-target guard, an interrupted restore rerun, secrets and a missing
//! identity.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use predicates::str::contains;

use crate::harness::{Etcd, Kv, TestEnv};

/// The fixture in a bare "backup" remote, cloned into a bare working repository, applied.
fn backed_up() -> (TestEnv, PathBuf, PathBuf) {
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
    env.netsync()
        .args(["apply", "--repo"])
        .arg(&local)
        .assert()
        .success();
    (env, remote, local)
}

/// Operational changes of every kind: binary keys and values, keys that are prefixes of
/// others, odd segments, a delete, plus runtime state that must not come back.
fn change_etcd(kv: &Kv) {
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
    kv.put("/net/nodes/entry-ams1/heartbeat", "ephemeral too");
}

/// The managed, non-ephemeral keys under /net/.
fn managed(kv: &Kv) -> BTreeMap<Vec<u8>, Vec<u8>> {
    kv.dump(b"/net/")
        .into_iter()
        .filter(|(k, _)| !k.starts_with(b"/net/sessions/") && !k.ends_with(b"/heartbeat"))
        .collect()
}

fn commit_count(env: &TestEnv, repo: &Path) -> usize {
    env.git(repo, ["rev-list", "--count", "main"])
        .trim()
        .parse()
        .unwrap()
}

fn restore(env: &TestEnv, from: &Path, endpoints: &str) -> assert_cmd::Command {
    let mut cmd = env.netsync();
    cmd.args(["restore", "--endpoints", endpoints, "--from"])
        .arg(from);
    cmd
}

#[test]
fn disaster_restore_from_the_bare_backup_is_byte_exact_and_persist_continues() {
    let (mut env, remote, local) = backed_up();
    change_etcd(env.kv());
    env.netsync()
        .args(["persist", "--repo"])
        .arg(&local)
        .assert()
        .success();
    assert_eq!(
        env.rev_parse(&remote, "main"),
        env.rev_parse(&local, "main")
    );
    let before = managed(env.kv());
    let old_cluster = env.kv().ids().0;

    // The disaster: the only member stops and its data is gone.
    env.etcd().stop();
    std::fs::remove_dir_all(env.etcd().data_dir()).unwrap();
    let new = Etcd::start();
    let kv = Kv::connect(&new.endpoint());
    assert!(kv.dump_all().is_empty());

    let out = restore(&env, &remote, &new.endpoint())
        .assert()
        .success()
        .stderr(contains(format!("{} keys", before.len())))
        .stderr(contains("0 secret(s), under /net/"))
        .stdout(contains(format!("verified {} keys", before.len())))
        .get_output()
        .clone();
    assert!(String::from_utf8_lossy(&out.stdout).contains("sync point"));
    assert_eq!(
        managed(&kv),
        before,
        "restored keyspace equals the one before, byte for byte"
    );
    assert!(
        kv.get("/net/sessions/abc").is_none(),
        "ephemeral keys are not restored"
    );
    assert_ne!(kv.ids().0, old_cluster);

    // The sync point names the new cluster and the restored commit: persist continues.
    let status = env
        .netsync()
        .args(["status", "--output", "json", "--repo"])
        .arg(&local)
        .args(["--endpoints", &new.endpoint()])
        .output()
        .unwrap();
    assert!(
        status.status.success(),
        "{}",
        String::from_utf8_lossy(&status.stderr)
    );
    let doc = crate::harness::json_doc(&status.stdout);
    let point = &doc["status"]["sync_point"];
    assert_eq!(point["command"], "restore");
    assert_eq!(point["commit"], env.rev_parse(&remote, "main"));
    assert_eq!(point["cluster_id"], format!("{:x}", kv.ids().0));
    let commits = commit_count(&env, &local);
    env.netsync()
        .args(["persist", "--repo"])
        .arg(&local)
        .args(["--endpoints", &new.endpoint()])
        .assert()
        .success();
    assert_eq!(
        commit_count(&env, &local),
        commits,
        "persist after restore makes no commit"
    );
    env.fsck(&remote);
    env.fsck(&local);
}

#[test]
fn restores_an_older_revision_by_tag_commit_date_and_through_a_url() {
    let (env, remote, local) = backed_up();
    let applied = env.rev_parse(&remote, "main");
    env.git(&remote, ["tag", "v1", &applied]);
    env.kv().put("/net/params/mtu", "1380");
    env.netsync()
        .args(["persist", "--repo"])
        .arg(&local)
        .assert()
        .success();
    assert_ne!(env.rev_parse(&remote, "main"), applied);
    let old: BTreeMap<Vec<u8>, Vec<u8>> = crate::harness::fixture_kv("network");

    // The fixture commits are dated 2024-01-01; persist commits are dated now.
    let url = format!("file://{}", remote.display());
    for rev in ["v1", applied.as_str(), "2025-06-01", "2024-01-01T00:00:00Z"] {
        let new = Etcd::start();
        let kv = Kv::connect(&new.endpoint());
        let mut cmd = env.netsync();
        cmd.args([
            "restore",
            "--endpoints",
            &new.endpoint(),
            "--from",
            &url,
            "--rev",
            rev,
        ]);
        cmd.assert().success().stdout(contains("verified"));
        assert_eq!(managed(&kv), old, "--rev {rev}");
    }
    let new = Etcd::start();
    env.netsync()
        .args([
            "restore",
            "--endpoints",
            &new.endpoint(),
            "--rev",
            "2023-12-31",
            "--from",
        ])
        .arg(&remote)
        .assert()
        .code(1)
        .stderr(contains("no commit at or before 2023-12-31"));
    assert!(Kv::connect(&new.endpoint()).dump_all().is_empty());
    let temp: Vec<_> = std::fs::read_dir(std::env::temp_dir())
        .unwrap()
        .filter_map(Result::ok)
        .filter(|e| {
            e.file_name()
                .to_string_lossy()
                .starts_with("netsync-restore-")
        })
        .collect();
    assert!(temp.is_empty(), "temporary clones are removed: {temp:?}");
}

#[test]
fn refuses_a_target_that_holds_keys_unless_forced() {
    let (env, remote, _local) = backed_up();
    env.kv().put("/net/params/mtu", "9000");
    env.kv().put("/net/extra", "only in etcd");
    let before = env.kv().dump_all();
    restore(&env, &remote, &env.endpoints())
        .assert()
        .code(3)
        .stderr(contains("already holds"))
        .stderr(contains("--force"));
    assert_eq!(env.kv().dump_all(), before, "etcd unchanged");

    restore(&env, &remote, &env.endpoints())
        .arg("--force")
        .assert()
        .success()
        .stdout(contains("1 deleted"))
        .stdout(contains("verified"));
    assert_eq!(managed(env.kv()), crate::harness::fixture_kv("network"));
    env.fsck(&remote);
}

/// `restore --force` onto a cluster that holds keys deletes what the revision lacks: the
/// prune guard of `apply --force` holds for it too, so a commit that emptied the mapped
/// folders cannot wipe the cluster without `--allow-mass-delete`.
#[test]
fn restore_force_obeys_the_prune_guard_like_apply_force() {
    let (env, remote, _local) = backed_up();
    let files = crate::harness::fixture_key_files("network");
    let removals: Vec<&str> = files.iter().map(String::as_str).collect();
    let emptied = env.commit_files(&remote, &[], &removals, "oops: everything removed");
    let before = env.kv().dump_all();
    env.netsync()
        .args(["apply", "--force", "--rev", &emptied, "--repo"])
        .arg(&remote)
        .assert()
        .code(3)
        .stderr(contains("prune guard"));
    let out = restore(&env, &remote, &env.endpoints())
        .args(["--force", "--rev", &emptied])
        .assert()
        .code(3)
        .get_output()
        .clone();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("error: refusing to delete"), "{stderr}");
    assert!(
        stderr.contains("prune guard allows 25% and never all"),
        "{stderr}"
    );
    assert!(
        stderr.contains("hint: ") && stderr.contains("--allow-mass-delete"),
        "{stderr}"
    );
    assert_eq!(env.kv().dump_all(), before, "etcd unchanged");

    // Said on purpose: the cluster ends as the revision says, empty under the prefixes.
    restore(&env, &remote, &env.endpoints())
        .args(["--force", "--allow-mass-delete", "--rev", &emptied])
        .assert()
        .success();
    assert!(managed(env.kv()).is_empty());
    env.fsck(&remote);
}

#[test]
fn an_interrupted_restore_is_completed_by_a_rerun() {
    let (env, remote, _local) = backed_up();
    let want = crate::harness::fixture_kv("network");
    // What a run killed between batches leaves: some keys, equal to the revision, no sync
    // point.
    let new = Etcd::start();
    let kv = Kv::connect(&new.endpoint());
    for (k, v) in want.iter().take(want.len() / 2) {
        kv.put(k, v);
    }
    restore(&env, &remote, &new.endpoint())
        .assert()
        .success()
        .stderr(contains(format!(
            "resuming: {} already present",
            want.len() / 2
        )))
        .stdout(contains(format!("verified {} keys", want.len())));
    assert_eq!(managed(&kv), want);

    // A real kill: one key per transaction, SIGKILL once some keys are in.
    let new = Etcd::start();
    let kv = Kv::connect(&new.endpoint());
    let mut child = env
        .netsync_std()
        .args([
            "restore",
            "--max-txn-ops",
            "2",
            "--endpoints",
            &new.endpoint(),
            "--from",
        ])
        .arg(&remote)
        .env("NETSYNC_LOCK_TTL", "2")
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while kv.dump(b"/net/").len() < 3 && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(2));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let partial = kv.dump(b"/net/").len();
    assert!(
        partial >= 3 && partial < want.len(),
        "killed mid-run: {partial} keys"
    );
    assert!(
        kv.dump(b"/netsync/sync/").is_empty(),
        "no sync point before the last batch"
    );
    // The killed run's lock expires with its lease (TTL 2 s); the rerun then completes.
    std::thread::sleep(std::time::Duration::from_secs(3));
    restore(&env, &remote, &new.endpoint())
        .assert()
        .success()
        .stdout(contains(format!("verified {} keys", want.len())));
    assert_eq!(managed(&kv), want);
}

const ALICE: &str = "/net/users/alice/password";
const CANARY: &str = "canary-R3st0re-plaintext";

fn secret_repo(env: &TestEnv) -> (PathBuf, PathBuf) {
    let identity = env.root().join("key.txt");
    env.netsync()
        .args(["secret", "keygen", "--out"])
        .arg(&identity)
        .assert()
        .success();
    let text = std::fs::read_to_string(&identity).unwrap();
    let public = text
        .lines()
        .find_map(|l| l.strip_prefix("# public key: "))
        .unwrap()
        .to_owned();
    let toml = format!(
        "version = 1\nbranch = \"main\"\n\n[[mapping]]\nprefix = \"/net/\"\ndir = \"kv\"\n\n\
         [secrets]\nkeys = [\"/net/users/*/password\"]\nrecipients = [{public:?}]\n"
    );
    let r = netsync::secrets::Recipients::parse(&[public], |_| unreachable!()).unwrap();
    let sealed = netsync::secrets::encrypt(ALICE.as_bytes(), CANARY.as_bytes(), &r).unwrap();
    let repo = env.init_repo("secret.git", true);
    env.commit_files(
        &repo,
        &[
            ("netsync.toml", toml.as_bytes()),
            ("kv/params/mtu", b"1420"),
            ("kv/users/alice/password.age", &sealed),
        ],
        &[],
        "network with a secret",
    );
    (repo, identity)
}

#[test]
fn secrets_are_decrypted_before_the_first_write_and_verified_as_plaintext() {
    let env = TestEnv::new();
    let (repo, identity) = secret_repo(&env);
    let out = restore(&env, &repo, &env.endpoints()).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(ALICE) && stderr.contains("identity"),
        "{stderr}"
    );
    assert!(
        env.kv().dump_all().is_empty(),
        "a missing identity changes nothing"
    );

    let out = restore(&env, &repo, &env.endpoints())
        .arg("--identity")
        .arg(&identity)
        .assert()
        .success()
        .stderr(contains("2 keys"))
        .stderr(contains("1 secret(s)"))
        .stdout(contains("verified 2 keys"))
        .get_output()
        .clone();
    for stream in [&out.stdout, &out.stderr] {
        assert!(
            !String::from_utf8_lossy(stream).contains(CANARY),
            "no plaintext in output"
        );
    }
    assert_eq!(env.kv().get(ALICE).unwrap(), CANARY.as_bytes());
    env.fsck(&repo);
}
