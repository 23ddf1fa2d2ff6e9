//! `netsync.toml`: parse, validate, and answer questions about keys.

use std::ops::Range;
use std::path::PathBuf;
use std::time::Duration;

use globset::{GlobBuilder, GlobSet, GlobSetBuilder};
use serde::Deserialize;
use toml::de::{DeTable, DeValue};
use toml::Spanned;

mod raw;
mod source;
#[cfg(test)]
mod tests;
mod validate;

use raw::*;
use source::*;
use validate::*;

/// Name of the configuration file, at the root of the repository.
pub const FILE_NAME: &str = "netsync.toml";

/// The only file format version this build understands.
pub const SUPPORTED_VERSION: u32 = 1;

/// Where netsync keeps its own keys when `[state] prefix` is not set.
pub const DEFAULT_STATE_PREFIX: &str = "/netsync/";

/// Prune guard used when `[apply] max_delete_fraction` is not set.
pub const DEFAULT_MAX_DELETE_FRACTION: f64 = 0.25;

/// etcd's own default for `--max-txn-ops`.
pub const DEFAULT_MAX_TXN_OPS: usize = 128;

/// etcd's own default for `--max-request-bytes` (1.5 MiB).
pub const DEFAULT_MAX_REQUEST_BYTES: usize = 1_572_864;

/// Guarded transactions `apply` and `restore` keep in flight at once, when neither
/// `etcd.txns_in_flight` nor `--txns-in-flight` says otherwise. Chosen by measurement
/// (docs/performance.md): etcd folds concurrent proposals into one Raft entry and one disk
/// sync, and beyond this many the gain is gone while a slow member holds more writes at once.
pub const DEFAULT_TXNS_IN_FLIGHT: usize = 8;

/// Most transactions accepted in flight: far beyond any gain, and a bound on what one run
/// asks of the cluster at once.
pub const MAX_TXNS_IN_FLIGHT: usize = 256;

/// Smallest accepted `max_request_bytes`: below this not even one ordinary key fits in a request.
const MIN_REQUEST_BYTES: usize = 1024;

/// Used when neither flags, environment nor `etcd.dial_timeout` say otherwise.
pub const DEFAULT_DIAL_TIMEOUT: Duration = Duration::from_secs(5);
/// Used when neither flags, environment nor `etcd.command_timeout` say otherwise.
pub const DEFAULT_COMMAND_TIMEOUT: Duration = Duration::from_secs(30);

/// A parsed and validated `netsync.toml`.
#[derive(Debug, Clone)]
pub struct Config {
    pub version: u32,
    /// The branch `apply` deploys by default and `persist` commits to.
    pub branch: Option<String>,
    /// Never empty; prefixes never overlap and dirs never nest.
    pub mappings: Vec<Mapping>,
    /// Keys that are never written and never pruned.
    pub ephemeral: Patterns,
    pub secrets: Secrets,
    pub apply: ApplySettings,
    pub etcd: EtcdSettings,
    pub persist: PersistSettings,
    /// Where netsync keeps its own keys; outside every mapping prefix.
    pub state_prefix: Vec<u8>,
    warnings: Vec<String>,
}

/// An etcd key prefix and the repository folder that mirrors it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mapping {
    pub prefix: Vec<u8>,
    /// Relative, normalized, `/`-separated, never empty.
    pub dir: String,
}

/// A set of glob patterns over whole etcd keys: `*` stays within one `/`-separated segment, `**`
/// crosses segments.
#[derive(Debug, Clone, Default)]
pub struct Patterns {
    set: GlobSet,
    sources: Vec<String>,
}

/// `[secrets]`: reserved for value encryption; parsed and shape-checked only.
#[derive(Debug, Clone, Default)]
pub struct Secrets {
    pub keys: Patterns,
    pub recipients: Vec<String>,
}

/// `[apply]`.
#[derive(Debug, Clone, PartialEq)]
pub struct ApplySettings {
    /// Refuse to delete more than this fraction (0.0..=1.0) of the managed keys in one apply.
    pub max_delete_fraction: f64,
}

