//! `netsync status`.

use std::io::Write;
use std::time::Duration;

use crate::cli::error::exit;
use crate::cli::global::Output;
use clap::{Args, ValueEnum};
use netsync::checks::{self, Check, Failed};
use netsync::git::Repo;
use netsync::render::{self, OutputFormat};
use netsync::status::{EndpointStatus, Status};

use super::{output_error, GlobalArgs};

/// Report sync point, drift, remotes and endpoints; a monitoring check.
///
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
    /// Fail (exit 7) on these conditions, comma-separated or repeated: drift, conflict,
    /// unhealthy (an endpoint down, hung or without a leader), remote (a remote that does not
    /// answer or lacks the sync commit), lock (held longer than --max-lock-age), no-remote
    /// (no persist.remotes), refused (the last persist was refused by a guard).
    /// Example: --fail-on conflict,unhealthy,remote
    #[arg(long, value_name = "CHECKS", value_delimiter = ',')]
    pub fail_on: Vec<FailOn>,
    /// Warn on these conditions (a `warning:` line; WARNING with --nagios), as --fail-on.
    /// Example: --warn-on drift
    #[arg(long, value_name = "CHECKS", value_delimiter = ',')]
    pub warn_on: Vec<FailOn>,
    /// Warn when the sync point is older than this (WARNING with --nagios).
    /// Example: --warn-age 15m
    #[arg(long, value_name = "DURATION", value_parser = humantime::parse_duration)]
    pub warn_age: Option<Duration>,
    /// How long a run may hold the lock before `lock` fails (default 10m).
    /// Example: --max-lock-age 30m
    #[arg(long, value_name = "DURATION", value_parser = humantime::parse_duration, default_value = "10m")]
    pub max_lock_age: Duration,
    /// A Nagios/Icinga plugin: one status line with perfdata on stdout, and the plugin exit
    /// codes: 0 OK, 1 WARNING (--warn-on, --warn-age), 2 CRITICAL (--fail-on, --max-age),
    /// 3 UNKNOWN (status could not be gathered). Example: --nagios --max-age 1h --fail-on conflict
    #[arg(long)]
    pub nagios: bool,
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
    /// A remote that does not answer, or lacks the sync commit.
    Remote,
    /// The lock held longer than --max-lock-age.
    Lock,
    /// No persist.remotes: persist commits only locally.
    NoRemote,
    /// The last persist was refused by a guard.
    Refused,
}

impl From<FailOn> for Check {
    fn from(f: FailOn) -> Self {
        match f {
            FailOn::Drift => Check::Drift,
            FailOn::Conflict => Check::Conflict,
            FailOn::Unhealthy => Check::Unhealthy,
            FailOn::Remote => Check::Remote,
            FailOn::Lock => Check::Lock,
            FailOn::NoRemote => Check::NoRemote,
            FailOn::Refused => Check::Refused,
        }
    }
}

/// Nagios plugin exit codes.
mod nagios {
    pub const OK: i32 = 0;
    pub const WARNING: i32 = 1;
    pub const CRITICAL: i32 = 2;
    pub const UNKNOWN: i32 = 3;
}

pub async fn run(global: &GlobalArgs, args: &StatusArgs) -> Result<i32, crate::cli::error::Error> {
    let (gathered, probed) = gather(global, args).await;
    let status = match gathered {
        Ok(status) => status,
        // etcd did not answer (no quorum, say): each endpoint's health is still told, since
        // that is what a monitoring check needs most then.
        Err(err) => {
            let endpoints = probed.unwrap_or_default();
            let down: Vec<&str> = endpoints
                .iter()
                .filter(|e| !e.healthy)
                .map(|e| e.endpoint.as_str())
                .collect();
            let first = err.to_string();
            let first = first.lines().next().unwrap_or("");
            if args.nagios {
                return Ok(match down.is_empty() {
                    true => {
                        println!("NETSYNC UNKNOWN - {first}");
                        nagios::UNKNOWN
                    }
                    false => {
                        println!(
                            "NETSYNC CRITICAL - {first}; unhealthy endpoints: {} | endpoints_down={};;;0;{}",
                            down.join(", "),
                            down.len(),
                            endpoints.len()
                        );
                        nagios::CRITICAL
                    }
                });
            }
            let mut out = global.stdout();
            match global.output {
                Output::Openmetrics => out
                    .write_all(render::openmetrics::failure(&endpoints).as_bytes())
                    .map_err(output_error)?,
                _ if global.human() => {
                    write_endpoints(&mut out, &endpoints).map_err(output_error)?
                }
                _ => {}
            }
            return Err(err);
        }
    };
    // The checks asked for, most severe first: the sync point's age, then the rest.
    let judge = |max_age: Option<Duration>, on: &[FailOn]| {
        let mut failed: Vec<Failed> = max_age
            .and_then(|m| checks::stale(&status, m))
            .into_iter()
            .collect();
        let mut kinds: Vec<Check> = on.iter().map(|&f| f.into()).collect();
        kinds.sort();
        kinds.dedup();
        failed.extend(
            kinds
                .into_iter()
                .filter_map(|k| checks::failed(&status, k, args.max_lock_age)),
        );
        failed
    };
    let critical = judge(args.max_age, &args.fail_on);
    let warnings: Vec<Failed> = judge(args.warn_age, &args.warn_on)
        .into_iter()
        .filter(|w| !critical.iter().any(|c| c.check == w.check))
        .collect();
    if args.nagios {
        return Ok(write_nagios(&status, args, &critical, &warnings));
    }

    let mut out = global.stdout();
    match global.output {
        Output::Openmetrics => out.write_all(render::openmetrics::status(&status).as_bytes()),
        _ => match global.format() {
            OutputFormat::Human if !global.human() => Ok(()),
            OutputFormat::Human => write_human(&mut out, &status),
            OutputFormat::Json => render::json::write(
                &mut out,
                &render::json::Envelope::new(
                    "status",
                    render::json::StatusBody { status: &status },
                ),
            ),
        },
    }
    .map_err(output_error)?;
    // Through the log, so that `--log-format json` keeps stderr one record per line.
    for w in &warnings {
        tracing::warn!("{} (--warn-{})", w.message, flag_of(w));
    }
    for c in &critical {
        tracing::error!(
            "{} (--{})",
            c.message,
            match c.check {
                "stale" => "max-age".to_owned(),
                check => format!("fail-on {check}"),
            }
        );
    }
    Ok(match critical.first() {
        None => exit::OK,
        // A stale backup is the most severe: it is checked first.
        Some(c) if c.check == "stale" => exit::STALE,
        Some(_) => exit::CHECK_FAILED,
    })
}

