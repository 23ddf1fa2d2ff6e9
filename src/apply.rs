//! Carry out a plan: make etcd hold a Git revision, in guarded, size-limited transactions.

use std::ops::Range;

use serde::Serialize;

use crate::desired::Desired;
use crate::error::Error;
use crate::git::Repo;
use crate::kv::{self, Guarded, Kv, TxnOutcome};
use crate::plan::{Action, Plan};
use crate::prepare::{self, Prepared};
use crate::progress::Progress;
use crate::render::display_key;
use crate::secrets::Identities;
use crate::syncpoint::{self, SyncPoint};

/// Bytes of a transaction request that are not keys and values (header, framing).
const REQUEST_OVERHEAD: usize = 4096;

/// What the user asked `apply` to do.
#[derive(Debug, Clone, Default)]
pub struct ApplyOptions {
    pub dry_run: bool,
    /// Let the prune guard pass.
    pub allow_mass_delete: bool,
    /// Override `etcd.max_txn_ops` of the config.
    pub max_txn_ops: Option<usize>,
    /// Override `etcd.max_request_bytes` of the config.
    pub max_request_bytes: Option<usize>,
}

/// What `apply` did.
#[derive(Debug, Clone, Serialize)]
pub struct ApplyReport {
    pub dry_run: bool,
    /// Transactions committed (including the one recording the sync point).
    pub transactions: usize,
    /// etcd revision after the last write; the read revision when nothing was written.
    pub etcd_revision_after: i64,
    pub sync_point_recorded: bool,
}

/// The outcome of `apply`: the plan it carried out and what happened.
pub struct Applied {
    pub prepared: Prepared,
    pub report: ApplyReport,
}

/// The length of the first batch of `ops`: at most `max_ops` operations and `max_bytes`
/// request bytes, and at least one operation (an op too large alone is caught earlier by
/// [`check_sizes`]).
pub fn next_batch(ops: &[Guarded], max_ops: usize, max_bytes: usize) -> usize {
    let mut bytes = 0;
    for (i, op) in ops.iter().enumerate().take(max_ops.max(1)) {
        bytes += op.request_bytes();
        if i > 0 && bytes > max_bytes {
            return i;
        }
    }
    ops.len().min(max_ops.max(1))
}

/// Split `ops` into consecutive batches with [`next_batch`].
pub fn batches(ops: &[Guarded], max_ops: usize, max_bytes: usize) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    let mut start = 0;
    while start < ops.len() {
        let len = next_batch(&ops[start..], max_ops, max_bytes);
        out.push(start..start + len);
        start += len;
    }
    out
}

/// Refuse, before the first write, any value that cannot fit in one etcd request.
fn check_sizes(ops: &[Guarded], max_bytes: usize) -> Result<(), Error> {
    for op in ops {
        if op.request_bytes() > max_bytes {
            return Err(Error::ValueTooLarge {
                key: display_key(&op.key),
                bytes: op.value.as_ref().map_or(0, Vec::len),
                limit: max_bytes,
            });
        }
    }
    Ok(())
}

/// The prune guard: an empty or wrong checkout must not wipe the cluster.
fn check_prune_guard(plan: &Plan, fraction: f64, allow: bool) -> Result<(), Error> {
    let deletes = plan.count(Action::Delete);
    let managed = plan.managed_in_etcd;
    if allow || deletes == 0 {
        return Ok(());
    }
    let everything = deletes == managed;
    let too_many = deletes as f64 > fraction * managed as f64;
    if everything || too_many {
        return Err(Error::PruneGuard {
            deletes,
            managed,
            percent: fraction * 100.0,
        });
    }
    Ok(())
}

fn guarded_ops(plan: &Plan) -> Vec<Guarded> {
    plan.changes
        .iter()
        .map(|c| Guarded {
            key: c.key.clone(),
            value: match c.action {
                Action::Delete => None,
                Action::Add | Action::Change => Some(c.new.clone().unwrap_or_default()),
            },
            expect_mod_revision: c.expect_mod_revision,
        })
        .collect()
}

