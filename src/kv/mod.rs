//! The key-value side: what netsync needs from etcd, as a trait with a real etcd
//! implementation and an in-memory one for unit tests of pure logic.

mod connect;
mod etcd;
pub mod grants;
#[cfg(test)]
pub mod memory;
pub mod wire;

pub use etcd::{ConnectSettings, EtcdKv, WatchEvent, WatchMessage, Watcher};

use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Keys per range request when reading etcd: large, since every request costs a round trip
/// and the server re-walks its index; responses that would be too large shrink the page.
pub const PAGE_SIZE: usize = 10_000;

/// Keys-only pages carry no values: this many times more keys per request (etcd 3.4 walks
/// its index from a page's first key to the end of the range for every page, so a few large
/// pages cost it far less than many small ones).
pub const KEYS_ONLY_PAGE_FACTOR: usize = 20;

/// An incremental read reads values key by key only when at most 1/this of the keys need
/// one (or a few hundred at most); beyond that, reading every value in pages is cheaper.
pub const MAX_CHANGED_FRACTION_INV: usize = 4;

/// Whether reading `wanted` values key by key beats reading all `listed` keys' values in
/// pages ([`MAX_CHANGED_FRACTION_INV`]).
pub fn read_one_by_one(wanted: usize, listed: usize) -> bool {
    wanted <= (listed / MAX_CHANGED_FRACTION_INV).max(256)
}

/// One key as read from the store, with the metadata that guards later writes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyValue {
    pub key: Vec<u8>,
    pub value: Vec<u8>,
    pub mod_revision: i64,
    pub create_revision: i64,
    pub lease: i64,
}

/// Every key under a set of prefixes, read at one store revision.
#[derive(Debug, Clone, Default)]
pub struct Snapshot {
    /// The revision all pages were read at.
    pub revision: i64,
    pub cluster_id: u64,
    pub member_id: u64,
    /// Sorted by key.
    pub entries: Vec<KeyValue>,
}

/// What changed under a set of prefixes since a revision, read at one later revision.
#[derive(Debug, Clone, Default)]
pub struct Delta {
    /// Every key, values left empty (keys-only read): presence, `mod_revision`, lease.
    pub keys: Snapshot,
    /// The full entries of the keys whose `mod_revision` is newer than the revision asked
    /// for, read at `keys.revision`; `None` when so much changed that the store did not
    /// filter (read everything instead).
    pub changed: Option<Vec<KeyValue>>,
}

/// A password: never printed, not even by `{:?}`.
#[derive(Clone, PartialEq, Eq)]
pub struct Password(String);

impl Password {
    pub fn new(text: String) -> Self {
        Self(text)
    }

    /// The password itself, for the one place that sends it to etcd.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password(********)")
    }
}

/// A write, guarded by the `mod_revision` the plan saw (0: the key must not exist). Borrows
/// key and value from the plan, so batching copies nothing until a request is built.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Guarded<'a> {
    pub key: &'a [u8],
    /// `Some(value)` puts, `None` deletes.
    pub value: Option<&'a [u8]>,
    pub expect_mod_revision: i64,
}

impl Guarded<'_> {
    /// Bytes this operation adds to an encoded transaction request: its compare and its
    /// put or delete ([`wire::guarded`]).
    pub fn request_bytes(&self) -> usize {
        wire::guarded(self)
    }
}

/// A guarded transaction sent with [`Kv::send_guarded_txn`] whose answer is still to come.
/// It owns what it needs (the request is built when it is sent), so that several can be in
/// flight at once.
pub type PendingTxn = std::pin::Pin<Box<dyn std::future::Future<Output = Sent> + Send>>;

/// The answer to a transaction sent with [`Kv::send_guarded_txn`].
#[derive(Debug)]
pub struct Sent {
    /// What [`Kv::guarded_txn`] would have returned.
    pub outcome: Result<TxnOutcome>,
    /// The connection it went out on, for [`Kv::lost_answer`].
    pub connection: u64,
}

