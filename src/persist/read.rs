//! Read etcd for `persist`: incrementally when the sync point allows it (a keys-only scan plus
//! the values written since the sync point), else every value at one pinned revision.
//!
//! Incremental rests on one fact: a key whose `mod_revision` is not newer than the sync
//! point's revision holds the value it held at the sync point, which is its base (the blob of
//! the sync point's commit, or the unsettled key's recorded base) unless etcd already differed
//! on it then. Deletions show as keys of that commit missing from the scan. Anything
//! that makes this uncertain (another cluster, netsync.toml changed since, a key the commit
//! lacks, any read error such as a compacted revision) falls back to the full read and says
//! so at info level (`-v`).

use std::collections::{BTreeMap, BTreeSet};

use super::seal::Secret;
use super::{BaseEntries, Error, Etcd, PersistOptions};
use crate::config::Config;
use crate::git;
use crate::kv::{Delta, Kv};
use crate::progress::Progress;
use crate::syncpoint::SyncPoint;

/// What etcd holds, ready for classification.
pub struct Read {
    pub revision: i64,
    pub cluster_id: u64,
    pub member_id: u64,
    pub etcd: Etcd,
    pub secrets: BTreeMap<Vec<u8>, Secret>,
    /// After an incremental read, the keys etcd changed since the sync point (written or
    /// deleted): `etcd.values` holds only those (and the secrets); every other managed key
    /// still holds its base. `None` after a full read: `etcd.values` holds every key.
    pub touched: Option<BTreeSet<Vec<u8>>>,
}

/// What [`fetch`] read of etcd, before it is classified.
pub enum Fetched {
    /// The keys written since the sync point (the incremental read).
    Delta(Delta),
    /// Every value at one revision.
    Snapshot(crate::kv::Snapshot),
    /// The incremental read is not possible, for this reason: read every value.
    Fallback(String),
}

/// Read etcd for persist: the keys written since the sync point when `point` allows it
/// (`base_config`: the `netsync.toml` of the sync point's commit, whose key rules must be
/// today's), else every value. It needs nothing of the base's files, so that the caller can
/// walk them meanwhile; [`classify`] makes the result a [`Read`]. A failed read is the
/// error, but for a compacted revision, which the full read gets past.
pub async fn fetch(
    kv: &mut impl Kv,
    config: &Config,
    point: Option<&SyncPoint>,
    base_config: Option<&Config>,
    options: &PersistOptions,
    progress: &Progress,
) -> Result<Fetched, Error> {
    let prefixes = prefixes(config);
    if let (Some(point), Some(base_config), false) = (point, base_config, options.full_read) {
        if !same_config(config, base_config) {
            return Ok(Fetched::Fallback(
                "netsync.toml changed since the sync point".to_owned(),
            ));
        }
        let bar = progress.counter("reading etcd");
        let delta = kv
            .read_since(
                &prefixes,
                point.revision,
                &|r| point.unchanged(r),
                options.page_size,
                &mut |n| bar.set(n as u64),
            )
            .await;
        bar.finish();
        return match delta {
            Ok(delta) => Ok(Fetched::Delta(delta)),
            Err(crate::kv::Error::Compacted { revision }) => Ok(Fetched::Fallback(format!(
                "revision {revision} was compacted before the changes were read"
            ))),
            Err(err) => Err(err.into()),
        };
    }
    Ok(Fetched::Snapshot(
        snapshot(kv, &prefixes, options, progress).await?,
    ))
}

/// What `fetched` says etcd holds, split for classification. An incremental read that cannot
/// rest on the sync point reads every value instead (`kv`), saying why at info level.
///
/// `is_secret`: the keys persist must treat as secrets (the `secrets.keys` patterns, and any
/// key with an age file at the base or the branch tip).
#[allow(clippy::too_many_arguments)]
pub async fn classify(
    fetched: Fetched,
    kv: &mut impl Kv,
    config: &Config,
    is_secret: &dyn Fn(&[u8]) -> bool,
    point: Option<&SyncPoint>,
    base: Option<&BaseEntries>,
    kind: gix::hash::Kind,
    options: &PersistOptions,
    progress: &Progress,
) -> Result<Read, Error> {
    let reason = match (fetched, point, base) {
        (Fetched::Delta(delta), Some(point), Some(base)) => {
            match from_delta(delta, config, is_secret, point, base, kind) {
                Ok(read) => return Ok(read),
                Err(reason) => reason,
            }
        }
        (Fetched::Delta(_), _, _) => "no sync point to read the changes since".to_owned(),
        (Fetched::Fallback(reason), _, _) => reason,
        (Fetched::Snapshot(snapshot), _, _) => return Ok(full(snapshot, config, is_secret, kind)),
    };
    tracing::info!("incremental read not possible ({reason}); reading every value");
    let snapshot = snapshot(kv, &prefixes(config), options, progress).await?;
    Ok(full(snapshot, config, is_secret, kind))
}

fn prefixes(config: &Config) -> Vec<Vec<u8>> {
    config.mappings.iter().map(|m| m.prefix.clone()).collect()
}

