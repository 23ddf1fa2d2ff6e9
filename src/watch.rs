//! `watch`: the two-way sync running continuously. One watcher per repository is active (an
//! etcd election on a lease); the others stand by and take over when its lease goes. The
//! active one follows an etcd watch on the managed prefixes and commits each burst of changes
//! as `persist` would ([`persist::persist_locked`]: the same three-way rule, guards, sealing,
//! trailers, pushes), once `debounce` passed without a change or `max_delay` after the burst's
//! first; with `apply`, it also applies new commits of the branch ([`apply::apply_locked`]).
//! Each run holds the repository's lock, taken on the election's lease, so that every write
//! is fenced on it and `apply` or `persist` started by hand still take turns with it.
//!
//! The watch says *that* something changed; the run reads what, at one revision, from the
//! sync point, so a missed or repeated event costs a run and never a change: a watch that
//! breaks is opened again on another member from the last revision committed, and one whose
//! revision was compacted is followed by a full read.

pub mod backups;
pub mod http;
pub mod metrics;
pub mod timing;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use serde::Serialize;
use tokio::sync::{mpsc, watch as channel};
use tokio::time::Instant;

use crate::apply::{self, ApplyOptions};
use crate::config::Config;
use crate::desired;
use crate::git::{ObjectId, Repo};
use crate::keypath::display_key;
use crate::kv::{self, EtcdKv, WatchMessage, Watcher};
use crate::lock::{self, Acquired, Holder, Lock};
use crate::persist::{self, PersistOptions, PersistReport};
use crate::plan::{Action, Class, Policy};
use crate::progress::Progress;
use crate::secrets::Identities;
use backups::Backups;
use metrics::{Metrics, Role};
use timing::{Backoff, Burst};

/// Defaults of the command line's flags.
pub const DEFAULT_DEBOUNCE: Duration = Duration::from_secs(2);
pub const DEFAULT_MAX_DELAY: Duration = Duration::from_secs(30);
pub const DEFAULT_POLL: Duration = Duration::from_secs(30);
pub const DEFAULT_LEASE_TTL: Duration = Duration::from_secs(15);
/// How long a stopping watcher lets the run under way finish before it abandons it.
pub const STOP_GRACE: Duration = Duration::from_secs(5);

/// The longest wait between two attempts of a failing run.
const LONGEST_RETRY: Duration = Duration::from_secs(60);
/// How often the loop looks at its lease when nothing else happens.
const TICK: Duration = Duration::from_secs(1);

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Persist(#[from] persist::Error),
}

/// What the user asked `watch` to do.
#[derive(Debug, Clone)]
pub struct WatchOptions {
    /// The branch to commit to and apply from.
    pub branch: String,
    /// Quiet time that ends a burst.
    pub debounce: Duration,
    /// The longest a burst waits after its first change.
    pub max_delay: Duration,
    /// Apply new commits of the branch from the primary remote.
    pub apply: bool,
    /// How often the primary remote is asked for new commits (with `apply`).
    pub poll: Duration,
    /// Time to live of the election's lease: how soon a standby takes over from a dead
    /// watcher.
    pub lease_ttl: Duration,
    /// `--identity` files (secrets to compare, and with `apply` to decrypt).
    pub identity_files: Vec<PathBuf>,
    /// With `apply`: deploy only commits one of these signed ([`crate::trust`]), as `apply`
    /// does with the same setting.
    pub allowed_signers: Option<crate::git::AllowedSigners>,
    pub page_size: usize,
}

/// What the process tells the watcher.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Control {
    /// SIGTERM, SIGINT: finish or abandon the run under way, give up the lease, return.
    Stop,
    /// SIGHUP: ask the primary remote for new commits now, and retry a refused run.
    Poll,
}

