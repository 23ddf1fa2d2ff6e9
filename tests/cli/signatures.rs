//! Signed commits: with allowed signers, `apply` and `restore` deploy only commits signed by
//! one of them, every commit since the sync point's trusted commit checked (not only the
//! target), with real `git commit -S` (SSH signatures made by `ssh-keygen`); persist signs
//! its own commits with `persist.signing_key`.

use std::path::{Path, PathBuf};

use crate::harness::{fixture_files, fixture_kv, SshKey, TestEnv};

/// Exit code of a deployment refused on signatures.
const UNTRUSTED: i32 = 8;

struct World {
    env: TestEnv,
    /// A clone with a working tree, where people commit.
    repo: PathBuf,
    alice: SshKey,
    mallory: SshKey,
    /// Lists alice only.
    signers: PathBuf,
}

/// The example network committed by alice, signed, in a checked-out repository; nothing
/// applied yet.
fn world() -> World {
    let env = TestEnv::new();
    let repo = env.init_repo("network", false);
    let alice = env.ssh_key("alice");
    let mallory = env.ssh_key("mallory");
    let signers = env.allowed_signers("allowed_signers", &[("alice@example.net", &alice)]);
    let files = fixture_files("network");
    let files: Vec<(&str, &[u8])> = files
        .iter()
        .map(|(p, c)| (p.as_str(), c.as_slice()))
        .collect();
    env.commit_worktree(&repo, &files, &[], "Import the network", Some(&alice));
    World {
        env,
        repo,
        alice,
        mallory,
        signers,
    }
}

impl World {
    fn netsync(&self, args: &[&str]) -> std::process::Output {
        self.env
            .netsync()
            .args(args)
            .arg("--repo")
            .arg(&self.repo)
            .arg("--allowed-signers")
            .arg(&self.signers)
            .output()
            .expect("run netsync")
    }

