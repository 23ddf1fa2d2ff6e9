//! `netsync verify` (the recovery drill) and `restore --dry-run` against real etcd and real
//! bare remotes: green on a good backup; red on a remote with a deleted blob, a truncated
//! (shallow) history, a secret encrypted to a lost key, a plaintext secret, a remote behind
//! the sync point; etcd and every repository untouched; no plaintext in any output.

use std::path::{Path, PathBuf};

use crate::harness::{Etcd, Kv, TestEnv};
use crate::secrets::{contains, keygen, seal, ALICE, CANARY};

const ALICE_FILE: &str = "kv/users/alice/password.age";

fn toml(public: &str, remotes: &[&Path]) -> String {
    let remotes: Vec<String> = remotes
        .iter()
        .map(|r| format!("{:?}", r.display().to_string()))
        .collect();
    format!(
        "version = 1\nbranch = \"main\"\n\n[[mapping]]\nprefix = \"/net/\"\ndir = \"kv\"\n\n\
         [secrets]\nkeys = [\"/net/users/*/password\"]\nrecipients = [{public:?}]\n\n\
         [persist]\nremotes = [{}]\n",
        remotes.join(", ")
    )
}

/// A network with a secret in `origin.git`, cloned to `local.git`, applied, changed in etcd
/// and persisted to origin and `backup.git`. Returns (env, local, origin, backup, identity).
fn drilled() -> (TestEnv, PathBuf, PathBuf, PathBuf, PathBuf) {
    let env = TestEnv::new();
    let (id, public) = keygen(&env, "recovery.txt");
    let origin = env.init_repo("origin.git", true);
    let backup = env.init_repo("backup.git", true);
    env.commit_files(
        &origin,
        &[
            (
                "netsync.toml",
                toml(&public, &[&origin, &backup]).as_bytes(),
            ),
            ("kv/params/mtu", b"1420\n"),
            ("kv/users/alice/profile", b"{\"name\": \"Alice\"}\n"),
            (ALICE_FILE, &seal(ALICE, CANARY.as_bytes(), &[&public])),
        ],
        &[],
        "The network",
    );
    let local = env.clone_bare(&origin, "local.git");
    let id_arg = id.to_str().unwrap().to_owned();
    env.netsync_ok(&["apply", "--identity", &id_arg], &local);
    env.kv().put("/net/params/mtu", "1380\n");
    env.kv().put("/net/params/dns", "10.0.0.53\n");
    env.netsync_ok(&["persist"], &local);
    assert_eq!(
        env.rev_parse(&backup, "main"),
        env.rev_parse(&origin, "main")
    );
    (env, local, origin, backup, id)
}

/// `verify --output json` with `args`; (exit code, document, stdout and stderr).
fn verify(env: &TestEnv, local: &Path, args: &[&str]) -> (i32, serde_json::Value, String) {
    let out = env
        .netsync()
        .env("RUST_LOG", "netsync=trace")
        .args(["verify", "--output", "json", "--repo"])
        .arg(local)
        .args(args)
        .output()
        .unwrap();
    let text =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    assert!(
        !contains(text.as_bytes(), CANARY),
        "verify printed the secret: {text}"
    );
    assert!(!out.stdout.is_empty(), "verify printed no document: {text}");
    let doc = crate::harness::json_doc(&out.stdout);
    (out.status.code().unwrap(), doc, text)
}

/// The status of `check` of the only remote of `doc`, and its detail.
fn check(doc: &serde_json::Value, name: &str) -> (String, String) {
    let checks = doc["verify"]["remotes"][0]["checks"].as_array().unwrap();
    let c = checks
        .iter()
        .find(|c| c["check"] == name)
        .unwrap_or_else(|| panic!("{doc:#}"));
    (
        c["status"].as_str().unwrap().to_owned(),
        c["detail"].as_str().unwrap().to_owned() + &c["keys"].to_string(),
    )
}

/// A copy of `src` made by fetching into a new bare repository with every object loose.
fn loose_copy(env: &TestEnv, src: &Path, name: &str) -> PathBuf {
    let copy = env.init_repo(name, true);
    env.git(
        &copy,
        [
            "-c",
            "fetch.unpackLimit=1000000",
            "fetch",
            "-q",
            src.to_str().unwrap(),
            "main:main",
        ],
    );
    copy
}

/// Everything etcd holds and every ref of `repos`: a drill changes none of it.
fn state(env: &TestEnv, repos: &[&Path]) -> (Dump, Vec<String>) {
    let refs = repos.iter().map(|r| env.git(r, ["for-each-ref"])).collect();
    (env.kv().dump_all(), refs)
}

type Dump = std::collections::BTreeMap<Vec<u8>, Vec<u8>>;

