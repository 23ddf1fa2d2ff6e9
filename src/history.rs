//! `log`: every commit that changed one key's value, newest first, and whether the change
//! came from a person's commit in Git or from etcd (a persist commit, as its trailers say).
//!
//! Fast on large repositories because it never diffs whole trees: for each commit it follows
//! only the trees on the key's path, one entry at a time, and remembers every (tree, name)
//! it has looked up. A commit that changed nothing under the key's folder shares that
//! folder's tree id with its parent, so the lookup below it is remembered, not repeated.
//!
//! The key's file may move: to `<key>/%self` and back when the key gains or loses children,
//! to `<key>.age` when it becomes a secret, and to another folder when a mapping's `dir`
//! changes in netsync.toml. Each commit's own netsync.toml says where the key lives there,
//! so a move is seen as a move (the same blob at another path), not as a deletion and an
//! addition.
//!
//! Secret values are never read into the report: a secret's entry says that its ciphertext
//! changed and, with an identity, whether its plaintext did, with sizes only.

use std::collections::HashMap;

use serde::Serialize;

use crate::config::Config;
use crate::desired;
use crate::git::walk::{CommitInfo, EntryKind};
use crate::git::{ObjectId, Repo};
use crate::keypath;
use crate::secrets::{self, Identities};

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Git(#[from] crate::git::Error),
    #[error(transparent)]
    Desired(#[from] desired::Error),
    #[error("{key} is under no mapping prefix of netsync.toml at {rev} (prefixes: {})", prefixes.join(", "))]
    OutsideMappings {
        key: String,
        rev: String,
        prefixes: Vec<String>,
    },
}

/// What the user asked `log` for.
#[derive(Debug, Clone, Default)]
pub struct LogOptions {
    /// Where the history starts: a revision; `None`: the configured branch, else HEAD.
    pub rev: Option<String>,
    /// Only commits made (committer time) at or after this, in seconds since the epoch.
    pub since: Option<i64>,
    /// Only commits made at or before this.
    pub until: Option<i64>,
    /// At most this many entries.
    pub max_count: Option<usize>,
}

/// Where a change came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(tag = "side", rename_all = "snake_case")]
pub enum Origin {
    /// A person's commit (or any commit without persist trailers).
    Git,
    /// A persist commit: the value changed in etcd and was recorded from there. The fields
    /// are what the commit's trailers claim.
    Etcd {
        #[serde(skip_serializing_if = "Option::is_none")]
        host: Option<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        etcd_revision: Option<i64>,
        #[serde(skip_serializing_if = "Option::is_none")]
        cluster_id: Option<String>,
    },
}

/// What a commit did to the key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ChangeKind {
    Added,
    Changed,
    Deleted,
    /// The same value at another path (`%self`, a folder renamed in netsync.toml).
    Moved,
}

/// The key's file in one commit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct Version {
    /// The file's path in the repository.
    pub path: String,
    /// The blob id (a secret's: its ciphertext's).
    pub blob: String,
    /// An age file: only sizes are ever shown.
    pub secret: bool,
    /// Bytes of the file (a secret's: of its ciphertext).
    pub size: usize,
    /// A secret's plaintext size, when an identity decrypted it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub plaintext_size: Option<usize>,
    /// A plain value's bytes, for the renderer to diff; never a secret's.
    #[serde(skip)]
    pub value: Option<Vec<u8>>,
}

/// A person as a commit names them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct Person {
    pub name: String,
    pub email: String,
    /// RFC 3339, UTC.
    pub time: String,
}

/// One commit that changed the key.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct Entry {
    /// Full commit id.
    pub commit: String,
    /// When the commit was made (committer time), RFC 3339, UTC.
    pub time: String,
    pub author: Person,
    pub origin: Origin,
    /// The commit message's first line.
    pub summary: String,
    pub change: ChangeKind,
    /// The key's file in the parent (the first parent, for a merge); absent when added.
    pub old: Option<Version>,
    /// The key's file in this commit; absent when deleted.
    pub new: Option<Version>,
    /// For a secret whose ciphertext changed, with an identity: whether the plaintext did
    /// (false: re-encrypted, as `secret rekey` does).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub plaintext_changed: Option<bool>,
    /// Why a secret's plaintexts were not compared: `no_identity`, or the decryption error.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub not_compared: Option<String>,
}

