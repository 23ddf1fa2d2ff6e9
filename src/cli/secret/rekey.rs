//! `netsync secret rekey`.

use std::io::Write;

use crate::cli::error::exit;
use clap::Args;
use netsync::git::Repo;
use netsync::render::{self, OutputFormat};

use crate::cli::{output_error, GlobalArgs};

/// Re-encrypt every secret to the current recipients.
///
/// Re-encrypt every secret at the tip of the branch to the recipients its netsync.toml names
/// now, as one commit made without a working tree (bare repositories work). Needs an identity
/// that can decrypt every secret. Run it after adding or removing a recipient; a removed
/// recipient can still read old commits: rotate the secrets it knew.
///
/// Example: netsync secret rekey --repo /srv/network.git --identity ~/.config/netsync/identity.txt
#[derive(Debug, Args)]
pub struct RekeyArgs {}

pub fn run(global: &GlobalArgs, _args: &RekeyArgs) -> Result<i32, crate::cli::error::Error> {
    let repo = Repo::open(&global.repo)?;
    let identities = global.identities()?;
    let report = netsync::secrets::rekey(&repo, &identities)?;
    let mut out = global.stdout();
    match global.format() {
        OutputFormat::Json => render::json::write(
            &mut out,
            &render::json::Envelope::new(
                "secret rekey",
                render::json::RekeyBody { rekey: &report },
            ),
        ),
        OutputFormat::Human if !global.human() => Ok(()),
        OutputFormat::Human => match &report.commit {
            Some(commit) => writeln!(
                out,
                "re-encrypted {} secret(s) to {} recipient(s) on {}: commit {}",
                report.secrets, report.recipients, report.branch, commit
            ),
            None => writeln!(
                out,
                "no secrets on {}: nothing to re-encrypt",
                report.branch
            ),
        },
    }
    .map_err(output_error)?;
    Ok(exit::OK)
}
