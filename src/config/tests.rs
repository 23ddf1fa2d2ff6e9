//! Unit tests of `netsync.toml` parsing and validation.

use super::*;

const ORIGIN: &str = "netsync.toml";

fn parse(text: &str) -> Config {
    match Config::parse(text, ORIGIN) {
        Ok(c) => c,
        Err(e) => panic!("expected a valid config, got: {e}"),
    }
}

/// Parses `text`, expects an error, and checks it names the origin, position and field.
fn error(text: &str, line: usize, col: usize, field: &str) -> String {
    let err = match Config::parse(text, ORIGIN) {
        Ok(_) => panic!("expected an error for:\n{text}"),
        Err(e) => e,
    };
    let message = err.to_string();
    assert!(
        message.starts_with(&format!("{ORIGIN}:{line}:{col}: ")),
        "wrong position in {message:?}, wanted {line}:{col}"
    );
    match &err {
        Error::Invalid { field: f, .. } => {
            assert_eq!(f, field, "field of {message:?}");
            let leaf = field.rsplit('.').next().unwrap_or(field);
            assert!(message.contains(leaf), "{message:?} does not name {field}");
        }
        Error::Syntax { .. } => assert_eq!(field, "", "{message:?} is a syntax error"),
    }
    message
}

const MINIMAL: &str = "version = 1\n[[mapping]]\nprefix = \"/net/\"\ndir = \"kv\"\n";

const README_EXAMPLE: &str = r#"# netsync.toml — at the root of the repository
version = 1
branch = "main"

[[mapping]]
prefix = "/net/"
dir = "kv"

[[mapping]]
prefix = "/dns/"
dir = "dns/zones"

[ephemeral]
keys = ["/net/sessions/**", "/net/nodes/*/heartbeat"]

[apply]
max_delete_fraction = 0.25

[etcd]
endpoints = ["http://127.0.0.1:2379"]
max_txn_ops = 128
max_request_bytes = 1572864
txns_in_flight = 4
dial_timeout = "5s"
command_timeout = "30s"

[state]
prefix = "/netsync/"

[secrets]
keys = ["/net/users/*/password"]
recipients = ["age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p"]

[persist]
remotes = ["origin"]
author = "netsync <netsync@example.com>"
message = "Record changes made in etcd"
"#;

#[test]
fn readme_example_parses() {
    let c = parse(README_EXAMPLE);
    assert_eq!(c.version, 1);
    assert_eq!(c.branch.as_deref(), Some("main"));
    assert_eq!(
        c.mappings,
        vec![
            Mapping {
                prefix: b"/net/".to_vec(),
                dir: "kv".into()
            },
            Mapping {
                prefix: b"/dns/".to_vec(),
                dir: "dns/zones".into()
            },
        ]
    );
    assert_eq!(
        c.ephemeral.sources(),
        ["/net/sessions/**", "/net/nodes/*/heartbeat"]
    );
    assert_eq!(c.apply.max_delete_fraction, 0.25);
    assert_eq!(
        c.etcd,
        EtcdSettings {
            endpoints: Some(vec!["http://127.0.0.1:2379".into()]),
            max_txn_ops: 128,
            max_request_bytes: 1_572_864,
            txns_in_flight: 4,
            dial_timeout: Some(Duration::from_secs(5)),
            command_timeout: Some(Duration::from_secs(30)),
            cacert: None,
            cert: None,
            key: None,
            user: None,
        }
    );
    assert_eq!(c.state_prefix, b"/netsync/");
    assert!(c.is_secret(b"/net/users/alice/password"));
    assert_eq!(c.secrets.recipients.len(), 1);
    assert_eq!(c.persist.remotes, ["origin"]);
    assert_eq!(
        c.persist.author.as_deref(),
        Some("netsync <netsync@example.com>")
    );
    assert!(c.warnings().is_empty(), "{:?}", c.warnings());
}

