//! `netsync secret show`.

use std::io::Write;

use crate::cli::error::exit;
use clap::Args;
use netsync::git::Repo;

use crate::cli::{output_error, GlobalArgs};

/// Print the value of a committed secret.
///
/// Decrypt a committed secret and print its value, exactly, to stdout (nothing else is
/// printed there). Needs an identity (--identity).
///
/// Example: netsync secret show /net/users/alice/password --identity ~/.ssh/id_ed25519
#[derive(Debug, Args)]
pub struct ShowArgs {
    /// The etcd key. Example: /net/users/alice/password
    #[arg(value_name = "KEY")]
    pub key: String,
    /// Git revision to read: a branch, tag, commit, `HEAD~2`, or a date (YYYY-MM-DD =
    /// midnight UTC, or RFC 3339): the configured branch's last first-parent commit at or
    /// before it. Default: the configured branch, else HEAD.
    /// Example: --rev v42
    #[arg(long, value_name = "REV")]
    pub rev: Option<String>,
}

pub fn run(global: &GlobalArgs, args: &ShowArgs) -> Result<i32, crate::cli::error::Error> {
    let repo = Repo::open(&global.repo)?;
    let identities = global.identities()?;
    let value =
        netsync::secrets::show(&repo, args.rev.as_deref(), args.key.as_bytes(), &identities)?;
    let mut out = std::io::stdout().lock();
    out.write_all(&value).map_err(output_error)?;
    out.flush().map_err(output_error)?;
    Ok(exit::OK)
}
