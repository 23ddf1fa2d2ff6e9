//! The effective etcd connection settings and where each came from, in precedence order:
//! flags > `NETSYNC_*` environment > etcdctl's `ETCDCTL_*` environment > `netsync.toml` >
//! defaults. Knows nothing of clap: the command line hands over its flags as a [`Layer`].

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use serde::Serialize;

use crate::config::{EtcdSettings, DEFAULT_COMMAND_TIMEOUT, DEFAULT_DIAL_TIMEOUT};
use crate::kv::ConnectSettings;
pub use crate::kv::Password;

/// etcd's own default client URL.
pub const DEFAULT_ENDPOINT: &str = "http://127.0.0.1:2379";

/// Environment variables, per setting: netsync's own name first, then etcdctl's.
pub mod env {
    pub const ENDPOINTS: [&str; 2] = ["NETSYNC_ENDPOINTS", "ETCDCTL_ENDPOINTS"];
    pub const DIAL_TIMEOUT: [&str; 2] = ["NETSYNC_DIAL_TIMEOUT", "ETCDCTL_DIAL_TIMEOUT"];
    pub const COMMAND_TIMEOUT: [&str; 2] = ["NETSYNC_COMMAND_TIMEOUT", "ETCDCTL_COMMAND_TIMEOUT"];
    pub const CACERT: [&str; 2] = ["NETSYNC_CACERT", "ETCDCTL_CACERT"];
    pub const CERT: [&str; 2] = ["NETSYNC_CERT", "ETCDCTL_CERT"];
    pub const KEY: [&str; 2] = ["NETSYNC_KEY", "ETCDCTL_KEY"];
    pub const INSECURE_SKIP_TLS_VERIFY: [&str; 2] = [
        "NETSYNC_INSECURE_SKIP_TLS_VERIFY",
        "ETCDCTL_INSECURE_SKIP_TLS_VERIFY",
    ];
    pub const USER: [&str; 2] = ["NETSYNC_USER", "ETCDCTL_USER"];
    pub const PASSWORD: [&str; 2] = ["NETSYNC_PASSWORD", "ETCDCTL_PASSWORD"];
    /// A file holding the password, e.g. a systemd credential (`%d/etcd-password`).
    pub const PASSWORD_FILE: &str = "NETSYNC_PASSWORD_FILE";
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("environment variable {name}={value:?}: {reason}")]
    BadEnv {
        name: &'static str,
        value: String,
        reason: String,
    },
    #[error("a client certificate needs its key and the other way round: {given} is set (from {origin}), {missing} is not")]
    HalfIdentity {
        given: &'static str,
        missing: &'static str,
        origin: Source,
    },
    #[error("etcd user `{user}` has no password and there is no terminal to ask for one")]
    NoPassword { user: String },
    #[error("cannot read the password from the terminal")]
    Prompt(#[source] std::io::Error),
    #[error("cannot read the etcd password from {} ({})", path.display(), env::PASSWORD_FILE)]
    PasswordFile {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// Where a setting's value came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    Flag,
    Env(&'static str),
    #[serde(rename = "netsync.toml")]
    File,
    /// Typed at a terminal prompt.
    Prompt,
    Default,
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Source::Flag => f.write_str("flag"),
            Source::Env(name) => write!(f, "env {name}"),
            Source::File => f.write_str("netsync.toml"),
            Source::Prompt => f.write_str("prompt"),
            Source::Default => f.write_str("default"),
        }
    }
}

/// A value and where it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Setting<T> {
    pub value: T,
    pub source: Source,
}

/// What one source says (the command line's flags, typically); `None`: says nothing.
#[derive(Debug, Clone, Default)]
pub struct Layer {
    pub endpoints: Option<Vec<String>>,
    pub dial_timeout: Option<Duration>,
    pub command_timeout: Option<Duration>,
    pub cacert: Option<PathBuf>,
    pub cert: Option<PathBuf>,
    pub key: Option<PathBuf>,
    pub insecure_skip_tls_verify: Option<bool>,
    /// `name` or `name:password`, as etcdctl's `--user`.
    pub user: Option<String>,
}

/// Every connection setting, resolved.
#[derive(Debug, Clone)]
pub struct Effective {
    pub endpoints: Setting<Vec<String>>,
    pub dial_timeout: Setting<Duration>,
    pub command_timeout: Setting<Duration>,
    pub cacert: Setting<Option<PathBuf>>,
    pub cert: Setting<Option<PathBuf>>,
    pub key: Setting<Option<PathBuf>>,
    pub insecure_skip_tls_verify: Setting<bool>,
    pub user: Setting<Option<String>>,
    pub password: Setting<Option<Password>>,
}

