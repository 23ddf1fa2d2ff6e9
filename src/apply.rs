//! Carry out a plan: make etcd hold a Git revision, in guarded, size-limited transactions.

use std::time::Duration;

use serde::Serialize;

use crate::desired::Loading;
use crate::git::Repo;
use crate::keypath::display_key;
use crate::kv::{Fence, Guarded, Kv};
use crate::lock;
use crate::plan::{self, Action, Plan, Policy};
use crate::prepare::{self, Compare, Prepared};
use crate::progress::Progress;
use crate::secrets::Identities;
use crate::syncpoint::{self, SyncPoint};
use crate::write;

/// Why `apply` wrote nothing (or stopped: see [`write::Error`] for what a run that
/// stopped between transactions left).
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{} changed both in Git and in etcd since the sync point (commit {base}); nothing was written", keys.join(", "))]
    Conflict { keys: Vec<String>, base: String },
    #[error(transparent)]
    PruneGuard(#[from] plan::PruneRefused),
    #[error("the saved plan no longer holds; nothing was written:\n  {}", reasons.join("\n  "))]
    StalePlan { reasons: Vec<String> },
    #[error(transparent)]
    Prepare(#[from] prepare::Error),
    #[error(transparent)]
    Write(#[from] write::Error),
    #[error(transparent)]
    Lock(#[from] lock::WaitError),
    #[error(transparent)]
    Trust(#[from] crate::trust::Error),
}

/// What the user asked `apply` to do.
#[derive(Debug, Clone)]
pub struct ApplyOptions {
    pub dry_run: bool,
    /// Which side wins where the three-way rule does not decide alone.
    pub policy: Policy,
    /// Lease time to live of the lock (how long it outlives a killed run).
    pub lock_ttl: Duration,
    /// How long to wait for another run to release the lock.
    pub lock_timeout: Duration,
    /// Let the prune guard pass.
    pub allow_mass_delete: bool,
    /// Override `etcd.max_txn_ops` of the config.
    pub max_txn_ops: Option<usize>,
    /// Override `etcd.max_request_bytes` of the config.
    pub max_request_bytes: Option<usize>,
    /// Override `etcd.txns_in_flight` of the config.
    pub txns_in_flight: Option<usize>,
    /// Read every value in etcd even when the sync point allows reading only what changed.
    pub full_read: bool,
    /// A saved plan (`diff --out`) to carry out exactly: refused when the plan made now
    /// differs from it in any way.
    pub expect: Option<crate::saved::SavedPlan>,
    /// Deploy only commits signed by one of these (see [`crate::trust`]); checked before
    /// anything is written, dry runs included.
    pub allowed_signers: Option<crate::git::AllowedSigners>,
}

impl Default for ApplyOptions {
    fn default() -> Self {
        Self {
            dry_run: false,
            policy: Policy::Safe,
            lock_ttl: lock::DEFAULT_TTL,
            lock_timeout: Duration::from_secs(60),
            allow_mass_delete: false,
            max_txn_ops: None,
            max_request_bytes: None,
            txns_in_flight: None,
            full_read: false,
            expect: None,
            allowed_signers: None,
        }
    }
}

/// What `apply` did.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct ApplyReport {
    pub dry_run: bool,
    pub policy: Policy,
    /// Transactions committed (including the one recording the sync point).
    pub transactions: usize,
    /// etcd revision after the last write; the read revision when nothing was written.
    pub etcd_revision_after: i64,
    pub sync_point_recorded: bool,
    /// The commits whose signatures were checked, with allowed signers.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub signatures: Option<crate::trust::Verified>,
}

/// The outcome of `apply`: the plan it carried out and what happened.
pub struct Applied {
    pub prepared: Prepared,
    pub report: ApplyReport,
}

/// The prune guard: an empty or wrong checkout must not wipe the cluster.
fn check_prune_guard(plan: &Plan, fraction: f64, allow: bool) -> Result<(), Error> {
    Ok(plan.prune_guard(plan.managed_in_etcd, fraction, allow)?)
}

fn guarded_ops(plan: &Plan) -> Vec<Guarded<'_>> {
    plan.changes
        .iter()
        .map(|c| Guarded {
            key: &c.key,
            value: match c.action {
                Action::Delete => None,
                Action::Add | Action::Change => Some(c.new.as_deref().unwrap_or_default()),
            },
            expect_mod_revision: c.expect_mod_revision,
        })
        .collect()
}

/// Make etcd hold the desired revision, by the three-way rule: Git-only changes are written,
/// drift is kept and reported, conflicts stop the run unless `options.policy` picks a side.
pub async fn apply(
    repo: &Repo,
    desired: impl Into<Loading>,
    kv: &mut impl Kv,
    options: &ApplyOptions,
    identities: &Identities,
    progress: &Progress,
) -> Result<Applied, Error> {
    apply_with(repo, desired, kv, options, identities, progress, None).await
}

/// [`apply`] under a lock the caller holds (`watch --apply` holds one for each run): the
/// same plan and writes, fenced on that lock, which is left held.
pub async fn apply_locked(
    repo: &Repo,
    desired: impl Into<Loading>,
    kv: &mut impl Kv,
    options: &ApplyOptions,
    identities: &Identities,
    progress: &Progress,
    lock: &lock::Lock,
) -> Result<Applied, Error> {
    apply_with(repo, desired, kv, options, identities, progress, Some(lock)).await
}

async fn apply_with(
    repo: &Repo,
    desired: impl Into<Loading>,
    kv: &mut impl Kv,
    options: &ApplyOptions,
    identities: &Identities,
    progress: &Progress,
    held: Option<&lock::Lock>,
) -> Result<Applied, Error> {
    let compare = match options.policy {
        Policy::Force => Compare::TwoWay,
        policy => Compare::ThreeWay(policy),
    };
    let read = match options.full_read {
        true => prepare::Read::Full,
        false => prepare::Read::Incremental,
    };
    let mut prepared = prepare::prepare_read(repo, desired, kv, progress, compare, read).await?;
    // Guarantee 12: nothing is deployed from a commit no allowed signer signed.
    let signatures = prepared.check_signatures(repo, options.allowed_signers.as_ref())?;
    // Guarantee 2: every secret decrypts and is bound to its key before the first write.
    prepare::load_new_values(repo, &mut prepared.plan, identities)?;
    if let Some(saved) = &options.expect {
        let reasons = saved.differences(&crate::saved::SavedPlan::of(&prepared, options.policy));
        if !reasons.is_empty() {
            return Err(Error::StalePlan { reasons });
        }
    }
    let config = &prepared.desired.config;
    let max_ops = options.max_txn_ops.unwrap_or(config.etcd.max_txn_ops);
    let max_request = options
        .max_request_bytes
        .unwrap_or(config.etcd.max_request_bytes);

    let commit = prepared.desired.revision.commit.to_string();
    let envelope = kv.request_envelope();
    let budget = max_request.saturating_sub(envelope).max(1);
    prepare::judge(&mut prepared, max_request, envelope);
    let config = &prepared.desired.config;
    let ops = guarded_ops(&prepared.plan);
    write::check_sizes(&ops, max_request, envelope, lock::key(config).len())?;
    check_prune_guard(
        &prepared.plan,
        config.apply.max_delete_fraction,
        options.allow_mass_delete,
    )?;

    let mut report = ApplyReport {
        dry_run: options.dry_run,
        policy: options.policy,
        transactions: 0,
        etcd_revision_after: prepared.etcd_revision,
        sync_point_recorded: false,
        signatures,
    };
    if options.dry_run {
        return Ok(Applied { prepared, report });
    }
    if !prepared.plan.conflicts.is_empty() {
        return Err(Error::Conflict {
            keys: prepared
                .plan
                .conflicts
                .iter()
                .map(|c| display_key(&c.key))
                .collect(),
            base: prepared
                .sync_point
                .as_ref()
                .map(|p| p.commit.clone())
                .unwrap_or_default(),
        });
    }
    // The sync point moves to the applied commit for every key this run makes agree (or
    // finds agreeing); keys left different (drift kept) keep their older base, so later runs
    // still tell which side changed what.
    let mut point = SyncPoint::new(commit.clone(), prepared.cluster_id, "apply");
    point.trusted = Some(commit.clone());
    point.set_unsettled(prepared.plan.unsettled(prepared.base.as_ref()));
    let moved = prepared
        .sync_point
        .as_ref()
        .is_none_or(|p| p.commit != point.commit || p.unsettled != point.unsettled);
    let fits = point.to_bytes().len() <= syncpoint::MAX_RECORD_BYTES;
    if !fits {
        tracing::warn!(
            unsettled = point.unsettled.len(),
            "too many keys differ between Git and etcd to record each one's base; the old sync \
             point stays"
        );
    }
    let records = fits && (moved || !ops.is_empty());
    if ops.is_empty() && !records {
        return Ok(Applied { prepared, report });
    }

    let owned = match held {
        Some(_) => None,
        None => {
            Some(lock::wait(kv, config, "apply", options.lock_ttl, options.lock_timeout).await?)
        }
    };
    let Some(lock) = held.or(owned.as_ref()) else {
        unreachable!("a lock is either held by the caller or taken here");
    };
    crate::testhook::run("before_write");
    let limits = write::Limits {
        ops: max_ops,
        bytes: budget,
    };
    let fence = Fence {
        key: &lock.key,
        lease: lock.lease,
    };
    let in_flight = options
        .txns_in_flight
        .unwrap_or(prepared.desired.config.etcd.txns_in_flight);
    let result = async {
        let written =
            write::execute_in_flight(kv, &ops, Some(fence), limits, in_flight, progress).await?;
        if !records {
            return Ok((written, None));
        }
        let guard = (
            prepared.etcd_revision,
            prepared.sync_point.as_ref().map_or(0, |p| p.recorded_at),
        );
        let key = syncpoint::key(&prepared.desired.config);
        let recorded = write::record(kv, &key, point, guard, &written, fence, limits).await?;
        Ok::<_, Error>((written, Some(recorded)))
    }
    .await;
    if let Some(lock) = owned {
        if let Err(err) = lock.release(kv).await {
            tracing::warn!(%err, "could not release the lock; it expires with its lease");
        }
    }
    let (written, recorded) = result?;
    report.transactions =
        written.revisions.len() + recorded.as_ref().map_or(0, |r| r.revisions.len());
    report.etcd_revision_after = recorded
        .as_ref()
        .or(Some(&written))
        .and_then(|w| w.revisions.last().copied())
        .unwrap_or(prepared.etcd_revision);
    report.sync_point_recorded = recorded.is_some();
    Ok(Applied { prepared, report })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan_with(deletes: usize, managed: usize) -> Plan {
        let mut plan = Plan {
            managed_in_etcd: managed,
            ..Plan::default()
        };
        for i in 0..deletes {
            plan.changes.push(crate::plan::Change {
                key: format!("/k/{i}").into_bytes(),
                action: Action::Delete,
                path: None,
                new_oid: None,
                old: Some(vec![]),
                new: None,
                class: crate::plan::Class::Unbased,
                expect_mod_revision: 1,
                secret: false,
                base_oid: None,
                base: None,
                apply: crate::plan::ApplyStep::Write,
                persist: crate::plan::PersistStep::Record,
                sealed: None,
            });
        }
        plan
    }

    #[test]
    fn prune_guard_refuses_mass_deletes() {
        assert!(check_prune_guard(&plan_with(25, 100), 0.25, false).is_ok());
        assert!(check_prune_guard(&plan_with(26, 100), 0.25, false).is_err());
        assert!(
            check_prune_guard(&plan_with(1, 1), 1.0, false).is_err(),
            "everything"
        );
        assert!(check_prune_guard(&plan_with(100, 100), 0.25, true).is_ok());
        assert!(check_prune_guard(&plan_with(0, 0), 0.25, false).is_ok());
    }
}
