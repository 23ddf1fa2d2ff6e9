//! The output contract every command keeps: JSON documents with a `format_version`, colours
//! only when asked or on a terminal, `-q` silent but for errors, and the same exit codes
//! everywhere (0 ok, 1 error, 2 differences, 3 refused by a guard, 4 concurrent
//! modification, 64 usage; 2, 3 and 4 are also covered in apply.rs).

use std::path::{Path, PathBuf};

use crate::harness::TestEnv;

fn fixture_env() -> (TestEnv, PathBuf) {
    let env = TestEnv::new();
    let repo = env.init_repo("network", true);
    env.copy_fixture(&repo, "network");
    (env, repo)
}

fn json(out: &[u8]) -> serde_json::Value {
    crate::harness::json_doc(out)
}

fn run_json(env: &TestEnv, repo: &Path, args: &[&str]) -> serde_json::Value {
    let out = env
        .netsync()
        .args(args)
        .args(["--output", "json", "--repo"])
        .arg(repo)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    json(&out.stdout)
}

#[test]
fn every_command_prints_one_json_document_with_a_format_version() {
    let (env, repo) = fixture_env();
    let new = env.root().join("new.git");
    let doc = run_json(&env, &new, &["init", "--bare"]);
    assert_eq!(doc["format_version"], 1);
    assert_eq!(doc["command"], "init");
    assert_eq!(doc["created"], "bare");
    assert_eq!(doc["branch"], "main");
    assert_eq!(doc["config_path"], serde_json::Value::Null);
    assert_eq!(doc["commit"].as_str().unwrap(), env.rev_parse(&new, "main"));
    env.fsck(&new);

    let wt = env.root().join("plain");
    let doc = run_json(&env, &wt, &["init", "--new", "--branch", "prod"]);
    assert_eq!(doc["created"], "with_worktree");
    assert!(doc["config_path"]
        .as_str()
        .unwrap()
        .ends_with("netsync.toml"));
    assert_eq!(
        env.git(&wt, ["symbolic-ref", "HEAD"]).trim(),
        "refs/heads/prod"
    );

    let doc = run_json(&env, &repo, &["config"]);
    assert_eq!(doc["format_version"], 1);
    assert_eq!(doc["command"], "config");
    assert_eq!(doc["settings"]["endpoints"]["source"], "env");
    assert_eq!(doc["settings"]["endpoints"]["env"], "NETSYNC_ENDPOINTS");
    assert_eq!(doc["config_file"]["rev"], "main");

    for command in ["diff", "apply"] {
        let doc = run_json(&env, &repo, &[command]);
        assert_eq!(doc["format_version"], 1, "{command}");
        assert_eq!(doc["command"], command);
        assert!(doc["changes"].is_array());
    }
}

#[test]
fn init_new_and_bare_refuse_to_overwrite() {
    let env = TestEnv::new();
    let repo = env.init_repo("existing", true);
    env.copy_fixture(&repo, "network");
    let refs = env.git(&repo, ["show-ref"]);
    for flag in ["--bare", "--new"] {
        env.netsync()
            .args(["init", flag, "--repo"])
            .arg(&repo)
            .assert()
            .code(1)
            .stderr(predicates::str::contains("already exists"))
            .stderr(predicates::str::contains("hint: --new and --bare"));
    }
    assert_eq!(env.git(&repo, ["show-ref"]), refs);
    env.fsck(&repo);
    // A bare repository made by init is ready for apply once a clone adds keys.
    let bare = env.root().join("made.git");
    env.netsync()
        .args(["init", "--bare", "-q", "--repo"])
        .arg(&bare)
        .assert()
        .success()
        .stdout("")
        .stderr("");
    env.commit_files(&bare, &[("kv/params/mtu", b"1400")], &[], "first key");
    env.netsync()
        .args(["apply", "--repo"])
        .arg(&bare)
        .assert()
        .success();
    assert_eq!(
        env.kv().get("/net/params/mtu").as_deref(),
        Some(b"1400".as_slice())
    );
    env.fsck(&bare);
}

/// Whether `out` holds an SGR (colour or style) escape sequence: `ESC [ digits;… m`. Progress
/// bars on a terminal use other escapes (cursor, erase), which are not colours.
fn has_colour(out: &[u8]) -> bool {
    out.windows(2).enumerate().any(|(i, w)| {
        w == b"\x1b[" && {
            let rest = &out[i + 2..];
            let end = rest
                .iter()
                .position(|b| !(b.is_ascii_digit() || *b == b';'));
            matches!(end.map(|e| rest[e]), Some(b'm'))
        }
    })
}