#[test]
fn defaults() {
    let c = parse(MINIMAL);
    assert_eq!(c.branch, None);
    assert!(c.ephemeral.is_empty());
    assert!(c.secrets.keys.is_empty());
    assert_eq!(
        c.apply,
        ApplySettings {
            max_delete_fraction: 0.25
        }
    );
    assert_eq!(c.etcd, EtcdSettings::default());
    assert_eq!(c.etcd.max_txn_ops, 128);
    assert_eq!(c.etcd.max_request_bytes, 1_572_864);
    assert_eq!(c.etcd.txns_in_flight, DEFAULT_TXNS_IN_FLIGHT);
    assert_eq!(c.etcd.dial_timeout, None);
    assert_eq!(c.etcd.command_timeout, None);
    assert_eq!(c.persist, PersistSettings::default());
    assert_eq!(c.state_prefix, b"/netsync/");
    assert!(!c.is_ephemeral(b"/net/x"));
    assert!(!c.is_secret(b"/net/x"));
}

#[test]
fn template_parses() {
    let c = parse(&Config::template("/net/", "kv", "main"));
    assert_eq!(
        c.mappings,
        vec![Mapping {
            prefix: b"/net/".to_vec(),
            dir: "kv".into()
        }]
    );
    assert_eq!(c.branch.as_deref(), Some("main"));
    assert!(c.warnings().is_empty(), "{:?}", c.warnings());
    // Awkward input still yields a file that reads back as given.
    let c = parse(&Config::template(
        "/a \"quoted\"\\\t/",
        "odd dir",
        "release/1.x",
    ));
    assert_eq!(c.mappings[0].prefix, b"/a \"quoted\"\\\t/");
    // A mapping that would swallow the default state prefix gets another one.
    let c = parse(&Config::template("/", "all", "main"));
    assert!(!overlaps(&c.state_prefix, b"/"));
}

/// Every commented-out section of the starter file, [persist] and [secrets] included, is
/// valid once uncommented: what it shows is what the file takes.
#[test]
fn template_sections_parse_when_uncommented() {
    let template = Config::template("/net/", "kv", "main");
    for section in ["[persist]", "[secrets]", "[etcd]", "[ephemeral]", "[apply]"] {
        assert!(
            template.contains(&format!("# {section}\n")),
            "{section} is shown"
        );
    }
    let uncommented: String = template
        .lines()
        .map(|line| match line.strip_prefix("# ") {
            Some(rest)
                if rest.starts_with('[')
                    || rest.split_once(" = ").is_some_and(|(k, _)| {
                        k.chars().all(|c| c.is_ascii_lowercase() || c == '_')
                    }) =>
            {
                rest
            }
            _ => line,
        })
        .map(|line| format!("{line}\n"))
        .collect();
    let c = parse(&uncommented);
    assert_eq!(c.persist.remotes.len(), 2);
    assert!(c.persist.author.is_some() && c.persist.message.is_some());
    assert!(c.is_secret(b"/net/users/alice/password"));
    assert_eq!(c.secrets.recipients.len(), 2);
}

#[test]
fn syntax_error() {
    let m = error("version = 1\n[etcd\n", 2, 6, "");
    assert!(m.contains("unclosed table"), "{m}");
    let m = error("version = 1\nversion = 1\n", 2, 1, "");
    assert!(m.contains("duplicate key"), "{m}");
}

#[test]
fn unknown_field() {
    let text = "version = 1\n[[mapping]]\nprefix = \"/a/\"\ndir = \"kv\"\n\n[[mapping]]\n\
                prefx = \"/b/\"\ndir = \"x\"\n";
    let m = error(text, 7, 1, "mapping.prefx");
    assert_eq!(
        m,
        "netsync.toml:7:1: unknown field `prefx`, expected `prefix` or `dir`"
    );
    error(
        &format!("{MINIMAL}[etcd]\ntimeout = \"5s\"\n"),
        6,
        1,
        "etcd.timeout",
    );
    error(&format!("colour = 1\n{MINIMAL}"), 1, 1, "colour");
    error(
        &format!("{MINIMAL}[stat]\nprefix = \"/s/\"\n"),
        5,
        2,
        "stat",
    );
}

