//! The sync point: the per-key base of the three-way rule. A Git commit and an etcd revision
//! at which both sides agreed on every key but a recorded few, and for those few the last
//! value they agreed on. Kept in etcd under a reserved key outside the managed prefixes.

use gix::ObjectId;
use serde::{Deserialize, Serialize};
use sha2::Digest;

use crate::config::Config;
use crate::kv::{self, Kv};

/// The record format this version writes. Version 1 (no `unsettled`) reads as version 2 with
/// every key settled, which is what version 1 meant: no migration step.
pub const FORMAT_VERSION: u32 = 2;

/// The largest record netsync writes, far below etcd's request limit (1.5 MiB by default):
/// room for several thousand unsettled keys. A command that would leave more keys unsettled
/// keeps the old record, which stays true.
pub const MAX_RECORD_BYTES: usize = 512 * 1024;

/// A recorded agreement between Git and etcd.
///
/// Each key's base is the last value both sides agreed on: its entry in `unsettled` if it
/// has one, else its file in `commit`. Invariant the three-way rule and `persist` rely on
/// (secrets kept byte for byte, incremental read): at `revision`, every managed, non-leased
/// key in etcd holds its base (a secret: the plaintext of its ciphertext), except the
/// unsettled keys marked `etcd`, and no other key exists there.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct SyncPoint {
    pub format_version: u32,
    /// Full id of the Git commit whose files are the base of every settled key.
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
    /// Keys on which Git's `commit` and etcd did not agree when this was recorded (a Git
    /// change not applied yet, drift kept, a conflict), sorted by key: their base is the
    /// older agreement recorded here, not `commit`'s file.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unsettled: Vec<Unsettled>,
    /// The newest commit etcd is known to hold whole: the one `apply` or `restore` deployed,
    /// or a `persist` commit that left no key unsettled. Signature checks start from it
    /// ([`SyncPoint::trusted_commit`]): a persist that built on Git changes not applied yet
    /// keeps the older one, so those changes are still checked when they are deployed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trusted: Option<String>,
    /// `commit` is a commit the recording command wrote itself from etcd's values (a persist
    /// commit): its own changes are what etcd held, so deploying it again needs no signature.
    /// `false` when it is a commit someone pushed (a persist with nothing to commit records
    /// the branch's tip, which may hold Git changes not applied yet).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub own_commit: bool,
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
            format_version: FORMAT_VERSION,
            commit,
            cluster_id: format!("{cluster_id:x}"),
            time: humantime::format_rfc3339_seconds(std::time::SystemTime::now()).to_string(),
            host: gethostname::gethostname().to_string_lossy().into_owned(),
            command: command.to_owned(),
            netsync_version: env!("CARGO_PKG_VERSION").to_owned(),
            read_revision: None,
            own_revisions: Vec::new(),
            unsettled: Vec::new(),
            trusted: None,
            own_commit: false,
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

    /// Whether etcd's value of `key`, last written at `mod_revision`, is still its base: not
    /// written since the agreement and not one etcd already differed on then.
    pub fn etcd_unchanged(&self, key: &[u8], mod_revision: i64) -> bool {
        self.unchanged(mod_revision) && !self.unsettled(key).is_some_and(|u| u.etcd)
    }

    /// The record of a key left unsettled, if it is one.
    pub fn unsettled(&self, key: &[u8]) -> Option<&Unsettled> {
        self.unsettled
            .binary_search_by(|u| u.key.as_slice().cmp(key))
            .ok()
            .map(|i| &self.unsettled[i])
    }

    /// Set the unsettled keys (any order; sorted and deduplicated here).
    pub fn set_unsettled(&mut self, mut unsettled: Vec<Unsettled>) {
        unsettled.sort_by(|a, b| a.key.cmp(&b.key));
        unsettled.dedup_by(|a, b| a.key == b.key);
        self.unsettled = unsettled;
    }

    /// Record `revision` as one of this command's own transactions.
    pub fn add_own_revision(&mut self, revision: i64) {
        match self.own_revisions.last_mut() {
            Some([_, to]) if *to + 1 == revision => *to = revision,
            _ => self.own_revisions.push([revision, revision]),
        }
    }

    /// The commit signature checks start from: `trusted`, or for a record written before
    /// netsync kept it, the commit itself.
    pub fn trusted_commit(&self) -> &str {
        self.trusted.as_deref().unwrap_or(&self.commit)
    }

    pub fn to_bytes(&self) -> Vec<u8> {
        // Serialising a struct of strings cannot fail.
        serde_json::to_vec(self).unwrap_or_default()
    }
}

