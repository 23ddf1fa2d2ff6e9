//! Every JSON document netsync prints (format documented in docs/json.md; each has a JSON
//! Schema in docs/schemas/, generated from these types by [`super::schema`]).

use base64::Engine as _;
use schemars::JsonSchema;
use serde::Serialize;

use super::{display_key, labeled_diff, sha256, text_diff};
use crate::apply::ApplyReport;
use crate::plan::{Action, ApplyStep, Change, Class, PersistStep, Sealed, Side};
use crate::prepare::Prepared;

pub const FORMAT_VERSION: u32 = 1;

#[derive(Serialize, JsonSchema)]
pub struct ValueInfo {
    /// Absent only when `sealed`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub size: Option<usize>,
    /// A secret's value in Git, not decrypted (no identity): present, size unknown.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub sealed: bool,
    /// Absent for secrets (a hash of a low-entropy secret reveals it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sha256: Option<String>,
    /// Absent for secrets.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub binary: Option<bool>,
}

impl ValueInfo {
    fn of(data: &[u8], secret: bool) -> Self {
        if secret {
            return Self {
                size: Some(data.len()),
                sealed: false,
                sha256: None,
                binary: None,
            };
        }
        Self {
            size: Some(data.len()),
            sealed: false,
            sha256: Some(sha256(data)),
            binary: Some(std::str::from_utf8(data).is_err()),
        }
    }

    /// Git's value of a secret that was not decrypted: it exists, nothing more is known.
    fn sealed() -> Self {
        Self {
            size: None,
            sealed: true,
            sha256: None,
            binary: None,
        }
    }
}

#[derive(Serialize, JsonSchema)]
pub struct ChangeDoc {
    /// The change on `side`, in that side's own direction: for `git` what apply writes to
    /// etcd, for `etcd` what happened in etcd since the sync point (what persist records),
    /// for `both` Git's change (what `--prefer git` writes).
    pub action: Action,
    pub side: Side,
    /// What Git did since the sync point (for `unbased`: what apply would do); absent when
    /// Git did not change the key.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub git_action: Option<Action>,
    /// What etcd did since the sync point; absent when etcd did not change the key (or
    /// there is no sync point).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub etcd_action: Option<Action>,
    /// Printable form of the key (see `display_key`).
    pub key: String,
    /// The exact key bytes, base64 (standard alphabet, padded).
    pub key_base64: String,
    pub path: Option<String>,
    /// The value before and after `action`: for `etcd`, the sync point's value (Git's) and
    /// etcd's; otherwise etcd's and Git's.
    pub old: Option<ValueInfo>,
    pub new: Option<ValueInfo>,
    /// The sync point's value, for a conflict (absent when the key was not there, or secret).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub base: Option<ValueInfo>,
    /// Which side changed since the sync point: `unbased` (no sync point: etcd is made equal
    /// to Git), `git_only`, `etcd_only` (drift) or `conflict`.
    pub class: Class,
    /// What `apply` does with this key: `write` Git's value to etcd, `keep` etcd's (drift,
    /// or a conflict resolved for etcd), or `refuse` to run (a conflict, no side chosen).
    pub apply: ApplyStep,
    /// Whether `apply` writes this key: `apply` is `write`.
    pub apply_writes: bool,
    /// What `persist` does with this key: `record` etcd's value in Git, `leave` Git's (a
    /// change waiting for apply, or a conflict resolved for Git), or `refuse` to run.
    pub persist: PersistStep,
    /// The value is secret: only sizes are given, never content, hash or diff.
    pub redacted: bool,
    /// Why this secret was not compared (`no_identity`): Git's value was not decrypted and
    /// etcd holds one, so whether they differ is not known; counted as a difference.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub not_compared: Option<Sealed>,
    /// Unified diff from `old` to `new` when both are UTF-8 text and not secret; absent
    /// otherwise (and for conflicts, which have `git_diff` and `etcd_diff`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub diff: Option<String>,
    /// A conflict's change in Git: sync point → Git.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub git_diff: Option<String>,
    /// A conflict's change in etcd: sync point → etcd.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub etcd_diff: Option<String>,
}

