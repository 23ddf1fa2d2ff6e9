//! Output for people: per-key changes with unified diffs, and a summary line. Colours come
//! from the caller's stream (anstream strips them when stdout is not a terminal).

use std::io::{self, Write};

use anstyle::{AnsiColor, Style};

use super::{display_key, labeled_diff, short_sha256, text_diff};
use crate::apply::ApplyReport;
use crate::desired::short;
use crate::persist::PersistReport;
use crate::plan::{Action, Change, Class, Sealed};
use crate::prepare::Prepared;

const ADD: Style = AnsiColor::Green.on_default();
const DELETE: Style = AnsiColor::Red.on_default();
const CHANGE: Style = AnsiColor::Yellow.on_default();
const HUNK: Style = AnsiColor::Cyan.on_default();
const BOLD: Style = Style::new().bold();

fn value_line(data: Option<&[u8]>) -> String {
    match data {
        None => "absent".to_owned(),
        Some(d) => format!("{} bytes, sha256 {}", d.len(), short_sha256(d)),
    }
}

/// A change's key for people, and `  (its file)` when Git has one.
fn key_and_path(change: &Change) -> (String, String) {
    let path = change
        .path
        .as_deref()
        .map(|p| format!("  ({p})"))
        .unwrap_or_default();
    (display_key(&change.key), path)
}

/// Why a secret's value in Git was not decrypted, for people.
fn reason(sealed: Sealed) -> &'static str {
    match sealed {
        Sealed::NoIdentity => "no identity",
    }
}

/// The mark of a change whose secret was not compared: it may be no difference at all.
fn mark_of(change: &Change, mark: char) -> char {
    match change.not_compared() {
        Some(_) => '?',
        None => mark,
    }
}

/// The line under a secret that was not compared: why, and the one size that is known.
fn not_compared_line(reason_: Sealed, etcd: Option<&[u8]>) -> String {
    format!(
        "not compared: {} to decrypt Git's age file (etcd holds {} bytes)",
        reason(reason_),
        etcd.map_or(0, <[u8]>::len)
    )
}

/// A secret value's size: `N bytes`, or why it is not known (`sealed`: not decrypted).
fn secret_size(value: Option<&[u8]>, sealed: Option<Sealed>) -> String {
    match (value, sealed) {
        (None, Some(s)) => format!("size unknown: {}", reason(s)),
        (v, _) => format!("{} bytes", v.map_or(0, <[u8]>::len)),
    }
}

/// One change: a header line, then a unified diff for text or a size/hash line for binary.
pub fn write_change(out: &mut impl Write, change: &Change) -> io::Result<()> {
    let (mark, word, style) = match change.action {
        Action::Add => ('+', "add", ADD),
        Action::Change => ('~', "change", CHANGE),
        Action::Delete => ('-', "delete", DELETE),
    };
    let mark = mark_of(change, mark);
    let (key, path) = key_and_path(change);
    writeln!(
        out,
        "{style}{mark} {word:<6} {BOLD}{key}{BOLD:#}{style:#}{path}"
    )?;
    if change.secret {
        return writeln!(out, "    {}", secret_line(change));
    }
    write_values(out, change.old.as_deref(), change.new.as_deref(), None)
}

/// `line` with its control characters escaped (`\r`, `\u{1b}`, …; tabs stay): a value
/// holding a carriage return or an escape sequence cannot hide or restyle text on a
/// terminal.
fn escaped(line: &str) -> std::borrow::Cow<'_, str> {
    if !line.chars().any(|c| c.is_control() && c != '\t') {
        return std::borrow::Cow::Borrowed(line);
    }
    let mut out = String::with_capacity(line.len() + 8);
    for c in line.chars() {
        match c {
            '\t' => out.push(c),
            '\r' => out.push_str("\\r"),
            c if c.is_control() => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
            c => out.push(c),
        }
    }
    std::borrow::Cow::Owned(out)
}

