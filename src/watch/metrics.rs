//! What `watch` shows while it runs: OpenMetrics text for `/metrics` (prometheus-client) and
//! a health verdict for `/healthz`. The watcher updates them as it goes; a scrape reads them
//! and computes the ages at that moment. Counts and times only: never a key or a value.

use std::collections::BTreeMap;
use std::sync::atomic::AtomicU64;
use std::sync::Mutex;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use prometheus_client::encoding::text::encode;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::{Registry, Unit};
use serde::Serialize;

type Labels = Vec<(String, String)>;
type Seconds = Gauge<f64, AtomicU64>;

/// The watcher's role among the watchers of its repository.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Not elected yet (connecting, or etcd does not answer).
    Starting,
    /// Another watcher is active; this one takes over when it goes.
    Standby,
    /// This one commits and pushes.
    Active,
    /// Stopping (SIGTERM, SIGINT).
    Stopping,
}

impl Role {
    fn name(self) -> &'static str {
        match self {
            Role::Starting => "starting",
            Role::Standby => "standby",
            Role::Active => "active",
            Role::Stopping => "stopping",
        }
    }
}

/// What `/healthz` judges by.
#[derive(Debug, Clone)]
struct Health {
    role: Role,
    /// The main loop's last turn.
    heartbeat: Instant,
    /// Since when the current step keeps failing, and why (one line).
    failing: Option<(Instant, String)>,
    last_commit: Option<(String, SystemTime)>,
    /// Last successful push per remote.
    pushes: BTreeMap<String, SystemTime>,
}

/// The metrics and health of one `watch` process.
pub struct Metrics {
    registry: Registry,
    role: Family<Labels, Gauge>,
    commits: Counter,
    bursts: Counter,
    applied: Counter,
    last_commit: Seconds,
    pending: Gauge,
    lag: Gauge,
    drift: Gauge,
    conflicts: Gauge,
    errors: Family<Labels, Counter>,
    last_push: Family<Labels, Seconds>,
    push_age: Family<Labels, Seconds>,
    health: Mutex<Health>,
    /// How long a step may keep failing before `/healthz` says so.
    patience: Duration,
}

/// Every role, so that each has its series from the start.
const ROLES: [Role; 4] = [Role::Starting, Role::Standby, Role::Active, Role::Stopping];

fn label(name: &str, value: &str) -> Labels {
    vec![(name.to_owned(), value.to_owned())]
}

fn epoch(time: SystemTime) -> f64 {
    time.duration_since(UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64())
}

impl Metrics {
    /// `patience`: how long committing may keep failing before `/healthz` reports it.
    pub fn new(patience: Duration) -> Self {
        let mut registry = Registry::with_prefix("netsync_watch");
        let role = Family::<Labels, Gauge>::default();
        for r in ROLES {
            role.get_or_create(&label("role", r.name())).set(0);
        }
        role.get_or_create(&label("role", Role::Starting.name()))
            .set(1);
        registry.register(
            "role",
            "This watcher's role: 1 for the one it has (active commits and pushes, standby waits to take over)",
            role.clone(),
        );
        let commits = Counter::default();
        registry.register(
            "commits",
            "Commits made from etcd's changes",
            commits.clone(),
        );
        let bursts = Counter::default();
        registry.register(
            "bursts",
            "Bursts of changes handled (a commit, or none when nothing changed)",
            bursts.clone(),
        );
        let applied = Counter::default();
        registry.register(
            "applies",
            "Runs of apply for new commits of the branch (--apply)",
            applied.clone(),
        );
        let last_commit = Seconds::default();
        registry.register_with_unit(
            "last_commit_timestamp",
            "When this watcher last committed (Unix time)",
            Unit::Seconds,
            last_commit.clone(),
        );
        let pending = Gauge::default();
        registry.register(
            "pending_changes",
            "Changes seen in etcd and not committed yet",
            pending.clone(),
        );
        let lag = Gauge::default();
        registry.register(
            "lag_revisions",
            "etcd revisions between the newest change seen and the last one committed (0: up to date)",
            lag.clone(),
        );
        let drift = Gauge::default();
        registry.register(
            "drift_keys",
            "Keys changed in etcd that the last run could not record (0 once committed)",
            drift.clone(),
        );
        let conflicts = Gauge::default();
        registry.register(
            "conflict_keys",
            "Keys changed both in Git and in etcd since the sync point, left to the operator",
            conflicts.clone(),
        );
        let errors = Family::<Labels, Counter>::default();
        registry.register("errors", "Failed steps, by kind", errors.clone());
        let last_push = Family::<Labels, Seconds>::default();
        registry.register_with_unit(
            "remote_last_push_timestamp",
            "When this watcher last pushed to the remote successfully (Unix time)",
            Unit::Seconds,
            last_push.clone(),
        );
        let push_age = Family::<Labels, Seconds>::default();
        registry.register_with_unit(
            "remote_last_push_age",
            "How long ago this watcher last pushed to the remote successfully",
            Unit::Seconds,
            push_age.clone(),
        );
        Self {
            registry,
            role,
            commits,
            bursts,
            applied,
            last_commit,
            pending,
            lag,
            drift,
            conflicts,
            errors,
            last_push,
            push_age,
            health: Mutex::new(Health {
                role: Role::Starting,
                heartbeat: Instant::now(),
                failing: None,
                last_commit: None,
                pushes: BTreeMap::new(),
            }),
            patience,
        }
    }

