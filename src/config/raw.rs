//! What serde reads from `netsync.toml`: everything that needs checking after
//! deserialization keeps its span, so that an error can point at it.

use super::*;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawConfig {
    pub(super) version: Spanned<u32>,
    pub(super) branch: Option<Spanned<String>>,
    pub(super) mapping: Option<Spanned<Vec<Spanned<RawMapping>>>>,
    pub(super) ephemeral: Option<RawEphemeral>,
    pub(super) secrets: Option<RawSecrets>,
    pub(super) apply: Option<RawApply>,
    pub(super) etcd: Option<RawEtcd>,
    pub(super) persist: Option<RawPersist>,
    pub(super) state: Option<RawState>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawMapping {
    pub(super) prefix: Spanned<String>,
    pub(super) dir: Spanned<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawEphemeral {
    #[serde(default)]
    pub(super) keys: Vec<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawSecrets {
    #[serde(default)]
    pub(super) keys: Vec<Spanned<String>>,
    #[serde(default)]
    pub(super) recipients: Vec<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawApply {
    // f64 also accepts TOML integers, so `max_delete_fraction = 1` works.
    pub(super) max_delete_fraction: Option<Spanned<f64>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawEtcd {
    pub(super) endpoints: Option<Spanned<Vec<Spanned<String>>>>,
    pub(super) max_txn_ops: Option<Spanned<usize>>,
    pub(super) max_request_bytes: Option<Spanned<usize>>,
    pub(super) txns_in_flight: Option<Spanned<usize>>,
    pub(super) dial_timeout: Option<Spanned<String>>,
    pub(super) command_timeout: Option<Spanned<String>>,
    pub(super) cacert: Option<Spanned<String>>,
    pub(super) cert: Option<Spanned<String>>,
    pub(super) key: Option<Spanned<String>>,
    pub(super) user: Option<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawPersist {
    #[serde(default)]
    pub(super) remotes: Vec<Spanned<String>>,
    pub(super) author: Option<Spanned<String>>,
    pub(super) message: Option<Spanned<String>>,
    pub(super) max_delete_fraction: Option<Spanned<f64>>,
    pub(super) signing_key: Option<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawState {
    pub(super) prefix: Option<Spanned<String>>,
}