impl Config {
    /// Whether `other` maps keys to files and tells managed, ephemeral and secret keys apart
    /// the same way: then a commit read under either names the same keys.
    pub fn same_key_rules(&self, other: &Config) -> bool {
        self.mappings == other.mappings
            && format!("{:?}", self.ephemeral) == format!("{:?}", other.ephemeral)
            && format!("{:?}", self.secrets.keys) == format!("{:?}", other.secrets.keys)
    }
}

/// `[etcd]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EtcdSettings {
    /// `None` when the file does not say; the CLI then decides (flags, environment).
    pub endpoints: Option<Vec<String>>,
    pub max_txn_ops: usize,
    pub max_request_bytes: usize,
    /// Guarded transactions `apply` and `restore` keep in flight at once (1: one at a time).
    pub txns_in_flight: usize,
    /// `None` when the file does not say (then [`DEFAULT_DIAL_TIMEOUT`] unless flags or
    /// environment say otherwise).
    pub dial_timeout: Option<Duration>,
    /// `None` when the file does not say (then [`DEFAULT_COMMAND_TIMEOUT`]).
    pub command_timeout: Option<Duration>,
    /// CA bundle (PEM) to verify the servers with; relative paths are relative to the
    /// directory netsync runs in.
    pub cacert: Option<PathBuf>,
    /// Client certificate (PEM); needs `key`.
    pub cert: Option<PathBuf>,
    /// Client private key (PEM); needs `cert`.
    pub key: Option<PathBuf>,
    /// etcd user name. Never a password: passwords do not belong in Git.
    pub user: Option<String>,
}

/// `[persist]`: how `netsync persist` commits and where it pushes.
#[derive(Debug, Clone, PartialEq)]
pub struct PersistSettings {
    /// Remote names, URLs or paths (relative to the repository); the first is the primary.
    pub remotes: Vec<String>,
    /// Entries of `persist.remotes` that are none of those, each with its located message:
    /// `persist` refuses to run, `status` shows them as failing remotes.
    pub invalid_remotes: Vec<InvalidRemote>,
    /// `Name <email>`.
    pub author: Option<String>,
    pub message: Option<String>,
    /// Refuse to record the deletion of more than this fraction (0.0..=1.0) of the managed
    /// keys in one persist (the mass-delete guard, apply's prune guard in the other direction).
    pub max_delete_fraction: f64,
    /// An SSH private key on the persist hosts (an absolute path) to sign each commit with,
    /// as `git commit -S` with `gpg.format=ssh` would: a history every commit of which an
    /// allowed signer signed, netsync's own included.
    pub signing_key: Option<PathBuf>,
}

/// An entry of `persist.remotes` that is not a remote name, URL or path.
#[derive(Debug, Clone, PartialEq)]
pub struct InvalidRemote {
    pub entry: String,
    /// `netsync.toml:12:11: …`, as a configuration error reads.
    pub message: String,
}

impl Default for PersistSettings {
    fn default() -> Self {
        PersistSettings {
            remotes: Vec::new(),
            invalid_remotes: Vec::new(),
            author: None,
            message: None,
            max_delete_fraction: DEFAULT_MAX_DELETE_FRACTION,
            signing_key: None,
        }
    }
}

/// Why a `netsync.toml` was rejected. Lines and columns are 1-based; `origin` is whatever the
/// caller passed to [`Config::parse`] (e.g. `netsync.toml (at commit abc1234)`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// Not valid TOML.
    #[error("{origin}:{line}:{col}: {message}")]
    Syntax {
        origin: String,
        line: usize,
        col: usize,
        message: String,
    },
    /// Valid TOML, but not a valid netsync configuration. `message` always names `field`.
    #[error("{origin}:{line}:{col}: {message}")]
    Invalid {
        origin: String,
        line: usize,
        col: usize,
        field: String,
        message: String,
    },
}

impl Default for ApplySettings {
    fn default() -> Self {
        ApplySettings {
            max_delete_fraction: DEFAULT_MAX_DELETE_FRACTION,
        }
    }
}

impl Default for EtcdSettings {
    fn default() -> Self {
        EtcdSettings {
            endpoints: None,
            max_txn_ops: DEFAULT_MAX_TXN_OPS,
            max_request_bytes: DEFAULT_MAX_REQUEST_BYTES,
            txns_in_flight: DEFAULT_TXNS_IN_FLIGHT,
            dial_timeout: None,
            command_timeout: None,
            cacert: None,
            cert: None,
            key: None,
            user: None,
        }
    }
}