#[test]
fn a_good_backup_passes_the_drill_and_nothing_is_touched() {
    let (env, local, origin, backup, id) = drilled();
    let id_arg = id.to_str().unwrap();
    // Drift after the sync point: counted, not compared, not a failure.
    env.kv().put("/net/params/ntp", "10.0.0.123\n");
    let before = state(&env, &[&local, &origin, &backup]);
    let (code, doc, _) = verify(&env, &local, &["--identity", id_arg]);
    assert_eq!(code, 0, "{doc:#}");
    let v = &doc["verify"];
    assert_eq!(doc["command"], "verify");
    assert_eq!(v["ok"], true);
    assert_eq!(v["sync_point"]["commit"], env.rev_parse(&origin, "main"));
    let remotes = v["remotes"].as_array().unwrap();
    assert_eq!(remotes.len(), 2);
    for r in remotes {
        assert_eq!(r["ok"], true, "{r:#}");
        assert_eq!(r["keys"], 4);
        assert_eq!(r["secrets"], 1);
        assert_eq!(r["commits"], 2);
        for c in r["checks"].as_array().unwrap() {
            assert_eq!(c["status"], "passed", "{c}");
        }
        let cmp = &r["compare"];
        assert_eq!(
            (cmp["compared"].as_u64(), cmp["equal"].as_u64()),
            (Some(4), Some(4)),
            "{cmp}"
        );
        assert_eq!(cmp["changed_since"], 1);
    }
    assert_eq!(
        state(&env, &[&local, &origin, &backup]),
        before,
        "the drill changed something"
    );
    env.fsck(&local);

    // Human and OpenMetrics say the same.
    let human = env.netsync_ok(&["verify", "--identity", id_arg], &local);
    assert!(
        human.contains(&format!("remote {}: PASSED", origin.display())),
        "{human}"
    );
    assert!(
        human.contains("2 of 2 remote(s) passed the drill"),
        "{human}"
    );
    assert!(!human.contains(CANARY));
    let metrics = env.netsync_ok(
        &["verify", "--identity", id_arg, "--output", "openmetrics"],
        &local,
    );
    assert!(
        metrics.contains(&format!(
            "netsync_verify_success{{remote=\"{}\"}} 1",
            backup.display()
        )),
        "{metrics}"
    );
    assert!(
        metrics.contains("netsync_verify_check_passed{remote="),
        "{metrics}"
    );
    assert!(metrics.ends_with("# EOF\n"), "{metrics}");

    // Without an identity the secrets are not proven: the drill fails, naming why.
    let (code, doc, _) = verify(&env, &local, &["--from", backup.to_str().unwrap()]);
    let code_without = code;
    let (status, detail) = check(&doc, "secrets");
    assert_eq!((code_without, status.as_str()), (7, "failed"), "{doc:#}");
    assert!(detail.contains("no identity"), "{detail}");

    // --offline: no etcd at all, the rest still proven.
    let (code, doc, _) = verify(
        &env,
        &local,
        &[
            "--offline",
            "--identity",
            id_arg,
            "--endpoints",
            "http://127.0.0.1:1",
        ],
    );
    assert_eq!(code, 0, "{doc:#}");
    assert_eq!(check(&doc, "compare").0, "skipped");
    assert_eq!(doc["verify"]["etcd"]["state"], "offline");

    // etcd unreachable: the backups are still drilled, and the etcd checks fail, saying why.
    let (code, doc, _) = verify(
        &env,
        &local,
        &[
            "--identity",
            id_arg,
            "--from",
            backup.to_str().unwrap(),
            "--endpoints",
            "http://127.0.0.1:1",
            "--dial-timeout",
            "1s",
        ],
    );
    assert_eq!(code, 7, "{doc:#}");
    assert_eq!(doc["verify"]["etcd"]["state"], "unreachable");
    assert_eq!(check(&doc, "secrets").0, "passed");
    let (status, detail) = check(&doc, "sync_point");
    assert_eq!(status, "failed");
    assert!(detail.starts_with("etcd not read: "), "{detail}");

    // A remote name of the local repository is fetched by its URL, outside that repository.
    let (code, doc, _) = verify(&env, &local, &["--identity", id_arg, "--from", "origin"]);
    assert_eq!(code, 0, "{doc:#}");
    assert_eq!(doc["verify"]["remotes"][0]["remote"], "origin");
    assert_eq!(doc["verify"]["remotes"][0]["url"], origin.to_str().unwrap());
    assert_eq!(state(&env, &[&local, &origin, &backup]).1, before.1);
}

