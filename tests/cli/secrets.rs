//! Secrets against a real etcd and real Git: age files in Git, plaintext only in etcd, never in
//! any Git object, output or log; every way decryption can fail stops before any write.
//! `persist` encrypts changed secrets to the recipients, needing no private key, and keeps
//! unchanged ciphertext byte for byte.

use std::path::{Path, PathBuf};

use crate::harness::TestEnv;

mod audit;
mod set;

pub(crate) const ALICE: &str = "/net/users/alice/password";
const ALICE_FILE: &str = "kv/users/alice/password.age";
pub(crate) const CANARY: &str = "canary-Q7zX-hunter2-plaintext";
const CANARY2: &str = "canary-9kWv-rotated-in-etcd";

/// An identity file made by `netsync secret keygen --out`, and its public key.
pub(crate) fn keygen(env: &TestEnv, name: &str) -> (PathBuf, String) {
    let path = env.root().join(name);
    env.netsync()
        .args(["secret", "keygen", "--out"])
        .arg(&path)
        .assert()
        .success();
    let text = std::fs::read_to_string(&path).unwrap();
    let public = text
        .lines()
        .find_map(|l| l.strip_prefix("# public key: "))
        .expect("public key line")
        .to_owned();
    (path, public)
}

pub(crate) fn config(recipients: &[&str]) -> String {
    let list: Vec<String> = recipients.iter().map(|r| format!("{r:?}")).collect();
    format!(
        "version = 1\nbranch = \"main\"\n\n[[mapping]]\nprefix = \"/net/\"\ndir = \"kv\"\n\n\
         [secrets]\nkeys = [\"/net/users/*/password\"]\nrecipients = [{}]\n",
        list.join(", ")
    )
}

/// Armored ciphertext of `value` bound to `key`, as `secret set` writes it.
pub(crate) fn seal(key: &str, value: &[u8], recipients: &[&str]) -> Vec<u8> {
    let list: Vec<String> = recipients.iter().map(|s| s.to_string()).collect();
    let r = netsync::secrets::Recipients::parse(&list, |_| unreachable!()).unwrap();
    netsync::secrets::encrypt(key.as_bytes(), value, &r).unwrap()
}

/// A bare repository with one plain key and Alice's password sealed to `public`.
pub(crate) fn sealed_repo(env: &TestEnv, public: &str) -> PathBuf {
    let repo = env.init_repo("network.git", true);
    let sealed = seal(ALICE, CANARY.as_bytes(), &[public]);
    env.commit_files(
        &repo,
        &[
            ("netsync.toml", config(&[public]).as_bytes()),
            ("kv/params/mtu", b"1420"),
            (ALICE_FILE, &sealed),
        ],
        &[],
        "network with a secret",
    );
    repo
}

/// Every object in the repository, as `git cat-file --batch-all-objects --batch` prints it.
fn all_objects(env: &TestEnv, repo: &Path) -> Vec<u8> {
    env.git_stdin(repo, ["cat-file", "--batch-all-objects", "--batch"], b"")
}

pub(crate) fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w == needle.as_bytes())
}

/// Run netsync at trace level; returns (stdout, stderr) after asserting neither holds a canary.
fn run_traced(env: &TestEnv, args: &[&str], repo: &Path, identity: &Path) -> (Vec<u8>, Vec<u8>) {
    run_traced_with(env, args, repo, Some(identity))
}

/// [`run_traced`], with no identity at all when `identity` is `None`.
fn run_traced_with(
    env: &TestEnv,
    args: &[&str],
    repo: &Path,
    identity: Option<&Path>,
) -> (Vec<u8>, Vec<u8>) {
    let mut cmd = env.netsync();
    cmd.env("RUST_LOG", "trace")
        .env_remove("NETSYNC_IDENTITY_FILE")
        .args(args)
        .arg("--repo")
        .arg(repo);
    if let Some(identity) = identity {
        cmd.arg("--identity").arg(identity);
    }
    let out = cmd.output().unwrap();
    for canary in [CANARY, CANARY2] {
        assert!(!contains(&out.stdout, canary), "{args:?} stdout leaks");
        assert!(!contains(&out.stderr, canary), "{args:?} stderr leaks");
    }
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        contains(&out.stderr, "DEBUG"),
        "logging at trace level is off: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    (out.stdout, out.stderr)
}