/// What happened, for the log and the command line's output. Keys in printable form, never a
/// value.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum Event {
    /// Another watcher is active; this one waits.
    Standby { holder: Holder },
    /// This watcher is active.
    Active { lease_ttl_seconds: u64 },
    /// A burst was committed (and pushed to the primary).
    Committed {
        commit: String,
        etcd_revision: i64,
        added: usize,
        changed: usize,
        deleted: usize,
        /// Remotes that took it (the primary; backups follow on their own).
        pushed: Vec<String>,
        /// Times it was rebuilt on a primary that moved ahead.
        rebuilt: usize,
    },
    /// New commits of the branch were applied to etcd.
    Applied { commit: String, transactions: usize },
    /// Keys changed on both sides, left to the operator (the set changed).
    Conflicts { keys: Vec<String> },
    /// A backup remote took a commit, or did not (retried later).
    Backup {
        remote: String,
        commit: String,
        #[serde(skip_serializing_if = "Option::is_none")]
        error: Option<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        retry_in_seconds: Option<u64>,
    },
    /// A run failed; it is retried.
    Failed {
        error: String,
        retry_in_seconds: u64,
    },
    /// A guard refused a run; it is retried when etcd changes again, or on SIGHUP.
    Refused { error: String },
    /// `--apply` with allowed signers: the branch's tip was not applied, a commit to deploy
    /// is not signed by an allowed signer. The next commit pushed is tried.
    Untrusted { error: String },
    /// The lease was lost (etcd unreachable or too slow): back to standby.
    LostLease,
    /// Stopped on request, lease given up.
    Stopped,
}

/// The one-line form of an error with its causes.
fn said(err: &dyn std::error::Error) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        let more = cause.to_string();
        if !text.contains(&more) {
            text.push_str(": ");
            text.push_str(&more);
        }
        source = cause.source();
    }
    text
}

/// Everything a watcher works with.
pub struct Watch<'a> {
    pub repo: &'a Repo,
    pub kv: &'a mut EtcdKv,
    pub options: &'a WatchOptions,
    pub identities: &'a Identities,
    pub metrics: Arc<Metrics>,
    pub report: &'a (dyn Fn(&Event) + Sync),
}

/// How an active spell ended.
enum Ended {
    Stopped,
    Lost,
}

/// Run until told to stop: stand by, become active, commit bursts; back to standby when the
/// lease is lost.
pub async fn run(
    mut watch: Watch<'_>,
    control: &mut mpsc::UnboundedReceiver<Control>,
) -> Result<(), Error> {
    loop {
        let (_, config) = persist::target_branch(watch.repo, Some(&watch.options.branch))?;
        let Some(election) = watch.campaign(&config, control).await else {
            watch.metrics.set_role(Role::Stopping);
            (watch.report)(&Event::Stopped);
            return Ok(());
        };
        watch.metrics.set_role(Role::Active);
        (watch.report)(&Event::Active {
            lease_ttl_seconds: watch.options.lease_ttl.as_secs(),
        });
        let ended = watch.active(config, &election, control).await;
        if let Err(err) = election.release(watch.kv).await {
            tracing::warn!(%err, "could not give up the lease; it expires with its time to live");
        }
        match ended {
            Ended::Stopped => {
                watch.metrics.set_role(Role::Stopping);
                (watch.report)(&Event::Stopped);
                return Ok(());
            }
            Ended::Lost => {
                watch.metrics.set_role(Role::Starting);
                (watch.report)(&Event::LostLease);
            }
        }
    }
}

/// The key ranges of the managed prefixes.
fn ranges(config: &Config) -> Vec<(Vec<u8>, Vec<u8>)> {
    config
        .mappings
        .iter()
        .map(|m| (m.prefix.clone(), kv::prefix_range_end(&m.prefix)))
        .collect()
}

/// What the watch reader saw.
enum Seen {
    /// `changes` events that may change what Git holds (not ephemeral, not leased).
    Changes {
        at: Instant,
        changes: u64,
        revision: i64,
    },
    /// The watch lost changes to a compaction.
    Gap,
    Disconnected(String),
}

