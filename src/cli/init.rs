//! `netsync init`.

use clap::Args;
use netsync::error::exit;
use netsync::init::InitOptions;

use super::GlobalArgs;

/// Write a commented netsync.toml at the root of the repository (refuses to overwrite).
///
/// Example: netsync init --prefix /net/ --dir kv
#[derive(Debug, Args)]
pub struct InitArgs {
    /// The etcd key prefix to manage. Example: --prefix /net/
    #[arg(long, default_value = "/net/")]
    pub prefix: String,
    /// The folder of the repository that holds one file per key. Example: --dir kv
    #[arg(long, default_value = "kv")]
    pub dir: String,
    /// The branch `apply` deploys by default (default: the current branch, else main).
    #[arg(long)]
    pub branch: Option<String>,
}

pub fn run(global: &GlobalArgs, args: &InitArgs) -> Result<i32, netsync::Error> {
    let options = InitOptions {
        prefix: args.prefix.clone(),
        dir: args.dir.clone(),
        branch: args.branch.clone(),
    };
    let path = netsync::init::init(&global.repo, &options)?;
    if !global.quiet {
        eprintln!(
            "wrote {}; commit it, then run `netsync diff`",
            path.display()
        );
    }
    Ok(exit::OK)
}