#[test]
fn canary_secret_never_leaks_through_apply_diff_rekey_or_git() {
    let env = TestEnv::new();
    let (id, public) = keygen(&env, "id.txt");
    let work = env.init_repo("work", false);
    std::fs::write(work.join("netsync.toml"), config(&[&public])).unwrap();
    std::fs::create_dir_all(work.join("kv/params")).unwrap();
    std::fs::write(work.join("kv/params/mtu"), "1420").unwrap();
    env.netsync()
        .args(["secret", "set", ALICE, "--repo"])
        .arg(&work)
        .write_stdin(CANARY)
        .assert()
        .success()
        .stdout("");
    let armored = std::fs::read(work.join(ALICE_FILE)).unwrap();
    assert!(armored.starts_with(b"-----BEGIN AGE ENCRYPTED FILE-----\n"));
    env.git(&work, ["add", "-A"]);
    env.git(&work, ["commit", "-q", "-m", "alice"]);

    let mut outputs: Vec<Vec<u8>> = Vec::new();
    let (stdout, stderr) = run_traced(&env, &["diff", "--output", "json"], &work, &id);
    let doc = crate::harness::json_doc(&stdout);
    let change = doc["changes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["key"] == ALICE)
        .unwrap();
    assert_eq!(change["redacted"], true);
    assert_eq!(change["new"]["size"], CANARY.len());
    assert!(change["new"].get("sha256").is_none() && change.get("diff").is_none());
    outputs.extend([stdout, stderr]);
    outputs.extend(<[_; 2]>::from(run_traced(&env, &["apply"], &work, &id)));
    assert_eq!(env.kv().get(ALICE).unwrap(), CANARY.as_bytes());

    // Rerun: plaintext equal → nothing to do, although the blob id says "different".
    let (stdout, stderr) = run_traced(&env, &["diff", "--exit-code"], &work, &id);
    assert!(
        contains(&stdout, "no differences"),
        "{}",
        String::from_utf8_lossy(&stdout)
    );
    outputs.extend([stdout, stderr]);

    // Changed in etcd: diff says so by size only, in both formats, in etcd's direction (from
    // the sync point's value to etcd's).
    env.kv().put(ALICE, CANARY2);
    let (stdout, stderr) = run_traced(&env, &["diff"], &work, &id);
    let text = String::from_utf8_lossy(&stdout).into_owned();
    assert!(
        text.contains(&format!(
            "secret changed in etcd ({} bytes → {} bytes)",
            CANARY.len(),
            CANARY2.len()
        )),
        "{text}"
    );
    outputs.extend([stdout, stderr]);
    outputs.extend(<[_; 2]>::from(run_traced(
        &env,
        &["diff", "--output", "json"],
        &work,
        &id,
    )));
    outputs.extend(<[_; 2]>::from(run_traced(
        &env,
        // The canary changed in etcd after the last apply: drift, overwritten only with --force.
        &["apply", "--force", "--output", "json"],
        &work,
        &id,
    )));
    assert_eq!(env.kv().get(ALICE).unwrap(), CANARY.as_bytes());

    // Rekey to an added recipient, in a bare clone; the new identity can read it.
    let bare = env.clone_bare(&work, "network.git");
    let (id2, public2) = keygen(&env, "id2.txt");
    // The new recipient comes from a recipients file committed in the same revision.
    env.commit_files(
        &bare,
        &[
            (
                "netsync.toml",
                config(&[&public, "file:keys/recipients.txt"]).as_bytes(),
            ),
            (
                "keys/recipients.txt",
                format!("# new operator\n{public2}\n").as_bytes(),
            ),
        ],
        &[],
        "add a recipient",
    );
    let (stdout, stderr) = run_traced(&env, &["secret", "rekey"], &bare, &id);
    assert!(contains(
        &stdout,
        "re-encrypted 1 secret(s) to 2 recipient(s)"
    ));
    outputs.extend([stdout, stderr]);
    // Again, as JSON in the envelope every command's document has.
    let (stdout, stderr) = run_traced(&env, &["secret", "rekey", "--output", "json"], &bare, &id);
    let doc = crate::harness::json_doc(&stdout);
    assert_eq!(doc["format_version"], 1, "{doc}");
    assert_eq!(doc["command"], "secret rekey", "{doc}");
    assert_eq!(doc["rekey"]["secrets"], 1, "{doc}");
    assert_eq!(doc["rekey"]["recipients"], 2, "{doc}");
    outputs.extend([stdout, stderr]);
    let shown = env
        .netsync()
        .args(["secret", "show", ALICE, "--repo"])
        .arg(&bare)
        .arg("--identity")
        .arg(&id2)
        .assert()
        .success();
    assert_eq!(shown.get_output().stdout, CANARY.as_bytes());
    // Before the rekeys (two commits ago), the new recipient could not read it.
    env.netsync()
        .args(["secret", "show", ALICE, "--rev", "main~2", "--repo"])
        .arg(&bare)
        .arg("--identity")
        .arg(&id2)
        .assert()
        .code(1)
        .stdout("")
        .stderr(predicates::str::contains("none of the identities"));
    assert_eq!(
        env.git(&bare, ["log", "-1", "--format=%s", "main"]).trim(),
        "Re-encrypt 1 secret(s) to 2 recipient(s)"
    );
    env.fsck(&bare);
    env.fsck(&work);

    let sha = {
        use sha2::Digest as _;
        let d = sha2::Sha256::digest(CANARY.as_bytes());
        d.iter().map(|b| format!("{b:02x}")).collect::<String>()
    };
    for repo in [&work, &bare] {
        let objects = all_objects(&env, repo);
        assert!(contains(&objects, "BEGIN AGE ENCRYPTED FILE"));
        for canary in [CANARY, CANARY2] {
            assert!(!contains(&objects, canary), "{canary} in a Git object");
        }
    }
    for out in &outputs {
        assert!(
            !contains(out, &sha[..24]),
            "a hash of the secret was printed"
        );
    }
}

/// Run a failing command; check the message, and that etcd and the repository are unchanged.
fn fails_cleanly(env: &TestEnv, repo: &Path, args: &[&str], needles: &[&str]) -> String {
    let etcd_before = env.kv().dump_all();
    let revision_before = env.kv().revision();
    let refs_before = env.git(repo, ["show-ref"]);
    let assert = env
        .netsync()
        .args(args)
        .arg("--repo")
        .arg(repo)
        .assert()
        .code(1);
    let stderr = String::from_utf8_lossy(&assert.get_output().stderr).into_owned();
    assert!(stderr.starts_with("error: "), "{stderr}");
    for needle in needles {
        assert!(stderr.contains(needle), "missing {needle:?} in:\n{stderr}");
    }
    assert!(!stderr.contains(CANARY), "{stderr}");
    assert_eq!(env.kv().dump_all(), etcd_before, "etcd changed");
    assert_eq!(env.kv().revision(), revision_before, "etcd was written");
    assert_eq!(env.git(repo, ["show-ref"]), refs_before, "git refs changed");
    env.fsck(repo);
    stderr
}

#[test]
fn moved_ciphertext_fails_naming_both_keys() {
    let env = TestEnv::new();
    let (id, public) = keygen(&env, "id.txt");
    let repo = sealed_repo(&env, &public);
    let copied = seal(ALICE, CANARY.as_bytes(), &[&public]);
    env.commit_files(
        &repo,
        &[("kv/users/bob/password.age", &copied)],
        &[],
        "copy alice's password to bob",
    );
    let id = id.to_str().unwrap();
    fails_cleanly(
        &env,
        &repo,
        &["apply", "--identity", id],
        &["ciphertext of /net/users/alice/password found at the path of /net/users/bob/password: moved or copied"],
    );
    assert!(env.kv().dump(b"/net/").is_empty(), "not even the plain key");
}

#[test]
fn tampered_ciphertext_fails() {
    let env = TestEnv::new();
    let (id, public) = keygen(&env, "id.txt");
    let repo = sealed_repo(&env, &public);
    let mut armored = seal(ALICE, CANARY.as_bytes(), &[&public]);
    // Flip one base64 character of the payload (the last line before the footer).
    let end = armored.len() - "\n-----END AGE ENCRYPTED FILE-----\n".len();
    let i = end - 5;
    armored[i] = if armored[i] == b'A' { b'B' } else { b'A' };
    env.commit_files(&repo, &[(ALICE_FILE, &armored)], &[], "tamper");
    fails_cleanly(
        &env,
        &repo,
        &["apply", "--identity", id.to_str().unwrap()],
        &["the ciphertext of /net/users/alice/password is corrupt or was tampered with"],
    );
}

#[test]
fn missing_and_wrong_identity_are_different_errors() {
    let env = TestEnv::new();
    let (_, public) = keygen(&env, "id.txt");
    let (other, _) = keygen(&env, "other.txt");
    let repo = sealed_repo(&env, &public);
    let missing = fails_cleanly(
        &env,
        &repo,
        &["apply"],
        &[
            "no identity to decrypt /net/users/alice/password",
            "hint: pass --identity",
        ],
    );
    let wrong = fails_cleanly(
        &env,
        &repo,
        &["apply", "--identity", other.to_str().unwrap()],
        &[
            "cannot decrypt /net/users/alice/password: none of the identities",
            "other.txt",
        ],
    );
    assert_ne!(missing, wrong);
    fails_cleanly(
        &env,
        &repo,
        &["diff", "--identity", other.to_str().unwrap()],
        &["none of the identities"],
    );
}

#[test]
fn identity_from_environment_and_loose_permissions_warning() {
    let env = TestEnv::new();
    let (id, public) = keygen(&env, "id.txt");
    use std::os::unix::fs::PermissionsExt as _;
    assert_eq!(
        std::fs::metadata(&id).unwrap().permissions().mode() & 0o777,
        0o600,
        "keygen --out writes mode 0600"
    );
    let repo = sealed_repo(&env, &public);
    std::fs::set_permissions(&id, std::fs::Permissions::from_mode(0o644)).unwrap();
    env.netsync()
        .args(["apply", "--repo"])
        .arg(&repo)
        .env("NETSYNC_IDENTITY_FILE", &id)
        .assert()
        .success()
        .stderr(predicates::str::contains(
            "is readable by group or others (mode 644)",
        ));
    assert_eq!(env.kv().get(ALICE).unwrap(), CANARY.as_bytes());
}

#[test]
fn ssh_ed25519_recipient_and_identity_work() {
    let env = TestEnv::new();
    let key = env.root().join("id_ed25519");
    let status = env
        .command("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-C", "ops@example", "-f"])
        .arg(&key)
        .status()
        .expect("ssh-keygen (apt-get install openssh-client)");
    assert!(status.success());
    let public = std::fs::read_to_string(key.with_extension("pub")).unwrap();
    let repo = sealed_repo(&env, public.trim());
    env.netsync()
        .args(["apply", "--repo"])
        .arg(&repo)
        .arg("--identity")
        .arg(&key)
        .assert()
        .success()
        .stderr("");
    assert_eq!(env.kv().get(ALICE).unwrap(), CANARY.as_bytes());
}

