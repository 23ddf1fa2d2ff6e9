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
    run_fetch(git(git_dir), remote, &refspec, &[])
}

/// `git fetch --quiet --no-tags --no-write-fetch-head [extra] remote refspec`.
fn run_fetch(mut cmd: Command, remote: &str, refspec: &str, extra: &[&str]) -> Result<(), Error> {
    let output = cmd
        .args(["fetch", "--quiet", "--no-tags", "--no-write-fetch-head"])
        .args(extra)
        // `--`: a remote is never taken for an option, whatever it starts with.
        .args(["--", remote, refspec])
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

/// The ref a drill's fetch stores the remote's tip in, inside its own scratch repository.
pub const DRILL_REF: &str = "refs/netsync/verify";

/// A scratch repository in a temporary folder, removed when dropped.
pub struct Scratch {
    pub path: std::path::PathBuf,
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.path);
    }
}

/// What `entry` of `persist.remotes` names, for a git run outside `local`: a remote name
/// configured in `local` becomes its URL; anything else is given as it is (paths stay
/// relative to `base`, where the fetch runs).
pub fn resolve_url(local: Option<&Path>, entry: &str) -> String {
    let Some(git_dir) = local else {
        return entry.to_owned();
    };
    let output = git(git_dir).args(["remote", "get-url", entry]).output();
    match output {
        Ok(out) if out.status.success() => String::from_utf8_lossy(&out.stdout).trim().to_owned(),
        _ => entry.to_owned(),
    }
}

/// Fetch `refs/heads/<branch>` of `url` (its HEAD when `branch` is `None`) into a new, empty
/// bare repository, stored as [`DRILL_REF`]: every object of the branch's history must come
/// from the remote itself, so a remote that lost or damaged one fails here (a fetch into a
/// repository that already has the objects would never ask for them). Relative paths are
/// taken from `base`. Never touches any other repository.
pub fn fetch_fresh(base: &Path, url: &str, branch: Option<&str>) -> Result<Scratch, Error> {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let scratch = Scratch {
        path: std::env::temp_dir().join(format!("netsync-verify-{}-{nanos}", std::process::id())),
    };
    gix::init_bare(&scratch.path).map_err(|e| Error::Fetch {
        remote: url.to_owned(),
        detail: format!("cannot create {}: {e}", scratch.path.display()),
    })?;
    let source = match branch {
        Some(branch) => format!("refs/heads/{branch}"),
        None => "HEAD".to_owned(),
    };
    let refspec = format!("+{source}:{DRILL_REF}");
    tracing::info!(remote = url, %refspec, dir = %scratch.path.display(), "fetching into a scratch repository");
    let mut cmd = git(&scratch.path);
    cmd.current_dir(base);
    // A shallow remote's tip is taken (and recorded in `shallow`), so that the drill can say
    // the history is truncated instead of "nothing fetched".
    run_fetch(cmd, url, &refspec, &["--update-shallow"])?;
    Ok(scratch)
}
