//! etcd processes for the tests: finding the binary, one member on free loopback ports with
//! a temporary data dir, and clusters whose members are killed, stopped and restarted.

use super::*;

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

pub(super) fn is_executable(p: &Path) -> bool {
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
pub(super) fn fast_flags(bin: &Path) -> &'static [&'static str] {
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
pub(super) fn free_ports(n: usize) -> Vec<u16> {
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

    /// The process id while it runs, for a hook of the program under test to signal it.
    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(Child::id)
    }

    /// Kills the process (SIGKILL, like a crash) and reaps it. The data dir stays.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Freezes the process (SIGSTOP), as a hung member: the kernel still accepts connections
    /// on its ports, and nothing answers on them until [`Etcd::resume`].
    pub fn pause(&mut self) {
        self.signal("-STOP");
    }

    /// Lets a paused process run again (SIGCONT).
    pub fn resume(&mut self) {
        self.signal("-CONT");
    }

    fn signal(&mut self, signal: &str) {
        let child = self.child.as_ref().expect("this etcd is not running");
        let sent = Command::new("kill")
            .args([signal, &child.id().to_string()])
            .status()
            .is_ok_and(|s| s.success());
        assert!(sent, "kill {signal} {} failed", child.id());
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
pub(super) fn http_health(port: u16) -> bool {
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
        Self::start_with(n, None)
    }

    /// Like [`Cluster::start`], each member also listening with TLS (`tls_args`: etcd's TLS
    /// flags, as for [`Etcd::start_with_tls`]) on its [`Etcd::tls_endpoint`]; the plain
    /// endpoints stay, for health checks and for inspecting etcd from tests.
    pub fn start_with_tls(n: usize, tls_args: &[String]) -> Cluster {
        Self::start_with(n, Some(tls_args))
    }

    fn start_with(n: usize, tls_args: Option<&[String]>) -> Cluster {
        assert!(n >= 1, "a cluster needs at least one member");
        let mut failures = Vec::new();
        for _ in 0..START_ATTEMPTS {
            let ports = free_ports(3 * n);
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
                    let mut etcd = Etcd::new(
                        name,
                        ports[2 * i],
                        ports[2 * i + 1],
                        initial.clone(),
                        token.clone(),
                    );
                    if let Some(args) = tls_args {
                        etcd.tls_port = Some(ports[2 * n + i]);
                        etcd.extra_args = args.to_vec();
                    }
                    etcd
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

    /// The members' TLS client URLs, comma-separated (a cluster from `start_with_tls`).
    pub fn tls_endpoints(&self) -> String {
        self.members
            .iter()
            .map(Etcd::tls_endpoint)
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

    pub fn pause(&mut self, i: usize) {
        self.members[i].pause();
    }

    pub fn resume(&mut self, i: usize) {
        self.members[i].resume();
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
pub(super) fn member_status(endpoint: &str) -> Option<(u64, u64)> {
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

pub(super) fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("tokio runtime")
}
