//! `netsync persist`.

use crate::cli::error::exit;
use clap::Args;
use netsync::git::Repo;
use netsync::persist::{PersistOptions, Persisted};
use netsync::render::json::{Envelope, PersistBody};
use netsync::render::{self, OutputFormat};

use super::{output_error, GlobalArgs};

/// Commit etcd's changes to the branch and push them to the remotes.
///
/// Commit what changed in etcd since the last sync to the branch, then push it to every remote
/// of `persist.remotes` (the first must accept it; failures of the others are reported).
/// Keys changed only in Git are left alone, a key changed on both sides stops the run (exit 5).
/// Meant for cron or a systemd timer on several nodes at once: one run holds an etcd lock, the
/// others print who holds it and exit 0. No change in etcd, no commit.
///
/// Example: netsync persist --repo /var/lib/netsync/network.git --endpoints http://10.0.0.1:2379
#[derive(Debug, Args)]
pub struct PersistArgs {
    /// Show what would be committed; write nothing, push nothing. Example: --dry-run
    #[arg(long, short = 'n')]
    pub dry_run: bool,
    /// Summary line of the commit. Example: --message "rotate entry node keys"
    #[arg(long, short = 'm', value_name = "TEXT")]
    pub message: Option<String>,
    /// Branch to commit to. Default: `branch` in netsync.toml, else the branch HEAD names.
    /// Example: --branch main
    #[arg(long, value_name = "NAME")]
    pub branch: Option<String>,
    /// Commit locally only; do not push to the remotes of `persist.remotes`.
    /// Example: --no-push
    #[arg(long)]
    pub no_push: bool,
    /// Resolve keys changed on both sides since the sync point: `etcd` records etcd's value,
    /// `git` leaves Git's (to be applied). Example: --prefer etcd
    #[arg(long, value_enum, value_name = "SIDE")]
    pub prefer: Option<super::apply::Side>,
    /// Record the deletion of more than `persist.max_delete_fraction` of the managed keys (25%
    /// by default), or of all of them; without it persist refuses (exit 3) and commits and
    /// pushes nothing. Example: netsync persist --allow-mass-delete
    #[arg(long)]
    pub allow_mass_delete: bool,
    /// Keys per etcd range request (testing aid).
    #[arg(long, hide = true, env = "NETSYNC_PAGE_SIZE", default_value_t = netsync::persist::PAGE_SIZE)]
    pub page_size: usize,
    /// Read every value even when the sync point allows reading only what changed since
    /// (testing and benchmarking aid).
    #[arg(long, hide = true, env = "NETSYNC_FULL_READ")]
    pub full_read: bool,
    /// Seconds the lock outlives a killed run (testing aid).
    #[arg(long, hide = true, env = "NETSYNC_LOCK_TTL", default_value_t = netsync::lock::DEFAULT_TTL.as_secs())]
    pub lock_ttl: u64,
}

pub async fn run(global: &GlobalArgs, args: &PersistArgs) -> Result<i32, crate::cli::error::Error> {
    let repo = Repo::open(&global.repo)?;
    let (branch, config) = netsync::persist::target_branch(&repo, args.branch.as_deref())?;
    let mut kv = global.connect(&config).await?;
    let options = PersistOptions {
        dry_run: args.dry_run,
        message: args.message.clone(),
        branch: Some(branch.clone()),
        push: !args.no_push,
        page_size: args.page_size.max(1),
        lock_ttl: std::time::Duration::from_secs(args.lock_ttl.max(2)),
        identity_files: global.identities.clone(),
        full_read: args.full_read,
        push_backups: true,
        allow_mass_delete: args.allow_mass_delete,
        policy: match args.prefer {
            Some(super::apply::Side::Git) => netsync::plan::Policy::PreferGit,
            Some(super::apply::Side::Etcd) => netsync::plan::Policy::PreferEtcd,
            None => netsync::plan::Policy::Safe,
        },
    };
    let outcome = netsync::persist::persist(
        &repo,
        &mut kv,
        &branch,
        &config,
        &options,
        &global.progress(),
    )
    .await?;
    let mut out = global.stdout();
    match (&outcome, global.format()) {
        // -q: nothing but errors; the exit code tells the result.
        (_, OutputFormat::Human) if !global.human() => Ok(()),
        (Persisted::Busy(holder), OutputFormat::Human) => {
            use std::io::Write;
            writeln!(
                out,
                "another persist holds the lock (holder {holder}); nothing to do"
            )
        }
        (Persisted::Busy(holder), OutputFormat::Json) => render::json::write(
            &mut out,
            &Envelope::new(
                "persist",
                PersistBody {
                    busy: true,
                    holder: Some(holder),
                    persist: None,
                },
            ),
        ),
        (Persisted::Done(report), OutputFormat::Human) => {
            render::human::write_persist(&mut out, report)
        }
        (Persisted::Done(report), OutputFormat::Json) => render::json::write(
            &mut out,
            &Envelope::new(
                "persist",
                PersistBody {
                    busy: false,
                    holder: None,
                    persist: Some(report),
                },
            ),
        ),
    }
    .map_err(output_error)?;
    if options.push && config.persist.remotes.is_empty() {
        tracing::warn!(
            "persist.remotes is empty: the commits stay in this repository alone; add the primary and backup remotes to netsync.toml (`status --fail-on no-remote` checks it)"
        );
    }
    Ok(exit::OK)
}
