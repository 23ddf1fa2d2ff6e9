//! Checking what serde read, setting by setting, into a [`Config`] or an error that
//! names the file, line and column.

use super::*;

pub(super) struct Validator<'a> {
    pub(super) src: Source<'a>,
    pub(super) warnings: Vec<String>,
}

impl Validator<'_> {
    pub(super) fn config(mut self, raw: RawConfig) -> Result<Config, Error> {
        let version = *raw.version.get_ref();
        if version != SUPPORTED_VERSION {
            return Err(self.src.invalid(
                &raw.version.span(),
                "version",
                format!(
                    "unsupported `version` {version}: this netsync reads version \
                     {SUPPORTED_VERSION} only"
                ),
            ));
        }
        let branch = match raw.branch {
            Some(b) => {
                check_ref_name(b.get_ref()).map_err(|why| {
                    self.src
                        .invalid(&b.span(), "branch", format!("`branch`: {why}"))
                })?;
                Some(b.into_inner())
            }
            None => None,
        };
        let mappings = self.mappings(raw.mapping)?;
        let ephemeral = match raw.ephemeral {
            Some(e) => self.patterns(&e.keys, "ephemeral.keys", &mappings)?,
            None => Patterns::default(),
        };
        let secrets = match raw.secrets {
            Some(s) => self.secrets(s, &mappings)?,
            None => Secrets::default(),
        };
        let apply = match raw.apply {
            Some(a) => self.apply(a)?,
            None => ApplySettings::default(),
        };
        let etcd = match raw.etcd {
            Some(e) => self.etcd(e)?,
            None => EtcdSettings::default(),
        };
        let persist = match raw.persist {
            Some(p) => self.persist(p)?,
            None => PersistSettings::default(),
        };
        let state_prefix = self.state_prefix(raw.state.and_then(|s| s.prefix), &mappings)?;
        Ok(Config {
            version,
            branch,
            mappings,
            ephemeral,
            secrets,
            apply,
            etcd,
            persist,
            state_prefix,
            warnings: self.warnings,
        })
    }

    pub(super) fn mappings(
        &mut self,
        raw: Option<Spanned<Vec<Spanned<RawMapping>>>>,
    ) -> Result<Vec<Mapping>, Error> {
        let (span, raw) = match raw {
            Some(r) => (r.span(), r.into_inner()),
            None => (0..0, Vec::new()),
        };
        if raw.is_empty() {
            return Err(self.src.invalid(
                &span,
                "mapping",
                "no `[[mapping]]`: at least one is needed to tie an etcd prefix to a folder"
                    .to_owned(),
            ));
        }
        // (mapping, span of its prefix, span of its dir), to point back at earlier entries.
        let mut seen: Vec<(Mapping, Range<usize>, Range<usize>)> = Vec::new();
        for entry in raw {
            let entry = entry.into_inner();
            let (prefix_span, prefix) = (entry.prefix.span(), entry.prefix.into_inner());
            let (dir_span, dir) = (entry.dir.span(), entry.dir.into_inner());
            if prefix.is_empty() {
                return Err(self.src.invalid(
                    &prefix_span,
                    "mapping.prefix",
                    "`mapping.prefix` is empty; it would cover every key in etcd".to_owned(),
                ));
            }
            if !prefix.ends_with('/') {
                self.warnings.push(format!(
                    "{}: `mapping.prefix` {prefix:?} does not end in `/`, so it also covers keys \
                     such as {:?}",
                    self.src.location(&prefix_span),
                    format!("{prefix}x")
                ));
            }
            check_dir(&dir).map_err(|why| {
                self.src.invalid(
                    &dir_span,
                    "mapping.dir",
                    format!("`mapping.dir` {dir:?} {why}"),
                )
            })?;
            for (other, other_prefix_span, other_dir_span) in &seen {
                if overlaps(&other.prefix, prefix.as_bytes()) {
                    return Err(self.src.invalid(
                        &prefix_span,
                        "mapping.prefix",
                        format!(
                            "`mapping.prefix` {prefix:?} overlaps {:?} (line {}): a key would \
                             belong to both mappings",
                            String::from_utf8_lossy(&other.prefix),
                            self.src.line_col(other_prefix_span.start).0
                        ),
                    ));
                }
                if dirs_nest(&other.dir, &dir) {
                    let how = if other.dir == dir {
                        "is the same as"
                    } else {
                        "nests with"
                    };
                    return Err(self.src.invalid(
                        &dir_span,
                        "mapping.dir",
                        format!(
                            "`mapping.dir` {dir:?} {how} {:?} (line {}): a file would belong to \
                             both mappings",
                            other.dir,
                            self.src.line_col(other_dir_span.start).0
                        ),
                    ));
                }
            }
            seen.push((
                Mapping {
                    prefix: prefix.into_bytes(),
                    dir,
                },
                prefix_span,
                dir_span,
            ));
        }
        Ok(seen.into_iter().map(|(m, _, _)| m).collect())
    }

    pub(super) fn patterns(
        &mut self,
        raw: &[Spanned<String>],
        field: &str,
        mappings: &[Mapping],
    ) -> Result<Patterns, Error> {
        let mut builder = GlobSetBuilder::new();
        let mut sources = Vec::with_capacity(raw.len());
        for pattern in raw {
            let span = pattern.span();
            let text = pattern.get_ref();
            if text.is_empty() {
                return Err(self
                    .src
                    .invalid(&span, field, format!("`{field}`: empty pattern")));
            }
            let glob = GlobBuilder::new(text)
                .literal_separator(true)
                .backslash_escape(true)
                .build()
                .map_err(|e| self.src.invalid(&span, field, format!("`{field}`: {e}")))?;
            builder.add(glob);
            // Only a heuristic: a pattern whose fixed start lies outside every mapping most
            // likely has a typo, but one starting with a glob could still match something.
            let literal_end = text.find(['*', '?', '[', '{', '\\']).unwrap_or(text.len());
            let literal = &text.as_bytes()[..literal_end];
            if !mappings.iter().any(|m| overlaps(&m.prefix, literal)) {
                self.warnings.push(format!(
                    "{}: `{field}` pattern {text:?} is outside every mapping prefix, so it \
                     matches no managed key",
                    self.src.location(&span)
                ));
            }
            sources.push(text.clone());
        }
        let set = builder.build().map_err(|e| {
            let span = raw.first().map_or(0..0, |p| p.span());
            self.src.invalid(&span, field, format!("`{field}`: {e}"))
        })?;
        Ok(Patterns { set, sources })
    }

    pub(super) fn secrets(
        &mut self,
        raw: RawSecrets,
        mappings: &[Mapping],
    ) -> Result<Secrets, Error> {
        let keys = self.patterns(&raw.keys, "secrets.keys", mappings)?;
        let mut recipients = Vec::with_capacity(raw.recipients.len());
        for r in raw.recipients {
            if r.get_ref().trim().is_empty() {
                return Err(self.src.invalid(
                    &r.span(),
                    "secrets.recipients",
                    "`secrets.recipients`: empty recipient".to_owned(),
                ));
            }
            recipients.push(r.into_inner());
        }
        Ok(Secrets { keys, recipients })
    }

    pub(super) fn apply(&mut self, raw: RawApply) -> Result<ApplySettings, Error> {
        let mut apply = ApplySettings::default();
        if let Some(f) = raw.max_delete_fraction {
            apply.max_delete_fraction = self.fraction(f, "apply.max_delete_fraction")?;
        }
        Ok(apply)
    }

    /// A fraction of the managed keys, 0.0..=1.0.
    pub(super) fn fraction(&mut self, f: Spanned<f64>, field: &str) -> Result<f64, Error> {
        let value = *f.get_ref();
        // `contains` is false for NaN, which TOML can spell as `nan`.
        if !(0.0..=1.0).contains(&value) {
            return Err(self.src.invalid(
                &f.span(),
                field,
                format!("`{field}` must be between 0.0 and 1.0, got {value}"),
            ));
        }
        Ok(value)
    }

    pub(super) fn etcd(&mut self, raw: RawEtcd) -> Result<EtcdSettings, Error> {
        let mut etcd = EtcdSettings::default();
        if let Some(list) = raw.endpoints {
            if list.get_ref().is_empty() {
                return Err(self.src.invalid(
                    &list.span(),
                    "etcd.endpoints",
                    "`etcd.endpoints` is empty; list at least one endpoint or leave it out"
                        .to_owned(),
                ));
            }
            let mut endpoints = Vec::with_capacity(list.get_ref().len());
            for e in list.into_inner() {
                let text = e.get_ref();
                if text.is_empty() || text.chars().any(|c| c.is_whitespace() || c.is_control()) {
                    return Err(self.src.invalid(
                        &e.span(),
                        "etcd.endpoints",
                        format!("`etcd.endpoints`: {text:?} is not an endpoint"),
                    ));
                }
                endpoints.push(e.into_inner());
            }
            etcd.endpoints = Some(endpoints);
        }
        if let Some(n) = raw.max_txn_ops {
            if *n.get_ref() == 0 {
                return Err(self.src.invalid(
                    &n.span(),
                    "etcd.max_txn_ops",
                    "`etcd.max_txn_ops` must be at least 1".to_owned(),
                ));
            }
            etcd.max_txn_ops = n.into_inner();
        }
        if let Some(n) = raw.max_request_bytes {
            if *n.get_ref() < MIN_REQUEST_BYTES {
                return Err(self.src.invalid(
                    &n.span(),
                    "etcd.max_request_bytes",
                    format!(
                        "`etcd.max_request_bytes` must be at least {MIN_REQUEST_BYTES}, got {}",
                        n.get_ref()
                    ),
                ));
            }
            etcd.max_request_bytes = n.into_inner();
        }
        if let Some(n) = raw.txns_in_flight {
            if !(1..=MAX_TXNS_IN_FLIGHT).contains(n.get_ref()) {
                return Err(self.src.invalid(
                    &n.span(),
                    "etcd.txns_in_flight",
                    format!(
                        "`etcd.txns_in_flight` must be from 1 to {MAX_TXNS_IN_FLIGHT}, got {}",
                        n.get_ref()
                    ),
                ));
            }
            etcd.txns_in_flight = n.into_inner();
        }
        if let Some(d) = raw.dial_timeout {
            etcd.dial_timeout = Some(self.duration(&d, "etcd.dial_timeout")?);
        }
        if let Some(d) = raw.command_timeout {
            etcd.command_timeout = Some(self.duration(&d, "etcd.command_timeout")?);
        }
        etcd.cacert = self.path(raw.cacert, "etcd.cacert")?;
        etcd.cert = self.path(raw.cert, "etcd.cert")?;
        etcd.key = self.path(raw.key, "etcd.key")?;
        if let Some(user) = raw.user {
            if user.get_ref().is_empty() || user.get_ref().contains(':') {
                return Err(self.src.invalid(
                    &user.span(),
                    "etcd.user",
                    "`etcd.user` must be a user name alone: a password never goes in netsync.toml \
                     (use NETSYNC_PASSWORD or the prompt)"
                        .to_owned(),
                ));
            }
            etcd.user = Some(user.into_inner());
        }
        Ok(etcd)
    }

    pub(super) fn path(
        &self,
        raw: Option<Spanned<String>>,
        field: &str,
    ) -> Result<Option<PathBuf>, Error> {
        match raw {
            Some(p) if p.get_ref().is_empty() => Err(self.src.invalid(
                &p.span(),
                field,
                format!("`{field}` is empty; give a path or leave it out"),
            )),
            Some(p) => Ok(Some(PathBuf::from(p.into_inner()))),
            None => Ok(None),
        }
    }

    pub(super) fn duration(&self, raw: &Spanned<String>, field: &str) -> Result<Duration, Error> {
        parse_duration(raw.get_ref()).map_err(|why| {
            self.src.invalid(
                &raw.span(),
                field,
                format!("`{field}` {:?}: {why}", raw.get_ref()),
            )
        })
    }

    pub(super) fn persist(&mut self, raw: RawPersist) -> Result<PersistSettings, Error> {
        // A bad entry is kept aside rather than refused here: it stops `persist` (which pushes)
        // and shows as a failing remote in `status`, but does not break every other command.
        let mut remotes: Vec<String> = Vec::with_capacity(raw.remotes.len());
        let mut invalid_remotes = Vec::new();
        for r in raw.remotes {
            let entry = r.get_ref();
            let why = match check_remote(entry) {
                Err(why) => why,
                Ok(()) if remotes.contains(entry) => format!("{entry:?} is listed twice"),
                Ok(()) => {
                    remotes.push(r.into_inner());
                    continue;
                }
            };
            let error = self.src.invalid(
                &r.span(),
                "persist.remotes",
                format!("`persist.remotes`: {why}"),
            );
            invalid_remotes.push(InvalidRemote {
                entry: entry.clone(),
                message: error.to_string(),
            });
        }
        let author = match raw.author {
            Some(a) => {
                check_author(a.get_ref()).map_err(|why| {
                    self.src.invalid(
                        &a.span(),
                        "persist.author",
                        format!("`persist.author` {:?} {why}", a.get_ref()),
                    )
                })?;
                Some(a.into_inner())
            }
            None => None,
        };
        let message = match raw.message {
            Some(m) if m.get_ref().trim().is_empty() => {
                return Err(self.src.invalid(
                    &m.span(),
                    "persist.message",
                    "`persist.message` is empty; leave it out for the default".to_owned(),
                ));
            }
            Some(m) => Some(m.into_inner()),
            None => None,
        };
        let max_delete_fraction = match raw.max_delete_fraction {
            Some(f) => self.fraction(f, "persist.max_delete_fraction")?,
            None => DEFAULT_MAX_DELETE_FRACTION,
        };
        let signing_key = match raw.signing_key {
            Some(k) if !std::path::Path::new(k.get_ref()).is_absolute() => {
                return Err(self.src.invalid(
                    &k.span(),
                    "persist.signing_key",
                    format!(
                        "`persist.signing_key` {:?} is not an absolute path; it names an SSH private key on the persist hosts (never a file in this repository)",
                        k.get_ref()
                    ),
                ));
            }
            Some(k) => Some(std::path::PathBuf::from(k.into_inner())),
            None => None,
        };
        Ok(PersistSettings {
            remotes,
            invalid_remotes,
            author,
            message,
            max_delete_fraction,
            signing_key,
        })
    }

    pub(super) fn state_prefix(
        &mut self,
        raw: Option<Spanned<String>>,
        mappings: &[Mapping],
    ) -> Result<Vec<u8>, Error> {
        let Some(raw) = raw else {
            let prefix = DEFAULT_STATE_PREFIX.as_bytes();
            if let Some(m) = mappings.iter().find(|m| overlaps(&m.prefix, prefix)) {
                // No span to point at: the default is implicit, so point at the start and say
                // how to fix it.
                return Err(self.src.invalid(
                    &(0..0),
                    "state.prefix",
                    format!(
                        "the default `state.prefix` {DEFAULT_STATE_PREFIX:?} overlaps mapping \
                         prefix {:?}; set `[state] prefix` to a prefix outside every mapping",
                        String::from_utf8_lossy(&m.prefix)
                    ),
                ));
            }
            return Ok(prefix.to_vec());
        };
        let span = raw.span();
        let prefix = raw.into_inner();
        if prefix.is_empty() {
            return Err(self.src.invalid(
                &span,
                "state.prefix",
                "`state.prefix` is empty; it would overlap every mapping".to_owned(),
            ));
        }
        if let Some(m) = mappings
            .iter()
            .find(|m| overlaps(&m.prefix, prefix.as_bytes()))
        {
            return Err(self.src.invalid(
                &span,
                "state.prefix",
                format!(
                    "`state.prefix` {prefix:?} overlaps mapping prefix {:?}: netsync's own keys \
                     must stay outside every mapping",
                    String::from_utf8_lossy(&m.prefix)
                ),
            ));
        }
        Ok(prefix.into_bytes())
    }
}

