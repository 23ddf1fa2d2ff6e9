//! The command line: clap definitions, one file per command, and the mapping of errors to
//! messages and exit codes. Nothing below `src/cli/` is needed by the library.

mod apply;
mod config;
mod diff;
pub mod error;
mod generate;
mod global;
mod init;
mod log;
mod persist;
mod restore;
mod secret;
mod signers;
mod status;
mod verify;
mod watch;

use std::io::Write;

use clap::{Parser, Subcommand};

use crate::cli::error::exit;
pub use global::GlobalArgs;

/// The exit codes every command uses; `--help` and the man pages' EXIT STATUS list them.
pub(crate) const EXIT_CODES: &[(i32, &str)] = &[
    (0, "success"),
    (1, "error"),
    (2, "differences found (diff --exit-code)"),
    (3, "refused by a safety guard (prune guard, mass-delete guard; restore onto a cluster that holds keys; a value persist could not write back)"),
    (4, "a key changed in etcd (or the branch moved) while netsync worked, or a saved plan no longer holds; nothing was overwritten, rerun"),
    (5, "a key changed both in Git and in etcd since the sync point (apply, persist); nothing was overwritten; resolve with --prefer git|etcd"),
    (6, "status --max-age: the sync point is older, or there is none"),
    (7, "a check failed: status --fail-on (drift, conflict, unhealthy, remote, lock, no-remote, refused), verify (a backup failed the recovery drill), secret audit (not clean)"),
    (8, "a commit to deploy is not signed by an allowed signer (apply, restore with --allowed-signers); nothing was written"),
    (64, "usage error: a bad flag or environment value, --cert without --key, or a user without a password and no terminal to ask for it"),
    (130, "interrupted at a prompt (Ctrl-C); nothing was written"),
];

/// The environment netsync reads; `--help` and the man pages' ENVIRONMENT list it.
pub(crate) const ENVIRONMENT: &[(&str, &str)] = &[
    ("NETSYNC_ENDPOINTS, ETCDCTL_ENDPOINTS", "--endpoints"),
    ("NETSYNC_CACERT, ETCDCTL_CACERT", "--cacert"),
    ("NETSYNC_CERT, ETCDCTL_CERT", "--cert"),
    ("NETSYNC_KEY, ETCDCTL_KEY", "--key"),
    (
        "NETSYNC_INSECURE_SKIP_TLS_VERIFY, ETCDCTL_...",
        "--insecure-skip-tls-verify (true/false)",
    ),
    (
        "NETSYNC_USER, ETCDCTL_USER",
        "--user (name or name:password)",
    ),
    (
        "NETSYNC_PASSWORD, ETCDCTL_PASSWORD",
        "the password of --user name",
    ),
    (
        "NETSYNC_DIAL_TIMEOUT, ETCDCTL_DIAL_TIMEOUT",
        "--dial-timeout",
    ),
    (
        "NETSYNC_COMMAND_TIMEOUT, ETCDCTL_COMMAND_TIMEOUT",
        "--command-timeout",
    ),
    ("NETSYNC_IDENTITY_FILE", "--identity (decrypting secrets)"),
    (
        "NETSYNC_ALLOWED_SIGNERS",
        "--allowed-signers (apply, restore, diff)",
    ),
    ("NETSYNC_REPO", "--repo"),
    ("NETSYNC_LOG_FORMAT", "--log-format (text or json)"),
    ("RUST_LOG", "log filter, e.g. RUST_LOG=netsync=debug"),
    (
        "NO_COLOR, CLICOLOR_FORCE",
        "no colours / colours with --color auto",
    ),
    ("TERM=dumb", "no colours, no progress bars"),
];