/// What a guarded transaction did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TxnOutcome {
    /// Every guard held; all operations applied at this revision.
    Committed { revision: i64 },
    /// A guard failed: some key changed since it was read; nothing was applied.
    GuardFailed,
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// `reason`: one line per cause (per endpoint, when several were tried).
    #[error("cannot reach etcd at {endpoints}{}", caused_by(reason))]
    Unreachable { endpoints: String, reason: String },
    #[error("etcd refused user `{user}`: {reason}")]
    AuthFailed { user: String, reason: String },
    #[error("cannot read the {what} {path}")]
    TlsFile {
        what: &'static str,
        path: std::path::PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("the {what} {path} is not a PEM file netsync can use: {reason}")]
    TlsPem {
        what: &'static str,
        path: std::path::PathBuf,
        reason: String,
    },
    #[error("the client key {key} does not belong to the client certificate {cert}")]
    TlsKeyMismatch {
        key: std::path::PathBuf,
        cert: std::path::PathBuf,
    },
    #[error("etcd has authentication disabled, and netsync was given user `{user}`")]
    AuthNotEnabled { user: String },
    #[error("etcd has authentication enabled, and netsync gave it no user")]
    AuthRequired,
    /// `keys`: what was refused, at most a few; `more`: how many others.
    #[error("{} may not {access} {}{}", user.as_ref().map_or("this client".to_owned(), |u| format!("etcd user `{u}`")), keys.join(", "), match more { 0 => String::new(), n => format!(" and {n} more key(s)") })]
    PermissionDenied {
        user: Option<String>,
        access: Access,
        keys: Vec<String>,
        more: usize,
    },
    #[error("etcd's database is full (the NOSPACE alarm is raised): it refuses every write{}", match keys.is_empty() { true => String::new(), false => format!("; refused {}", keys.join(", ")) })]
    NoSpace { keys: Vec<String> },
    #[error("invalid etcd endpoint `{endpoint}`: {reason}")]
    BadEndpoint { endpoint: String, reason: String },
    #[error("etcd request timed out after {0:?}")]
    Timeout(std::time::Duration),
    #[error("etcd rejected the transaction: too many operations ({ops}); the server's --max-txn-ops is lower")]
    TooManyOps { ops: usize },
    #[error("etcd rejected the request as too large ({bytes} bytes); the server's --max-request-bytes is lower")]
    RequestTooLarge { bytes: usize },
    #[error("revision {revision} has been compacted")]
    Compacted { revision: i64 },
    /// `endpoints`: what each endpoint said when asked alone, one line each (may be empty).
    #[error(
        "etcd did not answer {what} for {waited:.1?} (members down, or no quorum?): {last}{}",
        caused_by(endpoints)
    )]
    Unavailable {
        what: &'static str,
        waited: std::time::Duration,
        last: String,
        endpoints: String,
    },
    /// Displayed as the status's message and its causes, never the client's `Debug` form.
    #[error("etcd: {}", etcd::chain(.0))]
    Etcd(#[from] etcd_client::Error),
}

impl Error {
    /// A failure that says nothing about the request itself: a member went away, a leader
    /// election is under way, the request timed out. Reads may be retried; a write's outcome
    /// is unknown and must be read back.
    pub fn is_transient(&self) -> bool {
        match self {
            Error::Timeout(_) | Error::Unavailable { .. } => true,
            Error::Etcd(etcd_client::Error::TransportError(_) | etcd_client::Error::IoError(_)) => {
                true
            }
            Error::Etcd(etcd_client::Error::GRpcStatus(status)) => {
                let msg = status.message();
                matches!(
                    status.code() as i32,
                    // Cancelled, Unknown, DeadlineExceeded, Internal, Unavailable
                    1 | 2 | 4 | 13 | 14
                ) && !msg.contains("authentication")
                    || msg.contains("leader changed")
                    || msg.contains("no leader")
                    || msg.contains("request timed out")
                    || msg.contains("too many requests")
            }
            _ => false,
        }
    }
}

/// What a refused request wanted to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    Read,
    Write,
}

impl fmt::Display for Access {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Access::Read => "read",
            Access::Write => "write",
        })
    }
}

/// How many keys an error names; the rest are counted.
pub const KEYS_NAMED: usize = 5;

/// Where a write is fenced: it applies only while `key` is attached to `lease` (the holder of
/// the repository's lock), so a run whose lease expired cannot write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fence<'a> {
    pub key: &'a [u8],
    pub lease: i64,
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// The operations netsync performs on a store. Implemented by [`EtcdKv`] and, in unit tests,
/// by [`memory::MemoryKv`].
#[allow(async_fn_in_trait)]
pub trait Kv {
    /// Read every key under `prefixes` at one revision, `page_size` keys per request.
    /// `progress` is told how many keys have been read so far.
    async fn snapshot(
        &mut self,
        prefixes: &[Vec<u8>],
        page_size: usize,
        progress: &mut dyn FnMut(usize),
    ) -> Result<Snapshot>;

    /// Every key under `prefixes` at one revision, handed to `page` a page at a time, in key
    /// order, so that the caller need not hold them all. [`Error::Compacted`] when the revision
    /// is compacted mid-read (the caller starts over: pages already seen stay seen). Returns
    /// the revision and cluster read, without entries.
    async fn for_each_page(
        &mut self,
        prefixes: &[Vec<u8>],
        page_size: usize,
        page: &mut dyn FnMut(Vec<KeyValue>),
    ) -> Result<Snapshot> {
        let mut snapshot = self.snapshot(prefixes, page_size, &mut |_| {}).await?;
        page(std::mem::take(&mut snapshot.entries));
        Ok(snapshot)
    }

