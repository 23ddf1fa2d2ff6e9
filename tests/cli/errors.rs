//! Bad input gets a clear error and loses nothing: every case checks the message and that
//! etcd and Git are unchanged.

use std::time::{Duration, Instant};

use predicates::prelude::PredicateBooleanExt;

use crate::harness::TestEnv;

fn setup() -> (TestEnv, std::path::PathBuf) {
    let env = TestEnv::new();
    let repo = env.init_repo("network", true);
    env.copy_fixture(&repo, "network");
    env.kv().put("/net/params/mtu", "1280");
    env.kv().put("/elsewhere", "keep");
    (env, repo)
}

/// Run `netsync args…` expecting exit `code` and `needles` in stderr, then check that etcd
/// and the repository's refs did not change.
fn fails_cleanly(
    env: &TestEnv,
    repo: &std::path::Path,
    args: &[&str],
    code: i32,
    needles: &[&str],
) {
    let etcd_before = env.kv().dump_all();
    let revision_before = env.kv().revision();
    let refs_before = env.git(repo, ["show-ref"]);
    let assert = env
        .netsync()
        .args(args)
        .arg("--repo")
        .arg(repo)
        .assert()
        .code(code);
    let stderr = String::from_utf8_lossy(&assert.get_output().stderr).into_owned();
    assert!(stderr.starts_with("error: "), "{stderr}");
    for needle in needles {
        assert!(stderr.contains(needle), "missing {needle:?} in:\n{stderr}");
    }
    assert_eq!(env.kv().dump_all(), etcd_before, "etcd changed");
    assert_eq!(env.kv().revision(), revision_before, "etcd was written");
    assert_eq!(env.git(repo, ["show-ref"]), refs_before, "git refs changed");
    env.fsck(repo);
}

#[test]
fn bad_config_names_file_line_and_field() {
    let (env, repo) = setup();
    env.commit_files(
        &repo,
        &[(
            "netsync.toml",
            b"version = 1\n[[mapping]]\nprefix = \"/net/\"\ndir = \"kv\"\nprefx = 1\n",
        )],
        &[],
        "typo",
    );
    fails_cleanly(
        &env,
        &repo,
        &["apply"],
        1,
        &["netsync.toml", ":5:", "prefx"],
    );
    fails_cleanly(&env, &repo, &["diff"], 1, &["unknown field"]);
}

#[test]
fn overlapping_prefixes_are_refused() {
    let (env, repo) = setup();
    env.commit_files(
        &repo,
        &[(
            "netsync.toml",
            b"version = 1\n[[mapping]]\nprefix = \"/net\"\ndir = \"kv\"\n[[mapping]]\nprefix = \"/network/\"\ndir = \"other\"\n",
        )],
        &[],
        "overlap",
    );
    fails_cleanly(&env, &repo, &["apply"], 1, &["netsync.toml", "/network/"]);
}

#[test]
fn missing_config_says_how_to_create_one() {
    let env = TestEnv::new();
    let repo = env.init_repo("r", true);
    env.commit_files(&repo, &[("kv/a", b"1")], &[], "no config");
    fails_cleanly(
        &env,
        &repo,
        &["apply"],
        1,
        &["netsync.toml not found", "netsync init"],
    );
}

#[test]
fn unknown_revision() {
    let (env, repo) = setup();
    fails_cleanly(
        &env,
        &repo,
        &["apply", "--rev", "no-such-branch"],
        1,
        &["unknown revision `no-such-branch`"],
    );
}

#[test]
fn not_a_repository() {
    let env = TestEnv::new();
    let dir = env.root().join("plain");
    std::fs::create_dir(&dir).unwrap();
    let before = env.kv().revision();
    env.netsync()
        .args(["apply", "--repo"])
        .arg(&dir)
        .assert()
        .code(1)
        .stderr(predicates::str::contains("is not a Git repository"));
    assert_eq!(env.kv().revision(), before);
}

