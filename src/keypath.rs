//! Key ↔ path bijection: how an etcd key under a managed prefix becomes a file path in Git.
//!
//! Only the *rest* of a key (the bytes after the mapping's etcd prefix) and the path *relative
//! to the mapping's folder* are handled here. Every byte string maps to exactly one path, and
//! `decode` accepts exactly the paths `encode` can produce (plus `x/%self` for a key without
//! children, since decode cannot see siblings).
//!
//! Rules, per `/`-separated segment of the key:
//! - bytes 0x00–0x1F, 0x7F, `%`, `\` and bytes outside valid UTF-8 become `%XX` (uppercase);
//! - a `.` is escaped (`%2E`) at the start of every path component, so `.`, `..`, `.git` can
//!   never appear, and as the dot of a trailing `.age`, so only secrets end in `.age`;
//! - an empty segment is the component `%`;
//! - an escaped segment longer than 250 bytes is cut into chunks, each non-final chunk ending in
//!   the marker `%+` (components stay ≤ 255 bytes, Linux NAME_MAX, even with `.age` appended);
//! - a key that has children is stored as `<key>/%self`, because Git cannot hold a file and a
//!   folder of the same name;
//! - a secret gets `.age` appended to its final component.
use std::fmt::Write as _;

use std::collections::BTreeSet;
use std::ops::Bound;

/// Longest escaped chunk in one component: leaves room for `%+` or `.age` within NAME_MAX.
const MAX_CHUNK: usize = 250;
/// Suffix of a non-final chunk of a long segment.
const CHUNK_MARKER: &str = "%+";
/// Component holding the value of a key that also has children.
const SELF_COMPONENT: &str = "%self";
/// Component standing for an empty segment (a lone `%` never results from escaping).
const EMPTY_COMPONENT: &str = "%";
/// Suffix of the file holding an encrypted (secret) value.
pub const SECRET_SUFFIX: &str = ".age";

const HEX: &[u8; 16] = b"0123456789ABCDEF";

/// Result of decoding a path: the key rest and whether the file holds a secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decoded {
    pub rest: Vec<u8>,
    pub secret: bool,
}

/// Why a path is not one `encode` could have produced.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    #[error("empty path: no key maps to it (the empty key is `%`)")]
    Empty,
    #[error("path {path:?} is not valid UTF-8")]
    NotUtf8 { path: String },
    #[error("path {path:?} has an empty component (leading, trailing or doubled `/`)")]
    EmptyComponent { path: String },
    #[error("path {path:?}: component {component:?} has a `%` not followed by two hex digits")]
    BadEscape { path: String, component: String },
    #[error("path {path:?}: component {component:?} has a lowercase hex escape")]
    LowercaseEscape { path: String, component: String },
    #[error("path {path:?}: component {component:?} starts with a literal `.` (must be `%2E`)")]
    LeadingDot { path: String, component: String },
    #[error(
        "path {path:?}: component {component:?} ends with a literal `.age`, \
         which only the suffix of a secret file may"
    )]
    AgeSuffix { path: String, component: String },
    #[error("path {path:?}: `%self` must be the last component and follow a key segment")]
    MisplacedSelf { path: String },
    #[error("path {path:?}: chunk {component:?} ends with `%+` but no continuation chunk follows")]
    DanglingChunk { path: String, component: String },
    #[error("path {path:?}: segment {found:?} is not in canonical form, expected {expected:?}")]
    NonCanonical {
        path: String,
        found: String,
        expected: String,
    },
}

/// Path (relative to the mapping folder) of the file holding key `rest`.
///
/// `has_children` must be true when another managed key starts with `rest + "/"`; see
/// [`has_children`] and [`encode_in`].
pub fn encode(rest: &[u8], has_children: bool, secret: bool) -> String {
    let mut components: Vec<String> = rest
        .split(|&b| b == b'/')
        .flat_map(segment_components)
        .collect();
    if has_children {
        components.push(SELF_COMPONENT.to_owned());
    }
    let mut path = components.join("/");
    if secret {
        path.push_str(SECRET_SUFFIX);
    }
    path
}

/// [`encode`] with `has_children` decided from the full set of managed key rests.
pub fn encode_in(keys: &BTreeSet<Vec<u8>>, rest: &[u8], secret: bool) -> String {
    encode(rest, has_children(keys, rest), secret)
}