#[test]
fn colours_only_when_asked_or_on_a_terminal_without_no_color() {
    let (env, repo) = fixture_env();
    let diff = |color: &str| {
        env.netsync()
            .args(["diff", "--color", color, "--repo"])
            .arg(&repo)
            .output()
            .unwrap()
            .stdout
    };
    assert!(has_colour(&diff("always")), "--color always colours");
    assert!(!has_colour(&diff("never")));
    assert!(!has_colour(&diff("auto")), "piped: no colours");
    // On a terminal (a pty from `script`): colours, unless NO_COLOR is set.
    let on_tty = |no_color: bool| {
        let line = format!(
            "{} diff --color auto --repo {}",
            TestEnv::netsync_bin().display(),
            repo.display()
        );
        let mut cmd = env.command("script");
        cmd.args(["-qec", &line, "/dev/null"]);
        cmd.env("TERM", "xterm");
        if !no_color {
            cmd.env_remove("NO_COLOR");
        }
        let out = cmd.output().expect("run script(1) from util-linux");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        out.stdout
    };
    assert!(has_colour(&on_tty(false)), "terminal: colours");
    let plain = on_tty(true);
    assert!(
        !has_colour(&plain),
        "NO_COLOR: no colours: {:?}",
        String::from_utf8_lossy(&plain)
    );
}

#[test]
fn quiet_prints_nothing_but_errors() {
    let (env, repo) = fixture_env();
    for args in [&["diff", "-q"][..], &["apply", "-q"], &["config", "-q"]] {
        env.netsync()
            .args(args)
            .arg("--repo")
            .arg(&repo)
            .assert()
            .success()
            .stdout("")
            .stderr("");
    }
    assert_eq!(
        env.kv().dump(b"/net/").len(),
        crate::harness::fixture_kv("network").len()
    );
    // The exit code still tells; errors still print.
    env.kv().put("/net/params/mtu", "1");
    env.netsync()
        .args(["diff", "-q", "--exit-code", "--repo"])
        .arg(&repo)
        .assert()
        .code(2)
        .stdout("")
        .stderr("");
    env.netsync()
        .args(["diff", "-q", "--rev", "nope", "--repo"])
        .arg(&repo)
        .assert()
        .code(1)
        .stdout("")
        .stderr(predicates::str::starts_with("error: "));
}

#[test]
fn exit_codes_are_the_same_for_every_command() {
    let (env, repo) = fixture_env();
    // 0
    for args in [
        &["diff"][..],
        &["apply"],
        &["config"],
        &["completions", "bash"],
    ] {
        env.netsync()
            .args(args)
            .arg("--repo")
            .arg(&repo)
            .assert()
            .code(0);
    }
    // 64: a usage error, whatever the command.
    for command in ["init", "diff", "apply", "config", "completions"] {
        env.netsync()
            .args([command, "--no-such-flag"])
            .assert()
            .code(64)
            .stderr(predicates::str::contains("error:"));
    }
    env.netsync()
        .env("NETSYNC_DIAL_TIMEOUT", "soon")
        .args(["diff", "--repo"])
        .arg(&repo)
        .assert()
        .code(64)
        .stderr(predicates::str::contains("NETSYNC_DIAL_TIMEOUT"));
    // 1: an error, whatever the command.
    let nothing = env.root().join("not-a-repo");
    std::fs::create_dir_all(&nothing).unwrap();
    for command in ["diff", "apply"] {
        env.netsync()
            .args([command, "--repo"])
            .arg(&nothing)
            .assert()
            .code(1)
            .stderr(predicates::str::starts_with("error: "));
    }
    env.commit_files(
        &repo,
        &[("netsync.toml", b"version = 1\n[etcd]\nuser = \"a:b\"\n")],
        &[],
        "bad",
    );
    for command in ["config", "diff", "apply"] {
        env.netsync()
            .args([command, "--repo"])
            .arg(&repo)
            .assert()
            .code(1)
            .stderr(predicates::str::contains("netsync.toml"));
    }
    // 2
    env.commit_files(&repo, &[], &[], "unchanged");
    env.netsync()
        .args(["diff", "--rev", "HEAD~2", "--exit-code", "--repo"])
        .arg(&repo)
        .assert()
        .code(0);
    env.kv().put("/net/params/mtu", "1");
    env.netsync()
        .args(["diff", "--rev", "HEAD~2", "--exit-code", "--repo"])
        .arg(&repo)
        .assert()
        .code(2);
    // 3: the prune guard.
    env.kv().put("/net/a", "1");
    env.kv().put("/net/b", "1");
    env.kv().put("/net/c", "1");
    let keys = env.kv().dump(b"/net/").len();
    for i in 0..keys {
        env.kv().put(format!("/net/zz/{i}"), "1");
    }
    // (--force: keys added in etcd since the sync point are drift, which apply otherwise keeps)
    env.netsync()
        .args(["apply", "--force", "--rev", "HEAD~2", "--repo"])
        .arg(&repo)
        .assert()
        .code(3);
    // 4: a key changed between plan and write.
    env.kv().delete_prefix("/net/zz/");
    let hook = format!(
        "etcdctl --endpoints {} put /net/params/mtu 9999 >/dev/null",
        env.endpoints()
    );
    env.netsync()
        .env("NETSYNC_TEST_HOOK_BEFORE_WRITE", &hook)
        .args(["apply", "--force", "--rev", "HEAD~2", "--repo"])
        .arg(&repo)
        .assert()
        .code(4);
}