#[test]
fn corrupt_repository_is_reported_and_nothing_written() {
    let (env, repo) = setup();
    // Remove the loose object of one value blob: the tree still names it.
    let blob = env
        .git(&repo, ["rev-parse", "HEAD:kv/params/dns"])
        .trim()
        .to_owned();
    let object = repo.join("objects").join(&blob[..2]).join(&blob[2..]);
    std::fs::remove_file(&object).unwrap();
    let before = env.kv().dump_all();
    env.netsync()
        .args(["apply", "--repo"])
        .arg(&repo)
        .assert()
        .code(1)
        .stderr(predicates::str::contains(&blob))
        .stderr(predicates::str::contains("corrupt"));
    assert_eq!(env.kv().dump_all(), before);
}

/// A plain file and an age file for the same key: both decode to /net/params/dup.
fn commit_a_key_twice(env: &TestEnv, repo: &std::path::Path) {
    env.commit_files(
        repo,
        &[
            ("kv/params/dup", b"plain"),
            ("kv/params/dup.age", b"-----BEGIN AGE ENCRYPTED FILE-----\n"),
        ],
        &[],
        "one key, two files",
    );
}

#[test]
fn key_stored_twice_names_both_files() {
    let (env, repo) = setup();
    commit_a_key_twice(&env, &repo);
    fails_cleanly(
        &env,
        &repo,
        &["apply"],
        1,
        &[
            "/net/params/dup is stored twice",
            "`kv/params/dup`",
            "`kv/params/dup.age`",
        ],
    );
}

/// diff and apply walk the target's tree while they dial and read etcd: what is wrong in Git
/// is still the error, whether etcd is up or cannot be reached.
#[test]
fn a_broken_tree_is_the_error_also_while_etcd_is_read_or_down() {
    let (env, repo) = setup();
    commit_a_key_twice(&env, &repo);
    for command in ["diff", "apply"] {
        fails_cleanly(
            &env,
            &repo,
            &[command],
            1,
            &["/net/params/dup is stored twice"],
        );
        let out = env
            .netsync()
            .args([command, "--endpoints", "http://127.0.0.1:1", "--repo"])
            .arg(&repo)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{stderr}");
        assert!(
            stderr.starts_with("error: key /net/params/dup is stored twice"),
            "{command}: {stderr}"
        );
        assert!(!stderr.contains("cannot reach etcd"), "{command}: {stderr}");
    }
}

#[test]
fn symlink_in_a_mapped_folder_is_refused() {
    let (env, repo) = setup();
    let target = env.git_stdin(&repo, ["hash-object", "-w", "--stdin"], b"/etc/passwd");
    let target = String::from_utf8_lossy(&target).trim().to_owned();
    // Build a tree with a symlink entry via plumbing.
    let head_tree = env
        .git(&repo, ["rev-parse", "HEAD^{tree}"])
        .trim()
        .to_owned();
    let kv_tree = env.git(&repo, ["rev-parse", "HEAD:kv"]).trim().to_owned();
    let kv_listing = env.git(&repo, ["ls-tree", &kv_tree]);
    let new_kv = env.git_stdin(
        &repo,
        ["mktree"],
        format!("{kv_listing}120000 blob {target}\tlink\n").as_bytes(),
    );
    let new_kv = String::from_utf8_lossy(&new_kv).trim().to_owned();
    let root_listing = env
        .git(&repo, ["ls-tree", &head_tree])
        .replace(&kv_tree, &new_kv);
    let root = env.git_stdin(&repo, ["mktree"], root_listing.as_bytes());
    let root = String::from_utf8_lossy(&root).trim().to_owned();
    let commit = env.git(&repo, ["commit-tree", &root, "-p", "HEAD", "-m", "symlink"]);
    env.git(&repo, ["update-ref", "refs/heads/main", commit.trim()]);
    fails_cleanly(&env, &repo, &["apply"], 1, &["kv/link", "symbolic link"]);
}

