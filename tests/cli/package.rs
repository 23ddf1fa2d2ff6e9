//! The Debian package (docs/packaging.md): `scripts/package-deb --binary` packages the
//! debug binary these tests run, which gives the release package's layout without a
//! release build. One test unpacks it and checks every path; the other installs it with
//! dpkg into an empty temporary root and removes and purges it. Nothing outside the
//! temporary folders is changed: the maintainer scripts honour `DPKG_ROOT`.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use tempfile::TempDir;

use crate::harness::TestEnv;

const REPO: &str = env!("CARGO_MANIFEST_DIR");

/// The completions, units and files the package carries as they are: (repository path,
/// installed path).
const VERBATIM: &[(&str, &str)] = &[
    (
        "completions/netsync.bash",
        "usr/share/bash-completion/completions/netsync",
    ),
    (
        "completions/_netsync",
        "usr/share/zsh/vendor-completions/_netsync",
    ),
    (
        "completions/netsync.fish",
        "usr/share/fish/vendor_completions.d/netsync.fish",
    ),
    (
        "contrib/systemd/netsync.sysusers",
        "usr/lib/sysusers.d/netsync.conf",
    ),
    ("contrib/systemd/netsync.env", "etc/netsync/netsync.env"),
];

/// Runs `program args` and returns its output, panicking with `hint` when it cannot start.
fn run(program: &str, args: &[&str], hint: &str) -> Output {
    Command::new(program)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {program}: {e}\nhint: {hint}"))
}

