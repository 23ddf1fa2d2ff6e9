//! `init`: write a commented `netsync.toml` into a repository's working tree, or create a new
//! repository first (bare: the file is committed, there being no working tree).

use std::path::{Path, PathBuf};

use gix::refs::transaction::{Change, LogChange, PreviousValue, RefEdit};
use gix::refs::Target;
use serde::Serialize;

use crate::config::{self, Config};

/// Why `init` wrote nothing.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{path} already exists")]
    AlreadyExists { path: PathBuf },
    #[error("{path} is a bare repository: it has no working tree to write netsync.toml into")]
    BareRepository { path: PathBuf },
    #[error("cannot create a repository at {path}: {reason}")]
    CreateRepository { path: PathBuf, reason: String },
    #[error("cannot write {path}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(transparent)]
    Config(#[from] config::Error),
    #[error(transparent)]
    Git(#[from] crate::git::Error),
}

/// A repository `init` creates before writing the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum NewRepo {
    /// With a working tree: netsync.toml is written there, to be reviewed and committed.
    WithWorktree,
    /// Without one: netsync.toml is committed on the branch.
    Bare,
}

/// What `init` writes.
#[derive(Debug, Clone)]
pub struct InitOptions {
    pub prefix: String,
    pub dir: String,
    pub branch: Option<String>,
    pub create: Option<NewRepo>,
}

/// What `init` did.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct InitReport {
    /// The repository (its working tree, or the bare repository's directory).
    pub repository: PathBuf,
    /// The repository `init` created, if any.
    pub created: Option<NewRepo>,
    /// The file written into the working tree; `None` when it was committed instead.
    pub config_path: Option<PathBuf>,
    /// The branch `apply` deploys by default.
    pub branch: String,
    /// The commit holding netsync.toml (bare repositories only).
    pub commit: Option<String>,
}

/// Create the repository if asked, then write `netsync.toml` at the root of the working tree
/// containing `repo` (or at `repo` when it is not in a repository yet), or commit it in a new
/// bare repository. Refuses to overwrite anything.
pub fn init(repo: &Path, options: &InitOptions) -> Result<InitReport, Error> {
    if let Some(kind) = options.create {
        return init_new(repo, options, kind);
    }
    let (root, head_branch) = match gix::discover(repo) {
        Ok(r) => {
            let branch = r
                .head_name()
                .ok()
                .flatten()
                .map(|n| n.shorten().to_string());
            let Some(root) = r.workdir().map(Path::to_path_buf) else {
                return Err(Error::BareRepository {
                    path: repo.to_path_buf(),
                });
            };
            (root, branch)
        }
        Err(_) => (repo.to_path_buf(), None),
    };
    let branch = options
        .branch
        .clone()
        .or(head_branch)
        .unwrap_or_else(|| "main".to_owned());
    let text = template(options, &branch)?;
    let path = write_new_file(&root.join(config::FILE_NAME), &text)?;
    Ok(InitReport {
        repository: root,
        created: None,
        config_path: Some(path),
        branch,
        commit: None,
    })
}

/// The template for these options, validated with the parser that reads it.
fn template(options: &InitOptions, branch: &str) -> Result<String, Error> {
    let text = Config::template(&options.prefix, &options.dir, branch);
    Config::parse(&text, config::FILE_NAME)?;
    Ok(text)
}

fn write_new_file(path: &Path, text: &str) -> Result<PathBuf, Error> {
    let path = path.to_path_buf();
    let mut file = match std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&path)
    {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            return Err(Error::AlreadyExists { path })
        }
        Err(source) => return Err(Error::Io { path, source }),
    };
    std::io::Write::write_all(&mut file, text.as_bytes()).map_err(|source| Error::Io {
        path: path.clone(),
        source,
    })?;
    Ok(path)
}

fn init_new(path: &Path, options: &InitOptions, kind: NewRepo) -> Result<InitReport, Error> {
    let branch = options.branch.clone().unwrap_or_else(|| "main".to_owned());
    // Check everything that can be checked before creating anything.
    let text = template(options, &branch)?;
    let head: gix::refs::FullName = format!("refs/heads/{branch}")
        .try_into()
        .map_err(|e| create_error(path, &format!("bad branch name `{branch}`: {e}")))?;
    let occupied = match std::fs::read_dir(path) {
        Ok(mut entries) => entries.next().is_some(),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => false,
        Err(_) => true,
    };
    if occupied {
        return Err(Error::AlreadyExists {
            path: path.to_path_buf(),
        });
    }
    let repo = match kind {
        NewRepo::Bare => gix::init_bare(path),
        NewRepo::WithWorktree => gix::init(path),
    }
    .map_err(|e| create_error(path, &e.to_string()))?;
    repo.edit_reference(RefEdit {
        change: Change::Update {
            log: LogChange::default(),
            expected: PreviousValue::Any,
            new: Target::Symbolic(head.clone()),
        },
        name: "HEAD".try_into().expect("HEAD is a valid name"),
        deref: false,
    })
    .map_err(|e| create_error(path, &e.to_string()))?;
    let mut report = InitReport {
        repository: path.to_path_buf(),
        created: Some(kind),
        config_path: None,
        branch,
        commit: None,
    };
    match kind {
        NewRepo::WithWorktree => {
            report.config_path = Some(write_new_file(&path.join(config::FILE_NAME), &text)?);
        }
        NewRepo::Bare => {
            report.commit =
                Some(commit_config(&repo, head, &text).map_err(|e| create_error(path, &e))?);
        }
    }
    Ok(report)
}

/// The first commit of a new bare repository: a tree with netsync.toml alone.
fn commit_config(
    repo: &gix::Repository,
    head: gix::refs::FullName,
    text: &str,
) -> Result<String, String> {
    let blob = repo
        .write_blob(text.as_bytes())
        .map_err(|e| e.to_string())?;
    let tree = gix::objs::Tree {
        entries: vec![gix::objs::tree::Entry {
            mode: gix::objs::tree::EntryKind::Blob.into(),
            filename: config::FILE_NAME.into(),
            oid: blob.detach(),
        }],
    };
    let tree = repo.write_object(&tree).map_err(|e| e.to_string())?;
    let message = "Add netsync.toml\n\nWritten by `netsync init`.\n";
    let none: [gix::ObjectId; 0] = [];
    let commit = match (repo.committer(), repo.author()) {
        (Some(Ok(_)), Some(Ok(_))) => repo.commit(head, message, tree, none),
        // No identity configured: sign as netsync rather than fail a fresh setup.
        _ => {
            let time = gix::date::Time::now_local_or_utc();
            let mut buf = gix::date::parse::TimeBuf::default();
            let signature = gix::actor::SignatureRef {
                name: "netsync".into(),
                email: "netsync@localhost".into(),
                time: time.to_str(&mut buf),
            };
            repo.commit_as(signature, signature, head, message, tree, none)
        }
    }
    .map_err(|e| e.to_string())?;
    Ok(commit.to_string())
}

fn create_error(path: &Path, reason: &str) -> Error {
    Error::CreateRepository {
        path: path.to_path_buf(),
        reason: reason.to_owned(),
    }
}
