//! `netsync secret …`: create identities, and set, show and re-encrypt secret values.

mod audit;
mod keygen;
mod rekey;
mod set;
mod show;

use clap::{Args, Subcommand};

use super::GlobalArgs;

/// Create identities; encrypt, show, re-encrypt and audit secret values.
///
/// Manage secret values: stored in Git as age files (`<path>.age`) encrypted to
/// `secrets.recipients`, written to etcd in plaintext by `apply`.
///
/// Example: netsync secret set /net/users/alice/password < password.txt
#[derive(Debug, Args)]
pub struct SecretArgs {
    #[command(subcommand)]
    pub command: SecretCommand,
}

#[derive(Debug, Subcommand)]
pub enum SecretCommand {
    Keygen(keygen::KeygenArgs),
    Set(set::SetArgs),
    Show(show::ShowArgs),
    Rekey(rekey::RekeyArgs),
    Audit(audit::AuditArgs),
}

impl SecretArgs {
    /// `secret keygen`, `secret set`, …, as JSON documents name the command.
    pub fn name(&self) -> &'static str {
        match self.command {
            SecretCommand::Keygen(_) => "secret keygen",
            SecretCommand::Set(_) => "secret set",
            SecretCommand::Show(_) => "secret show",
            SecretCommand::Rekey(_) => "secret rekey",
            SecretCommand::Audit(_) => "secret audit",
        }
    }
}

pub async fn run(global: &GlobalArgs, args: &SecretArgs) -> Result<i32, crate::cli::error::Error> {
    match &args.command {
        SecretCommand::Keygen(a) => keygen::run(a),
        SecretCommand::Set(a) => set::run(global, a),
        SecretCommand::Show(a) => show::run(global, a),
        SecretCommand::Rekey(a) => rekey::run(global, a),
        SecretCommand::Audit(a) => audit::run(global, a),
    }
}
