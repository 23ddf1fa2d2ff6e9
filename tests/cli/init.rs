//! `netsync init`.

use crate::harness::TestEnv;

#[test]
fn init_writes_a_valid_commented_config_and_refuses_to_overwrite() {
    let env = TestEnv::new();
    let repo = env.init_repo("r", false);
    env.netsync()
        .args(["init", "--prefix", "/net/", "--dir", "kv", "--repo"])
        .arg(&repo)
        .assert()
        .success();
    let text = std::fs::read_to_string(repo.join("netsync.toml")).unwrap();
    assert!(text.contains("prefix = \"/net/\""), "{text}");
    assert!(text.contains("branch = \"main\""), "{text}");
    assert!(
        text.lines().any(|l| l.starts_with('#')),
        "commented: {text}"
    );
    // What init wrote is what apply reads: commit it with a value and apply.
    std::fs::create_dir_all(repo.join("kv/users")).unwrap();
    std::fs::write(repo.join("kv/users/alice"), "alice").unwrap();
    env.git(&repo, ["add", "-A"]);
    env.git(&repo, ["commit", "-qm", "init"]);
    env.netsync()
        .args(["apply", "--repo"])
        .arg(&repo)
        .assert()
        .success();
    assert_eq!(
        env.kv().get("/net/users/alice").as_deref(),
        Some(b"alice".as_slice())
    );

    env.netsync()
        .args(["init", "--repo"])
        .arg(&repo)
        .assert()
        .code(1)
        .stderr(predicates::str::contains("already exists"));
    assert_eq!(
        std::fs::read_to_string(repo.join("netsync.toml")).unwrap(),
        text
    );
}

#[test]
fn init_refuses_a_bare_repository_and_bad_prefixes() {
    let env = TestEnv::new();
    let bare = env.init_repo("b", true);
    env.netsync()
        .args(["init", "--repo"])
        .arg(&bare)
        .assert()
        .code(1)
        .stderr(predicates::str::contains("bare repository"));
    assert!(!bare.join("netsync.toml").exists());
    let repo = env.init_repo("r", false);
    env.netsync()
        .args(["init", "--prefix", "", "--repo"])
        .arg(&repo)
        .assert()
        .code(1);
    assert!(!repo.join("netsync.toml").exists());
}
