//! `netsync secret set`.

use std::io::Read;
use std::path::PathBuf;

use crate::cli::error::exit;
use clap::Args;
use netsync::git::Repo;
use zeroize::Zeroizing;

use crate::cli::GlobalArgs;

/// Encrypt a value into the working tree as the key's secret file.
///
/// Encrypt a value into the working tree at the key's secret file (`….age`), creating
/// folders as needed. Commits nothing: review and commit it yourself. The value comes from
/// --file or stdin, byte for byte (a trailing newline is kept).
///
/// Example: netsync secret set /net/users/alice/password --file pw.txt && git add -A && git commit
#[derive(Debug, Args)]
pub struct SetArgs {
    /// The etcd key. Example: /net/users/alice/password
    #[arg(value_name = "KEY")]
    pub key: String,
    /// Read the value from FILE instead of stdin. Example: --file ./wg-private.key
    #[arg(long, value_name = "FILE")]
    pub file: Option<PathBuf>,
    /// Encrypt even when no `secrets.keys` pattern matches KEY.
    /// Example: netsync secret set /net/params/token --force --file token.txt
    #[arg(long)]
    pub force: bool,
}

pub fn run(global: &GlobalArgs, args: &SetArgs) -> Result<i32, crate::cli::error::Error> {
    let repo = Repo::open(&global.repo)?;
    let mut value = Zeroizing::new(Vec::new());
    match &args.file {
        Some(path) => {
            *value = std::fs::read(path).map_err(|source| crate::cli::error::Error::Io {
                path: path.clone(),
                source,
            })?;
        }
        None => {
            std::io::stdin().read_to_end(&mut value).map_err(|source| {
                crate::cli::error::Error::Io {
                    path: "<stdin>".into(),
                    source,
                }
            })?;
        }
    }
    let report = netsync::secrets::set_in_worktree(&repo, args.key.as_bytes(), &value, args.force)?;
    if let Some(plain) = &report.removed_plain {
        tracing::warn!(
            "removed the plaintext file {plain}; if it was ever committed, the value is in Git history: rotate it"
        );
    }
    if !global.quiet {
        eprintln!(
            "encrypted {} ({} bytes) into {}; commit it to deploy",
            args.key,
            value.len(),
            report.path
        );
    }
    Ok(exit::OK)
}
