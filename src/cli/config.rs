//! `netsync config`.

use crate::cli::error::exit;
use clap::Args;
use netsync::config::EtcdSettings;
use netsync::desired::{self, short};
use netsync::git::Repo;
use netsync::render::settings::{self as render, ConfigFile};
use netsync::render::{json, OutputFormat};

use super::{output_error, GlobalArgs};

/// Show the effective etcd settings and where each comes from.
///
/// Show the effective etcd connection settings and where each one comes from: a flag, an
/// environment variable (NETSYNC_* before etcdctl's ETCDCTL_*), netsync.toml, or the default.
/// netsync.toml is read from the revision `apply` would deploy, when there is a repository;
/// otherwise defaults apply. The password is always masked. Connects to nothing.
///
/// Example: ETCDCTL_ENDPOINTS=https://10.0.0.1:2379 netsync config --cacert ca.crt --output json
#[derive(Debug, Args)]
pub struct ConfigArgs {
    /// Git revision to read netsync.toml from: a branch, tag, commit, `HEAD~2`, or a date (YYYY-MM-DD =
    /// midnight UTC, or RFC 3339): the configured branch's last first-parent commit at or
    /// before it. Default: the configured branch, else HEAD.
    /// Example: --rev v42
    #[arg(long, value_name = "REV")]
    pub rev: Option<String>,
}

pub fn run(global: &GlobalArgs, args: &ConfigArgs) -> Result<i32, crate::cli::error::Error> {
    let (file, etcd) = read_file(global, args)?;
    let effective = global.settings(&etcd)?;
    let mut out = global.stdout();
    match global.format() {
        OutputFormat::Human if !global.human() => Ok(()),
        OutputFormat::Human => render::write_human(&mut out, &file, &effective),
        OutputFormat::Json => json::write(
            &mut out,
            &json::Envelope::new("config", render::document(&file, &effective)),
        ),
    }
    .map_err(output_error)?;
    Ok(exit::OK)
}

/// The `[etcd]` section of the committed netsync.toml; an invalid file is an error, a missing
/// repository, commit or file is not (defaults apply).
fn read_file(
    global: &GlobalArgs,
    args: &ConfigArgs,
) -> Result<(ConfigFile, EtcdSettings), crate::cli::error::Error> {
    let absent = |reason: String| Ok((ConfigFile::Absent { reason }, EtcdSettings::default()));
    let repo = match Repo::open(&global.repo) {
        Ok(repo) => repo,
        Err(_) => return absent(format!("no Git repository at {}", global.repo.display())),
    };
    let (revision, rev) = match desired::resolve_target(&repo, args.rev.as_deref()) {
        Ok(found) => found,
        Err(desired::Error::NoConfig { commit, .. }) => {
            return absent(format!("no netsync.toml at commit {commit}"))
        }
        Err(desired::Error::Git(_)) if args.rev.is_none() => {
            return absent("the repository has no commit yet".to_owned())
        }
        Err(err) => return Err(err.into()),
    };
    match desired::load_config(&repo, &revision) {
        Ok(config) => Ok((
            ConfigFile::Committed {
                commit: short(&revision.commit),
                rev,
            },
            config.etcd,
        )),
        Err(desired::Error::NoConfig { commit, .. }) => {
            absent(format!("no netsync.toml at commit {commit}"))
        }
        Err(err) => Err(err.into()),
    }
}
