//! The shared batch executor: write guarded operations in transactions that fit etcd's
//! limits, fenced on the lock, resolving unknown outcomes by reading back. `apply`, `restore`
//! and the sync point's own record write through it.

use std::collections::VecDeque;
use std::ops::Range;
use std::time::{Duration, Instant};

use tokio::task::JoinSet;

use crate::keypath::display_key;
use crate::kv::{self, Fence, Guarded, Kv, TxnOutcome};
use crate::progress::Progress;
use crate::syncpoint::SyncPoint;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("the value of {key} is {bytes} bytes, more than fits in one etcd request: written with its guards it makes a {request}-byte request, over the {limit} bytes of --max-request-bytes")]
    ValueTooLarge {
        key: String,
        bytes: usize,
        request: usize,
        limit: usize,
    },
    #[error("{} changed in etcd after netsync read {}; nothing was overwritten ({transactions} earlier transaction(s) of this run were applied)",
        keys.join(", "), if keys.len() == 1 { "it" } else { "them" })]
    ConcurrentModification {
        keys: Vec<String>,
        transactions: usize,
    },
    #[error("lost the etcd lock (lease expired, process paused or cut off); stopped before writing more ({transactions} transaction(s) of this run were applied)")]
    LockLost { transactions: usize },
    #[error("etcd refused the value of {key} ({bytes} bytes) as too large: the servers' --max-request-bytes is lower than netsync was told ({transactions} earlier transaction(s) of this run were applied)")]
    RefusedAsTooLarge {
        key: String,
        bytes: usize,
        transactions: usize,
    },
    #[error(transparent)]
    Kv(#[from] kv::Error),
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
        check_size(
            op.key,
            op.value.map(<[u8]>::len),
            op.expect_mod_revision,
            max_request,
            envelope,
            lock_key_len,
        )?;
    }
    Ok(())
}

/// [`check_sizes`] of one write known by its key and value size (`None`: a delete).
pub fn check_size(
    key: &[u8],
    value_len: Option<usize>,
    expect_mod_revision: i64,
    max_request: usize,
    envelope: usize,
    lock_key_len: usize,
) -> Result<(), Error> {
    let request = kv::wire::write(key.len(), value_len, expect_mod_revision)
        + kv::wire::fence_for_key(lock_key_len)
        + envelope;
    if request > max_request {
        return Err(Error::ValueTooLarge {
            key: display_key(key),
            bytes: value_len.unwrap_or(0),
            request,
            limit: max_request,
        });
    }
    Ok(())
}

