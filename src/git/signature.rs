//! Commit signatures in Git's SSH format (`git commit -S` with `gpg.format=ssh`): checked
//! against an allowed-signers file (git's `gpg.ssh.allowedSignersFile` format), and made for
//! netsync's own commits.
//!
//! gix finds the `gpgsig` header and the exact bytes it signs, and runs `ssh-keygen`, as
//! `git verify-commit` and `git commit -S` do (`-Y find-principals`, then `-Y verify` with
//! the principal found and the committer time as `-Overify-time`; `-Y sign -n git`): no Rust
//! crate verifies SSH signatures against an allowed-signers file, and shelling out to the
//! same program Git uses keeps both in agreement. OpenPGP and X.509 signatures are not
//! checked: they are reported as signed in a format netsync does not trust.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use gix::bstr::ByteSlice;
use gix::objs::signature::{verify, Format};

use super::{CommitObject, Error, ObjectId, Repo, Result};

/// The program that makes and checks SSH signatures (Debian: `openssh-client`).
const SSH_KEYGEN: &str = "ssh-keygen";

/// An allowed-signers file: one `principals [options] key-type key` line per signer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AllowedSigners {
    pub path: PathBuf,
    /// Lines naming a signer (not blank, not comments).
    pub entries: usize,
}

/// Why an allowed-signers file or a signing key cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum SetupError {
    #[error("cannot read the allowed signers file {}", path.display())]
    Unreadable {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("the allowed signers file {} names no signer, so no commit could be trusted", path.display())]
    NoSigners { path: PathBuf },
    #[error("`{SSH_KEYGEN}` was not found on PATH; it checks and makes SSH signatures")]
    NoSshKeygen,
    #[error("cannot read the signing key {}", path.display())]
    KeyUnreadable {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

impl AllowedSigners {
    /// Check that `path` can be read and names at least one signer, and that `ssh-keygen`
    /// is there to check signatures with: a trust setting that cannot work is an error
    /// before anything is read, never a silent pass.
    pub fn load(path: &Path) -> Result<Self, SetupError> {
        let text = std::fs::read(path).map_err(|source| SetupError::Unreadable {
            path: path.to_owned(),
            source,
        })?;
        let entries = text
            .lines()
            .map(|l| l.trim())
            .filter(|l| !l.is_empty() && !l.starts_with(b"#"))
            .count();
        if entries == 0 {
            return Err(SetupError::NoSigners {
                path: path.to_owned(),
            });
        }
        find_ssh_keygen()?;
        Ok(Self {
            path: path.to_owned(),
            entries,
        })
    }
}

/// What netsync signs its own commits with: an SSH private key (`persist.signing_key`), or
/// the signing set up in Git's configuration (`commit.gpgSign`) for commits a person makes
/// with netsync (`secret rekey`).
#[derive(Debug, Clone)]
pub struct Signer {
    /// The key, as Git's configuration or netsync.toml names it.
    pub key: PathBuf,
    options: gix::objs::signature::sign::Options,
}

impl Signer {
    /// The key at `path`, checked to be readable, with `ssh-keygen` there to use it.
    pub fn load(path: &Path) -> Result<Self, SetupError> {
        std::fs::File::open(path).map_err(|source| SetupError::KeyUnreadable {
            path: path.to_owned(),
            source,
        })?;
        find_ssh_keygen()?;
        Ok(Self {
            key: path.to_owned(),
            options: gix::objs::signature::sign::Options {
                format: Format::Ssh,
                program: SSH_KEYGEN.into(),
                program_arguments: Vec::new(),
                signing_key: path.as_os_str().to_owned(),
                environment: Vec::new(),
            },
        })
    }

    /// The signing `git commit` would do in `repo` (`commit.gpgSign`, `gpg.format`,
    /// `user.signingKey`, `gpg.program`...), if it signs: commits a person makes with netsync
    /// are signed as their other commits are.
    pub fn from_git_config(repo: &Repo) -> Result<Option<Self>> {
        let options = repo
            .inner
            .commit_signing_options_if_enabled()
            .map_err(|source| Error::Sign {
                key: PathBuf::from("(user.signingKey)"),
                repo: repo.path.clone(),
                source,
            })?;
        Ok(options.map(|options| Self {
            key: PathBuf::from(&options.signing_key),
            options,
        }))
    }

    /// `commit` with an SSH signature over it in its `gpgsig` header, exactly as
    /// `git commit -S` with `gpg.format=ssh` makes it.
    pub(super) fn sign(&self, commit: gix::objs::Commit, repo: &Path) -> Result<gix::objs::Commit> {
        commit
            .sign(self.options.clone())
            .map_err(|source| Error::Sign {
                key: self.key.clone(),
                repo: repo.to_owned(),
                source,
            })
    }
}

fn find_ssh_keygen() -> Result<PathBuf, SetupError> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .map(|dir| dir.join(SSH_KEYGEN))
        .find(|p| p.is_file())
        .ok_or(SetupError::NoSshKeygen)
}