/// The history of one key.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct History {
    /// Printable form of the key.
    pub key: String,
    #[serde(skip)]
    pub key_bytes: Vec<u8>,
    /// The revision as asked for.
    pub rev: String,
    /// The commit the walk started from.
    pub commit: String,
    /// Commits looked at.
    pub commits_examined: usize,
    /// Newest first.
    pub entries: Vec<Entry>,
}

/// Parse `--since`/`--until`: the date forms of `--rev` (`2026-11-01`, RFC 3339), or a
/// duration before `now` (`2weeks`, `36h`, humantime's forms). Seconds since the epoch.
pub fn parse_time(text: &str, now: i64) -> Option<i64> {
    if let Some(at) = desired::parse_date(text) {
        return Some(at);
    }
    if let Ok(at) = humantime::parse_rfc3339_weak(text) {
        let secs = at.duration_since(std::time::UNIX_EPOCH).ok()?.as_secs();
        return i64::try_from(secs).ok();
    }
    let ago = humantime::parse_duration(text.trim_end_matches(" ago")).ok()?;
    Some(now - i64::try_from(ago.as_secs()).ok()?)
}

/// RFC 3339 (UTC) of seconds since the epoch.
fn rfc3339(secs: i64) -> String {
    let at = std::time::UNIX_EPOCH + std::time::Duration::from_secs(secs.max(0) as u64);
    humantime::format_rfc3339_seconds(at).to_string()
}

/// Where the key's file is in one tree, and what it holds.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Found {
    path: String,
    oid: ObjectId,
    secret: bool,
}

/// A tree entry: its object and kind.
type TreeEntry = (ObjectId, EntryKind);

/// Looks the key up in commits' trees, remembering every lookup.
struct Finder<'a> {
    repo: &'a Repo,
    key: &'a [u8],
    /// Root tree → where the key is in it.
    roots: HashMap<ObjectId, Option<Found>>,
    /// netsync.toml blob → its configuration (`None`: it does not parse).
    configs: HashMap<ObjectId, Option<Config>>,
    /// (tree, name) → the entry.
    entries: HashMap<(ObjectId, Vec<u8>), Option<TreeEntry>>,
    /// Commit → its root tree.
    trees: HashMap<ObjectId, ObjectId>,
}

impl<'a> Finder<'a> {
    fn entry(
        &mut self,
        tree: ObjectId,
        name: &[u8],
    ) -> Result<Option<(ObjectId, EntryKind)>, Error> {
        if let Some(found) = self.entries.get(&(tree, name.to_vec())) {
            return Ok(*found);
        }
        let found = self.repo.tree_entry(tree, name)?;
        self.entries.insert((tree, name.to_vec()), found);
        Ok(found)
    }

    fn tree_of(&mut self, commit: ObjectId) -> Result<ObjectId, Error> {
        if let Some(tree) = self.trees.get(&commit) {
            return Ok(*tree);
        }
        let tree = self.repo.commit_tree(commit)?;
        self.trees.insert(commit, tree);
        Ok(tree)
    }

    /// Where the key is at `commit`, per that commit's own netsync.toml.
    fn at(&mut self, commit: ObjectId) -> Result<Option<Found>, Error> {
        let root = self.tree_of(commit)?;
        if let Some(found) = self.roots.get(&root) {
            return Ok(found.clone());
        }
        let found = self.locate(root)?;
        self.roots.insert(root, found.clone());
        Ok(found)
    }

