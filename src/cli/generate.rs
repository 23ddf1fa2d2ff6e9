//! Shell completions and man pages, generated from the clap definitions, and the JSON Schemas
//! of every document, generated from the output types. `man/`, `completions/` and
//! `docs/schemas/` are regenerated with `scripts/gen-docs`; a test fails when they are stale.

use std::path::{Path, PathBuf};

use crate::cli::error::exit;
use clap::{Args, CommandFactory};
use clap_complete::Shell;

use super::Cli;

/// Print a shell completion script.
///
/// Print a shell completion script to stdout.
///
/// Example: netsync completions bash > /etc/bash_completion.d/netsync
#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell: bash, zsh, fish, elvish or powershell. Example: netsync completions zsh
    #[arg(value_enum)]
    pub shell: Shell,
}

/// Write man pages and completions into a folder (used by scripts/gen-docs).
#[derive(Debug, Args)]
pub struct GenerateDocsArgs {
    /// The project root; `man/`, `completions/` and `docs/schemas/` are written below it.
    #[arg(value_name = "DIR")]
    pub out: PathBuf,
}

pub fn completions(args: &CompletionsArgs) -> Result<i32, crate::cli::error::Error> {
    let mut cmd = Cli::command();
    clap_complete::generate(args.shell, &mut cmd, "netsync", &mut std::io::stdout());
    Ok(exit::OK)
}

pub fn docs(args: &GenerateDocsArgs) -> Result<i32, crate::cli::error::Error> {
    for (path, content) in generated_files() {
        let path = args.out.join(path);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|source| crate::cli::error::Error::Io {
                path: parent.to_owned(),
                source,
            })?;
        }
        std::fs::write(&path, content)
            .map_err(|source| crate::cli::error::Error::Io { path, source })?;
    }
    Ok(exit::OK)
}

const SHELLS: [(Shell, &str); 5] = [
    (Shell::Bash, "netsync.bash"),
    (Shell::Zsh, "_netsync"),
    (Shell::Fish, "netsync.fish"),
    (Shell::Elvish, "netsync.elv"),
    (Shell::PowerShell, "_netsync.ps1"),
];

/// A man page: clap's NAME, SYNOPSIS, DESCRIPTION, OPTIONS (the command's own, then the
/// global and connection options under their headings) and subcommands, then EXIT STATUS,
/// ENVIRONMENT, FILES and SEE ALSO, which every page has.
fn man_page(cmd: &clap::Command, see_also: &[String]) -> Vec<u8> {
    use clap_mangen::roff::{bold, roman, Roff};
    let man = clap_mangen::Man::new(cmd.clone());
    let mut buf = Vec::new();
    // Rendering into a Vec cannot fail.
    let _ = man.render_title(&mut buf);
    let _ = man.render_name_section(&mut buf);
    let _ = man.render_synopsis_section(&mut buf);
    let _ = man.render_description_section(&mut buf);
    let _ = man.render_options_section(&mut buf);
    if cmd.get_subcommands().any(|s| !s.is_hide_set()) {
        let _ = man.render_subcommands_section(&mut buf);
    }
    let mut roff = Roff::default();
    roff.control("SH", ["EXIT STATUS"]);
    for (code, meaning) in super::EXIT_CODES {
        roff.control("TP", []);
        roff.text([bold(code.to_string())]);
        roff.text([roman(*meaning)]);
    }
    roff.control("SH", ["ENVIRONMENT"]);
    roff.text([roman(
        "Settings come from, in order: flags, NETSYNC_* variables, etcdctl's ETCDCTL_* \
         variables, the [etcd] section of netsync.toml, defaults; netsync config shows the result.",
    )]);
    for (names, meaning) in super::ENVIRONMENT {
        roff.control("TP", []);
        roff.text([bold(*names)]);
        roff.text([roman(*meaning)]);
    }
    roff.control("SH", ["FILES"]);
    for (file, meaning) in FILES {
        roff.control("TP", []);
        roff.text([bold(*file)]);
        roff.text([roman(*meaning)]);
    }
    roff.control("SH", ["SEE ALSO"]);
    roff.text([roman(see_also.join(", "))]);
    let _ = roff.to_writer(&mut buf);
    if cmd.get_version().is_some() {
        let _ = man.render_version_section(&mut buf);
    }
    buf
}

