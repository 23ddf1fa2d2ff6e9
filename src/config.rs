//! `netsync.toml`: parse, validate, and answer questions about keys.

use std::ops::Range;
use std::path::PathBuf;
use std::time::Duration;

use globset::{GlobBuilder, GlobSet, GlobSetBuilder};
use serde::Deserialize;
use toml::de::{DeTable, DeValue};
use toml::Spanned;

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

/// `[etcd]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EtcdSettings {
    /// `None` when the file does not say; the CLI then decides (flags, environment).
    pub endpoints: Option<Vec<String>>,
    pub max_txn_ops: usize,
    pub max_request_bytes: usize,
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
    pub remotes: Vec<String>,
    /// `Name <email>`.
    pub author: Option<String>,
    pub message: Option<String>,
    /// Refuse to record the deletion of more than this fraction (0.0..=1.0) of the managed
    /// keys in one persist (the mass-delete guard, apply's prune guard in the other direction).
    pub max_delete_fraction: f64,
}

impl Default for PersistSettings {
    fn default() -> Self {
        PersistSettings {
            remotes: Vec::new(),
            author: None,
            message: None,
            max_delete_fraction: DEFAULT_MAX_DELETE_FRACTION,
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
# Refuse to record the deletion of more than this fraction of the managed keys
# in one persist (an accidental `etcdctl del --prefix` must not become the backup).
# max_delete_fraction = 0.25

# [etcd]
# endpoints = ["http://127.0.0.1:2379"]
# max_txn_ops = 128            # keep equal to the server's --max-txn-ops
# max_request_bytes = 1572864  # keep equal to the server's --max-request-bytes
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

// ---------------------------------------------------------------------------------------------
// What serde reads. Everything that needs checking after deserialization keeps its span so the
// error can point at it.

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    version: Spanned<u32>,
    branch: Option<Spanned<String>>,
    mapping: Option<Spanned<Vec<Spanned<RawMapping>>>>,
    ephemeral: Option<RawEphemeral>,
    secrets: Option<RawSecrets>,
    apply: Option<RawApply>,
    etcd: Option<RawEtcd>,
    persist: Option<RawPersist>,
    state: Option<RawState>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawMapping {
    prefix: Spanned<String>,
    dir: Spanned<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEphemeral {
    #[serde(default)]
    keys: Vec<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSecrets {
    #[serde(default)]
    keys: Vec<Spanned<String>>,
    #[serde(default)]
    recipients: Vec<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawApply {
    // f64 also accepts TOML integers, so `max_delete_fraction = 1` works.
    max_delete_fraction: Option<Spanned<f64>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEtcd {
    endpoints: Option<Spanned<Vec<Spanned<String>>>>,
    max_txn_ops: Option<Spanned<usize>>,
    max_request_bytes: Option<Spanned<usize>>,
    dial_timeout: Option<Spanned<String>>,
    command_timeout: Option<Spanned<String>>,
    cacert: Option<Spanned<String>>,
    cert: Option<Spanned<String>>,
    key: Option<Spanned<String>>,
    user: Option<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPersist {
    #[serde(default)]
    remotes: Vec<Spanned<String>>,
    author: Option<Spanned<String>>,
    message: Option<Spanned<String>>,
    max_delete_fraction: Option<Spanned<f64>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawState {
    prefix: Option<Spanned<String>>,
}

// ---------------------------------------------------------------------------------------------
// Positions.

#[derive(Clone, Copy)]
struct Source<'a> {
    text: &'a str,
    origin: &'a str,
}

impl Source<'_> {
    /// 1-based line and column (in characters) of a byte offset.
    fn line_col(&self, offset: usize) -> (usize, usize) {
        let mut offset = offset.min(self.text.len());
        // Spans come from the TOML parser and should sit on char boundaries; stay safe anyway.
        while !self.text.is_char_boundary(offset) {
            offset -= 1;
        }
        let before = &self.text[..offset];
        let line = before.matches('\n').count() + 1;
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        let col = before[line_start..].chars().count() + 1;
        (line, col)
    }

    fn invalid(&self, span: &Range<usize>, field: &str, message: String) -> Error {
        let (line, col) = self.line_col(span.start);
        Error::Invalid {
            origin: self.origin.to_owned(),
            line,
            col,
            field: field.to_owned(),
            message,
        }
    }

    fn location(&self, span: &Range<usize>) -> String {
        let (line, col) = self.line_col(span.start);
        format!("{}:{line}:{col}", self.origin)
    }

    /// Turns a serde error into one that names its field. serde's messages name the field for
    /// unknown and missing fields; for the rest (wrong type, out-of-range integer) the field is
    /// found from the error's position in the document tree.
    fn serde_error(&self, e: &toml::de::Error, tree: &Spanned<DeTable<'_>>) -> Error {
        let span = e.span().unwrap_or(0..0);
        let message = e.message();
        let mut sites = Vec::new();
        collect_sites(tree.get_ref(), "", &mut sites);
        let missing = backticked_after(message, "missing field ");
        let site = if missing.is_some() {
            // The span is the header of the table lacking the field, or empty for the root.
            sites.iter().find(|s| !span.is_empty() && s.value == span)
        } else {
            sites
                .iter()
                .filter(|s| contains(&s.key, span.start) || contains(&s.value, span.start))
                .min_by_key(|s| s.value.len().min(s.key.len().max(1)))
        };
        let path = site.map_or("", |s| s.path.as_str());
        let named = |name: &str| -> String {
            if path.is_empty() {
                name.to_owned()
            } else {
                format!("{path}.{name}")
            }
        };
        if let Some(name) = missing {
            let field = named(name);
            let message = match site {
                Some(s) if s.array_item => format!("{message} in `[[{path}]]`"),
                Some(_) => format!("{message} in `[{path}]`"),
                None => message.to_owned(),
            };
            return self.invalid(&span, &field, message);
        }
        if message.starts_with("unknown field ") {
            // The span is the key itself, so `path` is already the full path of the bad key.
            return self.invalid(&span, path, message.to_owned());
        }
        let field = if path.is_empty() { "(document)" } else { path };
        self.invalid(&span, field, format!("`{field}`: {message}"))
    }
}

/// Where a key and its value sit in the document, and the key's dotted path (array indices
/// left out: the line number already tells which element).
struct Site {
    path: String,
    /// An element of an array, such as one `[[mapping]]`.
    array_item: bool,
    key: Range<usize>,
    value: Range<usize>,
}

fn contains(range: &Range<usize>, offset: usize) -> bool {
    range.contains(&offset) || (range.is_empty() && range.start == offset)
}

fn collect_sites(table: &DeTable<'_>, prefix: &str, out: &mut Vec<Site>) {
    for (key, value) in table.iter() {
        let path = if prefix.is_empty() {
            key.get_ref().to_string()
        } else {
            format!("{prefix}.{}", key.get_ref())
        };
        out.push(Site {
            path: path.clone(),
            array_item: false,
            key: key.span(),
            value: value.span(),
        });
        collect_value_sites(value, &path, out);
    }
}

fn collect_value_sites(value: &Spanned<DeValue<'_>>, path: &str, out: &mut Vec<Site>) {
    match value.get_ref() {
        DeValue::Table(table) => collect_sites(table, path, out),
        DeValue::Array(items) => {
            for item in items.iter() {
                // Array elements have no key; an empty key span never wins over the value.
                out.push(Site {
                    path: path.to_owned(),
                    array_item: true,
                    key: 0..0,
                    value: item.span(),
                });
                collect_value_sites(item, path, out);
            }
        }
        _ => {}
    }
}

/// `name` from a message like ``missing field `name` ``.
fn backticked_after<'m>(message: &'m str, lead: &str) -> Option<&'m str> {
    let rest = message.strip_prefix(lead)?.strip_prefix('`')?;
    rest.split('`').next()
}

// ---------------------------------------------------------------------------------------------
// Validation.

struct Validator<'a> {
    src: Source<'a>,
    warnings: Vec<String>,
}

impl Validator<'_> {
    fn config(mut self, raw: RawConfig) -> Result<Config, Error> {
        let version = *raw.version.get_ref();
        if version != SUPPORTED_VERSION {
            return Err(self.src.invalid(
                &raw.version.span(),
                "version",
                format!(
                    "unsupported `version` {version}: this netsync reads version \
                     {SUPPORTED_VERSION} only"
                ),
            ));
        }
        let branch = match raw.branch {
            Some(b) => {
                check_ref_name(b.get_ref()).map_err(|why| {
                    self.src
                        .invalid(&b.span(), "branch", format!("`branch`: {why}"))
                })?;
                Some(b.into_inner())
            }
            None => None,
        };
        let mappings = self.mappings(raw.mapping)?;
        let ephemeral = match raw.ephemeral {
            Some(e) => self.patterns(&e.keys, "ephemeral.keys", &mappings)?,
            None => Patterns::default(),
        };
        let secrets = match raw.secrets {
            Some(s) => self.secrets(s, &mappings)?,
            None => Secrets::default(),
        };
        let apply = match raw.apply {
            Some(a) => self.apply(a)?,
            None => ApplySettings::default(),
        };
        let etcd = match raw.etcd {
            Some(e) => self.etcd(e)?,
            None => EtcdSettings::default(),
        };
        let persist = match raw.persist {
            Some(p) => self.persist(p)?,
            None => PersistSettings::default(),
        };
        let state_prefix = self.state_prefix(raw.state.and_then(|s| s.prefix), &mappings)?;
        Ok(Config {
            version,
            branch,
            mappings,
            ephemeral,
            secrets,
            apply,
            etcd,
            persist,
            state_prefix,
            warnings: self.warnings,
        })
    }

    fn mappings(
        &mut self,
        raw: Option<Spanned<Vec<Spanned<RawMapping>>>>,
    ) -> Result<Vec<Mapping>, Error> {
        let (span, raw) = match raw {
            Some(r) => (r.span(), r.into_inner()),
            None => (0..0, Vec::new()),
        };
        if raw.is_empty() {
            return Err(self.src.invalid(
                &span,
                "mapping",
                "no `[[mapping]]`: at least one is needed to tie an etcd prefix to a folder"
                    .to_owned(),
            ));
        }
        // (mapping, span of its prefix, span of its dir), to point back at earlier entries.
        let mut seen: Vec<(Mapping, Range<usize>, Range<usize>)> = Vec::new();
        for entry in raw {
            let entry = entry.into_inner();
            let (prefix_span, prefix) = (entry.prefix.span(), entry.prefix.into_inner());
            let (dir_span, dir) = (entry.dir.span(), entry.dir.into_inner());
            if prefix.is_empty() {
                return Err(self.src.invalid(
                    &prefix_span,
                    "mapping.prefix",
                    "`mapping.prefix` is empty; it would cover every key in etcd".to_owned(),
                ));
            }
            if !prefix.ends_with('/') {
                self.warnings.push(format!(
                    "{}: `mapping.prefix` {prefix:?} does not end in `/`, so it also covers keys \
                     such as {:?}",
                    self.src.location(&prefix_span),
                    format!("{prefix}x")
                ));
            }
            check_dir(&dir).map_err(|why| {
                self.src.invalid(
                    &dir_span,
                    "mapping.dir",
                    format!("`mapping.dir` {dir:?} {why}"),
                )
            })?;
            for (other, other_prefix_span, other_dir_span) in &seen {
                if overlaps(&other.prefix, prefix.as_bytes()) {
                    return Err(self.src.invalid(
                        &prefix_span,
                        "mapping.prefix",
                        format!(
                            "`mapping.prefix` {prefix:?} overlaps {:?} (line {}): a key would \
                             belong to both mappings",
                            String::from_utf8_lossy(&other.prefix),
                            self.src.line_col(other_prefix_span.start).0
                        ),
                    ));
                }
                if dirs_nest(&other.dir, &dir) {
                    let how = if other.dir == dir {
                        "is the same as"
                    } else {
                        "nests with"
                    };
                    return Err(self.src.invalid(
                        &dir_span,
                        "mapping.dir",
                        format!(
                            "`mapping.dir` {dir:?} {how} {:?} (line {}): a file would belong to \
                             both mappings",
                            other.dir,
                            self.src.line_col(other_dir_span.start).0
                        ),
                    ));
                }
            }
            seen.push((
                Mapping {
                    prefix: prefix.into_bytes(),
                    dir,
                },
                prefix_span,
                dir_span,
            ));
        }
        Ok(seen.into_iter().map(|(m, _, _)| m).collect())
    }

    fn patterns(
        &mut self,
        raw: &[Spanned<String>],
        field: &str,
        mappings: &[Mapping],
    ) -> Result<Patterns, Error> {
        let mut builder = GlobSetBuilder::new();
        let mut sources = Vec::with_capacity(raw.len());
        for pattern in raw {
            let span = pattern.span();
            let text = pattern.get_ref();
            if text.is_empty() {
                return Err(self
                    .src
                    .invalid(&span, field, format!("`{field}`: empty pattern")));
            }
            let glob = GlobBuilder::new(text)
                .literal_separator(true)
                .backslash_escape(true)
                .build()
                .map_err(|e| self.src.invalid(&span, field, format!("`{field}`: {e}")))?;
            builder.add(glob);
            // Only a heuristic: a pattern whose fixed start lies outside every mapping most
            // likely has a typo, but one starting with a glob could still match something.
            let literal_end = text.find(['*', '?', '[', '{', '\\']).unwrap_or(text.len());
            let literal = &text.as_bytes()[..literal_end];
            if !mappings.iter().any(|m| overlaps(&m.prefix, literal)) {
                self.warnings.push(format!(
                    "{}: `{field}` pattern {text:?} is outside every mapping prefix, so it \
                     matches no managed key",
                    self.src.location(&span)
                ));
            }
            sources.push(text.clone());
        }
        let set = builder.build().map_err(|e| {
            let span = raw.first().map_or(0..0, |p| p.span());
            self.src.invalid(&span, field, format!("`{field}`: {e}"))
        })?;
        Ok(Patterns { set, sources })
    }

    fn secrets(&mut self, raw: RawSecrets, mappings: &[Mapping]) -> Result<Secrets, Error> {
        let keys = self.patterns(&raw.keys, "secrets.keys", mappings)?;
        let mut recipients = Vec::with_capacity(raw.recipients.len());
        for r in raw.recipients {
            if r.get_ref().trim().is_empty() {
                return Err(self.src.invalid(
                    &r.span(),
                    "secrets.recipients",
                    "`secrets.recipients`: empty recipient".to_owned(),
                ));
            }
            recipients.push(r.into_inner());
        }
        Ok(Secrets { keys, recipients })
    }

    fn apply(&mut self, raw: RawApply) -> Result<ApplySettings, Error> {
        let mut apply = ApplySettings::default();
        if let Some(f) = raw.max_delete_fraction {
            apply.max_delete_fraction = self.fraction(f, "apply.max_delete_fraction")?;
        }
        Ok(apply)
    }

    /// A fraction of the managed keys, 0.0..=1.0.
    fn fraction(&mut self, f: Spanned<f64>, field: &str) -> Result<f64, Error> {
        let value = *f.get_ref();
        // `contains` is false for NaN, which TOML can spell as `nan`.
        if !(0.0..=1.0).contains(&value) {
            return Err(self.src.invalid(
                &f.span(),
                field,
                format!("`{field}` must be between 0.0 and 1.0, got {value}"),
            ));
        }
        Ok(value)
    }

    fn etcd(&mut self, raw: RawEtcd) -> Result<EtcdSettings, Error> {
        let mut etcd = EtcdSettings::default();
        if let Some(list) = raw.endpoints {
            if list.get_ref().is_empty() {
                return Err(self.src.invalid(
                    &list.span(),
                    "etcd.endpoints",
                    "`etcd.endpoints` is empty; list at least one endpoint or leave it out"
                        .to_owned(),
                ));
            }
            let mut endpoints = Vec::with_capacity(list.get_ref().len());
            for e in list.into_inner() {
                let text = e.get_ref();
                if text.is_empty() || text.chars().any(|c| c.is_whitespace() || c.is_control()) {
                    return Err(self.src.invalid(
                        &e.span(),
                        "etcd.endpoints",
                        format!("`etcd.endpoints`: {text:?} is not an endpoint"),
                    ));
                }
                endpoints.push(e.into_inner());
            }
            etcd.endpoints = Some(endpoints);
        }
        if let Some(n) = raw.max_txn_ops {
            if *n.get_ref() == 0 {
                return Err(self.src.invalid(
                    &n.span(),
                    "etcd.max_txn_ops",
                    "`etcd.max_txn_ops` must be at least 1".to_owned(),
                ));
            }
            etcd.max_txn_ops = n.into_inner();
        }
        if let Some(n) = raw.max_request_bytes {
            if *n.get_ref() < MIN_REQUEST_BYTES {
                return Err(self.src.invalid(
                    &n.span(),
                    "etcd.max_request_bytes",
                    format!(
                        "`etcd.max_request_bytes` must be at least {MIN_REQUEST_BYTES}, got {}",
                        n.get_ref()
                    ),
                ));
            }
            etcd.max_request_bytes = n.into_inner();
        }
        if let Some(d) = raw.dial_timeout {
            etcd.dial_timeout = Some(self.duration(&d, "etcd.dial_timeout")?);
        }
        if let Some(d) = raw.command_timeout {
            etcd.command_timeout = Some(self.duration(&d, "etcd.command_timeout")?);
        }
        etcd.cacert = self.path(raw.cacert, "etcd.cacert")?;
        etcd.cert = self.path(raw.cert, "etcd.cert")?;
        etcd.key = self.path(raw.key, "etcd.key")?;
        if let Some(user) = raw.user {
            if user.get_ref().is_empty() || user.get_ref().contains(':') {
                return Err(self.src.invalid(
                    &user.span(),
                    "etcd.user",
                    "`etcd.user` must be a user name alone: a password never goes in netsync.toml \
                     (use NETSYNC_PASSWORD or the prompt)"
                        .to_owned(),
                ));
            }
            etcd.user = Some(user.into_inner());
        }
        Ok(etcd)
    }

    fn path(&self, raw: Option<Spanned<String>>, field: &str) -> Result<Option<PathBuf>, Error> {
        match raw {
            Some(p) if p.get_ref().is_empty() => Err(self.src.invalid(
                &p.span(),
                field,
                format!("`{field}` is empty; give a path or leave it out"),
            )),
            Some(p) => Ok(Some(PathBuf::from(p.into_inner()))),
            None => Ok(None),
        }
    }

    fn duration(&self, raw: &Spanned<String>, field: &str) -> Result<Duration, Error> {
        parse_duration(raw.get_ref()).map_err(|why| {
            self.src.invalid(
                &raw.span(),
                field,
                format!("`{field}` {:?}: {why}", raw.get_ref()),
            )
        })
    }

    fn persist(&mut self, raw: RawPersist) -> Result<PersistSettings, Error> {
        let mut remotes: Vec<String> = Vec::with_capacity(raw.remotes.len());
        for r in raw.remotes {
            let name = r.get_ref();
            check_ref_name(name).map_err(|why| {
                self.src.invalid(
                    &r.span(),
                    "persist.remotes",
                    format!("`persist.remotes`: {why}"),
                )
            })?;
            if remotes.contains(name) {
                return Err(self.src.invalid(
                    &r.span(),
                    "persist.remotes",
                    format!("`persist.remotes`: {name:?} is listed twice"),
                ));
            }
            remotes.push(r.into_inner());
        }
        let author = match raw.author {
            Some(a) => {
                check_author(a.get_ref()).map_err(|why| {
                    self.src.invalid(
                        &a.span(),
                        "persist.author",
                        format!("`persist.author` {:?} {why}", a.get_ref()),
                    )
                })?;
                Some(a.into_inner())
            }
            None => None,
        };
        let message = match raw.message {
            Some(m) if m.get_ref().trim().is_empty() => {
                return Err(self.src.invalid(
                    &m.span(),
                    "persist.message",
                    "`persist.message` is empty; leave it out for the default".to_owned(),
                ));
            }
            Some(m) => Some(m.into_inner()),
            None => None,
        };
        let max_delete_fraction = match raw.max_delete_fraction {
            Some(f) => self.fraction(f, "persist.max_delete_fraction")?,
            None => DEFAULT_MAX_DELETE_FRACTION,
        };
        Ok(PersistSettings {
            remotes,
            author,
            message,
            max_delete_fraction,
        })
    }

    fn state_prefix(
        &mut self,
        raw: Option<Spanned<String>>,
        mappings: &[Mapping],
    ) -> Result<Vec<u8>, Error> {
        let Some(raw) = raw else {
            let prefix = DEFAULT_STATE_PREFIX.as_bytes();
            if let Some(m) = mappings.iter().find(|m| overlaps(&m.prefix, prefix)) {
                // No span to point at: the default is implicit, so point at the start and say
                // how to fix it.
                return Err(self.src.invalid(
                    &(0..0),
                    "state.prefix",
                    format!(
                        "the default `state.prefix` {DEFAULT_STATE_PREFIX:?} overlaps mapping \
                         prefix {:?}; set `[state] prefix` to a prefix outside every mapping",
                        String::from_utf8_lossy(&m.prefix)
                    ),
                ));
            }
            return Ok(prefix.to_vec());
        };
        let span = raw.span();
        let prefix = raw.into_inner();
        if prefix.is_empty() {
            return Err(self.src.invalid(
                &span,
                "state.prefix",
                "`state.prefix` is empty; it would overlap every mapping".to_owned(),
            ));
        }
        if let Some(m) = mappings
            .iter()
            .find(|m| overlaps(&m.prefix, prefix.as_bytes()))
        {
            return Err(self.src.invalid(
                &span,
                "state.prefix",
                format!(
                    "`state.prefix` {prefix:?} overlaps mapping prefix {:?}: netsync's own keys \
                     must stay outside every mapping",
                    String::from_utf8_lossy(&m.prefix)
                ),
            ));
        }
        Ok(prefix.into_bytes())
    }
}

/// Whether two repository dirs are equal or one contains the other.
fn dirs_nest(a: &str, b: &str) -> bool {
    let inside = |outer: &str, inner: &str| {
        inner
            .strip_prefix(outer)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
    };
    inside(a, b) || inside(b, a)
}

/// A mapping dir must name a real folder in the Git tree, written one way only, so that paths
/// compare as plain strings.
fn check_dir(dir: &str) -> Result<(), &'static str> {
    if dir.is_empty() {
        return Err("is empty");
    }
    if dir.starts_with('/') {
        return Err("must be relative to the repository root (no leading `/`)");
    }
    if dir.ends_with('/') {
        return Err("must not end in `/`");
    }
    if dir.contains('\\') {
        return Err("must use `/` as separator, not `\\`");
    }
    if dir.chars().any(char::is_control) {
        return Err("must not contain NUL or other control characters");
    }
    for component in dir.split('/') {
        match component {
            "" => return Err("must not contain empty components (`//`)"),
            "." | ".." => return Err("must not contain `.` or `..` components"),
            // `.git` cannot be tracked, and hidden folders are where tools keep their own
            // state; keeping keys out of them avoids surprises.
            c if c.starts_with('.') => return Err("must not contain components starting with `.`"),
            _ => {}
        }
    }
    if dir == FILE_NAME || dir.starts_with(&format!("{FILE_NAME}/")) {
        return Err("is the configuration file itself");
    }
    Ok(())
}

/// A subset of `git check-ref-format` for one branch or remote name: enough to catch typos and
/// names Git would refuse, without reimplementing Git.
fn check_ref_name(name: &str) -> Result<(), String> {
    let bad = |why: &str| Err(format!("{name:?} is not a valid Git name: {why}"));
    if name.is_empty() {
        return bad("it is empty");
    }
    if name.starts_with('-') {
        return bad("it starts with `-`");
    }
    if name.starts_with('/') || name.ends_with('/') || name.contains("//") {
        return bad("leading, trailing or doubled `/`");
    }
    if name.ends_with('.') || name.ends_with(".lock") || name.contains("..") || name == "@" {
        return bad("`..`, `@`, or a trailing `.` or `.lock`");
    }
    if name.split('/').any(|c| c.starts_with('.')) {
        return bad("a component starts with `.`");
    }
    if name.contains("@{") {
        return bad("it contains `@{`");
    }
    if let Some(c) = name
        .chars()
        .find(|c| c.is_whitespace() || c.is_control() || "~^:?*[\\".contains(*c))
    {
        return bad(&format!("it contains {c:?}"));
    }
    Ok(())
}

/// `Name <email>`, the form Git uses for authors.
fn check_author(author: &str) -> Result<(), &'static str> {
    const FORM: &str = "must look like `Name <email>`";
    let inner = author.strip_suffix('>').ok_or(FORM)?;
    let (name, email) = inner.split_once('<').ok_or(FORM)?;
    let name = name.trim();
    if name.is_empty() || email.is_empty() {
        return Err(FORM);
    }
    if name.contains(['<', '>']) || email.contains(['<', '>']) {
        return Err(FORM);
    }
    if author.chars().any(char::is_control) || email.chars().any(char::is_whitespace) {
        return Err(FORM);
    }
    Ok(())
}

/// `500ms`, `5s`, `2m`, `1h`: a positive whole number and a unit, nothing else, so that what
/// the file says is what netsync does.
fn parse_duration(text: &str) -> Result<Duration, String> {
    const FORM: &str = "expected a whole number and a unit, such as \"500ms\", \"5s\", \"2m\" or \
                        \"1h\"";
    let digits_end = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (digits, unit) = text.split_at(digits_end);
    if digits.is_empty() {
        return Err(FORM.to_owned());
    }
    let n: u64 = digits.parse().map_err(|_| "number too large".to_owned())?;
    let secs_per_unit = match unit {
        "ms" => return positive(Duration::from_millis(n)),
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        _ => return Err(FORM.to_owned()),
    };
    let secs = n
        .checked_mul(secs_per_unit)
        .ok_or_else(|| "number too large".to_owned())?;
    positive(Duration::from_secs(secs))
}

fn positive(d: Duration) -> Result<Duration, String> {
    if d.is_zero() {
        Err("must be greater than zero".to_owned())
    } else {
        Ok(d)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ORIGIN: &str = "netsync.toml";

    fn parse(text: &str) -> Config {
        match Config::parse(text, ORIGIN) {
            Ok(c) => c,
            Err(e) => panic!("expected a valid config, got: {e}"),
        }
    }

    /// Parses `text`, expects an error, and checks it names the origin, position and field.
    fn error(text: &str, line: usize, col: usize, field: &str) -> String {
        let err = match Config::parse(text, ORIGIN) {
            Ok(_) => panic!("expected an error for:\n{text}"),
            Err(e) => e,
        };
        let message = err.to_string();
        assert!(
            message.starts_with(&format!("{ORIGIN}:{line}:{col}: ")),
            "wrong position in {message:?}, wanted {line}:{col}"
        );
        match &err {
            Error::Invalid { field: f, .. } => {
                assert_eq!(f, field, "field of {message:?}");
                let leaf = field.rsplit('.').next().unwrap_or(field);
                assert!(message.contains(leaf), "{message:?} does not name {field}");
            }
            Error::Syntax { .. } => assert_eq!(field, "", "{message:?} is a syntax error"),
        }
        message
    }

    const MINIMAL: &str = "version = 1\n[[mapping]]\nprefix = \"/net/\"\ndir = \"kv\"\n";

    const README_EXAMPLE: &str = r#"# netsync.toml — at the root of the repository
version = 1
branch = "main"

[[mapping]]
prefix = "/net/"
dir = "kv"

[[mapping]]
prefix = "/dns/"
dir = "dns/zones"

[ephemeral]
keys = ["/net/sessions/**", "/net/nodes/*/heartbeat"]

[apply]
max_delete_fraction = 0.25

[etcd]
endpoints = ["http://127.0.0.1:2379"]
max_txn_ops = 128
max_request_bytes = 1572864
dial_timeout = "5s"
command_timeout = "30s"

[state]
prefix = "/netsync/"

[secrets]
keys = ["/net/users/*/password"]
recipients = ["age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p"]

[persist]
remotes = ["origin"]
author = "netsync <netsync@example.com>"
message = "Record changes made in etcd"
"#;

    #[test]
    fn readme_example_parses() {
        let c = parse(README_EXAMPLE);
        assert_eq!(c.version, 1);
        assert_eq!(c.branch.as_deref(), Some("main"));
        assert_eq!(
            c.mappings,
            vec![
                Mapping {
                    prefix: b"/net/".to_vec(),
                    dir: "kv".into()
                },
                Mapping {
                    prefix: b"/dns/".to_vec(),
                    dir: "dns/zones".into()
                },
            ]
        );
        assert_eq!(
            c.ephemeral.sources(),
            ["/net/sessions/**", "/net/nodes/*/heartbeat"]
        );
        assert_eq!(c.apply.max_delete_fraction, 0.25);
        assert_eq!(
            c.etcd,
            EtcdSettings {
                endpoints: Some(vec!["http://127.0.0.1:2379".into()]),
                max_txn_ops: 128,
                max_request_bytes: 1_572_864,
                dial_timeout: Some(Duration::from_secs(5)),
                command_timeout: Some(Duration::from_secs(30)),
                cacert: None,
                cert: None,
                key: None,
                user: None,
            }
        );
        assert_eq!(c.state_prefix, b"/netsync/");
        assert!(c.is_secret(b"/net/users/alice/password"));
        assert_eq!(c.secrets.recipients.len(), 1);
        assert_eq!(c.persist.remotes, ["origin"]);
        assert_eq!(
            c.persist.author.as_deref(),
            Some("netsync <netsync@example.com>")
        );
        assert!(c.warnings().is_empty(), "{:?}", c.warnings());
    }

    #[test]
    fn defaults() {
        let c = parse(MINIMAL);
        assert_eq!(c.branch, None);
        assert!(c.ephemeral.is_empty());
        assert!(c.secrets.keys.is_empty());
        assert_eq!(
            c.apply,
            ApplySettings {
                max_delete_fraction: 0.25
            }
        );
        assert_eq!(c.etcd, EtcdSettings::default());
        assert_eq!(c.etcd.max_txn_ops, 128);
        assert_eq!(c.etcd.max_request_bytes, 1_572_864);
        assert_eq!(c.etcd.dial_timeout, None);
        assert_eq!(c.etcd.command_timeout, None);
        assert_eq!(c.persist, PersistSettings::default());
        assert_eq!(c.state_prefix, b"/netsync/");
        assert!(!c.is_ephemeral(b"/net/x"));
        assert!(!c.is_secret(b"/net/x"));
    }

    #[test]
    fn template_parses() {
        let c = parse(&Config::template("/net/", "kv", "main"));
        assert_eq!(
            c.mappings,
            vec![Mapping {
                prefix: b"/net/".to_vec(),
                dir: "kv".into()
            }]
        );
        assert_eq!(c.branch.as_deref(), Some("main"));
        assert!(c.warnings().is_empty(), "{:?}", c.warnings());
        // Awkward input still yields a file that reads back as given.
        let c = parse(&Config::template(
            "/a \"quoted\"\\\t/",
            "odd dir",
            "release/1.x",
        ));
        assert_eq!(c.mappings[0].prefix, b"/a \"quoted\"\\\t/");
        // A mapping that would swallow the default state prefix gets another one.
        let c = parse(&Config::template("/", "all", "main"));
        assert!(!overlaps(&c.state_prefix, b"/"));
    }

    #[test]
    fn syntax_error() {
        let m = error("version = 1\n[etcd\n", 2, 6, "");
        assert!(m.contains("unclosed table"), "{m}");
        let m = error("version = 1\nversion = 1\n", 2, 1, "");
        assert!(m.contains("duplicate key"), "{m}");
    }

    #[test]
    fn unknown_field() {
        let text = "version = 1\n[[mapping]]\nprefix = \"/a/\"\ndir = \"kv\"\n\n[[mapping]]\n\
                    prefx = \"/b/\"\ndir = \"x\"\n";
        let m = error(text, 7, 1, "mapping.prefx");
        assert_eq!(
            m,
            "netsync.toml:7:1: unknown field `prefx`, expected `prefix` or `dir`"
        );
        error(
            &format!("{MINIMAL}[etcd]\ntimeout = \"5s\"\n"),
            6,
            1,
            "etcd.timeout",
        );
        error(&format!("colour = 1\n{MINIMAL}"), 1, 1, "colour");
        error(
            &format!("{MINIMAL}[stat]\nprefix = \"/s/\"\n"),
            5,
            2,
            "stat",
        );
    }

    #[test]
    fn missing_field() {
        let m = error(
            "version = 1\n[[mapping]]\nprefix = \"/a/\"\n",
            2,
            1,
            "mapping.dir",
        );
        assert!(m.contains("missing field `dir`"), "{m}");
        let m = error(
            "[[mapping]]\nprefix = \"/a/\"\ndir = \"kv\"\n",
            1,
            1,
            "version",
        );
        assert!(m.contains("missing field `version`"), "{m}");
    }

    #[test]
    fn wrong_type() {
        let m = error("version = \"1\"\n", 1, 11, "version");
        assert!(m.contains("invalid type"), "{m}");
        let m = error(
            &format!("{MINIMAL}[etcd]\nmax_txn_ops = -1\n"),
            6,
            15,
            "etcd.max_txn_ops",
        );
        assert!(m.contains("`etcd.max_txn_ops`"), "{m}");
        error(
            &format!("{MINIMAL}[ephemeral]\nkeys = [\"/net/a\", 3]\n"),
            6,
            19,
            "ephemeral.keys",
        );
        error(
            &format!("{MINIMAL}[etcd]\ndial_timeout = 5\n"),
            6,
            16,
            "etcd.dial_timeout",
        );
    }

    #[test]
    fn unsupported_version() {
        let m = error(
            &MINIMAL.replace("version = 1", "version = 2"),
            1,
            11,
            "version",
        );
        assert!(m.contains("version 1"), "{m}");
    }

    #[test]
    fn no_mapping() {
        let m = error("version = 1\n", 1, 1, "mapping");
        assert!(m.contains("[[mapping]]"), "{m}");
        error("version = 1\nmapping = []\n", 2, 11, "mapping");
    }

    #[test]
    fn empty_prefix() {
        error(
            "version = 1\n[[mapping]]\nprefix = \"\"\ndir = \"kv\"\n",
            3,
            10,
            "mapping.prefix",
        );
    }

    #[test]
    fn bad_dirs() {
        for dir in [
            "",
            "/kv",
            "kv/",
            "./kv",
            "kv/./x",
            "kv/../x",
            "..",
            "kv//x",
            ".git",
            ".hidden",
            "kv/.git",
            "k\\v",
            "k\u{0}v",
            "netsync.toml",
        ] {
            let text = format!("version = 1\n[[mapping]]\nprefix = \"/a/\"\ndir = {}\n", {
                toml_string(dir)
            });
            let m = error(&text, 4, 7, "mapping.dir");
            assert!(m.contains("`mapping.dir`"), "{m}");
        }
    }

    #[test]
    fn nested_or_duplicate_dirs() {
        for (a, b) in [("kv", "kv"), ("kv", "kv/x"), ("kv/x", "kv")] {
            let text = format!(
                "version = 1\n[[mapping]]\nprefix = \"/a/\"\ndir = \"{a}\"\n\
                 [[mapping]]\nprefix = \"/b/\"\ndir = \"{b}\"\n"
            );
            let m = error(&text, 7, 7, "mapping.dir");
            assert!(m.contains("(line 4)"), "names the first: {m}");
        }
        // Sharing a name prefix is not nesting.
        parse(
            "version = 1\n[[mapping]]\nprefix = \"/a/\"\ndir = \"kv\"\n\
             [[mapping]]\nprefix = \"/b/\"\ndir = \"kvx\"\n",
        );
    }

    #[test]
    fn overlapping_prefixes() {
        for (a, b) in [
            ("/net/", "/net/x/"),
            ("/net/x/", "/net/"),
            ("/net", "/network"),
            ("/a/", "/a/"),
        ] {
            let text = format!(
                "version = 1\n[[mapping]]\nprefix = \"{a}\"\ndir = \"one\"\n\
                 [[mapping]]\nprefix = \"{b}\"\ndir = \"two\"\n"
            );
            let m = error(&text, 6, 10, "mapping.prefix");
            assert!(m.contains(a) && m.contains(b), "names both: {m}");
            assert!(m.contains("(line 3)"), "points at the first: {m}");
        }
    }

    #[test]
    fn bad_glob() {
        let text = format!("{MINIMAL}[ephemeral]\nkeys = [\"/net/[ab\"]\n");
        let m = error(&text, 6, 9, "ephemeral.keys");
        assert!(m.contains("unclosed character class"), "{m}");
        let text = format!("{MINIMAL}[secrets]\nkeys = [\"/net/{{a\"]\n");
        error(&text, 6, 9, "secrets.keys");
    }

    #[test]
    fn bad_numbers_and_durations() {
        for bad in ["-0.1", "1.5", "nan"] {
            let text = format!("{MINIMAL}[apply]\nmax_delete_fraction = {bad}\n");
            error(&text, 6, 23, "apply.max_delete_fraction");
        }
        let ok = parse(&format!("{MINIMAL}[apply]\nmax_delete_fraction = 1\n"));
        assert_eq!(ok.apply.max_delete_fraction, 1.0);
        error(
            &format!("{MINIMAL}[etcd]\nmax_txn_ops = 0\n"),
            6,
            15,
            "etcd.max_txn_ops",
        );
        error(
            &format!("{MINIMAL}[etcd]\nmax_request_bytes = 1023\n"),
            6,
            21,
            "etcd.max_request_bytes",
        );
        for bad in [
            "5",
            "s",
            "5 s",
            "1.5s",
            "0s",
            "5d",
            "-5s",
            "99999999999999999999s",
        ] {
            let text = format!("{MINIMAL}[etcd]\ncommand_timeout = \"{bad}\"\n");
            error(&text, 6, 19, "etcd.command_timeout");
        }
        error(
            &format!("{MINIMAL}[etcd]\nendpoints = []\n"),
            6,
            13,
            "etcd.endpoints",
        );
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(parse_duration("5s"), Ok(Duration::from_secs(5)));
        assert_eq!(parse_duration("2m"), Ok(Duration::from_secs(120)));
        assert_eq!(parse_duration("1h"), Ok(Duration::from_secs(3600)));
    }

    #[test]
    fn state_prefix_overlap() {
        let text = format!("{MINIMAL}[state]\nprefix = \"/net/netsync/\"\n");
        error(&text, 6, 10, "state.prefix");
        error(
            &format!("{MINIMAL}[state]\nprefix = \"/\"\n"),
            6,
            10,
            "state.prefix",
        );
        // The implicit default can collide too.
        let text = "version = 1\n[[mapping]]\nprefix = \"/\"\ndir = \"all\"\n";
        error(text, 1, 1, "state.prefix");
        let c = parse(&format!("{text}[state]\nprefix = \"netsync/\"\n"));
        assert_eq!(c.state_prefix, b"netsync/");
    }

    #[test]
    fn persist_max_delete_fraction() {
        assert_eq!(parse(MINIMAL).persist.max_delete_fraction, 0.25);
        for bad in ["-0.1", "1.5", "nan"] {
            let text = format!("{MINIMAL}[persist]\nmax_delete_fraction = {bad}\n");
            error(&text, 6, 23, "persist.max_delete_fraction");
        }
        let ok = parse(&format!("{MINIMAL}[persist]\nmax_delete_fraction = 0.5\n"));
        assert_eq!(ok.persist.max_delete_fraction, 0.5);
        assert_eq!(
            ok.apply.max_delete_fraction, 0.25,
            "each direction has its own"
        );
    }

    #[test]
    fn branch_and_reserved_sections() {
        error(&format!("branch = \"a b\"\n{MINIMAL}"), 1, 10, "branch");
        error(&format!("branch = \"\"\n{MINIMAL}"), 1, 10, "branch");
        for bad in ["netsync", "<a@b>", "Name <>", "Name <a@b", "Name <a b>"] {
            let text = format!("{MINIMAL}[persist]\nauthor = \"{bad}\"\n");
            error(&text, 6, 10, "persist.author");
        }
        error(
            &format!("{MINIMAL}[persist]\nremotes = [\"a\", \"a\"]\n"),
            6,
            17,
            "persist.remotes",
        );
        error(
            &format!("{MINIMAL}[persist]\nmessage = \" \"\n"),
            6,
            11,
            "persist.message",
        );
        error(
            &format!("{MINIMAL}[secrets]\nrecipients = [\"\"]\n"),
            6,
            15,
            "secrets.recipients",
        );
        error(
            &format!("{MINIMAL}[secrets]\nrecipients = \"x\"\n"),
            6,
            14,
            "secrets.recipients",
        );
    }

    #[test]
    fn warnings() {
        let text = "version = 1\n[[mapping]]\nprefix = \"/net\"\ndir = \"kv\"\n\
                    [ephemeral]\nkeys = [\"/net/s/**\", \"/other/**\", \"**/heartbeat\", \"/n*\"]\n\
                    [state]\nprefix = \"/.netsync/\"\n";
        let c = parse(text);
        let w = c.warnings();
        assert_eq!(w.len(), 2, "{w:?}");
        assert!(
            w[0].starts_with("netsync.toml:3:10: ") && w[0].contains("\"/netx\""),
            "{w:?}"
        );
        assert!(
            w[1].starts_with("netsync.toml:6:22: ") && w[1].contains("/other/**"),
            "{w:?}"
        );
    }

    #[test]
    fn mapping_for_key() {
        let c = parse(
            "version = 1\n[[mapping]]\nprefix = \"/net/\"\ndir = \"kv\"\n\
             [[mapping]]\nprefix = \"/network/\"\ndir = \"nw\"\n",
        );
        let dir = |key: &[u8]| c.mapping_for_key(key).map(|m| m.dir.as_str());
        assert_eq!(dir(b"/net/a"), Some("kv"));
        assert_eq!(dir(b"/network/x"), Some("nw"));
        assert_eq!(dir(b"/net/\xff"), Some("kv"));
        assert_eq!(dir(b"/net\xff"), None);
        assert_eq!(dir(b"/net"), None);
        assert_eq!(dir(b"/netsync/lock"), None);
    }

    #[test]
    fn mapping_for_path() {
        let c = parse(
            "version = 1\n[[mapping]]\nprefix = \"/net/\"\ndir = \"kv\"\n\
             [[mapping]]\nprefix = \"/dns/\"\ndir = \"dns/zones\"\n",
        );
        let at = |p| {
            c.mapping_for_path(p)
                .map(|(m, rest)| (m.dir.as_str(), rest))
        };
        assert_eq!(at("kv/users/x"), Some(("kv", "users/x")));
        assert_eq!(at("dns/zones/a"), Some(("dns/zones", "a")));
        assert_eq!(at("kv"), None);
        assert_eq!(at("kv/"), None);
        assert_eq!(at("kvx/a"), None);
        assert_eq!(at("dns/a"), None);
        assert_eq!(at("netsync.toml"), None);
    }

    #[test]
    fn is_ephemeral() {
        let c = parse(&format!(
            "{MINIMAL}[ephemeral]\nkeys = [\"/net/sessions/**\", \"/net/nodes/*/heartbeat\"]\n"
        ));
        assert!(c.is_ephemeral(b"/net/sessions/a"));
        assert!(c.is_ephemeral(b"/net/sessions/a/b/c"));
        assert!(c.is_ephemeral(b"/net/nodes/n1/heartbeat"));
        // `*` does not cross `/`.
        assert!(!c.is_ephemeral(b"/net/nodes/rack1/n1/heartbeat"));
        assert!(!c.is_ephemeral(b"/net/nodes/n1/heartbeat/x"));
        assert!(!c.is_ephemeral(b"/net/sessionsx/a"));
        // Keys need not be UTF-8.
        assert!(c.is_ephemeral(b"/net/sessions/\xff\xfe"));
        assert!(c.is_ephemeral(b"/net/nodes/\xff/heartbeat"));
        assert!(!c.is_ephemeral(b"/net/nodes/\xff/x/heartbeat"));
    }

    #[test]
    fn line_col_counts_characters() {
        let src = Source {
            text: "é = 1\nab",
            origin: ORIGIN,
        };
        assert_eq!(src.line_col(0), (1, 1));
        assert_eq!(src.line_col(3), (1, 3));
        assert_eq!(src.line_col(1), (1, 1));
        assert_eq!(src.line_col(8), (2, 2));
        assert_eq!(src.line_col(100), (2, 3));
    }
}