#[test]
fn unreachable_etcd_fails_fast_with_a_hint() {
    let (env, repo) = setup();
    // Every endpoint down: each is named with what it answered, one line each.
    let assert = env
        .netsync()
        .args([
            "diff",
            "--endpoints",
            "http://127.0.0.1:1,http://127.0.0.1:2",
            "--dial-timeout",
            "1s",
            "--repo",
        ])
        .arg(&repo)
        .assert()
        .code(1);
    let err = String::from_utf8_lossy(&assert.get_output().stderr).into_owned();
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(
        lines[0], "error: cannot reach etcd at http://127.0.0.1:1,http://127.0.0.1:2",
        "{err}"
    );
    assert!(
        lines[1].starts_with("  caused by: 127.0.0.1:1: Connection refused"),
        "{err}"
    );
    assert!(
        lines[2].starts_with("  caused by: 127.0.0.1:2: Connection refused"),
        "{err}"
    );
    assert!(lines[3].starts_with("hint: "), "{err}");
    let start = Instant::now();
    env.netsync()
        .args([
            "apply",
            "--endpoints",
            "http://127.0.0.1:1",
            "--dial-timeout",
            "2s",
            "--repo",
        ])
        .arg(&repo)
        .assert()
        .code(1)
        .stderr(predicates::str::contains(
            "cannot reach etcd at http://127.0.0.1:1",
        ))
        .stderr(predicates::str::contains("Connection refused"))
        .stderr(predicates::str::contains("hint:"))
        // Read by a person: no gRPC status dump, no Debug forms of the transport's errors.
        .stderr(predicates::str::contains("source:").not())
        .stderr(predicates::str::contains("Os {").not())
        .stderr(predicates::str::contains("ConnectError(").not());
    assert!(
        start.elapsed() < Duration::from_secs(10),
        "took {:?}",
        start.elapsed()
    );
    // Default dial timeout: still bounded.
    let start = Instant::now();
    env.netsync()
        .args(["diff", "--endpoints", "127.0.0.1:1", "--repo"])
        .arg(&repo)
        .assert()
        .code(1);
    assert!(
        start.elapsed() < Duration::from_secs(15),
        "took {:?}",
        start.elapsed()
    );
}

/// `git init --bare` names `master` in HEAD; an operator pushes `main`. Every command says
/// what is wrong and how to fix it, instead of "unknown revision HEAD".
#[test]
fn a_head_naming_a_missing_branch_is_explained() {
    let (env, _) = setup();
    let primary = env.root().join("primary.git");
    env.git(
        env.root(),
        [
            "init",
            "-q",
            "--bare",
            "--initial-branch=master",
            "primary.git",
        ],
    );
    let work = env.clone_bare(&primary, "work.git");
    let seed = env.init_repo("seed", true);
    env.copy_fixture(&seed, "network");
    env.git(&seed, ["push", "-q", primary.to_str().unwrap(), "main"]);
    env.git(&work, ["fetch", "-q", "origin", "main:main"]);
    let before = env.kv().dump_all();
    for args in [&["diff"][..], &["persist"], &["status"]] {
        let out = env
            .netsync()
            .args(args)
            .arg("--repo")
            .arg(&work)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {stderr}");
        assert!(
            stderr.starts_with("error: HEAD of ")
                && stderr.contains("names branch `master`, which does not exist (branches: main)"),
            "{args:?}: {stderr}"
        );
        assert!(
            stderr.contains("symbolic-ref HEAD refs/heads/main"),
            "{stderr}"
        );
        assert!(
            stderr.contains("--branch main (persist, status)"),
            "{stderr}"
        );
    }
    assert_eq!(env.kv().dump_all(), before);
    // Following the hint works.
    env.git(&work, ["symbolic-ref", "HEAD", "refs/heads/main"]);
    env.netsync_ok(&["diff"], &work);
}

