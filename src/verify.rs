//! `verify`: a recovery drill. For each backup remote, prove without touching the cluster
//! that a restore from it would work: fetch its branch into a scratch repository (so every
//! object must come from the remote itself), check that its whole history is there, that
//! its tip decodes as `restore` would read it (the common read path, [`crate::desired`]),
//! that every value reads and every secret decrypts with the given identity and is bound to
//! its key, that it holds the sync point's commit, and that at that commit it holds what etcd
//! held then (counts and blob ids; no value is printed).
//!
//! etcd is only read: one snapshot of the managed prefixes and the sync point record. The
//! comparison rests on the sync point's invariant ([`crate::syncpoint::SyncPoint`]): a key
//! etcd has not written since the agreement still holds its base, so the backup's file for
//! it must be that value. Keys written in etcd since then are drift, counted, not compared.

use std::collections::BTreeSet;
use std::path::Path;
use std::time::Instant;

use serde::Serialize;

use crate::config::Config;
use crate::desired::{self, Desired};
use crate::git::{self, remote, ObjectId, Repo};
use crate::keypath::display_key;
use crate::kv::{KeyValue, Kv};
use crate::plan::Base;
use crate::progress::Progress;
use crate::secrets::{self, Identities};
use crate::syncpoint::{self, SyncPoint};

/// A check's outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Passed,
    Failed,
    /// Not run: an earlier check failed, or it does not apply (`--offline`).
    Skipped,
}

/// One check of one remote.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct Check {
    /// `fetch`, `history`, `tree`, `values`, `secrets`, `sync_point` or `compare`.
    pub check: &'static str,
    pub status: Status,
    /// What was found, in one line.
    pub detail: String,
    /// The keys at fault (printable form), if any.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub keys: Vec<String>,
}

/// The backup at the sync point against etcd (no values).
#[derive(Debug, Clone, Default, Serialize, schemars::JsonSchema)]
pub struct Comparison {
    /// The sync point's commit.
    pub commit: String,
    /// Keys etcd holds unchanged since the sync point: each must equal the backup's file.
    pub compared: usize,
    pub equal: usize,
    /// Keys whose value in the backup differs from etcd's unchanged one.
    pub different: Vec<String>,
    /// Keys etcd holds unchanged since the sync point that the backup lacks.
    pub missing: Vec<String>,
    /// Keys written in etcd since the sync point (drift not persisted yet): not compared.
    pub changed_since: usize,
    /// Keys of the backup at the sync point that etcd no longer holds (deleted since).
    pub gone_since: usize,
    /// Secrets not compared for want of an identity.
    pub not_compared: usize,
}

/// The drill of one remote.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct RemoteReport {
    /// As configured (`persist.remotes`) or given (`--from`).
    pub remote: String,
    /// What was fetched: the remote's URL or path.
    pub url: String,
    /// Every check passed (none failed).
    pub ok: bool,
    /// The remote branch's tip.
    pub tip: Option<String>,
    /// Commits in its history.
    pub commits: Option<usize>,
    /// Managed keys at the tip, of which secrets, and the bytes of their values as stored.
    pub keys: usize,
    pub secrets: usize,
    pub bytes: u64,
    pub checks: Vec<Check>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub compare: Option<Comparison>,
    /// How long this remote's drill took.
    pub seconds: f64,
}

/// The sync point the backups were compared against.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct PointInfo {
    pub commit: String,
    pub etcd_revision: i64,
    pub cluster_id: String,
    pub time: String,
}

/// What was read from etcd.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct EtcdInfo {
    /// `read`, `offline` (not asked), `unreachable`, or `not_read` (no remote got as far).
    pub state: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub revision: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cluster_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// Everything `verify` found.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct Verification {
    /// The branch drilled (`HEAD` of each remote when none is known).
    pub branch: String,
    /// When the drill ran, RFC 3339.
    pub time: String,
    pub etcd: EtcdInfo,
    pub sync_point: Option<PointInfo>,
    pub remotes: Vec<RemoteReport>,
    /// Every remote passed.
    pub ok: bool,
}

/// How `verify` may read etcd.
pub enum EtcdAccess<'a, K> {
    /// `--offline`: the sync point and the comparison are skipped.
    Offline,
    /// Connecting failed: those checks fail with this reason.
    Unreachable(String),
    Connected(&'a mut K),
}

