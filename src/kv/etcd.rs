//! [`Kv`] over a real etcd cluster (etcd-client, gRPC).

use std::path::PathBuf;
use std::time::Duration;

use etcd_client::{
    Client, Compare, CompareOp, ConnectOptions, GetOptions, KvClient, PutOptions, Txn, TxnOp,
};
use tracing::{debug, warn};

use super::grants::Grants;
use super::Password;

use super::{
    prefix_range_end, Access, Error, Fence, Guarded, KeyValue, Kv, Liveness, PendingTxn, Result,
    Sent, Snapshot, TxnOutcome, KEYS_NAMED,
};

mod watch;
pub use watch::{WatchEvent, WatchMessage, Watcher};

/// Deadline of one attempt of a retried request.
const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(5);

/// Largest gRPC response netsync accepts; pages shrink when a response would exceed it.
const MAX_DECODING_BYTES: usize = 256 * 1024 * 1024;
/// How often a whole snapshot read restarts after its revision was compacted mid-read.
const MAX_SNAPSHOT_RESTARTS: usize = 5;
/// Read-only transactions [`Kv::get_at`] keeps in flight at once.
const READS_IN_FLIGHT: usize = 8;
/// Range requests per read-only transaction of [`Kv::get_at`]: etcd counts them against
/// its --max-txn-ops (128 by default).
const READS_PER_TXN: usize = 64;

/// How to reach etcd (resolved from flags, environment and netsync.toml by
/// the settings module).
#[derive(Debug, Clone)]
pub struct ConnectSettings {
    pub endpoints: Vec<String>,
    /// Deadline for the first successful contact with the cluster.
    pub dial_timeout: Duration,
    /// Deadline for each request.
    pub command_timeout: Duration,
    /// CA bundle (PEM) to verify the servers with; `None`: the system's roots.
    pub cacert: Option<PathBuf>,
    /// Client certificate and key (PEM).
    pub identity: Option<(PathBuf, PathBuf)>,
    /// Accept any server certificate (still encrypted, no longer authenticated).
    pub insecure_skip_tls_verify: bool,
    /// User name and password; the token is refreshed automatically when it expires.
    pub auth: Option<(String, Password)>,
}

impl ConnectSettings {
    /// TLS is used when any TLS option is set or any endpoint says `https://`.
    pub fn uses_tls(&self) -> bool {
        self.cacert.is_some()
            || self.identity.is_some()
            || self.insecure_skip_tls_verify
            || self
                .endpoints
                .iter()
                .any(|e| e.trim().starts_with("https://"))
    }
}

/// A connection to an etcd cluster.
pub struct EtcdKv {
    client: Client,
    kv: KvClient,
    /// Opens a new client when the member in use stops answering.
    dialer: super::connect::Dialer,
    timeout: Duration,
    /// Length of the user name etcd puts in every request's header (0 without auth).
    user_len: usize,
    /// The user netsync authenticated as, to name in refusals.
    user: Option<String>,
    /// What the user may write, once asked (see [`Kv::may_write`]).
    grants: Option<Grants>,
    /// How to reach each endpoint alone, to say what each answers when the cluster does not.
    settings: ConnectSettings,
    /// Counts the connections made: each failover opens the next.
    connection: u64,
}

/// etcdctl accepts `host:port`; gRPC needs a scheme: `https://` when TLS is on.
fn normalize_endpoint(endpoint: &str, tls: bool) -> Result<String> {
    let endpoint = endpoint.trim();
    if endpoint.is_empty() {
        return Err(Error::BadEndpoint {
            endpoint: endpoint.to_owned(),
            reason: "empty".to_owned(),
        });
    }
    if endpoint.starts_with("http://") && tls {
        Err(Error::BadEndpoint {
            endpoint: endpoint.to_owned(),
            reason:
                "plain http:// while TLS options are set; use https:// (or leave out the scheme)"
                    .to_owned(),
        })
    } else if endpoint.starts_with("http://") || endpoint.starts_with("https://") {
        Ok(endpoint.to_owned())
    } else if endpoint.contains("://") {
        Err(Error::BadEndpoint {
            endpoint: endpoint.to_owned(),
            reason: "only http:// and https:// endpoints are supported".to_owned(),
        })
    } else if tls {
        Ok(format!("https://{endpoint}"))
    } else {
        Ok(format!("http://{endpoint}"))
    }
}

/// An error and its causes on one line: tonic's transport errors say what went wrong (an
/// unknown issuer, a refused connection) only in their sources.
pub(super) fn chain(err: &(dyn std::error::Error + 'static)) -> String {
    let (mut text, mut source) = said(err);
    while let Some(cause) = source {
        let (more, next) = said(cause);
        if !text.contains(&more) {
            text.push_str(": ");
            text.push_str(&more);
        }
        source = next;
    }
    text
}

/// What one error of a chain says, and its cause. A gRPC status prints its code, metadata and
/// the Debug form of its source; its message alone is what a person needs, and its source
/// follows in the chain.
fn said<'e>(
    err: &'e (dyn std::error::Error + 'static),
) -> (String, Option<&'e (dyn std::error::Error + 'static)>) {
    let status = match err.downcast_ref::<etcd_client::Error>() {
        Some(etcd_client::Error::GRpcStatus(status)) => Some(status),
        _ => err.downcast_ref::<tonic::Status>(),
    };
    match status {
        Some(status) if !status.message().is_empty() => (
            status.message().to_owned(),
            std::error::Error::source(status),
        ),
        _ => (err.to_string(), err.source()),
    }
}

