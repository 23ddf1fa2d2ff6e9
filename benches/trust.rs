//! Benchmark helpers for `scripts/bench-trust` (not a criterion benchmark; run with
//! `cargo bench --bench trust -- <command>`):
//!
//! - `read-objects REPO RUNS`: what checking every object against its id costs. Reads every
//!   tree and blob under the mapped folders of HEAD three ways, RUNS times each, and prints
//!   the medians: the object database alone (gix, no hash), the same reads each followed by
//!   the hash of the object, and netsync's own read path (`desired::load` and a checked
//!   `read_blob` of every value, as `restore` and a full `apply` do).
//! - `verify-commits REPO SIGNERS BASE TIP RUNS`: `netsync::trust::check` of the commits
//!   between BASE (as the sync point) and TIP against the allowed-signers file SIGNERS;
//!   prints the commits checked and the median seconds.

use std::path::Path;
use std::time::Instant;

use gix::objs::Find as _;

fn median(mut runs: Vec<f64>) -> f64 {
    runs.sort_by(f64::total_cmp);
    runs[runs.len() / 2]
}

/// Every tree and blob id below the mapped folders of HEAD, trees first.
fn object_ids(repo: &netsync::git::Repo) -> Result<Vec<gix::ObjectId>, Box<dyn std::error::Error>> {
    let desired = netsync::desired::load(repo, None)?;
    let gix = repo.gix();
    let root = gix.find_tree(desired.revision.tree)?;
    let mut ids = vec![desired.revision.tree];
    for mapping in &desired.config.mappings {
        let Some(entry) = root.lookup_entry_by_path(&mapping.dir)? else {
            continue;
        };
        ids.push(entry.object_id());
        let tree = gix.find_tree(entry.object_id())?;
        for record in tree.traverse().breadthfirst.files()? {
            ids.push(record.oid);
        }
    }
    Ok(ids)
}

fn read_objects(repo: &Path, runs: usize) -> Result<(), Box<dyn std::error::Error>> {
    let repo = netsync::git::Repo::open(repo)?;
    let ids = object_ids(&repo)?;
    let objects = &repo.gix().objects;
    let mut buf = Vec::new();
    let mut bytes = 0usize;
    let (mut plain, mut hashed, mut netsync_path) = (Vec::new(), Vec::new(), Vec::new());
    for run in 0..runs {
        let start = Instant::now();
        for id in &ids {
            let data = objects.try_find(id, &mut buf)?.ok_or("missing object")?;
            if run == 0 {
                bytes += data.data.len();
            }
        }
        plain.push(start.elapsed().as_secs_f64());

        let start = Instant::now();
        for id in &ids {
            let data = objects.try_find(id, &mut buf)?.ok_or("missing object")?;
            let actual = gix::objs::compute_hash(id.kind(), data.kind, data.data)?;
            if actual != *id {
                return Err(format!("{id} is corrupt").into());
            }
        }
        hashed.push(start.elapsed().as_secs_f64());

        let start = Instant::now();
        let desired = netsync::desired::load(&repo, None)?;
        for entry in desired.entries.values() {
            repo.read_blob(entry.oid)?;
        }
        netsync_path.push(start.elapsed().as_secs_f64());
    }
    let (plain, hashed, netsync_path) = (median(plain), median(hashed), median(netsync_path));
    println!("objects {}", ids.len());
    println!("bytes {bytes}");
    println!("read {plain:.4}");
    println!("read_and_hash {hashed:.4}");
    println!("netsync_checked_read {netsync_path:.4}");
    Ok(())
}

fn verify_commits(
    repo: &Path,
    signers: &Path,
    base: &str,
    tip: &str,
    runs: usize,
) -> Result<(), Box<dyn std::error::Error>> {
    let repo = netsync::git::Repo::open(repo)?;
    let signers = netsync::git::AllowedSigners::load(signers)?;
    let tip = repo.resolve(tip)?.commit;
    let base = repo.resolve(base)?.commit;
    let point = netsync::syncpoint::SyncPoint::new(base.to_string(), 1, "apply");
    let mut times = Vec::new();
    let mut checked = 0;
    for _ in 0..runs {
        let start = Instant::now();
        let verified = netsync::trust::check(&repo, &signers, tip, Some(&point), 1)?;
        times.push(start.elapsed().as_secs_f64());
        checked = verified.commits.len();
    }
    println!("commits {checked}");
    println!("seconds {:.4}", median(times));
    Ok(())
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    match args.as_slice() {
        ["read-objects", repo, runs] => read_objects(Path::new(repo), runs.parse()?),
        ["verify-commits", repo, signers, base, tip, runs] => verify_commits(
            Path::new(repo),
            Path::new(signers),
            base,
            tip,
            runs.parse()?,
        ),
        // `cargo test --all-targets` runs this program without arguments.
        [] => Ok(()),
        _ => {
            eprintln!(
                "usage: trust read-objects REPO RUNS | trust verify-commits REPO SIGNERS BASE TIP RUNS"
            );
            std::process::exit(2);
        }
    }
}