/// A unified diff from `old` to `new` for text (headed `--- from`/`+++ to` when `labels`
/// are given), or a size/hash line for binary values.
pub(super) fn write_values(
    out: &mut impl Write,
    old: Option<&[u8]>,
    new: Option<&[u8]>,
    labels: Option<(&str, &str)>,
) -> io::Result<()> {
    let diff = match labels {
        Some((from, to)) => labeled_diff(old, new, from, to),
        None => text_diff(old, new),
    };
    match diff {
        Some(diff) => {
            // `split`, not `lines`: a `\r` before the newline is shown, not dropped.
            let lines = diff.strip_suffix('\n').unwrap_or(&diff).split('\n');
            for line in lines.skip(if labels.is_some() { 0 } else { 2 }) {
                let line = escaped(line);
                let style = match line.as_bytes().first() {
                    _ if line.starts_with("--- ") || line.starts_with("+++ ") => BOLD,
                    Some(b'+') => ADD,
                    Some(b'-') => DELETE,
                    Some(b'@') => HUNK,
                    _ => Style::new(),
                };
                writeln!(out, "    {style}{line}{style:#}")?;
            }
        }
        None => writeln!(
            out,
            "    binary value: {} -> {}",
            value_line(old),
            value_line(new)
        )?,
    }
    Ok(())
}

/// One key changed only in etcd (drift), as it happened there: added, changed or deleted in
/// etcd, with the diff from the sync point's value (which Git still holds) to etcd's.
pub fn write_drift(out: &mut impl Write, change: &Change, diffs: bool) -> io::Result<()> {
    let (action, before, after) = change.in_own_direction();
    let (mark, word, style) = match action {
        Action::Add => ('+', "added in etcd", ADD),
        Action::Change => ('~', "changed in etcd", CHANGE),
        Action::Delete => ('-', "deleted in etcd", DELETE),
    };
    let mark = mark_of(change, mark);
    let (key, path) = key_and_path(change);
    writeln!(
        out,
        "{style}{mark} {word:<15} {BOLD}{key}{BOLD:#}{style:#}{path}"
    )?;
    if !diffs {
        return Ok(());
    }
    if let Some(sealed) = change.not_compared() {
        return writeln!(out, "    {}", not_compared_line(sealed, after));
    }
    if change.secret {
        return writeln!(
            out,
            "    {}",
            side_secret_line(action, "in etcd", before, after, None)
        );
    }
    write_values(out, before, after, Some(("sync-point", "etcd")))
}

/// One key changed on both sides since the sync point: what each side did, each with its
/// diff from the sync point's value.
pub fn write_conflict(out: &mut impl Write, change: &Change, diffs: bool) -> io::Result<()> {
    let (key, path) = key_and_path(change);
    let word = |a: Option<Action>| match a {
        Some(Action::Add) => "added",
        Some(Action::Change) => "changed",
        Some(Action::Delete) => "deleted",
        None => "unchanged",
    };
    let (git, etcd) = (change.git_action(), change.etcd_action());
    writeln!(
        out,
        "{DELETE}{} conflict        {BOLD}{key}{BOLD:#}{DELETE:#}{path}  ({} in Git, {} in etcd)",
        mark_of(change, '!'),
        word(git),
        word(etcd)
    )?;
    if !diffs {
        return Ok(());
    }
    let base = change.base.as_deref();
    let (git_value, etcd_value) = (change.new.as_deref(), change.old.as_deref());
    if change.secret {
        if let Some(a) = git {
            let line = side_secret_line(a, "in Git", None, git_value, change.sealed);
            writeln!(out, "    {line}")?;
        }
        if let Some(a) = etcd {
            let line = side_secret_line(a, "in etcd", None, etcd_value, None);
            writeln!(out, "    {line}")?;
        }
        if let Some(sealed) = change.not_compared() {
            writeln!(out, "    {}", not_compared_line(sealed, etcd_value))?;
        }
        return Ok(());
    }
    writeln!(out, "    in Git, since the sync point:")?;
    write_values(out, base, git_value, Some(("sync-point", "git")))?;
    writeln!(out, "    in etcd, since the sync point:")?;
    write_values(out, base, etcd_value, Some(("sync-point", "etcd")))
}

/// A secret's change on one side: that it happened, and the sizes (`before` is unknown for
/// a conflict, whose base is ciphertext; `after` is `sealed` when it was not decrypted).
fn side_secret_line(
    action: Action,
    side: &str,
    before: Option<&[u8]>,
    after: Option<&[u8]>,
    sealed: Option<Sealed>,
) -> String {
    let size = secret_size(after, sealed);
    match (action, before) {
        (Action::Add, _) => format!("secret added {side} ({size})"),
        (Action::Change, Some(b)) => format!("secret changed {side} ({} bytes → {size})", b.len()),
        // Not decrypted: `size` says why it is unknown.
        (Action::Change, None) if after.is_none() => format!("secret changed {side} ({size})"),
        (Action::Change, None) => format!("secret changed {side} (now {size})"),
        (Action::Delete, _) => format!("secret deleted {side}"),
    }
}

