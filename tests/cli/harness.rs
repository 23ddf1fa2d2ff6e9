//! Test harness: real `etcd` processes, a synchronous etcd client, a hermetic Git and the
//! `netsync` binary, owned by one `TestEnv` per test.
//!
//! Everything here panics with a useful message instead of returning errors: a test that
//! cannot set itself up must fail loudly, never skip.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::ffi::{OsStr, OsString};
use std::fs;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::OnceLock;
use std::thread;
use std::time::{Duration, Instant};

use etcd_client::{Client, ConnectOptions, DeleteOptions, GetOptions, PutOptions};
use tempfile::TempDir;

/// Environment variable naming the `etcd` binary to use instead of `etcd` on `PATH`.
pub const ETCD_ENV: &str = "NETSYNC_TEST_ETCD";

/// What a test says when there is no `etcd` to start.
pub const ETCD_INSTALL_HINT: &str =
    "etcd not found: install it with 'apt-get install etcd-server' or set NETSYNC_TEST_ETCD";

/// How long a member gets to become healthy.
const HEALTH_TIMEOUT: Duration = Duration::from_secs(20);

/// How many times a start is retried with fresh ports when it fails (port races).
const START_ATTEMPTS: usize = 4;

/// How long `Kv` keeps retrying an operation that fails for a transient reason
/// (member down, leader election in progress).
const KV_RETRY_FOR: Duration = Duration::from_secs(20);

/// Fixed dates, so commit ids made by the harness are reproducible.
const GIT_DATE: &str = "1704067200 +0000";

static UNIQUE: AtomicU64 = AtomicU64::new(0);

fn unique_token(what: &str) -> String {
    let n = UNIQUE.fetch_add(1, Ordering::Relaxed);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    format!("{what}-{}-{n}-{nanos}", std::process::id())
}

// ---------------------------------------------------------------------------------------------
// Locating etcd
// ---------------------------------------------------------------------------------------------

/// Finds the etcd binary from the value of `NETSYNC_TEST_ETCD` (if set) or else from `PATH`.
///
/// Takes both as arguments so tests can check it without mutating the process environment.
pub fn locate_etcd(
    override_path: Option<&OsStr>,
    path_var: Option<&OsStr>,
) -> Result<PathBuf, String> {
    if let Some(p) = override_path.filter(|p| !p.is_empty()) {
        let p = PathBuf::from(p);
        return if is_executable(&p) {
            Ok(p)
        } else {
            Err(format!(
                "{ETCD_INSTALL_HINT} ({ETCD_ENV}={} is not an executable file)",
                p.display()
            ))
        };
    }
    if let Some(path_var) = path_var {
        for dir in std::env::split_paths(path_var) {
            let candidate = dir.join("etcd");
            if is_executable(&candidate) {
                return Ok(candidate);
            }
        }
    }
    Err(format!("{ETCD_INSTALL_HINT} (no 'etcd' on PATH)"))
}

fn is_executable(p: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    fs::metadata(p)
        .map(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
        .unwrap_or(false)
}

/// The etcd binary for this test run; panics with the install hint when there is none.
pub fn etcd_binary() -> PathBuf {
    static BIN: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    let found = BIN.get_or_init(|| {
        locate_etcd(
            std::env::var_os(ETCD_ENV).as_deref(),
            std::env::var_os("PATH").as_deref(),
        )
    });
    match found {
        Ok(p) => p.clone(),
        Err(msg) => panic!("{msg}"),
    }
}

/// Extra flags this etcd version understands that make tests faster.
fn fast_flags(bin: &Path) -> &'static [&'static str] {
    static SUPPORTS_NO_FSYNC: OnceLock<bool> = OnceLock::new();
    let no_fsync = *SUPPORTS_NO_FSYNC.get_or_init(|| {
        // etcd >= 3.5 has --unsafe-no-fsync; 3.4 does not and refuses unknown flags.
        Command::new(bin)
            .arg("--help")
            .output()
            .map(|o| {
                let mut all = o.stdout;
                all.extend_from_slice(&o.stderr);
                String::from_utf8_lossy(&all).contains("--unsafe-no-fsync")
            })
            .unwrap_or(false)
    });
    if no_fsync {
        &["--unsafe-no-fsync"]
    } else {
        &[]
    }
}

// ---------------------------------------------------------------------------------------------
// One etcd member
// ---------------------------------------------------------------------------------------------

