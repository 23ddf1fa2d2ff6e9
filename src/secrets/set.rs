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

/// Where `secret set` writes one key, resolved before the value is read: a key that cannot
/// be set is refused before anyone types a secret for it.
pub struct SetTarget {
    key: Vec<u8>,
    allow_empty: bool,
    workdir: PathBuf,
    recipients: Recipients,
    /// The secret file, relative to the working tree.
    rel: String,
    /// A plaintext file of the same key, relative to the working tree.
    plain_rel: String,
}

/// What a [`SetTarget`] accepts besides the value.
#[derive(Debug, Clone, Copy, Default)]
pub struct SetOptions {
    /// Encrypt even when no `secrets.keys` pattern matches the key.
    pub force: bool,
    /// Store an empty value; without it an empty value is refused (it is far more often an
    /// empty pipe or file than a secret meant to be empty).
    pub allow_empty: bool,
}

impl SetTarget {
    /// Resolve `key` in the working tree. The configuration and any `file:` recipients files
    /// are read from the working tree too (what the user is editing). Refuses keys outside
    /// the mappings, and keys no `secrets.keys` pattern matches unless `options.force`.
    pub fn resolve(repo: &Repo, key: &[u8], options: SetOptions) -> Result<Self, CommandError> {
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
        if !options.force && !config.is_secret(key) {
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
        let path = |sealed| {
            format!(
                "{}/{}",
                mapping.dir,
                keypath::encode(rest, has_children, sealed)
            )
        };
        Ok(SetTarget {
            key: key.to_owned(),
            allow_empty: options.allow_empty,
            rel: path(true),
            plain_rel: path(false),
            workdir,
            recipients,
        })
    }

    /// The key, for display.
    pub fn key(&self) -> String {
        display_key(&self.key)
    }

    /// Encrypt `value` into the secret file, and remove a plaintext file of the same key.
    /// An empty value is refused unless `allow_empty` was given, before anything is written.
    pub fn write(&self, value: &[u8]) -> Result<SetReport, CommandError> {
        if value.is_empty() && !self.allow_empty {
            return Err(CommandError::EmptyValue { key: self.key() });
        }
        let armored = encrypt(&self.key, value, &self.recipients)?;
        let target = self.workdir.join(&self.rel);
        write_atomically(&target, &armored)?;
        let plain = self.workdir.join(&self.plain_rel);
        let removed_plain = if plain.is_file() {
            std::fs::remove_file(&plain).map_err(io(&plain))?;
            Some(self.plain_rel.clone())
        } else {
            None
        };
        Ok(SetReport {
            path: self.rel.clone(),
            removed_plain,
        })
    }
}

fn write_atomically(target: &Path, data: &[u8]) -> Result<(), CommandError> {
    let parent = target.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(parent).map_err(io(parent))?;
    let mut tmp = PathBuf::from(target);
    tmp.as_mut_os_string().push(".netsync-tmp");
    std::fs::write(&tmp, data).map_err(io(&tmp))?;
    std::fs::rename(&tmp, target).map_err(io(target))
}