/// What may be said about a secret change: that it happens, and the sizes. No hash: a hash of
/// a low-entropy password is as good as the password.
pub fn secret_line(change: &Change) -> String {
    let (old, new) = (change.old.as_deref(), change.new.as_deref());
    if let Some(sealed) = change.not_compared() {
        return not_compared_line(sealed, old);
    }
    let new = secret_size(new, change.sealed);
    match change.action {
        Action::Add => format!("secret added ({new})"),
        Action::Change => format!("secret changed ({} → {new})", secret_size(old, None)),
        Action::Delete => format!("secret deleted ({})", secret_size(old, None)),
    }
}

fn counts(prepared: &Prepared) -> String {
    let plan = &prepared.plan;
    let mut parts = vec![
        format!("{} to add", plan.count(Action::Add)),
        format!("{} to change", plan.count(Action::Change)),
        format!("{} to delete", plan.count(Action::Delete)),
        format!("{} unchanged", plan.unchanged),
    ];
    let resolved = plan
        .kept
        .iter()
        .filter(|c| c.class == Class::Conflict)
        .count();
    if plan.kept.len() > resolved {
        parts.push(format!("{} drift kept", plan.kept.len() - resolved));
    }
    if resolved > 0 {
        parts.push(format!("{resolved} conflicts kept as etcd has them"));
    }
    if !plan.conflicts.is_empty() {
        parts.push(format!("{} conflicts", plan.conflicts.len()));
    }
    let not_compared = plan.not_compared();
    if not_compared > 0 {
        parts.push(format!(
            "{not_compared} secrets not compared (counted as differences)"
        ));
    }
    if !plan.leased.is_empty() {
        parts.push(format!("{} leased left alone", plan.leased.len()));
    }
    if plan.ephemeral_in_etcd > 0 {
        parts.push(format!("{} ephemeral left alone", plan.ephemeral_in_etcd));
    }
    parts.join(", ")
}

fn target(prepared: &Prepared) -> String {
    format!(
        "commit {} ({}) vs etcd revision {}",
        short(&prepared.desired.revision.commit),
        prepared.desired.rev_name,
        prepared.etcd_revision
    )
}

/// `netsync diff`: every change, then the summary.
pub fn write_diff(out: &mut impl Write, prepared: &Prepared) -> io::Result<()> {
    for change in &prepared.plan.changes {
        write_change(out, change)?;
    }
    write_kept_and_conflicts(out, prepared, true)?;
    write_guards(out, &prepared.plan.guards)?;
    if prepared.plan.in_sync() {
        writeln!(
            out,
            "no differences: {}; {}",
            target(prepared),
            counts(prepared)
        )
    } else {
        writeln!(out, "{}: {}", target(prepared), counts(prepared))
    }
}

/// The guards that would refuse, one line each (nothing when none would).
fn write_guards(out: &mut impl Write, guards: &crate::plan::Guards) -> io::Result<()> {
    let refusal = |v: &crate::plan::DeleteVerdict| {
        format!(
            "{} of the {} managed keys (the guard allows {}% and never all); --allow-mass-delete to go ahead",
            v.deletes, v.managed, v.allowed_percent
        )
    };
    if guards.prune.refused {
        writeln!(
            out,
            "apply would refuse: its prune guard stops the deletion of {}",
            refusal(&guards.prune)
        )?;
    }
    if guards.persist_mass_delete.refused {
        writeln!(
            out,
            "persist would refuse: its mass-delete guard stops recording the deletion of {}",
            refusal(&guards.persist_mass_delete)
        )?;
    }
    if let Some(size) = guards.largest_write.as_ref().filter(|s| !s.fits) {
        writeln!(
            out,
            "apply would refuse: writing {} makes a {}-byte request, over the {} bytes of --max-request-bytes",
            size.key, size.request_bytes, size.limit
        )?;
    }
    Ok(())
}