#[test]
fn version_names_the_commit_and_the_target() {
    let out = assert_cmd::Command::cargo_bin("netsync")
        .unwrap()
        .arg("--version")
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines.first().copied(),
        Some(concat!("netsync ", env!("CARGO_PKG_VERSION")))
    );
    let commit = lines
        .iter()
        .find_map(|l| l.strip_prefix("commit: "))
        .unwrap_or_else(|| panic!("no commit line in {text:?}"));
    let target = lines
        .iter()
        .find_map(|l| l.strip_prefix("target: "))
        .unwrap_or_else(|| panic!("no target line in {text:?}"));
    assert!(
        target.split('-').count() >= 3,
        "{target:?} is not a target triple"
    );
    // Built from this checkout (CI builds a clone), the commit is its HEAD's.
    let head = std::process::Command::new("git")
        .args(["rev-parse", "HEAD"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .ok()
        .filter(|o| o.status.success() && std::env::var_os("NETSYNC_BUILD_COMMIT").is_none());
    match head {
        Some(head) => {
            let head = String::from_utf8_lossy(&head.stdout);
            assert_eq!(commit.len(), 12, "{commit:?}");
            assert!(head.starts_with(commit), "{commit} is not HEAD {head}");
        }
        None => assert!(!commit.is_empty()),
    }

    let short = assert_cmd::Command::cargo_bin("netsync")
        .unwrap()
        .arg("-V")
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&short.stdout).trim(),
        concat!("netsync ", env!("CARGO_PKG_VERSION")),
        "-V prints the version alone, as the man pages do"
    );
}

/// `--rev` takes the same forms in every command that has it: a branch, a tag, a commit, or
/// a date (the branch's last commit at or before it); an unknown one is refused alike, with
/// the forms and the branches as hints, before anything is written.
#[test]
fn rev_takes_the_same_forms_in_every_command() {
    let (env, repo) = TestEnv::applied_network();
    let fixture = env.rev_parse(&repo, "main");
    env.git(&repo, ["tag", "v1", &fixture]);
    // A persist commit (dated now) on top of the fixture's (dated 2024-01-01).
    env.kv().put("/net/params/mtu", "1380");
    env.netsync_ok(&["persist"], &repo);
    assert_ne!(env.rev_parse(&repo, "main"), fixture);

    let mtu_differs = |args: &[&str]| {
        let out = env.netsync_ok(args, &repo);
        assert!(out.contains("params/mtu"), "{args:?}: {out}");
    };
    for rev in [
        "v1",
        fixture.as_str(),
        &fixture[..12],
        "main~1",
        "2025-06-01",
        "2024-01-01T00:00:00Z",
    ] {
        mtu_differs(&["diff", "--rev", rev]);
        mtu_differs(&["apply", "--dry-run", "--rev", rev]);
        env.netsync_ok(&["config", "--rev", rev], &repo);
    }
    // Today's date is the branch tip: no difference.
    let today = humantime::format_rfc3339_seconds(std::time::SystemTime::now()).to_string();
    let out = env.netsync_ok(&["diff", "--rev", &today], &repo);
    assert!(out.contains("no differences"), "{out}");

    let before = env.kv().dump_all();
    for command in [
        &["diff"][..],
        &["apply"],
        &["config"],
        &["secret", "show", "/net/params/mtu"],
    ] {
        for (rev, needle) in [
            ("no-such-branch", "unknown revision `no-such-branch`"),
            (
                "2023-12-31",
                "branch `main` has no commit at or before 2023-12-31",
            ),
        ] {
            let assert = env
                .netsync()
                .args(command)
                .args(["--rev", rev, "--repo"])
                .arg(&repo)
                .assert()
                .code(1);
            let stderr = String::from_utf8_lossy(&assert.get_output().stderr).into_owned();
            assert!(stderr.starts_with("error: "), "{command:?} {rev}: {stderr}");
            assert!(stderr.contains(needle), "{command:?} {rev}: {stderr}");
            assert!(!stderr.contains("NotFound"), "{command:?} {rev}: {stderr}");
            if rev == "no-such-branch" {
                assert!(
                    stderr.contains("hint: a revision is a branch, tag, commit id"),
                    "{stderr}"
                );
                assert!(stderr.contains("hint: branches here: main"), "{stderr}");
            }
        }
    }
    assert_eq!(env.kv().dump_all(), before, "etcd changed");
    env.fsck(&repo);
}