    fn ok(&self, args: &[&str]) -> String {
        let out = self.netsync(args);
        assert!(
            out.status.success(),
            "netsync {args:?}: exit {:?}\n{}",
            out.status.code(),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }

    /// Runs `args`, which must be refused on signatures with etcd unchanged; returns stderr.
    fn refused(&self, args: &[&str]) -> String {
        let before = self.env.kv().dump_all();
        let revision = self.env.kv().revision();
        let out = self.netsync(args);
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        assert_eq!(out.status.code(), Some(UNTRUSTED), "{args:?}:\n{stderr}");
        assert!(stderr.starts_with("error: "), "{stderr}");
        assert!(stderr.contains("nothing was written"), "{stderr}");
        assert!(stderr.contains("hint: see for yourself: git -c gpg.ssh.allowedSignersFile="));
        assert_eq!(self.env.kv().dump_all(), before, "{args:?} wrote to etcd");
        assert_eq!(self.env.kv().revision(), revision, "{args:?} wrote to etcd");
        stderr
    }

    fn commit(&self, path: &str, value: &[u8], message: &str, key: Option<&SshKey>) -> String {
        self.env
            .commit_worktree(&self.repo, &[(path, value)], &[], message, key)
    }
}

fn json(out: &str) -> serde_json::Value {
    crate::harness::json_doc(out)
}

fn short(commit: &str) -> &str {
    &commit[..12]
}

#[test]
fn a_signed_history_deploys_and_the_report_names_each_signer() {
    let w = world();
    let first = w.env.head(&w.repo);
    let out = json(&w.ok(&["apply", "-o", "json"]));
    let signatures = &out["apply"]["signatures"];
    // No sync point yet: the target alone, whose signature covers its whole tree.
    assert_eq!(signatures["since"], serde_json::Value::Null, "{out}");
    assert_eq!(signatures["commits"][0]["commit"], first.as_str(), "{out}");
    assert_eq!(
        signatures["commits"][0]["signer"], "alice@example.net",
        "{out}"
    );
    assert!(signatures["commits"][0]["key"]
        .as_str()
        .unwrap()
        .starts_with("SHA256:"));
    assert_eq!(w.env.kv().dump(b"/net/"), fixture_kv("network"));

    let second = w.commit("kv/params/mtu", b"1380", "Lower the MTU", Some(&w.alice));
    let third = w.commit(
        "kv/params/keepalive",
        b"15",
        "Shorter keepalive",
        Some(&w.alice),
    );
    let human = w.ok(&["apply"]);
    assert!(
        human.contains("signatures: 2 commit(s) since") && human.contains("alice@example.net"),
        "{human}"
    );
    assert_eq!(w.env.kv().get("/net/params/keepalive").unwrap(), b"15");
    // git agrees.
    for commit in [&first, &second, &third] {
        let out = w.env.git_verify_commit(&w.repo, &w.signers, commit);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

#[test]
fn an_unsigned_target_is_refused_naming_the_commit_and_its_author() {
    let w = world();
    w.ok(&["apply"]);
    let unsigned = w.commit("kv/params/mtu", b"9000", "Jumbo frames", None);
    let stderr = w.refused(&["apply"]);
    assert!(stderr.contains(short(&unsigned)), "{stderr}");
    assert!(
        stderr.contains("Test Author <author@example.net>"),
        "{stderr}"
    );
    assert!(
        stderr.contains("(\"Jumbo frames\"): not signed"),
        "{stderr}"
    );
    assert!(
        !stderr.contains("persist.signing_key"),
        "not a persist commit: {stderr}"
    );
    // A dry run refuses too: it shows what apply would do.
    w.refused(&["apply", "--dry-run"]);
    assert_eq!(w.env.kv().get("/net/params/mtu").unwrap(), b"1420");
    // JSON: the error document names the kind and the exit code.
    let out = w.netsync(&["apply", "-o", "json"]);
    let doc = json(&String::from_utf8_lossy(&out.stdout));
    assert_eq!(doc["error"]["kind"], "untrusted_commit", "{doc}");
    assert_eq!(doc["error"]["exit_code"], UNTRUSTED, "{doc}");
}

#[test]
fn a_signed_tip_over_an_unsigned_commit_is_refused() {
    let w = world();
    w.ok(&["apply"]);
    let middle = w.commit("kv/params/mtu", b"9000", "Jumbo frames", None);
    let tip = w.commit(
        "kv/params/keepalive",
        b"15",
        "Shorter keepalive",
        Some(&w.alice),
    );
    let stderr = w.refused(&["apply"]);
    assert!(
        stderr.contains("1 of the 2 commits to deploy is"),
        "{stderr}"
    );
    assert!(stderr.contains(short(&middle)), "{stderr}");
    assert!(!stderr.contains(short(&tip)), "the tip is fine: {stderr}");
}

#[test]
fn a_signer_not_in_the_file_is_refused_with_its_key() {
    let w = world();
    w.ok(&["apply"]);
    let commit = w.commit("kv/params/mtu", b"9000", "Jumbo frames", Some(&w.mallory));
    let stderr = w.refused(&["apply"]);
    assert!(stderr.contains(short(&commit)), "{stderr}");
    assert!(stderr.contains("signed with key SHA256:"), "{stderr}");
    assert!(stderr.contains("does not list"), "{stderr}");
    // git says the same.
    let out = w.env.git_verify_commit(&w.repo, &w.signers, &commit);
    assert!(!out.status.success());
}

#[test]
fn a_forged_signature_is_refused() {
    let w = world();
    w.ok(&["apply"]);
    let signed = w.commit("kv/params/mtu", b"1380", "Lower the MTU", Some(&w.alice));
    // Keep alice's signature, change what it signed: point the commit at another tree.
    let evil_tree = {
        w.commit("kv/params/mtu", b"9000", "scratch", None);
        let tree = w.env.rev_parse(&w.repo, "HEAD^{tree}");
        w.env.git(&w.repo, ["reset", "-q", "--hard", &signed]);
        tree
    };
    let text = String::from_utf8(
        w.env
            .git_stdin(&w.repo, ["cat-file", "commit", &signed], b""),
    )
    .unwrap();
    let good_tree = w.env.rev_parse(&w.repo, &format!("{signed}^{{tree}}"));
    let forged_text = text.replacen(&good_tree, &evil_tree, 1);
    let forged = w.env.git_stdin(
        &w.repo,
        ["hash-object", "-t", "commit", "-w", "--stdin"],
        forged_text.as_bytes(),
    );
    let forged = String::from_utf8(forged).unwrap().trim().to_owned();
    w.env
        .git(&w.repo, ["update-ref", "refs/heads/main", &forged, &signed]);
    w.env.git(&w.repo, ["reset", "-q", "--hard"]);
    let stderr = w.refused(&["apply"]);
    assert!(stderr.contains(short(&forged)), "{stderr}");
    assert!(stderr.contains("bad signature"), "{stderr}");
    assert!(!w
        .env
        .git_verify_commit(&w.repo, &w.signers, &forged)
        .status
        .success());
    assert_eq!(w.env.kv().get("/net/params/mtu").unwrap(), b"1420");
}

#[test]
fn a_merge_checks_the_commits_of_the_merged_branch() {
    let w = world();
    w.ok(&["apply"]);
    w.env.git(&w.repo, ["checkout", "-q", "-b", "feature"]);
    let side = w.commit("kv/params/mtu", b"9000", "Jumbo frames", None);
    w.env.git(&w.repo, ["checkout", "-q", "main"]);
    w.commit(
        "kv/params/keepalive",
        b"15",
        "Shorter keepalive",
        Some(&w.alice),
    );
    let key = format!("user.signingkey={}", w.alice.private.display());
    w.env.git(
        &w.repo,
        [
            "-c",
            "gpg.format=ssh",
            "-c",
            &key,
            "merge",
            "-q",
            "-S",
            "--no-ff",
            "-m",
            "Merge feature",
            "feature",
        ],
    );
    let stderr = w.refused(&["apply"]);
    assert!(stderr.contains("1 of the 3 commits"), "{stderr}");
    assert!(stderr.contains(short(&side)), "{stderr}");
}

#[test]
fn a_rollback_to_an_unsigned_commit_is_refused_and_to_a_signed_one_deploys() {
    let w = world();
    let signed = w.env.head(&w.repo);
    w.ok(&["apply"]);
    let unsigned = w.commit("kv/params/mtu", b"9000", "Jumbo frames", None);
    w.commit("kv/params/mtu", b"1380", "Lower the MTU", Some(&w.alice));
    // Deployed with the check off, after a review by other means.
    w.ok(&["apply", "--no-verify-signatures"]);
    assert_eq!(w.env.kv().get("/net/params/mtu").unwrap(), b"1380");
    // Going back: the target is older than the trusted commit; its signature is checked.
    let stderr = w.refused(&["apply", "--rev", &unsigned]);
    assert!(stderr.contains(short(&unsigned)), "{stderr}");
    w.ok(&["apply", "--rev", &signed]);
    assert_eq!(w.env.kv().get("/net/params/mtu").unwrap(), b"1420");
}

/// The repository's netsync.toml with persist signing with `key` and pushing nowhere.
fn signing_config(key: &Path) -> String {
    let base = String::from_utf8(
        fixture_files("network")
            .into_iter()
            .find(|(p, _)| p == "netsync.toml")
            .unwrap()
            .1,
    )
    .unwrap();
    format!("{base}\n[persist]\nsigning_key = \"{}\"\n", key.display())
}

#[test]
fn persist_signs_its_commits_and_git_and_apply_trust_them() {
    let w = world();
    let host = w.env.ssh_key("core-1");
    let signers = w.env.allowed_signers(
        "allowed_signers_with_host",
        &[("alice@example.net", &w.alice), ("netsync@core-1", &host)],
    );
    let config = signing_config(&host.private);
    w.commit(
        "netsync.toml",
        config.as_bytes(),
        "Sign persist commits",
        Some(&w.alice),
    );
    w.ok(&["apply"]);
    w.env.kv().put("/net/params/mtu", "1300");
    w.env.netsync_ok(&["persist", "--no-push"], &w.repo);
    let persisted = w.env.head(&w.repo);
    assert_ne!(persisted, w.env.rev_parse(&w.repo, "HEAD~1"));
    let header = w.env.git(&w.repo, ["cat-file", "commit", &persisted]);
    assert!(
        header.contains("gpgsig -----BEGIN SSH SIGNATURE-----"),
        "{header}"
    );
    let out = w.env.git_verify_commit(&w.repo, &signers, &persisted);
    assert!(
        out.status.success(),
        "git verify-commit: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("netsync@core-1"));
    w.env.fsck(&w.repo);
    // A new, empty cluster (no sync point): apply checks the target, persist's commit.
    w.env.kv().delete_prefix("/net/");
    w.env.kv().delete_prefix("/netsync/");
    let out = w
        .env
        .netsync()
        .args(["apply", "-o", "json", "--repo"])
        .arg(&w.repo)
        .arg("--allowed-signers")
        .arg(&signers)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc = json(&String::from_utf8_lossy(&out.stdout));
    assert_eq!(
        doc["apply"]["signatures"]["commits"][0]["commit"],
        persisted.as_str()
    );
    assert_eq!(
        doc["apply"]["signatures"]["commits"][0]["signer"],
        "netsync@core-1"
    );
    assert_eq!(w.env.kv().get("/net/params/mtu").unwrap(), b"1300");
}

#[test]
fn persist_with_an_unusable_signing_key_commits_nothing() {
    let w = world();
    let config = signing_config(&w.env.root().join("keys/missing"));
    w.commit(
        "netsync.toml",
        config.as_bytes(),
        "Sign persist commits",
        Some(&w.alice),
    );
    w.ok(&["apply"]);
    let head = w.env.head(&w.repo);
    w.env.kv().put("/net/params/mtu", "1300");
    let out = w
        .env
        .netsync()
        .args(["persist", "--no-push", "--repo"])
        .arg(&w.repo)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(64), "{stderr}");
    assert!(stderr.contains("persist.signing_key"), "{stderr}");
    assert!(stderr.contains("keys/missing"), "{stderr}");
    assert_eq!(w.env.head(&w.repo), head, "nothing committed");
    // A file ssh-keygen cannot sign with: refused when signing, nothing moved.
    let garbage = w.env.root().join("keys/garbage");
    std::fs::write(&garbage, "not a key\n").unwrap();
    let config = signing_config(&garbage);
    w.commit(
        "netsync.toml",
        config.as_bytes(),
        "Sign persist commits",
        Some(&w.alice),
    );
    let head = w.env.head(&w.repo);
    let out = w
        .env
        .netsync()
        .args(["persist", "--no-push", "--repo"])
        .arg(&w.repo)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("cannot sign the commit with"), "{stderr}");
    assert!(
        stderr.contains("hint: the key must be an SSH private key"),
        "{stderr}"
    );
    assert_eq!(w.env.head(&w.repo), head, "nothing committed");
    w.env.fsck(&w.repo);
}

/// A persist that built on a commit not applied yet keeps the older trusted commit: the
/// unsigned commit it carries is still checked when apply deploys it.
#[test]
fn an_unsigned_commit_a_persist_built_upon_is_still_checked() {
    let w = world();
    w.ok(&["apply"]);
    let unsigned = w.commit("kv/params/mtu", b"9000", "Jumbo frames", None);
    w.env.kv().put("/net/params/keepalive", "15");
    w.env.netsync_ok(&["persist", "--no-push"], &w.repo);
    let persisted = w.env.head(&w.repo);
    assert_ne!(persisted, unsigned);
    let stderr = w.refused(&["apply"]);
    assert!(stderr.contains(short(&unsigned)), "{stderr}");
    // persist's own commit is the sync point: not asked for a signature.
    assert!(!stderr.contains(short(&persisted)), "{stderr}");
    assert_eq!(w.env.kv().get("/net/params/mtu").unwrap(), b"1420");
}

/// A persist with nothing of its own to commit records the branch's tip as the sync point, an
/// unsigned commit not applied yet included: that commit is still checked (only a commit
/// persist made itself is exempt).
#[test]
fn an_unsigned_commit_a_persist_recorded_without_committing_is_still_checked() {
    let w = world();
    w.ok(&["apply"]);
    let unsigned = w.commit("kv/params/mtu", b"9000", "Jumbo frames", None);
    w.env.netsync_ok(&["persist", "--no-push"], &w.repo);
    assert_eq!(w.env.head(&w.repo), unsigned, "persist made no commit");
    let stderr = w.refused(&["apply"]);
    assert!(stderr.contains(short(&unsigned)), "{stderr}");
    assert_eq!(w.env.kv().get("/net/params/mtu").unwrap(), b"1420");
}

/// When persist recorded everything (no Git change waiting), its commit is what etcd holds:
/// commits after it are checked, the unsigned persist commits before are not.
#[test]
fn commits_after_a_complete_persist_are_checked_from_it() {
    let w = world();
    w.ok(&["apply"]);
    w.env.kv().put("/net/params/keepalive", "15");
    w.env.netsync_ok(&["persist", "--no-push"], &w.repo);
    w.env.kv().put("/net/params/keepalive", "20");
    w.env.netsync_ok(&["persist", "--no-push"], &w.repo);
    w.commit("kv/params/mtu", b"1380", "Lower the MTU", Some(&w.alice));
    let out = json(&w.ok(&["apply", "-o", "json"]));
    let signatures = &out["apply"]["signatures"];
    assert_eq!(signatures["commits"].as_array().unwrap().len(), 1, "{out}");
    assert_eq!(w.env.kv().get("/net/params/mtu").unwrap(), b"1380");
}

#[test]
fn restore_checks_the_backup_it_deploys() {
    let w = world();
    let backup = w.env.clone_bare(&w.repo, "backup.git");
    w.env
        .commit_files(&backup, &[("kv/params/mtu", b"9000")], &[], "Unsigned");
    let out = w
        .env
        .netsync()
        .args(["restore", "--from"])
        .arg(&backup)
        .arg("--allowed-signers")
        .arg(&w.signers)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(UNTRUSTED), "{stderr}");
    assert!(w.env.kv().dump_all().is_empty(), "restore wrote");
    // --no-verify (--no-verify-signatures) restores anyway, and still reads everything back.
    let out = w
        .env
        .netsync()
        .args(["restore", "--no-verify", "--from"])
        .arg(&backup)
        .arg("--allowed-signers")
        .arg(&w.signers)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("verified"), "{stdout}");
    assert!(String::from_utf8_lossy(&out.stderr).contains("not checked"));
    // A signed backup restores with the check on.
    w.env.kv().delete_prefix("/");
    let signed = w.env.clone_bare(&w.repo, "signed.git");
    let out = w
        .env
        .netsync()
        .args(["restore", "--from"])
        .arg(&signed)
        .env("NETSYNC_ALLOWED_SIGNERS", &w.signers)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(w.env.kv().dump(b"/net/"), fixture_kv("network"));
}

