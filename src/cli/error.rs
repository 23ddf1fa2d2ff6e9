//! The command line's error: every library module's failure, mapped to its message, its
//! `hint:` lines (which may name flags: only the command line knows them) and its exit code,
//! as jj's `cli/src/command_error.rs` does. Library modules each have their own error type
//! and never import this one.

use std::path::PathBuf;

use netsync::{
    apply, config, desired, git, init, kv, lock, persist, plan, prepare, restore, secrets,
    settings, status, trust, write,
};

/// Exit codes, identical across commands (documented in the README).
pub mod exit {
    pub const OK: i32 = 0;
    pub const ERROR: i32 = 1;
    /// `--exit-code`: there are differences.
    pub const DIFFERENCES: i32 = 2;
    /// A safety guard refused the operation (prune guard).
    pub const REFUSED: i32 = 3;
    /// A key changed in etcd after it was read; nothing was overwritten. Rerun to re-plan.
    pub const CONCURRENT_MODIFICATION: i32 = 4;
    /// A key changed both in Git and in etcd since the sync point; neither was overwritten.
    pub const CONFLICT: i32 = 5;
    /// `status --max-age`: the sync point is older than allowed, or there is none.
    pub const STALE: i32 = 6;
    /// A check failed: `status --fail-on`, `verify` (a backup failed the drill), `secret audit`.
    pub const CHECK_FAILED: i32 = 7;
    /// A commit to deploy is not signed by an allowed signer; nothing was written.
    pub const UNTRUSTED: i32 = 8;
    /// Command-line usage error.
    pub const USAGE: i32 = 64;
    /// Interrupted at a prompt (Ctrl-C), as a shell reports a command SIGINT ended.
    pub const INTERRUPTED: i32 = 130;
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Config(#[from] config::Error),
    #[error(transparent)]
    Desired(#[from] desired::Error),
    #[error(transparent)]
    BaseMissing(#[from] desired::BaseMissing),
    #[error("{} changed both in Git and in etcd since the sync point (commit {base}); nothing was written", keys.join(", "))]
    Conflict { keys: Vec<String>, base: String },
    #[error(transparent)]
    Git(#[from] git::Error),
    #[error(transparent)]
    Kv(#[from] kv::Error),
    #[error(transparent)]
    Settings(#[from] settings::Error),
    #[error(transparent)]
    Secrets(#[from] secrets::Error),
    #[error(transparent)]
    Persist(persist::Error),
    #[error(transparent)]
    Remote(#[from] git::remote::Error),
    #[error(transparent)]
    Restore(restore::Error),
    #[error(transparent)]
    Write(write::Error),
    #[error(transparent)]
    SecretCommand(secrets::CommandError),
    #[error(transparent)]
    PruneGuard(plan::PruneRefused),
    #[error("the saved plan no longer holds; nothing was written:\n  {}", reasons.join("\n  "))]
    StalePlan { reasons: Vec<String> },
    #[error(transparent)]
    Saved(#[from] netsync::saved::Error),
    #[error("another run holds the lock ({holder}); waited {waited:?}")]
    LockBusy {
        holder: String,
        waited: std::time::Duration,
    },
    #[error("{path} already exists")]
    AlreadyExists { path: PathBuf },
    #[error(transparent)]
    Init(init::Error),
    #[error("cannot write {path}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot read {}", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot listen on {addr} (--listen)")]
    Listen {
        addr: std::net::SocketAddr,
        #[source]
        source: std::io::Error,
    },
    #[error("the two values typed for {key} differ; nothing was written")]
    ValuesDiffer { key: String },
    #[error("interrupted; nothing was written")]
    Interrupted,
    #[error(transparent)]
    Trust(trust::Error),
    #[error("the allowed signers cannot be used; nothing was read or written")]
    Signers(#[source] git::SetupError),
    #[error(transparent)]
    History(netsync::history::Error),
    #[error("no remote to verify: `persist.remotes` in netsync.toml is empty")]
    NoRemotes,
    #[error("{flag} {value:?} is not a date (2026-11-01, RFC 3339) or a duration (2weeks, 36h)")]
    BadTime { flag: String, value: String },
}

impl Error {
    pub fn exit_code(&self) -> i32 {
        match self {
            Error::PruneGuard(_) => exit::REFUSED,
            Error::Trust(trust::Error::Untrusted { .. }) => exit::UNTRUSTED,
            Error::Signers(_) | Error::Persist(persist::Error::SigningKey(_)) => exit::USAGE,
            Error::Interrupted => exit::INTERRUPTED,
            Error::BadTime { .. } => exit::USAGE,
            Error::StalePlan { .. } => exit::CONCURRENT_MODIFICATION,
            Error::Persist(persist::Error::MassDelete { .. }) => exit::REFUSED,
            Error::Persist(persist::Error::CannotWriteBack { .. }) => exit::REFUSED,
            Error::Restore(restore::Error::NotEmpty { .. }) => exit::REFUSED,
            Error::Write(write::Error::ConcurrentModification { .. }) => {
                exit::CONCURRENT_MODIFICATION
            }
            Error::Git(git::Error::ConcurrentUpdate { .. }) => exit::CONCURRENT_MODIFICATION,
            Error::Persist(persist::Error::Conflict { .. }) | Error::Conflict { .. } => {
                exit::CONFLICT
            }
            Error::Settings(
                settings::Error::BadEnv { .. }
                | settings::Error::HalfIdentity { .. }
                | settings::Error::NoPassword { .. }
                | settings::Error::PasswordFile { .. },
            ) => exit::USAGE,
            _ => exit::ERROR,
        }
    }

    /// A stable name for the kind of failure, for `--output json`'s error document.
    pub fn kind(&self) -> &'static str {
        match self {
            Error::Kv(
                kv::Error::Unreachable { .. }
                | kv::Error::Unavailable { .. }
                | kv::Error::Timeout(_),
            ) => "etcd_unavailable",
            Error::Kv(
                kv::Error::AuthFailed { .. }
                | kv::Error::AuthRequired
                | kv::Error::AuthNotEnabled { .. },
            ) => "etcd_auth",
            Error::Kv(kv::Error::PermissionDenied { .. }) => "etcd_permission",
            Error::Kv(kv::Error::NoSpace { .. }) => "etcd_no_space",
            Error::Kv(
                kv::Error::TlsFile { .. }
                | kv::Error::TlsPem { .. }
                | kv::Error::TlsKeyMismatch { .. },
            ) => "tls",
            Error::Kv(_) => "etcd",
            Error::Config(_) => "config",
            Error::Trust(trust::Error::Untrusted { .. }) => "untrusted_commit",
            Error::Signers(_) | Error::Persist(persist::Error::SigningKey(_)) => "signatures",
            _ if matches!(
                self.git_cause(),
                Some(
                    git::Error::Mismatch { .. }
                        | git::Error::CorruptFile { .. }
                        | git::Error::Corrupt { .. }
                )
            ) =>
            {
                "corrupt_object"
            }
            Error::Settings(_) | Error::BadTime { .. } if self.exit_code() == exit::USAGE => {
                "usage"
            }
            Error::Settings(_) => "settings",
            Error::Git(_) | Error::Desired(_) | Error::BaseMissing(_) | Error::Remote(_) => "git",
            Error::Secrets(_)
            | Error::SecretCommand(_)
            | Error::Saved(netsync::saved::Error::NotCompared { .. }) => "secrets",
            Error::LockBusy { .. } => "lock_busy",
            Error::Write(write::Error::LockLost { .. }) => "lock_lost",
            Error::Write(
                write::Error::ValueTooLarge { .. } | write::Error::RefusedAsTooLarge { .. },
            ) => "value_too_large",
            _ => match self.exit_code() {
                exit::REFUSED => "refused",
                exit::CONCURRENT_MODIFICATION => "concurrent_modification",
                exit::CONFLICT => "conflict",
                _ => "error",
            },
        }
    }

    /// The Git error at the root of this one, however it came (reading the desired state,
    /// both sides, a restore).
    fn git_cause(&self) -> Option<&git::Error> {
        match self {
            Error::Git(e) | Error::Desired(desired::Error::Git(e)) => Some(e),
            Error::Trust(trust::Error::Git(e)) => Some(e),
            _ => None,
        }
    }

    /// What the user can do about it.
    pub fn hints(&self) -> Vec<String> {
        if let Some(git) = self.git_cause() {
            let hints = corrupt_hints(git);
            if !hints.is_empty() {
                return hints;
            }
        }
        match self {
            Error::Trust(trust::Error::Untrusted {
                refused, signers, ..
            }) => {
                let first = refused.first().map_or("COMMIT", |r| &r.commit[..12.min(r.commit.len())]);
                let mut hints = vec![
                    format!("see for yourself: git -c gpg.ssh.allowedSignersFile={} verify-commit {first}", signers.display()),
                    format!("sign the commits with a key {} lists (git commit -S with gpg.format=ssh; `git rebase --exec 'git commit --amend --no-edit -S' BASE` re-signs a branch) and push them", signers.display()),
                ];
                if refused.iter().any(|r| r.persist && r.reason == "unsigned") {
                    hints.push("persist's own commits are signed only with `persist.signing_key` set in netsync.toml (its public key listed in the allowed signers file)".into());
                }
                hints.push("to deploy anyway, once the commits are checked by other means: --no-verify-signatures".into());
                hints
            }
            Error::Signers(git::SetupError::NoSshKeygen)
            | Error::Persist(persist::Error::SigningKey(git::SetupError::NoSshKeygen)) => vec![
                "install OpenSSH's client tools (Debian: apt-get install openssh-client)".into(),
            ],
            Error::Signers(_) => vec![
                "the file lists one signer a line, as git's gpg.ssh.allowedSignersFile: `alice@example.net ssh-ed25519 AAAA...`".into(),
                "it comes from --allowed-signers, else NETSYNC_ALLOWED_SIGNERS, else /etc/netsync/allowed_signers; --no-verify-signatures skips the check".into(),
            ],
            Error::Git(git::Error::Sign { .. }) => vec![
                "the key must be an SSH private key ssh-keygen can use without a passphrase (`persist.signing_key`), or for `secret rekey` the key of Git's user.signingKey; nothing was committed".into(),
            ],
            Error::Persist(persist::Error::SigningKey(_)) => vec![
                "`persist.signing_key` names an SSH private key on this host, without a passphrase (ssh-keygen -t ed25519 -N '' -f /etc/netsync/signing_key), readable by the user netsync runs as".into(),
            ],
            Error::Listen { .. } => vec![
                "another process (another watcher on this host?) uses that address; pick another port".into(),
            ],
            Error::Persist(persist::Error::Conflict { .. }) => vec![
                "choose a side: --prefer etcd records etcd's values, --prefer git leaves Git's to be applied".into(),
            ],
            Error::Conflict { .. } => vec![
                "choose a side: --prefer git writes Git's values, --prefer etcd keeps etcd's".into(),
                "or record etcd's side first with `netsync persist --prefer etcd`, then resolve in Git".into(),
            ],
            Error::BaseMissing(_) => vec![
                "fetch the branch (the sync point's commit was pushed by persist), or pass --force to make etcd equal to Git".into(),
            ],
            Error::Kv(kv::Error::Unreachable { reason, .. })
                if reason.contains("certificate") || reason.contains("handshake") =>
            {
                vec![
                    "check --cacert (the CA that signed the servers' certificates) and, if the servers ask for one, --cert and --key".into(),
                    "`netsync config` shows which files are used and where they come from".into(),
                ]
            }
            Error::Kv(kv::Error::Unreachable { .. }) => vec![
                "check --endpoints (or NETSYNC_ENDPOINTS / ETCDCTL_ENDPOINTS) and that etcd is running".into(),
                "`netsync config` shows the effective settings and where they come from".into(),
            ],
            Error::Kv(kv::Error::TlsPem { .. }) => vec![
                "give PEM files (-----BEGIN CERTIFICATE----- blocks), as etcdctl takes; convert DER with `openssl x509 -inform der -in FILE -out FILE.pem`".into(),
            ],
            Error::Kv(kv::Error::TlsKeyMismatch { key, cert }) => vec![
                format!("give the key the certificate was issued for: `openssl x509 -noout -pubkey -in {}` and `openssl pkey -pubout -in {}` print the same key when they belong together", cert.display(), key.display()),
            ],
            Error::Kv(kv::Error::AuthNotEnabled { .. }) => vec![
                "leave out --user (and NETSYNC_USER / ETCDCTL_USER), or enable authentication on the cluster (etcdctl auth enable)".into(),
            ],
            Error::Kv(kv::Error::AuthRequired) => vec![
                "give a user: --user NAME, the password from NETSYNC_PASSWORD (or ETCDCTL_PASSWORD) or asked on the terminal".into(),
                "or a client certificate whose common name is an etcd user (--cert, --key), if the servers run with --client-cert-auth".into(),
            ],
            Error::Kv(kv::Error::PermissionDenied { user, access, keys, .. }) => {
                let user = user.as_deref().unwrap_or("USER");
                let kind = match access {
                    kv::Access::Read => "read",
                    kv::Access::Write => "readwrite",
                };
                vec![
                    format!("grant it: etcdctl role grant-permission ROLE {kind} --prefix {} (`etcdctl user get {user}` lists the user's roles, `etcdctl role get ROLE` what each may do)", common_folder(keys)),
                    "netsync needs read on the managed prefixes, write on the keys it writes, and read and write on /netsync/ (its lock and sync point)".into(),
                ]
            }
            Error::Kv(kv::Error::Unavailable { .. }) => vec![
                "etcd answers only while a majority of its members are up and joined: bring members back, then rerun; `etcdctl endpoint status -w table` shows each".into(),
                "nothing of this run was recorded: the sync point moves only once every write is in, and the lock expires with its lease".into(),
            ],
            Error::Kv(kv::Error::NoSpace { .. }) => vec![
                "etcd refuses writes until room is made and the alarm is disarmed: delete keys no longer needed, compact old revisions (etcdctl compact REV), defragment each member (etcdctl defrag), then `etcdctl alarm disarm`".into(),
                "or raise the servers' --quota-backend-bytes; `etcdctl endpoint status -w table` shows each member's database size".into(),
                "this run recorded nothing (no sync point moved); rerun once etcd accepts writes".into(),
            ],
            Error::Kv(kv::Error::AuthFailed { .. }) => vec![
                "check --user and the password (NETSYNC_PASSWORD / ETCDCTL_PASSWORD, or --user name:password)".into(),
            ],
            Error::Settings(settings::Error::NoPassword { .. }) => vec![
                "set NETSYNC_PASSWORD (or ETCDCTL_PASSWORD) or NETSYNC_PASSWORD_FILE, or pass --user name:password".into(),
            ],
            Error::Settings(settings::Error::PasswordFile { .. }) => vec![
                "NETSYNC_PASSWORD_FILE names a file netsync cannot read; under systemd, check the unit's LoadCredential= (docs/packaging.md)".into(),
            ],
            Error::Settings(settings::Error::HalfIdentity { .. }) => vec![
                "give both --cert and --key (or NETSYNC_CERT and NETSYNC_KEY)".into(),
            ],
            Error::Git(git::Error::NotARepository { .. })
            | Error::Desired(desired::Error::Git(git::Error::NotARepository { .. })) => vec![
                "pass --repo PATH (or set NETSYNC_REPO): a bare repository or a clone, or any folder inside one".into(),
                "`netsync init --bare --repo PATH` makes a new bare repository with a netsync.toml".into(),
            ],
            Error::Git(git::Error::UnknownRevision { branches, .. })
            | Error::Desired(desired::Error::Git(git::Error::UnknownRevision { branches, .. })) => {
                let mut hints = vec![
                    "a revision is a branch, tag, commit id, `HEAD~2`, or a date (YYYY-MM-DD or RFC 3339: the branch's last commit at or before it)".to_owned(),
                ];
                if !branches.is_empty() {
                    hints.push(format!("branches here: {}", branches.join(", ")));
                }
                hints.push("list commits with `git log --oneline`".to_owned());
                hints
            }
            Error::Desired(desired::Error::HeadUnborn { repo, branches, .. }) => {
                let branch = branches.first().map_or("main", String::as_str);
                vec![
                    format!("point HEAD at the branch: git --git-dir {} symbolic-ref HEAD refs/heads/{branch}", repo.display()),
                    format!("or name it: --rev {branch} (diff, apply, restore, config), --branch {branch} (persist, status)"),
                ]
            }
            Error::Desired(desired::Error::NoConfig { .. }) => {
                vec!["create one with `netsync init --prefix /net/ --dir kv` and commit it".into()]
            }
            Error::Write(write::Error::RefusedAsTooLarge { .. }) => vec![
                "give netsync the servers' limit: --max-request-bytes, or `etcd.max_request_bytes` in netsync.toml (etcd's default is 1572864)".into(),
                "with the servers' limit, netsync refuses such a value before writing anything; the keys this run wrote stay written, and a rerun does not write them again".into(),
            ],
            Error::Write(write::Error::ValueTooLarge { .. }) => vec![
                "if the etcd servers run with a larger --max-request-bytes, pass the same value to --max-request-bytes".into(),
            ],
            Error::StalePlan { .. } => vec![
                "make a new plan with `netsync diff --out FILE`, review it, then `netsync apply --plan FILE`".into(),
            ],
            Error::PruneGuard(_) => vec![
                "check that the revision is the one you meant; rerun with --allow-mass-delete to delete anyway".into(),
                "the fraction is `apply.max_delete_fraction` in netsync.toml".into(),
            ],
            Error::Write(write::Error::ConcurrentModification { .. }) => {
                vec!["rerun to plan again from the current state".into()]
            }
            Error::AlreadyExists { path } if path.is_dir() => vec![
                "--new and --bare create a repository in a new or empty directory; without them, init writes into an existing one".into(),
            ],
            Error::Secrets(err) => err.hints(),
            Error::Saved(netsync::saved::Error::NotCompared { .. }) => vec![
                "pass --identity FILE (or set NETSYNC_IDENTITY_FILE) so that diff compares every secret, then save the plan again".into(),
            ],
            Error::Desired(desired::Error::PlaintextSecret { .. }) => vec![
                "encrypt it with `netsync secret set KEY --from-file FILE` and delete the plain file; the value is in Git history now: rotate it".into(),
            ],
            Error::AlreadyExists { .. } => vec!["edit the existing file instead".into()],
            Error::NoRemotes => vec![
                "name the backups to drill with --from URL (repeatable), or configure persist.remotes".into(),
            ],
            Error::SecretCommand(secrets::CommandError::EmptyValue { key }) => vec![
                format!("to store an empty value on purpose: netsync secret set {key} --allow-empty </dev/null"),
            ],
            Error::ValuesDiffer { .. } => {
                vec!["run it again and type the same value twice".into()]
            }
            Error::SecretCommand(secrets::CommandError::BareRepository { .. }) => vec![
                "run `netsync secret set` in a clone with a working tree, then commit and push".into(),
            ],
            Error::Init(init::Error::BareRepository { .. }) => {
                vec!["run `netsync init` in a clone, then commit and push netsync.toml".into()]
            }
            Error::Persist(persist::Error::MassDelete { last_good, .. }) => vec![
                format!(
                    "if the keys were deleted by accident, put them back from the last good commit: netsync restore --from REPO --rev {} --force",
                    &last_good[..last_good.len().min(12)]
                ),
                "if the deletion is meant, rerun with --allow-mass-delete; the fraction is `persist.max_delete_fraction` in netsync.toml".into(),
            ],
            Error::Persist(persist::Error::BadRemotes { .. }) => vec![
                "an entry of persist.remotes is a remote name (`git remote -v` lists them), a URL (ssh://host/net.git, git@host:net.git, https://…) or a path (/srv/backup.git, or relative to the repository)".into(),
                "`netsync persist --no-push` commits without pushing meanwhile".into(),
            ],
            Error::Persist(persist::Error::NoRecipients { .. }) => vec![
                "add the operators' public keys to `secrets.recipients` in netsync.toml (age1… or ssh-ed25519 …) and commit it; persist needs no private key".into(),
            ],
            Error::Persist(persist::Error::CannotWriteBack { .. }) => vec![
                "if the etcd servers run with a larger --max-request-bytes, set `etcd.max_request_bytes` in netsync.toml to the same value".into(),
                "otherwise make the value smaller in etcd: netsync writes each key with a compare on it and on its lock, a few dozen bytes more than a plain put".into(),
            ],
            Error::Persist(persist::Error::ImplausibleTrailer { commit, .. }) => vec![
                format!("look at who made it: git log -1 --format=fuller {commit}"),
                "a persist commit names the etcd revision it read in its Netsync-Etcd-Revision trailer; a revision etcd has not reached was not written by netsync".into(),
            ],
            Error::Persist(persist::Error::Unsealed { .. }) => vec![
                "rerun: the next run reads them as secrets and encrypts them".into(),
            ],
            Error::Persist(persist::Error::KeyRulesChanged { .. }) => vec![
                "rerun: the next run plans on that commit and reads every value in etcd".into(),
            ],
            Error::Persist(persist::Error::BaseMissing { .. }) => vec![
                "fetch the commit into this repository (git fetch), then rerun".into(),
            ],
            Error::Persist(persist::Error::LockFile { .. }) => vec![
                "if no git or netsync process is using the repository, remove the file; netsync removes it itself once it is 10 minutes old".into(),
            ],
            Error::Persist(persist::Error::PrimaryPush { .. }) => vec![
                "the commit is kept locally; the next persist pushes it again".into(),
            ],
            Error::Git(git::Error::DirtyWorktree { .. }) => vec![
                "commit or discard the edits of these files (git status), then rerun".into(),
            ],
            Error::Git(git::Error::ConcurrentUpdate { .. }) => {
                vec!["rerun to build on the new tip".into()]
            }
            Error::Restore(restore::Error::NotEmpty { .. }) => vec![
                "check --endpoints: restore is meant for a new, empty cluster".into(),
                "to overwrite the keys there with the revision (deleting the others), rerun with --force".into(),
            ],
            Error::Restore(restore::Error::Verify { .. }) => vec![
                "something wrote these keys during the restore, or etcd lost writes; rerun `netsync restore --force` and check `netsync status`".into(),
            ],
            Error::Restore(restore::Error::Busy { .. }) => {
                vec!["wait for it to finish (or for its lease to expire), then rerun".into()]
            }
            _ => Vec::new(),
        }
    }
}

/// What to do about an object of the repository that is damaged or not what its id says.
fn corrupt_hints(err: &git::Error) -> Vec<String> {
    let (repo, oid, kind) = match err {
        git::Error::Mismatch {
            repo, oid, kind, ..
        } => (repo, oid, *kind),
        git::Error::CorruptFile { repo, oid, .. } | git::Error::Corrupt { repo, oid, .. } => {
            (repo, oid, "")
        }
        _ => return Vec::new(),
    };
    let mut hints = vec![format!(
        "nothing was written; `git -C {} fsck --full` lists every damaged object",
        repo.display()
    )];
    match err.loose_object_file() {
        Some(file) => hints.push(format!(
            "move the damaged file {} away, then copy the object from a good clone or backup remote: git -C GOOD cat-file {kind} {oid} | git -C {} hash-object -t {kind} -w --stdin",
            file.display(),
            repo.display()
        )),
        None => hints.push(
            "clone the repository again from a backup remote (git clone --mirror URL), or restore from one: netsync restore --from URL".into(),
        ),
    }
    hints
}

/// The folder all `keys` are in (up to the last `/` they share), to grant a permission on;
/// "the keys under P" names P itself.
fn common_folder(keys: &[String]) -> String {
    let keys: Vec<&str> = keys
        .iter()
        .map(|k| k.strip_prefix("the keys under ").unwrap_or(k))
        .collect();
    let Some(first) = keys.first() else {
        return "/".to_owned();
    };
    let mut len = keys.iter().fold(first.len(), |len, k| {
        first
            .bytes()
            .zip(k.bytes())
            .take(len)
            .take_while(|(a, b)| a == b)
            .count()
    });
    while !first.is_char_boundary(len) {
        len -= 1;
    }
    match first[..len].rfind('/') {
        Some(slash) => first[..=slash].to_owned(),
        None => first[..len].to_owned(),
    }
}

/// A secret command's error, flattened so that its causes get their usual hints.
impl From<secrets::CommandError> for Error {
    fn from(err: secrets::CommandError) -> Self {
        match err {
            secrets::CommandError::Secret(e) => Error::Secrets(e),
            secrets::CommandError::Git(e) => Error::Git(e),
            secrets::CommandError::Desired(e) => Error::Desired(e),
            secrets::CommandError::Config(e) => Error::Config(e),
            other => Error::SecretCommand(other),
        }
    }
}

/// Reading both sides failed: flattened so that each cause gets its usual hints.
impl From<prepare::Error> for Error {
    fn from(err: prepare::Error) -> Self {
        match err {
            prepare::Error::Kv(e) => Error::Kv(e),
            prepare::Error::Git(e) => Error::Git(e),
            prepare::Error::Desired(e) => Error::Desired(e),
            prepare::Error::BaseMissing(e) => Error::BaseMissing(e),
            prepare::Error::Secrets(e) => Error::Secrets(e),
        }
    }
}

/// A restore's error, flattened so that its causes get their usual hints and exit codes.
impl From<restore::Error> for Error {
    fn from(err: restore::Error) -> Self {
        match err {
            restore::Error::BaseMissing(e) => Error::BaseMissing(e),
            restore::Error::Write(e) => e.into(),
            restore::Error::Kv(e) => Error::Kv(e),
            restore::Error::Git(e) => Error::Git(e),
            restore::Error::Remote(e) => Error::Remote(e),
            restore::Error::Desired(e) => Error::Desired(e),
            restore::Error::Secrets(e) => Error::Secrets(e),
            restore::Error::PruneGuard(e) => Error::PruneGuard(e),
            restore::Error::Trust(e) => e.into(),
            other => Error::Restore(other),
        }
    }
}

/// A write's error, flattened so that etcd's refusals get their usual hints.
impl From<write::Error> for Error {
    fn from(err: write::Error) -> Self {
        match err {
            write::Error::Kv(e) => Error::Kv(e),
            other => Error::Write(other),
        }
    }
}

/// A signature check's error, flattened so that a damaged object gets its usual hints.
impl From<trust::Error> for Error {
    fn from(err: trust::Error) -> Self {
        match err {
            trust::Error::Git(e) => Error::Git(e),
            other => Error::Trust(other),
        }
    }
}

impl From<lock::WaitError> for Error {
    fn from(err: lock::WaitError) -> Self {
        match err {
            lock::WaitError::Busy { holder, waited } => Error::LockBusy { holder, waited },
            lock::WaitError::Kv(e) => Error::Kv(e),
        }
    }
}

impl From<status::Error> for Error {
    fn from(err: status::Error) -> Self {
        match err {
            status::Error::Kv(e) => Error::Kv(e),
            status::Error::Git(e) => Error::Git(e),
            status::Error::Desired(e) => Error::Desired(e),
        }
    }
}

impl From<netsync::history::Error> for Error {
    fn from(err: netsync::history::Error) -> Self {
        match err {
            netsync::history::Error::Git(e) => Error::Git(e),
            netsync::history::Error::Desired(e) => Error::Desired(e),
            other => Error::History(other),
        }
    }
}

impl From<init::Error> for Error {
    fn from(err: init::Error) -> Self {
        match err {
            init::Error::Config(e) => Error::Config(e),
            init::Error::Git(e) => Error::Git(e),
            init::Error::AlreadyExists { path } => Error::AlreadyExists { path },
            other => Error::Init(other),
        }
    }
}

impl From<apply::Error> for Error {
    fn from(err: apply::Error) -> Self {
        match err {
            apply::Error::Conflict { keys, base } => Error::Conflict { keys, base },
            apply::Error::PruneGuard(e) => Error::PruneGuard(e),
            apply::Error::StalePlan { reasons } => Error::StalePlan { reasons },
            apply::Error::Prepare(e) => e.into(),
            apply::Error::Write(e) => e.into(),
            apply::Error::Lock(e) => e.into(),
            apply::Error::Trust(e) => e.into(),
        }
    }
}

/// A persist's error, flattened so that its causes get their usual hints and exit codes.
impl From<persist::Error> for Error {
    fn from(err: persist::Error) -> Self {
        match err {
            persist::Error::Kv(e) => Error::Kv(e),
            persist::Error::Git(e) => Error::Git(e),
            persist::Error::Desired(e) => Error::Desired(e),
            persist::Error::Secrets(e) => Error::Secrets(e),
            persist::Error::Config(e) => Error::Config(e),
            other => Error::Persist(other),
        }
    }
}
