//! Benchmark helpers for `scripts/bench` (not a criterion benchmark; run with
//! `cargo bench --bench baseline -- <command>`):
//!
//! - `gen DIR N SECRETS SEED [RECIPIENT]`: write a reproducible dataset into the repository
//!   folder DIR: N keys (`/net/` + path under DIR/kv) in several folders, values 50 B to
//!   8 KiB, mixed text and binary. The first SECRETS keys are named `…/secret-NNNNNN`
//!   (matched by the pattern `/net/**/secret-*`) and listed in DIR/secret-keys.txt; with an
//!   age RECIPIENT (`age1…`) they are written as `.age` files encrypted with
//!   `netsync::secrets::encrypt`, as `netsync secret set` would, but in one process.
//!   Prints the plaintext value bytes of the dataset.
//! - `txn-loop ENDPOINT PREFIX DIR`: the baseline writer. Puts every file under DIR as
//!   key PREFIX+path with etcd-client directly, 128 operations per transaction, and prints
//!   the elapsed seconds. What netsync's apply is compared against.

use std::path::{Path, PathBuf};
use std::time::Instant;

/// xorshift64*: small, seeded, and identical on every machine.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

const FOLDERS: [&str; 4] = ["users", "devices", "nodes", "params"];

fn gen(
    dir: &Path,
    n: usize,
    secrets: usize,
    seed: u64,
    recipient: Option<&str>,
) -> Result<(), Box<dyn std::error::Error>> {
    let recipients = match recipient {
        Some(r) => Some(netsync::secrets::Recipients::parse(
            &[r.to_owned()],
            |_| Ok(Vec::new()),
        )?),
        None => None,
    };
    let mut value_bytes = 0u64;
    let mut rng = Rng(seed.max(1));
    let mut secret_keys = String::new();
    let words = [
        "alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel",
    ];
    for i in 0..n {
        let folder = FOLDERS[i % FOLDERS.len()];
        let name = if i < secrets { "secret" } else { "item" };
        let rel = format!("{folder}/g{:03}/{name}-{i:06}", i % 997);
        // Sizes spread log-uniformly-ish between 50 B and 8 KiB.
        let size = 50 + (rng.below(64) * rng.below(64) * 2) as usize % (8192 - 50);
        let binary = i % 5 == 0;
        let mut value = Vec::with_capacity(size);
        while value.len() < size {
            if binary {
                value.extend_from_slice(&rng.next().to_le_bytes());
            } else {
                let w = words[rng.below(words.len() as u64) as usize];
                value.extend_from_slice(w.as_bytes());
                value.push(if rng.below(8) == 0 { b'\n' } else { b' ' });
            }
        }
        value.truncate(size);
        value_bytes += value.len() as u64;
        let mut path = dir.join("kv").join(&rel);
        if i < secrets {
            let key = format!("/net/{rel}");
            secret_keys.push_str(&key);
            secret_keys.push('\n');
            if let Some(recipients) = &recipients {
                value = netsync::secrets::encrypt(key.as_bytes(), &value, recipients)?;
                path = dir.join("kv").join(format!("{rel}.age"));
            }
        }
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::write(path, value)?;
    }
    std::fs::write(dir.join("secret-keys.txt"), secret_keys)?;
    println!("{value_bytes}");
    Ok(())
}

fn files(dir: &Path, base: &Path, out: &mut Vec<(String, PathBuf)>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            files(&path, base, out)?;
        } else if let Ok(rel) = path.strip_prefix(base) {
            out.push((rel.to_string_lossy().into_owned(), path));
        }
    }
    Ok(())
}

async fn txn_loop(
    endpoint: &str,
    prefix: &str,
    dir: &Path,
) -> Result<(), Box<dyn std::error::Error>> {
    let mut list = Vec::new();
    files(dir, dir, &mut list)?;
    list.sort();
    let mut items = Vec::with_capacity(list.len());
    for (rel, path) in list {
        items.push((format!("{prefix}{rel}"), std::fs::read(path)?));
    }
    let mut client = etcd_client::Client::connect([endpoint], None).await?;
    let start = Instant::now();
    for chunk in items.chunks(128) {
        let ops: Vec<etcd_client::TxnOp> = chunk
            .iter()
            .map(|(k, v)| etcd_client::TxnOp::put(k.as_bytes(), v.clone(), None))
            .collect();
        client.txn(etcd_client::Txn::new().and_then(ops)).await?;
    }
    println!("{:.3}", start.elapsed().as_secs_f64());
    Ok(())
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    match args
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .as_slice()
    {
        ["gen", dir, n, secrets, seed] => gen(
            Path::new(dir),
            n.parse()?,
            secrets.parse()?,
            seed.parse()?,
            None,
        ),
        ["gen", dir, n, secrets, seed, recipient] => gen(
            Path::new(dir),
            n.parse()?,
            secrets.parse()?,
            seed.parse()?,
            Some(recipient),
        ),
        // `cargo test --all-targets` runs this program without arguments: check that the
        // generator is deterministic, which the benchmark's reproducibility rests on.
        [] => self_check(),
        ["txn-loop", endpoint, prefix, dir] => {
            tokio::runtime::Runtime::new()?.block_on(txn_loop(endpoint, prefix, Path::new(dir)))
        }
        _ => {
            eprintln!(
                "usage: baseline gen DIR N SECRETS SEED [RECIPIENT] | baseline txn-loop ENDPOINT PREFIX DIR"
            );
            std::process::exit(2);
        }
    }
}

/// Generate the same small dataset twice and compare every file.
fn self_check() -> Result<(), Box<dyn std::error::Error>> {
    let dirs = [tempfile::tempdir()?, tempfile::tempdir()?];
    for dir in &dirs {
        gen(dir.path(), 50, 5, 42, None)?;
    }
    let mut listings = Vec::new();
    for dir in &dirs {
        let mut list = Vec::new();
        files(dir.path(), dir.path(), &mut list)?;
        list.sort();
        let contents: Vec<(String, Vec<u8>)> = list
            .into_iter()
            .map(|(rel, path)| std::fs::read(path).map(|c| (rel, c)))
            .collect::<Result<_, _>>()?;
        listings.push(contents);
    }
    if listings[0] != listings[1] || listings[0].len() != 51 {
        return Err("the dataset generator is not deterministic".into());
    }
    println!("baseline: dataset generator self-check passed (50 keys, 5 secrets listed)");
    Ok(())
}
