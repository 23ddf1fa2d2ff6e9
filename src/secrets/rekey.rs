//! `secret rekey`: re-encrypt every secret at the branch tip to the current recipients, as one
//! commit made without a working tree.

use serde::Serialize;

use super::{decrypt_all, encrypt, CommandError, Error, Identities, Recipients};
use crate::git::Repo;

/// What `secret rekey` did.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct RekeyReport {
    pub branch: String,
    /// The commit made; `None` when there was no secret to re-encrypt.
    pub commit: Option<String>,
    pub secrets: usize,
    pub recipients: usize,
}

/// Fallback author when neither `persist.author` nor the Git configuration names one.
const DEFAULT_AUTHOR: (&str, &str) = ("netsync", "netsync@localhost");

pub fn rekey(repo: &Repo, identities: &Identities) -> Result<RekeyReport, CommandError> {
    let head = repo.resolve("HEAD")?;
    let head_config = crate::desired::load_config(repo, &head)?;
    let branch = head_config
        .branch
        .clone()
        .or_else(|| repo.head_branch())
        .ok_or(Error::NoBranch)?;
    if let Some(worktree) = repo.checked_out_worktree(&branch) {
        return Err(Error::CheckedOut { branch, worktree }.into());
    }
    let desired = crate::desired::load(repo, Some(&format!("refs/heads/{branch}")))?;
    let recipients = Recipients::at(repo, &desired.revision, &desired.config)?;
    if recipients.is_empty() {
        return Err(Error::NoRecipients.into());
    }
    let sealed: Vec<(&Vec<u8>, &crate::desired::DesiredEntry, Vec<u8>)> = desired
        .entries
        .iter()
        .filter(|(_, e)| e.secret)
        .map(|(k, e)| {
            Ok((
                k,
                e,
                repo.read_blob(e.oid).map_err(|err| err.in_file(&e.path))?,
            ))
        })
        .collect::<Result<_, CommandError>>()?;
    let mut report = RekeyReport {
        branch: branch.clone(),
        commit: None,
        secrets: sealed.len(),
        recipients: recipients.len(),
    };
    if sealed.is_empty() {
        return Ok(report);
    }
    // Every secret decrypts and is bound to its key before anything is written.
    let plaintexts = decrypt_all(
        sealed.iter().map(|(k, _, a)| (k.as_slice(), a.as_slice())),
        identities,
    )?;
    let mut replacements = Vec::with_capacity(sealed.len());
    for ((key, entry, _), plaintext) in sealed.iter().zip(&plaintexts) {
        let armored = encrypt(key, plaintext, &recipients)?;
        replacements.push((entry.path.clone(), repo.store_blob(&armored)?));
    }
    let author = desired
        .config
        .persist
        .author
        .as_deref()
        .and_then(split_author);
    let git_author = repo
        .gix()
        .committer()
        .and_then(Result::ok)
        .map(|s| (s.name.to_string(), s.email.to_string()));
    let (name, email) = author
        .or(git_author)
        .unwrap_or((DEFAULT_AUTHOR.0.into(), DEFAULT_AUTHOR.1.into()));
    let message = format!(
        "Re-encrypt {} secret(s) to {} recipient(s)\n\nMade by `netsync secret rekey`.\n",
        sealed.len(),
        recipients.len()
    );
    let commit = repo.commit_replacing_blobs(
        &branch,
        desired.revision.commit,
        desired.revision.tree,
        &replacements,
        (&name, &email),
        &message,
    )?;
    report.commit = Some(commit.to_string());
    Ok(report)
}

/// `Name <email>` → (name, email).
fn split_author(text: &str) -> Option<(String, String)> {
    let (name, rest) = text.trim().split_once('<')?;
    let email = rest.strip_suffix('>')?;
    Some((name.trim().to_owned(), email.to_owned()))
}
