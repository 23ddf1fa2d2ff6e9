//! `netsync apply`.

use crate::cli::error::exit;
use clap::Args;
use netsync::apply::ApplyOptions;
use netsync::git::Repo;
use netsync::plan::Policy;
use netsync::render::{self, OutputFormat};

use super::{output_error, GlobalArgs};

/// Make etcd hold a Git revision under the managed prefixes.
///
/// Make etcd hold a committed Git revision under the managed prefixes: add and change keys,
/// delete keys Git no longer has (prune guard permitting). Keys outside the prefixes,
/// ephemeral keys and keys attached to a lease are never touched. Every write is guarded on
/// the revision it was planned against; a key changed meanwhile is never overwritten.
///
/// With a sync point (the last apply or persist), keys are compared three ways: keys changed
/// only in Git are written; keys changed only in etcd (drift not yet persisted) are left
/// alone and listed; keys changed on both sides stop the run (exit 5) unless --prefer or
/// --force says which side wins.
///
/// Example: netsync apply --repo /srv/network.git --rev v42 --dry-run
#[derive(Debug, Args)]
pub struct ApplyArgs {
    /// Git revision to deploy: a branch, tag, commit, `HEAD~2`, or a date (YYYY-MM-DD =
    /// midnight UTC, or RFC 3339): the configured branch's last first-parent commit at or
    /// before it. Default: the configured branch, else HEAD.
    /// Example: --rev v42
    #[arg(long, value_name = "REV")]
    pub rev: Option<String>,
    /// Carry out a plan saved by `netsync diff --out FILE`, exactly as reviewed: its commit,
    /// and only if etcd, Git and the sync point are still as the plan saw them (else exit 4,
    /// nothing written). Example: netsync apply --plan reviewed.plan
    #[arg(long, value_name = "FILE", conflicts_with_all = ["rev", "prefer", "force"])]
    pub plan: Option<std::path::PathBuf>,
    /// Show what would be written, write nothing. Example: netsync apply --dry-run
    #[arg(long, short = 'n')]
    pub dry_run: bool,
    /// Let apply delete more than `apply.max_delete_fraction` of the managed keys, or all of them.
    /// Example: netsync apply --rev cleanup --allow-mass-delete
    #[arg(long)]
    pub allow_mass_delete: bool,
    /// Operations per transaction; match the etcd servers' --max-txn-ops. Example: 128
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    pub max_txn_ops: Option<u64>,
    /// Bytes per request; match the etcd servers' --max-request-bytes. Example: 1572864
    #[arg(long, value_name = "BYTES", value_parser = clap::value_parser!(u64).range(1024..))]
    pub max_request_bytes: Option<u64>,
    /// Guarded transactions kept in flight at once (1: one at a time); overrides
    /// `etcd.txns_in_flight` (default 8). Every one still compares each key's revision and
    /// the lock. Example: --txns-in-flight 4
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..=256))]
    pub txns_in_flight: Option<u64>,
    /// Resolve keys changed on both sides since the sync point: `git` writes Git's value,
    /// `etcd` keeps etcd's. Drift (changed only in etcd) is kept either way.
    /// Example: --prefer git
    #[arg(long, value_enum, value_name = "SIDE")]
    pub prefer: Option<Side>,
    /// Make etcd equal to Git, overwriting drift and conflicts alike.
    /// Example: netsync apply --force --rev v42
    #[arg(long, conflicts_with = "prefer")]
    pub force: bool,
    /// How long to wait for another run (a persist) to release the lock. Example: --lock-timeout 2m
    #[arg(long, value_name = "DURATION", value_parser = humantime::parse_duration, default_value = "60s")]
    pub lock_timeout: std::time::Duration,
    #[command(flatten)]
    pub signers: super::signers::SignersArgs,
    /// Deploy without checking commit signatures, even when allowed signers are configured
    /// (NETSYNC_ALLOWED_SIGNERS, /etc/netsync/allowed_signers): after checking the commits by
    /// other means. Example: netsync apply --rev v42 --no-verify-signatures
    #[arg(long, alias = "no-verify")]
    pub no_verify_signatures: bool,
    /// Read every value in etcd even when the sync point allows reading only what changed
    /// since (testing and benchmarking aid).
    #[arg(long, hide = true, env = "NETSYNC_FULL_READ")]
    pub full_read: bool,
    /// Seconds the lock outlives a killed run (testing aid).
    #[arg(long, hide = true, env = "NETSYNC_LOCK_TTL", default_value_t = netsync::lock::DEFAULT_TTL.as_secs())]
    pub lock_ttl: u64,
}

/// A side of the sync.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Side {
    Git,
    Etcd,
}

impl ApplyArgs {
    pub fn policy(&self) -> Policy {
        match (self.force, self.prefer) {
            (true, _) => Policy::Force,
            (false, Some(Side::Git)) => Policy::PreferGit,
            (false, Some(Side::Etcd)) => Policy::PreferEtcd,
            (false, None) => Policy::Safe,
        }
    }
}

pub async fn run(global: &GlobalArgs, args: &ApplyArgs) -> Result<i32, crate::cli::error::Error> {
    let repo = Repo::open(&global.repo)?;
    let saved = match &args.plan {
        Some(path) => Some(netsync::saved::SavedPlan::load(path)?),
        None => None,
    };
    let rev = match &saved {
        Some(plan) => Some(plan.commit.as_str()),
        None => args.rev.as_deref(),
    };
    let allowed_signers = args.signers.resolve(args.no_verify_signatures)?;
    // The target's tree is walked while etcd is dialled and read (prepare waits for it).
    let desired = netsync::desired::Loading::start(&repo, rev)?;
    let identities = global.identities()?;
    let (mut kv, desired) = global.connect_loading(desired).await?;
    let options = ApplyOptions {
        dry_run: args.dry_run,
        policy: args.policy(),
        lock_ttl: std::time::Duration::from_secs(args.lock_ttl.max(2)),
        lock_timeout: args.lock_timeout,
        allow_mass_delete: args.allow_mass_delete,
        max_txn_ops: args.max_txn_ops.map(|n| n as usize),
        max_request_bytes: args.max_request_bytes.map(|n| n as usize),
        txns_in_flight: args.txns_in_flight.map(|n| n as usize),
        full_read: args.full_read,
        expect: saved,
        allowed_signers,
    };
    let applied = netsync::apply::apply(
        &repo,
        desired,
        &mut kv,
        &options,
        &identities,
        &global.progress(),
    )
    .await?;
    let mut out = global.stdout();
    match global.format() {
        OutputFormat::Human if !global.human() => Ok(()),
        OutputFormat::Human => {
            render::human::write_apply(&mut out, &applied.prepared, &applied.report)
        }
        OutputFormat::Json => render::json::write(
            &mut out,
            &render::json::document("apply", &applied.prepared, Some(&applied.report)),
        ),
    }
    .map_err(output_error)?;
    // Only a dry run gets here with conflicts: it shows them, and says so in its exit code.
    Ok(if applied.prepared.plan.conflicts.is_empty() {
        exit::OK
    } else {
        exit::CONFLICT
    })
}