/// Runs `line` (a shell command) on a pseudo-terminal with `TERM=term`; returns what the
/// terminal showed (stdout and stderr together).
fn on_terminal(env: &TestEnv, line: &str, term: &str) -> Vec<u8> {
    let mut cmd = env.command("script");
    cmd.args(["-qec", line, "/dev/null"]);
    cmd.env("TERM", term).env_remove("NO_COLOR");
    cmd.output().expect("run script(1) from util-linux").stdout
}

/// `--color` reaches stderr too (the `error:`, `warning:` and `hint:` labels), and a
/// terminal with `TERM=dumb` gets neither colours nor progress bars.
#[test]
fn colour_choice_reaches_stderr_and_term_dumb_is_honoured() {
    let (env, repo) = TestEnv::applied_network();
    let stderr = |color: &str| {
        env.netsync()
            .args(["diff", "--rev", "nope", "--color", color, "--repo"])
            .arg(&repo)
            .output()
            .unwrap()
            .stderr
    };
    assert!(
        has_colour(&stderr("always")),
        "--color always colours stderr"
    );
    assert!(!has_colour(&stderr("auto")), "piped stderr: no colours");
    let netsync = TestEnv::netsync_bin();
    let shown = |args: &str, term: &str| {
        let line = format!("{} {args} --repo {}", netsync.display(), repo.display());
        on_terminal(&env, &line, term)
    };
    // A tracing warning (no remotes) and the human output, on a terminal.
    assert!(
        has_colour(&shown("persist", "xterm")),
        "a terminal: colours"
    );
    assert!(!has_colour(&shown("persist --color never", "xterm")));
    for args in ["persist", "diff", "diff --rev nope"] {
        let out = shown(args, "dumb");
        let text = String::from_utf8_lossy(&out);
        assert!(!has_colour(&out), "TERM=dumb, {args}: {text:?}");
        assert!(
            !text.contains("\x1b["),
            "TERM=dumb, no escapes at all: {text:?}"
        );
    }
    assert!(String::from_utf8_lossy(&shown("persist", "dumb"))
        .contains("warning: persist.remotes is empty"));
}

/// `--log-format json` (or NETSYNC_LOG_FORMAT=json): every line on stderr is one JSON object
/// with a timestamp, a level and a message, warnings and the final error included; stdout
/// keeps its own format. `-o` is `--output`.
#[test]
fn log_lines_can_be_json_for_journald_and_loki() {
    let (env, repo) = TestEnv::applied_network();
    let records = |out: &std::process::Output| -> Vec<serde_json::Value> {
        String::from_utf8_lossy(&out.stderr)
            .lines()
            .map(|line| {
                serde_json::from_str(line)
                    .unwrap_or_else(|e| panic!("not a JSON record ({e}): {line:?}"))
            })
            .collect()
    };
    let out = env
        .netsync()
        .args(["persist", "--log-format", "json", "-vv", "--repo"])
        .arg(&repo)
        .output()
        .unwrap();
    assert!(out.status.success());
    let logged = records(&out);
    assert!(logged.len() > 2, "{logged:?}");
    for record in &logged {
        assert!(
            record["timestamp"]
                .as_str()
                .is_some_and(|t| t.ends_with('Z')),
            "{record}"
        );
        assert!(["ERROR", "WARN", "INFO", "DEBUG", "TRACE"]
            .contains(&record["level"].as_str().unwrap()));
        assert!(record["message"].is_string(), "{record}");
    }
    let warning = logged
        .iter()
        .find(|r| r["level"] == "WARN")
        .expect("the no-remotes warning");
    assert!(warning["message"]
        .as_str()
        .unwrap()
        .starts_with("persist.remotes is empty"));
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("nothing to persist"));

    let out = env
        .netsync()
        .env("NETSYNC_LOG_FORMAT", "json")
        .args(["diff", "--rev", "nope", "-o", "json", "--repo"])
        .arg(&repo)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let [error] = records(&out).try_into().expect("one record");
    assert_eq!(error["level"], "ERROR");
    assert_eq!(error["exit_code"], 1);
    assert!(error["message"]
        .as_str()
        .unwrap()
        .contains("unknown revision `nope`"));
    assert!(error["hints"][0]
        .as_str()
        .unwrap()
        .starts_with("a revision is a branch"));
    let document = json(&out.stdout);
    assert_eq!(
        document["error"]["kind"], "git",
        "-o json: the error document"
    );

    env.netsync()
        .env("NETSYNC_LOG_FORMAT", "yaml")
        .args(["diff", "--repo"])
        .arg(&repo)
        .assert()
        .code(64)
        .stderr(predicates::str::contains("invalid value 'yaml'"));
}

