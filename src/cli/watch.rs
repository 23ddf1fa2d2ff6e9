//! `netsync watch`: the daemon. Signals, systemd's readiness and watchdog, `--listen` and the
//! event lines on stdout; the watching itself is `netsync::watch`.

use std::io::Write;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use clap::Args;
use netsync::git::Repo;
use netsync::render;
use netsync::watch::metrics::{Metrics, Role};
use netsync::watch::{self, Control, Event, WatchOptions};
use tokio::sync::mpsc;

use super::GlobalArgs;
use crate::cli::error::exit;
use crate::cli::global::Output;

/// Commit etcd's changes as they happen; optionally apply new commits.
///
/// Follow an etcd watch on the managed prefixes and commit each burst of changes as `persist`
/// would (same three-way rule, guards, secret sealing, trailers), once --debounce passed
/// without a change and at the latest --max-delay after the burst's first change; push it to
/// the primary remote (retried with backoff), then to the backups on their own schedule. At
/// start it records what changed while no watcher ran. With --apply it also asks the primary
/// remote for new commits every --poll (and on SIGHUP) and applies them: Git-only changes
/// written, drift kept and recorded, conflicts reported and skipped.
///
/// Run it on every core node: one watcher is active (an etcd lease), the others stand by and
/// take over within --lease-ttl when it dies. SIGTERM or SIGINT: the run under way finishes
/// (or is abandoned after a few seconds), the lease is given up, exit 0. Under systemd it
/// reports readiness and pings the watchdog (Type=notify, WatchdogSec=).
///
/// Example: netsync watch --repo /var/lib/netsync/network.git --listen 127.0.0.1:9477
#[derive(Debug, Args)]
pub struct WatchArgs {
    /// Quiet time that ends a burst of changes. Example: --debounce 2s
    #[arg(long, value_name = "DURATION", value_parser = humantime::parse_duration, default_value = "2s")]
    pub debounce: Duration,
    /// The longest a burst waits after its first change, however busy etcd is.
    /// Example: --max-delay 30s
    #[arg(long, value_name = "DURATION", value_parser = humantime::parse_duration, default_value = "30s")]
    pub max_delay: Duration,
    /// Also apply new commits of the branch from the primary remote (needs the identity to
    /// decrypt secrets, as apply does). Example: netsync watch --apply
    #[arg(long)]
    pub apply: bool,
    /// How often --apply asks the primary remote for new commits (SIGHUP asks at once).
    /// Example: --poll 30s
    #[arg(long, value_name = "DURATION", value_parser = humantime::parse_duration, default_value = "30s")]
    pub poll: Duration,
    /// Serve /metrics (OpenMetrics) and /healthz on this address. Example: --listen 127.0.0.1:9477
    #[arg(long, value_name = "ADDR")]
    pub listen: Option<SocketAddr>,
    /// Time to live of the active watcher's lease: how soon a standby takes over from a dead
    /// one. Example: --lease-ttl 15s
    #[arg(long, value_name = "DURATION", value_parser = humantime::parse_duration, default_value = "15s")]
    pub lease_ttl: Duration,
    /// Branch to commit to. Default: `branch` in netsync.toml, else the branch HEAD names.
    /// Example: --branch main
    #[arg(long, value_name = "NAME")]
    pub branch: Option<String>,
    /// With --apply: the commits to apply must be signed by an allowed signer, as for
    /// `netsync apply`; a tip that is not is left unapplied (reported), and the next one
    /// pushed is tried.
    #[command(flatten)]
    pub signers: super::signers::SignersArgs,
    /// With --apply: apply without checking commit signatures, even when allowed signers are
    /// configured (NETSYNC_ALLOWED_SIGNERS, /etc/netsync/allowed_signers).
    /// Example: netsync watch --apply --no-verify-signatures
    #[arg(long, alias = "no-verify")]
    pub no_verify_signatures: bool,
    /// Keys per etcd range request (testing aid).
    #[arg(long, hide = true, env = "NETSYNC_PAGE_SIZE", default_value_t = netsync::persist::PAGE_SIZE)]
    pub page_size: usize,
}

