//! Carry out a plan: make etcd hold a Git revision, in guarded, size-limited transactions.

use std::ops::Range;
use std::time::Duration;

use serde::Serialize;

use crate::desired::Desired;
use crate::error::Error;
use crate::git::Repo;
use crate::kv::{self, Fence, Guarded, Kv, TxnOutcome};
use crate::lock;
use crate::plan::{self, Action, Plan, Policy};
use crate::prepare::{self, Prepared};
use crate::progress::Progress;
use crate::render::display_key;
use crate::secrets::Identities;
use crate::syncpoint::{self, SyncPoint};

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
        }
    }
}

/// What `apply` did.
#[derive(Debug, Clone, Serialize)]
pub struct ApplyReport {
    pub dry_run: bool,
    pub policy: Policy,
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

/// Refuse, before the first write, any write that cannot fit in one etcd request of
/// `max_request` bytes, sized as etcd sizes it: encoded, with its guard, the fence on the
/// lock key of `lock_key_len` bytes and etcd's own `envelope`.
pub fn check_sizes(
    ops: &[Guarded<'_>],
    max_request: usize,
    envelope: usize,
    lock_key_len: usize,
) -> Result<(), Error> {
    for op in ops {
        let request = kv::wire::alone(op, lock_key_len) + envelope;
        if request > max_request {
            return Err(Error::ValueTooLarge {
                key: display_key(op.key),
                bytes: op.value.map_or(0, <[u8]>::len),
                request,
                limit: max_request,
            });
        }
    }
    Ok(())
}

/// The prune guard: an empty or wrong checkout must not wipe the cluster.
fn check_prune_guard(plan: &Plan, fraction: f64, allow: bool) -> Result<(), Error> {
    let deletes = plan.count(Action::Delete);
    let managed = plan.managed_in_etcd;
    if !allow && plan::is_mass_delete(deletes, managed, fraction) {
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

/// Make etcd hold the desired revision, by the three-way rule: Git-only changes are written,
/// drift is kept and reported, conflicts stop the run unless `options.policy` picks a side.
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
    let base = match options.policy {
        Policy::Force => None,
        _ => prepare::base(repo, &prepared)?,
    };
    let hash_kind = repo.gix().object_hash();
    plan::classify(&mut prepared.plan, base.as_ref(), options.policy, |v| {
        crate::git::blob_id(hash_kind, v)
    });
    let config = &prepared.desired.config;
    let max_ops = options.max_txn_ops.unwrap_or(config.etcd.max_txn_ops);
    let max_request = options
        .max_request_bytes
        .unwrap_or(config.etcd.max_request_bytes);

    let commit = prepared.desired.revision.commit.to_string();
    let envelope = kv.request_envelope();
    let budget = max_request.saturating_sub(envelope).max(1);
    let ops = guarded_ops(&prepared.plan);
    check_sizes(&ops, max_request, envelope, lock::key(config).len())?;
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
    point.set_unsettled(plan::unsettled(
        base.as_ref(),
        prepared.plan.kept.iter().map(|c| (c.key.as_slice(), true)),
    ));
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

    let lock = lock::wait(kv, config, "apply", options.lock_ttl, options.lock_timeout).await?;
    crate::testhook::run("before_write");
    let limits = Limits {
        ops: max_ops,
        bytes: budget,
    };
    let fence = Fence {
        key: &lock.key,
        lease: lock.lease,
    };
    let result = async {
        let written = execute(kv, &ops, Some(fence), limits, progress).await?;
        if !records {
            return Ok((written, None));
        }
        let recorded = record(kv, &prepared, point, &written, fence, limits).await?;
        Ok::<_, Error>((written, Some(recorded)))
    }
    .await;
    if let Err(err) = lock.release(kv).await {
        tracing::warn!(%err, "could not release the lock; it expires with its lease");
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

/// Record `point` as the new sync point after `written` made etcd equal to the revision read
/// in `prepared`. The record says what the run read and which revisions it wrote itself, so
/// that a key someone else wrote meanwhile still counts as changed since the agreement. It is
/// a guarded write like any other: a sync point moved by a concurrent run is not overwritten.
pub async fn record(
    kv: &mut impl Kv,
    prepared: &Prepared,
    mut point: SyncPoint,
    written: &Written,
    fence: Fence<'_>,
    limits: Limits,
) -> Result<Written, Error> {
    point.read_revision = Some(prepared.etcd_revision);
    for revision in &written.revisions {
        point.add_own_revision(*revision);
    }
    let key = syncpoint::key(&prepared.desired.config);
    let bytes = point.to_bytes();
    let op = Guarded {
        key: &key,
        value: Some(&bytes),
        expect_mod_revision: prepared.sync_point.as_ref().map_or(0, |p| p.recorded_at),
    };
    execute(kv, &[op], Some(fence), limits, &Progress::disabled()).await
}

/// What [`execute`] wrote.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Written {
    /// The revision of each transaction, in order.
    pub revisions: Vec<i64>,
}

/// Per-transaction limits for [`execute`].
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub ops: usize,
    pub bytes: usize,
}

/// What a transaction whose outcome is unknown turned out to have done.
enum Resolved {
    Applied(i64),
    NotApplied,
    Mixed(Vec<String>),
}

/// Write `ops` in guarded batches within `limits`, in order: an op placed last (the sync
/// point) lands in the final transaction, so it moves only when every batch is in. With a
/// `fence`, every transaction also requires the lock to be held. A transaction with an
/// unknown outcome (timeout, leader change, connection reset) is resolved by reading its
/// keys back, never by a blind retry.
pub async fn execute(
    kv: &mut impl Kv,
    ops: &[Guarded<'_>],
    fence: Option<Fence<'_>>,
    mut limits: Limits,
    progress: &Progress,
) -> Result<Written, Error> {
    if let Some(fence) = &fence {
        // The fence is one more compare, and etcd counts compares against --max-txn-ops too.
        limits.ops = limits.ops.saturating_sub(1).max(1);
        limits.bytes = limits.bytes.saturating_sub(kv::wire::fence(fence)).max(1);
    }
    let bar = progress.bar("writing etcd", ops.len() as u64);
    let mut written = Written::default();
    let mut done = 0;
    // Unknown outcomes in a row (a member down, an election): tolerated for a while, with
    // backoff, and forgotten after the next success.
    let mut failing_since: Option<std::time::Instant> = None;
    let mut backoff = Duration::from_millis(50);
    while done < ops.len() {
        let end = done + next_batch(&ops[done..], limits.ops, limits.bytes);
        let batch = &ops[done..end];
        match kv.guarded_txn(batch, fence).await {
            Ok(TxnOutcome::Committed { revision }) => {
                written.revisions.push(revision);
                done = end;
                bar.set(done as u64);
                failing_since = None;
                backoff = Duration::from_millis(50);
            }
            Ok(TxnOutcome::GuardFailed) => {
                if let Some(fence) = fence {
                    let holder = kv.get(fence.key).await?;
                    if holder.is_none_or(|h| h.lease != fence.lease) {
                        return Err(Error::LockLost {
                            transactions: written.revisions.len(),
                        });
                    }
                }
                let changed = changed_keys(kv, batch).await?;
                return Err(Error::ConcurrentModification {
                    keys: changed,
                    transactions: written.revisions.len(),
                });
            }
            // The server's limits are lower than configured: learn them and retry the same
            // batch smaller. Safe, since etcd refused the whole request before applying it.
            Err(kv::Error::TooManyOps { .. }) if batch.len() > 1 => {
                limits.ops = (batch.len() / 2).max(1);
                tracing::warn!(
                    op_limit = limits.ops,
                    "etcd allows fewer operations per transaction; retrying with smaller batches"
                );
            }
            Err(kv::Error::RequestTooLarge { .. }) if batch.len() > 1 => {
                limits.bytes /= 2;
                tracing::warn!(
                    byte_limit = limits.bytes,
                    "etcd allows smaller requests; retrying with smaller batches"
                );
            }
            Err(err)
                if err.is_transient()
                    && failing_since
                        .get_or_insert_with(std::time::Instant::now)
                        .elapsed()
                        < UNKNOWN_OUTCOME_PATIENCE =>
            {
                tracing::warn!(%err, "transaction outcome unknown; reading its keys back");
                let jitter = fastrand::u64(0..=backoff.as_millis() as u64 / 2);
                tokio::time::sleep(backoff + Duration::from_millis(jitter)).await;
                backoff = (backoff * 2).min(Duration::from_secs(2));
                match resolve(kv, batch).await? {
                    Resolved::Applied(revision) => {
                        written.revisions.push(revision);
                        done = end;
                        bar.set(done as u64);
                    }
                    Resolved::NotApplied => {
                        tracing::info!("the transaction did not apply; sending it again");
                    }
                    Resolved::Mixed(keys) => {
                        return Err(Error::ConcurrentModification {
                            keys,
                            transactions: written.revisions.len(),
                        });
                    }
                }
            }
            Err(err) => return Err(err.into()),
        }
    }
    Ok(written)
}

/// How long transactions may keep ending with an unknown outcome, in a row, before the run
/// gives up (leaving a state a rerun converges from).
const UNKNOWN_OUTCOME_PATIENCE: Duration = Duration::from_secs(30);

/// Read a batch's keys back after a transaction with an unknown outcome. All of them as the
/// transaction would leave them: it applied. All of them as the plan read them: it did not.
/// Anything else: someone else wrote meanwhile.
async fn resolve(kv: &mut impl Kv, batch: &[Guarded<'_>]) -> Result<Resolved, Error> {
    let (mut applied, mut untouched, mut revision) = (true, true, 0);
    let mut moved = Vec::new();
    for op in batch {
        let now = kv.get(op.key).await?;
        let as_written = match (&now, op.value) {
            (Some(kv), Some(value)) => {
                kv.value == value && kv.mod_revision != op.expect_mod_revision
            }
            (None, None) => op.expect_mod_revision != 0,
            _ => false,
        };
        let as_planned = now.as_ref().map_or(0, |kv| kv.mod_revision) == op.expect_mod_revision;
        if let Some(kv) = &now {
            revision = revision.max(kv.mod_revision);
        }
        applied &= as_written;
        untouched &= as_planned;
        if !as_written && !as_planned {
            moved.push(display_key(op.key));
        }
    }
    Ok(if applied {
        Resolved::Applied(revision)
    } else if untouched {
        Resolved::NotApplied
    } else {
        Resolved::Mixed(moved)
    })
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
        let err = check_sizes(&ops, 1000, 64, 30).unwrap_err();
        assert!(err.to_string().contains("/big"), "{err}");
        assert!(err.to_string().contains("5000 bytes"), "{err}");
        check_sizes(&ops[..1], 1000, 64, 30).expect("a small op fits");
    }

    fn run<T>(fut: impl std::future::Future<Output = T>) -> T {
        tokio::runtime::Builder::new_current_thread()
            .build()
            .expect("runtime")
            .block_on(fut)
    }

    const POINT: &str = "/netsync/sync/x";

    /// `n` puts named `/k/NN`, then the sync point.
    fn ops_with_point(n: usize) -> Vec<Guarded<'static>> {
        let mut ops: Vec<Guarded> = (0..n)
            .map(|i| put(format!("/k/{i:02}").leak(), 3))
            .collect();
        ops.push(put(POINT, 2));
        ops
    }

    #[test]
    fn execute_writes_every_batch_and_the_sync_point_last() {
        let ops = ops_with_point(10);
        let mut kv = MemoryKv::default();
        let limits = Limits {
            ops: 3,
            bytes: 1 << 20,
        };
        let written = run(execute(&mut kv, &ops, None, limits, &Progress::disabled())).unwrap();
        assert_eq!(written.revisions.len(), 4);
        let revision = *written.revisions.last().unwrap();
        assert_eq!(kv.data.len(), 11);
        assert_eq!(
            kv.data[POINT.as_bytes()].mod_revision,
            revision,
            "sync point in the last txn"
        );
        assert_eq!(kv.data[b"/k/09".as_slice()].mod_revision, revision);
        assert!(kv.data[b"/k/00".as_slice()].mod_revision < revision);
    }

    #[test]
    fn execute_stops_on_a_failed_guard_without_moving_the_sync_point() {
        let ops = ops_with_point(6);
        let mut kv = MemoryKv::default();
        kv.put(b"/k/04", b"someone else");
        let limits = Limits {
            ops: 3,
            bytes: 1 << 20,
        };
        let err = run(execute(&mut kv, &ops, None, limits, &Progress::disabled())).unwrap_err();
        match err {
            Error::ConcurrentModification { keys, transactions } => {
                assert_eq!(keys, vec!["/k/04".to_owned()]);
                assert_eq!(transactions, 1);
            }
            other => panic!("unexpected {other}"),
        }
        assert_eq!(kv.data[b"/k/04".as_slice()].value, b"someone else");
        assert!(!kv.data.contains_key(b"/k/05".as_slice()));
        assert!(!kv.data.contains_key(POINT.as_bytes()));
    }

    #[test]
    fn execute_stops_when_the_fence_no_longer_holds() {
        let ops = ops_with_point(4);
        let mut kv = MemoryKv::default();
        kv.put(b"/lock", b"holder");
        let fence = Fence {
            key: b"/lock",
            lease: 42,
        };
        let limits = Limits {
            ops: 2,
            bytes: 1 << 20,
        };
        let err = run(execute(
            &mut kv,
            &ops,
            Some(fence),
            limits,
            &Progress::disabled(),
        ))
        .unwrap_err();
        assert!(matches!(err, Error::LockLost { transactions: 0 }), "{err}");
        assert_eq!(kv.data.len(), 1, "nothing written without the lock");
    }

    #[test]
    fn execute_learns_a_lower_server_limit() {
        let ops = ops_with_point(20);
        let mut kv = MemoryKv {
            max_txn_ops: Some(4),
            ..MemoryKv::default()
        };
        let limits = Limits {
            ops: 127,
            bytes: 1 << 20,
        };
        run(execute(&mut kv, &ops, None, limits, &Progress::disabled())).unwrap();
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
                class: crate::plan::Class::Unbased,
                expect_mod_revision: 1,
                secret: false,
                base_oid: None,
                base: None,
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