    /// Every key under `prefixes` without its value (keys-only: presence, `mod_revision`,
    /// `create_revision`, lease), at one revision, sorted by key, `page_size` keys per request.
    async fn list_keys(
        &mut self,
        prefixes: &[Vec<u8>],
        page_size: usize,
        progress: &mut dyn FnMut(usize),
    ) -> Result<Snapshot> {
        let mut snapshot = self.snapshot(prefixes, page_size, progress).await?;
        for entry in &mut snapshot.entries {
            entry.value = Vec::new();
        }
        Ok(snapshot)
    }

    /// The entries of `keys` (sorted) as they were at `revision` (a listing's), sorted by key;
    /// keys absent then are left out. [`Error::Compacted`] when that revision is gone.
    async fn get_at(&mut self, keys: &[&[u8]], _revision: i64) -> Result<Vec<KeyValue>> {
        let mut out = Vec::with_capacity(keys.len());
        for key in keys {
            out.extend(self.get(key).await?);
        }
        Ok(out)
    }

    /// Every key under `prefixes` without its value, plus the values of the keys written
    /// after revision `since`, all at one revision. `unchanged` tells which of those later
    /// revisions still count as unchanged (the recording command's own writes); their values
    /// are not read, and they are not counted when deciding whether reading every value would
    /// be cheaper. Any error (compaction included) leaves the caller to fall back to
    /// [`Kv::snapshot`].
    async fn read_since(
        &mut self,
        prefixes: &[Vec<u8>],
        since: i64,
        unchanged: &dyn Fn(i64) -> bool,
        page_size: usize,
        progress: &mut dyn FnMut(usize),
    ) -> Result<Delta> {
        let keys = self
            .list_keys(
                prefixes,
                page_size.saturating_mul(KEYS_ONLY_PAGE_FACTOR),
                progress,
            )
            .await?;
        let newer: Vec<&[u8]> = keys
            .entries
            .iter()
            .filter(|k| k.mod_revision > since && !unchanged(k.mod_revision))
            .map(|k| k.key.as_slice())
            .collect();
        // Reading keys one by one costs a round trip each: when much changed, reading every
        // value in pages is cheaper.
        if !read_one_by_one(newer.len(), keys.entries.len()) {
            return Ok(Delta {
                keys,
                changed: None,
            });
        }
        let changed = self.get_at(&newer, keys.revision).await?;
        Ok(Delta {
            keys,
            changed: Some(changed),
        })
    }

    /// What etcd adds around a transaction request before it compares the size with its
    /// `--max-request-bytes` ([`wire::envelope`]).
    fn request_envelope(&self) -> usize {
        wire::envelope(0)
    }