pub async fn run(global: &GlobalArgs, args: &WatchArgs) -> Result<i32, crate::cli::error::Error> {
    let repo = Repo::open(&global.repo)?;
    let (branch, config) = netsync::persist::target_branch(&repo, args.branch.as_deref())?;
    // Loaded now, so that a wrong identity fails at start and not at the first apply.
    let identities = match args.apply {
        true => global.identities()?,
        false => netsync::secrets::Identities::none(),
    };
    // Likewise the allowed signers: a file that cannot be used fails at start.
    let allowed_signers = match args.apply {
        true => args.signers.resolve(args.no_verify_signatures)?,
        false => None,
    };
    if config.persist.remotes.is_empty() {
        tracing::warn!(
            "persist.remotes is empty: the commits stay in this repository alone; add the primary and backup remotes to netsync.toml"
        );
    }
    let mut kv = global.connect(&config).await?;
    let lease_ttl = args.lease_ttl.max(Duration::from_secs(2));
    let options = WatchOptions {
        branch,
        debounce: args.debounce,
        max_delay: args.max_delay.max(args.debounce),
        apply: args.apply,
        poll: args.poll.max(Duration::from_secs(1)),
        lease_ttl,
        identity_files: global.identities.clone(),
        allowed_signers,
        page_size: args.page_size.max(1),
    };
    // Failing longer than a burst may wait, and a little more, is unhealthy.
    let metrics = Arc::new(Metrics::new(options.max_delay + Duration::from_secs(30)));
    let (stop_server, server_stopped) = tokio::sync::oneshot::channel::<()>();
    let server = match args.listen {
        Some(addr) => Some(
            watch::http::serve(addr, metrics.clone(), async {
                let _ = server_stopped.await;
            })
            .await
            .map_err(|source| crate::cli::error::Error::Listen { addr, source })?,
        ),
        None => None,
    };

    let (control, mut controls) = mpsc::unbounded_channel();
    let signals = tokio::spawn(signals(control));
    let watchdog = tokio::spawn(watchdog(metrics.clone()));

    let json = global.output == Output::Json;
    let human = global.human();
    let ready = std::sync::Once::new();
    let report = |event: &Event| {
        if !matches!(event, Event::Stopped) {
            ready.call_once(|| notify(&[sd_notify::NotifyState::Ready]));
        }
        let line = line(event);
        notify(&[sd_notify::NotifyState::Status(&line)]);
        match event {
            Event::Failed { .. }
            | Event::Refused { .. }
            | Event::Untrusted { .. }
            | Event::LostLease => {
                tracing::warn!("{line}")
            }
            Event::Backup { error: Some(_), .. } => tracing::warn!("{line}"),
            Event::Conflicts { keys } if !keys.is_empty() => {}
            _ => tracing::info!("{line}"),
        }
        let mut out = global.stdout();
        let _ = match (json, human) {
            // One document per line (JSON Lines), not pretty-printed: a stream of events.
            (true, _) => serde_json::to_writer(
                &mut out,
                &render::json::Envelope::new("watch", render::json::WatchBody { event }),
            )
            .map_err(std::io::Error::from)
            .and_then(|()| writeln!(out)),
            (false, true) => writeln!(out, "{line}"),
            (false, false) => Ok(()),
        };
        let _ = out.flush();
    };
    let watching = watch::Watch {
        repo: &repo,
        kv: &mut kv,
        options: &options,
        identities: &identities,
        metrics: metrics.clone(),
        report: &report,
    };
    let result = watch::run(watching, &mut controls).await;
    notify(&[sd_notify::NotifyState::Stopping]);
    signals.abort();
    watchdog.abort();
    let _ = stop_server.send(());
    if let Some(server) = server {
        let _ = tokio::time::timeout(Duration::from_secs(2), server).await;
    }
    result.map_err(|watch::Error::Persist(err)| err)?;
    Ok(exit::OK)
}