#[test]
fn missing_field() {
    let m = error(
        "version = 1\n[[mapping]]\nprefix = \"/a/\"\n",
        2,
        1,
        "mapping.dir",
    );
    assert!(m.contains("missing field `dir`"), "{m}");
    let m = error(
        "[[mapping]]\nprefix = \"/a/\"\ndir = \"kv\"\n",
        1,
        1,
        "version",
    );
    assert!(m.contains("missing field `version`"), "{m}");
}

#[test]
fn wrong_type() {
    let m = error("version = \"1\"\n", 1, 11, "version");
    assert!(m.contains("invalid type"), "{m}");
    let m = error(
        &format!("{MINIMAL}[etcd]\nmax_txn_ops = -1\n"),
        6,
        15,
        "etcd.max_txn_ops",
    );
    assert!(m.contains("`etcd.max_txn_ops`"), "{m}");
    error(
        &format!("{MINIMAL}[ephemeral]\nkeys = [\"/net/a\", 3]\n"),
        6,
        19,
        "ephemeral.keys",
    );
    error(
        &format!("{MINIMAL}[etcd]\ndial_timeout = 5\n"),
        6,
        16,
        "etcd.dial_timeout",
    );
}

#[test]
fn unsupported_version() {
    let m = error(
        &MINIMAL.replace("version = 1", "version = 2"),
        1,
        11,
        "version",
    );
    assert!(m.contains("version 1"), "{m}");
}

#[test]
fn no_mapping() {
    let m = error("version = 1\n", 1, 1, "mapping");
    assert!(m.contains("[[mapping]]"), "{m}");
    error("version = 1\nmapping = []\n", 2, 11, "mapping");
}

#[test]
fn empty_prefix() {
    error(
        "version = 1\n[[mapping]]\nprefix = \"\"\ndir = \"kv\"\n",
        3,
        10,
        "mapping.prefix",
    );
}

#[test]
fn bad_dirs() {
    for dir in [
        "",
        "/kv",
        "kv/",
        "./kv",
        "kv/./x",
        "kv/../x",
        "..",
        "kv//x",
        ".git",
        ".hidden",
        "kv/.git",
        "k\\v",
        "k\u{0}v",
        "netsync.toml",
    ] {
        let text = format!("version = 1\n[[mapping]]\nprefix = \"/a/\"\ndir = {}\n", {
            toml_string(dir)
        });
        let m = error(&text, 4, 7, "mapping.dir");
        assert!(m.contains("`mapping.dir`"), "{m}");
    }
}

#[test]
fn nested_or_duplicate_dirs() {
    for (a, b) in [("kv", "kv"), ("kv", "kv/x"), ("kv/x", "kv")] {
        let text = format!(
            "version = 1\n[[mapping]]\nprefix = \"/a/\"\ndir = \"{a}\"\n\
             [[mapping]]\nprefix = \"/b/\"\ndir = \"{b}\"\n"
        );
        let m = error(&text, 7, 7, "mapping.dir");
        assert!(m.contains("(line 4)"), "names the first: {m}");
    }
    // Sharing a name prefix is not nesting.
    parse(
        "version = 1\n[[mapping]]\nprefix = \"/a/\"\ndir = \"kv\"\n\
         [[mapping]]\nprefix = \"/b/\"\ndir = \"kvx\"\n",
    );
}

#[test]
fn overlapping_prefixes() {
    for (a, b) in [
        ("/net/", "/net/x/"),
        ("/net/x/", "/net/"),
        ("/net", "/network"),
        ("/a/", "/a/"),
    ] {
        let text = format!(
            "version = 1\n[[mapping]]\nprefix = \"{a}\"\ndir = \"one\"\n\
             [[mapping]]\nprefix = \"{b}\"\ndir = \"two\"\n"
        );
        let m = error(&text, 6, 10, "mapping.prefix");
        assert!(m.contains(a) && m.contains(b), "names both: {m}");
        assert!(m.contains("(line 3)"), "points at the first: {m}");
    }
}

