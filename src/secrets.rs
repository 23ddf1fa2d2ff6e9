//! Secret values: age encryption to the configured recipients, decryption with the user's
//! identities, the envelope that binds each plaintext to its etcd key, and the rules that
//! keep plaintext out of Git, logs and output.
//!
//! A secret file holds ASCII-armored age ciphertext of an *envelope*, not of the bare value:
//!
//! ```text
//! netsync-secret v1
//! key-base64: <standard base64 of the etcd key>
//!
//! <value bytes, exactly>
//! ```
//!
//! On decryption the key in the envelope must equal the key of the file's path, so a
//! ciphertext moved or copied to another key's file fails instead of deploying the wrong
//! credential.
//!
//! Deciding "unchanged" without decrypting (for `persist`, which has no private key): a secret
//! whose etcd `mod_revision` is not greater than the sync point's etcd revision has not been
//! written since the last sync, so its committed ciphertext stays byte for byte. Only keys
//! written after the sync point are re-encrypted (see [`crate::syncpoint::SyncPoint::unchanged`]).

use std::fmt;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::str::FromStr;

use age::armor::{ArmoredReader, ArmoredWriter, Format};
use base64::Engine as _;
use zeroize::Zeroizing;

use crate::config::Config;
use crate::git::{Repo, Revision};
use crate::keypath::display_key;

mod audit;
mod rekey;
mod set;
mod show;

/// Why `secret set`, `show` or `rekey` failed: a secret's own error, or the repository's.
#[derive(Debug, thiserror::Error)]
pub enum CommandError {
    #[error(transparent)]
    Secret(#[from] Error),
    #[error(transparent)]
    Git(#[from] crate::git::Error),
    #[error(transparent)]
    Desired(#[from] crate::desired::Error),
    #[error(transparent)]
    Config(#[from] crate::config::Error),
    #[error("{path} is a bare repository: it has no working tree to write the secret file into")]
    BareRepository { path: PathBuf },
    #[error("the value for {key} is empty; nothing was written")]
    EmptyValue { key: String },
    #[error("cannot write {path}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

pub use audit::{audit, header_stanzas, AuditReport, FileRecipient, SecretAudit, Stanza};
pub use rekey::{rekey, RekeyReport};
pub use set::{SetOptions, SetReport, SetTarget};
pub use show::show;

/// First line of every envelope.
const ENVELOPE_MAGIC: &str = "netsync-secret v1\n";
const KEY_FIELD: &str = "key-base64: ";
/// Prefix of a `secrets.recipients` entry naming a recipients file in the repository.
pub const FILE_PREFIX: &str = "file:";
/// Environment variable naming an identity file.
pub const IDENTITY_ENV: &str = "NETSYNC_IDENTITY_FILE";

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("no identity to decrypt {}: none given with --identity or {IDENTITY_ENV}, and {default} does not exist", list(keys))]
    NoIdentity { keys: Vec<String>, default: String },
    #[error(
        "cannot decrypt {}: none of the identities ({identities}) is among its recipients",
        list(keys)
    )]
    WrongIdentity {
        keys: Vec<String>,
        identities: String,
    },
    #[error(
        "the ciphertext of {} is corrupt or was tampered with ({reason})",
        list(keys)
    )]
    Corrupt { keys: Vec<String>, reason: String },
    #[error("ciphertext of {found} found at the path of {expected}: moved or copied{}",
        if *others > 0 { format!(" (and {others} more such file(s))") } else { String::new() })]
    Moved {
        found: String,
        expected: String,
        others: usize,
    },
    #[error("{origin}: recipient `{entry}` is not an age (age1…) or ssh (ssh-ed25519, ssh-rsa) public key: {reason}")]
    BadRecipient {
        origin: String,
        entry: String,
        reason: String,
    },
    #[error(
        "recipients file `{path}` named in secrets.recipients does not exist at commit {commit}"
    )]
    RecipientsFileMissing { path: String, commit: String },
    #[error("no recipients configured: `secrets.recipients` in netsync.toml is empty")]
    NoRecipients,
    #[error("cannot read identity file {path}")]
    IdentityRead {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{path} is not an age identity file or an unencrypted OpenSSH ed25519/rsa private key: {reason}")]
    IdentityParse { path: PathBuf, reason: String },
    #[error("cannot encrypt {key}: {reason}")]
    Encrypt { key: String, reason: String },
    #[error("{key} is under no mapping prefix of netsync.toml")]
    OutsideMappings { key: String },
    #[error("{key} matches no `secrets.keys` pattern of netsync.toml")]
    NotSecretKey { key: String },
    #[error("{key} has no file at {rev}")]
    NoSuchKey { key: String, rev: String },
    #[error("{key} is not a secret at {rev}: its file `{path}` is not an age file")]
    NotSealed {
        key: String,
        rev: String,
        path: String,
    },
    #[error("branch {branch} is checked out in {worktree}; rekey commits without a working tree and would leave it out of date")]
    CheckedOut { branch: String, worktree: PathBuf },
    #[error("HEAD is not on a branch and netsync.toml names none (`branch`): nothing to rekey")]
    NoBranch,
}

