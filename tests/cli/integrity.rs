//! Objects are what their ids say: a blob or tree altered on disk, loose or in a pack (so
//! that `git fsck` reports it, while zlib and the reader see nothing wrong), stops `apply`,
//! `restore` and `diff` with an error naming the file and the object, before any write.

use std::path::{Path, PathBuf};

use crate::harness::TestEnv;

/// The example network, committed (loose objects) in a bare repository.
fn network() -> (TestEnv, PathBuf) {
    let env = TestEnv::new();
    let repo = env.init_repo("network", true);
    env.copy_fixture(&repo, "network");
    (env, repo)
}

/// Run `netsync args` and check that it fails, naming `path` and `oid`, with the hints, and
/// that etcd did not change.
fn refused(env: &TestEnv, repo: &Path, args: &[&str], path: &str, oid: &str) -> String {
    let before = env.kv().dump_all();
    let revision = env.kv().revision();
    let out = env
        .netsync()
        .args(args)
        .arg("--repo")
        .arg(repo)
        .output()
        .expect("run netsync");
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(1), "netsync {args:?}:\n{stderr}");
    assert!(stderr.starts_with("error: "), "{stderr}");
    assert!(stderr.contains(oid), "names the object: {stderr}");
    assert!(
        stderr.contains(&format!("`{path}`")),
        "names the file: {stderr}"
    );
    assert!(stderr.contains("is corrupt"), "{stderr}");
    assert!(stderr.contains("hint: nothing was written"), "{stderr}");
    assert!(stderr.contains("fsck --full"), "{stderr}");
    assert!(!stderr.contains("Error {"), "no Debug dump: {stderr}");
    assert_eq!(
        env.kv().dump_all(),
        before,
        "netsync {args:?} wrote to etcd"
    );
    assert_eq!(
        env.kv().revision(),
        revision,
        "netsync {args:?} wrote to etcd"
    );
    stderr
}

fn fsck_reports(env: &TestEnv, repo: &Path, oid: &str) {
    let (ok, text) = env.fsck_output(repo);
    assert!(!ok, "git fsck must see the damage:\n{text}");
    assert!(text.contains(oid), "git fsck names {oid}:\n{text}");
}

#[test]
fn a_blob_altered_on_disk_stops_apply_restore_and_diff() {
    let (env, repo) = network();
    let oid = env.rev_parse(&repo, "HEAD:kv/params/mtu");
    env.alter_loose_object(&repo, &oid, b"9000");
    fsck_reports(&env, &repo, &oid);
    for args in [
        &["apply"][..],
        &["apply", "--dry-run"],
        &["diff"],
        &["restore"],
    ] {
        let stderr = refused(&env, &repo, args, "kv/params/mtu", &oid);
        // A loose object can be moved away and copied from a good clone.
        assert!(stderr.contains("move the damaged file"), "{stderr}");
        assert!(stderr.contains(&format!("cat-file blob {oid}")), "{stderr}");
    }
    assert!(env.kv().dump(b"/net/").is_empty());
    // The JSON error document says what it is.
    let out = env
        .netsync()
        .args(["apply", "-o", "json", "--repo"])
        .arg(&repo)
        .output()
        .unwrap();
    let doc = crate::harness::json_doc(&out.stdout);
    assert_eq!(doc["error"]["kind"], "corrupt_object", "{doc}");
}

#[test]
fn a_damaged_blob_changed_since_the_sync_point_stops_apply_and_etcd_keeps_its_values() {
    let (env, repo) = network();
    env.netsync_ok(&["apply"], &repo);
    let applied = env.kv().dump_all();
    env.commit_files(&repo, &[("kv/params/mtu", b"1380")], &[], "Lower the MTU");
    let oid = env.rev_parse(&repo, "HEAD:kv/params/mtu");
    env.alter_loose_object(&repo, &oid, b"1");
    refused(&env, &repo, &["apply"], "kv/params/mtu", &oid);
    refused(&env, &repo, &["diff"], "kv/params/mtu", &oid);
    assert_eq!(env.kv().dump_all(), applied);
}

#[test]
fn an_altered_tree_stops_apply_naming_its_folder() {
    let (env, repo) = network();
    let params = env.rev_parse(&repo, "HEAD:kv/params");
    // Another valid tree's bytes: still decodes, lists other files, is not `params`.
    let acl = env.rev_parse(&repo, "HEAD:kv/acl");
    let other = env.git_stdin(&repo, ["cat-file", "tree", &acl], b"");
    env.alter_loose_object(&repo, &params, &other);
    fsck_reports(&env, &repo, &params);
    for args in [&["apply"][..], &["diff"], &["restore"]] {
        refused(&env, &repo, args, "kv/params", &params);
    }
}

#[test]
fn an_altered_commit_stops_apply() {
    let (env, repo) = network();
    let head = env.head(&repo);
    let text = env.git_stdin(&repo, ["cat-file", "commit", &head], b"");
    let text = String::from_utf8(text)
        .unwrap()
        .replace("Import fixture", "Imported fixture");
    env.alter_loose_object(&repo, &head, text.as_bytes());
    let before = env.kv().revision();
    let out = env
        .netsync()
        .args(["apply", "--repo"])
        .arg(&repo)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains(&format!("commit {head}")), "{stderr}");
    assert!(stderr.contains("is corrupt"), "{stderr}");
    assert_eq!(env.kv().revision(), before);
}

#[test]
fn a_damaged_pack_entry_stops_apply_restore_and_diff() {
    let (env, repo) = network();
    let oid = env.rev_parse(&repo, "HEAD:kv/params/mtu");
    env.repack_uncompressed(&repo);
    assert!(!env.loose_object(&repo, &oid).exists());
    env.fsck(&repo);
    // "1420" becomes "1920": the zlib stream stays valid, only the hash tells.
    env.alter_pack_entry(&repo, &oid, b'4', b'9');
    fsck_reports(&env, &repo, &oid);
    for args in [&["apply"][..], &["diff"], &["restore"]] {
        let stderr = refused(&env, &repo, args, "kv/params/mtu", &oid);
        assert!(stderr.contains("clone the repository again"), "{stderr}");
    }
    assert!(env.kv().dump(b"/net/").is_empty());
}

#[test]
fn restore_from_a_damaged_backup_writes_nothing() {
    let (env, repo) = network();
    let backup = env.clone_bare(&repo, "backup.git");
    let oid = env.rev_parse(&backup, "HEAD:kv/users/alice/profile");
    env.alter_loose_object(&backup, &oid, b"{\"name\":\"Mallory\"}\n");
    let out = env
        .netsync()
        .args(["restore", "--from"])
        .arg(&backup)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("kv/users/alice/profile"), "{stderr}");
    assert!(stderr.contains(&oid), "{stderr}");
    assert!(env.kv().dump_all().is_empty(), "restore wrote to etcd");
}