#[test]
fn bad_glob() {
    let text = format!("{MINIMAL}[ephemeral]\nkeys = [\"/net/[ab\"]\n");
    let m = error(&text, 6, 9, "ephemeral.keys");
    assert!(m.contains("unclosed character class"), "{m}");
    let text = format!("{MINIMAL}[secrets]\nkeys = [\"/net/{{a\"]\n");
    error(&text, 6, 9, "secrets.keys");
}

#[test]
fn bad_numbers_and_durations() {
    for bad in ["-0.1", "1.5", "nan"] {
        let text = format!("{MINIMAL}[apply]\nmax_delete_fraction = {bad}\n");
        error(&text, 6, 23, "apply.max_delete_fraction");
    }
    let ok = parse(&format!("{MINIMAL}[apply]\nmax_delete_fraction = 1\n"));
    assert_eq!(ok.apply.max_delete_fraction, 1.0);
    error(
        &format!("{MINIMAL}[etcd]\nmax_txn_ops = 0\n"),
        6,
        15,
        "etcd.max_txn_ops",
    );
    error(
        &format!("{MINIMAL}[etcd]\nmax_request_bytes = 1023\n"),
        6,
        21,
        "etcd.max_request_bytes",
    );
    for bad in ["0", "257"] {
        error(
            &format!("{MINIMAL}[etcd]\ntxns_in_flight = {bad}\n"),
            6,
            18,
            "etcd.txns_in_flight",
        );
    }
    // What the flags and the environment refuse (humantime), and zero.
    for bad in ["5", "s", "0s", "-5s", "99999999999999999999s", "5 parsecs"] {
        let text = format!("{MINIMAL}[etcd]\ncommand_timeout = \"{bad}\"\n");
        error(&text, 6, 19, "etcd.command_timeout");
    }
    error(
        &format!("{MINIMAL}[etcd]\nendpoints = []\n"),
        6,
        13,
        "etcd.endpoints",
    );
}

#[test]
fn durations() {
    assert_eq!(parse_duration("500ms"), Ok(Duration::from_millis(500)));
    assert_eq!(parse_duration("5s"), Ok(Duration::from_secs(5)));
    assert_eq!(parse_duration("2m"), Ok(Duration::from_secs(120)));
    assert_eq!(parse_duration("1h"), Ok(Duration::from_secs(3600)));
    // The same forms as the flags and the environment.
    assert_eq!(parse_duration("1m30s"), Ok(Duration::from_secs(90)));
    assert_eq!(parse_duration("2h 5m"), Ok(Duration::from_secs(7500)));
    assert!(parse_duration("0s")
        .unwrap_err()
        .contains("greater than zero"));
    assert!(parse_duration("5")
        .unwrap_err()
        .contains("expected a number and a unit"));
    assert!(parse_duration("soon").is_err());
}

#[test]
fn state_prefix_overlap() {
    let text = format!("{MINIMAL}[state]\nprefix = \"/net/netsync/\"\n");
    error(&text, 6, 10, "state.prefix");
    error(
        &format!("{MINIMAL}[state]\nprefix = \"/\"\n"),
        6,
        10,
        "state.prefix",
    );
    // The implicit default can collide too.
    let text = "version = 1\n[[mapping]]\nprefix = \"/\"\ndir = \"all\"\n";
    error(text, 1, 1, "state.prefix");
    let c = parse(&format!("{text}[state]\nprefix = \"netsync/\"\n"));
    assert_eq!(c.state_prefix, b"netsync/");
}

#[test]
fn persist_max_delete_fraction() {
    assert_eq!(parse(MINIMAL).persist.max_delete_fraction, 0.25);
    for bad in ["-0.1", "1.5", "nan"] {
        let text = format!("{MINIMAL}[persist]\nmax_delete_fraction = {bad}\n");
        error(&text, 6, 23, "persist.max_delete_fraction");
    }
    let ok = parse(&format!("{MINIMAL}[persist]\nmax_delete_fraction = 0.5\n"));
    assert_eq!(ok.persist.max_delete_fraction, 0.5);
    assert_eq!(
        ok.apply.max_delete_fraction, 0.25,
        "each direction has its own"
    );
}