/// Drift left in place and conflicts, each under a heading saying what they mean.
fn write_kept_and_conflicts(
    out: &mut impl Write,
    prepared: &Prepared,
    diffs: bool,
) -> io::Result<()> {
    let plan = &prepared.plan;
    let (resolved, drift): (Vec<&Change>, Vec<&Change>) =
        plan.kept.iter().partition(|c| c.class == Class::Conflict);
    if !drift.is_empty() {
        writeln!(
            out,
            "{CHANGE}changed only in etcd since the sync point (drift): apply keeps these, persist records them{CHANGE:#}"
        )?;
        for change in drift {
            write_drift(out, change, diffs)?;
        }
    }
    if !resolved.is_empty() {
        // A conflict resolved in etcd's favour (--prefer etcd) still shows both sides.
        writeln!(
            out,
            "{CHANGE}changed in Git and in etcd since the sync point, etcd's value kept (--prefer etcd): once applied, persist records it{CHANGE:#}"
        )?;
        for change in resolved {
            write_conflict(out, change, diffs)?;
        }
    }
    if !plan.conflicts.is_empty() {
        writeln!(
            out,
            "{DELETE}changed in Git and in etcd since the sync point (conflicts): resolve with --prefer git|etcd{DELETE:#}"
        )?;
        for change in &plan.conflicts {
            write_conflict(out, change, diffs)?;
        }
    }
    Ok(())
}

/// `netsync apply`: one line per written key, then what happened.
pub fn write_apply(
    out: &mut impl Write,
    prepared: &Prepared,
    report: &ApplyReport,
) -> io::Result<()> {
    for change in &prepared.plan.changes {
        let (mark, style) = match change.action {
            Action::Add => ('+', ADD),
            Action::Change => ('~', CHANGE),
            Action::Delete => ('-', DELETE),
        };
        writeln!(out, "{style}{mark} {}{style:#}", display_key(&change.key))?;
    }
    write_kept_and_conflicts(out, prepared, false)?;
    let head = if report.dry_run {
        "dry run, nothing written"
    } else if prepared.plan.is_empty() && !report.sync_point_recorded {
        "nothing to apply"
    } else if prepared.plan.is_empty() {
        "nothing to apply; sync point recorded"
    } else {
        "applied"
    };
    if let Some(verified) = &report.signatures {
        writeln!(out, "{}", signatures_line(verified))?;
    }
    writeln!(
        out,
        "{head}: {}; {}; {} transaction(s), etcd revision {}",
        target(prepared),
        counts(prepared),
        report.transactions,
        report.etcd_revision_after
    )
}

/// diff's signature status: who signed, or what apply would refuse.
pub fn write_signatures(out: &mut impl Write, status: &crate::trust::Status) -> io::Result<()> {
    if let Some(verified) = &status.verified {
        return writeln!(out, "{}", signatures_line(verified));
    }
    writeln!(
        out,
        "{DELETE}signatures: apply would refuse {} of {} commit(s), not signed by an allowed signer ({}):{DELETE:#}",
        status.refused.len(),
        status.checked,
        status.allowed_signers.display()
    )?;
    for refused in &status.refused {
        writeln!(out, "  {refused}")?;
    }
    Ok(())
}

/// `signatures: 2 commit(s) since abc123 signed by alice@example.net, netsync@core-1`.
pub fn signatures_line(verified: &crate::trust::Verified) -> String {
    let mut signers: Vec<&str> = verified.commits.iter().map(|c| c.signer.as_str()).collect();
    signers.sort_unstable();
    signers.dedup();
    let range = match &verified.since {
        Some(since) => format!("since {}", &since[..12.min(since.len())]),
        None => "(the target alone: no sync point)".to_owned(),
    };
    match signers.is_empty() {
        true => format!("signatures: no new commit {range}"),
        false => format!(
            "signatures: {} commit(s) {range} signed by {} (allowed signers: {})",
            verified.commits.len(),
            signers.join(", "),
            verified.allowed_signers.display()
        ),
    }
}