impl Error {
    /// Order in which failures of several secrets are reported: the most alarming first.
    fn rank(&self) -> u8 {
        match self {
            Error::Moved { .. } => 0,
            Error::Corrupt { .. } => 1,
            Error::WrongIdentity { .. } => 2,
            _ => 3,
        }
    }

    /// What the user can do about it.
    pub fn hints(&self) -> Vec<String> {
        match self {
            Error::NoIdentity { .. } => vec![format!(
                "pass --identity FILE or set {IDENTITY_ENV}; create one with `netsync secret keygen`"
            )],
            Error::WrongIdentity { .. } => vec![
                "use an identity whose public key is in `secrets.recipients`, or have a recipient run `netsync secret rekey`".into(),
            ],
            Error::Corrupt { .. } => vec![
                "restore the file from an earlier commit, or set the value again with `netsync secret set`".into(),
            ],
            Error::Moved { .. } => vec![
                "secret files cannot be copied or renamed between keys: set the value for the new key with `netsync secret set`".into(),
            ],
            Error::NoRecipients => {
                vec!["add public keys to `secrets.recipients` (see `netsync secret keygen`)".into()]
            }
            Error::NotSecretKey { .. } => vec![
                "add a matching pattern to `secrets.keys`, or pass --force to encrypt it anyway".into(),
            ],
            Error::CheckedOut { .. } => vec![
                "run rekey on a bare clone, or detach first: `git switch --detach`, rekey, `git switch -`".into(),
            ],
            _ => Vec::new(),
        }
    }
}

pub(crate) fn list(keys: &[String]) -> String {
    const SHOWN: usize = 5;
    let mut out = keys
        .iter()
        .take(SHOWN)
        .map(String::as_str)
        .collect::<Vec<_>>()
        .join(", ");
    if keys.len() > SHOWN {
        out.push_str(&format!(" and {} more", keys.len() - SHOWN));
    }
    out
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// The public keys secrets are encrypted to.
#[derive(Default)]
pub struct Recipients {
    list: Vec<Box<dyn age::Recipient + Send>>,
    /// What each of `list` is, in the same order: what `secret audit` compares files with.
    infos: Vec<RecipientInfo>,
}

/// The kind of a recipient, as age's stanza types name them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, schemars::JsonSchema)]
pub enum RecipientKind {
    #[serde(rename = "x25519")]
    X25519,
    #[serde(rename = "ssh-ed25519")]
    SshEd25519,
    #[serde(rename = "ssh-rsa")]
    SshRsa,
}

impl RecipientKind {
    /// The tag of the stanzas age writes for this kind.
    pub fn stanza_tag(self) -> &'static str {
        match self {
            RecipientKind::X25519 => "X25519",
            RecipientKind::SshEd25519 => "ssh-ed25519",
            RecipientKind::SshRsa => "ssh-rsa",
        }
    }
}

/// One configured recipient: what it is and how files name it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, schemars::JsonSchema)]
pub struct RecipientInfo {
    /// As written in the configuration (an ssh key keeps its comment).
    pub recipient: String,
    pub kind: RecipientKind,
    /// Where it is named: `secrets.recipients`, or the path of a `file:` recipients file.
    pub origin: String,
    /// First 8 bytes of the SHA-256 of the public key (without comment), in hex: how the
    /// record in each file's header ([`RECORD_STANZA`]) names it.
    pub fingerprint: String,
    /// For ssh keys, the tag age puts in the key's stanza (base64 of the first 4 bytes of
    /// the SHA-256 of the key's wire form): ssh stanzas say whose they are.
    #[serde(skip)]
    pub ssh_tag: Option<String>,
}

