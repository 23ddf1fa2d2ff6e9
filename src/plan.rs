//! Compare the desired state with etcd and decide what to write: a [`Plan`] is plain data
//! that can be printed, tested and serialised before anything is written.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::desired::DesiredEntry;
use crate::git::ObjectId;
use crate::kv::KeyValue;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Action {
    Add,
    Change,
    Delete,
}

/// One key to write or delete. `Debug` never shows the values of a secret.
#[derive(Clone, PartialEq, Eq)]
pub struct Change {
    pub key: Vec<u8>,
    pub action: Action,
    /// The file in Git (for add and change).
    pub path: Option<String>,
    /// Blob id of the desired value (for add and change).
    pub new_oid: Option<ObjectId>,
    /// The value etcd holds now (for change and delete).
    pub old: Option<Vec<u8>>,
    /// The desired value, loaded before the first write (for add and change).
    pub new: Option<Vec<u8>>,
    /// The `mod_revision` the write is guarded on (0: the key must not exist).
    pub expect_mod_revision: i64,
    /// The value is secret (an age file in Git, or a key matching `secrets.keys`): it is never
    /// shown, hashed or logged, only its size.
    pub secret: bool,
}

impl std::fmt::Debug for Change {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let shown = |v: &Option<Vec<u8>>| match v {
            None => "None".to_owned(),
            Some(v) if self.secret => format!("<secret, {} bytes>", v.len()),
            Some(v) => format!("{:?}", String::from_utf8_lossy(v)),
        };
        f.debug_struct("Change")
            .field("key", &crate::render::display_key(&self.key))
            .field("action", &self.action)
            .field("path", &self.path)
            .field("new_oid", &self.new_oid)
            .field("old", &shown(&self.old))
            .field("new", &shown(&self.new))
            .field("expect_mod_revision", &self.expect_mod_revision)
            .field("secret", &self.secret)
            .finish()
    }
}

/// Why a key in etcd was left out of the plan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    pub key: Vec<u8>,
    /// Git has a file for this key (and it is left alone anyway).
    pub in_git: bool,
}

/// What it takes to make etcd hold the desired state.
#[derive(Debug, Clone, Default)]
pub struct Plan {
    /// Sorted by key.
    pub changes: Vec<Change>,
    /// Keys equal on both sides.
    pub unchanged: usize,
    /// Non-ephemeral keys etcd holds under the managed prefixes now.
    pub managed_in_etcd: usize,
    /// Keys attached to a lease: runtime state, never written or pruned.
    pub leased: Vec<Skipped>,
    /// Keys matching an ephemeral pattern in etcd.
    pub ephemeral_in_etcd: usize,
}

impl Plan {
    pub fn count(&self, action: Action) -> usize {
        self.changes.iter().filter(|c| c.action == action).count()
    }

    pub fn is_empty(&self) -> bool {
        self.changes.is_empty()
    }

    /// After every secret was decrypted into `new`: a secret change whose plaintext equals
    /// etcd's value is no change.
    pub fn settle_secrets(&mut self) {
        let before = self.changes.len();
        self.changes.retain(|c| {
            !(c.secret && c.action == Action::Change && c.new.is_some() && c.new == c.old)
        });
        self.unchanged += before - self.changes.len();
    }
}

