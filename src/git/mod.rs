//! The Git side: read a committed revision straight from the object database (bare
//! repositories work; the working tree is never consulted).

use std::path::{Path, PathBuf};

mod commit;

use gix::bstr::{BStr, BString, ByteSlice};
pub use gix::ObjectId;

pub mod remote;
pub mod worktree;
mod write;

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

/// A regular file that differs between two trees ([`Repo::files_changed_under`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileChanged {
    /// Path relative to the folder compared, `/`-separated.
    pub path: BString,
    /// Its blob before and after; `None`: absent on that side.
    pub old: Option<ObjectId>,
    pub new: Option<ObjectId>,
}

/// Reads blobs from any thread ([`Repo::reader`]).
#[derive(Clone)]
pub struct Reader {
    shared: gix::ThreadSafeRepository,
    path: PathBuf,
}

impl Reader {
    /// The contents of `oids`, in order, inflated on every core.
    pub fn read_blobs(&self, oids: &[ObjectId]) -> Result<Vec<Vec<u8>>> {
        let mut values: Vec<(ObjectId, Vec<u8>)> =
            oids.iter().map(|oid| (*oid, Vec::new())).collect();
        crate::parallel::for_each_chunk_mut(&mut values, 256, |part| {
            let local = Repo {
                inner: self.shared.to_thread_local(),
                path: self.path.clone(),
            };
            part.iter_mut()
                .try_for_each(|(oid, value)| local.read_blob(*oid).map(|v| *value = v))
        })?;
        Ok(values.into_iter().map(|(_, v)| v).collect())
    }
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

    /// Resolve `rev` (branch, tag, commit id, `HEAD~2`, ...) to a commit.
    pub fn resolve(&self, rev: &str) -> Result<Revision> {
        let id =
            self.inner
                .rev_parse_single(BStr::new(rev))
                .map_err(|_| Error::UnknownRevision {
                    rev: rev.to_owned(),
                    repo: self.path.clone(),
                    branches: self.branches().unwrap_or_default(),
                })?;
        let commit = id
            .object()
            .and_then(|o| o.peel_to_commit())
            .map_err(|source| Error::NotACommit {
                rev: rev.to_owned(),
                source,
            })?;
        let tree = commit.tree_id().map_err(self.gix_err())?.detach();
        Ok(Revision {
            commit: commit.id,
            tree,
        })
    }

    /// The content of the file at `path` in `tree`, if it exists and is a file.
    pub fn read_file(&self, tree: ObjectId, path: &str) -> Result<Option<Vec<u8>>> {
        let tree = self.find_tree(tree)?;
        let entry = tree.lookup_entry_by_path(path).map_err(self.gix_err())?;
        match entry {
            Some(entry) if entry.mode().is_blob() => self.read_blob(entry.object_id()).map(Some),
            _ => Ok(None),
        }
    }

    /// The object id of the entry at `path` in `tree`, if any.
    pub fn entry_id(&self, tree: ObjectId, path: &str) -> Result<Option<ObjectId>> {
        let tree = self.find_tree(tree)?;
        let entry = tree.lookup_entry_by_path(path).map_err(self.gix_err())?;
        Ok(entry.map(|e| e.object_id()))
    }