    fn health(&self) -> std::sync::MutexGuard<'_, Health> {
        self.health.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn set_role(&self, role: Role) {
        for r in ROLES {
            self.role
                .get_or_create(&label("role", r.name()))
                .set(i64::from(r == role));
        }
        self.health().role = role;
    }

    pub fn role(&self) -> Role {
        self.health().role
    }

    /// How long ago the main loop last turned.
    pub fn heartbeat_age(&self) -> Duration {
        self.health().heartbeat.elapsed()
    }

    /// The main loop turned.
    pub fn beat(&self) {
        self.health().heartbeat = Instant::now();
    }

    pub fn burst(&self) {
        self.bursts.inc();
    }

    pub fn committed(&self, commit: &str) {
        let now = SystemTime::now();
        self.commits.inc();
        self.last_commit.set(epoch(now));
        self.health().last_commit = Some((commit.to_owned(), now));
    }

    pub fn applied(&self) {
        self.applied.inc();
    }

    pub fn pushed(&self, remote: &str) {
        let now = SystemTime::now();
        self.last_push
            .get_or_create(&label("remote", remote))
            .set(epoch(now));
        self.health().pushes.insert(remote.to_owned(), now);
    }

    /// Changes pending, and how many revisions the newest is ahead of the last commit.
    pub fn pending(&self, changes: u64, lag: i64) {
        self.pending.set(changes as i64);
        self.lag.set(lag.max(0));
    }

    pub fn counts(&self, drift: usize, conflicts: usize) {
        self.drift.set(drift as i64);
        self.conflicts.set(conflicts as i64);
    }

    /// A step failed (`kind`: a stable name such as `etcd`, `push`, `refused`).
    pub fn error(&self, kind: &str, message: &str) {
        self.errors.get_or_create(&label("kind", kind)).inc();
        let mut health = self.health();
        if health.failing.is_none() {
            health.failing = Some((Instant::now(), message.to_owned()));
        } else if let Some((_, said)) = health.failing.as_mut() {
            message.clone_into(said);
        }
    }

    /// The step that failed went through.
    pub fn recovered(&self) {
        self.health().failing = None;
    }

    /// The last commit this watcher made, and when.
    pub fn last_commit(&self) -> Option<(String, SystemTime)> {
        self.health().last_commit.clone()
    }

    /// OpenMetrics text, ending in `# EOF`.
    pub fn encode(&self) -> String {
        let pushes = self.health().pushes.clone();
        let now = SystemTime::now();
        for (remote, time) in pushes {
            let age = now.duration_since(time).unwrap_or_default();
            self.push_age
                .get_or_create(&label("remote", &remote))
                .set(age.as_secs_f64());
        }
        let mut out = String::new();
        // Writing into a String cannot fail.
        let _ = encode(&mut out, &self.registry);
        out
    }

    /// `Ok(text)` when healthy, `Err(text)` when not: the main loop stopped turning, or the
    /// active watcher has failed to commit for longer than the patience allows.
    pub fn healthz(&self) -> Result<String, String> {
        let health = self.health();
        let stalled = health.heartbeat.elapsed();
        if stalled > self.patience.max(Duration::from_secs(60)) {
            return Err(format!(
                "unhealthy: the watcher has not turned for {}s\n",
                stalled.as_secs()
            ));
        }
        if let Some((since, why)) = &health.failing {
            if since.elapsed() > self.patience {
                return Err(format!(
                    "unhealthy: {} for {}s: {why}\n",
                    health.role.name(),
                    since.elapsed().as_secs()
                ));
            }
        }
        let mut text = format!("ok: {}", health.role.name());
        if let Some((commit, time)) = &health.last_commit {
            let ago = SystemTime::now().duration_since(*time).unwrap_or_default();
            text.push_str(&format!(
                ", last commit {} {}s ago",
                &commit[..commit.len().min(12)],
                ago.as_secs()
            ));
        }
        text.push('\n');
        Ok(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metrics_are_openmetrics_with_every_series() {
        let metrics = Metrics::new(Duration::from_secs(30));
        metrics.set_role(Role::Active);
        metrics.committed("0123456789abcdef0123");
        metrics.pushed("origin");
        metrics.pending(3, 7);
        metrics.error("push", "the primary remote origin rejected the push");
        let text = metrics.encode();
        for line in [
            "netsync_watch_role{role=\"active\"} 1",
            "netsync_watch_role{role=\"standby\"} 0",
            "netsync_watch_commits_total 1",
            "netsync_watch_pending_changes 3",
            "netsync_watch_lag_revisions 7",
            "netsync_watch_errors_total{kind=\"push\"} 1",
            "# TYPE netsync_watch_remote_last_push_age_seconds gauge",
            "# UNIT netsync_watch_last_commit_timestamp_seconds seconds",
        ] {
            assert!(text.contains(line), "{line} in:\n{text}");
        }
        assert!(text.ends_with("# EOF\n"), "{text}");
        // Failing, but not for long yet: still healthy.
        let ok = metrics.healthz().unwrap();
        assert!(
            ok.starts_with("ok: active, last commit 0123456789ab"),
            "{ok}"
        );
        metrics.recovered();
        assert!(metrics.healthz().is_ok());
    }

    #[test]
    fn a_step_failing_longer_than_the_patience_is_unhealthy() {
        let metrics = Metrics::new(Duration::from_millis(1));
        metrics.error("etcd", "cannot reach etcd");
        std::thread::sleep(Duration::from_millis(20));
        let err = metrics.healthz().unwrap_err();
        assert!(err.contains("cannot reach etcd"), "{err}");
    }
}