/// The type of the stanza netsync adds to every age header it writes, naming the
/// fingerprints of the recipients the file was encrypted to. age's X25519 stanzas are
/// anonymous by design, so without this record nobody can tell, short of holding each
/// private key, whom a file is encrypted to. age implementations ignore stanza types they do
/// not know (the format's rule; age itself adds random "grease" stanzas to keep it so), and
/// the header's MAC covers it.
pub const RECORD_STANZA: &str = "netsync-recipients";

/// The pseudo-recipient that writes [`RECORD_STANZA`]: it wraps no key.
struct Record(Vec<String>);

impl age::Recipient for Record {
    fn wrap_file_key(
        &self,
        _file_key: &age_core::format::FileKey,
    ) -> std::result::Result<
        (
            Vec<age_core::format::Stanza>,
            std::collections::HashSet<String>,
        ),
        age::EncryptError,
    > {
        let stanza = age_core::format::Stanza {
            tag: RECORD_STANZA.to_owned(),
            args: self.0.clone(),
            body: Vec::new(),
        };
        Ok((vec![stanza], std::collections::HashSet::new()))
    }
}

impl fmt::Debug for Recipients {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Recipients({})", self.list.len())
    }
}

impl Recipients {
    pub fn len(&self) -> usize {
        self.list.len()
    }

    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }

    /// What each recipient is, in configuration order.
    pub fn infos(&self) -> &[RecipientInfo] {
        &self.infos
    }

    /// Parse `secrets.recipients` entries: `age1…`, `ssh-ed25519 …`, `ssh-rsa …`, or
    /// `file:PATH`, a recipients file (one recipient per line, `#` comments) that `read_file`
    /// returns from the same committed revision as netsync.toml.
    pub fn parse(
        entries: &[String],
        mut read_file: impl FnMut(&str) -> Result<Vec<u8>>,
    ) -> Result<Self> {
        let mut recipients = Self::default();
        for entry in entries {
            if let Some(path) = entry.strip_prefix(FILE_PREFIX) {
                let bytes = read_file(path.trim())?;
                let text = String::from_utf8_lossy(&bytes);
                for line in text.lines().map(str::trim) {
                    if line.is_empty() || line.starts_with('#') {
                        continue;
                    }
                    recipients.push(line, path.trim())?;
                }
            } else {
                recipients.push(entry.trim(), "secrets.recipients")?;
            }
        }
        Ok(recipients)
    }

    fn push(&mut self, entry: &str, origin: &str) -> Result<()> {
        let (recipient, canonical, kind) = parse_recipient(entry, origin)?;
        let digest = sha2_digest(canonical.as_bytes());
        let ssh_tag = match kind {
            RecipientKind::X25519 => None,
            _ => canonical
                .split_whitespace()
                .nth(1)
                .and_then(|b64| base64::engine::general_purpose::STANDARD.decode(b64).ok())
                .map(|wire| {
                    base64::engine::general_purpose::STANDARD_NO_PAD
                        .encode(&sha2_digest(&wire)[..4])
                }),
        };
        self.list.push(recipient);
        self.infos.push(RecipientInfo {
            recipient: entry.to_owned(),
            kind,
            origin: origin.to_owned(),
            fingerprint: digest[..8].iter().map(|b| format!("{b:02x}")).collect(),
            ssh_tag,
        });
        Ok(())
    }

    /// The recipients `config` names, with recipients files read from `rev`.
    pub fn at(repo: &Repo, rev: &Revision, config: &Config) -> std::result::Result<Self, Error> {
        Self::parse(&config.secrets.recipients, |path| {
            match repo.read_file(rev.tree, path) {
                Ok(Some(bytes)) => Ok(bytes),
                _ => Err(Error::RecipientsFileMissing {
                    path: path.to_owned(),
                    commit: crate::desired::short(&rev.commit),
                }),
            }
        })
    }
}

/// A parsed recipient, its public key without comment, and its kind.
type Parsed = (Box<dyn age::Recipient + Send>, String, RecipientKind);