/// The text after `netsync --help`: exit codes, where settings come from, the environment.
fn after_help() -> String {
    let mut text = String::from("Exit codes:\n");
    for (code, meaning) in EXIT_CODES {
        // Wrapped here with a hanging indent: clap would wrap to the left margin.
        let mut line = format!("  {code:<3}");
        for word in meaning.split(' ') {
            if line.len() + 1 + word.len() > 90 {
                text.push_str(&line);
                text.push('\n');
                line = " ".repeat(5);
            }
            line.push(' ');
            line.push_str(word);
        }
        text.push_str(&line);
        text.push('\n');
    }
    text.push_str(
        "\nSettings come from, in order: flags, NETSYNC_* variables, etcdctl's ETCDCTL_* \
         variables,\nthe [etcd] section of netsync.toml, defaults. `netsync config` shows the \
         result.\n\nEnvironment:\n",
    );
    for (names, meaning) in ENVIRONMENT {
        text.push_str(&format!("  {names:<49} {meaning}\n"));
    }
    text.truncate(text.trim_end().len());
    text
}

/// What `--version` prints after the name: the version, then the commit the binary was built
/// from and its target (both recorded by build.rs). `-V` prints the version alone, and so do
/// the man pages, which must not change with every commit.
const LONG_VERSION: &str = concat!(
    env!("CARGO_PKG_VERSION"),
    "\ncommit: ",
    env!("NETSYNC_BUILD_COMMIT"),
    "\ntarget: ",
    env!("NETSYNC_BUILD_TARGET"),
);

/// Keep a Git repository and an etcd cluster in sync, both ways.
///
/// The desired state lives in Git (one file per etcd key, under folders mapped to key
/// prefixes in netsync.toml); the live state lives in etcd. `diff` shows how they differ,
/// `apply` makes etcd hold a Git revision, `persist` commits etcd's changes to Git.
///
/// Example: netsync diff --repo /srv/network.git --endpoints https://10.0.0.1:2379 --cacert ca.crt
#[derive(Debug, Parser)]
#[command(
    name = "netsync",
    version,
    long_version = LONG_VERSION,
    after_help = after_help(),
    max_term_width = 100
)]
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
    Secret(secret::SecretArgs),
    Persist(persist::PersistArgs),
    Restore(restore::RestoreArgs),
    Status(status::StatusArgs),
    Log(log::LogArgs),
    Verify(verify::VerifyArgs),
    Watch(watch::WatchArgs),
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
    if global.output == global::Output::Openmetrics
        && !matches!(cli.command, Command::Status(_) | Command::Verify(_))
    {
        eprintln!("error: --output openmetrics is for `netsync status` and `netsync verify` only");
        eprintln!("hint: use --output human or --output json");
        return exit::USAGE;
    }
    let result = runtime.block_on(async {
        match &cli.command {
            Command::Init(args) => init::run(global, args),
            Command::Diff(args) => diff::run(global, args).await,
            Command::Apply(args) => apply::run(global, args).await,
            Command::Config(args) => config::run(global, args),
            Command::Secret(args) => secret::run(global, args).await,
            Command::Persist(args) => persist::run(global, args).await,
            Command::Restore(args) => restore::run(global, args).await,
            Command::Status(args) => status::run(global, args).await,
            Command::Log(args) => log::run(global, args),
            Command::Verify(args) => verify::run(global, args).await,
            Command::Watch(args) => watch::run(global, args).await,
            Command::Completions(args) => generate::completions(args),
            Command::GenerateDocs(args) => generate::docs(args),
        }
    });
    match result {
        Ok(code) => code,
        Err(err) => {
            if global.output == global::Output::Json {
                error_document(&cli.command, &err);
            }
            match global.log_format {
                global::LogFormat::Text => report(&err),
                global::LogFormat::Json => report_json(&err),
            }
        }
    }
}

