//! Monitoring checks over what `status` gathered: which fail and why, in words for an alert.
//! Pure: the command line decides what a failure costs (an exit code, a Nagios state).

use std::time::Duration;

use crate::status::{age_of, Status};

/// A condition `status --fail-on` (or `--warn-on`) can check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Check {
    /// Keys changed in etcd since the sync point and not persisted.
    Drift,
    /// Keys changed on both sides.
    Conflict,
    /// An endpoint that is down, hangs, or answers without a leader.
    Unhealthy,
    /// A remote that failed to answer, or lacks the sync commit.
    Remote,
    /// The lock held for longer than the allowed lock age.
    Lock,
    /// No `persist.remotes`: persist commits only locally.
    NoRemote,
    /// The last persist was refused by a guard.
    Refused,
}

impl Check {
    /// Its name on the command line and in messages.
    pub fn name(self) -> &'static str {
        match self {
            Check::Drift => "drift",
            Check::Conflict => "conflict",
            Check::Unhealthy => "unhealthy",
            Check::Remote => "remote",
            Check::Lock => "lock",
            Check::NoRemote => "no-remote",
            Check::Refused => "refused",
        }
    }
}

/// A check that failed, and what an alert should say.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failed {
    /// The check's name (`stale` for the sync point's age).
    pub check: &'static str,
    pub message: String,
}

/// Whether the sync point is missing or older than `max`.
pub fn stale(status: &Status, max: Duration) -> Option<Failed> {
    let age = status.sync_point.as_ref().and_then(|p| p.age_seconds);
    let message = match age {
        None => "the sync point is missing".to_owned(),
        Some(age) if age > max.as_secs() => format!(
            "the sync point is {} old (allowed: {})",
            humantime::format_duration(Duration::from_secs(age)),
            humantime::format_duration(max)
        ),
        Some(_) => return None,
    };
    Some(Failed {
        check: "stale",
        message,
    })
}

/// Whether `check` fails on `status`; `max_lock_age`: how long a run may hold the lock.
pub fn failed(status: &Status, check: Check, max_lock_age: Duration) -> Option<Failed> {
    let c = &status.counts;
    let message = match check {
        Check::Drift if c.drift > 0 => format!("{} key(s) drifted in etcd, not persisted", c.drift),
        Check::Conflict if c.conflicts > 0 => {
            format!("{} key(s) changed both in Git and in etcd", c.conflicts)
        }
        Check::Unhealthy => {
            let down: Vec<&str> = status
                .endpoints
                .iter()
                .filter(|e| !e.healthy)
                .map(|e| e.endpoint.as_str())
                .collect();
            if down.is_empty() {
                return None;
            }
            format!("unhealthy endpoints: {}", down.join(", "))
        }
        Check::Remote => {
            let failing: Vec<String> = status
                .remotes
                .iter()
                .filter_map(|r| match (&r.error, r.has_sync_commit) {
                    (Some(err), _) => Some(format!("{} ({err})", r.remote)),
                    (None, Some(false)) => Some(format!("{} (lacks the sync commit)", r.remote)),
                    _ => None,
                })
                .collect();
            if failing.is_empty() {
                return None;
            }
            format!("failing remotes: {}", failing.join(", "))
        }
        Check::Lock => {
            let holder = status.lock.holder.as_ref()?;
            let age = age_of(&holder.since)?;
            if age <= max_lock_age.as_secs() {
                return None;
            }
            format!(
                "the lock has been held for {} (allowed: {}) by {holder}",
                humantime::format_duration(Duration::from_secs(age)),
                humantime::format_duration(max_lock_age)
            )
        }
        Check::NoRemote if status.remotes.is_empty() => {
            "no persist.remotes: persist commits only to this repository".to_owned()
        }
        Check::Refused => {
            let r = status.refused_persist.as_ref()?;
            format!(
                "the last persist was refused ({} guard) at {} on {}",
                r.guard, r.time, r.host
            )
        }
        _ => return None,
    };
    Some(Failed {
        check: check.name(),
        message,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::status::{Counts, EndpointStatus, LockStatus, RemoteStatus};

    fn status() -> Status {
        Status {
            branch: "main".into(),
            branch_commit: "0".repeat(40),
            etcd_revision: 10,
            cluster_id: "c".into(),
            sync_point: None,
            lock: LockStatus {
                held: false,
                holder: None,
            },
            watcher: None,
            counts: Counts::default(),
            refused_persist: None,
            remotes: Vec::new(),
            endpoints: Vec::new(),
        }
    }

    #[test]
    fn each_check_fails_only_on_its_condition() {
        let mut s = status();
        let all = [
            Check::Drift,
            Check::Conflict,
            Check::Unhealthy,
            Check::Remote,
            Check::Lock,
            Check::Refused,
        ];
        let hour = Duration::from_secs(3600);
        assert!(all.iter().all(|&c| failed(&s, c, hour).is_none()));
        assert_eq!(
            failed(&s, Check::NoRemote, hour).unwrap().check,
            "no-remote"
        );
        assert!(stale(&s, hour).unwrap().message.contains("missing"));

        s.counts.drift = 2;
        s.counts.conflicts = 1;
        s.endpoints.push(EndpointStatus {
            endpoint: "http://10.0.0.1:2379".into(),
            healthy: false,
            version: None,
            member_id: None,
            leader: None,
            db_size: None,
            revision: None,
            latency_ms: None,
            errors: vec!["refused".into()],
        });
        s.remotes.push(RemoteStatus {
            remote: "backup".into(),
            last_push: None,
            tip: None,
            has_sync_commit: Some(false),
            error: None,
        });
        s.lock = LockStatus {
            held: true,
            holder: Some(crate::lock::Holder {
                host: "core-1".into(),
                pid: 7,
                command: "persist".into(),
                since: "2000-01-01T00:00:00Z".into(),
            }),
        };
        let message = |c| failed(&s, c, hour).map(|f| f.message);
        assert_eq!(
            message(Check::Drift).unwrap(),
            "2 key(s) drifted in etcd, not persisted"
        );
        assert!(message(Check::Unhealthy)
            .unwrap()
            .contains("http://10.0.0.1:2379"));
        assert!(message(Check::Remote)
            .unwrap()
            .contains("backup (lacks the sync commit)"));
        assert!(message(Check::Lock)
            .unwrap()
            .contains("netsync persist pid 7 on core-1"));
        assert!(message(Check::NoRemote).is_none());
        assert!(failed(&s, Check::Lock, Duration::from_secs(u64::MAX / 2)).is_none());
    }
}
