//! Objects are what their ids say: every object netsync reads to decide what etcd should hold
//! (commits, the trees below them, the blobs that are values) is hashed again and compared
//! with the id it was asked for. Neither a loose object (zlib of any bytes) nor a pack entry
//! (zlib and a CRC the reader does not check) proves its own content: a file altered on disk,
//! a damaged pack or a bad disk would otherwise be deployed as if Git had it. `git fsck`
//! makes the same check; this one runs on every read, at the cost of one hash per object
//! (docs/performance.md).
//!
//! Tree walks go through [`Checked`] too: gix's lookups and traversals take any object
//! database, so they read each tree through this one.

use std::cell::Cell;

use gix::bstr::{BString, ByteSlice};
use gix::objs::Kind;

use super::{Error, ObjectId, Repo, Result};

/// What a [`Checked`] read found wrong: the id asked for and the one the content has.
#[derive(Debug, Clone, Copy)]
struct Found {
    expected: ObjectId,
    actual: ObjectId,
    kind: Kind,
}

/// The repository's object database, each object read checked against its id. A mismatch
/// fails the read (gix sees a corruption error) and is kept, so that the caller can name the
/// object and where it was met.
pub(super) struct Checked<'r> {
    objects: &'r gix::OdbHandle,
    mismatch: Cell<Option<Found>>,
    /// An object asked for and not found: in a tree walk, a damaged repository.
    missing: Cell<Option<ObjectId>>,
}

impl gix::objs::Find for Checked<'_> {
    fn try_find<'a>(
        &self,
        id: &gix::hash::oid,
        buffer: &'a mut Vec<u8>,
    ) -> gix::Result<Option<gix::objs::Data<'a>>> {
        let Some(data) = self.objects.try_find(id, buffer)? else {
            self.missing.set(Some(id.to_owned()));
            return Ok(None);
        };
        let actual = gix::objs::compute_hash(id.kind(), data.kind, data.data)?;
        if actual != id {
            self.mismatch.set(Some(Found {
                expected: id.to_owned(),
                actual,
                kind: data.kind,
            }));
            actual.verify(id)?;
        }
        Ok(Some(data))
    }
}

impl Checked<'_> {
    /// The id of the object found not to be what it says, if one was.
    pub(super) fn mismatch_oid(&self) -> Option<ObjectId> {
        self.mismatch.get().map(|f| f.expected)
    }

    /// The object asked for and not found, if one was.
    pub(super) fn missing(&self) -> Option<ObjectId> {
        self.missing.get()
    }
}

/// The name of an object kind in messages.
fn kind_name(kind: Kind) -> &'static str {
    match kind {
        Kind::Blob => "blob",
        Kind::Tree => "tree",
        Kind::Commit => "commit",
        Kind::Tag => "tag",
    }
}

impl Repo {
    pub(super) fn checked(&self) -> Checked<'_> {
        Checked {
            objects: &self.inner.objects,
            mismatch: Cell::new(None),
            missing: Cell::new(None),
        }
    }

    /// The error for a failed read through `checked`: a mismatch it saw (met at `path`, if
    /// known), else `source` as a damaged or missing object `oid`.
    pub(super) fn read_error(
        &self,
        checked: &Checked<'_>,
        oid: ObjectId,
        path: Option<BString>,
        source: gix::Error,
    ) -> Error {
        match checked.mismatch.take() {
            Some(found) => Error::Mismatch {
                kind: kind_name(found.kind),
                oid: found.expected,
                actual: found.actual,
                path: path.map(|p| p.to_str_lossy().into_owned()),
                repo: self.path.clone(),
            },
            None => Error::Corrupt {
                oid,
                repo: self.path.clone(),
                source,
            },
        }
    }

    /// Object `oid`, checked, into `buf`: its kind, or `None` when the repository lacks it.
    pub(super) fn read_checked(&self, oid: ObjectId, buf: &mut Vec<u8>) -> Result<Option<Kind>> {
        let checked = self.checked();
        match gix::objs::Find::try_find(&checked, &oid, buf) {
            Ok(found) => Ok(found.map(|data| data.kind)),
            Err(source) => Err(self.read_error(&checked, oid, None, source)),
        }
    }

    /// Object `oid`, checked, which must exist and be of `kind` (else the repository is
    /// corrupt: a tree entry or a parent names it as one).
    pub(super) fn read_kind(&self, oid: ObjectId, kind: Kind) -> Result<Vec<u8>> {
        let mut buf = Vec::new();
        match self.read_checked(oid, &mut buf)? {
            Some(found) if found == kind => Ok(buf),
            found => Err(Error::Corrupt {
                oid,
                repo: self.path.clone(),
                source: gix::error::message!(
                    "expected a {} object, found {}",
                    kind_name(kind),
                    found.map_or("none", kind_name)
                )
                .corrupted_error(),
            }),
        }
    }
}