impl Patterns {
    /// Whether any pattern matches the whole key.
    pub fn is_match(&self, key: &[u8]) -> bool {
        !self.sources.is_empty() && self.set.is_match(key_as_path(key))
    }

    pub fn is_empty(&self) -> bool {
        self.sources.is_empty()
    }

    /// The patterns as written in the file.
    pub fn sources(&self) -> &[String] {
        &self.sources
    }
}

/// etcd keys are arbitrary bytes; globset matches paths, which on Unix are arbitrary bytes too,
/// so a non-UTF-8 key is matched as is rather than lossily converted.
#[cfg(unix)]
fn key_as_path(key: &[u8]) -> std::borrow::Cow<'_, std::path::Path> {
    use std::os::unix::ffi::OsStrExt;
    std::borrow::Cow::Borrowed(std::path::Path::new(std::ffi::OsStr::from_bytes(key)))
}

#[cfg(not(unix))]
fn key_as_path(key: &[u8]) -> std::borrow::Cow<'_, std::path::Path> {
    let text = String::from_utf8_lossy(key).into_owned();
    std::borrow::Cow::Owned(std::path::PathBuf::from(text))
}

impl Config {
    /// Parses and validates the text of a `netsync.toml`. `origin` names the file in error
    /// messages, e.g. `netsync.toml` or `netsync.toml (at commit abc1234)`.
    pub fn parse(text: &str, origin: &str) -> Result<Config, Error> {
        let src = Source { text, origin };
        // Parse the document tree first: it reports syntax errors on their own, and it maps
        // positions back to key paths so that type errors from serde can name their field.
        let tree = DeTable::parse(text).map_err(|e| {
            let (line, col) = src.line_col(e.span().map_or(0, |s| s.start));
            Error::Syntax {
                origin: origin.to_owned(),
                line,
                col,
                message: e.message().to_owned(),
            }
        })?;
        let raw: RawConfig = toml::from_str(text).map_err(|e| src.serde_error(&e, &tree))?;
        Validator {
            src,
            warnings: Vec::new(),
        }
        .config(raw)
    }

    /// Things that are allowed but probably not meant, one line each, prefixed with the origin
    /// and position like errors are.
    pub fn warnings(&self) -> &[String] {
        &self.warnings
    }

    /// The mapping whose prefix the key starts with (prefixes never overlap, so at most one).
    pub fn mapping_for_key(&self, key: &[u8]) -> Option<&Mapping> {
        self.mappings.iter().find(|m| key.starts_with(&m.prefix))
    }

