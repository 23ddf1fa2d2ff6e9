//! The Git side: read a committed revision straight from the object database (bare
//! repositories work; the working tree is never consulted).

use std::path::{Path, PathBuf};

mod checked;
mod commit;
pub mod signature;

use gix::bstr::{BStr, BString, ByteSlice};
pub use gix::ObjectId;

pub mod remote;
pub mod walk;
pub mod worktree;
mod write;

pub use signature::{AllowedSigners, SetupError, Signer, Verdict};
pub use write::{Identity, TreeEdit};

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{path} is not a Git repository")]
    NotARepository {
        path: PathBuf,
        #[source]
        source: gix::Error,
    },
    /// gix's reasons ("couldn't parse revision", "NotFound") say no more than this does.
    #[error("unknown revision `{rev}` in {repo}")]
    UnknownRevision {
        rev: String,
        repo: PathBuf,
        branches: Vec<String>,
    },
    #[error("revision `{rev}` does not point to a commit")]
    NotACommit {
        rev: String,
        #[source]
        source: gix::Error,
    },
    #[error("`{path}` at commit {commit} is a {kind}; netsync only stores regular files there")]
    UnsupportedEntry {
        path: BString,
        commit: String,
        kind: &'static str,
    },
    #[error("cannot read object {oid} of {repo}: the repository may be corrupt")]
    Corrupt {
        oid: ObjectId,
        repo: PathBuf,
        #[source]
        source: gix::Error,
    },
    /// An object whose content does not hash to its id: altered on disk, or a damaged pack.
    #[error("{kind} {oid}{} in {} is corrupt: its content hashes to {actual}, not to its id", path.as_ref().map(|p| format!(" (`{p}`)")).unwrap_or_default(), repo.display())]
    Mismatch {
        kind: &'static str,
        oid: ObjectId,
        actual: ObjectId,
        /// Where it was met: the file or folder it is in the tree.
        path: Option<String>,
        repo: PathBuf,
    },
    #[error("cannot read `{path}` (object {oid}) of {}: the repository may be corrupt", repo.display())]
    CorruptFile {
        path: String,
        oid: ObjectId,
        repo: PathBuf,
        #[source]
        source: gix::Error,
    },
    #[error("cannot sign the commit with {} (in {})", key.display(), repo.display())]
    Sign {
        key: PathBuf,
        repo: PathBuf,
        #[source]
        source: gix::Error,
    },
    #[error("cannot check the signature of commit {commit}")]
    Verify {
        commit: ObjectId,
        #[source]
        source: gix::Error,
    },
    #[error("cannot write to {repo}")]
    Write {
        repo: PathBuf,
        #[source]
        source: gix::Error,
    },
    #[error("`{branch}` is not a valid branch name")]
    BadBranch { branch: String },
    #[error("branch `{branch}` moved while netsync worked (expected {expected}, found {found}); nothing was overwritten")]
    ConcurrentUpdate {
        branch: String,
        expected: String,
        found: String,
    },
    #[error("the working tree {workdir} has uncommitted edits to files netsync must update: {}", paths.join(", "))]
    DirtyWorktree {
        workdir: PathBuf,
        paths: Vec<String>,
    },
    #[error("cannot update {path}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("Git error in {repo}")]
    Gix {
        repo: PathBuf,
        #[source]
        source: gix::Error,
    },
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// A resolved revision: the commit and its root tree.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Revision {
    pub commit: ObjectId,
    pub tree: ObjectId,
}

/// A regular file found in a tree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TreeFile {
    /// Path relative to the folder that was listed, `/`-separated.
    pub path: BString,
    pub oid: ObjectId,
}

/// An opened repository, bare or not.
pub struct Repo {
    inner: gix::Repository,
    path: PathBuf,
}