fn parse_recipient(entry: &str, origin: &str) -> Result<Parsed> {
    let bad = |reason: String| Error::BadRecipient {
        origin: origin.to_owned(),
        entry: entry.chars().take(40).collect(),
        reason,
    };
    if entry.starts_with("age1") {
        age::x25519::Recipient::from_str(entry)
            .map(|r| {
                let canonical = r.to_string();
                (Box::new(r) as _, canonical, RecipientKind::X25519)
            })
            .map_err(|e| bad(e.to_string()))
    } else if entry.starts_with("ssh-") {
        age::ssh::Recipient::from_str(entry)
            .map(|r| {
                let kind = match r {
                    age::ssh::Recipient::SshRsa(..) => RecipientKind::SshRsa,
                    age::ssh::Recipient::SshEd25519(..) => RecipientKind::SshEd25519,
                };
                let canonical = r.to_string();
                (Box::new(r) as _, canonical, kind)
            })
            .map_err(|e| bad(format!("{e:?}")))
    } else {
        Err(bad("unknown kind".to_owned()))
    }
}

fn sha2_digest(data: &[u8]) -> [u8; 32] {
    use sha2::Digest as _;
    sha2::Sha256::digest(data).into()
}

/// The private keys available to decrypt, and where they came from.
#[derive(Default)]
pub struct Identities {
    list: Vec<Box<dyn age::Identity + Send + Sync>>,
    sources: Vec<PathBuf>,
    /// The path that would have been used had none been given (for messages).
    default: Option<PathBuf>,
}

impl fmt::Debug for Identities {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Identities")
            .field("sources", &self.sources)
            .finish_non_exhaustive()
    }
}

/// `$XDG_CONFIG_HOME/netsync/identity.txt`, else `~/.config/netsync/identity.txt`.
pub fn default_identity_path() -> Option<PathBuf> {
    let base = std::env::var_os("XDG_CONFIG_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".config")))?;
    Some(base.join("netsync").join("identity.txt"))
}

impl Identities {
    /// No identity at all; decrypting then fails with [`Error::NoIdentity`].
    pub fn none() -> Self {
        Self {
            default: default_identity_path(),
            ..Self::default()
        }
    }

    /// Load identities: `explicit` files if any, else the file named by
    /// `NETSYNC_IDENTITY_FILE`, else the default path when it exists. Files readable by group
    /// or others get a warning.
    pub fn load(explicit: &[PathBuf]) -> Result<Self> {
        let default = default_identity_path();
        let paths: Vec<PathBuf> = if !explicit.is_empty() {
            explicit.to_vec()
        } else if let Some(env) = std::env::var_os(IDENTITY_ENV).filter(|v| !v.is_empty()) {
            vec![PathBuf::from(env)]
        } else {
            default.iter().filter(|p| p.exists()).cloned().collect()
        };
        let mut identities = Self {
            default,
            ..Self::default()
        };
        for path in paths {
            identities.add_file(&path)?;
        }
        Ok(identities)
    }

    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }

    fn add_file(&mut self, path: &Path) -> Result<()> {
        let read_err = |source| Error::IdentityRead {
            path: path.to_owned(),
            source,
        };
        warn_if_loose(path);
        let bytes = Zeroizing::new(std::fs::read(path).map_err(read_err)?);
        self.add_bytes(&bytes, path)
    }

    /// Parse identities from the content of a file (`path` is for messages).
    pub fn add_bytes(&mut self, bytes: &[u8], path: &Path) -> Result<()> {
        let parse_err = |reason: String| Error::IdentityParse {
            path: path.to_owned(),
            reason,
        };
        let is_ssh = bytes.starts_with(b"-----BEGIN OPENSSH PRIVATE KEY-----")
            || bytes.starts_with(b"-----BEGIN RSA PRIVATE KEY-----");
        if is_ssh {
            let identity = age::ssh::Identity::from_buffer(bytes, Some(path.display().to_string()))
                .map_err(|e| parse_err(e.to_string()))?;
            match identity {
                age::ssh::Identity::Unencrypted(_) => self.list.push(Box::new(identity)),
                age::ssh::Identity::Encrypted(_) => {
                    return Err(parse_err(
                        "passphrase-protected ssh keys are not supported; use an age identity"
                            .into(),
                    ))
                }
                age::ssh::Identity::Unsupported(_) => {
                    return Err(parse_err("unsupported ssh key type".into()))
                }
            }
        } else {
            let file = age::IdentityFile::from_buffer(bytes)
                .map_err(|e| parse_err(e.to_string()))?
                .into_identities()
                .map_err(|e| parse_err(e.to_string()))?;
            if file.is_empty() {
                return Err(parse_err("it holds no identity".into()));
            }
            self.list.extend(file);
        }
        self.sources.push(path.to_owned());
        Ok(())
    }

    /// The files the identities were read from.
    pub fn sources(&self) -> &[PathBuf] {
        &self.sources
    }

    fn describe(&self) -> String {
        self.sources
            .iter()
            .map(|p| p.display().to_string())
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// Warn when an identity file can be read by group or others.
fn warn_if_loose(path: &Path) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        if let Ok(meta) = std::fs::metadata(path) {
            let mode = meta.permissions().mode() & 0o777;
            if mode & 0o077 != 0 {
                tracing::warn!(
                    "identity file {} is readable by group or others (mode {mode:o}); run `chmod 600 {}`",
                    path.display(),
                    path.display()
                );
            }
        }
    }
    #[cfg(not(unix))]
    let _ = path;
}