    fn find_tree(&self, oid: ObjectId) -> Result<gix::Tree<'_>> {
        self.inner.find_tree(oid).map_err(|source| Error::Corrupt {
            oid,
            repo: self.path.clone(),
            source,
        })
    }

    /// Every regular file below `dir` in `tree` (recursively); empty when `dir` does not exist.
    /// Symlinks and submodules are refused: their content is not a value.
    pub fn files_under(&self, rev: &Revision, dir: &str) -> Result<Vec<TreeFile>> {
        let root = self.find_tree(rev.tree)?;
        let Some(entry) = root.lookup_entry_by_path(dir).map_err(self.gix_err())? else {
            return Ok(Vec::new());
        };
        if !entry.mode().is_tree() {
            return Err(Error::UnsupportedEntry {
                path: dir.into(),
                commit: rev.commit.to_string(),
                kind: "file, not a folder",
            });
        }
        let subtree = self.find_tree(entry.object_id())?;
        let mut recorder = gix::traverse::tree::Recorder::default();
        subtree
            .traverse()
            .breadthfirst(&mut recorder)
            .map_err(|source| Error::Corrupt {
                oid: entry.object_id(),
                repo: self.path.clone(),
                source,
            })?;
        let mut files = Vec::with_capacity(recorder.records.len());
        for record in recorder.records {
            let mode = record.mode;
            if mode.is_tree() {
                continue;
            }
            if let Some(kind) = unsupported(mode) {
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

    /// Every regular file below `dir` that differs between the trees of `old` and `new`
    /// (paths relative to `dir`; `None`: absent on that side), descending only into subtrees
    /// whose ids differ: the cost follows the change, not the size of the trees. What
    /// [`Repo::files_under`] refuses (a symbolic link, a submodule, `dir` a file) is refused
    /// here too, on either side.
    pub fn files_changed_under(
        &self,
        old: &Revision,
        new: &Revision,
        dir: &str,
    ) -> Result<Vec<FileChanged>> {
        let mut out = Vec::new();
        let sides = [
            (old, self.dir_tree(old, dir)?),
            (new, self.dir_tree(new, dir)?),
        ];
        if sides[0].1 != sides[1].1 {
            self.changed_into(
                &sides,
                dir,
                BString::default(),
                [sides[0].1, sides[1].1],
                &mut out,
            )?;
        }
        Ok(out)
    }

    /// The tree of `dir` at `rev`, if it exists.
    fn dir_tree(&self, rev: &Revision, dir: &str) -> Result<Option<ObjectId>> {
        let root = self.find_tree(rev.tree)?;
        match root.lookup_entry_by_path(dir).map_err(self.gix_err())? {
            None => Ok(None),
            Some(entry) if entry.mode().is_tree() => Ok(Some(entry.object_id())),
            Some(_) => Err(Error::UnsupportedEntry {
                path: dir.into(),
                commit: rev.commit.to_string(),
                kind: "file, not a folder",
            }),
        }
    }

    /// One level of [`Repo::files_changed_under`]: the entries of two trees (`None`: absent).
    fn changed_into(
        &self,
        sides: &[(&Revision, Option<ObjectId>); 2],
        dir: &str,
        prefix: BString,
        trees: [Option<ObjectId>; 2],
        out: &mut Vec<FileChanged>,
    ) -> Result<()> {
        let mut entries: std::collections::BTreeMap<BString, [Option<(bool, ObjectId)>; 2]> =
            std::collections::BTreeMap::new();
        for (side, tree) in trees.iter().enumerate() {
            let Some(oid) = *tree else { continue };
            for entry in &self.decode_tree(oid)?.entries {
                if let Some(kind) = unsupported(entry.mode) {
                    let mut path = BString::from(dir);
                    path.push(b'/');
                    path.extend_from_slice(&prefix);
                    if !prefix.is_empty() {
                        path.push(b'/');
                    }
                    path.extend_from_slice(&entry.filename);
                    return Err(Error::UnsupportedEntry {
                        path,
                        commit: sides[side].0.commit.to_string(),
                        kind,
                    });
                }
                entries.entry(entry.filename.to_owned()).or_default()[side] =
                    Some((entry.mode.is_tree(), entry.oid.to_owned()));
            }
        }
        for (name, [old, new]) in entries {
            if old == new {
                continue;
            }
            let mut path = prefix.clone();
            if !path.is_empty() {
                path.push(b'/');
            }
            path.extend_from_slice(&name);
            let blob = |e: Option<(bool, ObjectId)>| e.filter(|(tree, _)| !tree).map(|(_, o)| o);
            let tree = |e: Option<(bool, ObjectId)>| e.filter(|(tree, _)| *tree).map(|(_, o)| o);
            if blob(old) != blob(new) {
                out.push(FileChanged {
                    path: path.clone(),
                    old: blob(old),
                    new: blob(new),
                });
            }
            if tree(old) != tree(new) {
                self.changed_into(sides, dir, path, [tree(old), tree(new)], out)?;
            }
        }
        Ok(())
    }

    /// The entries of tree `oid`.
    pub(crate) fn decode_tree(&self, oid: ObjectId) -> Result<gix::objs::Tree> {
        let tree = self.find_tree(oid)?;
        tree.decode()
            .map(Into::into)
            .map_err(|source| Error::Corrupt {
                oid,
                repo: self.path.clone(),
                source,
            })
    }

    /// Read blobs on every core: `f` gets each chunk of `items` and a handle of its own on
    /// the object database ([`Repo::read_blob`]). What apply and restore read before their
    /// first write.
    pub fn read_in_parallel<T: Send>(
        &self,
        items: &mut [T],
        f: impl Fn(&Repo, &mut [T]) -> Result<()> + Sync,
    ) -> Result<()> {
        let shared = self.inner.clone().into_sync();
        let (shared, path) = (&shared, &self.path);
        // Below this many, a thread costs more than it saves.
        crate::parallel::for_each_chunk_mut(items, 256, |part| {
            let local = Repo {
                inner: shared.to_thread_local(),
                path: path.clone(),
            };
            f(&local, part)
        })
    }

    /// A handle that reads blobs from any thread (on a blocking task, say), on every core.
    pub fn reader(&self) -> Reader {
        Reader {
            shared: self.inner.clone().into_sync(),
            path: self.path.clone(),
        }
    }

    /// The content of a blob.
    pub fn read_blob(&self, oid: ObjectId) -> Result<Vec<u8>> {
        let blob = self.inner.find_blob(oid).map_err(|source| Error::Corrupt {
            oid,
            repo: self.path.clone(),
            source,
        })?;
        // A copy of exactly its size: a delta resolved from a pack leaves its buffer sized for
        // base and result together, two or three times the value. Apply and restore hold
        // every value they write; the buffer goes back to the repository's pool for the next.
        Ok(blob.data.to_vec())
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
            let commit = self
                .inner
                .find_commit(at)
                .map_err(|source| Error::Corrupt {
                    oid: at,
                    repo: self.path.clone(),
                    source,
                })?;
            let parent = commit.parent_ids().next().map(|p| p.detach());
            match parent {
                Some(parent) => at = parent,
                None => return Ok(None),
            }
        }
        chain.reverse();
        Ok(Some(chain))
    }

    /// The trailers of `commit`'s message (`Token: value` lines of its last paragraph).
    pub fn trailers(&self, commit: ObjectId) -> Result<Vec<(String, String)>> {
        let commit = self
            .inner
            .find_commit(commit)
            .map_err(|source| Error::Corrupt {
                oid: commit,
                repo: self.path.clone(),
                source,
            })?;
        let decoded = commit.decode().map_err(|source| Error::Corrupt {
            oid: commit.id,
            repo: self.path.clone(),
            source,
        })?;
        Ok(decoded
            .message_trailers()
            .map(|t| (t.token.to_string(), t.value.to_string()))
            .collect())
    }

    /// Whether `ancestor` is `descendant` or one of its ancestors (gix's merge base).
    pub fn is_ancestor(&self, ancestor: ObjectId, descendant: ObjectId) -> Result<bool> {
        if ancestor == descendant {
            return Ok(true);
        }
        let base = self
            .inner
            .merge_base(ancestor, descendant)
            .map_err(|source| Error::Gix {
                repo: self.path.clone(),
                source,
            })?;
        Ok(base.is_some_and(|b| b.detach() == ancestor))
    }

    /// The object id `data` has (or would have) as a blob in this repository.
    pub fn blob_id(&self, data: &[u8]) -> ObjectId {
        blob_id(self.inner.object_hash(), data)
    }
}

/// What a tree entry of `mode` is when it is neither a regular file nor a folder: netsync
/// refuses it, as its content is not a value.
fn unsupported(mode: gix::objs::tree::EntryMode) -> Option<&'static str> {
    if mode.is_link() {
        Some("symbolic link")
    } else if mode.is_commit() {
        Some("submodule")
    } else {
        None
    }
}

/// The object id of `data` as a blob.
pub fn blob_id(kind: gix::hash::Kind, data: &[u8]) -> ObjectId {
    // Hashing in memory cannot fail except on a detected SHA-1 collision attack, which no
    // etcd value can legitimately be; treat it as "different from everything".
    gix::objs::compute_hash(kind, gix::objs::Kind::Blob, data).unwrap_or_else(|_| kind.null())
}