impl ChangeDoc {
    pub fn of(change: &Change, with_diff: bool) -> Self {
        let (etcd, git) = (change.old.as_deref(), change.new.as_deref());
        let side = change.side();
        let (action, old, new) = change.in_own_direction();
        let shown = with_diff && !change.secret;
        let base = change.base.as_deref();
        let sealed = || change.sealed.map(|_| ValueInfo::sealed());
        Self {
            action,
            side,
            git_action: change.git_action(),
            etcd_action: change.etcd_action(),
            key: display_key(&change.key),
            key_base64: base64::engine::general_purpose::STANDARD.encode(&change.key),
            path: change.path.clone(),
            old: old.map(|v| ValueInfo::of(v, change.secret)).or_else(|| {
                // Drift reads from Git's value: sealed when it was not decrypted.
                (side == Side::Etcd).then(sealed).flatten()
            }),
            new: new
                .map(|v| ValueInfo::of(v, change.secret))
                .or_else(|| (side != Side::Etcd).then(sealed).flatten()),
            base: base.map(|v| ValueInfo::of(v, change.secret)),
            class: change.class,
            apply: change.apply,
            apply_writes: change.apply == ApplyStep::Write,
            persist: change.persist,
            redacted: change.secret,
            not_compared: change.not_compared(),
            diff: match side {
                _ if !shown => None,
                Side::Etcd => labeled_diff(old, new, "sync-point", "etcd"),
                Side::Git => text_diff(old, new),
                Side::Both => None,
            },
            git_diff: (shown && side == Side::Both)
                .then(|| labeled_diff(base, git, "sync-point", "git"))
                .flatten(),
            etcd_diff: (shown && side == Side::Both)
                .then(|| labeled_diff(base, etcd, "sync-point", "etcd"))
                .flatten(),
        }
    }
}

#[derive(Serialize, JsonSchema)]
pub struct Summary {
    pub add: usize,
    pub change: usize,
    pub delete: usize,
    pub unchanged: usize,
    /// Keys attached to a lease: runtime state, left alone.
    pub leased: usize,
    /// Keys matching an ephemeral pattern, left alone.
    pub ephemeral: usize,
    /// Keys changed only in etcd since the sync point: apply leaves them alone.
    pub drift: usize,
    /// Keys changed on both sides since the sync point, to different values.
    pub conflict: usize,
    /// Secrets not compared (no identity), among the keys counted above: may differ.
    pub not_compared: usize,
}

#[derive(Serialize, JsonSchema)]
pub struct Document<'a> {
    pub format_version: u32,
    pub command: &'a str,
    /// Full id of the Git commit compared.
    pub commit: String,
    /// The revision as asked for (`main`, `HEAD~1`, ...).
    pub rev: &'a str,
    pub etcd_revision: i64,
    pub cluster_id: String,
    pub summary: Summary,
    pub changes: Vec<ChangeDoc>,
    /// Every guard's verdict on the plan.
    pub guards: &'a crate::plan::Guards,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub apply: Option<&'a ApplyReport>,
    /// `diff` with allowed signers: whom each commit to deploy is signed by, or what apply
    /// would refuse (`apply` reports its check in `apply.signatures`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub signatures: Option<&'a crate::trust::Status>,
}