/// Resolve every setting. `env` reads an environment variable (`std::env::var` in
/// production); empty variables count as unset, as in etcdctl.
pub fn resolve(
    flags: &Layer,
    env: &dyn Fn(&str) -> Option<String>,
    file: &EtcdSettings,
) -> Result<Effective, Error> {
    let env_of = |names: [&'static str; 2]| {
        names
            .into_iter()
            .find_map(|n| env(n).filter(|v| !v.is_empty()).map(|v| (n, v)))
    };
    let pick = |flag: Option<String>, names, file: Option<String>| -> Option<(String, Source)> {
        if let Some(v) = flag {
            return Some((v, Source::Flag));
        }
        if let Some((n, v)) = env_of(names) {
            return Some((v, Source::Env(n)));
        }
        file.map(|v| (v, Source::File))
    };

    let endpoints = match (&flags.endpoints, env_of(env::ENDPOINTS)) {
        (Some(list), _) if !list.is_empty() => setting(list.clone(), Source::Flag),
        (_, Some((name, value))) if !split_list(&value).is_empty() => {
            setting(split_list(&value), Source::Env(name))
        }
        _ => match &file.endpoints {
            Some(list) => setting(list.clone(), Source::File),
            None => setting(vec![DEFAULT_ENDPOINT.to_owned()], Source::Default),
        },
    };

    let duration = |flag: Option<Duration>,
                    names: [&'static str; 2],
                    file: Option<Duration>,
                    default: Duration|
     -> Result<Setting<Duration>, Error> {
        if let Some(d) = flag {
            return Ok(setting(d, Source::Flag));
        }
        if let Some((name, value)) = env_of(names) {
            let d = humantime::parse_duration(&value).map_err(|e| Error::BadEnv {
                name,
                value: value.clone(),
                reason: e.to_string(),
            })?;
            return Ok(setting(d, Source::Env(name)));
        }
        Ok(match file {
            Some(d) => setting(d, Source::File),
            None => setting(default, Source::Default),
        })
    };
    let dial_timeout = duration(
        flags.dial_timeout,
        env::DIAL_TIMEOUT,
        file.dial_timeout,
        DEFAULT_DIAL_TIMEOUT,
    )?;
    let command_timeout = duration(
        flags.command_timeout,
        env::COMMAND_TIMEOUT,
        file.command_timeout,
        DEFAULT_COMMAND_TIMEOUT,
    )?;

    let path = |flag: &Option<PathBuf>, names, file: &Option<PathBuf>| {
        let to_s = |p: &Option<PathBuf>| p.as_ref().map(|p| p.to_string_lossy().into_owned());
        match (flag, pick(to_s(flag), names, to_s(file))) {
            (Some(p), _) => setting(Some(p.clone()), Source::Flag),
            (None, Some((v, source))) => setting(Some(PathBuf::from(v)), source),
            (None, None) => setting(None, Source::Default),
        }
    };
    let cacert = path(&flags.cacert, env::CACERT, &file.cacert);
    let cert = path(&flags.cert, env::CERT, &file.cert);
    let key = path(&flags.key, env::KEY, &file.key);
    match (&cert.value, &key.value) {
        (Some(_), None) => {
            return Err(Error::HalfIdentity {
                given: "cert",
                missing: "key",
                origin: cert.source,
            })
        }
        (None, Some(_)) => {
            return Err(Error::HalfIdentity {
                given: "key",
                missing: "cert",
                origin: key.source,
            })
        }
        _ => {}
    }

    let insecure_skip_tls_verify = match (
        flags.insecure_skip_tls_verify,
        env_of(env::INSECURE_SKIP_TLS_VERIFY),
    ) {
        (Some(true), _) => setting(true, Source::Flag),
        (_, Some((name, value))) => setting(parse_bool(name, &value)?, Source::Env(name)),
        _ => setting(false, Source::Default),
    };

    let (user, password) = match pick(flags.user.clone(), env::USER, file.user.clone()) {
        None => (
            setting(None, Source::Default),
            setting(None, Source::Default),
        ),
        Some((text, source)) => match text.split_once(':') {
            Some((name, pass)) => (
                setting(Some(name.to_owned()), source),
                setting(Some(Password::new(pass.to_owned())), source),
            ),
            None => {
                let password = match password_from_env(env)? {
                    Some((name, pass)) => setting(Some(Password::new(pass)), Source::Env(name)),
                    None => setting(None, Source::Default),
                };
                (setting(Some(text), source), password)
            }
        },
    };

    Ok(Effective {
        endpoints,
        dial_timeout,
        command_timeout,
        cacert,
        cert,
        key,
        insecure_skip_tls_verify,
        user,
        password,
    })
}

impl Effective {
    /// What [`crate::kv::EtcdKv::connect`] needs. A user without a password here is an
    /// error: ask for it (a prompt) before calling this.
    pub fn connect_settings(&self) -> Result<ConnectSettings, Error> {
        let auth = match (&self.user.value, &self.password.value) {
            (Some(user), Some(password)) => Some((user.clone(), password.clone())),
            (Some(user), None) => return Err(Error::NoPassword { user: user.clone() }),
            (None, _) => None,
        };
        Ok(ConnectSettings {
            endpoints: self.endpoints.value.clone(),
            dial_timeout: self.dial_timeout.value,
            command_timeout: self.command_timeout.value,
            cacert: self.cacert.value.clone(),
            identity: self.cert.value.clone().zip(self.key.value.clone()),
            insecure_skip_tls_verify: self.insecure_skip_tls_verify.value,
            auth,
        })
    }
}

/// The password for a user named without one: `NETSYNC_PASSWORD`, else the file named by
/// `NETSYNC_PASSWORD_FILE` (one trailing newline dropped; an empty file says nothing, as an
/// empty variable), else `ETCDCTL_PASSWORD`. Both of netsync's own set is refused: which one
/// was meant cannot be known.
fn password_from_env(
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Option<(&'static str, String)>, Error> {
    let [own, etcdctl] = env::PASSWORD;
    let set = |name: &str| env(name).filter(|v| !v.is_empty());
    match (set(own), set(env::PASSWORD_FILE)) {
        (Some(_), Some(path)) => Err(Error::BadEnv {
            name: env::PASSWORD_FILE,
            value: path,
            reason: format!("{own} is set too; set only one of them"),
        }),
        (Some(pass), None) => Ok(Some((own, pass))),
        (None, Some(path)) => {
            let path = PathBuf::from(path);
            let text = std::fs::read_to_string(&path)
                .map_err(|source| Error::PasswordFile { path, source })?;
            let pass = text
                .strip_suffix('\n')
                .map(|t| t.strip_suffix('\r').unwrap_or(t))
                .unwrap_or(&text);
            match pass.is_empty() {
                true => Ok(set(etcdctl).map(|p| (etcdctl, p))),
                false => Ok(Some((env::PASSWORD_FILE, pass.to_owned()))),
            }
        }
        (None, None) => Ok(set(etcdctl).map(|p| (etcdctl, p))),
    }
}

fn setting<T>(value: T, source: Source) -> Setting<T> {
    Setting { value, source }
}

fn split_list(text: &str) -> Vec<String> {
    text.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

fn parse_bool(name: &'static str, value: &str) -> Result<bool, Error> {
    match value.to_ascii_lowercase().as_str() {
        "1" | "true" | "yes" | "on" => Ok(true),
        "0" | "false" | "no" | "off" => Ok(false),
        _ => Err(Error::BadEnv {
            name,
            value: value.to_owned(),
            reason: "expected true or false".to_owned(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn env_from(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |name| map.get(name).cloned()
    }

    fn file() -> EtcdSettings {
        EtcdSettings {
            endpoints: Some(vec!["http://file:2379".into()]),
            dial_timeout: Some(Duration::from_secs(7)),
            cacert: Some("/file/ca.pem".into()),
            user: Some("fileuser".into()),
            ..EtcdSettings::default()
        }
    }

    #[test]
    fn defaults_when_nothing_says_anything() {
        let e = resolve(&Layer::default(), &env_from(&[]), &EtcdSettings::default()).unwrap();
        assert_eq!(e.endpoints.value, [DEFAULT_ENDPOINT]);
        assert_eq!(e.endpoints.source, Source::Default);
        assert_eq!(e.dial_timeout.value, DEFAULT_DIAL_TIMEOUT);
        assert_eq!(e.command_timeout.value, DEFAULT_COMMAND_TIMEOUT);
        assert_eq!(e.cacert.value, None);
        assert!(!e.insecure_skip_tls_verify.value);
        assert_eq!(e.user.value, None);
        assert!(e.connect_settings().unwrap().auth.is_none());
    }

    #[test]
    fn file_beats_defaults() {
        let e = resolve(&Layer::default(), &env_from(&[]), &file()).unwrap();
        assert_eq!(e.endpoints.value, ["http://file:2379"]);
        assert_eq!(e.endpoints.source, Source::File);
        assert_eq!(e.dial_timeout.value, Duration::from_secs(7));
        assert_eq!(e.dial_timeout.source, Source::File);
        assert_eq!(e.command_timeout.source, Source::Default);
        assert_eq!(e.cacert.source, Source::File);
        assert_eq!(e.user.value.as_deref(), Some("fileuser"));
    }

    #[test]
    fn etcdctl_env_beats_file_and_netsync_env_beats_etcdctl_env() {
        let env = env_from(&[
            ("ETCDCTL_ENDPOINTS", "http://a:1,http://b:1"),
            ("ETCDCTL_DIAL_TIMEOUT", "2s"),
            ("NETSYNC_DIAL_TIMEOUT", "3s"),
            ("ETCDCTL_CACERT", "/etcdctl/ca.pem"),
            ("ETCDCTL_USER", "bob:secret"),
        ]);
        let e = resolve(&Layer::default(), &env, &file()).unwrap();
        assert_eq!(e.endpoints.value, ["http://a:1", "http://b:1"]);
        assert_eq!(e.endpoints.source, Source::Env("ETCDCTL_ENDPOINTS"));
        assert_eq!(e.dial_timeout.value, Duration::from_secs(3));
        assert_eq!(e.dial_timeout.source, Source::Env("NETSYNC_DIAL_TIMEOUT"));
        assert_eq!(e.cacert.value.as_deref(), Some("/etcdctl/ca.pem".as_ref()));
        assert_eq!(e.user.value.as_deref(), Some("bob"));
        assert_eq!(e.password.source, Source::Env("ETCDCTL_USER"));
        assert_eq!(
            e.password.value.as_ref().map(Password::expose),
            Some("secret")
        );
    }

    #[test]
    fn flags_beat_everything() {
        let flags = Layer {
            endpoints: Some(vec!["http://flag:1".into()]),
            dial_timeout: Some(Duration::from_secs(1)),
            cacert: Some("/flag/ca.pem".into()),
            cert: Some("/flag/c.pem".into()),
            key: Some("/flag/k.pem".into()),
            user: Some("alice".into()),
            insecure_skip_tls_verify: Some(true),
            ..Layer::default()
        };
        let env = env_from(&[
            ("NETSYNC_ENDPOINTS", "http://env:1"),
            ("NETSYNC_DIAL_TIMEOUT", "3s"),
            ("NETSYNC_USER", "bob"),
            ("NETSYNC_PASSWORD", "pw"),
            ("ETCDCTL_PASSWORD", "other"),
            ("NETSYNC_INSECURE_SKIP_TLS_VERIFY", "false"),
        ]);
        let e = resolve(&flags, &env, &file()).unwrap();
        assert_eq!(e.endpoints.source, Source::Flag);
        assert_eq!(e.dial_timeout.value, Duration::from_secs(1));
        assert_eq!(e.cacert.source, Source::Flag);
        assert_eq!(e.user.value.as_deref(), Some("alice"));
        assert_eq!(e.user.source, Source::Flag);
        assert_eq!(e.password.source, Source::Env("NETSYNC_PASSWORD"));
        assert!(e.insecure_skip_tls_verify.value);
        let c = e.connect_settings().unwrap();
        assert_eq!(
            c.auth.as_ref().map(|(u, p)| (u.as_str(), p.expose())),
            Some(("alice", "pw"))
        );
        assert!(c.identity.is_some());
    }

    #[test]
    fn password_file_is_read_after_netsync_password_and_before_etcdctl_password() {
        let dir = tempfile::tempdir().unwrap();
        let file = |name: &str, text: &str| {
            let path = dir.path().join(name);
            std::fs::write(&path, text).unwrap();
            path.to_string_lossy().into_owned()
        };
        let with_newline = file("nl", "from-file\n");
        let crlf = file("crlf", "from-file\r\n");
        let inner = file("inner", " two\nlines \n\n");
        let empty = file("empty", "");
        let flags = Layer {
            user: Some("alice".into()),
            ..Layer::default()
        };
        let password = |pairs: &[(&str, &str)]| {
            let e = resolve(&flags, &env_from(pairs), &EtcdSettings::default()).unwrap();
            let value = e.password.value.as_ref().map(|p| p.expose().to_owned());
            (value, e.password.source)
        };
        let from_file = (
            Some("from-file".into()),
            Source::Env("NETSYNC_PASSWORD_FILE"),
        );
        assert_eq!(
            password(&[("NETSYNC_PASSWORD_FILE", &with_newline)]),
            from_file
        );
        assert_eq!(password(&[("NETSYNC_PASSWORD_FILE", &crlf)]), from_file);
        assert_eq!(
            password(&[
                ("NETSYNC_PASSWORD_FILE", &with_newline),
                ("ETCDCTL_PASSWORD", "etcdctl")
            ]),
            from_file
        );
        // Only one newline goes: the rest is the password, byte for byte.
        assert_eq!(
            password(&[("NETSYNC_PASSWORD_FILE", &inner)]).0.as_deref(),
            Some(" two\nlines \n")
        );
        // An empty file says nothing, as an empty variable does.
        assert_eq!(
            password(&[
                ("NETSYNC_PASSWORD_FILE", &empty),
                ("ETCDCTL_PASSWORD", "etcdctl")
            ]),
            (Some("etcdctl".into()), Source::Env("ETCDCTL_PASSWORD"))
        );
        assert_eq!(
            password(&[("NETSYNC_PASSWORD_FILE", &empty)]),
            (None, Source::Default)
        );
        // A password in --user wins, and the file is not even opened.
        let flags = Layer {
            user: Some("alice:inline".into()),
            ..Layer::default()
        };
        let env = env_from(&[("NETSYNC_PASSWORD_FILE", "/nonexistent/pw")]);
        let e = resolve(&flags, &env, &EtcdSettings::default()).unwrap();
        assert_eq!(e.password.value.unwrap().expose(), "inline");
    }

    #[test]
    fn password_file_unreadable_or_beside_netsync_password_is_an_error() {
        let flags = Layer {
            user: Some("alice".into()),
            ..Layer::default()
        };
        let env = env_from(&[("NETSYNC_PASSWORD_FILE", "/nonexistent/pw")]);
        let err = resolve(&flags, &env, &EtcdSettings::default()).unwrap_err();
        assert!(matches!(err, Error::PasswordFile { .. }), "{err:?}");
        assert!(err.to_string().contains("/nonexistent/pw"), "{err}");
        let env = env_from(&[
            ("NETSYNC_PASSWORD_FILE", "/nonexistent/pw"),
            ("NETSYNC_PASSWORD", "pw"),
        ]);
        let err = resolve(&flags, &env, &EtcdSettings::default()).unwrap_err();
        assert!(
            err.to_string().contains("NETSYNC_PASSWORD is set too"),
            "{err}"
        );
        // Without a user no password is needed, and the file is not read.
        let e = resolve(&Layer::default(), &env, &EtcdSettings::default()).unwrap();
        assert_eq!(e.password.value, None);
    }

    #[test]
    fn empty_env_counts_as_unset() {
        let env = env_from(&[
            ("NETSYNC_ENDPOINTS", ""),
            ("ETCDCTL_ENDPOINTS", "http://x:1"),
        ]);
        let e = resolve(&Layer::default(), &env, &EtcdSettings::default()).unwrap();
        assert_eq!(e.endpoints.source, Source::Env("ETCDCTL_ENDPOINTS"));
    }

    #[test]
    fn bad_env_is_an_error_naming_the_variable() {
        let env = env_from(&[("ETCDCTL_COMMAND_TIMEOUT", "soon")]);
        let err = resolve(&Layer::default(), &env, &EtcdSettings::default()).unwrap_err();
        assert!(err.to_string().contains("ETCDCTL_COMMAND_TIMEOUT"), "{err}");
        let env = env_from(&[("ETCDCTL_INSECURE_SKIP_TLS_VERIFY", "maybe")]);
        assert!(resolve(&Layer::default(), &env, &EtcdSettings::default()).is_err());
    }

    #[test]
    fn cert_without_key_is_refused() {
        let flags = Layer {
            cert: Some("/c.pem".into()),
            ..Layer::default()
        };
        let err = resolve(&flags, &env_from(&[]), &EtcdSettings::default()).unwrap_err();
        assert!(err.to_string().contains("key is not"), "{err}");
    }

    #[test]
    fn user_without_password_needs_one_before_connecting() {
        let flags = Layer {
            user: Some("alice".into()),
            ..Layer::default()
        };
        let e = resolve(&flags, &env_from(&[]), &EtcdSettings::default()).unwrap();
        assert!(matches!(
            e.connect_settings(),
            Err(Error::NoPassword { .. })
        ));
    }

    #[test]
    fn password_never_in_debug_output() {
        let flags = Layer {
            user: Some("alice:hunter2".into()),
            ..Layer::default()
        };
        let e = resolve(&flags, &env_from(&[]), &EtcdSettings::default()).unwrap();
        assert!(!format!("{e:?}").contains("hunter2"));
        assert!(!format!("{:?}", e.connect_settings().unwrap()).contains("hunter2"));
    }
}
