//! A synchronous etcd client for the tests: put, get, delete and dump, retrying transient
//! errors, with the raw async client at hand.

use super::*;

// ---------------------------------------------------------------------------------------------
// A synchronous KV client
// ---------------------------------------------------------------------------------------------

/// A small blocking etcd client for setting up and inspecting etcd byte-exactly in tests.
/// Transient failures (a member down, an election) are retried for up to 20 s.
/// Use it from plain `#[test]` functions, not from inside a tokio runtime.
pub struct Kv {
    rt: tokio::runtime::Runtime,
    client: Client,
    endpoints: String,
}

impl Kv {
    /// Connects to comma-separated client URLs.
    pub fn connect(endpoints: &str) -> Kv {
        let rt = runtime();
        let list: Vec<String> = endpoints.split(',').map(|s| s.trim().to_string()).collect();
        let opts = ConnectOptions::new()
            .with_connect_timeout(Duration::from_secs(2))
            .with_timeout(Duration::from_secs(5));
        let client = rt
            .block_on(Client::connect(&list, Some(opts)))
            .unwrap_or_else(|e| panic!("connect to etcd at {endpoints}: {e}"));
        Kv {
            rt,
            client,
            endpoints: endpoints.to_string(),
        }
    }

    /// Connects as an etcd user (for clusters with auth enabled).
    pub fn connect_as(endpoints: &str, user: &str, password: &str) -> Kv {
        let rt = runtime();
        let list: Vec<String> = endpoints.split(',').map(|s| s.trim().to_string()).collect();
        let opts = ConnectOptions::new()
            .with_connect_timeout(Duration::from_secs(2))
            .with_timeout(Duration::from_secs(5))
            .with_user(user, password);
        // Authenticating needs a leader: retried through an election.
        let deadline = Instant::now() + KV_RETRY_FOR;
        let client = loop {
            match rt.block_on(Client::connect(&list, Some(opts.clone()))) {
                Ok(client) => break client,
                Err(e) if is_transient(&e) && Instant::now() < deadline => {
                    thread::sleep(Duration::from_millis(100));
                }
                Err(e) => panic!("connect to etcd at {endpoints} as {user}: {e}"),
            }
        };
        Kv {
            rt,
            client,
            endpoints: endpoints.to_string(),
        }
    }

    pub fn endpoints(&self) -> &str {
        &self.endpoints
    }

    /// The underlying async client (cheap to clone), for what this wrapper does not offer:
    /// `kv.block_on(async { kv.client().txn(..).await })`.
    pub fn client(&self) -> Client {
        self.client.clone()
    }

    pub fn block_on<F: std::future::Future>(&self, f: F) -> F::Output {
        self.rt.block_on(f)
    }

    /// Runs `op` with a fresh client clone, retrying transient errors.
    fn run<T, F, Fut>(&self, what: &str, op: F) -> T
    where
        F: Fn(Client) -> Fut,
        Fut: std::future::Future<Output = Result<T, etcd_client::Error>>,
    {
        let deadline = Instant::now() + KV_RETRY_FOR;
        loop {
            match self.rt.block_on(op(self.client.clone())) {
                Ok(v) => return v,
                Err(e) if is_transient(&e) && Instant::now() < deadline => {
                    thread::sleep(Duration::from_millis(100));
                }
                Err(e) => panic!("etcd {what} at {}: {e}", self.endpoints),
            }
        }
    }

    pub fn put(&self, key: impl AsRef<[u8]>, value: impl AsRef<[u8]>) {
        let (k, v) = (key.as_ref().to_vec(), value.as_ref().to_vec());
        self.run("put", |mut c| {
            let (k, v) = (k.clone(), v.clone());
            async move { c.put(k, v, None).await }
        });
    }

    /// Grants a lease with `ttl_secs` and puts the key attached to it; returns the lease id.
    /// The lease is not kept alive: the key disappears after the TTL.
    pub fn put_with_lease(
        &self,
        key: impl AsRef<[u8]>,
        value: impl AsRef<[u8]>,
        ttl_secs: i64,
    ) -> i64 {
        let lease_id = self.run("lease grant", |mut c| async move {
            c.lease_grant(ttl_secs, None).await.map(|l| l.id())
        });
        let (k, v) = (key.as_ref().to_vec(), value.as_ref().to_vec());
        self.run("put with lease", |mut c| {
            let (k, v) = (k.clone(), v.clone());
            async move {
                c.put(k, v, Some(PutOptions::new().with_lease(lease_id)))
                    .await
            }
        });
        lease_id
    }

    pub fn get(&self, key: impl AsRef<[u8]>) -> Option<Vec<u8>> {
        let k = key.as_ref().to_vec();
        let resp = self.run("get", |mut c| {
            let k = k.clone();
            async move { c.get(k, None).await }
        });
        resp.kvs().first().map(|kv| kv.value().to_vec())
    }

    /// The key's `mod_revision`, or None if it does not exist.
    pub fn mod_revision(&self, key: impl AsRef<[u8]>) -> Option<i64> {
        let k = key.as_ref().to_vec();
        let resp = self.run("get", |mut c| {
            let k = k.clone();
            async move { c.get(k, None).await }
        });
        resp.kvs().first().map(|kv| kv.mod_revision())
    }

