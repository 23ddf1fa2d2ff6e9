//! What an etcd user may write, from its roles' permissions as etcd's auth API lists them:
//! checked for every key of a run before its first write, so that a user whose role covers
//! only part of a prefix gets a list of the keys it may not write instead of a half-written
//! run and a bare "permission denied".

/// The key ranges a user may write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Grants {
    /// The `root` role: everything.
    All,
    /// `[start, end)` ranges; an empty `end` is the single key `start`, `end == [0]` every key
    /// from `start` on (etcd's encodings).
    Ranges(Vec<(Vec<u8>, Vec<u8>)>),
}

/// etcd's permission types (`authpb.Permission.Type`).
const WRITE: i32 = 1;
const READWRITE: i32 = 2;

impl Grants {
    /// From the permissions of every role of the user: `(type, key, range_end)`.
    pub fn from_permissions(
        roles: &[String],
        permissions: impl IntoIterator<Item = (i32, Vec<u8>, Vec<u8>)>,
    ) -> Self {
        if roles.iter().any(|r| r == "root") {
            return Grants::All;
        }
        Grants::Ranges(
            permissions
                .into_iter()
                .filter(|(kind, _, _)| *kind == WRITE || *kind == READWRITE)
                .map(|(_, key, end)| (key, end))
                .collect(),
        )
    }

    /// Whether the user may write `key`.
    pub fn may_write(&self, key: &[u8]) -> bool {
        match self {
            Grants::All => true,
            Grants::Ranges(ranges) => ranges.iter().any(|(start, end)| match end.as_slice() {
                [] => key == start.as_slice(),
                [0] => key >= start.as_slice(),
                end => key >= start.as_slice() && key < end,
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn perm(kind: i32, key: &str, end: &[u8]) -> (i32, Vec<u8>, Vec<u8>) {
        (kind, key.as_bytes().to_vec(), end.to_vec())
    }

    #[test]
    fn write_needs_a_write_range_covering_the_key() {
        let grants = Grants::from_permissions(
            &["part".to_owned()],
            [
                perm(0, "/net/", b"/net0"),
                perm(READWRITE, "/net/a/", b"/net/a0"),
                perm(WRITE, "/net/one", b""),
                perm(WRITE, "/z", &[0]),
            ],
        );
        assert!(grants.may_write(b"/net/a/k1"));
        assert!(!grants.may_write(b"/net/a0"), "range end is exclusive");
        assert!(!grants.may_write(b"/net/b/k1"), "read only");
        assert!(grants.may_write(b"/net/one"));
        assert!(!grants.may_write(b"/net/one/more"), "a single key");
        assert!(grants.may_write(b"/zzz"), "from key on");
        assert!(!grants.may_write(b"/y"));
    }

    #[test]
    fn root_may_write_everything() {
        let grants = Grants::from_permissions(&["root".to_owned()], []);
        assert!(grants.may_write(b"/anything"));
    }
}
