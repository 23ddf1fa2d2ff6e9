//! `netsync watch` against real etcd (a 3-member cluster where failover matters) and bare
//! remotes: a change reaches the primary within the debounce, a burst is one commit, events
//! that change nothing make none, changes made while no watcher ran are committed at start,
//! SIGTERM exits 0 and gives up the lease, a watcher killed mid-commit loses nothing, a
//! standby takes over from a killed watcher without loss or duplicates and survives the loss
//! of a member, a watch that fell behind a compaction reads everything again, `--apply`, and
//! `/metrics` as OpenMetrics. Short debounce and lease times; every wait polls for the state
//! it expects with a generous deadline.

use std::collections::BTreeMap;
use std::ffi::OsStr;
use std::fs::File;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use crate::harness::{self, TestEnv};
use crate::persist::{commit_count, etcd_managed, tree_kv};

/// Short enough for a lean suite, long enough for a loaded machine.
const FAST: &[&str] = &[
    "--debounce",
    "300ms",
    "--max-delay",
    "5s",
    "--lease-ttl",
    "2s",
];
/// How long a test waits for a state it expects.
const PATIENCE: Duration = Duration::from_secs(60);

/// A bare primary remote holding the example network with `persist.remotes = ["origin"]`, and
/// a bare clone of it, applied to the environment's etcd.
fn network(env: &TestEnv) -> (PathBuf, PathBuf) {
    let primary = env.init_repo("primary.git", true);
    env.copy_fixture(&primary, "network");
    env.commit_files(
        &primary,
        &[("netsync.toml", harness::NETWORK_TOML_WITH_ORIGIN.as_bytes())],
        &[],
        "Configure the primary remote",
    );
    let local = env.clone_bare(&primary, "local.git");
    env.netsync_ok(&["apply"], &local);
    (primary, local)
}

/// A running `netsync watch`, its output in files; killed (SIGKILL) if still running at the
/// end of the test.
struct Daemon {
    child: Child,
    out: PathBuf,
    err: PathBuf,
}

impl Daemon {
    fn start(env: &TestEnv, repo: &Path, name: &str, args: &[&str], vars: &[(&str, &str)]) -> Self {
        let out = env.root().join(format!("{name}.out"));
        let err = env.root().join(format!("{name}.err"));
        let mut cmd = env.netsync_std();
        cmd.args(["watch", "--repo"])
            .arg(repo)
            .args(FAST)
            .args(args)
            .env("RUST_LOG", "netsync=info")
            .stdout(Stdio::from(File::create(&out).unwrap()))
            .stderr(Stdio::from(File::create(&err).unwrap()));
        for (k, v) in vars {
            cmd.env(k, v);
        }
        let child = cmd.spawn().expect("start netsync watch");
        Self { child, out, err }
    }

    fn stdout(&self) -> String {
        std::fs::read_to_string(&self.out).unwrap_or_default()
    }

    fn stderr(&self) -> String {
        std::fs::read_to_string(&self.err).unwrap_or_default()
    }

    /// Waits until stdout has `needle` (after `skip` lines); panics with the output if not.
    fn wait_for(&self, needle: &str) {
        wait_until(
            &format!("`{needle}` from the watcher"),
            || self.stdout().contains(needle),
            || self.said(),
        );
    }

    fn said(&self) -> String {
        format!("stdout:\n{}\nstderr:\n{}", self.stdout(), self.stderr())
    }

    fn signal(&self, signal: &str) {
        let sent = std::process::Command::new("kill")
            .args([signal, &self.child.id().to_string()])
            .status()
            .is_ok_and(|s| s.success());
        assert!(sent, "kill {signal}");
    }