/// The host's own file turns the check on for every run, without a flag: an attacker who can
/// push cannot switch it off from the repository.
#[test]
fn the_hosts_allowed_signers_file_applies_without_a_flag() {
    let w = world();
    w.commit("kv/params/mtu", b"9000", "Jumbo frames", None);
    let etc = w.env.root().join("etc");
    std::fs::create_dir_all(&etc).unwrap();
    std::fs::copy(&w.signers, etc.join("allowed_signers")).unwrap();
    let run = |extra: &[&str]| {
        w.env
            .netsync()
            .args(["apply", "--repo"])
            .arg(&w.repo)
            .args(extra)
            .env("NETSYNC_SYSCONFDIR", &etc)
            .output()
            .unwrap()
    };
    let out = run(&[]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(UNTRUSTED), "{stderr}");
    assert!(stderr.contains(&etc.join("allowed_signers").display().to_string()));
    assert!(w.env.kv().dump_all().is_empty());
    // An empty file trusts nobody: refused as unusable (exit 64), not a silent pass.
    std::fs::write(etc.join("allowed_signers"), "# nobody yet\n").unwrap();
    let out = run(&[]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(64), "{stderr}");
    assert!(stderr.contains("names no signer"), "{stderr}");
    // Skipping the check says so.
    let out = run(&["--no-verify-signatures"]);
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("not checked"));
    assert_eq!(w.env.kv().get("/net/params/mtu").unwrap(), b"9000");
}