/// Every value under `prefixes` at one revision.
async fn snapshot(
    kv: &mut impl Kv,
    prefixes: &[Vec<u8>],
    options: &PersistOptions,
    progress: &Progress,
) -> Result<crate::kv::Snapshot, Error> {
    let bar = progress.counter("reading etcd");
    let snapshot = kv
        .snapshot(prefixes, options.page_size, &mut |n| bar.set(n as u64))
        .await?;
    bar.finish();
    tracing::debug!(
        revision = snapshot.revision,
        keys = snapshot.entries.len(),
        "read etcd"
    );
    Ok(snapshot)
}

/// A full read, split for classification.
fn full(
    snapshot: crate::kv::Snapshot,
    config: &Config,
    is_secret: &dyn Fn(&[u8]) -> bool,
    kind: gix::hash::Kind,
) -> Read {
    let (etcd, secrets) = Etcd::from_entries(snapshot.entries, config, is_secret, kind);
    Read {
        revision: snapshot.revision,
        cluster_id: snapshot.cluster_id,
        member_id: snapshot.member_id,
        etcd,
        secrets,
        touched: None,
    }
}

/// Whether the key → file rules are the same, so that the base commit's blobs are what etcd
/// held at the sync point under today's rules too.
fn same_config(a: &Config, b: &Config) -> bool {
    a.same_key_rules(b)
}

fn from_delta(
    delta: Delta,
    config: &Config,
    is_secret: &dyn Fn(&[u8]) -> bool,
    point: &SyncPoint,
    base: &BaseEntries,
    kind: gix::hash::Kind,
) -> Result<Read, String> {
    let keys = delta.keys;
    let cluster = format!("{:x}", keys.cluster_id);
    if cluster != point.cluster_id {
        return Err(format!(
            "the sync point is of cluster {}, etcd is cluster {cluster}",
            point.cluster_id
        ));
    }
    let Some(changed) = delta.changed else {
        return Err("most keys changed since the sync point".to_owned());
    };
    let since = point.revision;
    let written = changed.len();
    let mut changed: BTreeMap<Vec<u8>, _> =
        changed.into_iter().map(|e| (e.key.clone(), e)).collect();
    let mut etcd = Etcd {
        values: BTreeMap::new(),
        leased: Default::default(),
    };
    let mut secrets = BTreeMap::new();
    // The keys etcd changed since the sync point: written, or (a key of the base etcd no
    // longer has) deleted. Every other key still holds its base, and is only checked to be
    // one: it is not listed in `etcd.values`.
    let mut touched: BTreeSet<Vec<u8>> = BTreeSet::new();
    let mut in_base = base.base.entries.keys().peekable();
    let total = keys.entries.len();
    for meta in keys.entries {
        if config.is_ephemeral(&meta.key) {
            changed.remove(&meta.key);
            continue;
        }
        if meta.lease != 0 {
            changed.remove(&meta.key);
            etcd.leased.insert(meta.key);
            continue;
        }
        while let Some(gone) = in_base.next_if(|b| b.as_slice() < meta.key.as_slice()) {
            touched.insert(gone.clone());
        }
        let based = in_base.next_if(|b| **b == meta.key).is_some();
        let secret = is_secret(&meta.key);
        if meta.mod_revision > since && !point.unchanged(meta.mod_revision) {
            let entry = match changed.remove(&meta.key) {
                Some(e) if e.mod_revision == meta.mod_revision && e.lease == 0 => e,
                _ => return Err("the two reads disagree".to_owned()),
            };
            touched.insert(entry.key.clone());
            if secret {
                let value = Some(zeroize::Zeroizing::new(entry.value));
                secrets.insert(
                    entry.key,
                    Secret {
                        mod_revision: entry.mod_revision,
                        value,
                    },
                );
            } else {
                let oid = git::blob_id(kind, &entry.value);
                etcd.values.insert(entry.key, (oid, Some(entry.value)));
            }
            continue;
        }
        // Not newer than the agreement, or written by the recording command itself: its
        // base, unless etcd already differed on it then (drift kept, a conflict), whose value
        // only the full read has.
        if point.unsettled(&meta.key).is_some_and(|u| u.etcd) {
            return Err("a key etcd differed on at the sync point was not read".to_owned());
        }
        changed.remove(&meta.key);
        let unchanged = based && (!secret || base.base.secrets.contains(&meta.key));
        if !unchanged {
            return Err("a key unchanged since the sync point is not in its commit".to_owned());
        }
        if secret {
            // Kept as the base's ciphertext by `seal` (mod_revision not newer): no value needed.
            let value = None;
            secrets.insert(
                meta.key,
                Secret {
                    mod_revision: meta.mod_revision,
                    value,
                },
            );
        }
    }
    touched.extend(in_base.cloned());
    if !changed.is_empty() {
        return Err("the two reads disagree".to_owned());
    }
    tracing::info!(
        revision = keys.revision,
        since,
        keys = total,
        written,
        "incremental read: only the values written since the sync point"
    );
    Ok(Read {
        revision: keys.revision,
        cluster_id: keys.cluster_id,
        member_id: keys.member_id,
        etcd,
        secrets,
        touched: Some(touched),
    })
}