    /// Waits for the process to exit.
    fn wait_exit(&mut self, within: Duration) -> ExitStatus {
        let deadline = Instant::now() + within;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            assert!(
                Instant::now() < deadline,
                "still running after {within:?}\n{}",
                self.said()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Polls `done` until it holds; panics after [`PATIENCE`] with `context()`.
fn wait_until(what: &str, mut done: impl FnMut() -> bool, context: impl Fn() -> String) {
    let deadline = Instant::now() + PATIENCE;
    while !done() {
        assert!(
            Instant::now() < deadline,
            "timed out waiting for {what}\n{}",
            context()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Git and etcd hold the same keys and values; names the keys that differ.
fn assert_same(git: &BTreeMap<Vec<u8>, Vec<u8>>, etcd: &BTreeMap<Vec<u8>, Vec<u8>>) {
    let differ: Vec<String> = git
        .keys()
        .chain(etcd.keys())
        .filter(|k| git.get(*k) != etcd.get(*k))
        .map(|k| String::from_utf8_lossy(k).into_owned())
        .collect();
    assert!(differ.is_empty(), "Git and etcd differ on {differ:?}");
}

/// The value `repo`'s branch holds for `path`.
fn file(env: &TestEnv, repo: &Path, path: &str) -> Option<Vec<u8>> {
    env.show_file(repo, "main", path)
}

/// A free loopback port (bound and released).
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// `GET path` over HTTP/1.1: (status code, headers, body).
fn get(port: u16, path: &str) -> (u16, String, String) {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).expect("connect to --listen");
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut text = String::new();
    stream.read_to_string(&mut text).unwrap();
    let (head, body) = text.split_once("\r\n\r\n").expect("an HTTP response");
    let code = head
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .expect("a status code");
    (code, head.to_ascii_lowercase(), body.to_owned())
}

/// Checks `text` against the OpenMetrics text format: metadata lines, samples of declared
/// families with numeric values, `# EOF` last. Returns the samples (name with labels → value).
fn parse_openmetrics(text: &str) -> Vec<(String, f64)> {
    assert!(text.ends_with("# EOF\n"), "no `# EOF` at the end:\n{text}");
    let mut families: Vec<String> = Vec::new();
    let mut samples = Vec::new();
    for line in text.lines().filter(|l| *l != "# EOF") {
        if let Some(meta) = line.strip_prefix("# ") {
            let mut parts = meta.splitn(3, ' ');
            let (kind, name) = (parts.next().unwrap(), parts.next().expect("a name"));
            assert!(["HELP", "TYPE", "UNIT"].contains(&kind), "{line}");
            if kind == "TYPE" {
                let ty = parts.next().expect("a type");
                assert!(
                    ["gauge", "counter", "info", "stateset", "unknown"].contains(&ty),
                    "{line}"
                );
                families.push(name.to_owned());
            }
            continue;
        }
        let (series, value) = line.rsplit_once(' ').unwrap_or_else(|| panic!("{line}"));
        let name = series.split('{').next().unwrap();
        assert!(
            families.iter().any(|f| name == f
                || name
                    .strip_prefix(f.as_str())
                    .is_some_and(|s| ["_total", "_created"].contains(&s))),
            "sample of an undeclared family: {line}"
        );
        if let Some(labels) = series.strip_prefix(name) {
            assert!(
                labels.is_empty() || labels.starts_with('{') && labels.ends_with('}'),
                "{line}"
            );
        }
        let value: f64 = value
            .parse()
            .unwrap_or_else(|_| panic!("not a number: {line}"));
        samples.push((series.to_owned(), value));
    }
    samples
}

fn sample(samples: &[(String, f64)], series: &str) -> f64 {
    samples
        .iter()
        .find(|(s, _)| s == series)
        .unwrap_or_else(|| panic!("no {series} in {samples:?}"))
        .1
}

#[test]
fn changes_become_commits_on_the_primary_a_burst_one_and_no_change_none() {
    let env = TestEnv::new();
    let (primary, local) = network(&env);
    let before = commit_count(&env, &primary);
    let port = free_port();
    let listen = format!("127.0.0.1:{port}");
    let w = Daemon::start(&env, &local, "w", &["--listen", &listen], &[]);
    w.wait_for("active: watching etcd");

    // One change: on the primary within the debounce and a margin.
    let started = Instant::now();
    env.kv().put("/net/params/mtu", "1280");
    wait_until(
        "the change on the primary",
        || file(&env, &primary, "kv/params/mtu").as_deref() == Some(b"1280".as_slice()),
        || w.said(),
    );
    let latency = started.elapsed();
    assert!(latency < Duration::from_secs(20), "took {latency:?}");
    assert_eq!(commit_count(&env, &primary), before + 1);

    // Events that change nothing: an ephemeral key, a leased key, an equal value.
    let metrics = || parse_openmetrics(&get(port, "/metrics").2);
    let bursts = sample(&metrics(), "netsync_watch_bursts_total");
    env.kv().put("/net/sessions/abc", "ephemeral");
    env.kv()
        .put_with_lease("/net/nodes/entry-ams1/lease", "runtime", 60);
    env.kv().put("/net/params/mtu", "1280");
    wait_until(
        "the equal put's burst",
        || {
            let m = metrics();
            sample(&m, "netsync_watch_bursts_total") > bursts
                && sample(&m, "netsync_watch_pending_changes") == 0.0
        },
        || w.said(),
    );
    assert_eq!(
        commit_count(&env, &primary),
        before + 1,
        "no commit for nothing"
    );

    // A burst of 500 writes: one commit (a few at most, bounded by --max-delay), byte-exact.
    for i in 0..500 {
        env.kv().put(
            format!("/net/burst/{i:03}"),
            format!("value {i}\n\x00\u{e9}"),
        );
    }
    wait_until(
        "the burst on the primary",
        || file(&env, &primary, "kv/burst/499").is_some(),
        || w.said(),
    );
    let commits = commit_count(&env, &primary) - before - 1;
    assert!(
        (1..=3).contains(&commits),
        "{commits} commits for one burst"
    );
    let mut etcd = etcd_managed(&env);
    etcd.remove(b"/net/nodes/entry-ams1/lease".as_slice());
    assert_same(&tree_kv(&env, &primary, "main"), &etcd);
    assert!(w.stdout().contains("committed "), "{}", w.said());

    // /metrics is OpenMetrics, with what the issue asks for; /healthz answers.
    let (code, head, body) = get(port, "/metrics");
    assert_eq!(code, 200);
    assert!(
        head.contains("content-type: application/openmetrics-text"),
        "{head}"
    );
    let samples = parse_openmetrics(&body);
    assert_eq!(sample(&samples, "netsync_watch_role{role=\"active\"}"), 1.0);
    assert!(sample(&samples, "netsync_watch_commits_total") >= 2.0);
    assert!(
        sample(
            &samples,
            "netsync_watch_remote_last_push_age_seconds{remote=\"origin\"}"
        ) < 120.0
    );
    for series in [
        "netsync_watch_last_commit_timestamp_seconds",
        "netsync_watch_lag_revisions",
        "netsync_watch_drift_keys",
        "netsync_watch_conflict_keys",
    ] {
        sample(&samples, series);
    }
    let (code, _, body) = get(port, "/healthz");
    assert_eq!(code, 200, "{body}");
    assert!(body.starts_with("ok: active, last commit "), "{body}");
    let (code, _, _) = get(port, "/nothing");
    assert_eq!(code, 404);
    env.fsck(&primary);
    env.fsck(&local);
}

#[test]
fn changes_made_while_no_watcher_ran_are_committed_at_start_and_sigterm_gives_up_the_lease() {
    let env = TestEnv::new();
    let (primary, local) = network(&env);
    env.kv().put("/net/params/dns", "10.1.1.1\n");
    env.kv().delete("/net/users/bob/devices");
    // History compacted while stopped: the start reads from the sync point all the same.
    env.kv().compact(env.kv().revision());
    let mut w = Daemon::start(&env, &local, "w", &[], &[]);
    w.wait_for("committed ");
    wait_until(
        "the changes on the primary",
        || tree_kv(&env, &primary, "main") == etcd_managed(&env),
        || w.said(),
    );
    assert!(
        !env.kv().dump(b"/netsync/watch/").is_empty(),
        "the election is held"
    );
    let status = env.netsync_ok(&["status", "--offline"], &local);
    assert!(status.contains("watcher: active on "), "{status}");

    let asked = Instant::now();
    w.signal("-TERM");
    let exit = w.wait_exit(Duration::from_secs(20));
    assert_eq!(exit.code(), Some(0), "{}", w.said());
    assert!(
        asked.elapsed() < Duration::from_secs(10),
        "took {:?}",
        asked.elapsed()
    );
    assert!(
        w.stdout().contains("stopped: lease given up"),
        "{}",
        w.said()
    );
    assert!(
        env.kv().dump(b"/netsync/watch/").is_empty(),
        "the lease was given up"
    );
    assert!(env.kv().dump(b"/netsync/lock/").is_empty());
    let status = env.netsync_ok(&["status", "--offline"], &local);
    assert!(
        status.contains("watcher: none active; last commit "),
        "{status}"
    );
    env.fsck(&primary);
    env.fsck(&local);
}

#[test]
fn a_watcher_killed_mid_commit_loses_nothing_and_commits_nothing_twice() {
    let env = TestEnv::new();
    let (primary, local) = network(&env);
    let before = commit_count(&env, &primary);
    env.kv().put("/net/params/mtu", "1300");
    // Killed after it committed locally, before its push.
    let mut killed = Daemon::start(
        &env,
        &local,
        "killed",
        &[],
        &[("NETSYNC_TEST_HOOK_BEFORE_PUSH", "kill -9 $PPID")],
    );
    let exit = killed.wait_exit(PATIENCE);
    assert_eq!(exit.code(), None, "killed by SIGKILL: {}", killed.said());
    env.fsck(&local);
    assert_eq!(commit_count(&env, &primary), before, "nothing pushed yet");
    env.kv().put("/net/params/keepalive", "15");

    // The next watcher waits for the dead one's lease, then pushes its commit and records
    // what came since.
    let w = Daemon::start(&env, &local, "w", &["--output", "json"], &[]);
    wait_until(
        "both changes on the primary",
        || tree_kv(&env, &primary, "main") == etcd_managed(&env),
        || w.said(),
    );
    // --output json: one document per line, one per event, in the common envelope.
    w.wait_for("\"event\":\"committed\"");
    for line in w.stdout().lines() {
        let doc = crate::harness::json_doc(line);
        assert_eq!(doc["command"], "watch", "{line}");
        assert_eq!(doc["format_version"], 1, "{line}");
        assert!(doc["event"]["event"].is_string(), "{line}");
    }
    let history = env.git(&primary, ["log", "--format=%s", "main"]);
    assert_eq!(commit_count(&env, &primary), before + 2, "{history}");
    assert_no_empty_commits(&env, &primary);
    env.fsck(&primary);
    env.fsck(&local);
}

/// Every commit of the primary's branch changes its tree: no change was recorded twice.
fn assert_no_empty_commits(env: &TestEnv, repo: &Path) {
    for commit in env.git(repo, ["rev-list", "main"]).lines() {
        let changed = env.git(repo, ["diff-tree", "--root", "--name-only", "-r", commit]);
        assert!(
            changed.lines().count() > 1,
            "commit {commit} changes nothing"
        );
    }
}

#[test]
fn a_standby_takes_over_from_a_killed_watcher_and_survives_a_member_going() {
    let mut env = TestEnv::with_cluster(3);
    let (primary, local) = network(&env);
    let other = env.clone_bare(&primary, "other.git");
    let before = commit_count(&env, &primary);
    let a = Daemon::start(&env, &local, "a", &[], &[]);
    a.wait_for("active: watching etcd");
    let b = Daemon::start(&env, &other, "b", &[], &[]);
    b.wait_for("standby: the active watcher is netsync watch pid");

    env.kv().put("/net/params/mtu", "1400");
    wait_until(
        "the first change on the primary",
        || file(&env, &primary, "kv/params/mtu").as_deref() == Some(b"1400".as_slice()),
        || a.said(),
    );
    assert!(!b.stdout().contains("committed"), "{}", b.said());

    // The active one dies; a change comes right after; the standby takes over.
    let died = Instant::now();
    drop(a);
    env.kv().put("/net/params/keepalive", "20");
    b.wait_for("active: watching etcd");
    let takeover = died.elapsed();
    assert!(takeover < Duration::from_secs(30), "took {takeover:?}");
    wait_until(
        "the second change on the primary",
        || file(&env, &primary, "kv/params/keepalive").as_deref() == Some(b"20".as_slice()),
        || b.said(),
    );

    // A member goes: the watch moves to another one and goes on.
    env.cluster().kill(0);
    env.kv().put("/net/params/dns", "10.2.2.2\n");
    wait_until(
        "the third change on the primary",
        || file(&env, &primary, "kv/params/dns").as_deref() == Some(b"10.2.2.2\n".as_slice()),
        || b.said(),
    );
    assert_same(&tree_kv(&env, &primary, "main"), &etcd_managed(&env));
    assert_eq!(
        commit_count(&env, &primary),
        before + 3,
        "one commit per change"
    );
    assert_no_empty_commits(&env, &primary);
    env.fsck(&primary);
    env.fsck(&local);
    env.fsck(&other);
}

#[test]
fn a_watch_that_fell_behind_a_compaction_reads_everything_again() {
    let env = TestEnv::new();
    let (primary, local) = network(&env);
    let root = env.root().display().to_string();
    // Before the watch opens: say so, and wait until the test changed and compacted etcd.
    let hook = format!(
        "[ -e {root}/arm ] && {{ rm {root}/arm; touch {root}/opening; while [ ! -e {root}/compacted ]; do sleep 0.05; done; }}; true"
    );
    File::create(env.root().join("arm")).unwrap();
    let w = Daemon::start(
        &env,
        &local,
        "w",
        &["-v"],
        &[("NETSYNC_TEST_HOOK_BEFORE_WATCH_OPEN", &hook)],
    );
    wait_until(
        "the watch about to open",
        || env.root().join("opening").exists(),
        || w.said(),
    );
    env.kv().put("/net/params/mtu", "1234");
    env.kv().compact(env.kv().revision());
    File::create(env.root().join("compacted")).unwrap();
    wait_until(
        "the change on the primary",
        || file(&env, &primary, "kv/params/mtu").as_deref() == Some(b"1234".as_slice()),
        || w.said(),
    );
    assert!(
        w.stderr().contains("fell behind a compaction"),
        "{}",
        w.said()
    );
    // And it goes on watching.
    env.kv().put("/net/params/mtu", "1235");
    wait_until(
        "the next change on the primary",
        || file(&env, &primary, "kv/params/mtu").as_deref() == Some(b"1235".as_slice()),
        || w.said(),
    );
    env.fsck(&primary);
}

#[test]
fn with_apply_git_changes_reach_etcd_drift_is_recorded_and_a_conflict_is_skipped() {
    let env = TestEnv::new();
    let (primary, local) = network(&env);
    let theirs = env.clone_bare(&primary, "theirs.git");
    // While no watcher runs: Git changes dns and mtu; etcd changes a profile and mtu too.
    env.commit_files(
        &theirs,
        &[
            ("kv/params/dns", b"10.9.9.9\n".as_slice()),
            ("kv/params/mtu", b"1500"),
        ],
        &[],
        "Change DNS and MTU",
    );
    env.git(&theirs, ["push", "-q", "origin", "main"]);
    env.kv()
        .put("/net/users/alice/profile", "{\"name\":\"Alice\"}\n");
    env.kv().put("/net/params/mtu", "1450");

    let port = free_port();
    let listen = format!("127.0.0.1:{port}");
    let w = Daemon::start(
        &env,
        &local,
        "w",
        &["--apply", "--poll", "1h", "--listen", &listen],
        &[],
    );
    w.wait_for("conflicts: /net/params/mtu changed both in Git and in etcd");
    wait_until(
        "Git's change in etcd",
        || env.kv().get("/net/params/dns").as_deref() == Some(b"10.9.9.9\n".as_slice()),
        || w.said(),
    );
    wait_until(
        "the drift on the primary",
        || {
            file(&env, &primary, "kv/users/alice/profile").as_deref()
                == Some(b"{\"name\":\"Alice\"}\n".as_slice())
        },
        || w.said(),
    );
    // The conflict: neither side overwritten, still a conflict for the operator.
    assert_eq!(
        env.kv().get("/net/params/mtu").as_deref(),
        Some(b"1450".as_slice())
    );
    assert_eq!(
        file(&env, &primary, "kv/params/mtu").as_deref(),
        Some(b"1500".as_slice())
    );
    let samples = parse_openmetrics(&get(port, "/metrics").2);
    assert_eq!(sample(&samples, "netsync_watch_conflict_keys"), 1.0);
    let diff = env
        .netsync()
        .args(["diff", "--repo"])
        .arg(&local)
        .output()
        .unwrap();
    let diff = String::from_utf8_lossy(&diff.stdout);
    assert!(diff.contains("/net/params/mtu"), "{diff}");

    // The daemon keeps running: a new commit pushed, SIGHUP, and it is in etcd.
    env.git(&theirs, ["fetch", "-q", "origin", "main:main"]);
    env.commit_files(
        &theirs,
        &[("kv/params/keepalive", b"42".as_slice())],
        &[],
        "Keepalive",
    );
    env.git(&theirs, ["push", "-q", "origin", "main"]);
    w.signal("-HUP");
    wait_until(
        "the new commit in etcd",
        || env.kv().get("/net/params/keepalive").as_deref() == Some(b"42".as_slice()),
        || w.said(),
    );
    assert!(w.stdout().contains("applied "), "{}", w.said());
    let (code, _, body) = get(port, "/healthz");
    assert_eq!(code, 200, "{body}");
    env.fsck(&primary);
    env.fsck(&local);
}

/// A run for etcd's changes fetches the primary and builds on its tip: a commit pushed
/// meanwhile is then in the clone, and `--apply` applies it at once, not when the poll
/// (an hour here) would have noticed the tip move, which it no longer would.
#[test]
fn with_apply_a_commit_fetched_by_a_persist_run_is_applied_without_waiting_for_the_poll() {
    let env = TestEnv::new();
    let (primary, local) = network(&env);
    let theirs = env.clone_bare(&primary, "theirs.git");
    let w = Daemon::start(&env, &local, "w", &["--apply", "--poll", "1h"], &[]);
    w.wait_for("active: watching etcd");
    wait_until(
        "the first run",
        || w.stdout().contains("applied ") || w.stderr().contains("incremental read"),
        || w.said(),
    );
    env.commit_files(
        &theirs,
        &[("kv/params/keepalive", b"42".as_slice())],
        &[],
        "Keepalive",
    );
    env.git(&theirs, ["push", "-q", "origin", "main"]);
    // No SIGHUP: a change in etcd makes the next run, which fetches the new commit.
    env.kv().put("/net/params/mtu", "1280");
    wait_until(
        "the pushed commit in etcd",
        || env.kv().get("/net/params/keepalive").as_deref() == Some(b"42".as_slice()),
        || w.said(),
    );
    wait_until(
        "the drift on the primary",
        || file(&env, &primary, "kv/params/mtu").as_deref() == Some(b"1280".as_slice()),
        || w.said(),
    );
    env.fsck(&primary);
    env.fsck(&local);
}

#[test]
fn an_accidental_del_prefix_is_refused_and_the_watcher_keeps_going() {
    let env = TestEnv::new();
    let (primary, local) = network(&env);
    let w = Daemon::start(&env, &local, "w", &[], &[]);
    w.wait_for("active: watching etcd");
    let head = env.rev_parse(&primary, "main");
    env.kv().delete_prefix("/net/");
    wait_until(
        "the refusal",
        || w.stderr().contains("refusing to record the deletion of"),
        || w.said(),
    );
    assert_eq!(
        env.rev_parse(&primary, "main"),
        head,
        "nothing committed or pushed"
    );
    let status = env.netsync_ok(&["status", "--offline"], &local);
    assert!(
        status.contains("last persist refused (mass-delete guard)"),
        "{status}"
    );
    // Still running: the operator puts the keys back (deleted in etcd alone, they read as
    // drift to a plain apply), and it goes on from there.
    keys_back_and_the_next_change_committed(&env, &local, &primary, &w);
}

/// The operator puts the deleted keys back with `apply --force`; the watcher, still running,
/// commits the next change.
fn keys_back_and_the_next_change_committed(
    env: &TestEnv,
    local: &Path,
    primary: &Path,
    w: &Daemon,
) {
    env.netsync_ok(&["apply", "--force"], local);
    env.kv().put("/net/params/mtu", "1111");
    wait_until(
        "the next change on the primary",
        || file(env, primary, "kv/params/mtu").as_deref() == Some(b"1111".as_slice()),
        || w.said(),
    );
    env.fsck(primary);
}

/// The same when the deletion happened while no watcher ran: the first run is refused, and
/// the watch is open all the same, so the next change is committed.
#[test]
fn a_refused_first_run_still_leaves_the_watch_open() {
    let env = TestEnv::new();
    let (primary, local) = network(&env);
    let head = env.rev_parse(&primary, "main");
    env.kv().delete_prefix("/net/");
    let w = Daemon::start(&env, &local, "w", &[], &[]);
    wait_until(
        "the refusal",
        || w.stderr().contains("refusing to record the deletion of"),
        || w.said(),
    );
    assert_eq!(env.rev_parse(&primary, "main"), head, "nothing committed");
    keys_back_and_the_next_change_committed(&env, &local, &primary, &w);
}

/// `--apply` with allowed signers checks what it deploys as `apply` does: a signed commit is
/// applied, an unsigned one is not (reported; etcd keeps its value), and the daemon goes on.
#[test]
fn with_apply_and_allowed_signers_only_signed_commits_reach_etcd() {
    let env = TestEnv::new();
    let (primary, local) = network(&env);
    let alice = env.ssh_key("alice");
    let signers = env.allowed_signers("allowed_signers", &[("alice@example.net", &alice)]);
    let work = env.root().join("work");
    env.git(
        env.root(),
        [
            "clone",
            "-q",
            primary.to_str().unwrap(),
            work.to_str().unwrap(),
        ],
    );

    let port = free_port();
    let listen = format!("127.0.0.1:{port}");
    let w = Daemon::start(
        &env,
        &local,
        "w",
        &[
            "--apply",
            "--poll",
            "1h",
            "--listen",
            &listen,
            "--allowed-signers",
            signers.to_str().unwrap(),
        ],
        &[],
    );
    w.wait_for("active");

    env.commit_worktree(
        &work,
        &[("kv/params/keepalive", b"42")],
        &[],
        "Keepalive",
        Some(&alice),
    );
    env.git(&work, ["push", "-q", "origin", "HEAD:main"]);
    w.signal("-HUP");
    wait_until(
        "the signed commit in etcd",
        || env.kv().get("/net/params/keepalive").as_deref() == Some(b"42".as_slice()),
        || w.said(),
    );

    let unsigned = env.commit_worktree(
        &work,
        &[("kv/params/keepalive", b"7")],
        &[],
        "Unsigned",
        None,
    );
    env.git(&work, ["push", "-q", "origin", "HEAD:main"]);
    w.signal("-HUP");
    w.wait_for("not applied: ");
    let said = w.said();
    assert!(said.contains(&unsigned[..12]), "{said}");
    assert!(said.contains("not signed"), "{said}");
    assert_eq!(
        env.kv().get("/net/params/keepalive").as_deref(),
        Some(b"42".as_slice()),
        "the unsigned commit's value must not reach etcd"
    );
    // Still running and healthy; the refusal is counted.
    let (code, _, body) = get(port, "/healthz");
    assert_eq!(code, 200, "{body}");
    let metrics = get(port, "/metrics").2;
    assert!(metrics.contains("untrusted"), "{metrics}");
    // etcd changes are still committed while the tip waits.
    env.kv().put("/net/params/mtu", "1280");
    wait_until(
        "the drift on the primary",
        || file(&env, &primary, "kv/params/mtu").as_deref() == Some(b"1280".as_slice()),
        || w.said(),
    );
    env.fsck(&primary);
    env.fsck(&local);
}

/// The local repository is often a checkout rather than a bare clone: each burst is
/// committed to its branch and the working tree follows, as persist does. A file the next
/// commit must update that holds an uncommitted edit stops that run, which is reported and
/// retried; once the edit is gone, the change is committed.
#[test]
fn in_a_checked_out_repository_the_working_tree_follows_each_commit() {
    let env = TestEnv::new();
    let (primary, _) = network(&env);
    let local = env.root().join("checkout");
    env.git(
        env.root(),
        [
            OsStr::new("clone"),
            OsStr::new("-q"),
            primary.as_os_str(),
            local.as_os_str(),
        ],
    );
    let w = Daemon::start(&env, &local, "w", &[], &[]);
    w.wait_for("active: watching etcd");
    env.kv().put("/net/params/dns", "10.9.9.9\n");
    let dns = || std::fs::read(local.join("kv/params/dns")).ok();
    wait_until(
        "the change on the primary and in the working tree",
        || {
            file(&env, &primary, "kv/params/dns").as_deref() == Some(b"10.9.9.9\n".as_slice())
                && dns().as_deref() == Some(b"10.9.9.9\n".as_slice())
        },
        || w.said(),
    );
    let clean = || env.git(&local, ["status", "--porcelain", "--untracked-files=all"]);
    assert_eq!(clean(), "", "the checkout follows the branch");

    // Someone edits a file in the checkout that the next commit must update.
    std::fs::write(local.join("kv/params/mtu"), "9000\n").unwrap();
    env.kv().put("/net/params/mtu", "1400\n");
    w.wait_for("uncommitted edits");
    assert_ne!(
        file(&env, &primary, "kv/params/mtu").as_deref(),
        Some(b"1400\n".as_slice()),
        "nothing committed over the edit"
    );
    assert_eq!(
        std::fs::read(local.join("kv/params/mtu")).unwrap(),
        b"9000\n"
    );
    // The edit is dropped: the retry commits the change, and the tree follows again.
    env.git(&local, ["checkout", "--", "kv/params/mtu"]);
    wait_until(
        "the retried change on the primary",
        || file(&env, &primary, "kv/params/mtu").as_deref() == Some(b"1400\n".as_slice()),
        || w.said(),
    );
    wait_until("a clean checkout", || clean().is_empty(), || w.said());
    assert_eq!(
        std::fs::read(local.join("kv/params/mtu")).unwrap(),
        b"1400\n"
    );
    assert_no_empty_commits(&env, &local);
    env.fsck(&primary);
    env.fsck(&local);
}