/// Follow the watch, opened again (on the next member) whenever it breaks, from the revision
/// after the last one committed (`committed`), or from the compaction when that is later.
async fn read_changes(
    mut watcher: Watcher,
    config: Arc<Config>,
    mut committed: channel::Receiver<i64>,
    start: i64,
    seen: mpsc::Sender<Seen>,
) {
    // Opened from the revision after `start` (the election's own write, older than the first
    // run's read), never from "now": a change made before the opening and after the first
    // run's read would be missed. A change between the two is read by the first run and
    // seen here too, which costs one run that commits nothing. Without `start`, from the
    // revision after the first run that got through.
    if start == 0 && committed.wait_for(|r| *r > 0).await.is_err() {
        return;
    }
    let mut backoff = Backoff::new(Duration::from_millis(100), Duration::from_secs(2));
    let mut move_on = false;
    let mut floor = start + 1;
    loop {
        let from = (*committed.borrow() + 1).max(floor);
        crate::testhook::run("before_watch_open");
        if let Err(err) = watcher.open(from, move_on).await {
            if seen
                .send(Seen::Disconnected(err.to_string()))
                .await
                .is_err()
            {
                return;
            }
            move_on = true;
            tokio::time::sleep(backoff.failed()).await;
            continue;
        }
        tracing::debug!(from, "watching etcd");
        backoff.succeeded();
        move_on = loop {
            let message = match watcher.next().await {
                Ok(Some(message)) => message,
                Ok(None) => break true,
                Err(err) => {
                    if seen
                        .send(Seen::Disconnected(err.to_string()))
                        .await
                        .is_err()
                    {
                        return;
                    }
                    break true;
                }
            };
            let sent = match message {
                WatchMessage::Events { events, .. } => {
                    let relevant = events
                        .iter()
                        .filter(|e| !config.is_ephemeral(&e.key) && (e.deleted || e.lease == 0));
                    let (changes, revision) =
                        relevant.fold((0u64, 0i64), |(n, r), e| (n + 1, r.max(e.mod_revision)));
                    seen.send(Seen::Changes {
                        at: Instant::now(),
                        changes,
                        revision,
                    })
                    .await
                }
                WatchMessage::Progress { .. } => Ok(()),
                WatchMessage::Compacted { compact_revision } => {
                    tracing::warn!(
                        compact_revision,
                        "the watch fell behind a compaction; reading every value again"
                    );
                    floor = compact_revision;
                    let _ = seen.send(Seen::Gap).await;
                    break false;
                }
            };
            if sent.is_err() {
                return;
            }
        };
        tokio::time::sleep(backoff.failed()).await;
    }
}

/// Why a run did not get through.
enum Failure {
    /// Someone else holds the repository's lock (an apply or persist started by hand).
    Busy(Holder),
    /// A guard refused: retried when etcd changes again.
    Refused(String),
    /// The lease is gone.
    Lost,
    /// Anything else: retried with backoff.
    Failed(String, &'static str),
}

/// What a run did.
struct Ran {
    persisted: PersistReport,
    applied: Option<apply::Applied>,
    /// The branch's tip was not applied: a commit to deploy is not signed by an allowed
    /// signer. Tried again when the tip moves.
    untrusted: Option<String>,
}

fn persist_failure(err: persist::Error) -> Failure {
    use persist::Error as E;
    match err {
        E::LockLost => Failure::Lost,
        E::MassDelete { .. }
        | E::CannotWriteBack { .. }
        | E::Unsealed { .. }
        | E::NoRecipients { .. }
        | E::ImplausibleTrailer { .. }
        | E::BadRemotes { .. }
        | E::BadAuthor { .. } => Failure::Refused(said(&err)),
        E::PrimaryPush { .. } | E::KeptMoving { .. } => Failure::Failed(said(&err), "push"),
        E::Kv(_) => Failure::Failed(said(&err), "etcd"),
        _ => Failure::Failed(said(&err), "persist"),
    }
}

fn apply_failure(err: apply::Error) -> Failure {
    match err {
        apply::Error::PruneGuard(_) | apply::Error::Conflict { .. } => Failure::Refused(said(&err)),
        _ => Failure::Failed(said(&err), "apply"),
    }
}

impl Watch<'_> {
    /// Stand by until this watcher holds the election; `None` when told to stop first.
    async fn campaign(
        &mut self,
        config: &Config,
        control: &mut mpsc::UnboundedReceiver<Control>,
    ) -> Option<Lock> {
        let key = crate::watcher::election_key(config);
        let mut backoff = Backoff::new(Duration::from_millis(500), Duration::from_secs(10));
        let mut holder_seen: Option<Holder> = None;
        let mut watcher: Option<Watcher> = None;
        loop {
            self.metrics.beat();
            let wait = match lock::acquire_key(
                self.kv,
                key.clone(),
                "watch",
                self.options.lease_ttl,
            )
            .await
            {
                Ok(Acquired::Held(lock)) => return Some(lock),
                Ok(Acquired::Busy(holder)) => {
                    backoff.succeeded();
                    self.metrics.recovered();
                    self.metrics.set_role(Role::Standby);
                    if holder_seen.as_ref() != Some(&holder) {
                        (self.report)(&Event::Standby {
                            holder: holder.clone(),
                        });
                        holder_seen = Some(holder);
                    }
                    if watcher.is_none() {
                        let mut w = self.kv.watcher(vec![(key.clone(), Vec::new())]);
                        if w.open(0, false).await.is_ok() {
                            watcher = Some(w);
                        }
                    }
                    // The watch says at once when the key goes; this is the fallback.
                    (self.options.lease_ttl / 3).max(Duration::from_millis(500))
                }
                Err(err) => {
                    let delay = backoff.failed();
                    self.metrics.error("etcd", &said(&err));
                    (self.report)(&Event::Failed {
                        error: said(&err),
                        retry_in_seconds: delay.as_secs(),
                    });
                    watcher = None;
                    delay
                }
            };
            let deadline = Instant::now() + wait;
            loop {
                tokio::select! {
                    message = control.recv() => match message {
                        Some(Control::Poll) => break,
                        Some(Control::Stop) | None => return None,
                    },
                    message = next_message(&mut watcher) => match message {
                        Some(WatchMessage::Events { events, .. }) if events.iter().any(|e| e.deleted) => break,
                        Some(_) => {}
                        None => watcher = None,
                    },
                    _ = tokio::time::sleep_until(deadline) => break,
                }
                self.metrics.beat();
            }
        }
    }

