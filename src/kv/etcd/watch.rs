//! etcd watches, for `netsync watch`: the events under a set of key ranges from a revision
//! on, on a connection of their own that requires a leader (a member cut off from the
//! quorum cancels the watch instead of going quiet), opened again on the next member when
//! the one in use dies or hangs. Values are dropped as they arrive: a watcher needs to know
//! that and where something changed, and reads the values itself, at one revision.

use std::time::Duration;

use etcd_client::{EventType, WatchOptions, WatchStream};

use super::{chain, EtcdKv, MAX_DECODING_BYTES};
use crate::kv::connect::Dialer;
use crate::kv::{Error, Result};

/// One change under a watched range.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WatchEvent {
    pub key: Vec<u8>,
    /// A delete (else a put).
    pub deleted: bool,
    /// The lease a put attached the key to (0: none).
    pub lease: i64,
    /// The revision of the change.
    pub mod_revision: i64,
}

/// What a watch said.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WatchMessage {
    /// Changes, and the store's revision when they were sent.
    Events {
        revision: i64,
        events: Vec<WatchEvent>,
    },
    /// Nothing changed under the ranges up to `revision` (a progress notification, or the
    /// answer to the watch's creation).
    Progress { revision: i64 },
    /// The revision asked for is compacted: the changes since it are lost to the watch. The
    /// watch is closed; open it again from `compact_revision` at the earliest.
    Compacted { compact_revision: i64 },
}

/// A watch of key ranges that reconnects on demand.
pub struct Watcher {
    dialer: Dialer,
    ranges: Vec<(Vec<u8>, Vec<u8>)>,
    stream: Option<WatchStream>,
    timeout: Duration,
    endpoints: String,
}

impl EtcdKv {
    /// A watcher of `ranges` (`[key, range_end)`, as etcd takes them), not opened yet.
    pub fn watcher(&self, ranges: Vec<(Vec<u8>, Vec<u8>)>) -> Watcher {
        Watcher {
            dialer: self.dialer.requiring_leader(),
            ranges,
            stream: None,
            timeout: self.settings.dial_timeout + self.settings.command_timeout,
            endpoints: self.settings.endpoints.join(","),
        }
    }
}

impl Watcher {
    /// (Re)open the watch from `revision` (inclusive), on the next member when `move_on`
    /// (the one in use stopped answering).
    pub async fn open(&mut self, revision: i64, move_on: bool) -> Result<()> {
        self.stream = None;
        let unreachable = |reason: String| Error::Unreachable {
            endpoints: self.endpoints.clone(),
            reason,
        };
        let opening = async {
            let client = self.dialer.client(move_on).await?;
            let mut watch = client
                .watch_client()
                .max_decoding_message_size(MAX_DECODING_BYTES);
            let options = |end: &[u8]| {
                WatchOptions::new()
                    .with_range(end.to_vec())
                    .with_start_revision(revision)
                    .with_progress_notify()
            };
            let Some(((first, end), rest)) = self.ranges.split_first() else {
                return Err(etcd_client::Error::WatchError(
                    "nothing to watch".to_owned(),
                ));
            };
            let mut stream = watch.watch(first.clone(), Some(options(end))).await?;
            for (key, end) in rest {
                stream.watch(key.clone(), Some(options(end))).await?;
            }
            Ok(stream)
        };
        match tokio::time::timeout(self.timeout, opening).await {
            Ok(Ok(stream)) => {
                self.stream = Some(stream);
                Ok(())
            }
            Ok(Err(err)) => Err(unreachable(chain(&err))),
            Err(_) => Err(unreachable(format!("no answer within {:?}", self.timeout))),
        }
    }

    /// The next message; `Ok(None)` when the stream ended (the member went away) or was
    /// never opened: open it again from the revision after the last one seen.
    pub async fn next(&mut self) -> Result<Option<WatchMessage>> {
        let Some(stream) = self.stream.as_mut() else {
            return Ok(None);
        };
        loop {
            let response = match stream.message().await {
                Ok(Some(response)) => response,
                Ok(None) => {
                    self.stream = None;
                    return Ok(None);
                }
                Err(err) => {
                    self.stream = None;
                    return Err(Error::Unreachable {
                        endpoints: self.endpoints.clone(),
                        reason: chain(&err),
                    });
                }
            };
            let revision = response.header().map_or(0, |h| h.revision());
            if response.canceled() {
                self.stream = None;
                if response.compact_revision() > 0 {
                    return Ok(Some(WatchMessage::Compacted {
                        compact_revision: response.compact_revision(),
                    }));
                }
                // No leader, or the server gave up on a slow watcher: open it again.
                tracing::debug!(reason = response.cancel_reason(), "the watch was cancelled");
                return Ok(None);
            }
            if response.events().is_empty() {
                if revision > 0 {
                    return Ok(Some(WatchMessage::Progress { revision }));
                }
                continue;
            }
            let events = response
                .events()
                .iter()
                .filter_map(|event| {
                    let kv = event.kv()?;
                    Some(WatchEvent {
                        key: kv.key().to_vec(),
                        deleted: event.event_type() == EventType::Delete,
                        lease: kv.lease(),
                        mod_revision: kv.mod_revision(),
                    })
                })
                .collect();
            return Ok(Some(WatchMessage::Events { revision, events }));
        }
    }
}