/// What one snapshot of etcd told.
struct EtcdState {
    entries: Vec<KeyValue>,
    revision: i64,
    cluster_id: String,
    point: Option<SyncPoint>,
}

/// Drill every remote. `local` is the operator's repository when there is one (its remote
/// names and, for relative paths, its folder); `config` the configuration to read etcd
/// with (else each remote's own).
#[allow(clippy::too_many_arguments)]
pub async fn verify<K: Kv>(
    local: Option<&Repo>,
    config: Option<&Config>,
    branch: Option<&str>,
    remotes: &[String],
    etcd: EtcdAccess<'_, K>,
    identities: &Identities,
    progress: &Progress,
) -> Verification {
    let base_dir = local
        .map(|r| match r.gix().workdir() {
            Some(dir) => dir.to_owned(),
            None => r.gix().git_dir().to_owned(),
        })
        .unwrap_or_else(|| std::path::PathBuf::from("."));
    let (mut state, mut kv): (Result<Option<EtcdState>, String>, Option<&mut K>) = match etcd {
        EtcdAccess::Offline => (Ok(None), None),
        EtcdAccess::Unreachable(why) => (Err(why), None),
        EtcdAccess::Connected(kv) => (Ok(None), Some(kv)),
    };
    // Read etcd once, first, when the configuration to read it with is known; else with the
    // first remote's own, when a drill gets that far.
    if let (Some(config), Some(kv)) = (config, kv.as_mut()) {
        state = read_etcd(&mut **kv, config).await;
    }
    let mut reports = Vec::new();
    for entry in remotes {
        let started = Instant::now();
        let url = remote::resolve_url(local.map(|r| r.gix().git_dir()), entry);
        let mut report = RemoteReport {
            remote: entry.clone(),
            url: url.clone(),
            ok: false,
            tip: None,
            commits: None,
            keys: 0,
            secrets: 0,
            bytes: 0,
            checks: Vec::new(),
            compare: None,
            seconds: 0.0,
        };
        let bar = progress.counter(&format!("drilling {entry}"));
        drill(
            &mut report,
            &base_dir,
            branch,
            config,
            &mut kv,
            &mut state,
            identities,
        )
        .await;
        bar.finish();
        report.ok = report.checks.iter().all(|c| c.status != Status::Failed);
        report.seconds = started.elapsed().as_secs_f64();
        reports.push(report);
    }
    let (etcd, sync_point) = match (&state, kv.is_some()) {
        (Err(why), _) => (
            EtcdInfo {
                state: "unreachable",
                revision: None,
                cluster_id: None,
                error: Some(why.clone()),
            },
            None,
        ),
        (Ok(Some(s)), _) => (
            EtcdInfo {
                state: "read",
                revision: Some(s.revision),
                cluster_id: Some(s.cluster_id.clone()),
                error: None,
            },
            s.point.as_ref().map(|p| PointInfo {
                commit: p.commit.clone(),
                etcd_revision: p.revision,
                cluster_id: p.cluster_id.clone(),
                time: p.time.clone(),
            }),
        ),
        (Ok(None), connected) => (
            EtcdInfo {
                // Connected, but no remote got as far as needing etcd.
                state: if connected { "not_read" } else { "offline" },
                revision: None,
                cluster_id: None,
                error: None,
            },
            None,
        ),
    };
    Verification {
        branch: branch.unwrap_or("HEAD").to_owned(),
        time: humantime::format_rfc3339_seconds(std::time::SystemTime::now()).to_string(),
        etcd,
        sync_point,
        ok: !reports.is_empty() && reports.iter().all(|r| r.ok),
        remotes: reports,
    }
}

fn check(name: &'static str, status: Status, detail: impl Into<String>) -> Check {
    Check {
        check: name,
        status,
        detail: detail.into(),
        keys: Vec::new(),
    }
}

/// The checks after the first failure that stops the drill of a remote.
fn skip_rest(report: &mut RemoteReport, after: &str) {
    const ALL: [&str; 7] = [
        "fetch",
        "history",
        "tree",
        "values",
        "secrets",
        "sync_point",
        "compare",
    ];
    let done: BTreeSet<&str> = report.checks.iter().map(|c| c.check).collect();
    for name in ALL.into_iter().filter(|n| !done.contains(n)) {
        report.checks.push(check(
            name,
            Status::Skipped,
            format!("not run: {after} failed"),
        ));
    }
}

