//! Write to the object database and move a branch: blobs, incremental tree edits, commits
//! made without a working tree, and compare-and-swap ref updates that always keep a reflog.

use gix::bstr::BString;
use gix::objs::tree::EntryKind;
use gix::refs::transaction::{Change, LogChange, PreviousValue, RefEdit, RefLog};
use gix::refs::Target;

use super::{Error, ObjectId, Repo, Result};

/// Who a commit is by: `Name <email>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    pub name: String,
    pub email: String,
}

impl Identity {
    /// Parse `Name <email>`; `None` when it has not that shape.
    pub fn parse(text: &str) -> Option<Self> {
        let (name, rest) = text.trim().split_once('<')?;
        let email = rest.strip_suffix('>')?;
        let name = name.trim();
        if name.is_empty() || email.is_empty() || email.contains(['<', '>', '\n']) {
            return None;
        }
        Some(Self {
            name: name.to_owned(),
            email: email.to_owned(),
        })
    }

    fn signature(&self) -> gix::actor::Signature {
        gix::actor::Signature {
            name: self.name.as_str().into(),
            email: self.email.as_str().into(),
            time: gix::date::Time::now_local_or_utc(),
        }
    }
}

/// One change to a tree: write `blob` at `path`, or remove `path` when `blob` is `None`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TreeEdit {
    /// Repository path, `/`-separated.
    pub path: String,
    pub blob: Option<ObjectId>,
}

