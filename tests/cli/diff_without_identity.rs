//! `diff` without a private key shows everything it can: plain keys in full, secrets the sync
//! point decides (same ciphertext, etcd not written since) as unchanged, the others as "not
//! compared: no identity", counted as differences; a saved plan is refused, `apply` still
//! needs the key, and no plaintext is ever printed.

use std::path::{Path, PathBuf};
use std::process::Output;

use serde_json::Value;

use crate::harness::TestEnv;
use crate::secrets::{contains, keygen, seal, sealed_repo, ALICE, CANARY};

const BOB: &str = "/net/users/bob/password";
const CAROL: &str = "/net/users/carol/password";
const DAVE: &str = "/net/users/dave/password";
const ERIN: &str = "/net/users/erin/password";
const CANARIES: [&str; 8] = [
    CANARY,
    "canary-bob-J4nQ",
    "canary-carol-unchanged-T8wd",
    "canary-erin-Vy2k",
    "canary-alice-rotated-in-git-P0sc",
    "canary-bob-changed-in-etcd-Hx7e",
    "canary-dave-added-in-git-Qm1r",
    "canary-erin-both-sides-Zt6u",
];

fn file(key: &str) -> String {
    format!("kv{}.age", key.strip_prefix("/net").unwrap())
}

/// `netsync diff ARGS` on `repo` with no identity anywhere; asserts no canary is printed.
fn diff(env: &TestEnv, repo: &Path, args: &[&str]) -> Output {
    let out = env
        .netsync()
        .env_remove("NETSYNC_IDENTITY_FILE")
        .arg("diff")
        .args(args)
        .arg("--repo")
        .arg(repo)
        .output()
        .unwrap();
    for canary in CANARIES {
        assert!(
            !contains(&out.stdout, canary),
            "{args:?}: {canary} on stdout"
        );
        assert!(
            !contains(&out.stderr, canary),
            "{args:?}: {canary} on stderr"
        );
    }
    out
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Commit `secrets` (key, value), sealed to `public`, and `plain` files on `repo`.
fn commit(
    env: &TestEnv,
    repo: &Path,
    public: &str,
    secrets: &[(&str, &str)],
    plain: (&str, &[u8]),
    message: &str,
) {
    let sealed: Vec<(String, Vec<u8>)> = secrets
        .iter()
        .map(|(key, value)| (file(key), seal(key, value.as_bytes(), &[public])))
        .collect();
    let mut files: Vec<(&str, &[u8])> = sealed
        .iter()
        .map(|(path, bytes)| (path.as_str(), bytes.as_slice()))
        .collect();
    files.push(plain);
    env.commit_files(repo, &files, &[], message);
}

/// `apply` with the identity `id`, which must succeed.
fn apply(env: &TestEnv, repo: &Path, id: &Path) {
    env.netsync()
        .args(["apply", "--repo"])
        .arg(repo)
        .arg("--identity")
        .arg(id)
        .assert()
        .success();
}

/// Alice, Bob, Carol and Erin's passwords and two plain keys, applied (sync point recorded);
/// then Alice's rotated in Git, Bob's changed in etcd, Dave's added in Git, Erin's changed on
/// both sides; Carol's untouched; the MTU changed in Git, DNS changed and a key added in etcd.
fn changed_everywhere() -> (TestEnv, PathBuf, PathBuf) {
    let env = TestEnv::new();
    let (id, public) = keygen(&env, "id.txt");
    let repo = sealed_repo(&env, &public);
    let secrets = [
        (BOB, CANARIES[1]),
        (CAROL, CANARIES[2]),
        (ERIN, CANARIES[3]),
    ];
    let dns = ("kv/params/dns", &b"1.1.1.1\n"[..]);
    commit(&env, &repo, &public, &secrets, dns, "more secrets");
    apply(&env, &repo, &id);
    let secrets = [
        (ALICE, CANARIES[4]),
        (DAVE, CANARIES[6]),
        (ERIN, CANARIES[7]),
    ];
    let mtu = ("kv/params/mtu", &b"1380"[..]);
    commit(
        &env,
        &repo,
        &public,
        &secrets,
        mtu,
        "rotate alice and erin, add dave",
    );
    env.kv().put(BOB, CANARIES[5]);
    env.kv().put(ERIN, CANARIES[7]);
    env.kv().put("/net/params/dns", "9.9.9.9\n");
    env.kv().put("/net/params/new", "hello\n");
    (env, repo, id)
}

fn change<'a>(doc: &'a Value, key: &str) -> &'a Value {
    doc["changes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["key"] == key)
        .unwrap_or_else(|| panic!("{key} not in {doc}"))
}