#[test]
fn usage_errors_exit_64() {
    let env = TestEnv::new();
    env.netsync()
        .args(["apply", "--no-such-flag"])
        .assert()
        .code(64);
    env.netsync()
        .args(["apply", "--max-txn-ops", "0"])
        .assert()
        .code(64);
}

#[test]
fn a_file_that_is_not_a_key_path_is_refused() {
    let (env, repo) = setup();
    env.commit_files(&repo, &[("kv/bad%41name", b"x")], &[], "non-canonical");
    fails_cleanly(
        &env,
        &repo,
        &["apply"],
        1,
        &["kv/bad%41name", "not a netsync key file"],
    );
}

/// With `--output json`, a failure is a JSON document on stdout too (kind, message, causes,
/// hints, exit code), whatever the command, and stderr keeps the human error.
#[test]
fn with_output_json_a_failure_is_a_json_document() {
    let (env, repo) = setup();
    let document = |args: &[&str]| {
        let out = env
            .netsync()
            .args(args)
            .args(["--output", "json", "--repo"])
            .arg(&repo)
            .output()
            .unwrap();
        let doc = crate::harness::json_doc(&out.stdout);
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        assert!(stderr.starts_with("error: "), "{stderr}");
        assert_eq!(
            doc["error"]["exit_code"].as_i64(),
            out.status.code().map(i64::from),
            "{doc}"
        );
        doc
    };
    let doc = document(&[
        "apply",
        "--endpoints",
        "http://127.0.0.1:1,http://127.0.0.1:2",
        "--dial-timeout",
        "1s",
    ]);
    assert_eq!(doc["format_version"], 1);
    assert_eq!(doc["command"], "apply");
    assert_eq!(doc["error"]["kind"], "etcd_unavailable", "{doc}");
    // The message is the one line; what each endpoint said is a cause of its own.
    assert_eq!(
        doc["error"]["message"], "cannot reach etcd at http://127.0.0.1:1,http://127.0.0.1:2",
        "{doc}"
    );
    let causes: Vec<&str> = doc["error"]["causes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap())
        .collect();
    assert_eq!(causes.len(), 2, "{doc}");
    assert!(causes[0].starts_with("127.0.0.1:1: ") && causes[1].starts_with("127.0.0.1:2: "));
    assert!(causes.iter().all(|c| !c.contains('\n')), "{doc}");
    assert!(doc["error"]["hints"][0]
        .as_str()
        .unwrap()
        .contains("--endpoints"));
    let doc = document(&["diff", "--rev", "no-such-revision"]);
    assert_eq!(doc["command"], "diff");
    assert_eq!(doc["error"]["kind"], "git", "{doc}");
    // A conflict: mtu changed in etcd (setup) and in Git since the sync point.
    env.netsync_ok(&["apply", "--force"], &repo);
    env.kv().put("/net/params/mtu", "1300");
    env.commit_files(&repo, &[("kv/params/mtu", b"1400")], &[], "mtu");
    let doc = document(&["apply"]);
    assert_eq!(doc["error"]["kind"], "conflict", "{doc}");
    assert_eq!(doc["error"]["exit_code"], 5, "{doc}");
    let doc = document(&["status", "--branch", "nope"]);
    assert_eq!(doc["command"], "status");
    // Not a repository: a person's words and what to do, not a library's variant name.
    let not_a_repo = env.root().join("not-a-repository");
    std::fs::create_dir(&not_a_repo).unwrap();
    let out = env
        .netsync()
        .args(["diff", "-o", "json", "--repo"])
        .arg(&not_a_repo)
        .output()
        .unwrap();
    let doc = crate::harness::json_doc(&out.stdout);
    assert_eq!(out.status.code(), Some(1));
    let causes = doc["error"]["causes"].to_string();
    assert!(!causes.contains("\"NotFound\""), "{doc}");
    assert!(
        doc["error"]["hints"][0]
            .as_str()
            .unwrap()
            .contains("--repo PATH"),
        "{doc}"
    );
}
