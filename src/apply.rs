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
pub fn next_batch(ops: &[Guarded<'_>], max_ops: usize, max_bytes: usize) -> usize {
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
pub fn batches(ops: &[Guarded<'_>], max_ops: usize, max_bytes: usize) -> Vec<Range<usize>> {
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
fn check_sizes(ops: &[Guarded<'_>], max_bytes: usize) -> Result<(), Error> {
    for op in ops {
        if op.request_bytes() > max_bytes {
            return Err(Error::ValueTooLarge {
                key: display_key(op.key),
                bytes: op.value.map_or(0, <[u8]>::len),
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
    let limits = Limits {
        ops: max_ops.saturating_sub(1).max(1),
        bytes: budget,
    };
    let (transactions, revision) = execute(kv, &ops, &point_entry, limits, progress).await?;
    report.transactions = transactions;
    report.etcd_revision_after = revision;
    report.sync_point_recorded = true;
    Ok(Applied { prepared, report })
}

/// Per-transaction limits for [`execute`].
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub ops: usize,
    pub bytes: usize,
}

/// Write `ops` in guarded batches within `limits`; `last` (the sync point) rides in the final
/// transaction so that it moves only when every batch is in. Returns the number of
/// transactions and the revision of the last one.
pub async fn execute(
    kv: &mut impl Kv,
    ops: &[Guarded<'_>],
    last: &(Vec<u8>, Vec<u8>),
    mut limits: Limits,
    progress: &Progress,
) -> Result<(usize, i64), Error> {
    let bar = progress.bar("writing etcd", ops.len() as u64);
    let mut transactions = 0;
    let mut done = 0;
    loop {
        let end = done + next_batch(&ops[done..], limits.ops, limits.bytes);
        let is_last = end == ops.len();
        let extra = if is_last {
            std::slice::from_ref(last)
        } else {
            &[]
        };
        match kv.guarded_txn(&ops[done..end], extra).await {
            Ok(TxnOutcome::Committed { revision }) => {
                transactions += 1;
                bar.set(end as u64);
                done = end;
                if is_last {
                    return Ok((transactions, revision));
                }
            }
            Ok(TxnOutcome::GuardFailed) => {
                let changed = changed_keys(kv, &ops[done..end]).await?;
                return Err(Error::ConcurrentModification {
                    keys: changed,
                    transactions,
                });
            }
            // The server's limits are lower than configured: learn them and retry the same
            // batch smaller. Safe, since etcd refused the whole request before applying it.
            Err(kv::Error::TooManyOps { .. }) if end - done > 1 => {
                limits.ops = ((end - done) / 2).max(1);
                tracing::warn!(
                    op_limit = limits.ops,
                    "etcd allows fewer operations per transaction; retrying with smaller batches"
                );
            }
            Err(kv::Error::RequestTooLarge { .. }) if end - done > 1 => {
                limits.bytes /= 2;
                tracing::warn!(
                    byte_limit = limits.bytes,
                    "etcd allows smaller requests; retrying with smaller batches"
                );
            }
            Err(err) => return Err(err.into()),
        }
    }
}

/// After a failed guard: which keys of the batch moved since the plan read them.
async fn changed_keys(kv: &mut impl Kv, ops: &[Guarded<'_>]) -> Result<Vec<String>, Error> {
    let mut changed = Vec::new();
    for op in ops {
        let now = kv.get(op.key).await?.map_or(0, |e| e.mod_revision);
        if now != op.expect_mod_revision {
            changed.push(display_key(op.key));
        }
    }
    Ok(changed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kv::memory::MemoryKv;

    fn put(key: &'static str, size: usize) -> Guarded<'static> {
        Guarded {
            key: key.as_bytes(),
            value: Some(&VALUE[..size]),
            expect_mod_revision: 0,
        }
    }

    static VALUE: [u8; 8192] = [b'x'; 8192];

    #[test]
    fn batches_respect_op_and_byte_limits() {
        let keys: Vec<&'static str> = (0..300).map(|i| &*format!("/k/{i:03}").leak()).collect();
        let ops: Vec<Guarded> = keys.iter().map(|k| put(k, 10)).collect();
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

    fn run<T>(fut: impl std::future::Future<Output = T>) -> T {
        tokio::runtime::Builder::new_current_thread()
            .build()
            .expect("runtime")
            .block_on(fut)
    }

    const POINT: &[u8] = b"/netsync/sync/x";

    fn point() -> (Vec<u8>, Vec<u8>) {
        (POINT.to_vec(), b"{}".to_vec())
    }

    #[test]
    fn execute_writes_every_batch_and_the_sync_point_last() {
        let keys: Vec<&'static str> = (0..10).map(|i| &*format!("/k/{i}").leak()).collect();
        let ops: Vec<Guarded> = keys.iter().map(|k| put(k, 3)).collect();
        let mut kv = MemoryKv::default();
        let limits = Limits {
            ops: 3,
            bytes: 1 << 20,
        };
        let (txns, revision) = run(execute(
            &mut kv,
            &ops,
            &point(),
            limits,
            &Progress::disabled(),
        ))
        .unwrap();
        assert_eq!(txns, 4);
        assert_eq!(kv.data.len(), 11);
        assert_eq!(
            kv.data[POINT].mod_revision, revision,
            "sync point in the last txn"
        );
        assert_eq!(kv.data[b"/k/9".as_slice()].mod_revision, revision);
        assert!(kv.data[b"/k/0".as_slice()].mod_revision < revision);
    }

    #[test]
    fn execute_stops_on_a_failed_guard_without_moving_the_sync_point() {
        let keys: Vec<&'static str> = (0..6).map(|i| &*format!("/k/{i}").leak()).collect();
        let ops: Vec<Guarded> = keys.iter().map(|k| put(k, 3)).collect();
        let mut kv = MemoryKv::default();
        kv.put(b"/k/4", b"someone else");
        let limits = Limits {
            ops: 3,
            bytes: 1 << 20,
        };
        let err = run(execute(
            &mut kv,
            &ops,
            &point(),
            limits,
            &Progress::disabled(),
        ))
        .unwrap_err();
        match err {
            Error::ConcurrentModification { keys, transactions } => {
                assert_eq!(keys, vec!["/k/4".to_owned()]);
                assert_eq!(transactions, 1);
            }
            other => panic!("unexpected {other}"),
        }
        assert_eq!(kv.data[b"/k/4".as_slice()].value, b"someone else");
        assert!(!kv.data.contains_key(b"/k/5".as_slice()));
        assert!(!kv.data.contains_key(POINT));
    }

    #[test]
    fn execute_learns_a_lower_server_limit() {
        let keys: Vec<&'static str> = (0..20).map(|i| &*format!("/k/{i:02}").leak()).collect();
        let ops: Vec<Guarded> = keys.iter().map(|k| put(k, 3)).collect();
        let mut kv = MemoryKv {
            max_txn_ops: Some(4),
            ..MemoryKv::default()
        };
        let limits = Limits {
            ops: 127,
            bytes: 1 << 20,
        };
        run(execute(
            &mut kv,
            &ops,
            &point(),
            limits,
            &Progress::disabled(),
        ))
        .unwrap();
        assert_eq!(kv.data.len(), 21);
        assert!(kv.txns >= 7, "{} transactions", kv.txns);
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
