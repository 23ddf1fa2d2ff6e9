//! The sync point: the Git commit and etcd revision at which both sides last agreed, kept
//! in etcd under a reserved key outside the managed prefixes.

use serde::{Deserialize, Serialize};
use sha2::Digest;

use crate::config::Config;
use crate::kv::{self, Kv};

/// A recorded agreement between Git and etcd.
///
/// Invariant `persist` relies on (secrets kept byte for byte, incremental read): at
/// `revision`, every managed, non-leased key in etcd holds exactly what `commit` holds for it
/// (a secret: the plaintext of its ciphertext), and no other. A command that leaves a key
/// different (drift left alone, Git changes not applied) must not record a sync point, or must
/// record an older `read_revision`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncPoint {
    pub format_version: u32,
    /// Full id of the Git commit etcd matched.
    pub commit: String,
    /// etcd cluster id, hexadecimal as etcdctl prints it.
    pub cluster_id: String,
    /// RFC 3339, UTC.
    pub time: String,
    pub host: String,
    /// The command that recorded it: `apply`, `persist` or `restore`.
    pub command: String,
    pub netsync_version: String,
    /// The etcd revision the recorded commit was read at, when that is older than the record
    /// itself (`persist` reads at one revision and writes the record later: a key written in
    /// between is not in the commit, so it must count as changed since the agreement).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub read_revision: Option<i64>,
    /// Revisions (inclusive ranges) of the recording command's own earlier transactions
    /// (`apply` writes in several): keys last written at one of them hold what `commit` says,
    /// although they are newer than `read_revision`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub own_revisions: Vec<[i64; 2]>,
    /// The etcd revision of the agreement: the revision of the transaction that stored this
    /// record (its key's `mod_revision`), or `read_revision` if older; filled in on read.
    #[serde(skip)]
    pub revision: i64,
    /// The revision of the transaction that stored this record; filled in on read.
    #[serde(skip)]
    pub recorded_at: i64,
}

impl SyncPoint {
    pub fn new(commit: String, cluster_id: u64, command: &str) -> Self {
        Self {
            format_version: 1,
            commit,
            cluster_id: format!("{cluster_id:x}"),
            time: humantime::format_rfc3339_seconds(std::time::SystemTime::now()).to_string(),
            host: gethostname::gethostname().to_string_lossy().into_owned(),
            command: command.to_owned(),
            netsync_version: env!("CARGO_PKG_VERSION").to_owned(),
            read_revision: None,
            own_revisions: Vec::new(),
            revision: 0,
            recorded_at: 0,
        }
    }

    /// Whether a key last written at `mod_revision` still holds what the sync point's commit
    /// says: written before the agreement, or by the recording command itself.
    pub fn unchanged(&self, mod_revision: i64) -> bool {
        mod_revision <= self.revision
            || mod_revision == self.recorded_at
            || self
                .own_revisions
                .iter()
                .any(|[from, to]| (*from..=*to).contains(&mod_revision))
    }

    /// Record `revision` as one of this command's own transactions.
    pub fn add_own_revision(&mut self, revision: i64) {
        match self.own_revisions.last_mut() {
            Some([_, to]) if *to + 1 == revision => *to = revision,
            _ => self.own_revisions.push([revision, revision]),
        }
    }

    pub fn to_bytes(&self) -> Vec<u8> {
        // Serialising a struct of strings cannot fail.
        serde_json::to_vec(self).unwrap_or_default()
    }
}

/// A short id for the repository described by `config`, from its set of managed prefixes, so
/// that several repositories can share a cluster.
pub fn repo_id(config: &Config) -> String {
    let mut hasher = sha2::Sha256::new();
    for mapping in &config.mappings {
        hasher.update(&mapping.prefix);
        hasher.update([0u8]);
    }
    let digest = hasher.finalize();
    digest.iter().take(8).map(|b| format!("{b:02x}")).collect()
}

/// The key that holds the sync point of the repository described by `config`.
pub fn key(config: &Config) -> Vec<u8> {
    let mut key = config.state_prefix.clone();
    key.extend_from_slice(format!("sync/{}", repo_id(config)).as_bytes());
    key
}

/// Read the sync point, if one was recorded. A record netsync cannot parse is reported as
/// absent with a warning rather than trusted.
pub async fn read(kv: &mut impl Kv, config: &Config) -> kv::Result<Option<SyncPoint>> {
    let Some(entry) = kv.get(&key(config)).await? else {
        return Ok(None);
    };
    match serde_json::from_slice::<SyncPoint>(&entry.value) {
        Ok(mut point) => {
            point.revision = point
                .read_revision
                .map_or(entry.mod_revision, |r| r.min(entry.mod_revision));
            point.recorded_at = entry.mod_revision;
            Ok(Some(point))
        }
        Err(err) => {
            tracing::warn!(%err, "ignoring an unreadable sync point record");
            Ok(None)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn own_revisions_count_as_unchanged_and_others_do_not() {
        let mut point = SyncPoint::new("c".into(), 1, "apply");
        point.read_revision = Some(10);
        for r in [12, 13, 14, 17] {
            point.add_own_revision(r);
        }
        assert_eq!(point.own_revisions, vec![[12, 14], [17, 17]]);
        let bytes = point.to_bytes();
        let mut back: SyncPoint = serde_json::from_slice(&bytes).unwrap();
        back.revision = 10;
        back.recorded_at = 18;
        for r in [1, 10, 12, 13, 14, 17, 18] {
            assert!(back.unchanged(r), "{r}");
        }
        for r in [11, 15, 16, 19] {
            assert!(!back.unchanged(r), "{r}: written by someone else");
        }
    }
}
