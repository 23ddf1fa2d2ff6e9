//! The last `persist` that a guard refused, kept in etcd under
//! `<state_prefix>refused/<repo id>` so that `status` can report it until a later persist
//! gets through (which removes it).

use serde::{Deserialize, Serialize};

use crate::config::Config;
use crate::kv::{self, Fence, Guarded, Kv, TxnOutcome};
use crate::syncpoint;

/// Why the last persist recorded nothing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Refusal {
    /// RFC 3339, UTC.
    pub time: String,
    pub host: String,
    /// The guard that refused: `mass-delete`.
    pub guard: String,
    /// Keys whose deletion persist would have recorded.
    pub deletes: usize,
    /// Managed keys in Git before that deletion.
    pub managed: usize,
    /// The managed prefixes the deletions were under.
    pub prefixes: Vec<String>,
    /// The branch tip persist refused to build on: the last good commit.
    pub commit: String,
    /// The etcd revision persist read.
    pub etcd_revision: i64,
}

/// The key of the refusal record of the repository described by `config`.
pub fn key(config: &Config) -> Vec<u8> {
    let mut key = config.state_prefix.clone();
    key.extend_from_slice(format!("refused/{}", syncpoint::repo_id(config)).as_bytes());
    key
}

/// The recorded refusal and its key's `mod_revision`, if there is one. An unreadable record
/// is reported as absent with a warning.
pub async fn read(kv: &mut impl Kv, config: &Config) -> kv::Result<Option<(Refusal, i64)>> {
    let Some(entry) = kv.get(&key(config)).await? else {
        return Ok(None);
    };
    match serde_json::from_slice::<Refusal>(&entry.value) {
        Ok(refusal) => Ok(Some((refusal, entry.mod_revision))),
        Err(err) => {
            tracing::warn!(%err, "ignoring an unreadable record of a refused persist");
            Ok(None)
        }
    }
}

/// Record `refusal`, fenced on the lock (`fence`). `false` when the fence did not hold.
pub async fn record(
    kv: &mut impl Kv,
    config: &Config,
    fence: Fence<'_>,
    refusal: &Refusal,
) -> kv::Result<bool> {
    // Serialising a struct of strings and numbers cannot fail.
    let value = serde_json::to_vec(refusal).unwrap_or_default();
    kv.fenced_put(fence.key, fence.lease, &key(config), &value)
        .await
}

/// Remove the record read at `mod_revision`, fenced on the lock; a record written again since
/// (by a later refusal) stays.
pub async fn clear(
    kv: &mut impl Kv,
    config: &Config,
    fence: Fence<'_>,
    mod_revision: i64,
) -> kv::Result<bool> {
    let key = key(config);
    let op = Guarded {
        key: &key,
        value: None,
        expect_mod_revision: mod_revision,
    };
    let outcome = kv.guarded_txn(&[op], Some(fence)).await?;
    Ok(matches!(outcome, TxnOutcome::Committed { .. }))
}