impl Repo {
    /// Open the repository at `path` (or the one containing it).
    pub fn open(path: &Path) -> Result<Self> {
        let mut inner = gix::discover(path).map_err(|source| Error::NotARepository {
            path: path.to_owned(),
            source,
        })?;
        // gix, like git, keeps no reflog in a bare repository unless core.logAllRefUpdates
        // says so; netsync wants one for every branch it moves (an audit trail of persists).
        if inner.refs.write_reflog == gix::refs::store::WriteReflog::Disable {
            inner.refs.write_reflog = gix::refs::store::WriteReflog::Normal;
        }
        Ok(Self {
            inner,
            path: path.to_owned(),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn gix(&self) -> &gix::Repository {
        &self.inner
    }

    fn gix_err(&self) -> impl Fn(gix::Error) -> Error + '_ {
        move |source| Error::Gix {
            repo: self.path.clone(),
            source,
        }
    }

    /// The short name of the branch HEAD points to, if any (also when it has no commit yet).
    pub fn head_branch(&self) -> Option<String> {
        let name = self.inner.head_name().ok().flatten()?;
        Some(name.shorten().to_str_lossy().into_owned())
    }

    /// The local branches (`refs/heads/*`), short names, sorted.
    pub fn branches(&self) -> Result<Vec<String>> {
        let refs = self.inner.references().map_err(|source| Error::Gix {
            repo: self.path.clone(),
            source,
        })?;
        let mut names: Vec<String> = refs
            .local_branches()
            .map_err(|source| Error::Gix {
                repo: self.path.clone(),
                source,
            })?
            .filter_map(Result::ok)
            .map(|r| r.name().shorten().to_str_lossy().into_owned())
            .collect();
        names.sort();
        Ok(names)
    }

    /// Resolve `rev` (branch, tag, commit id, `HEAD~2`, ...) to a commit; the commit (and any
    /// tag on the way) is checked against its id.
    pub fn resolve(&self, rev: &str) -> Result<Revision> {
        let id = self
            .inner
            .rev_parse_single(BStr::new(rev))
            .map_err(|_| Error::UnknownRevision {
                rev: rev.to_owned(),
                repo: self.path.clone(),
                branches: self.branches().unwrap_or_default(),
            })?
            .detach();
        let mut at = id;
        let mut buf = Vec::new();
        loop {
            match self.read_checked(at, &mut buf)? {
                Some(gix::objs::Kind::Commit) => break,
                Some(gix::objs::Kind::Tag) => {
                    let tag =
                        gix::objs::TagRef::from_bytes(&buf, at.kind()).map_err(self.corrupt(at))?;
                    at = tag.target();
                }
                found => {
                    return Err(Error::NotACommit {
                        rev: rev.to_owned(),
                        source: gix::error::message!(
                            "it names a {}",
                            found.map_or("missing object".into(), |k| k
                                .as_bytes()
                                .to_str_lossy()
                                .into_owned())
                        )
                        .corrupted_error(),
                    })
                }
            }
        }
        let commit = CommitObject {
            id: at,
            data: buf,
            repo: self.path.clone(),
        };
        let tree = commit.decode()?.tree();
        Ok(Revision { commit: at, tree })
    }

    fn corrupt(&self, oid: ObjectId) -> impl Fn(gix::Error) -> Error + '_ {
        move |source| Error::Corrupt {
            oid,
            repo: self.path.clone(),
            source,
        }
    }

    /// Commit `oid`, checked against its id.
    pub fn commit(&self, oid: ObjectId) -> Result<CommitObject> {
        let data = self.read_kind(oid, gix::objs::Kind::Commit)?;
        Ok(CommitObject {
            id: oid,
            data,
            repo: self.path.clone(),
        })
    }

    /// Whether the repository has commit `oid` (read and checked: a damaged one is an error).
    pub fn has_commit(&self, oid: ObjectId) -> Result<bool> {
        let mut buf = Vec::new();
        Ok(self.read_checked(oid, &mut buf)? == Some(gix::objs::Kind::Commit))
    }

    /// The entry at `path` in `tree` (mode and id), every tree on the way checked.
    fn lookup(
        &self,
        tree: ObjectId,
        path: &str,
    ) -> Result<Option<(gix::objs::tree::EntryMode, ObjectId)>> {
        let root = self.read_kind(tree, gix::objs::Kind::Tree)?;
        let checked = self.checked();
        let mut buf = Vec::new();
        let iter = gix::objs::TreeRefIter::from_bytes(&root, tree.kind());
        match iter.lookup_entry_by_path(&checked, &mut buf, path) {
            // A tree on the way that the repository lacks is damage, not an absent file.
            Ok(None) if checked.missing().is_some() => {
                let oid = checked.missing().unwrap_or(tree);
                Err(Error::CorruptFile {
                    path: path.to_owned(),
                    oid,
                    repo: self.path.clone(),
                    source: gix::error::message!("tree {oid} is missing").corrupted_error(),
                })
            }
            Ok(entry) => Ok(entry.map(|e| (e.mode, e.oid))),
            Err(source) => Err(self.read_error(&checked, tree, Some(path.into()), source)),
        }
    }

    /// The content of the file at `path` in `tree`, if it exists and is a file.
    pub fn read_file(&self, tree: ObjectId, path: &str) -> Result<Option<Vec<u8>>> {
        match self.lookup(tree, path)? {
            Some((mode, oid)) if mode.is_blob() => {
                self.read_blob(oid).map(Some).map_err(|e| e.in_file(path))
            }
            _ => Ok(None),
        }
    }

    /// The object id of the entry at `path` in `tree`, if any.
    pub fn entry_id(&self, tree: ObjectId, path: &str) -> Result<Option<ObjectId>> {
        Ok(self.lookup(tree, path)?.map(|(_, oid)| oid))
    }

    /// Every regular file below `dir` in `tree` (recursively); empty when `dir` does not exist.
    /// Symlinks and submodules are refused: their content is not a value. Every tree read is
    /// checked against its id (the blobs are, when they are read).
    pub fn files_under(&self, rev: &Revision, dir: &str) -> Result<Vec<TreeFile>> {
        let Some((mode, oid)) = self.lookup(rev.tree, dir)? else {
            return Ok(Vec::new());
        };
        if !mode.is_tree() {
            return Err(Error::UnsupportedEntry {
                path: dir.into(),
                commit: rev.commit.to_string(),
                kind: "file, not a folder",
            });
        }
        let subtree = self
            .read_kind(oid, gix::objs::Kind::Tree)
            .map_err(|e| e.in_file(dir))?;
        let mut recorder = gix::traverse::tree::Recorder::default();
        let checked = self.checked();
        let walked = gix::traverse::tree::breadthfirst(
            gix::objs::TreeRefIter::from_bytes(&subtree, oid.kind()),
            gix::traverse::tree::breadthfirst::State::default(),
            &checked,
            &mut recorder,
        );
        if let Err(source) = walked {
            // Name the folder whose tree was wrong: the record that pointed to it.
            let bad = checked.mismatch_oid();
            let folder = recorder
                .records
                .iter()
                .find(|r| r.mode.is_tree() && Some(r.oid) == bad)
                .map(|r| {
                    let mut path = BString::from(dir);
                    path.push(b'/');
                    path.extend_from_slice(&r.filepath);
                    path
                });
            return Err(self.read_error(&checked, oid, folder.or(Some(dir.into())), source));
        }
        let mut files = Vec::with_capacity(recorder.records.len());
        for record in recorder.records {
            let mode = record.mode;
            if mode.is_tree() {
                continue;
            }
            let kind = if mode.is_link() {
                Some("symbolic link")
            } else if mode.is_commit() {
                Some("submodule")
            } else {
                None
            };
            if let Some(kind) = kind {
                let mut path = BString::from(dir);
                path.push(b'/');
                path.extend_from_slice(&record.filepath);
                return Err(Error::UnsupportedEntry {
                    path,
                    commit: rev.commit.to_string(),
                    kind,
                });
            }
            files.push(TreeFile {
                path: record.filepath,
                oid: record.oid,
            });
        }
        Ok(files)
    }

    /// The content of a blob, checked against its id (a caller that knows the file adds it
    /// with [`Error::in_file`]).
    pub fn read_blob(&self, oid: ObjectId) -> Result<Vec<u8>> {
        self.read_kind(oid, gix::objs::Kind::Blob)
    }

    /// The first-parent chain from `ancestor` (exclusive) to `tip` (inclusive), oldest
    /// first; `None` when `ancestor` is not on it within `limit` commits.
    pub fn first_parent_chain(
        &self,
        ancestor: ObjectId,
        tip: ObjectId,
        limit: usize,
    ) -> Result<Option<Vec<ObjectId>>> {
        let mut chain = Vec::new();
        let mut at = tip;
        while at != ancestor {
            if chain.len() == limit {
                return Ok(None);
            }
            chain.push(at);
            match self.commit(at)?.parents()?.first() {
                Some(parent) => at = *parent,
                None => return Ok(None),
            }
        }
        chain.reverse();
        Ok(Some(chain))
    }

    /// The trailers of `commit`'s message (`Token: value` lines of its last paragraph).
    pub fn trailers(&self, commit: ObjectId) -> Result<Vec<(String, String)>> {
        let commit = self.commit(commit)?;
        let trailers = commit
            .decode()?
            .message_trailers()
            .map(|t| (t.token.to_string(), t.value.to_string()))
            .collect();
        Ok(trailers)
    }

    /// Whether `ancestor` is `descendant` or one of its ancestors (gix's merge base).
    pub fn is_ancestor(&self, ancestor: ObjectId, descendant: ObjectId) -> Result<bool> {
        if ancestor == descendant {
            return Ok(true);
        }
        let base = self
            .inner
            .merge_base(ancestor, descendant)
            .map_err(self.gix_err())?;
        Ok(base.is_some_and(|b| b.detach() == ancestor))
    }

    /// The object id `data` has (or would have) as a blob in this repository.
    pub fn blob_id(&self, data: &[u8]) -> ObjectId {
        blob_id(self.inner.object_hash(), data)
    }
}

/// A commit read from the object database and checked against its id.
pub struct CommitObject {
    pub id: ObjectId,
    data: Vec<u8>,
    repo: PathBuf,
}

impl CommitObject {
    /// The parsed commit (headers, message).
    pub fn decode(&self) -> Result<gix::objs::CommitRef<'_>> {
        gix::objs::CommitRef::from_bytes(&self.data, self.id.kind()).map_err(|source| {
            Error::Corrupt {
                oid: self.id,
                repo: self.repo.clone(),
                source,
            }
        })
    }

