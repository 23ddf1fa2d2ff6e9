//! Records what `netsync --version` prints besides the version: the Git commit the binary
//! was built from and the target it was built for.
//!
//! The commit is read with gix from the repository the crate sits in. A build from a
//! source tarball has no repository: packagers set `NETSYNC_BUILD_COMMIT`, and without it
//! the commit reads "unknown". A build never fails for want of a commit.

use std::path::{Path, PathBuf};

fn main() {
    println!("cargo:rerun-if-env-changed=NETSYNC_BUILD_COMMIT");
    let target = std::env::var("TARGET").unwrap_or_else(|_| "unknown".to_owned());
    println!("cargo:rustc-env=NETSYNC_BUILD_TARGET={target}");

    let commit = match std::env::var("NETSYNC_BUILD_COMMIT") {
        Ok(commit) if !commit.trim().is_empty() => commit.trim().to_owned(),
        _ => {
            let manifest_dir = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").unwrap());
            head_commit(&manifest_dir).unwrap_or_else(|| "unknown".to_owned())
        }
    };
    println!("cargo:rustc-env=NETSYNC_BUILD_COMMIT={commit}");
}

/// The short id of HEAD's commit in the repository around `dir`, and `rerun-if-changed`
/// lines for the files that move when HEAD does.
fn head_commit(dir: &Path) -> Option<String> {
    let repo = gix::discover(dir).ok()?;
    let git_dir = repo.git_dir().to_owned();
    let common_dir = repo.common_dir().to_owned();
    rerun_if_changed(&git_dir.join("HEAD"));
    rerun_if_changed(&common_dir.join("packed-refs"));
    let mut head = repo.head().ok()?;
    if let Some(path) = head
        .referent_name()
        .and_then(|name| gix::path::from_bstr(name.as_bstr()).ok())
    {
        rerun_if_changed(&common_dir.join(path));
    }
    let id = head.peel_to_commit().ok()?.id;
    Some(id.to_hex_with_len(12).to_string())
}

fn rerun_if_changed(path: &Path) {
    // Cargo treats a missing file as always changed, so name only files that exist.
    if path.exists() {
        println!("cargo:rerun-if-changed={}", path.display());
    }
}
