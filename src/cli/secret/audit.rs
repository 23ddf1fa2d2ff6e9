//! `netsync secret audit`.

use std::io::Write;

use crate::cli::error::exit;
use clap::Args;
use netsync::git::Repo;
use netsync::render::{self, OutputFormat};
use netsync::secrets::AuditReport;

use crate::cli::{output_error, GlobalArgs};

/// Check whom every secret is encrypted to, against the recipients.
///
/// For every secret at the revision, read its age header: the recipients its ciphertext is
/// encrypted to (ssh stanzas name their key; X25519 stanzas are anonymous, so netsync records
/// the recipients' fingerprints in each file it writes), the configured recipients it is not
/// encrypted to (they cannot decrypt it), and those no longer configured that still can. With
/// --identity, also whether that identity decrypts every secret (the offline recovery key,
/// say). Exit 7 when the audit is not clean; `netsync secret rekey` makes it clean. Prints
/// no value.
///
/// Example: netsync secret audit --repo /srv/network.git --identity /root/recovery-identity.txt
#[derive(Debug, Args)]
pub struct AuditArgs {
    /// Git revision to audit: a branch, tag, commit, `HEAD~2`, or a date (YYYY-MM-DD =
    /// midnight UTC, or RFC 3339). Default: the configured branch, else HEAD.
    /// Example: --rev v42
    #[arg(long, value_name = "REV")]
    pub rev: Option<String>,
}

pub fn run(global: &GlobalArgs, args: &AuditArgs) -> Result<i32, crate::cli::error::Error> {
    let repo = Repo::open(&global.repo)?;
    // Only the identities asked for: the default identity file would make every audit a
    // decryption check of whoever runs it.
    let identities = match global.identities.is_empty()
        && std::env::var_os(netsync::secrets::IDENTITY_ENV).is_none()
    {
        true => netsync::secrets::Identities::none(),
        false => global.identities()?,
    };
    let report = netsync::secrets::audit(&repo, args.rev.as_deref(), &identities)?;
    let mut out = global.stdout();
    match global.format() {
        OutputFormat::Json => render::json::write(
            &mut out,
            &render::json::Envelope::new(
                "secret audit",
                render::json::AuditBody { audit: &report },
            ),
        ),
        OutputFormat::Human if !global.human() => Ok(()),
        OutputFormat::Human => write_human(&mut out, &report),
    }
    .map_err(output_error)?;
    if !report.clean {
        tracing::error!(
            "the audit is not clean: {} of {} secret(s) are not encrypted to exactly the configured recipients{}",
            report.summary.secrets - report.summary.clean,
            report.summary.secrets,
            if report.identities.is_empty() { "" } else { ", or do not decrypt with the identity" }
        );
        return Ok(exit::CHECK_FAILED);
    }
    Ok(exit::OK)
}

fn write_human(out: &mut impl Write, r: &AuditReport) -> std::io::Result<()> {
    writeln!(
        out,
        "{} ({}): {} recipient(s) configured",
        r.rev,
        &r.commit[..12],
        r.recipients.len()
    )?;
    for info in &r.recipients {
        writeln!(
            out,
            "  {} [{}] {} (from {})",
            info.fingerprint,
            serde_json::to_value(info.kind)
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_default(),
            info.recipient,
            info.origin
        )?;
    }
    for s in &r.secrets {
        let mut notes = Vec::new();
        for m in &s.missing {
            notes.push(format!("missing {m}"));
        }
        for e in &s.extra {
            notes.push(format!("no longer configured: {e}"));
        }
        if s.unattributed > 0 {
            notes.push(format!(
                "{} stanza(s) whose recipient the header does not tell (written without netsync's record)",
                s.unattributed
            ));
        }
        if let Some(p) = &s.problem {
            notes.push(p.clone());
        }
        let decrypts = match s.decrypts {
            Some(true) => ", decrypts with the identity",
            Some(false) => ", does NOT decrypt with the identity",
            None => "",
        };
        let state = if s.clean { "clean" } else { "NOT CLEAN" };
        writeln!(
            out,
            "{state}: {} ({}): {} recipient(s){decrypts}",
            s.key, s.path, s.stanzas
        )?;
        for note in notes {
            writeln!(out, "  {note}")?;
        }
    }
    let m = &r.summary;
    writeln!(
        out,
        "{} secret(s): {} clean, {} missing a recipient, {} readable by a recipient no longer configured, {} unattributed{}",
        m.secrets,
        m.clean,
        m.missing,
        m.extra,
        m.unattributed,
        match r.identities.is_empty() {
            true => "; decryption not checked (no --identity)".to_owned(),
            false => format!("; {} do not decrypt with the identity", m.undecryptable),
        }
    )?;
    if !r.clean {
        writeln!(
            out,
            "hint: `netsync secret rekey` re-encrypts every secret to the configured recipients; then rotate what a removed recipient could read"
        )?;
    }
    Ok(())
}
