//! `netsync verify`.

use std::io::Write;

use clap::Args;
use netsync::config::EtcdSettings;
use netsync::git::Repo;
use netsync::render::{self, OutputFormat};
use netsync::verify::EtcdAccess;

use super::global::Output;
use super::{output_error, GlobalArgs};
use crate::cli::error::{exit, Error};

/// Prove the backups restore: a recovery drill of every remote, read-only.
///
/// For each remote of `persist.remotes` (or --from), without touching the cluster: fetch the
/// branch into a scratch repository (your branches and refs are left alone; every object
/// must come from the remote itself), check that its whole history is there, that its tip
/// decodes as `restore` reads it (every path canonical, no plaintext secret), that every
/// value reads and every secret decrypts with --identity (the offline recovery key) and is
/// bound to its key, that it holds the sync point's commit, and that at that commit it holds
/// what etcd held then (by blob id; no value is printed). Exit 7 when a remote fails the
/// drill. Reports per remote: human, JSON, OpenMetrics.
///
/// Example: netsync verify --identity /root/recovery-identity.txt --output openmetrics
#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// Drill this remote (a URL or a path) instead of `persist.remotes`; repeat for several.
    /// Works without a local repository (then the remote's own netsync.toml is used).
    /// Example: --from ssh://backup/srv/network.git
    #[arg(long, value_name = "URL")]
    pub from: Vec<String>,
    /// The branch to drill. Default: `branch` in netsync.toml, else HEAD's (the remote's
    /// HEAD without a local repository). Example: --branch main
    #[arg(long, value_name = "NAME")]
    pub branch: Option<String>,
    /// Do not read etcd: skip the sync point and the comparison (a backup host without
    /// access to the cluster). Example: netsync verify --offline --from /backups/network.git
    #[arg(long)]
    pub offline: bool,
}

pub async fn run(global: &GlobalArgs, args: &VerifyArgs) -> Result<i32, Error> {
    let local = match Repo::open(&global.repo) {
        Ok(repo) => Some(repo),
        Err(_) if !args.from.is_empty() => None,
        Err(err) => return Err(err.into()),
    };
    let (branch, config) = match &local {
        Some(repo) => match netsync::persist::target_branch(repo, args.branch.as_deref()) {
            Ok((branch, config)) => (Some(branch), Some(config)),
            Err(_) if !args.from.is_empty() => (args.branch.clone(), None),
            Err(err) => return Err(err.into()),
        },
        None => (args.branch.clone(), None),
    };
    let remotes = match (&args.from, &config) {
        (from, _) if !from.is_empty() => from.clone(),
        (_, Some(config)) if !config.persist.remotes.is_empty() => config.persist.remotes.clone(),
        _ => return Err(Error::NoRemotes),
    };
    let identities = global.identities()?;
    let connected = match args.offline {
        true => None,
        false => {
            let etcd = config
                .as_ref()
                .map_or_else(EtcdSettings::default, |c| c.etcd.clone());
            match global.connect_with(&etcd).await {
                Ok(kv) => Some(Ok(kv)),
                // Settings that cannot work are the caller's mistake, not the backup's.
                Err(err) if err.exit_code() == exit::USAGE => return Err(err),
                Err(err) => Some(Err(err.to_string())),
            }
        }
    };
    let mut kv = None;
    let access = match connected {
        None => EtcdAccess::Offline,
        Some(Err(why)) => EtcdAccess::Unreachable(why),
        Some(Ok(connected)) => EtcdAccess::Connected(kv.insert(connected)),
    };
    let verification = netsync::verify::verify(
        local.as_ref(),
        config.as_ref(),
        branch.as_deref(),
        &remotes,
        access,
        &identities,
        &global.progress(),
    )
    .await;
    let mut out = global.stdout();
    match (global.output, global.format()) {
        (Output::Openmetrics, _) => {
            out.write_all(render::verify::openmetrics(&verification).as_bytes())
        }
        (_, OutputFormat::Human) if !global.human() => Ok(()),
        (_, OutputFormat::Human) => render::verify::write_human(&mut out, &verification),
        (_, OutputFormat::Json) => render::json::write(
            &mut out,
            &render::json::Envelope::new(
                "verify",
                render::json::VerifyBody {
                    verify: &verification,
                },
            ),
        ),
    }
    .map_err(output_error)?;
    if verification.ok {
        return Ok(exit::OK);
    }
    let failed: Vec<&str> = verification
        .remotes
        .iter()
        .filter(|r| !r.ok)
        .map(|r| r.remote.as_str())
        .collect();
    tracing::error!(
        "{} of {} remote(s) failed the recovery drill: {}",
        failed.len(),
        verification.remotes.len(),
        failed.join(", ")
    );
    Ok(exit::CHECK_FAILED)
}
