//! An in-memory [`Kv`] with etcd's revision semantics, for unit tests of pure logic only;
//! integration tests always run against a real etcd.

use std::collections::BTreeMap;

use super::{Guarded, KeyValue, Kv, Result, Snapshot, TxnOutcome};

#[derive(Debug, Default)]
pub struct MemoryKv {
    pub revision: i64,
    pub data: BTreeMap<Vec<u8>, KeyValue>,
    /// Number of transactions applied, to assert that a no-op writes nothing.
    pub txns: usize,
    /// Like etcd's --max-txn-ops: refuse larger transactions.
    pub max_txn_ops: Option<usize>,
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
        extra: &[(Vec<u8>, Vec<u8>)],
    ) -> Result<TxnOutcome> {
        let count = ops.len() + extra.len();
        if self.max_txn_ops.is_some_and(|max| count > max) {
            return Err(super::Error::TooManyOps { ops: count });
        }
        let holds = ops.iter().all(|op| {
            self.data.get(op.key).map_or(0, |kv| kv.mod_revision) == op.expect_mod_revision
        });
        if !holds {
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
        for (key, value) in extra {
            let create_revision = self.data.get(key).map_or(revision, |kv| kv.create_revision);
            self.data.insert(
                key.clone(),
                KeyValue {
                    key: key.clone(),
                    value: value.clone(),
                    mod_revision: revision,
                    create_revision,
                    lease: 0,
                },
            );
        }
        Ok(TxnOutcome::Committed { revision })
    }

    async fn get(&mut self, key: &[u8]) -> Result<Option<KeyValue>> {
        Ok(self.data.get(key).cloned())
    }
}