/// With `--output json`, a failed command still prints one document on stdout, as
/// Terraform's `-json` does: what went wrong, its causes and hints, and the exit code.
fn error_document(command: &Command, err: &crate::cli::error::Error) {
    // restore printed its report, mismatches included, before failing on them.
    if matches!(
        err,
        crate::cli::error::Error::Restore(netsync::restore::Error::Verify { .. })
    ) {
        return;
    }
    use netsync::render::json::{Envelope, ErrorBody, ErrorInfo};
    let (message, causes) = message_and_causes(err);
    let doc = Envelope::new(
        command.name(),
        ErrorBody {
            error: ErrorInfo {
                kind: err.kind(),
                message,
                causes,
                hints: err.hints(),
                exit_code: err.exit_code(),
            },
        },
    );
    let _ = netsync::render::json::write(&mut std::io::stdout().lock(), &doc);
}

impl Command {
    /// The command's name, as JSON documents give it.
    fn name(&self) -> &'static str {
        match self {
            Command::Init(_) => "init",
            Command::Diff(_) => "diff",
            Command::Apply(_) => "apply",
            Command::Config(_) => "config",
            Command::Secret(args) => args.name(),
            Command::Persist(_) => "persist",
            Command::Restore(_) => "restore",
            Command::Status(_) => "status",
            Command::Log(_) => "log",
            Command::Verify(_) => "verify",
            Command::Watch(_) => "watch",
            Command::Completions(_) => "completions",
            Command::GenerateDocs(_) => "generate-docs",
        }
    }
}

/// Print `error: …`, its causes and hints to stderr; return the exit code.
fn report(err: &crate::cli::error::Error) -> i32 {
    let mut stderr = anstream::stderr().lock();
    let red = anstyle::AnsiColor::Red.on_default().bold();
    let (message, causes) = message_and_causes(err);
    let _ = writeln!(stderr, "{red}error:{red:#} {message}");
    for cause in causes {
        let _ = writeln!(stderr, "  caused by: {cause}");
    }
    let cyan = anstyle::AnsiColor::Cyan.on_default().bold();
    for hint in err.hints() {
        let _ = writeln!(stderr, "{cyan}hint:{cyan:#} {hint}");
    }
    err.exit_code()
}

/// `--log-format json`: the error as one log record on stderr, like every other log line.
fn report_json(err: &crate::cli::error::Error) -> i32 {
    let (message, causes) = message_and_causes(err);
    let record = serde_json::json!({
        "timestamp": humantime::format_rfc3339_micros(std::time::SystemTime::now()).to_string(),
        "level": "ERROR",
        "message": message,
        "kind": err.kind(),
        "causes": causes,
        "hints": err.hints(),
        "exit_code": err.exit_code(),
    });
    let mut stderr = std::io::stderr().lock();
    let _ = writeln!(stderr, "{record}");
    err.exit_code()
}

/// The `error:` line and the distinct causes below it, one per line. Some messages carry
/// causes of their own (an unreachable cluster says what each endpoint answered, as
/// `caused by:` lines): those are causes too, not part of the message.
fn message_and_causes(err: &crate::cli::error::Error) -> (String, Vec<String>) {
    const CAUSED_BY: &str = "\n  caused by: ";
    let text = err.to_string();
    let mut parts = text.split(CAUSED_BY);
    let message = parts.next().unwrap_or_default().to_owned();
    let mut all: Vec<String> = Vec::new();
    let mut add = |line: &str| {
        if !all.iter().any(|known| known == line) {
            all.push(line.to_owned());
        }
    };
    parts.for_each(&mut add);
    for cause in causes(err) {
        cause.split(CAUSED_BY).for_each(&mut add);
    }
    (message, all)
}

/// The distinct causes of `err` below its message: transparent wrappers repeat their inner
/// message, so each is given once.
fn causes(err: &crate::cli::error::Error) -> Vec<String> {
    let mut causes = Vec::new();
    let mut source = std::error::Error::source(err);
    let mut last = err.to_string();
    while let Some(cause) = source {
        let text = cause.to_string();
        // A library's bare variant name ("NotFound") tells a person nothing.
        let debug_name = !text.contains(' ') && text.starts_with(|c: char| c.is_ascii_uppercase());
        if !last.contains(&text) && !debug_name {
            causes.push(text.clone());
        }
        last = text;
        source = cause.source();
    }
    causes
}

