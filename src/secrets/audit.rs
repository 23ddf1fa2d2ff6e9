//! `secret audit`: whom each secret's ciphertext is encrypted to, against the recipients the
//! configuration names, and whether an identity can decrypt every secret.
//!
//! What an age header tells: each recipient gets one stanza. An ssh stanza carries a tag
//! derived from its public key, so it says whose it is. An X25519 stanza is anonymous by
//! design (an ephemeral share and the wrapped key): only the holder of the private key can
//! tell it is theirs. So netsync records the fingerprints of the recipients it encrypts to
//! in a stanza of its own ([`super::RECORD_STANZA`], ignored by age, covered by the header's
//! MAC). Files written before that record existed, or by another tool, carry X25519
//! stanzas nobody can attribute: they are reported as such, and `secret rekey` rewrites them.
//! Nothing here decrypts more than the identity check asks for, and no value is kept.

use std::io::Read as _;

use base64::Engine as _;
use serde::Serialize;

use super::{decrypt, CommandError, Error, Identities, RecipientInfo, RecipientKind, Recipients};
use crate::git::Repo;
use crate::keypath::display_key;

/// One recipient stanza of an age header: its type and arguments (the body is not kept).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stanza {
    pub tag: String,
    pub args: Vec<String>,
}

/// The recipient stanzas of an ASCII-armored age file, in header order, read with age-core's
/// parser. Grease stanzas (random types age adds to keep parsers honest) are left out.
pub fn header_stanzas(armored: &[u8]) -> Result<Vec<Stanza>, String> {
    if !armored.starts_with(b"-----BEGIN AGE ENCRYPTED FILE-----") {
        return Err("not an ASCII-armored age file".into());
    }
    let mut binary = Vec::new();
    age::armor::ArmoredReader::new(armored)
        .read_to_end(&mut binary)
        .map_err(|e| format!("the armor does not decode: {e}"))?;
    let mut rest = binary
        .strip_prefix(b"age-encryption.org/v1\n".as_slice())
        .ok_or("not an age v1 file")?;
    let mut stanzas = Vec::new();
    while !rest.starts_with(b"---") {
        let (next, stanza) = age_core::format::read::legacy_age_stanza(rest)
            .map_err(|_| "the age header does not parse".to_owned())?;
        if !stanza.tag.ends_with("-grease") {
            stanzas.push(Stanza {
                tag: stanza.tag.to_owned(),
                args: stanza.args.iter().map(|a| (*a).to_owned()).collect(),
            });
        }
        rest = next;
    }
    Ok(stanzas)
}

/// A recipient a file is encrypted to, as its header says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct FileRecipient {
    /// The configured recipient, as written in the configuration; for one no longer
    /// configured, `unknown <kind> (<fingerprint or ssh tag>)`.
    pub recipient: String,
    /// `x25519`, `ssh-ed25519`, `ssh-rsa`, or `unknown` (a recorded fingerprint no
    /// configured recipient has).
    pub kind: String,
    /// Whether the configuration at the audited revision names it.
    pub configured: bool,
    /// How the header says so: `recorded` (netsync's record) or `ssh-tag` (the ssh stanza).
    pub by: &'static str,
}

/// The audit of one secret file.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct SecretAudit {
    /// Printable form of the key.
    pub key: String,
    pub key_base64: String,
    pub path: String,
    /// Recipient stanzas in the header (netsync's record and grease not counted).
    pub stanzas: usize,
    /// Whether the header carries netsync's record of its recipients.
    pub recorded: bool,
    /// The recipients the header shows the file is encrypted to.
    pub recipients: Vec<FileRecipient>,
    /// Configured recipients the file is not encrypted to: they cannot decrypt it.
    pub missing: Vec<String>,
    /// Recipients the file is encrypted to that the configuration no longer names: they
    /// still can decrypt it.
    pub extra: Vec<String>,
    /// Stanzas whose recipient the header does not tell (X25519 stanzas of a file without
    /// netsync's record, or stanzas of other types).
    pub unattributed: usize,
    /// With `--identity`: whether it decrypts the file and finds it bound to its key.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub decrypts: Option<bool>,
    /// What is wrong beyond recipients: the file is no age file, the header contradicts its
    /// record, or why the identity could not decrypt it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub problem: Option<String>,
    /// Encrypted to exactly the configured recipients, provably, and (with an identity)
    /// decryptable.
    pub clean: bool,
}

