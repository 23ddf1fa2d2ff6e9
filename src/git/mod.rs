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

/// A file that differs between two trees ([`Repo::files_changed_under`],
/// [`Repo::diff_trees`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileChange {
    /// Path relative to the folder compared, `/`-separated.
    pub path: BString,
    /// Its blob before and after; `None`: absent on that side.
    pub old: Option<ObjectId>,
    pub new: Option<ObjectId>,
}

/// An entry other than a folder that differs between two trees, with its mode on each side.
struct EntryChange {
    path: BString,
    old: Option<(gix::objs::tree::EntryMode, ObjectId)>,
    new: Option<(gix::objs::tree::EntryMode, ObjectId)>,
}

/// Reads blobs from any thread ([`Repo::reader`]).
#[derive(Clone)]
pub struct Reader {
    shared: gix::ThreadSafeRepository,
    path: PathBuf,
}

impl Reader {
    /// The repository, opened on this thread.
    pub fn repo(&self) -> Repo {
        Repo {
            inner: self.shared.to_thread_local(),
            path: self.path.clone(),
        }
    }

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
    ) -> Result<Vec<FileChange>> {
        let trees = [self.dir_tree(old, dir)?, self.dir_tree(new, dir)?];
        if trees[0] == trees[1] {
            return Ok(Vec::new());
        }
        let changes = self.changed_entries(trees[0], trees[1], dir)?;
        let mut files = Vec::with_capacity(changes.len());
        for change in changes {
            for (side, rev) in [(change.old, old), (change.new, new)] {
                if let Some(kind) = side.and_then(|(mode, _)| unsupported(mode)) {
                    let mut path = BString::from(dir);
                    path.push(b'/');
                    path.extend_from_slice(&change.path);
                    return Err(Error::UnsupportedEntry {
                        path,
                        commit: rev.commit.to_string(),
                        kind,
                    });
                }
            }
            files.push(FileChange {
                path: change.path,
                old: change.old.map(|(_, oid)| oid),
                new: change.new.map(|(_, oid)| oid),
            });
        }
        Ok(files)
    }

    /// Every file that differs between trees `old` and `new` (a symbolic link counts as a
    /// file), descending only into subtrees whose ids differ.
    pub fn diff_trees(&self, old: ObjectId, new: ObjectId) -> Result<Vec<FileChange>> {
        let changes = self.changed_entries(Some(old), Some(new), "")?;
        Ok(changes
            .into_iter()
            .map(|c| FileChange {
                path: c.path,
                old: c.old.map(|(_, oid)| oid),
                new: c.new.map(|(_, oid)| oid),
            })
            .collect())
    }

    /// The tree of `dir` at `rev`, if it exists (every tree on the way checked).
    fn dir_tree(&self, rev: &Revision, dir: &str) -> Result<Option<ObjectId>> {
        match self.lookup(rev.tree, dir)? {
            None => Ok(None),
            Some((mode, oid)) if mode.is_tree() => Ok(Some(oid)),
            Some(_) => Err(Error::UnsupportedEntry {
                path: dir.into(),
                commit: rev.commit.to_string(),
                kind: "file, not a folder",
            }),
        }
    }

    /// Every entry other than a folder that differs between trees `old` and `new` (`None`:
    /// empty), sorted by path: gix's tree diff, which descends only into subtrees whose ids
    /// differ, every tree it reads checked against its id. `at` is where the trees are, for
    /// errors.
    fn changed_entries(
        &self,
        old: Option<ObjectId>,
        new: Option<ObjectId>,
        at: &str,
    ) -> Result<Vec<EntryChange>> {
        use gix::diff::tree::recorder::Change;
        let read = |oid: Option<ObjectId>| match oid {
            Some(oid) => self
                .read_kind(oid, gix::objs::Kind::Tree)
                .map_err(|e| e.in_file(at)),
            None => Ok(Vec::new()),
        };
        let (lhs, rhs) = (read(old)?, read(new)?);
        let kind = self.inner.object_hash();
        let checked = self.checked();
        let mut recorder = gix::diff::tree::Recorder::default();
        let walked = gix::diff::tree(
            gix::objs::TreeRefIter::from_bytes(&lhs, kind),
            gix::objs::TreeRefIter::from_bytes(&rhs, kind),
            gix::diff::tree::State::default(),
            &checked,
            &mut recorder,
        );
        if let Err(err) = walked {
            // Name the folder whose tree was wrong or missing: the change that pointed to it.
            let bad = checked.mismatch_oid().or(checked.missing());
            let folder = recorder.records.iter().find_map(|change| match change {
                Change::Addition {
                    entry_mode,
                    oid,
                    path,
                    ..
                }
                | Change::Deletion {
                    entry_mode,
                    oid,
                    path,
                    ..
                } if entry_mode.is_tree() && Some(*oid) == bad => Some(path),
                Change::Modification {
                    previous_oid,
                    entry_mode,
                    oid,
                    path,
                    ..
                } if entry_mode.is_tree()
                    && bad.is_some_and(|b| b == *oid || b == *previous_oid) =>
                {
                    Some(path)
                }
                _ => None,
            });
            let path = match (at, folder) {
                (at, None) => BString::from(at),
                ("", Some(folder)) => folder.clone(),
                (at, Some(folder)) => format!("{at}/{folder}").into(),
            };
            let source = match err {
                gix::diff::tree::Error::Failure(source) => source,
                gix::diff::tree::Error::Cancelled => {
                    gix::error::message!("tree diff cancelled").corrupted_error()
                }
            };
            let oid = bad.or(new).or(old).unwrap_or_else(|| kind.null());
            return Err(match checked.missing() {
                Some(missing) if checked.mismatch_oid().is_none() => Error::CorruptFile {
                    path: path.to_str_lossy().into_owned(),
                    oid: missing,
                    repo: self.path.clone(),
                    source,
                },
                _ => self.read_error(&checked, oid, Some(path), source),
            });
        }
        let file = |mode: gix::objs::tree::EntryMode, oid| (!mode.is_tree()).then_some((mode, oid));
        let mut changes: Vec<EntryChange> = recorder
            .records
            .into_iter()
            .filter_map(|change| {
                let (path, old, new) = match change {
                    Change::Addition {
                        entry_mode,
                        oid,
                        path,
                        ..
                    } => (path, None, file(entry_mode, oid)),
                    Change::Deletion {
                        entry_mode,
                        oid,
                        path,
                        ..
                    } => (path, file(entry_mode, oid), None),
                    Change::Modification {
                        previous_entry_mode,
                        previous_oid,
                        entry_mode,
                        oid,
                        path,
                    } => (
                        path,
                        file(previous_entry_mode, previous_oid),
                        file(entry_mode, oid),
                    ),
                };
                (old.is_some() || new.is_some()).then_some(EntryChange { path, old, new })
            })
            .collect();
        changes.sort_by(|a, b| a.path.cmp(&b.path));
        Ok(changes)
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

    /// The content of a blob, checked against its id (a caller that knows the file adds it
    /// with [`Error::in_file`]).
    pub fn read_blob(&self, oid: ObjectId) -> Result<Vec<u8>> {
        let mut data = self.read_kind(oid, gix::objs::Kind::Blob)?;
        // Exactly its size: a delta resolved from a pack leaves its buffer sized for base and
        // result together, two or three times the value. Apply and restore hold every value
        // they write.
        data.shrink_to_fit();
        Ok(data)
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