#[test]
fn keygen_prints_the_age_keygen_format() {
    let env = TestEnv::new();
    let out = env.netsync().args(["secret", "keygen"]).assert().success();
    let text = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 3, "{text}");
    assert!(lines[0].starts_with("# created: 20"), "{text}");
    assert!(lines[1].starts_with("# public key: age1"), "{text}");
    assert!(lines[2].starts_with("AGE-SECRET-KEY-1"), "{text}");
}

#[test]
fn plaintext_file_for_a_secret_key_is_refused() {
    let env = TestEnv::new();
    let (id, public) = keygen(&env, "id.txt");
    let repo = sealed_repo(&env, &public);
    env.commit_files(&repo, &[("kv/users/bob/password", b"plain")], &[], "oops");
    fails_cleanly(
        &env,
        &repo,
        &["apply", "--identity", id.to_str().unwrap()],
        &["holds the value of secret key /net/users/bob/password in plaintext"],
    );
}

#[test]
fn secret_set_refuses_keys_that_are_not_secret_or_not_managed() {
    let env = TestEnv::new();
    let (_, public) = keygen(&env, "id.txt");
    let work = env.init_repo("work", false);
    std::fs::write(work.join("netsync.toml"), config(&[&public])).unwrap();
    for (key, needle) in [
        ("/net/params/mtu", "matches no `secrets.keys` pattern"),
        ("/other/x", "is under no mapping prefix"),
    ] {
        env.netsync()
            .args(["secret", "set", key, "--repo"])
            .arg(&work)
            .write_stdin("v")
            .assert()
            .code(1)
            .stderr(predicates::str::contains(needle));
    }
    assert!(!work.join("kv").exists(), "nothing written");
    env.netsync()
        .args(["secret", "set", "/net/params/mtu", "--force", "--repo"])
        .arg(&work)
        .write_stdin("v")
        .assert()
        .success();
    assert!(work.join("kv/params/mtu.age").is_file());
}

