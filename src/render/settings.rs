//! Output of `netsync config`: every effective connection setting with where it came from,
//! the password masked.

use std::io::{self, Write};

use serde_json::{json, Map, Value};

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

/// One row: name, value as text (or JSON), source.
struct Row {
    name: &'static str,
    text: String,
    json: Value,
    source: Source,
}

fn rows(e: &Effective) -> Vec<Row> {
    let path = |p: &Option<std::path::PathBuf>| p.as_ref().map(|p| p.display().to_string());
    let opt = |v: Option<String>| Row {
        name: "",
        text: v.clone().unwrap_or_else(|| "-".to_owned()),
        json: v.map_or(Value::Null, Value::String),
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
            json: json!(e.endpoints.value),
            source: e.endpoints.source,
        },
        Row {
            name: "dial_timeout",
            text: duration(e.dial_timeout.value),
            json: json!(duration(e.dial_timeout.value)),
            source: e.dial_timeout.source,
        },
        Row {
            name: "command_timeout",
            text: duration(e.command_timeout.value),
            json: json!(duration(e.command_timeout.value)),
            source: e.command_timeout.source,
        },
        named("cacert", e.cacert.source, opt(path(&e.cacert.value))),
        named("cert", e.cert.source, opt(path(&e.cert.value))),
        named("key", e.key.source, opt(path(&e.key.value))),
        Row {
            name: "insecure_skip_tls_verify",
            text: e.insecure_skip_tls_verify.value.to_string(),
            json: json!(e.insecure_skip_tls_verify.value),
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

/// The JSON document (documented in docs/json.md).
pub fn document(format_version: u32, file: &ConfigFile, e: &Effective) -> Value {
    let mut settings = Map::new();
    for row in rows(e) {
        let mut entry = Map::new();
        entry.insert("value".into(), row.json);
        let (source, env) = match row.source {
            Source::Env(name) => ("env", Some(name)),
            Source::Flag => ("flag", None),
            Source::File => ("netsync.toml", None),
            Source::Prompt => ("prompt", None),
            Source::Default => ("default", None),
        };
        entry.insert("source".into(), json!(source));
        if let Some(name) = env {
            entry.insert("env".into(), json!(name));
        }
        settings.insert(row.name.into(), Value::Object(entry));
    }
    let config_file = match file {
        ConfigFile::Committed { commit, rev } => json!({ "commit": commit, "rev": rev }),
        ConfigFile::Absent { .. } => Value::Null,
    };
    json!({
        "format_version": format_version,
        "command": "config",
        "config_file": config_file,
        "settings": settings,
    })
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
        let doc = document(1, &file, &e).to_string();
        assert!(!doc.contains("hunter2"), "{doc}");
        assert!(doc.contains(MASK), "{doc}");
    }
}