/// Classify every key: in Git only → add; in etcd only → delete; in both with different
/// bytes → change. `blob_id` hashes an etcd value the way Git would, so equal values are
/// recognised without reading any blob. A secret in both places is a change *to be decided*:
/// its ciphertext says nothing about the plaintext, so [`Plan::settle_secrets`] compares the
/// decrypted value later.
pub fn plan(
    desired: &BTreeMap<Vec<u8>, DesiredEntry>,
    etcd: Vec<KeyValue>,
    is_ephemeral: impl Fn(&[u8]) -> bool,
    is_secret: impl Fn(&[u8]) -> bool,
    blob_id: impl Fn(&[u8]) -> ObjectId,
) -> Plan {
    let mut plan = Plan::default();
    let mut current: BTreeMap<Vec<u8>, KeyValue> = BTreeMap::new();
    for kv in etcd {
        if is_ephemeral(&kv.key) {
            plan.ephemeral_in_etcd += 1;
        } else if kv.lease != 0 {
            plan.leased.push(Skipped {
                in_git: desired.contains_key(&kv.key),
                key: kv.key,
            });
        } else {
            current.insert(kv.key.clone(), kv);
        }
    }
    plan.managed_in_etcd = current.len();
    let leased: std::collections::BTreeSet<&[u8]> =
        plan.leased.iter().map(|s| s.key.as_slice()).collect();

    for (key, entry) in desired {
        if leased.contains(key.as_slice()) {
            continue;
        }
        match current.remove(key) {
            Some(kv) if !entry.secret && blob_id(&kv.value) == entry.oid => plan.unchanged += 1,
            Some(kv) => plan.changes.push(Change {
                key: key.clone(),
                action: Action::Change,
                path: Some(entry.path.clone()),
                new_oid: Some(entry.oid),
                expect_mod_revision: kv.mod_revision,
                old: Some(kv.value),
                new: None,
                secret: entry.secret || is_secret(key),
            }),
            None => plan.changes.push(Change {
                key: key.clone(),
                action: Action::Add,
                path: Some(entry.path.clone()),
                new_oid: Some(entry.oid),
                old: None,
                new: None,
                expect_mod_revision: 0,
                secret: entry.secret || is_secret(key),
            }),
        }
    }
    for (key, kv) in current {
        plan.changes.push(Change {
            secret: is_secret(&key),
            key,
            action: Action::Delete,
            path: None,
            new_oid: None,
            expect_mod_revision: kv.mod_revision,
            old: Some(kv.value),
            new: None,
        });
    }
    plan.changes.sort_by(|a, b| a.key.cmp(&b.key));
    plan
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::git::blob_id;

    fn hash(data: &[u8]) -> ObjectId {
        blob_id(gix::hash::Kind::Sha1, data)
    }

    fn desired(items: &[(&[u8], &[u8])]) -> BTreeMap<Vec<u8>, DesiredEntry> {
        items
            .iter()
            .map(|(k, v)| {
                (
                    k.to_vec(),
                    DesiredEntry {
                        path: format!("kv/{}", String::from_utf8_lossy(k)),
                        oid: hash(v),
                        secret: false,
                    },
                )
            })
            .collect()
    }

    fn kv(key: &[u8], value: &[u8], rev: i64, lease: i64) -> KeyValue {
        KeyValue {
            key: key.to_vec(),
            value: value.to_vec(),
            mod_revision: rev,
            create_revision: rev,
            lease,
        }
    }

    #[test]
    fn classifies_add_change_delete_and_unchanged() {
        let want = desired(&[(b"/n/a", b"1"), (b"/n/b", b"2"), (b"/n/c", b"3")]);
        let have = vec![
            kv(b"/n/b", b"2", 5, 0),
            kv(b"/n/c", b"old", 6, 0),
            kv(b"/n/d", b"x", 7, 0),
        ];
        let p = plan(&want, have, |_| false, |_| false, hash);
        let got: Vec<(&[u8], Action, i64)> = p
            .changes
            .iter()
            .map(|c| (c.key.as_slice(), c.action, c.expect_mod_revision))
            .collect();
        assert_eq!(
            got,
            vec![
                (&b"/n/a"[..], Action::Add, 0),
                (&b"/n/c"[..], Action::Change, 6),
                (&b"/n/d"[..], Action::Delete, 7)
            ]
        );
        assert_eq!(p.unchanged, 1);
        assert_eq!(p.managed_in_etcd, 3);
    }

    #[test]
    fn ephemeral_and_leased_keys_are_never_touched() {
        let want = desired(&[(b"/n/lease", b"new")]);
        let have = vec![kv(b"/n/sess/1", b"x", 3, 0), kv(b"/n/lease", b"old", 4, 99)];
        let p = plan(&want, have, |k| k.starts_with(b"/n/sess/"), |_| false, hash);
        assert!(p.is_empty());
        assert_eq!(p.ephemeral_in_etcd, 1);
        assert_eq!(
            p.leased,
            vec![Skipped {
                key: b"/n/lease".to_vec(),
                in_git: true
            }]
        );
        assert_eq!(p.managed_in_etcd, 0);
    }

    #[test]
    fn equal_values_make_an_empty_plan() {
        let want = desired(&[(b"/n/\xff", b"\x00\x01")]);
        let p = plan(
            &want,
            vec![kv(b"/n/\xff", b"\x00\x01", 2, 0)],
            |_| false,
            |_| false,
            hash,
        );
        assert!(p.is_empty());
        assert_eq!(p.unchanged, 1);
    }

    #[test]
    fn secrets_are_decided_on_plaintext_not_blob_ids() {
        let mut want = desired(&[(b"/n/s", b"ciphertext"), (b"/n/t", b"ciphertext2")]);
        for entry in want.values_mut() {
            entry.secret = true;
        }
        let have = vec![
            kv(b"/n/s", b"ciphertext", 3, 0),
            kv(b"/n/t", b"pw", 4, 0),
            kv(b"/n/u", b"old", 5, 0),
        ];
        let mut p = plan(&want, have, |_| false, |k| k == b"/n/u", hash);
        assert_eq!(
            p.changes.len(),
            3,
            "equal blob ids mean nothing for a secret"
        );
        assert!(p.changes.iter().all(|c| c.secret));
        p.changes[0].new = Some(b"other".to_vec());
        p.changes[1].new = Some(b"pw".to_vec());
        p.settle_secrets();
        let keys: Vec<&[u8]> = p.changes.iter().map(|c| c.key.as_slice()).collect();
        assert_eq!(keys, vec![&b"/n/s"[..], b"/n/u"]);
        assert_eq!(p.unchanged, 1);
        assert!(!format!("{:?}", p.changes[0]).contains("other"));
    }
}