    /// The raw object, as signed (signature header included).
    pub fn data(&self) -> &[u8] {
        &self.data
    }

    pub fn parents(&self) -> Result<Vec<ObjectId>> {
        Ok(self.decode()?.parents().collect())
    }

    /// The committer's time, seconds since the epoch.
    pub fn committer_seconds(&self) -> Result<i64> {
        let commit = self.decode()?;
        let committer = commit.committer().map_err(|source| Error::Corrupt {
            oid: self.id,
            repo: self.repo.clone(),
            source,
        })?;
        Ok(committer.seconds())
    }

    /// `Name <email>` of the author.
    pub fn author(&self) -> String {
        match self.decode().ok().and_then(|c| c.author().ok()) {
            Some(a) => format!(
                "{} <{}>",
                a.name.trim().to_str_lossy(),
                a.email.trim().to_str_lossy()
            ),
            None => "unknown author".to_owned(),
        }
    }

    /// The first line of the message.
    pub fn summary(&self) -> String {
        self.decode()
            .map(|c| c.message_summary().to_str_lossy().into_owned())
            .unwrap_or_default()
    }
}

/// The object id of `data` as a blob.
pub fn blob_id(kind: gix::hash::Kind, data: &[u8]) -> ObjectId {
    // Hashing in memory cannot fail except on a detected SHA-1 collision attack, which no
    // etcd value can legitimately be; treat it as "different from everything".
    gix::objs::compute_hash(kind, gix::objs::Kind::Blob, data).unwrap_or_else(|_| kind.null())
}