/// Whether some key in `keys` starts with `rest + "/"`, in O(log n).
pub fn has_children(keys: &BTreeSet<Vec<u8>>, rest: &[u8]) -> bool {
    // Children are not necessarily adjacent to `rest` in byte order (`a`, `a!`, `a/b`), so
    // look at the first key at or after `rest/` instead.
    let mut prefix = Vec::with_capacity(rest.len() + 1);
    prefix.extend_from_slice(rest);
    prefix.push(b'/');
    keys.range::<[u8], _>((Bound::Included(prefix.as_slice()), Bound::Unbounded))
        .next()
        .is_some_and(|k| k.starts_with(&prefix))
}

/// Decode a Git tree path (bytes); non-UTF-8 paths are never produced by `encode`.
pub fn decode_bytes(path: &[u8]) -> Result<Decoded, Error> {
    match std::str::from_utf8(path) {
        Ok(p) => decode(p),
        Err(_) => Err(Error::NotUtf8 {
            path: String::from_utf8_lossy(path).into_owned(),
        }),
    }
}

/// Decode a path relative to the mapping folder back into the key rest.
pub fn decode(path: &str) -> Result<Decoded, Error> {
    if path.is_empty() {
        return Err(Error::Empty);
    }
    // A literal `.age` can only be the secret suffix: escaping turns every other one into
    // `%2Eage`, so stripping it first is unambiguous.
    let (body, secret) = match path.strip_suffix(SECRET_SUFFIX) {
        Some(body) => (body, true),
        None => (path, false),
    };
    let components: Vec<&str> = body.split('/').collect();
    let mut segments: Vec<Vec<u8>> = Vec::new();
    // Chunks (with their `%+` markers) of a long segment still waiting for its final chunk.
    let mut pending: Vec<&str> = Vec::new();
    for (i, &component) in components.iter().enumerate() {
        if component.is_empty() {
            return Err(Error::EmptyComponent {
                path: path.to_owned(),
            });
        }
        if component == SELF_COMPONENT || component == EMPTY_COMPONENT {
            if let Some(last) = pending.last() {
                return Err(dangling(path, last));
            }
        }
        if component == SELF_COMPONENT {
            if i + 1 != components.len() || segments.is_empty() {
                return Err(Error::MisplacedSelf {
                    path: path.to_owned(),
                });
            }
            continue;
        }
        if component == EMPTY_COMPONENT {
            segments.push(Vec::new());
            continue;
        }
        pending.push(component);
        if !component.ends_with(CHUNK_MARKER) {
            segments.push(decode_segment(path, &pending)?);
            pending.clear();
        }
    }
    if let Some(last) = pending.last() {
        return Err(dangling(path, last));
    }
    Ok(Decoded {
        rest: segments.join(&b'/'),
        secret,
    })
}

/// Error for a `%+` chunk that is not followed by a continuation chunk.
fn dangling(path: &str, chunk: &str) -> Error {
    Error::DanglingChunk {
        path: path.to_owned(),
        component: chunk.to_owned(),
    }
}

/// Components for one key segment: `%` if empty, else its escaped chunks with `%+` markers.
fn segment_components(segment: &[u8]) -> Vec<String> {
    if segment.is_empty() {
        return vec![EMPTY_COMPONENT.to_owned()];
    }
    // The dot of a trailing `.age` is always escaped, in folders too: otherwise plain
    // `backup.age/x` would need a folder where secret `backup` has its file `backup.age`.
    let age_dot = segment
        .ends_with(SECRET_SUFFIX.as_bytes())
        .then(|| segment.len() - 4);
    let mut chunks = Chunker::default();
    let mut pos = 0;
    for piece in segment.utf8_chunks() {
        for c in piece.valid().chars() {
            let must_escape = c.is_ascii_control()
                || c == '%'
                || c == '\\'
                || (c == '.' && (pos == 0 || Some(pos) == age_dot));
            chunks.push(if must_escape {
                Unit::Escape(c as u8)
            } else {
                Unit::Char(c)
            });
            pos += c.len_utf8();
        }
        for &b in piece.invalid() {
            chunks.push(Unit::Escape(b));
            pos += 1;
        }
    }
    chunks.finish()
}

/// One indivisible piece of an escaped segment; chunks are never cut inside one.
#[derive(Clone, Copy)]
enum Unit {
    Char(char),
    Escape(u8),
}

impl Unit {
    fn len(self) -> usize {
        match self {
            Unit::Char(c) => c.len_utf8(),
            Unit::Escape(_) => 3,
        }
    }
}