    fn locate(&mut self, root: ObjectId) -> Result<Option<Found>, Error> {
        let Some((toml, EntryKind::Blob)) =
            self.entry(root, crate::config::FILE_NAME.as_bytes())?
        else {
            return Ok(None);
        };
        if !self.configs.contains_key(&toml) {
            let config = self
                .repo
                .read_blob(toml)
                .ok()
                .and_then(|b| String::from_utf8(b).ok())
                .and_then(|t| Config::parse(&t, crate::config::FILE_NAME).ok());
            self.configs.insert(toml, config);
        }
        let Some(mapping) = self
            .configs
            .get(&toml)
            .and_then(|c| c.as_ref())
            .and_then(|c| c.mapping_for_key(self.key))
            .cloned()
        else {
            return Ok(None);
        };
        let encoded = keypath::encode(&self.key[mapping.prefix.len()..], false, false);
        let mut components: Vec<&str> = mapping.dir.split('/').collect();
        components.extend(encoded.split('/'));
        let Some((last, folders)) = components.split_last() else {
            return Ok(None);
        };
        let mut tree = root;
        for folder in folders {
            match self.entry(tree, folder.as_bytes())? {
                Some((id, EntryKind::Tree)) => tree = id,
                _ => return Ok(None),
            }
        }
        let folder = folders.join("/");
        let file = |name: &str, oid, secret| Found {
            path: format!("{folder}/{name}"),
            oid,
            secret,
        };
        let age = format!("{last}{}", keypath::SECRET_SUFFIX);
        match self.entry(tree, last.as_bytes())? {
            Some((oid, EntryKind::Blob)) => return Ok(Some(file(last, oid, false))),
            Some((inner, EntryKind::Tree)) => {
                // A key with children keeps its value inside its folder, as `%self`.
                for (name, secret) in [("%self", false), ("%self.age", true)] {
                    if let Some((oid, EntryKind::Blob)) = self.entry(inner, name.as_bytes())? {
                        return Ok(Some(file(&format!("{last}/{name}"), oid, secret)));
                    }
                }
            }
            _ => {}
        }
        match self.entry(tree, age.as_bytes())? {
            Some((oid, EntryKind::Blob)) => Ok(Some(file(&age, oid, true))),
            _ => Ok(None),
        }
    }
}

/// The history of `key`: every commit reachable from the revision whose value of it differs
/// from each of its parents' (a merge that took one side's value is not listed; the commit
/// that made it is), newest first.
pub fn log(
    repo: &Repo,
    key: &[u8],
    options: &LogOptions,
    identities: &Identities,
) -> Result<History, Error> {
    let (tip, rev) = desired::resolve_target(repo, options.rev.as_deref())?;
    // A key no mapping covers has no file in any commit of this configuration: a typo, most
    // likely; say so rather than "no commit changed it".
    let config = desired::load_config(repo, &tip)?;
    if config.mapping_for_key(key).is_none() {
        return Err(Error::OutsideMappings {
            key: keypath::display_key(key),
            rev,
            prefixes: config
                .mappings
                .iter()
                .map(|m| keypath::display_key(&m.prefix))
                .collect(),
        });
    }
    // No object cache: every tree is looked up once (the Finder remembers each lookup), so
    // a cache would only copy each one (measured: 15 % slower, twice the memory).
    let mut finder = Finder {
        repo,
        key,
        roots: HashMap::new(),
        configs: HashMap::new(),
        entries: HashMap::new(),
        trees: HashMap::new(),
    };
    let mut history = History {
        key: keypath::display_key(key),
        key_bytes: key.to_vec(),
        rev,
        commit: tip.commit.to_string(),
        commits_examined: 0,
        entries: Vec::new(),
    };
    for walked in repo.walk_newest_first(tip.commit)? {
        let (id, time) = walked?;
        // Filtered, not cut off: committer times need not fall along the history (a commit
        // made on a machine with an older clock, a rebase), and a date must not hide what
        // lies behind such a commit.
        let outside = options.since.is_some_and(|since| time < since)
            || options.until.is_some_and(|until| time > until);
        if outside {
            continue;
        }
        if options
            .max_count
            .is_some_and(|n| history.entries.len() >= n)
        {
            break;
        }
        history.commits_examined += 1;
        let info = repo.commit_info(id)?;
        finder.trees.insert(id, info.tree);
        let now = finder.at(id)?;
        let mut before = Vec::with_capacity(info.parents.len().max(1));
        for parent in &info.parents {
            before.push(finder.at(*parent)?);
        }
        if before.is_empty() {
            before.push(None);
        }
        // Unchanged against some parent: this commit did not change the key.
        if before.contains(&now) {
            continue;
        }
        let same_value = |b: &Option<Found>| match (b, &now) {
            (Some(b), Some(n)) => b.oid == n.oid && b.secret == n.secret,
            _ => false,
        };
        let (old, change) = match before.iter().find(|b| same_value(b)) {
            Some(b) => (b.clone(), ChangeKind::Moved),
            None => {
                let old = before[0].clone();
                let change = match (&old, &now) {
                    (None, _) => ChangeKind::Added,
                    (_, None) => ChangeKind::Deleted,
                    _ => ChangeKind::Changed,
                };
                (old, change)
            }
        };
        history
            .entries
            .push(entry(repo, key, &info, old, now, change, identities)?);
    }
    Ok(history)
}

