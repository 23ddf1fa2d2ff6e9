//! Build the commit content: assess every key ([`plan::assess`]) and turn the ones persist
//! records into tree edits on the parent commit's tree (reading, never writing).

use std::collections::{BTreeMap, BTreeSet};

use super::{Error, Etcd, KeyChange};
use crate::config::Config;
use crate::desired;
use crate::git::{ObjectId, Repo, TreeEdit};
use crate::keypath;
use crate::keypath::display_key;
use crate::plan::{self, Action, Class, PersistStep};
use crate::syncpoint::{SyncPoint, Unsettled};

/// What a commit on top of `parent` must contain.
#[derive(Debug, Clone)]
pub struct Built {
    pub parent_tree: ObjectId,
    pub edits: Vec<TreeEdit>,
    /// Sorted by key.
    pub changes: Vec<KeyChange>,
    /// Keys whose etcd value must be stored as a new blob.
    pub new_blobs: Vec<(Vec<u8>, ObjectId)>,
    pub pending_in_git: usize,
    /// Keys the commit leaves different from etcd, with their base, for the sync point
    /// (`secret` is for the caller to fill in: the base's secrets are not known here).
    pub unsettled: Vec<Unsettled>,
    /// Managed keys (not leased) in the parent commit: what the mass-delete guard weighs
    /// the deletions against.
    pub managed_in_git: usize,
    /// etcd's values that became a key's base without being committed (a conflict left to
    /// Git's side), to store in the repository.
    pub base_blobs: Vec<(Vec<u8>, ObjectId)>,
    /// Keys changed on both sides that [`plan::Policy::Skip`] left alone (printable form).
    pub skipped_conflicts: Vec<String>,
}

/// A set of keys.
type Keys = BTreeSet<Vec<u8>>;

/// A file of the parent tree under a mapped folder.
struct TreeFile {
    path: String,
    oid: Option<ObjectId>,
}