/// Whether two repository dirs are equal or one contains the other.
pub(super) fn dirs_nest(a: &str, b: &str) -> bool {
    let inside = |outer: &str, inner: &str| {
        inner
            .strip_prefix(outer)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
    };
    inside(a, b) || inside(b, a)
}

/// A mapping dir must name a real folder in the Git tree, written one way only, so that paths
/// compare as plain strings.
pub(super) fn check_dir(dir: &str) -> Result<(), &'static str> {
    if dir.is_empty() {
        return Err("is empty");
    }
    if dir.starts_with('/') {
        return Err("must be relative to the repository root (no leading `/`)");
    }
    if dir.ends_with('/') {
        return Err("must not end in `/`");
    }
    if dir.contains('\\') {
        return Err("must use `/` as separator, not `\\`");
    }
    if dir.chars().any(char::is_control) {
        return Err("must not contain NUL or other control characters");
    }
    for component in dir.split('/') {
        match component {
            "" => return Err("must not contain empty components (`//`)"),
            "." | ".." => return Err("must not contain `.` or `..` components"),
            // `.git` cannot be tracked, and hidden folders are where tools keep their own
            // state; keeping keys out of them avoids surprises.
            c if c.starts_with('.') => return Err("must not contain components starting with `.`"),
            _ => {}
        }
    }
    if dir == FILE_NAME || dir.starts_with(&format!("{FILE_NAME}/")) {
        return Err("is the configuration file itself");
    }
    Ok(())
}

