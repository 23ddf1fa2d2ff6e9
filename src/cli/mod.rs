//! The command line: clap definitions, one file per command, and the mapping of errors to
//! messages and exit codes. Nothing below `src/cli/` is needed by the library.

mod apply;
mod config;
mod diff;
mod generate;
mod global;
mod init;

use std::io::Write;

use clap::{Parser, Subcommand};

pub use global::GlobalArgs;
use netsync::error::exit;

const AFTER_HELP: &str = "\
Exit codes:
  0   success
  1   error
  2   differences found (diff --exit-code)
  3   refused by a safety guard (prune guard)
  4   a key changed in etcd while netsync worked; nothing was overwritten, rerun
  64  usage error

Environment:
  NETSYNC_ENDPOINTS, ETCDCTL_ENDPOINTS   etcd endpoints (comma-separated)
  RUST_LOG                               log filter, e.g. RUST_LOG=netsync=debug
  NO_COLOR                               disable colours";

/// Keep a Git repository and an etcd cluster in sync, both ways.
///
/// The desired state lives in Git (one file per etcd key, under folders mapped to key
/// prefixes in netsync.toml); the live state lives in etcd. `diff` shows how they differ,
/// `apply` makes etcd hold a Git revision.
#[derive(Debug, Parser)]
#[command(name = "netsync", version, after_help = AFTER_HELP, max_term_width = 100)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    Init(init::InitArgs),
    Diff(diff::DiffArgs),
    Apply(apply::ApplyArgs),
    Config(config::ConfigArgs),
    Completions(generate::CompletionsArgs),
    #[command(hide = true)]
    GenerateDocs(generate::GenerateDocsArgs),
}

/// Run the parsed command; returns the process exit code.
pub fn run(cli: Cli) -> i32 {
    global::init_tracing(&cli.global);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(err) => {
            eprintln!("error: cannot start the async runtime: {err}");
            return exit::ERROR;
        }
    };
    let global = &cli.global;
    let result = runtime.block_on(async {
        match &cli.command {
            Command::Init(args) => init::run(global, args),
            Command::Diff(args) => diff::run(global, args).await,
            Command::Apply(args) => apply::run(global, args).await,
            Command::Config(args) => config::run(global, args),
            Command::Completions(args) => generate::completions(args),
            Command::GenerateDocs(args) => generate::docs(args),
        }
    });
    match result {
        Ok(code) => code,
        Err(err) => report(&err),
    }
}

/// Print `error: …`, its causes and hints to stderr; return the exit code.
fn report(err: &netsync::Error) -> i32 {
    let mut stderr = anstream::stderr().lock();
    let red = anstyle::AnsiColor::Red.on_default().bold();
    let _ = writeln!(stderr, "{red}error:{red:#} {err}");
    let mut source = std::error::Error::source(err);
    let mut last = err.to_string();
    while let Some(cause) = source {
        let text = cause.to_string();
        // transparent wrappers repeat their inner message; print each distinct cause once
        if !last.contains(&text) {
            let _ = writeln!(stderr, "  caused by: {text}");
        }
        last = text;
        source = cause.source();
    }
    let cyan = anstyle::AnsiColor::Cyan.on_default().bold();
    for hint in err.hints() {
        let _ = writeln!(stderr, "{cyan}hint:{cyan:#} {hint}");
    }
    err.exit_code()
}

/// Map an I/O error while writing output: a closed pipe is a clean exit.
pub(crate) fn output_error(err: std::io::Error) -> netsync::Error {
    if err.kind() == std::io::ErrorKind::BrokenPipe {
        std::process::exit(exit::OK);
    }
    netsync::Error::Io {
        path: "<stdout>".into(),
        source: err,
    }
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::*;

    #[test]
    fn verify_cli() {
        Cli::command().debug_assert();
    }
}
