//! `netsync diff` shows each side's change in its own direction: drift as what happened in
//! etcd (added, changed, deleted in etcd, diffed from the sync point's value), Git changes as
//! what apply writes, conflicts with all three values; in JSON as in human output, and in
//! agreement with `persist --dry-run`.

use std::path::PathBuf;

use crate::harness::TestEnv;

/// [`applied`], then drift of every kind in etcd and one key changed on both sides.
fn drifted() -> (TestEnv, PathBuf) {
    let (env, repo) = TestEnv::applied_network();
    env.kv().put("/net/params/new-thing", "hello\n");
    env.kv().put("/net/params/mtu", "1380");
    env.kv().delete("/net/devices/dave-tablet/wg.conf");
    env.commit_files(
        &repo,
        &[("kv/users/alice/profile", b"status: git\n")],
        &[],
        "edit alice in Git",
    );
    env.kv().put("/net/users/alice/profile", "status: etcd\n");
    (env, repo)
}

#[test]
fn drift_reads_in_etcds_direction_and_a_conflict_shows_three_values() {
    let (env, repo) = drifted();
    let text = env.netsync_ok(&["diff"], &repo);
    for line in [
        "+ added in etcd   /net/params/new-thing",
        "~ changed in etcd /net/params/mtu  (kv/params/mtu)",
        "- deleted in etcd /net/devices/dave-tablet/wg.conf",
        "! conflict        /net/users/alice/profile  (kv/users/alice/profile)  (changed in Git, changed in etcd)",
    ] {
        assert!(text.contains(line), "no {line:?} in:\n{text}");
    }
    // The edit's diff goes from the sync point's value to etcd's, not the other way round.
    let mtu = &text[text.find("/net/params/mtu").unwrap()..];
    let minus = mtu.find("-1420").expect("sync point's value removed");
    let plus = mtu.find("+1380").expect("etcd's value added");
    assert!(minus < plus, "{mtu}");
    let added = &text[text.find("/net/params/new-thing").unwrap()..];
    assert!(added.contains("+hello"), "{added}");
    // The conflict: what Git did and what etcd did, each from the sync point.
    let conflict = &text[text.find("! conflict").unwrap()..];
    assert!(
        conflict.contains("in Git, since the sync point:"),
        "{conflict}"
    );
    assert!(conflict.contains("+status: git"), "{conflict}");
    assert!(
        conflict.contains("in etcd, since the sync point:"),
        "{conflict}"
    );
    assert!(conflict.contains("+status: etcd"), "{conflict}");
    assert!(
        conflict.contains("-  \"name\": \"Alice Martin\","),
        "{conflict}"
    );

    let doc: serde_json::Value =
        crate::harness::json_doc(env.netsync_ok(&["diff", "--output", "json"], &repo));
    let change = |key: &str| {
        doc["changes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["key"] == key)
            .unwrap_or_else(|| panic!("{key} not in {doc}"))
            .clone()
    };
    let added = change("/net/params/new-thing");
    assert_eq!(
        (
            &added["class"],
            &added["side"],
            &added["action"],
            &added["etcd_action"]
        ),
        (
            &"etcd_only".into(),
            &"etcd".into(),
            &"add".into(),
            &"add".into()
        ),
        "{added}"
    );
    assert!(
        added["old"].is_null() && added["new"]["size"] == 6,
        "{added}"
    );
    assert!(added.get("git_action").is_none(), "{added}");
    let deleted = change("/net/devices/dave-tablet/wg.conf");
    assert_eq!(deleted["action"], "delete", "{deleted}");
    assert!(deleted["new"].is_null(), "{deleted}");
    let mtu = change("/net/params/mtu");
    assert_eq!(mtu["action"], "change");
    assert_eq!(mtu["new"]["size"], 4);
    let diff = mtu["diff"].as_str().unwrap();
    assert!(diff.starts_with("--- sync-point\n+++ etcd\n"), "{diff}");
    assert!(
        diff.find("-1420").unwrap() < diff.find("+1380").unwrap(),
        "{diff}"
    );
    let conflict = change("/net/users/alice/profile");
    assert_eq!(
        (
            &conflict["class"],
            &conflict["side"],
            &conflict["git_action"],
            &conflict["etcd_action"]
        ),
        (
            &"conflict".into(),
            &"both".into(),
            &"change".into(),
            &"change".into()
        ),
        "{conflict}"
    );
    assert!(
        conflict["base"]["size"].as_u64().unwrap() > 20,
        "{conflict}"
    );
    assert!(conflict["git_diff"]
        .as_str()
        .unwrap()
        .contains("+status: git"));
    assert!(conflict["etcd_diff"]
        .as_str()
        .unwrap()
        .contains("+status: etcd"));

    // persist --dry-run records the same drift with the same signs.
    let dry = env.netsync_ok(
        &["persist", "--dry-run", "--no-push", "--prefer", "etcd"],
        &repo,
    );
    for line in [
        "+ /net/params/new-thing",
        "~ /net/params/mtu",
        "- /net/devices/dave-tablet/wg.conf",
        "~ /net/users/alice/profile",
    ] {
        assert!(dry.contains(line), "no {line:?} in:\n{dry}");
    }
    env.fsck(&repo);
}

#[test]
fn a_git_change_still_reads_as_what_apply_writes() {
    let (env, repo) = TestEnv::applied_network();
    env.commit_files(&repo, &[("kv/params/mtu", b"9000")], &[], "jumbo frames");
    let text = env.netsync_ok(&["diff"], &repo);
    assert!(text.contains("~ change /net/params/mtu"), "{text}");
    assert!(
        text.find("-1420").unwrap() < text.find("+9000").unwrap(),
        "{text}"
    );
    let doc: serde_json::Value =
        crate::harness::json_doc(env.netsync_ok(&["diff", "--output", "json"], &repo));
    let mtu = &doc["changes"][0];
    assert_eq!(
        (
            &mtu["class"],
            &mtu["side"],
            &mtu["action"],
            &mtu["git_action"]
        ),
        (
            &"git_only".into(),
            &"git".into(),
            &"change".into(),
            &"change".into()
        ),
        "{mtu}"
    );
    assert!(mtu.get("etcd_action").is_none(), "{mtu}");
}

/// The plan carries every guard's verdict: diff says which command would refuse and why,
/// before anyone runs it, and JSON has the numbers.
#[test]
fn diff_shows_which_guard_would_refuse() {
    let (env, repo) = TestEnv::applied_network();
    let out = env.netsync_ok(&["diff", "--output", "json"], &repo);
    let doc = crate::harness::json_doc(&out);
    assert_eq!(doc["guards"]["prune"]["refused"], false, "{doc}");
    assert_eq!(
        doc["guards"]["persist_mass_delete"]["refused"], false,
        "{doc}"
    );

    // An accidental `etcdctl del --prefix`: persist's guard would refuse to record it.
    let before = env.kv().dump(b"/net/");
    env.kv().delete_prefix("/net/users/");
    let human = env.netsync_ok(&["diff"], &repo);
    assert!(
        human.contains(
            "persist would refuse: its mass-delete guard stops recording the deletion of"
        ),
        "{human}"
    );
    let out = env.netsync_ok(&["diff", "--output", "json"], &repo);
    let doc = crate::harness::json_doc(&out);
    let verdict = &doc["guards"]["persist_mass_delete"];
    assert_eq!(verdict["refused"], true, "{doc}");
    assert_eq!(verdict["allowed_percent"], 25.0, "{doc}");
    assert!(verdict["deletes"].as_u64().unwrap() > 0);
    for (k, v) in &before {
        env.kv().put(k, v);
    }

    // A commit that empties a folder: apply's prune guard would refuse it.
    let files = crate::harness::fixture_key_files("network");
    let removals: Vec<&str> = files.iter().map(String::as_str).collect();
    env.commit_files(&repo, &[], &removals, "everything removed");
    let human = env.netsync_ok(&["diff"], &repo);
    assert!(
        human.contains("apply would refuse: its prune guard stops the deletion of"),
        "{human}"
    );
    let out = env.netsync_ok(&["diff", "--output", "json"], &repo);
    let doc = crate::harness::json_doc(&out);
    assert_eq!(doc["guards"]["prune"]["refused"], true, "{doc}");
    // apply agrees with the verdict.
    env.netsync()
        .args(["apply", "--repo"])
        .arg(&repo)
        .assert()
        .code(3);
}

/// Without a sync point persist would record etcd as it is: into an empty cluster, the
/// deletion of every key. diff's verdict on persist's guard is persist's own.
#[test]
fn diff_judges_persists_guard_as_persist_does_without_a_sync_point() {
    let env = TestEnv::new();
    let repo = env.init_repo("network", true);
    env.copy_fixture(&repo, "network");
    let doc: serde_json::Value =
        crate::harness::json_doc(env.netsync_ok(&["diff", "--output", "json"], &repo));
    let verdict = &doc["guards"]["persist_mass_delete"];
    let keys = crate::harness::fixture_kv("network").len() as u64;
    assert_eq!(
        (&verdict["refused"], verdict["deletes"].as_u64()),
        (&true.into(), Some(keys)),
        "{doc}"
    );
    assert!(doc["changes"]
        .as_array()
        .unwrap()
        .iter()
        .all(|c| c["apply"] == "write" && c["persist"] == "record"));
    let head = env.head(&repo);
    env.netsync()
        .args(["persist", "--dry-run", "--no-push", "--repo"])
        .arg(&repo)
        .assert()
        .code(3);
    assert_eq!(env.head(&repo), head);
}
