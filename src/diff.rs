//! `diff`: what `apply` would change, with both values of every changed key.

use crate::desired::Loading;
use crate::git::Repo;
use crate::kv::Kv;
use crate::plan::Policy;
use crate::prepare::Error;
use crate::prepare::{self, Compare, Prepared, Read};
use crate::progress::Progress;
use crate::secrets::Identities;

/// Read both sides and plan, loading the desired values so they can be shown (secrets are
/// decrypted to decide whether they changed, never shown), and classify every difference by
/// the three-way rule against the sync point, as `apply` would. Writes nothing. With no
/// identity at all, secrets stay sealed and those that may or may not differ are marked not
/// compared ([`prepare::load_values_to_show`]); everything else is complete.
pub async fn diff(
    repo: &Repo,
    desired: impl Into<Loading>,
    kv: &mut impl Kv,
    identities: &Identities,
    progress: &Progress,
) -> Result<Prepared, Error> {
    diff_read(repo, desired, kv, identities, progress, Read::Incremental).await
}

/// [`diff`], reading etcd as `read` says ([`prepare::prepare_read`]).
pub async fn diff_read(
    repo: &Repo,
    desired: impl Into<Loading>,
    kv: &mut impl Kv,
    identities: &Identities,
    progress: &Progress,
    read: Read,
) -> Result<Prepared, Error> {
    let compare = Compare::ThreeWay(Policy::Safe);
    let mut prepared = prepare::prepare_read(repo, desired, kv, progress, compare, read).await?;
    prepare::load_values_to_show(repo, &mut prepared.plan, identities)?;
    let config = &prepared.desired.config;
    let max_request = config.etcd.max_request_bytes;
    let envelope = kv.request_envelope();
    prepare::judge(&mut prepared, max_request, envelope);
    // A conflict is shown with all three values: the sync point's too (never a secret's).
    for change in prepared.plan.conflicts.iter_mut().filter(|c| !c.secret) {
        // A base persist took from etcd (`--prefer git`) is a loose blob gc may have pruned:
        // then the conflict shows two values.
        if let Some(oid) = change.base_oid {
            change.base = match repo.read_blob(oid) {
                Ok(value) => Some(value),
                // Present but not what its id says: the repository is damaged, say so.
                Err(err @ crate::git::Error::Mismatch { .. }) => {
                    let path = change.path.as_deref().unwrap_or_default();
                    return Err(err.in_file(path).into());
                }
                Err(_) => None,
            };
        }
    }
    Ok(prepared)
}
