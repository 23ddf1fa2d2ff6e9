//! Options every command takes, and what they resolve to: endpoints, output, colours, logs.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, ValueEnum};
use netsync::config::{Config, EtcdSettings};
use netsync::kv::EtcdKv;
use netsync::progress::Progress;
use netsync::render::OutputFormat;
use netsync::settings::{self, Effective, Layer, Password, Setting, Source};

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Output {
    Human,
    Json,
    /// OpenMetrics text, for `netsync status` and `netsync verify`.
    Openmetrics,
}

/// How log lines on stderr are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    /// `warning: …` lines by default; timestamped records with -v or RUST_LOG.
    Text,
    /// One JSON object per line (timestamp, level, message, fields), for journald or Loki.
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorWhen {
    Auto,
    Always,
    Never,
}

/// Help headings: a command's own options come first, then these.
const GLOBAL: &str = "Global options";
const CONNECTION: &str = "Connection options (etcd)";

#[derive(Debug, Args)]
pub struct GlobalArgs {
    /// The Git repository, bare or not; netsync reads committed revisions, never the working
    /// tree. Example: --repo /var/lib/netsync/network.git
    #[arg(
        long,
        global = true,
        help_heading = GLOBAL,
        value_name = "PATH",
        default_value = ".",
        env = "NETSYNC_REPO"
    )]
    pub repo: PathBuf,

    /// etcd endpoints, comma-separated. Falls back to NETSYNC_ENDPOINTS, then etcdctl's
    /// ETCDCTL_ENDPOINTS, then `etcd.endpoints` in netsync.toml, then http://127.0.0.1:2379.
    /// Without a scheme, https:// is used when a TLS option is set, else http://.
    /// Example: --endpoints https://10.0.0.1:2379,https://10.0.0.2:2379
    #[arg(long, global = true, help_heading = CONNECTION, value_name = "URLS", value_delimiter = ',')]
    pub endpoints: Vec<String>,

    /// CA bundle (PEM) that signed the etcd servers' certificates; turns TLS on. Without it,
    /// https:// endpoints are checked against the system's roots. Also NETSYNC_CACERT,
    /// ETCDCTL_CACERT, `etcd.cacert`. Example: --cacert /etc/etcd/pki/ca.crt
    #[arg(long, global = true, help_heading = CONNECTION, value_name = "FILE")]
    pub cacert: Option<PathBuf>,

    /// Client certificate (PEM) for servers that ask for one (etcd --client-cert-auth);
    /// needs --key. Also NETSYNC_CERT, ETCDCTL_CERT, `etcd.cert`.
    /// Example: --cert /etc/etcd/pki/netsync.crt
    #[arg(long = "cert", id = "tls_cert", global = true, help_heading = CONNECTION, value_name = "FILE")]
    pub tls_cert: Option<PathBuf>,

    /// Private key (PEM) of --cert. Also NETSYNC_KEY, ETCDCTL_KEY, `etcd.key`.
    /// Example: --key /etc/etcd/pki/netsync.key
    // `id` differs from the flag: `secret set KEY` has a positional `key`.
    #[arg(long = "key", id = "tls_key", global = true, help_heading = CONNECTION, value_name = "FILE")]
    pub tls_key: Option<PathBuf>,

    /// DANGEROUS: use TLS but accept any server certificate, so anyone on the network path
    /// can read and change what netsync reads and writes. For a first test only. Also
    /// NETSYNC_INSECURE_SKIP_TLS_VERIFY=true, ETCDCTL_INSECURE_SKIP_TLS_VERIFY=true.
    /// Example: --insecure-skip-tls-verify --endpoints https://10.0.0.1:2379
    #[arg(long, global = true, help_heading = CONNECTION)]
    pub insecure_skip_tls_verify: bool,

    /// etcd user, as `name` or `name:password`. Without a password here, netsync reads
    /// NETSYNC_PASSWORD, then the file NETSYNC_PASSWORD_FILE names, then ETCDCTL_PASSWORD,
    /// else asks on the terminal (no echo). Also
    /// NETSYNC_USER, ETCDCTL_USER, `etcd.user` (name only). Example: --user netsync
    #[arg(long, global = true, help_heading = CONNECTION, value_name = "NAME[:PASSWORD]")]
    pub user: Option<String>,

    /// Output format on stdout: `human`, `json` (one document, described in docs/json.md),
    /// or for `status` and `verify` `openmetrics` (docs/monitoring.md). Example: -o json
    #[arg(
        short = 'o',
        long,
        global = true,
        help_heading = GLOBAL,
        value_enum,
        default_value_t = Output::Human,
        value_name = "FORMAT"
    )]
    pub output: Output,

    /// When to colour output and log lines: `auto` (only on a terminal, and not when
    /// NO_COLOR is set or TERM=dumb), `always` or `never`. Example: --color never
    #[arg(long, global = true, help_heading = GLOBAL, value_enum, default_value_t = ColorWhen::Auto, value_name = "WHEN")]
    pub color: ColorWhen,

    /// How log lines on stderr are written: `text`, or `json` (one object per line, for
    /// journald or Loki). Also NETSYNC_LOG_FORMAT. Example: --log-format json -v
    #[arg(
        long,
        global = true,
        help_heading = GLOBAL,
        value_enum,
        default_value_t = LogFormat::Text,
        value_name = "FORMAT",
        env = "NETSYNC_LOG_FORMAT"
    )]
    pub log_format: LogFormat,

    /// More logs on stderr (-v info, -vv debug, -vvv trace); RUST_LOG overrides.
    /// Example: -vv
    #[arg(short, long, global = true, help_heading = GLOBAL, action = clap::ArgAction::Count)]
    pub verbose: u8,

    /// Print nothing but errors: no human output, status lines, warnings or progress. The
    /// exit code still tells the result; `--output json` still prints its document.
    /// Example: netsync apply -q || alert
    #[arg(short, long, global = true, help_heading = GLOBAL)]
    pub quiet: bool,

    /// How long to wait for etcd to answer at all (default 5s). Also NETSYNC_DIAL_TIMEOUT,
    /// ETCDCTL_DIAL_TIMEOUT, `etcd.dial_timeout`. Example: --dial-timeout 3s
    #[arg(long, global = true, help_heading = CONNECTION, value_name = "DURATION", value_parser = humantime::parse_duration)]
    pub dial_timeout: Option<Duration>,

    /// Identity to decrypt secrets with: an age identity file or an unencrypted OpenSSH
    /// ed25519/rsa private key; repeat for several. Default: NETSYNC_IDENTITY_FILE, then
    /// $XDG_CONFIG_HOME/netsync/identity.txt (~/.config/netsync/identity.txt) if it exists.
    /// Example: --identity ~/.ssh/id_ed25519
    #[arg(long = "identity", global = true, help_heading = GLOBAL, value_name = "FILE")]
    pub identities: Vec<PathBuf>,

    /// Deadline for each etcd request (default 30s). Also NETSYNC_COMMAND_TIMEOUT,
    /// ETCDCTL_COMMAND_TIMEOUT, `etcd.command_timeout`. Example: --command-timeout 1m
    #[arg(long, global = true, help_heading = CONNECTION, value_name = "DURATION", value_parser = humantime::parse_duration)]
    pub command_timeout: Option<Duration>,
}

