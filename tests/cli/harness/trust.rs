//! SSH keys, allowed-signers files and signed commits made with the real `ssh-keygen` and
//! `git commit -S`; objects of a repository damaged on disk the way a bad disk or a hand
//! would (valid zlib, wrong content), loose or packed.

use super::*;

/// What a test says when `ssh-keygen` is missing.
pub const SSH_KEYGEN_HINT: &str =
    "ssh-keygen not found: install it with 'apt-get install openssh-client' (scripts/deps does)";

/// An SSH key pair made for a test.
pub struct SshKey {
    pub private: PathBuf,
    /// `ssh-ed25519 AAAA...` (no comment).
    pub public: String,
}

impl TestEnv {
    /// A new ed25519 key without a passphrase, `root()/keys/<name>`.
    pub fn ssh_key(&self, name: &str) -> SshKey {
        let dir = self.root().join("keys");
        fs::create_dir_all(&dir).expect("create keys dir");
        let private = dir.join(name);
        let out = self
            .command("ssh-keygen")
            .args(["-q", "-t", "ed25519", "-N", "", "-C", name, "-f"])
            .arg(&private)
            .output()
            .unwrap_or_else(|e| panic!("{SSH_KEYGEN_HINT} ({e})"));
        assert!(
            out.status.success(),
            "ssh-keygen: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let public = fs::read_to_string(private.with_extension("pub")).expect("read public key");
        let public = public
            .split_whitespace()
            .take(2)
            .collect::<Vec<_>>()
            .join(" ");
        SshKey { private, public }
    }

    /// An allowed-signers file `root()/<name>` listing `signers` (principal, key) for Git's
    /// namespace, as an operator writes one.
    pub fn allowed_signers(&self, name: &str, signers: &[(&str, &SshKey)]) -> PathBuf {
        let mut text = String::from("# principal, options, key\n");
        for (principal, key) in signers {
            text.push_str(&format!("{principal} namespaces=\"git\" {}\n", key.public));
        }
        let path = self.root().join(name);
        fs::write(&path, text).expect("write allowed signers");
        path
    }

    /// In the working tree of `repo`: write `files`, remove `removals`, and `git commit` them,
    /// signed with `key` (`git commit -S`, gpg.format=ssh) when given. Returns the commit.
    pub fn commit_worktree(
        &self,
        repo: &Path,
        files: &[(&str, &[u8])],
        removals: &[&str],
        message: &str,
        key: Option<&SshKey>,
    ) -> String {
        for (path, content) in files {
            let file = repo.join(path);
            fs::create_dir_all(file.parent().expect("parent")).expect("create dirs");
            fs::write(&file, content).expect("write file");
        }
        for path in removals {
            fs::remove_file(repo.join(path)).expect("remove file");
        }
        self.git(repo, ["add", "-A"]);
        let mut args: Vec<OsString> = Vec::new();
        if let Some(key) = key {
            args.extend(["-c".into(), "gpg.format=ssh".into(), "-c".into()]);
            let mut signing = OsString::from("user.signingkey=");
            signing.push(&key.private);
            args.push(signing);
        }
        args.extend(["commit", "-q", "--allow-empty", "-m", message].map(OsString::from));
        if key.is_some() {
            args.push("-S".into());
        }
        self.git(repo, args);
        self.head(repo)
    }

    /// `git verify-commit` of `commit` against the allowed-signers file `signers`.
    pub fn git_verify_commit(&self, repo: &Path, signers: &Path, commit: &str) -> Output {
        let mut setting = OsString::from("gpg.ssh.allowedSignersFile=");
        setting.push(signers);
        self.command("git")
            .arg("-c")
            .arg(setting)
            .args(["verify-commit", "-v", commit])
            .current_dir(repo)
            .output()
            .expect("run git verify-commit")
    }

    /// The loose object file of `oid` in `repo` (bare or not).
    pub fn loose_object(&self, repo: &Path, oid: &str) -> PathBuf {
        let objects = self.git(repo, ["rev-parse", "--git-path", "objects"]);
        let objects = repo.join(objects.trim());
        objects.join(&oid[..2]).join(&oid[2..])
    }

    /// Replace the content of loose object `oid` with `content` (same kind): the file stays
    /// valid zlib with a valid header, and no longer hashes to its name.
    pub fn alter_loose_object(&self, repo: &Path, oid: &str, content: &[u8]) {
        let kind = self.git(repo, ["cat-file", "-t", oid]);
        let path = self.loose_object(repo, oid);
        assert!(path.is_file(), "{oid} is not a loose object");
        let mut raw = format!("{} {}\0", kind.trim(), content.len()).into_bytes();
        raw.extend_from_slice(content);
        let mut zlib = gix::zlib::stream::deflate::Write::new(Vec::new(), Default::default());
        zlib.write_all(&raw).expect("compress");
        zlib.flush().expect("compress");
        let mut perms = fs::metadata(&path).expect("stat object").permissions();
        #[allow(clippy::permissions_set_readonly_false)]
        perms.set_readonly(false);
        fs::set_permissions(&path, perms).expect("make writable");
        fs::write(&path, zlib.into_inner()).expect("write object");
    }

    /// Pack every object of `repo` uncompressed (`pack.compression=0`: each entry's bytes lie
    /// in the pack as they are) and remove the loose ones.
    pub fn repack_uncompressed(&self, repo: &Path) {
        self.git(
            repo,
            [
                "-c",
                "pack.compression=0",
                "repack",
                "-a",
                "-d",
                "-f",
                "-q",
                "--window=0",
            ],
        );
        self.git(repo, ["prune-packed"]);
    }

    /// In the single pack of `repo`, change the first byte `from` of blob `oid`'s content to
    /// `to`, keeping its zlib stream valid (the Adler-32 is recomputed), as a bit flipped on
    /// disk that the reader's checks do not see. The pack must be uncompressed
    /// ([`TestEnv::repack_uncompressed`]) and the blob stored whole, not as a delta.
    pub fn alter_pack_entry(&self, repo: &Path, oid: &str, from: u8, to: u8) {
        let pack_dir = repo.join(
            self.git(repo, ["rev-parse", "--git-path", "objects/pack"])
                .trim(),
        );
        let pack = fs::read_dir(&pack_dir)
            .expect("read pack dir")
            .map(|e| e.expect("entry").path())
            .find(|p| p.extension().is_some_and(|x| x == "pack"))
            .expect("a pack");
        let listing = self.git(
            repo,
            [
                OsStr::new("verify-pack"),
                OsStr::new("-v"),
                pack.with_extension("idx").as_os_str(),
            ],
        );
        let line = listing
            .lines()
            .find(|l| l.starts_with(oid))
            .unwrap_or_else(|| panic!("{oid} not in the pack:\n{listing}"));
        let fields: Vec<&str> = line.split_whitespace().collect();
        assert_eq!(fields[1], "blob", "{line}");
        assert_eq!(fields.len(), 5, "the blob must not be a delta: {line}");
        let offset: usize = fields[4].parse().expect("offset");
        let mut bytes = fs::read(&pack).expect("read pack");
        // The entry's header: type and size, 7 bits a byte while the top bit is set.
        let mut at = offset;
        while bytes[at] & 0x80 != 0 {
            at += 1;
        }
        at += 1;
        // zlib: a 2-byte header, then one stored block (BFINAL=1, BTYPE=00), LEN, NLEN.
        assert_eq!(bytes[at + 2] & 0x07, 0x01, "an uncompressed, final block");
        let len = u16::from_le_bytes([bytes[at + 3], bytes[at + 4]]) as usize;
        let data = at + 7;
        let pos = bytes[data..data + len]
            .iter()
            .position(|&b| b == from)
            .unwrap_or_else(|| panic!("no byte {from:?} in the blob"));
        bytes[data + pos] = to;
        let (mut a, mut b) = (1u32, 0u32);
        for &byte in &bytes[data..data + len] {
            a = (a + u32::from(byte)) % 65521;
            b = (b + a) % 65521;
        }
        bytes[data + len..data + len + 4].copy_from_slice(&((b << 16) | a).to_be_bytes());
        let mut perms = fs::metadata(&pack).expect("stat pack").permissions();
        #[allow(clippy::permissions_set_readonly_false)]
        perms.set_readonly(false);
        fs::set_permissions(&pack, perms).expect("make writable");
        fs::write(&pack, bytes).expect("write pack");
    }

    /// `git fsck --full` of `repo`: whether it passed, and what it said.
    pub fn fsck_output(&self, repo: &Path) -> (bool, String) {
        let out = self
            .command("git")
            .args(["fsck", "--full", "--no-dangling", "--no-progress"])
            .current_dir(repo)
            .output()
            .expect("run git fsck");
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        (out.status.success(), text)
    }
}