/// `is_secret`: the keys whose etcd values were sealed (patterns, and age files at the base
/// or the tip); each gets an `.age` file. A key with an age file at `parent` counts too.
/// `only`: after an incremental read, the keys to assess (those either side changed since
/// the sync point), and those etcd changed (`etcd.values` holds only those): every other key
/// holds its base in etcd, and every key not assessed holds it on both sides. `None`: every
/// key, all of them in `etcd.values`.
#[allow(clippy::too_many_arguments)]
pub fn build(
    repo: &Repo,
    parent: ObjectId,
    base: Option<&BTreeMap<Vec<u8>, ObjectId>>,
    etcd: &Etcd,
    sync_point: Option<&SyncPoint>,
    preloaded: Option<&desired::Desired>,
    policy: plan::Policy,
    is_secret: &dyn Fn(&[u8]) -> bool,
    only: Option<(&Keys, &Keys)>,
) -> Result<Built, Error> {
    let loaded;
    let desired = match preloaded.filter(|d| d.revision.commit == parent) {
        Some(desired) => desired,
        None => {
            loaded = desired::load(repo, Some(&parent.to_string()))?;
            &loaded
        }
    };
    let config = &desired.config;
    let managed = |k: &[u8]| !etcd.leased.contains(k);
    // Each side's blob ids: every managed key, or only those to assess.
    let ids = |all: &mut dyn Iterator<Item = (&Vec<u8>, ObjectId)>,
               one: &dyn Fn(&[u8]) -> Option<ObjectId>| {
        plan::side_ids(all, one, only.map(|(keys, _)| keys), &managed)
    };
    let git = ids(&mut desired.entries.iter().map(|(k, e)| (k, e.oid)), &|k| {
        desired.entries.get(k).map(|e| e.oid)
    });
    let managed_in_git = desired.entries.keys().filter(|k| managed(k)).count();
    let leased_base = base;
    let base: Option<BTreeMap<Vec<u8>, ObjectId>> =
        base.map(|b| ids(&mut b.iter().map(|(k, v)| (k, *v)), &|k| b.get(k).copied()));
    let current = ids(
        &mut etcd.values.iter().map(|(k, (oid, _))| (k, *oid)),
        &|k| {
            match only {
                // Not changed in etcd since the sync point: its base.
                Some((_, touched)) if !touched.contains(k) && !etcd.values.contains_key(k) => {
                    leased_base.and_then(|b| b.get(k).copied())
                }
                _ => etcd.values.get(k).map(|(oid, _)| *oid),
            }
        },
    );
    // The one rule, and persist's step for each key under the policy: etcd's value recorded
    // (drift, no base, a conflict resolved for etcd), Git's left (a change waiting for apply,
    // a conflict resolved for Git), or a refusal (a conflict, no side chosen).
    let assessment = plan::assess(base.as_ref(), &git, &current, is_secret, policy);
    let conflicts: Vec<String> = assessment
        .persisting(PersistStep::Refuse)
        .map(|k| display_key(&k.key))
        .collect();
    if !conflicts.is_empty() {
        return Err(Error::Conflict {
            keys: conflicts,
            base: sync_point.map_or_else(String::new, |p| p.commit.clone()),
        });
    }
    // Keys this commit leaves different from etcd keep their base for the next sync point:
    // a change waiting in Git keeps its own, so that it still reads as Git's. A conflict left
    // to Git's side (`--prefer git`) takes etcd's value as its base, so that apply writes Git's
    // next instead of meeting the same conflict; its blob is stored for a later conflict to
    // show.
    // A conflict left to the operator (`Policy::Skip`) keeps its base, etcd having moved
    // from it: it stays a conflict for every command until a side is chosen.
    let mut unsettled: Vec<Unsettled> = Vec::new();
    let mut base_blobs: Vec<(Vec<u8>, ObjectId)> = Vec::new();
    let mut skipped_conflicts: Vec<String> = Vec::new();
    for k in assessment.persisting(PersistStep::Leave) {
        let skipped = k.class == Class::Conflict && policy == plan::Policy::Skip;
        let resolved = k.class == Class::Conflict && !skipped;
        let base = match (resolved, k.etcd) {
            (true, Some(oid)) => {
                base_blobs.push((k.key.clone(), oid));
                Some(oid)
            }
            (true, None) => None,
            (false, _) => k.base,
        };
        if skipped {
            skipped_conflicts.push(display_key(&k.key));
        }
        unsettled.push(Unsettled {
            key: k.key.clone(),
            base,
            etcd: skipped,
            secret: resolved && k.etcd.is_some() && is_secret(&k.key),
        });
    }
    let pending_in_git = unsettled.len() - skipped_conflicts.len();
    // A key attached to a lease is left alone on both sides: it keeps its base (a change
    // Git made to it still waits for apply).
    if let Some(base) = leased_base {
        for key in &etcd.leased {
            if desired.entries.contains_key(key) || base.contains_key(key) {
                unsettled.push(Unsettled {
                    key: key.clone(),
                    base: base.get(key).copied(),
                    etcd: true,
                    secret: false,
                });
            }
        }
    }

    // Every file in the mapped folders, ephemeral ones included: they decide, as much as
    // managed keys, whether a key has children (and so where its own file lives). Looked up
    // key by key: only the recorded keys and their ancestors need it.
    let ephemeral_files: BTreeMap<Vec<u8>, &String> = desired
        .ignored_ephemeral
        .iter()
        .filter_map(|path| key_of_path(config, path).map(|key| (key, path)))
        .collect();
    let old_file = |key: &[u8]| -> Option<TreeFile> {
        match desired.entries.get(key) {
            Some(e) => Some(TreeFile {
                path: e.path.clone(),
                oid: Some(e.oid),
            }),
            None => ephemeral_files.get(key).map(|path| TreeFile {
                path: (*path).clone(),
                oid: None,
            }),
        }
    };
    let recorded: Vec<&plan::Assessed> = assessment.persisting(PersistStep::Record).collect();
    // A value read as plain for a key the parent keeps as an age file (a rebuild on a tip
    // that gained one) would be plaintext in Git: refuse, for a rerun to seal it.
    let unsealed: Vec<String> = recorded
        .iter()
        .filter(|c| c.etcd.is_some() && !is_secret(&c.key))
        .filter(|c| desired.entries.get(&c.key).is_some_and(|e| e.secret))
        .map(|c| display_key(&c.key))
        .collect();
    if !unsealed.is_empty() {
        return Err(Error::Unsealed { keys: unsealed });
    }
    // The files after the commit: the parent's, with the recorded keys added or removed.
    let added: BTreeSet<&[u8]> = recorded
        .iter()
        .filter(|c| c.etcd.is_some())
        .map(|c| c.key.as_slice())
        .collect();
    let removed: BTreeSet<&[u8]> = recorded
        .iter()
        .filter(|c| c.etcd.is_none())
        .map(|c| c.key.as_slice())
        .collect();
    let has_children = |key: &[u8]| {
        let mut prefix = key.to_vec();
        prefix.push(b'/');
        let below = |k: &[u8]| k.starts_with(&prefix) && !removed.contains(k);
        let from = std::ops::Bound::Included(prefix.as_slice());
        let in_parent = |keys: &mut dyn Iterator<Item = &[u8]>| {
            keys.take_while(|k| k.starts_with(&prefix)).any(below)
        };
        in_parent(
            &mut desired
                .entries
                .range::<[u8], _>((from, std::ops::Bound::Unbounded))
                .map(|(k, _)| k.as_slice()),
        ) || in_parent(
            &mut ephemeral_files
                .range::<[u8], _>((from, std::ops::Bound::Unbounded))
                .map(|(k, _)| k.as_slice()),
        ) || added
            .range::<&[u8], _>((
                std::ops::Bound::Included(prefix.as_slice()),
                std::ops::Bound::Unbounded,
            ))
            .next()
            .is_some_and(|k| k.starts_with(&prefix))
    };
    // A key the patterns call secret gets an `.age` file: its blob is ciphertext (see seal.rs).
    let new_path = |i: usize, rest: &[u8]| {
        let mut key = config.mappings[i].prefix.clone();
        key.extend_from_slice(rest);
        format!(
            "{}/{}",
            config.mappings[i].dir,
            keypath::encode(rest, has_children(&key), is_secret(&key))
        )
    };

    let mut built = Built {
        parent_tree: desired.revision.tree,
        edits: Vec::new(),
        changes: Vec::new(),
        new_blobs: Vec::new(),
        pending_in_git,
        unsettled,
        managed_in_git,
        base_blobs,
        skipped_conflicts,
    };
    let changed: BTreeSet<&[u8]> = recorded.iter().map(|c| c.key.as_slice()).collect();
    let mut moved: BTreeSet<Vec<u8>> = BTreeSet::new();
    for class in &recorded {
        let Some((i, rest)) = split_key(config, &class.key) else {
            continue;
        };
        let old = old_file(&class.key).map(|f| f.path);
        let (action, path) = match (class.git, class.etcd) {
            (_, Some(oid)) => {
                let path = new_path(i, rest);
                if let Some(old) = old.filter(|o| *o != path) {
                    built.edits.push(remove(old));
                }
                built.edits.push(upsert(path.clone(), oid));
                built.new_blobs.push((class.key.clone(), oid));
                let action = if class.git.is_some() {
                    Action::Change
                } else {
                    Action::Add
                };
                (action, path)
            }
            (_, None) => {
                let path = old.unwrap_or_default();
                built.edits.push(remove(path.clone()));
                (Action::Delete, path)
            }
        };
        built.changes.push(KeyChange {
            key: display_key(&class.key),
            action,
            path,
        });
        // A key gaining its first child, or losing its last, moves between `a` and `a/%self`.
        if class.git.is_none() || class.etcd.is_none() {
            for (pos, _) in rest.iter().enumerate().filter(|(_, b)| **b == b'/') {
                let mut ancestor = config.mappings[i].prefix.clone();
                ancestor.extend_from_slice(&rest[..pos]);
                if changed.contains(ancestor.as_slice()) || moved.contains(&ancestor) {
                    continue;
                }
                let Some(file) = old_file(&ancestor) else {
                    continue;
                };
                let path = new_path(i, &rest[..pos]);
                if path == file.path {
                    continue;
                }
                let oid = match file.oid {
                    Some(oid) => oid,
                    None => match repo.entry_id(built.parent_tree, &file.path)? {
                        Some(oid) => oid,
                        None => continue,
                    },
                };
                built.edits.push(remove(file.path.clone()));
                built.edits.push(upsert(path, oid));
                moved.insert(ancestor);
            }
        }
    }
    Ok(built)
}

fn remove(path: String) -> TreeEdit {
    TreeEdit { path, blob: None }
}

fn upsert(path: String, oid: ObjectId) -> TreeEdit {
    TreeEdit {
        path,
        blob: Some(oid),
    }
}

/// The mapping index and key rest of a managed key.
fn split_key<'k>(config: &Config, key: &'k [u8]) -> Option<(usize, &'k [u8])> {
    config
        .mappings
        .iter()
        .enumerate()
        .find(|(_, m)| key.starts_with(&m.prefix))
        .map(|(i, m)| (i, &key[m.prefix.len()..]))
}

/// The key a repository path stores, if it is a key file of a mapping.
fn key_of_path(config: &Config, path: &str) -> Option<Vec<u8>> {
    let (mapping, rest) = config.mapping_for_path(path)?;
    let decoded = keypath::decode(rest).ok()?;
    let mut key = mapping.prefix.clone();
    key.extend_from_slice(&decoded.rest);
    Some(key)
}
