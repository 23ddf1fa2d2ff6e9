//! Saved plans, as Terraform saves them: `netsync diff --out PLAN` writes the plan it read
//! (every key that differs, its class, what apply would do and the `mod_revision` it saw,
//! with Git blob ids for new values, never a value, so no secret plaintext), and
//! `netsync apply --plan PLAN` carries out exactly that plan, refusing before any write when
//! the commit, the sync point or any key differs from what the plan saw.

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::git::ObjectId;
use crate::plan::{Action, Change, Class, Policy};
use crate::prepare::Prepared;
use crate::syncpoint::{key_text, oid_text};

/// Marks a file as a netsync plan.
const KIND: &str = "netsync-plan";
const FORMAT_VERSION: u32 = 1;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("cannot read the plan {path}")]
    Read {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{path} is not a netsync plan: {reason}")]
    NotAPlan { path: String, reason: String },
    #[error("cannot write the plan {path}")]
    Write {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("not saving the plan: {} secret(s) were not compared ({}), so it is not known whether they differ", keys.len(), keys.join(", "))]
    NotCompared { keys: Vec<String> },
}

/// The sync point a plan was made against.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct SeenSyncPoint {
    pub commit: String,
    /// The revision of the record (its key's `mod_revision`).
    pub recorded_at: i64,
}

/// One key that differs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct SavedKey {
    #[serde(with = "key_text")]
    #[schemars(with = "crate::syncpoint::key_text::Text")]
    pub key: Vec<u8>,
    pub class: Class,
    /// What apply does to etcd for this key (when `apply_writes`).
    pub action: Action,
    pub apply_writes: bool,
    /// The `mod_revision` the plan read in etcd (0: etcd lacked the key).
    pub mod_revision: i64,
    /// Blob id of Git's value (a secret's ciphertext); `null` when Git lacks the key.
    #[serde(with = "oid_text")]
    #[schemars(with = "Option<String>")]
    pub git: Option<ObjectId>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub secret: bool,
}

/// A plan as saved.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct SavedPlan {
    pub kind: String,
    pub format_version: u32,
    pub netsync_version: String,
    /// The commit the plan deploys (full id) and how it was asked for.
    pub commit: String,
    pub rev: String,
    pub cluster_id: String,
    /// The etcd revision the plan read at.
    pub etcd_revision: i64,
    pub sync_point: Option<SeenSyncPoint>,
    pub policy: Policy,
    /// Every key that differs, sorted.
    pub keys: Vec<SavedKey>,
}

fn saved(change: &Change) -> SavedKey {
    SavedKey {
        key: change.key.clone(),
        class: change.class,
        action: change.action,
        apply_writes: change.apply == crate::plan::ApplyStep::Write,
        mod_revision: change.expect_mod_revision,
        git: change.new_oid,
        secret: change.secret,
    }
}

impl SavedPlan {
    /// The plan `prepared` holds, classified under `policy`.
    pub fn of(prepared: &Prepared, policy: Policy) -> Self {
        let plan = &prepared.plan;
        let mut keys: Vec<SavedKey> = plan
            .changes
            .iter()
            .chain(&plan.kept)
            .chain(&plan.conflicts)
            .map(saved)
            .collect();
        keys.sort_by(|a, b| a.key.cmp(&b.key));
        Self {
            kind: KIND.to_owned(),
            format_version: FORMAT_VERSION,
            netsync_version: env!("CARGO_PKG_VERSION").to_owned(),
            commit: prepared.desired.revision.commit.to_string(),
            rev: prepared.desired.rev_name.clone(),
            cluster_id: format!("{:x}", prepared.cluster_id),
            etcd_revision: prepared.etcd_revision,
            sync_point: prepared.sync_point.as_ref().map(|p| SeenSyncPoint {
                commit: p.commit.clone(),
                recorded_at: p.recorded_at,
            }),
            policy,
            keys,
        }
    }

    /// [`SavedPlan::of`], for saving for review: refused when the comparison is incomplete (a
    /// secret not compared, [`crate::plan::Change::not_compared`]), since `apply --plan` would
    /// carry out a plan nobody could see whole.
    pub fn complete(prepared: &Prepared, policy: Policy) -> Result<Self, Error> {
        let plan = &prepared.plan;
        let mut keys: Vec<&Change> = plan
            .changes
            .iter()
            .chain(&plan.kept)
            .chain(&plan.conflicts)
            .filter(|c| c.not_compared().is_some())
            .collect();
        if !keys.is_empty() {
            keys.sort_by(|a, b| a.key.cmp(&b.key));
            return Err(Error::NotCompared {
                keys: keys
                    .into_iter()
                    .map(|c| crate::keypath::display_key(&c.key))
                    .collect(),
            });
        }
        Ok(Self::of(prepared, policy))
    }

