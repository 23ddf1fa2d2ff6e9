//! `netsync apply`.

use clap::Args;
use netsync::apply::ApplyOptions;
use netsync::error::exit;
use netsync::git::Repo;
use netsync::render::{self, OutputFormat};

use super::{output_error, GlobalArgs};

/// Make etcd hold a committed Git revision under the managed prefixes: add and change keys,
/// delete keys Git no longer has (prune guard permitting). Keys outside the prefixes,
/// ephemeral keys and keys attached to a lease are never touched. Every write is guarded on
/// the revision it was planned against; a key changed meanwhile is never overwritten.
///
/// Example: netsync apply --repo /srv/network.git --rev v42 --dry-run
#[derive(Debug, Args)]
pub struct ApplyArgs {
    /// Git revision to deploy (branch, tag, commit). Default: the configured branch, else HEAD.
    /// Example: --rev v42
    #[arg(long, value_name = "REV")]
    pub rev: Option<String>,
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
}

pub async fn run(global: &GlobalArgs, args: &ApplyArgs) -> Result<i32, netsync::Error> {
    let repo = Repo::open(&global.repo)?;
    let desired = netsync::desired::load(&repo, args.rev.as_deref())?;
    let identities = global.identities()?;
    let mut kv = global.connect(&desired.config).await?;
    let options = ApplyOptions {
        dry_run: args.dry_run,
        allow_mass_delete: args.allow_mass_delete,
        max_txn_ops: args.max_txn_ops.map(|n| n as usize),
        max_request_bytes: args.max_request_bytes.map(|n| n as usize),
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
    Ok(exit::OK)
}
