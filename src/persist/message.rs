//! The commit message of a persist: a summary, what changed, and trailers that record the
//! sync point in Git too.

use std::fmt::Write as _;

use super::KeyChange;
use crate::adopt;
use crate::plan::Action;

/// Keys listed in the message body; the rest are counted.
const LISTED_KEYS: usize = 20;

/// What the message says besides the changes.
#[derive(Debug, Clone)]
pub struct Meta {
    /// User-chosen summary line.
    pub summary: Option<String>,
    pub revision: i64,
    pub cluster_id: u64,
    pub member_id: u64,
    /// The sync point the commit is built on ([`crate::adopt::built_on`]), if any: with the
    /// revision, what lets a later run adopt the commit if this one never records it.
    pub built_on: Option<String>,
}

pub fn compose(meta: &Meta, changes: &[KeyChange]) -> String {
    let count = |a: Action| changes.iter().filter(|c| c.action == a).count();
    let (added, changed, deleted) = (
        count(Action::Add),
        count(Action::Change),
        count(Action::Delete),
    );
    let mut counts = Vec::new();
    for (n, word) in [(added, "added"), (changed, "changed"), (deleted, "deleted")] {
        if n > 0 {
            counts.push(format!("{n} {word}"));
        }
    }
    let counts = counts.join(", ");
    let summary = match &meta.summary {
        Some(s) if !s.trim().is_empty() => s.trim().lines().next().unwrap_or_default().to_owned(),
        _ => format!("Persist etcd revision {}: {counts}", meta.revision),
    };
    let mut text = format!(
        "{summary}\n\nRecorded from etcd at revision {}: {counts}.\n\n",
        meta.revision
    );
    for change in changes.iter().take(LISTED_KEYS) {
        let word = match change.action {
            Action::Add => "added",
            Action::Change => "changed",
            Action::Delete => "deleted",
        };
        let _ = writeln!(text, "  {word:<8} {}", change.key);
    }
    if changes.len() > LISTED_KEYS {
        let _ = writeln!(text, "  ... and {} more", changes.len() - LISTED_KEYS);
    }
    let host = gethostname::gethostname().to_string_lossy().into_owned();
    let _ = write!(
        text,
        "\n{}: {}\n{}: {:x}\nNetsync-Member-Id: {:x}\nNetsync-Host: {host}\nNetsync-Version: {}\n",
        adopt::REVISION_TRAILER,
        meta.revision,
        adopt::CLUSTER_TRAILER,
        meta.cluster_id,
        meta.member_id,
        env!("CARGO_PKG_VERSION"),
    );
    if let Some(point) = &meta.built_on {
        let _ = writeln!(text, "{}: {point}", adopt::TRAILER);
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn change(key: &str, action: Action) -> KeyChange {
        KeyChange {
            key: key.to_owned(),
            action,
            path: String::new(),
        }
    }

    #[test]
    fn message_has_counts_keys_and_trailers() {
        let meta = Meta {
            summary: None,
            revision: 42,
            cluster_id: 0xabc,
            member_id: 0xdef,
            built_on: Some("c0ffee@17".into()),
        };
        let mut changes = vec![
            change("/n/a", Action::Add),
            change("/n/\\xff", Action::Delete),
        ];
        changes.extend((0..25).map(|i| change(&format!("/n/c{i}"), Action::Change)));
        let text = compose(&meta, &changes);
        assert!(
            text.starts_with("Persist etcd revision 42: 1 added, 25 changed, 1 deleted\n\n"),
            "{text}"
        );
        assert!(text.contains("  added    /n/a\n"), "{text}");
        assert!(text.contains("  ... and 7 more\n"), "{text}");
        assert!(
            text.contains(
                "\nNetsync-Etcd-Revision: 42\nNetsync-Cluster-Id: abc\nNetsync-Member-Id: def\n"
            ),
            "{text}"
        );
        assert!(
            text.ends_with("\nNetsync-Sync-Point: c0ffee@17\n"),
            "{text}"
        );
        let custom = Meta {
            summary: Some("rotate keys\nmore".into()),
            ..meta
        };
        assert!(compose(&custom, &changes).starts_with("rotate keys\n\n"));
    }
}
