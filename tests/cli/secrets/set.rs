//! `secret set`: on a real pseudo-terminal the value is asked for twice without echo and
//! stored without the newline; pipes and files are stored byte for byte; an empty value is
//! refused unless `--allow-empty`; a refusal writes nothing; the value is never printed.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use nix::sys::termios::{tcgetattr, LocalFlags};
use rexpect::process::WaitStatus;
use rexpect::reader::Options;
use rexpect::session::{spawn_with_options, PtySession};

use super::{config, keygen, open, ALICE, ALICE_FILE, CANARY, CANARY2};
use crate::harness::TestEnv;

const PROMPT: &str = "value for /net/users/alice/password: ";

/// A clone with netsync.toml committed (so `git status` shows only what `secret set`
/// writes), and the identity that opens its secrets.
fn work_repo(env: &TestEnv) -> (PathBuf, PathBuf) {
    let (id, public) = keygen(env, "id.txt");
    let work = env.init_repo("work", false);
    std::fs::write(work.join("netsync.toml"), config(&[&public])).unwrap();
    env.git(&work, ["add", "-A"]);
    env.git(&work, ["commit", "-q", "-m", "config"]);
    (work, id)
}

fn status(env: &TestEnv, work: &Path) -> String {
    env.git(work, ["status", "--porcelain", "--untracked-files=all"])
}

/// The value stored for Alice in the working tree.
fn stored(work: &Path, id: &Path) -> Vec<u8> {
    open(ALICE, &std::fs::read(work.join(ALICE_FILE)).unwrap(), id)
}

/// `netsync secret set key --repo work args…` on a new pseudo-terminal with echo on, as a
/// terminal is (rexpect turns echo off before it starts the program).
fn on_terminal(env: &TestEnv, work: &Path, key: &str, args: &[&str]) -> PtySession {
    let mut all = vec!["secret", "set", key, "--repo", work.to_str().unwrap()];
    all.extend_from_slice(args);
    netsync_on_terminal(env, &all)
}

/// `netsync args…` on a new pseudo-terminal with echo on.
fn netsync_on_terminal(env: &TestEnv, args: &[&str]) -> PtySession {
    let mut cmd = env.command("sh");
    cmd.args(["-c", "stty echo && echo 'echo is on' && exec \"$0\" \"$@\""])
        .arg(TestEnv::netsync_bin())
        .args(args)
        .stdin(Stdio::inherit());
    let options = Options::new()
        .timeout_ms(Some(30_000))
        .strip_ansi_escape_codes(false);
    spawn_with_options(cmd, options).expect("start netsync on a pseudo-terminal")
}

/// Whether the terminal echoes what is typed now.
fn echoes(pty: &PtySession) -> bool {
    let master = pty.process().get_file_handle().unwrap();
    // On Linux the master side reads the terminal's (the slave's) settings.
    let termios = tcgetattr(&master).expect("read the terminal's settings");
    termios.local_flags.contains(LocalFlags::ECHO)
}

