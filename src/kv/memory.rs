//! An in-memory [`Kv`] with etcd's revision semantics, for unit tests of pure logic only;
//! integration tests always run against a real etcd.

use std::collections::BTreeMap;

use super::{
    Fence, Guarded, KeyValue, Kv, Liveness, PendingTxn, Result, Sent, Snapshot, TxnOutcome,
};

#[derive(Debug, Default)]
pub struct MemoryKv {
    pub revision: i64,
    pub data: BTreeMap<Vec<u8>, KeyValue>,
    /// Number of transactions applied, to assert that a no-op writes nothing.
    pub txns: usize,
    /// Like etcd's --max-txn-ops: refuse larger transactions.
    pub max_txn_ops: Option<usize>,
    /// Live leases; keys attached to a revoked lease disappear.
    pub leases: std::collections::BTreeSet<i64>,
}

impl MemoryKv {
    pub fn put(&mut self, key: &[u8], value: &[u8]) {
        self.revision += 1;
        let create_revision = self
            .data
            .get(key)
            .map_or(self.revision, |kv| kv.create_revision);
        self.data.insert(
            key.to_vec(),
            KeyValue {
                key: key.to_vec(),
                value: value.to_vec(),
                mod_revision: self.revision,
                create_revision,
                lease: 0,
            },
        );
    }

    pub fn values(&self) -> BTreeMap<Vec<u8>, Vec<u8>> {
        self.data
            .iter()
            .map(|(k, v)| (k.clone(), v.value.clone()))
            .collect()
    }

    /// A guarded transaction, applied now.
    pub fn txn_now(&mut self, ops: &[Guarded<'_>], fence: Option<Fence<'_>>) -> Result<TxnOutcome> {
        if self.max_txn_ops.is_some_and(|max| ops.len() > max) {
            return Err(super::Error::TooManyOps { ops: ops.len() });
        }
        let fenced =
            fence.is_none_or(|f| self.data.get(f.key).is_some_and(|kv| kv.lease == f.lease));
        let holds = ops.iter().all(|op| {
            self.data.get(op.key).map_or(0, |kv| kv.mod_revision) == op.expect_mod_revision
        });
        if !holds || !fenced {
            return Ok(TxnOutcome::GuardFailed);
        }
        self.revision += 1;
        self.txns += 1;
        let revision = self.revision;
        for op in ops {
            match op.value {
                Some(value) => {
                    let create_revision = self
                        .data
                        .get(op.key)
                        .map_or(revision, |kv| kv.create_revision);
                    self.data.insert(
                        op.key.to_vec(),
                        KeyValue {
                            key: op.key.to_vec(),
                            value: value.to_vec(),
                            mod_revision: revision,
                            create_revision,
                            lease: 0,
                        },
                    );
                }
                None => {
                    self.data.remove(op.key);
                }
            }
        }
        Ok(TxnOutcome::Committed { revision })
    }
}

impl Kv for MemoryKv {
    async fn snapshot(
        &mut self,
        prefixes: &[Vec<u8>],
        _page_size: usize,
        progress: &mut dyn FnMut(usize),
    ) -> Result<Snapshot> {
        let entries: Vec<KeyValue> = self
            .data
            .values()
            .filter(|kv| prefixes.iter().any(|p| kv.key.starts_with(p)))
            .cloned()
            .collect();
        progress(entries.len());
        Ok(Snapshot {
            revision: self.revision,
            cluster_id: 1,
            member_id: 1,
            entries,
        })
    }

    async fn guarded_txn(
        &mut self,
        ops: &[Guarded<'_>],
        fence: Option<Fence<'_>>,
    ) -> Result<TxnOutcome> {
        self.txn_now(ops, fence)
    }

    fn send_guarded_txn(&mut self, ops: &[Guarded<'_>], fence: Option<Fence<'_>>) -> PendingTxn {
        // Applied at once, in the order sent: unit tests stay deterministic.
        let outcome = self.txn_now(ops, fence);
        Box::pin(std::future::ready(Sent {
            outcome,
            connection: 0,
        }))
    }

    async fn get(&mut self, key: &[u8]) -> Result<Option<KeyValue>> {
        Ok(self.data.get(key).cloned())
    }

    async fn grant_lease(&mut self, _ttl: i64) -> Result<i64> {
        let id = self.leases.last().map_or(1, |l| l + 1);
        self.leases.insert(id);
        Ok(id)
    }

    async fn revoke_lease(&mut self, lease: i64) -> Result<()> {
        if self.leases.remove(&lease) {
            self.revision += 1;
            self.data.retain(|_, kv| kv.lease != lease);
        }
        Ok(())
    }

    async fn create_leased(
        &mut self,
        key: &[u8],
        value: &[u8],
        lease: i64,
    ) -> Result<Result<(), KeyValue>> {
        if let Some(existing) = self.data.get(key) {
            return Ok(Err(existing.clone()));
        }
        self.put(key, value);
        if let Some(kv) = self.data.get_mut(key) {
            kv.lease = lease;
        }
        Ok(Ok(()))
    }

    async fn fenced_put(
        &mut self,
        fence_key: &[u8],
        lease: i64,
        key: &[u8],
        value: &[u8],
    ) -> Result<bool> {
        let holds = self.data.get(fence_key).is_some_and(|kv| kv.lease == lease);
        if holds {
            self.put(key, value);
        }
        Ok(holds)
    }

    fn keep_alive(&mut self, _lease: i64, ttl: std::time::Duration) -> Liveness {
        Liveness::new(ttl)
    }
}