    /// Commit bursts until told to stop or the lease is lost.
    async fn active(
        &mut self,
        mut config: Config,
        election: &Lock,
        control: &mut mpsc::UnboundedReceiver<Control>,
    ) -> Ended {
        let options = self.options;
        let mut burst = Burst::new(options.debounce, options.max_delay);
        let (committed_tx, committed_rx) = channel::channel(0i64);
        let (seen_tx, mut seen) = mpsc::channel(1024);
        // The election key was written before any run read etcd: the watch starts after it,
        // so a first run that does not get through (a guard refusing) still leaves it open.
        let start = match crate::kv::Kv::get(self.kv, &election.key).await {
            Ok(Some(own)) => own.mod_revision,
            _ => 0,
        };
        let spawn_reader = |kv: &EtcdKv, config: &Config, rx: channel::Receiver<i64>| {
            tokio::spawn(read_changes(
                kv.watcher(ranges(config)),
                Arc::new(config.clone()),
                rx,
                start,
                seen_tx.clone(),
            ))
        };
        let mut reader = AbortOnDrop(spawn_reader(self.kv, &config, committed_rx.clone()));
        let git_dir = self.repo.gix().git_dir().to_owned();
        let start_backups = |config: &Config| {
            Backups::start(
                git_dir.clone(),
                options.branch.clone(),
                config.persist.remotes.iter().skip(1).cloned().collect(),
            )
        };
        let mut backups = start_backups(&config);
        let mut committed: i64 = 0;
        // The first run records what changed while no watcher ran, from the sync point.
        let mut run_now = true;
        let mut full_read = false;
        let mut need_apply = options.apply;
        let mut retry: Option<Instant> = None;
        let mut backoff = Backoff::new(Duration::from_secs(1), LONGEST_RETRY);
        let mut refused_at: Option<i64> = None;
        let mut next_poll = Instant::now() + options.poll;
        let mut remote_tip: Option<String> = None;
        // A tip `--apply` refused on signatures: not tried again until the branch moves on.
        let mut untrusted_tip: Option<String> = None;
        let mut conflicts: Vec<String> = Vec::new();
        let mut stop = false;
        loop {
            self.metrics.beat();
            if election.is_lost() {
                return Ended::Lost;
            }
            let now = Instant::now();
            let burst_due = burst.due().is_some_and(|due| due <= now)
                && refused_at.is_none_or(|r| burst.revision() > r);
            // A failing run waits for its retry, whatever else is due meanwhile.
            let may_run = retry.is_none_or(|at| at <= now);
            if may_run && (run_now || burst_due || retry.is_some() || stop && burst.is_pending()) {
                self.metrics.burst();
                let pending = burst.revision();
                // The last run of a stopping watcher gets the grace time, and no more.
                let limit = stop.then(|| Instant::now() + STOP_GRACE);
                let outcome = {
                    let run = self.run_once(&config, election, full_read, need_apply);
                    tokio::pin!(run);
                    loop {
                        tokio::select! {
                            outcome = &mut run => break Some(outcome),
                            _ = sleep_until_some(limit) => break None,
                            message = control.recv(), if !stop => match message {
                                Some(Control::Poll) => next_poll = Instant::now(),
                                Some(Control::Stop) | None => {
                                    stop = true;
                                    break tokio::time::timeout(STOP_GRACE, &mut run).await.ok();
                                }
                            },
                        }
                    }
                };
                let Some(outcome) = outcome else {
                    tracing::warn!("stopping: abandoned the run under way after {STOP_GRACE:?}; the next active watcher takes it up from the sync point");
                    return Ended::Stopped;
                };
                run_now = false;
                match outcome {
                    Ok(ran) => {
                        backoff.succeeded();
                        self.metrics.recovered();
                        retry = None;
                        refused_at = None;
                        full_read = false;
                        let report = &ran.persisted;
                        committed = committed.max(report.etcd_revision);
                        committed_tx.send_replace(committed);
                        burst.covered(report.etcd_revision);
                        if ran.applied.is_some() {
                            need_apply = false;
                            self.metrics.applied();
                        }
                        if let Some(error) = &ran.untrusted {
                            need_apply = false;
                            untrusted_tip = self
                                .repo
                                .branch_tip(&options.branch)
                                .ok()
                                .flatten()
                                .map(|t| t.to_string());
                            self.metrics.error("untrusted", error);
                            (self.report)(&Event::Untrusted {
                                error: error.clone(),
                            });
                        }
                        let tip = self.repo.branch_tip(&options.branch).ok().flatten();
                        remote_tip = tip.map(|t| t.to_string()).or(remote_tip);
                        // A run that only persisted may have fetched new commits of the
                        // primary (persist builds on its tip): what they changed waits in Git,
                        // and the poll will not see the tip move again. Apply it now.
                        if options.apply
                            && ran.applied.is_none()
                            && ran.untrusted.is_none()
                            && ran.persisted.pending_in_git > 0
                            && remote_tip != untrusted_tip
                        {
                            need_apply = true;
                            run_now = true;
                        }
                        self.after_run(&config, election, &ran, tip, &backups, &mut conflicts)
                            .await;
                        // netsync.toml may have changed on the branch.
                        if let Ok((_, new)) =
                            persist::target_branch(self.repo, Some(&options.branch))
                        {
                            if ranges(&new) != ranges(&config)
                                || format!("{:?}", new.ephemeral)
                                    != format!("{:?}", config.ephemeral)
                            {
                                tracing::info!(
                                    "netsync.toml changed on the branch; watching its prefixes"
                                );
                                reader =
                                    AbortOnDrop(spawn_reader(self.kv, &new, committed_rx.clone()));
                                run_now = true;
                            }
                            if new.persist.remotes != config.persist.remotes {
                                backups = start_backups(&new);
                                if let Some(tip) = tip {
                                    backups.push(tip);
                                }
                            }
                            config = new;
                        }
                    }
                    Err(Failure::Lost) => return Ended::Lost,
                    Err(Failure::Busy(holder)) => {
                        tracing::info!(%holder, "the lock is taken; trying again shortly");
                        retry = Some(Instant::now() + Duration::from_secs(1));
                    }
                    Err(Failure::Refused(error)) => {
                        self.metrics.error("refused", &error);
                        (self.report)(&Event::Refused { error });
                        retry = None;
                        refused_at = Some(pending.max(burst.revision()));
                    }
                    Err(Failure::Failed(error, kind)) => {
                        let delay = backoff.failed();
                        self.metrics.error(kind, &error);
                        (self.report)(&Event::Failed {
                            error,
                            retry_in_seconds: delay.as_secs(),
                        });
                        retry = Some(Instant::now() + delay);
                    }
                }
                self.metrics
                    .pending(burst.changes(), burst.revision() - committed);
                if stop {
                    return Ended::Stopped;
                }
                continue;
            }
            if stop {
                return Ended::Stopped;
            }
            if options.apply && now >= next_poll {
                next_poll = now + options.poll;
                if let Some(primary) = config.persist.remotes.first() {
                    let (dir, remote, branch) =
                        (git_dir.clone(), primary.clone(), options.branch.clone());
                    let asked = tokio::task::spawn_blocking(move || {
                        crate::git::remote::ls_remote(&dir, &remote, &branch)
                    })
                    .await;
                    match asked {
                        Ok(Ok(tip)) if tip.is_some() && tip != remote_tip => {
                            tracing::info!(tip = ?tip, "new commits on the primary remote; applying them");
                            need_apply = true;
                            run_now = true;
                            continue;
                        }
                        Ok(Ok(_)) => {}
                        Ok(Err(err)) => {
                            self.metrics.error("poll", &said(&err));
                            tracing::warn!("{}", said(&err));
                        }
                        Err(err) => tracing::warn!(%err, "asking the primary remote failed"),
                    }
                }
            }
            let mut wake = now + TICK;
            if let Some(due) = burst
                .due()
                .filter(|_| refused_at.is_none_or(|r| burst.revision() > r))
            {
                wake = wake.min(due);
            }
            if let Some(at) = retry {
                wake = wake.min(at);
            }
            if options.apply {
                wake = wake.min(next_poll);
            }
            tokio::select! {
                message = seen.recv() => match message {
                    Some(Seen::Changes { at, changes, revision }) if revision > committed => {
                        burst.add(at, changes, revision);
                    }
                    Some(Seen::Changes { .. }) => {}
                    Some(Seen::Gap) => {
                        full_read = true;
                        run_now = true;
                    }
                    Some(Seen::Disconnected(reason)) => {
                        tracing::info!(%reason, "the etcd watch broke; opening it again on another member");
                        self.metrics.error("watch", &reason);
                    }
                    None => {}
                },
                message = control.recv() => match message {
                    Some(Control::Poll) => {
                        next_poll = Instant::now();
                        refused_at = None;
                        retry = retry.map(|_| Instant::now());
                    }
                    Some(Control::Stop) | None => stop = true,
                },
                outcome = backups.outcomes.recv() => {
                    if let Some(outcome) = outcome {
                        self.backed_up(&config, election, outcome).await;
                    }
                }
                _ = tokio::time::sleep_until(wake) => {}
            }
            self.metrics
                .pending(burst.changes(), burst.revision() - committed);
            let _ = &mut reader;
        }
    }