#[test]
fn plain_keys_in_full_and_each_undecidable_secret_not_compared() {
    let (env, repo, id) = changed_everywhere();
    let out = diff(&env, &repo, &[]);
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    assert!(out.status.success(), "{stderr}");
    for line in [
        "~ change /net/params/mtu  (kv/params/mtu)",
        "    -1420",
        "    +1380",
        "? change /net/users/alice/password  (kv/users/alice/password.age)",
        "+ add    /net/users/dave/password  (kv/users/dave/password.age)",
        "    secret added (size unknown: no identity)",
        "~ changed in etcd /net/params/dns  (kv/params/dns)",
        "    +9.9.9.9",
        "+ added in etcd   /net/params/new",
        "? changed in etcd /net/users/bob/password  (kv/users/bob/password.age)",
        "? conflict        /net/users/erin/password  (kv/users/erin/password.age)  (changed in Git, changed in etcd)",
        "1 to add, 2 to change, 0 to delete, 1 unchanged, 3 drift kept, 1 conflicts, 3 secrets not compared (counted as differences)",
    ] {
        assert!(stdout.contains(line), "no {line:?} in:\n{stdout}");
    }
    let alice = &stdout[stdout.find(ALICE).unwrap()..];
    assert!(
        alice.starts_with(&format!(
            "{ALICE}  (kv/users/alice/password.age)\n    not compared: no identity to decrypt Git's age file (etcd holds {} bytes)\n",
            CANARY.len()
        )),
        "{alice}"
    );
    assert_eq!(
        stdout.matches("not compared: no identity").count(),
        3,
        "{stdout}"
    );
    // Carol's ciphertext and etcd value are the sync point's: unchanged, decided unread.
    assert!(!stdout.contains(CAROL), "{stdout}");
    assert!(
        stderr.contains(
            "warning: 3 secret(s) not compared: no identity to decrypt them, so they count as differences; pass --identity FILE"
        ),
        "{stderr}"
    );

    // With the key, the same diff, every secret compared; the plain keys exactly as before.
    let keyed = env.netsync_ok(&["diff", "--identity", id.to_str().unwrap()], &repo);
    assert!(!keyed.contains("not compared"), "{keyed}");
    assert!(
        keyed.contains("~ change /net/users/alice/password"),
        "{keyed}"
    );
    let plain = |s: &str| -> String {
        let start = s.find("~ changed in etcd /net/params/dns").unwrap();
        let end = s[start..]
            .find("? ")
            .or(s[start..].find("~ changed in etcd /net/users"));
        s[start..start + end.unwrap()].to_owned()
    };
    assert_eq!(plain(&stdout), plain(&keyed));
    let mtu = |s: &str| s[s.find("/net/params/mtu").unwrap()..][..60].to_owned();
    assert_eq!(mtu(&stdout), mtu(&keyed));
}

