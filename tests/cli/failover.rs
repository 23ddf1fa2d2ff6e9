//! Failover that holds: every command works while a minority of the members is down
//! (killed: connections refused) or hung (SIGSTOP: connections accepted by the kernel and
//! never answered), whichever member it is and wherever it stands in `--endpoints`.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::harness::{Kv, TestEnv};
use crate::secure::Pki;

/// A bare repository with the fixture, applied while every member is up.
fn synced(env: &TestEnv) -> PathBuf {
    let repo = env.init_repo("network", true);
    env.copy_fixture(&repo, "network");
    env.netsync_ok(&["apply"], &repo);
    repo
}

/// Runs `netsync ARGS EXTRA --repo REPO` (`extra`: how to connect, when not the plain
/// endpoints; `--dial-timeout 1s` unless it says otherwise); panics unless it exits 0;
/// returns how long it took.
fn timed(env: &TestEnv, repo: &Path, args: &[&str], extra: &[String], round: usize) -> Duration {
    let started = Instant::now();
    let mut command = env.netsync_std();
    command.args(args).args(extra);
    if !extra.iter().any(|a| a == "--dial-timeout") {
        command.args(["--dial-timeout", "1s"]);
    }
    let out = command
        .arg("--repo")
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
fn round(env: &TestEnv, kv: &Kv, repo: &Path, i: usize, extra: &[String]) -> Duration {
    let mtu = format!("{}", 1300 + i);
    env.commit_files(repo, &[("kv/params/mtu", mtu.as_bytes())], &[], "mtu");
    let mut slowest = timed(env, repo, &["apply"], extra, i);
    kv.put("/net/params/dns", format!("10.88.0.{i}"));
    slowest = slowest.max(timed(env, repo, &["persist", "--no-push"], extra, i));
    slowest = slowest.max(timed(env, repo, &["diff", "--exit-code"], extra, i));
    slowest = slowest.max(timed(env, repo, &["status"], extra, i));
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
fn restore_works(env: &TestEnv, kv: &Kv, repo: &Path, extra: &[String]) {
    let want = kv.dump(b"/net/");
    kv.delete_prefix("/net/");
    kv.delete_prefix("/netsync/");
    let started = Instant::now();
    let mut command = env.netsync_std();
    command.arg("restore").args(extra);
    if !extra.iter().any(|a| a == "--dial-timeout") {
        command.args(["--dial-timeout", "1s"]);
    }
    let out = command
        .arg("--from")
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

/// `host:port` of every member.
fn addresses(env: &mut TestEnv) -> Vec<String> {
    let cluster = env.cluster();
    (0..cluster.len())
        .map(|i| {
            cluster
                .member(i)
                .endpoint()
                .trim_start_matches("http://")
                .to_owned()
        })
        .collect()
}

/// A client of the test's own on the members other than `down`.
fn others(env: &mut TestEnv, down: usize) -> Kv {
    Kv::connect(&live(env, down))
}

/// The client URLs of the members other than `down`.
fn live(env: &mut TestEnv, down: usize) -> String {
    let cluster = env.cluster();
    let live: Vec<String> = (0..cluster.len())
        .filter(|&i| i != down)
        .map(|i| cluster.member(i).endpoint())
        .collect();
    live.join(",")
}

/// Half of the 2,000 generated keys changed in etcd, for a persist to record.
fn change_half(kv: &Kv) {
    kv.block_on(async {
        let mut client = kv.client();
        for i in (0..2000).step_by(2) {
            let key = format!("/net/gen/{:02}/k{i:05}", i % 10);
            client
                .put(key, format!("changed in etcd {i}\n"), None)
                .await
                .unwrap();
        }
    });
}

/// A hook command that kills process `pid` the first time it runs, and the file that says
/// it ran.
fn kill_once(env: &TestEnv, pid: u32) -> (String, PathBuf) {
    let flag = env.root().join("killed");
    let command = format!(
        "[ -e {0} ] || {{ touch {0}; kill -9 {pid}; }}",
        flag.display()
    );
    (command, flag)
}

#[test]
fn every_command_works_with_a_member_already_down() {
    let mut env = TestEnv::with_cluster(3);
    let repo = synced(&env);
    // The first endpoint, the one every client tries first.
    env.cluster().kill(0);
    let kv = others(&mut env, 0);
    let mut slowest = Duration::ZERO;
    for i in 0..20 {
        slowest = slowest.max(round(&env, &kv, &repo, i, &[]));
    }
    eprintln!("Plain, a member killed: 20 rounds, slowest command {slowest:?}");
    // status reports the dead member and everything else; --fail-on unhealthy fails on it.
    let dead = env.cluster().member(0).endpoint();
    let out = env
        .netsync_std()
        .args([
            "status",
            "--output",
            "json",
            "--fail-on",
            "unhealthy",
            "--repo",
        ])
        .arg(&repo)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(7));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&format!("unhealthy endpoints: {dead}")),
        "{stderr}"
    );
    let doc = crate::harness::json_doc(&out.stdout);
    let endpoints = doc["status"]["endpoints"].as_array().unwrap();
    assert_eq!(endpoints[0]["healthy"], false, "{doc}");
    assert!(endpoints[0]["errors"][0]
        .as_str()
        .unwrap()
        .contains("Connection refused"));
    for e in &endpoints[1..] {
        assert_eq!(e["healthy"], true, "{doc}");
        assert!(e["revision"].as_i64().unwrap() > 0, "{doc}");
        assert!(e["latency_ms"].is_u64(), "{doc}");
    }
    assert_eq!(doc["status"]["counts"]["drift"], 0, "{doc}");
    restore_works(&env, &kv, &repo, &[]);
    env.fsck(&repo);
}

