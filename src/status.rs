//! `status`: how fresh the backups are and whether the two sides agree — the sync point and
//! its age, the lock holder, three-way counts (never values), per-remote push records and the
//! health of every endpoint. Read-only.

use std::time::{Duration, SystemTime};

use serde::Serialize;

use crate::config::Config;
use crate::desired;
use crate::git::{self, ObjectId, Repo};
use crate::kv::{ConnectSettings, EtcdKv, Kv};
use crate::lock::{self, Holder};
use crate::plan;
use crate::pushes::{push_key, PushRecord};
use crate::refusal::{self, Refusal};
use crate::syncpoint::{self, SyncPoint};

/// Why `status` could not gather the state.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Kv(#[from] crate::kv::Error),
    #[error(transparent)]
    Git(#[from] git::Error),
    #[error(transparent)]
    Desired(#[from] desired::Error),
}

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct SyncPointStatus {
    #[serde(flatten)]
    pub point: SyncPoint,
    /// The etcd revision of the agreement.
    pub etcd_revision: i64,
    pub age_seconds: Option<u64>,
}

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct LockStatus {
    pub held: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub holder: Option<Holder>,
}

/// `netsync watch` on this repository: the active watcher, and the last commit a watcher
/// made.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct WatcherStatus {
    /// The watcher holding the election now; `None`: none runs (or none is elected yet).
    pub active: Option<Holder>,
    pub last_commit: Option<crate::watcher::LastCommit>,
}

/// Counts of the three-way classification against the sync point (no values).
#[derive(Debug, Clone, Default, Serialize, schemars::JsonSchema)]
pub struct Counts {
    pub same: usize,
    pub git_only: usize,
    pub drift: usize,
    pub conflicts: usize,
    /// Keys that differ while there is no sync point (or its commit is missing here).
    pub unbased: usize,
}

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct RemoteStatus {
    pub remote: String,
    pub last_push: Option<PushRecord>,
    /// The remote's branch tip (`git ls-remote`), if it answered.
    pub tip: Option<String>,
    /// Whether the remote's branch is at the sync commit or contains it (as far as the local
    /// repository knows the remote's tip).
    pub has_sync_commit: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct EndpointStatus {
    pub endpoint: String,
    pub healthy: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub member_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub leader: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub db_size: Option<i64>,
    /// The member's revision, as it answered.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub revision: Option<i64>,
    /// How long the status request took, in milliseconds (connecting included).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub latency_ms: Option<u64>,
    pub errors: Vec<String>,
}

/// Everything `status` reports.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct Status {
    pub branch: String,
    pub branch_commit: String,
    pub etcd_revision: i64,
    pub cluster_id: String,
    pub sync_point: Option<SyncPointStatus>,
    pub lock: LockStatus,
    /// Present once a watcher ran on this repository.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub watcher: Option<WatcherStatus>,
    pub counts: Counts,
    /// The last persist a guard refused, until a later persist gets through.
    pub refused_persist: Option<Refusal>,
    pub remotes: Vec<RemoteStatus>,
    pub endpoints: Vec<EndpointStatus>,
}

/// Seconds since an RFC 3339 time, if it parses and is in the past.
pub fn age_of(time: &str) -> Option<u64> {
    let then = humantime::parse_rfc3339_weak(time).ok()?;
    SystemTime::now()
        .duration_since(then)
        .ok()
        .map(|d| d.as_secs())
}