/// Make etcd hold the desired revision.
pub async fn apply(
    repo: &Repo,
    desired: Desired,
    kv: &mut impl Kv,
    options: &ApplyOptions,
    identities: &Identities,
    progress: &Progress,
) -> Result<Applied, Error> {
    let mut prepared = prepare::prepare(repo, desired, kv, progress).await?;
    // Guarantee 2: every secret decrypts and is bound to its key before the first write.
    prepare::load_new_values(repo, &mut prepared.plan, identities)?;
    let config = &prepared.desired.config;
    let max_ops = options.max_txn_ops.unwrap_or(config.etcd.max_txn_ops);
    let max_request = options
        .max_request_bytes
        .unwrap_or(config.etcd.max_request_bytes);

    let commit = prepared.desired.revision.commit.to_string();
    let point = SyncPoint::new(commit.clone(), prepared.cluster_id, "apply");
    let point_entry = (syncpoint::key(config), point.to_bytes());
    // The sync point rides in the last transaction, so it moves only when every batch is in.
    let reserve = point_entry.0.len() + point_entry.1.len() + 64;
    let budget = max_request
        .saturating_sub(REQUEST_OVERHEAD + reserve)
        .max(1);
    let ops = guarded_ops(&prepared.plan);
    check_sizes(&ops, budget)?;
    check_prune_guard(
        &prepared.plan,
        config.apply.max_delete_fraction,
        options.allow_mass_delete,
    )?;

    let needs_point =
        prepared.sync_point.as_ref().map(|p| p.commit.as_str()) != Some(commit.as_str());
    let mut report = ApplyReport {
        dry_run: options.dry_run,
        transactions: 0,
        etcd_revision_after: prepared.etcd_revision,
        sync_point_recorded: false,
    };
    if options.dry_run || (ops.is_empty() && !needs_point) {
        return Ok(Applied { prepared, report });
    }

    crate::testhook::run("before_write");
    let bar = progress.bar("writing etcd", ops.len() as u64);
    let mut op_limit = max_ops.saturating_sub(1).max(1);
    let mut byte_limit = budget;
    let mut done = 0;
    loop {
        let end = done + next_batch(&ops[done..], op_limit, byte_limit);
        let last = end == ops.len();
        let extra = if last {
            std::slice::from_ref(&point_entry)
        } else {
            &[]
        };
        match kv.guarded_txn(&ops[done..end], extra).await {
            Ok(TxnOutcome::Committed { revision }) => {
                report.transactions += 1;
                report.etcd_revision_after = revision;
                bar.set(end as u64);
                done = end;
                if last {
                    report.sync_point_recorded = true;
                    break;
                }
            }
            Ok(TxnOutcome::GuardFailed) => {
                bar.finish();
                let changed = changed_keys(kv, &ops[done..end]).await?;
                return Err(Error::ConcurrentModification {
                    keys: changed,
                    transactions: report.transactions,
                });
            }
            // The server's limits are lower than configured: learn them and retry the same
            // batch smaller. Safe, since etcd refused the whole request before applying it.
            Err(kv::Error::TooManyOps { .. }) if end - done > 1 => {
                op_limit = ((end - done) / 2).max(1);
                tracing::warn!(
                    op_limit,
                    "etcd allows fewer operations per transaction; retrying with smaller batches"
                );
            }
            Err(kv::Error::RequestTooLarge { .. }) if end - done > 1 => {
                byte_limit /= 2;
                tracing::warn!(
                    byte_limit,
                    "etcd allows smaller requests; retrying with smaller batches"
                );
            }
            Err(err) => {
                bar.finish();
                return Err(err.into());
            }
        }
    }
    bar.finish();
    Ok(Applied { prepared, report })
}

/// After a failed guard: which keys of the batch moved since the plan read them.
async fn changed_keys(kv: &mut impl Kv, ops: &[Guarded]) -> Result<Vec<String>, Error> {
    let mut changed = Vec::new();
    for op in ops {
        let now = kv.get(&op.key).await?.map_or(0, |e| e.mod_revision);
        if now != op.expect_mod_revision {
            changed.push(display_key(&op.key));
        }
    }
    Ok(changed)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn put(key: &str, size: usize) -> Guarded {
        Guarded {
            key: key.as_bytes().to_vec(),
            value: Some(vec![b'x'; size]),
            expect_mod_revision: 0,
        }
    }

    #[test]
    fn batches_respect_op_and_byte_limits() {
        let ops: Vec<Guarded> = (0..300).map(|i| put(&format!("/k/{i:03}"), 10)).collect();
        let b = batches(&ops, 128, usize::MAX);
        assert_eq!(b, vec![0..128, 128..256, 256..300]);
        let size = ops[0].request_bytes();
        let b = batches(&ops, 1000, size * 100);
        assert!(b.iter().all(|r| r.len() <= 100));
        assert_eq!(b.iter().map(|r| r.len()).sum::<usize>(), 300);
    }

    #[test]
    fn an_oversized_op_is_alone_and_rejected_by_check_sizes() {
        let ops = vec![put("/a", 10), put("/big", 5000), put("/c", 10)];
        assert_eq!(batches(&ops, 128, 1000), vec![0..1, 1..2, 2..3]);
        let err = check_sizes(&ops, 1000).unwrap_err();
        assert!(err.to_string().contains("/big"), "{err}");
    }

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
                expect_mod_revision: 1,
                secret: false,
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