#[allow(clippy::too_many_arguments)]
async fn drill<K: Kv>(
    report: &mut RemoteReport,
    base_dir: &Path,
    branch: Option<&str>,
    config: Option<&Config>,
    kv: &mut Option<&mut K>,
    state: &mut Result<Option<EtcdState>, String>,
    identities: &Identities,
) {
    // 1. Every object of the branch's history, from the remote itself.
    let scratch = match remote::fetch_fresh(base_dir, &report.url, branch) {
        Ok(scratch) => scratch,
        Err(err) => {
            let detail = match err {
                remote::Error::Fetch { detail, .. } => detail,
                other => other.to_string(),
            };
            report.checks.push(check("fetch", Status::Failed, detail));
            return skip_rest(report, "fetch");
        }
    };
    let repo = match Repo::open(&scratch.path) {
        Ok(repo) => repo,
        Err(err) => {
            report
                .checks
                .push(check("fetch", Status::Failed, err.to_string()));
            return skip_rest(report, "fetch");
        }
    };
    let tip = match repo.resolve(remote::DRILL_REF) {
        Ok(tip) => tip,
        Err(err) => {
            report
                .checks
                .push(check("fetch", Status::Failed, err.to_string()));
            return skip_rest(report, "fetch");
        }
    };
    report.tip = Some(tip.commit.to_string());
    report.checks.push(check(
        "fetch",
        Status::Passed,
        format!(
            "fetched {} into a scratch repository",
            desired::short(&tip.commit)
        ),
    ));

    // 2. The whole history: not shallow, every commit back to the first one.
    let shallow = scratch.path.join("shallow").exists();
    let walked: Result<Vec<_>, _> = repo
        .walk_newest_first(tip.commit)
        .and_then(|walk| walk.collect());
    match walked {
        Ok(_) if shallow => report.checks.push(check(
            "history",
            Status::Failed,
            "the remote's history is truncated (a shallow repository): older revisions cannot be restored",
        )),
        Ok(commits) => {
            report.commits = Some(commits.len());
            report.checks.push(check(
                "history",
                Status::Passed,
                format!("{} commit(s), back to the first", commits.len()),
            ));
        }
        Err(err) => report
            .checks
            .push(check("history", Status::Failed, err.to_string())),
    }

    // 3. The tip decodes as restore reads it.
    let desired = match desired::load(&repo, Some(&tip.commit.to_string())) {
        Ok(desired) => desired,
        Err(err) => {
            report
                .checks
                .push(check("tree", Status::Failed, causes(&err)));
            return skip_rest(report, "tree");
        }
    };
    report.keys = desired.entries.len();
    report.secrets = desired.entries.values().filter(|e| e.secret).count();
    report.checks.push(check(
        "tree",
        Status::Passed,
        format!(
            "{} key(s) under {}, every path canonical, no plaintext secret",
            report.keys,
            desired
                .config
                .mappings
                .iter()
                .map(|m| display_key(&m.prefix))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    ));

    // 4 and 5. Every value reads; every secret decrypts and is bound to its key.
    values_and_secrets(report, &repo, &desired, identities);

    // 6 and 7. The sync point's commit, and etcd's values at it.
    let config = config.unwrap_or(&desired.config);
    if let (Ok(None), Some(kv)) = (&*state, kv.as_mut()) {
        *state = read_etcd(&mut **kv, config).await;
    }
    let etcd = match &*state {
        Ok(Some(etcd)) => etcd,
        Ok(None) => {
            for name in ["sync_point", "compare"] {
                report
                    .checks
                    .push(check(name, Status::Skipped, "--offline: etcd not asked"));
            }
            return;
        }
        Err(why) => {
            for name in ["sync_point", "compare"] {
                report
                    .checks
                    .push(check(name, Status::Failed, format!("etcd not read: {why}")));
            }
            return;
        }
    };
    let Some(point) = sync_point_check(report, &repo, tip.commit, etcd) else {
        return skip_rest(report, "sync_point");
    };
    compare(report, &repo, point, etcd, identities);
}

/// The error's message and its causes, in one line.
fn causes(err: &dyn std::error::Error) -> String {
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

fn values_and_secrets(
    report: &mut RemoteReport,
    repo: &Repo,
    desired: &Desired,
    identities: &Identities,
) {
    let mut unreadable = Vec::new();
    let mut undecryptable: Vec<(String, String)> = Vec::new();
    let mut bytes = 0u64;
    for (key, entry) in &desired.entries {
        let data = match repo.read_blob(entry.oid) {
            Ok(data) => data,
            Err(err) => {
                unreadable.push(format!("{} ({})", display_key(key), causes(&err)));
                continue;
            }
        };
        bytes += data.len() as u64;
        if entry.secret && !identities.is_empty() {
            if let Err(err) = secrets::decrypt(key, &data, identities) {
                let why = match err {
                    secrets::Error::WrongIdentity { .. } => {
                        "not encrypted to the identity".to_owned()
                    }
                    secrets::Error::Moved { found, .. } => format!("bound to {found}"),
                    secrets::Error::Corrupt { reason, .. } => format!("corrupt: {reason}"),
                    other => other.to_string(),
                };
                undecryptable.push((display_key(key), why));
            }
        } else if entry.secret {
            if let Err(err) = secrets::check_sealed(key, &data) {
                undecryptable.push((display_key(key), err.to_string()));
            }
        }
    }
    report.bytes = bytes;
    report.checks.push(match unreadable.is_empty() {
        true => check(
            "values",
            Status::Passed,
            format!(
                "{} value(s), {bytes} bytes, all read",
                desired.entries.len()
            ),
        ),
        false => Check {
            keys: unreadable.clone(),
            ..check(
                "values",
                Status::Failed,
                format!(
                    "{} value(s) cannot be read from the remote's objects",
                    unreadable.len()
                ),
            )
        },
    });
    let secrets_count = report.secrets;
    report.checks.push(match (undecryptable.is_empty(), identities.is_empty()) {
        _ if secrets_count == 0 => check("secrets", Status::Passed, "no secrets"),
        (true, false) => check(
            "secrets",
            Status::Passed,
            format!("{secrets_count} secret(s) decrypt with the identity, each bound to its key"),
        ),
        (true, true) => check(
            "secrets",
            Status::Failed,
            format!(
                "{secrets_count} secret(s) not decrypted: no identity; a restore needs one (pass --identity, the recovery key)"
            ),
        ),
        (false, _) => Check {
            keys: undecryptable
                .iter()
                .map(|(k, why)| format!("{k} ({why})"))
                .collect(),
            ..check(
                "secrets",
                Status::Failed,
                format!(
                    "{} of {secrets_count} secret(s) do not decrypt with the identity",
                    undecryptable.len()
                ),
            )
        },
    });
}

async fn read_etcd<K: Kv>(kv: &mut K, config: &Config) -> Result<Option<EtcdState>, String> {
    let prefixes: Vec<Vec<u8>> = config.mappings.iter().map(|m| m.prefix.clone()).collect();
    let snapshot = kv
        .snapshot(&prefixes, crate::kv::PAGE_SIZE, &mut |_| {})
        .await
        .map_err(|e| causes(&e))?;
    let point = syncpoint::read(kv, config).await.map_err(|e| causes(&e))?;
    Ok(Some(EtcdState {
        entries: snapshot.entries,
        revision: snapshot.revision,
        cluster_id: format!("{:x}", snapshot.cluster_id),
        point,
    }))
}

/// Whether the remote holds the sync point's commit; the point when it does.
fn sync_point_check<'a>(
    report: &mut RemoteReport,
    repo: &Repo,
    tip: ObjectId,
    etcd: &'a EtcdState,
) -> Option<&'a SyncPoint> {
    let Some(point) = &etcd.point else {
        report.checks.push(check(
            "sync_point",
            Status::Failed,
            "etcd holds no sync point: no apply, persist or restore has run against this cluster, so nothing proves the backup holds its data",
        ));
        return None;
    };
    if point.cluster_id != etcd.cluster_id {
        report.checks.push(check(
            "sync_point",
            Status::Failed,
            format!(
                "the sync point was recorded in cluster {}, not this one ({})",
                point.cluster_id, etcd.cluster_id
            ),
        ));
        return None;
    }
    let short = &point.commit[..point.commit.len().min(12)];
    let commit = ObjectId::from_hex(point.commit.as_bytes()).ok();
    let contained = commit.is_some_and(|c| repo.is_ancestor(c, tip).unwrap_or(false));
    if !contained {
        let tip_short = desired::short(&tip);
        report.checks.push(check(
            "sync_point",
            Status::Failed,
            match commit.is_some_and(|c| repo.gix().find_commit(c).is_ok()) {
                true => format!("the remote's tip {tip_short} does not contain the sync point's commit {short}: its history was rewritten"),
                false => format!("the remote lacks the sync point's commit {short} (its tip is {tip_short}): it is behind, or its history was rewritten; a restore from it would lose what was persisted since"),
            },
        ));
        return None;
    }
    let ahead = repo
        .first_parent_chain(commit.unwrap_or(tip), tip, usize::MAX)
        .ok()
        .flatten()
        .map(|c| c.len());
    report.checks.push(check(
        "sync_point",
        Status::Passed,
        match ahead {
            Some(0) => format!("the tip is the sync point's commit {short}"),
            Some(n) => {
                format!("holds the sync point's commit {short}, {n} commit(s) behind its tip")
            }
            None => format!("holds the sync point's commit {short} in its history"),
        },
    ));
    Some(point)
}

