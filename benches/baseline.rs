//! Benchmark helpers for `scripts/bench` (not a criterion benchmark; run with
//! `cargo bench --bench baseline -- <command>`):
//!
//! - `dataset OUT N SECRETS SEED MIN MAX RECIPIENT`: a reproducible dataset of N keys
//!   (`/net/` + path under `kv/`) in several folders, values of MIN to MAX bytes (spread
//!   log-uniformly, mixed text and binary). The first SECRETS keys are named
//!   `…/secret-NNNNNNN` (matched by `/net/**/secret-*`) and stored as `.age` files encrypted
//!   to the age RECIPIENT with `netsync::secrets::encrypt`, as `netsync secret set` would.
//!   Writes, for `git fast-import` (no working tree: a million files would be slow and fill
//!   the disk), `OUT/import`: branch `main` with netsync.toml and every key, and branch
//!   `changed` on top changing 1,000 plain values; `OUT/all.kv`: every key and plaintext
//!   value (what a restore writes) and `OUT/changed.kv`: the 1,000 changed values, for
//!   `txn-loop`; `OUT/keys100`: 100 plain keys for persist to record changes of;
//!   `OUT/value-bytes`: the plaintext value bytes of the dataset.
//! - `txn-loop ENDPOINT FILE [IN_FLIGHT]`: the baseline writer. Puts every key of FILE (a
//!   `.kv` file of `dataset`) with etcd-client directly, 128 operations per transaction, no
//!   guards, IN_FLIGHT transactions at once (default 1: the serial loop; more: how fast
//!   etcd itself absorbs the same puts when it can fold concurrent proposals together), and
//!   prints the elapsed seconds of the writes alone.
//! - `gen DIR N SECRETS SEED [RECIPIENT]`: the older dataset as files under DIR/kv (values
//!   50 B to 8 KiB), for the other `scripts/bench-*`.

use std::io::{BufWriter, Read, Write};
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

    /// A value of `size` bytes: words and newlines, or (one in five) binary.
    fn value(&mut self, size: usize, binary: bool) -> Vec<u8> {
        const WORDS: [&str; 8] = [
            "alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel",
        ];
        let mut value = Vec::with_capacity(size + 8);
        while value.len() < size {
            if binary {
                value.extend_from_slice(&self.next().to_le_bytes());
            } else {
                let w = WORDS[self.below(WORDS.len() as u64) as usize];
                value.extend_from_slice(w.as_bytes());
                value.push(if self.below(8) == 0 { b'\n' } else { b' ' });
            }
        }
        value.truncate(size);
        value
    }
}

const FOLDERS: [&str; 4] = ["users", "devices", "nodes", "params"];

/// Keys changed on branch `changed` (the "apply of 1,000 changes").
const CHANGED: usize = 1000;

type Error = Box<dyn std::error::Error>;

/// One key of the dataset: its path under `kv/` and its plaintext value.
fn key_path(i: usize, secrets: usize) -> String {
    let folder = FOLDERS[i % FOLDERS.len()];
    let name = if i < secrets { "secret" } else { "item" };
    format!("{folder}/g{:03}/{name}-{i:07}", i % 997)
}

/// A `.kv` record: key length, key, value length, value (lengths as u32 little-endian).
fn record(out: &mut impl Write, key: &[u8], value: &[u8]) -> std::io::Result<()> {
    out.write_all(&(key.len() as u32).to_le_bytes())?;
    out.write_all(key)?;
    out.write_all(&(value.len() as u32).to_le_bytes())?;
    out.write_all(value)
}

/// A key and its value.
type Item = (Vec<u8>, Vec<u8>);

fn read_records(path: &Path) -> Result<Vec<Item>, Error> {
    let mut bytes = Vec::new();
    std::fs::File::open(path)?.read_to_end(&mut bytes)?;
    let mut out = Vec::new();
    let mut at = 0;
    let take = |n: usize, at: &mut usize| -> Result<Vec<u8>, Error> {
        let slice = bytes.get(*at..*at + n).ok_or("truncated .kv file")?;
        *at += n;
        Ok(slice.to_vec())
    };
    while at < bytes.len() {
        let len = u32::from_le_bytes(take(4, &mut at)?.try_into().map_err(|_| "bad length")?);
        let key = take(len as usize, &mut at)?;
        let len = u32::from_le_bytes(take(4, &mut at)?.try_into().map_err(|_| "bad length")?);
        let value = take(len as usize, &mut at)?;
        out.push((key, value));
    }
    Ok(out)
}