    /// Apply `ops` atomically if every key's `mod_revision` still equals the expected one and,
    /// with a `fence`, the lock is still held.
    async fn guarded_txn(
        &mut self,
        ops: &[Guarded<'_>],
        fence: Option<Fence<'_>>,
    ) -> Result<TxnOutcome>;

    /// [`Kv::guarded_txn`] without waiting for the answer: the request is built and sent
    /// now, and the returned future resolves to its answer. Several may be in flight at once
    /// (etcd folds concurrent proposals into one Raft entry and one disk sync, so a few
    /// transactions in flight write faster than any one-at-a-time loop). An answer that does
    /// not come within one attempt's deadline is [`Error::Timeout`]: its outcome is unknown,
    /// and the caller reads the keys back ([`Kv::lost_answer`] first), never sends it blindly
    /// again.
    fn send_guarded_txn(&mut self, ops: &[Guarded<'_>], fence: Option<Fence<'_>>) -> PendingTxn;

    /// A transaction sent on `connection` got no answer in time: move to another member if
    /// that connection is still the one in use (several unanswered transactions of one dead
    /// member move the client once).
    async fn lost_answer(&mut self, _connection: u64) {}

    /// Fails with [`Error::PermissionDenied`] naming the keys of `keys` the store's user may
    /// not write, as far as the store can tell before writing (it cannot always: then the
    /// server's own refusal names the transaction's keys).
    async fn may_write(&mut self, _keys: &[&[u8]]) -> Result<()> {
        Ok(())
    }

    /// Read one key at the latest revision.
    async fn get(&mut self, key: &[u8]) -> Result<Option<KeyValue>>;

    /// Read `keys` at one revision (at most a transaction's worth), in order: what a write
    /// whose outcome is unknown did is read back in one view, never key by key while the
    /// write may still be landing.
    async fn get_many(&mut self, keys: &[&[u8]]) -> Result<Vec<Option<KeyValue>>> {
        let mut out = Vec::with_capacity(keys.len());
        for key in keys {
            out.push(self.get(key).await?);
        }
        Ok(out)
    }

    /// Grant a lease of `ttl` seconds; returns its id.
    async fn grant_lease(&mut self, ttl: i64) -> Result<i64>;

    /// Revoke a lease: every key attached to it disappears.
    async fn revoke_lease(&mut self, lease: i64) -> Result<()>;

    /// Create `key` attached to `lease` if it does not exist (one transaction comparing its
    /// `create_revision` with 0). `Err(existing)` when it exists.
    async fn create_leased(
        &mut self,
        key: &[u8],
        value: &[u8],
        lease: i64,
    ) -> Result<Result<(), KeyValue>>;

    /// Put `key` only while `fence_key` is still attached to `lease` (one transaction): a
    /// writer whose lock expired cannot write. `false` when the fence did not hold.
    async fn fenced_put(
        &mut self,
        fence_key: &[u8],
        lease: i64,
        key: &[u8],
        value: &[u8],
    ) -> Result<bool>;

    /// Keep `lease` alive in the background until the returned handle is dropped.
    fn keep_alive(&mut self, lease: i64, ttl: Duration) -> Liveness;
}

/// What a background keep-alive knows about its lease. The lease counts as lost as soon as a
/// keep-alive fails, or when no keep-alive succeeded for half the TTL (the server may be about
/// to expire it): writers check this before each write and stop.
#[derive(Debug, Clone)]
pub struct Liveness {
    lost: Arc<AtomicBool>,
    last_ok: Arc<Mutex<Instant>>,
    ttl: Duration,
    task: Option<Arc<tokio::task::JoinHandle<()>>>,
}

impl Liveness {
    /// A fresh lease, just granted.
    pub fn new(ttl: Duration) -> Self {
        Self {
            lost: Arc::new(AtomicBool::new(false)),
            last_ok: Arc::new(Mutex::new(Instant::now())),
            ttl,
            task: None,
        }
    }

    pub fn with_task(mut self, task: tokio::task::JoinHandle<()>) -> Self {
        self.task = Some(Arc::new(task));
        self
    }

    /// A keep-alive succeeded now.
    pub fn renewed(&self) {
        if let Ok(mut last) = self.last_ok.lock() {
            *last = Instant::now();
        }
    }

    /// The lease is gone (expired, revoked, or the cluster stopped answering).
    pub fn set_lost(&self) {
        self.lost.store(true, Ordering::SeqCst);
    }

    pub fn is_lost(&self) -> bool {
        if self.lost.load(Ordering::SeqCst) {
            return true;
        }
        let since = self.last_ok.lock().map_or(self.ttl, |last| last.elapsed());
        since >= self.ttl / 2
    }
}

impl Drop for Liveness {
    fn drop(&mut self) {
        if let Some(task) = self.task.take() {
            if Arc::strong_count(&task) == 1 {
                task.abort();
            }
        }
    }
}

/// The smallest key greater than every key that starts with `prefix` (etcd's range end), or
/// `\0` (meaning "to the end of the keyspace") when no such key exists.
pub fn prefix_range_end(prefix: &[u8]) -> Vec<u8> {
    let mut end = prefix.to_vec();
    while let Some(last) = end.pop() {
        if last < 0xff {
            end.push(last + 1);
            return end;
        }
    }
    vec![0]
}

/// Each line of `reason` as a `caused by:` line of its own, without the transport's generic
/// last word.
fn caused_by(reason: &str) -> String {
    causes(reason)
        .map(|line| format!("\n  caused by: {line}"))
        .collect()
}

/// The causes of an [`Error::Unreachable`]'s `reason`, one per line (per endpoint tried),
/// without the transport's generic last word.
pub fn causes(reason: &str) -> impl Iterator<Item = &str> {
    reason
        .lines()
        .map(|line| line.trim_end_matches(": transport error"))
        .filter(|line| !line.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lease_not_renewed_for_half_its_ttl_counts_as_lost() {
        let liveness = Liveness::new(Duration::from_millis(200));
        assert!(!liveness.is_lost());
        std::thread::sleep(Duration::from_millis(120));
        assert!(liveness.is_lost(), "no renewal for more than half the TTL");
        liveness.renewed();
        assert!(!liveness.is_lost());
        liveness.set_lost();
        assert!(liveness.is_lost(), "a failed keep-alive is final");
        liveness.renewed();
        assert!(liveness.is_lost());
    }

    #[test]
    fn range_end_increments_last_byte() {
        assert_eq!(prefix_range_end(b"/net/"), b"/net0".to_vec());
        assert_eq!(prefix_range_end(b"/a\xff"), b"/b".to_vec());
        assert_eq!(prefix_range_end(b"\xff\xff"), vec![0]);
    }
}
