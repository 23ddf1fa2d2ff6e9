//! `netsync log` against real etcd and real Git: a key changed by apply (a person's commit)
//! and by persist (from etcd), followed through a `%self` move and a rename of its folder
//! in netsync.toml; a secret's history without and with an identity, no plaintext anywhere.

use std::path::Path;

use crate::harness::TestEnv;
use crate::secrets::{contains, keygen, sealed_repo, ALICE, CANARY};

const TOML: &str =
    "version = 1\nbranch = \"main\"\n\n[[mapping]]\nprefix = \"/net/\"\ndir = \"kv\"\n";

fn log(env: &TestEnv, repo: &Path, args: &[&str]) -> serde_json::Value {
    let out = env.netsync_ok(&[&["log", "--output", "json"], args].concat(), repo);
    crate::harness::json_doc(&out)
}

/// (change, origin side, old path, new path) of each entry, newest first.
fn summary(doc: &serde_json::Value) -> Vec<(String, String, String, String)> {
    let path = |v: &serde_json::Value| v["path"].as_str().unwrap_or("-").to_owned();
    doc["log"]["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["change"].as_str().unwrap().to_owned(),
                e["origin"]["side"].as_str().unwrap().to_owned(),
                path(&e["old"]),
                path(&e["new"]),
            )
        })
        .collect()
}

#[test]
fn log_follows_a_key_through_apply_persist_a_self_move_and_a_folder_rename() {
    let env = TestEnv::new();
    let repo = env.init_repo("network.git", true);
    env.commit_files(
        &repo,
        &[
            ("netsync.toml", TOML.as_bytes()),
            ("kv/params/mtu", b"1420\n"),
            ("kv/tree", b"v1\n"),
        ],
        &[],
        "Add the network",
    );
    env.netsync_ok(&["apply"], &repo);
    env.kv().put("/net/tree", "v2 from etcd\n");
    env.netsync_ok(&["persist"], &repo);
    let persisted = env.head(&repo);
    // The key gains a child: its value moves into its folder, as %self.
    env.commit_files(
        &repo,
        &[
            ("kv/tree/%self", b"v2 from etcd\n"),
            ("kv/tree/leaf", b"child\n"),
        ],
        &["kv/tree"],
        "Give tree a leaf",
    );
    env.netsync_ok(&["apply"], &repo);
    // The mapping's folder is renamed in netsync.toml, every file moved along.
    let files = env.tree_files(&repo, "HEAD");
    let mut moved: Vec<(String, Vec<u8>)> = files
        .iter()
        .filter_map(|(p, v)| {
            p.strip_prefix("kv/")
                .map(|r| (format!("data/{r}"), v.clone()))
        })
        .collect();
    moved.push((
        "netsync.toml".into(),
        TOML.replace("\"kv\"", "\"data\"").into_bytes(),
    ));
    let refs: Vec<(&str, &[u8])> = moved
        .iter()
        .map(|(p, v)| (p.as_str(), v.as_slice()))
        .collect();
    let old: Vec<&str> = files
        .keys()
        .filter(|p| p.starts_with("kv/"))
        .map(String::as_str)
        .collect();
    env.commit_files(&repo, &refs, &old, "Rename kv to data");
    env.netsync_ok(&["apply"], &repo);
    env.kv().put("/net/tree", "v3 from etcd\n");
    env.netsync_ok(&["persist"], &repo);
    env.commit_files(
        &repo,
        &[("data/tree/%self", b"v4 by a person\n")],
        &[],
        "Set tree to v4",
    );
    env.netsync_ok(&["apply"], &repo);
    assert_eq!(env.kv().get("/net/tree").unwrap(), b"v4 by a person\n");

    let doc = log(&env, &repo, &["/net/tree"]);
    let expected = [
        ("changed", "git", "data/tree/%self", "data/tree/%self"),
        ("changed", "etcd", "data/tree/%self", "data/tree/%self"),
        ("moved", "git", "kv/tree/%self", "data/tree/%self"),
        ("moved", "git", "kv/tree", "kv/tree/%self"),
        ("changed", "etcd", "kv/tree", "kv/tree"),
        ("added", "git", "-", "kv/tree"),
    ];
    let got = summary(&doc);
    let want: Vec<(String, String, String, String)> = expected
        .iter()
        .map(|(a, b, c, d)| (a.to_string(), b.to_string(), c.to_string(), d.to_string()))
        .collect();
    assert_eq!(got, want, "{doc:#}");
    let entries = doc["log"]["entries"].as_array().unwrap();
    assert_eq!(entries[0]["author"]["name"], "Test Author");
    assert_eq!(entries[0]["summary"], "Set tree to v4");
    assert_eq!(
        entries[0]["diff"],
        "--- before\n+++ after\n@@ -1 +1 @@\n-v3 from etcd\n+v4 by a person\n"
    );
    let etcd = &entries[4];
    assert_eq!(etcd["commit"], persisted);
    assert!(
        etcd["origin"]["etcd_revision"].as_i64().unwrap() > 0,
        "{etcd}"
    );
    assert!(etcd["origin"]["host"].is_string(), "{etcd}");
    assert_eq!(
        etcd["origin"]["cluster_id"],
        format!("{:x}", env.kv().ids().0)
    );
    assert!(entries[2].get("diff").is_none(), "a move has no diff");

    // The other key's history is its own: the rename moved it, nothing else touched it.
    let mtu = summary(&log(&env, &repo, &["/net/params/mtu"]));
    assert_eq!(mtu.len(), 2, "{mtu:?}");
    assert_eq!((mtu[0].0.as_str(), mtu[1].0.as_str()), ("moved", "added"));

    // --max-count, --since/--until (the fixture's person commits are dated 2024-01-01,
    // persist's now) and the human form.
    assert_eq!(
        summary(&log(&env, &repo, &["/net/tree", "-n", "2"])).len(),
        2
    );
    let recent = summary(&log(&env, &repo, &["/net/tree", "--since", "1day"]));
    assert_eq!(
        recent.len(),
        2,
        "only the persist commits are recent: {recent:?}"
    );
    assert!(recent.iter().all(|e| e.1 == "etcd"));
    let old = summary(&log(&env, &repo, &["/net/tree", "--until", "2024-01-02"]));
    assert_eq!(old.len(), 4, "{old:?}");
    let human = env.netsync_ok(&["log", "/net/tree"], &repo);
    assert!(human.contains("(from etcd: persisted by "), "{human}");
    assert!(
        human.contains("    moved kv/tree -> kv/tree/%self (value unchanged)"),
        "{human}"
    );
    assert!(
        human.contains("    -v3 from etcd\n    +v4 by a person\n"),
        "{human}"
    );
    // A bad --since is a usage error naming the flag.
    env.netsync()
        .args(["log", "/net/tree", "--since", "soonish", "--repo"])
        .arg(&repo)
        .assert()
        .code(64)
        .stderr(predicates::str::contains(
            "--since \"soonish\" is not a date",
        ));
    env.netsync()
        .args(["log", "/network/tree", "--repo"])
        .arg(&repo)
        .assert()
        .code(1)
        .stderr(predicates::str::contains(
            "error: /network/tree is under no mapping prefix of netsync.toml at main (prefixes: /net/)",
        ));
    env.fsck(&repo);
}

