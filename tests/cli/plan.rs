//! Saved plans against a real etcd and real Git: `diff --out` writes the plan (no value in
//! it), `apply --plan` carries out exactly that plan, and refuses with nothing written when
//! a key, the sync point or the commit is no longer what the plan saw.

use std::path::{Path, PathBuf};

use crate::harness::TestEnv;

const MTU: &str = "/net/params/mtu";
const DNS: &str = "/net/params/dns";

/// A Git change to MTU waiting, drift on DNS: the plan writes one key and keeps the other.
fn planned(env: &TestEnv, repo: &Path) -> PathBuf {
    env.commit_files(repo, &[("kv/params/mtu", b"9000")], &[], "jumbo frames");
    env.kv().put(DNS, "10.0.0.53");
    let plan = env.root().join("reviewed.plan");
    let out = env
        .netsync()
        .args(["diff", "--out"])
        .arg(&plan)
        .arg("--repo")
        .arg(repo)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("plan saved to"), "{stderr}");
    assert!(stderr.contains("netsync apply --plan"), "{stderr}");
    plan
}

fn apply_plan(env: &TestEnv, repo: &Path, plan: &Path) -> std::process::Output {
    env.netsync()
        .args(["apply", "--plan"])
        .arg(plan)
        .arg("--repo")
        .arg(repo)
        .output()
        .unwrap()
}

#[test]
fn a_saved_plan_is_carried_out_as_reviewed() {
    let (env, repo) = TestEnv::applied_network();
    let plan = planned(&env, &repo);
    let doc = crate::harness::json_doc(std::fs::read(&plan).unwrap());
    assert_eq!(doc["kind"], "netsync-plan");
    assert_eq!(doc["commit"], env.rev_parse(&repo, "main"));
    let keys = doc["keys"].as_array().unwrap();
    assert_eq!(keys.len(), 2, "{doc}");
    assert_eq!(keys[0]["key"], DNS);
    assert_eq!(keys[0]["class"], "etcd_only");
    assert_eq!(keys[0]["apply_writes"], false);
    assert_eq!(keys[1]["key"], MTU);
    assert_eq!(keys[1]["class"], "git_only");
    assert_eq!(keys[1]["apply_writes"], true);
    let text = std::fs::read_to_string(&plan).unwrap();
    assert!(
        !text.contains("9000") && !text.contains("10.0.0.53"),
        "no values: {text}"
    );

    // The branch moves on after the review: the plan still deploys the reviewed commit.
    env.commit_files(
        &repo,
        &[("kv/params/domain", b"later.example")],
        &[],
        "later",
    );
    let out = apply_plan(&env, &repo, &plan);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(env.kv().get(MTU).as_deref(), Some(&b"9000"[..]));
    assert_eq!(
        env.kv().get(DNS).as_deref(),
        Some(&b"10.0.0.53"[..]),
        "drift kept"
    );
    assert_ne!(
        env.kv().get("/net/params/domain").as_deref(),
        Some(&b"later.example"[..]),
        "not in the reviewed commit"
    );
    env.fsck(&repo);
}

#[test]
fn a_saved_plan_is_refused_when_etcd_or_the_sync_point_moved() {
    // A key of the plan changed in etcd since the review.
    let (env, repo) = TestEnv::applied_network();
    let plan = planned(&env, &repo);
    env.kv().put(MTU, "1280");
    let before = env.kv().dump_all();
    let out = apply_plan(&env, &repo, &plan);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(4), "{stderr}");
    assert!(
        stderr.starts_with("error: the saved plan no longer holds; nothing was written"),
        "{stderr}"
    );
    assert!(
        stderr.contains(&format!("{MTU} changed since the plan was made")),
        "{stderr}"
    );
    assert!(stderr.contains("hint: make a new plan"), "{stderr}");
    assert_eq!(env.kv().dump_all(), before, "nothing written");

    // A key the plan found equal differs now.
    let (env, repo) = TestEnv::applied_network();
    let plan = planned(&env, &repo);
    env.kv().put("/net/params/keepalive", "99");
    let out = apply_plan(&env, &repo, &plan);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(4), "{stderr}");
    assert!(
        stderr.contains("/net/params/keepalive differs now and is not in the plan"),
        "{stderr}"
    );
    assert_eq!(env.kv().get(MTU).as_deref(), Some(&b"1420"[..]));

    // Another run recorded a sync point since.
    let (env, repo) = TestEnv::applied_network();
    let plan = planned(&env, &repo);
    env.netsync_ok(&["persist"], &repo);
    let out = apply_plan(&env, &repo, &plan);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(4), "{stderr}");
    assert!(stderr.contains("the sync point moved"), "{stderr}");
    assert_eq!(env.kv().get(MTU).as_deref(), Some(&b"1420"[..]));

    // Not a plan at all, and --plan with --rev.
    let bogus = env.root().join("bogus.plan");
    std::fs::write(&bogus, "{}").unwrap();
    let out = apply_plan(&env, &repo, &bogus);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("is not a netsync plan"), "{stderr}");
    env.netsync()
        .args(["apply", "--rev", "main", "--plan"])
        .arg(&plan)
        .arg("--repo")
        .arg(&repo)
        .assert()
        .code(64);
    env.fsck(&repo);
}
