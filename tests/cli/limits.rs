//! Request sizes against a real etcd started with `--max-request-bytes 100000`: every
//! request is sized as etcd sizes it (encoded, with its guard, the fence and etcd's own
//! header), so what `persist` records, `apply` and `restore` can write back; and a value
//! etcd took in a plain put that no guarded write can carry is refused by persist, naming
//! the key, with nothing committed.

use std::path::{Path, PathBuf};

use crate::harness::{Etcd, Kv, TestEnv};

const LIMIT: usize = 100_000;
const BIG: &str = "/net/blobs/big";

fn limited_etcd() -> Etcd {
    Etcd::start_with(&["--max-request-bytes", "100000"])
}

/// The example network, with `etcd.max_request_bytes` equal to the server's, applied.
fn applied(env: &TestEnv) -> PathBuf {
    let repo = env.init_repo("network", true);
    env.copy_fixture(&repo, "network");
    let toml = std::fs::read_to_string(crate::harness::fixture_dir("network").join("netsync.toml"))
        .unwrap()
        + &format!("\n[etcd]\nmax_request_bytes = {LIMIT}\n");
    env.commit_files(&repo, &[("netsync.toml", toml.as_bytes())], &[], "limits");
    env.netsync_ok(&["apply"], &repo);
    repo
}

/// A value of `len` bytes that is not all one byte (so nothing compresses it away).
fn value(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i * 7 % 251) as u8).collect()
}

/// Whether etcd takes a plain put of `len` bytes (what `etcdctl put` would send).
fn plain_put_fits(kv: &Kv, len: usize) -> bool {
    let mut client = kv.client();
    kv.block_on(async move { client.put(BIG, value(len), None).await })
        .is_ok()
}

fn persist_dry_run_fits(env: &TestEnv, repo: &Path) -> bool {
    let out = env
        .netsync()
        .args(["persist", "--dry-run", "--repo"])
        .arg(repo)
        .output()
        .unwrap();
    match out.status.code() {
        Some(0) => true,
        Some(3) => {
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert!(
                stderr.contains(&format!("error: the value of {BIG} in etcd is")),
                "{stderr}"
            );
            false
        }
        other => panic!("{other:?}: {}", String::from_utf8_lossy(&out.stderr)),
    }
}

#[test]
fn what_persist_records_apply_and_restore_write_back_and_the_rest_is_refused() {
    let env = TestEnv::with_etcd(limited_etcd());
    let repo = applied(&env);

    // The largest value etcd takes in a plain put under this limit.
    let mut largest = LIMIT;
    while !plain_put_fits(env.kv(), largest) {
        largest -= 1;
    }
    assert!(largest > LIMIT - 100, "{largest}");

    // That value itself needs a guarded, fenced write a few dozen bytes larger: persist
    // refuses it, naming the key, and commits nothing.
    let head = env.rev_parse(&repo, "main");
    let before = env.kv().dump_all();
    let out = env
        .netsync()
        .args(["persist", "--repo"])
        .arg(&repo)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{stderr}");
    assert!(
        stderr.contains(&format!(
            "error: the value of {BIG} in etcd is {largest} bytes"
        )),
        "{stderr}"
    );
    assert!(
        stderr.contains("so apply and restore could not write it"),
        "{stderr}"
    );
    assert!(stderr.contains("hint: "), "{stderr}");
    assert_eq!(env.rev_parse(&repo, "main"), head, "nothing committed");
    assert_eq!(env.kv().dump_all().len(), before.len());

    // The largest value persist records, found by shrinking it in etcd.
    let mut len = largest;
    while !persist_dry_run_fits(&env, &repo) {
        len -= 1;
        env.kv().put(BIG, value(len));
    }
    assert!(
        largest - len < 128,
        "netsync's writes cost {} bytes more than a plain put",
        largest - len
    );
    eprintln!("plain put up to {largest} bytes; netsync's guarded write up to {len} bytes");
    env.netsync_ok(&["persist"], &repo);
    assert_eq!(
        env.show_file(&repo, "main", "kv/blobs/big")
            .map(|v| v.len()),
        Some(len)
    );

    // Restore and apply write it back, byte for byte, into new clusters with the same limit.
    for command in ["restore", "apply"] {
        let new = limited_etcd();
        let mut cmd = env.netsync();
        cmd.args([command, "--endpoints", &new.endpoint()]);
        match command {
            "restore" => cmd.arg("--from").arg(&repo),
            _ => cmd.arg("--repo").arg(&repo),
        };
        let out = cmd.output().unwrap();
        assert!(
            out.status.success(),
            "{command}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let kv = Kv::connect(&new.endpoint());
        assert_eq!(kv.get(BIG), Some(value(len)), "{command}");
    }
    env.fsck(&repo);
}

/// Raising netsync's limit above the server's does not make a write fit: the server's
/// refusal is reported for the key, and nothing else is half-written.
#[test]
fn a_limit_above_the_servers_is_reported_by_the_server() {
    let env = TestEnv::with_etcd(limited_etcd());
    let repo = applied(&env);
    env.commit_files(&repo, &[("kv/blobs/big", &value(LIMIT))], &[], "too big");
    let before = env.kv().dump_all();
    let out = env
        .netsync()
        .args(["apply", "--repo"])
        .arg(&repo)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains(&format!("error: the value of {BIG} is {LIMIT} bytes")),
        "{stderr}"
    );
    let out = env
        .netsync()
        .args(["apply", "--max-request-bytes", "200000", "--repo"])
        .arg(&repo)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{stderr}");
    assert!(
        stderr.starts_with("error: ") || stderr.contains("\nerror: "),
        "{stderr}"
    );
    assert!(
        stderr.contains("too large") || stderr.contains("request"),
        "{stderr}"
    );
    assert_eq!(env.kv().dump_all(), before, "etcd unchanged");
}

