//! `log`'s output: each commit that changed the key, git-log style for people, one JSON
//! document for programs. Plain values are diffed; a secret shows sizes only.

use std::io::{self, Write};

use base64::Engine as _;
use serde::Serialize;

use super::{human::write_values, labeled_diff, sha256};
use crate::history::{ChangeKind, Entry, History, Origin, Version};

/// A plain value's fingerprint (never a secret's).
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct PlainValue {
    pub sha256: String,
    /// Not valid UTF-8.
    pub binary: bool,
}

/// One entry as JSON: the entry, plus what a reader compares plain values by.
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct EntryDoc<'a> {
    #[serde(flatten)]
    pub entry: &'a Entry,
    /// The file holds a secret on either side: no hash, no diff, sizes only.
    pub redacted: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub old_value: Option<PlainValue>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub new_value: Option<PlainValue>,
    /// Unified diff (`--- before` / `+++ after`) when both sides are text and not secret.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub diff: Option<String>,
}

#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct LogDoc<'a> {
    pub key: &'a str,
    pub key_base64: String,
    pub rev: &'a str,
    pub commit: &'a str,
    pub commits_examined: usize,
    pub entries: Vec<EntryDoc<'a>>,
}

/// `{format_version, command: "log", log: {...}}`.
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct Document<'a> {
    pub format_version: u32,
    pub command: &'static str,
    pub log: LogDoc<'a>,
}

fn plain(v: &Option<Version>) -> Option<&[u8]> {
    v.as_ref().and_then(|v| v.value.as_deref())
}

fn redacted(e: &Entry) -> bool {
    e.old.iter().chain(&e.new).any(|v| v.secret)
}

pub fn document(history: &History) -> Document<'_> {
    let entries = history
        .entries
        .iter()
        .map(|e| {
            let fingerprint = |v: &Option<Version>| {
                plain(v).map(|data| PlainValue {
                    sha256: sha256(data),
                    binary: std::str::from_utf8(data).is_err(),
                })
            };
            let secret = redacted(e);
            EntryDoc {
                entry: e,
                redacted: secret,
                old_value: fingerprint(&e.old),
                new_value: fingerprint(&e.new),
                diff: match (secret, e.change) {
                    (false, ChangeKind::Added | ChangeKind::Changed | ChangeKind::Deleted) => {
                        labeled_diff(plain(&e.old), plain(&e.new), "before", "after")
                    }
                    _ => None,
                },
            }
        })
        .collect();
    Document {
        format_version: super::json::FORMAT_VERSION,
        command: "log",
        log: LogDoc {
            key: &history.key,
            key_base64: base64::engine::general_purpose::STANDARD.encode(&history.key_bytes),
            rev: &history.rev,
            commit: &history.commit,
            commits_examined: history.commits_examined,
            entries,
        },
    }
}

fn origin_line(origin: &Origin) -> String {
    match origin {
        Origin::Git => "from Git".to_owned(),
        Origin::Etcd {
            host,
            etcd_revision,
            ..
        } => {
            let mut text = "from etcd: persisted".to_owned();
            if let Some(host) = host {
                text.push_str(&format!(" by {host}"));
            }
            if let Some(revision) = etcd_revision {
                text.push_str(&format!(" at etcd revision {revision}"));
            }
            text
        }
    }
}

fn secret_line(e: &Entry) -> String {
    let size = |v: &Option<Version>| {
        v.as_ref().map_or("absent".to_owned(), |v| match v.secret {
            true => format!("{} bytes of ciphertext", v.size),
            false => format!("{} bytes in plaintext", v.size),
        })
    };
    let mut line = format!("secret: {} -> {}", size(&e.old), size(&e.new));
    let plain_size = |v: &Option<Version>| {
        v.as_ref()
            .and_then(|v| v.plaintext_size.or((!v.secret).then_some(v.size)))
    };
    match (e.plaintext_changed, &e.not_compared) {
        (Some(true), _) => line.push_str(&format!(
            "; plaintext changed ({} -> {} bytes)",
            plain_size(&e.old).unwrap_or(0),
            plain_size(&e.new).unwrap_or(0)
        )),
        (Some(false), _) => line.push_str("; plaintext unchanged (re-encrypted)"),
        (None, Some(why)) if why == "no_identity" => {
            line.push_str("; plaintext not compared (no identity: pass --identity)")
        }
        (None, Some(why)) => line.push_str(&format!("; plaintext not compared: {why}")),
        (None, None) => {}
    }
    line
}

/// git-log style: the commit, where the change came from, then what happened to the key.
pub fn write_human(out: &mut impl Write, history: &History) -> io::Result<()> {
    if history.entries.is_empty() {
        return writeln!(
            out,
            "{}: no commit changed it ({} commit(s) examined from {} at {})",
            history.key,
            history.commits_examined,
            history.rev,
            &history.commit[..12]
        );
    }
    for (i, e) in history.entries.iter().enumerate() {
        if i > 0 {
            writeln!(out)?;
        }
        writeln!(out, "commit {} ({})", e.commit, origin_line(&e.origin))?;
        writeln!(out, "Author: {} <{}>", e.author.name, e.author.email)?;
        writeln!(out, "Date:   {}", e.time)?;
        writeln!(out)?;
        writeln!(out, "    {}", e.summary)?;
        writeln!(out)?;
        let path = |v: &Option<Version>| v.as_ref().map_or("", |v| v.path.as_str()).to_owned();
        match e.change {
            ChangeKind::Moved => writeln!(
                out,
                "    moved {} -> {} (value unchanged)",
                path(&e.old),
                path(&e.new)
            )?,
            change => {
                let word = match change {
                    ChangeKind::Added => "added",
                    ChangeKind::Deleted => "deleted",
                    _ => "changed",
                };
                let (old, new) = (path(&e.old), path(&e.new));
                match (old.is_empty() || new.is_empty() || old == new, change) {
                    (_, ChangeKind::Added) => writeln!(out, "    {word} {new}")?,
                    (_, ChangeKind::Deleted) => writeln!(out, "    {word} {old}")?,
                    (true, _) => writeln!(out, "    {word} {new}")?,
                    (false, _) => writeln!(out, "    {word} {old} -> {new}")?,
                }
                if redacted(e) {
                    writeln!(out, "    {}", secret_line(e))?;
                } else {
                    write_values(out, plain(&e.old), plain(&e.new), Some(("before", "after")))?;
                }
            }
        }
    }
    Ok(())
}
