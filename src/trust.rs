//! Signed commits: which commits `apply` and `restore` must find signed by an allowed signer
//! before they write anything, and the check (signatures themselves: [`crate::git::signature`]).
//!
//! What is checked, and why:
//!
//! - **Every commit whose changes a deployment may bring**, not only the target: those
//!   reachable from the target and not from the sync point's trusted commit (`git rev-list
//!   TARGET ^TRUSTED`), merges and the commits of merged branches included. A good signature
//!   on the tip over an unsigned commit below it is refused: the signer of the tip may never
//!   have looked at it.
//! - **The trusted commit** is the newest one etcd is known to hold whole
//!   ([`SyncPoint::trusted_commit`]): the commit `apply` or `restore` deployed, or a
//!   `persist` commit that left nothing unsettled. A persist that built on Git changes not
//!   applied yet does not move it, so those changes are checked when they are deployed.
//! - **The target itself**, always, also when it is older than the trusted commit (a
//!   rollback): its signature is what vouches for the tree that will be deployed.
//! - **The sync point's commit, when the recording persist wrote it** (`own_commit`), is not
//!   checked: its changes over its parent are etcd's own values, so a persist commit needs
//!   no signature to be deployed again. A sync point persist recorded at a commit it did not
//!   write (nothing to commit: the branch's tip, perhaps a pushed commit not applied yet) is
//!   checked like any other.
//! - **No sync point** (a new cluster, a first apply, a sync point of another cluster, or a
//!   trusted commit this repository lacks): the target alone. Its signature covers its whole
//!   tree; checking the history to the root would refuse every repository that started
//!   signing after its first commit, and nothing about that history is deployed but the
//!   target's tree.

use serde::Serialize;

use crate::git::{AllowedSigners, ObjectId, Repo, Verdict};
use crate::syncpoint::SyncPoint;

/// Why a deployment was refused on signatures, or could not be checked.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Git(#[from] crate::git::Error),
    #[error("{} not signed by an allowed signer ({}); nothing was written:\n  {}",
        match (refused.len(), *checked) { (_, 1) => "the commit to deploy is".to_owned(),
            (1, n) => format!("1 of the {n} commits to deploy is"),
            (r, n) => format!("{r} of the {n} commits to deploy are") },
        signers.display(),
        refused.iter().map(Refused::to_string).collect::<Vec<_>>().join("\n  "))]
    Untrusted {
        refused: Vec<Refused>,
        checked: usize,
        signers: std::path::PathBuf,
    },
}

/// A commit that failed the check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct Refused {
    pub commit: String,
    pub author: String,
    pub summary: String,
    /// `unsigned`, `unknown_key`, `bad_signature`, `unsupported_format`.
    pub reason: &'static str,
    /// What is wrong, in words (the key that signed it, what ssh-keygen said).
    pub detail: String,
    /// The commit carries persist's trailers: a persist made it (or imitated one).
    pub persist: bool,
}

impl std::fmt::Display for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "commit {} by {} ({:?}): {}",
            &self.commit[..12.min(self.commit.len())],
            self.author,
            self.summary,
            self.detail
        )
    }
}

/// A commit that passed: who signed it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct Signed {
    pub commit: String,
    pub author: String,
    /// The principal of the allowed-signers file the key belongs to.
    pub signer: String,
    /// The key's fingerprint (`SHA256:…`).
    pub key: String,
}

/// The outcome of a check that passed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct Verified {
    pub allowed_signers: std::path::PathBuf,
    /// The commit the check started from (exclusive); `None`: the target alone was checked.
    pub since: Option<String>,
    pub commits: Vec<Signed>,
}

/// What a check found, refusals included: for `diff`, which shows it and goes on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct Status {
    /// Whether `apply` would deploy: every commit checked is signed by an allowed signer.
    pub trusted: bool,
    pub allowed_signers: std::path::PathBuf,
    pub checked: usize,
    /// The commits that passed (with `trusted`), or those that failed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub verified: Option<Verified>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub refused: Vec<Refused>,
}