/// The entry for one commit: who, from where, and the two versions (secrets by size only).
fn entry(
    repo: &Repo,
    key: &[u8],
    info: &CommitInfo,
    old: Option<Found>,
    new: Option<Found>,
    change: ChangeKind,
    identities: &Identities,
) -> Result<Entry, Error> {
    let trailer = |token: &str| {
        info.trailers
            .iter()
            .rev()
            .find(|(t, _)| t.eq_ignore_ascii_case(token))
            .map(|(_, v)| v.clone())
    };
    let origin = match trailer(crate::adopt::REVISION_TRAILER) {
        Some(revision) => Origin::Etcd {
            host: trailer("Netsync-Host"),
            etcd_revision: revision.parse().ok(),
            cluster_id: trailer(crate::adopt::CLUSTER_TRAILER),
        },
        None => Origin::Git,
    };
    let mut plaintexts = Vec::new();
    let mut not_compared = None;
    let mut version = |found: Option<Found>| -> Result<Option<Version>, Error> {
        let Some(found) = found else { return Ok(None) };
        let bytes = repo.read_blob(found.oid)?;
        let mut plaintext_size = None;
        if found.secret {
            if identities.is_empty() {
                not_compared = Some("no_identity".to_owned());
            } else {
                match secrets::decrypt(key, &bytes, identities) {
                    Ok(plain) => {
                        plaintext_size = Some(plain.len());
                        plaintexts.push(plain);
                    }
                    Err(err) => not_compared = Some(err.to_string()),
                }
            }
        } else {
            plaintexts.push(zeroize::Zeroizing::new(bytes.clone()));
        }
        Ok(Some(Version {
            path: found.path,
            blob: found.oid.to_string(),
            size: bytes.len(),
            plaintext_size,
            value: (!found.secret).then_some(bytes),
            secret: found.secret,
        }))
    };
    let old = version(old)?;
    let new = version(new)?;
    let secret = old.iter().chain(&new).any(|v| v.secret);
    let plaintext_changed = match (secret, &old, &new, not_compared.is_none()) {
        (true, Some(_), Some(_), true) if plaintexts.len() == 2 => {
            Some(plaintexts[0] != plaintexts[1])
        }
        _ => None,
    };
    Ok(Entry {
        commit: info.id.to_string(),
        time: rfc3339(info.committer.time),
        author: Person {
            name: info.author.name.clone(),
            email: info.author.email.clone(),
            time: rfc3339(info.author.time),
        },
        origin,
        summary: info.summary.clone(),
        change,
        old,
        new,
        plaintext_changed,
        not_compared: if secret && change != ChangeKind::Moved {
            not_compared
        } else {
            None
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_dates_or_durations_before_now() {
        assert_eq!(parse_time("1970-01-02", 0), Some(86_400));
        assert_eq!(parse_time("1970-01-01T00:01:00Z", 0), Some(60));
        assert_eq!(parse_time("1970-01-01 00:02:00", 0), Some(120));
        assert_eq!(parse_time("2h", 10_000), Some(2_800));
        assert_eq!(parse_time("1day ago", 100_000), Some(13_600));
        assert_eq!(parse_time("yesterday-ish", 0), None);
    }
}
