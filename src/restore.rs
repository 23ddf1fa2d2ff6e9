//! `restore`: rebuild etcd from a Git revision after a disaster, then prove it by reading
//! everything back. Reuses apply's reading, decryption and guarded batch writer; adds the
//! empty-target check, revision-by-date, cloning a URL and verification.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::desired::{self, Desired};
use crate::git::Repo;
use crate::keypath::display_key;
use crate::kv::{Guarded, Kv};
use crate::lock;
use crate::plan::{self, Action};
use crate::prepare;
use crate::progress::Progress;
use crate::secrets::{self, Identities};
use crate::syncpoint::{self, SyncPoint};

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("the target etcd already holds {keys} key(s) under the managed prefixes{}; restore writes onto an empty cluster (pass --force to overwrite them, like apply with Git winning)",
        if *synced { " and a sync point" } else { "" })]
    NotEmpty { keys: usize, synced: bool },
    #[error("another netsync holds the lock ({holder}); restore writes nothing while it runs")]
    Busy { holder: String },
    #[error("lost the etcd lock (lease expired or etcd unreachable); stopped before writing")]
    LockLost,
    #[error("`git clone --bare {url}` failed: {detail}")]
    Clone { url: String, detail: String },
    #[error(transparent)]
    PruneGuard(#[from] plan::PruneRefused),
    #[error(transparent)]
    BaseMissing(#[from] desired::BaseMissing),
    #[error(transparent)]
    Write(#[from] crate::write::Error),
    #[error(transparent)]
    Kv(#[from] crate::kv::Error),
    #[error(transparent)]
    Git(#[from] crate::git::Error),
    #[error(transparent)]
    Remote(#[from] crate::git::remote::Error),
    #[error(transparent)]
    Desired(#[from] desired::Error),
    #[error(transparent)]
    Secrets(#[from] secrets::Error),
    #[error(transparent)]
    Trust(#[from] crate::trust::Error),
    #[error("verification failed: {} of {checked} key(s) differ from the revision: {}", mismatches.len(), mismatches.join(", "))]
    Verify {
        checked: usize,
        mismatches: Vec<String>,
    },
}

/// Reading both sides failed: each cause as restore's own.
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

/// What the user asked `restore` to do.
#[derive(Debug, Clone, Default)]
pub struct RestoreOptions {
    /// A commit, tag, branch or date; `None`: the configured branch.
    pub rev: Option<String>,
    pub force: bool,
    /// With `force`: let the prune guard pass a mass deletion.
    pub allow_mass_delete: bool,
    pub max_txn_ops: Option<usize>,
    pub max_request_bytes: Option<usize>,
    pub lock_ttl: Option<std::time::Duration>,
    /// Restore only a revision whose commits one of these signed (see [`crate::trust`]).
    pub allowed_signers: Option<crate::git::AllowedSigners>,
    /// Do everything up to the first write (read every value, decrypt every secret, read
    /// the target, check it is empty and every value fits), then stop: a drill of the
    /// restore against the target cluster. Takes no lock and writes nothing.
    pub dry_run: bool,
    /// Override `etcd.txns_in_flight` of the config.
    pub txns_in_flight: Option<usize>,
}

/// Where the repository to restore from lives: opened in place, or cloned into a temporary
/// folder that is removed when this is dropped.
pub struct Source {
    pub repo: Repo,
    temp: Option<PathBuf>,
}

impl Source {
    /// The repository at `path`, read in place.
    pub fn local(path: &Path) -> Result<Self, Error> {
        Ok(Self {
            repo: Repo::open(path)?,
            temp: None,
        })
    }

    /// Open `from` when it is a local folder, else clone it bare with the `git` CLI.
    pub fn open(from: &str) -> Result<Self, Error> {
        let path = Path::new(from);
        if path.is_dir() {
            return Self::local(path);
        }
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        let temp =
            std::env::temp_dir().join(format!("netsync-restore-{}-{nanos}", std::process::id()));
        tracing::info!(url = from, dir = %temp.display(), "cloning");
        let output = std::process::Command::new("git")
            .args(["clone", "--bare", "--quiet", from])
            .arg(&temp)
            .output()
            .map_err(crate::git::remote::Error::Spawn)?;
        let source = Self {
            repo: match output.status.success() {
                true => Repo::open(&temp)?,
                false => {
                    let _ = std::fs::remove_dir_all(&temp);
                    let detail = String::from_utf8_lossy(&output.stderr).trim().to_owned();
                    return Err(Error::Clone {
                        url: from.to_owned(),
                        detail,
                    });
                }
            },
            temp: Some(temp),
        };
        Ok(source)
    }
}

impl Drop for Source {
    fn drop(&mut self) {
        if let Some(temp) = &self.temp {
            let _ = std::fs::remove_dir_all(temp);
        }
    }
}

/// Resolve `rev` to a commit id, so that every later read sees the same commit even when a
/// date's branch moves meanwhile.
pub fn resolve_rev(repo: &Repo, rev: Option<&str>) -> Result<Option<String>, Error> {
    let Some(rev) = rev else { return Ok(None) };
    let (revision, _) = desired::resolve_target(repo, Some(rev))?;
    Ok(Some(revision.commit.to_string()))
}

/// What will be written, shown before the first write.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct Summary {
    pub commit: String,
    pub rev: String,
    pub keys: usize,
    pub bytes: usize,
    pub prefixes: Vec<String>,
    pub secrets: usize,
    /// Keys the target already held under the managed prefixes.
    pub existing_keys: usize,
    /// The target held only keys equal to the revision's values and no sync point: an
    /// interrupted restore being completed.
    pub resumed: bool,
}

/// What `restore` did.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct RestoreReport {
    /// Nothing was written (`--dry-run`): `written` and `deleted` are what would be.
    pub dry_run: bool,
    pub summary: Summary,
    pub written: usize,
    pub deleted: usize,
    pub transactions: usize,
    pub etcd_revision_after: i64,
    pub cluster_id: String,
    /// Keys read back and compared byte for byte.
    pub verified: usize,
    /// Printable keys that differ after the restore (never values).
    pub mismatches: Vec<String>,
    /// The commits whose signatures were checked, with allowed signers.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub signatures: Option<crate::trust::Verified>,
}

/// What a secret's plaintext must be, without keeping it: its size and SHA-256. A plain value
/// is checked by its Git blob id, which the revision already names.
type Fingerprint = (usize, [u8; 32]);

fn fingerprint(value: &[u8]) -> Fingerprint {
    use sha2::Digest;
    (value.len(), sha2::Sha256::digest(value).into())
}

/// Make the (new, empty) target hold the revision, record the sync point, verify.
/// `show` is called with the summary before anything is written.
pub async fn restore(
    repo: &Repo,
    kv: &mut impl Kv,
    options: &RestoreOptions,
    identities: &Identities,
    progress: &Progress,
    show: &mut dyn FnMut(&Summary),
) -> Result<RestoreReport, Error> {
    let rev = resolve_rev(repo, options.rev.as_deref())?;
    let desired = desired::load(repo, rev.as_deref())?;
    let config = desired.config.clone();
    // The disaster case, a new cluster: every key is an addition, written straight from the
    // object database part by part, so that the whole dataset is never held at once. It
    // reads and checks everything before it takes the lock: a damaged repository or a
    // missing identity leaves the target untouched, not even the lock's key written.
    if let Ok(target) = empty_target(kv, &config).await? {
        return restore_into_empty(
            repo, kv, desired, target, options, identities, progress, show,
        )
        .await;
    }
    if options.dry_run {
        return run_locked(repo, kv, desired, options, identities, progress, show, None).await;
    }
    let ttl = options.lock_ttl.unwrap_or(lock::DEFAULT_TTL);
    let lock = match lock::acquire(kv, &config, "restore", ttl).await? {
        lock::Acquired::Held(lock) => lock,
        lock::Acquired::Busy(holder) => {
            return Err(Error::Busy {
                holder: holder.to_string(),
            })
        }
    };
    let result = run_locked(
        repo,
        kv,
        desired,
        options,
        identities,
        progress,
        show,
        Some(&lock),
    )
    .await;
    if let Err(err) = lock.release(kv).await {
        tracing::warn!(%err, "could not release the lock; it expires with its lease");
    }
    result
}

#[allow(clippy::too_many_arguments)]
async fn run_locked(
    repo: &Repo,
    kv: &mut impl Kv,
    desired: Desired,
    options: &RestoreOptions,
    identities: &Identities,
    progress: &Progress,
    show: &mut dyn FnMut(&Summary),
    lock: Option<&lock::Lock>,
) -> Result<RestoreReport, Error> {
    // Restore makes etcd hold the revision: every difference is written.
    let compare = prepare::Compare::TwoWay;
    let mut prepared = prepare::prepare(repo, desired, kv, progress, compare).await?;
    let signatures = prepared.check_signatures(repo, options.allowed_signers.as_ref())?;
    // Guarantee 2: every value to write reads and every secret decrypts before the first
    // write. Each blob is read once, and each secret decrypted once: its fingerprint is kept
    // for the verification.
    let mut secrets: BTreeMap<Vec<u8>, Fingerprint> = BTreeMap::new();
    prepare::load_new_values_seen(repo, &mut prepared.plan, identities, &mut |key, plain| {
        secrets.insert(key.to_vec(), fingerprint(plain));
    })?;
    let plan = &prepared.plan;
    let existing = plan.managed_in_etcd;
    let only_equal = plan.changes.iter().all(|c| c.action == Action::Add);
    let resumed = existing > 0 && only_equal && prepared.sync_point.is_none();
    if existing > 0 && !resumed && !options.force {
        return Err(Error::NotEmpty {
            keys: existing,
            synced: prepared.sync_point.is_some(),
        });
    }
    let config = &prepared.desired.config;
    // Overwriting a cluster that holds keys deletes what the revision lacks: the same prune
    // guard as `apply --force`, so an empty or wrong revision cannot wipe it.
    plan.prune_guard(
        existing,
        config.apply.max_delete_fraction,
        options.allow_mass_delete,
    )?;
    let summary = Summary {
        commit: prepared.desired.revision.commit.to_string(),
        rev: prepared.desired.rev_name.clone(),
        keys: prepared.desired.entries.len(),
        bytes: value_bytes(repo, &prepared, &secrets)?,
        prefixes: config
            .mappings
            .iter()
            .map(|m| display_key(&m.prefix))
            .collect(),
        secrets: prepared
            .desired
            .entries
            .values()
            .filter(|e| e.secret)
            .count(),
        existing_keys: existing,
        resumed,
    };
    show(&summary);

    let max_ops = options.max_txn_ops.unwrap_or(config.etcd.max_txn_ops);
    let max_request = options
        .max_request_bytes
        .unwrap_or(config.etcd.max_request_bytes);
    let point_key = syncpoint::key(config);
    let envelope = kv.request_envelope();
    let budget = max_request.saturating_sub(envelope).max(1);
    let ops: Vec<Guarded> = plan
        .changes
        .iter()
        .map(|c| Guarded {
            key: &c.key,
            value: match c.action {
                Action::Delete => None,
                Action::Add | Action::Change => Some(c.new.as_deref().unwrap_or_default()),
            },
            expect_mod_revision: c.expect_mod_revision,
        })
        .collect();
    let lock_key = lock.map_or_else(|| lock::key(config), |l| l.key.clone());
    crate::write::check_sizes(&ops, max_request, envelope, lock_key.len())?;
    let Some(lock) = lock else {
        return Ok(RestoreReport {
            dry_run: true,
            written: plan
                .changes
                .iter()
                .filter(|c| c.action != Action::Delete)
                .count(),
            deleted: plan.count(Action::Delete),
            summary,
            transactions: 0,
            etcd_revision_after: prepared.etcd_revision,
            cluster_id: format!("{:x}", prepared.cluster_id),
            verified: 0,
            mismatches: Vec::new(),
            signatures,
        });
    };
    if lock.is_lost() {
        return Err(Error::LockLost);
    }
    crate::testhook::run("before_write");
    let limits = crate::write::Limits {
        ops: max_ops,
        bytes: budget,
    };
    let fence = crate::kv::Fence {
        key: &lock.key,
        lease: lock.lease,
    };
    let in_flight = options.txns_in_flight.unwrap_or(config.etcd.txns_in_flight);
    let written =
        crate::write::execute_in_flight(kv, &ops, Some(fence), limits, in_flight, progress).await?;
    let mut point = SyncPoint::new(summary.commit.clone(), prepared.cluster_id, "restore");
    point.trusted = Some(summary.commit.clone());
    let guard = (
        prepared.etcd_revision,
        prepared.sync_point.as_ref().map_or(0, |p| p.recorded_at),
    );
    let recorded =
        crate::write::record(kv, &point_key, point, guard, &written, fence, limits).await?;
    let transactions = written.revisions.len() + recorded.revisions.len();
    let revision = recorded.revisions.last().copied().unwrap_or_default();
    let written = plan
        .changes
        .iter()
        .filter(|c| c.action != Action::Delete)
        .count();
    let deleted = plan.count(Action::Delete);
    let cluster_id = format!("{:x}", prepared.cluster_id);
    // The values are in etcd now: free them before reading everything back.
    for change in &mut prepared.plan.changes {
        change.new = None;
        change.old = None;
    }

    let kind = repo.gix().object_hash();
    let (verified, mut mismatches) =
        verify(kv, &prepared.desired, &secrets, kind, progress).await?;
    let recorded = syncpoint::read(kv, config).await?;
    if recorded.as_ref().map(|p| p.commit.as_str()) != Some(summary.commit.as_str()) {
        mismatches.push(format!(
            "{} (sync point not recorded)",
            display_key(&point_key)
        ));
    }
    Ok(RestoreReport {
        dry_run: false,
        summary,
        written,
        deleted,
        transactions,
        etcd_revision_after: revision,
        cluster_id,
        verified,
        mismatches,
        signatures,
    })
}

/// Keys written per part by [`restore_into_empty`]: the values of one part are read (on every
/// core), written, and freed before the next.
const PART_KEYS: usize = 8192;

/// The target's revision and cluster when it holds no key under the managed prefixes (not
/// even an ephemeral or leased one) and no sync point: nothing to compare, everything to add.
/// Otherwise how many keys it holds and whether it has a sync point.
async fn empty_target(
    kv: &mut impl Kv,
    config: &crate::config::Config,
) -> Result<Result<crate::kv::Snapshot, (usize, bool)>, Error> {
    let synced = syncpoint::read(kv, config).await?.is_some();
    let prefixes: Vec<Vec<u8>> = config.mappings.iter().map(|m| m.prefix.clone()).collect();
    let listing = kv
        .list_keys(&prefixes, crate::kv::PAGE_SIZE, &mut |_| {})
        .await?;
    Ok(match (synced, listing.entries.len()) {
        (false, 0) => Ok(listing),
        (synced, keys) => Err((keys, synced)),
    })
}

/// Restore onto an empty target: the plan is "add every key", so none is made. Guarantee 2
/// as for any write: every blob is read and every secret decrypted, and every write's size
/// checked, before the first write; the values are then read again part by part as they
/// are written (the plaintexts of secrets are kept from the first reading), and everything
/// is read back and verified as on any restore.
#[allow(clippy::too_many_arguments)]
async fn restore_into_empty(
    repo: &Repo,
    kv: &mut impl Kv,
    desired: Desired,
    target: crate::kv::Snapshot,
    options: &RestoreOptions,
    identities: &Identities,
    progress: &Progress,
    show: &mut dyn FnMut(&Summary),
) -> Result<RestoreReport, Error> {
    let config = &desired.config;
    // Guarantee 12 before anything is read: an empty target has no sync point, so the
    // revision's whole history is checked.
    let signatures = match &options.allowed_signers {
        Some(signers) => Some(crate::trust::check(
            repo,
            signers,
            desired.revision.commit,
            None,
            target.cluster_id,
        )?),
        None => None,
    };
    let entries: Vec<(&Vec<u8>, &crate::desired::DesiredEntry)> = desired.entries.iter().collect();
    // Every blob read, its size kept (secrets: their plaintext, once decrypted).
    let mut sizes: Vec<(&crate::desired::DesiredEntry, usize)> =
        entries.iter().map(|(_, e)| (*e, 0)).collect();
    repo.read_in_parallel(&mut sizes, |repo, part| {
        for (entry, size) in part.iter_mut() {
            let value = repo.read_blob(entry.oid);
            *size = value.map_err(|e| e.in_file(&entry.path))?.len();
        }
        Ok(())
    })?;
    let sealed: Vec<(&[u8], Vec<u8>)> = entries
        .iter()
        .filter(|(_, e)| e.secret)
        .map(|(k, e)| {
            let armored = repo.read_blob(e.oid).map_err(|err| err.in_file(&e.path))?;
            Ok((k.as_slice(), armored))
        })
        .collect::<Result<_, Error>>()?;
    let plaintexts = secrets::decrypt_all(
        sealed.iter().map(|(k, armored)| (*k, armored.as_slice())),
        identities,
    )?;
    let plain: BTreeMap<&[u8], zeroize::Zeroizing<Vec<u8>>> =
        sealed.iter().map(|(k, _)| *k).zip(plaintexts).collect();
    drop(sealed);
    let secrets: BTreeMap<Vec<u8>, Fingerprint> = plain
        .iter()
        .map(|(k, v)| (k.to_vec(), fingerprint(v)))
        .collect();
    let size_of = |i: usize| match plain.get(entries[i].0.as_slice()) {
        Some(value) => value.len(),
        None => sizes[i].1,
    };
    let max_ops = options.max_txn_ops.unwrap_or(config.etcd.max_txn_ops);
    let max_request = options
        .max_request_bytes
        .unwrap_or(config.etcd.max_request_bytes);
    let envelope = kv.request_envelope();
    let lock_key = lock::key(config);
    for (i, (key, _)) in entries.iter().enumerate() {
        crate::write::check_size(
            key,
            Some(size_of(i)),
            0,
            max_request,
            envelope,
            lock_key.len(),
        )?;
    }
    tracing::debug!(keys = entries.len(), "every value read and checked");
    let summary = Summary {
        commit: desired.revision.commit.to_string(),
        rev: desired.rev_name.clone(),
        keys: entries.len(),
        bytes: (0..entries.len()).map(size_of).sum(),
        prefixes: config
            .mappings
            .iter()
            .map(|m| display_key(&m.prefix))
            .collect(),
        secrets: plain.len(),
        existing_keys: 0,
        resumed: false,
    };
    show(&summary);
    if options.dry_run {
        return Ok(RestoreReport {
            dry_run: true,
            written: entries.len(),
            deleted: 0,
            summary,
            transactions: 0,
            etcd_revision_after: target.revision,
            cluster_id: format!("{:x}", target.cluster_id),
            verified: 0,
            mismatches: Vec::new(),
            signatures,
        });
    }
    let ttl = options.lock_ttl.unwrap_or(lock::DEFAULT_TTL);
    let lock = match lock::acquire(kv, config, "restore", ttl).await? {
        lock::Acquired::Held(lock) => lock,
        lock::Acquired::Busy(holder) => {
            return Err(Error::Busy {
                holder: holder.to_string(),
            })
        }
    };
    let result: Result<RestoreReport, Error> = async {
        // Still empty under the lock: another restore may have begun meanwhile.
        let target = match empty_target(kv, config).await? {
            Ok(target) => target,
            Err((keys, synced)) => return Err(Error::NotEmpty { keys, synced }),
        };
        if lock.is_lost() {
            return Err(Error::LockLost);
        }
        crate::testhook::run("before_write");
        let limits = crate::write::Limits {
            ops: max_ops,
            bytes: max_request.saturating_sub(envelope).max(1),
        };
        let fence = crate::kv::Fence {
            key: &lock.key,
            lease: lock.lease,
        };
        let in_flight = options.txns_in_flight.unwrap_or(config.etcd.txns_in_flight);
        let bar = progress.bar("writing etcd", entries.len() as u64);
        let mut written = crate::write::Written::default();
        // The next part's values are read while this one is written.
        let reader = repo.reader();
        let part_oids = |part: &[(&Vec<u8>, &crate::desired::DesiredEntry)]| -> Vec<_> {
            part.iter()
                .filter(|(k, _)| !plain.contains_key(k.as_slice()))
                .map(|(_, e)| e.oid)
                .collect()
        };
        let read_part = |oids: Vec<crate::git::ObjectId>| {
            let reader = reader.clone();
            tokio::task::spawn_blocking(move || reader.read_blobs(&oids))
        };
        let mut parts = entries.chunks(PART_KEYS).peekable();
        let mut next = parts.peek().map(|part| read_part(part_oids(part)));
        let mut range = 0;
        while let Some(part) = parts.next() {
            let values = match next.take() {
                Some(reading) => match reading.await {
                    Ok(values) => values?,
                    Err(e) => std::panic::resume_unwind(e.into_panic()),
                },
                None => Vec::new(),
            };
            next = parts.peek().map(|part| read_part(part_oids(part)));
            let mut read = values.iter();
            let ops: Vec<Guarded> = part
                .iter()
                .map(|(key, _)| Guarded {
                    key,
                    value: Some(match plain.get(key.as_slice()) {
                        Some(value) => value.as_slice(),
                        None => read.next().map(Vec::as_slice).unwrap_or_default(),
                    }),
                    expect_mod_revision: 0,
                })
                .collect();
            let done = crate::write::execute_in_flight(
                kv,
                &ops,
                Some(fence),
                limits,
                in_flight,
                &Progress::disabled(),
            )
            .await
            .map_err(|e| e.after(written.revisions.len()))?;
            written.revisions.extend(done.revisions);
            range += part.len();
            bar.set(range as u64);
        }
        bar.finish();
        tracing::debug!(
            transactions = written.revisions.len(),
            "every value written"
        );
        written.revisions.sort_unstable();
        let point_key = syncpoint::key(config);
        let mut point = SyncPoint::new(summary.commit.clone(), target.cluster_id, "restore");
        point.trusted = Some(summary.commit.clone());
        let recorded = crate::write::record(
            kv,
            &point_key,
            point,
            (target.revision, 0),
            &written,
            fence,
            limits,
        )
        .await?;
        let transactions = written.revisions.len() + recorded.revisions.len();
        let revision = recorded.revisions.last().copied().unwrap_or_default();
        let kind = repo.gix().object_hash();
        let (verified, mut mismatches) = verify(kv, &desired, &secrets, kind, progress).await?;
        if syncpoint::read(kv, config).await?.map(|p| p.commit) != Some(summary.commit.clone()) {
            mismatches.push(format!(
                "{} (sync point not recorded)",
                display_key(&point_key)
            ));
        }
        Ok(RestoreReport {
            dry_run: false,
            signatures,
            written: entries.len(),
            deleted: 0,
            transactions,
            etcd_revision_after: revision,
            cluster_id: format!("{:x}", target.cluster_id),
            verified,
            mismatches,
            summary,
        })
    }
    .await;
    if let Err(err) = lock.release(kv).await {
        tracing::warn!(%err, "could not release the lock; it expires with its lease");
    }
    result
}

/// The bytes every managed key will hold: what is written, and the size of the rest (equal
/// in etcd already) from the object database's headers, without reading them.
fn value_bytes(
    repo: &Repo,
    prepared: &prepare::Prepared,
    secrets: &BTreeMap<Vec<u8>, Fingerprint>,
) -> Result<usize, Error> {
    let written: BTreeMap<&[u8], usize> = prepared
        .plan
        .changes
        .iter()
        .filter_map(|c| c.new.as_ref().map(|v| (c.key.as_slice(), v.len())))
        .collect();
    let mut bytes = 0;
    for (key, entry) in &prepared.desired.entries {
        bytes += match (written.get(key.as_slice()), secrets.get(key)) {
            (Some(len), _) | (None, Some((len, _))) => *len,
            (None, None) => {
                let header =
                    repo.gix()
                        .find_header(entry.oid)
                        .map_err(|e| crate::git::Error::Corrupt {
                            oid: entry.oid,
                            repo: repo.path().to_owned(),
                            source: e,
                        })?;
                header.size() as usize
            }
        };
    }
    Ok(bytes)
}

/// How often verification starts over when its read revision is compacted mid-read.
const MAX_VERIFY_RESTARTS: usize = 5;

/// Read every managed key back at one revision and compare it with the revision, page by
/// page as the pages arrive (nothing is held but the page at hand): a plain value by its Git
/// blob id, a secret by the fingerprint of its plaintext. Ephemeral keys and keys attached to
/// a lease are not netsync's and are not compared.
async fn verify(
    kv: &mut impl Kv,
    desired: &Desired,
    secrets: &BTreeMap<Vec<u8>, Fingerprint>,
    kind: gix::hash::Kind,
    progress: &Progress,
) -> Result<(usize, Vec<String>), Error> {
    let config = &desired.config;
    let mut prefixes: Vec<Vec<u8>> = config.mappings.iter().map(|m| m.prefix.clone()).collect();
    prefixes.sort();
    let mut attempt = 0;
    loop {
        let bar = progress.counter("verifying");
        let mut check = Verification {
            expected: desired.entries.iter().peekable(),
            secrets,
            kind,
            config,
            mismatches: Vec::new(),
            missing: Vec::new(),
            read: 0,
        };
        let read = kv
            .for_each_page(&prefixes, crate::kv::PAGE_SIZE, &mut |page| {
                check.page(page);
                bar.set(check.read as u64);
            })
            .await;
        bar.finish();
        match read {
            Err(crate::kv::Error::Compacted { revision }) if attempt < MAX_VERIFY_RESTARTS => {
                attempt += 1;
                tracing::warn!(
                    revision,
                    "revision compacted during verification; reading again"
                );
            }
            Err(err) => return Err(err.into()),
            Ok(_) => {
                let mut mismatches = check.finish();
                let verified = desired.entries.len().saturating_sub(mismatches.len());
                mismatches.shrink_to_fit();
                return Ok((verified, mismatches));
            }
        }
    }
}

/// What a value read back is checked by.
enum Digest {
    /// A secret's plaintext fingerprint.
    Secret(Fingerprint),
    /// A plain value's Git blob id.
    Blob(crate::git::ObjectId),
}

/// [`verify`]'s comparison, one page at a time: etcd's keys (sorted) against the revision's
/// (sorted), side by side.
struct Verification<'a, I: Iterator<Item = (&'a Vec<u8>, &'a crate::desired::DesiredEntry)>> {
    expected: std::iter::Peekable<I>,
    secrets: &'a BTreeMap<Vec<u8>, Fingerprint>,
    kind: gix::hash::Kind,
    config: &'a crate::config::Config,
    mismatches: Vec<String>,
    missing: Vec<String>,
    read: usize,
}

impl<'a, I: Iterator<Item = (&'a Vec<u8>, &'a crate::desired::DesiredEntry)>> Verification<'a, I> {
    fn page(&mut self, page: Vec<crate::kv::KeyValue>) {
        self.read += page.len();
        // The digests first, on every core: hashing is most of the work.
        let (kind, secrets) = (self.kind, self.secrets);
        let digests = crate::parallel::map_chunks(&page, 512, |part| {
            part.iter()
                .map(|e| match secrets.contains_key(&e.key) {
                    true => Digest::Secret(fingerprint(&e.value)),
                    false => Digest::Blob(crate::git::blob_id(kind, &e.value)),
                })
                .collect()
        });
        for (entry, digest) in page.into_iter().zip(digests) {
            if self.config.is_ephemeral(&entry.key) || entry.lease != 0 {
                continue;
            }
            while let Some((key, _)) = self.expected.next_if(|(k, _)| **k < entry.key) {
                self.missing.push(format!("{} (missing)", display_key(key)));
            }
            let Some((_, want)) = self.expected.next_if(|(k, _)| **k == entry.key) else {
                self.mismatches
                    .push(format!("{} (not in the revision)", display_key(&entry.key)));
                continue;
            };
            let same = match (want.secret, digest) {
                (true, Digest::Secret(got)) => self.secrets.get(&entry.key) == Some(&got),
                (false, Digest::Blob(got)) => got == want.oid,
                _ => false,
            };
            if !same {
                self.mismatches
                    .push(format!("{} (different value)", display_key(&entry.key)));
            }
        }
    }

    fn finish(mut self) -> Vec<String> {
        for (key, _) in self.expected {
            self.missing.push(format!("{} (missing)", display_key(key)));
        }
        self.mismatches.append(&mut self.missing);
        self.mismatches
    }
}