/// Greedy splitter of an escaped segment into chunks of at most `MAX_CHUNK` bytes.
#[derive(Default)]
struct Chunker {
    done: Vec<String>,
    current: String,
}

impl Chunker {
    fn push(&mut self, unit: Unit) {
        if !self.current.is_empty() && self.current.len() + unit.len() > MAX_CHUNK {
            self.done.push(std::mem::take(&mut self.current));
        }
        // Every chunk is a path component of its own, so it must not start with `.` either.
        let unit = match unit {
            Unit::Char('.') if self.current.is_empty() => Unit::Escape(b'.'),
            other => other,
        };
        match unit {
            Unit::Char(c) => self.current.push(c),
            Unit::Escape(b) => {
                self.current.push('%');
                self.current.push(char::from(HEX[usize::from(b >> 4)]));
                self.current.push(char::from(HEX[usize::from(b & 0xF)]));
            }
        }
    }

    fn finish(mut self) -> Vec<String> {
        for chunk in &mut self.done {
            chunk.push_str(CHUNK_MARKER);
        }
        self.done.push(self.current);
        self.done
    }
}

/// A component `encode` leaves as it is: at most one chunk of printable ASCII other than `%`
/// and `\` (the caller checks the leading dot and the `.age` ending).
fn plain_component(component: &str) -> bool {
    component.len() <= MAX_CHUNK
        && component
            .bytes()
            .all(|b| (0x20..0x7f).contains(&b) && b != b'%' && b != b'\\')
}

/// Decode the components of one segment (all but the last end in `%+`) and check that they
/// are exactly what `encode` produces for the result.
fn decode_segment(path: &str, components: &[&str]) -> Result<Vec<u8>, Error> {
    let err_component = |component: &str| (path.to_owned(), component.to_owned());
    let mut bytes = Vec::new();
    for (i, &component) in components.iter().enumerate() {
        let body = component.strip_suffix(CHUNK_MARKER).unwrap_or(component);
        if body.starts_with('.') {
            let (path, component) = err_component(component);
            return Err(Error::LeadingDot { path, component });
        }
        if i + 1 == components.len() && body.ends_with(SECRET_SUFFIX) {
            let (path, component) = err_component(component);
            return Err(Error::AgeSuffix { path, component });
        }
        // Plain printable ASCII without `%` or `\` in one component: what `encode` writes
        // for it is itself (the checks above ruled out a leading dot and a `.age` ending), so
        // there is nothing to unescape or compare. Most keys are like this.
        if components.len() == 1 && plain_component(body) {
            return Ok(body.as_bytes().to_vec());
        }
        unescape(body, &mut bytes).map_err(|lowercase| {
            let (path, component) = err_component(component);
            if lowercase {
                Error::LowercaseEscape { path, component }
            } else {
                Error::BadEscape { path, component }
            }
        })?;
    }
    // Catches everything else: needless escapes (`%41`), literal bytes that must be escaped,
    // valid UTF-8 written as escapes, and chunk boundaries other than the greedy ones.
    let expected = segment_components(&bytes);
    if expected
        .iter()
        .map(String::as_str)
        .ne(components.iter().copied())
    {
        return Err(Error::NonCanonical {
            path: path.to_owned(),
            found: components.join("/"),
            expected: expected.join("/"),
        });
    }
    Ok(bytes)
}

/// Append the bytes of `body` with `%XX` escapes resolved. `Err(true)` means a lowercase hex
/// escape, `Err(false)` any other malformed `%`.
fn unescape(body: &str, out: &mut Vec<u8>) -> Result<(), bool> {
    let mut bytes = body.bytes();
    while let Some(b) = bytes.next() {
        if b != b'%' {
            out.push(b);
            continue;
        }
        let hi = bytes.next().ok_or(false)?;
        let lo = bytes.next().ok_or(false)?;
        match (hex_value(hi), hex_value(lo)) {
            (Some(hi), Some(lo)) => out.push(hi << 4 | lo),
            _ if hi.is_ascii_hexdigit() && lo.is_ascii_hexdigit() => return Err(true),
            _ => return Err(false),
        }
    }
    Ok(())
}