impl Repo {
    fn write_err(&self) -> impl Fn(gix::Error) -> Error + '_ {
        move |source| Error::Write {
            repo: self.path.clone(),
            source,
        }
    }

    /// Store `data` as a blob (a no-op when it already exists).
    pub fn write_blob(&self, data: &[u8]) -> Result<ObjectId> {
        Ok(self
            .inner
            .write_blob(data)
            .map_err(self.write_err())?
            .detach())
    }

    /// The tree `base` with `edits` applied. Only the trees on the paths of the edits are
    /// rewritten, so the cost follows the size of the change, not of the tree. Removals are
    /// applied before writes, so a file can become a folder (`a` → `a/%self`) in one edit.
    pub fn edit_tree(&self, base: ObjectId, edits: &[TreeEdit]) -> Result<ObjectId> {
        let mut editor = self.inner.edit_tree(base).map_err(self.write_err())?;
        for edit in edits.iter().filter(|e| e.blob.is_none()) {
            editor.remove(&edit.path).map_err(self.write_err())?;
        }
        for edit in edits {
            if let Some(blob) = edit.blob {
                editor
                    .upsert(&edit.path, EntryKind::Blob, blob)
                    .map_err(self.write_err())?;
            }
        }
        Ok(editor.write().map_err(self.write_err())?.detach())
    }

    /// Write a commit object, signed with `signer` when given (an SSH signature in its
    /// `gpgsig` header, as `git commit -S` makes); no reference moves.
    pub fn write_commit(
        &self,
        tree: ObjectId,
        parents: &[ObjectId],
        author: &Identity,
        message: &str,
        signer: Option<&super::Signer>,
    ) -> Result<ObjectId> {
        let signature = author.signature();
        let commit = gix::objs::Commit {
            tree,
            parents: parents.iter().copied().collect(),
            author: signature.clone(),
            committer: signature,
            encoding: None,
            message: BString::from(message),
            extra_headers: Vec::new(),
        };
        let commit = match signer {
            Some(signer) => signer.sign(commit, &self.path)?,
            None => commit,
        };
        Ok(self
            .inner
            .write_object(&commit)
            .map_err(self.write_err())?
            .detach())
    }

    /// The commit `refs/heads/<branch>` points to, if the branch exists.
    pub fn branch_tip(&self, branch: &str) -> Result<Option<ObjectId>> {
        let name = format!("refs/heads/{branch}");
        match self.inner.try_find_reference(name.as_str()) {
            Ok(Some(mut reference)) => Ok(Some(
                reference
                    .peel_to_id()
                    .map_err(|source| Error::Gix {
                        repo: self.path.clone(),
                        source,
                    })?
                    .detach(),
            )),
            Ok(None) => Ok(None),
            Err(source) => Err(Error::Gix {
                repo: self.path.clone(),
                source,
            }),
        }
    }

    /// Move `refs/heads/<branch>` from `old` (`None`: must not exist yet) to `new`, only if it
    /// still points to `old`; a concurrent writer makes this fail with
    /// [`Error::ConcurrentUpdate`] instead of being overwritten. A reflog entry is written
    /// even in bare repositories, where `core.logAllRefUpdates` is off by default.
    pub fn update_branch(
        &self,
        branch: &str,
        old: Option<ObjectId>,
        new: ObjectId,
        who: &Identity,
        reflog_message: &str,
    ) -> Result<()> {
        let name = format!("refs/heads/{branch}");
        let full_name: gix::refs::FullName =
            name.as_str().try_into().map_err(|_| Error::BadBranch {
                branch: branch.to_owned(),
            })?;
        let expected = match old {
            Some(old) => PreviousValue::MustExistAndMatch(Target::Object(old)),
            None => PreviousValue::MustNotExist,
        };
        let edit = RefEdit {
            change: Change::Update {
                log: LogChange {
                    mode: RefLog::AndReference,
                    force_create_reflog: true,
                    message: reflog_message.into(),
                },
                expected,
                new: Target::Object(new),
            },
            name: full_name,
            deref: false,
        };
        let signature = who.signature();
        let mut time_buf = gix::date::parse::TimeBuf::default();
        let result = self
            .inner
            .edit_references_as(Some(edit), Some(signature.to_ref(&mut time_buf)));
        match result {
            Ok(_) => Ok(()),
            Err(source) => {
                // Tell a lost race from other failures by looking at the ref again.
                let now = self.branch_tip(branch)?;
                if now != old {
                    Err(Error::ConcurrentUpdate {
                        branch: branch.to_owned(),
                        expected: old.map_or_else(|| "nothing".to_owned(), |o| o.to_string()),
                        found: now.map_or_else(|| "nothing".to_owned(), |o| o.to_string()),
                    })
                } else {
                    Err(Error::Write {
                        repo: self.path.clone(),
                        source,
                    })
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bare() -> (tempfile::TempDir, Repo) {
        let dir = tempfile::tempdir().unwrap();
        gix::init_bare(dir.path()).unwrap();
        let repo = Repo::open(dir.path()).unwrap();
        (dir, repo)
    }

    fn me() -> Identity {
        Identity::parse("netsync <netsync@test>").unwrap()
    }

    #[test]
    fn identity_parses_name_and_email() {
        assert_eq!(
            Identity::parse(" A B <a@b> "),
            Some(Identity {
                name: "A B".into(),
                email: "a@b".into()
            })
        );
        assert_eq!(Identity::parse("nobody"), None);
        assert_eq!(Identity::parse("<a@b>"), None);
    }

    #[test]
    fn edits_turn_a_file_into_a_folder_and_back() {
        let (_dir, repo) = bare();
        let empty = ObjectId::empty_tree(repo.gix().object_hash());
        let one = repo.write_blob(b"1").unwrap();
        let two = repo.write_blob(b"2").unwrap();
        let t1 = repo
            .edit_tree(
                empty,
                &[TreeEdit {
                    path: "kv/a".into(),
                    blob: Some(one),
                }],
            )
            .unwrap();
        let t2 = repo
            .edit_tree(
                t1,
                &[
                    TreeEdit {
                        path: "kv/a".into(),
                        blob: None,
                    },
                    TreeEdit {
                        path: "kv/a/%self".into(),
                        blob: Some(one),
                    },
                    TreeEdit {
                        path: "kv/a/b".into(),
                        blob: Some(two),
                    },
                ],
            )
            .unwrap();
        assert_eq!(
            repo.read_file(t2, "kv/a/%self").unwrap(),
            Some(b"1".to_vec())
        );
        assert_eq!(repo.read_file(t2, "kv/a/b").unwrap(), Some(b"2".to_vec()));
        let t3 = repo
            .edit_tree(
                t2,
                &[
                    TreeEdit {
                        path: "kv/a".into(),
                        blob: None,
                    },
                    TreeEdit {
                        path: "kv/a".into(),
                        blob: Some(one),
                    },
                ],
            )
            .unwrap();
        assert_eq!(t3, t1, "same content, same tree");
    }

    #[test]
    fn branch_updates_are_compare_and_swap_with_a_reflog() {
        let (dir, repo) = bare();
        let empty = ObjectId::empty_tree(repo.gix().object_hash());
        let tree = repo.write_blob(b"x").unwrap();
        let tree = repo
            .edit_tree(
                empty,
                &[TreeEdit {
                    path: "f".into(),
                    blob: Some(tree),
                }],
            )
            .unwrap();
        let c1 = repo.write_commit(tree, &[], &me(), "one\n", None).unwrap();
        let c2 = repo
            .write_commit(tree, &[c1], &me(), "two\n", None)
            .unwrap();
        repo.update_branch("main", None, c1, &me(), "persist: one")
            .unwrap();
        let err = repo
            .update_branch("main", None, c2, &me(), "persist: two")
            .unwrap_err();
        assert!(matches!(err, Error::ConcurrentUpdate { .. }), "{err}");
        let err = repo
            .update_branch("main", Some(c2), c2, &me(), "persist: two")
            .unwrap_err();
        assert!(matches!(err, Error::ConcurrentUpdate { .. }), "{err}");
        repo.update_branch("main", Some(c1), c2, &me(), "persist: two")
            .unwrap();
        assert_eq!(repo.branch_tip("main").unwrap(), Some(c2));
        let log = std::fs::read_to_string(dir.path().join("logs/refs/heads/main")).unwrap();
        assert_eq!(log.lines().count(), 2, "{log}");
        assert!(log.contains("persist: two"), "{log}");
    }
}
