//! The encoded size of netsync's etcd requests, from etcd's `rpc.proto` and `raft_internal.proto`,
//! so that batches fill etcd's `--max-request-bytes` and a value etcd accepted is never
//! refused by a guessed headroom.
//!
//! etcd compares its limit with the marshalled `InternalRaftRequest`: the client's
//! `TxnRequest` plus a header (request id, user name, auth revision). Protobuf sizes are
//! simple: a field is its tag, then a varint, or a varint length and the bytes. Fields whose
//! value is the proto3 default are left out by the encoder; counting them anyway keeps every
//! figure here an upper bound by a few bytes, never an underestimate.

use super::{Fence, Guarded};

/// The bytes a varint of `value` takes.
pub fn varint(value: u64) -> usize {
    (64 - (value | 1).leading_zeros() as usize).div_ceil(7)
}

/// A length-delimited field (bytes, string, message) with a one-byte tag.
fn delimited(len: usize) -> usize {
    1 + varint(len as u64) + len
}

/// A varint field with a one-byte tag (int64 revisions and lease ids as etcd sends them).
fn number(value: i64) -> usize {
    1 + varint(value as u64)
}

/// `Compare { result, target, key, <target value> }`, as a repeated entry of `TxnRequest`.
fn compare(key_len: usize, value: i64) -> usize {
    // result (enum) + target (enum) + key + the compared number.
    delimited(2 + 2 + delimited(key_len) + number(value))
}

/// One guarded operation's share of a `TxnRequest`: its compare (`mod_revision`) and its
/// `RequestOp` (a `PutRequest { key, value }` or a `DeleteRangeRequest { key }`).
pub fn guarded(op: &Guarded<'_>) -> usize {
    write(
        op.key.len(),
        op.value.map(<[u8]>::len),
        op.expect_mod_revision,
    )
}

/// [`guarded`] from sizes: a key of `key_len` bytes, a value of `value_len` (`None`: a
/// delete), guarded on `mod_revision` (-1 for "not known yet": the largest).
pub fn write(key_len: usize, value_len: Option<usize>, mod_revision: i64) -> usize {
    let request = match value_len {
        Some(len) => delimited(delimited(key_len) + delimited(len)),
        None => delimited(delimited(key_len)),
    };
    compare(key_len, mod_revision) + delimited(request)
}

/// The fence's share of a `TxnRequest`: one more compare, on the lock key's lease.
pub fn fence(fence: &Fence<'_>) -> usize {
    compare(fence.key.len(), fence.lease)
}

/// The fence's share before the lease is known: the largest a lease id can take.
pub fn fence_for_key(lock_key_len: usize) -> usize {
    compare(lock_key_len, -1)
}

/// The request one fenced write of `op` makes alone, before the lease is known, envelope
/// excluded: what must fit for `op` to be written at all.
pub fn alone(op: &Guarded<'_>, lock_key_len: usize) -> usize {
    guarded(op) + fence_for_key(lock_key_len)
}

/// What etcd adds around a `TxnRequest` before it compares the size with its limit:
/// `InternalRaftRequest { header { ID, username, auth_revision }, ID, txn }`, counted at
/// their largest (10-byte varints), for a user name of `user_len` bytes.
pub fn envelope(user_len: usize) -> usize {
    let header = number(-1) + delimited(user_len) + number(-1);
    // The header's tag (field 100) takes two bytes; the txn's length varint up to four.
    2 + varint(header as u64) + header + number(-1) + 1 + 4
}

/// The encoded size of a `TxnRequest` of `ops`, fenced or not.
pub fn txn(ops: &[Guarded<'_>], fence: Option<&Fence<'_>>) -> usize {
    ops.iter().map(guarded).sum::<usize>() + fence.map_or(0, self::fence)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn varints_take_seven_bits_a_byte() {
        assert_eq!(varint(0), 1);
        assert_eq!(varint(127), 1);
        assert_eq!(varint(128), 2);
        assert_eq!(varint(16_383), 2);
        assert_eq!(varint(16_384), 3);
        assert_eq!(varint(u64::MAX), 10);
        assert_eq!(varint(-1i64 as u64), 10);
    }

    #[test]
    fn a_put_costs_its_key_twice_its_value_and_a_few_bytes_of_framing() {
        let value = vec![0u8; 99_000];
        let op = Guarded {
            key: b"/net/big",
            value: Some(&value),
            expect_mod_revision: 12,
        };
        let size = guarded(&op);
        assert!(size > 99_000 + 2 * 8, "{size}");
        assert!(
            size <= 99_000 + 2 * 8 + 32,
            "within a few bytes of framing: {size}"
        );
        let delete = Guarded { value: None, ..op };
        assert!(guarded(&delete) < 2 * 8 + 20);
        let fence_key = b"/netsync/lock/0123456789abcdef";
        let f = Fence {
            key: fence_key,
            lease: 7_587_889_041_398_040_000,
        };
        assert!(fence(&f) <= fence_for_key(fence_key.len()));
        assert_eq!(
            txn(&[op, delete], Some(&f)),
            size + guarded(&delete) + fence(&f)
        );
        assert!(envelope(0) < 64 && envelope(8) == envelope(0) + 8);
    }
}