/// Wait until the terminal's echo is off; panics with `what` after 10 seconds.
fn wait_for_no_echo(pty: &PtySession, what: &str) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while echoes(pty) {
        assert!(Instant::now() < deadline, "{what}");
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// Wait for `prompt`, then type `text` and Enter once echo is off; returns what the
/// terminal showed before the prompt.
fn answer(pty: &mut PtySession, prompt: &str, text: &str) -> String {
    let before = pty.exp_string(prompt).expect("the prompt");
    wait_for_no_echo(pty, "netsync did not turn echo off at the prompt");
    pty.send_line(text).unwrap();
    before + prompt
}

/// Everything the terminal still shows until the program ends, and its exit code.
fn finish(pty: &mut PtySession, shown: &mut String) -> i32 {
    shown.push_str(&pty.exp_eof().expect("netsync ends"));
    match pty.process().wait().unwrap() {
        WaitStatus::Exited(_, code) => code,
        other => panic!("netsync did not exit: {other:?}\n{shown}"),
    }
}

#[test]
fn on_a_terminal_the_value_is_asked_twice_without_echo_and_stored_without_newline() {
    let env = TestEnv::new();
    let (work, id) = work_repo(&env);

    let mut pty = on_terminal(&env, &work, ALICE, &[]);
    let mut shown = answer(&mut pty, PROMPT, CANARY);
    shown += &answer(&mut pty, "again: ", CANARY);
    let code = finish(&mut pty, &mut shown);
    assert_eq!(code, 0, "{shown}");
    assert!(
        !shown.contains(CANARY),
        "the typed value was shown:\n{shown}"
    );
    assert!(
        shown.contains("encrypted /net/users/alice/password ("),
        "{shown}"
    );
    assert_eq!(stored(&work, &id), CANARY.as_bytes(), "no newline stored");

    // The two answers differ: refused, the first value stays.
    let mut pty = on_terminal(&env, &work, ALICE, &[]);
    let mut shown = answer(&mut pty, PROMPT, CANARY2);
    shown += &answer(&mut pty, "again: ", &CANARY2[1..]);
    let code = finish(&mut pty, &mut shown);
    assert_eq!(code, 1, "{shown}");
    assert!(
        shown.contains(
            "error: the two values typed for /net/users/alice/password differ; nothing was written"
        ),
        "{shown}"
    );
    assert!(
        !shown.contains(&CANARY2[1..]),
        "a typed value was shown:\n{shown}"
    );
    assert_eq!(stored(&work, &id), CANARY.as_bytes(), "nothing written");

    // An empty answer: refused at once, with the way to store an empty value on purpose.
    std::fs::remove_file(work.join(ALICE_FILE)).unwrap();
    let mut pty = on_terminal(&env, &work, ALICE, &[]);
    let mut shown = answer(&mut pty, PROMPT, "");
    let code = finish(&mut pty, &mut shown);
    assert_eq!(code, 1, "{shown}");
    assert!(
        shown.contains("the value for /net/users/alice/password is empty"),
        "{shown}"
    );
    assert!(shown.contains("--allow-empty"), "{shown}");
    assert!(!shown.contains("again: "), "{shown}");
    assert!(!work.join(ALICE_FILE).exists(), "nothing written");
    assert_eq!(status(&env, &work), "", "working tree as committed");

    // A key that cannot be set is refused before its value is asked for.
    let mut pty = on_terminal(&env, &work, "/net/params/mtu", &[]);
    let mut shown = String::new();
    assert_eq!(finish(&mut pty, &mut shown), 1, "{shown}");
    assert!(
        shown.contains("matches no `secrets.keys` pattern"),
        "{shown}"
    );
    assert!(!shown.contains("value for"), "{shown}");
}

/// The check above would see an echo: `--from-file -` reads the terminal as it is, echo on.
#[test]
fn from_file_dash_reads_the_terminal_as_it_is() {
    let env = TestEnv::new();
    let (work, id) = work_repo(&env);
    let mut pty = on_terminal(&env, &work, ALICE, &["--from-file", "-"]);
    let mut shown = pty.exp_string("echo is on").unwrap();
    assert!(echoes(&pty));
    pty.send_line("line one").unwrap();
    pty.send_line("line two").unwrap();
    pty.send_control('d').unwrap();
    let code = finish(&mut pty, &mut shown);
    assert_eq!(code, 0, "{shown}");
    assert!(shown.contains("line one"), "echo was off:\n{shown}");
    assert_eq!(stored(&work, &id), b"line one\nline two\n");
}

#[test]
fn an_empty_value_is_refused_unless_allow_empty() {
    let env = TestEnv::new();
    let (work, id) = work_repo(&env);
    let empty = env.root().join("empty");
    std::fs::write(&empty, "").unwrap();
    let no_args: &[&str] = &[];
    for args in [no_args, &["--from-file", empty.to_str().unwrap()]] {
        // stdin is /dev/null.
        let out = env
            .netsync()
            .args(["secret", "set", ALICE, "--repo"])
            .arg(&work)
            .args(args)
            .assert()
            .code(1);
        let stderr = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
        assert!(
            stderr.starts_with(
                "error: the value for /net/users/alice/password is empty; nothing was written\n"
            ),
            "{stderr}"
        );
        assert!(
            stderr.contains(
                "hint: to store an empty value on purpose: netsync secret set /net/users/alice/password --allow-empty </dev/null"
            ),
            "{stderr}"
        );
        assert_eq!(
            status(&env, &work),
            "",
            "{args:?}: the working tree changed"
        );
    }
    set_ok(&env, &work, &["--allow-empty"], b"");
    assert_eq!(stored(&work, &id), b"");
}

/// `secret set ALICE --repo work args…` with `stdin`; asserts that it succeeds and prints
/// nothing on stdout and never the value (which holds the canary); returns stderr.
fn set_ok(env: &TestEnv, work: &Path, args: &[&str], stdin: &[u8]) -> String {
    let out = env
        .netsync()
        .args(["secret", "set", ALICE, "--repo"])
        .arg(work)
        .args(args)
        .write_stdin(stdin)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "{args:?}: {stderr}");
    assert_eq!(out.stdout, b"", "{args:?}");
    assert!(!stderr.contains(CANARY), "{args:?}: the value was printed");
    stderr
}

