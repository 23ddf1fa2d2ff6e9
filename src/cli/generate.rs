//! Shell completions and man pages, generated from the clap definitions. `man/` and
//! `completions/` are regenerated with `scripts/gen-docs`; a test fails when they are stale.

use std::path::{Path, PathBuf};

use crate::cli::error::exit;
use clap::{Args, CommandFactory};
use clap_complete::Shell;

use super::Cli;

/// Print a shell completion script to stdout.
///
/// Example: netsync completions bash > /etc/bash_completion.d/netsync
#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell: bash, zsh, fish, elvish or powershell. Example: netsync completions zsh
    #[arg(value_enum)]
    pub shell: Shell,
}

/// Write man pages and completions into a folder (used by scripts/gen-docs).
#[derive(Debug, Args)]
pub struct GenerateDocsArgs {
    /// The project root; `man/` and `completions/` are written below it.
    #[arg(value_name = "DIR")]
    pub out: PathBuf,
}

pub fn completions(args: &CompletionsArgs) -> Result<i32, crate::cli::error::Error> {
    let mut cmd = Cli::command();
    clap_complete::generate(args.shell, &mut cmd, "netsync", &mut std::io::stdout());
    Ok(exit::OK)
}

pub fn docs(args: &GenerateDocsArgs) -> Result<i32, crate::cli::error::Error> {
    for (path, content) in generated_files() {
        let path = args.out.join(path);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|source| crate::cli::error::Error::Io {
                path: parent.to_owned(),
                source,
            })?;
        }
        std::fs::write(&path, content)
            .map_err(|source| crate::cli::error::Error::Io { path, source })?;
    }
    Ok(exit::OK)
}

const SHELLS: [(Shell, &str); 5] = [
    (Shell::Bash, "netsync.bash"),
    (Shell::Zsh, "_netsync"),
    (Shell::Fish, "netsync.fish"),
    (Shell::Elvish, "netsync.elv"),
    (Shell::PowerShell, "_netsync.ps1"),
];

fn man_page(cmd: clap::Command) -> Vec<u8> {
    let mut buf = Vec::new();
    // Rendering into a Vec cannot fail.
    let _ = clap_mangen::Man::new(cmd).render(&mut buf);
    buf
}

/// Every generated file: relative path → content.
pub fn generated_files() -> Vec<(PathBuf, Vec<u8>)> {
    let mut files = Vec::new();
    // The pages name the version alone: with `--version`'s commit line they would go stale
    // with every commit.
    let mut cmd = Cli::command().long_version(None);
    cmd.build();
    files.push((Path::new("man").join("netsync.1"), man_page(cmd.clone())));
    for sub in cmd
        .get_subcommands()
        .filter(|s| !s.is_hide_set() && s.get_name() != "help")
    {
        let name = format!("netsync-{}", sub.get_name());
        let page = sub.clone().name(name.clone());
        files.push((Path::new("man").join(format!("{name}.1")), man_page(page)));
    }
    for (shell, file) in SHELLS {
        let mut buf = Vec::new();
        clap_complete::generate(shell, &mut Cli::command(), "netsync", &mut buf);
        files.push((Path::new("completions").join(file), buf));
    }
    files
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checked_in_man_pages_and_completions_are_fresh() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut stale = Vec::new();
        for (path, content) in generated_files() {
            if std::fs::read(root.join(&path)).ok().as_deref() != Some(content.as_slice()) {
                stale.push(path.display().to_string());
            }
        }
        assert!(
            stale.is_empty(),
            "stale generated files: {stale:?}; regenerate with scripts/gen-docs and commit"
        );
    }
}