#[test]
fn rekey_refuses_a_checked_out_branch() {
    let env = TestEnv::new();
    let (id, public) = keygen(&env, "id.txt");
    let bare = sealed_repo(&env, &public);
    let work = env.root().join("work");
    env.git(env.root(), ["clone", "-q", bare.to_str().unwrap(), "work"]);
    fails_cleanly(
        &env,
        &work,
        &["secret", "rekey", "--identity", id.to_str().unwrap()],
        &[
            "branch main is checked out in",
            "hint: run rekey on a bare clone",
        ],
    );
}

const BOB: &str = "/net/users/bob/password";
const BOB_FILE: &str = "kv/users/bob/password.age";
const BOB_VALUE: &str = "canary-bob-unchanged-Lm3P";

/// The blob of `path` at `rev`, byte for byte.
fn blob(env: &TestEnv, repo: &Path, rev: &str, path: &str) -> Vec<u8> {
    env.git_stdin(repo, ["cat-file", "blob", &format!("{rev}:{path}")], b"")
}

/// Decrypt the committed file of `key` with the identity file `id`.
fn open(key: &str, armored: &[u8], id: &Path) -> Vec<u8> {
    let ids = netsync::secrets::Identities::load(&[id.to_owned()]).unwrap();
    netsync::secrets::decrypt(key.as_bytes(), armored, &ids)
        .unwrap()
        .to_vec()
}

/// A bare repository with Alice's and Bob's passwords sealed to `public`, applied to etcd
/// (sync point recorded), and the ciphertext of Bob's as committed.
fn applied_with_two_secrets(env: &TestEnv, id: &Path, public: &str) -> PathBuf {
    let repo = sealed_repo(env, public);
    let bob = seal(BOB, BOB_VALUE.as_bytes(), &[public]);
    env.commit_files(&repo, &[(BOB_FILE, &bob)], &[], "bob");
    env.netsync()
        .args(["apply", "--repo"])
        .arg(&repo)
        .arg("--identity")
        .arg(id)
        .assert()
        .success();
    assert_eq!(env.kv().get(BOB).unwrap(), BOB_VALUE.as_bytes());
    repo
}

fn assert_no_canary(env: &TestEnv, repo: &Path, outputs: &[Vec<u8>]) {
    let objects = all_objects(env, repo);
    for canary in [CANARY, CANARY2, BOB_VALUE] {
        assert!(!contains(&objects, canary), "{canary} in a Git object");
        for out in outputs {
            assert!(!contains(out, canary), "{canary} in an output");
        }
    }
}

#[test]
fn persist_encrypts_a_secret_changed_in_etcd_without_a_private_key() {
    let env = TestEnv::new();
    let (id, public) = keygen(&env, "id.txt");
    let repo = applied_with_two_secrets(&env, &id, &public);
    let bob_before = blob(&env, &repo, "main", BOB_FILE);
    let alice_before = blob(&env, &repo, "main", ALICE_FILE);

    // A persist host with only the recipients: no --identity, no environment, no default file.
    env.kv().put(ALICE, CANARY2);
    env.kv().put("/net/users/carol/password", CANARY);
    let mut outputs = Vec::new();
    let (stdout, stderr) = run_traced_with(&env, &["persist"], &repo, None);
    assert!(contains(&stdout, "/net/users/alice/password"));
    outputs.extend([stdout, stderr]);
    let alice = blob(&env, &repo, "main", ALICE_FILE);
    assert!(alice.starts_with(b"-----BEGIN AGE ENCRYPTED FILE-----\n"));
    assert_ne!(alice, alice_before);
    assert_eq!(open(ALICE, &alice, &id), CANARY2.as_bytes());
    assert_eq!(
        blob(&env, &repo, "main", BOB_FILE),
        bob_before,
        "bob churned"
    );
    let listing = env.git(&repo, ["ls-tree", "-r", "--name-only", "main"]);
    assert!(!listing.contains("kv/users/alice/password\n"), "{listing}");

    // Another key changes: both secrets keep their ciphertext byte for byte (JSON, traced).
    env.kv().put("/net/params/mtu", "1380");
    let (stdout, stderr) = run_traced_with(&env, &["persist", "--output", "json"], &repo, None);
    let doc = crate::harness::json_doc(&stdout);
    assert_eq!(doc["persist"]["secrets"]["kept"], 3, "{doc}");
    assert_eq!(doc["persist"]["secrets"]["encrypted"], 0, "{doc}");
    outputs.extend([stdout, stderr]);
    assert_eq!(blob(&env, &repo, "main", ALICE_FILE), alice);
    assert_eq!(blob(&env, &repo, "main", BOB_FILE), bob_before);
    assert_eq!(blob(&env, &repo, "main", "kv/params/mtu"), b"1380");

    // Nothing changed: no commit.
    let head = env.rev_parse(&repo, "main");
    outputs.extend(<[_; 2]>::from(run_traced(&env, &["persist"], &repo, &id)));
    assert_eq!(env.rev_parse(&repo, "main"), head);

    // Applying the persisted commit back is a no-op: etcd already holds the plaintext.
    let (stdout, stderr) = run_traced(&env, &["diff", "--exit-code"], &repo, &id);
    outputs.extend([stdout, stderr]);
    assert_eq!(env.kv().get(ALICE).unwrap(), CANARY2.as_bytes());
    assert_no_canary(&env, &repo, &outputs);
    env.fsck(&repo);
}