#[test]
fn an_unreadable_allowed_signers_file_is_a_usage_error() {
    let w = world();
    let out = w
        .env
        .netsync()
        .args([
            "apply",
            "--allowed-signers",
            "/nonexistent/allowed_signers",
            "--repo",
        ])
        .arg(&w.repo)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(64), "{stderr}");
    assert!(stderr.contains("cannot read the allowed signers file /nonexistent/allowed_signers"));
    assert!(w.env.kv().dump_all().is_empty());
}

#[test]
fn diff_shows_who_signed_or_what_apply_would_refuse_and_keeps_its_exit_code() {
    let w = world();
    w.ok(&["apply"]);
    w.commit(
        "kv/params/keepalive",
        b"15",
        "Shorter keepalive",
        Some(&w.alice),
    );
    let human = w.ok(&["diff"]);
    assert!(human.contains("~ change /net/params/keepalive"), "{human}");
    assert!(
        human.contains("signatures: 1 commit(s) since") && human.contains("alice@example.net"),
        "{human}"
    );
    let unsigned = w.commit("kv/params/mtu", b"9000", "Jumbo frames", None);
    // Differences: exit 2 as always, signatures or not.
    let out = w.netsync(&["diff", "--exit-code"]);
    assert_eq!(out.status.code(), Some(2));
    let human = String::from_utf8_lossy(&out.stdout);
    assert!(
        human.contains("signatures: apply would refuse 1 of 2 commit(s)")
            && human.contains(short(&unsigned)),
        "{human}"
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("apply would refuse"));
    let doc = json(&w.ok(&["diff", "-o", "json"]));
    assert_eq!(doc["signatures"]["trusted"], false, "{doc}");
    assert_eq!(doc["signatures"]["refused"][0]["commit"], unsigned.as_str());
    assert_eq!(doc["signatures"]["refused"][0]["reason"], "unsigned");
    assert_eq!(
        doc["summary"]["change"], 2,
        "the diff itself is unchanged: {doc}"
    );
}