/// Whether etcd refused the user name or password.
fn is_auth_failure(err: &etcd_client::Error) -> bool {
    matches!(err, etcd_client::Error::GRpcStatus(s)
        if s.message().contains("authentication failed")
            || s.code() == tonic::Code::Unauthenticated)
}

/// Move key and value out of the response without copying them.
fn key_value(kv: etcd_client::KeyValue) -> KeyValue {
    let (mod_revision, create_revision, lease) =
        (kv.mod_revision(), kv.create_revision(), kv.lease());
    let (key, value) = kv.into_key_value();
    KeyValue {
        key,
        value,
        mod_revision,
        create_revision,
        lease,
    }
}

/// Recognise the server's refusals that netsync reacts to, from their gRPC status text.
fn classify(err: etcd_client::Error, ops: usize, bytes: usize, revision: i64) -> Error {
    if let etcd_client::Error::GRpcStatus(status) = &err {
        let msg = status.message();
        if msg.contains("too many operations in txn request") {
            return Error::TooManyOps { ops };
        }
        if msg.contains("request is too large") || msg.contains("message larger than max") {
            return Error::RequestTooLarge { bytes };
        }
        if msg.contains("required revision has been compacted") {
            return Error::Compacted { revision };
        }
    }
    Error::Etcd(err)
}

fn is_response_too_large(err: &etcd_client::Error) -> bool {
    matches!(err, etcd_client::Error::GRpcStatus(s)
        if s.message().contains("message length too large"))
}

impl EtcdKv {
    /// Connect and make sure the cluster answers within `dial_timeout`, so that a wrong or
    /// dead endpoint fails fast with a clear message instead of hanging.
    pub async fn connect(settings: &ConnectSettings) -> Result<Self> {
        let tls = settings.uses_tls();
        let endpoints = settings
            .endpoints
            .iter()
            .map(|e| normalize_endpoint(e, tls))
            .collect::<Result<Vec<_>>>()?;
        let shown = endpoints.join(",");
        let mut options = ConnectOptions::new()
            .with_connect_timeout(settings.dial_timeout)
            .with_timeout(settings.command_timeout)
            .with_keep_alive(Duration::from_secs(10), Duration::from_secs(5));
        if let Some((user, password)) = &settings.auth {
            options = options
                .with_user(user.clone(), password.expose().to_owned())
                .with_auto_token_refresh(true);
        }
        let unreachable = |reason: String| Error::Unreachable {
            endpoints: shown.clone(),
            reason,
        };
        let failed = |e: etcd_client::Error| match &settings.auth {
            Some((user, _)) if e.to_string().contains("authentication is not enabled") => {
                Error::AuthNotEnabled { user: user.clone() }
            }
            Some((user, _)) if is_auth_failure(&e) => Error::AuthFailed {
                user: user.clone(),
                reason: chain(&e),
            },
            _ => unreachable(chain(&e)),
        };
        // One strategy for every mode (see connect.rs): the first member that proves alive.
        let dialer = super::connect::Dialer::new(&endpoints, settings, options)?;
        let connecting = async { dialer.client(false).await.map_err(failed) };
        // Each member gets `dial_timeout` to prove alive (connect.rs), and the first answer
        // must come within the dial and command timeouts together: a hung member costs one
        // dial timeout, a cluster with none alive fails within both.
        let deadline = settings.dial_timeout + settings.command_timeout;
        let no_answer = || unreachable(format!("no answer within {deadline:?}"));
        let started = tokio::time::Instant::now();
        let mut client = tokio::time::timeout(deadline, connecting)
            .await
            .map_err(|_| no_answer())??;
        let answered =
            tokio::time::timeout(deadline.saturating_sub(started.elapsed()), client.status())
                .await
                .map_err(|_| no_answer())?;
        if let Err(err) = answered {
            // A server that accepted the connection and then dropped it (a TLS 1.3 server
            // refusing the client's certificate) says why only to a client that asks again.
            if !is_auth_failure(&err) {
                if let Some(reason) = dialer.diagnose().await {
                    return Err(unreachable(reason));
                }
            }
            return Err(failed(err));
        }
        let kv = client
            .kv_client()
            .max_decoding_message_size(MAX_DECODING_BYTES);
        Ok(Self {
            client,
            kv,
            dialer,
            timeout: settings.command_timeout,
            user_len: settings.auth.as_ref().map_or(0, |(user, _)| user.len()),
            user: settings.auth.as_ref().map(|(user, _)| user.clone()),
            grants: None,
            settings: ConnectSettings {
                endpoints,
                ..settings.clone()
            },
            connection: 0,
        })
    }