fn ok(what: &str, out: &Output) -> String {
    assert!(
        out.status.success(),
        "{what} failed ({}):\nstdout: {}\nstderr: {}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Builds the package in a temporary folder; panics with the install hint when cargo-deb
/// or dpkg-deb is missing.
fn build_package() -> (TempDir, PathBuf) {
    let hint = "scripts/deps installs it (cargo install cargo-deb --version <scripts/lib/cargo-deb.sh> --locked)";
    let version = run("cargo", &["deb", "--version"], hint);
    assert!(
        version.status.success(),
        "cargo-deb is not installed, and the package test needs it\nhint: {hint}"
    );
    run(
        "dpkg-deb",
        &["--version"],
        "apt-get install dpkg (Debian/Ubuntu only)",
    );
    let out_dir = TempDir::new().unwrap();
    let out = Command::new(Path::new(REPO).join("scripts/package-deb"))
        .arg("--binary")
        .arg(TestEnv::netsync_bin())
        .args(["--fast", "--output"])
        .arg(out_dir.path())
        .current_dir(REPO)
        .output()
        .unwrap();
    let stdout = ok("scripts/package-deb", &out);
    let deb = PathBuf::from(stdout.trim_end());
    assert!(deb.starts_with(out_dir.path()), "{deb:?}");
    assert!(deb.is_file(), "{deb:?}");
    (out_dir, deb)
}

/// The files of `dir` (recursively) whose name passes `keep`, sorted.
fn files_in(dir: &Path, keep: &dyn Fn(&str) -> bool) -> Vec<PathBuf> {
    let mut found: Vec<PathBuf> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file() && keep(&p.file_name().unwrap().to_string_lossy()))
        .collect();
    found.sort();
    found
}

fn units() -> Vec<PathBuf> {
    files_in(&Path::new(REPO).join("contrib/systemd"), &|name| {
        name.ends_with(".service") || name.ends_with(".timer")
    })
}

#[test]
fn the_package_carries_binary_man_pages_completions_units_and_user() {
    let (_out, deb) = build_package();
    let deb = deb.to_str().unwrap();
    let tmp = TempDir::new().unwrap();
    let root = tmp.path().join("root");
    ok(
        "dpkg-deb -x",
        &run("dpkg-deb", &["-x", deb, root.to_str().unwrap()], ""),
    );

    // The binary runs.
    let version = ok(
        "netsync --version",
        &Command::new(root.join("usr/bin/netsync"))
            .arg("--version")
            .output()
            .unwrap(),
    );
    assert!(
        version.starts_with(&format!("netsync {}", env!("CARGO_PKG_VERSION"))),
        "{version}"
    );

    // man finds the pages; every page of man/, whatever its section, is there.
    let man_dir = root.join("usr/share/man");
    let man_w = |page: &str| {
        let out = Command::new("man")
            .args(["-w", page])
            .env("MANPATH", &man_dir)
            .output()
            .unwrap_or_else(|e| {
                panic!("cannot run man: {e}\nhint: apt-get install man-db (scripts/deps does)")
            });
        ok(&format!("man -w {page}"), &out).trim_end().to_owned()
    };
    assert_eq!(
        man_w("netsync"),
        man_dir.join("man1/netsync.1.gz").to_str().unwrap()
    );
    assert!(man_w("netsync-persist").ends_with("man1/netsync-persist.1.gz"));
    let pages = files_in(&Path::new(REPO).join("man"), &|name| {
        name.rsplit_once('.')
            .is_some_and(|(_, s)| s.len() == 1 && s.as_bytes()[0].is_ascii_digit())
    });
    assert!(pages.len() >= 10, "{pages:?}");
    for page in &pages {
        let name = page.file_name().unwrap().to_str().unwrap();
        let section = name.rsplit_once('.').unwrap().1;
        let packaged = man_dir.join(format!("man{section}/{name}.gz"));
        let text = ok(
            "gzip -dc",
            &run("gzip", &["-dc", packaged.to_str().unwrap()], ""),
        );
        assert_eq!(text.as_bytes(), fs::read(page).unwrap(), "{name}");
    }

    // Completions, sysusers entry and environment file, byte for byte; the units too, all
    // of contrib/systemd's and no others.
    for (src, dest) in VERBATIM {
        assert_eq!(
            fs::read(root.join(dest)).unwrap_or_else(|e| panic!("{dest}: {e}")),
            fs::read(Path::new(REPO).join(src)).unwrap(),
            "{dest}"
        );
    }
    let unit_dir = root.join("usr/lib/systemd/system");
    let names = |files: Vec<PathBuf>| -> BTreeSet<String> {
        files
            .iter()
            .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
            .collect()
    };
    assert_eq!(names(files_in(&unit_dir, &|_| true)), names(units()));
    for unit in units() {
        let name = unit.file_name().unwrap();
        assert_eq!(
            fs::read(unit_dir.join(name)).unwrap(),
            fs::read(&unit).unwrap()
        );
    }
    let sysusers = fs::read_to_string(root.join("usr/lib/sysusers.d/netsync.conf")).unwrap();
    assert!(
        sysusers.lines().any(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            f.first() == Some(&"u")
                && f.get(1) == Some(&"netsync")
                && l.ends_with(" /var/lib/netsync")
        }),
        "{sysusers}"
    );

    // Every service that runs netsync: its own user and state directory, settings from the
    // environment file, the password as a credential and never in an Environment= line.
    for unit in units() {
        let name = unit.file_name().unwrap().to_string_lossy().into_owned();
        if !name.ends_with(".service") || name.starts_with("netsync-alert@") {
            continue;
        }
        let text = fs::read_to_string(&unit).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        for line in [
            "User=netsync",
            "StateDirectory=netsync",
            "LoadCredential=etcd-password:/etc/netsync/etcd-password",
            "Environment=NETSYNC_PASSWORD_FILE=%d/etcd-password",
            "EnvironmentFile=-/etc/netsync/netsync.env",
        ] {
            assert!(lines.contains(&line), "{name} lacks {line}");
        }
        assert!(
            !lines.iter().any(|l| l.starts_with("Environment")
                && (l.contains("PASSWORD=") || l.contains("USER=") && l.contains(':'))),
            "{name} has a password in its environment"
        );
        assert!(text.contains("/usr/bin/netsync "), "{name}");
        if name == "netsync-verify.service" {
            // The recovery identity comes as a credential, never from a path in the unit.
            assert!(
                lines.contains(&"LoadCredential=recovery-identity:/etc/netsync/recovery-identity"),
                "{name}"
            );
            assert!(
                text.contains("verify --identity %d/recovery-identity"),
                "{name}"
            );
        }
        if name != "netsync-metrics.service" {
            assert!(
                lines.contains(&"OnFailure=netsync-alert@%n.service"),
                "{name}"
            );
        }
    }
    verify_units(&unit_dir, &man_dir);

    // The control fields.
    let depends = ok("dpkg-deb -f", &run("dpkg-deb", &["-f", deb, "Depends"], ""));
    assert!(
        depends
            .split(',')
            .any(|d| d.split_whitespace().next() == Some("git")),
        "Depends: {depends}"
    );
    let info = ok(
        "dpkg-deb --info",
        &run("dpkg-deb", &["--info", deb, "conffiles"], ""),
    );
    assert_eq!(
        info.lines().collect::<Vec<_>>(),
        ["/etc/netsync/netsync.env"]
    );
}

