//! Push records: netsync's own etcd state saying when `persist` last pushed to each remote,
//! for `status` to report how fresh each backup is.

use std::time::SystemTime;

use serde::{Deserialize, Serialize};

use crate::config::Config;
use crate::kv::Kv;
use crate::lock;
use crate::syncpoint;

/// A successful push, recorded in etcd by `persist` under `<state_prefix>push/<id>/<remote>`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct PushRecord {
    pub remote: String,
    pub commit: String,
    /// RFC 3339, UTC.
    pub time: String,
    pub host: String,
}

/// The key recording the last successful push to `remote`.
pub fn push_key(config: &Config, remote: &str) -> Vec<u8> {
    let mut key = config.state_prefix.clone();
    key.extend_from_slice(format!("push/{}/", syncpoint::repo_id(config)).as_bytes());
    key.extend_from_slice(remote.as_bytes());
    key
}

impl PushRecord {
    pub fn now(remote: &str, commit: &str) -> Self {
        Self {
            remote: remote.to_owned(),
            commit: commit.to_owned(),
            time: humantime::format_rfc3339_seconds(SystemTime::now()).to_string(),
            host: gethostname::gethostname().to_string_lossy().into_owned(),
        }
    }
}

/// Record a successful push of `commit` to each remote of `pushed` (called by `persist`,
/// fenced on its lock). A
/// failure to record is a warning: the push itself succeeded.
pub async fn record(
    kv: &mut impl Kv,
    lock: &lock::Lock,
    config: &Config,
    pushed: impl IntoIterator<Item = &str>,
    commit: &str,
) {
    for remote in pushed {
        let record = PushRecord::now(remote, commit);
        let value = serde_json::to_vec(&record).unwrap_or_default();
        if let Err(err) = lock.fenced_put(kv, &push_key(config, remote), &value).await {
            tracing::warn!(%remote, %err, "could not record the push time in etcd");
        }
    }
}
