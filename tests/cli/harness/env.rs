//! The test environment: an etcd (or a cluster), hermetic Git, the netsync binary, and Git
//! helpers that commit without a working tree.

use super::*;

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

    /// A fresh environment with an `n`-member cluster that also listens with TLS
    /// ([`Cluster::start_with_tls`]); netsync's default endpoints stay the plain ones.
    pub fn with_tls_cluster(n: usize, tls_args: &[String]) -> TestEnv {
        Self::with_backend(Backend::Cluster(Cluster::start_with_tls(n, tls_args)))
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

    /// Runs `netsync args --output json --repo repo` with extra environment `vars`; panics
    /// with its stderr unless it succeeds; returns the document and stderr.
    pub fn netsync_json(
        &self,
        args: &[&str],
        repo: &Path,
        vars: &[(&str, &str)],
    ) -> (serde_json::Value, String) {
        let out = self
            .netsync_std()
            .envs(vars.iter().copied())
            .args(args)
            .args(["--output", "json", "--repo"])
            .arg(repo)
            .output()
            .expect("run netsync");
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        assert!(
            out.status.success(),
            "netsync {args:?} {vars:?}: exit {:?}\n{stderr}",
            out.status.code()
        );
        let doc = serde_json::from_slice(&out.stdout).expect("a JSON document");
        (doc, stderr)
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

pub(super) fn check_git(dir: &Path, args: &[OsString], out: Output) -> Output {
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