/// Counts over every secret.
#[derive(Debug, Clone, Default, Serialize, schemars::JsonSchema)]
pub struct AuditSummary {
    pub secrets: usize,
    pub clean: usize,
    /// Secrets a configured recipient cannot decrypt.
    pub missing: usize,
    /// Secrets a recipient no longer configured can decrypt.
    pub extra: usize,
    /// Secrets with stanzas whose recipient cannot be told.
    pub unattributed: usize,
    /// With an identity: secrets it could not decrypt.
    pub undecryptable: usize,
    /// Files that are no age file, or whose header contradicts its record.
    pub broken: usize,
}

/// What `secret audit` found.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct AuditReport {
    /// The revision as asked for (`main`, `HEAD~1`, a commit id).
    pub rev: String,
    /// Full id of the audited commit.
    pub commit: String,
    /// The recipients its configuration names.
    pub recipients: Vec<RecipientInfo>,
    /// The identity files the decryption check used (none: not checked).
    pub identities: Vec<String>,
    pub secrets: Vec<SecretAudit>,
    pub summary: AuditSummary,
    /// Every secret is clean.
    pub clean: bool,
}

/// Audit every secret at `rev` (default: the configured branch, else HEAD) against the
/// recipients configured there; with identities, also try to decrypt each.
pub fn audit(
    repo: &Repo,
    rev: Option<&str>,
    identities: &Identities,
) -> Result<AuditReport, CommandError> {
    let desired = crate::desired::load(repo, rev)?;
    let recipients = Recipients::at(repo, &desired.revision, &desired.config)?;
    let mut secrets = Vec::new();
    for (key, entry) in desired.entries.iter().filter(|(_, e)| e.secret) {
        let armored = repo.read_blob(entry.oid)?;
        let mut audit = audit_file(key, &entry.path, &armored, recipients.infos());
        if !identities.is_empty() && audit.problem.is_none() {
            match decrypt(key, &armored, identities) {
                Ok(_) => audit.decrypts = Some(true),
                Err(err) => {
                    audit.decrypts = Some(false);
                    audit.problem = Some(match err {
                        Error::WrongIdentity { .. } => {
                            "none of the identities is among its recipients".to_owned()
                        }
                        other => other.to_string(),
                    });
                }
            }
        }
        audit.clean = audit.clean && audit.decrypts != Some(false);
        secrets.push(audit);
    }
    let summary = AuditSummary {
        secrets: secrets.len(),
        clean: secrets.iter().filter(|s| s.clean).count(),
        missing: secrets.iter().filter(|s| !s.missing.is_empty()).count(),
        extra: secrets.iter().filter(|s| !s.extra.is_empty()).count(),
        unattributed: secrets.iter().filter(|s| s.unattributed > 0).count(),
        undecryptable: secrets.iter().filter(|s| s.decrypts == Some(false)).count(),
        broken: secrets
            .iter()
            .filter(|s| s.problem.is_some() && s.decrypts.is_none())
            .count(),
    };
    Ok(AuditReport {
        rev: desired.rev_name.clone(),
        commit: desired.revision.commit.to_string(),
        recipients: recipients.infos().to_vec(),
        identities: identities
            .sources()
            .iter()
            .map(|p| p.display().to_string())
            .collect(),
        clean: summary.clean == summary.secrets,
        summary,
        secrets,
    })
}