#[test]
fn json_marks_what_was_not_compared_and_agrees_with_the_keyed_diff_elsewhere() {
    let (env, repo, id) = changed_everywhere();
    let out = diff(&env, &repo, &["--output", "json"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let doc = crate::harness::json_doc(&out.stdout);
    assert_eq!(doc["summary"]["not_compared"], 3, "{doc}");
    assert_eq!(doc["summary"]["unchanged"], 1, "{doc}");
    let alice = change(&doc, ALICE);
    assert_eq!(alice["not_compared"], "no_identity", "{alice}");
    assert_eq!(alice["class"], "git_only");
    assert_eq!(alice["old"], serde_json::json!({"size": CANARY.len()}));
    assert_eq!(alice["new"], serde_json::json!({"sealed": true}));
    let bob = change(&doc, BOB);
    assert_eq!(bob["not_compared"], "no_identity", "{bob}");
    assert_eq!(
        (&bob["class"], &bob["side"]),
        (&"etcd_only".into(), &"etcd".into())
    );
    assert_eq!(
        bob["old"],
        serde_json::json!({"sealed": true}),
        "Git's value"
    );
    assert_eq!(bob["new"]["size"], CANARIES[5].len());
    assert_eq!(change(&doc, ERIN)["not_compared"], "no_identity");
    // Dave's is an add whatever the plaintext: decided, only its size unknown.
    let dave = change(&doc, DAVE);
    assert!(dave.get("not_compared").is_none(), "{dave}");
    assert_eq!(
        (&dave["action"], &dave["old"]),
        (&"add".into(), &Value::Null)
    );
    assert_eq!(dave["new"], serde_json::json!({"sealed": true}));
    assert!(doc["changes"]
        .as_array()
        .unwrap()
        .iter()
        .all(|c| c["key"] != CAROL));

    let keyed = crate::harness::json_doc(env.netsync_ok(
        &[
            "diff",
            "--output",
            "json",
            "--identity",
            id.to_str().unwrap(),
        ],
        &repo,
    ));
    assert_eq!(keyed["summary"]["not_compared"], 0, "{keyed}");
    for key in ["/net/params/mtu", "/net/params/dns", "/net/params/new"] {
        assert_eq!(change(&doc, key), change(&keyed, key), "{key}");
    }
    assert!(change(&keyed, ALICE).get("not_compared").is_none());
}

#[test]
fn exit_code_counts_not_compared_and_a_saved_plan_is_refused() {
    let (env, repo, _) = changed_everywhere();
    let out = diff(&env, &repo, &["--exit-code", "-q"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));

    let plan = env.root().join("reviewed.plan");
    let out = diff(&env, &repo, &["--out", plan.to_str().unwrap()]);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.starts_with(&format!(
            "error: not saving the plan: 3 secret(s) were not compared ({ALICE}, {BOB}, {ERIN})"
        )),
        "{stderr}"
    );
    assert!(stderr.contains("hint: pass --identity FILE"), "{stderr}");
    assert!(out.stdout.is_empty(), "no diff under a refusal");
    assert!(!plan.exists() && !plan.with_extension("netsync-tmp").exists());

    // apply needs the plaintext: it refuses as before, writing nothing.
    let before = env.kv().dump_all();
    let revision = env.kv().revision();
    let out = env
        .netsync()
        .args(["apply", "--repo"])
        .arg(&repo)
        .output()
        .unwrap();
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.starts_with("error: no identity to decrypt"),
        "{stderr}"
    );
    assert_eq!(env.kv().dump_all(), before);
    assert_eq!(env.kv().revision(), revision);
}

/// A secret the sync point decides is no reason to need a key: with only plain changes, the
/// diff is complete (no warning), exits as the plain keys say, and can be saved.
#[test]
fn secrets_unchanged_since_the_sync_point_need_no_identity() {
    let env = TestEnv::new();
    let (id, public) = keygen(&env, "id.txt");
    let repo = sealed_repo(&env, &public);
    apply(&env, &repo, &id);
    let out = diff(&env, &repo, &["--exit-code"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).starts_with("no differences: "),
        "{}",
        text(&out.stdout)
    );
    assert!(out.stderr.is_empty(), "{}", text(&out.stderr));

    env.commit_files(&repo, &[("kv/params/mtu", b"1380")], &[], "mtu");
    let plan = env.root().join("reviewed.plan");
    let out = diff(
        &env,
        &repo,
        &["--exit-code", "--out", plan.to_str().unwrap()],
    );
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stdout.contains("1 to change, 0 to delete, 1 unchanged"),
        "{stdout}"
    );
    assert!(
        !stdout.contains(ALICE) && !stderr.contains("warning"),
        "{stdout}{stderr}"
    );
    assert!(plan.exists());
}

/// Only the absence of any identity degrades the diff: a wrong identity stays an error, and a
/// file that is no age ciphertext is found corrupt without a key.
#[test]
fn a_wrong_identity_or_a_broken_age_file_is_still_an_error() {
    let (env, repo, _) = changed_everywhere();
    let (other, _) = keygen(&env, "other.txt");
    let out = diff(&env, &repo, &["--identity", other.to_str().unwrap()]);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("none of the identities"), "{stderr}");

    env.commit_files(&repo, &[(&file(ALICE), b"not age at all\n")], &[], "break");
    let out = diff(&env, &repo, &[]);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains(&format!(
            "the ciphertext of {ALICE} is corrupt or was tampered with (not an ASCII-armored age file)"
        )),
        "{stderr}"
    );
}
