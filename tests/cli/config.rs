//! Where settings come from: flags > NETSYNC_* > ETCDCTL_* > netsync.toml > defaults, as
//! `netsync config` reports them and as connections use them.

use crate::harness::{fixture_kv, TestEnv};

const TOML_ETCD: &str = "
[etcd]
endpoints = [\"http://127.0.0.1:1\"]
dial_timeout = \"2s\"
command_timeout = \"20s\"
cacert = \"/toml/ca.pem\"
cert = \"/toml/cert.pem\"
key = \"/toml/key.pem\"
user = \"tomluser\"
";

fn setup() -> (TestEnv, std::path::PathBuf) {
    let env = TestEnv::new();
    let repo = env.init_repo("network", true);
    env.copy_fixture(&repo, "network");
    let mut toml = env.show_file(&repo, "main", "netsync.toml").unwrap();
    toml.extend_from_slice(TOML_ETCD.as_bytes());
    env.commit_files(&repo, &[("netsync.toml", &toml)], &[], "etcd settings");
    (env, repo)
}

/// `netsync config --output json` → name → (value, source label).
fn sources(cmd: &mut assert_cmd::Command) -> serde_json::Value {
    let out = cmd.args(["config", "--output", "json"]).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc = crate::harness::json_doc(&out.stdout);
    let mut map = serde_json::Map::new();
    for (name, s) in doc["settings"].as_object().unwrap() {
        let label = match s["source"].as_str().unwrap() {
            "env" => format!("env {}", s["env"].as_str().unwrap()),
            other => other.to_owned(),
        };
        map.insert(name.clone(), serde_json::json!([s["value"], label]));
    }
    serde_json::Value::Object(map)
}

const ETCDCTL: [(&str, &str); 7] = [
    ("ETCDCTL_ENDPOINTS", "http://etcdctl:1"),
    ("ETCDCTL_DIAL_TIMEOUT", "3s"),
    ("ETCDCTL_COMMAND_TIMEOUT", "30s"),
    ("ETCDCTL_CACERT", "/etcdctl/ca.pem"),
    ("ETCDCTL_CERT", "/etcdctl/cert.pem"),
    ("ETCDCTL_KEY", "/etcdctl/key.pem"),
    ("ETCDCTL_USER", "etcdctluser:etcdctlpw"),
];
const NETSYNC: [(&str, &str); 7] = [
    ("NETSYNC_ENDPOINTS", "http://netsync:1"),
    ("NETSYNC_DIAL_TIMEOUT", "4s"),
    ("NETSYNC_COMMAND_TIMEOUT", "40s"),
    ("NETSYNC_CACERT", "/netsync/ca.pem"),
    ("NETSYNC_CERT", "/netsync/cert.pem"),
    ("NETSYNC_KEY", "/netsync/key.pem"),
    ("NETSYNC_USER", "netsyncuser"),
];
const FLAGS: [&str; 14] = [
    "--endpoints",
    "http://flag:1",
    "--dial-timeout",
    "5s",
    "--command-timeout",
    "50s",
    "--cacert",
    "/flag/ca.pem",
    "--cert",
    "/flag/cert.pem",
    "--key",
    "/flag/key.pem",
    "--user",
    "flaguser",
];

#[test]
fn each_layer_overrides_the_one_below() {
    let (env, repo) = setup();
    let cmd = || {
        let mut c = env.netsync();
        c.env_remove("NETSYNC_ENDPOINTS").arg("--repo").arg(&repo);
        c
    };
    let names = [
        "endpoints",
        "dial_timeout",
        "command_timeout",
        "cacert",
        "cert",
        "key",
        "user",
    ];
    let check = |doc: &serde_json::Value, want: [(&str, &str); 7]| {
        for (name, (value, source)) in names.iter().zip(want) {
            let got = &doc[*name];
            let shown = match &got[0] {
                serde_json::Value::Array(a) => a[0].as_str().unwrap().to_owned(),
                serde_json::Value::Null => "-".to_owned(),
                v => v.as_str().unwrap().to_owned(),
            };
            assert_eq!(
                (shown.as_str(), got[1].as_str().unwrap()),
                (value, source),
                "{name}: {doc}"
            );
        }
    };

    // Nothing but the built-in defaults (no repository).
    let empty = env.root().join("empty");
    std::fs::create_dir_all(&empty).unwrap();
    let doc = sources(
        env.netsync()
            .env_remove("NETSYNC_ENDPOINTS")
            .arg("--repo")
            .arg(&empty),
    );
    check(
        &doc,
        [
            ("http://127.0.0.1:2379", "default"),
            ("5s", "default"),
            ("30s", "default"),
            ("-", "default"),
            ("-", "default"),
            ("-", "default"),
            ("-", "default"),
        ],
    );

    let doc = sources(&mut cmd());
    check(
        &doc,
        [
            ("http://127.0.0.1:1", "netsync.toml"),
            ("2s", "netsync.toml"),
            ("20s", "netsync.toml"),
            ("/toml/ca.pem", "netsync.toml"),
            ("/toml/cert.pem", "netsync.toml"),
            ("/toml/key.pem", "netsync.toml"),
            ("tomluser", "netsync.toml"),
        ],
    );
    assert_eq!(doc["password"], serde_json::json!([null, "prompt"]));

    let mut c = cmd();
    c.envs(ETCDCTL);
    let doc = sources(&mut c);
    check(
        &doc,
        [
            ("http://etcdctl:1", "env ETCDCTL_ENDPOINTS"),
            ("3s", "env ETCDCTL_DIAL_TIMEOUT"),
            ("30s", "env ETCDCTL_COMMAND_TIMEOUT"),
            ("/etcdctl/ca.pem", "env ETCDCTL_CACERT"),
            ("/etcdctl/cert.pem", "env ETCDCTL_CERT"),
            ("/etcdctl/key.pem", "env ETCDCTL_KEY"),
            ("etcdctluser", "env ETCDCTL_USER"),
        ],
    );
    assert_eq!(
        doc["password"],
        serde_json::json!(["********", "env ETCDCTL_USER"])
    );

    let mut c = cmd();
    c.envs(ETCDCTL).envs(NETSYNC).env("NETSYNC_PASSWORD", "pw");
    let doc = sources(&mut c);
    check(
        &doc,
        [
            ("http://netsync:1", "env NETSYNC_ENDPOINTS"),
            ("4s", "env NETSYNC_DIAL_TIMEOUT"),
            ("40s", "env NETSYNC_COMMAND_TIMEOUT"),
            ("/netsync/ca.pem", "env NETSYNC_CACERT"),
            ("/netsync/cert.pem", "env NETSYNC_CERT"),
            ("/netsync/key.pem", "env NETSYNC_KEY"),
            ("netsyncuser", "env NETSYNC_USER"),
        ],
    );
    assert_eq!(
        doc["password"],
        serde_json::json!(["********", "env NETSYNC_PASSWORD"])
    );

    let mut c = cmd();
    c.envs(ETCDCTL).envs(NETSYNC).args(FLAGS);
    let doc = sources(&mut c);
    check(
        &doc,
        [
            ("http://flag:1", "flag"),
            ("5s", "flag"),
            ("50s", "flag"),
            ("/flag/ca.pem", "flag"),
            ("/flag/cert.pem", "flag"),
            ("/flag/key.pem", "flag"),
            ("flaguser", "flag"),
        ],
    );
    // No secret in any output.
    let out = cmd().envs(ETCDCTL).args(["config"]).output().unwrap();
    let all = [out.stdout, out.stderr].concat();
    assert!(!String::from_utf8_lossy(&all).contains("etcdctlpw"));
}

#[test]
fn connections_follow_the_same_precedence() {
    let env = TestEnv::new();
    let repo = env.init_repo("network", true);
    env.copy_fixture(&repo, "network");
    let mut toml = env.show_file(&repo, "main", "netsync.toml").unwrap();
    toml.extend_from_slice(format!("[etcd]\nendpoints = [\"{}\"]\n", env.endpoints()).as_bytes());
    env.commit_files(
        &repo,
        &[("netsync.toml", &toml)],
        &[],
        "endpoints in the file",
    );
    // netsync.toml alone reaches etcd.
    env.netsync()
        .env_remove("NETSYNC_ENDPOINTS")
        .args(["apply", "--repo"])
        .arg(&repo)
        .assert()
        .success();
    assert_eq!(env.kv().dump(b"/net/"), fixture_kv("network"));
    // A dead ETCDCTL_ENDPOINTS beats the file, and fails.
    env.netsync()
        .env_remove("NETSYNC_ENDPOINTS")
        .env("ETCDCTL_ENDPOINTS", "http://127.0.0.1:1")
        .args(["diff", "--dial-timeout", "1s", "--repo"])
        .arg(&repo)
        .assert()
        .code(1)
        .stderr(predicates::str::contains("127.0.0.1:1"));
    // NETSYNC_ENDPOINTS beats ETCDCTL_ENDPOINTS.
    env.netsync()
        .env("ETCDCTL_ENDPOINTS", "http://127.0.0.1:1")
        .args(["diff", "--exit-code", "--repo"])
        .arg(&repo)
        .assert()
        .success();
}
