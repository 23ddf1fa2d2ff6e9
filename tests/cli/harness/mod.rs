//! Test harness: real `etcd` processes, a synchronous etcd client, a hermetic Git and the
//! `netsync` binary, owned by one `TestEnv` per test.
//!
//! Everything here panics with a useful message instead of returning errors: a test that
//! cannot set itself up must fail loudly, never skip.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::ffi::{OsStr, OsString};
use std::fs;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::OnceLock;
use std::thread;
use std::time::{Duration, Instant};

use etcd_client::{Client, ConnectOptions, DeleteOptions, GetOptions, PutOptions};
use tempfile::TempDir;

/// Environment variable naming the `etcd` binary to use instead of `etcd` on `PATH`.
pub const ETCD_ENV: &str = "NETSYNC_TEST_ETCD";

/// What a test says when there is no `etcd` to start.
pub const ETCD_INSTALL_HINT: &str =
    "etcd not found: install it with 'apt-get install etcd-server' or set NETSYNC_TEST_ETCD";

/// How long a member gets to become healthy.
const HEALTH_TIMEOUT: Duration = Duration::from_secs(20);

/// How many times a start is retried with fresh ports when it fails (port races).
const START_ATTEMPTS: usize = 4;

/// How long `Kv` keeps retrying an operation that fails for a transient reason
/// (member down, leader election in progress).
const KV_RETRY_FOR: Duration = Duration::from_secs(20);

/// Fixed dates, so commit ids made by the harness are reproducible.
const GIT_DATE: &str = "1704067200 +0000";

static UNIQUE: AtomicU64 = AtomicU64::new(0);

fn unique_token(what: &str) -> String {
    let n = UNIQUE.fetch_add(1, Ordering::Relaxed);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    format!("{what}-{}-{n}-{nanos}", std::process::id())
}

mod env;
mod etcd;
mod fixtures;
mod kv;
mod schema;
mod trust;

pub use env::*;
pub use etcd::*;
pub use fixtures::*;
pub use kv::*;
pub use schema::*;

/// Wait up to 30 s for `path` to exist: the sign a hook gives that `what` got to its point.
pub fn wait_for_file(path: &Path, what: &str) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while !path.exists() {
        assert!(
            Instant::now() < deadline,
            "{what} never got going ({} was not made)",
            path.display()
        );
        thread::sleep(Duration::from_millis(50));
    }
}
pub use trust::*;