    /// One run under the repository's lock, taken on the election's lease: persist (from the
    /// sync point, so everything since the last commit), then with `apply` the branch's tip.
    async fn run_once(
        &mut self,
        config: &Config,
        election: &Lock,
        full_read: bool,
        apply: bool,
    ) -> Result<Ran, Failure> {
        let lock = match lock::acquire_on(self.kv, config, "watch", election).await {
            Ok(Acquired::Held(lock)) => lock,
            Ok(Acquired::Busy(holder)) => return Err(Failure::Busy(holder)),
            Err(err) => return Err(Failure::Failed(said(&err), "etcd")),
        };
        let result = self.run_locked(config, &lock, full_read, apply).await;
        if let Err(err) = lock.release(self.kv).await {
            tracing::debug!(%err, "could not release the lock; it goes with the lease");
        }
        result
    }

    async fn run_locked(
        &mut self,
        config: &Config,
        lock: &Lock,
        full_read: bool,
        apply: bool,
    ) -> Result<Ran, Failure> {
        let options = self.options;
        let progress = Progress::disabled();
        let persist_options = PersistOptions {
            branch: Some(options.branch.clone()),
            page_size: options.page_size,
            identity_files: options.identity_files.clone(),
            full_read,
            policy: Policy::Skip,
            push_backups: false,
            ..PersistOptions::default()
        };
        let persisted = persist::persist_locked(
            self.repo,
            self.kv,
            &options.branch,
            config,
            &persist_options,
            &progress,
            lock,
        )
        .await
        .map_err(persist_failure)?;
        let applied = match apply {
            false => None,
            true => {
                let desired = desired::load(self.repo, Some(&options.branch))
                    .map_err(|e| Failure::Failed(said(&e), "apply"))?;
                let apply_options = ApplyOptions {
                    policy: Policy::Skip,
                    allowed_signers: options.allowed_signers.clone(),
                    ..ApplyOptions::default()
                };
                match apply::apply_locked(
                    self.repo,
                    desired,
                    self.kv,
                    &apply_options,
                    self.identities,
                    &progress,
                    lock,
                )
                .await
                {
                    Ok(applied) => Some(applied),
                    // Not a failure to retry: the same commits would be refused again. What
                    // was persisted stands; the next tip is tried when it comes.
                    Err(apply::Error::Trust(err)) => {
                        return Ok(Ran {
                            persisted,
                            applied: None,
                            untrusted: Some(said(&err)),
                        })
                    }
                    Err(err) => return Err(apply_failure(err)),
                }
            }
        };
        Ok(Ran {
            persisted,
            applied,
            untrusted: None,
        })
    }