/// A key the recording command left different between Git and etcd, and its base: the last
/// value both sides agreed on (by Git blob id; a secret's is its ciphertext's).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Unsettled {
    #[serde(with = "key_text")]
    #[schemars(with = "key_text::Text")]
    pub key: Vec<u8>,
    /// Blob id of the base value; `None`: the key was absent in the last agreement.
    #[serde(with = "oid_text")]
    #[schemars(with = "Option<String>")]
    pub base: Option<ObjectId>,
    /// etcd already differed from the base at the recorded revision (drift kept, a conflict);
    /// `false`: only Git did (a change not applied yet).
    pub etcd: bool,
    /// The base is a secret (an age file): etcd's value is judged by revision, never shown.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub secret: bool,
}

/// A key as JSON: the string itself when it is UTF-8 (readable with `etcdctl get`), else
/// `{"base64": "..."}`.
pub(crate) mod key_text {
    use base64::Engine;
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    /// A UTF-8 key as it is, any other as its bytes in base64.
    #[derive(Serialize, Deserialize, schemars::JsonSchema)]
    #[serde(untagged)]
    pub enum Text {
        Utf8(String),
        Bytes { base64: String },
    }

    pub fn serialize<S: Serializer>(key: &[u8], s: S) -> Result<S::Ok, S::Error> {
        match std::str::from_utf8(key) {
            Ok(text) => Text::Utf8(text.to_owned()),
            Err(_) => Text::Bytes {
                base64: base64::engine::general_purpose::STANDARD.encode(key),
            },
        }
        .serialize(s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        match Text::deserialize(d)? {
            Text::Utf8(text) => Ok(text.into_bytes()),
            Text::Bytes { base64 } => base64::engine::general_purpose::STANDARD
                .decode(base64)
                .map_err(serde::de::Error::custom),
        }
    }
}

/// A blob id as its full hex, `null` for an absent key.
pub(crate) mod oid_text {
    use gix::ObjectId;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(oid: &Option<ObjectId>, s: S) -> Result<S::Ok, S::Error> {
        match oid {
            Some(oid) => s.serialize_str(&oid.to_string()),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<ObjectId>, D::Error> {
        Option::<String>::deserialize(d)?
            .map(|hex| ObjectId::from_hex(hex.as_bytes()).map_err(serde::de::Error::custom))
            .transpose()
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
        Ok(point) if point.format_version > FORMAT_VERSION => {
            tracing::warn!(
                format_version = point.format_version,
                "the sync point was recorded by a newer netsync; comparing two ways"
            );
            Ok(None)
        }
        Ok(mut point) => {
            point.unsettled.sort_by(|a, b| a.key.cmp(&b.key));
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

    #[test]
    fn a_version_1_record_reads_with_every_key_settled() {
        let v1 = br#"{"format_version":1,"commit":"abc","cluster_id":"1","time":"t","host":"h","command":"apply","netsync_version":"0.1.0","read_revision":7}"#;
        let point: SyncPoint = serde_json::from_slice(v1).unwrap();
        assert!(point.unsettled.is_empty());
        assert!(point.unsettled(b"/net/a").is_none());
    }

    #[test]
    fn unsettled_keys_round_trip_and_decide_the_etcd_side() {
        let oid = ObjectId::from_hex(b"0123456789abcdef0123456789abcdef01234567").unwrap();
        let mut point = SyncPoint::new("c".into(), 1, "persist");
        point.set_unsettled(vec![
            Unsettled {
                key: b"/net/\xff\x00".to_vec(),
                base: None,
                etcd: true,
                secret: false,
            },
            Unsettled {
                key: b"/net/pending".to_vec(),
                base: Some(oid),
                etcd: false,
                secret: true,
            },
            Unsettled {
                key: b"/net/bin\xff".to_vec(),
                base: Some(oid),
                etcd: true,
                secret: false,
            },
        ]);
        let text = String::from_utf8(point.to_bytes()).unwrap();
        assert!(text.contains(r#""key":"/net/pending""#), "{text}");
        assert!(text.contains(r#"{"base64":"#), "{text}");
        let mut back: SyncPoint = serde_json::from_slice(text.as_bytes()).unwrap();
        assert_eq!(back.unsettled, point.unsettled);
        back.revision = 10;
        back.recorded_at = 11;
        assert!(back.etcd_unchanged(b"/net/pending", 5), "only Git differed");
        assert!(
            !back.etcd_unchanged(b"/net/bin\xff", 5),
            "etcd differed then"
        );
        assert!(back.etcd_unchanged(b"/net/other", 5));
        assert!(!back.etcd_unchanged(b"/net/other", 12), "written since");
        assert_eq!(back.unsettled(b"/net/pending").unwrap().base, Some(oid));
    }
}
