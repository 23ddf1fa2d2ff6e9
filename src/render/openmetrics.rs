//! `status --output openmetrics`: the status as OpenMetrics text (ending in `# EOF`), for
//! node_exporter's textfile collector or any Prometheus scrape. Encoded by
//! prometheus-client; nothing here decides anything.

use std::sync::atomic::AtomicU64;

use prometheus_client::encoding::text::encode;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::{Registry, Unit};

use crate::status::{age_of, EndpointStatus, Status};

type Labels = Vec<(String, String)>;
type Seconds = Gauge<f64, AtomicU64>;

fn label(name: &str, value: &str) -> Labels {
    vec![(name.to_owned(), value.to_owned())]
}

/// The metrics of a gathered `status`.
pub fn status(s: &Status) -> String {
    let mut registry = Registry::with_prefix("netsync");

    let success = Gauge::<i64>::default();
    success.set(1);
    registry.register(
        "status_success",
        "Whether netsync status could gather the state (0: see its exit code and stderr)",
        success,
    );

    if let Some(point) = &s.sync_point {
        if let Some(since) = epoch_seconds(&point.point.time) {
            let time = Seconds::default();
            time.set(since);
            registry.register_with_unit(
                "sync_point_timestamp",
                "When the last sync point was recorded (Unix time)",
                Unit::Seconds,
                time,
            );
        }
        if let Some(age) = point.age_seconds {
            let gauge = Seconds::default();
            gauge.set(age as f64);
            registry.register_with_unit(
                "sync_point_age",
                "How old the last sync point is",
                Unit::Seconds,
                gauge,
            );
        }
    }
    let has_point = Gauge::<i64>::default();
    has_point.set(i64::from(s.sync_point.is_some()));
    registry.register(
        "sync_point_present",
        "Whether this repository has a sync point in this cluster",
        has_point,
    );

    let keys = Family::<Labels, Gauge>::default();
    let c = &s.counts;
    for (class, n) in [
        ("unchanged", c.same),
        ("git_only", c.git_only),
        ("etcd_only", c.drift),
        ("conflict", c.conflicts),
        ("unbased", c.unbased),
    ] {
        keys.get_or_create(&label("class", class)).set(n as i64);
    }
    registry.register(
        "keys",
        "Managed keys by three-way class against the sync point (unbased: differing without one)",
        keys,
    );

    let pushed = Family::<Labels, Seconds>::default();
    let has_commit = Family::<Labels, Gauge>::default();
    let remote_up = Family::<Labels, Gauge>::default();
    for r in &s.remotes {
        let labels = label("remote", &r.remote);
        if let Some(time) = r.last_push.as_ref().and_then(|p| epoch_seconds(&p.time)) {
            pushed.get_or_create(&labels).set(time);
        }
        if let Some(has) = r.has_sync_commit {
            has_commit.get_or_create(&labels).set(i64::from(has));
        }
        remote_up
            .get_or_create(&labels)
            .set(i64::from(r.error.is_none()));
    }
    registry.register_with_unit(
        "remote_last_push_timestamp",
        "When persist last pushed to the remote (Unix time)",
        Unit::Seconds,
        pushed,
    );
    registry.register(
        "remote_has_sync_commit",
        "Whether the remote's branch holds the sync point's commit",
        has_commit,
    );
    registry.register(
        "remote_up",
        "Whether the remote answered (git ls-remote)",
        remote_up,
    );
    let remotes = Gauge::<i64>::default();
    remotes.set(s.remotes.len() as i64);
    registry.register(
        "remotes",
        "How many remotes persist pushes to (persist.remotes)",
        remotes,
    );

    register_endpoints(&mut registry, &s.endpoints);

    let held = Gauge::<i64>::default();
    held.set(i64::from(s.lock.held));
    registry.register(
        "lock_held",
        "Whether a netsync run holds the repository's lock",
        held,
    );
    if let Some(age) = s.lock.holder.as_ref().and_then(|h| age_of(&h.since)) {
        let gauge = Seconds::default();
        gauge.set(age as f64);
        registry.register_with_unit(
            "lock_held_for",
            "How long the lock's holder has held it",
            Unit::Seconds,
            gauge,
        );
    }
    if let Some(w) = &s.watcher {
        let active = Gauge::<i64>::default();
        active.set(i64::from(w.active.is_some()));
        registry.register(
            "watcher_active",
            "Whether a netsync watch is active on this repository",
            active,
        );
        if let Some(time) = w.last_commit.as_ref().and_then(|c| epoch_seconds(&c.time)) {
            let gauge = Seconds::default();
            gauge.set(time);
            registry.register_with_unit(
                "watcher_last_commit_timestamp",
                "When a netsync watch last committed etcd's changes (Unix time)",
                Unit::Seconds,
                gauge,
            );
        }
    }
    let refused = Gauge::<i64>::default();
    refused.set(i64::from(s.refused_persist.is_some()));
    registry.register(
        "persist_refused",
        "Whether the last persist was refused by a guard (until one gets through)",
        refused,
    );
    let revision = Gauge::<i64>::default();
    revision.set(s.etcd_revision);
    registry.register(
        "etcd_revision",
        "The etcd revision status read at",
        revision,
    );

    let mut out = String::new();
    // Writing into a String cannot fail.
    let _ = encode(&mut out, &registry);
    out
}

/// The metrics of a `status` that could not gather the state: success 0, and each
/// endpoint's health as asked alone.
pub fn failure(endpoints: &[EndpointStatus]) -> String {
    let mut registry = Registry::with_prefix("netsync");
    let success = Gauge::<i64>::default();
    registry.register(
        "status_success",
        "Whether netsync status could gather the state (0: see its exit code and stderr)",
        success,
    );
    register_endpoints(&mut registry, endpoints);
    let mut out = String::new();
    let _ = encode(&mut out, &registry);
    out
}

fn register_endpoints(registry: &mut Registry, endpoints: &[EndpointStatus]) {
    let up = Family::<Labels, Gauge>::default();
    for e in endpoints {
        up.get_or_create(&label("endpoint", &e.endpoint))
            .set(i64::from(e.healthy));
    }
    registry.register(
        "endpoint_up",
        "Whether the etcd endpoint answered with a leader",
        up,
    );
}

/// Unix time of an RFC 3339 timestamp.
fn epoch_seconds(time: &str) -> Option<f64> {
    let then = humantime::parse_rfc3339_weak(time).ok()?;
    then.duration_since(std::time::UNIX_EPOCH)
        .ok()
        .map(|d| d.as_secs_f64())
}
