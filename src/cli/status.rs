//! `netsync status`.

use std::io::Write;
use std::time::Duration;

use crate::cli::error::exit;
use clap::{Args, ValueEnum};
use netsync::git::Repo;
use netsync::render::{self, OutputFormat};
use netsync::status::Status;

use super::{output_error, GlobalArgs};

/// Show whether the backups are fresh and the two sides agree: the sync point (commit, etcd
/// revision, cluster, time, host) and its age, who holds the lock, how many keys changed only
/// in Git, drifted in etcd or conflict (never values), per remote the last successful push
/// and whether it has the sync commit (`git ls-remote`, no fetch), and the health of every
/// endpoint. With --max-age / --fail-on it is a monitoring check (exit 6 / 7).
///
/// Example: netsync status --repo /srv/network.git --max-age 30m --fail-on conflict
#[derive(Debug, Args)]
pub struct StatusArgs {
    /// Exit 6 when the sync point is older than this, or missing. Example: --max-age 30m
    #[arg(long, value_name = "DURATION", value_parser = humantime::parse_duration)]
    pub max_age: Option<Duration>,
    /// Exit 7 when there is any key of this kind, or (unhealthy) an endpoint that is down or
    /// has no leader (repeatable). Example: --fail-on drift
    #[arg(long, value_name = "KIND")]
    pub fail_on: Vec<FailOn>,
    /// Do not ask the remotes (`git ls-remote`); judge them by the recorded pushes only.
    /// Example: --offline
    #[arg(long)]
    pub offline: bool,
    /// Branch to compare with. Default: `branch` in netsync.toml, else HEAD's. Example: main
    #[arg(long, value_name = "NAME")]
    pub branch: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FailOn {
    /// Keys changed in etcd since the sync point and not persisted.
    Drift,
    /// Keys changed on both sides.
    Conflict,
    /// An endpoint that is down, hangs, or answers without a leader.
    Unhealthy,
}

pub async fn run(global: &GlobalArgs, args: &StatusArgs) -> Result<i32, crate::cli::error::Error> {
    let repo = Repo::open(&global.repo)?;
    let (branch, config) = netsync::persist::target_branch(&repo, args.branch.as_deref())?;
    // Each endpoint's health is asked while the rest is gathered: a hung member costs one
    // dial timeout, not two.
    let settings = global
        .settings(&config.etcd)
        .and_then(|e| Ok(e.connect_settings()?))
        .ok();
    let probing = async {
        match &settings {
            Some(settings) => Some(netsync::status::endpoints(settings).await),
            None => None,
        }
    };
    let gathering = async {
        let mut kv = global.connect(&config).await?;
        let status =
            netsync::status::status(&repo, &mut kv, &branch, &config, !args.offline).await?;
        Ok::<_, crate::cli::error::Error>(status)
    };
    let (gathered, probed) = tokio::join!(gathering, probing);
    let mut status = gathered?;
    if let Some(endpoints) = probed {
        status.endpoints = endpoints;
    }
    let mut out = global.stdout();
    match global.format() {
        OutputFormat::Human if !global.human() => Ok(()),
        OutputFormat::Human => write_human(&mut out, &status),
        OutputFormat::Json => render::json::write(
            &mut out,
            &serde_json::json!({
                "format_version": render::json::FORMAT_VERSION,
                "command": "status",
                "status": status,
            }),
        ),
    }
    .map_err(output_error)?;
    if let Some(max) = args.max_age {
        let age = status.sync_point.as_ref().and_then(|p| p.age_seconds);
        if age.is_none_or(|a| a > max.as_secs()) {
            eprintln!(
                "error: the sync point is {} (allowed: {})",
                age.map_or("missing".to_owned(), |a| format!(
                    "{} old",
                    humantime::format_duration(Duration::from_secs(a))
                )),
                humantime::format_duration(max)
            );
            return Ok(exit::STALE);
        }
    }
    let c = &status.counts;
    let failing: Vec<&str> = args
        .fail_on
        .iter()
        .filter_map(|f| match f {
            FailOn::Drift if c.drift > 0 => Some("drift"),
            FailOn::Conflict if c.conflicts > 0 => Some("conflict"),
            FailOn::Unhealthy if status.endpoints.iter().any(|e| !e.healthy) => Some("unhealthy"),
            _ => None,
        })
        .collect();
    if !failing.is_empty() {
        let unhealthy: Vec<&str> = status
            .endpoints
            .iter()
            .filter(|e| !e.healthy)
            .map(|e| e.endpoint.as_str())
            .collect();
        let mut what = vec![format!(
            "{} drifted and {} conflicting key(s)",
            c.drift, c.conflicts
        )];
        if failing.contains(&"unhealthy") {
            what.push(format!("unhealthy endpoints: {}", unhealthy.join(", ")));
        }
        eprintln!(
            "error: {} (--fail-on {})",
            what.join("; "),
            failing.join(",")
        );
        return Ok(exit::CHECK_FAILED);
    }
    Ok(exit::OK)
}

fn write_human(out: &mut impl Write, s: &Status) -> std::io::Result<()> {
    writeln!(out, "branch {} at {}", s.branch, &s.branch_commit[..12])?;
    writeln!(
        out,
        "etcd cluster {} at revision {}",
        s.cluster_id, s.etcd_revision
    )?;
    match &s.sync_point {
        Some(p) => writeln!(
            out,
            "sync point: commit {} at etcd revision {} (cluster {}), by {} on {} at {} ({} ago)",
            &p.point.commit[..12.min(p.point.commit.len())],
            p.etcd_revision,
            p.point.cluster_id,
            p.point.command,
            p.point.host,
            p.point.time,
            p.age_seconds
                .map_or("?".to_owned(), |a| humantime::format_duration(
                    Duration::from_secs(a)
                )
                .to_string())
        )?,
        None => writeln!(out, "sync point: none")?,
    }
    if let Some(p) = s
        .sync_point
        .as_ref()
        .filter(|p| !p.point.unsettled.is_empty())
    {
        let (etcd, git): (Vec<_>, Vec<_>) = p.point.unsettled.iter().partition(|u| u.etcd);
        writeln!(
            out,
            "  {} keys keep an older base: {} changed in Git only, {} changed in etcd",
            p.point.unsettled.len(),
            git.len(),
            etcd.len()
        )?;
    }
    match &s.lock.holder {
        Some(h) => writeln!(out, "lock: held by {h}")?,
        None => writeln!(out, "lock: free")?,
    }
    if let Some(r) = &s.refused_persist {
        writeln!(
            out,
            "last persist refused ({} guard) at {} on {}: it would have recorded the deletion of {} of the {} managed keys under {} (etcd revision {}); the last good commit is {}",
            r.guard,
            r.time,
            r.host,
            r.deletes,
            r.managed,
            r.prefixes.join(", "),
            r.etcd_revision,
            &r.commit[..r.commit.len().min(12)]
        )?;
    }
    let c = &s.counts;
    writeln!(
        out,
        "keys: {} equal, {} changed only in Git, {} drifted in etcd, {} conflicts, {} differing without a sync point",
        c.same, c.git_only, c.drift, c.conflicts, c.unbased
    )?;
    for r in &s.remotes {
        let push = r
            .last_push
            .as_ref()
            .map_or("never recorded".to_owned(), |p| {
                format!("last push {} from {}", p.time, p.host)
            });
        let has = match r.has_sync_commit {
            Some(true) => "has the sync commit",
            Some(false) => "lacks the sync commit",
            None => "unknown",
        };
        writeln!(
            out,
            "remote {}: {push}, {has}{}",
            r.remote,
            r.error
                .as_ref()
                .map_or(String::new(), |e| format!(" ({e})"))
        )?;
    }
    for e in &s.endpoints {
        match e.healthy {
            true => writeln!(
                out,
                "endpoint {}: healthy, etcd {}, member {}, leader {}, revision {}, db {} bytes, {} ms",
                e.endpoint,
                e.version.as_deref().unwrap_or("?"),
                e.member_id.as_deref().unwrap_or("?"),
                e.leader.as_deref().unwrap_or("?"),
                e.revision.unwrap_or(0),
                e.db_size.unwrap_or(0),
                e.latency_ms.unwrap_or(0)
            )?,
            false => writeln!(
                out,
                "endpoint {}: UNHEALTHY: {}",
                e.endpoint,
                e.errors.join("; ")
            )?,
        }
    }
    Ok(())
}
