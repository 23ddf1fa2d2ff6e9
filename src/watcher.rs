//! What `watch` keeps in etcd for others to see, beside the lock: the election of the active
//! watcher (`<state_prefix>watch/<id>`, attached to the active watcher's lease, so it goes
//! when that watcher dies) and the last commit it made (`<state_prefix>watch-commit/<id>`,
//! written fenced on the election). `status` reads both.

use serde::{Deserialize, Serialize};

use crate::config::Config;
use crate::kv::{self, Kv};
use crate::lock::Holder;
use crate::syncpoint;

/// The key whose holder is the active watcher of the repository `config` describes.
pub fn election_key(config: &Config) -> Vec<u8> {
    state_key(config, "watch")
}

/// The key recording the last commit a watcher made.
pub fn commit_key(config: &Config) -> Vec<u8> {
    state_key(config, "watch-commit")
}

fn state_key(config: &Config, kind: &str) -> Vec<u8> {
    let mut key = config.state_prefix.clone();
    key.extend_from_slice(format!("{kind}/{}", syncpoint::repo_id(config)).as_bytes());
    key
}

/// A commit a watcher made from etcd's changes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct LastCommit {
    pub commit: String,
    /// The etcd revision it was read at.
    pub etcd_revision: i64,
    /// RFC 3339, UTC.
    pub time: String,
    pub host: String,
}

impl LastCommit {
    pub fn now(commit: &str, etcd_revision: i64) -> Self {
        Self {
            commit: commit.to_owned(),
            etcd_revision,
            time: humantime::format_rfc3339_seconds(std::time::SystemTime::now()).to_string(),
            host: gethostname::gethostname().to_string_lossy().into_owned(),
        }
    }
}

/// The active watcher, if any, and the last commit any watcher recorded.
pub async fn read(
    kv: &mut impl Kv,
    config: &Config,
) -> kv::Result<(Option<Holder>, Option<LastCommit>)> {
    let active = kv
        .get(&election_key(config))
        .await?
        .and_then(|e| serde_json::from_slice::<Holder>(&e.value).ok());
    let last = kv
        .get(&commit_key(config))
        .await?
        .and_then(|e| serde_json::from_slice::<LastCommit>(&e.value).ok());
    Ok((active, last))
}
