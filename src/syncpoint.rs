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
    /// The etcd revision of the agreement: the revision of the transaction that stored this
    /// record (its key's `mod_revision`), or `read_revision` if older; filled in on read.
    #[serde(skip)]
    pub revision: i64,
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
            revision: 0,
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
            Ok(Some(point))
        }
        Err(err) => {
            tracing::warn!(%err, "ignoring an unreadable sync point record");
            Ok(None)
        }
    }
}