/// Reserves `n` distinct free loopback ports. The listeners are closed on return, so a race
/// with another process is possible; callers retry the whole start on failure.
fn free_ports(n: usize) -> Vec<u16> {
    let listeners: Vec<TcpListener> = (0..n)
        .map(|_| TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0"))
        .collect();
    listeners
        .iter()
        .map(|l| l.local_addr().expect("local_addr").port())
        .collect()
}

/// A real `etcd` process (one member), with its own temporary data dir and log file.
/// Dropping it kills and reaps the process and removes the directory.
pub struct Etcd {
    name: String,
    bin: PathBuf,
    dir: TempDir,
    client_port: u16,
    peer_port: u16,
    initial_cluster: String,
    token: String,
    /// Extra server flags, e.g. `--max-txn-ops 16`.
    extra_args: Vec<String>,
    child: Option<Child>,
    /// A second client listener with TLS (see `start_with_tls`).
    tls_port: Option<u16>,
}

impl Etcd {
    /// Starts a single-member etcd on free loopback ports and waits until it is healthy.
    pub fn start() -> Etcd {
        Self::start_with(&[])
    }

    /// Like `start`, with extra server flags (e.g. `["--max-txn-ops", "16"]`).
    pub fn start_with(extra_args: &[&str]) -> Etcd {
        let mut failures = Vec::new();
        for _ in 0..START_ATTEMPTS {
            let ports = free_ports(2);
            let name = "solo".to_string();
            let initial = format!("{name}=http://127.0.0.1:{}", ports[1]);
            let mut etcd = Etcd::new(name, ports[0], ports[1], initial, unique_token("netsync"));
            etcd.extra_args = extra_args.iter().map(|a| a.to_string()).collect();
            etcd.spawn();
            match etcd.wait_healthy(Instant::now() + HEALTH_TIMEOUT) {
                Ok(()) => return etcd,
                Err(e) => failures.push(e),
            }
        }
        panic!(
            "etcd did not start after {START_ATTEMPTS} attempts:\n{}",
            failures.join("\n")
        );
    }

    fn new(name: String, client_port: u16, peer_port: u16, initial: String, token: String) -> Etcd {
        let dir = tempfile::Builder::new()
            .prefix("netsync-etcd-")
            .tempdir()
            .expect("tempdir");
        Etcd {
            name,
            bin: etcd_binary(),
            dir,
            client_port,
            peer_port,
            initial_cluster: initial,
            token,
            extra_args: Vec::new(),
            child: None,
            tls_port: None,
        }
    }

    /// Starts a single-member etcd that also listens with TLS on `tls_endpoint()`. `tls_args`
    /// are etcd's TLS flags (`--cert-file`, `--key-file`, `--trusted-ca-file`,
    /// `--client-cert-auth`). The plain `endpoint()` stays, for health checks and for
    /// inspecting etcd from tests.
    pub fn start_with_tls(tls_args: &[String]) -> Etcd {
        let mut failures = Vec::new();
        for _ in 0..START_ATTEMPTS {
            let ports = free_ports(3);
            let name = "solo".to_string();
            let initial = format!("{name}=http://127.0.0.1:{}", ports[1]);
            let mut etcd = Etcd::new(name, ports[0], ports[1], initial, unique_token("netsync"));
            etcd.tls_port = Some(ports[2]);
            etcd.extra_args = tls_args.to_vec();
            etcd.spawn();
            match etcd.wait_healthy(Instant::now() + HEALTH_TIMEOUT) {
                Ok(()) => return etcd,
                Err(e) => failures.push(e),
            }
        }
        panic!(
            "etcd did not start after {START_ATTEMPTS} attempts:\n{}",
            failures.join("\n")
        );
    }

    /// The TLS client URL of an etcd from `start_with_tls`, e.g. `https://127.0.0.1:40124`.
    pub fn tls_endpoint(&self) -> String {
        let port = self.tls_port.expect("this etcd was not started with TLS");
        format!("https://127.0.0.1:{port}")
    }

    fn spawn(&mut self) {
        assert!(
            self.child.is_none(),
            "etcd {} is already running",
            self.name
        );
        let log = fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.log_path())
            .expect("open etcd log");
        let client = self.endpoint();
        let listen = match self.tls_port {
            Some(port) => format!("{client},https://127.0.0.1:{port}"),
            None => client.clone(),
        };
        let peer = format!("http://127.0.0.1:{}", self.peer_port);
        let mut cmd = Command::new(&self.bin);
        cmd.arg("--name")
            .arg(&self.name)
            .arg("--data-dir")
            .arg(self.data_dir())
            .args([
                "--listen-client-urls",
                &listen,
                "--advertise-client-urls",
                &client,
            ])
            .args([
                "--listen-peer-urls",
                &peer,
                "--initial-advertise-peer-urls",
                &peer,
            ])
            .args(["--initial-cluster", &self.initial_cluster])
            .args([
                "--initial-cluster-state",
                "new",
                "--initial-cluster-token",
                &self.token,
            ])
            .args(["--logger", "zap", "--log-outputs", "stderr"])
            .args(fast_flags(&self.bin))
            .args(&self.extra_args)
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("clone log handle"))
            .stderr(log);
        // ETCD_* variables would shadow or conflict with our flags.
        for (k, _) in std::env::vars_os() {
            if k.to_string_lossy().starts_with("ETCD") {
                cmd.env_remove(&k);
            }
        }
        let child = cmd.spawn().unwrap_or_else(|e| {
            panic!(
                "cannot run {}: {e}\n{ETCD_INSTALL_HINT}",
                self.bin.display()
            )
        });
        self.child = Some(child);
    }

    /// Waits for `GET /health` to report healthy; on failure kills the process and returns
    /// a message with the tail of its log.
    fn wait_healthy(&mut self, deadline: Instant) -> Result<(), String> {
        loop {
            if let Some(child) = self.child.as_mut() {
                if let Ok(Some(status)) = child.try_wait() {
                    self.child = None;
                    return Err(self.failure(&format!("exited early with {status}")));
                }
            }
            if http_health(self.client_port) {
                return Ok(());
            }
            if Instant::now() > deadline {
                self.kill();
                return Err(self.failure("did not become healthy in time"));
            }
            thread::sleep(Duration::from_millis(50));
        }
    }

    fn failure(&self, what: &str) -> String {
        format!(
            "etcd member {} (client port {}, peer port {}) {what}; log {}:\n{}",
            self.name,
            self.client_port,
            self.peer_port,
            self.log_path().display(),
            self.log_tail(30)
        )
    }

    /// Client URL, e.g. `http://127.0.0.1:40123`.
    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.client_port)
    }

    pub fn client_port(&self) -> u16 {
        self.client_port
    }

    pub fn peer_port(&self) -> u16 {
        self.peer_port
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn data_dir(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    pub fn log_path(&self) -> PathBuf {
        self.dir.path().join("etcd.log")
    }

    /// The last `lines` lines of the member's log (all its runs).
    pub fn log_tail(&self, lines: usize) -> String {
        let text = fs::read(self.log_path()).unwrap_or_default();
        let text = String::from_utf8_lossy(&text);
        let all: Vec<&str> = text.lines().collect();
        all[all.len().saturating_sub(lines)..].join("\n")
    }

    pub fn is_running(&mut self) -> bool {
        match self.child.as_mut() {
            Some(c) => matches!(c.try_wait(), Ok(None)),
            None => false,
        }
    }

    /// Kills the process (SIGKILL, like a crash) and reaps it. The data dir stays.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Stops the process gracefully (SIGTERM, then SIGKILL after 10 s) and reaps it.
    pub fn stop(&mut self) {
        let Some(mut child) = self.child.take() else {
            return;
        };
        let termed = Command::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .status()
            .map(|s| s.success())
            .unwrap_or(false);
        if termed {
            let deadline = Instant::now() + Duration::from_secs(10);
            while Instant::now() < deadline {
                if let Ok(Some(_)) = child.try_wait() {
                    return;
                }
                thread::sleep(Duration::from_millis(20));
            }
        }
        let _ = child.kill();
        let _ = child.wait();
    }

    /// Starts the process again with the same name, ports and data dir, and waits until it is
    /// healthy (for a cluster member: until it has rejoined a cluster with a leader).
    pub fn restart(&mut self) {
        self.stop();
        self.spawn_again();
        if let Err(e) = self.wait_healthy(Instant::now() + HEALTH_TIMEOUT) {
            panic!("{e}");
        }
    }

    fn spawn_again(&mut self) {
        // The old process may have just released its ports; give the kernel a moment.
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline
            && (TcpListener::bind(("127.0.0.1", self.client_port)).is_err()
                || TcpListener::bind(("127.0.0.1", self.peer_port)).is_err())
        {
            thread::sleep(Duration::from_millis(50));
        }
        self.spawn();
    }
}

impl Drop for Etcd {
    fn drop(&mut self) {
        self.kill();
    }
}

/// `GET /health` on a client port, true when etcd answers `"health":"true"`.
fn http_health(port: u16) -> bool {
    let addr = std::net::SocketAddr::from(([127, 0, 0, 1], port));
    let Ok(mut s) = TcpStream::connect_timeout(&addr, Duration::from_millis(500)) else {
        return false;
    };
    let _ = s.set_read_timeout(Some(Duration::from_secs(3)));
    let _ = s.set_write_timeout(Some(Duration::from_secs(1)));
    let req = format!("GET /health HTTP/1.0\r\nHost: 127.0.0.1:{port}\r\n\r\n");
    if s.write_all(req.as_bytes()).is_err() {
        return false;
    }
    let mut body = String::new();
    let _ = s.read_to_string(&mut body);
    body.starts_with("HTTP/1.") && body.contains(" 200 ") && body.contains("\"health\":\"true\"")
}

// ---------------------------------------------------------------------------------------------
// A cluster
// ---------------------------------------------------------------------------------------------

/// An n-member etcd cluster on loopback, all members bootstrapped together.
pub struct Cluster {
    members: Vec<Etcd>,
}

impl Cluster {
    /// Starts `n` members concurrently and waits until every one is healthy.
    pub fn start(n: usize) -> Cluster {
        assert!(n >= 1, "a cluster needs at least one member");
        let mut failures = Vec::new();
        for _ in 0..START_ATTEMPTS {
            let ports = free_ports(2 * n);
            let token = unique_token("netsync-cluster");
            let names: Vec<String> = (0..n).map(|i| format!("m{i}")).collect();
            let initial = names
                .iter()
                .enumerate()
                .map(|(i, name)| format!("{name}=http://127.0.0.1:{}", ports[2 * i + 1]))
                .collect::<Vec<_>>()
                .join(",");
            let mut members: Vec<Etcd> = names
                .into_iter()
                .enumerate()
                .map(|(i, name)| {
                    Etcd::new(
                        name,
                        ports[2 * i],
                        ports[2 * i + 1],
                        initial.clone(),
                        token.clone(),
                    )
                })
                .collect();
            for m in &mut members {
                m.spawn();
            }
            let deadline = Instant::now() + HEALTH_TIMEOUT;
            let errors: Vec<String> = members
                .iter_mut()
                .filter_map(|m| m.wait_healthy(deadline).err())
                .collect();
            if errors.is_empty() {
                return Cluster { members };
            }
            failures.extend(errors);
            // `members` drops here: every process is killed before the next attempt.
        }
        panic!(
            "etcd cluster did not start after {START_ATTEMPTS} attempts:\n{}",
            failures.join("\n")
        );
    }

    pub fn len(&self) -> usize {
        self.members.len()
    }

    /// All client URLs, comma-joined (the `--endpoints` format).
    pub fn endpoints(&self) -> String {
        self.members
            .iter()
            .map(Etcd::endpoint)
            .collect::<Vec<_>>()
            .join(",")
    }

    pub fn member(&self, i: usize) -> &Etcd {
        &self.members[i]
    }

    pub fn member_mut(&mut self, i: usize) -> &mut Etcd {
        &mut self.members[i]
    }

    pub fn kill(&mut self, i: usize) {
        self.members[i].kill();
    }

    pub fn stop(&mut self, i: usize) {
        self.members[i].stop();
    }

    pub fn restart(&mut self, i: usize) {
        self.members[i].restart();
    }

    /// Index of the current leader, asking every running member for its status; waits (up
    /// to 20 s) until the running members agree on a leader that is one of them.
    pub fn leader_index(&mut self) -> usize {
        let deadline = Instant::now() + HEALTH_TIMEOUT;
        loop {
            let mut ids = Vec::new(); // (index, member id, leader id)
            for i in 0..self.members.len() {
                if !self.members[i].is_running() {
                    continue;
                }
                if let Some((member, leader)) = member_status(&self.members[i].endpoint()) {
                    ids.push((i, member, leader));
                }
            }
            if let Some(&(_, _, leader)) = ids.first() {
                let agreed = leader != 0 && ids.iter().all(|&(_, _, l)| l == leader);
                if let Some(&(i, _, _)) = ids.iter().find(|&&(_, m, _)| m == leader) {
                    if agreed {
                        return i;
                    }
                }
            }
            if Instant::now() > deadline {
                panic!("no agreed etcd leader among running members: {ids:?}");
            }
            thread::sleep(Duration::from_millis(100));
        }
    }
}

/// `(member id, leader id)` of the member at `endpoint`, or None if it does not answer.
fn member_status(endpoint: &str) -> Option<(u64, u64)> {
    let rt = runtime();
    rt.block_on(async {
        let opts = ConnectOptions::new()
            .with_connect_timeout(Duration::from_secs(1))
            .with_timeout(Duration::from_secs(2));
        let mut c = Client::connect([endpoint], Some(opts)).await.ok()?;
        let s = c.status().await.ok()?;
        Some((s.header()?.member_id(), s.leader()))
    })
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("tokio runtime")
}

// ---------------------------------------------------------------------------------------------
// A synchronous KV client
// ---------------------------------------------------------------------------------------------

/// A small blocking etcd client for setting up and inspecting etcd byte-exactly in tests.
/// Transient failures (a member down, an election) are retried for up to 20 s.
/// Use it from plain `#[test]` functions, not from inside a tokio runtime.
pub struct Kv {
    rt: tokio::runtime::Runtime,
    client: Client,
    endpoints: String,
}

impl Kv {
    /// Connects to comma-separated client URLs.
    pub fn connect(endpoints: &str) -> Kv {
        let rt = runtime();
        let list: Vec<String> = endpoints.split(',').map(|s| s.trim().to_string()).collect();
        let opts = ConnectOptions::new()
            .with_connect_timeout(Duration::from_secs(2))
            .with_timeout(Duration::from_secs(5));
        let client = rt
            .block_on(Client::connect(&list, Some(opts)))
            .unwrap_or_else(|e| panic!("connect to etcd at {endpoints}: {e}"));
        Kv {
            rt,
            client,
            endpoints: endpoints.to_string(),
        }
    }

    /// Connects as an etcd user (for clusters with auth enabled).
    pub fn connect_as(endpoints: &str, user: &str, password: &str) -> Kv {
        let rt = runtime();
        let list: Vec<String> = endpoints.split(',').map(|s| s.trim().to_string()).collect();
        let opts = ConnectOptions::new()
            .with_connect_timeout(Duration::from_secs(2))
            .with_timeout(Duration::from_secs(5))
            .with_user(user, password);
        let client = rt
            .block_on(Client::connect(&list, Some(opts)))
            .unwrap_or_else(|e| panic!("connect to etcd at {endpoints} as {user}: {e}"));
        Kv {
            rt,
            client,
            endpoints: endpoints.to_string(),
        }
    }

    pub fn endpoints(&self) -> &str {
        &self.endpoints
    }

    /// The underlying async client (cheap to clone), for what this wrapper does not offer:
    /// `kv.block_on(async { kv.client().txn(..).await })`.
    pub fn client(&self) -> Client {
        self.client.clone()
    }

    pub fn block_on<F: std::future::Future>(&self, f: F) -> F::Output {
        self.rt.block_on(f)
    }

    /// Runs `op` with a fresh client clone, retrying transient errors.
    fn run<T, F, Fut>(&self, what: &str, op: F) -> T
    where
        F: Fn(Client) -> Fut,
        Fut: std::future::Future<Output = Result<T, etcd_client::Error>>,
    {
        let deadline = Instant::now() + KV_RETRY_FOR;
        loop {
            match self.rt.block_on(op(self.client.clone())) {
                Ok(v) => return v,
                Err(e) if is_transient(&e) && Instant::now() < deadline => {
                    thread::sleep(Duration::from_millis(100));
                }
                Err(e) => panic!("etcd {what} at {}: {e}", self.endpoints),
            }
        }
    }

    pub fn put(&self, key: impl AsRef<[u8]>, value: impl AsRef<[u8]>) {
        let (k, v) = (key.as_ref().to_vec(), value.as_ref().to_vec());
        self.run("put", |mut c| {
            let (k, v) = (k.clone(), v.clone());
            async move { c.put(k, v, None).await }
        });
    }

    /// Grants a lease with `ttl_secs` and puts the key attached to it; returns the lease id.
    /// The lease is not kept alive: the key disappears after the TTL.
    pub fn put_with_lease(
        &self,
        key: impl AsRef<[u8]>,
        value: impl AsRef<[u8]>,
        ttl_secs: i64,
    ) -> i64 {
        let lease_id = self.run("lease grant", |mut c| async move {
            c.lease_grant(ttl_secs, None).await.map(|l| l.id())
        });
        let (k, v) = (key.as_ref().to_vec(), value.as_ref().to_vec());
        self.run("put with lease", |mut c| {
            let (k, v) = (k.clone(), v.clone());
            async move {
                c.put(k, v, Some(PutOptions::new().with_lease(lease_id)))
                    .await
            }
        });
        lease_id
    }

    pub fn get(&self, key: impl AsRef<[u8]>) -> Option<Vec<u8>> {
        let k = key.as_ref().to_vec();
        let resp = self.run("get", |mut c| {
            let k = k.clone();
            async move { c.get(k, None).await }
        });
        resp.kvs().first().map(|kv| kv.value().to_vec())
    }

    /// The key's `mod_revision`, or None if it does not exist.
    pub fn mod_revision(&self, key: impl AsRef<[u8]>) -> Option<i64> {
        let k = key.as_ref().to_vec();
        let resp = self.run("get", |mut c| {
            let k = k.clone();
            async move { c.get(k, None).await }
        });
        resp.kvs().first().map(|kv| kv.mod_revision())
    }

    /// The key's lease id (0 = none), or None if it does not exist.
    pub fn lease(&self, key: impl AsRef<[u8]>) -> Option<i64> {
        let k = key.as_ref().to_vec();
        let resp = self.run("get", |mut c| {
            let k = k.clone();
            async move { c.get(k, None).await }
        });
        resp.kvs().first().map(|kv| kv.lease())
    }

    /// Deletes one key; returns how many keys were deleted (0 or 1).
    pub fn delete(&self, key: impl AsRef<[u8]>) -> i64 {
        let k = key.as_ref().to_vec();
        self.run("delete", |mut c| {
            let k = k.clone();
            async move { c.delete(k, None).await }
        })
        .deleted()
    }

    /// Deletes every key starting with `prefix` (everything for an empty prefix).
    pub fn delete_prefix(&self, prefix: impl AsRef<[u8]>) -> i64 {
        let (start, end) = range_for_prefix(prefix.as_ref());
        self.run("delete range", |mut c| {
            let (start, end) = (start.clone(), end.clone());
            async move {
                c.delete(start, Some(DeleteOptions::new().with_range(end)))
                    .await
            }
        })
        .deleted()
    }

    /// Every key starting with `prefix` and its value, read at one revision, paginated.
    /// An empty prefix dumps the whole keyspace.
    pub fn dump(&self, prefix: &[u8]) -> BTreeMap<Vec<u8>, Vec<u8>> {
        const PAGE: i64 = 500;
        let (mut start, end) = range_for_prefix(prefix);
        let mut out = BTreeMap::new();
        let mut rev = 0;
        loop {
            let resp = self.run("range", |mut c| {
                let (start, end) = (start.clone(), end.clone());
                async move {
                    let opts = GetOptions::new()
                        .with_range(end)
                        .with_limit(PAGE)
                        .with_revision(rev);
                    c.get(start, Some(opts)).await
                }
            });
            if rev == 0 {
                rev = resp.header().map(|h| h.revision()).unwrap_or(0);
            }
            let more = resp.more();
            let mut last = None;
            for kv in resp.kvs() {
                out.insert(kv.key().to_vec(), kv.value().to_vec());
                last = Some(kv.key().to_vec());
            }
            match last {
                Some(mut k) if more => {
                    k.push(0);
                    start = k;
                }
                _ => return out,
            }
        }
    }

    /// The whole keyspace.
    pub fn dump_all(&self) -> BTreeMap<Vec<u8>, Vec<u8>> {
        self.dump(b"")
    }

    /// Like `dump`, with keys and values as (lossy) strings: handy in `assert_eq!`.
    pub fn dump_str(&self, prefix: &str) -> BTreeMap<String, String> {
        self.dump(prefix.as_bytes())
            .into_iter()
            .map(|(k, v)| {
                (
                    String::from_utf8_lossy(&k).into_owned(),
                    String::from_utf8_lossy(&v).into_owned(),
                )
            })
            .collect()
    }

    /// The store's current revision.
    pub fn revision(&self) -> i64 {
        let resp = self.run("get", |mut c| async move {
            c.get(
                vec![0u8],
                Some(GetOptions::new().with_limit(1).with_keys_only()),
            )
            .await
        });
        resp.header()
            .map(|h| h.revision())
            .expect("response header")
    }

    /// Compacts history up to `rev` (physical: waits until it is applied).
    pub fn compact(&self, rev: i64) {
        self.run("compact", |mut c| async move {
            let opts = etcd_client::CompactionOptions::new().with_physical();
            c.compact(rev, Some(opts)).await
        });
    }

    /// `(cluster id, member id)` of the member that answered.
    pub fn ids(&self) -> (u64, u64) {
        let s = self.run("status", |mut c| async move { c.status().await });
        let h = s.header().expect("status header");
        (h.cluster_id(), h.member_id())
    }
}

fn is_transient(e: &etcd_client::Error) -> bool {
    match e {
        etcd_client::Error::TransportError(_) | etcd_client::Error::IoError(_) => true,
        etcd_client::Error::GRpcStatus(s) => {
            let code = format!("{:?}", s.code());
            let msg = s.message().to_ascii_lowercase();
            matches!(
                code.as_str(),
                "Unavailable" | "DeadlineExceeded" | "Cancelled"
            ) || msg.contains("leader")
                || msg.contains("timed out")
                || msg.contains("transport")
        }
        _ => false,
    }
}

/// `[start, end)` covering every key that starts with `prefix`; `end == [0]` means "to the
/// end of the keyspace" in etcd.
pub fn range_for_prefix(prefix: &[u8]) -> (Vec<u8>, Vec<u8>) {
    if prefix.is_empty() {
        return (vec![0], vec![0]);
    }
    let mut end = prefix.to_vec();
    while let Some(&last) = end.last() {
        if last < 0xff {
            *end.last_mut().expect("non-empty") += 1;
            return (prefix.to_vec(), end);
        }
        end.pop();
    }
    (prefix.to_vec(), vec![0])
}

// ---------------------------------------------------------------------------------------------
// Hermetic Git and the netsync binary
// ---------------------------------------------------------------------------------------------

/// The etcd a `TestEnv` talks to.
pub enum Backend {
    Single(Etcd),
    Cluster(Cluster),
}

/// One test's world: a temp dir (also the current dir of commands), a fake `HOME`, its own
/// etcd, a `Kv` connected to it, and helpers for Git and `netsync`.
pub struct TestEnv {
    // Field order is drop order: the client goes before etcd, etcd before the directory.
    kv: Kv,
    backend: Backend,
    root: TempDir,
}

impl TestEnv {
    /// A fresh environment with a single-member etcd.
    pub fn new() -> TestEnv {
        Self::with_backend(Backend::Single(Etcd::start()))
    }

    /// A fresh environment around an etcd the test started itself (e.g. `Etcd::start_with_tls`).
    pub fn with_etcd(etcd: Etcd) -> TestEnv {
        Self::with_backend(Backend::Single(etcd))
    }

    /// A fresh environment whose single etcd runs with extra server flags.
    pub fn with_etcd_args(args: &[&str]) -> TestEnv {
        Self::with_backend(Backend::Single(Etcd::start_with(args)))
    }

    /// A fresh environment with an `n`-member etcd cluster.
    pub fn with_cluster(n: usize) -> TestEnv {
        Self::with_backend(Backend::Cluster(Cluster::start(n)))
    }

    fn with_backend(backend: Backend) -> TestEnv {
        let root = tempfile::Builder::new()
            .prefix("netsync-test-")
            .tempdir()
            .expect("tempdir");
        fs::create_dir_all(root.path().join("home")).expect("create fake HOME");
        let endpoints = match &backend {
            Backend::Single(e) => e.endpoint(),
            Backend::Cluster(c) => c.endpoints(),
        };
        let kv = Kv::connect(&endpoints);
        TestEnv { kv, backend, root }
    }

    /// The temp dir; commands run here.
    pub fn root(&self) -> &Path {
        self.root.path()
    }

    pub fn home(&self) -> PathBuf {
        self.root.path().join("home")
    }

    /// Comma-joined client URLs of this environment's etcd.
    pub fn endpoints(&self) -> String {
        match &self.backend {
            Backend::Single(e) => e.endpoint(),
            Backend::Cluster(c) => c.endpoints(),
        }
    }

    pub fn kv(&self) -> &Kv {
        &self.kv
    }

    /// The single etcd member; panics for a cluster environment.
    pub fn etcd(&mut self) -> &mut Etcd {
        match &mut self.backend {
            Backend::Single(e) => e,
            Backend::Cluster(_) => panic!("this TestEnv runs a cluster: use cluster()"),
        }
    }

    /// The cluster; panics for a single-member environment.
    pub fn cluster(&mut self) -> &mut Cluster {
        match &mut self.backend {
            Backend::Cluster(c) => c,
            Backend::Single(_) => panic!("this TestEnv runs a single etcd: use etcd()"),
        }
    }

    /// The environment every child process gets (the parent's environment is not inherited).
    pub fn env_vars(&self) -> Vec<(OsString, OsString)> {
        let mut vars: Vec<(OsString, OsString)> = vec![
            ("HOME".into(), self.home().into()),
            ("XDG_CONFIG_HOME".into(), self.home().join(".config").into()),
            ("GIT_CONFIG_GLOBAL".into(), "/dev/null".into()),
            ("GIT_CONFIG_NOSYSTEM".into(), "1".into()),
            ("GIT_TERMINAL_PROMPT".into(), "0".into()),
            ("GIT_AUTHOR_NAME".into(), "Test Author".into()),
            ("GIT_AUTHOR_EMAIL".into(), "author@example.net".into()),
            ("GIT_AUTHOR_DATE".into(), GIT_DATE.into()),
            ("GIT_COMMITTER_NAME".into(), "Test Committer".into()),
            ("GIT_COMMITTER_EMAIL".into(), "committer@example.net".into()),
            ("GIT_COMMITTER_DATE".into(), GIT_DATE.into()),
            ("NO_COLOR".into(), "1".into()),
            ("TZ".into(), "UTC".into()),
            ("LC_ALL".into(), "C".into()),
            ("NETSYNC_ENDPOINTS".into(), self.endpoints().into()),
        ];
        // Passed through: finding programs, temp files, backtraces, coverage.
        for name in [
            "PATH",
            "TMPDIR",
            "RUST_BACKTRACE",
            "LLVM_PROFILE_FILE",
            ETCD_ENV,
        ] {
            if let Some(v) = std::env::var_os(name) {
                vars.push((name.into(), v));
            }
        }
        vars
    }

    /// `std::process::Command` for `program` with the hermetic environment, run in `root()`.
    pub fn command(&self, program: impl AsRef<OsStr>) -> Command {
        let mut cmd = Command::new(program);
        cmd.env_clear()
            .envs(self.env_vars())
            .current_dir(self.root())
            .stdin(Stdio::null());
        cmd
    }

    /// Path of the `netsync` binary under test.
    pub fn netsync_bin() -> PathBuf {
        PathBuf::from(env!("CARGO_BIN_EXE_netsync"))
    }

    /// `netsync` with the hermetic environment (`NETSYNC_ENDPOINTS` set to this etcd, no
    /// `ETCDCTL_*`, no `RUST_LOG`), run in `root()`.
    pub fn netsync(&self) -> assert_cmd::Command {
        assert_cmd::Command::from_std(self.netsync_std())
    }

    /// A fresh etcd and the example network in a bare repository `network`, applied (so a
    /// sync point exists).
    pub fn applied_network() -> (TestEnv, PathBuf) {
        let env = TestEnv::new();
        let repo = env.init_repo("network", true);
        env.copy_fixture(&repo, "network");
        env.netsync_ok(&["apply"], &repo);
        (env, repo)
    }

    /// Runs `netsync args --repo repo`; panics with its exit code and stderr unless it
    /// succeeds; returns stdout.
    pub fn netsync_ok(&self, args: &[&str], repo: &Path) -> String {
        let out = self
            .netsync()
            .args(args)
            .arg("--repo")
            .arg(repo)
            .output()
            .expect("run netsync");
        assert!(
            out.status.success(),
            "netsync {args:?}: exit {:?}\n{}",
            out.status.code(),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).expect("UTF-8 output")
    }

    /// Same as `netsync()` but a plain `std::process::Command` (to `spawn` concurrent runs).
    pub fn netsync_std(&self) -> Command {
        self.command(Self::netsync_bin())
    }

    /// Runs `git args` in `dir` with the hermetic environment; panics with stderr on failure;
    /// returns stdout.
    pub fn git<I, S>(&self, dir: impl AsRef<Path>, args: I) -> String
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        let out = self.git_output(dir.as_ref(), args, None);
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Like `git`, feeding `input` on stdin and returning raw stdout.
    pub fn git_stdin<I, S>(&self, dir: impl AsRef<Path>, args: I, input: &[u8]) -> Vec<u8>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        self.git_output(dir.as_ref(), args, Some(input)).stdout
    }

    fn git_output<I, S>(&self, dir: &Path, args: I, input: Option<&[u8]>) -> Output
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        self.git_output_env(dir, args, input, &[])
    }

    fn git_output_env<I, S>(
        &self,
        dir: &Path,
        args: I,
        input: Option<&[u8]>,
        extra_env: &[(&str, &OsStr)],
    ) -> Output
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        let args: Vec<OsString> = args
            .into_iter()
            .map(|a| a.as_ref().to_os_string())
            .collect();
        let mut cmd = self.command("git");
        cmd.args(&args)
            .current_dir(dir)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        for (k, v) in extra_env {
            cmd.env(k, v);
        }
        if input.is_some() {
            cmd.stdin(Stdio::piped());
        }
        let mut child = cmd
            .spawn()
            .unwrap_or_else(|e| panic!("cannot run git: {e}"));
        if let Some(input) = input {
            let mut stdin = child.stdin.take().expect("stdin");
            let input = input.to_vec();
            // A writer thread, so a large input cannot deadlock against a full stdout pipe.
            let writer = thread::spawn(move || {
                let _ = stdin.write_all(&input);
            });
            let out = child.wait_with_output().expect("wait for git");
            let _ = writer.join();
            check_git(dir, &args, out)
        } else {
            check_git(dir, &args, child.wait_with_output().expect("wait for git"))
        }
    }

    /// Creates `root()/name` as a Git repository with `main` as the initial branch.
    pub fn init_repo(&self, name: &str, bare: bool) -> PathBuf {
        let path = self.root().join(name);
        let mut args: Vec<OsString> = vec!["init".into(), "-q".into(), "-b".into(), "main".into()];
        if bare {
            args.push("--bare".into());
        }
        args.push(path.clone().into());
        self.git(self.root(), args);
        path
    }

    /// `git clone --bare src root()/name`; returns the new path.
    pub fn clone_bare(&self, src: impl AsRef<Path>, name: &str) -> PathBuf {
        let path = self.root().join(name);
        self.git(
            self.root(),
            [
                OsStr::new("clone"),
                OsStr::new("-q"),
                OsStr::new("--bare"),
                src.as_ref().as_os_str(),
                path.as_os_str(),
            ],
        );
        path
    }

    fn is_bare(&self, repo: &Path) -> bool {
        self.git(repo, ["rev-parse", "--is-bare-repository"]).trim() == "true"
    }

    /// Commits `files` (path → exact bytes) and `removals` on top of the current branch of
    /// `repo`, bare or not; returns the new commit id. Works without a working tree (Git
    /// plumbing on a temporary index), so paths may hold `%`, spaces, glob characters and
    /// any UTF-8. For a non-bare repo the working tree and index are updated to match.
    pub fn commit_files(
        &self,
        repo: impl AsRef<Path>,
        files: &[(&str, &[u8])],
        removals: &[&str],
        message: &str,
    ) -> String {
        let repo = repo.as_ref();
        let scratch = tempfile::tempdir().expect("tempdir");
        let index = scratch.path().join("index");
        let index_env = [("GIT_INDEX_FILE", index.as_os_str())];
        let parent = self.try_rev_parse(repo, "HEAD^{commit}");
        if parent.is_some() {
            self.git_output_env(repo, ["read-tree", "HEAD"], None, &index_env);
        }

        // Hash all blobs in one process: write each content to a numbered temp file.
        let mut paths_in = Vec::new();
        for (i, (_, content)) in files.iter().enumerate() {
            let p = scratch.path().join(format!("blob-{i}"));
            fs::write(&p, content).expect("write blob temp file");
            paths_in.extend_from_slice(p.to_str().expect("utf-8 temp path").as_bytes());
            paths_in.push(b'\n');
        }
        let ids: Vec<String> = if files.is_empty() {
            Vec::new()
        } else {
            let out = self.git_stdin(
                repo,
                ["hash-object", "-w", "--no-filters", "--stdin-paths"],
                &paths_in,
            );
            String::from_utf8(out)
                .expect("hex ids")
                .lines()
                .map(str::to_string)
                .collect()
        };
        assert_eq!(
            ids.len(),
            files.len(),
            "hash-object returned one id per file"
        );

        let mut info = Vec::new();
        for ((path, _), id) in files.iter().zip(&ids) {
            info.extend_from_slice(format!("100644 {id}\t{path}\0").as_bytes());
        }
        let zero = "0".repeat(ids.first().map_or(40, String::len));
        for path in removals {
            info.extend_from_slice(format!("0 {zero}\t{path}\0").as_bytes());
        }
        self.git_output_env(
            repo,
            ["update-index", "-z", "--index-info"],
            Some(&info),
            &index_env,
        );
        let tree = self
            .git_output_env(repo, ["write-tree"], None, &index_env)
            .stdout;
        let tree = String::from_utf8_lossy(&tree).trim().to_string();

        let mut args = vec!["commit-tree".to_string(), tree, "-F".into(), "-".into()];
        if let Some(p) = &parent {
            args.push("-p".into());
            args.push(p.clone());
        }
        let commit = self.git_stdin(repo, &args, message.as_bytes());
        let commit = String::from_utf8_lossy(&commit).trim().to_string();

        let branch = self.git(repo, ["symbolic-ref", "HEAD"]).trim().to_string();
        let old = parent.clone().unwrap_or_else(|| zero.clone());
        self.git(
            repo,
            ["update-ref", "-m", "harness commit", &branch, &commit, &old],
        );

        if !self.is_bare(repo) {
            for (path, content) in files {
                let p = repo.join(path);
                if let Some(dir) = p.parent() {
                    fs::create_dir_all(dir).expect("create worktree dir");
                }
                fs::write(&p, content).expect("write worktree file");
            }
            for path in removals {
                let _ = fs::remove_file(repo.join(path));
            }
            // Index := HEAD, with fresh stat data; untouched worktree edits are kept.
            self.git(repo, ["reset", "-q"]);
        }
        commit
    }

    /// Commits every file of `fixtures/<name>/` at the repository root; returns the commit id.
    pub fn copy_fixture(&self, repo: impl AsRef<Path>, name: &str) -> String {
        let files = fixture_files(name);
        let refs: Vec<(&str, &[u8])> = files
            .iter()
            .map(|(p, c)| (p.as_str(), c.as_slice()))
            .collect();
        self.commit_files(repo, &refs, &[], &format!("Import fixture {name}"))
    }

    /// Asserts `git fsck --full --strict` finds nothing wrong (dangling objects allowed).
    pub fn fsck(&self, repo: impl AsRef<Path>) {
        let repo = repo.as_ref();
        let out = self
            .command("git")
            .args([
                "fsck",
                "--full",
                "--strict",
                "--no-dangling",
                "--no-progress",
            ])
            .current_dir(repo)
            .output()
            .expect("run git fsck");
        let stdout = String::from_utf8_lossy(&out.stdout);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            out.status.success() && stdout.trim().is_empty() && stderr.trim().is_empty(),
            "git fsck in {} is not clean ({}):\n{stdout}{stderr}",
            repo.display(),
            out.status
        );
    }

    /// The commit id HEAD points to.
    pub fn head(&self, repo: impl AsRef<Path>) -> String {
        self.rev_parse(repo, "HEAD")
    }

    pub fn rev_parse(&self, repo: impl AsRef<Path>, rev: &str) -> String {
        self.git(repo, ["rev-parse", "--verify", "-q", rev])
            .trim()
            .to_string()
    }

    /// `rev_parse`, or None when the revision does not exist (e.g. unborn branch).
    pub fn try_rev_parse(&self, repo: impl AsRef<Path>, rev: &str) -> Option<String> {
        let out = self
            .command("git")
            .args(["rev-parse", "--verify", "-q", rev])
            .current_dir(repo.as_ref())
            .output()
            .expect("run git rev-parse");
        out.status
            .success()
            .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
    }

    /// Full message of a commit (trailers included).
    pub fn commit_message(&self, repo: impl AsRef<Path>, rev: &str) -> String {
        self.git(repo, ["log", "-1", "--format=%B", rev, "--"])
    }

    /// Exact bytes of `path` at `rev`, or None if it is not there.
    pub fn show_file(&self, repo: impl AsRef<Path>, rev: &str, path: &str) -> Option<Vec<u8>> {
        let out = self
            .command("git")
            .args(["cat-file", "blob", &format!("{rev}:{path}")])
            .current_dir(repo.as_ref())
            .output()
            .expect("run git cat-file");
        out.status.success().then_some(out.stdout)
    }

    /// Every file (blob) of `rev`'s tree: path → exact bytes.
    pub fn tree_files(&self, repo: impl AsRef<Path>, rev: &str) -> BTreeMap<String, Vec<u8>> {
        let repo = repo.as_ref();
        let listing = self.git_stdin(repo, ["ls-tree", "-r", "-z", "--full-tree", rev], b"");
        let mut entries = Vec::new(); // (path, oid)
        for rec in listing.split(|&b| b == 0).filter(|r| !r.is_empty()) {
            let tab = rec.iter().position(|&b| b == b'\t').expect("ls-tree tab");
            let meta = String::from_utf8_lossy(&rec[..tab]);
            let mut parts = meta.split(' ');
            let (_mode, kind, oid) = (parts.next(), parts.next(), parts.next());
            if kind == Some("blob") {
                let path = String::from_utf8_lossy(&rec[tab + 1..]).into_owned();
                entries.push((path, oid.expect("oid").to_string()));
            }
        }
        let input: String = entries.iter().map(|(_, oid)| format!("{oid}\n")).collect();
        let out = self.git_stdin(repo, ["cat-file", "--batch"], input.as_bytes());
        let mut files = BTreeMap::new();
        let mut rest = &out[..];
        for (path, _) in entries {
            let nl = rest
                .iter()
                .position(|&b| b == b'\n')
                .expect("cat-file header");
            let header = String::from_utf8_lossy(&rest[..nl]).into_owned();
            let size: usize = header
                .rsplit(' ')
                .next()
                .and_then(|s| s.parse().ok())
                .expect("size");
            let body = &rest[nl + 1..nl + 1 + size];
            files.insert(path, body.to_vec());
            rest = &rest[nl + 1 + size + 1..];
        }
        files
    }
}

