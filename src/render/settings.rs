//! Output of `netsync config`: every effective connection setting with where it came from,
//! the password masked.

use std::io::{self, Write};

use schemars::JsonSchema;
use serde::Serialize;

use crate::settings::{Effective, Source};

/// What a password looks like in any output.
pub const MASK: &str = "********";

/// Which `netsync.toml` the settings were read from, if any.
#[derive(Debug, Clone)]
pub enum ConfigFile {
    /// Read from `commit`, found by resolving `rev`.
    Committed { commit: String, rev: String },
    /// Not read: why (no repository, no commit, no file). Defaults apply.
    Absent { reason: String },
}

/// One row of the human output: name, value as text, source.
struct Row {
    name: &'static str,
    text: String,
    source: Source,
}

fn rows(e: &Effective) -> Vec<Row> {
    let path = |p: &Option<std::path::PathBuf>| p.as_ref().map(|p| p.display().to_string());
    let opt = |v: Option<String>| Row {
        name: "",
        text: v.unwrap_or_else(|| "-".to_owned()),
        source: Source::Default,
    };
    let named = |name, source, row: Row| Row {
        name,
        source,
        ..row
    };
    let duration = |d: std::time::Duration| humantime::format_duration(d).to_string();
    // A user without a password will be asked for it on the terminal when connecting.
    let password_source = match (&e.user.value, &e.password.value) {
        (Some(_), None) => Source::Prompt,
        _ => e.password.source,
    };
    vec![
        Row {
            name: "endpoints",
            text: e.endpoints.value.join(","),
            source: e.endpoints.source,
        },
        Row {
            name: "dial_timeout",
            text: duration(e.dial_timeout.value),
            source: e.dial_timeout.source,
        },
        Row {
            name: "command_timeout",
            text: duration(e.command_timeout.value),
            source: e.command_timeout.source,
        },
        named("cacert", e.cacert.source, opt(path(&e.cacert.value))),
        named("cert", e.cert.source, opt(path(&e.cert.value))),
        named("key", e.key.source, opt(path(&e.key.value))),
        Row {
            name: "insecure_skip_tls_verify",
            text: e.insecure_skip_tls_verify.value.to_string(),
            source: e.insecure_skip_tls_verify.source,
        },
        named("user", e.user.source, opt(e.user.value.clone())),
        named(
            "password",
            password_source,
            opt(e.password.value.as_ref().map(|_| MASK.to_owned())),
        ),
    ]
}

fn source_text(source: Source, user_without_password: bool) -> String {
    match source {
        Source::Prompt if user_without_password => "prompt (asked when connecting)".to_owned(),
        other => other.to_string(),
    }
}

/// Aligned `name  value  source` lines, after a line saying which netsync.toml was read.
pub fn write_human(out: &mut impl Write, file: &ConfigFile, e: &Effective) -> io::Result<()> {
    match file {
        ConfigFile::Committed { commit, rev } => {
            writeln!(out, "# netsync.toml from commit {commit} ({rev})")?
        }
        ConfigFile::Absent { reason } => writeln!(out, "# no netsync.toml read: {reason}")?,
    }
    let rows = rows(e);
    let name_width = rows.iter().map(|r| r.name.len()).max().unwrap_or(0);
    let value_width = rows.iter().map(|r| r.text.len()).max().unwrap_or(0);
    let waiting = e.user.value.is_some() && e.password.value.is_none();
    for row in rows {
        writeln!(
            out,
            "{:<name_width$}  {:<value_width$}  {}",
            row.name,
            row.text,
            source_text(row.source, waiting)
        )?;
    }
    Ok(())
}

/// Where a setting came from, as the JSON document names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum SourceName {
    Flag,
    Env,
    #[serde(rename = "netsync.toml")]
    File,
    /// The password will be asked on the terminal when connecting.
    Prompt,
    Default,
}

/// One effective setting.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Setting<T> {
    /// The effective value.
    pub value: T,
    pub source: SourceName,
    /// With `"source": "env"` only: the variable's name, e.g. `ETCDCTL_CACERT`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub env: Option<&'static str>,
}

