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
    let key = key(config);
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

    /// Give the lock up now rather than when the lease expires.
    pub async fn release(self, kv: &mut impl Kv) -> kv::Result<()> {
        kv.revoke_lease(self.lease).await
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
}
