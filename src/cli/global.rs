//! Options every command takes, and what they resolve to: endpoints, output, colours, logs.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, ValueEnum};
use netsync::config::Config;
use netsync::kv::{ConnectSettings, EtcdKv};
use netsync::progress::Progress;
use netsync::render::OutputFormat;

/// etcd's own default client URL.
pub const DEFAULT_ENDPOINT: &str = "http://127.0.0.1:2379";

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Output {
    Human,
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorWhen {
    Auto,
    Always,
    Never,
}

#[derive(Debug, Args)]
pub struct GlobalArgs {
    /// The Git repository, bare or not; netsync reads committed revisions, never the working
    /// tree. Example: --repo /var/lib/netsync/network.git
    #[arg(
        long,
        global = true,
        value_name = "PATH",
        default_value = ".",
        env = "NETSYNC_REPO"
    )]
    pub repo: PathBuf,

    /// etcd endpoints, comma-separated. Falls back to NETSYNC_ENDPOINTS, then etcdctl's
    /// ETCDCTL_ENDPOINTS, then `etcd.endpoints` in netsync.toml, then http://127.0.0.1:2379.
    /// Example: --endpoints http://10.0.0.1:2379,http://10.0.0.2:2379
    #[arg(
        long,
        global = true,
        value_name = "URLS",
        value_delimiter = ',',
        env = "NETSYNC_ENDPOINTS"
    )]
    pub endpoints: Vec<String>,

    /// Output format on stdout. Example: --output json
    #[arg(long, global = true, value_enum, default_value_t = Output::Human)]
    pub output: Output,

    /// When to colour human output; NO_COLOR is respected with `auto`.
    #[arg(long, global = true, value_enum, default_value_t = ColorWhen::Auto, value_name = "WHEN")]
    pub color: ColorWhen,

    /// More logs on stderr (-v info, -vv debug, -vvv trace); RUST_LOG overrides.
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,

    /// Print nothing but errors (and the result on stdout).
    #[arg(short, long, global = true)]
    pub quiet: bool,

    /// How long to wait for etcd to answer at all. Example: --dial-timeout 3s
    #[arg(long, global = true, value_name = "DURATION", value_parser = humantime::parse_duration)]
    pub dial_timeout: Option<Duration>,

    /// Identity to decrypt secrets with: an age identity file or an unencrypted OpenSSH
    /// ed25519/rsa private key; repeat for several. Default: NETSYNC_IDENTITY_FILE, then
    /// $XDG_CONFIG_HOME/netsync/identity.txt (~/.config/netsync/identity.txt) if it exists.
    /// Example: --identity ~/.ssh/id_ed25519
    #[arg(long = "identity", global = true, value_name = "FILE")]
    pub identities: Vec<PathBuf>,

    /// Deadline for each etcd request. Example: --command-timeout 1m
    #[arg(long, global = true, value_name = "DURATION", value_parser = humantime::parse_duration)]
    pub command_timeout: Option<Duration>,
}

/// Logs to stderr: warnings by default, more with -v, RUST_LOG wins.
pub fn init_tracing(global: &GlobalArgs) {
    let level = match (global.quiet, global.verbose) {
        (true, _) => "error",
        (false, 0) => "warn",
        (false, 1) => "info",
        (false, 2) => "debug",
        _ => "trace",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(format!("netsync={level},warn")));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none())
        .with_target(false)
        .try_init();
}

impl GlobalArgs {
    pub fn format(&self) -> OutputFormat {
        match self.output {
            Output::Human => OutputFormat::Human,
            Output::Json => OutputFormat::Json,
        }
    }

    pub fn progress(&self) -> Progress {
        Progress::new(!self.quiet && std::io::stderr().is_terminal())
    }

    /// Where the endpoints come from, in precedence order.
    pub fn endpoints(&self, config: &Config) -> Vec<String> {
        if !self.endpoints.is_empty() {
            return self.endpoints.clone();
        }
        if let Ok(env) = std::env::var("ETCDCTL_ENDPOINTS") {
            let list: Vec<String> = env
                .split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect();
            if !list.is_empty() {
                return list;
            }
        }
        if let Some(list) = &config.etcd.endpoints {
            return list.clone();
        }
        vec![DEFAULT_ENDPOINT.to_owned()]
    }

    /// The identities to decrypt secrets with (see `--identity`).
    pub fn identities(&self) -> Result<netsync::secrets::Identities, netsync::Error> {
        Ok(netsync::secrets::Identities::load(&self.identities)?)
    }

    pub async fn connect(&self, config: &Config) -> Result<EtcdKv, netsync::Error> {
        let settings = ConnectSettings {
            endpoints: self.endpoints(config),
            dial_timeout: self.dial_timeout.unwrap_or(config.etcd.dial_timeout),
            command_timeout: self.command_timeout.unwrap_or(config.etcd.command_timeout),
        };
        tracing::debug!(endpoints = ?settings.endpoints, "connecting to etcd");
        Ok(EtcdKv::connect(&settings).await?)
    }

    /// stdout with colours as asked (stripped when not a terminal in `auto`).
    pub fn stdout(&self) -> anstream::AutoStream<std::io::Stdout> {
        let choice = match self.color {
            ColorWhen::Auto => anstream::ColorChoice::Auto,
            ColorWhen::Always => anstream::ColorChoice::Always,
            ColorWhen::Never => anstream::ColorChoice::Never,
        };
        anstream::AutoStream::new(std::io::stdout(), choice)
    }
}
