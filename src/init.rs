//! `init`: write a commented `netsync.toml` into a repository's working tree.

use std::path::{Path, PathBuf};

use crate::config::{self, Config};
use crate::error::Error;

/// What `init` writes.
#[derive(Debug, Clone)]
pub struct InitOptions {
    pub prefix: String,
    pub dir: String,
    pub branch: Option<String>,
}

/// Write `netsync.toml` at the root of the working tree containing `repo` (or at `repo` when
/// it is not in a repository yet). Refuses to overwrite. Returns the path written.
pub fn init(repo: &Path, options: &InitOptions) -> Result<PathBuf, Error> {
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
    let text = Config::template(&options.prefix, &options.dir, &branch);
    // Validate what we write with the same parser that reads it.
    Config::parse(&text, config::FILE_NAME)?;
    let path = root.join(config::FILE_NAME);
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