    /// The underlying client, for operations outside the [`Kv`] trait.
    pub fn client(&mut self) -> &mut Client {
        &mut self.client
    }

    async fn with_timeout<T>(
        &self,
        fut: impl std::future::Future<Output = Result<T, etcd_client::Error>>,
    ) -> Result<Result<T, etcd_client::Error>> {
        tokio::time::timeout(self.timeout, fut)
            .await
            .map_err(|_| Error::Timeout(self.timeout))
    }

    /// Send a write, with the deadline of one attempt: a write takes milliseconds, so no
    /// answer by then means the member hangs. Its outcome is then unknown (`Timeout`) and is
    /// resolved by reading back, never by sending it again; the read goes to another member.
    async fn write<T>(
        &mut self,
        fut: impl std::future::Future<Output = Result<T, etcd_client::Error>>,
    ) -> Result<Result<T, etcd_client::Error>> {
        let deadline = self.timeout.min(ATTEMPT_TIMEOUT);
        match tokio::time::timeout(deadline, fut).await {
            Ok(result) => Ok(result),
            Err(_) => {
                self.failover().await;
                Err(Error::Timeout(deadline))
            }
        }
    }

    /// Run an idempotent request, retrying transient failures (a member down, a leader
    /// election) with exponential backoff and jitter, for at most the command timeout. Each
    /// attempt gets a shorter deadline, so that a request stuck on a dead member is retried
    /// on another.
    async fn retry<T, F, Fut>(&mut self, what: &'static str, attempt: F) -> Result<T>
    where
        F: FnMut(KvClient) -> Fut,
        Fut: std::future::Future<Output = Result<T, etcd_client::Error>>,
    {
        self.retry_on(what, |this| this.kv.clone(), attempt).await
    }

    /// [`EtcdKv::retry`] for requests made on the whole client (leases).
    async fn retry_client<T, F, Fut>(&mut self, what: &'static str, attempt: F) -> Result<T>
    where
        F: FnMut(Client) -> Fut,
        Fut: std::future::Future<Output = Result<T, etcd_client::Error>>,
    {
        self.retry_on(what, |this| this.client.clone(), attempt)
            .await
    }

    async fn retry_on<C, T, F, Fut>(
        &mut self,
        what: &'static str,
        handle: fn(&Self) -> C,
        mut attempt: F,
    ) -> Result<T>
    where
        F: FnMut(C) -> Fut,
        Fut: std::future::Future<Output = Result<T, etcd_client::Error>>,
    {
        let started = tokio::time::Instant::now();
        let mut delay = Duration::from_millis(50);
        // Asked at the first failure, while the request is retried: what each endpoint says
        // alone, for the error if the cluster never answers.
        let mut survey: Option<Survey> = None;
        loop {
            // No attempt runs past the command timeout.
            let left = self.timeout.saturating_sub(started.elapsed());
            let per_attempt = left.min(ATTEMPT_TIMEOUT).max(Duration::from_millis(1));
            let result = match tokio::time::timeout(per_attempt, attempt(handle(self))).await {
                Ok(Ok(value)) => return Ok(value),
                Ok(Err(err)) => Error::Etcd(err),
                Err(_) => Error::Timeout(per_attempt),
            };
            if !result.is_transient() {
                return Err(result);
            }
            if survey.is_none() {
                survey = Some(Survey(tokio::spawn(survey_endpoints(
                    self.settings.clone(),
                ))));
            }
            let waited = started.elapsed();
            if waited + delay >= self.timeout {
                let endpoints = match survey.as_mut() {
                    Some(task) => tokio::time::timeout(Duration::from_millis(500), &mut task.0)
                        .await
                        .ok()
                        .and_then(Result::ok)
                        .unwrap_or_default(),
                    None => String::new(),
                };
                return Err(Error::Unavailable {
                    what,
                    waited,
                    last: result.to_string(),
                    endpoints,
                });
            }
            debug!(%result, ?delay, "etcd {what} failed; retrying");
            // No answer at all: the member may hang (its connection stays open), so the
            // next attempt goes to another.
            if matches!(result, Error::Timeout(_)) {
                self.failover().await;
            }
            let jitter = Duration::from_millis(fastrand::u64(0..=delay.as_millis() as u64 / 2));
            tokio::time::sleep(delay + jitter).await;
            delay = (delay * 2).min(Duration::from_secs(2));
        }
    }

    /// The server's refusals that say what the request touched (`touched`: keys, or "the
    /// keys under PREFIX"): no user while auth is enabled, a missing permission, a full
    /// database. Other errors pass through.
    fn refused(&self, err: Error, access: Access, touched: &[String]) -> Error {
        refusal(self.user.as_deref(), err, access, touched, touched.len())
    }

    /// What the user may write, from etcd's auth API (a user may read its own user and
    /// roles). `Grants::All` when the server does not tell: its refusals still name keys.
    async fn fetch_grants(&mut self, user: &str) -> Grants {
        let mut client = self.client.clone();
        let roles = match self.with_timeout(client.user_get(user)).await {
            Ok(Ok(response)) => response.roles().to_vec(),
            Ok(Err(err)) => {
                debug!(%err, "etcd does not tell the user's roles; permissions checked as written");
                return Grants::All;
            }
            Err(err) => {
                debug!(%err, "etcd does not tell the user's roles; permissions checked as written");
                return Grants::All;
            }
        };
        let mut permissions = Vec::new();
        for role in &roles {
            match self.with_timeout(client.role_get(role.as_str())).await {
                Ok(Ok(response)) => permissions.extend(
                    response
                        .permissions()
                        .iter()
                        .map(|p| (p.get_type(), p.key().to_vec(), p.range_end().to_vec())),
                ),
                _ if role == "root" => {}
                _ => {
                    debug!(
                        role,
                        "etcd does not tell a role's permissions; checked as written"
                    );
                    return Grants::All;
                }
            }
        }
        Grants::from_permissions(&roles, permissions)
    }

    /// Send a single-key transaction; when its answer is lost (a timeout, a member gone), read
    /// `key` back and let `settled` say whether that settles it (`Some`), or whether the
    /// transaction did not apply and goes again (`None`), with backoff, within the command
    /// timeout: never a blind resend.
    async fn write_or_read_back(
        &mut self,
        txn: Txn,
        key: &[u8],
        settled: impl Fn(Option<&KeyValue>) -> Option<bool>,
    ) -> Result<Settled> {
        let started = tokio::time::Instant::now();
        let mut delay = Duration::from_millis(50);
        loop {
            let mut kv = self.kv.clone();
            let err = match self.write(kv.txn(txn.clone())).await {
                Ok(Ok(response)) => return Ok(Settled::Answered(response)),
                Ok(Err(e)) => Error::Etcd(e),
                Err(timeout) => timeout,
            };
            if !err.is_transient() {
                return Err(self.refused(err, Access::Write, &[shown(key)]));
            }
            if started.elapsed() + delay >= self.timeout {
                return Err(Error::Unavailable {
                    what: "a write",
                    waited: started.elapsed(),
                    last: err.to_string(),
                    endpoints: survey_endpoints(self.settings.clone()).await,
                });
            }
            debug!(%err, "write outcome unknown; reading it back");
            let jitter = Duration::from_millis(fastrand::u64(0..=delay.as_millis() as u64 / 2));
            tokio::time::sleep(delay + jitter).await;
            delay = (delay * 2).min(Duration::from_secs(2));
            let now = self.get(key).await?;
            if let Some(done) = settled(now.as_ref()) {
                return Ok(Settled::ReadBack(done));
            }
        }
    }

    /// Who holds `key`, for a lock attempt that found it taken.
    async fn create_leased_answer(&mut self, key: &[u8]) -> Result<Result<(), KeyValue>> {
        Ok(Err(self.get(key).await?.unwrap_or_else(|| KeyValue {
            key: key.to_vec(),
            value: Vec::new(),
            mod_revision: 0,
            create_revision: 0,
            lease: 0,
        })))
    }

    /// Move to a new connection, to the member after the one that stopped answering. Requests
    /// already made on the old one finish or time out there; what fails here is retried by
    /// the caller as before.
    async fn failover(&mut self) {
        match self.dialer.client(true).await {
            Ok(client) => {
                debug!("moved to another etcd member");
                self.kv = client
                    .kv_client()
                    .max_decoding_message_size(MAX_DECODING_BYTES);
                self.client = client;
                self.connection += 1;
            }
            Err(err) => debug!(%err, "could not open a new connection; keeping the old one"),
        }
    }

    /// One pass over all prefixes; `Err(Compacted)` means the pinned revision vanished.
    async fn read_all(
        &mut self,
        prefixes: &[Vec<u8>],
        page_size: usize,
        progress: &mut dyn FnMut(usize),
    ) -> Result<Snapshot> {
        self.read_ranges(prefixes, page_size, 0, &|o| o, progress)
            .await
    }

    /// Read every key under `prefixes` at `revision` (0: the latest, then pinned), with
    /// `filter` applied to each range request's options.
    async fn read_ranges(
        &mut self,
        prefixes: &[Vec<u8>],
        page_size: usize,
        revision: i64,
        filter: &dyn Fn(GetOptions) -> GetOptions,
        progress: &mut dyn FnMut(usize),
    ) -> Result<Snapshot> {
        let mut entries = Vec::new();
        let mut snapshot = self
            .read_pages(prefixes, page_size, revision, filter, &mut |page| {
                entries.extend(page);
                progress(entries.len());
            })
            .await?;
        snapshot.entries = entries;
        Ok(snapshot)
    }

    /// [`EtcdKv::read_ranges`], handing each page to `sink` as it arrives, in key order
    /// (prefixes in order: they never overlap). The snapshot returned has no entries.
    async fn read_pages(
        &mut self,
        prefixes: &[Vec<u8>],
        page_size: usize,
        revision: i64,
        filter: &dyn Fn(GetOptions) -> GetOptions,
        sink: &mut dyn FnMut(Vec<KeyValue>),
    ) -> Result<Snapshot> {
        let mut snapshot = Snapshot {
            revision,
            ..Snapshot::default()
        };
        let mut prefixes: Vec<&Vec<u8>> = prefixes.iter().collect();
        prefixes.sort();
        let mut page = page_size.max(1);
        for prefix in prefixes {
            let end = prefix_range_end(prefix);
            let mut start = prefix.clone();
            loop {
                let mut options = filter(
                    GetOptions::new()
                        .with_range(end.clone())
                        .with_limit(page as i64),
                );
                if snapshot.revision > 0 {
                    options = options.with_revision(snapshot.revision);
                }
                let from = start.clone();
                let response = match self
                    .retry("a range read", |mut kv| {
                        let (from, options) = (from.clone(), options.clone());
                        async move { kv.get(from, Some(options)).await }
                    })
                    .await
                {
                    Ok(r) => r,
                    Err(Error::Etcd(e)) if is_response_too_large(&e) && page > 1 => {
                        page = (page / 2).max(1);
                        debug!(page, "response too large; reading smaller pages");
                        continue;
                    }
                    Err(Error::Etcd(e)) => {
                        let err = classify(e, 0, 0, snapshot.revision);
                        return Err(self.refused(err, Access::Read, &[under(prefix)]));
                    }
                    Err(e) => return Err(e),
                };
                let mut response = response;
                if let Some(header) = response.header() {
                    if snapshot.revision == 0 {
                        snapshot.revision = header.revision();
                    }
                    if snapshot.cluster_id == 0 {
                        snapshot.cluster_id = header.cluster_id();
                        snapshot.member_id = header.member_id();
                    }
                }
                let more = response.more();
                let entries: Vec<KeyValue> =
                    response.take_kvs().into_iter().map(key_value).collect();
                let next = entries.last().map(|last| {
                    let mut next = last.key.clone();
                    next.push(0);
                    next
                });
                sink(entries);
                match (more, next) {
                    (true, Some(next)) => {
                        crate::testhook::run("between_pages");
                        start = next;
                    }
                    _ => break,
                }
            }
        }
        Ok(snapshot)
    }
}

impl Kv for EtcdKv {
    fn request_envelope(&self) -> usize {
        super::wire::envelope(self.user_len)
    }

    async fn snapshot(
        &mut self,
        prefixes: &[Vec<u8>],
        page_size: usize,
        progress: &mut dyn FnMut(usize),
    ) -> Result<Snapshot> {
        let mut attempt = 0;
        loop {
            match self.read_all(prefixes, page_size, progress).await {
                Err(Error::Compacted { revision }) if attempt < MAX_SNAPSHOT_RESTARTS => {
                    attempt += 1;
                    warn!(
                        revision,
                        "revision compacted during the read; reading again"
                    );
                }
                other => return other,
            }
        }
    }

    async fn for_each_page(
        &mut self,
        prefixes: &[Vec<u8>],
        page_size: usize,
        page: &mut dyn FnMut(Vec<KeyValue>),
    ) -> Result<Snapshot> {
        self.read_pages(prefixes, page_size, 0, &|o| o, page).await
    }

    async fn list_keys(
        &mut self,
        prefixes: &[Vec<u8>],
        page_size: usize,
        progress: &mut dyn FnMut(usize),
    ) -> Result<Snapshot> {
        self.read_ranges(prefixes, page_size, 0, &|o| o.with_keys_only(), progress)
            .await
    }

    async fn get_at(&mut self, keys: &[&[u8]], revision: i64) -> Result<Vec<KeyValue>> {
        // Read-only transactions of range requests pinned at `revision` (so that every value
        // is as the listing saw it), several in flight on the one HTTP/2 connection: a request
        // per key costs etcd more than the key does.
        let mut out: Vec<KeyValue> = Vec::with_capacity(keys.len());
        let mut failed: Vec<std::ops::Range<usize>> = Vec::new();
        let mut reading = tokio::task::JoinSet::new();
        let deadline = self.timeout.min(ATTEMPT_TIMEOUT);
        let request = |range: std::ops::Range<usize>| {
            let ops: Vec<TxnOp> = keys[range]
                .iter()
                .map(|key| TxnOp::get(*key, Some(GetOptions::new().with_revision(revision))))
                .collect();
            Txn::new().and_then(ops)
        };
        let answer = |response: etcd_client::TxnResponse, out: &mut Vec<KeyValue>| {
            for op in response.op_responses() {
                if let etcd_client::TxnOpResponse::Get(get) = op {
                    out.extend(get.kvs().iter().map(to_key_value));
                }
            }
        };
        let mut next = 0;
        while next < keys.len() || !reading.is_empty() {
            while next < keys.len() && reading.len() < READS_IN_FLIGHT {
                let range = next..(next + READS_PER_TXN).min(keys.len());
                let (txn, mut kv) = (request(range.clone()), self.kv.clone());
                next = range.end;
                reading.spawn(
                    async move { (range, tokio::time::timeout(deadline, kv.txn(txn)).await) },
                );
            }
            match reading.join_next().await {
                Some(Ok((_, Ok(Ok(response))))) => answer(response, &mut out),
                Some(Ok((range, _))) => failed.push(range),
                Some(Err(err)) => std::panic::resume_unwind(err.into_panic()),
                None => break,
            }
        }
        // What failed (a member gone, no answer, a lower --max-txn-ops): again, retried as
        // every read is; the error of the last attempt is the caller's.
        for range in failed {
            let txn = request(range.clone());
            let response = match self
                .retry("a read", |mut kv| {
                    let txn = txn.clone();
                    async move { kv.txn(txn).await }
                })
                .await
            {
                Ok(response) => response,
                Err(Error::Etcd(e)) => {
                    let err = classify(e, range.len(), 0, revision);
                    let named: Vec<String> = keys[range].iter().map(|k| shown(k)).collect();
                    return Err(self.refused(err, Access::Read, &named));
                }
                Err(e) => return Err(e),
            };
            answer(response, &mut out);
        }
        out.sort_by(|a, b| a.key.cmp(&b.key));
        Ok(out)
    }

    async fn guarded_txn(
        &mut self,
        ops: &[Guarded<'_>],
        fence: Option<Fence<'_>>,
    ) -> Result<TxnOutcome> {
        let sent = self.send_guarded_txn(ops, fence).await;
        if matches!(sent.outcome, Err(Error::Timeout(_))) {
            self.lost_answer(sent.connection).await;
        }
        sent.outcome
    }

    fn send_guarded_txn(&mut self, ops: &[Guarded<'_>], fence: Option<Fence<'_>>) -> PendingTxn {
        let mut compares: Vec<Compare> = ops
            .iter()
            .map(|op| Compare::mod_revision(op.key, CompareOp::Equal, op.expect_mod_revision))
            .collect();
        if let Some(fence) = fence {
            compares.push(Compare::lease(fence.key, CompareOp::Equal, fence.lease));
        }
        let actions: Vec<TxnOp> = ops
            .iter()
            .map(|op| match op.value {
                Some(value) => TxnOp::put(op.key, value, None),
                None => TxnOp::delete(op.key, None),
            })
            .collect();
        let bytes: usize = ops.iter().map(Guarded::request_bytes).sum::<usize>();
        let count = actions.len();
        let txn = Txn::new().when(compares).and_then(actions);
        // What a refusal names: the first few keys, and how many there are.
        let named: Vec<String> = ops
            .iter()
            .take(KEYS_NAMED)
            .map(|op| shown(op.key))
            .collect();
        let user = self.user.clone();
        let mut kv = self.kv.clone();
        // One attempt's deadline: a write takes milliseconds, so no answer by then means the
        // member hangs; the outcome is then unknown and is read back, never sent blindly again.
        let deadline = self.timeout.min(ATTEMPT_TIMEOUT);
        let connection = self.connection;
        Box::pin(async move {
            let outcome = match tokio::time::timeout(deadline, kv.txn(txn)).await {
                Err(_) => Err(Error::Timeout(deadline)),
                Ok(Err(e)) => {
                    let err = classify(e, count, bytes, 0);
                    Err(refusal(user.as_deref(), err, Access::Write, &named, count))
                }
                Ok(Ok(response)) if response.succeeded() => {
                    let revision = response.header().map_or(0, |h| h.revision());
                    Ok(TxnOutcome::Committed { revision })
                }
                Ok(Ok(_)) => Ok(TxnOutcome::GuardFailed),
            };
            Sent {
                outcome,
                connection,
            }
        })
    }

    async fn lost_answer(&mut self, connection: u64) {
        if connection == self.connection {
            self.failover().await;
        }
    }

    async fn may_write(&mut self, keys: &[&[u8]]) -> Result<()> {
        let Some(user) = self.user.clone() else {
            return Ok(());
        };
        if self.grants.is_none() {
            self.grants = Some(self.fetch_grants(&user).await);
        }
        let grants = self.grants.as_ref().unwrap_or(&Grants::All);
        let denied: Vec<String> = keys
            .iter()
            .filter(|key| !grants.may_write(key))
            .map(|key| shown(key))
            .collect();
        match denied.is_empty() {
            true => Ok(()),
            false => Err(Error::PermissionDenied {
                user: Some(user),
                access: Access::Write,
                more: denied.len().saturating_sub(KEYS_NAMED),
                keys: denied.into_iter().take(KEYS_NAMED).collect(),
            }),
        }
    }

    async fn get(&mut self, key: &[u8]) -> Result<Option<KeyValue>> {
        let mut response = self
            .retry("a read", |mut kv| {
                let key = key.to_vec();
                async move { kv.get(key, None).await }
            })
            .await
            .map_err(|e| self.refused(e, Access::Read, &[shown(key)]))?;
        Ok(response.take_kvs().into_iter().next().map(key_value))
    }

    async fn get_many(&mut self, keys: &[&[u8]]) -> Result<Vec<Option<KeyValue>>> {
        // One read-only transaction: every range at the same revision.
        let ops: Vec<TxnOp> = keys.iter().map(|key| TxnOp::get(*key, None)).collect();
        let response = self
            .retry("a read", |mut kv| {
                let txn = Txn::new().and_then(ops.clone());
                async move { kv.txn(txn).await }
            })
            .await
            .map_err(|e| {
                let shown: Vec<String> = keys.iter().map(|k| shown(k)).collect();
                self.refused(e, Access::Read, &shown)
            })?;
        let mut out = Vec::with_capacity(keys.len());
        for op in response.op_responses() {
            match op {
                etcd_client::TxnOpResponse::Get(get) => {
                    out.push(get.kvs().first().map(to_key_value));
                }
                _ => out.push(None),
            }
        }
        Ok(out)
    }

    async fn grant_lease(&mut self, ttl: i64) -> Result<i64> {
        // Safe to send again: a lease granted by an attempt whose answer was lost expires.
        let response = self
            .retry_client("a lease grant", |mut client| async move {
                client.lease_grant(ttl, None).await
            })
            .await
            .map_err(|e| self.refused(e, Access::Write, &[]))?;
        Ok(response.id())
    }

    async fn revoke_lease(&mut self, lease: i64) -> Result<()> {
        // Safe to send again: a lease an earlier attempt revoked is simply not found.
        match self
            .retry_client("a lease revoke", |mut client| async move {
                client.lease_revoke(lease).await
            })
            .await
        {
            Err(Error::Etcd(etcd_client::Error::GRpcStatus(status)))
                if status.message().contains("lease not found") =>
            {
                Ok(())
            }
            other => other.map(|_| ()),
        }
    }

    async fn create_leased(
        &mut self,
        key: &[u8],
        value: &[u8],
        lease: i64,
    ) -> Result<Result<(), KeyValue>> {
        let txn = Txn::new()
            .when([Compare::create_revision(key, CompareOp::Equal, 0)])
            .and_then([TxnOp::put(
                key,
                value,
                Some(PutOptions::new().with_lease(lease)),
            )])
            .or_else([TxnOp::get(key, None)]);
        let response = self
            .write_or_read_back(txn, key, |now| match now {
                // An attempt whose answer was lost took it.
                Some(now) if now.lease == lease => Some(true),
                // Someone holds it: the next attempt reports who.
                Some(_) => Some(false),
                None => None,
            })
            .await?;
        let response = match response {
            Settled::Answered(response) => response,
            Settled::ReadBack(true) => return Ok(Ok(())),
            Settled::ReadBack(false) => return self.create_leased_answer(key).await,
        };
        if response.succeeded() {
            return Ok(Ok(()));
        }
        for op in response.op_responses() {
            if let etcd_client::TxnOpResponse::Get(get) = op {
                if let Some(existing) = get.kvs().first() {
                    return Ok(Err(to_key_value(existing)));
                }
            }
        }
        // The holder vanished between the compare and the read: report it as held anyway;
        // the next run will find the key free.
        Ok(Err(KeyValue {
            key: key.to_vec(),
            value: Vec::new(),
            mod_revision: 0,
            create_revision: 0,
            lease: 0,
        }))
    }

    async fn fenced_put(
        &mut self,
        fence_key: &[u8],
        lease: i64,
        key: &[u8],
        value: &[u8],
    ) -> Result<bool> {
        let txn = Txn::new()
            .when([Compare::lease(fence_key, CompareOp::Equal, lease)])
            .and_then([TxnOp::put(key, value, None)]);
        // Read back after a lost answer: the value there is the attempt's (only the lock's
        // holder writes it); otherwise the put is sent again, fenced as before.
        match self
            .write_or_read_back(txn, key, |now| {
                now.filter(|now| now.value == value).map(|_| true)
            })
            .await?
        {
            Settled::Answered(response) => Ok(response.succeeded()),
            Settled::ReadBack(done) => Ok(done),
        }
    }

    fn keep_alive(&mut self, lease: i64, ttl: Duration) -> Liveness {
        let liveness = Liveness::new(ttl);
        let state = liveness.clone();
        let mut client = self.client.clone();
        let interval = (ttl / 3).max(Duration::from_millis(200));
        let task = tokio::spawn(async move {
            // A broken stream (the member serving it died, a leader election) is opened
            // again on another member; the lease is only given up when the server says it
            // expired, or when nothing was renewed for a whole TTL.
            let mut last_ok = tokio::time::Instant::now();
            loop {
                let renew = async {
                    let (mut keeper, mut stream) = client.lease_keep_alive(lease).await?;
                    loop {
                        keeper.keep_alive().await?;
                        match stream.message().await? {
                            Some(response) if response.ttl() > 0 => {
                                state.renewed();
                                last_ok = tokio::time::Instant::now();
                            }
                            _ => return Ok::<(), etcd_client::Error>(()),
                        }
                        tokio::time::sleep(interval).await;
                    }
                };
                match renew.await {
                    Ok(()) => {
                        warn!(lease, "the etcd lease of the lock expired");
                        break;
                    }
                    Err(err) if last_ok.elapsed() < ttl => {
                        debug!(lease, %err, "lease keep-alive interrupted; reconnecting");
                        tokio::time::sleep(Duration::from_millis(100)).await;
                    }
                    Err(err) => {
                        warn!(lease, %err, "lost the etcd lease of the lock");
                        break;
                    }
                }
            }
            state.set_lost();
        });
        liveness.with_task(task)
    }
}

/// A survey of the endpoints under way; stopped when dropped, so that a request that
/// succeeds on a retry leaves no dialling behind.
struct Survey(tokio::task::JoinHandle<String>);

impl Drop for Survey {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// What each endpoint answers alone, one line each, all asked at once within the dial
/// timeout: up with or without a leader, or why not. For the error of a cluster that does
/// not answer (no quorum, members up but not joined). Asks without the user: a member's
/// status needs no authentication, and authenticating needs a leader.
async fn survey_endpoints(settings: ConnectSettings) -> String {
    let mut asked = tokio::task::JoinSet::new();
    for (i, endpoint) in settings.endpoints.iter().enumerate() {
        let one = ConnectSettings {
            endpoints: vec![endpoint.clone()],
            auth: None,
            ..settings.clone()
        };
        asked.spawn(async move {
            let address = endpoint_address(&one.endpoints[0]);
            let options = ConnectOptions::new().with_timeout(one.dial_timeout);
            let line = match super::connect::Dialer::new(&one.endpoints, &one, options) {
                Err(err) => err.to_string(),
                Ok(dialer) => {
                    let asking = async {
                        let mut client = dialer.client(false).await?;
                        client.status().await
                    };
                    match tokio::time::timeout(one.dial_timeout, asking).await {
                        Err(_) => format!("no answer within {:?}", one.dial_timeout),
                        Ok(Err(err)) => chain(&err),
                        Ok(Ok(status)) if status.leader() == 0 => {
                            "up, but it has no leader (too few members to elect one?)".to_owned()
                        }
                        Ok(Ok(status)) => format!(
                            "up, member {:x}, leader {:x}",
                            status.header().map_or(0, |h| h.member_id()),
                            status.leader()
                        ),
                    }
                }
            };
            // The connector's own failures already start with the address.
            let line = line
                .strip_prefix(&format!("{address}: "))
                .map_or(line.clone(), str::to_owned);
            (i, format!("{address}: {line}"))
        });
    }
    let mut lines = asked.join_all().await;
    lines.sort();
    lines
        .into_iter()
        .map(|(_, line)| line)
        .collect::<Vec<_>>()
        .join("\n")
}

/// `host:port` of an endpoint URL.
fn endpoint_address(endpoint: &str) -> &str {
    endpoint
        .trim_start_matches("https://")
        .trim_start_matches("http://")
        .trim_end_matches('/')
}

/// A server refusal that says what the request touched (`touched`: the first keys of
/// `total`, or "the keys under PREFIX"): no user while auth is enabled, a missing permission,
/// a full database. Other errors pass through.
fn refusal(
    user: Option<&str>,
    err: Error,
    access: Access,
    touched: &[String],
    total: usize,
) -> Error {
    let Error::Etcd(etcd_client::Error::GRpcStatus(status)) = &err else {
        return err;
    };
    let msg = status.message();
    let named = || touched.iter().take(KEYS_NAMED).cloned().collect::<Vec<_>>();
    if msg.contains("user name is empty") && user.is_none() {
        Error::AuthRequired
    } else if msg.contains("permission denied") {
        Error::PermissionDenied {
            user: user.map(str::to_owned),
            access,
            keys: named(),
            more: total.saturating_sub(KEYS_NAMED),
        }
    } else if msg.contains("database space exceeded") {
        Error::NoSpace { keys: named() }
    } else {
        err
    }
}

/// How [`EtcdKv::write_or_read_back`] learnt a write's outcome.
enum Settled {
    Answered(etcd_client::TxnResponse),
    /// Read back: what the caller's `settled` said.
    ReadBack(bool),
}

/// A key as an error names it.
fn shown(key: &[u8]) -> String {
    String::from_utf8_lossy(key).into_owned()
}

/// A prefix as an error names it.
fn under(prefix: &[u8]) -> String {
    format!("the keys under {}", String::from_utf8_lossy(prefix))
}

fn to_key_value(kv: &etcd_client::KeyValue) -> KeyValue {
    KeyValue {
        mod_revision: kv.mod_revision(),
        create_revision: kv.create_revision(),
        lease: kv.lease(),
        key: kv.key().to_vec(),
        value: kv.value().to_vec(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints_get_a_scheme() {
        assert_eq!(
            normalize_endpoint("127.0.0.1:2379", false).unwrap(),
            "http://127.0.0.1:2379"
        );
        assert_eq!(
            normalize_endpoint("127.0.0.1:2379", true).unwrap(),
            "https://127.0.0.1:2379"
        );
        assert_eq!(
            normalize_endpoint("https://h:1", false).unwrap(),
            "https://h:1"
        );
        assert!(normalize_endpoint("http://h:1", true).is_err());
        assert!(normalize_endpoint("unix://x", false).is_err());
        assert!(normalize_endpoint(" ", false).is_err());
    }
}