/// Value of an uppercase hex digit.
fn hex_value(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// A key for people: valid UTF-8 as is, with `\\`, control characters and bytes that are not
/// UTF-8 escaped (`\xff`, `\n`), so that any key prints on one line and unambiguously.
pub fn display_key(key: &[u8]) -> String {
    let mut out = String::with_capacity(key.len());
    for chunk in key.utf8_chunks() {
        for c in chunk.valid().chars() {
            match c {
                '\\' => out.push_str("\\\\"),
                '\n' => out.push_str("\\n"),
                '\t' => out.push_str("\\t"),
                '\r' => out.push_str("\\r"),
                c if c.is_control() => {
                    let _ = write!(out, "\\u{{{:x}}}", c as u32);
                }
                c => out.push(c),
            }
        }
        for b in chunk.invalid() {
            let _ = write!(out, "\\x{b:02x}");
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_key_escapes_what_is_not_printable() {
        assert_eq!(display_key(b"/net/users/zo\xc3\xab"), "/net/users/zoë");
        assert_eq!(display_key(b"/net/\xff/a\nb\\c"), "/net/\\xff/a\\nb\\\\c");
        assert_eq!(display_key(b"\x00"), "\\u{0}");
    }
    use proptest::prelude::*;

    /// (rest, has_children, secret, path): the README table.
    fn examples() -> Vec<(Vec<u8>, bool, bool, String)> {
        let long = |n: usize| "a".repeat(n);
        let (a300, a250, a250_git) = (long(300), long(250), format!("{}.git", long(250)));
        let rows: Vec<(&[u8], bool, bool, String)> = vec![
            (
                b"users/alice/profile",
                false,
                false,
                "users/alice/profile".into(),
            ),
            ("zoë/straße".as_bytes(), false, false, "zoë/straße".into()),
            (b"a b:c*d", false, false, "a b:c*d".into()),
            (
                b"users/alice/password",
                false,
                true,
                "users/alice/password.age".into(),
            ),
            (b"a", true, false, "a/%self".into()),
            (b"a/b", false, false, "a/b".into()),
            (b"a", true, true, "a/%self.age".into()),
            (b"", false, false, "%".into()),
            (b"", false, true, "%.age".into()),
            (b"a//b", false, false, "a/%/b".into()),
            (b"a/", false, false, "a/%".into()),
            (b"/a", false, false, "%/a".into()),
            (b"/", false, false, "%/%".into()),
            (b".", false, false, "%2E".into()),
            (b"..", false, false, "%2E.".into()),
            (b".git/config", false, false, "%2Egit/config".into()),
            (b"v1.2", false, false, "v1.2".into()),
            (b"100%", false, false, "100%25".into()),
            (b"%self", false, false, "%25self".into()),
            (b"tab\there\n", false, false, "tab%09here%0A".into()),
            (b"nul\0", false, false, "nul%00".into()),
            (b"C:\\dir", false, false, "C:%5Cdir".into()),
            (b"\xff\xfe", false, false, "%FF%FE".into()),
            (b"caf\xc3", false, false, "caf%C3".into()),
            (b"backup.age", false, false, "backup%2Eage".into()),
            (b"backup.age", false, true, "backup%2Eage.age".into()),
            (b"backup.age/x", false, false, "backup%2Eage/x".into()),
            (b".age", false, false, "%2Eage".into()),
            (
                a300.as_bytes(),
                false,
                false,
                format!("{}%+/{}", long(250), long(50)),
            ),
            (a250.as_bytes(), false, false, long(250)),
            (
                a250_git.as_bytes(),
                false,
                false,
                format!("{}%+/%2Egit", long(250)),
            ),
        ];
        rows.into_iter()
            .map(|(r, h, s, p)| (r.to_vec(), h, s, p))
            .collect()
    }

    #[test]
    fn example_table() {
        for (rest, children, secret, path) in examples() {
            assert_eq!(encode(&rest, children, secret), path, "encode {rest:?}");
            let decoded = decode(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
            assert_eq!(decoded, Decoded { rest, secret }, "decode {path}");
        }
    }

    #[test]
    fn has_children_uses_range_not_adjacency() {
        let keys: BTreeSet<Vec<u8>> = [&b"a"[..], b"a!", b"a/b", b"b", b"b!"]
            .iter()
            .map(|k| k.to_vec())
            .collect();
        assert!(has_children(&keys, b"a"));
        assert!(!has_children(&keys, b"a!"));
        assert!(!has_children(&keys, b"b"));
        assert!(!has_children(&keys, b"a/b"));
        assert!(!has_children(&keys, b""));
        let with_root: BTreeSet<Vec<u8>> = [b"".to_vec(), b"/x".to_vec()].into();
        assert!(
            has_children(&with_root, b""),
            "`/x` is a child of the empty key"
        );
        assert_eq!(encode_in(&with_root, b"", false), "%/%self");
        assert_eq!(encode_in(&with_root, b"/x", false), "%/x");
        assert_eq!(encode_in(&keys, b"a", false), "a/%self");
    }

    #[test]
    fn self_without_children_is_accepted() {
        let decoded = decode("a/%self").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            decoded,
            Decoded {
                rest: b"a".to_vec(),
                secret: false
            }
        );
    }

    fn kind(path: &str) -> Error {
        match decode(path) {
            Ok(d) => panic!("{path:?} decoded to {d:?}"),
            Err(e) => e,
        }
    }

    #[test]
    fn decode_errors() {
        use Error as E;
        type IsKind = fn(&Error) -> bool;
        let cases: Vec<(&str, IsKind)> = vec![
            ("", |e| matches!(e, E::Empty)),
            ("a//b", |e| matches!(e, E::EmptyComponent { .. })),
            ("/a", |e| matches!(e, E::EmptyComponent { .. })),
            ("a/", |e| matches!(e, E::EmptyComponent { .. })),
            ("a/.age", |e| matches!(e, E::EmptyComponent { .. })),
            ("%2", |e| matches!(e, E::BadEscape { .. })),
            ("a%zz", |e| matches!(e, E::BadEscape { .. })),
            ("%se", |e| matches!(e, E::BadEscape { .. })),
            ("%é1", |e| matches!(e, E::BadEscape { .. })),
            ("%ff", |e| matches!(e, E::LowercaseEscape { .. })),
            ("%2e", |e| matches!(e, E::LowercaseEscape { .. })),
            (".git", |e| matches!(e, E::LeadingDot { .. })),
            ("..", |e| matches!(e, E::LeadingDot { .. })),
            (".age", |e| matches!(e, E::EmptyComponent { .. })),
            ("x.age/y", |e| matches!(e, E::AgeSuffix { .. })),
            ("x.age.age", |e| matches!(e, E::AgeSuffix { .. })),
            ("%self", |e| matches!(e, E::MisplacedSelf { .. })),
            ("%self.age", |e| matches!(e, E::MisplacedSelf { .. })),
            ("a/%self/b", |e| matches!(e, E::MisplacedSelf { .. })),
            ("a/%self/%self", |e| matches!(e, E::MisplacedSelf { .. })),
            ("a%+", |e| matches!(e, E::DanglingChunk { .. })),
            ("a%+.age", |e| matches!(e, E::DanglingChunk { .. })),
            ("a%+/%", |e| matches!(e, E::DanglingChunk { .. })),
            ("a%+/%self", |e| matches!(e, E::DanglingChunk { .. })),
            ("%41", |e| matches!(e, E::NonCanonical { .. })),
            ("%2Ea%2E", |e| matches!(e, E::NonCanonical { .. })),
            ("%C3%A9", |e| matches!(e, E::NonCanonical { .. })),
            ("a\tb", |e| matches!(e, E::NonCanonical { .. })),
            ("a\\b", |e| matches!(e, E::NonCanonical { .. })),
            ("a%+/b", |e| matches!(e, E::NonCanonical { .. })),
            ("%+/b", |e| matches!(e, E::NonCanonical { .. })),
        ];
        for (path, is_kind) in cases {
            let err = kind(path);
            assert!(is_kind(&err), "{path:?} gave {err:?}");
            // Messages name the offending path.
            assert!(
                path.is_empty() || err.to_string().contains(&format!("{path:?}")),
                "{err}"
            );
        }
        let too_long = format!("{}/x", "a".repeat(251));
        assert!(matches!(kind(&too_long), E::NonCanonical { .. }));
        assert!(matches!(decode_bytes(b"a\xff"), Err(E::NotUtf8 { .. })));
    }

    fn interesting_byte() -> impl Strategy<Value = u8> {
        prop_oneof![
            Just(b'/'),
            Just(b'.'),
            Just(b'%'),
            Just(0xff),
            Just(b'a'),
            Just(0),
            Just(b'\\'),
            Just(b'+'),
            Just(0xc3),
            Just(0xa9),
        ]
    }

    /// Key rests biased toward separators, dots, escapes, long runs and `.age` suffixes.
    fn rest_strategy() -> impl Strategy<Value = Vec<u8>> {
        let piece = prop_oneof![
            6 => interesting_byte().prop_map(|b| vec![b]),
            2 => any::<u8>().prop_map(|b| vec![b]),
            1 => (interesting_byte(), 1usize..300).prop_map(|(b, n)| vec![b; n]),
            1 => (1usize..130).prop_map(|n| "é".repeat(n).into_bytes()),
            1 => Just(b".age".to_vec()),
            1 => Just(b"self".to_vec()),
            1 => Just("😀".as_bytes().to_vec()),
        ];
        proptest::collection::vec(piece, 0..10).prop_map(|pieces| pieces.concat())
    }

    fn check_components(path: &str) -> Result<(), TestCaseError> {
        for component in path.split('/') {
            prop_assert!(!component.is_empty(), "empty component in {path:?}");
            prop_assert!(component.len() <= 255, "component too long in {path:?}");
            prop_assert!(!component.starts_with('.'), "leading dot in {path:?}");
        }
        Ok(())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        #[test]
        fn roundtrip(rest in rest_strategy(), children: bool, secret: bool) {
            let path = encode(&rest, children, secret);
            check_components(&path)?;
            prop_assert_eq!(path.ends_with(SECRET_SUFFIX), secret);
            prop_assert_ne!(&path, &encode(&rest, children, !secret));
            let decoded = decode_bytes(path.as_bytes());
            prop_assert_eq!(decoded, Ok(Decoded { rest, secret }), "path {:?}", path);
        }

        /// Whatever decode accepts is exactly what encode produces for the result.
        #[test]
        fn decode_is_strict(path in "([%+/.a2AEFCfsel]|%self|%2E|%+|\\.age){0,12}") {
            if let Ok(Decoded { rest, secret }) = decode(&path) {
                let body = path.strip_suffix(SECRET_SUFFIX).unwrap_or(&path);
                let children = body.ends_with(SELF_COMPONENT) && body.contains('/');
                prop_assert_eq!(encode(&rest, children, secret), path);
            }
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(1000))]

        /// Near-misses of valid paths (one character inserted, replaced or removed) are either
        /// rejected or are themselves exactly the encoding of what they decode to.
        #[test]
        fn mutated_paths_are_strict(
            rest in rest_strategy(),
            children: bool,
            secret: bool,
            at: prop::sample::Index,
            op in 0..3u8,
            c in prop::sample::select(vec!['%', '+', '/', '.', 'a', 'e', 'E', '2', 's', 'f']),
        ) {
            let mut path = encode(&rest, children, secret);
            let mut boundaries: Vec<usize> = path.char_indices().map(|(i, _)| i).collect();
            boundaries.push(path.len());
            let i = *at.get(&boundaries);
            match op {
                0 => path.insert(i, c),
                _ if i == path.len() => path.push(c),
                1 => { path.remove(i); path.insert(i, c); }
                _ => { path.remove(i); }
            }
            if let Ok(Decoded { rest, secret }) = decode(&path) {
                let body = path.strip_suffix(SECRET_SUFFIX).unwrap_or(&path);
                let children = body.ends_with(SELF_COMPONENT) && body.contains('/');
                prop_assert_eq!(encode(&rest, children, secret), path);
            }
        }
    }

    fn key_set_strategy() -> impl Strategy<Value = Vec<(Vec<u8>, bool)>> {
        let byte = prop_oneof![Just(b'a'), Just(b'/'), Just(b'.'), Just(b'%'), Just(0xff)];
        let key = prop_oneof![
            4 => proptest::collection::vec(byte, 0..6),
            1 => (0usize..3).prop_map(|n| [&b"a"[..], b".age", b"a.age/a", b"a/.age"][n].to_vec()),
        ];
        proptest::collection::btree_map(key, any::<bool>(), 0..30)
            .prop_map(|m| m.into_iter().collect())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(1000))]

        #[test]
        fn key_sets_form_valid_trees(keys in key_set_strategy()) {
            let set: BTreeSet<Vec<u8>> = keys.iter().map(|(k, _)| k.clone()).collect();
            let paths: Vec<String> =
                keys.iter().map(|(k, secret)| encode_in(&set, k, *secret)).collect();
            let files: BTreeSet<&str> = paths.iter().map(String::as_str).collect();
            prop_assert_eq!(files.len(), paths.len(), "duplicate paths: {:?}", paths);
            for (path, (key, secret)) in paths.iter().zip(&keys) {
                check_components(path)?;
                // No ancestor folder of this file may itself be a file.
                for (i, _) in path.match_indices('/') {
                    prop_assert!(!files.contains(&path[..i]), "{} is a file and folder", &path[..i]);
                }
                let decoded = decode(path);
                prop_assert_eq!(decoded, Ok(Decoded { rest: key.clone(), secret: *secret }));
            }
        }
    }
}