/// What the header of one file shows, against `configured` (no decryption).
fn audit_file(key: &[u8], path: &str, armored: &[u8], configured: &[RecipientInfo]) -> SecretAudit {
    let mut audit = SecretAudit {
        key: display_key(key),
        key_base64: base64::engine::general_purpose::STANDARD.encode(key),
        path: path.to_owned(),
        stanzas: 0,
        recorded: false,
        recipients: Vec::new(),
        missing: Vec::new(),
        extra: Vec::new(),
        unattributed: 0,
        decrypts: None,
        problem: None,
        clean: false,
    };
    let stanzas = match header_stanzas(armored) {
        Ok(stanzas) => stanzas,
        Err(why) => {
            audit.problem = Some(why);
            return audit;
        }
    };
    let record = stanzas.iter().find(|s| s.tag == super::RECORD_STANZA);
    let wrapping: Vec<&Stanza> = stanzas
        .iter()
        .filter(|s| s.tag != super::RECORD_STANZA)
        .collect();
    audit.stanzas = wrapping.len();
    audit.recorded = record.is_some();
    let ssh_tags: Vec<(&str, &str)> = wrapping
        .iter()
        .filter(|s| s.tag == "ssh-ed25519" || s.tag == "ssh-rsa")
        .map(|s| (s.tag.as_str(), s.args.first().map_or("", String::as_str)))
        .collect();
    let configured_as = |info: &RecipientInfo, by| FileRecipient {
        recipient: info.recipient.clone(),
        kind: kind_name(info.kind).to_owned(),
        configured: true,
        by,
    };
    match record {
        Some(record) => {
            for fingerprint in &record.args {
                audit.recipients.push(
                    match configured.iter().find(|i| &i.fingerprint == fingerprint) {
                        Some(info) => configured_as(info, "recorded"),
                        None => FileRecipient {
                            recipient: format!("unknown recipient (fingerprint {fingerprint})"),
                            kind: "unknown".to_owned(),
                            configured: false,
                            by: "recorded",
                        },
                    },
                );
            }
            // The record must agree with the stanzas it sits among: as many recipients, and
            // the same ssh keys.
            let recorded_ssh = configured
                .iter()
                .filter(|i| record.args.contains(&i.fingerprint) && i.ssh_tag.is_some());
            let ssh_agree = recorded_ssh.into_iter().all(|i| {
                ssh_tags
                    .iter()
                    .any(|(_, t)| Some(*t) == i.ssh_tag.as_deref())
            });
            if record.args.len() != wrapping.len() || !ssh_agree {
                audit.problem = Some(format!(
                    "the header records {} recipient(s) but carries {} stanza(s) that do not match them",
                    record.args.len(),
                    wrapping.len()
                ));
            }
        }
        None => {
            for (tag, ssh_tag) in &ssh_tags {
                let found = configured.iter().find(|i| {
                    i.ssh_tag.as_deref() == Some(*ssh_tag) && i.kind.stanza_tag() == *tag
                });
                audit.recipients.push(match found {
                    Some(info) => configured_as(info, "ssh-tag"),
                    None => FileRecipient {
                        recipient: format!("unknown {tag} key (tag {ssh_tag})"),
                        kind: (*tag).to_owned(),
                        configured: false,
                        by: "ssh-tag",
                    },
                });
            }
            audit.unattributed = wrapping.len() - ssh_tags.len();
        }
    }
    let present = |info: &RecipientInfo| {
        audit
            .recipients
            .iter()
            .any(|r| r.configured && r.recipient == info.recipient)
    };
    // Without a record, an X25519 recipient may hide behind an anonymous stanza: only the
    // ssh keys can be proved missing.
    let provable = |info: &RecipientInfo| audit.unattributed == 0 || info.ssh_tag.is_some();
    audit.missing = configured
        .iter()
        .filter(|i| !present(i) && provable(i))
        .map(|i| i.recipient.clone())
        .collect();
    audit.extra = audit
        .recipients
        .iter()
        .filter(|r| !r.configured)
        .map(|r| r.recipient.clone())
        .collect();
    audit.clean = audit.problem.is_none()
        && audit.missing.is_empty()
        && audit.extra.is_empty()
        && audit.unattributed == 0;
    audit
}