/// Whether stderr gets colours: as `--color` says; in `auto`, only on a terminal that is not
/// `TERM=dumb` and without NO_COLOR (CLICOLOR_FORCE forces them), as for stdout.
fn stderr_colours() -> bool {
    anstream::AutoStream::choice(&std::io::stderr()) != anstream::ColorChoice::Never
}

/// Whether a person watches stderr: a terminal that can redraw a line (not `TERM=dumb`).
fn attended() -> bool {
    std::io::stderr().is_terminal() && std::env::var_os("TERM").is_none_or(|t| t != "dumb")
}

/// Logs to stderr: warnings by default, more with -v, RUST_LOG wins. Also makes every
/// coloured stderr line (`error:`, `warning:`, `hint:`) follow `--color`.
pub fn init_tracing(global: &GlobalArgs) {
    anstream::ColorChoice::write_global(global.color_choice());
    let colours = stderr_colours();
    let level = match (global.quiet, global.verbose) {
        (true, _) => "error",
        (false, 0) => "warn",
        (false, 1) => "info",
        (false, 2) => "debug",
        _ => "trace",
    };
    let from_env = tracing_subscriber::EnvFilter::try_from_default_env();
    let detailed = global.verbose > 0 || from_env.is_ok();
    let filter = from_env
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(format!("netsync={level},warn")));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(colours)
        .with_target(false);
    // By default only warnings show: as `warning: …` lines, like every other warning netsync
    // prints, not as timestamped log records (those come with -v or RUST_LOG).
    let _ = match (global.log_format, detailed) {
        (LogFormat::Json, _) => builder
            .json()
            .with_ansi(false)
            .with_target(true)
            .flatten_event(true)
            .try_init(),
        (LogFormat::Text, true) => builder.try_init(),
        (LogFormat::Text, false) => builder.event_format(Plain { colours }).try_init(),
    };
}