impl Error {
    /// This error, naming `path` as where the object was met (a blob read for a file).
    pub fn in_file(self, path: &str) -> Self {
        match self {
            Error::Mismatch {
                kind,
                oid,
                actual,
                path: None,
                repo,
            } => Error::Mismatch {
                kind,
                oid,
                actual,
                path: Some(path.to_owned()),
                repo,
            },
            Error::Corrupt { oid, repo, source } => Error::CorruptFile {
                path: path.to_owned(),
                oid,
                repo,
                source,
            },
            other => other,
        }
    }

    /// The file of the loose object this error names, if it is a mismatch of a loose object
    /// (one that can be moved away and fetched again; a pack entry cannot).
    pub fn loose_object_file(&self) -> Option<std::path::PathBuf> {
        let Error::Mismatch { oid, repo, .. } = self else {
            return None;
        };
        let repo = gix::open(repo).ok()?;
        let hex = oid.to_string();
        let file = repo
            .objects
            .store_ref()
            .path()
            .join(&hex[..2])
            .join(&hex[2..]);
        file.is_file().then_some(file)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::git::{FileChange, Revision};

    fn bare() -> (tempfile::TempDir, Repo) {
        let dir = tempfile::tempdir().unwrap();
        gix::init_bare(dir.path()).unwrap();
        let repo = Repo::open(dir.path()).unwrap();
        (dir, repo)
    }

    /// Replace the content of loose object `oid` with `content` of the same kind, as an
    /// altered file on disk would: valid zlib, a valid header, the wrong bytes.
    fn alter_loose(dir: &std::path::Path, oid: ObjectId, kind: &str, content: &[u8]) {
        let hex = oid.to_string();
        let path = dir.join("objects").join(&hex[..2]).join(&hex[2..]);
        let mut raw = format!("{kind} {}\0", content.len()).into_bytes();
        raw.extend_from_slice(content);
        let mut perms = std::fs::metadata(&path).unwrap().permissions();
        #[allow(clippy::permissions_set_readonly_false)]
        perms.set_readonly(false);
        std::fs::set_permissions(&path, perms).unwrap();
        let mut zlib = gix::zlib::stream::deflate::Write::new(Vec::new(), Default::default());
        std::io::Write::write_all(&mut zlib, &raw).unwrap();
        std::io::Write::flush(&mut zlib).unwrap();
        std::fs::write(&path, zlib.into_inner()).unwrap();
    }

    #[test]
    fn a_blob_altered_on_disk_is_refused_naming_both_ids() {
        let (dir, repo) = bare();
        let oid = repo.write_blob(b"good value").unwrap();
        assert_eq!(repo.read_blob(oid).unwrap(), b"good value");
        alter_loose(dir.path(), oid, "blob", b"evil value");
        let repo = Repo::open(dir.path()).unwrap();
        let err = repo.read_blob(oid).unwrap_err().in_file("kv/a");
        let text = err.to_string();
        assert!(text.contains(&oid.to_string()), "{text}");
        assert!(text.contains("kv/a"), "{text}");
        let actual = repo.blob_id(b"evil value").to_string();
        assert!(text.contains(&actual), "{text}");
        assert!(err.loose_object_file().is_some());
    }

    #[test]
    fn a_tree_altered_on_disk_is_refused_when_walked() {
        let (dir, repo) = bare();
        let one = repo.write_blob(b"1").unwrap();
        let two = repo.write_blob(b"2").unwrap();
        let empty = ObjectId::empty_tree(repo.gix().object_hash());
        let edit = |path: &str, blob| super::super::TreeEdit {
            path: path.into(),
            blob: Some(blob),
        };
        let root = repo
            .edit_tree(empty, &[edit("kv/a/x", one), edit("kv/b", two)])
            .unwrap();
        let commit = repo
            .write_commit(
                root,
                &[],
                &super::super::Identity::parse("t <t@t>").unwrap(),
                "m\n",
                None,
            )
            .unwrap();
        let rev = repo.resolve(&commit.to_string()).unwrap();
        assert_eq!(repo.files_under(&rev, "kv").unwrap().len(), 2);
        // Point kv/a at a tree holding another blob: still a valid tree, not its id.
        let sub = repo.entry_id(root, "kv/a").unwrap().unwrap();
        let mut altered = b"100644 x\0".to_vec();
        altered.extend_from_slice(two.as_bytes());
        alter_loose(dir.path(), sub, "tree", &altered);
        let repo = Repo::open(dir.path()).unwrap();
        let err = repo.files_under(&rev, "kv").unwrap_err();
        assert!(
            matches!(&err, Error::Mismatch { kind: "tree", oid, path: Some(p), .. } if *oid == sub && p == "kv/a"),
            "{err:?}"
        );
        let err = repo.read_file(root, "kv/a/x").unwrap_err();
        assert!(
            matches!(&err, Error::Mismatch { oid, .. } if *oid == sub),
            "{err:?}"
        );
    }

    #[test]
    fn a_missing_tree_is_damage_not_an_absent_file() {
        let (dir, repo) = bare();
        let one = repo.write_blob(b"1").unwrap();
        let empty = ObjectId::empty_tree(repo.gix().object_hash());
        let edit = super::super::TreeEdit {
            path: "kv/a/x".into(),
            blob: Some(one),
        };
        let root = repo.edit_tree(empty, &[edit]).unwrap();
        let sub = repo.entry_id(root, "kv/a").unwrap().unwrap();
        let hex = sub.to_string();
        std::fs::remove_file(dir.path().join("objects").join(&hex[..2]).join(&hex[2..])).unwrap();
        let repo = Repo::open(dir.path()).unwrap();
        let err = repo.read_file(root, "kv/a/x").unwrap_err();
        assert!(
            matches!(&err, Error::CorruptFile { oid, path, .. } if *oid == sub && path == "kv/a/x"),
            "{err:?}"
        );
        assert_eq!(
            repo.read_file(root, "kv/b").unwrap(),
            None,
            "absent stays absent"
        );
    }

    #[test]
    fn a_commit_altered_on_disk_is_refused_when_resolved() {
        let (dir, repo) = bare();
        let empty = ObjectId::empty_tree(repo.gix().object_hash());
        let who = super::super::Identity::parse("t <t@t>").unwrap();
        let commit = repo.write_commit(empty, &[], &who, "m\n", None).unwrap();
        let mut text = repo.read_kind(commit, Kind::Commit).unwrap();
        let at = text.len() - 2;
        text[at] = b'n';
        alter_loose(dir.path(), commit, "commit", &text);
        let repo = Repo::open(dir.path()).unwrap();
        let err = repo.resolve(&commit.to_string()).unwrap_err();
        assert!(
            matches!(&err, Error::Mismatch { kind: "commit", oid, .. } if *oid == commit),
            "{err:?}"
        );
    }

    /// A commit of `files` (path, content) over the tree of `base`, as a revision.
    fn commit_files(
        repo: &Repo,
        base: Option<&Revision>,
        files: &[(&str, Option<&[u8]>)],
    ) -> Revision {
        let edits: Vec<super::super::TreeEdit> = files
            .iter()
            .map(|(path, content)| super::super::TreeEdit {
                path: (*path).into(),
                blob: content.map(|c| repo.write_blob(c).unwrap()),
            })
            .collect();
        let empty = ObjectId::empty_tree(repo.gix().object_hash());
        let root = repo
            .edit_tree(base.map_or(empty, |b| b.tree), &edits)
            .unwrap();
        let who = super::super::Identity::parse("t <t@t>").unwrap();
        let parents: Vec<ObjectId> = base.map(|b| b.commit).into_iter().collect();
        let commit = repo
            .write_commit(root, &parents, &who, "m\n", None)
            .unwrap();
        repo.resolve(&commit.to_string()).unwrap()
    }

    #[test]
    fn files_changed_under_names_every_changed_file_and_only_those() {
        let (_dir, repo) = bare();
        let old = commit_files(
            &repo,
            None,
            &[
                ("kv/a", Some(b"1")),
                ("kv/b/x", Some(b"2")),
                ("kv/b/y", Some(b"3")),
                ("kv/c", Some(b"4")),
                ("kv/same/z", Some(b"5")),
                ("other/q", Some(b"6")),
            ],
        );
        let new = commit_files(
            &repo,
            Some(&old),
            &[
                ("kv/a", Some(b"changed")),
                ("kv/b/x", None),
                ("kv/c", None),
                ("kv/c/%self", Some(b"4")),
                ("kv/d/e/f", Some(b"7")),
                ("other/q", Some(b"8")),
            ],
        );
        let got = repo.files_changed_under(&old, &new, "kv").unwrap();
        let id = |v: &[u8]| Some(repo.blob_id(v));
        let want = vec![
            FileChange {
                path: "a".into(),
                old: id(b"1"),
                new: id(b"changed"),
            },
            FileChange {
                path: "b/x".into(),
                old: id(b"2"),
                new: None,
            },
            FileChange {
                path: "c".into(),
                old: id(b"4"),
                new: None,
            },
            FileChange {
                path: "c/%self".into(),
                old: None,
                new: id(b"4"),
            },
            FileChange {
                path: "d/e/f".into(),
                old: None,
                new: id(b"7"),
            },
        ];
        assert_eq!(got, want);
        // The same answer as comparing every file of both sides.
        let all = |rev: &Revision| -> std::collections::BTreeMap<BString, ObjectId> {
            repo.files_under(rev, "kv")
                .unwrap()
                .into_iter()
                .map(|f| (f.path, f.oid))
                .collect()
        };
        let (before, after) = (all(&old), all(&new));
        let mut paths: Vec<&BString> = before.keys().chain(after.keys()).collect();
        paths.sort();
        paths.dedup();
        let full: Vec<FileChange> = paths
            .into_iter()
            .filter(|p| before.get(*p) != after.get(*p))
            .map(|p| FileChange {
                path: p.clone(),
                old: before.get(p).copied(),
                new: after.get(p).copied(),
            })
            .collect();
        assert_eq!(got, full);
        assert!(repo
            .files_changed_under(&new, &new, "kv")
            .unwrap()
            .is_empty());
        assert_eq!(
            repo.files_changed_under(&old, &new, "none").unwrap(),
            vec![]
        );
        let whole = repo.diff_trees(old.tree, new.tree).unwrap();
        assert_eq!(whole.len(), want.len() + 1, "{whole:?}");
    }

    #[test]
    fn files_changed_under_refuses_a_tree_altered_on_disk_naming_its_folder() {
        let (dir, repo) = bare();
        let old = commit_files(&repo, None, &[("kv/a/x", Some(b"1")), ("kv/b", Some(b"2"))]);
        let new = commit_files(&repo, Some(&old), &[("kv/a/x", Some(b"3"))]);
        let sub = repo.entry_id(new.tree, "kv/a").unwrap().unwrap();
        let mut altered = b"100644 x\0".to_vec();
        altered.extend_from_slice(repo.blob_id(b"2").as_bytes());
        alter_loose(dir.path(), sub, "tree", &altered);
        let repo = Repo::open(dir.path()).unwrap();
        let err = repo.files_changed_under(&old, &new, "kv").unwrap_err();
        assert!(
            matches!(&err, Error::Mismatch { kind: "tree", oid, path: Some(p), .. } if *oid == sub && p == "kv/a"),
            "{err:?}"
        );
    }
}
