//! Fixtures: the example network under `fixtures/` and the configurations the tests share.

use super::*;

// ---------------------------------------------------------------------------------------------
// Fixtures
// ---------------------------------------------------------------------------------------------

/// The example network's `netsync.toml` with `origin` as the persist remote.
pub const NETWORK_TOML_WITH_ORIGIN: &str = r#"version = 1
branch = "main"

[[mapping]]
prefix = "/net/"
dir = "kv"

[ephemeral]
keys = ["/net/sessions/**", "/net/nodes/*/heartbeat"]

[persist]
remotes = ["origin"]
"#;

/// `fixtures/<name>` in the crate.
pub fn fixture_dir(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join(name)
}

/// Every file of `fixtures/<name>`, as (path relative to it with `/`, bytes), sorted.
pub fn fixture_files(name: &str) -> Vec<(String, Vec<u8>)> {
    fn walk(base: &Path, dir: &Path, out: &mut Vec<(String, Vec<u8>)>) {
        let entries = fs::read_dir(dir).unwrap_or_else(|e| panic!("read {}: {e}", dir.display()));
        for entry in entries {
            let path = entry.expect("dir entry").path();
            if path.is_dir() {
                walk(base, &path, out);
            } else {
                let rel = path.strip_prefix(base).expect("under base");
                let rel = rel
                    .to_str()
                    .expect("fixture paths are UTF-8")
                    .replace('\\', "/");
                out.push((rel, fs::read(&path).expect("read fixture file")));
            }
        }
    }
    let base = fixture_dir(name);
    let mut out = Vec::new();
    walk(&base, &base, &mut out);
    out.sort();
    out
}

/// The etcd content a fixture describes: every file under `kv/` becomes `/net/<path>`
/// (the mapping in the fixture's `netsync.toml`; fixture names need no escaping).
pub fn fixture_kv(name: &str) -> BTreeMap<Vec<u8>, Vec<u8>> {
    fixture_files(name)
        .into_iter()
        .filter_map(|(path, content)| {
            path.strip_prefix("kv/")
                .map(|rest| (format!("/net/{rest}").into_bytes(), content))
        })
        .collect()
}

/// The key files of fixture `name` (paths under `kv/`), e.g. to remove them all in a commit.
pub fn fixture_key_files(name: &str) -> Vec<String> {
    fixture_files(name)
        .into_iter()
        .map(|(p, _)| p)
        .filter(|p| p.starts_with("kv/"))
        .collect()
}