#[test]
fn branch_and_reserved_sections() {
    error(&format!("branch = \"a b\"\n{MINIMAL}"), 1, 10, "branch");
    error(&format!("branch = \"\"\n{MINIMAL}"), 1, 10, "branch");
    for bad in ["netsync", "<a@b>", "Name <>", "Name <a@b", "Name <a b>"] {
        let text = format!("{MINIMAL}[persist]\nauthor = \"{bad}\"\n");
        error(&text, 6, 10, "persist.author");
    }
    error(
        &format!("{MINIMAL}[persist]\nmessage = \" \"\n"),
        6,
        11,
        "persist.message",
    );
    error(
        &format!("{MINIMAL}[secrets]\nrecipients = [\"\"]\n"),
        6,
        15,
        "secrets.recipients",
    );
    error(
        &format!("{MINIMAL}[secrets]\nrecipients = \"x\"\n"),
        6,
        14,
        "secrets.recipients",
    );
}

#[test]
fn warnings() {
    let text = "version = 1\n[[mapping]]\nprefix = \"/net\"\ndir = \"kv\"\n\
                [ephemeral]\nkeys = [\"/net/s/**\", \"/other/**\", \"**/heartbeat\", \"/n*\"]\n\
                [state]\nprefix = \"/.netsync/\"\n";
    let c = parse(text);
    let w = c.warnings();
    assert_eq!(w.len(), 2, "{w:?}");
    assert!(
        w[0].starts_with("netsync.toml:3:10: ") && w[0].contains("\"/netx\""),
        "{w:?}"
    );
    assert!(
        w[1].starts_with("netsync.toml:6:22: ") && w[1].contains("/other/**"),
        "{w:?}"
    );
}

#[test]
fn mapping_for_key() {
    let c = parse(
        "version = 1\n[[mapping]]\nprefix = \"/net/\"\ndir = \"kv\"\n\
         [[mapping]]\nprefix = \"/network/\"\ndir = \"nw\"\n",
    );
    let dir = |key: &[u8]| c.mapping_for_key(key).map(|m| m.dir.as_str());
    assert_eq!(dir(b"/net/a"), Some("kv"));
    assert_eq!(dir(b"/network/x"), Some("nw"));
    assert_eq!(dir(b"/net/\xff"), Some("kv"));
    assert_eq!(dir(b"/net\xff"), None);
    assert_eq!(dir(b"/net"), None);
    assert_eq!(dir(b"/netsync/lock"), None);
}

#[test]
fn mapping_for_path() {
    let c = parse(
        "version = 1\n[[mapping]]\nprefix = \"/net/\"\ndir = \"kv\"\n\
         [[mapping]]\nprefix = \"/dns/\"\ndir = \"dns/zones\"\n",
    );
    let at = |p| {
        c.mapping_for_path(p)
            .map(|(m, rest)| (m.dir.as_str(), rest))
    };
    assert_eq!(at("kv/users/x"), Some(("kv", "users/x")));
    assert_eq!(at("dns/zones/a"), Some(("dns/zones", "a")));
    assert_eq!(at("kv"), None);
    assert_eq!(at("kv/"), None);
    assert_eq!(at("kvx/a"), None);
    assert_eq!(at("dns/a"), None);
    assert_eq!(at("netsync.toml"), None);
}

