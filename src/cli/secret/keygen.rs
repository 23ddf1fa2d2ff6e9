//! `netsync secret keygen`.

use std::io::Write;
use std::path::PathBuf;

use crate::cli::error::exit;
use clap::Args;

use crate::cli::output_error;

/// Create an age identity.
///
/// Create an age identity, in the format of `age-keygen`: `# created:` and `# public key:`
/// comment lines, then `AGE-SECRET-KEY-1…`. Put the public key into `secrets.recipients`.
///
/// Example: netsync secret keygen --out ~/.config/netsync/identity.txt
#[derive(Debug, Args)]
pub struct KeygenArgs {
    /// Write the identity to FILE (created with mode 0600, never overwritten) instead of
    /// stdout; the public key is then printed on stderr.
    /// Example: --out ~/.config/netsync/identity.txt
    #[arg(long = "out", value_name = "FILE")]
    pub out: Option<PathBuf>,
}

pub fn run(args: &KeygenArgs) -> Result<i32, crate::cli::error::Error> {
    let (text, public) = netsync::secrets::keygen();
    match &args.out {
        None => {
            let mut out = std::io::stdout().lock();
            out.write_all(text.as_bytes()).map_err(output_error)?;
        }
        Some(path) => {
            let io = |source| crate::cli::error::Error::Io {
                path: path.clone(),
                source,
            };
            if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
                std::fs::create_dir_all(parent).map_err(io)?;
            }
            let mut options = std::fs::OpenOptions::new();
            options.write(true).create_new(true);
            #[cfg(unix)]
            std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
            let mut file = options.open(path).map_err(|source| {
                if source.kind() == std::io::ErrorKind::AlreadyExists {
                    crate::cli::error::Error::AlreadyExists { path: path.clone() }
                } else {
                    io(source)
                }
            })?;
            file.write_all(text.as_bytes()).map_err(io)?;
            eprintln!("Public key: {public}");
        }
    }
    Ok(exit::OK)
}
