//! A minimal commit writer for `netsync secret rekey`: replace blobs in a branch's tree and
//! move the branch by compare-and-swap, without a working tree. (Kept separate from the
//! fuller writer `persist` brings; the two are meant to merge into one.)

use gix::objs::tree::EntryKind;

use super::{Error, ObjectId, Repo, Result};

impl Repo {
    fn write_error(&self) -> impl Fn(gix::Error) -> Error + '_ {
        move |source| Error::Gix {
            repo: self.path.clone(),
            source,
        }
    }

    /// Store `data` as a blob.
    pub fn store_blob(&self, data: &[u8]) -> Result<ObjectId> {
        Ok(self
            .inner
            .write_blob(data)
            .map_err(self.write_error())?
            .detach())
    }

    /// The branch `refs/heads/<branch>` checked out in this repository's working tree, if
    /// it has one.
    pub fn checked_out_worktree(&self, branch: &str) -> Option<std::path::PathBuf> {
        let workdir = self.inner.workdir()?;
        (self.head_branch().as_deref() == Some(branch)).then(|| workdir.to_owned())
    }

    /// Commit the tree of `parent` with the blobs at `paths` replaced onto
    /// `refs/heads/<branch>`, only if the branch still points to `parent`.
    pub fn commit_replacing_blobs(
        &self,
        branch: &str,
        parent: ObjectId,
        base_tree: ObjectId,
        replacements: &[(String, ObjectId)],
        author: (&str, &str),
        message: &str,
    ) -> Result<ObjectId> {
        let mut editor = self
            .inner
            .edit_tree(base_tree)
            .map_err(self.write_error())?;
        for (path, blob) in replacements {
            editor
                .upsert(path.as_str(), EntryKind::Blob, *blob)
                .map_err(self.write_error())?;
        }
        let tree = editor.write().map_err(self.write_error())?.detach();
        let who = super::Identity {
            name: author.0.to_owned(),
            email: author.1.to_owned(),
        };
        // Signed when Git's configuration signs this person's commits (commit.gpgSign).
        let signer = super::Signer::from_git_config(self)?;
        let id = self.write_commit(tree, &[parent], &who, message, signer.as_ref())?;
        let summary = message.lines().next().unwrap_or_default();
        self.update_branch(
            branch,
            Some(parent),
            id,
            &who,
            &format!("commit: {summary}"),
        )?;
        Ok(id)
    }
}