/// Map an I/O error while writing output: a closed pipe is a clean exit.
pub(crate) fn output_error(err: std::io::Error) -> crate::cli::error::Error {
    if err.kind() == std::io::ErrorKind::BrokenPipe {
        std::process::exit(exit::OK);
    }
    crate::cli::error::Error::Io {
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

    /// `--key`/`--cert` (TLS) are global; `secret set KEY` has a positional `key`: both parse.
    #[test]
    fn tls_key_flag_and_positional_key_coexist() {
        let cli = Cli::try_parse_from([
            "netsync", "secret", "show", "/net/a", "--key", "/k.pem", "--cert", "/c.pem",
        ])
        .unwrap();
        assert_eq!(cli.global.tls_key.as_deref(), Some("/k.pem".as_ref()));
        assert_eq!(cli.global.tls_cert.as_deref(), Some("/c.pem".as_ref()));
    }

    /// `netsync --help` lists each command on one line, and a command's help shows its own
    /// options first, then the shared ones under their own headings.
    #[test]
    fn help_is_readable_at_a_glance() {
        let mut cmd = Cli::command();
        cmd.build();
        fn walk(cmd: &clap::Command, path: &str) {
            for sub in cmd.get_subcommands().filter(|s| s.get_name() != "help") {
                let name = format!("{path} {}", sub.get_name());
                if !sub.is_hide_set() {
                    let about = sub.get_about().map(|a| a.to_string()).unwrap_or_default();
                    assert!(
                        !about.is_empty() && about.len() <= 72 && !about.contains('\n'),
                        "{name}: the summary must be one short line: {about:?}"
                    );
                }
                walk(sub, &name);
            }
        }
        walk(&cmd, "netsync");
        let help = Cli::try_parse_from(["netsync", "diff", "--help"])
            .unwrap_err()
            .render()
            .to_string();
        let own = help.find("      --exit-code").unwrap();
        let global = help.find("Global options:").expect("a global heading");
        let connection = help
            .find("Connection options (etcd):")
            .expect("a connection heading");
        assert!(own < global && global < connection, "{help}");
        assert!(
            help[connection..].contains("      --endpoints <URLS>"),
            "{help}"
        );
        assert!(
            !help[..connection].contains("      --endpoints <URLS>"),
            "{help}"
        );
    }

    /// Every flag and every subcommand explains itself with an example (they become the man
    /// pages).
    #[test]
    fn every_flag_and_subcommand_has_help_with_an_example() {
        let mut cmd = Cli::command();
        cmd.build();
        let mut missing = Vec::new();
        let mut check = |cmd: &clap::Command| {
            let about = cmd
                .get_long_about()
                .or(cmd.get_about())
                .map(|s| s.to_string())
                .unwrap_or_default();
            if !about.contains("Example") {
                missing.push(format!("command {}", cmd.get_name()));
            }
            for arg in cmd.get_arguments() {
                let id = arg.get_id().as_str();
                if id == "help"
                    || id == "version"
                    || arg.is_hide_set()
                    || arg.is_global_set() && cmd.get_name() != "netsync"
                {
                    continue;
                }
                let help = arg
                    .get_long_help()
                    .or(arg.get_help())
                    .map(|s| s.to_string())
                    .unwrap_or_default();
                if !help.contains("Example") {
                    missing.push(format!("{} --{id}", cmd.get_name()));
                }
            }
        };
        fn walk(cmd: &clap::Command, check: &mut dyn FnMut(&clap::Command)) {
            check(cmd);
            for sub in cmd
                .get_subcommands()
                .filter(|s| !s.is_hide_set() && s.get_name() != "help")
            {
                walk(sub, check);
            }
        }
        walk(&cmd, &mut check);
        assert!(missing.is_empty(), "help without an example: {missing:?}");
    }
}
