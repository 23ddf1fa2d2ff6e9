//! `netsync log`.

use clap::Args;
use netsync::git::Repo;
use netsync::history::{self, LogOptions};
use netsync::render::{self, OutputFormat};

use super::{output_error, GlobalArgs};
use crate::cli::error::{exit, Error};

/// Show every commit that changed one key's value, newest first.
///
/// The history of one key: each commit that changed its value, newest first, with its time,
/// its author, and where the change came from: Git (a person's commit) or etcd (a persist
/// commit; its trailers name the persisting host and etcd revision). Plain values are diffed;
/// a secret shows that its ciphertext changed and, with --identity, whether its plaintext did,
/// never the value. The key's file is followed when it moves (`%self` when the key gains
/// children, `.age` when it becomes a secret, a folder renamed in netsync.toml). Only the
/// trees on the key's path are read, so it stays fast on large repositories.
///
/// Example: netsync log /net/params/mtu --since 2weeks --repo /srv/network.git
#[derive(Debug, Args)]
pub struct LogArgs {
    /// The etcd key. Example: /net/users/alice/profile
    #[arg(value_name = "KEY")]
    pub key: String,
    /// Where the history starts: a branch, tag, commit, `HEAD~2`, or a date (YYYY-MM-DD =
    /// midnight UTC, or RFC 3339). Default: the configured branch, else HEAD.
    /// Example: --rev v42
    #[arg(long, value_name = "REV")]
    pub rev: Option<String>,
    /// Only commits made at or after this: a date (2026-11-01, RFC 3339) or a duration back
    /// from now (2weeks, 36h). Example: --since 2026-11-01
    #[arg(long, value_name = "WHEN")]
    pub since: Option<String>,
    /// Only commits made at or before this, in the forms of --since. Example: --until 1day
    #[arg(long, value_name = "WHEN")]
    pub until: Option<String>,
    /// Show at most this many changes. Example: -n 5
    #[arg(short = 'n', long, value_name = "N")]
    pub max_count: Option<usize>,
}

/// `--since`/`--until` as seconds since the epoch, or a usage error naming the flag.
fn when(flag: &str, text: Option<&str>) -> Result<Option<i64>, Error> {
    let Some(text) = text else { return Ok(None) };
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64);
    history::parse_time(text, now)
        .map(Some)
        .ok_or_else(|| Error::BadTime {
            flag: flag.to_owned(),
            value: text.to_owned(),
        })
}

pub fn run(global: &GlobalArgs, args: &LogArgs) -> Result<i32, Error> {
    let options = LogOptions {
        rev: args.rev.clone(),
        since: when("--since", args.since.as_deref())?,
        until: when("--until", args.until.as_deref())?,
        max_count: args.max_count,
    };
    let repo = Repo::open(&global.repo)?;
    let identities = global.identities()?;
    let history = history::log(&repo, args.key.as_bytes(), &options, &identities)?;
    let mut out = global.stdout();
    match global.format() {
        OutputFormat::Human if !global.human() => Ok(()),
        OutputFormat::Human => render::history::write_human(&mut out, &history),
        OutputFormat::Json => render::json::write(&mut out, &render::history::document(&history)),
    }
    .map_err(output_error)?;
    Ok(exit::OK)
}