/// netsync told a limit ten times the server's: the first refusal teaches it the server's
/// pace, the apply carries on in smaller transactions and ends with etcd equal to the commit;
/// a single value the server cannot take is named.
#[test]
fn a_server_limit_lower_than_told_is_learnt_and_a_value_too_large_is_named() {
    let env = TestEnv::with_etcd(limited_etcd());
    let repo = applied(&env);
    let files: Vec<(String, Vec<u8>)> = (0..300)
        .map(|i| (format!("kv/blobs/b{i:03}"), value(20_000 + i)))
        .collect();
    let refs: Vec<(&str, &[u8])> = files
        .iter()
        .map(|(p, v)| (p.as_str(), v.as_slice()))
        .collect();
    env.commit_files(&repo, &refs, &[], "many blobs");
    let out = env
        .netsync()
        .args(["apply", "--max-request-bytes", "1000000", "--repo"])
        .arg(&repo)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert_eq!(env.kv().get("/net/blobs/b299"), Some(value(20_299)));
    env.netsync_ok(&["diff", "--exit-code"], &repo);

    // One value over the server's limit, among others that fit.
    env.commit_files(
        &repo,
        &[
            ("kv/blobs/a-small", b"fits"),
            ("kv/blobs/big", &value(LIMIT + 10)),
        ],
        &[],
        "too big for the server",
    );
    let out = env
        .netsync()
        .args(["apply", "--max-request-bytes", "1000000", "--repo"])
        .arg(&repo)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains(&format!(
            "\nerror: etcd refused the value of {BIG} ({} bytes) as too large: the servers' --max-request-bytes is lower than netsync was told (1 earlier transaction(s) of this run were applied)",
            LIMIT + 10
        )),
        "{stderr}"
    );
    assert!(
        stderr.contains("hint: give netsync the servers' limit"),
        "{stderr}"
    );
    assert_eq!(env.kv().get(BIG), None);
    // The sync point did not move: the next diff still has the big value to apply.
    let out = env
        .netsync()
        .args(["diff", "--exit-code", "--repo"])
        .arg(&repo)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

/// etcd's quota alarm (NOSPACE): every writing command says the database is full, with
/// the way out, and records nothing; reading commands still work.
#[test]
fn a_full_database_is_named_with_the_way_out() {
    let env = TestEnv::with_etcd(Etcd::start_with(&["--quota-backend-bytes", "4194304"]));
    let repo = env.init_repo("network", true);
    env.copy_fixture(&repo, "network");
    env.netsync_ok(&["apply"], &repo);
    let kv = env.kv();
    kv.put("/net/params/dns", "changed in etcd");
    let mut full = false;
    for i in 0..64 {
        let mut client = kv.client();
        let put = kv.block_on(async move {
            client
                .put(format!("/filler/{i}"), value(512 * 1024), None)
                .await
        });
        if let Err(err) = put {
            assert!(err.to_string().contains("database space exceeded"), "{err}");
            full = true;
            break;
        }
    }
    assert!(full, "the quota was never reached");
    env.commit_files(&repo, &[("kv/params/mtu", b"1280")], &[], "mtu");
    // (Not dump_all: the filler alone is more than the test client reads in one response.)
    let state = || (kv.dump(b"/net/"), kv.dump(b"/netsync/"));
    let before = state();
    let head = env.head(&repo);
    for args in [&["apply"][..], &["persist", "--no-push"]] {
        let out = env
            .netsync()
            .args(args)
            .arg("--repo")
            .arg(&repo)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {stderr}");
        assert!(
            stderr.starts_with("error: etcd's database is full (the NOSPACE alarm is raised): it refuses every write"),
            "{args:?}: {stderr}"
        );
        assert!(stderr.contains("etcdctl alarm disarm"), "{stderr}");
        assert!(stderr.contains("--quota-backend-bytes"), "{stderr}");
    }
    assert_eq!(state(), before, "etcd changed");
    assert_eq!(env.head(&repo), head, "something was committed");
    // Reading still works: diff shows the change waiting.
    let out = env
        .netsync()
        .args(["diff", "--exit-code", "--repo"])
        .arg(&repo)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