    /// The mapping whose dir contains this repository path (`kv/users/x` → mapping `kv`, rest
    /// path `users/x`). The dir itself (`kv`) is not inside it, so it yields `None`.
    pub fn mapping_for_path<'a>(&self, path: &'a str) -> Option<(&Mapping, &'a str)> {
        self.mappings.iter().find_map(|m| {
            let rest = path.strip_prefix(m.dir.as_str())?.strip_prefix('/')?;
            (!rest.is_empty()).then_some((m, rest))
        })
    }

    /// Whether the key matches an `[ephemeral] keys` pattern: never written, never pruned.
    pub fn is_ephemeral(&self, key: &[u8]) -> bool {
        self.ephemeral.is_match(key)
    }

    /// Whether the key matches a `[secrets] keys` pattern.
    pub fn is_secret(&self, key: &[u8]) -> bool {
        self.secrets.keys.is_match(key)
    }

    /// The text `netsync init` writes: a commented file with one mapping. The arguments are not
    /// validated here; parse the result to check them.
    pub fn template(prefix: &str, dir: &str, branch: &str) -> String {
        // The default state prefix would be rejected if it overlaps the mapping (e.g. a mapping
        // of `/`), so pick one that does not. Candidates start with different bytes, and a single
        // prefix can only overlap candidates sharing its first byte, so one always fits.
        let state = ["/netsync/", "_netsync/", "netsync/"]
            .into_iter()
            .find(|s| !overlaps(s.as_bytes(), prefix.as_bytes()))
            .unwrap_or(DEFAULT_STATE_PREFIX);
        let state_line = if state == DEFAULT_STATE_PREFIX {
            format!("# prefix = {}", toml_string(state))
        } else {
            format!("prefix = {}", toml_string(state))
        };
        let state_header = if state == DEFAULT_STATE_PREFIX {
            "# [state]"
        } else {
            "[state]"
        };
        let example = toml_string(&format!("{prefix}sessions/**"));
        format!(
            r#"# netsync.toml: how this repository mirrors etcd.
# Commented-out sections are optional; the values shown are the defaults,
# except where marked as an example.

# Format version of this file.
version = 1

# The branch `netsync apply` deploys by default and `netsync persist` commits to.
branch = {branch}

# Each [[mapping]] mirrors every etcd key under `prefix` into files under `dir`:
# the key <prefix>a/b lives in the file <dir>/a/b. Add more [[mapping]] blocks as
# needed; prefixes must not overlap and dirs must not nest.
[[mapping]]
prefix = {prefix}
dir = {dir}

# Keys netsync never writes and never prunes, e.g. state that services keep for
# themselves. Glob patterns over whole keys: `*` stays within one `/` segment,
# `**` crosses segments.
# [ephemeral]
# keys = [{example}]   # example

# [apply]
# Refuse to delete more than this fraction of the managed keys in one apply.
# max_delete_fraction = 0.25

# [persist]
# Where `netsync persist` pushes its commits: remote names, URLs or paths (relative
# to this repository); the first is the primary and must accept every push.
# remotes = ["origin", "ssh://git@backup.example.net/net/network.git"]   # example
# author = "netsync <netsync@core-1.example.net>"   # default: netsync <netsync@HOSTNAME>
# message = "Record operational changes from etcd"   # example; the commit's summary line
# Refuse to record the deletion of more than this fraction of the managed keys
# in one persist (an accidental `etcdctl del --prefix` must not become the backup).
# max_delete_fraction = 0.25
# Sign each commit with this SSH private key on the persist hosts, as `git commit -S`
# with gpg.format=ssh does, so that `apply --allowed-signers` can trust persist's commits.
# signing_key = "/etc/netsync/signing_key"   # example; create one with ssh-keygen -t ed25519

# [secrets]
# Keys whose values are stored encrypted with age (`<file>.age`), never in
# plaintext: glob patterns over whole keys, as for [ephemeral].
# keys = ["/net/users/*/password"]   # example
# Who can decrypt them: age X25519 public keys, ssh-ed25519/ssh-rsa public keys,
# or `file:PATH` for a recipients file in this repository.
# recipients = ["age1...", "file:keys/recipients.txt"]   # example; create one with `netsync secret keygen`

# [etcd]
# endpoints = ["http://127.0.0.1:2379"]
# max_txn_ops = 128            # keep equal to the server's --max-txn-ops
# max_request_bytes = 1572864  # keep equal to the server's --max-request-bytes
# txns_in_flight = 8           # transactions apply and restore keep in flight at once
# dial_timeout = "5s"
# command_timeout = "30s"
# TLS and auth (flags and NETSYNC_*/ETCDCTL_* variables take precedence):
# cacert = "/etc/etcd/pki/ca.crt"          # example
# cert = "/etc/etcd/pki/netsync.crt"       # example
# key = "/etc/etcd/pki/netsync.key"        # example
# user = "netsync"   # example; the password comes from NETSYNC_PASSWORD or a prompt, never from here

# Where netsync keeps its own keys (sync point, lock); must be outside every
# mapping prefix.
{state_header}
{state_line}
"#,
            branch = toml_string(branch),
            prefix = toml_string(prefix),
            dir = toml_string(dir),
        )
    }
}

/// A TOML basic string holding exactly `s`.
fn toml_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => out.push_str(&format!("\\u{:04X}", u32::from(c))),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Whether one key prefix is a byte-prefix of the other: then some key falls under both.
fn overlaps(a: &[u8], b: &[u8]) -> bool {
    a.starts_with(b) || b.starts_with(a)
}
