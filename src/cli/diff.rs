//! `netsync diff`.

use crate::cli::error::exit;
use std::io::Write as _;

use clap::Args;
use netsync::git::Repo;
use netsync::render::{self, OutputFormat};

use super::{output_error, GlobalArgs};

/// Show how etcd differs from a Git revision (three-way); writes nothing.
///
/// Show what `apply` would change in etcd: per key added, changed or deleted, with a
/// unified diff for text values and sizes and hashes for binary ones. Writes nothing.
///
/// Without a private key (no --identity, no NETSYNC_IDENTITY_FILE, no default identity
/// file) diff still shows everything it can: a secret whose ciphertext in Git and value in
/// etcd are both unchanged since the sync point is unchanged; a secret whose difference
/// needs its plaintext is shown as "not compared: no identity" and counts as a difference.
///
/// Example: netsync diff --repo /srv/network.git --endpoints http://10.0.0.1:2379 --exit-code
#[derive(Debug, Args)]
pub struct DiffArgs {
    /// Git revision to compare: a branch, tag, commit, `HEAD~2`, or a date (YYYY-MM-DD =
    /// midnight UTC, or RFC 3339): the configured branch's last first-parent commit at or
    /// before it. Default: the configured branch, else HEAD.
    /// Example: --rev origin/main
    #[arg(long, value_name = "REV")]
    pub rev: Option<String>,
    /// Exit with 2 when there are differences, 0 when there are none. A secret not compared
    /// (no identity) counts as a difference: the check never passes unseen.
    /// Example: netsync diff -q --exit-code || echo "etcd differs from Git"
    #[arg(long)]
    pub exit_code: bool,
    /// Save the plan to FILE for `netsync apply --plan FILE` to carry out exactly as shown:
    /// each key's class, action and etcd mod_revision, and Git blob ids (never a value).
    /// Refused when a secret was not compared (no identity): pass --identity FILE.
    /// Example: netsync diff --out reviewed.plan
    #[arg(long, value_name = "FILE")]
    pub out: Option<std::path::PathBuf>,
    /// With allowed signers (this flag, NETSYNC_ALLOWED_SIGNERS or
    /// /etc/netsync/allowed_signers), diff also shows whether apply would deploy the
    /// revision: who signed each commit to deploy, or which commits apply would refuse.
    /// The exit code does not change. Example: --allowed-signers /etc/netsync/allowed_signers
    #[command(flatten)]
    pub signers: super::signers::SignersArgs,
    /// Read every value in etcd even when the sync point allows reading only what changed
    /// since (testing and benchmarking aid).
    #[arg(long, hide = true, env = "NETSYNC_FULL_READ")]
    pub full_read: bool,
}

pub async fn run(global: &GlobalArgs, args: &DiffArgs) -> Result<i32, crate::cli::error::Error> {
    let repo = Repo::open(&global.repo)?;
    let allowed_signers = args.signers.resolve(false)?;
    // The target's tree is walked while etcd is dialled and read (prepare waits for it).
    let desired = netsync::desired::Loading::start(&repo, args.rev.as_deref())?;
    let (mut kv, desired) = global.connect_loading(desired).await?;
    let identities = global.identities()?;
    let read = match args.full_read {
        true => netsync::prepare::Read::Full,
        false => netsync::prepare::Read::Incremental,
    };
    let prepared = netsync::diff::diff_read(
        &repo,
        desired,
        &mut kv,
        &identities,
        &global.progress(),
        read,
    )
    .await?;
    if let Some(path) = &args.out {
        let plan = netsync::saved::SavedPlan::complete(&prepared, netsync::plan::Policy::Safe)?;
        plan.save(path)?;
        if global.human() {
            let mut err = anstream::stderr().lock();
            let _ = writeln!(
                err,
                "plan saved to {} ({} key(s) differ); carry it out with: netsync apply --plan {}",
                path.display(),
                plan.keys.len(),
                path.display()
            );
        }
    }
    let signatures = match prepared.check_signatures(&repo, allowed_signers.as_ref()) {
        Ok(None) => None,
        Ok(Some(verified)) => Some(netsync::trust::Status::of(Ok(verified))?),
        Err(err) => Some(netsync::trust::Status::of(Err(err))?),
    };
    if let Some(status) = signatures.as_ref().filter(|s| !s.trusted) {
        tracing::warn!(
            "apply would refuse this revision: {} commit(s) not signed by an allowed signer",
            status.refused.len()
        );
    }
    let not_compared = prepared.plan.not_compared();
    if not_compared > 0 {
        tracing::warn!(
            "{not_compared} secret(s) not compared: no identity to decrypt them, so they count as differences; pass --identity FILE (or set NETSYNC_IDENTITY_FILE) to compare them"
        );
    }
    let mut out = global.stdout();
    match global.format() {
        OutputFormat::Human if !global.human() => Ok(()),
        OutputFormat::Human => {
            render::human::write_diff(&mut out, &prepared).and_then(|()| match &signatures {
                Some(status) => render::human::write_signatures(&mut out, status),
                None => Ok(()),
            })
        }
        OutputFormat::Json => {
            let mut doc = render::json::document("diff", &prepared, None);
            doc.signatures = signatures.as_ref();
            render::json::write(&mut out, &doc)
        }
    }
    .map_err(output_error)?;
    Ok(if args.exit_code && !prepared.plan.in_sync() {
        exit::DIFFERENCES
    } else {
        exit::OK
    })
}
