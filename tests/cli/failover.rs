//! Failover that holds: every command works while a minority of the members is down
//! (killed: connections refused) or hung (SIGSTOP: connections accepted by the kernel and
//! never answered), whichever member it is and wherever it stands in `--endpoints`.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::harness::{Kv, TestEnv};

/// A bare repository with the fixture, applied while every member is up.
fn synced(env: &TestEnv) -> PathBuf {
    let repo = env.init_repo("network", true);
    env.copy_fixture(&repo, "network");
    env.netsync_ok(&["apply"], &repo);
    repo
}

/// Runs `netsync ARGS --repo REPO --dial-timeout 1s`; panics unless it exits 0; returns how
/// long it took.
fn timed(env: &TestEnv, repo: &Path, args: &[&str], round: usize) -> Duration {
    let started = Instant::now();
    let out = env
        .netsync_std()
        .args(args)
        .args(["--dial-timeout", "1s", "--repo"])
        .arg(repo)
        .output()
        .expect("run netsync");
    let took = started.elapsed();
    assert!(
        out.status.success(),
        "round {round}: netsync {args:?} exited {:?} after {took:?}\n{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stderr)
    );
    took
}

/// One round of ordinary operation: a Git change applied, an operational change in etcd
/// persisted, then diff and status see nothing left to do. Returns the slowest command's time.
/// `kv`: the test's own client, on members that answer (etcd-client's balanced channel hangs
/// on a stopped member).
fn round(env: &TestEnv, kv: &Kv, repo: &Path, i: usize) -> Duration {
    let mtu = format!("{}", 1300 + i);
    env.commit_files(repo, &[("kv/params/mtu", mtu.as_bytes())], &[], "mtu");
    let mut slowest = timed(env, repo, &["apply"], i);
    kv.put("/net/params/dns", format!("10.88.0.{i}"));
    slowest = slowest.max(timed(env, repo, &["persist", "--no-push"], i));
    slowest = slowest.max(timed(env, repo, &["diff", "--exit-code"], i));
    slowest = slowest.max(timed(env, repo, &["status"], i));
    assert_eq!(
        kv.get("/net/params/mtu").as_deref(),
        Some(mtu.as_bytes()),
        "round {i}"
    );
    assert_eq!(
        env.show_file(repo, "main", "kv/params/dns"),
        Some(format!("10.88.0.{i}").into_bytes()),
        "round {i}"
    );
    slowest
}

/// Every command after a disaster too: the cluster emptied, `restore` rebuilds it.
fn restore_works(env: &TestEnv, kv: &Kv, repo: &Path) {
    let want = kv.dump(b"/net/");
    kv.delete_prefix("/net/");
    kv.delete_prefix("/netsync/");
    let started = Instant::now();
    let out = env
        .netsync_std()
        .args(["restore", "--dial-timeout", "1s", "--from"])
        .arg(repo)
        .output()
        .expect("run netsync");
    assert!(
        out.status.success(),
        "restore exited {:?} after {:?}\n{}",
        out.status.code(),
        started.elapsed(),
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(kv.dump(b"/net/"), want);
}

/// A client of the test's own on the members other than `down`.
fn others(env: &mut TestEnv, down: usize) -> Kv {
    let cluster = env.cluster();
    let live: Vec<String> = (0..cluster.len())
        .filter(|&i| i != down)
        .map(|i| cluster.member(i).endpoint())
        .collect();
    Kv::connect(&live.join(","))
}

#[test]
fn every_command_works_with_a_member_already_down() {
    let mut env = TestEnv::with_cluster(3);
    let repo = synced(&env);
    // The first endpoint, the one every client tries first.
    env.cluster().kill(0);
    let kv = others(&mut env, 0);
    for i in 0..20 {
        round(&env, &kv, &repo, i);
    }
    restore_works(&env, &kv, &repo);
    env.fsck(&repo);
}

#[test]
fn every_command_works_with_a_member_hung_and_pays_the_dial_timeout_at_most_once() {
    let mut env = TestEnv::with_cluster(3);
    let repo = synced(&env);
    env.cluster().pause(0);
    let kv = others(&mut env, 0);
    let mut slowest = Duration::ZERO;
    for i in 0..3 {
        slowest = slowest.max(round(&env, &kv, &repo, i));
    }
    // One dial timeout (1 s) for the hung member, and the work itself.
    assert!(
        slowest < Duration::from_secs(4),
        "slowest command {slowest:?}"
    );
    restore_works(&env, &kv, &repo);
    env.cluster().resume(0);
    env.fsck(&repo);
}