    /// The key's lease id (0 = none), or None if it does not exist.
    pub fn lease(&self, key: impl AsRef<[u8]>) -> Option<i64> {
        let k = key.as_ref().to_vec();
        let resp = self.run("get", |mut c| {
            let k = k.clone();
            async move { c.get(k, None).await }
        });
        resp.kvs().first().map(|kv| kv.lease())
    }

    /// Deletes one key; returns how many keys were deleted (0 or 1).
    pub fn delete(&self, key: impl AsRef<[u8]>) -> i64 {
        let k = key.as_ref().to_vec();
        self.run("delete", |mut c| {
            let k = k.clone();
            async move { c.delete(k, None).await }
        })
        .deleted()
    }

    /// Deletes every key starting with `prefix` (everything for an empty prefix).
    pub fn delete_prefix(&self, prefix: impl AsRef<[u8]>) -> i64 {
        let (start, end) = range_for_prefix(prefix.as_ref());
        self.run("delete range", |mut c| {
            let (start, end) = (start.clone(), end.clone());
            async move {
                c.delete(start, Some(DeleteOptions::new().with_range(end)))
                    .await
            }
        })
        .deleted()
    }

    /// Every key starting with `prefix` and its value, read at one revision, paginated.
    /// An empty prefix dumps the whole keyspace.
    pub fn dump(&self, prefix: &[u8]) -> BTreeMap<Vec<u8>, Vec<u8>> {
        const PAGE: i64 = 500;
        let (mut start, end) = range_for_prefix(prefix);
        let mut out = BTreeMap::new();
        let mut rev = 0;
        loop {
            let resp = self.run("range", |mut c| {
                let (start, end) = (start.clone(), end.clone());
                async move {
                    let opts = GetOptions::new()
                        .with_range(end)
                        .with_limit(PAGE)
                        .with_revision(rev);
                    c.get(start, Some(opts)).await
                }
            });
            if rev == 0 {
                rev = resp.header().map(|h| h.revision()).unwrap_or(0);
            }
            let more = resp.more();
            let mut last = None;
            for kv in resp.kvs() {
                out.insert(kv.key().to_vec(), kv.value().to_vec());
                last = Some(kv.key().to_vec());
            }
            match last {
                Some(mut k) if more => {
                    k.push(0);
                    start = k;
                }
                _ => return out,
            }
        }
    }

    /// The whole keyspace.
    pub fn dump_all(&self) -> BTreeMap<Vec<u8>, Vec<u8>> {
        self.dump(b"")
    }

    /// Like `dump`, with keys and values as (lossy) strings: handy in `assert_eq!`.
    pub fn dump_str(&self, prefix: &str) -> BTreeMap<String, String> {
        self.dump(prefix.as_bytes())
            .into_iter()
            .map(|(k, v)| {
                (
                    String::from_utf8_lossy(&k).into_owned(),
                    String::from_utf8_lossy(&v).into_owned(),
                )
            })
            .collect()
    }

    /// The store's current revision.
    pub fn revision(&self) -> i64 {
        let resp = self.run("get", |mut c| async move {
            c.get(
                vec![0u8],
                Some(GetOptions::new().with_limit(1).with_keys_only()),
            )
            .await
        });
        resp.header()
            .map(|h| h.revision())
            .expect("response header")
    }

    /// Compacts history up to `rev` (physical: waits until it is applied).
    pub fn compact(&self, rev: i64) {
        self.run("compact", |mut c| async move {
            let opts = etcd_client::CompactionOptions::new().with_physical();
            c.compact(rev, Some(opts)).await
        });
    }

    /// `(cluster id, member id)` of the member that answered.
    pub fn ids(&self) -> (u64, u64) {
        let s = self.run("status", |mut c| async move { c.status().await });
        let h = s.header().expect("status header");
        (h.cluster_id(), h.member_id())
    }
}

pub(super) fn is_transient(e: &etcd_client::Error) -> bool {
    match e {
        etcd_client::Error::TransportError(_) | etcd_client::Error::IoError(_) => true,
        etcd_client::Error::GRpcStatus(s) => {
            let code = format!("{:?}", s.code());
            let msg = s.message().to_ascii_lowercase();
            matches!(
                code.as_str(),
                "Unavailable" | "DeadlineExceeded" | "Cancelled"
            ) || msg.contains("leader")
                || msg.contains("timed out")
                || msg.contains("transport")
        }
        _ => false,
    }
}

/// `[start, end)` covering every key that starts with `prefix`; `end == [0]` means "to the
/// end of the keyspace" in etcd.
pub fn range_for_prefix(prefix: &[u8]) -> (Vec<u8>, Vec<u8>) {
    if prefix.is_empty() {
        return (vec![0], vec![0]);
    }
    let mut end = prefix.to_vec();
    while let Some(&last) = end.last() {
        if last < 0xff {
            *end.last_mut().expect("non-empty") += 1;
            return (prefix.to_vec(), end);
        }
        end.pop();
    }
    (prefix.to_vec(), vec![0])
}