/// The FILES section of every page.
const FILES: &[(&str, &str)] = &[
    (
        "netsync.toml",
        "At the root of the repository, read from the same committed revision as the data: \
         mappings, ephemeral and secret keys, recipients, remotes, etcd settings; see \
         netsync.toml(5).",
    ),
    (
        "$XDG_CONFIG_HOME/netsync/identity.txt",
        "The default age identity for decrypting secrets (~/.config/netsync/identity.txt), \
         when neither --identity nor NETSYNC_IDENTITY_FILE names one.",
    ),
    (
        "/etc/netsync/netsync.env",
        "With the Debian package: the settings (NETSYNC_REPO, NETSYNC_ENDPOINTS, ...) of the \
         systemd units, which read it with EnvironmentFile=.",
    ),
    (
        "/etc/netsync/allowed_signers",
        "When it exists: the SSH allowed signers (git's gpg.ssh.allowedSignersFile format) \
         apply and restore check every commit they deploy against, unless --allowed-signers \
         or NETSYNC_ALLOWED_SIGNERS names another file (--no-verify-signatures skips the \
         check). On the host, not in the repository: whoever can push could change a file \
         there.",
    ),
    (
        "/etc/netsync/etcd-password",
        "With the Debian package: the etcd password, mode 0600, handed to the units with \
         LoadCredential= and read through NETSYNC_PASSWORD_FILE.",
    ),
    (
        "/etc/netsync/recovery-identity",
        "With the Debian package: the recovery identity, mode 0600, that netsync-verify.service \
         hands to netsync verify --identity as a credential (LoadCredential=).",
    ),
];

/// netsync.toml(5): the configuration file, key by key.
fn config_page() -> Vec<u8> {
    use clap_mangen::roff::{bold, italic, roman, Roff};
    let mut roff = Roff::default();
    roff.control(
        "TH",
        [
            "netsync.toml",
            "5",
            "",
            concat!("netsync ", env!("CARGO_PKG_VERSION")),
        ],
    );
    roff.control("SH", ["NAME"]);
    roff.text([roman("netsync.toml - how a Git repository mirrors etcd")]);
    roff.control("SH", ["DESCRIPTION"]);
    roff.text([roman(
        "netsync.toml lives at the root of the repository, in TOML, and netsync reads it from \
         the same committed revision as the data, so a configuration change is reviewed and \
         versioned like any other. netsync init writes a commented starter file. Unknown keys \
         are errors, and every error names the file, line, column and field.",
    )]);
    for (heading, keys) in CONFIG_KEYS {
        roff.control("SH", [*heading]);
        for (key, default, meaning) in *keys {
            roff.control("TP", []);
            roff.text([
                bold(*key),
                roman(" (default: "),
                italic(*default),
                roman(")"),
            ]);
            roff.text([roman(*meaning)]);
        }
    }
    roff.control("SH", ["EXAMPLE"]);
    roff.control("nf", []);
    roff.text([roman(netsync::config::Config::template(
        "/net/", "kv", "main",
    ))]);
    roff.control("fi", []);
    roff.control("SH", ["SEE ALSO"]);
    roff.text([roman(
        "netsync(1), netsync-init(1), netsync-config(1), git(1), etcdctl(1), age(1)",
    )]);
    let mut buf = Vec::new();
    let _ = roff.to_writer(&mut buf);
    buf
}

