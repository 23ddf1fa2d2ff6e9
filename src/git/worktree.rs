//! Keep a checked-out branch consistent with its working tree and index when netsync moves
//! it: only the files that differ between the old and the new commit are touched, and the
//! move is refused up front when any of them has uncommitted edits.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use gix::bstr::{BStr, ByteSlice};

use super::{Error, FileChange, Repo, Result};

impl Repo {
    /// The working tree, when this repository has one and `branch` is checked out in it.
    pub fn checkout_of(&self, branch: &str) -> Option<PathBuf> {
        let workdir = self.inner.workdir()?;
        (self.head_branch().as_deref() == Some(branch)).then(|| workdir.to_owned())
    }

    /// Refuse when a file about to change has edits in the working tree or the index that
    /// are not committed: they would be overwritten or silently mixed into a later commit.
    pub fn check_clean(&self, changes: &[FileChange]) -> Result<()> {
        let Some(workdir) = self.inner.workdir() else {
            return Ok(());
        };
        let index = self.inner.index_or_empty().map_err(|source| Error::Gix {
            repo: self.path.clone(),
            source,
        })?;
        // Files that leave the tree: a folder holding only these may become a file.
        let removed: BTreeSet<&BStr> = changes
            .iter()
            .filter(|c| c.old.is_some())
            .map(|c| c.path.as_bstr())
            .collect();
        let mut dirty = Vec::new();
        for change in changes {
            let staged = index.entry_by_path(change.path.as_bstr()).map(|e| e.id);
            let file = workdir.join(native(change.path.as_bstr()));
            let on_disk = match std::fs::read(&file) {
                Ok(data) => Some(self.blob_id(&data)),
                // `kv/a/%self` while `kv/a` is still a file: a file about to become a folder.
                Err(err)
                    if matches!(
                        err.kind(),
                        std::io::ErrorKind::NotFound | std::io::ErrorKind::NotADirectory
                    ) =>
                {
                    None
                }
                // `kv/a` while it is still the folder of `kv/a/%self` and `kv/a/b`: it may
                // become a file if every file in it leaves the tree (each checked on its own).
                Err(_) if file.is_dir() => {
                    let strays = files_not_in(workdir, &file, &removed)?;
                    if strays.is_empty() {
                        None
                    } else {
                        dirty.extend(strays);
                        continue;
                    }
                }
                Err(source) => return Err(Error::Io { path: file, source }),
            };
            if staged != change.old || on_disk != change.old {
                dirty.push(change.path.to_string());
            }
        }
        if dirty.is_empty() {
            Ok(())
        } else {
            Err(Error::DirtyWorktree {
                workdir: workdir.to_owned(),
                paths: dirty,
            })
        }
    }

    /// Write `changes` to the working tree and the index (after the branch moved to the
    /// commit they lead to). Files are replaced by rename, so a reader never sees half a file.
    pub fn update_checkout(&self, changes: &[FileChange]) -> Result<()> {
        let Some(workdir) = self.inner.workdir().map(|w| w.to_owned()) else {
            return Ok(());
        };
        let mut index = self.inner.open_index().map_err(|source| Error::Gix {
            repo: self.path.clone(),
            source,
        })?;
        let io = |path: PathBuf| move |source| Error::Io { path, source };
        // Removals first: a file can become a folder of the same name and back.
        let removed: std::collections::BTreeSet<&BStr> = changes
            .iter()
            .filter(|c| c.old.is_some())
            .map(|c| c.path.as_bstr())
            .collect();
        for change in changes.iter().filter(|c| c.old.is_some()) {
            let file = workdir.join(native(change.path.as_bstr()));
            match std::fs::remove_file(&file) {
                Ok(()) => {}
                Err(err) if err.kind() == std::io::ErrorKind::NotFound => {}
                Err(source) => return Err(Error::Io { path: file, source }),
            }
            let mut dir = file.parent();
            while let Some(d) = dir {
                if d == workdir || std::fs::remove_dir(d).is_err() {
                    break;
                }
                dir = d.parent();
            }
        }
        index.remove_entries(|_, path, _| removed.contains(path));
        for change in changes {
            let Some(new) = change.new else { continue };
            let file = workdir.join(native(change.path.as_bstr()));
            if let Some(parent) = file.parent() {
                std::fs::create_dir_all(parent).map_err(io(parent.to_owned()))?;
            }
            let data = self.read_blob(new)?;
            let tmp = file.with_file_name(format!(".netsync-tmp-{}", std::process::id()));
            std::fs::write(&tmp, &data).map_err(io(tmp.clone()))?;
            std::fs::rename(&tmp, &file).map_err(io(file.clone()))?;
            let meta =
                gix::index::fs::Metadata::from_path_no_follow(&file).map_err(io(file.clone()))?;
            let stat = gix::index::entry::Stat::from_fs(&meta).unwrap_or_default();
            index.dangerously_push_entry(
                stat,
                new,
                gix::index::entry::Flags::empty(),
                gix::index::entry::Mode::FILE,
                change.path.as_bstr(),
            );
        }
        index.sort_entries();
        // The cached trees would describe the old content.
        index.remove_tree();
        index
            .write(gix::index::write::Options::default())
            .map_err(|source| Error::Write {
                repo: self.path.clone(),
                source,
            })
    }
}

/// The files under `dir` (relative to `workdir`, `/`-separated) that are not in `leaving`:
/// what would be lost, or would block it, if `dir` became a file.
fn files_not_in(workdir: &Path, dir: &Path, leaving: &BTreeSet<&BStr>) -> Result<Vec<String>> {
    let mut strays = Vec::new();
    let mut pending = vec![dir.to_owned()];
    while let Some(dir) = pending.pop() {
        let entries = std::fs::read_dir(&dir).map_err(|source| Error::Io {
            path: dir.clone(),
            source,
        })?;
        for entry in entries {
            let entry = entry.map_err(|source| Error::Io {
                path: dir.clone(),
                source,
            })?;
            let path = entry.path();
            if path.is_dir() {
                pending.push(path);
                continue;
            }
            let relative = path
                .strip_prefix(workdir)
                .unwrap_or(&path)
                .to_string_lossy()
                .replace(std::path::MAIN_SEPARATOR, "/");
            if !leaving.contains(relative.as_bytes().as_bstr()) {
                strays.push(relative);
            }
        }
    }
    strays.sort();
    Ok(strays)
}

/// A repository path as a native relative path (netsync's paths are always UTF-8).
fn native(path: &BStr) -> PathBuf {
    PathBuf::from(path.to_str_lossy().as_ref())
}
