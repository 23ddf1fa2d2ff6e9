//! The desired state: what a committed Git revision says etcd should hold.

use std::collections::btree_map::Entry;
use std::collections::BTreeMap;

use crate::config::{self, Config};
use crate::git::{self, ObjectId, Repo, Revision};
use crate::keypath;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Git(#[from] git::Error),
    #[error("HEAD of {} names branch `{head}`, which does not exist{}; netsync reads {} from HEAD unless told which branch", repo.display(), if branches.is_empty() { String::new() } else { format!(" (branches: {})", branches.join(", ")) }, config::FILE_NAME)]
    HeadUnborn {
        repo: std::path::PathBuf,
        head: String,
        branches: Vec<String>,
    },
    #[error("branch `{branch}` has no commit at or before {date}")]
    NothingBefore { branch: String, date: String },
    #[error("{file} not found at commit {commit}")]
    NoConfig { file: &'static str, commit: String },
    #[error(transparent)]
    Config(#[from] config::Error),
    #[error("{file} at commit {commit} is not valid UTF-8")]
    ConfigNotUtf8 { file: &'static str, commit: String },
    #[error("`{path}` at commit {commit} is not a netsync key file")]
    BadPath {
        path: String,
        commit: String,
        #[source]
        source: keypath::Error,
    },
    #[error("key {key} is stored twice at commit {commit}: `{first}` and `{second}`")]
    Duplicate {
        key: String,
        commit: String,
        first: String,
        second: String,
    },
    #[error("`{path}` at commit {commit} holds the value of secret key {key} in plaintext; secret values must be age files (`{path}.age`)")]
    PlaintextSecret {
        key: String,
        path: String,
        commit: String,
    },
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// The sync point names a commit this repository does not have.
#[derive(Debug, thiserror::Error)]
#[error("the sync point names commit {commit}, which {repo} does not have")]
pub struct BaseMissing {
    pub commit: String,
    pub repo: std::path::PathBuf,
}

/// One key's desired value, not loaded yet: blobs are read only for keys that change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DesiredEntry {
    /// Repository path of the file.
    pub path: String,
    pub oid: ObjectId,
    /// The file is an age ciphertext (`.age`): the value must be decrypted, and is never
    /// compared by blob id or shown.
    pub secret: bool,
}

/// Everything a revision describes.
#[derive(Debug)]
pub struct Desired {
    pub revision: Revision,
    /// What the user asked for (`main`, `HEAD~1`, a commit id).
    pub rev_name: String,
    pub config: Config,
    /// Managed keys (ephemeral ones excluded) → their files.
    pub entries: BTreeMap<Vec<u8>, DesiredEntry>,
    /// Files that name ephemeral keys: present in Git, but never written.
    pub ignored_ephemeral: Vec<String>,
}

/// Pick the revision to deploy: `rev` if given (a branch, tag, commit, `HEAD~2`, ... or a
/// date: the last commit of the target branch at or before it), else the configured branch,
/// else HEAD.
pub fn resolve_target(repo: &Repo, rev: Option<&str>) -> Result<(Revision, String)> {
    if let Some(rev) = rev {
        let unknown = match repo.resolve(rev) {
            Ok(revision) => return Ok((revision, rev.to_owned())),
            Err(err) => err,
        };
        let Some(at) = parse_date(rev) else {
            return Err(unknown.into());
        };
        let (tip, branch) = resolve_target(repo, None)?;
        let Some(commit) = commit_at(repo, tip.commit, at) else {
            return Err(Error::NothingBefore {
                branch,
                date: rev.to_owned(),
            });
        };
        return Ok((repo.resolve(&commit.to_string())?, rev.to_owned()));
    }
    let head = match repo.resolve("HEAD") {
        Ok(head) => head,
        // A bare repository made with `git init --bare` names `master` in HEAD, and the
        // branch pushed to it may be `main`: say so, rather than "unknown revision HEAD".
        Err(err @ git::Error::UnknownRevision { .. }) => match repo.head_branch() {
            Some(head) if repo.resolve(&format!("refs/heads/{head}")).is_err() => {
                return Err(Error::HeadUnborn {
                    repo: repo.path().to_owned(),
                    head,
                    branches: repo.branches()?,
                })
            }
            _ => return Err(err.into()),
        },
        Err(err) => return Err(err.into()),
    };
    let config = load_config(repo, &head)?;
    match config.branch {
        Some(branch) => Ok((repo.resolve(&format!("refs/heads/{branch}"))?, branch)),
        None => Ok((head, "HEAD".to_owned())),
    }
}

/// Parse `--rev` as a date: `YYYY-MM-DD` (midnight UTC at its start) or RFC 3339.
pub fn parse_date(rev: &str) -> Option<i64> {
    let text = if rev.len() == 10 && rev.as_bytes()[4] == b'-' && rev.as_bytes()[7] == b'-' {
        format!("{rev}T00:00:00Z")
    } else if rev.len() >= 20 && rev.as_bytes().get(10) == Some(&b'T') {
        rev.to_owned()
    } else {
        return None;
    };
    let time = humantime::parse_rfc3339_weak(&text)
        .or_else(|_| humantime::parse_rfc3339(&text))
        .ok()?;
    let secs = time.duration_since(std::time::UNIX_EPOCH).ok()?.as_secs();
    i64::try_from(secs).ok()
}

/// The last commit of `tip`'s first-parent history whose committer time is at or before
/// `at` (seconds since the epoch).
fn commit_at(repo: &Repo, tip: crate::git::ObjectId, at: i64) -> Option<crate::git::ObjectId> {
    let mut id = tip;
    loop {
        let commit = repo.commit(id).ok()?;
        if commit.committer_seconds().ok()? <= at {
            return Some(id);
        }
        id = *commit.parents().ok()?.first()?;
    }
}

/// Read and validate `netsync.toml` as committed in `rev`.
pub fn load_config(repo: &Repo, rev: &Revision) -> Result<Config> {
    let commit = short(&rev.commit);
    let bytes = repo
        .read_file(rev.tree, config::FILE_NAME)?
        .ok_or_else(|| Error::NoConfig {
            file: config::FILE_NAME,
            commit: commit.clone(),
        })?;
    let text = String::from_utf8(bytes).map_err(|_| Error::ConfigNotUtf8 {
        file: config::FILE_NAME,
        commit: commit.clone(),
    })?;
    let origin = format!("{} (at commit {commit})", config::FILE_NAME);
    Ok(Config::parse(&text, &origin)?)
}

/// Read the desired state of `rev`: its config and every key file under the mapped folders.
pub fn load(repo: &Repo, rev: Option<&str>) -> Result<Desired> {
    let (revision, rev_name) = resolve_target(repo, rev)?;
    let config = load_config(repo, &revision)?;
    let (entries, ignored_ephemeral) = walk(repo, &revision, &config)?;
    Ok(Desired {
        revision,
        rev_name,
        config,
        entries,
        ignored_ephemeral,
    })
}

/// A desired state whose key files may still be being listed: the revision and its
/// `netsync.toml` are read (their errors come first), and the walk of the mapped folders runs
/// on a thread of its own, so that a command can dial and read etcd meanwhile.
pub struct Loading {
    pub revision: Revision,
    pub rev_name: String,
    pub config: Config,
    walk: Walk,
}

enum Walk {
    Done(Result<Files>),
    Running(tokio::sync::oneshot::Receiver<Result<Files>>),
}

/// The managed keys → their files, and the files that name ephemeral keys.
type Files = (BTreeMap<Vec<u8>, DesiredEntry>, Vec<String>);

impl Loading {
    /// Resolve `rev`, read its config, and start walking its tree on another thread.
    pub fn start(repo: &Repo, rev: Option<&str>) -> Result<Self> {
        let (revision, rev_name) = resolve_target(repo, rev)?;
        let config = load_config(repo, &revision)?;
        let (send, receive) = tokio::sync::oneshot::channel();
        let (reader, rules) = (repo.reader(), config.clone());
        std::thread::spawn(move || {
            // The receiver is gone only when the command already failed.
            let _ = send.send(walk(&reader.repo(), &revision, &rules));
        });
        Ok(Self {
            revision,
            rev_name,
            config,
            walk: Walk::Running(receive),
        })
    }

    /// The desired state, once the walk is done.
    pub async fn wait(self) -> Result<Desired> {
        let files = match self.walk {
            Walk::Done(files) => files,
            Walk::Running(receive) => match receive.await {
                Ok(files) => files,
                // The thread panicked: say so as Rust would have.
                Err(_) => panic!("the walk of the desired state's tree panicked"),
            },
        };
        let (entries, ignored_ephemeral) = files?;
        Ok(Desired {
            revision: self.revision,
            rev_name: self.rev_name,
            config: self.config,
            entries,
            ignored_ephemeral,
        })
    }
}

impl From<Desired> for Loading {
    fn from(desired: Desired) -> Self {
        Self {
            revision: desired.revision,
            rev_name: desired.rev_name,
            config: desired.config,
            walk: Walk::Done(Ok((desired.entries, desired.ignored_ephemeral))),
        }
    }
}

/// Every key file of the mapped folders of `revision`, read under `config`.
fn walk(repo: &Repo, revision: &Revision, config: &Config) -> Result<Files> {
    let revision = *revision;
    let commit = short(&revision.commit);
    let mut entries: BTreeMap<Vec<u8>, DesiredEntry> = BTreeMap::new();
    let mut ignored_ephemeral = Vec::new();
    for mapping in &config.mappings {
        for file in repo.files_under(&revision, &mapping.dir)? {
            let rel = String::from_utf8_lossy(&file.path);
            let mut path = String::with_capacity(mapping.dir.len() + 1 + rel.len());
            path.push_str(&mapping.dir);
            path.push('/');
            path.push_str(&rel);
            let decoded = keypath::decode_bytes(&file.path).map_err(|source| Error::BadPath {
                path: path.clone(),
                commit: commit.clone(),
                source,
            })?;
            let mut key = Vec::with_capacity(mapping.prefix.len() + decoded.rest.len());
            key.extend_from_slice(&mapping.prefix);
            key.extend_from_slice(&decoded.rest);
            // A `.age` file is a secret even when no pattern names its key (stricter is
            // safe); a plain file for a key the patterns call secret is a leak in Git.
            if !decoded.secret && config.is_secret(&key) {
                return Err(Error::PlaintextSecret {
                    key: crate::keypath::display_key(&key),
                    path,
                    commit,
                });
            }
            if config.is_ephemeral(&key) {
                ignored_ephemeral.push(path);
                continue;
            }
            let entry = DesiredEntry {
                path,
                oid: file.oid,
                secret: decoded.secret,
            };
            // One descent per key (not `get` then `insert`): keys share long prefixes, so
            // every comparison is a memcmp, and this loop runs once per file.
            match entries.entry(key) {
                Entry::Occupied(previous) => {
                    return Err(Error::Duplicate {
                        key: crate::keypath::display_key(previous.key()),
                        commit,
                        first: previous.get().path.clone(),
                        second: entry.path,
                    });
                }
                Entry::Vacant(slot) => {
                    slot.insert(entry);
                }
            }
        }
    }
    Ok((entries, ignored_ephemeral))
}

/// A managed key whose file differs between two commits: its blob and whether it is an age
/// file, before and after (`None`: absent on that side).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Between {
    pub before: Option<(ObjectId, bool)>,
    pub after: Option<(ObjectId, bool)>,
}

/// The managed keys whose files differ between `from` and `to`, read under `config` (the key
/// rules of both), comparing only the subtrees whose ids differ: the cost follows the
/// change. `None` when a file that differs is no key file [`load`] would accept (a path
/// that does not decode, a key stored twice, a plain file for a secret key): the caller reads
/// the commit whole, which says why.
pub fn changed_between(
    repo: &Repo,
    config: &Config,
    from: &Revision,
    to: &Revision,
) -> Result<Option<BTreeMap<Vec<u8>, Between>>> {
    let mut out: BTreeMap<Vec<u8>, Between> = BTreeMap::new();
    for mapping in &config.mappings {
        for file in repo.files_changed_under(from, to, &mapping.dir)? {
            let Ok(decoded) = keypath::decode_bytes(&file.path) else {
                return Ok(None);
            };
            let mut key = Vec::with_capacity(mapping.prefix.len() + decoded.rest.len());
            key.extend_from_slice(&mapping.prefix);
            key.extend_from_slice(&decoded.rest);
            if config.is_ephemeral(&key) {
                continue;
            }
            if !decoded.secret && config.is_secret(&key) {
                return Ok(None);
            }
            let between = out.entry(key).or_insert(Between {
                before: None,
                after: None,
            });
            // A key gaining its first child moves from `a` to `a/%self`: two files, one key,
            // one on each side. Two on one side is a key stored twice.
            for (side, oid) in [
                (&mut between.before, file.old),
                (&mut between.after, file.new),
            ] {
                if let Some(oid) = oid {
                    if side.replace((oid, decoded.secret)).is_some() {
                        return Ok(None);
                    }
                }
            }
        }
    }
    Ok(Some(out))
}

/// The abbreviated commit id used in messages.
pub fn short(oid: &ObjectId) -> String {
    oid.to_hex_with_len(12).to_string()
}

/// The desired state of the sync point's `commit`, read with that commit's own
/// `netsync.toml`: the merge base of the three-way rule. `Ok(None)` when the repository lacks
/// the commit.
pub fn load_base(repo: &Repo, commit: &str) -> Result<Option<Desired>> {
    let Ok(oid) = ObjectId::from_hex(commit.as_bytes()) else {
        return Ok(None);
    };
    // Missing is `None`; present but damaged is an error (checked against its id).
    if !repo.has_commit(oid)? {
        return Ok(None);
    }
    load(repo, Some(commit)).map(Some)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_parse_as_midnight_utc_or_rfc3339() {
        assert_eq!(parse_date("1970-01-02"), Some(86_400));
        assert_eq!(parse_date("1970-01-01T00:01:00Z"), Some(60));
        assert_eq!(parse_date("main"), None);
        assert_eq!(parse_date("v1.2.3-rc"), None);
        assert_eq!(parse_date("2026-13-45"), None);
    }
}
