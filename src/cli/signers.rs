//! Where the allowed signers come from: `--allowed-signers`, NETSYNC_ALLOWED_SIGNERS, or the
//! host's own file. A setting outside the repository on purpose: whoever can push to the
//! repository could change any file in it, a list of trusted keys included.

use std::path::PathBuf;

use clap::Args;
use netsync::git::AllowedSigners;

/// The host's configuration folder, where the Debian package keeps netsync.env.
pub const HOST_DIR: &str = "/etc/netsync";

/// The file in [`HOST_DIR`] that turns signature checks on for every run on the host.
pub const HOST_FILE: &str = "allowed_signers";

#[derive(Debug, Args)]
pub struct SignersArgs {
    /// Deploy only commits signed by a key in FILE, an SSH allowed-signers file (git's
    /// gpg.ssh.allowedSignersFile format: `alice@example.net ssh-ed25519 AAAA...`, one signer
    /// a line). Every commit between the sync point and the target is checked, not only the
    /// target; an unsigned, unknown or forged one stops the run before anything is written
    /// (exit 8). Also NETSYNC_ALLOWED_SIGNERS, else /etc/netsync/allowed_signers when it
    /// exists. Example: --allowed-signers /etc/netsync/allowed_signers
    #[arg(long, value_name = "FILE", env = "NETSYNC_ALLOWED_SIGNERS")]
    pub allowed_signers: Option<PathBuf>,
}

/// The host's allowed-signers file, when it exists (an unreadable one counts: it is then an
/// error, not a silent pass). NETSYNC_SYSCONFDIR moves the folder, for tests and unusual
/// layouts.
fn host_file() -> Option<PathBuf> {
    let dir = std::env::var_os("NETSYNC_SYSCONFDIR")
        .map_or_else(|| PathBuf::from(HOST_DIR), PathBuf::from);
    let file = dir.join(HOST_FILE);
    match file.try_exists() {
        Ok(false) => None,
        Ok(true) | Err(_) => Some(file),
    }
}

impl SignersArgs {
    /// The allowed signers to check commits against: none when `skip` (with a warning when
    /// some are configured) or when nothing names a file.
    pub fn resolve(&self, skip: bool) -> Result<Option<AllowedSigners>, crate::cli::error::Error> {
        let path = self.allowed_signers.clone().or_else(host_file);
        match (path, skip) {
            (None, _) => Ok(None),
            (Some(path), true) => {
                tracing::warn!(
                    "commit signatures are not checked (--no-verify-signatures); {} is ignored",
                    path.display()
                );
                Ok(None)
            }
            (Some(path), false) => Ok(Some(
                AllowedSigners::load(&path).map_err(crate::cli::error::Error::Signers)?,
            )),
        }
    }
}