fn kind_name(kind: RecipientKind) -> &'static str {
    match kind {
        RecipientKind::X25519 => "x25519",
        RecipientKind::SshEd25519 => "ssh-ed25519",
        RecipientKind::SshRsa => "ssh-rsa",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secrets::encrypt;

    const SSH: &str = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHsKLqeplhpW+uObz5dvMgjz1OxfM/XXUB+VHtZ6isGN ops@example";

    fn x25519() -> String {
        age::x25519::Identity::generate().to_public().to_string()
    }

    fn recipients(list: &[&str]) -> Recipients {
        let list: Vec<String> = list.iter().map(|s| s.to_string()).collect();
        Recipients::parse(&list, |_| unreachable!()).unwrap()
    }

    #[test]
    fn a_file_encrypted_to_the_configured_recipients_is_clean() {
        let (a, b) = (x25519(), x25519());
        let r = recipients(&[&a, &b, SSH]);
        let armored = encrypt(b"/k", b"v", &r).unwrap();
        let stanzas = header_stanzas(&armored).unwrap();
        let tags: Vec<&str> = stanzas.iter().map(|s| s.tag.as_str()).collect();
        assert_eq!(
            tags,
            ["X25519", "X25519", "ssh-ed25519", "netsync-recipients"]
        );
        let audit = audit_file(b"/k", "kv/k.age", &armored, r.infos());
        assert!(audit.clean, "{audit:?}");
        assert_eq!(audit.stanzas, 3);
        assert!(audit.recorded);
        assert_eq!(audit.recipients.len(), 3);
    }

    #[test]
    fn added_removed_and_replaced_recipients_are_named() {
        let (a, b, c) = (x25519(), x25519(), x25519());
        let armored = encrypt(b"/k", b"v", &recipients(&[&a, &b])).unwrap();
        // b replaced by c: the same number of stanzas, yet c cannot decrypt and b still can.
        let audit = audit_file(b"/k", "p", &armored, recipients(&[&a, &c]).infos());
        assert_eq!(audit.missing, std::slice::from_ref(&c));
        assert_eq!(audit.extra.len(), 1, "{audit:?}");
        assert!(audit.extra[0].starts_with("unknown recipient (fingerprint "));
        assert!(!audit.clean);
        // Added: missing only.
        let audit = audit_file(b"/k", "p", &armored, recipients(&[&a, &b, &c]).infos());
        assert_eq!((audit.missing.len(), audit.extra.len()), (1, 0));
        // Removed: extra only.
        let audit = audit_file(b"/k", "p", &armored, recipients(&[&a]).infos());
        assert_eq!((audit.missing.len(), audit.extra.len()), (0, 1));
    }

    #[test]
    fn without_the_record_ssh_keys_are_known_and_x25519_stanzas_are_not() {
        // A file as age itself writes it: no record.
        let a = x25519();
        let r = recipients(&[&a, SSH]);
        let encryptor = age::Encryptor::with_recipients(
            r.list.iter().map(|r| r.as_ref() as &dyn age::Recipient),
        )
        .unwrap();
        let mut armored = Vec::new();
        let armor =
            age::armor::ArmoredWriter::wrap_output(&mut armored, age::armor::Format::AsciiArmor)
                .unwrap();
        let mut w = encryptor.wrap_output(armor).unwrap();
        std::io::Write::write_all(&mut w, b"x").unwrap();
        w.finish().and_then(|a| a.finish()).unwrap();
        let audit = audit_file(b"/k", "p", &armored, r.infos());
        assert!(!audit.recorded);
        assert_eq!(audit.unattributed, 1);
        assert_eq!(audit.recipients.len(), 1);
        assert_eq!(audit.recipients[0].by, "ssh-tag");
        assert!(audit.recipients[0].configured);
        assert!(audit.missing.is_empty() && !audit.clean);
        // The ssh key removed from the configuration: it is extra, by its tag.
        let audit = audit_file(b"/k", "p", &armored, recipients(&[&a]).infos());
        assert_eq!(audit.extra.len(), 1);
        assert!(audit.extra[0].starts_with("unknown ssh-ed25519 key (tag "));
    }

    #[test]
    fn a_file_that_is_no_age_file_is_a_problem() {
        let audit = audit_file(b"/k", "p", b"hunter2", recipients(&[&x25519()]).infos());
        assert_eq!(
            audit.problem.as_deref(),
            Some("not an ASCII-armored age file")
        );
        assert!(!audit.clean);
    }
}
