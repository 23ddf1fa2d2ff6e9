//! One writer per repository: an etcd lease lock under `<state_prefix>lock/<id>`. A holder
//! that dies stops renewing its lease and the lock vanishes with it; a holder that loses its
//! lease while running notices (`is_lost`) and stops writing.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::config::Config;
use crate::kv::{self, Kv, Liveness};
use crate::syncpoint;

/// Lease time to live: how long a lock outlives a killed holder.
pub const DEFAULT_TTL: Duration = Duration::from_secs(30);

/// Who holds a lock, as stored in its value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Holder {
    pub host: String,
    pub pid: u32,
    pub command: String,
    /// RFC 3339, UTC.
    pub since: String,
}

impl Holder {
    fn me(command: &str) -> Self {
        Self {
            host: gethostname::gethostname().to_string_lossy().into_owned(),
            pid: std::process::id(),
            command: command.to_owned(),
            since: humantime::format_rfc3339_seconds(std::time::SystemTime::now()).to_string(),
        }
    }

    /// What a held lock's value says, or a placeholder when it is not netsync's JSON.
    fn from_value(value: &[u8]) -> Self {
        serde_json::from_slice(value).unwrap_or_else(|_| Self {
            host: "unknown".to_owned(),
            pid: 0,
            command: "unknown".to_owned(),
            since: "unknown".to_owned(),
        })
    }
}

impl std::fmt::Display for Holder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "netsync {} pid {} on {}, since {}",
            self.command, self.pid, self.host, self.since
        )
    }
}

/// The key of the lock of the repository described by `config`.
pub fn key(config: &Config) -> Vec<u8> {
    let mut key = config.state_prefix.clone();
    key.extend_from_slice(format!("lock/{}", syncpoint::repo_id(config)).as_bytes());
    key
}

/// A held lock. Dropping it stops the keep-alive (the lease then expires); [`Lock::release`]
/// frees it at once.
#[derive(Debug)]
pub struct Lock {
    pub key: Vec<u8>,
    pub lease: i64,
    pub holder: Holder,
    liveness: Liveness,
    /// Taken on another lock's lease ([`acquire_on`]): the `mod_revision` it was created at.
    /// Releasing it deletes the key and leaves the lease to its owner.
    shared: Option<i64>,
}

/// The outcome of trying to take the lock.
#[derive(Debug)]
pub enum Acquired {
    Held(Lock),
    /// Someone else has it.
    Busy(Holder),
}

/// Take the lock for `command` (`persist`, `apply`, ...) if nobody holds it.
pub async fn acquire(
    kv: &mut impl Kv,
    config: &Config,
    command: &str,
    ttl: Duration,
) -> kv::Result<Acquired> {
    acquire_key(kv, key(config), command, ttl).await
}

/// Take `key` the way the repository's lock is taken, on a lease of its own: for locks of
/// another kind, such as `watch`'s election of the active watcher.
pub async fn acquire_key(
    kv: &mut impl Kv,
    key: Vec<u8>,
    command: &str,
    ttl: Duration,
) -> kv::Result<Acquired> {
    let holder = Holder::me(command);
    let value = serde_json::to_vec(&holder).unwrap_or_default();
    let lease = kv.grant_lease(ttl.as_secs().max(2) as i64).await?;
    match kv.create_leased(&key, &value, lease).await {
        Ok(Ok(())) => {
            let liveness = kv.keep_alive(lease, ttl);
            tracing::debug!(lease, "took the lock");
            Ok(Acquired::Held(Lock {
                key,
                lease,
                holder,
                liveness,
                shared: None,
            }))
        }
        Ok(Err(existing)) => {
            let _ = kv.revoke_lease(lease).await;
            Ok(Acquired::Busy(Holder::from_value(&existing.value)))
        }
        Err(err) => {
            let _ = kv.revoke_lease(lease).await;
            Err(err)
        }
    }
}

/// Take the repository's lock for `command` on the lease of `on`, a lock the caller holds
/// for longer (`watch`'s election): no new lease, and the lock can outlive `on` by nothing,
/// so writes fenced on it stop the moment `on` is lost. [`Lock::release`] deletes the key
/// only.
pub async fn acquire_on(
    kv: &mut impl Kv,
    config: &Config,
    command: &str,
    on: &Lock,
) -> kv::Result<Acquired> {
    let key = key(config);
    let holder = Holder::me(command);
    let value = serde_json::to_vec(&holder).unwrap_or_default();
    match kv.create_leased(&key, &value, on.lease).await? {
        Ok(()) => {
            // The revision it was created at guards its deletion: only this holding goes.
            let created = match kv.get(&key).await? {
                Some(now) if now.lease == on.lease => now.mod_revision,
                // Gone already: the lease expired in between.
                _ => 0,
            };
            tracing::debug!(lease = on.lease, "took the lock on a held lease");
            Ok(Acquired::Held(Lock {
                key,
                lease: on.lease,
                holder,
                liveness: on.liveness.clone(),
                shared: Some(created),
            }))
        }
        Err(existing) => Ok(Acquired::Busy(Holder::from_value(&existing.value))),
    }
}