#[test]
fn persist_without_recipients_refuses_before_writing() {
    let env = TestEnv::new();
    let repo = env.init_repo("network.git", true);
    env.commit_files(
        &repo,
        &[
            ("netsync.toml", config(&[]).as_bytes()),
            ("kv/params/mtu", b"1420"),
        ],
        &[],
        "no recipients",
    );
    env.netsync()
        .args(["apply", "--repo"])
        .arg(&repo)
        .assert()
        .success();
    env.kv().put(ALICE, CANARY);
    let head = env.rev_parse(&repo, "main");
    let objects = all_objects(&env, &repo);
    let etcd_before = env.kv().dump_all();
    let out = env
        .netsync()
        .env("RUST_LOG", "trace")
        .args(["persist", "--repo"])
        .arg(&repo)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("etcd holds secret keys (/net/users/alice/password) but netsync.toml names no recipients"),
        "{stderr}"
    );
    assert!(
        stderr.contains("hint: add the operators' public keys"),
        "{stderr}"
    );
    assert_no_canary(&env, &repo, &[out.stdout.clone(), out.stderr.clone()]);
    assert_eq!(env.rev_parse(&repo, "main"), head);
    assert_eq!(all_objects(&env, &repo), objects, "an object was written");
    assert_eq!(env.kv().dump_all(), etcd_before, "etcd changed");
    env.fsck(&repo);
}

/// Make the sync point claim another cluster, as after a restore into a new cluster.
fn sync_point_from_another_cluster(env: &TestEnv) {
    let kv = env.kv();
    let (key, value) = kv
        .dump(b"/netsync/sync/")
        .into_iter()
        .next()
        .expect("a sync point");
    let mut point: serde_json::Value = serde_json::from_slice(&value).unwrap();
    point["cluster_id"] = "1234abcd".into();
    kv.put(key, serde_json::to_vec(&point).unwrap());
}

#[test]
fn without_a_sync_point_for_this_cluster_an_identity_avoids_re_encrypting() {
    let env = TestEnv::new();
    let (id, public) = keygen(&env, "id.txt");
    let repo = applied_with_two_secrets(&env, &id, &public);
    let alice_before = blob(&env, &repo, "main", ALICE_FILE);
    let bob_before = blob(&env, &repo, "main", BOB_FILE);
    sync_point_from_another_cluster(&env);
    env.kv().put("/net/params/mtu", "1380");
    let (stdout, stderr) = run_traced(&env, &["persist", "--output", "json"], &repo, &id);
    let doc = crate::harness::json_doc(&stdout);
    assert_eq!(doc["persist"]["secrets"]["compared"], 2, "{doc}");
    assert_eq!(blob(&env, &repo, "main", ALICE_FILE), alice_before);
    assert_eq!(blob(&env, &repo, "main", BOB_FILE), bob_before);
    assert_eq!(blob(&env, &repo, "main", "kv/params/mtu"), b"1380");
    assert_no_canary(&env, &repo, &[stdout, stderr]);
    env.fsck(&repo);
}

#[test]
fn without_a_sync_point_for_this_cluster_nor_an_identity_secrets_are_re_encrypted() {
    let env = TestEnv::new();
    let (id, public) = keygen(&env, "id.txt");
    let repo = applied_with_two_secrets(&env, &id, &public);
    let bob_before = blob(&env, &repo, "main", BOB_FILE);
    sync_point_from_another_cluster(&env);
    env.kv().put("/net/params/mtu", "1380");
    let (stdout, stderr) = run_traced_with(&env, &["persist"], &repo, None);
    assert!(
        contains(
            &stderr,
            "no identity to compare 2 secrets with what Git holds: encrypting them anew"
        ),
        "{}",
        String::from_utf8_lossy(&stderr)
    );
    let bob = blob(&env, &repo, "main", BOB_FILE);
    assert_ne!(bob, bob_before, "re-encrypted");
    assert_eq!(open(BOB, &bob, &id), BOB_VALUE.as_bytes());
    let alice = blob(&env, &repo, "main", ALICE_FILE);
    assert_eq!(open(ALICE, &alice, &id), CANARY.as_bytes());
    assert_no_canary(&env, &repo, &[stdout, stderr]);
    // The new sync point is of this cluster: the next persist keeps the new ciphertext.
    env.kv().put("/net/params/mtu", "1400");
    run_traced_with(&env, &["persist"], &repo, None);
    assert_eq!(blob(&env, &repo, "main", BOB_FILE), bob);
    env.fsck(&repo);
}