impl Status {
    /// The outcome of [`check`] as a status; other errors stay errors.
    pub fn of(result: Result<Verified, Error>) -> Result<Status, crate::git::Error> {
        match result {
            Ok(verified) => Ok(Status {
                trusted: true,
                allowed_signers: verified.allowed_signers.clone(),
                checked: verified.commits.len(),
                verified: Some(verified),
                refused: Vec::new(),
            }),
            Err(Error::Untrusted {
                refused,
                checked,
                signers,
            }) => Ok(Status {
                trusted: false,
                allowed_signers: signers,
                checked,
                verified: None,
                refused,
            }),
            Err(Error::Git(e)) => Err(e),
        }
    }
}

/// Which commits must be signed to deploy `target` onto the cluster `cluster_id`, whose sync
/// point is `sync_point`: newest first (see the module documentation for the rule).
pub fn commits_to_check(
    repo: &Repo,
    target: ObjectId,
    sync_point: Option<&SyncPoint>,
    cluster_id: u64,
) -> Result<(Vec<ObjectId>, Option<ObjectId>), Error> {
    let point = sync_point.filter(|p| p.cluster_id == format!("{cluster_id:x}"));
    let Some(point) = point else {
        return Ok((vec![target], None));
    };
    let recorded = ObjectId::from_hex(point.commit.as_bytes()).ok();
    let trusted = match ObjectId::from_hex(point.trusted_commit().as_bytes()) {
        Ok(oid) if repo.has_commit(oid)? => Some(oid),
        _ => {
            tracing::warn!(
                commit = point.trusted_commit(),
                "the sync point's trusted commit is not in the repository; checking the \
                 target's signature alone"
            );
            None
        }
    };
    let Some(trusted) = trusted else {
        return Ok((vec![target], None));
    };
    let mut commits = repo.commits_since(target, Some(trusted))?;
    if target != trusted && !commits.contains(&target) {
        commits.insert(0, target);
    }
    if point.own_commit {
        commits.retain(|c| Some(*c) != recorded);
    }
    Ok((commits, Some(trusted)))
}

/// Check that every commit [`commits_to_check`] names is signed by one of `signers`.
pub fn check(
    repo: &Repo,
    signers: &AllowedSigners,
    target: ObjectId,
    sync_point: Option<&SyncPoint>,
    cluster_id: u64,
) -> Result<Verified, Error> {
    let (ids, since) = commits_to_check(repo, target, sync_point, cluster_id)?;
    tracing::info!(
        commits = ids.len(),
        since = ?since.map(|s| s.to_string()),
        signers = %signers.path.display(),
        "checking commit signatures"
    );
    let mut commits = Vec::with_capacity(ids.len());
    let mut refused = Vec::new();
    for id in &ids {
        let commit = repo.commit(*id)?;
        let verdict = repo.verify_signature(&commit, signers)?;
        let author = commit.author();
        let (reason, detail) = match verdict {
            Verdict::Trusted { principal, key } => {
                tracing::debug!(commit = %id, %principal, "signature good");
                commits.push(Signed {
                    commit: id.to_string(),
                    author,
                    signer: principal,
                    key,
                });
                continue;
            }
            Verdict::Unsigned => ("unsigned", "not signed".to_owned()),
            Verdict::UnknownKey { key } => (
                "unknown_key",
                format!("signed with key {key}, which the allowed signers file does not list"),
            ),
            Verdict::Bad { detail } => ("bad_signature", format!("bad signature: {detail}")),
            Verdict::OtherFormat { format } => (
                "unsupported_format",
                format!("signed with {format}; netsync checks SSH signatures only"),
            ),
        };
        let persist = repo
            .trailers(*id)?
            .iter()
            .any(|(token, _)| token == crate::adopt::REVISION_TRAILER);
        refused.push(Refused {
            commit: id.to_string(),
            author,
            summary: commit.summary(),
            reason,
            detail,
            persist,
        });
    }
    if !refused.is_empty() {
        return Err(Error::Untrusted {
            refused,
            checked: ids.len(),
            signers: signers.path.clone(),
        });
    }
    Ok(Verified {
        allowed_signers: signers.path.clone(),
        since: since.map(|s| s.to_string()),
        commits,
    })
}