/// Why [`wait`] gave up.
#[derive(Debug, thiserror::Error)]
pub enum WaitError {
    #[error("another run holds the lock ({holder}); waited {waited:?}")]
    Busy {
        holder: String,
        waited: std::time::Duration,
    },
    #[error(transparent)]
    Kv(#[from] kv::Error),
}

/// Take the lock for `command`, waiting up to `timeout` for another holder (a persist that
/// runs for a few seconds, say) to finish.
pub async fn wait(
    kv: &mut impl Kv,
    config: &Config,
    command: &str,
    ttl: Duration,
    timeout: Duration,
) -> Result<Lock, WaitError> {
    let started = std::time::Instant::now();
    loop {
        match acquire(kv, config, command, ttl).await? {
            Acquired::Held(lock) => return Ok(lock),
            Acquired::Busy(holder) => {
                let waited = started.elapsed();
                if waited >= timeout {
                    return Err(WaitError::Busy {
                        holder: holder.to_string(),
                        waited,
                    });
                }
                tracing::info!(%holder, "waiting for the lock");
                tokio::time::sleep(Duration::from_millis(500).min(timeout - waited)).await;
            }
        }
    }
}

impl Lock {
    /// Whether the lease may have expired: nothing more may be written.
    pub fn is_lost(&self) -> bool {
        self.liveness.is_lost()
    }

    /// The fence that holds while this lock is held, for guarded transactions.
    pub fn fence(&self) -> kv::Fence<'_> {
        kv::Fence {
            key: &self.key,
            lease: self.lease,
        }
    }

    /// Put `key` in etcd only while this lock is still held (fenced in the same transaction).
    pub async fn fenced_put(&self, kv: &mut impl Kv, key: &[u8], value: &[u8]) -> kv::Result<bool> {
        if self.is_lost() {
            return Ok(false);
        }
        kv.fenced_put(&self.key, self.lease, key, value).await
    }

    /// Give the lock up now rather than when the lease expires. A lock taken on another
    /// lock's lease ([`acquire_on`]) deletes its key, fenced on that lease, and leaves the
    /// lease alone.
    pub async fn release(self, kv: &mut impl Kv) -> kv::Result<()> {
        let Some(created) = self.shared else {
            return kv.revoke_lease(self.lease).await;
        };
        if created == 0 {
            return Ok(());
        }
        let delete = kv::Guarded {
            key: &self.key,
            value: None,
            expect_mod_revision: created,
        };
        // A failed guard or fence: the key is gone or no longer this holding's.
        kv.guarded_txn(&[delete], Some(self.fence()))
            .await
            .map(|_| ())
    }

    /// Whether this lock is taken on another lock's lease ([`acquire_on`]).
    pub fn is_shared(&self) -> bool {
        self.shared.is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kv::memory::MemoryKv;

    fn config() -> Config {
        Config::parse(
            "version = 1\n[[mapping]]\nprefix = \"/net/\"\ndir = \"kv\"\n",
            "test",
        )
        .unwrap()
    }

    #[tokio::test]
    async fn second_taker_sees_the_holder_until_release() {
        let mut kv = MemoryKv::default();
        let config = config();
        let Acquired::Held(lock) = acquire(&mut kv, &config, "persist", DEFAULT_TTL)
            .await
            .unwrap()
        else {
            panic!("first taker must get the lock");
        };
        assert!(!lock.is_lost());
        match acquire(&mut kv, &config, "apply", DEFAULT_TTL)
            .await
            .unwrap()
        {
            Acquired::Busy(holder) => {
                assert_eq!(holder.command, "persist");
                assert_eq!(holder.pid, std::process::id());
            }
            Acquired::Held(_) => panic!("the lock is taken"),
        }
        assert!(lock.fenced_put(&mut kv, b"/s", b"1").await.unwrap());
        lock.release(&mut kv).await.unwrap();
        assert!(kv.get(&key(&config)).await.unwrap().is_none());
        let Acquired::Held(lock) = acquire(&mut kv, &config, "persist", DEFAULT_TTL)
            .await
            .unwrap()
        else {
            panic!("released lock must be free");
        };
        // A fence on a lease that no longer holds the key refuses the write.
        kv.revoke_lease(lock.lease).await.unwrap();
        assert!(!lock.fenced_put(&mut kv, b"/s", b"2").await.unwrap());
        assert_eq!(kv.get(b"/s").await.unwrap().unwrap().value, b"1");
    }

    #[tokio::test]
    async fn a_lock_on_a_held_lease_lives_no_longer_than_it() {
        let mut kv = MemoryKv::default();
        let config = config();
        let Acquired::Held(election) =
            acquire_key(&mut kv, b"/s/watch".to_vec(), "watch", DEFAULT_TTL)
                .await
                .unwrap()
        else {
            panic!("the election is free");
        };
        let Acquired::Held(lock) = acquire_on(&mut kv, &config, "watch", &election)
            .await
            .unwrap()
        else {
            panic!("the lock is free");
        };
        assert!(lock.is_shared());
        assert_eq!(lock.lease, election.lease);
        assert!(matches!(
            acquire(&mut kv, &config, "apply", DEFAULT_TTL).await.unwrap(),
            Acquired::Busy(h) if h.command == "watch"
        ));
        assert!(lock.fenced_put(&mut kv, b"/s/x", b"1").await.unwrap());
        // Released: the key goes, the election's lease stays.
        lock.release(&mut kv).await.unwrap();
        assert!(kv.get(&key(&config)).await.unwrap().is_none());
        assert!(election.fenced_put(&mut kv, b"/s/x", b"2").await.unwrap());
        // Taken again, then the election's lease goes: the lock goes with it.
        let Acquired::Held(lock) = acquire_on(&mut kv, &config, "watch", &election)
            .await
            .unwrap()
        else {
            panic!("the lock is free again");
        };
        election.release(&mut kv).await.unwrap();
        assert!(kv.get(&key(&config)).await.unwrap().is_none());
        assert!(!lock.fenced_put(&mut kv, b"/s/x", b"3").await.unwrap());
        lock.release(&mut kv).await.unwrap();
    }
}
