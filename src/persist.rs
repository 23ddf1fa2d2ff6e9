//! `persist`: record the operational changes made in etcd as a Git commit on the branch, then
//! push it. Reads etcd at one revision, classifies every key three ways against the sync
//! point, edits only the changed paths of the branch tip's tree, moves the branch by
//! compare-and-swap, pushes (rebuilding on a remote that moved ahead), and records the new
//! sync point, all while holding the repository's etcd lock.

mod build;
mod message;
mod read;
mod seal;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Serialize;

use crate::config::Config;
use crate::desired;
use crate::git::{self, remote, Identity, ObjectId, Repo};
use crate::kv::{KeyValue, Kv};
use crate::lock::{self, Holder, Lock};
use crate::plan::{self, Action};
use crate::progress::Progress;
use crate::refusal::{self, Refusal};
use crate::syncpoint::{self, SyncPoint};

pub use build::Built;
pub use seal::Sealed;

/// A value's blob id, and its bytes when the blob may not be in the repository yet (`None`:
/// an existing blob, such as a secret's ciphertext kept byte for byte).
pub type Value = (ObjectId, Option<Vec<u8>>);

/// Keys per range request when reading etcd.
pub const PAGE_SIZE: usize = crate::kv::PAGE_SIZE;
/// How many times a push rejected because the remote moved ahead is retried on top of it.
const MAX_REBUILDS: usize = 5;
/// A Git lock file older than this, while netsync holds the repository's etcd lock, is left
/// over from a killed process and is removed.
pub const STALE_LOCK_FILE_AGE: Duration = Duration::from_secs(10 * 60);

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Kv(#[from] crate::kv::Error),
    #[error(transparent)]
    Git(#[from] git::Error),
    #[error(transparent)]
    Desired(#[from] desired::Error),
    #[error(transparent)]
    Secrets(#[from] crate::secrets::Error),
    #[error(transparent)]
    Config(#[from] crate::config::Error),
    #[error("cannot remove {path}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("commit {commit} of the branch says it was read from etcd at revision {revision}, but etcd is only at revision {now}; its trailers are not netsync's own, and nothing was committed")]
    ImplausibleTrailer {
        commit: String,
        revision: i64,
        now: i64,
    },
    #[error("the branch holds {} as age files, which this run read from etcd as plain values; nothing was committed", crate::secrets::list(keys))]
    Unsealed { keys: Vec<String> },
    #[error("the value of {key} in etcd is {bytes} bytes; written back with its guards it makes a {request}-byte etcd request, more than `etcd.max_request_bytes` ({limit}), so apply and restore could not write it; nothing was committed or pushed")]
    CannotWriteBack {
        key: String,
        bytes: usize,
        request: usize,
        limit: usize,
    },
    #[error("{} changed both in Git and in etcd since the sync point (commit {base}); persist overwrites neither", keys.join(", "))]
    Conflict { keys: Vec<String>, base: String },
    #[error("etcd holds secret keys ({}) but netsync.toml names no recipients to encrypt them to; persist never commits a secret in plaintext", crate::secrets::list(keys))]
    NoRecipients { keys: Vec<String> },
    #[error("branch `{branch}` does not exist in {repo}")]
    NoBranch { branch: String, repo: PathBuf },
    #[error("no branch to persist to: HEAD is detached and netsync.toml names no `branch`")]
    NoBranchConfigured,
    #[error("the sync point names commit {commit}, which {repo} does not have")]
    BaseMissing { commit: String, repo: PathBuf },
    #[error(
        "internal error: blob {oid} to commit is neither in etcd's values nor in the repository"
    )]
    BlobMissing { oid: String },
    #[error("refusing to record the deletion of {deletes} of the {managed} managed keys under {} (the mass-delete guard allows {percent}% and never all); nothing was committed or pushed", prefixes.join(", "))]
    MassDelete {
        deletes: usize,
        managed: usize,
        percent: f64,
        prefixes: Vec<String>,
        /// The branch tip: the last commit that holds the keys.
        last_good: String,
    },
    #[error("internal error: the value of {key} is needed but was not read")]
    ValueNotRead { key: String },
    #[error("commit {commit}, fetched from the primary remote to build on, changes how keys map to files (netsync.toml) since the sync point, which this run read etcd against; nothing was committed")]
    KeyRulesChanged { commit: String },
    #[error("lost the etcd lock (lease expired or etcd unreachable); stopped before writing more")]
    LockLost,
    #[error("{path} exists ({age} old): another Git process may be working on the repository")]
    LockFile { path: PathBuf, age: String },
    #[error("`{value}` in persist.author is not `Name <email>`")]
    BadAuthor { value: String },
    #[error("{}", messages.join("; "))]
    BadRemotes { messages: Vec<String> },
    #[error("the primary remote {remote} rejected the push")]
    PrimaryPush {
        remote: String,
        #[source]
        source: remote::Error,
    },
    #[error("the primary remote {remote} kept moving ahead; gave up after {attempts} rebuilds")]
    KeptMoving { remote: String, attempts: usize },
    #[error("`persist.signing_key` cannot be used; nothing was committed")]
    SigningKey(#[source] git::SetupError),
}

/// What the user asked `persist` to do.
#[derive(Debug, Clone)]
pub struct PersistOptions {
    pub dry_run: bool,
    /// The commit summary line (else `persist.message`, else a generated one).
    pub message: Option<String>,
    /// The branch to commit to (else `branch` in netsync.toml, else HEAD's branch).
    pub branch: Option<String>,
    /// Push to the remotes of `persist.remotes`.
    pub push: bool,
    pub page_size: usize,
    /// Time to live of the lock's lease.
    pub lock_ttl: Duration,
    /// `--identity` files. Never needed; used only to compare secrets when the sync point
    /// cannot tell whether they changed (else `NETSYNC_IDENTITY_FILE`, else the default path).
    pub identity_files: Vec<PathBuf>,
    /// Read every value even when the sync point allows reading only what changed.
    pub full_read: bool,
    /// Which side wins a key changed on both sides since the sync point: `PreferEtcd`
    /// records etcd's value, `PreferGit` leaves Git's; `Safe` (and `Force`) stop the run.
    pub policy: crate::plan::Policy,
    /// Record a deletion of more than `persist.max_delete_fraction` of the managed keys, or
    /// of all of them.
    pub allow_mass_delete: bool,
    /// Push to the backup remotes (the second and later of `persist.remotes`) after the
    /// primary; `false` leaves them to the caller (`watch` pushes them on their own
    /// schedule, so that a slow backup never holds up the next commit).
    pub push_backups: bool,
}

impl Default for PersistOptions {
    fn default() -> Self {
        Self {
            dry_run: false,
            message: None,
            branch: None,
            push: true,
            policy: crate::plan::Policy::Safe,
            page_size: PAGE_SIZE,
            lock_ttl: lock::DEFAULT_TTL,
            identity_files: Vec::new(),
            full_read: false,
            allow_mass_delete: false,
            push_backups: true,
        }
    }
}

/// One key recorded (or to record) in the commit.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct KeyChange {
    /// Printable form of the key.
    pub key: String,
    pub action: Action,
    /// The file in the repository.
    pub path: String,
}

/// The outcome of one push.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct PushReport {
    pub remote: String,
    pub primary: bool,
    pub ok: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// What `persist` did.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct PersistReport {
    pub dry_run: bool,
    pub branch: String,
    pub etcd_revision: i64,
    pub cluster_id: String,
    /// The new commit; `None` when there was nothing to persist.
    pub commit: Option<String>,
    /// The branch tip before the run (or the fetched remote tip it was rebuilt on).
    pub parent: String,
    pub changes: Vec<KeyChange>,
    /// Keys changed only in Git since the sync point: desired state not yet applied, left alone.
    pub pending_in_git: usize,
    /// Keys changed on both sides that [`crate::plan::Policy::Skip`] left to the operator
    /// (printable form); empty under every other policy, which stops on a conflict instead.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub conflicts: Vec<String>,
    /// How the secrets in etcd were turned into ciphertext (counts only).
    pub secrets: Sealed,
    /// True when only the values written since the sync point were read.
    pub incremental: bool,
    /// Times the commit was rebuilt on a remote that moved ahead.
    pub rebuilt: usize,
    pub pushes: Vec<PushReport>,
    pub sync_point_recorded: bool,
    /// Stale Git lock files removed before starting.
    pub removed_lock_files: Vec<String>,
}

impl PersistReport {
    pub fn count(&self, action: Action) -> usize {
        self.changes.iter().filter(|c| c.action == action).count()
    }
}

/// The outcome of `persist`.
#[derive(Debug)]
pub enum Persisted {
    Done(Box<PersistReport>),
    /// Another run holds the lock; nothing was done.
    Busy(Holder),
}

/// The branch persist commits to, and the config committed on it.
pub fn target_branch(repo: &Repo, branch: Option<&str>) -> Result<(String, Config), Error> {
    let branch = match branch {
        Some(b) => b.to_owned(),
        None => {
            let (revision, _) = desired::resolve_target(repo, None)?;
            let config = desired::load_config(repo, &revision)?;
            match config.branch.clone().or_else(|| repo.head_branch()) {
                Some(b) => b,
                None => return Err(Error::NoBranchConfigured),
            }
        }
    };
    let tip = repo.branch_tip(&branch)?.ok_or_else(|| Error::NoBranch {
        branch: branch.clone(),
        repo: repo.path().to_owned(),
    })?;
    let revision = repo.resolve(&tip.to_string())?;
    let config = desired::load_config(repo, &revision)?;
    Ok((branch, config))
}

/// Run persist against `kv`. `config` is the one committed on `branch` (see [`target_branch`]).
pub async fn persist(
    repo: &Repo,
    kv: &mut impl Kv,
    branch: &str,
    config: &Config,
    options: &PersistOptions,
    progress: &Progress,
) -> Result<Persisted, Error> {
    check_remotes(config, options)?;
    let lock = if options.dry_run {
        None
    } else {
        match lock::acquire(kv, config, "persist", options.lock_ttl).await? {
            lock::Acquired::Held(lock) => Some(lock),
            lock::Acquired::Busy(holder) => return Ok(Persisted::Busy(holder)),
        }
    };
    let result = run_locked(repo, kv, branch, config, options, progress, lock.as_ref()).await;
    if let Some(lock) = lock {
        if let Err(err) = lock.release(kv).await {
            tracing::warn!(%err, "could not release the lock; it expires with its lease");
        }
    }
    result.map(|r| Persisted::Done(Box::new(r)))
}

/// Run persist under a lock the caller holds (`watch` holds one for each burst): the same
/// run as [`persist`] makes, writes fenced on that lock, which is left held.
pub async fn persist_locked(
    repo: &Repo,
    kv: &mut impl Kv,
    branch: &str,
    config: &Config,
    options: &PersistOptions,
    progress: &Progress,
    lock: &Lock,
) -> Result<PersistReport, Error> {
    check_remotes(config, options)?;
    run_locked(repo, kv, branch, config, options, progress, Some(lock)).await
}

/// Refuse to start when an entry of `persist.remotes` cannot be pushed to, or
/// `persist.signing_key` cannot sign.
fn check_remotes(config: &Config, options: &PersistOptions) -> Result<(), Error> {
    let invalid = &config.persist.invalid_remotes;
    if options.push && !invalid.is_empty() {
        return Err(Error::BadRemotes {
            messages: invalid.iter().map(|r| r.message.clone()).collect(),
        });
    }
    // A key that cannot sign stops the run before anything is read or locked.
    if let Some(key) = &config.persist.signing_key {
        git::Signer::load(key).map_err(Error::SigningKey)?;
    }
    Ok(())
}

/// The mass-delete guard: `apply`'s prune guard in the direction that feeds the backups. An
/// accidental `etcdctl del --prefix` must not become the branch tip every remote holds.
fn check_mass_delete(
    config: &Config,
    built: &Built,
    parent: ObjectId,
    options: &PersistOptions,
) -> Result<(), Error> {
    let deleted: Vec<&KeyChange> = built
        .changes
        .iter()
        .filter(|c| c.action == Action::Delete)
        .collect();
    let fraction = config.persist.max_delete_fraction;
    if options.allow_mass_delete
        || !crate::plan::is_mass_delete(deleted.len(), built.managed_in_git, fraction)
    {
        return Ok(());
    }
    let prefixes = config
        .mappings
        .iter()
        .filter(|m| {
            deleted.iter().any(|c| {
                c.path
                    .strip_prefix(&m.dir)
                    .is_some_and(|r| r.starts_with('/'))
            })
        })
        .map(|m| crate::keypath::display_key(&m.prefix))
        .collect();
    Err(Error::MassDelete {
        deletes: deleted.len(),
        managed: built.managed_in_git,
        percent: fraction * 100.0,
        prefixes,
        last_good: parent.to_string(),
    })
}

/// What persist records, apply and restore must be able to write back: refuse, before any
/// commit, a value whose guarded, fenced write would exceed etcd's request limit (sized as
/// etcd sizes it, with the largest revision and lease), naming the key.
fn check_write_back(
    kv: &impl Kv,
    config: &Config,
    built: &build::Built,
    etcd: &Etcd,
    secret_sizes: &BTreeMap<Vec<u8>, usize>,
) -> Result<(), Error> {
    let limit = config.etcd.max_request_bytes;
    let fixed = kv.request_envelope() + crate::kv::wire::fence_for_key(lock::key(config).len());
    for (key, _) in &built.new_blobs {
        let bytes = match secret_sizes.get(key) {
            Some(len) => *len,
            None => match etcd.values.get(key) {
                Some((_, Some(value))) => value.len(),
                _ => continue,
            },
        };
        let request = crate::kv::wire::write(key.len(), Some(bytes), -1) + fixed;
        if request > limit {
            return Err(Error::CannotWriteBack {
                key: crate::keypath::display_key(key),
                bytes,
                request,
                limit,
            });
        }
    }
    Ok(())
}

fn check_lock(lock: Option<&Lock>) -> Result<(), Error> {
    match lock {
        Some(lock) if lock.is_lost() => Err(Error::LockLost),
        _ => Ok(()),
    }
}

#[allow(clippy::too_many_arguments)]
async fn run_locked(
    repo: &Repo,
    kv: &mut impl Kv,
    branch: &str,
    config: &Config,
    options: &PersistOptions,
    progress: &Progress,
    lock: Option<&Lock>,
) -> Result<PersistReport, Error> {
    let removed_lock_files = lock_files(repo, branch, lock.is_some())?;
    for warning in config.warnings() {
        tracing::warn!("{warning}");
    }
    let author = match &config.persist.author {
        Some(text) => Identity::parse(text).ok_or_else(|| Error::BadAuthor {
            value: text.clone(),
        })?,
        None => default_identity(),
    };
    let signer = config
        .persist
        .signing_key
        .as_deref()
        .map(git::Signer::load)
        .transpose()
        .map_err(Error::SigningKey)?;
    let checkout = repo.checkout_of(branch);
    let primary_tip = match (lock, options.push, config.persist.remotes.first()) {
        (Some(lock), true, Some(primary)) => {
            catch_up(repo, primary, branch, checkout.is_some(), &author, lock)?
        }
        _ => None,
    };
    // The tip this run plans on: nothing else moves the branch while the lock is held.
    let start = repo.branch_tip(branch)?.ok_or_else(|| Error::NoBranch {
        branch: branch.to_owned(),
        repo: repo.path().to_owned(),
    })?;
    let recorded = syncpoint::read(kv, config).await?;
    let sync_point = match &recorded {
        // A run of ours (or another host's) killed after it moved the branch and before it
        // recorded: adopt what its commit's trailers prove.
        Some(point) => {
            // etcd's revision is not known before the read: checked right after it.
            let adopted = crate::adopt::adopt(repo, point, start, None)?;
            Some(adopted.unwrap_or_else(|| point.clone()))
        }
        None => None,
    };
    let recorded_commit = recorded.as_ref().map(|p| p.commit.clone());
    let refused_before = refusal::read(kv, config).await?;
    // The sync point's commit and the tip are walked on threads of their own while etcd is
    // read; what is wrong in them is still the error before etcd's.
    let base_walk = match &sync_point {
        Some(point) => Some(start_base(repo, point)?),
        None => None,
    };
    let tip_walk = match base_walk.as_ref().filter(|b| b.revision.commit == start) {
        Some(_) => None,
        None => Some(desired::Loading::start(repo, Some(&start.to_string()))?),
    };
    let fetched = read::fetch(
        kv,
        config,
        sync_point.as_ref(),
        base_walk.as_ref().map(|b| &b.config),
        options,
        progress,
    )
    .await;
    let base = match (base_walk, &sync_point) {
        (Some(walk), Some(point)) => {
            let desired = walk.wait().await?;
            let base = plan::Base::of_commit(&desired.entries, point.clone());
            Some(BaseEntries { base, desired })
        }
        _ => None,
    };
    let tip_desired = match tip_walk {
        Some(walk) => Some(walk.wait().await?),
        None => None,
    };
    let fetched = fetched?;
    // Secrets by pattern, and any key with an age file at the base or the tip (a pattern
    // removed from `secrets.keys` does not make a committed secret plain).
    let mut secret_keys: std::collections::BTreeSet<Vec<u8>> = base
        .as_ref()
        .map(|b| b.base.secrets.clone())
        .unwrap_or_default();
    // The tip's own files (the base's secrets are in `secret_keys` already).
    if let Some(d) = tip_desired.as_ref().or(base.as_ref().map(|b| &b.desired)) {
        secret_keys.extend(
            d.entries
                .iter()
                .filter(|(_, e)| e.secret)
                .map(|(k, _)| k.clone()),
        );
    }
    let is_secret = |key: &[u8]| config.is_secret(key) || secret_keys.contains(key);
    let read = read::classify(
        fetched,
        kv,
        config,
        &is_secret,
        sync_point.as_ref(),
        base.as_ref(),
        repo.gix().object_hash(),
        options,
        progress,
    )
    .await?;
    let (snapshot_revision, snapshot_cluster, member_id) =
        (read.revision, read.cluster_id, read.member_id);
    if let Some(adopted) = sync_point
        .as_ref()
        .filter(|p| p.revision > snapshot_revision)
    {
        return Err(Error::ImplausibleTrailer {
            commit: adopted.commit.clone(),
            revision: adopted.revision,
            now: snapshot_revision,
        });
    }
    let cluster_id = format!("{snapshot_cluster:x}");
    let known = match (&sync_point, &base) {
        (Some(point), Some(base)) if point.cluster_id == cluster_id => {
            Some(seal::Known { base: &base.base })
        }
        _ => None,
    };
    let tip_revision = repo.resolve(&start.to_string())?;
    // Plaintext sizes: what apply and restore would write back.
    let secret_sizes: BTreeMap<Vec<u8>, usize> = read
        .secrets
        .iter()
        .filter_map(|(k, s)| s.value.as_ref().map(|v| (k.clone(), v.len())))
        .collect();
    let (sealed_values, sealed) = seal::seal(
        repo,
        config,
        &tip_revision,
        known,
        read.secrets,
        &options.identity_files,
    )?;
    tracing::debug!(?sealed, "secrets");
    let mut etcd = read.etcd;
    etcd.values.extend(sealed_values);
    // A sync point recorded in another cluster says nothing of this one: compare two ways,
    // as diff and apply do.
    let foreign = sync_point
        .as_ref()
        .is_some_and(|p| p.cluster_id != cluster_id);
    if foreign {
        tracing::warn!(
            recorded = %sync_point.as_ref().map_or("", |p| p.cluster_id.as_str()),
            "the sync point was recorded in another etcd cluster; comparing two ways"
        );
    }
    let base_oids = base.as_ref().filter(|_| !foreign).map(|b| &b.base.entries);
    let meta = message::Meta {
        summary: options
            .message
            .clone()
            .or_else(|| config.persist.message.clone()),
        revision: snapshot_revision,
        cluster_id: snapshot_cluster,
        member_id,
        built_on: sync_point.as_ref().map(crate::adopt::built_on),
    };

    let mut tip = start;
    let mut parent = tip;
    let mut report = PersistReport {
        dry_run: options.dry_run,
        branch: branch.to_owned(),
        etcd_revision: snapshot_revision,
        cluster_id,
        commit: None,
        parent: parent.to_string(),
        changes: Vec::new(),
        pending_in_git: 0,
        conflicts: Vec::new(),
        secrets: sealed,
        incremental: read.touched.is_some(),
        rebuilt: 0,
        pushes: Vec::new(),
        sync_point_recorded: false,
        removed_lock_files,
    };
    let remotes: Vec<String> = if options.push {
        config.persist.remotes.clone()
    } else {
        Vec::new()
    };
    let mut unsettled: Vec<syncpoint::Unsettled>;
    loop {
        // After an incremental read, only the keys either side changed since the sync point
        // are assessed: every other one holds its base on both sides.
        let only = match (&read.touched, &sync_point, &base) {
            (Some(touched), Some(point), Some(base)) => {
                Some(assessed_keys(repo, config, touched, point, base, parent)?)
            }
            _ => None,
        };
        let built = build::build(
            repo,
            parent,
            base_oids,
            &etcd,
            sync_point.as_ref(),
            tip_desired.as_ref().or(base.as_ref().map(|b| &b.desired)),
            options.policy,
            &is_secret,
            only.as_ref().zip(read.touched.as_ref()),
        )?;
        report.changes = built.changes.clone();
        report.pending_in_git = built.pending_in_git;
        report.conflicts = built.skipped_conflicts.clone();
        unsettled = built.unsettled.clone();
        for u in &mut unsettled {
            // Build knows a secret etcd's value became the base of; the base knows the rest.
            let at_base = base
                .as_ref()
                .is_some_and(|b| b.base.secrets.contains(&u.key));
            u.secret = u.base.is_some() && (u.secret || at_base);
        }
        report.parent = parent.to_string();
        if let Err(refused) = check_mass_delete(config, &built, parent, options) {
            let record = match &refused {
                Error::MassDelete {
                    deletes,
                    managed,
                    prefixes,
                    last_good,
                    ..
                } => Refusal::mass_delete(
                    *deletes,
                    *managed,
                    prefixes.clone(),
                    last_good.clone(),
                    snapshot_revision,
                ),
                _ => return Err(refused),
            };
            // A dry run holds no lock and records nothing.
            if let Some(lock) = lock {
                if let Err(err) = refusal::record(kv, config, lock, &record).await {
                    tracing::warn!(%err, "could not record the refusal in etcd for status");
                }
            }
            return Err(refused);
        }
        check_write_back(kv, config, &built, &etcd, &secret_sizes)?;
        if options.dry_run {
            return Ok(report);
        }
        check_lock(lock)?;
        for (key, _) in &built.base_blobs {
            if let Some((_, Some(bytes))) = etcd.values.get(key) {
                repo.write_blob(bytes)?;
            }
        }
        let target = match built.edits.is_empty() {
            true => parent,
            false => {
                for (key, oid) in &built.new_blobs {
                    if let Some((_, Some(bytes))) = etcd.values.get(key) {
                        repo.write_blob(bytes)?;
                    } else if !repo.gix().has_object(*oid) {
                        return Err(Error::BlobMissing {
                            oid: oid.to_string(),
                        });
                    }
                }
                let tree = repo.edit_tree(built.parent_tree, &built.edits)?;
                let text = message::compose(&meta, &built.changes);
                let commit = repo.write_commit(tree, &[parent], &author, &text, signer.as_ref())?;
                report.commit = Some(commit.to_string());
                commit
            }
        };
        if target != tip {
            crate::testhook::run("before_ref_update");
            let message = reflog_message(&report);
            move_branch(
                repo,
                branch,
                checkout.is_some(),
                tip,
                target,
                &author,
                &message,
                lock,
            )?;
            tip = target;
        }
        // Nothing of this run's own to push: no commit, and the primary has the tip (as
        // fetched before planning; without that fetch, the tip is the one recorded).
        let nothing_new = report.commit.is_none()
            && match primary_tip {
                Some(fetched) => fetched == tip,
                None => recorded_commit.as_deref() == Some(&*tip.to_string()),
            };
        let Some(primary) = remotes.first() else {
            break;
        };
        if nothing_new {
            break;
        }
        crate::testhook::run("before_push");
        check_lock(lock)?;
        match remote::push(repo.gix().git_dir(), primary, tip, branch) {
            Ok(remote::Pushed::Ok) => {
                crate::testhook::run("after_push");
                report.pushes.push(PushReport {
                    remote: primary.clone(),
                    primary: true,
                    ok: true,
                    error: None,
                });
                break;
            }
            Ok(remote::Pushed::NonFastForward) if report.rebuilt < MAX_REBUILDS => {
                tracing::info!(remote = %primary, "the remote moved ahead; rebuilding on its tip");
                remote::fetch(repo.gix().git_dir(), primary, branch).map_err(|source| {
                    Error::PrimaryPush {
                        remote: primary.clone(),
                        source,
                    }
                })?;
                parent = repo.resolve(remote::FETCHED_REF)?.commit;
                report.rebuilt += 1;
                report.commit = None;
            }
            Ok(remote::Pushed::NonFastForward) => {
                return Err(Error::KeptMoving {
                    remote: primary.clone(),
                    attempts: report.rebuilt,
                })
            }
            Err(source) => {
                if options.push_backups {
                    push_backups(repo, &remotes, tip, branch, lock, &mut report);
                }
                return Err(Error::PrimaryPush {
                    remote: primary.clone(),
                    source,
                });
            }
        }
    }
    if options.push_backups && report.pushes.iter().any(|p| p.primary) {
        push_backups(repo, &remotes, tip, branch, lock, &mut report);
    }
    if let Some(lock) = lock {
        let pushed = report
            .pushes
            .iter()
            .filter(|p| p.ok)
            .map(|p| p.remote.as_str());
        crate::pushes::record(kv, lock, config, pushed, &tip.to_string()).await;
    }

    // This run got through: a refusal recorded earlier no longer describes the state.
    if let (Some(lock), Some((_, revision))) = (lock, &refused_before) {
        if let Err(err) = refusal::clear(kv, config, lock, *revision).await {
            tracing::warn!(%err, "could not remove the record of an earlier refused persist");
        }
    }

    // The sync point says "at this revision etcd holds commit X, but for these keys, which
    // keep their older base": keys waiting in Git to be applied keep counting as changed in
    // Git (and are not mistaken for drift next time), while every key recorded here is
    // settled at its new value.
    let mut point = SyncPoint::new(tip.to_string(), snapshot_cluster, "persist");
    point.read_revision = Some(snapshot_revision);
    point.set_unsettled(unsettled);
    // With every key settled the tip is etcd's state itself; else Git changes not applied
    // yet are in its history, and the older trusted commit stays (src/trust.rs).
    point.trusted = match point.unsettled.is_empty() {
        true => Some(point.commit.clone()),
        false => recorded
            .as_ref()
            .filter(|p| p.cluster_id == point.cluster_id)
            .map(|p| p.trusted_commit().to_owned()),
    };
    // A commit this run wrote holds etcd's values over its parent; the tip persist merely
    // found (nothing to commit) may be a pushed commit not applied yet, which signature
    // checks must still see.
    point.own_commit = report.commit.as_deref() == Some(point.commit.as_str());
    let moved = recorded.as_ref().is_none_or(|p| {
        p.commit != point.commit
            || p.unsettled != point.unsettled
            || p.own_commit != point.own_commit
    });
    if moved {
        crate::testhook::run("before_sync_point");
        if let Some(lock) = lock {
            let bytes = point.to_bytes();
            if bytes.len() > syncpoint::MAX_RECORD_BYTES {
                tracing::warn!(
                    unsettled = point.unsettled.len(),
                    "too many keys differ between Git and etcd to record each one's base; the \
                     old sync point stays"
                );
                pack_loose_objects(repo, Some(lock), &report);
                return Ok(report);
            }
            if !lock.fenced_put(kv, &syncpoint::key(config), &bytes).await? {
                return Err(Error::LockLost);
            }
            report.sync_point_recorded = true;
        }
    }
    pack_loose_objects(repo, lock, &report);
    Ok(report)
}

/// The repository stays healthy over months of persists: after a run that committed, with
/// the lock still held, the loose objects of this and earlier commits are packed once they
/// pile up ([`remote::gc_auto`]). A failure only warns: the commit is made and pushed.
fn pack_loose_objects(repo: &Repo, lock: Option<&Lock>, report: &PersistReport) {
    if lock.is_none() || report.commit.is_none() {
        return;
    }
    crate::testhook::run("before_gc");
    let started = std::time::Instant::now();
    match remote::gc_auto(repo.gix().git_dir()) {
        Ok(()) => tracing::debug!(took = ?started.elapsed(), "git gc --auto"),
        Err(err) => tracing::warn!(%err, "could not pack the repository's loose objects"),
    }
}

/// Move `branch` from `from` to `to` by compare-and-swap, keeping a checked-out branch's
/// files and index in step (refused, before anything moves, when the files netsync must
/// change have uncommitted edits).
#[allow(clippy::too_many_arguments)]
fn move_branch(
    repo: &Repo,
    branch: &str,
    checked_out: bool,
    from: ObjectId,
    to: ObjectId,
    author: &Identity,
    message: &str,
    lock: Option<&Lock>,
) -> Result<(), Error> {
    if checked_out {
        let changes = repo.diff_trees(
            repo.resolve(&from.to_string())?.tree,
            repo.resolve(&to.to_string())?.tree,
        )?;
        repo.check_clean(&changes)?;
        check_lock(lock)?;
        repo.update_branch(branch, Some(from), to, author, message)?;
        repo.update_checkout(&changes)?;
    } else {
        check_lock(lock)?;
        repo.update_branch(branch, Some(from), to, author, message)?;
    }
    Ok(())
}

/// Bring the clone up to date with the primary remote before planning, so that any host can
/// do any run: the host whose clone is behind (another host persisted last) gets the sync
/// point's commit, and builds on the remote's tip instead of a commit the push would refuse.
/// A local branch behind the remote is fast-forwarded; one with commits the remote lacks
/// keeps them (they are pushed, or rebuilt on the remote's tip when the push is refused).
/// Never a force. A primary that cannot be reached is reported, and the run plans from the
/// clone as it is (its push then fails the run). Returns the primary's tip, if fetched.
fn catch_up(
    repo: &Repo,
    primary: &str,
    branch: &str,
    checked_out: bool,
    author: &Identity,
    lock: &Lock,
) -> Result<Option<ObjectId>, Error> {
    if let Err(err) = remote::fetch(repo.gix().git_dir(), primary, branch) {
        tracing::warn!(remote = %primary, %err, "cannot fetch the primary remote; planning from this clone as it is");
        return Ok(None);
    }
    let fetched = repo.resolve(remote::FETCHED_REF)?.commit;
    let tip = repo.branch_tip(branch)?.ok_or_else(|| Error::NoBranch {
        branch: branch.to_owned(),
        repo: repo.path().to_owned(),
    })?;
    if fetched == tip || !repo.is_ancestor(tip, fetched)? {
        return Ok(Some(fetched));
    }
    tracing::info!(remote = %primary, from = %tip, to = %fetched, "fast-forwarding to the primary's tip before planning");
    let message = format!("netsync persist: fast-forward to {primary}");
    move_branch(
        repo,
        branch,
        checked_out,
        tip,
        fetched,
        author,
        &message,
        Some(lock),
    )?;
    Ok(Some(fetched))
}

/// Push to every backup remote; failures are reported, not fatal.
fn push_backups(
    repo: &Repo,
    remotes: &[String],
    tip: ObjectId,
    branch: &str,
    lock: Option<&Lock>,
    report: &mut PersistReport,
) {
    for backup in remotes.iter().skip(1) {
        let outcome = match check_lock(lock) {
            Err(err) => Err(err.to_string()),
            Ok(()) => match remote::push(repo.gix().git_dir(), backup, tip, branch) {
                Ok(remote::Pushed::Ok) => Ok(()),
                Ok(remote::Pushed::NonFastForward) => Err(
                    "rejected: the backup has commits the primary does not (not force-pushed)"
                        .to_owned(),
                ),
                Err(err) => Err(err.to_string()),
            },
        };
        if let Err(error) = &outcome {
            tracing::warn!(remote = %backup, %error, "push to a backup remote failed");
        }
        report.pushes.push(PushReport {
            remote: backup.clone(),
            primary: false,
            ok: outcome.is_ok(),
            error: outcome.err(),
        });
    }
}

fn reflog_message(report: &PersistReport) -> String {
    format!(
        "netsync persist: etcd revision {} ({} keys)",
        report.etcd_revision,
        report.changes.len()
    )
}

/// `netsync <netsync@HOSTNAME>`.
pub fn default_identity() -> Identity {
    let host = gethostname::gethostname().to_string_lossy().into_owned();
    Identity {
        name: "netsync".to_owned(),
        email: format!("netsync@{host}"),
    }
}

/// The sync point's commit and each managed key's base.
pub struct BaseEntries {
    /// Each key's base: the commit's blob, or an unsettled key's own base.
    pub base: plan::Base,
    /// The whole desired state of that commit (reused when it is also the branch tip).
    pub desired: desired::Desired,
}

/// Start walking the sync point's commit, whose files (with each unsettled key's own base in
/// its place) are each managed key's base; an error when the repository lacks the commit.
fn start_base(repo: &Repo, point: &SyncPoint) -> Result<desired::Loading, Error> {
    let missing = || Error::BaseMissing {
        commit: point.commit.clone(),
        repo: repo.path().to_owned(),
    };
    let oid = ObjectId::from_hex(point.commit.as_bytes()).map_err(|_| missing())?;
    // Missing is the error below; present but damaged is an error (checked against its id).
    if !repo.has_commit(oid)? {
        return Err(missing());
    }
    Ok(desired::Loading::start(repo, Some(&point.commit))?)
}

/// The keys persist assesses after an incremental read: those etcd changed (`touched`), those
/// whose file differs between the sync point's commit and `parent` (found comparing only the
/// subtrees whose ids differ), and the record's unsettled keys.
fn assessed_keys(
    repo: &Repo,
    config: &Config,
    touched: &std::collections::BTreeSet<Vec<u8>>,
    point: &SyncPoint,
    base: &BaseEntries,
    parent: ObjectId,
) -> Result<std::collections::BTreeSet<Vec<u8>>, Error> {
    let mut keys = touched.clone();
    keys.extend(point.unsettled.iter().map(|u| u.key.clone()));
    let to = repo.resolve(&parent.to_string())?;
    if !desired::load_config(repo, &to)?.same_key_rules(&base.desired.config) {
        return Err(Error::KeyRulesChanged {
            commit: parent.to_string(),
        });
    }
    match desired::changed_between(repo, config, &base.desired.revision, &to)? {
        Some(changed) => keys.extend(changed.into_keys()),
        None => {
            // A file that is no key file: reading the commit whole says which.
            desired::load(repo, Some(&parent.to_string()))?;
            return Err(Error::ValueNotRead {
                key: format!("the keys changed between {} and {parent}", point.commit),
            });
        }
    }
    Ok(keys)
}

/// What etcd holds, split the way persist needs it.
pub struct Etcd {
    /// Managed keys: the blob id of what Git should hold (a secret's ciphertext), and its bytes.
    pub values: BTreeMap<Vec<u8>, Value>,
    /// Keys attached to a lease: runtime state, left alone on both sides.
    pub leased: std::collections::BTreeSet<Vec<u8>>,
}

impl Etcd {
    /// Split what etcd holds; secret values go apart, to be sealed before they get a blob id.
    fn from_entries(
        entries: Vec<KeyValue>,
        config: &Config,
        is_secret: &dyn Fn(&[u8]) -> bool,
        kind: gix::hash::Kind,
    ) -> (Self, BTreeMap<Vec<u8>, seal::Secret>) {
        let mut values = BTreeMap::new();
        let mut secrets = BTreeMap::new();
        let mut leased = std::collections::BTreeSet::new();
        for kv in entries {
            if config.is_ephemeral(&kv.key) {
                continue;
            }
            if kv.lease != 0 {
                leased.insert(kv.key);
                continue;
            }
            if is_secret(&kv.key) {
                let secret = seal::Secret {
                    mod_revision: kv.mod_revision,
                    value: Some(zeroize::Zeroizing::new(kv.value)),
                };
                secrets.insert(kv.key, secret);
                continue;
            }
            let oid = git::blob_id(kind, &kv.value);
            values.insert(kv.key, (oid, Some(kv.value)));
        }
        (Self { values, leased }, secrets)
    }
}

/// Git lock files a killed process may have left. With netsync's own lock held (no other
/// netsync can be writing) a lock file older than [`STALE_LOCK_FILE_AGE`] is provably
/// abandoned and removed; a younger one, or any one without netsync's lock (`--dry-run`),
/// is reported and stops the run.
fn lock_files(repo: &Repo, branch: &str, may_remove: bool) -> Result<Vec<String>, Error> {
    let git_dir = repo.gix().git_dir();
    let candidates = [
        "index.lock".to_owned(),
        "HEAD.lock".to_owned(),
        "packed-refs.lock".to_owned(),
        "config.lock".to_owned(),
        format!("refs/heads/{branch}.lock"),
        format!("{}.lock", remote::FETCHED_REF),
    ];
    let mut removed = Vec::new();
    for name in candidates {
        let path: PathBuf = git_dir.join(&name);
        let Ok(meta) = std::fs::metadata(&path) else {
            continue;
        };
        let age = meta
            .modified()
            .ok()
            .and_then(|m| m.elapsed().ok())
            .unwrap_or_default();
        if may_remove && age >= STALE_LOCK_FILE_AGE {
            tracing::warn!(path = %path.display(), age = %format_age(age), "removing a stale Git lock file left by a killed process");
            std::fs::remove_file(&path).map_err(|source| Error::Io {
                path: path.clone(),
                source,
            })?;
            removed.push(display(&path));
        } else {
            return Err(Error::LockFile {
                path,
                age: format_age(age),
            });
        }
    }
    Ok(removed)
}

fn format_age(age: Duration) -> String {
    humantime::format_duration(Duration::from_secs(age.as_secs())).to_string()
}

fn display(path: &Path) -> String {
    path.display().to_string()
}