#[test]
fn a_secrets_history_shows_sizes_and_whether_the_plaintext_changed_never_the_value() {
    let env = TestEnv::new();
    let (id, public) = keygen(&env, "id.txt");
    let repo = sealed_repo(&env, &public);
    let id_arg = id.to_str().unwrap();
    env.netsync_ok(&["apply", "--identity", id_arg], &repo);
    env.kv().put(ALICE, "canary-rotated-in-etcd");
    env.netsync_ok(&["persist"], &repo);
    env.netsync_ok(&["secret", "rekey", "--identity", id_arg], &repo);

    let mut outputs = Vec::new();
    let doc = log(&env, &repo, &[ALICE, "--identity", id_arg]);
    outputs.push(doc.to_string());
    let entries = doc["log"]["entries"].as_array().unwrap();
    assert_eq!(entries.len(), 3, "{doc:#}");
    assert_eq!(
        entries[0]["summary"].as_str().unwrap().split(' ').next(),
        Some("Re-encrypt")
    );
    assert_eq!(entries[0]["plaintext_changed"], false, "{doc:#}");
    assert_eq!(entries[1]["origin"]["side"], "etcd");
    assert_eq!(entries[1]["plaintext_changed"], true);
    assert_eq!(
        entries[1]["new"]["plaintext_size"],
        "canary-rotated-in-etcd".len()
    );
    assert_eq!(entries[2]["change"], "added");
    for e in entries {
        assert_eq!(e["redacted"], true);
        assert!(
            e.get("diff").is_none() && e.get("new_value").is_none(),
            "{e}"
        );
    }
    // Without an identity: the ciphertext changed, the plaintext was not compared.
    let out = env
        .netsync()
        .env_remove("NETSYNC_IDENTITY_FILE")
        .args(["log", ALICE, "--repo"])
        .arg(&repo)
        .output()
        .unwrap();
    assert!(out.status.success());
    let human = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        human.contains("plaintext not compared (no identity: pass --identity)"),
        "{human}"
    );
    outputs.push(human);
    outputs.push(env.netsync_ok(&["log", ALICE, "--identity", id_arg], &repo));
    for output in &outputs {
        for canary in [CANARY, "canary-rotated-in-etcd"] {
            assert!(
                !contains(output.as_bytes(), canary),
                "log printed a secret: {output}"
            );
        }
    }
}
