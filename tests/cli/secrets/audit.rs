//! `secret audit` against real Git: a recipient added, then removed, each found by reading
//! the age headers alone; `secret rekey` afterwards leaves the audit clean; an identity that
//! no longer decrypts is named; no output carries a value.

use std::path::Path;

use super::{config, contains, keygen, sealed_repo, ALICE, CANARY};
use crate::harness::TestEnv;

/// `secret audit --output json` with `extra` args; (exit code, document, stdout + stderr).
fn audit(env: &TestEnv, repo: &Path, extra: &[&str]) -> (i32, serde_json::Value, Vec<u8>) {
    let out = env
        .netsync()
        .env_remove("NETSYNC_IDENTITY_FILE")
        .args(["secret", "audit", "--output", "json", "--repo"])
        .arg(repo)
        .args(extra)
        .output()
        .unwrap();
    let mut all = out.stdout.clone();
    all.extend_from_slice(&out.stderr);
    assert!(
        !out.stdout.is_empty(),
        "audit printed no document: {}",
        String::from_utf8_lossy(&all)
    );
    let doc = crate::harness::json_doc(&out.stdout);
    (out.status.code().unwrap(), doc, all)
}

fn set_recipients(env: &TestEnv, repo: &Path, recipients: &[&str]) {
    env.commit_files(
        repo,
        &[("netsync.toml", config(recipients).as_bytes())],
        &[],
        "recipients",
    );
}

fn rekey(env: &TestEnv, repo: &Path, id: &Path) {
    env.netsync()
        .args(["secret", "rekey", "--repo"])
        .arg(repo)
        .arg("--identity")
        .arg(id)
        .assert()
        .success();
}

#[test]
fn audit_finds_added_and_removed_recipients_and_rekey_cleans_it() {
    let env = TestEnv::new();
    let (id_a, a) = keygen(&env, "a.txt");
    let (id_b, b) = keygen(&env, "b.txt");
    let repo = sealed_repo(&env, &a);
    let mut outputs = Vec::new();
    let id_a_arg = id_a.to_str().unwrap();
    let id_b_arg = id_b.to_str().unwrap();

    let (code, doc, all) = audit(&env, &repo, &["--identity", id_a_arg]);
    assert_eq!(code, 0, "{doc}");
    assert_eq!(doc["command"], "secret audit");
    let secret = &doc["audit"]["secrets"][0];
    assert_eq!(secret["key"], ALICE);
    assert_eq!(secret["clean"], true, "{doc}");
    assert_eq!(secret["decrypts"], true);
    assert_eq!(secret["recipients"][0]["recipient"], a.as_str());
    outputs.push(all);

    // A recipient added: the file is not encrypted to it yet.
    set_recipients(&env, &repo, &[&a, &b]);
    let (code, doc, all) = audit(&env, &repo, &[]);
    assert_eq!(code, 7, "{doc}");
    let secret = &doc["audit"]["secrets"][0];
    assert_eq!(secret["missing"], serde_json::json!([b]), "{doc}");
    assert_eq!(secret["extra"], serde_json::json!([]));
    assert!(secret.get("decrypts").is_none(), "no identity, no check");
    assert_eq!(doc["audit"]["summary"]["missing"], 1);
    outputs.push(all);
    // B cannot decrypt it: the audit says so, and names the secret.
    let (code, doc, _) = audit(&env, &repo, &["--identity", id_b_arg]);
    assert_eq!(code, 7);
    assert_eq!(doc["audit"]["secrets"][0]["decrypts"], false, "{doc}");
    assert_eq!(doc["audit"]["summary"]["undecryptable"], 1);

    rekey(&env, &repo, &id_a);
    let (code, doc, all) = audit(&env, &repo, &["--identity", id_b_arg]);
    assert_eq!(code, 0, "rekey leaves the audit clean: {doc}");
    assert_eq!(
        doc["audit"]["secrets"][0]["recipients"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    outputs.push(all);

    // A recipient removed: it can still decrypt the file until a rekey.
    set_recipients(&env, &repo, &[&b]);
    let (code, doc, all) = audit(&env, &repo, &["--identity", id_a_arg]);
    assert_eq!(code, 7, "{doc}");
    let secret = &doc["audit"]["secrets"][0];
    assert_eq!(secret["missing"], serde_json::json!([]));
    let extra = secret["extra"][0].as_str().unwrap();
    assert!(
        extra.starts_with("unknown recipient (fingerprint "),
        "{doc}"
    );
    assert_eq!(
        secret["decrypts"], true,
        "the removed key still opens it: {doc}"
    );
    outputs.push(all);
    rekey(&env, &repo, &id_b);
    let (code, doc, _) = audit(&env, &repo, &["--identity", id_b_arg]);
    assert_eq!(code, 0, "{doc}");
    let (code, doc, all) = audit(&env, &repo, &["--identity", id_a_arg]);
    assert_eq!(code, 7, "the removed key no longer opens the tip: {doc}");
    assert_eq!(doc["audit"]["secrets"][0]["decrypts"], false);
    outputs.push(all);

    // The human report says the same, and nothing leaks anywhere.
    let out = env
        .netsync()
        .env_remove("NETSYNC_IDENTITY_FILE")
        .args(["secret", "audit", "--repo"])
        .arg(&repo)
        .args(["--identity", id_a_arg])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(7));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("NOT CLEAN: /net/users/alice/password"),
        "{text}"
    );
    assert!(
        text.contains("does NOT decrypt with the identity"),
        "{text}"
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("error: the audit is not clean"));
    outputs.push(out.stdout);
    outputs.push(out.stderr);
    for output in &outputs {
        assert!(!contains(output, CANARY), "an audit printed the value");
    }
    env.fsck(&repo);
}