/// Which flag asked for a warning.
fn flag_of(w: &Failed) -> String {
    match w.check {
        "stale" => "age".to_owned(),
        check => format!("on {check}"),
    }
}

/// The status, and each endpoint's health on its own (also when the rest failed).
async fn gather(
    global: &GlobalArgs,
    args: &StatusArgs,
) -> (
    Result<Status, crate::cli::error::Error>,
    Option<Vec<EndpointStatus>>,
) {
    let repo = match Repo::open(&global.repo) {
        Ok(repo) => repo,
        Err(err) => return (Err(err.into()), None),
    };
    let (branch, config) = match netsync::persist::target_branch(&repo, args.branch.as_deref()) {
        Ok(found) => found,
        Err(err) => return (Err(err.into()), None),
    };
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
    match gathered {
        Ok(mut status) => {
            if let Some(endpoints) = probed {
                status.endpoints = endpoints;
            }
            (Ok(status), None)
        }
        Err(err) => (Err(err), probed),
    }
}

/// One plugin line, `NETSYNC STATE - what | perfdata`, and the plugin's exit code.
fn write_nagios(s: &Status, args: &StatusArgs, critical: &[Failed], warnings: &[Failed]) -> i32 {
    let (state, code, said) = match (critical.is_empty(), warnings.is_empty()) {
        (false, _) => ("CRITICAL", nagios::CRITICAL, critical),
        (true, false) => ("WARNING", nagios::WARNING, warnings),
        (true, true) => ("OK", nagios::OK, &[][..]),
    };
    let c = &s.counts;
    let summary = match said.is_empty() {
        true => format!(
            "sync point {}; {} key(s) in step, {} to apply, {} drifted, {} conflicting",
            s.sync_point.as_ref().and_then(|p| p.age_seconds).map_or(
                "missing".to_owned(),
                |a| format!("{} old", humantime::format_duration(Duration::from_secs(a)))
            ),
            c.same,
            c.git_only,
            c.drift,
            c.conflicts
        ),
        false => said
            .iter()
            .map(|f| f.message.as_str())
            .collect::<Vec<_>>()
            .join("; "),
    };
    let threshold = |d: Option<Duration>| d.map_or(String::new(), |d| d.as_secs().to_string());
    let mut perf = vec![
        format!(
            "sync_point_age={}s;{};{};0",
            s.sync_point
                .as_ref()
                .and_then(|p| p.age_seconds)
                .map_or("U".to_owned(), |a| a.to_string()),
            threshold(args.warn_age),
            threshold(args.max_age)
        ),
        format!("keys_unchanged={}", c.same),
        format!("keys_git_only={}", c.git_only),
        format!("keys_etcd_only={}", c.drift),
        format!("keys_conflict={}", c.conflicts),
        format!(
            "endpoints_down={};;;0;{}",
            s.endpoints.iter().filter(|e| !e.healthy).count(),
            s.endpoints.len()
        ),
    ];
    perf.push(format!("lock_held={}", i64::from(s.lock.held)));
    println!(
        "NETSYNC {state} - {} | {}",
        summary.replace('|', "/"),
        perf.join(" ")
    );
    code
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
    if let Some(w) = &s.watcher {
        let last = w.last_commit.as_ref().map_or(String::new(), |c| {
            format!(
                "; last commit {} (etcd revision {}) at {} on {}",
                &c.commit[..c.commit.len().min(12)],
                c.etcd_revision,
                c.time,
                c.host
            )
        });
        match &w.active {
            Some(h) => writeln!(
                out,
                "watcher: active on {} (pid {}) since {}{last}",
                h.host, h.pid, h.since
            )?,
            None => writeln!(out, "watcher: none active{last}")?,
        }
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
    write_endpoints(out, &s.endpoints)
}

/// One line per endpoint: its health, or what went wrong.
fn write_endpoints(out: &mut impl Write, endpoints: &[EndpointStatus]) -> std::io::Result<()> {
    for e in endpoints {
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
