//! Network transport through the `git` CLI (gix has no push): users' credentials, ssh config
//! and remote names work as with git itself. Never a force-push.

use std::path::Path;
use std::process::Command;

use super::ObjectId;

/// The local ref a fetched branch tip is stored in (one writer at a time: the persist lock).
pub const FETCHED_REF: &str = "refs/netsync/fetched";

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("cannot run `git`; is it installed?")]
    Spawn(#[source] std::io::Error),
    #[error("`git push` to {remote} failed: {detail}")]
    Push { remote: String, detail: String },
    #[error("`git fetch` from {remote} failed: {detail}")]
    Fetch { remote: String, detail: String },
    #[error("`git ls-remote` of {remote} failed: {detail}")]
    LsRemote { remote: String, detail: String },
    #[error("`git gc --auto` failed: {detail}")]
    Gc { detail: String },
}

/// What a push did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Pushed {
    /// The remote branch now points to the commit (or already did).
    Ok,
    /// The remote branch has commits the pushed one does not contain: fetch and build on top.
    NonFastForward,
}

/// `git --git-dir GIT_DIR`, run in the repository's own folder (the working tree of a
/// checked-out repository, the bare repository itself), so that a remote given as a relative
/// path means the same wherever netsync is started.
fn git(git_dir: &Path) -> Command {
    // Absolute: the command runs in another folder than netsync (`--repo` may be relative).
    let absolute = std::path::absolute(git_dir);
    let git_dir = absolute.as_deref().unwrap_or(git_dir);
    let base = match git_dir.file_name() {
        Some(name) if name == ".git" => git_dir.parent().unwrap_or(git_dir),
        _ => git_dir,
    };
    let mut cmd = Command::new("git");
    cmd.current_dir(base)
        .arg("--git-dir")
        .arg(git_dir)
        // Never wait for a password on a terminal nobody watches (cron, systemd).
        .env("GIT_TERMINAL_PROMPT", "0")
        .env_remove("GIT_DIR")
        .env_remove("GIT_WORK_TREE")
        .env_remove("GIT_INDEX_FILE");
    cmd
}

fn detail(output: &std::process::Output) -> String {
    let text = String::from_utf8_lossy(&output.stderr);
    let lines: Vec<&str> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with("hint:"))
        .collect();
    if lines.is_empty() {
        format!("git exited with {}", output.status)
    } else {
        lines.join("; ")
    }
}

/// Push `commit` to `refs/heads/<branch>` of `remote` (a remote name or URL).
pub fn push(git_dir: &Path, remote: &str, commit: ObjectId, branch: &str) -> Result<Pushed, Error> {
    let refspec = format!("{commit}:refs/heads/{branch}");
    tracing::info!(remote, %refspec, "pushing");
    let output = git(git_dir)
        .args(["push", "--porcelain", "--quiet", remote, &refspec])
        .output()
        .map_err(Error::Spawn)?;
    if output.status.success() {
        return Ok(Pushed::Ok);
    }
    // Porcelain status lines: `!\t<from>:<to>\t[rejected] (non-fast-forward)`; a hook's refusal
    // is `[remote rejected]` and is not something fetching can fix.
    let stdout = String::from_utf8_lossy(&output.stdout);
    let rejected = stdout.lines().any(|line| {
        line.starts_with('!') && line.contains("[rejected]") && !line.contains("remote rejected")
    });
    if rejected {
        return Ok(Pushed::NonFastForward);
    }
    let mut detail = detail(&output);
    if let Some(line) = stdout.lines().find(|l| l.starts_with('!')) {
        detail = format!("{}; {detail}", line.replace('\t', " "));
    }
    Err(Error::Push {
        remote: remote.to_owned(),
        detail,
    })
}

/// The tip of `refs/heads/<branch>` on `remote`, asked with `git ls-remote` (no fetch);
/// `None` when the remote has no such branch.
pub fn ls_remote(git_dir: &Path, remote: &str, branch: &str) -> Result<Option<String>, Error> {
    let output = git(git_dir)
        .args([
            "ls-remote",
            "--quiet",
            remote,
            &format!("refs/heads/{branch}"),
        ])
        .output()
        .map_err(Error::Spawn)?;
    if !output.status.success() {
        return Err(Error::LsRemote {
            remote: remote.to_owned(),
            detail: detail(&output),
        });
    }
    let text = String::from_utf8_lossy(&output.stdout);
    Ok(text.split_whitespace().next().map(str::to_owned))
}

/// Pack loose objects when they pile up: `git gc --auto` (gix has no repack), in the
/// foreground, so that it runs while the caller holds the repository's lock. gix writes every
/// object a commit makes as a loose file; left alone, months of persists leave millions of
/// them, and every later read, clone and push slows down. Git's own thresholds decide
/// (`gc.auto`, 6,700 loose objects, and `gc.autoPackLimit`, 50 packs, by default; `gc.auto =
/// 0` turns it off), so that most calls only count and return.
pub fn gc_auto(git_dir: &Path) -> Result<(), Error> {
    let output = git(git_dir)
        .args(["-c", "gc.autoDetach=false", "gc", "--auto", "--quiet"])
        .output()
        .map_err(Error::Spawn)?;
    match output.status.success() {
        true => Ok(()),
        false => Err(Error::Gc {
            detail: detail(&output),
        }),
    }
}

/// Fetch `refs/heads/<branch>` of `remote` into [`FETCHED_REF`] (read it with gix afterwards).
pub fn fetch(git_dir: &Path, remote: &str, branch: &str) -> Result<(), Error> {
    let refspec = format!("+refs/heads/{branch}:{FETCHED_REF}");
    tracing::info!(remote, %refspec, "fetching");
    let output = git(git_dir)
        .args([
            "fetch",
            "--quiet",
            "--no-tags",
            "--no-write-fetch-head",
            remote,
            &refspec,
        ])
        .output()
        .map_err(Error::Spawn)?;
    if !output.status.success() {
        return Err(Error::Fetch {
            remote: remote.to_owned(),
            detail: detail(&output),
        });
    }
    Ok(())
}