impl Default for TestEnv {
    fn default() -> Self {
        Self::new()
    }
}

fn check_git(dir: &Path, args: &[OsString], out: Output) -> Output {
    if !out.status.success() {
        panic!(
            "git {:?} in {} failed ({}):\n{}{}",
            args,
            dir.display(),
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Fixtures
// ---------------------------------------------------------------------------------------------

/// The example network's `netsync.toml` with `origin` as the persist remote.
pub const NETWORK_TOML_WITH_ORIGIN: &str = r#"version = 1
branch = "main"

[[mapping]]
prefix = "/net/"
dir = "kv"

[ephemeral]
keys = ["/net/sessions/**", "/net/nodes/*/heartbeat"]

[persist]
remotes = ["origin"]
"#;

/// `fixtures/<name>` in the crate.
pub fn fixture_dir(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join(name)
}

/// Every file of `fixtures/<name>`, as (path relative to it with `/`, bytes), sorted.
pub fn fixture_files(name: &str) -> Vec<(String, Vec<u8>)> {
    fn walk(base: &Path, dir: &Path, out: &mut Vec<(String, Vec<u8>)>) {
        let entries = fs::read_dir(dir).unwrap_or_else(|e| panic!("read {}: {e}", dir.display()));
        for entry in entries {
            let path = entry.expect("dir entry").path();
            if path.is_dir() {
                walk(base, &path, out);
            } else {
                let rel = path.strip_prefix(base).expect("under base");
                let rel = rel
                    .to_str()
                    .expect("fixture paths are UTF-8")
                    .replace('\\', "/");
                out.push((rel, fs::read(&path).expect("read fixture file")));
            }
        }
    }
    let base = fixture_dir(name);
    let mut out = Vec::new();
    walk(&base, &base, &mut out);
    out.sort();
    out
}

/// The etcd content a fixture describes: every file under `kv/` becomes `/net/<path>`
/// (the mapping in the fixture's `netsync.toml`; fixture names need no escaping).
pub fn fixture_kv(name: &str) -> BTreeMap<Vec<u8>, Vec<u8>> {
    fixture_files(name)
        .into_iter()
        .filter_map(|(path, content)| {
            path.strip_prefix("kv/")
                .map(|rest| (format!("/net/{rest}").into_bytes(), content))
        })
        .collect()
}