/// Gather the status of `branch` against the cluster behind `kv`.
pub async fn status(
    repo: &Repo,
    kv: &mut EtcdKv,
    branch: &str,
    config: &Config,
    ls_remote: bool,
) -> Result<Status, Error> {
    let tip = repo.resolve(&format!("refs/heads/{branch}"))?;
    let git = desired::load(repo, Some(&tip.commit.to_string()))?;
    let prefixes: Vec<Vec<u8>> = config.mappings.iter().map(|m| m.prefix.clone()).collect();
    let snapshot = kv
        .snapshot(&prefixes, crate::kv::PAGE_SIZE, &mut |_| {})
        .await?;
    let point = match syncpoint::read(kv, config).await? {
        Some(p) => {
            let adopted = crate::adopt::adopt(repo, &p, tip.commit, Some(snapshot.revision))?;
            Some(adopted.unwrap_or(p))
        }
        None => None,
    };
    let holder = match kv.get(&lock::key(config)).await? {
        Some(entry) => Some(
            serde_json::from_slice::<Holder>(&entry.value).unwrap_or(Holder {
                host: "unknown".into(),
                pid: 0,
                command: "unknown".into(),
                since: "unknown".into(),
            }),
        ),
        None => None,
    };

    let refused_persist = refusal::read(kv, config).await?.map(|(r, _)| r);
    let watcher = match crate::watcher::read(kv, config).await? {
        (None, None) => None,
        (active, last_commit) => Some(WatcherStatus {
            active,
            last_commit,
        }),
    };

    // As every command judges it: a sync point of another cluster, or one whose commit this
    // repository lacks, is no base (the keys count as differing without one).
    let cluster = format!("{:x}", snapshot.cluster_id);
    let base: Option<plan::Base> = match &point {
        Some(p) if p.cluster_id == cluster && repo.resolve(&p.commit).is_ok() => Some(
            plan::Base::of_commit(&desired::load(repo, Some(&p.commit))?.entries, p.clone()),
        ),
        _ => None,
    };
    // The same plan diff and apply make (status needs no identity: a secret is judged by its
    // revision alone, never decrypted).
    let kind = repo.gix().object_hash();
    let plan = plan::plan(
        &git.entries,
        snapshot.entries,
        base.as_ref(),
        plan::Policy::Safe,
        |key| config.is_ephemeral(key),
        |key| config.is_secret(key),
        |value| git::blob_id(kind, value),
    );
    let classes = plan.counts();
    let counts = Counts {
        same: classes.same,
        git_only: classes.git_only,
        drift: classes.etcd_only,
        conflicts: classes.conflict,
        unbased: classes.unbased,
    };

    let mut remotes = Vec::new();
    for remote in &config.persist.remotes {
        let last_push = match kv.get(&push_key(config, remote)).await? {
            Some(entry) => serde_json::from_slice(&entry.value).ok(),
            None => None,
        };
        let mut status = RemoteStatus {
            remote: remote.clone(),
            last_push,
            tip: None,
            has_sync_commit: None,
            error: None,
        };
        if ls_remote {
            match crate::git::remote::ls_remote(repo.gix().git_dir(), remote, branch).map_err(
                |err| match err {
                    crate::git::remote::Error::LsRemote { detail, .. } => detail,
                    other => other.to_string(),
                },
            ) {
                Ok(tip) => {
                    status.has_sync_commit = point.as_ref().and_then(|p| match &tip {
                        Some(t) => contains(repo, t, &p.commit),
                        None => Some(false),
                    });
                    status.tip = tip;
                }
                Err(err) => status.error = Some(err),
            }
        } else if let (Some(p), Some(push)) = (&point, &status.last_push) {
            status.has_sync_commit = contains(repo, &push.commit, &p.commit);
        }
        remotes.push(status);
    }
    for invalid in &config.persist.invalid_remotes {
        remotes.push(RemoteStatus {
            remote: invalid.entry.clone(),
            last_push: None,
            tip: None,
            has_sync_commit: None,
            error: Some(invalid.message.clone()),
        });
    }

    Ok(Status {
        branch: branch.to_owned(),
        branch_commit: tip.commit.to_string(),
        etcd_revision: snapshot.revision,
        cluster_id: format!("{:x}", snapshot.cluster_id),
        sync_point: point.map(|p| SyncPointStatus {
            age_seconds: age_of(&p.time),
            etcd_revision: p.revision,
            point: p,
        }),
        lock: LockStatus {
            held: holder.is_some(),
            holder,
        },
        watcher,
        counts,
        refused_persist,
        remotes,
        endpoints: Vec::new(),
    })
}

/// Whether `tip` is `commit` or has it in its history, as far as the local object database
/// knows: `None` when the tip is not here (the remote moved ahead and was not fetched).
fn contains(repo: &Repo, tip: &str, commit: &str) -> Option<bool> {
    if tip == commit {
        return Some(true);
    }
    let tip = ObjectId::from_hex(tip.as_bytes()).ok()?;
    let commit = ObjectId::from_hex(commit.as_bytes()).ok()?;
    repo.gix().find_commit(tip).ok()?;
    let walk = repo.gix().rev_walk([tip]).all().ok()?;
    Some(walk.filter_map(Result::ok).any(|info| info.id == commit))
}

/// Connect to each endpoint alone and ask for its status, all at once: a member that hangs
/// costs the dial timeout once, not once per member.
pub async fn endpoints(settings: &ConnectSettings) -> Vec<EndpointStatus> {
    let mut tasks = tokio::task::JoinSet::new();
    for (i, endpoint) in settings.endpoints.iter().enumerate() {
        let one = ConnectSettings {
            endpoints: vec![endpoint.clone()],
            ..settings.clone()
        };
        tasks.spawn(async move { (i, endpoint_status(one).await) });
    }
    let mut out: Vec<(usize, EndpointStatus)> = tasks.join_all().await;
    out.sort_by_key(|(i, _)| *i);
    out.into_iter().map(|(_, s)| s).collect()
}

async fn endpoint_status(one: ConnectSettings) -> EndpointStatus {
    let mut status = EndpointStatus {
        endpoint: one.endpoints[0].clone(),
        healthy: false,
        version: None,
        member_id: None,
        leader: None,
        db_size: None,
        revision: None,
        latency_ms: None,
        errors: Vec::new(),
    };
    let started = std::time::Instant::now();
    match EtcdKv::connect(&one).await {
        Err(crate::kv::Error::Unreachable { reason, .. }) => status
            .errors
            .extend(crate::kv::causes(&reason).map(str::to_owned)),
        Err(err) => status.errors.push(err.to_string()),
        Ok(mut kv) => {
            let timeout = one.command_timeout.max(Duration::from_secs(1));
            match tokio::time::timeout(timeout, kv.client().status()).await {
                Ok(Ok(s)) => {
                    status.healthy = s.errors().is_empty() && s.leader() != 0;
                    status.version = Some(s.version().to_owned());
                    status.member_id = s.header().map(|h| format!("{:x}", h.member_id()));
                    status.leader = Some(format!("{:x}", s.leader()));
                    status.db_size = Some(s.db_size());
                    status.revision = s.header().map(|h| h.revision());
                    status.latency_ms = Some(started.elapsed().as_millis() as u64);
                    status.errors = s.errors().to_vec();
                }
                Ok(Err(err)) => status.errors.push(err.to_string()),
                Err(_) => status.errors.push(format!("no answer within {timeout:?}")),
            }
        }
    }
    status
}
