//! The crate-level error: every command's failure, with its exit code and hints.

use std::path::PathBuf;

use crate::{config, desired, git, kv, persist, restore, secrets, settings};

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
    /// `status --fail-on drift|conflict`: there are such keys.
    pub const CHECK_FAILED: i32 = 7;
    /// Command-line usage error.
    pub const USAGE: i32 = 64;
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
    Persist(#[from] persist::Error),
    #[error(transparent)]
    Remote(#[from] git::remote::Error),
    #[error(transparent)]
    Restore(#[from] restore::Error),
    #[error("the value of {key} is {bytes} bytes, more than fits in one etcd request: written with its guards it makes a {request}-byte request, over the {limit} bytes of --max-request-bytes")]
    ValueTooLarge {
        key: String,
        bytes: usize,
        request: usize,
        limit: usize,
    },
    #[error("refusing to delete {deletes} of the {managed} managed keys in etcd (the prune guard allows {percent}% and never all)")]
    PruneGuard {
        deletes: usize,
        managed: usize,
        percent: f64,
    },
    #[error("{} changed in etcd after netsync read {}; nothing was overwritten ({transactions} earlier transaction(s) of this run were applied)",
        keys.join(", "), if keys.len() == 1 { "it" } else { "them" })]
    ConcurrentModification {
        keys: Vec<String>,
        transactions: usize,
    },
    #[error("lost the etcd lock (lease expired, process paused or cut off); stopped before writing more ({transactions} transaction(s) of this run were applied)")]
    LockLost { transactions: usize },
    #[error("another run holds the lock ({holder}); waited {waited:?}")]
    LockBusy {
        holder: String,
        waited: std::time::Duration,
    },
    #[error("{path} already exists")]
    AlreadyExists { path: PathBuf },
    #[error("{path} is a bare repository: it has no working tree to write netsync.toml into")]
    BareRepository { path: PathBuf },
    #[error("cannot create a repository at {path}: {reason}")]
    CreateRepository { path: PathBuf, reason: String },
    #[error("cannot write {path}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

impl Error {
    pub fn exit_code(&self) -> i32 {
        match self {
            Error::PruneGuard { .. } => exit::REFUSED,
            Error::Persist(persist::Error::MassDelete { .. }) => exit::REFUSED,
            Error::Persist(persist::Error::CannotWriteBack { .. }) => exit::REFUSED,
            Error::Restore(restore::Error::NotEmpty { .. }) => exit::REFUSED,
            Error::ConcurrentModification { .. } => exit::CONCURRENT_MODIFICATION,
            Error::Git(git::Error::ConcurrentUpdate { .. }) => exit::CONCURRENT_MODIFICATION,
            Error::Persist(persist::Error::Conflict { .. }) | Error::Conflict { .. } => {
                exit::CONFLICT
            }
            Error::Settings(
                settings::Error::BadEnv { .. }
                | settings::Error::HalfIdentity { .. }
                | settings::Error::NoPassword { .. },
            ) => exit::USAGE,
            _ => exit::ERROR,
        }
    }

    /// What the user can do about it.
    pub fn hints(&self) -> Vec<String> {
        match self {
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
            Error::Kv(kv::Error::AuthFailed { .. }) => vec![
                "check --user and the password (NETSYNC_PASSWORD / ETCDCTL_PASSWORD, or --user name:password)".into(),
            ],
            Error::Settings(settings::Error::NoPassword { .. }) => vec![
                "set NETSYNC_PASSWORD (or ETCDCTL_PASSWORD), or pass --user name:password".into(),
            ],
            Error::Settings(settings::Error::HalfIdentity { .. }) => vec![
                "give both --cert and --key (or NETSYNC_CERT and NETSYNC_KEY)".into(),
            ],
            Error::Git(git::Error::UnknownRevision { .. }) => {
                vec!["list revisions with `git log --oneline` or `git branch -a`".into()]
            }
            Error::Desired(desired::Error::NoConfig { .. }) => {
                vec!["create one with `netsync init --prefix /net/ --dir kv` and commit it".into()]
            }
            Error::ValueTooLarge { .. } => vec![
                "if the etcd servers run with a larger --max-request-bytes, pass the same value to --max-request-bytes".into(),
            ],
            Error::PruneGuard { .. } => vec![
                "check that the revision is the one you meant; rerun with --allow-mass-delete to delete anyway".into(),
                "the fraction is `apply.max_delete_fraction` in netsync.toml".into(),
            ],
            Error::ConcurrentModification { .. } => {
                vec!["rerun to plan again from the current state".into()]
            }
            Error::AlreadyExists { path } if path.is_dir() => vec![
                "--new and --bare create a repository in a new or empty directory; without them, init writes into an existing one".into(),
            ],
            Error::Secrets(err) => err.hints(),
            Error::Desired(desired::Error::PlaintextSecret { .. }) => vec![
                "encrypt it with `netsync secret set KEY --file FILE` and delete the plain file; the value is in Git history now: rotate it".into(),
            ],
            Error::AlreadyExists { .. } => vec!["edit the existing file instead".into()],
            Error::BareRepository { .. } => {
                vec!["run `netsync init` in a clone, then commit and push netsync.toml".into()]
            }
            Error::Persist(persist::Error::MassDelete { last_good, .. }) => vec![
                format!(
                    "if the keys were deleted by accident, put them back from the last good commit: netsync restore --from REPO --rev {} --force",
                    &last_good[..last_good.len().min(12)]
                ),
                "if the deletion is meant, rerun with --allow-mass-delete; the fraction is `persist.max_delete_fraction` in netsync.toml".into(),
            ],
            Error::Persist(persist::Error::NoRecipients { .. }) => vec![
                "add the operators' public keys to `secrets.recipients` in netsync.toml (age1… or ssh-ed25519 …) and commit it; persist needs no private key".into(),
            ],
            Error::Persist(persist::Error::CannotWriteBack { .. }) => vec![
                "if the etcd servers run with a larger --max-request-bytes, set `etcd.max_request_bytes` in netsync.toml to the same value".into(),
                "otherwise make the value smaller in etcd: netsync writes each key with a compare on it and on its lock, a few dozen bytes more than a plain put".into(),
            ],
            Error::Persist(persist::Error::Unsealed { .. }) => vec![
                "rerun: the next run reads them as secrets and encrypts them".into(),
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