#[test]
fn is_ephemeral() {
    let c = parse(&format!(
        "{MINIMAL}[ephemeral]\nkeys = [\"/net/sessions/**\", \"/net/nodes/*/heartbeat\"]\n"
    ));
    assert!(c.is_ephemeral(b"/net/sessions/a"));
    assert!(c.is_ephemeral(b"/net/sessions/a/b/c"));
    assert!(c.is_ephemeral(b"/net/nodes/n1/heartbeat"));
    // `*` does not cross `/`.
    assert!(!c.is_ephemeral(b"/net/nodes/rack1/n1/heartbeat"));
    assert!(!c.is_ephemeral(b"/net/nodes/n1/heartbeat/x"));
    assert!(!c.is_ephemeral(b"/net/sessionsx/a"));
    // Keys need not be UTF-8.
    assert!(c.is_ephemeral(b"/net/sessions/\xff\xfe"));
    assert!(c.is_ephemeral(b"/net/nodes/\xff/heartbeat"));
    assert!(!c.is_ephemeral(b"/net/nodes/\xff/x/heartbeat"));
}

#[test]
fn line_col_counts_characters() {
    let src = Source {
        text: "é = 1\nab",
        origin: ORIGIN,
    };
    assert_eq!(src.line_col(0), (1, 1));
    assert_eq!(src.line_col(3), (1, 3));
    assert_eq!(src.line_col(1), (1, 1));
    assert_eq!(src.line_col(8), (2, 2));
    assert_eq!(src.line_col(100), (2, 3));
}

/// `persist.remotes` takes remote names, URLs and paths, as `git push` does. A bad entry is
/// set aside with its position (persist refuses it, status shows it) instead of making the
/// whole file unreadable for every command.
#[test]
fn remotes_are_names_urls_or_paths() {
    let good = [
        "origin",
        "backup/eu-1",
        "ssh://git@git.example.net:2222/net/network.git",
        "git@git.example.net:net/network.git",
        "https://git.example.net/net/network.git",
        "file:///srv/git/network.git",
        "/srv/backup/network.git",
        "../backup.git",
        "./mirror.git",
        "~/backups/network.git",
    ];
    let list = good.map(|g| format!("{g:?}")).join(", ");
    let c = parse(&format!("{MINIMAL}[persist]\nremotes = [{list}]\n"));
    assert_eq!(c.persist.remotes, good);
    assert!(c.persist.invalid_remotes.is_empty());

    for (bad, col, why) in [
        ("a b", 22, "is not a valid Git name: it contains ' '"),
        ("origin", 22, "\"origin\" is listed twice"),
        ("-x", 22, "it starts with `-`"),
        ("https://", 22, "is not a Git URL or path"),
    ] {
        let c = parse(&format!(
            "{MINIMAL}[persist]\nremotes = [\"origin\", {bad:?}, \"backup\"]\n"
        ));
        assert_eq!(c.persist.remotes, ["origin", "backup"], "{bad}");
        let [invalid] = c.persist.invalid_remotes.as_slice() else {
            panic!("{bad}: {:?}", c.persist.invalid_remotes);
        };
        assert_eq!(invalid.entry, bad);
        assert!(
            invalid
                .message
                .starts_with(&format!("{ORIGIN}:6:{col}: `persist.remotes`: ")),
            "{}",
            invalid.message
        );
        assert!(invalid.message.contains(why), "{}", invalid.message);
    }
}

/// `persist.signing_key` names a key on the persist hosts: an absolute path, never a file of
/// the repository (a private key must not be committed).
#[test]
fn persist_signing_key_is_an_absolute_path() {
    let ok = parse(&format!(
        "{MINIMAL}[persist]\nsigning_key = \"/etc/netsync/persist-key/id_ed25519\"\n"
    ));
    assert_eq!(
        ok.persist.signing_key.as_deref(),
        Some(std::path::Path::new("/etc/netsync/persist-key/id_ed25519"))
    );
    assert_eq!(parse(MINIMAL).persist.signing_key, None);
    for bad in ["keys/id_ed25519", "~/.ssh/id_ed25519", ""] {
        let text = format!("{MINIMAL}[persist]\nsigning_key = \"{bad}\"\n");
        let message = error(&text, 6, 15, "persist.signing_key");
        assert!(message.contains("not an absolute path"), "{message}");
    }
}