#[test]
fn the_drill_fails_on_each_broken_backup_and_names_what_is_wrong() {
    let (env, local, origin, _backup, id) = drilled();
    let id_arg = id.to_str().unwrap();
    let before = state(&env, &[&local, &origin]);
    let run = |remote: &Path| {
        let (code, doc, text) = verify(
            &env,
            &local,
            &["--identity", id_arg, "--from", remote.to_str().unwrap()],
        );
        assert_eq!(code, 7, "{text}");
        assert_eq!(doc["verify"]["remotes"][0]["ok"], false);
        doc
    };

    // A deleted blob: the remote cannot send it.
    let deleted = loose_copy(&env, &origin, "deleted-blob.git");
    let blob = env.rev_parse(&deleted, "main:kv/users/alice/profile");
    std::fs::remove_file(deleted.join("objects").join(&blob[..2]).join(&blob[2..])).unwrap();
    let doc = run(&deleted);
    let (status, detail) = check(&doc, "fetch");
    assert_eq!(status, "failed");
    assert!(
        detail.contains(&blob[..7]) || detail.contains("object"),
        "{detail}"
    );
    assert_eq!(check(&doc, "tree").0, "skipped");

    // A truncated history: a shallow clone as the backup.
    let shallow = env.root().join("shallow.git");
    env.git(
        env.root(),
        [
            "clone",
            "-q",
            "--bare",
            "--depth",
            "1",
            &format!("file://{}", origin.display()),
            shallow.to_str().unwrap(),
        ],
    );
    let doc = run(&shallow);
    let (status, detail) = check(&doc, "history");
    assert_eq!(status, "failed");
    assert!(detail.contains("truncated"), "{detail}");

    // A secret encrypted to a key that is lost (not the recovery key).
    let (_, lost) = keygen(&env, "lost.txt");
    let lost_copy = loose_copy(&env, &origin, "lost-key.git");
    env.commit_files(
        &lost_copy,
        &[(
            "kv/users/bob/password.age",
            &seal("/net/users/bob/password", b"bob's", &[&lost]),
        )],
        &[],
        "bob",
    );
    let doc = run(&lost_copy);
    let (status, detail) = check(&doc, "secrets");
    assert_eq!(status, "failed");
    assert!(
        detail.contains("/net/users/bob/password (not encrypted to the identity)"),
        "{detail}"
    );
    assert_eq!(check(&doc, "values").0, "passed");

    // A plaintext secret.
    let plain = loose_copy(&env, &origin, "plaintext.git");
    env.commit_files(
        &plain,
        &[("kv/users/bob/password", b"hunter2")],
        &[],
        "oops",
    );
    let doc = run(&plain);
    let (status, detail) = check(&doc, "tree");
    assert_eq!(status, "failed");
    assert!(
        detail.contains("holds the value of secret key /net/users/bob/password in plaintext"),
        "{detail}"
    );

    // A remote behind the sync point: it lacks the persisted commit.
    let behind = loose_copy(&env, &origin, "behind.git");
    env.git(&behind, ["update-ref", "refs/heads/main", "main~1"]);
    let doc = run(&behind);
    let (status, detail) = check(&doc, "sync_point");
    assert_eq!(status, "failed");
    assert!(detail.contains("lacks the sync point's commit"), "{detail}");
    assert_eq!(check(&doc, "tree").0, "passed", "the rest is still checked");

    // A remote that does not answer.
    let doc = run(&env.root().join("nowhere.git"));
    assert_eq!(check(&doc, "fetch").0, "failed");

    assert_eq!(
        state(&env, &[&local, &origin]),
        before,
        "the drills changed something"
    );
}

#[test]
fn restore_dry_run_drills_the_target_and_writes_nothing() {
    let (env, _local, origin, _backup, id) = drilled();
    let id_arg = id.to_str().unwrap();
    let target = Etcd::start();
    let kv = Kv::connect(&target.endpoint());
    let out = env
        .netsync()
        .args([
            "restore",
            "--dry-run",
            "--identity",
            id_arg,
            "--endpoints",
            &target.endpoint(),
            "--from",
        ])
        .arg(&origin)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("dry run: would restore 4 keys"), "{stdout}");
    assert!(!contains(&out.stdout, CANARY) && !contains(&out.stderr, CANARY));
    assert!(kv.dump_all().is_empty(), "a dry run wrote to the target");

    // A target that holds keys: exit 3, as the restore itself would.
    let before = env.kv().dump_all();
    env.netsync()
        .args(["restore", "--dry-run", "--identity", id_arg, "--from"])
        .arg(&origin)
        .assert()
        .code(3)
        .stderr(predicates::str::contains("already holds"));
    assert_eq!(env.kv().dump_all(), before);
    // Without the identity: it stops where the restore would, before anything.
    env.netsync()
        .env_remove("NETSYNC_IDENTITY_FILE")
        .args([
            "restore",
            "--dry-run",
            "--endpoints",
            &target.endpoint(),
            "--from",
        ])
        .arg(&origin)
        .assert()
        .code(1)
        .stderr(predicates::str::contains("no identity"));
    assert!(kv.dump_all().is_empty());
}

/// `--repo network.git`, relative to where netsync runs: git must not be run inside it with
/// the same relative path (persist and verify both push or fetch through the git CLI).
#[test]
fn a_relative_repo_path_works_for_persist_and_verify() {
    let (env, _local, origin, _backup, id) = drilled();
    env.kv().put("/net/params/mtu", "1280\n");
    env.netsync()
        .args(["persist", "--repo", "local.git"])
        .assert()
        .success();
    assert_eq!(
        env.rev_parse(&origin, "main"),
        env.rev_parse(env.root().join("local.git"), "main")
    );
    env.netsync()
        .args(["verify", "--repo", "local.git", "--identity"])
        .arg(&id)
        .assert()
        .success()
        .stdout(predicates::str::contains(
            "2 of 2 remote(s) passed the drill",
        ));
}