    /// What differs between this plan (as saved) and `now` (the same plan made again), one
    /// line per difference; empty when `now` is exactly this plan.
    pub fn differences(&self, now: &SavedPlan) -> Vec<String> {
        let mut out = Vec::new();
        if self.commit != now.commit {
            out.push(format!(
                "the plan deploys commit {}, not {}",
                short(&self.commit),
                short(&now.commit)
            ));
        }
        if self.cluster_id != now.cluster_id {
            out.push(format!(
                "the plan was made against etcd cluster {}, this is cluster {}",
                self.cluster_id, now.cluster_id
            ));
        }
        if self.sync_point != now.sync_point {
            out.push("the sync point moved since the plan was made".to_owned());
        }
        if self.policy != now.policy {
            out.push("the plan was made with another --prefer/--force".to_owned());
        }
        let mut saved = self.keys.iter().peekable();
        let mut fresh = now.keys.iter().peekable();
        loop {
            match (saved.peek(), fresh.peek()) {
                (None, None) => break,
                (Some(s), Some(f)) if s.key == f.key => {
                    if s != f {
                        out.push(format!(
                            "{} changed since the plan was made ({})",
                            crate::keypath::display_key(&s.key),
                            what_changed(s, f)
                        ));
                    }
                    saved.next();
                    fresh.next();
                }
                (Some(s), f) if f.is_none_or(|f| s.key < f.key) => {
                    out.push(format!(
                        "{} is no longer different in etcd and Git, as the plan says",
                        crate::keypath::display_key(&s.key)
                    ));
                    saved.next();
                }
                (_, Some(f)) => {
                    out.push(format!(
                        "{} differs now and is not in the plan",
                        crate::keypath::display_key(&f.key)
                    ));
                    fresh.next();
                }
                (Some(_), None) => unreachable!("handled above"),
            }
        }
        out
    }

    pub fn to_json(&self) -> String {
        // A struct of strings, numbers and enums always serialises.
        serde_json::to_string_pretty(self).unwrap_or_default() + "\n"
    }

    /// Write the plan to `path` (through a temporary file, renamed into place).
    pub fn save(&self, path: &Path) -> Result<(), Error> {
        let failed = |source| Error::Write {
            path: path.display().to_string(),
            source,
        };
        let temp = path.with_extension("netsync-tmp");
        std::fs::write(&temp, self.to_json()).map_err(failed)?;
        std::fs::rename(&temp, path).map_err(failed)
    }

    pub fn load(path: &Path) -> Result<Self, Error> {
        let shown = path.display().to_string();
        let text = std::fs::read(path).map_err(|source| Error::Read {
            path: shown.clone(),
            source,
        })?;
        let plan: SavedPlan = serde_json::from_slice(&text).map_err(|err| Error::NotAPlan {
            path: shown.clone(),
            reason: err.to_string(),
        })?;
        if plan.kind != KIND || plan.format_version > FORMAT_VERSION {
            return Err(Error::NotAPlan {
                path: shown,
                reason: format!(
                    "kind {:?}, format_version {} (this netsync reads {KIND:?} up to {FORMAT_VERSION})",
                    plan.kind, plan.format_version
                ),
            });
        }
        Ok(plan)
    }
}

fn short(commit: &str) -> &str {
    &commit[..commit.len().min(12)]
}

/// How the plan reads a key: its class and what apply does, as the JSON says them.
fn label(key: &SavedKey) -> String {
    let name = |v: serde_json::Result<serde_json::Value>| {
        v.ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default()
    };
    let class = name(serde_json::to_value(key.class));
    match key.apply_writes {
        true => format!(
            "{class}, apply would {}",
            name(serde_json::to_value(key.action))
        ),
        false => format!("{class}, apply writes nothing"),
    }
}

fn what_changed(saved: &SavedKey, now: &SavedKey) -> String {
    let mut what = Vec::new();
    if saved.mod_revision != now.mod_revision {
        what.push(format!(
            "etcd mod_revision {} then, {} now",
            saved.mod_revision, now.mod_revision
        ));
    }
    if saved.git != now.git {
        what.push("Git's value".to_owned());
    }
    if saved.class != now.class
        || saved.action != now.action
        || saved.apply_writes != now.apply_writes
    {
        what.push(format!("{} then, {} now", label(saved), label(now)));
    }
    what.join("; ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(name: &str, rev: i64) -> SavedKey {
        SavedKey {
            key: name.as_bytes().to_vec(),
            class: Class::GitOnly,
            action: Action::Change,
            apply_writes: true,
            mod_revision: rev,
            git: None,
            secret: false,
        }
    }

    fn plan(keys: Vec<SavedKey>) -> SavedPlan {
        SavedPlan {
            kind: KIND.into(),
            format_version: 1,
            netsync_version: "0".into(),
            commit: "c".repeat(40),
            rev: "main".into(),
            cluster_id: "1".into(),
            etcd_revision: 5,
            sync_point: None,
            policy: Policy::Safe,
            keys,
        }
    }

    #[test]
    fn the_same_plan_has_no_differences_and_each_change_is_named() {
        let saved = plan(vec![key("/n/a", 3), key("/n/b", 4)]);
        let mut now = saved.clone();
        now.etcd_revision = 9;
        assert!(
            saved.differences(&now).is_empty(),
            "the read revision may move"
        );
        let now = plan(vec![key("/n/a", 7), key("/n/c", 4)]);
        let diffs = saved.differences(&now);
        assert_eq!(diffs.len(), 3, "{diffs:?}");
        assert!(diffs[0].contains("/n/a changed") && diffs[0].contains("3 then, 7 now"));
        assert!(diffs[1].contains("/n/b is no longer different"));
        assert!(diffs[2].contains("/n/c differs now and is not in the plan"));
        let back: SavedPlan = serde_json::from_str(&saved.to_json()).unwrap();
        assert_eq!(back, saved);
    }
}