/// Log events as `warning: message fields` lines, the label coloured as netsync's own.
struct Plain {
    colours: bool,
}

impl<S, N> tracing_subscriber::fmt::FormatEvent<S, N> for Plain
where
    S: tracing::Subscriber + for<'a> tracing_subscriber::registry::LookupSpan<'a>,
    N: for<'a> tracing_subscriber::fmt::FormatFields<'a> + 'static,
{
    fn format_event(
        &self,
        ctx: &tracing_subscriber::fmt::FmtContext<'_, S, N>,
        mut writer: tracing_subscriber::fmt::format::Writer<'_>,
        event: &tracing::Event<'_>,
    ) -> std::fmt::Result {
        let (label, colour) = match *event.metadata().level() {
            tracing::Level::ERROR => ("error", anstyle::AnsiColor::Red),
            tracing::Level::WARN => ("warning", anstyle::AnsiColor::Yellow),
            tracing::Level::INFO => ("info", anstyle::AnsiColor::Green),
            _ => ("debug", anstyle::AnsiColor::Blue),
        };
        let style = match self.colours {
            true => colour.on_default().bold(),
            false => anstyle::Style::new(),
        };
        write!(writer, "{style}{label}:{style:#} ")?;
        ctx.field_format().format_fields(writer.by_ref(), event)?;
        writeln!(writer)
    }
}

impl GlobalArgs {
    /// Whether to print human output on stdout (not with -q).
    pub fn human(&self) -> bool {
        self.output == Output::Human && !self.quiet
    }

    pub fn format(&self) -> OutputFormat {
        match self.output {
            Output::Human => OutputFormat::Human,
            Output::Json => OutputFormat::Json,
            // Refused for every command but `status`, which renders it itself.
            Output::Openmetrics => OutputFormat::Human,
        }
    }

    pub fn progress(&self) -> Progress {
        Progress::new(!self.quiet && attended())
    }

    /// The connection settings, each with where it came from: flags > NETSYNC_* > ETCDCTL_*
    /// > netsync.toml > defaults.
    pub fn settings(&self, file: &EtcdSettings) -> Result<Effective, crate::cli::error::Error> {
        let flags = Layer {
            endpoints: Some(self.endpoints.clone()).filter(|e| !e.is_empty()),
            dial_timeout: self.dial_timeout,
            command_timeout: self.command_timeout,
            cacert: self.cacert.clone(),
            cert: self.tls_cert.clone(),
            key: self.tls_key.clone(),
            insecure_skip_tls_verify: self.insecure_skip_tls_verify.then_some(true),
            user: self.user.clone(),
        };
        Ok(settings::resolve(
            &flags,
            &|name| std::env::var(name).ok(),
            file,
        )?)
    }