/// The backup at the sync point's commit against what etcd still holds of it.
fn compare(
    report: &mut RemoteReport,
    repo: &Repo,
    point: &SyncPoint,
    etcd: &EtcdState,
    identities: &Identities,
) {
    let at_point = match desired::load(repo, Some(&point.commit)) {
        Ok(d) => d,
        Err(err) => {
            report
                .checks
                .push(check("compare", Status::Failed, causes(&err)));
            return;
        }
    };
    let config = &at_point.config;
    let base = Base::of_commit(&at_point.entries, point.clone());
    let kind = repo.gix().object_hash();
    let mut cmp = Comparison {
        commit: point.commit.clone(),
        ..Comparison::default()
    };
    let mut seen = BTreeSet::new();
    for entry in &etcd.entries {
        if config.is_ephemeral(&entry.key) || entry.lease != 0 {
            continue;
        }
        if config.mapping_for_key(&entry.key).is_none() {
            continue;
        }
        seen.insert(entry.key.as_slice());
        if !base.etcd_unchanged(&entry.key, entry.mod_revision) {
            cmp.changed_since += 1;
            continue;
        }
        let Some(oid) = base.entries.get(&entry.key) else {
            cmp.missing.push(display_key(&entry.key));
            continue;
        };
        let equal = match base.secrets.contains(&entry.key) {
            false => git::blob_id(kind, &entry.value) == *oid,
            true if identities.is_empty() => {
                cmp.not_compared += 1;
                continue;
            }
            true => repo
                .read_blob(*oid)
                .ok()
                .and_then(|armored| secrets::decrypt(&entry.key, &armored, identities).ok())
                .is_some_and(|plain| plain.as_slice() == entry.value.as_slice()),
        };
        cmp.compared += 1;
        match equal {
            true => cmp.equal += 1,
            false => cmp.different.push(display_key(&entry.key)),
        }
    }
    cmp.gone_since = base
        .entries
        .keys()
        .filter(|k| !seen.contains(k.as_slice()))
        .count();
    let bad = cmp.different.len() + cmp.missing.len();
    let mut detail = format!(
        "at the sync point ({}, etcd revision {}): {} key(s) compared, {} equal",
        &point.commit[..point.commit.len().min(12)],
        point.revision,
        cmp.compared,
        cmp.equal
    );
    if bad > 0 {
        detail.push_str(&format!(
            ", {} different, {} missing from the backup",
            cmp.different.len(),
            cmp.missing.len()
        ));
    }
    detail.push_str(&format!(
        "; since then {} changed and {} deleted in etcd (not persisted yet)",
        cmp.changed_since, cmp.gone_since
    ));
    if cmp.not_compared > 0 {
        detail.push_str(&format!(
            "; {} secret(s) not compared (no identity)",
            cmp.not_compared
        ));
    }
    let mut keys: Vec<String> = cmp
        .different
        .iter()
        .map(|k| format!("{k} (different)"))
        .collect();
    keys.extend(cmp.missing.iter().map(|k| format!("{k} (missing)")));
    report.checks.push(Check {
        keys,
        ..check(
            "compare",
            if bad == 0 {
                Status::Passed
            } else {
                Status::Failed
            },
            detail,
        )
    });
    report.compare = Some(cmp);
}