/// `secret rekey` commits as the person running it: signed when their Git configuration
/// signs their commits (commit.gpgSign, gpg.format=ssh, user.signingKey), so apply trusts it.
#[test]
fn secret_rekey_signs_as_git_commit_would() {
    let env = TestEnv::new();
    let (id, public) = crate::secrets::keygen(&env, "id.txt");
    let (_, second) = crate::secrets::keygen(&env, "id2.txt");
    let repo = crate::secrets::sealed_repo(&env, &public);
    env.commit_files(
        &repo,
        &[(
            "netsync.toml",
            crate::secrets::config(&[&public, &second]).as_bytes(),
        )],
        &[],
        "Add a recipient",
    );
    let alice = env.ssh_key("alice");
    let signers = env.allowed_signers("allowed_signers", &[("alice@example.net", &alice)]);
    env.git(&repo, ["config", "commit.gpgsign", "true"]);
    env.git(&repo, ["config", "gpg.format", "ssh"]);
    env.git(
        &repo,
        ["config", "user.signingkey", alice.private.to_str().unwrap()],
    );
    env.netsync()
        .args(["secret", "rekey", "--identity"])
        .arg(&id)
        .arg("--repo")
        .arg(&repo)
        .assert()
        .success();
    let rekeyed = env.head(&repo);
    let out = env.git_verify_commit(&repo, &signers, &rekeyed);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    env.fsck(&repo);
    // A new cluster: apply checks the target, the rekey commit, and deploys it.
    env.netsync()
        .args(["apply", "--identity"])
        .arg(&id)
        .arg("--allowed-signers")
        .arg(&signers)
        .arg("--repo")
        .arg(&repo)
        .assert()
        .success()
        .stdout(predicates::str::contains("signed by alice@example.net"));
}