/// `systemd-analyze verify` on the packaged units, where systemd-analyze is installed. The
/// units name /usr/bin/netsync, which is only in the package: that one complaint is
/// expected while the machine has no netsync there; any other fails the test.
fn verify_units(unit_dir: &Path, man_dir: &Path) {
    let mut cmd = Command::new("systemd-analyze");
    cmd.arg("verify").env("MANPATH", man_dir);
    for unit in units() {
        cmd.arg(unit_dir.join(unit.file_name().unwrap()));
    }
    let out = match cmd.output() {
        Ok(out) => out,
        Err(e) => {
            eprintln!("note: systemd-analyze verify skipped: {e} (apt-get install systemd)");
            return;
        }
    };
    let text =
        String::from_utf8_lossy(&out.stderr).into_owned() + &String::from_utf8_lossy(&out.stdout);
    let expected = |l: &str| {
        !Path::new("/usr/bin/netsync").exists()
            && l.ends_with("Command /usr/bin/netsync is not executable: No such file or directory")
    };
    let unexpected: Vec<&str> = text.lines().filter(|l| !expected(l)).collect();
    assert!(unexpected.is_empty(), "systemd-analyze verify:\n{text}");
}

/// `dpkg` on an empty root of its own: its database and files under `root`, the
/// maintainer scripts run outside a chroot with DPKG_ROOT set.
fn dpkg(root: &Path, args: &[&str]) -> String {
    let path = std::env::var("PATH").unwrap_or_default() + ":/usr/sbin:/sbin";
    let out = Command::new("dpkg")
        .arg(format!("--root={}", root.display()))
        .args([
            "--force-script-chrootless",
            "--force-not-root",
            // git and libc6 are not in this empty root's database.
            "--force-depends",
            "--log=/dev/null",
        ])
        .args(args)
        .env("PATH", path)
        .output()
        .unwrap_or_else(|e| panic!("cannot run dpkg: {e}"));
    ok(&format!("dpkg {args:?}"), &out)
}

/// Every path under `root` but dpkg's database, relative.
fn tree(root: &Path) -> BTreeSet<PathBuf> {
    fn walk(root: &Path, dir: &Path, found: &mut BTreeSet<PathBuf>) {
        for entry in fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            let rel = path.strip_prefix(root).unwrap().to_owned();
            if rel.starts_with("var/lib/dpkg") {
                continue;
            }
            if path.is_dir() && !path.is_symlink() {
                walk(root, &path, found);
            }
            found.insert(rel);
        }
    }
    let mut found = BTreeSet::new();
    walk(root, root, &mut found);
    found
}