/// A new X25519 identity in the format of `age-keygen`, and its public key.
pub fn keygen() -> (Zeroizing<String>, String) {
    use age::secrecy::ExposeSecret as _;
    let identity = age::x25519::Identity::generate();
    let public = identity.to_public().to_string();
    let created = humantime::format_rfc3339_seconds(std::time::SystemTime::now());
    let text = Zeroizing::new(format!(
        "# created: {created}\n# public key: {public}\n{}\n",
        identity.to_string().expose_secret()
    ));
    (text, public)
}

fn envelope(key: &[u8], value: &[u8]) -> Zeroizing<Vec<u8>> {
    let mut out = Zeroizing::new(Vec::with_capacity(value.len() + key.len() * 2 + 48));
    out.extend_from_slice(ENVELOPE_MAGIC.as_bytes());
    out.extend_from_slice(KEY_FIELD.as_bytes());
    out.extend_from_slice(
        base64::engine::general_purpose::STANDARD
            .encode(key)
            .as_bytes(),
    );
    out.extend_from_slice(b"\n\n");
    out.extend_from_slice(value);
    out
}

/// Split an envelope into (key, value); `None` when it is not one.
fn open_envelope(data: &[u8]) -> Option<(Vec<u8>, &[u8])> {
    let rest = data.strip_prefix(ENVELOPE_MAGIC.as_bytes())?;
    let rest = rest.strip_prefix(KEY_FIELD.as_bytes())?;
    let end = rest.iter().position(|&b| b == b'\n')?;
    let key = base64::engine::general_purpose::STANDARD
        .decode(&rest[..end])
        .ok()?;
    let value = rest[end + 1..].strip_prefix(b"\n")?;
    Some((key, value))
}

/// Encrypt `value` of `key` to `recipients`: armored age bytes of the envelope.
pub fn encrypt(key: &[u8], value: &[u8], recipients: &Recipients) -> Result<Vec<u8>> {
    let err = |reason: String| Error::Encrypt {
        key: display_key(key),
        reason,
    };
    if recipients.is_empty() {
        return Err(Error::NoRecipients);
    }
    // The record of whom the file is encrypted to, for `secret audit` (see RECORD_STANZA).
    let record = Record(
        recipients
            .infos
            .iter()
            .map(|i| i.fingerprint.clone())
            .collect(),
    );
    let encryptor = age::Encryptor::with_recipients(
        recipients
            .list
            .iter()
            .map(|r| r.as_ref() as &dyn age::Recipient)
            .chain([&record as &dyn age::Recipient]),
    )
    .map_err(|e| err(e.to_string()))?;
    let plaintext = envelope(key, value);
    let mut out = Vec::with_capacity(plaintext.len() * 2 + 512);
    let io = |e: std::io::Error| err(e.to_string());
    let armor = ArmoredWriter::wrap_output(&mut out, Format::AsciiArmor).map_err(io)?;
    let mut writer = encryptor.wrap_output(armor).map_err(io)?;
    writer.write_all(&plaintext).map_err(io)?;
    writer.finish().and_then(|a| a.finish()).map_err(io)?;
    Ok(out)
}