/// Every key of netsync.toml: section → (key, default, meaning).
#[allow(clippy::type_complexity)]
pub(crate) const CONFIG_KEYS: &[(&str, &[(&str, &str, &str)])] = &[
    ("TOP LEVEL", &[
        ("version", "required", "The file format version; must be 1."),
        ("branch", "none: HEAD", "The branch apply and diff use when --rev is not given, and the branch persist commits to."),
    ]),
    ("[[MAPPING]]", &[
        ("prefix", "required", "An etcd key prefix. Not empty, and no prefix may start with another; one not ending in / gives a warning, since /net also covers /network."),
        ("dir", "required", "A folder relative to the repository root, written with /, holding one file per key under prefix: the key <prefix>a/b lives in <dir>/a/b. No empty, . or .. components, none starting with ., no backslashes or control characters; two mappings may not use the same or nested folders."),
    ]),
    ("[EPHEMERAL]", &[
        ("keys", "[]", "Glob patterns over whole keys that netsync never writes and never prunes: * and ? stay within one / segment, ** crosses segments, [abc] and {a,b} work as usual, \\ escapes."),
    ]),
    ("[APPLY]", &[
        ("max_delete_fraction", "0.25", "The prune guard: apply refuses to delete a larger fraction (0.0 to 1.0) of the managed keys, or all of them, without --allow-mass-delete."),
    ]),
    ("[PERSIST]", &[
        ("remotes", "[]", "Where persist pushes: remote names (origin), URLs (ssh://git@host/net.git, git@host:net.git, https://..., file://...) or paths (/srv/backup.git, or relative to the repository). The first is the primary and must accept every push; the others are backups. An entry that is none of these stops persist and shows as a failing remote in status."),
        ("author", "netsync <netsync@HOSTNAME>", "The author of persist's commits, as Name <email>."),
        ("message", "Persist etcd revision N: counts", "The summary line of persist's commits (--message overrides it)."),
        ("max_delete_fraction", "0.25", "The mass-delete guard: persist refuses to record the deletion of a larger fraction (0.0 to 1.0) of the managed keys, or of all of them, without --allow-mass-delete."),
        ("signing_key", "none: unsigned", "An SSH private key on the persist hosts, as an absolute path, without a passphrase: persist signs each commit with it as git commit -S with gpg.format=ssh does (ssh-keygen -Y sign), so that apply --allowed-signers and git verify-commit trust persist's commits when its public key is in the allowed signers file. A key that cannot be read stops persist before it commits anything. Never a file of this repository."),
    ]),
    ("[SECRETS]", &[
        ("keys", "[]", "Glob patterns (as for [ephemeral]) of keys whose values are stored as age files (<file>.age), never in plaintext."),
        ("recipients", "[]", "Who can decrypt them: age X25519 public keys (age1...), ssh-ed25519 or ssh-rsa public keys, or file:PATH for a recipients file in the repository (one per line, # comments), read from the same revision."),
    ]),
    ("[ETCD]", &[
        ("endpoints", "http://127.0.0.1:2379", "Endpoints, used when neither --endpoints nor the environment gives any."),
        ("max_txn_ops", "128", "Operations per transaction; keep equal to the servers' --max-txn-ops."),
        ("max_request_bytes", "1572864", "Bytes per request; keep equal to the servers' --max-request-bytes."),
        ("txns_in_flight", "8", "Guarded transactions apply and restore keep in flight at once (1 to 256); etcd folds concurrent ones into one Raft entry and one disk sync."),
        ("dial_timeout", "5s", "How long to wait for etcd to answer at all: 500ms, 5s, 1m30s, 2h."),
        ("command_timeout", "30s", "Deadline for each etcd request, in the same forms."),
        ("cacert", "none", "CA bundle (PEM) that signed the servers' certificates; turns TLS on."),
        ("cert", "none", "Client certificate (PEM), with key."),
        ("key", "none", "Private key (PEM) of cert."),
        ("user", "none", "The etcd user name; the password comes from NETSYNC_PASSWORD, ETCDCTL_PASSWORD or a prompt, never from this file (a : is refused)."),
    ]),
    ("[STATE]", &[
        ("prefix", "/netsync/", "Where netsync keeps its own keys (sync point, lock, push records); must not overlap any mapping prefix."),
    ]),
];

/// Every generated file: relative path → content.
pub fn generated_files() -> Vec<(PathBuf, Vec<u8>)> {
    let mut files = Vec::new();
    // The pages name the version alone: with `--version`'s commit line they would go stale
    // with every commit.
    let mut cmd = Cli::command().long_version(None);
    cmd.build();
    let mut pages = Vec::new();
    collect_pages(&cmd, "netsync", &mut pages);
    let names: Vec<String> = pages.iter().map(|(name, _)| name.clone()).collect();
    for (name, page) in &pages {
        // The parent, the children, the configuration file and the tools netsync works with.
        let see_also: Vec<String> = names
            .iter()
            .filter(|other| {
                let parent = name.rsplit_once('-').map(|(p, _)| p);
                *other != name
                    && (parent == Some(other.as_str())
                        || other.rsplit_once('-').map(|(p, _)| p) == Some(name.as_str()))
            })
            .map(|other| format!("{other}(1)"))
            .chain(["netsync.toml(5)", "git(1)", "etcdctl(1)"].map(String::from))
            .collect();
        files.push((
            Path::new("man").join(format!("{name}.1")),
            man_page(page, &see_also),
        ));
    }
    files.push((Path::new("man").join("netsync.toml.5"), config_page()));
    for (shell, file) in SHELLS {
        let mut buf = Vec::new();
        clap_complete::generate(shell, &mut Cli::command(), "netsync", &mut buf);
        files.push((Path::new("completions").join(file), buf));
    }
    for doc in netsync::render::schema::all() {
        files.push((
            Path::new("docs").join("schemas").join(doc.file_name()),
            doc.text().into_bytes(),
        ));
    }
    files
}