#[test]
fn every_command_works_with_a_member_hung_and_pays_the_dial_timeout_at_most_once() {
    member_hung(Mode::Plain);
}

/// The member netsync is connected to hangs in the middle of an apply (SIGSTOP, quorum
/// kept): the write whose answer never comes is read back on another member, the rest of
/// the apply goes there, and etcd ends holding exactly the commit.
#[test]
fn a_member_that_hangs_mid_apply_is_left_behind() {
    let mut env = TestEnv::with_cluster(3);
    let (repo, want) = crate::consistency::generated(&env, 600);
    let kv = others(&mut env, 0);
    let started = Instant::now();
    let mut child = crate::consistency::spawn_apply(&env, &repo, "60");
    let deadline = Instant::now() + Duration::from_secs(60);
    while kv.dump(b"/net/").len() < 100 {
        assert!(Instant::now() < deadline, "apply made no progress");
        std::thread::sleep(Duration::from_millis(20));
    }
    // netsync dialled the first endpoint, alive when it started.
    env.cluster().pause(0);
    let status = child.wait().unwrap();
    let took = started.elapsed();
    env.cluster().resume(0);
    let stderr = std::fs::read_to_string(env.root().join("apply.stderr")).unwrap();
    assert!(status.success(), "after {took:?}: {stderr}");
    assert_eq!(kv.dump(b"/net/"), want);
    // One attempt's deadline (5 s) for the write that got no answer, and the work.
    assert!(took < Duration::from_secs(15), "took {took:?}");
    env.netsync_ok(&["diff", "--exit-code"], &repo);
}

/// A 1,500-key apply on a 3-member cluster keeping 16 transactions in flight, and
/// `interrupt` done to the member it dialled (the first) once 300 keys are in: the run must
/// succeed and etcd end as Git says. Returns the run's log and how long it took.
fn apply_with_transactions_in_flight(
    interrupt: fn(&mut crate::harness::Cluster, usize),
) -> (TestEnv, PathBuf, String, Duration) {
    let mut env = TestEnv::with_cluster(3);
    let (repo, want) = crate::consistency::generated(&env, 1500);
    let kv = others(&mut env, 0);
    let started = Instant::now();
    let mut child =
        crate::consistency::spawn_apply_with(&env, &repo, "60", &["--txns-in-flight", "16"]);
    let deadline = Instant::now() + Duration::from_secs(60);
    while kv.dump(b"/net/").len() < 300 {
        assert!(Instant::now() < deadline, "apply made no progress");
        std::thread::sleep(Duration::from_millis(20));
    }
    interrupt(env.cluster(), 0);
    let status = child.wait().unwrap();
    let took = started.elapsed();
    let stderr = std::fs::read_to_string(env.root().join("apply.stderr")).unwrap();
    assert!(status.success(), "after {took:?}: {stderr}");
    assert_eq!(kv.dump(b"/net/"), want);
    (env, repo, stderr, took)
}

