//! The last `persist` that a guard refused, kept in etcd under
//! `<state_prefix>refused/<repo id>` so that `status` can report it until a later persist
//! gets through (which removes it).

use serde::{Deserialize, Serialize};

use crate::config::Config;
use crate::kv::{self, Guarded, Kv, TxnOutcome};
use crate::lock::Lock;
use crate::syncpoint;

/// Why the last persist recorded nothing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
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

impl Refusal {
    /// A refusal by the mass-delete guard, now, on this host.
    pub fn mass_delete(
        deletes: usize,
        managed: usize,
        prefixes: Vec<String>,
        commit: String,
        etcd_revision: i64,
    ) -> Self {
        Self {
            time: humantime::format_rfc3339_seconds(std::time::SystemTime::now()).to_string(),
            host: gethostname::gethostname().to_string_lossy().into_owned(),
            guard: "mass-delete".to_owned(),
            deletes,
            managed,
            prefixes,
            commit,
            etcd_revision,
        }
    }
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

/// Record `refusal` while `lock` is held. `false` when it no longer was.
pub async fn record(
    kv: &mut impl Kv,
    config: &Config,
    lock: &Lock,
    refusal: &Refusal,
) -> kv::Result<bool> {
    // Serialising a struct of strings and numbers cannot fail.
    let value = serde_json::to_vec(refusal).unwrap_or_default();
    lock.fenced_put(kv, &key(config), &value).await
}

/// Remove the record read at `mod_revision` while `lock` is held; a record written again
/// since (by a later refusal) stays.
pub async fn clear(
    kv: &mut impl Kv,
    config: &Config,
    lock: &Lock,
    mod_revision: i64,
) -> kv::Result<bool> {
    if lock.is_lost() {
        return Ok(false);
    }
    let fence = lock.fence();
    let key = key(config);
    let op = Guarded {
        key: &key,
        value: None,
        expect_mod_revision: mod_revision,
    };
    let outcome = kv.guarded_txn(&[op], Some(fence)).await?;
    Ok(matches!(outcome, TxnOutcome::Committed { .. }))
}