/// An entry of `persist.remotes`: a remote name (`origin`), a URL (`ssh://host/net.git`,
/// `git@host:net.git`, `https://…`, `file://…`) or a path (`/srv/backup.git`, `../backup.git`,
/// relative to the repository), as `git push` takes them.
pub(super) fn check_remote(entry: &str) -> Result<(), String> {
    let looks_like_path = entry.starts_with(['/', '.', '~']);
    // scp-like `[user@]host:path`: a colon before any slash (git's own rule).
    let scp_like = entry
        .find(':')
        .is_some_and(|colon| !entry[..colon].contains('/') && colon > 0);
    if entry.contains("://") || scp_like || looks_like_path {
        if entry.chars().any(char::is_control) {
            return Err(format!("{entry:?} contains a control character"));
        }
        return gix::url::parse(gix::bstr::BStr::new(entry))
            .map(drop)
            .map_err(|e| format!("{entry:?} is not a Git URL or path: {e}"));
    }
    check_ref_name(entry).map_err(|why| {
        format!("{why} (an entry is a remote name, a URL such as ssh://host/net.git, or a path)")
    })
}

/// A subset of `git check-ref-format` for one branch or remote name: enough to catch typos and
/// names Git would refuse, without reimplementing Git.
pub(super) fn check_ref_name(name: &str) -> Result<(), String> {
    let bad = |why: &str| Err(format!("{name:?} is not a valid Git name: {why}"));
    if name.is_empty() {
        return bad("it is empty");
    }
    if name.starts_with('-') {
        return bad("it starts with `-`");
    }
    if name.starts_with('/') || name.ends_with('/') || name.contains("//") {
        return bad("leading, trailing or doubled `/`");
    }
    if name.ends_with('.') || name.ends_with(".lock") || name.contains("..") || name == "@" {
        return bad("`..`, `@`, or a trailing `.` or `.lock`");
    }
    if name.split('/').any(|c| c.starts_with('.')) {
        return bad("a component starts with `.`");
    }
    if name.contains("@{") {
        return bad("it contains `@{`");
    }
    if let Some(c) = name
        .chars()
        .find(|c| c.is_whitespace() || c.is_control() || "~^:?*[\\".contains(*c))
    {
        return bad(&format!("it contains {c:?}"));
    }
    Ok(())
}