    /// The identities to decrypt secrets with (see `--identity`).
    pub fn identities(&self) -> Result<netsync::secrets::Identities, crate::cli::error::Error> {
        Ok(netsync::secrets::Identities::load(&self.identities)?)
    }

    pub async fn connect(&self, config: &Config) -> Result<EtcdKv, crate::cli::error::Error> {
        self.connect_with(&config.etcd).await
    }

    /// [`GlobalArgs::connect`] while the desired state's tree is walked: when etcd cannot be
    /// reached, an error of the walk wins (what to fix first, as when the tree was walked
    /// before dialling).
    pub async fn connect_loading(
        &self,
        loading: netsync::desired::Loading,
    ) -> Result<(EtcdKv, netsync::desired::Loading), crate::cli::error::Error> {
        match self.connect(&loading.config).await {
            Ok(kv) => Ok((kv, loading)),
            Err(err) => {
                loading.wait().await?;
                Err(err)
            }
        }
    }

    /// [`GlobalArgs::connect`] with the `[etcd]` settings alone (no configuration read yet).
    pub async fn connect_with(
        &self,
        file: &EtcdSettings,
    ) -> Result<EtcdKv, crate::cli::error::Error> {
        let mut effective = self.settings(file)?;
        if let (Some(user), None) = (&effective.user.value, &effective.password.value) {
            effective.password = prompt_password(user)?;
        }
        let settings = effective.connect_settings()?;
        if settings.insecure_skip_tls_verify {
            tracing::warn!(
                "TLS certificate verification is OFF (--insecure-skip-tls-verify): the etcd \
                 servers are not authenticated, and anyone on the network path can read and \
                 change what netsync reads and writes"
            );
        }
        tracing::debug!(endpoints = ?settings.endpoints, tls = settings.uses_tls(), "connecting to etcd");
        Ok(EtcdKv::connect(&settings).await?)
    }

    /// `--color` for anstream, which decides `auto` per stream.
    fn color_choice(&self) -> anstream::ColorChoice {
        match self.color {
            ColorWhen::Auto => anstream::ColorChoice::Auto,
            ColorWhen::Always => anstream::ColorChoice::Always,
            ColorWhen::Never => anstream::ColorChoice::Never,
        }
    }

    /// stdout with colours as asked (stripped when not a terminal in `auto`).
    pub fn stdout(&self) -> anstream::AutoStream<std::io::Stdout> {
        anstream::AutoStream::new(std::io::stdout(), self.color_choice())
    }
}

/// Ask on the terminal without echo. Ctrl-C is `ErrorKind::Interrupted`, once the terminal
/// has its echo back.
pub(crate) fn ask_without_echo(prompt: String) -> std::io::Result<String> {
    // rpassword turns Ctrl-C into a SIGINT before it gives the terminal its echo back: with
    // no handler that signal would end netsync and leave the shell without echo. Handled
    // (every command runs inside the tokio runtime), the prompt returns `Interrupted` once
    // the terminal is restored.
    #[cfg(unix)]
    let _sigint = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::interrupt());
    rpassword::prompt_password(prompt)
}

/// Ask for the password of `user` on the terminal, without echo; no terminal, no prompt.
fn prompt_password(user: &str) -> Result<Setting<Option<Password>>, crate::cli::error::Error> {
    if !std::io::stdin().is_terminal() || !std::io::stderr().is_terminal() {
        return Err(settings::Error::NoPassword {
            user: user.to_owned(),
        }
        .into());
    }
    let text = match ask_without_echo(format!("password for etcd user {user}: ")) {
        Ok(text) => text,
        Err(err) if err.kind() == std::io::ErrorKind::Interrupted => {
            return Err(crate::cli::error::Error::Interrupted)
        }
        Err(err) => return Err(settings::Error::Prompt(err).into()),
    };
    Ok(Setting {
        value: Some(Password::new(text)),
        source: Source::Prompt,
    })
}