/// A blob for `git fast-import`, with a mark.
fn blob(out: &mut impl Write, mark: usize, data: &[u8]) -> std::io::Result<()> {
    writeln!(out, "blob\nmark :{mark}\ndata {}", data.len())?;
    out.write_all(data)?;
    out.write_all(b"\n")
}

#[allow(clippy::too_many_arguments)]
fn dataset(
    dir: &Path,
    n: usize,
    secrets: usize,
    seed: u64,
    min: usize,
    max: usize,
    recipient: &str,
) -> Result<(), Error> {
    let recipients = netsync::secrets::Recipients::parse(&[recipient.to_owned()], |_| Ok(vec![]))?;
    std::fs::create_dir_all(dir)?;
    let mut import = BufWriter::new(std::fs::File::create(dir.join("import"))?);
    let mut all = BufWriter::new(std::fs::File::create(dir.join("all.kv"))?);
    let mut changed = BufWriter::new(std::fs::File::create(dir.join("changed.kv"))?);
    let mut rng = Rng(seed.max(1));
    let mut value_bytes = 0u64;
    // Log-uniformly between MIN and MAX.
    let (lmin, lmax) = ((min.max(1) as f64).ln(), (max.max(min).max(1) as f64).ln());
    let mut files: Vec<(String, usize)> = Vec::with_capacity(n);
    for i in 0..n {
        let unit = rng.below(1 << 20) as f64 / (1 << 20) as f64;
        let size = (lmin + (lmax - lmin) * unit).exp().round() as usize;
        let mut value = rng.value(size.clamp(min, max.max(min)), i % 5 == 0);
        value_bytes += value.len() as u64;
        let rel = key_path(i, secrets);
        let key = format!("/net/{rel}");
        record(&mut all, key.as_bytes(), &value)?;
        let path = match i < secrets {
            true => {
                value = netsync::secrets::encrypt(key.as_bytes(), &value, &recipients)?;
                format!("kv/{rel}.age")
            }
            false => format!("kv/{rel}"),
        };
        blob(&mut import, i + 1, &value)?;
        files.push((path, i + 1));
    }
    let config = format!(
        "version = 1\nbranch = \"main\"\n\n[[mapping]]\nprefix = \"/net/\"\ndir = \"kv\"\n\n\
         [secrets]\nkeys = [\"/net/**/secret-*\"]\nrecipients = [\"{recipient}\"]\n"
    );
    blob(&mut import, n + 1, config.as_bytes())?;
    let commit = |out: &mut BufWriter<std::fs::File>, branch: &str, message: &str| {
        let when = 1_704_067_200;
        writeln!(out, "commit refs/heads/{branch}")?;
        writeln!(out, "author bench <bench@example.net> {when} +0000")?;
        writeln!(out, "committer bench <bench@example.net> {when} +0000")?;
        writeln!(out, "data {}\n{message}", message.len())
    };
    commit(&mut import, "main", &format!("bench: {n} keys"))?;
    writeln!(import, "M 100644 :{} netsync.toml", n + 1)?;
    for (path, mark) in &files {
        writeln!(import, "M 100644 :{mark} {path}")?;
    }
    writeln!(import)?;
    // Evenly spread plain keys: CHANGED changed on a side branch, 100 for persist.
    let plain: Vec<usize> = (secrets..n).collect();
    let spread = |count: usize| -> Vec<usize> {
        let count = count.min(plain.len());
        (0..count).map(|j| plain[j * plain.len() / count]).collect()
    };
    let mut edits = Vec::new();
    for (mark, i) in (n + 2..).zip(spread(CHANGED)) {
        let rel = key_path(i, secrets);
        let value = format!("changed {i}\n").into_bytes();
        record(&mut changed, format!("/net/{rel}").as_bytes(), &value)?;
        blob(&mut import, mark, &value)?;
        edits.push(format!("M 100644 :{mark} kv/{rel}"));
    }
    commit(
        &mut import,
        "changed",
        &format!("bench: {} changes", edits.len()),
    )?;
    writeln!(import, "from refs/heads/main")?;
    for edit in edits {
        writeln!(import, "{edit}")?;
    }
    writeln!(import)?;
    let keys100: Vec<String> = spread(100)
        .into_iter()
        .map(|i| format!("/net/{}\n", key_path(i, secrets)))
        .collect();
    std::fs::write(dir.join("keys100"), keys100.concat())?;
    std::fs::write(dir.join("value-bytes"), format!("{value_bytes}\n"))?;
    import.flush()?;
    all.flush()?;
    changed.flush()?;
    Ok(())
}