/// Record `point` as the new sync point after `written` made etcd equal to what was read at
/// `read_revision`. The record says what the run read and which revisions it wrote itself,
/// so that a key someone else wrote meanwhile still counts as changed since the agreement.
/// It is a guarded write like any other (`expect_mod_revision`: the record's revision as
/// read, 0 for none): a sync point moved by a concurrent run is not overwritten.
pub async fn record(
    kv: &mut impl Kv,
    key: &[u8],
    mut point: SyncPoint,
    guard: (i64, i64),
    written: &Written,
    fence: Fence<'_>,
    limits: Limits,
) -> Result<Written, Error> {
    let (read_revision, expect_mod_revision) = guard;
    point.read_revision = Some(read_revision);
    for revision in &written.revisions {
        point.add_own_revision(*revision);
    }
    let bytes = point.to_bytes();
    let op = Guarded {
        key,
        value: Some(&bytes),
        expect_mod_revision,
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

/// Write `ops` in guarded batches within `limits`, one transaction at a time: see
/// [`execute_in_flight`].
pub async fn execute(
    kv: &mut impl Kv,
    ops: &[Guarded<'_>],
    fence: Option<Fence<'_>>,
    limits: Limits,
    progress: &Progress,
) -> Result<Written, Error> {
    execute_in_flight(kv, ops, fence, limits, 1, progress).await
}

/// Write `ops` in guarded batches within `limits`, with up to `in_flight` transactions sent
/// and not yet answered (etcd folds concurrent proposals into one Raft entry and one disk
/// sync). What holds for one transaction at a time holds here:
///
/// - every transaction compares each key's `mod_revision` with the one the plan read and,
///   with a `fence`, requires the lock to be held;
/// - the batch holding the last op is sent alone, once every other batch is in, so that an op
///   placed last (a sync point) moves only when everything else is written;
/// - a transaction with an unknown outcome (timeout, leader change, connection reset) is
///   resolved by reading its keys back, never by a blind retry;
/// - at the first failure nothing more is sent, every transaction still in flight is waited
///   for, and the error counts the transactions that were applied.
///
/// Batches write disjoint keys, so whichever of them are in when a run is killed, a rerun
/// plans from what etcd holds and converges.
pub async fn execute_in_flight(
    kv: &mut impl Kv,
    ops: &[Guarded<'_>],
    fence: Option<Fence<'_>>,
    mut limits: Limits,
    in_flight: usize,
    progress: &Progress,
) -> Result<Written, Error> {
    if let Some(fence) = &fence {
        // The fence is one more compare, and etcd counts compares against --max-txn-ops too.
        limits.ops = limits.ops.saturating_sub(1).max(1);
        limits.bytes = limits.bytes.saturating_sub(kv::wire::fence(fence)).max(1);
    }
    // A user whose role may write only part of the keys: refused before the first write.
    let keys: Vec<&[u8]> = ops.iter().map(|op| op.key).collect();
    kv.may_write(&keys).await?;
    drop(keys);
    let bar = progress.bar("writing etcd", ops.len() as u64);
    let mut batches = Batches {
        len: ops.len(),
        cursor: 0,
        queue: VecDeque::new(),
    };
    let mut pending: JoinSet<(Range<usize>, bool, Instant, kv::Sent)> = JoinSet::new();
    let mut written = Written::default();
    let mut done = 0;
    // Unknown outcomes in a row (a member down, an election): tolerated for a while, with
    // backoff, and forgotten after the next success.
    let mut failing_since: Option<Instant> = None;
    let mut backoff = Duration::from_millis(50);
    // When the last backoff ended: transactions sent before it failed in the same wave (a
    // member lost with several in flight), and are read back without waiting again.
    let mut waited_until: Option<Instant> = None;
    let mut failure: Option<Error> = None;
    loop {
        while failure.is_none() && pending.len() < in_flight.max(1) {
            let Some((range, unknown_before)) = batches.next(ops, limits, !pending.is_empty())
            else {
                break;
            };
            let sent = kv.send_guarded_txn(&ops[range.clone()], fence);
            let at = Instant::now();
            pending.spawn(async move { (range, unknown_before, at, sent.await) });
            crate::testhook::run("after_send");
        }
        let Some(joined) = pending.join_next().await else {
            // Nothing in flight: either everything is in, or a failure stopped the sending.
            break;
        };
        let (range, unknown_before, sent_at, sent) = match joined {
            Ok(answer) => answer,
            Err(err) => std::panic::resume_unwind(err.into_panic()),
        };
        let batch = &ops[range.clone()];
        let mut applied = |revision: i64, written: &mut Written| {
            written.revisions.push(revision);
            done += batch.len();
            bar.set(done as u64);
        };
        match sent.outcome {
            Ok(TxnOutcome::Committed { revision }) => {
                applied(revision, &mut written);
                failing_since = None;
                backoff = Duration::from_millis(50);
            }
            Ok(TxnOutcome::GuardFailed) => {
                // This batch was sent before with no answer, read back as not applied, and
                // sent again: the first attempt may have landed since.
                if unknown_before {
                    match resolve(kv, batch).await {
                        Ok(Resolved::Applied(revision)) => {
                            tracing::info!("the transaction sent before applied after all");
                            applied(revision, &mut written);
                            continue;
                        }
                        Ok(_) => {}
                        Err(err) => {
                            failure.get_or_insert(err);
                            continue;
                        }
                    }
                }
                if failure.is_none() {
                    failure = Some(match guard_failure(kv, batch, fence).await {
                        Ok(err) | Err(err) => err,
                    });
                }
            }
            // The server's limits are lower than configured: learn them and send the batch
            // again, smaller. Safe, since etcd refused the whole request before applying it.
            Err(kv::Error::TooManyOps { .. }) if batch.len() > 1 => {
                let ops_limit = (batch.len() / 2).max(1);
                if ops_limit < limits.ops {
                    limits.ops = ops_limit;
                    tracing::warn!(
                        op_limit = limits.ops,
                        "etcd allows fewer operations per transaction; retrying with smaller batches"
                    );
                }
                batches.again(range, unknown_before);
            }
            Err(kv::Error::RequestTooLarge { .. }) if batch.len() > 1 => {
                let bytes = (batch.iter().map(Guarded::request_bytes).sum::<usize>() / 2).max(1);
                if bytes < limits.bytes {
                    limits.bytes = bytes;
                    tracing::warn!(
                        byte_limit = limits.bytes,
                        "etcd allows smaller requests; retrying with smaller batches"
                    );
                }
                batches.again(range, unknown_before);
            }
            Err(kv::Error::RequestTooLarge { .. }) => {
                failure.get_or_insert(Error::RefusedAsTooLarge {
                    key: display_key(batch[0].key),
                    bytes: batch[0].value.map_or(0, <[u8]>::len),
                    transactions: 0,
                });
            }
            Err(err)
                if err.is_transient()
                    && failing_since.get_or_insert_with(Instant::now).elapsed()
                        < UNKNOWN_OUTCOME_PATIENCE =>
            {
                tracing::warn!(%err, "transaction outcome unknown; reading its keys back");
                if matches!(err, kv::Error::Timeout(_)) {
                    // No answer at all: the member may hang; read back on another one.
                    kv.lost_answer(sent.connection).await;
                }
                if waited_until.is_none_or(|until| sent_at >= until) {
                    let jitter = fastrand::u64(0..=backoff.as_millis() as u64 / 2);
                    tokio::time::sleep(backoff + Duration::from_millis(jitter)).await;
                    backoff = (backoff * 2).min(Duration::from_secs(2));
                    waited_until = Some(Instant::now());
                }
                match resolve(kv, batch).await {
                    Ok(Resolved::Applied(revision)) => applied(revision, &mut written),
                    // After a failure nothing more is sent: a batch that did not apply stays
                    // out, for the rerun.
                    Ok(Resolved::NotApplied) if failure.is_some() => {}
                    Ok(Resolved::NotApplied) => {
                        tracing::info!("the transaction did not apply; sending it again");
                        batches.again(range, true);
                    }
                    Ok(Resolved::Mixed(keys)) => {
                        failure.get_or_insert(Error::ConcurrentModification {
                            keys,
                            transactions: 0,
                        });
                    }
                    Err(err) => {
                        failure.get_or_insert(err);
                    }
                }
            }
            Err(err) => {
                failure.get_or_insert(err.into());
            }
        }
    }
    written.revisions.sort_unstable();
    match failure {
        None => Ok(written),
        Some(err) => Err(err.with_transactions(written.revisions.len())),
    }
}

/// Which ranges of the ops go out next: resends and re-split batches first, then new batches
/// from the cursor; the batch holding the last op only when nothing else is outstanding.
struct Batches {
    len: usize,
    /// Ops before this were batched (sent, or in `queue`).
    cursor: usize,
    /// Ranges to send again (unanswered and read back as not applied, or refused as too
    /// large), with whether an earlier attempt's outcome was unknown.
    queue: VecDeque<(Range<usize>, bool)>,
}

impl Batches {
    /// The next batch to send within `limits`; `None` when there is none, or when only the
    /// last op's batch is left and transactions are still `outstanding`.
    fn next(
        &mut self,
        ops: &[Guarded<'_>],
        limits: Limits,
        outstanding: bool,
    ) -> Option<(Range<usize>, bool)> {
        let waiting = |range: &Range<usize>, others: bool| range.end == self.len && others;
        let rest = self.cursor < self.len;
        if let Some(i) = (0..self.queue.len()).find(|&i| {
            let others = outstanding || rest || self.queue.len() > 1;
            !waiting(&self.queue[i].0, others)
        }) {
            let (range, unknown) = self.queue.remove(i)?;
            let len = next_batch(&ops[range.clone()], limits.ops, limits.bytes);
            if len < range.len() {
                self.queue
                    .insert(i, (range.start + len..range.end, unknown));
            }
            return Some((range.start..range.start + len, unknown));
        }
        if !rest {
            return None;
        }
        let len = next_batch(&ops[self.cursor..], limits.ops, limits.bytes);
        let range = self.cursor..self.cursor + len;
        if waiting(&range, outstanding || !self.queue.is_empty()) {
            return None;
        }
        self.cursor = range.end;
        Some((range, false))
    }

    /// Send `range` again (split anew under the limits then in force).
    fn again(&mut self, range: Range<usize>, unknown: bool) {
        self.queue.push_back((range, unknown));
    }
}

/// A batch's guard failed (and not because an earlier attempt of it landed): the lock is
/// lost, or someone else changed keys of the batch since the plan read them.
async fn guard_failure(
    kv: &mut impl Kv,
    batch: &[Guarded<'_>],
    fence: Option<Fence<'_>>,
) -> Result<Error, Error> {
    if let Some(fence) = fence {
        let holder = kv.get(fence.key).await?;
        if holder.is_none_or(|h| h.lease != fence.lease) {
            return Ok(Error::LockLost { transactions: 0 });
        }
    }
    Ok(Error::ConcurrentModification {
        keys: changed_keys(kv, batch).await?,
        transactions: 0,
    })
}

impl Error {
    /// The error of a later part of a run, counting the `earlier` parts' transactions too.
    pub fn after(self, earlier: usize) -> Self {
        let applied = match &self {
            Error::ConcurrentModification { transactions, .. }
            | Error::LockLost { transactions }
            | Error::RefusedAsTooLarge { transactions, .. } => *transactions,
            _ => return self,
        };
        self.with_transactions(applied + earlier)
    }

    /// The error, saying how many transactions of the run were applied.
    fn with_transactions(self, applied: usize) -> Self {
        match self {
            Error::ConcurrentModification { keys, .. } => Error::ConcurrentModification {
                keys,
                transactions: applied,
            },
            Error::LockLost { .. } => Error::LockLost {
                transactions: applied,
            },
            Error::RefusedAsTooLarge { key, bytes, .. } => Error::RefusedAsTooLarge {
                key,
                bytes,
                transactions: applied,
            },
            other => other,
        }
    }
}

/// How long transactions may keep ending with an unknown outcome, in a row, before the run
/// gives up (leaving a state a rerun converges from).
const UNKNOWN_OUTCOME_PATIENCE: Duration = Duration::from_secs(30);

/// Read a batch's keys back after a transaction with an unknown outcome, all at one
/// revision. All of them as the transaction would leave them: it applied. All of them as the
/// plan read them: it did not (yet: it may still land, which the resend's guards catch).
/// Anything else: someone else wrote meanwhile, and the keys they wrote are named.
async fn resolve(kv: &mut impl Kv, batch: &[Guarded<'_>]) -> Result<Resolved, Error> {
    let keys: Vec<&[u8]> = batch.iter().map(|op| op.key).collect();
    let now = kv.get_many(&keys).await?;
    let (mut applied, mut untouched, mut revision) = (true, true, 0);
    let (mut moved, mut as_ours) = (Vec::new(), Vec::new());
    for (op, now) in batch.iter().zip(&now) {
        let as_written = written_as_planned(op, now.as_ref());
        let as_planned = now.as_ref().map_or(0, |kv| kv.mod_revision) == op.expect_mod_revision;
        if let Some(kv) = now {
            revision = revision.max(kv.mod_revision);
        }
        applied &= as_written;
        untouched &= as_planned;
        if as_written {
            as_ours.push(display_key(op.key));
        } else if !as_planned {
            moved.push(display_key(op.key));
        }
    }
    Ok(if applied {
        Resolved::Applied(revision)
    } else if untouched {
        Resolved::NotApplied
    } else if moved.is_empty() {
        // Some keys as the transaction would leave them and the rest as planned: the
        // transaction is atomic, so someone else wrote those values.
        Resolved::Mixed(as_ours)
    } else {
        Resolved::Mixed(moved)
    })
}

/// Whether `now` is what `op` leaves: its value (or the key's absence), written after the
/// revision the plan read.
fn written_as_planned(op: &Guarded<'_>, now: Option<&kv::KeyValue>) -> bool {
    match (now, op.value) {
        (Some(kv), Some(value)) => kv.value == value && kv.mod_revision != op.expect_mod_revision,
        (None, None) => op.expect_mod_revision != 0,
        _ => false,
    }
}

/// After a failed guard: which keys of the batch moved since the plan read them, read at
/// one revision.
async fn changed_keys(kv: &mut impl Kv, ops: &[Guarded<'_>]) -> Result<Vec<String>, Error> {
    let keys: Vec<&[u8]> = ops.iter().map(|op| op.key).collect();
    let now = kv.get_many(&keys).await?;
    Ok(ops
        .iter()
        .zip(&now)
        .filter(|(op, now)| now.as_ref().map_or(0, |e| e.mod_revision) != op.expect_mod_revision)
        .map(|(op, _)| display_key(op.key))
        .collect())
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
            .enable_time()
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

    /// The [`Kv`] methods a test store leaves to its `inner` [`MemoryKv`].
    macro_rules! delegate_to_inner {
        () => {
            async fn snapshot(
                &mut self,
                prefixes: &[Vec<u8>],
                page_size: usize,
                progress: &mut dyn FnMut(usize),
            ) -> kv::Result<kv::Snapshot> {
                self.inner.snapshot(prefixes, page_size, progress).await
            }

            async fn get(&mut self, key: &[u8]) -> kv::Result<Option<kv::KeyValue>> {
                self.inner.get(key).await
            }

            async fn grant_lease(&mut self, ttl: i64) -> kv::Result<i64> {
                self.inner.grant_lease(ttl).await
            }

            async fn revoke_lease(&mut self, lease: i64) -> kv::Result<()> {
                self.inner.revoke_lease(lease).await
            }

            async fn create_leased(
                &mut self,
                key: &[u8],
                value: &[u8],
                lease: i64,
            ) -> kv::Result<Result<(), kv::KeyValue>> {
                self.inner.create_leased(key, value, lease).await
            }

            async fn fenced_put(
                &mut self,
                fence_key: &[u8],
                lease: i64,
                key: &[u8],
                value: &[u8],
            ) -> kv::Result<bool> {
                self.inner.fenced_put(fence_key, lease, key, value).await
            }

            fn keep_alive(&mut self, lease: i64, ttl: Duration) -> kv::Liveness {
                self.inner.keep_alive(lease, ttl)
            }
        };
    }

    /// A store whose transactions get no answer: `Lost::Applied` applies and then times out;
    /// `Lost::Late` times out and lands only just before the next transaction (a proposal
    /// still in flight when the read-back said "not applied").
    #[derive(Default)]
    struct Unanswered {
        inner: MemoryKv,
        faults: std::collections::VecDeque<Lost>,
        late: Option<Vec<Op>>,
    }

    /// A key and what a transaction leaves in it (`None`: deleted).
    type Op = (Vec<u8>, Option<Vec<u8>>);

    #[derive(Clone, Copy)]
    enum Lost {
        Answered,
        Applied,
        Late,
    }

    impl Unanswered {
        fn txn_now(
            &mut self,
            ops: &[Guarded<'_>],
            fence: Option<Fence<'_>>,
        ) -> kv::Result<TxnOutcome> {
            if let Some(late) = self.late.take() {
                self.land(&late);
            }
            let owned = || {
                ops.iter()
                    .map(|op| (op.key.to_vec(), op.value.map(<[u8]>::to_vec)))
                    .collect::<Vec<_>>()
            };
            match self.faults.pop_front().unwrap_or(Lost::Answered) {
                Lost::Answered => self.inner.txn_now(ops, fence),
                Lost::Applied => {
                    self.inner.txn_now(ops, fence)?;
                    Err(kv::Error::Timeout(Duration::from_secs(5)))
                }
                Lost::Late => {
                    self.late = Some(owned());
                    Err(kv::Error::Timeout(Duration::from_secs(5)))
                }
            }
        }

        fn land(&mut self, ops: &[Op]) {
            for (key, value) in ops {
                match value {
                    Some(value) => self.inner.put(key, value),
                    None => {
                        self.inner.data.remove(key);
                    }
                }
            }
        }
    }

    impl Kv for Unanswered {
        async fn guarded_txn(
            &mut self,
            ops: &[Guarded<'_>],
            fence: Option<Fence<'_>>,
        ) -> kv::Result<TxnOutcome> {
            self.txn_now(ops, fence)
        }

        fn send_guarded_txn(
            &mut self,
            ops: &[Guarded<'_>],
            fence: Option<Fence<'_>>,
        ) -> kv::PendingTxn {
            let outcome = self.txn_now(ops, fence);
            Box::pin(std::future::ready(kv::Sent {
                outcome,
                connection: 0,
            }))
        }

        delegate_to_inner!();
    }

    #[test]
    fn an_unanswered_transaction_is_read_back_never_blindly_resent() {
        let limits = Limits {
            ops: 3,
            bytes: 1 << 20,
        };
        for faults in [
            vec![Lost::Applied],
            vec![Lost::Answered, Lost::Late],
            vec![Lost::Late, Lost::Applied, Lost::Late],
        ] {
            let ops = ops_with_point(7);
            let mut kv = Unanswered {
                faults: faults.into(),
                ..Unanswered::default()
            };
            run(execute(&mut kv, &ops, None, limits, &Progress::disabled())).unwrap();
            if let Some(late) = kv.late.take() {
                kv.land(&late);
            }
            assert_eq!(kv.inner.data.len(), 8);
            assert!(kv
                .inner
                .data
                .values()
                .all(|e| e.value.len() == 3 || e.key == POINT.as_bytes()));
        }
    }

    #[test]
    fn a_read_back_that_finds_another_writer_names_the_keys() {
        let ops = ops_with_point(2);
        let mut kv = Unanswered {
            faults: vec![Lost::Late].into(),
            ..Unanswered::default()
        };
        let limits = Limits {
            ops: 3,
            bytes: 1 << 20,
        };
        // Someone else wrote one of the values this run writes: the read-back finds one key
        // as the transaction would leave it and the other as planned, which one atomic
        // transaction cannot do, and names the key written by the other.
        kv.inner.put(b"/k/00", b"xxx");
        let err = run(execute(&mut kv, &ops, None, limits, &Progress::disabled())).unwrap_err();
        match err {
            Error::ConcurrentModification { keys, .. } => assert_eq!(keys, vec!["/k/00"]),
            other => panic!("unexpected {other}"),
        }
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

    /// A store that applies each transaction when it is sent and answers after a delay that
    /// varies from one to the next, so that answers come back out of order.
    #[derive(Default)]
    struct Slow {
        inner: MemoryKv,
        sent: usize,
        /// The most transactions sent and not answered at once.
        most_in_flight: std::sync::Arc<std::sync::atomic::AtomicUsize>,
        in_flight: std::sync::Arc<std::sync::atomic::AtomicUsize>,
    }

    impl Kv for Slow {
        async fn guarded_txn(
            &mut self,
            ops: &[Guarded<'_>],
            fence: Option<Fence<'_>>,
        ) -> kv::Result<TxnOutcome> {
            self.send_guarded_txn(ops, fence).await.outcome
        }

        fn send_guarded_txn(
            &mut self,
            ops: &[Guarded<'_>],
            fence: Option<Fence<'_>>,
        ) -> kv::PendingTxn {
            use std::sync::atomic::Ordering::SeqCst;
            let outcome = self.inner.txn_now(ops, fence);
            self.sent += 1;
            let delay = Duration::from_millis([7, 1, 4, 2, 9, 3][self.sent % 6]);
            let now = self.in_flight.fetch_add(1, SeqCst) + 1;
            self.most_in_flight.fetch_max(now, SeqCst);
            let in_flight = self.in_flight.clone();
            Box::pin(async move {
                tokio::time::sleep(delay).await;
                in_flight.fetch_sub(1, SeqCst);
                kv::Sent {
                    outcome,
                    connection: 0,
                }
            })
        }

        delegate_to_inner!();
    }

    #[test]
    fn transactions_in_flight_write_every_batch_and_the_last_op_alone_after_the_rest() {
        let ops = ops_with_point(40);
        let mut kv = Slow::default();
        let limits = Limits {
            ops: 3,
            bytes: 1 << 20,
        };
        let written = run(execute_in_flight(
            &mut kv,
            &ops,
            None,
            limits,
            4,
            &Progress::disabled(),
        ))
        .unwrap();
        assert_eq!(kv.inner.data.len(), 41);
        assert_eq!(written.revisions.len(), kv.inner.txns);
        assert!(written.revisions.windows(2).all(|w| w[0] < w[1]), "sorted");
        let most = kv.most_in_flight.load(std::sync::atomic::Ordering::SeqCst);
        assert_eq!(most, 4, "the window was used, and never exceeded");
        // The last op's transaction is the last one: everything else was in when it was
        // sent (only its own batch shares its revision).
        let point = kv.inner.data[POINT.as_bytes()].mod_revision;
        assert_eq!(Some(&point), written.revisions.last());
        let before: Vec<i64> = kv
            .inner
            .data
            .values()
            .map(|e| e.mod_revision)
            .filter(|r| *r != point)
            .collect();
        assert_eq!(before.len(), 39, "the last batch: /k/39 and the point");
        assert!(before.iter().all(|r| *r < point));
    }

    #[test]
    fn a_failed_guard_among_transactions_in_flight_stops_the_sending_and_counts_what_landed() {
        let ops = ops_with_point(30);
        let mut kv = Slow::default();
        kv.inner.put(b"/k/10", b"someone else");
        let limits = Limits {
            ops: 3,
            bytes: 1 << 20,
        };
        let err = run(execute_in_flight(
            &mut kv,
            &ops,
            None,
            limits,
            4,
            &Progress::disabled(),
        ))
        .unwrap_err();
        match err {
            Error::ConcurrentModification { keys, transactions } => {
                assert_eq!(keys, vec!["/k/10".to_owned()]);
                assert_eq!(transactions, kv.inner.txns, "every applied one counted");
                // The three before it, and those sent while its answer was on its way.
                assert!(transactions >= 3, "{transactions}");
            }
            other => panic!("unexpected {other}"),
        }
        assert_eq!(kv.inner.data[b"/k/10".as_slice()].value, b"someone else");
        assert!(!kv.inner.data.contains_key(POINT.as_bytes()));
        assert!(
            !kv.inner.data.contains_key(b"/k/29".as_slice()),
            "nothing sent after the failure came back"
        );
    }

    #[test]
    fn unknown_outcomes_among_transactions_in_flight_are_read_back_never_blindly_resent() {
        let limits = Limits {
            ops: 3,
            bytes: 1 << 20,
        };
        for faults in [
            vec![Lost::Answered, Lost::Applied, Lost::Late, Lost::Answered],
            vec![Lost::Late, Lost::Late, Lost::Applied],
            vec![Lost::Applied, Lost::Applied, Lost::Applied, Lost::Late],
        ] {
            let ops = ops_with_point(20);
            let mut kv = Unanswered {
                faults: faults.into(),
                ..Unanswered::default()
            };
            let written = run(execute_in_flight(
                &mut kv,
                &ops,
                None,
                limits,
                3,
                &Progress::disabled(),
            ))
            .unwrap();
            if let Some(late) = kv.late.take() {
                kv.land(&late);
            }
            assert_eq!(kv.inner.data.len(), 21);
            assert!(kv
                .inner
                .data
                .values()
                .all(|e| e.value.len() == 3 || e.key == POINT.as_bytes()));
            // Each batch counted once, however it was learnt: 7 batches.
            assert_eq!(written.revisions.len(), 7, "{:?}", written.revisions);
        }
    }
}
