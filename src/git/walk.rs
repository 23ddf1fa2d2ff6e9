//! History walks for `log`: commits newest first, what each commit says of itself, and one
//! tree entry at a time, so that following a path reads only the trees on it.

use gix::bstr::ByteSlice;

use super::{Error, ObjectId, Repo, Result};

/// What a tree entry is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EntryKind {
    Tree,
    Blob,
    /// A symbolic link or a submodule: never a value.
    Other,
}

/// A person and when they acted, as a commit records them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Person {
    pub name: String,
    pub email: String,
    /// Seconds since the epoch.
    pub time: i64,
}

/// What `log` shows of a commit.
#[derive(Debug, Clone)]
pub struct CommitInfo {
    pub id: ObjectId,
    pub tree: ObjectId,
    pub parents: Vec<ObjectId>,
    pub author: Person,
    pub committer: Person,
    /// The message's first line.
    pub summary: String,
    /// `Token: value` lines of the message's last paragraph.
    pub trailers: Vec<(String, String)>,
}

impl Repo {
    /// Every commit reachable from `tip`, newest first by committer time (as `git log`),
    /// with its committer time; read as the caller goes, so stopping early reads no more.
    pub fn walk_newest_first(
        &self,
        tip: ObjectId,
    ) -> Result<impl Iterator<Item = Result<(ObjectId, i64)>> + '_> {
        let walk = self
            .inner
            .rev_walk([tip])
            .sorting(gix::revision::walk::Sorting::ByCommitTime(
                Default::default(),
            ))
            .all()
            .map_err(|source| Error::Corrupt {
                oid: tip,
                repo: self.path.clone(),
                source,
            })?;
        Ok(walk.map(move |info| {
            info.map(|info| (info.id, info.commit_time.unwrap_or_default()))
                .map_err(|source| Error::Corrupt {
                    oid: tip,
                    repo: self.path.clone(),
                    source,
                })
        }))
    }

    /// Parents, tree, author, committer, summary and trailers of `id` (checked against its
    /// id, as every object netsync reads).
    pub fn commit_info(&self, id: ObjectId) -> Result<CommitInfo> {
        let corrupt = |source: gix::Error| Error::Corrupt {
            oid: id,
            repo: self.path.clone(),
            source,
        };
        let commit = self.commit(id)?;
        let decoded = commit.decode()?;
        let person = |sig: gix::actor::SignatureRef<'_>| Person {
            name: sig.name.to_str_lossy().into_owned(),
            email: sig.email.to_str_lossy().into_owned(),
            time: sig.time().map(|t| t.seconds).unwrap_or_default(),
        };
        Ok(CommitInfo {
            id,
            tree: decoded.tree(),
            parents: decoded.parents().collect(),
            author: person(decoded.author().map_err(corrupt)?),
            committer: person(decoded.committer().map_err(corrupt)?),
            summary: decoded.message_summary().to_str_lossy().into_owned(),
            trailers: decoded
                .message_trailers()
                .map(|t| (t.token.to_string(), t.value.to_string()))
                .collect(),
        })
    }

    /// The tree id of commit `id`.
    pub fn commit_tree(&self, id: ObjectId) -> Result<ObjectId> {
        Ok(self.commit(id)?.decode()?.tree())
    }

    /// The entry `name` of `tree` (one level), if any; the tree checked against its id.
    pub fn tree_entry(&self, tree: ObjectId, name: &[u8]) -> Result<Option<(ObjectId, EntryKind)>> {
        let data = self.read_kind(tree, gix::objs::Kind::Tree)?;
        let entries =
            gix::objs::TreeRef::from_bytes(&data, tree.kind()).map_err(|e| Error::Corrupt {
                oid: tree,
                repo: self.path.clone(),
                source: e,
            })?;
        Ok(entries
            .entries
            .iter()
            .find(|e| e.filename.as_bytes() == name)
            .map(|e| {
                let kind = if e.mode.is_tree() {
                    EntryKind::Tree
                } else if e.mode.is_blob() {
                    EntryKind::Blob
                } else {
                    EntryKind::Other
                };
                (e.oid.to_owned(), kind)
            }))
    }
}