fn gen(
    dir: &Path,
    n: usize,
    secrets: usize,
    seed: u64,
    recipient: Option<&str>,
) -> Result<(), Error> {
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
    for i in 0..n {
        let folder = FOLDERS[i % FOLDERS.len()];
        let name = if i < secrets { "secret" } else { "item" };
        let rel = format!("{folder}/g{:03}/{name}-{i:06}", i % 997);
        // Sizes spread log-uniformly-ish between 50 B and 8 KiB.
        let size = 50 + (rng.below(64) * rng.below(64) * 2) as usize % (8192 - 50);
        let mut value = rng.value(size, i % 5 == 0);
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

/// Put `items` in 128-op transactions, `in_flight` at once; the seconds the writes took.
async fn txn_loop(endpoint: &str, items: Vec<Item>, in_flight: usize) -> Result<f64, Error> {
    let client = etcd_client::Client::connect([endpoint], None).await?;
    let txns: Vec<etcd_client::Txn> = items
        .chunks(128)
        .map(|chunk| {
            let ops: Vec<etcd_client::TxnOp> = chunk
                .iter()
                .map(|(k, v)| etcd_client::TxnOp::put(k.clone(), v.clone(), None))
                .collect();
            etcd_client::Txn::new().and_then(ops)
        })
        .collect();
    drop(items);
    let start = Instant::now();
    let mut pending = tokio::task::JoinSet::new();
    for txn in txns {
        if pending.len() >= in_flight.max(1) {
            pending.join_next().await.ok_or("no task")???;
        }
        let mut kv = client.kv_client();
        pending.spawn(async move { kv.txn(txn).await.map(|_| ()) });
    }
    while let Some(done) = pending.join_next().await {
        done??;
    }
    Ok(start.elapsed().as_secs_f64())
}

fn main() -> Result<(), Error> {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    let runtime = || tokio::runtime::Runtime::new();
    match args
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .as_slice()
    {
        ["dataset", out, n, secrets, seed, min, max, recipient] => dataset(
            Path::new(out),
            n.parse()?,
            secrets.parse()?,
            seed.parse()?,
            min.parse()?,
            max.parse()?,
            recipient,
        ),
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
        // generators are deterministic, which the benchmark's reproducibility rests on.
        [] => self_check(),
        ["txn-loop", endpoint, file] | ["txn-loop", endpoint, file, _] => {
            let in_flight = match args.get(3) {
                Some(n) => n.parse()?,
                None => 1,
            };
            let items = read_records(Path::new(file))?;
            let took = runtime()?.block_on(txn_loop(endpoint, items, in_flight))?;
            println!("{took:.3}");
            Ok(())
        }
        _ => {
            eprintln!(
                "usage: baseline dataset OUT N SECRETS SEED MIN MAX RECIPIENT | baseline txn-loop \
                 ENDPOINT FILE [IN_FLIGHT] | baseline gen DIR N SECRETS SEED [RECIPIENT]"
            );
            std::process::exit(2);
        }
    }
}

/// Generate the same small datasets twice and compare every file.
fn self_check() -> Result<(), Error> {
    let dirs = [tempfile::tempdir()?, tempfile::tempdir()?];
    for dir in &dirs {
        gen(dir.path(), 50, 5, 42, None)?;
    }
    let listing = |dir: &Path| -> Result<Vec<(String, Vec<u8>)>, Error> {
        let mut list = Vec::new();
        files(dir, dir, &mut list)?;
        list.sort();
        Ok(list
            .into_iter()
            .map(|(rel, path)| std::fs::read(path).map(|c| (rel, c)))
            .collect::<Result<_, _>>()?)
    };
    let listings = [listing(dirs[0].path())?, listing(dirs[1].path())?];
    if listings[0] != listings[1] || listings[0].len() != 51 {
        return Err("the dataset generator is not deterministic".into());
    }
    // Without secrets (no age randomness), `dataset` is byte for byte the same too.
    let recipient = "age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p";
    for dir in &dirs {
        dataset(&dir.path().join("ds"), 2000, 0, 42, 100, 1024, recipient)?;
    }
    let records = read_records(&dirs[0].path().join("ds/all.kv"))?;
    if records.len() != 2000
        || records
            .iter()
            .any(|(_, v)| !(100..=1024).contains(&v.len()))
    {
        return Err("dataset: wrong count or sizes".into());
    }
    for name in ["import", "all.kv", "changed.kv", "keys100", "value-bytes"] {
        let [a, b] = [&dirs[0], &dirs[1]].map(|d| std::fs::read(d.path().join("ds").join(name)));
        if a? != b? {
            return Err(format!("dataset: {name} is not deterministic").into());
        }
    }
    println!("baseline: dataset generators self-check passed");
    Ok(())
}
