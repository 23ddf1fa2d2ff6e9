//! Read both sides (a Git revision and etcd under the managed prefixes, at one revision) and
//! plan: the shared first half of `diff`, `apply`, `restore` and `status`.

use crate::desired::{self, Desired};
use crate::git::Repo;
use crate::kv::Kv;
use crate::plan::{self, Base, Plan, Policy, Sealed};
use crate::progress::Progress;
use crate::secrets::{self, Identities};
use crate::syncpoint::{self, SyncPoint};

/// Why reading both sides failed.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Kv(#[from] crate::kv::Error),
    #[error(transparent)]
    Git(#[from] crate::git::Error),
    #[error(transparent)]
    Desired(#[from] desired::Error),
    #[error(transparent)]
    BaseMissing(#[from] desired::BaseMissing),
    #[error(transparent)]
    Secrets(#[from] secrets::Error),
}

/// Both sides read, and the plan between them.
pub struct Prepared {
    pub desired: Desired,
    pub plan: Plan,
    pub etcd_revision: i64,
    pub cluster_id: u64,
    pub sync_point: Option<SyncPoint>,
    /// Each key's base, when the plan was made three ways (a sync point of this cluster).
    pub base: Option<Base>,
}

impl Prepared {
    /// With `signers`, check that every commit this deployment may bring is signed by one
    /// of them ([`crate::trust`]); `None` without.
    pub fn check_signatures(
        &self,
        repo: &Repo,
        signers: Option<&crate::git::AllowedSigners>,
    ) -> Result<Option<crate::trust::Verified>, crate::trust::Error> {
        let Some(signers) = signers else {
            return Ok(None);
        };
        crate::trust::check(
            repo,
            signers,
            self.desired.revision.commit,
            self.sync_point.as_ref(),
            self.cluster_id,
        )
        .map(Some)
    }
}

/// How to compare the two sides.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compare {
    /// Against each key's base from the sync point (when there is one for this cluster),
    /// with `Policy` choosing the side where the rule does not decide alone.
    ThreeWay(Policy),
    /// Git against etcd alone: every difference is written to etcd (`restore`,
    /// `apply --force`).
    TwoWay,
}

/// Read etcd under the prefixes of `desired`, and the sync point, and plan
/// ([`plan::plan`]: every key assessed by the three-way rule, or two ways).
pub async fn prepare(
    repo: &Repo,
    desired: Desired,
    kv: &mut impl Kv,
    progress: &Progress,
    compare: Compare,
) -> Result<Prepared, Error> {
    for warning in desired.config.warnings() {
        tracing::warn!("{warning}");
    }
    for path in &desired.ignored_ephemeral {
        tracing::warn!(%path, "file names an ephemeral key; it is never written");
    }
    let prefixes: Vec<Vec<u8>> = desired
        .config
        .mappings
        .iter()
        .map(|m| m.prefix.clone())
        .collect();
    let bar = progress.counter("reading etcd");
    let snapshot = kv
        .snapshot(&prefixes, crate::kv::PAGE_SIZE, &mut |n| bar.set(n as u64))
        .await?;
    bar.finish();
    tracing::debug!(
        revision = snapshot.revision,
        keys = snapshot.entries.len(),
        "read etcd"
    );
    let sync_point = syncpoint::read(kv, &desired.config).await?;
    let (base, policy) = match compare {
        Compare::ThreeWay(policy) => (
            base(
                repo,
                sync_point.as_ref(),
                snapshot.cluster_id,
                desired.revision.commit,
                snapshot.revision,
            )?,
            policy,
        ),
        Compare::TwoWay => (None, Policy::Force),
    };
    let config = &desired.config;
    let hash_kind = repo.gix().object_hash();
    let plan = plan::plan(
        &desired.entries,
        snapshot.entries,
        base.as_ref(),
        policy,
        |key| config.is_ephemeral(key),
        |key| config.is_secret(key),
        |value| crate::git::blob_id(hash_kind, value),
    );
    for skipped in plan.leased.iter().filter(|s| s.in_git) {
        tracing::warn!(
            key = %crate::keypath::display_key(&skipped.key),
            "key is attached to a lease in etcd; left alone although Git has it"
        );
    }
    Ok(Prepared {
        desired,
        plan,
        etcd_revision: snapshot.revision,
        cluster_id: snapshot.cluster_id,
        sync_point,
        base,
    })
}

/// Read Git's value of every key that differs from Git, decrypting every secret. Done for
/// the whole plan before the first write, so that an unreadable object or a secret that does
/// not decrypt (no identity, wrong identity, tampered, moved) stops the run with etcd
/// untouched. Secrets whose plaintext equals etcd's value then leave the plan.
pub fn load_new_values(repo: &Repo, plan: &mut Plan, identities: &Identities) -> Result<(), Error> {
    let mut all = differing(plan);
    let sealed = read_git_values(repo, &mut all)?;
    let plaintexts = secrets::decrypt_all(
        sealed.iter().map(|&i| {
            let c = &all[i];
            (c.key.as_slice(), c.new.as_deref().unwrap_or_default())
        }),
        identities,
    )?;
    for (i, plaintext) in sealed.into_iter().zip(plaintexts) {
        all[i].new = Some(plaintext.to_vec());
    }
    plan.settle_secrets();
    Ok(())
}

/// [`load_new_values`] for showing the plan (`diff`), which needs no private key to show
/// what it can: with no identity at all, each secret in Git stays sealed (checked only as far
/// as that takes no key: armor and age header), marked [`Sealed::NoIdentity`] with `new`
/// left `None`. Where etcd holds a value too, whether the secret differs is then not known
/// ([`plan::Change::not_compared`]). Secrets the plan already decided without decrypting
/// (the same ciphertext as at the sync point and etcd unchanged since) are not in it. With
/// any identity this is [`load_new_values`]: a wrong identity or a tampered file is an error.
pub fn load_values_to_show(
    repo: &Repo,
    plan: &mut Plan,
    identities: &Identities,
) -> Result<(), Error> {
    if !identities.is_empty() {
        return load_new_values(repo, plan, identities);
    }
    let mut all = differing(plan);
    for i in read_git_values(repo, &mut all)? {
        let change = &mut all[i];
        secrets::check_sealed(&change.key, change.new.as_deref().unwrap_or_default())?;
        change.new = None;
        change.sealed = Some(Sealed::NoIdentity);
    }
    Ok(())
}

/// Every key of `plan` that differs: to write, kept, in conflict.
fn differing(plan: &mut Plan) -> Vec<&mut plan::Change> {
    plan.changes
        .iter_mut()
        .chain(&mut plan.kept)
        .chain(&mut plan.conflicts)
        .collect()
}

/// Load Git's value of each of `all` into `new`; the positions of those that are age files,
/// whose `new` is ciphertext still.
fn read_git_values(repo: &Repo, all: &mut [&mut plan::Change]) -> Result<Vec<usize>, Error> {
    let mut sealed = Vec::new();
    for (i, change) in all.iter_mut().enumerate() {
        if let Some(oid) = change.new_oid {
            let path = change.path.as_deref().unwrap_or_default();
            change.new = Some(repo.read_blob(oid).map_err(|e| e.in_file(path))?);
            if change.secret && change.path.as_deref().is_some_and(is_age_path) {
                sealed.push(i);
            }
        }
    }
    Ok(sealed)
}

/// The merge base for the three-way rule: each key's base from the sync point, when the
/// sync point belongs to this cluster. `None` (with a warning) for a sync point recorded in
/// another cluster; an error when the repository lacks the sync point's commit, since
/// guessing would risk reverting one side.
fn base(
    repo: &Repo,
    sync_point: Option<&SyncPoint>,
    cluster_id: u64,
    target: crate::git::ObjectId,
    etcd_revision: i64,
) -> Result<Option<Base>, Error> {
    let Some(point) = sync_point else {
        return Ok(None);
    };
    if point.cluster_id != format!("{cluster_id:x}") {
        tracing::warn!(
            recorded = %point.cluster_id,
            "the sync point was recorded in another etcd cluster; comparing two ways"
        );
        return Ok(None);
    }
    // A persist killed before it recorded left its commit on the way to the target: adopt
    // what its trailers prove.
    let adopted = crate::adopt::adopt(repo, point, target, Some(etcd_revision))?;
    let point = adopted.as_ref().unwrap_or(point);
    let base = desired::load_base(repo, &point.commit)?.ok_or_else(|| desired::BaseMissing {
        commit: point.commit.clone(),
        repo: repo.path().to_owned(),
    })?;
    Ok(Some(Base::of_commit(&base.entries, point.clone())))
}

fn is_age_path(path: &str) -> bool {
    path.ends_with(crate::keypath::SECRET_SUFFIX)
}

/// Every guard's verdict on the classified plan of `prepared`, stored in it: apply's prune
/// guard, persist's mass-delete guard on the deletions it would record, and the largest write
/// apply would send against `max_request` (`envelope`: what etcd adds around it).
pub fn judge(prepared: &mut Prepared, max_request: usize, envelope: usize) {
    let config = &prepared.desired.config;
    let plan = &prepared.plan;
    // What persist would record as deleted (drift, or every key etcd lacks when there is no
    // sync point), against the managed keys in Git, as persist weighs it.
    let persist_deletes = plan
        .changes
        .iter()
        .chain(&plan.kept)
        .chain(&plan.conflicts)
        .filter(|c| c.persist == plan::PersistStep::Record && c.old.is_none())
        .count();
    let leased_in_git = plan.leased.iter().filter(|s| s.in_git).count();
    let managed_in_git = prepared.desired.entries.len() - leased_in_git;
    let lock_key_len = crate::lock::key(config).len();
    let largest_write = plan
        .changes
        .iter()
        // A secret left sealed has no known size: it is not weighed.
        .filter(|c| c.action != plan::Action::Delete && c.sealed.is_none())
        .map(|c| {
            let op = crate::kv::Guarded {
                key: &c.key,
                value: c.new.as_deref(),
                expect_mod_revision: c.expect_mod_revision,
            };
            (c, crate::kv::wire::alone(&op, lock_key_len) + envelope)
        })
        .max_by_key(|(_, bytes)| *bytes)
        .map(|(c, request_bytes)| plan::SizeVerdict {
            key: crate::keypath::display_key(&c.key),
            request_bytes,
            limit: max_request,
            fits: request_bytes <= max_request,
        });
    let guards = plan::Guards {
        prune: plan::DeleteVerdict::of(
            plan.count(plan::Action::Delete),
            plan.managed_in_etcd,
            config.apply.max_delete_fraction,
        ),
        persist_mass_delete: plan::DeleteVerdict::of(
            persist_deletes,
            managed_in_git,
            config.persist.max_delete_fraction,
        ),
        largest_write,
    };
    prepared.plan.guards = guards;
}
