//! The backup remotes, pushed on their own schedule: each gets the primary's tip after the
//! primary took it, and a backup that fails is retried with exponential backoff and jitter
//! while the watcher goes on committing. Never a force-push: a backup with commits the
//! primary lacks is reported, not overwritten.

use std::path::PathBuf;
use std::time::Duration;

use tokio::sync::{mpsc, watch};
use tokio::time::Instant;

use super::timing::Backoff;
use crate::git::{remote, ObjectId};

/// The first retry of a failed backup push, and the longest wait between two.
const FIRST_RETRY: Duration = Duration::from_secs(2);
const LONGEST_RETRY: Duration = Duration::from_secs(300);

/// What a push to a backup did.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub remote: String,
    pub commit: ObjectId,
    /// `None`: pushed.
    pub error: Option<String>,
    /// When the next attempt is, after a failure.
    pub retry_in: Option<Duration>,
}

/// The worker that pushes the backups.
pub struct Backups {
    tip: watch::Sender<Option<ObjectId>>,
    pub outcomes: mpsc::UnboundedReceiver<Outcome>,
    task: tokio::task::JoinHandle<()>,
}

impl Backups {
    /// Start pushing `branch` of the repository at `git_dir` to `remotes` whenever
    /// [`Backups::push`] names a new tip.
    pub fn start(git_dir: PathBuf, branch: String, remotes: Vec<String>) -> Self {
        let (tip, tips) = watch::channel(None);
        let (sender, outcomes) = mpsc::unbounded_channel();
        let task = tokio::spawn(work(git_dir, branch, remotes, tips, sender));
        Self {
            tip,
            outcomes,
            task,
        }
    }

    /// The primary has `commit`: the backups get it next.
    pub fn push(&self, commit: ObjectId) {
        self.tip.send_replace(Some(commit));
    }
}

impl Drop for Backups {
    fn drop(&mut self) {
        self.task.abort();
    }
}

struct Remote {
    name: String,
    pushed: Option<ObjectId>,
    backoff: Backoff,
    next: Instant,
}

async fn work(
    git_dir: PathBuf,
    branch: String,
    remotes: Vec<String>,
    mut tips: watch::Receiver<Option<ObjectId>>,
    outcomes: mpsc::UnboundedSender<Outcome>,
) {
    let mut remotes: Vec<Remote> = remotes
        .into_iter()
        .map(|name| Remote {
            name,
            pushed: None,
            backoff: Backoff::new(FIRST_RETRY, LONGEST_RETRY),
            next: Instant::now(),
        })
        .collect();
    loop {
        let tip = *tips.borrow_and_update();
        if let Some(tip) = tip {
            for r in remotes.iter_mut() {
                if r.pushed == Some(tip) || Instant::now() < r.next {
                    continue;
                }
                let (dir, name, branch_name) = (git_dir.clone(), r.name.clone(), branch.clone());
                let pushed = tokio::task::spawn_blocking(move || {
                    remote::push(&dir, &name, tip, &branch_name)
                })
                .await;
                let error = match pushed {
                    Ok(Ok(remote::Pushed::Ok)) => None,
                    Ok(Ok(remote::Pushed::NonFastForward)) => Some(
                        "rejected: the backup has commits the primary does not (not force-pushed)"
                            .to_owned(),
                    ),
                    Ok(Err(err)) => Some(err.to_string()),
                    Err(err) => Some(format!("the push did not finish: {err}")),
                };
                let retry_in = match &error {
                    None => {
                        r.pushed = Some(tip);
                        r.backoff.succeeded();
                        None
                    }
                    Some(_) => {
                        let delay = r.backoff.failed();
                        r.next = Instant::now() + delay;
                        Some(delay)
                    }
                };
                let outcome = Outcome {
                    remote: r.name.clone(),
                    commit: tip,
                    error,
                    retry_in,
                };
                if outcomes.send(outcome).is_err() {
                    return;
                }
            }
        }
        // Sleep until a new tip comes, or the next retry of a backup that is behind.
        let retry = remotes
            .iter()
            .filter(|r| tip.is_some() && r.pushed != tip)
            .map(|r| r.next)
            .min();
        tokio::select! {
            changed = tips.changed() => {
                if changed.is_err() {
                    return;
                }
            }
            _ = async {
                match retry {
                    Some(at) => tokio::time::sleep_until(at).await,
                    None => std::future::pending().await,
                }
            } => {}
        }
    }
}
