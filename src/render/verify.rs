//! `verify`'s output: a report per remote for people, OpenMetrics for a scrape (JSON is the
//! [`crate::verify::Verification`] itself, in the common envelope).

use std::io::{self, Write};
use std::sync::atomic::AtomicU64;

use anstyle::{AnsiColor, Style};
use prometheus_client::encoding::text::encode;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::{Registry, Unit};

use crate::verify::{Status, Verification};

const PASSED: Style = AnsiColor::Green.on_default();
const FAILED: Style = AnsiColor::Red.on_default().bold();

/// Keys listed under a failed check; the rest are counted (JSON lists all).
const LISTED_KEYS: usize = 20;

pub fn write_human(out: &mut impl Write, v: &Verification) -> io::Result<()> {
    match &v.sync_point {
        Some(p) => writeln!(
            out,
            "recovery drill of {}: sync point {} at etcd revision {} (cluster {}, {})",
            v.branch,
            &p.commit[..p.commit.len().min(12)],
            p.etcd_revision,
            p.cluster_id,
            p.time
        )?,
        None => writeln!(
            out,
            "recovery drill of {}: etcd {}{}",
            v.branch,
            v.etcd.state,
            v.etcd
                .error
                .as_ref()
                .map_or(String::new(), |e| format!(" ({e})"))
        )?,
    }
    for r in &v.remotes {
        let (word, style) = match r.ok {
            true => ("PASSED", PASSED),
            false => ("FAILED", FAILED),
        };
        let url = match r.url == r.remote {
            true => String::new(),
            false => format!(" ({})", r.url),
        };
        writeln!(
            out,
            "remote {}{url}: {style}{word}{style:#} in {:.1} s",
            r.remote, r.seconds
        )?;
        for c in &r.checks {
            let (mark, style) = match c.status {
                Status::Passed => ("ok  ", PASSED),
                Status::Failed => ("FAIL", FAILED),
                Status::Skipped => ("skip", Style::new()),
            };
            writeln!(out, "  {style}{mark}{style:#} {:<10} {}", c.check, c.detail)?;
            for key in c.keys.iter().take(LISTED_KEYS) {
                writeln!(out, "         {key}")?;
            }
            if c.keys.len() > LISTED_KEYS {
                writeln!(out, "         ... and {} more", c.keys.len() - LISTED_KEYS)?;
            }
        }
    }
    let passed = v.remotes.iter().filter(|r| r.ok).count();
    writeln!(
        out,
        "{passed} of {} remote(s) passed the drill",
        v.remotes.len()
    )
}

type Labels = Vec<(String, String)>;

/// The drill as OpenMetrics: one series per remote (and per check).
pub fn openmetrics(v: &Verification) -> String {
    let mut registry = Registry::with_prefix("netsync_verify");
    let remote = |r: &str| vec![("remote".to_owned(), r.to_owned())];
    let ok = Family::<Labels, Gauge>::default();
    let checks = Family::<Labels, Gauge>::default();
    let keys = Family::<Labels, Gauge>::default();
    let secrets = Family::<Labels, Gauge>::default();
    let commits = Family::<Labels, Gauge>::default();
    let seconds = Family::<Labels, Gauge<f64, AtomicU64>>::default();
    for r in &v.remotes {
        ok.get_or_create(&remote(&r.remote)).set(i64::from(r.ok));
        for c in r.checks.iter().filter(|c| c.status != Status::Skipped) {
            let mut labels = remote(&r.remote);
            labels.push(("check".to_owned(), c.check.to_owned()));
            checks
                .get_or_create(&labels)
                .set(i64::from(c.status == Status::Passed));
        }
        keys.get_or_create(&remote(&r.remote)).set(r.keys as i64);
        secrets
            .get_or_create(&remote(&r.remote))
            .set(r.secrets as i64);
        if let Some(n) = r.commits {
            commits.get_or_create(&remote(&r.remote)).set(n as i64);
        }
        seconds.get_or_create(&remote(&r.remote)).set(r.seconds);
    }
    registry.register(
        "success",
        "Whether the remote passed the recovery drill (every check)",
        ok,
    );
    registry.register(
        "check_passed",
        "Whether one check of the drill passed (skipped checks are absent)",
        checks,
    );
    registry.register("keys", "Managed keys at the remote's tip", keys);
    registry.register("secrets", "Secrets at the remote's tip", secrets);
    registry.register("commits", "Commits in the remote's history", commits);
    registry.register_with_unit(
        "duration",
        "How long the remote's drill took",
        Unit::Seconds,
        seconds,
    );
    let when = Gauge::<f64, AtomicU64>::default();
    if let Ok(at) = humantime::parse_rfc3339_weak(&v.time) {
        if let Ok(d) = at.duration_since(std::time::UNIX_EPOCH) {
            when.set(d.as_secs_f64());
        }
    }
    registry.register_with_unit(
        "timestamp",
        "When the drill ran (Unix time)",
        Unit::Seconds,
        when,
    );
    let mut out = String::new();
    // Writing into a String cannot fail.
    let _ = encode(&mut out, &registry);
    out
}
