//! When `watch` acts: a burst of changes is committed after `debounce` of quiet, and at the
//! latest `max_delay` after its first change; a failed step is retried after a delay that
//! doubles, with jitter. Pure: the caller says what time it is.

use std::time::Duration;

use tokio::time::Instant;

/// The changes seen since the last commit that covered them.
#[derive(Debug, Clone)]
pub struct Burst {
    debounce: Duration,
    max_delay: Duration,
    /// When the first pending change arrived.
    first: Option<Instant>,
    /// When the last one did.
    last: Option<Instant>,
    /// How many changes are pending.
    changes: u64,
    /// The newest revision among them.
    revision: i64,
}

impl Burst {
    pub fn new(debounce: Duration, max_delay: Duration) -> Self {
        Self {
            debounce,
            max_delay,
            first: None,
            last: None,
            changes: 0,
            revision: 0,
        }
    }

    /// `changes` changes arrived at `at`, the newest at `revision`.
    pub fn add(&mut self, at: Instant, changes: u64, revision: i64) {
        if changes == 0 {
            return;
        }
        self.first.get_or_insert(at);
        self.last = Some(at);
        self.changes += changes;
        self.revision = self.revision.max(revision);
    }

    /// When the burst is due: `debounce` after its last change, `max_delay` after its first,
    /// whichever comes first. `None`: nothing pending.
    pub fn due(&self) -> Option<Instant> {
        let (first, last) = (self.first?, self.last?);
        Some((last + self.debounce).min(first + self.max_delay))
    }

    pub fn is_pending(&self) -> bool {
        self.first.is_some()
    }

    pub fn changes(&self) -> u64 {
        self.changes
    }

    /// The newest revision pending (0: none).
    pub fn revision(&self) -> i64 {
        self.revision
    }

    /// A commit read etcd at `revision`: the changes up to it are in. Changes that came
    /// later stay pending, timed from when they came (their burst goes on).
    pub fn covered(&mut self, revision: i64) {
        if self.revision <= revision {
            *self = Self::new(self.debounce, self.max_delay);
        }
    }
}

/// Exponential backoff with jitter: 1, 2, 4 ... seconds up to `max`, each delay up to half
/// again as long at random, so that several watchers do not retry in step.
#[derive(Debug, Clone)]
pub struct Backoff {
    base: Duration,
    max: Duration,
    failures: u32,
}

impl Backoff {
    pub fn new(base: Duration, max: Duration) -> Self {
        Self {
            base,
            max,
            failures: 0,
        }
    }

    /// Another failure: the delay before the next attempt.
    pub fn failed(&mut self) -> Duration {
        let exponent = self.failures.min(20);
        self.failures = self.failures.saturating_add(1);
        let delay = self.base.saturating_mul(1 << exponent).min(self.max);
        let jitter = fastrand::u64(0..=delay.as_millis() as u64 / 2);
        delay + Duration::from_millis(jitter)
    }

    pub fn succeeded(&mut self) {
        self.failures = 0;
    }

    pub fn failures(&self) -> u32 {
        self.failures
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const S: Duration = Duration::from_secs(1);

    #[test]
    fn a_burst_is_due_after_quiet_or_at_the_latest_after_max_delay() {
        let t0 = Instant::now();
        let mut burst = Burst::new(2 * S, 30 * S);
        assert_eq!(burst.due(), None);
        burst.add(t0, 1, 10);
        assert_eq!(burst.due(), Some(t0 + 2 * S));
        burst.add(t0 + S, 3, 13);
        assert_eq!(
            burst.due(),
            Some(t0 + 3 * S),
            "quiet counts from the last change"
        );
        // A steady stream never leaves two seconds of quiet: max_delay ends the burst.
        for i in 2..40 {
            burst.add(t0 + i * S, 1, 13 + i64::from(i));
        }
        assert_eq!(burst.due(), Some(t0 + 30 * S));
        assert_eq!(burst.changes(), 42);
        assert_eq!(burst.revision(), 52);
    }

    #[test]
    fn nothing_changed_is_no_burst() {
        let mut burst = Burst::new(2 * S, 30 * S);
        burst.add(Instant::now(), 0, 5);
        assert!(!burst.is_pending());
        assert_eq!(burst.due(), None);
    }

    #[test]
    fn a_commit_covers_the_changes_it_read_and_no_later_ones() {
        let t0 = Instant::now();
        let mut burst = Burst::new(2 * S, 30 * S);
        burst.add(t0, 1, 10);
        burst.add(t0 + S, 1, 12);
        burst.covered(11);
        assert!(burst.is_pending(), "revision 12 came after the read");
        burst.covered(12);
        assert!(!burst.is_pending());
        assert_eq!(burst.changes(), 0);
        burst.add(t0 + 5 * S, 1, 13);
        assert_eq!(burst.due(), Some(t0 + 7 * S), "a new burst, timed anew");
    }

    #[test]
    fn backoff_doubles_with_jitter_up_to_its_maximum() {
        let mut backoff = Backoff::new(S, 60 * S);
        let delays: Vec<Duration> = (0..10).map(|_| backoff.failed()).collect();
        for (i, delay) in delays.iter().enumerate() {
            let nominal = (S * (1 << i)).min(60 * S);
            assert!(
                *delay >= nominal && *delay <= nominal + nominal / 2,
                "{i}: {delay:?}"
            );
        }
        assert_eq!(backoff.failures(), 10);
        backoff.succeeded();
        assert!(backoff.failed() <= S + S / 2);
    }
}
