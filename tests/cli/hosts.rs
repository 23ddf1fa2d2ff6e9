//! Several hosts: cron `persist` on three core nodes, each with its own clone of one primary
//! remote, against one etcd. Whichever takes the lock does the work; a clone that is behind
//! (another host persisted last) catches up with the primary before it plans.

use std::path::{Path, PathBuf};
use std::process::Stdio;

use crate::harness::TestEnv;

/// The primary remote and three hosts' clones of it: two bare, one checked out.
fn three_hosts(env: &TestEnv) -> (PathBuf, [PathBuf; 3]) {
    let primary = env.init_repo("primary.git", true);
    env.copy_fixture(&primary, "network");
    env.commit_files(
        &primary,
        &[(
            "netsync.toml",
            crate::harness::NETWORK_TOML_WITH_ORIGIN.as_bytes(),
        )],
        &[],
        "remotes",
    );
    let host3 = env.root().join("host3");
    env.git(
        env.root(),
        [
            std::ffi::OsStr::new("clone"),
            std::ffi::OsStr::new("-q"),
            primary.as_os_str(),
            host3.as_os_str(),
        ],
    );
    let hosts = [
        env.clone_bare(&primary, "host1.git"),
        env.clone_bare(&primary, "host2.git"),
        host3,
    ];
    (primary, hosts)
}

fn count(env: &TestEnv, repo: &Path) -> usize {
    env.git(repo, ["rev-list", "--count", "main"])
        .trim()
        .parse()
        .unwrap()
}

fn assert_linear(env: &TestEnv, primary: &Path) {
    let merges = env.git(primary, ["rev-list", "--min-parents=2", "main"]);
    assert!(merges.trim().is_empty(), "merge commits: {merges}");
}

#[test]
fn any_host_persists_whoever_ran_last_and_all_at_once_make_one_commit() {
    let env = TestEnv::new();
    let (primary, hosts) = three_hosts(&env);
    env.netsync_ok(&["apply"], &hosts[0]);
    let start = count(&env, &primary);

    // A different host wins each round, so every run after the first starts from a clone
    // that is behind the primary (and lacks the sync point's commit).
    let order = [0, 1, 2, 1, 0, 2];
    for (round, &h) in order.iter().enumerate() {
        let value = format!("round {round}");
        env.kv().put("/net/params/round", &value);
        let out = env.netsync_ok(&["persist"], &hosts[h]);
        assert!(
            out.contains("committed "),
            "round {round} on host {h}: {out}"
        );
        assert_eq!(count(&env, &primary), start + round + 1, "round {round}");
        assert_eq!(
            env.show_file(&primary, "main", "kv/params/round")
                .as_deref(),
            Some(value.as_bytes()),
            "round {round}"
        );
        assert_eq!(
            env.rev_parse(&hosts[h], "main"),
            env.rev_parse(&primary, "main")
        );
    }
    // The checked-out host's files follow its branch, fast-forwards included.
    let host3 = &hosts[2];
    assert_eq!(env.git(host3, ["status", "--porcelain"]), "");
    assert_eq!(
        std::fs::read_to_string(host3.join("kv/params/round")).unwrap(),
        "round 5"
    );

    // All three at once, as cron with jitter does: one takes the lock and commits, the
    // others find it held (or nothing left to do); every run exits 0.
    env.kv().put("/net/params/round", "all at once");
    env.kv().delete("/net/params/keepalive");
    let children: Vec<_> = hosts
        .iter()
        .map(|host| {
            env.netsync_std()
                .args(["persist", "--repo"])
                .arg(host)
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for (h, child) in children.into_iter().enumerate() {
        let out = child.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "host {h}: exit {:?}\n{}",
            out.status.code(),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    assert_eq!(
        count(&env, &primary),
        start + order.len() + 1,
        "recorded once"
    );

    // Afterwards each host in turn: nothing is recorded twice, nobody is stuck.
    for host in &hosts {
        let out = env.netsync_ok(&["persist"], host);
        assert!(out.contains("nothing to persist"), "{out}");
        assert_eq!(env.rev_parse(host, "main"), env.rev_parse(&primary, "main"));
    }
    assert_eq!(count(&env, &primary), start + order.len() + 1);
    assert_eq!(
        env.show_file(&primary, "main", "kv/params/round")
            .as_deref(),
        Some(&b"all at once"[..])
    );
    assert_eq!(env.show_file(&primary, "main", "kv/params/keepalive"), None);
    assert_linear(&env, &primary);
    for repo in [&primary, &hosts[0], &hosts[1], &hosts[2]] {
        env.fsck(repo);
    }
}

/// A host whose primary is down plans from its clone as it is and says so; its push then
/// fails the run (exit 1) with the commit kept for the next run.
#[test]
fn a_primary_that_cannot_be_fetched_is_reported_and_the_push_fails() {
    let env = TestEnv::new();
    let (primary, hosts) = three_hosts(&env);
    env.netsync_ok(&["apply"], &hosts[0]);
    let moved = env.root().join("primary-away.git");
    std::fs::rename(&primary, &moved).unwrap();
    env.kv().put("/net/params/round", "offline");
    let out = env
        .netsync()
        .args(["persist", "--repo"])
        .arg(&hosts[0])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("cannot fetch the primary remote"),
        "{stderr}"
    );
    assert!(stderr.contains("error: "), "{stderr}");
    assert_eq!(
        env.show_file(&hosts[0], "main", "kv/params/round")
            .as_deref(),
        Some(&b"offline"[..]),
        "committed locally"
    );
    // Back online: the next run pushes what it kept.
    std::fs::rename(&moved, &primary).unwrap();
    env.netsync_ok(&["persist"], &hosts[0]);
    assert_eq!(
        env.rev_parse(&primary, "main"),
        env.rev_parse(&hosts[0], "main")
    );
    env.fsck(&primary);
    env.fsck(&hosts[0]);
}