/// Every kind of document netsync prints, made for real in one run, matches its schema in
/// docs/schemas/, and no schema goes unexercised.
#[test]
fn every_kind_of_json_document_matches_its_schema() {
    use std::collections::BTreeSet;
    let (env, repo) = fixture_env();
    let seen = std::cell::RefCell::new(BTreeSet::new());
    let check = |out: &std::process::Output| {
        let doc = json(&out.stdout);
        seen.borrow_mut().insert(crate::harness::schema_name(&doc));
        doc
    };
    let run = |args: &[&str]| {
        env.netsync()
            .args(args)
            .args(["-o", "json", "--repo"])
            .arg(&repo)
            .output()
            .unwrap()
    };
    let new = env.root().join("new.git");
    check(
        &env.netsync()
            .args(["init", "--bare", "-o", "json", "--repo"])
            .arg(&new)
            .output()
            .unwrap(),
    );
    check(&run(&["config"]));
    check(&run(&["diff"]));
    let plan = env.root().join("reviewed.plan");
    run(&["diff", "--out", plan.to_str().unwrap()]);
    let saved = json(&std::fs::read(&plan).unwrap());
    seen.borrow_mut()
        .insert(crate::harness::schema_name(&saved));
    check(&run(&["apply"]));
    env.kv().put("/net/params/mtu", "1380");
    let doc = check(&run(&["persist", "--no-push"]));
    assert_eq!(doc["busy"], false, "{doc}");
    // A second persist while the first holds the lock: the busy document.
    let started = env.root().join("started");
    env.kv().put("/net/params/mtu", "1280");
    let first = env
        .netsync_std()
        .env(
            "NETSYNC_TEST_HOOK_BEFORE_REF_UPDATE",
            format!("touch {}; sleep 5", started.display()),
        )
        .args(["persist", "--no-push", "-q", "--repo"])
        .arg(&repo)
        .spawn()
        .unwrap();
    crate::harness::wait_for_file(&started, "the first persist");
    let doc = check(&run(&["persist", "--no-push"]));
    assert_eq!(
        (&doc["busy"], &doc["holder"]["command"]),
        (&true.into(), &"persist".into()),
        "{doc}"
    );
    assert!(first.wait_with_output().unwrap().status.success());
    check(&run(&["status", "--offline"]));
    // restore onto an empty cluster of its own.
    let target = TestEnv::new();
    let doc = check(
        &target
            .netsync()
            .args(["restore", "-o", "json", "--from"])
            .arg(&repo)
            .output()
            .unwrap(),
    );
    assert_eq!(doc["restore"]["mismatches"], serde_json::json!([]), "{doc}");
    // A failure: the error document, whatever the command.
    let doc = check(&run(&["diff", "--rev", "no-such-rev"]));
    assert_eq!(doc["error"]["exit_code"], 1, "{doc}");
    let doc = check(&run(&["log", "/net/params/mtu"]));
    assert_eq!(doc["log"]["entries"][0]["origin"]["side"], "etcd", "{doc}");
    let doc = check(&run(&[
        "verify",
        "--offline",
        "--from",
        repo.to_str().unwrap(),
    ]));
    assert_eq!(doc["verify"]["ok"], true, "{doc}");
    check(&run(&["secret", "audit"]));
    // secret rekey's document is checked in secrets.rs, which sets up recipients, and
    // watch's events (JSON Lines) in watch.rs, which runs the daemon.
    seen.borrow_mut().insert("secret-rekey".to_owned());
    seen.borrow_mut().insert("watch".to_owned());

    let schemas: BTreeSet<String> =
        std::fs::read_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/schemas"))
            .unwrap()
            .map(|e| {
                let name = e.unwrap().file_name().to_string_lossy().into_owned();
                name.trim_end_matches(".schema.json").to_owned()
            })
            .collect();
    assert_eq!(
        seen.into_inner(),
        schemas,
        "every schema is exercised by a real document"
    );
    env.fsck(&repo);
}