/// What a commit's signature says about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// A good SSH signature by a key the allowed-signers file lists for `principal`.
    Trusted { principal: String, key: String },
    /// No signature.
    Unsigned,
    /// Signed in a format netsync does not check (`OpenPGP`, `X.509`).
    OtherFormat { format: &'static str },
    /// A good signature by a key the allowed-signers file does not list (for the `git`
    /// namespace, at the commit's time).
    UnknownKey { key: String },
    /// A signature that does not verify: forged, or the commit was changed after signing.
    Bad { detail: String },
}

impl Verdict {
    pub fn is_trusted(&self) -> bool {
        matches!(self, Verdict::Trusted { .. })
    }
}

impl Repo {
    /// Check the signature of `commit` against `signers`.
    pub fn verify_signature(
        &self,
        commit: &CommitObject,
        signers: &AllowedSigners,
    ) -> Result<Verdict> {
        let found = gix::objs::CommitRefIter::signature(commit.data(), commit.id.kind()).map_err(
            |source| Error::Corrupt {
                oid: commit.id,
                repo: self.path.clone(),
                source,
            },
        )?;
        let Some((signature, signed)) = found else {
            return Ok(Verdict::Unsigned);
        };
        match Format::from_signature(&signature) {
            Some(Format::Ssh) => {}
            Some(Format::OpenPgp) => return Ok(Verdict::OtherFormat { format: "OpenPGP" }),
            Some(Format::X509) => return Ok(Verdict::OtherFormat { format: "X.509" }),
            None => {
                return Ok(Verdict::Bad {
                    detail: "the signature header holds no signature netsync knows".into(),
                })
            }
        }
        let options = verify::Options::Ssh {
            program: OsString::from(SSH_KEYGEN),
            program_arguments: Vec::new(),
            environment: Vec::new(),
            allowed_signers: signers.path.clone(),
            revocation_file: None,
            // As git does: the key must have been allowed when the commit says it was made
            // (`valid-after`/`valid-before` in the file).
            verify_time: gix::date::Time {
                seconds: commit.committer_seconds()?,
                offset: 0,
            },
            minimum_trust: verify::TrustLevel::Fully,
        };
        let outcome = signed
            .verify(signature.as_ref(), options)
            .map_err(|source| Error::Verify {
                commit: commit.id,
                source,
            })?;
        let key = outcome
            .fingerprint
            .as_ref()
            .map(|f| f.to_str_lossy().into_owned())
            .unwrap_or_default();
        Ok(if outcome.is_valid() {
            Verdict::Trusted {
                principal: outcome
                    .signer
                    .as_ref()
                    .map(|s| s.to_str_lossy().into_owned())
                    .unwrap_or_default(),
                key,
            }
        } else if outcome.status == verify::Status::Good {
            Verdict::UnknownKey { key }
        } else {
            let output = outcome.output.to_str_lossy();
            // ssh-keygen's last line says why ("Signature verification failed: incorrect
            // signature"), after a generic one.
            let detail = output
                .lines()
                .map(str::trim)
                .rfind(|l| !l.is_empty())
                .unwrap_or("ssh-keygen rejected the signature")
                .to_owned();
            Verdict::Bad { detail }
        })
    }

    /// The commits reachable from `tip` and not from `hidden` (`git rev-list tip ^hidden`),
    /// newest first: merges and the commits of merged branches included.
    pub fn commits_since(&self, tip: ObjectId, hidden: Option<ObjectId>) -> Result<Vec<ObjectId>> {
        let walk = self
            .inner
            .rev_walk([tip])
            .with_hidden(hidden)
            .sorting(gix::revision::walk::Sorting::ByCommitTime(
                Default::default(),
            ))
            .all()
            .map_err(|source| Error::Gix {
                repo: self.path.clone(),
                source,
            })?;
        let mut ids = Vec::new();
        for info in walk {
            let info = info.map_err(|source| Error::Gix {
                repo: self.path.clone(),
                source,
            })?;
            ids.push(info.id);
        }
        Ok(ids)
    }
}