#[test]
fn a_member_killed_with_transactions_in_flight_loses_nothing() {
    // Every transaction in flight on the member loses its answer with the connection.
    let (mut env, repo, _, _) = apply_with_transactions_in_flight(|c, i| c.kill(i));
    let out = env
        .netsync()
        .env("NETSYNC_ENDPOINTS", live(&mut env, 0))
        .args(["diff", "--exit-code", "--repo"])
        .arg(&repo)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn a_member_that_hangs_with_transactions_in_flight_has_them_read_back() {
    // Each transaction in flight gets no answer within its deadline, and is read back on
    // another member.
    let (mut env, repo, stderr, took) = apply_with_transactions_in_flight(|c, i| c.pause(i));
    env.cluster().resume(0);
    assert!(
        stderr.contains("transaction outcome unknown; reading its keys back"),
        "{stderr}"
    );
    // One attempt's deadline (5 s) for all the transactions that got no answer at once.
    assert!(took < Duration::from_secs(25), "took {took:?}");
    env.netsync_ok(&["diff", "--exit-code"], &repo);
}

/// How netsync connects in a failover test.
#[derive(Debug, Clone, Copy)]
enum Mode {
    /// `http://`, no authentication.
    Plain,
    /// TLS that authenticates the server (`--cacert`).
    Tls,
    /// Mutual TLS (`--cert`, `--key` too).
    MutualTls,
    /// etcd's authentication, user and password.
    Password,
}

/// A synced 3-member cluster set up for `mode`, and the flags netsync connects with. Keeps
/// the PKI's folder alive with the environment.
fn cluster_for(mode: Mode) -> (TestEnv, PathBuf, Vec<String>, Option<tempfile::TempDir>) {
    let path = |p: &Path| p.to_string_lossy().into_owned();
    match mode {
        Mode::Plain => {
            let env = TestEnv::with_cluster(3);
            let repo = synced(&env);
            (env, repo, Vec::new(), None)
        }
        Mode::Tls | Mode::MutualTls => {
            let dir = tempfile::Builder::new()
                .prefix("netsync-pki-")
                .tempdir()
                .unwrap();
            let pki = Pki::generate(dir.path());
            let mutual = matches!(mode, Mode::MutualTls);
            let etcd_args = match mutual {
                true => pki.etcd_args(),
                false => pki.server_only_args(),
            };
            let mut env = TestEnv::with_tls_cluster(3, &etcd_args);
            let repo = synced(&env);
            let mut extra = vec![
                "--endpoints".to_owned(),
                env.cluster().tls_endpoints(),
                "--cacert".to_owned(),
                path(&pki.ca),
            ];
            if mutual {
                extra.extend([
                    "--cert".to_owned(),
                    path(&pki.client_cert),
                    "--key".to_owned(),
                    path(&pki.client_key),
                ]);
            }
            (env, repo, extra, Some(dir))
        }
        Mode::Password => {
            let env = TestEnv::with_cluster(3);
            let repo = synced(&env);
            let kv = env.kv();
            kv.block_on(async {
                let mut c = kv.client();
                c.user_add("root", ROOT_PASSWORD, None).await.unwrap();
                c.user_grant_role("root", "root").await.unwrap();
                c.role_add("rw").await.unwrap();
                c.role_grant_permission(
                    "rw",
                    etcd_client::Permission::read_write(vec![0]).with_from_key(),
                )
                .await
                .unwrap();
                c.user_add("netsync", "s3cret-pw", None).await.unwrap();
                c.user_grant_role("netsync", "rw").await.unwrap();
                c.auth_enable().await.unwrap();
            });
            let extra = vec!["--user".to_owned(), "netsync:s3cret-pw".to_owned()];
            (env, repo, extra, None)
        }
    }
}

const ROOT_PASSWORD: &str = "rootpw";

/// The test's own client on the members other than `down`, as root when auth is on.
fn others_for(env: &mut TestEnv, mode: Mode, down: usize) -> Kv {
    match mode {
        Mode::Password => Kv::connect_as(&live(env, down), "root", ROOT_PASSWORD),
        _ => others(env, down),
    }
}

/// One member killed (the first endpoint, the one every client tries first), then 20
/// rounds of every command and a restore, all succeeding.
fn member_down(mode: Mode) {
    let (mut env, repo, extra, _pki) = cluster_for(mode);
    env.cluster().kill(0);
    let kv = others_for(&mut env, mode, 0);
    let mut slowest = Duration::ZERO;
    for i in 0..20 {
        slowest = slowest.max(round(&env, &kv, &repo, i, &extra));
    }
    restore_works(&env, &kv, &repo, &extra);
    eprintln!("{mode:?}, a member killed: 20 rounds, slowest command {slowest:?}");
    env.fsck(&repo);
}

/// One member hung (SIGSTOP) for the whole run: every command succeeds, paying the dial
/// timeout (1 s) once.
fn member_hung(mode: Mode) {
    let (mut env, repo, mut extra, _pki) = cluster_for(mode);
    env.cluster().pause(0);
    let kv = others_for(&mut env, mode, 0);
    extra.extend(["--dial-timeout".to_owned(), "2s".to_owned()]);
    let mut slowest = Duration::ZERO;
    for i in 0..2 {
        slowest = slowest.max(round(&env, &kv, &repo, i, &extra));
    }
    restore_works(&env, &kv, &repo, &extra);
    env.cluster().resume(0);
    eprintln!("{mode:?}, a member hung: 2 rounds, slowest command {slowest:?}");
    // One dial timeout (2 s) and the work; a second dial timeout would make it 4 s.
    assert!(
        slowest < Duration::from_millis(3500),
        "{mode:?}, a member hung: slowest command {slowest:?}"
    );
    env.fsck(&repo);
}

/// The leader killed in the middle of an apply of 2,000 keys, then (restarted) the new
/// leader killed in the middle of a persist of 1,000 changes made in etcd: both complete,
/// and etcd and Git end equal to the plan.
fn leader_lost(mode: Mode) {
    let (mut env, repo, extra, _pki) = cluster_for(mode);
    let files: Vec<(String, Vec<u8>)> = (0..2000)
        .map(|i| {
            (
                format!("kv/gen/{:02}/k{i:05}", i % 10),
                format!("value {i}\n").into_bytes(),
            )
        })
        .collect();
    let refs: Vec<(&str, &[u8])> = files
        .iter()
        .map(|(p, v)| (p.as_str(), v.as_slice()))
        .collect();
    env.commit_files(&repo, &refs, &[], "generated");

    let leader = env.cluster().leader_index();
    let kv = others_for(&mut env, mode, leader);
    let before = kv.dump(b"/net/").len();
    let mut child = env
        .netsync_std()
        .args(["apply", "--max-txn-ops", "5", "--dial-timeout", "1s"])
        .args(&extra)
        .arg("--repo")
        .arg(&repo)
        .stdout(std::process::Stdio::null())
        .stderr(std::fs::File::create(env.root().join("apply.stderr")).unwrap())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    while kv.dump(b"/net/").len() < before + 600 {
        assert!(
            Instant::now() < deadline,
            "{mode:?}: apply made no progress"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    env.cluster().kill(leader);
    let status = child.wait().unwrap();
    let stderr = std::fs::read_to_string(env.root().join("apply.stderr")).unwrap();
    assert!(status.success(), "{mode:?}: apply: {stderr}");
    env.cluster().restart(leader);
    assert_eq!(kv.dump(b"/net/").len(), before + 2000, "{mode:?}");

    let leader = env.cluster().leader_index();
    let kv = others_for(&mut env, mode, leader);
    change_half(&kv);
    let pid = env.cluster().member(leader).pid().unwrap();
    let (command, flag) = kill_once(&env, pid);
    let out = env
        .netsync_std()
        .env("NETSYNC_PAGE_SIZE", "100")
        .env("NETSYNC_TEST_HOOK_BETWEEN_PAGES", command)
        .args(["persist", "--no-push", "--dial-timeout", "1s"])
        .args(&extra)
        .arg("--repo")
        .arg(&repo)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{mode:?}: persist: {stderr}");
    assert!(flag.exists(), "{mode:?}: the hook never ran");
    env.cluster().restart(leader);
    assert_eq!(
        env.show_file(&repo, "main", "kv/gen/04/k01234"),
        Some(b"changed in etcd 1234\n".to_vec()),
        "{mode:?}"
    );
    timed(&env, &repo, &["diff", "--exit-code"], &extra, 0);
    env.fsck(&repo);
}

#[test]
fn over_tls_a_leader_lost_mid_apply_and_mid_persist_is_outlived() {
    leader_lost(Mode::Tls);
}

#[test]
fn over_mutual_tls_a_leader_lost_mid_apply_and_mid_persist_is_outlived() {
    leader_lost(Mode::MutualTls);
}

#[test]
fn with_a_password_a_leader_lost_mid_apply_and_mid_persist_is_outlived() {
    leader_lost(Mode::Password);
}

#[test]
fn over_tls_every_command_works_with_a_member_down() {
    member_down(Mode::Tls);
}

#[test]
fn over_mutual_tls_every_command_works_with_a_member_down() {
    member_down(Mode::MutualTls);
}

#[test]
fn with_a_password_every_command_works_with_a_member_down() {
    member_down(Mode::Password);
}

#[test]
fn over_tls_every_command_works_with_a_member_hung() {
    member_hung(Mode::Tls);
}

#[test]
fn over_mutual_tls_every_command_works_with_a_member_hung() {
    member_hung(Mode::MutualTls);
}

#[test]
fn with_a_password_every_command_works_with_a_member_hung() {
    member_hung(Mode::Password);
}

/// Two of three members down: no quorum. Every command fails with the error naming the
/// cluster, within the dial and command timeouts, and records nothing; once the members are
/// back, the next persist records what changed meanwhile.
#[test]
fn without_quorum_every_command_fails_clearly_and_the_rerun_converges() {
    let mut env = TestEnv::with_cluster(3);
    let repo = synced(&env);
    env.kv().put("/net/params/dns", "changed before the outage");
    let head = env.head(&repo);
    let point = env.kv().dump(b"/netsync/sync/");
    env.cluster().kill(1);
    env.cluster().kill(2);
    let addresses = addresses(&mut env);
    for args in [
        &["persist", "--no-push"][..],
        &["apply"],
        &["diff"],
        &["status"],
    ] {
        let started = Instant::now();
        let out = env
            .netsync_std()
            .args(args)
            .args(["--dial-timeout", "2s", "--command-timeout", "6s", "--repo"])
            .arg(&repo)
            .output()
            .unwrap();
        let took = started.elapsed();
        let stderr = String::from_utf8_lossy(&out.stderr);
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert_ne!(out.status.code(), Some(0), "{args:?} succeeded: {stderr}");
        assert!(stderr.starts_with("error: "), "{args:?}: {stderr}");
        assert!(stderr.contains("etcd"), "{args:?}: {stderr}");
        assert!(!stderr.contains("Os {"), "{args:?}: {stderr}");
        // Each endpoint is named with what it answered: the dead ones refuse, the live one
        // has no leader.
        for address in &addresses {
            assert!(
                stderr.contains(&format!("  caused by: {address}: ")),
                "{args:?}: {address} not named: {stderr}"
            );
        }
        assert!(
            stderr.contains(&format!("{}: up, but it has no leader", addresses[0])),
            "{args:?}: {stderr}"
        );
        assert!(
            stderr.contains("hint: etcd answers only while a majority"),
            "{args:?}: {stderr}"
        );
        // Within the dial and command timeouts (8 s), with a little slack for the process.
        assert!(took < Duration::from_millis(9000), "{args:?} took {took:?}");
        if args[0] == "status" {
            assert!(stdout.contains("UNHEALTHY"), "status: {stdout}");
        }
    }
    // As a Nagios check: CRITICAL, naming the members that are down.
    let out = env
        .netsync_std()
        .args([
            "status",
            "--nagios",
            "--dial-timeout",
            "1s",
            "--command-timeout",
            "3s",
            "--repo",
        ])
        .arg(&repo)
        .output()
        .unwrap();
    let line = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(2), "{line}");
    assert!(
        line.starts_with("NETSYNC CRITICAL - etcd did not answer"),
        "{line}"
    );
    assert!(line.contains("unhealthy endpoints: "), "{line}");
    assert_eq!(env.head(&repo), head, "nothing committed");
    env.cluster().restart(1);
    env.cluster().restart(2);
    assert_eq!(env.kv().dump(b"/netsync/sync/"), point, "nothing recorded");
    env.netsync_ok(&["persist", "--no-push"], &repo);
    assert_eq!(
        env.show_file(&repo, "main", "kv/params/dns"),
        Some(b"changed before the outage".to_vec())
    );
    env.netsync_ok(&["diff", "--exit-code"], &repo);
}

/// The leader hangs in the middle of an apply of thousands of keys (SIGSTOP for 20 s, the
/// other two keep quorum and elect another): the writes that got no answer are read back,
/// the apply carries on with the new leader, and etcd ends holding exactly the commit.
#[test]
fn a_leader_that_hangs_for_20s_mid_apply_is_outlived() {
    let mut env = TestEnv::with_cluster(3);
    let (repo, want) = crate::consistency::generated(&env, 3000);
    let leader = env.cluster().leader_index();
    let kv = others(&mut env, leader);
    let mut child = crate::consistency::spawn_apply(&env, &repo, "60");
    let deadline = Instant::now() + Duration::from_secs(60);
    while kv.dump(b"/net/").len() < 300 {
        assert!(Instant::now() < deadline, "apply made no progress");
        std::thread::sleep(Duration::from_millis(20));
    }
    env.cluster().pause(leader);
    let paused = Instant::now();
    while paused.elapsed() < Duration::from_secs(20) {
        if child.try_wait().unwrap().is_some() {
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let finished_while_hung = child.try_wait().unwrap().is_some();
    env.cluster().resume(leader);
    let status = child.wait().unwrap();
    let stderr = std::fs::read_to_string(env.root().join("apply.stderr")).unwrap();
    assert!(status.success(), "{stderr}");
    assert!(finished_while_hung, "the apply waited for the hung leader");
    assert_eq!(kv.dump(b"/net/"), want);
    env.netsync_ok(&["diff", "--exit-code"], &repo);
}

/// The leader dies in the middle of a persist of thousands of changes, once while it reads
/// etcd's pages and once right before it records the sync point: each run completes on the
/// other members, and Git ends equal to etcd.
#[test]
fn a_leader_killed_mid_persist_is_outlived() {
    for hook in [
        "NETSYNC_TEST_HOOK_BETWEEN_PAGES",
        "NETSYNC_TEST_HOOK_BEFORE_SYNC_POINT",
    ] {
        let mut env = TestEnv::with_cluster(3);
        let (repo, _) = crate::consistency::generated(&env, 2000);
        env.netsync_ok(&["apply"], &repo);
        let leader = env.cluster().leader_index();
        let kv = others(&mut env, leader);
        change_half(&kv);
        let pid = env.cluster().member(leader).pid().unwrap();
        let (command, flag) = kill_once(&env, pid);
        let started = Instant::now();
        let out = env
            .netsync_std()
            .env("NETSYNC_PAGE_SIZE", "100")
            .env(hook, &command)
            .args(["persist", "--no-push", "--repo"])
            .arg(&repo)
            .output()
            .unwrap();
        let took = started.elapsed();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "{hook}: after {took:?}: {stderr}");
        assert!(flag.exists(), "{hook}: the hook never ran");
        env.cluster().restart(leader);
        assert_eq!(
            env.show_file(&repo, "main", "kv/gen/04/k01234"),
            Some(b"changed in etcd 1234\n".to_vec()),
            "{hook}"
        );
        env.netsync_ok(&["diff", "--exit-code"], &repo);
        env.fsck(&repo);
    }
}