/// `netsync persist`: one line per recorded key, then what happened, then the pushes.
pub fn write_persist(out: &mut impl Write, report: &PersistReport) -> io::Result<()> {
    for change in &report.changes {
        let (mark, style) = match change.action {
            Action::Add => ('+', ADD),
            Action::Change => ('~', CHANGE),
            Action::Delete => ('-', DELETE),
        };
        writeln!(
            out,
            "{style}{mark} {}{style:#}  ({})",
            change.key, change.path
        )?;
    }
    let counts = format!(
        "{} added, {} changed, {} deleted",
        report.count(Action::Add),
        report.count(Action::Change),
        report.count(Action::Delete)
    );
    match &report.commit {
        _ if report.dry_run && report.changes.is_empty() => writeln!(
            out,
            "dry run: nothing to persist (etcd revision {})",
            report.etcd_revision
        )?,
        _ if report.dry_run => writeln!(
            out,
            "dry run, nothing written: would commit {counts} on {} (etcd revision {})",
            report.branch, report.etcd_revision
        )?,
        Some(commit) => writeln!(
            out,
            "committed {} on {}: {counts} (etcd revision {})",
            &commit[..commit.len().min(12)],
            report.branch,
            report.etcd_revision
        )?,
        None => writeln!(
            out,
            "nothing to persist (etcd revision {})",
            report.etcd_revision
        )?,
    }
    if report.pending_in_git > 0 {
        writeln!(
            out,
            "{} key(s) changed in Git and not applied yet were left alone",
            report.pending_in_git
        )?;
    }
    if report.rebuilt > 0 {
        writeln!(
            out,
            "rebuilt {} time(s) on top of the primary remote, which had moved ahead",
            report.rebuilt
        )?;
    }
    for push in &report.pushes {
        let role = if push.primary { "primary" } else { "backup" };
        match &push.error {
            None => writeln!(out, "pushed to {} ({role})", push.remote)?,
            Some(err) => writeln!(
                out,
                "{DELETE}push to {} ({role}) failed: {err}{DELETE:#}",
                push.remote
            )?,
        }
    }
    for path in &report.removed_lock_files {
        writeln!(out, "removed stale lock file {path}")?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::{ApplyStep, PersistStep};

    fn sealed_secret(old: Option<&[u8]>, action: Action, class: Class) -> Change {
        Change {
            key: b"/net/s".to_vec(),
            action,
            path: Some("kv/s.age".into()),
            new_oid: Some(crate::git::blob_id(gix::hash::Kind::Sha1, b"ct")),
            old: old.map(<[u8]>::to_vec),
            new: None,
            expect_mod_revision: 3,
            secret: true,
            class,
            base_oid: None,
            base: None,
            apply: ApplyStep::Write,
            persist: PersistStep::Leave,
            sealed: Some(Sealed::NoIdentity),
        }
    }

    #[test]
    fn a_sealed_secret_reads_as_not_compared_or_of_unknown_size() {
        let mut out = Vec::new();
        let change = sealed_secret(Some(b"hunter2"), Action::Change, Class::GitOnly);
        write_change(&mut out, &change).unwrap();
        let mut drift = sealed_secret(Some(b"hunter2"), Action::Change, Class::EtcdOnly);
        drift.base_oid = drift.new_oid;
        write_drift(&mut out, &drift, true).unwrap();
        write_change(&mut out, &sealed_secret(None, Action::Add, Class::GitOnly)).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert_eq!(
            anstream::adapter::strip_str(&text).to_string(),
            "? change /net/s  (kv/s.age)\n\
             \x20   not compared: no identity to decrypt Git's age file (etcd holds 7 bytes)\n\
             ? changed in etcd /net/s  (kv/s.age)\n\
             \x20   not compared: no identity to decrypt Git's age file (etcd holds 7 bytes)\n\
             + add    /net/s  (kv/s.age)\n\
             \x20   secret added (size unknown: no identity)\n"
        );
        let mut out = Vec::new();
        let mut conflict = sealed_secret(Some(b"hunter2"), Action::Change, Class::Conflict);
        conflict.base_oid = Some(crate::git::blob_id(gix::hash::Kind::Sha1, b"ct0"));
        write_conflict(&mut out, &conflict, true).unwrap();
        let text = anstream::adapter::strip_str(&String::from_utf8(out).unwrap()).to_string();
        assert!(text.starts_with("? conflict        /net/s"), "{text}");
        assert!(
            text.contains("secret changed in Git (size unknown: no identity)\n"),
            "{text}"
        );
        assert!(
            text.contains("secret changed in etcd (now 7 bytes)\n"),
            "{text}"
        );
        assert!(
            text.ends_with(
                "not compared: no identity to decrypt Git's age file (etcd holds 7 bytes)\n"
            ),
            "{text}"
        );
    }

    #[test]
    fn control_characters_in_values_are_shown_escaped() {
        let mut out = Vec::new();
        write_values(
            &mut out,
            Some(b"user=alice\n"),
            Some(b"user=mallory\rserver=trusted\r\n\x1b[2Kclean\tok\n"),
            None,
        )
        .unwrap();
        let text = String::from_utf8(out).unwrap();
        // (similar splits lines at a lone `\r` too; each piece is escaped.)
        assert!(text.contains("+user=mallory\\r"), "{text}");
        assert!(text.contains("+server=trusted\\r"), "{text}");
        assert!(text.contains("+\\u{1b}[2Kclean\tok"), "{text}");
        assert!(!text.contains('\r'), "{text:?}");
        assert!(text.contains("-user=alice"), "{text}");
    }
}