/// SIGTERM and SIGINT stop the watcher, SIGHUP makes it ask the remote now. Should a stop not
/// get through (a `git push` that hangs), the process exits anyway, its lease left to expire.
async fn signals(control: mpsc::UnboundedSender<Control>) {
    use tokio::signal::unix::{signal, SignalKind};
    let (Ok(mut term), Ok(mut int), Ok(mut hup)) = (
        signal(SignalKind::terminate()),
        signal(SignalKind::interrupt()),
        signal(SignalKind::hangup()),
    ) else {
        tracing::warn!("cannot handle signals; SIGTERM ends the watcher at once");
        return;
    };
    loop {
        let stop = tokio::select! {
            _ = term.recv() => true,
            _ = int.recv() => true,
            _ = hup.recv() => false,
        };
        if !stop {
            let _ = control.send(Control::Poll);
            continue;
        }
        let _ = control.send(Control::Stop);
        let deadline = watch::STOP_GRACE + Duration::from_secs(5);
        std::thread::spawn(move || {
            std::thread::sleep(deadline);
            eprintln!(
                "warning: the watcher did not stop within {deadline:?}; exiting, its lease expires with its time to live"
            );
            std::process::exit(exit::OK);
        });
        return;
    }
}

/// Ping systemd's watchdog while the watcher's loop turns (nothing when WatchdogSec= is not
/// set): a watcher stuck for the whole interval is restarted.
async fn watchdog(metrics: Arc<Metrics>) {
    let Some(interval) = sd_notify::watchdog_enabled() else {
        return;
    };
    loop {
        tokio::time::sleep(interval / 2).await;
        if metrics.heartbeat_age() < interval {
            notify(&[sd_notify::NotifyState::Watchdog]);
        } else if metrics.role() != Role::Stopping {
            tracing::warn!(
                "the watcher's loop has not turned for {:?}; not telling the watchdog",
                metrics.heartbeat_age()
            );
        }
    }
}

/// Tell systemd (nothing without NOTIFY_SOCKET).
fn notify(state: &[sd_notify::NotifyState]) {
    if let Err(err) = sd_notify::notify(state) {
        tracing::debug!(%err, "cannot notify systemd");
    }
}

/// One line per event, as the human output and systemd's STATUS= show it.
fn line(event: &Event) -> String {
    let short = |c: &str| c[..c.len().min(12)].to_owned();
    match event {
        Event::Standby { holder } => format!("standby: the active watcher is {holder}"),
        Event::Active { lease_ttl_seconds } => {
            format!("active: watching etcd (lease {lease_ttl_seconds}s)")
        }
        Event::Committed {
            commit,
            etcd_revision,
            added,
            changed,
            deleted,
            pushed,
            rebuilt,
        } => {
            let mut text = format!(
                "committed {} (etcd revision {etcd_revision}): {added} added, {changed} changed, {deleted} deleted",
                short(commit)
            );
            if *rebuilt > 0 {
                text.push_str(&format!(", rebuilt {rebuilt} time(s)"));
            }
            match pushed.is_empty() {
                true => text.push_str("; not pushed"),
                false => text.push_str(&format!("; pushed to {}", pushed.join(", "))),
            }
            text
        }
        Event::Applied {
            commit,
            transactions,
        } => format!(
            "applied {} to etcd ({transactions} transaction(s))",
            short(commit)
        ),
        Event::Conflicts { keys } if keys.is_empty() => "conflicts: none left".to_owned(),
        Event::Conflicts { keys } => format!(
            "conflicts: {} changed both in Git and in etcd; skipped, left to the operator",
            keys.join(", ")
        ),
        Event::Backup {
            remote,
            commit,
            error: None,
            ..
        } => format!("pushed {} to {remote} (backup)", short(commit)),
        Event::Backup {
            remote,
            error: Some(error),
            retry_in_seconds,
            ..
        } => format!(
            "push to {remote} (backup) failed: {error}; retrying in {}s",
            retry_in_seconds.unwrap_or(0)
        ),
        Event::Failed {
            error,
            retry_in_seconds,
        } => format!("{error}; retrying in {retry_in_seconds}s"),
        Event::Refused { error } => {
            format!("{error}; waiting for the next change in etcd (or SIGHUP) to try again")
        }
        Event::Untrusted { error } => {
            format!("not applied: {error}; the next commit pushed to the branch is tried")
        }
        Event::LostLease => "lost the lease (etcd unreachable or too slow): standing by".to_owned(),
        Event::Stopped => "stopped: lease given up".to_owned(),
    }
}