    /// Report a run that got through, record its commit for `status`, hand the tip to the
    /// backups.
    async fn after_run(
        &mut self,
        config: &Config,
        election: &Lock,
        ran: &Ran,
        tip: Option<ObjectId>,
        backups: &Backups,
        conflicts: &mut Vec<String>,
    ) {
        let report = &ran.persisted;
        let pushed: Vec<String> = report
            .pushes
            .iter()
            .filter(|p| p.ok)
            .map(|p| p.remote.clone())
            .collect();
        for remote in &pushed {
            self.metrics.pushed(remote);
        }
        if let Some(commit) = &report.commit {
            self.metrics.committed(commit);
            (self.report)(&Event::Committed {
                commit: commit.clone(),
                etcd_revision: report.etcd_revision,
                added: report.count(Action::Add),
                changed: report.count(Action::Change),
                deleted: report.count(Action::Delete),
                pushed: pushed.clone(),
                rebuilt: report.rebuilt,
            });
            let record = crate::watcher::LastCommit::now(commit, report.etcd_revision);
            let value = serde_json::to_vec(&record).unwrap_or_default();
            if let Err(err) = election
                .fenced_put(self.kv, &crate::watcher::commit_key(config), &value)
                .await
            {
                tracing::warn!(%err, "could not record the commit in etcd for status");
            }
        }
        let mut now: Vec<String> = report.conflicts.clone();
        let mut drift = 0;
        if let Some(applied) = &ran.applied {
            let plan = &applied.prepared.plan;
            now.extend(
                plan.kept
                    .iter()
                    .filter(|c| c.class == Class::Conflict)
                    .map(|c| display_key(&c.key)),
            );
            drift = plan
                .kept
                .iter()
                .filter(|c| c.class == Class::EtcdOnly)
                .count();
            if applied.report.transactions > 0 {
                (self.report)(&Event::Applied {
                    commit: applied.prepared.desired.revision.commit.to_string(),
                    transactions: applied.report.transactions,
                });
            }
        }
        now.sort();
        now.dedup();
        self.metrics.counts(drift, now.len());
        if now != *conflicts {
            if !now.is_empty() {
                tracing::warn!(
                    "{} changed both in Git and in etcd since the sync point; left to the operator (`netsync diff`, then `netsync apply --prefer git|etcd` or `netsync persist --prefer etcd|git`)",
                    now.join(", ")
                );
            }
            (self.report)(&Event::Conflicts { keys: now.clone() });
            *conflicts = now;
        }
        let primary_has_it = report.pushes.iter().any(|p| p.primary && p.ok)
            || config.persist.remotes.len() > 1 && report.commit.is_none();
        if let (true, Some(tip)) = (primary_has_it, tip) {
            backups.push(tip);
        }
    }

    /// A backup push finished: record it for `status`, or report it.
    async fn backed_up(&mut self, config: &Config, election: &Lock, outcome: backups::Outcome) {
        let commit = outcome.commit.to_string();
        if outcome.error.is_none() {
            self.metrics.pushed(&outcome.remote);
            crate::pushes::record(
                self.kv,
                election,
                config,
                [outcome.remote.as_str()],
                &commit,
            )
            .await;
        } else {
            self.metrics
                .error("backup", outcome.error.as_deref().unwrap_or_default());
        }
        (self.report)(&Event::Backup {
            remote: outcome.remote,
            commit,
            error: outcome.error,
            retry_in_seconds: outcome.retry_in.map(|d| d.as_secs()),
        });
    }
}

/// Sleep until `at`; never, without one.
async fn sleep_until_some(at: Option<Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}

/// The next message of an optional watch; never, without one.
async fn next_message(watcher: &mut Option<Watcher>) -> Option<WatchMessage> {
    match watcher {
        Some(w) => w.next().await.ok().flatten(),
        None => std::future::pending().await,
    }
}

/// A task that stops when its handle goes.
struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}