/// Decrypt the armored ciphertext of `key`'s file and check it was made for `key`.
pub fn decrypt(key: &[u8], armored: &[u8], identities: &Identities) -> Result<Zeroizing<Vec<u8>>> {
    let name = display_key(key);
    if identities.is_empty() {
        return Err(Error::NoIdentity {
            keys: vec![name],
            default: default_name(identities),
        });
    }
    let corrupt = |reason: String| Error::Corrupt {
        keys: vec![name.clone()],
        reason,
    };
    let decryptor = open_armor(&name, armored)?;
    let mut reader = decryptor
        .decrypt(identities.list.iter().map(|i| i.as_ref() as _))
        .map_err(|e| match e {
            age::DecryptError::NoMatchingKeys => Error::WrongIdentity {
                keys: vec![name.clone()],
                identities: identities.describe(),
            },
            e => corrupt(e.to_string()),
        })?;
    let mut plaintext = Zeroizing::new(Vec::new());
    reader
        .read_to_end(&mut plaintext)
        .map_err(|e| corrupt(e.to_string()))?;
    let Some((bound, value)) = open_envelope(&plaintext) else {
        return Err(corrupt(
            "decrypts, but is not a netsync secret envelope".into(),
        ));
    };
    if bound != key {
        return Err(Error::Moved {
            found: display_key(&bound),
            expected: name,
            others: 0,
        });
    }
    Ok(Zeroizing::new(value.to_vec()))
}

/// What can be checked of `key`'s armored ciphertext without a private key: that it is an
/// ASCII-armored age file whose header parses, encrypted to recipients. Its payload, and
/// the key it is bound to, take an identity to check ([`decrypt`]).
pub fn check_sealed(key: &[u8], armored: &[u8]) -> Result<()> {
    open_armor(&display_key(key), armored).map(drop)
}

/// The age decryptor of `armored` (the file of the key `name`), or why it is no age file.
fn open_armor<'a>(
    name: &str,
    armored: &'a [u8],
) -> Result<age::Decryptor<ArmoredReader<std::io::BufReader<&'a [u8]>>>> {
    let corrupt = |reason: String| Error::Corrupt {
        keys: vec![name.to_owned()],
        reason,
    };
    if !armored.starts_with(b"-----BEGIN AGE ENCRYPTED FILE-----") {
        return Err(corrupt("not an ASCII-armored age file".into()));
    }
    let decryptor = age::Decryptor::new_buffered(ArmoredReader::new(armored))
        .map_err(|e| corrupt(e.to_string()))?;
    if decryptor.is_scrypt() {
        return Err(corrupt(
            "encrypted with a passphrase, not to recipients".into(),
        ));
    }
    Ok(decryptor)
}

fn default_name(identities: &Identities) -> String {
    identities.default.as_ref().map_or_else(
        || "the default identity file".to_owned(),
        |p| p.display().to_string(),
    )
}