/// The document for `diff` (`report` is `None`) or `apply`.
pub fn document<'a>(
    command: &'a str,
    prepared: &'a Prepared,
    report: Option<&'a ApplyReport>,
) -> Document<'a> {
    let plan = &prepared.plan;
    Document {
        format_version: FORMAT_VERSION,
        command,
        commit: prepared.desired.revision.commit.to_string(),
        rev: &prepared.desired.rev_name,
        etcd_revision: prepared.etcd_revision,
        cluster_id: format!("{:x}", prepared.cluster_id),
        summary: Summary {
            add: plan.count(Action::Add),
            change: plan.count(Action::Change),
            delete: plan.count(Action::Delete),
            unchanged: plan.unchanged,
            leased: plan.leased.len(),
            ephemeral: plan.ephemeral_in_etcd,
            drift: plan.kept.len(),
            conflict: plan.conflicts.len(),
            not_compared: plan.not_compared(),
        },
        changes: {
            let mut all: Vec<&Change> = plan
                .changes
                .iter()
                .chain(&plan.kept)
                .chain(&plan.conflicts)
                .collect();
            all.sort_by(|a, b| a.key.cmp(&b.key));
            all.into_iter()
                .map(|c| ChangeDoc::of(c, report.is_none()))
                .collect()
        },
        guards: &plan.guards,
        apply: report,
        signatures: None,
    }
}

/// A document of any command but `diff` and `apply`: the common head, then the command's own
/// fields.
#[derive(Serialize, JsonSchema)]
pub struct Envelope<T> {
    /// The format of this document. Within one format version, fields are only ever added.
    pub format_version: u32,
    /// The command that printed it (`persist`, `secret rekey`, ...).
    pub command: &'static str,
    #[serde(flatten)]
    pub body: T,
}

impl<T> Envelope<T> {
    pub fn new(command: &'static str, body: T) -> Self {
        Self {
            format_version: FORMAT_VERSION,
            command,
            body,
        }
    }
}

/// `persist`: what it did, or who held the lock.
#[derive(Serialize, JsonSchema)]
pub struct PersistBody<'a> {
    /// True when another run held the lock: then `holder` replaces `persist` and nothing was
    /// done.
    pub busy: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub holder: Option<&'a crate::lock::Holder>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub persist: Option<&'a crate::persist::PersistReport>,
}

/// `restore`.
#[derive(Serialize, JsonSchema)]
pub struct RestoreBody<'a> {
    pub restore: &'a crate::restore::RestoreReport,
}

/// `status`.
#[derive(Serialize, JsonSchema)]
pub struct StatusBody<'a> {
    pub status: &'a crate::status::Status,
}

/// `verify`: the drill of every remote.
#[derive(Serialize, JsonSchema)]
pub struct VerifyBody<'a> {
    pub verify: &'a crate::verify::Verification,
}

/// `secret audit`.
#[derive(Serialize, JsonSchema)]
pub struct AuditBody<'a> {
    pub audit: &'a crate::secrets::AuditReport,
}

/// `watch`: one document per event, one per line.
#[derive(Serialize, JsonSchema)]
pub struct WatchBody<'a> {
    pub event: &'a crate::watch::Event,
}

/// `secret rekey`.
#[derive(Serialize, JsonSchema)]
pub struct RekeyBody<'a> {
    pub rekey: &'a crate::secrets::RekeyReport,
}

/// `init`: its report, at the top level.
#[derive(Serialize, JsonSchema)]
pub struct InitBody<'a> {
    #[serde(flatten)]
    pub init: &'a crate::init::InitReport,
}

/// What any command prints instead of its own document when it fails with `--output json`.
#[derive(Serialize, JsonSchema)]
pub struct ErrorBody {
    pub error: ErrorInfo,
}

#[derive(Serialize, JsonSchema)]
pub struct ErrorInfo {
    /// A stable name for the kind of failure (`etcd_unavailable`, `conflict`, ...).
    pub kind: &'static str,
    /// The `error:` line.
    pub message: String,
    /// The `caused by:` lines that are not part of the message.
    pub causes: Vec<String>,
    /// The `hint:` lines.
    pub hints: Vec<String>,
    /// The process's exit code.
    pub exit_code: i32,
}

/// Write `doc` as pretty-printed JSON followed by a newline.
pub fn write(out: &mut impl std::io::Write, doc: &impl Serialize) -> std::io::Result<()> {
    // `From` keeps an I/O error's kind (a closed pipe stays `BrokenPipe`, a clean exit).
    serde_json::to_writer_pretty(&mut *out, doc).map_err(std::io::Error::from)?;
    writeln!(out)
}