/// `secret set KEY` from `value` on stdin into the working tree of `work`, then commit it.
fn set_and_commit(env: &TestEnv, work: &Path, key: &str, value: &str, message: &str) {
    env.netsync()
        .args(["secret", "set", key, "--repo"])
        .arg(work)
        .write_stdin(value)
        .assert()
        .success();
    env.git(work, ["add", "--all"]);
    env.git(work, ["commit", "-q", "-m", message]);
}

fn apply_with(env: &TestEnv, repo: &Path, id: &Path, endpoints: &str) -> Vec<u8> {
    let out = env
        .netsync()
        .args(["apply", "--endpoints", endpoints, "--repo"])
        .arg(repo)
        .arg("--identity")
        .arg(id)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "apply: exit {:?}\n{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

#[test]
fn rotating_a_secret_again_after_apply_and_after_restore_is_a_git_change() {
    let mut env = TestEnv::new();
    let (id, public) = keygen(&env, "id.txt");
    let work = env.init_repo("work", false);
    std::fs::write(work.join("netsync.toml"), config(&[&public])).unwrap();
    std::fs::create_dir_all(work.join("kv/params")).unwrap();
    std::fs::write(work.join("kv/params/mtu"), "1420").unwrap();
    env.git(&work, ["add", "--all"]);
    env.git(&work, ["commit", "-q", "-m", "network"]);
    let endpoints = env.endpoints();
    let mut outputs = Vec::new();

    // First value, applied; then rotated twice, each applied: a Git change every time, since
    // etcd's value was written by netsync's own apply.
    set_and_commit(&env, &work, ALICE, CANARY, "alice's first password");
    outputs.push(apply_with(&env, &work, &id, &endpoints));
    for (i, value) in [CANARY2, BOB_VALUE].into_iter().enumerate() {
        set_and_commit(&env, &work, ALICE, value, &format!("rotation {i}"));
        let stdout = apply_with(&env, &work, &id, &endpoints);
        assert!(
            contains(&stdout, "~ /net/users/alice/password"),
            "rotation {i} not written: {}",
            String::from_utf8_lossy(&stdout)
        );
        assert_eq!(env.kv().get(ALICE).unwrap(), value.as_bytes());
        outputs.push(stdout);
    }

    // The disaster: a new empty cluster, restored from the repository; the next rotation is
    // a Git change there too (restore's own writes count as the agreement).
    env.etcd().stop();
    let new = crate::harness::Etcd::start();
    let out = env
        .netsync()
        .args(["restore", "--endpoints", &new.endpoint(), "--from"])
        .arg(&work)
        .arg("--identity")
        .arg(&id)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "restore: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    outputs.extend([out.stdout, out.stderr]);
    let kv = crate::harness::Kv::connect(&new.endpoint());
    assert_eq!(kv.get(ALICE).unwrap(), BOB_VALUE.as_bytes());
    set_and_commit(&env, &work, ALICE, CANARY, "rotation after the restore");
    outputs.push(apply_with(&env, &work, &id, &new.endpoint()));
    assert_eq!(kv.get(ALICE).unwrap(), CANARY.as_bytes());

    // And the new cluster agrees with Git: nothing left to apply.
    env.netsync()
        .args([
            "diff",
            "--exit-code",
            "--endpoints",
            &new.endpoint(),
            "--repo",
        ])
        .arg(&work)
        .arg("--identity")
        .arg(&id)
        .assert()
        .success();
    assert_no_canary(&env, &work, &outputs);
    env.fsck(&work);
}

/// Defect 5 with secrets: Alice's rotation waits in Git for its deploy window while Bob's
/// password is changed twice in etcd, with a persist (no private key) after each. Neither
/// persist nor the apply that follows sees a conflict, and nothing churns after.
#[test]
fn a_rotation_waiting_in_git_and_a_secret_changed_twice_in_etcd_both_land() {
    let env = TestEnv::new();
    let (id, public) = keygen(&env, "id.txt");
    let repo = applied_with_two_secrets(&env, &id, &public);
    let rotated = seal(ALICE, CANARY2.as_bytes(), &[&public]);
    env.commit_files(
        &repo,
        &[(ALICE_FILE, &rotated)],
        &[],
        "rotate alice, deploy tonight",
    );
    let mut outputs = Vec::new();
    let bob_values = ["canary-bob-first-Zq81", "canary-bob-second-Pw27"];
    for value in bob_values {
        env.kv().put(BOB, value);
        let (stdout, stderr) = run_traced_with(&env, &["persist"], &repo, None);
        assert!(
            contains(&stdout, "not applied yet"),
            "{}",
            String::from_utf8_lossy(&stdout)
        );
        assert_eq!(
            open(BOB, &blob(&env, &repo, "main", BOB_FILE), &id),
            value.as_bytes()
        );
        assert_eq!(
            blob(&env, &repo, "main", ALICE_FILE),
            rotated,
            "left for apply"
        );
        for canary in bob_values {
            assert!(!contains(&stdout, canary) && !contains(&stderr, canary));
        }
        outputs.extend([stdout, stderr]);
    }
    assert_eq!(
        env.kv().get(ALICE).unwrap(),
        CANARY.as_bytes(),
        "not applied yet"
    );

    let (stdout, stderr) = run_traced(&env, &["apply"], &repo, &id);
    outputs.extend([stdout, stderr]);
    assert_eq!(env.kv().get(ALICE).unwrap(), CANARY2.as_bytes());
    assert_eq!(env.kv().get(BOB).unwrap(), bob_values[1].as_bytes());
    let head = env.rev_parse(&repo, "main");
    let (stdout, stderr) = run_traced_with(&env, &["persist"], &repo, None);
    outputs.extend([stdout, stderr]);
    assert_eq!(
        env.rev_parse(&repo, "main"),
        head,
        "no churn once both sides agree"
    );
    let objects = all_objects(&env, &repo);
    for canary in bob_values {
        assert!(!contains(&objects, canary), "{canary} in a Git object");
    }
    assert_no_canary(&env, &repo, &outputs);
    env.fsck(&repo);
}

/// Removing a user removes their password file: apply prunes the key like any other, and
/// neither diff nor apply shows the plaintext it deletes. Also for an `.age` file whose key
/// no pattern names (a pattern removed from `secrets.keys` later).
#[test]
fn deleting_a_secrets_file_in_git_prunes_its_key() {
    let env = TestEnv::new();
    let (id, public) = keygen(&env, "id.txt");
    let repo = applied_with_two_secrets(&env, &id, &public);
    const TOKEN: &str = "/net/params/api-token";
    const TOKEN_VALUE: &str = "canary-token-not-by-pattern-Xk4";
    let token = seal(TOKEN, TOKEN_VALUE.as_bytes(), &[&public]);
    // Enough other keys that two deletions stay within the prune guard.
    env.commit_files(
        &repo,
        &[
            ("kv/params/api-token.age", &token),
            ("kv/params/a", b"1"),
            ("kv/params/b", b"2"),
            ("kv/params/c", b"3"),
            ("kv/params/d", b"4"),
        ],
        &[],
        "token",
    );
    run_traced(&env, &["apply"], &repo, &id);
    assert_eq!(env.kv().get(TOKEN).unwrap(), TOKEN_VALUE.as_bytes());

    env.commit_files(
        &repo,
        &[],
        &[BOB_FILE, "kv/params/api-token.age"],
        "bob left; token retired",
    );
    let mut outputs = Vec::new();
    for args in [&["diff"][..], &["diff", "--output", "json"], &["apply"]] {
        let (stdout, stderr) = run_traced(&env, args, &repo, &id);
        assert!(
            contains(&stdout, BOB) && contains(&stdout, TOKEN),
            "{args:?}: {}",
            String::from_utf8_lossy(&stdout)
        );
        assert!(!contains(&stdout, TOKEN_VALUE) && !contains(&stderr, TOKEN_VALUE));
        outputs.extend([stdout, stderr]);
    }
    assert_eq!(env.kv().get(BOB), None, "pruned");
    assert_eq!(env.kv().get(TOKEN), None, "pruned");
    assert_eq!(env.kv().get(ALICE).unwrap(), CANARY.as_bytes());
    assert_no_canary(&env, &repo, &outputs);
    env.fsck(&repo);
}

/// A key with an age file that no `secrets.keys` pattern names (the pattern was removed
/// later) is still a secret to persist: a change in etcd is sealed, never committed plain.
#[test]
fn persist_seals_a_secret_no_pattern_names() {
    let env = TestEnv::new();
    let (id, public) = keygen(&env, "id.txt");
    let repo = applied_with_two_secrets(&env, &id, &public);
    const TOKEN: &str = "/net/params/api-token";
    const TOKEN_FILE: &str = "kv/params/api-token.age";
    let token = seal(TOKEN, b"canary-token-first-Hh2", &[&public]);
    env.commit_files(&repo, &[(TOKEN_FILE, &token)], &[], "token");
    run_traced(&env, &["apply"], &repo, &id);
    let rotated = "canary-token-rotated-in-etcd-Jq8";
    env.kv().put(TOKEN, rotated);
    let (stdout, stderr) = run_traced_with(&env, &["persist"], &repo, None);
    assert!(!contains(&stdout, rotated) && !contains(&stderr, rotated));
    let sealed = blob(&env, &repo, "main", TOKEN_FILE);
    assert_eq!(open(TOKEN, &sealed, &id), rotated.as_bytes());
    assert_eq!(env.show_file(&repo, "main", "kv/params/api-token"), None);
    let objects = all_objects(&env, &repo);
    assert!(!contains(&objects, rotated), "plaintext in a Git object");
    assert!(!contains(&objects, "canary-token-first-Hh2"));
    env.fsck(&repo);
}

/// A saved plan names secrets by key and ciphertext blob id only: no plaintext of either
/// side in it, and `apply --plan` writes the reviewed rotation.
#[test]
fn a_saved_plan_holds_no_secret_plaintext() {
    let env = TestEnv::new();
    let (id, public) = keygen(&env, "id.txt");
    let repo = applied_with_two_secrets(&env, &id, &public);
    let rotated = seal(ALICE, CANARY2.as_bytes(), &[&public]);
    env.commit_files(&repo, &[(ALICE_FILE, &rotated)], &[], "rotate alice");
    let plan = env.root().join("rotation.plan");
    let path = plan.to_str().unwrap().to_owned();
    let (stdout, stderr) = run_traced(&env, &["diff", "--out", &path], &repo, &id);
    let text = std::fs::read(&plan).unwrap();
    assert!(contains(&text, ALICE), "the key is named");
    assert_no_canary(&env, &repo, &[text, stdout, stderr]);
    let (stdout, stderr) = run_traced(&env, &["apply", "--plan", &path], &repo, &id);
    assert_eq!(env.kv().get(ALICE).unwrap(), CANARY2.as_bytes());
    assert_no_canary(&env, &repo, &[stdout, stderr]);
}

/// Persist in a checked-out clone: a secret changed in etcd updates its age file in the
/// working tree; a secret gaining a child moves to `password/%self.age` and back, files and
/// index following, `git status` clean each time, and no plaintext anywhere in Git.
#[test]
fn persist_moves_secrets_in_a_checked_out_clone() {
    let env = TestEnv::new();
    let (id, public) = keygen(&env, "id.txt");
    let work = env.init_repo("work", false);
    let sealed = seal(ALICE, CANARY.as_bytes(), &[&public]);
    env.commit_files(
        &work,
        &[
            ("netsync.toml", config(&[&public]).as_bytes()),
            ("kv/params/mtu", b"1420"),
            ("kv/params/a", b"1"),
            ("kv/params/b", b"2"),
            ("kv/params/c", b"3"),
            (ALICE_FILE, &sealed),
        ],
        &[],
        "network",
    );
    run_traced(&env, &["apply"], &work, &id);
    let porcelain = || env.git(&work, ["status", "--porcelain", "--untracked-files=all"]);

    env.kv().put(ALICE, CANARY2);
    let mut outputs = vec![];
    let (o, e) = run_traced_with(&env, &["persist"], &work, None);
    outputs.extend([o, e]);
    let on_disk = std::fs::read(work.join(ALICE_FILE)).unwrap();
    assert_eq!(open(ALICE, &on_disk, &id), CANARY2.as_bytes());
    assert_eq!(porcelain(), "");

    // A child: the secret's own file moves under a folder named after it.
    env.kv()
        .put("/net/users/alice/password/history", "rotated 2026-12");
    let (o, e) = run_traced_with(&env, &["persist"], &work, None);
    outputs.extend([o, e]);
    let moved = "kv/users/alice/password/%self.age";
    assert!(
        work.join(moved).is_file(),
        "{}",
        env.git(&work, ["ls-files"])
    );
    assert!(!work.join(ALICE_FILE).exists());
    assert_eq!(
        open(ALICE, &std::fs::read(work.join(moved)).unwrap(), &id),
        CANARY2.as_bytes()
    );
    assert_eq!(porcelain(), "");

    // The child goes: back to a file, the ciphertext byte for byte.
    let before = std::fs::read(work.join(moved)).unwrap();
    env.kv().delete("/net/users/alice/password/history");
    let (o, e) = run_traced_with(&env, &["persist"], &work, None);
    outputs.extend([o, e]);
    assert!(work.join(ALICE_FILE).is_file());
    assert!(!work.join("kv/users/alice/password").is_dir());
    assert_eq!(
        std::fs::read(work.join(ALICE_FILE)).unwrap(),
        before,
        "no churn"
    );
    assert_eq!(porcelain(), "");
    assert_no_canary(&env, &work, &outputs);
    env.fsck(&work);
}

/// A key that only the branch tip keeps as an age file (committed after the sync point, no
/// pattern naming it): persist reads etcd's value of it as a secret and seals it, never
/// committing it plain (`--prefer etcd`: both sides added it).
#[test]
fn persist_seals_a_key_only_the_tip_keeps_as_an_age_file() {
    let env = TestEnv::new();
    let (id, public) = keygen(&env, "id.txt");
    let repo = applied_with_two_secrets(&env, &id, &public);
    const TOKEN: &str = "/net/params/api-token";
    const TOKEN_FILE: &str = "kv/params/api-token.age";
    let sealed = seal(TOKEN, b"canary-token-in-git-Rr5", &[&public]);
    env.commit_files(
        &repo,
        &[(TOKEN_FILE, &sealed)],
        &[],
        "token, not applied yet",
    );
    let in_etcd = "canary-token-in-etcd-Tt6";
    env.kv().put(TOKEN, in_etcd);
    let (stdout, stderr) = run_traced_with(&env, &["persist", "--prefer", "etcd"], &repo, None);
    assert!(!contains(&stdout, in_etcd) && !contains(&stderr, in_etcd));
    let committed = blob(&env, &repo, "main", TOKEN_FILE);
    assert_eq!(open(TOKEN, &committed, &id), in_etcd.as_bytes());
    assert_eq!(env.show_file(&repo, "main", "kv/params/api-token"), None);
    assert!(
        !contains(&all_objects(&env, &repo), in_etcd),
        "plaintext in a Git object"
    );
    env.fsck(&repo);
}

/// The same password put into etcd again (a config tool that rewrites every key): with an
/// identity persist compares it with Git's and commits nothing; without one it cannot tell
/// and encrypts it anew (one commit, the value unchanged).
#[test]
fn a_secret_put_again_with_the_same_value_is_no_commit_when_persist_can_compare() {
    let env = TestEnv::new();
    let (id, public) = keygen(&env, "id.txt");
    let repo = applied_with_two_secrets(&env, &id, &public);
    let in_sync = || {
        let diff = ["diff", "--exit-code", "--identity", id.to_str().unwrap()];
        env.netsync_ok(&diff, &repo);
    };
    env.kv().put(BOB, BOB_VALUE);
    let head = env.head(&repo);
    let out = env
        .netsync()
        .args(["persist", "--no-push", "--repo"])
        .arg(&repo)
        .arg("--identity")
        .arg(&id)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(env.head(&repo), head, "a commit for an unchanged value");
    in_sync();

    // Without an identity: encrypted anew, and still the same value.
    env.netsync_ok(&["persist", "--no-push"], &repo);
    assert_ne!(env.head(&repo), head);
    in_sync();
    assert_no_canary(&env, &repo, &[out.stdout, out.stderr]);
}
