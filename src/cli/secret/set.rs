//! `netsync secret set`: the value comes from a prompt without echo on a terminal, else from
//! stdin or a file byte for byte; it is held only in memory that is zeroized when dropped,
//! and never printed.

use std::io::{IsTerminal, Read};
use std::path::{Path, PathBuf};

use crate::cli::error::{exit, Error};
use clap::Args;
use netsync::git::Repo;
use netsync::secrets::{SetOptions, SetTarget};
use zeroize::Zeroizing;

use crate::cli::GlobalArgs;

/// Encrypt a value into the working tree as the key's secret file.
///
/// Encrypt a value into the working tree at the key's secret file (`….age`), creating
/// folders as needed: typed without echo on a terminal, else read from stdin or
/// --from-file. Commits nothing: review and commit it yourself.
///
/// On a terminal the value is asked for twice and stored without the newline that ends the
/// line. From stdin or --from-file it is stored byte for byte: a trailing newline is kept
/// (pipe with `printf %s` to leave it out). An empty value is refused unless --allow-empty.
///
/// Example: netsync secret set /net/users/alice/password && git add -A && git commit
#[derive(Debug, Args)]
pub struct SetArgs {
    /// The etcd key. Example: /net/users/alice/password
    #[arg(value_name = "KEY")]
    pub key: String,
    /// Read the value from FILE, byte for byte (binary values such as keys are fine); `-`
    /// reads stdin to its end, even on a terminal (for values of several lines; what you
    /// type is echoed). Example: --from-file ./wg-private.key
    // `--file` was its first name: kept, hidden, for the scripts that use it.
    #[arg(long, value_name = "FILE", alias = "file")]
    pub from_file: Option<PathBuf>,
    /// Store an empty value; without it an empty value (an empty line typed at the prompt,
    /// an empty pipe or file) is refused. Example: netsync secret set KEY --allow-empty </dev/null
    #[arg(long)]
    pub allow_empty: bool,
    /// Encrypt even when no `secrets.keys` pattern matches KEY.
    /// Example: netsync secret set /net/params/token --force --from-file token.txt
    #[arg(long)]
    pub force: bool,
}

pub fn run(global: &GlobalArgs, args: &SetArgs) -> Result<i32, Error> {
    let repo = Repo::open(&global.repo)?;
    let options = SetOptions {
        force: args.force,
        allow_empty: args.allow_empty,
    };
    // Refuse a key that cannot be set before anyone types its value.
    let target = SetTarget::resolve(&repo, args.key.as_bytes(), options)?;
    let value = match args.from_file.as_deref() {
        Some(path) if path != Path::new("-") => {
            let file = std::fs::File::open(path).map_err(read_error(path))?;
            read_secret(file).map_err(read_error(path))?
        }
        None if std::io::stdin().is_terminal() => prompt(&target.key(), args.allow_empty)?,
        _ => {
            let value = read_secret(std::io::stdin().lock()).map_err(read_error("<stdin>"))?;
            if value.ends_with(b"\n") {
                tracing::warn!(
                    "the value read from stdin ends with a newline, which is stored as part of it; \
                     to leave it out, pipe the value with `printf %s`"
                );
            }
            value
        }
    };
    let report = target.write(&value)?;
    if let Some(plain) = &report.removed_plain {
        tracing::warn!(
            "removed the plaintext file {plain}; if it was ever committed, the value is in Git history: rotate it"
        );
    }
    if !global.quiet {
        eprintln!(
            "encrypted {} ({} bytes) into {}; commit it to deploy",
            target.key(),
            value.len(),
            report.path
        );
    }
    Ok(exit::OK)
}

/// Ask for the value on the terminal, without echo, twice; the two must match. An empty
/// first answer is not asked again unless `allow_empty`: it is refused anyway.
fn prompt(key: &str, allow_empty: bool) -> Result<Zeroizing<Vec<u8>>, Error> {
    let ask = |prompt: String| match crate::cli::global::ask_without_echo(prompt) {
        Ok(text) => Ok(Zeroizing::new(text.into_bytes())),
        Err(err) if err.kind() == std::io::ErrorKind::Interrupted => Err(Error::Interrupted),
        Err(err) => Err(read_error("the terminal")(err)),
    };
    let first = ask(format!("value for {key}: "))?;
    if first.is_empty() && !allow_empty {
        return Ok(first);
    }
    let again = ask("again: ".to_owned())?;
    if *first != *again {
        return Err(Error::ValuesDiffer {
            key: key.to_owned(),
        });
    }
    Ok(first)
}

fn read_error(path: impl AsRef<Path>) -> impl Fn(std::io::Error) -> Error {
    move |source| Error::Read {
        path: path.as_ref().to_owned(),
        source,
    }
}

/// Read `reader` to its end into memory that is zeroized when dropped, also as it grows: a
/// growing `Vec` would leave copies of the start in freed memory. Reads of at least 8 KiB
/// also pass by stdin's own buffer, which is never zeroized.
fn read_secret(mut reader: impl Read) -> std::io::Result<Zeroizing<Vec<u8>>> {
    let mut buf = Zeroizing::new(vec![0; 16 * 1024]);
    let mut len = 0;
    loop {
        if len == buf.len() {
            let mut bigger = Zeroizing::new(vec![0; buf.len() * 2]);
            bigger[..len].copy_from_slice(&buf[..len]);
            buf = bigger;
        }
        match reader.read(&mut buf[len..]) {
            Ok(0) => break,
            Ok(n) => len += n,
            Err(err) if err.kind() == std::io::ErrorKind::Interrupted => {}
            Err(err) => return Err(err),
        }
    }
    // Zeroizing a Vec clears its whole capacity, the truncated tail too.
    buf.truncate(len);
    Ok(buf)
}

#[cfg(test)]
mod tests {
    use super::read_secret;

    #[test]
    fn read_secret_is_byte_exact_across_growth() {
        for len in [0, 1, 16 * 1024 - 1, 16 * 1024, 16 * 1024 + 1, 100_000] {
            let data: Vec<u8> = (0..len).map(|i| (i * 7 % 256) as u8).collect();
            // Short reads, as a pipe gives.
            let reader = std::io::Read::chain(&data[..len / 3], &data[len / 3..]);
            assert_eq!(*read_secret(reader).unwrap(), data, "{len} bytes");
        }
    }
}
