//! Secret values on their way to Git: which committed ciphertext stays byte for byte, and which
//! values are encrypted anew to the branch tip's recipients. Needs no private key; uses one,
//! when available, only to avoid re-encrypting when the sync point cannot tell.

use std::collections::BTreeMap;
use std::path::PathBuf;

use zeroize::Zeroizing;

use super::{Error, Value};
use crate::config::Config;
use crate::desired;
use crate::git::{self, Repo, Revision};
use crate::keypath::display_key;
use crate::secrets::{self, Identities, Recipients};

/// A secret as read from etcd.
pub struct Secret {
    pub mod_revision: i64,
    /// `None` when not read: the incremental read skips keys unchanged since the sync point.
    pub value: Option<Zeroizing<Vec<u8>>>,
}

impl Secret {
    fn plaintext(&self, key: &[u8]) -> Result<&[u8], Error> {
        self.value
            .as_deref()
            .map(Vec::as_slice)
            .ok_or_else(|| Error::ValueNotRead {
                key: display_key(key),
            })
    }
}

/// How each secret's Git-side content was decided (counts only: nothing secret).
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, serde::Serialize, schemars::JsonSchema)]
pub struct Sealed {
    /// Unchanged since the sync point: the committed ciphertext is kept.
    pub kept: usize,
    /// Decrypted with an identity and found equal to etcd's value: kept.
    pub compared: usize,
    /// Encrypted anew.
    pub encrypted: usize,
}

/// The base of every key, from a sync point of this cluster: what the secrets' ciphertext
/// was when both sides agreed.
pub struct Known<'a> {
    pub base: &'a crate::plan::Base,
}

/// Turn etcd's secret values into ciphertext blobs (`None` bytes: the blob is already in the
/// repository). `known` is `None` when there is no sync point for this cluster.
pub fn seal(
    repo: &Repo,
    config: &Config,
    tip: &Revision,
    known: Option<Known<'_>>,
    secrets_in_etcd: BTreeMap<Vec<u8>, Secret>,
    identity_files: &[PathBuf],
) -> Result<(BTreeMap<Vec<u8>, Value>, Sealed), Error> {
    let mut out = BTreeMap::new();
    let mut sealed = Sealed::default();
    if secrets_in_etcd.is_empty() {
        return Ok((out, sealed));
    }
    let recipients = Recipients::at(repo, tip, config)?;
    if recipients.is_empty() {
        return Err(Error::NoRecipients {
            keys: secrets_in_etcd.keys().map(|k| display_key(k)).collect(),
        });
    }
    let kind = repo.gix().object_hash();
    let encrypt = |key: &[u8], value: &[u8]| -> Result<Value, Error> {
        let armored = secrets::encrypt(key, value, &recipients)?;
        Ok((git::blob_id(kind, &armored), Some(armored)))
    };
    // Written after the sync point: changed by revision, but perhaps to the value Git holds
    // (the same plaintext put again). Compared when an identity is at hand, so that persist
    // makes no commit for it; encrypted anew otherwise.
    let mut written: Vec<(Vec<u8>, Secret)> = Vec::new();
    let mut unknown: Vec<(Vec<u8>, Secret)> = Vec::new();
    for (key, secret) in secrets_in_etcd {
        // etcd still holds the base, which was an age file: its ciphertext stays.
        let kept = known.as_ref().and_then(|k| {
            k.base
                .held_in_etcd(&key, secret.mod_revision)
                .filter(|_| k.base.secrets.contains(&key))
        });
        match (kept, &known) {
            (Some(oid), _) => {
                sealed.kept += 1;
                out.insert(key, (oid, None));
            }
            (None, Some(k)) if !k.base.point.unchanged(secret.mod_revision) => {
                written.push((key, secret))
            }
            _ => unknown.push((key, secret)),
        }
    }
    if unknown.is_empty() && written.is_empty() {
        return Ok((out, sealed));
    }

    let identities = match Identities::load(identity_files) {
        Ok(identities) => identities,
        // Only the written ones to compare: without a usable identity they are encrypted
        // anew, as they always were.
        Err(err) if unknown.is_empty() => {
            tracing::debug!(%err, "no identity to compare changed secrets with");
            Identities::none()
        }
        Err(err) => return Err(err.into()),
    };
    if identities.is_empty() {
        if !unknown.is_empty() {
            tracing::warn!(
                "no identity to compare {} secrets with what Git holds: encrypting them anew",
                unknown.len()
            );
        }
        for (key, secret) in unknown.into_iter().chain(written) {
            sealed.encrypted += 1;
            let value = encrypt(&key, secret.plaintext(&key)?)?;
            out.insert(key, value);
        }
        return Ok((out, sealed));
    }
    unknown.extend(written);
    let committed = desired::load(repo, Some(&tip.commit.to_string()))?.entries;
    let mut undecryptable = 0usize;
    for (key, secret) in unknown {
        let same = match committed.get(&key).filter(|e| e.secret) {
            Some(entry) => {
                let armored = repo
                    .read_blob(entry.oid)
                    .map_err(|e| e.in_file(&entry.path))?;
                match secrets::decrypt(&key, &armored, &identities) {
                    Ok(plain) => (*plain == secret.plaintext(&key)?).then_some(entry.oid),
                    Err(err) => {
                        tracing::debug!(%err, "cannot decrypt the committed secret to compare");
                        undecryptable += 1;
                        None
                    }
                }
            }
            None => None,
        };
        match same {
            Some(oid) => {
                sealed.compared += 1;
                out.insert(key, (oid, None));
            }
            None => {
                sealed.encrypted += 1;
                let value = encrypt(&key, secret.plaintext(&key)?)?;
                out.insert(key, value);
            }
        }
    }
    if undecryptable > 0 {
        tracing::warn!(
            "{undecryptable} secrets in Git the identities cannot decrypt to compare with etcd's: encrypting them anew"
        );
    }
    Ok((out, sealed))
}