/// `cmd` and every visible subcommand below it, named as their pages are:
/// `netsync-secret-set`.
fn collect_pages(cmd: &clap::Command, name: &str, pages: &mut Vec<(String, clap::Command)>) {
    let mut page = cmd.clone().name(name.to_owned());
    // `help` has no page of its own: hide it from the SUBCOMMANDS list.
    if page.find_subcommand("help").is_some() {
        page = page.mut_subcommand("help", |help| help.hide(true));
    }
    pages.push((name.to_owned(), page));
    for sub in cmd
        .get_subcommands()
        .filter(|s| !s.is_hide_set() && s.get_name() != "help")
    {
        collect_pages(sub, &format!("{name}-{}", sub.get_name()), pages);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every page has the sections a man page reader looks for, and every page one refers to
    /// exists.
    #[test]
    fn man_pages_have_every_section_and_no_dangling_reference() {
        let files = generated_files();
        let pages: Vec<(String, String)> = files
            .iter()
            .filter(|(path, _)| path.starts_with("man"))
            .map(|(path, content)| {
                let name = path.file_name().unwrap().to_string_lossy().into_owned();
                (name, String::from_utf8_lossy(content).into_owned())
            })
            .collect();
        let names: Vec<&str> = pages.iter().map(|(n, _)| n.as_str()).collect();
        for expected in ["netsync.1", "netsync-secret-set.1", "netsync.toml.5"] {
            assert!(names.contains(&expected), "{expected} in {names:?}");
        }
        for (name, text) in &pages {
            let wanted: &[&str] = match name.ends_with(".5") {
                true => &["NAME", "DESCRIPTION", "EXAMPLE", "SEE ALSO"],
                false => &[
                    "NAME",
                    "SYNOPSIS",
                    "DESCRIPTION",
                    "OPTIONS",
                    "EXIT STATUS",
                    "ENVIRONMENT",
                    "FILES",
                    "SEE ALSO",
                ],
            };
            for section in wanted {
                let heading = format!(".SH {section}");
                let quoted = format!(".SH \"{section}\"");
                assert!(
                    text.contains(&heading) || text.contains(&quoted),
                    "{name} lacks {section}"
                );
            }
            // References look like `netsync\-secret\-set(1)` in roff.
            for reference in text.split(|c: char| c.is_whitespace() || c == ',') {
                let reference = reference.replace("\\-", "-");
                let Some(page) = reference
                    .strip_suffix("(1)")
                    .or(reference.strip_suffix("(5)"))
                else {
                    continue;
                };
                if page.starts_with("netsync") {
                    let file = format!("{page}.{}", &reference[reference.len() - 2..][..1]);
                    assert!(
                        names.contains(&file.as_str()),
                        "{name} refers to {reference}, which does not exist"
                    );
                }
            }
        }
    }

    /// netsync.toml(5) describes every key the starter file shows.
    #[test]
    fn config_page_covers_every_key_of_the_starter_file() {
        let template = netsync::config::Config::template("/net/", "kv", "main");
        let described: Vec<&str> = CONFIG_KEYS
            .iter()
            .flat_map(|(_, keys)| keys.iter().map(|(key, _, _)| *key))
            .collect();
        for line in template.lines() {
            let line = line.strip_prefix("# ").unwrap_or(line);
            let Some((key, _)) = line.split_once(" = ") else {
                continue;
            };
            if key.chars().all(|c| c.is_ascii_lowercase() || c == '_') {
                assert!(
                    described.contains(&key),
                    "netsync.toml(5) does not describe `{key}`"
                );
            }
        }
    }

    #[test]
    fn checked_in_man_pages_completions_and_schemas_are_fresh() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut stale = Vec::new();
        let files = generated_files();
        for (path, content) in &files {
            if std::fs::read(root.join(path)).ok().as_deref() != Some(content.as_slice()) {
                stale.push(path.display().to_string());
            }
        }
        // A schema whose document is gone must not linger.
        let schemas = Path::new("docs").join("schemas");
        for entry in std::fs::read_dir(root.join(&schemas)).into_iter().flatten() {
            let path = schemas.join(entry.expect("readable docs/schemas").file_name());
            if !files.iter().any(|(generated, _)| *generated == path) {
                stale.push(format!(
                    "{} (no longer generated: remove it)",
                    path.display()
                ));
            }
        }
        assert!(
            stale.is_empty(),
            "stale generated files: {stale:?}; regenerate with scripts/gen-docs and commit"
        );
    }
}
