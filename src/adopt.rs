//! Crash recovery from the record that survives. A `persist` killed after it moved the branch
//! (before its push, after it, or with etcd unreachable at the end) never recorded its sync
//! point, so the branch tip is newer than the record. The commit's trailers say which sync
//! point it was built on and the etcd revision it read, and for every key it recorded both
//! sides agreed at that revision. The next run (any host's, any command's) adopts that
//! agreement instead of taking the recorded keys for Git changes, which would make the next
//! etcd change to them a conflict.

use std::collections::{BTreeMap, BTreeSet};

use crate::desired;
use crate::git::{ObjectId, Repo};
use crate::plan::Base;
use crate::syncpoint::{SyncPoint, Unsettled};

/// The trailer naming the sync point a persist commit was built on: `<commit>@<revision of
/// its record>`.
pub const TRAILER: &str = "Netsync-Sync-Point";
/// The trailer naming the etcd revision a persist commit was read at.
pub const REVISION_TRAILER: &str = "Netsync-Etcd-Revision";
/// The trailer naming the etcd cluster a persist commit was read from.
pub const CLUSTER_TRAILER: &str = "Netsync-Cluster-Id";

/// Commits looked at between the sync point and the tip: a persist that never recorded is
/// the tip or close to it; further back than this, the record is left as it is.
const LIMIT: usize = 1000;

/// How a commit names the sync point it was built on ([`TRAILER`]).
pub fn built_on(point: &SyncPoint) -> String {
    format!("{}@{}", point.commit, point.recorded_at)
}

/// The persist commits of `chain` built on `point` in its cluster, with the etcd revision
/// each was read at.
fn built_on_point(
    repo: &Repo,
    point: &SyncPoint,
    chain: &[ObjectId],
) -> desired::Result<Vec<(usize, i64)>> {
    let name = built_on(point);
    let mut found = Vec::new();
    for (i, commit) in chain.iter().enumerate() {
        let trailers = repo.trailers(*commit)?;
        let value = |token: &str| {
            trailers
                .iter()
                .rev()
                .find(|(t, _)| t.eq_ignore_ascii_case(token))
                .map(|(_, v)| v.as_str())
        };
        if value(TRAILER) != Some(name.as_str())
            || value(CLUSTER_TRAILER) != Some(point.cluster_id.as_str())
        {
            continue;
        }
        if let Some(revision) = value(REVISION_TRAILER).and_then(|r| r.parse::<i64>().ok()) {
            found.push((i, revision));
        }
    }
    Ok(found)
}

fn ids(desired: &desired::Desired) -> BTreeMap<Vec<u8>, ObjectId> {
    desired
        .entries
        .iter()
        .map(|(k, e)| (k.clone(), e.oid))
        .collect()
}

/// The agreement the history between `point` and `tip` proves, if a persist built on `point`
/// committed there without recording it: the newest such commit, read at its revision, with
/// each key's base moved to the value a persist built on `point` recorded for it. Keys Git
/// changed otherwise stay unsettled with their older base (a Git change); keys etcd
/// differed on in `point` and no persist recorded stay etcd's. `None` when there is nothing
/// to adopt.
///
/// A commit whose trailer names an etcd revision older than `point`'s, or newer than `now`
/// (etcd's current revision, when the caller knows it), is not adopted: a trailer is text
/// anyone who can push can write, and a revision from the future would make every later etcd
/// write look like the agreement.
pub fn adopt(
    repo: &Repo,
    point: &SyncPoint,
    tip: ObjectId,
    now: Option<i64>,
) -> desired::Result<Option<SyncPoint>> {
    let Ok(recorded) = ObjectId::from_hex(point.commit.as_bytes()) else {
        return Ok(None);
    };
    if recorded == tip || !repo.gix().has_object(recorded) {
        return Ok(None);
    }
    let Some(chain) = repo.first_parent_chain(recorded, tip, LIMIT)? else {
        return Ok(None);
    };
    let found: Vec<(usize, i64)> = built_on_point(repo, point, &chain)?
        .into_iter()
        .filter(|&(i, revision)| {
            let plausible = revision >= point.revision && now.is_none_or(|n| revision <= n);
            if !plausible {
                tracing::warn!(
                    commit = %chain[i],
                    revision,
                    "a persist commit's trailer names an etcd revision outside the record's and \
                     etcd's; not adopting it"
                );
            }
            plausible
        })
        .collect();
    let Some(&(newest, revision)) = found.last() else {
        return Ok(None);
    };
    let Some(at_point) = desired::load_base(repo, &point.commit)? else {
        return Ok(None);
    };
    let base = Base::of_commit(&at_point.entries, point.clone());
    let mut secrets = base.secrets;
    let mut base = base.entries;
    let mut rebased: BTreeSet<Vec<u8>> = BTreeSet::new();
    let mut before = ids(&at_point);
    let mut loaded_at = recorded;
    for &(i, _) in &found {
        let parent = if i == 0 { recorded } else { chain[i - 1] };
        if parent != loaded_at {
            before = ids(&desired::load(repo, Some(&parent.to_string()))?);
        }
        let loaded = desired::load(repo, Some(&chain[i].to_string()))?;
        secrets.extend(
            loaded
                .entries
                .iter()
                .filter(|(_, e)| e.secret)
                .map(|(k, _)| k.clone()),
        );
        let after = ids(&loaded);
        let keys: BTreeSet<&Vec<u8>> = before.keys().chain(after.keys()).collect();
        for key in keys {
            let value = after.get(key).copied();
            if before.get(key).copied() != value {
                match value {
                    Some(oid) => base.insert(key.clone(), oid),
                    None => base.remove(key),
                };
                rebased.insert(key.clone());
            }
        }
        before = after;
        loaded_at = chain[i];
    }
    // `before` now holds the newest adopted commit's keys.
    let keys: BTreeSet<&Vec<u8>> = before.keys().chain(base.keys()).collect();
    let mut unsettled: Vec<Unsettled> = keys
        .into_iter()
        .filter(|k| before.get(*k) != base.get(*k))
        .map(|k| Unsettled {
            key: k.clone(),
            base: base.get(k).copied(),
            etcd: false,
            secret: secrets.contains(k),
        })
        .collect();
    for old in point.unsettled.iter().filter(|u| u.etcd) {
        if rebased.contains(&old.key) {
            continue;
        }
        unsettled.retain(|u| u.key != old.key);
        unsettled.push(Unsettled {
            key: old.key.clone(),
            base: base.get(&old.key).copied(),
            etcd: true,
            secret: secrets.contains(&old.key),
        });
    }
    let adopted_commit = chain[newest];
    tracing::info!(
        commit = %adopted_commit,
        revision,
        "the branch holds a persist commit built on the sync point that was never recorded \
         (a run killed before it recorded); adopting what its trailers prove"
    );
    let mut adopted = point.clone();
    adopted.commit = adopted_commit.to_string();
    adopted.command = "persist".to_owned();
    adopted.read_revision = Some(revision);
    adopted.own_revisions = Vec::new();
    adopted.revision = revision;
    adopted.set_unsettled(unsettled);
    Ok(Some(adopted))
}