/// `Name <email>`, the form Git uses for authors.
pub(super) fn check_author(author: &str) -> Result<(), &'static str> {
    pub(super) const FORM: &str = "must look like `Name <email>`";
    let inner = author.strip_suffix('>').ok_or(FORM)?;
    let (name, email) = inner.split_once('<').ok_or(FORM)?;
    let name = name.trim();
    if name.is_empty() || email.is_empty() {
        return Err(FORM);
    }
    if name.contains(['<', '>']) || email.contains(['<', '>']) {
        return Err(FORM);
    }
    if author.chars().any(char::is_control) || email.chars().any(char::is_whitespace) {
        return Err(FORM);
    }
    Ok(())
}

/// A duration as flags and the environment take it (humantime: `500ms`, `5s`, `1m30s`,
/// `2h`), and more than zero.
pub(super) fn parse_duration(text: &str) -> Result<Duration, String> {
    let d = humantime::parse_duration(text).map_err(|e| {
        format!("{e}; expected a number and a unit, such as \"500ms\", \"5s\", \"1m30s\" or \"1h\"")
    })?;
    positive(d)
}

pub(super) fn positive(d: Duration) -> Result<Duration, String> {
    if d.is_zero() {
        Err("must be greater than zero".to_owned())
    } else {
        Ok(d)
    }
}
