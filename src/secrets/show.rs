//! `secret show`: decrypt one committed secret.

use zeroize::Zeroizing;

use super::{decrypt, CommandError, Error, Identities};
use crate::git::Repo;
use crate::keypath::display_key;

/// The plaintext of `key` as committed at `rev` (default: the configured branch, else HEAD).
pub fn show(
    repo: &Repo,
    rev: Option<&str>,
    key: &[u8],
    identities: &Identities,
) -> Result<Zeroizing<Vec<u8>>, CommandError> {
    let desired = crate::desired::load(repo, rev)?;
    let entry = desired.entries.get(key).ok_or_else(|| Error::NoSuchKey {
        key: display_key(key),
        rev: desired.rev_name.clone(),
    })?;
    if !entry.secret {
        return Err(Error::NotSealed {
            key: display_key(key),
            rev: desired.rev_name.clone(),
            path: entry.path.clone(),
        }
        .into());
    }
    let armored = repo
        .read_blob(entry.oid)
        .map_err(|e| e.in_file(&entry.path))?;
    Ok(decrypt(key, &armored, identities)?)
}