#[test]
fn pipes_and_files_are_stored_byte_for_byte() {
    let env = TestEnv::new();
    let (work, id) = work_repo(&env);
    let mut binary = vec![0, 0xff, 0xfe, b'\r', b'\n', 0x1b, 0x80];
    binary.extend_from_slice(CANARY.as_bytes());
    binary.extend_from_slice(&[0, b'\n']);
    let file = env.root().join("value.bin");
    std::fs::write(&file, &binary).unwrap();

    for flag in ["--from-file", "--file"] {
        std::fs::remove_file(work.join(ALICE_FILE)).ok();
        let stderr = set_ok(&env, &work, &[flag, file.to_str().unwrap()], b"");
        assert_eq!(stored(&work, &id), binary, "{flag}");
        // A file is binary as often as not: its last byte is no mistake to warn about.
        assert!(!stderr.contains("warning"), "{flag}: {stderr}");
    }

    // A pipe keeps its trailing newline, and says how to leave it out.
    let no_args: &[&str] = &[];
    for (args, warns) in [
        (no_args, true),
        (&["--from-file", "-"], true),
        (&["-q"], false),
    ] {
        let stderr = set_ok(&env, &work, args, &binary);
        assert_eq!(stored(&work, &id), binary, "{args:?}");
        assert_eq!(
            stderr.contains("warning: the value read from stdin ends with a newline, which is stored as part of it; to leave it out, pipe the value with `printf %s`"),
            warns,
            "{args:?}: {stderr}"
        );
    }
}

#[test]
fn ctrl_c_at_the_prompt_gives_the_terminal_its_echo_back() {
    let env = TestEnv::new();
    let (work, _) = work_repo(&env);
    let mut pty = on_terminal(&env, &work, ALICE, &[]);
    let mut shown = answer(&mut pty, PROMPT, CANARY);
    pty.exp_string("again: ").unwrap();
    wait_for_no_echo(&pty, "netsync did not turn echo off at the second prompt");
    pty.send("abc").unwrap();
    pty.send_control('c').unwrap();
    let code = finish(&mut pty, &mut shown);
    assert_eq!(code, 130, "{shown}");
    assert!(
        shown.contains("error: interrupted; nothing was written"),
        "{shown}"
    );
    assert!(!shown.contains(CANARY), "{shown}");
    assert!(echoes(&pty), "the terminal was left without echo");
    assert!(!work.join(ALICE_FILE).exists(), "nothing written");
}

/// The etcd password prompt (a user and no password from anywhere else) is typed the same
/// way: no echo, and Ctrl-C gives the terminal its echo back and exits 130.
#[test]
fn ctrl_c_at_the_etcd_password_prompt_gives_the_terminal_its_echo_back() {
    let env = TestEnv::new();
    let (work, _) = work_repo(&env);
    let mut pty = netsync_on_terminal(
        &env,
        &[
            "status",
            "--user",
            "alice",
            "--repo",
            work.to_str().unwrap(),
        ],
    );
    let mut shown = pty
        .exp_string("password for etcd user alice: ")
        .expect("the password prompt");
    wait_for_no_echo(&pty, "netsync did not turn echo off at the password prompt");
    pty.send("hunter2").unwrap();
    pty.send_control('c').unwrap();
    let code = finish(&mut pty, &mut shown);
    assert_eq!(code, 130, "{shown}");
    assert!(shown.contains("error: interrupted"), "{shown}");
    assert!(!shown.contains("hunter2"), "{shown}");
    assert!(echoes(&pty), "the terminal was left without echo");
}