#[test]
fn dpkg_installs_removes_and_purges_it_cleanly() {
    let uid = ok("id -u", &run("id", &["-u"], ""));
    assert_eq!(
        uid.trim(),
        "0",
        "the dpkg test runs as root, as CI does: files are installed owned by root \
         (it changes nothing outside its temporary root)\nhint: run the tests as root, or \
         under `unshare -r`"
    );
    let (_out, deb) = build_package();
    let tmp = TempDir::new().unwrap();
    let root = tmp.path();
    for dir in [
        "var/lib/dpkg/info",
        "var/lib/dpkg/updates",
        "var/lib/dpkg/triggers",
    ] {
        fs::create_dir_all(root.join(dir)).unwrap();
    }
    fs::write(root.join("var/lib/dpkg/status"), "").unwrap();
    let before = tree(root);

    dpkg(root, &["--install", deb.to_str().unwrap()]);
    let files: Vec<String> = dpkg(root, &["--listfiles", "netsync"])
        .lines()
        .map(|l| l.trim_start_matches('/').to_owned())
        .filter(|l| !l.is_empty() && root.join(l).is_file())
        .collect();
    assert!(files.contains(&"usr/bin/netsync".to_owned()), "{files:?}");
    assert!(files.len() > 20, "{files:?}");
    assert!(root
        .join("usr/lib/systemd/system/netsync-persist.timer")
        .is_file());

    // postinst made the user in this root, from the sysusers entry.
    if run("systemd-sysusers", &["--version"], "").status.success() {
        let passwd = fs::read_to_string(root.join("etc/passwd")).unwrap_or_default();
        assert!(
            passwd
                .lines()
                .any(|l| l.starts_with("netsync:") && l.contains(":/var/lib/netsync:")),
            "{passwd}"
        );
    } else {
        eprintln!("note: no systemd-sysusers here: postinst made no user, as intended");
    }

    // An operator enables a timer; removal disables it and leaves only the conffile.
    let wants = root.join("etc/systemd/system/timers.target.wants/netsync-persist.timer");
    let systemctl = Command::new("systemctl")
        .arg(format!("--root={}", root.display()))
        .args(["enable", "netsync-persist.timer"])
        .output();
    let enabled = matches!(&systemctl, Ok(o) if o.status.success());
    if enabled {
        assert!(wants.is_symlink());
    } else {
        eprintln!("note: no systemctl here: the disable-on-remove check is skipped");
    }

    dpkg(root, &["--remove", "netsync"]);
    let left: Vec<&String> = files.iter().filter(|f| root.join(f).exists()).collect();
    assert_eq!(
        left,
        ["etc/netsync/netsync.env"],
        "dpkg -r left these behind"
    );
    if enabled {
        assert!(
            !wants.is_symlink(),
            "the enabled timer's link survived dpkg -r"
        );
    }
    let status = dpkg(root, &["--status", "netsync"]);
    assert!(
        status.contains("Status: deinstall ok config-files"),
        "{status}"
    );

    dpkg(root, &["--purge", "netsync"]);
    assert!(!root.join("etc/netsync").exists());
    assert!(!root.join("usr").exists());
    // Left: what systemd-sysusers and systemctl made in this root (a real one has those).
    let made_by_tools = |p: &Path| {
        let s = p.to_string_lossy();
        [
            "etc",
            "etc/systemd",
            "etc/systemd/system",
            "etc/systemd/system/timers.target.wants",
            "etc/.pwd.lock",
        ]
        .contains(&s.as_ref())
            || ["passwd", "group", "shadow", "gshadow"]
                .iter()
                .any(|f| s == format!("etc/{f}") || s == format!("etc/{f}-"))
    };
    let after: Vec<PathBuf> = tree(root)
        .difference(&before)
        .filter(|p| !made_by_tools(p))
        .cloned()
        .collect();
    assert!(after.is_empty(), "dpkg -P left these behind: {after:?}");
    let status = Command::new("dpkg")
        .arg(format!("--root={}", root.display()))
        .args(["--status", "netsync"])
        .output()
        .unwrap();
    assert!(!status.status.success(), "netsync is still known to dpkg");
}