/// A persist commit deployed onto a cluster that did not record it (a new cluster restored
/// from the backup) must be signed: the refusal says how persist signs.
#[test]
fn an_unsigned_persist_commit_restored_elsewhere_is_refused_with_the_way_out() {
    let w = world();
    w.ok(&["apply"]);
    w.env.kv().put("/net/params/mtu", "1300");
    w.env.netsync_ok(&["persist", "--no-push"], &w.repo);
    let persisted = w.env.head(&w.repo);
    w.env.kv().delete_prefix("/");
    let out = w.netsync(&["restore"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(UNTRUSTED), "{stderr}");
    assert!(stderr.contains(short(&persisted)), "{stderr}");
    assert!(
        stderr.contains("hint: persist's own commits are signed only with `persist.signing_key`"),
        "{stderr}"
    );
    assert!(w.env.kv().dump_all().is_empty());
    let out = w.netsync(&["restore", "-o", "json"]);
    let doc = json(&String::from_utf8_lossy(&out.stdout));
    assert_eq!(doc["error"]["kind"], "untrusted_commit", "{doc}");
}

/// A target on a branch that forked before what was deployed (the sync point is not its
/// ancestor): the commits of that branch since the fork are checked, as `git rev-list`
/// would list them.
#[test]
fn a_target_that_forked_before_the_sync_point_checks_its_own_branch() {
    let w = world();
    let first = w.env.head(&w.repo);
    w.commit(
        "kv/params/keepalive",
        b"15",
        "Shorter keepalive",
        Some(&w.alice),
    );
    w.ok(&["apply"]);
    w.env
        .git(&w.repo, ["checkout", "-q", "-b", "other", &first]);
    let unsigned = w.commit("kv/params/mtu", b"9000", "Jumbo frames", None);
    let tip = w.commit(
        "kv/params/dns",
        b"10.88.0.53",
        "One resolver",
        Some(&w.alice),
    );
    let stderr = w.refused(&["apply", "--rev", "other"]);
    assert!(stderr.contains("1 of the 2 commits"), "{stderr}");
    assert!(stderr.contains(short(&unsigned)), "{stderr}");
    assert!(!stderr.contains(short(&tip)), "{stderr}");
}