fn setting<T>(value: T, source: Source) -> Setting<T> {
    let (source, env) = match source {
        Source::Env(name) => (SourceName::Env, Some(name)),
        Source::Flag => (SourceName::Flag, None),
        Source::File => (SourceName::File, None),
        Source::Prompt => (SourceName::Prompt, None),
        Source::Default => (SourceName::Default, None),
    };
    Setting { value, source, env }
}

/// Every connection setting `netsync config` shows.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Settings {
    /// The endpoints, as URLs.
    pub endpoints: Setting<Vec<String>>,
    /// A duration in humantime form (`5s`, `1m 30s`).
    pub dial_timeout: Setting<String>,
    /// A duration in humantime form.
    pub command_timeout: Setting<String>,
    pub cacert: Setting<Option<String>>,
    pub cert: Setting<Option<String>>,
    pub key: Setting<Option<String>>,
    pub insecure_skip_tls_verify: Setting<bool>,
    pub user: Setting<Option<String>>,
    /// `********` or `null`, never the password.
    pub password: Setting<Option<String>>,
}

/// The `netsync.toml` the settings were read from.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct ConfigFileDoc {
    /// Abbreviated commit id.
    pub commit: String,
    /// The revision as given, or the configured branch, or `HEAD`.
    pub rev: String,
}

/// `config`'s own fields.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct ConfigBody {
    /// `null` when no netsync.toml was read (no repository, no commit, no file).
    pub config_file: Option<ConfigFileDoc>,
    pub settings: Settings,
}

/// The JSON document's body (documented in docs/json.md); the same rows as the human output.
pub fn document(file: &ConfigFile, e: &Effective) -> ConfigBody {
    let path = |p: &Option<std::path::PathBuf>| p.as_ref().map(|p| p.display().to_string());
    let duration = |d: std::time::Duration| humantime::format_duration(d).to_string();
    let password_source = match (&e.user.value, &e.password.value) {
        (Some(_), None) => Source::Prompt,
        _ => e.password.source,
    };
    ConfigBody {
        config_file: match file {
            ConfigFile::Committed { commit, rev } => Some(ConfigFileDoc {
                commit: commit.clone(),
                rev: rev.clone(),
            }),
            ConfigFile::Absent { .. } => None,
        },
        settings: Settings {
            endpoints: setting(e.endpoints.value.clone(), e.endpoints.source),
            dial_timeout: setting(duration(e.dial_timeout.value), e.dial_timeout.source),
            command_timeout: setting(duration(e.command_timeout.value), e.command_timeout.source),
            cacert: setting(path(&e.cacert.value), e.cacert.source),
            cert: setting(path(&e.cert.value), e.cert.source),
            key: setting(path(&e.key.value), e.key.source),
            insecure_skip_tls_verify: setting(
                e.insecure_skip_tls_verify.value,
                e.insecure_skip_tls_verify.source,
            ),
            user: setting(e.user.value.clone(), e.user.source),
            password: setting(
                e.password.value.as_ref().map(|_| MASK.to_owned()),
                password_source,
            ),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::EtcdSettings;
    use crate::settings::{resolve, Layer};

    #[test]
    fn passwords_are_masked_everywhere() {
        let flags = Layer {
            user: Some("alice:hunter2".into()),
            ..Layer::default()
        };
        let e = resolve(&flags, &|_| None, &EtcdSettings::default()).unwrap();
        let file = ConfigFile::Absent {
            reason: "test".into(),
        };
        let mut human = Vec::new();
        write_human(&mut human, &file, &e).unwrap();
        let human = String::from_utf8(human).unwrap();
        assert!(!human.contains("hunter2"), "{human}");
        assert!(human.contains(MASK), "{human}");
        let doc = serde_json::to_string(&document(&file, &e)).unwrap();
        assert!(!doc.contains("hunter2"), "{doc}");
        assert!(doc.contains(MASK), "{doc}");
    }
}
