//! `netsync restore`.

use std::io::Write;

use crate::cli::error::exit;
use clap::Args;
use netsync::render::{self, OutputFormat};
use netsync::restore::{RestoreOptions, Source, Summary};

use super::{output_error, GlobalArgs};

/// Rebuild an empty etcd cluster from a Git revision, verified.
///
/// Rebuild etcd from Git after losing the cluster: write every key of a revision onto a new,
/// empty cluster (secrets decrypted first), record the sync point so that `persist` continues
/// the same history, then read every key back and compare it byte for byte. Refuses a target
/// that already holds keys under the managed prefixes (exit 3) unless --force; an interrupted
/// restore (only keys equal to the revision, no sync point yet) is simply rerun.
///
/// Example: netsync restore --from /backups/network.git --endpoints http://10.0.0.1:2379 --identity key.txt
#[derive(Debug, Args)]
pub struct RestoreArgs {
    /// The repository to restore from: a local (bare) repository, read in place, or a URL,
    /// cloned bare into a temporary folder. Default: --repo.
    /// Example: --from ssh://backup/srv/network.git
    #[arg(long, value_name = "PATH|URL")]
    pub from: Option<String>,
    /// Git revision to restore: a branch, tag, commit, `HEAD~2`, or a date (YYYY-MM-DD =
    /// midnight UTC, or RFC 3339): the configured branch's last first-parent commit at or
    /// before it. Default: the configured branch, else HEAD.
    /// Example: --rev 2026-11-01T12:00:00Z
    #[arg(long, value_name = "REV")]
    pub rev: Option<String>,
    /// Restore onto a cluster that already holds managed keys: overwrite them and delete the
    /// ones the revision lacks (like apply with Git winning), within the prune guard
    /// (`apply.max_delete_fraction`). Example: --force
    #[arg(long)]
    pub force: bool,
    /// With --force: delete more than `apply.max_delete_fraction` of the managed keys
    /// etcd holds, or all of them. Example: netsync restore --force --allow-mass-delete
    #[arg(long, requires = "force")]
    pub allow_mass_delete: bool,
    /// Operations per transaction; match the etcd servers' --max-txn-ops. Example: 128
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    pub max_txn_ops: Option<u64>,
    /// Bytes per request; match the etcd servers' --max-request-bytes. Example: 1572864
    #[arg(long, value_name = "BYTES", value_parser = clap::value_parser!(u64).range(1024..))]
    pub max_request_bytes: Option<u64>,
    #[command(flatten)]
    pub signers: super::signers::SignersArgs,
    /// Restore without checking commit signatures, even when allowed signers are configured
    /// (NETSYNC_ALLOWED_SIGNERS, /etc/netsync/allowed_signers), e.g. from a backup made before
    /// commits were signed. Values are still read back and compared afterwards.
    /// Example: netsync restore --from /backups/network.git --no-verify-signatures
    #[arg(long, alias = "no-verify")]
    pub no_verify_signatures: bool,
    /// A drill against the target cluster: read and decrypt everything, read the target and
    /// check it is empty and every value fits, say what would be written, and write nothing
    /// (no lock either). Exit 3 when the target holds keys, as the restore would.
    /// Example: netsync restore --dry-run --from /backups/network.git --identity key.txt
    #[arg(long, short = 'n')]
    pub dry_run: bool,
    /// Guarded transactions kept in flight at once (1: one at a time); overrides
    /// `etcd.txns_in_flight` (default 8). Every one still compares each key's revision and
    /// the lock. Example: --txns-in-flight 4
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..=256))]
    pub txns_in_flight: Option<u64>,
    /// Seconds the lock outlives a killed run (testing aid).
    #[arg(long, hide = true, env = "NETSYNC_LOCK_TTL", default_value_t = netsync::lock::DEFAULT_TTL.as_secs())]
    pub lock_ttl: u64,
}

fn show(summary: &Summary, dry_run: bool) {
    let mut err = anstream::stderr().lock();
    let _ = writeln!(
        err,
        "{} {} ({}): {} keys, {} bytes, {} secret(s), under {}{}",
        if dry_run {
            "would restore"
        } else {
            "restoring"
        },
        summary.rev,
        &summary.commit[..12.min(summary.commit.len())],
        summary.keys,
        summary.bytes,
        summary.secrets,
        summary.prefixes.join(", "),
        if summary.resumed {
            format!("; resuming: {} already present", summary.existing_keys)
        } else {
            String::new()
        }
    );
}

pub async fn run(global: &GlobalArgs, args: &RestoreArgs) -> Result<i32, crate::cli::error::Error> {
    let allowed_signers = args.signers.resolve(args.no_verify_signatures)?;
    let source = match &args.from {
        Some(from) => Source::open(from)?,
        None => Source::local(&global.repo)?,
    };
    let repo = &source.repo;
    let rev = netsync::restore::resolve_rev(repo, args.rev.as_deref())?;
    let config = netsync::desired::load(repo, rev.as_deref())?.config;
    let identities = global.identities()?;
    let mut kv = global.connect(&config).await?;
    let options = RestoreOptions {
        rev,
        force: args.force,
        allow_mass_delete: args.allow_mass_delete,
        max_txn_ops: args.max_txn_ops.map(|n| n as usize),
        max_request_bytes: args.max_request_bytes.map(|n| n as usize),
        txns_in_flight: args.txns_in_flight.map(|n| n as usize),
        lock_ttl: Some(std::time::Duration::from_secs(args.lock_ttl.max(2))),
        allowed_signers,
        dry_run: args.dry_run,
    };
    let quiet = !global.human() && global.format() == OutputFormat::Human;
    let mut shown = |s: &Summary| {
        if !quiet {
            show(s, args.dry_run)
        }
    };
    let report = netsync::restore::restore(
        repo,
        &mut kv,
        &options,
        &identities,
        &global.progress(),
        &mut shown,
    )
    .await?;
    let mut out = global.stdout();
    match global.format() {
        OutputFormat::Human if !global.human() => Ok(()),
        OutputFormat::Human if report.dry_run => {
            let s = &report.summary;
            writeln!(
                out,
                "dry run: would restore {} keys ({} written, {} deleted) onto cluster {} at etcd revision {}; every value read, {} secret(s) decrypted, nothing written",
                s.keys, report.written, report.deleted, report.cluster_id,
                report.etcd_revision_after, s.secrets
            )
        }
        OutputFormat::Human => {
            let s = &report.summary;
            if let Some(verified) = &report.signatures {
                writeln!(out, "{}", render::human::signatures_line(verified))
                    .map_err(output_error)?;
            }
            writeln!(
                out,
                "restored {} keys ({} written, {} deleted) in {} transaction(s); sync point at etcd revision {} (cluster {})",
                s.keys, report.written, report.deleted, report.transactions,
                report.etcd_revision_after, report.cluster_id
            )
            .and_then(|()| match report.mismatches.is_empty() {
                true => writeln!(out, "verified {} keys", report.verified),
                false => report
                    .mismatches
                    .iter()
                    .try_for_each(|m| writeln!(out, "mismatch: {m}")),
            })
        }
        OutputFormat::Json => render::json::write(
            &mut out,
            &render::json::Envelope::new(
                "restore",
                render::json::RestoreBody { restore: &report },
            ),
        ),
    }
    .map_err(output_error)?;
    if !report.mismatches.is_empty() {
        return Err(netsync::restore::Error::Verify {
            checked: report.summary.keys,
            mismatches: report.mismatches,
        }
        .into());
    }
    Ok(exit::OK)
}
