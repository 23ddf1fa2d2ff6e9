//! Turn plain results (plans, reports) into human or JSON output. Nothing here decides
//! anything; it only formats.

pub mod history;
pub mod human;
pub mod json;
pub mod openmetrics;
pub mod schema;
pub mod settings;
pub mod verify;

use sha2::Digest;

/// `--output`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OutputFormat {
    #[default]
    Human,
    Json,
}

pub use crate::keypath::display_key;

/// Hex of the first 12 bytes of the SHA-256 of `data`: enough to tell values apart in a diff.
pub fn short_sha256(data: &[u8]) -> String {
    sha2::Sha256::digest(data)
        .iter()
        .take(12)
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Full hex SHA-256 of `data`.
pub fn sha256(data: &[u8]) -> String {
    sha2::Sha256::digest(data)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A unified diff of two text values (`None`: absent), or `None` when either is not UTF-8.
pub fn text_diff(old: Option<&[u8]>, new: Option<&[u8]>) -> Option<String> {
    labeled_diff(old, new, "etcd", "git")
}

/// [`text_diff`] from the value labelled `from` to the one labelled `to` (`sync-point`,
/// `git`, `etcd`): each side's change is shown in its own direction.
pub fn labeled_diff(
    old: Option<&[u8]>,
    new: Option<&[u8]>,
    from: &str,
    to: &str,
) -> Option<String> {
    let old = std::str::from_utf8(old.unwrap_or_default()).ok()?;
    let new = std::str::from_utf8(new.unwrap_or_default()).ok()?;
    Some(
        similar::TextDiff::from_lines(old, new)
            .unified_diff()
            .context_radius(3)
            .header(from, to)
            .to_string(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_diff_only_for_utf8() {
        assert!(text_diff(Some(b"a\n"), Some(b"b\n"))
            .unwrap()
            .contains("-a\n+b\n"));
        assert!(text_diff(Some(b"\xff"), Some(b"b")).is_none());
        assert!(text_diff(None, Some(b"new\n")).unwrap().contains("+new"));
    }
}
