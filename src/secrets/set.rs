//! `secret set`: encrypt a value into the working tree of a non-bare repository, at the path
//! the key ↔ path bijection gives its secret file. Nothing is committed.

use std::path::{Path, PathBuf};

use super::{encrypt, CommandError, Error, Recipients};
use crate::config::{self, Config};
use crate::git::Repo;
use crate::keypath;
use crate::keypath::display_key;

/// What `secret set` wrote.
#[derive(Debug, Clone)]
pub struct SetReport {
    /// The file written, relative to the working tree.
    pub path: String,
    /// A plaintext file of the same key that was removed from the working tree.
    pub removed_plain: Option<String>,
}

fn io(path: &Path) -> impl Fn(std::io::Error) -> CommandError + '_ {
    move |source| CommandError::Io {
        path: path.to_owned(),
        source,
    }
}

/// Encrypt `value` for `key` into the working tree. The configuration and any `file:`
/// recipients files are read from the working tree too (what the user is editing). Refuses
/// keys outside the mappings, and keys no `secrets.keys` pattern matches unless `force`.
pub fn set_in_worktree(
    repo: &Repo,
    key: &[u8],
    value: &[u8],
    force: bool,
) -> Result<SetReport, CommandError> {
    let workdir = repo
        .gix()
        .workdir()
        .ok_or_else(|| CommandError::BareRepository {
            path: repo.path().to_owned(),
        })?
        .to_owned();
    let config_path = workdir.join(config::FILE_NAME);
    let text = std::fs::read_to_string(&config_path).map_err(io(&config_path))?;
    let config = Config::parse(&text, &format!("{} (working tree)", config::FILE_NAME))?;
    let mapping = config
        .mapping_for_key(key)
        .ok_or_else(|| Error::OutsideMappings {
            key: display_key(key),
        })?;
    if !force && !config.is_secret(key) {
        return Err(Error::NotSecretKey {
            key: display_key(key),
        }
        .into());
    }
    let recipients = Recipients::parse(&config.secrets.recipients, |path| {
        std::fs::read(workdir.join(path)).map_err(|_| Error::RecipientsFileMissing {
            path: path.to_owned(),
            commit: "the working tree".to_owned(),
        })
    })?;
    let rest = &key[mapping.prefix.len()..];
    let dir = workdir.join(&mapping.dir);
    // A key with children is stored as `<key>/%self`: see whether the folder exists.
    let has_children = dir.join(keypath::encode(rest, false, false)).is_dir();
    let rel = format!(
        "{}/{}",
        mapping.dir,
        keypath::encode(rest, has_children, true)
    );
    let armored = encrypt(key, value, &recipients)?;
    let target = workdir.join(&rel);
    write_atomically(&target, &armored)?;

    let plain_rel = format!(
        "{}/{}",
        mapping.dir,
        keypath::encode(rest, has_children, false)
    );
    let plain = workdir.join(&plain_rel);
    let removed_plain = if plain.is_file() {
        std::fs::remove_file(&plain).map_err(io(&plain))?;
        Some(plain_rel)
    } else {
        None
    };
    Ok(SetReport {
        path: rel,
        removed_plain,
    })
}

fn write_atomically(target: &Path, data: &[u8]) -> Result<(), CommandError> {
    let parent = target.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(parent).map_err(io(parent))?;
    let mut tmp = PathBuf::from(target);
    tmp.as_mut_os_string().push(".netsync-tmp");
    std::fs::write(&tmp, data).map_err(io(&tmp))?;
    std::fs::rename(&tmp, target).map_err(io(target))
}
