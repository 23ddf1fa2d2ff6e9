//! `netsync init`.

use std::io::Write;

use crate::cli::error::exit;
use clap::Args;
use netsync::init::{InitOptions, NewRepo};
use netsync::render::{json, OutputFormat};

use super::{output_error, GlobalArgs};

/// Write a starter netsync.toml into the repository.
///
/// Writes a commented netsync.toml at the root of the repository (refuses to overwrite).
///
/// With --new or --bare, create the repository at --repo first (a new or empty directory).
/// In a bare repository, which has no working tree, netsync.toml is committed on the branch.
///
/// Example: netsync init --repo /srv/network.git --bare --prefix /net/ --dir kv
#[derive(Debug, Args)]
pub struct InitArgs {
    /// The etcd key prefix to manage. Example: --prefix /net/
    #[arg(long, default_value = "/net/")]
    pub prefix: String,
    /// The folder of the repository that holds one file per key. Example: --dir kv
    #[arg(long, default_value = "kv")]
    pub dir: String,
    /// The branch `apply` deploys by default (default: the current branch, else main).
    /// Example: --branch production
    #[arg(long)]
    pub branch: Option<String>,
    /// Create a new repository with a working tree at --repo first; netsync.toml is written
    /// there for you to review and commit. Example: netsync init --new --repo network
    #[arg(long, conflicts_with = "bare")]
    pub new: bool,
    /// Create a new bare repository at --repo first and commit netsync.toml in it.
    /// Example: netsync init --bare --repo /srv/network.git
    #[arg(long)]
    pub bare: bool,
}

pub fn run(global: &GlobalArgs, args: &InitArgs) -> Result<i32, crate::cli::error::Error> {
    let options = InitOptions {
        prefix: args.prefix.clone(),
        dir: args.dir.clone(),
        branch: args.branch.clone(),
        create: match (args.new, args.bare) {
            (_, true) => Some(NewRepo::Bare),
            (true, false) => Some(NewRepo::WithWorktree),
            (false, false) => None,
        },
    };
    let report = netsync::init::init(&global.repo, &options)?;
    match global.format() {
        OutputFormat::Json => {
            let doc = json::Envelope::new("init", json::InitBody { init: &report });
            json::write(&mut global.stdout(), &doc).map_err(output_error)?;
        }
        OutputFormat::Human if !global.quiet => {
            let mut err = anstream::stderr().lock();
            let _ = match (&report.config_path, &report.commit) {
                (Some(path), _) => writeln!(
                    err,
                    "wrote {}; commit it, then run `netsync diff`",
                    path.display()
                ),
                (None, Some(commit)) => writeln!(
                    err,
                    "created bare repository {} with netsync.toml committed on {} ({commit}); \
                     clone it to add keys",
                    report.repository.display(),
                    report.branch
                ),
                (None, None) => Ok(()),
            };
        }
        OutputFormat::Human => {}
    }
    Ok(exit::OK)
}