/// Decrypt every `(key, armored)` before anything is written; on failure, one error naming
/// every key that failed the same way (the most alarming kind first).
pub fn decrypt_all<'a>(
    items: impl IntoIterator<Item = (&'a [u8], &'a [u8])>,
    identities: &Identities,
) -> Result<Vec<Zeroizing<Vec<u8>>>> {
    let items: Vec<_> = items.into_iter().collect();
    if items.is_empty() {
        return Ok(Vec::new());
    }
    if identities.is_empty() {
        return Err(Error::NoIdentity {
            keys: items.iter().map(|(k, _)| display_key(k)).collect(),
            default: default_name(identities),
        });
    }
    // X25519 and ChaCha20 for each: on every core.
    let decrypted = crate::parallel::map_chunks(&items, 64, |part| {
        part.iter()
            .map(|(key, armored)| decrypt(key, armored, identities))
            .collect()
    });
    let mut values = Vec::with_capacity(items.len());
    let mut failures: Vec<Error> = Vec::new();
    for result in decrypted {
        match result {
            Ok(v) => values.push(v),
            Err(e) => failures.push(e),
        }
    }
    let Some(rank) = failures.iter().map(Error::rank).min() else {
        return Ok(values);
    };
    let mut same = failures.into_iter().filter(|e| e.rank() == rank);
    let mut first = same.next().expect("a failure of the minimum rank exists");
    for other in same {
        match (&mut first, other) {
            (Error::Moved { others, .. }, Error::Moved { .. }) => *others += 1,
            (Error::Corrupt { keys, .. }, Error::Corrupt { keys: more, .. })
            | (Error::WrongIdentity { keys, .. }, Error::WrongIdentity { keys: more, .. }) => {
                keys.extend(more)
            }
            _ => {}
        }
    }
    Err(first)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pair() -> (Identities, Recipients) {
        let identity = age::x25519::Identity::generate();
        let public = identity.to_public().to_string();
        let recipients = Recipients::parse(&[public], |_| unreachable!()).unwrap();
        let mut identities = Identities::default();
        use age::secrecy::ExposeSecret as _;
        identities
            .add_bytes(
                identity.to_string().expose_secret().as_bytes(),
                Path::new("t"),
            )
            .unwrap();
        (identities, recipients)
    }

    #[test]
    fn round_trip_is_armored_and_bound_to_the_key() {
        let (ids, rcpts) = pair();
        let armored = encrypt(b"/net/a", b"hunter2\x00\xff", &rcpts).unwrap();
        assert!(armored.starts_with(b"-----BEGIN AGE ENCRYPTED FILE-----"));
        assert!(!armored.windows(7).any(|w| w == b"hunter2"));
        assert_eq!(
            decrypt(b"/net/a", &armored, &ids).unwrap().as_slice(),
            b"hunter2\x00\xff"
        );
        let err = decrypt(b"/net/b", &armored, &ids).unwrap_err();
        assert_eq!(
            err.to_string(),
            "ciphertext of /net/a found at the path of /net/b: moved or copied"
        );
    }

    #[test]
    fn missing_wrong_and_tampered_are_distinct() {
        let (ids, rcpts) = pair();
        let (other, _) = pair();
        let armored = encrypt(b"/k", b"v", &rcpts).unwrap();
        assert!(matches!(
            decrypt(b"/k", &armored, &Identities::none()),
            Err(Error::NoIdentity { .. })
        ));
        assert!(matches!(
            decrypt(b"/k", &armored, &other),
            Err(Error::WrongIdentity { .. })
        ));
        let mut tampered = armored.clone();
        let i = tampered.len() - 40;
        tampered[i] = if tampered[i] == b'A' { b'B' } else { b'A' };
        assert!(matches!(
            decrypt(b"/k", &tampered, &ids),
            Err(Error::Corrupt { .. })
        ));
    }

    #[test]
    fn decrypt_all_names_every_key_of_the_worst_kind() {
        let (ids, rcpts) = pair();
        let (_, others) = pair();
        let a = encrypt(b"/a", b"1", &others).unwrap();
        let b = encrypt(b"/b", b"2", &others).unwrap();
        let c = encrypt(b"/c", b"3", &rcpts).unwrap();
        let err = decrypt_all(
            [(&b"/a"[..], &a[..]), (b"/b", &b[..]), (b"/c", &c[..])],
            &ids,
        )
        .unwrap_err();
        let text = err.to_string();
        assert!(text.contains("/a, /b") && !text.contains("/c"), "{text}");
        let err = decrypt_all([(&b"/x"[..], &c[..]), (b"/a", &a[..])], &ids).unwrap_err();
        assert!(matches!(err, Error::Moved { .. }), "{err}");
    }

    #[test]
    fn recipients_parse_kinds_and_files() {
        let ssh = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHsKLqeplhpW+uObz5dvMgjz1OxfM/XXUB+VHtZ6isGN ops@example";
        let r = Recipients::parse(&[ssh.to_owned(), "file:keys.txt".to_owned()], |path| {
            assert_eq!(path, "keys.txt");
            Ok(
                b"# ops\nage1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p\n\n"
                    .to_vec(),
            )
        })
        .unwrap();
        assert_eq!(r.len(), 2);
        let err = Recipients::parse(&["pgp:xyz".to_owned()], |_| unreachable!()).unwrap_err();
        assert!(err.to_string().contains("pgp:xyz"), "{err}");
    }

    #[test]
    fn keygen_matches_age_keygen_format() {
        let (text, public) = keygen();
        let lines: Vec<&str> = text.lines().collect();
        assert!(lines[0].starts_with("# created: "));
        assert_eq!(lines[1], format!("# public key: {public}"));
        assert!(lines[2].starts_with("AGE-SECRET-KEY-1"));
    }
}
