//! Compare the desired state with etcd and decide what to write: a [`Plan`] is plain data
//! that can be printed, tested and serialised before anything is written.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::desired::DesiredEntry;
use crate::git::ObjectId;
use crate::kv::KeyValue;
use crate::syncpoint::{SyncPoint, Unsettled};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Action {
    Add,
    Change,
    Delete,
}

/// One key to write or delete. `Debug` never shows the values of a secret.
#[derive(Clone, PartialEq, Eq)]
pub struct Change {
    pub key: Vec<u8>,
    pub action: Action,
    /// The file in Git (for add and change).
    pub path: Option<String>,
    /// Blob id of the desired value (for add and change).
    pub new_oid: Option<ObjectId>,
    /// The value etcd holds now (for change and delete).
    pub old: Option<Vec<u8>>,
    /// The desired value, loaded before the first write (for add and change).
    pub new: Option<Vec<u8>>,
    /// The `mod_revision` the write is guarded on (0: the key must not exist).
    pub expect_mod_revision: i64,
    /// The value is secret (an age file in Git, or a key matching `secrets.keys`): it is never
    /// shown, hashed or logged, only its size.
    pub secret: bool,
    /// Which side changed since the sync point ([`assess`]).
    pub class: Class,
    /// Blob id at the sync point's commit (`None`: absent there, or no base).
    pub base_oid: Option<ObjectId>,
    /// The sync point's value, loaded only to show a conflict (never for a secret).
    pub base: Option<Vec<u8>>,
    /// What `apply` does with this key ([`Class::steps`]).
    pub apply: ApplyStep,
    /// What `persist` does with this key ([`Class::steps`]).
    pub persist: PersistStep,
    /// Git's value is a secret left sealed (its age file not decrypted), and why: then `new`
    /// is `None` although Git has the key (`new_oid`). See [`Change::not_compared`].
    pub sealed: Option<Sealed>,
}

/// Why a secret's value in Git was not decrypted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Sealed {
    /// No identity at all (`diff` without a private key shows what it can).
    NoIdentity,
}

/// Which side changed a key since the sync point, and so in whose direction it reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Side {
    /// Git (`git_only`), or no sync point to tell (`unbased`: apply makes etcd equal to Git).
    Git,
    /// etcd alone (`etcd_only`, drift).
    Etcd,
    /// Both (`conflict`).
    Both,
}

impl Change {
    pub fn side(&self) -> Side {
        match self.class {
            Class::EtcdOnly => Side::Etcd,
            Class::Conflict => Side::Both,
            Class::Same | Class::GitOnly | Class::Unbased => Side::Git,
        }
    }

    /// The change in its side's own direction: the action and the values before and after
    /// it. Drift reads as what happened in etcd, from the sync point's value (which Git still
    /// holds) to etcd's; anything else as what apply writes, from etcd's value to Git's.
    pub fn in_own_direction(&self) -> (Action, Option<&[u8]>, Option<&[u8]>) {
        let (etcd, git) = (self.old.as_deref(), self.new.as_deref());
        match self.side() {
            Side::Etcd => (self.etcd_action().unwrap_or(self.action), git, etcd),
            Side::Git | Side::Both => (self.action, etcd, git),
        }
    }

    /// What Git did to this key since the sync point; without a base, what `apply` would do
    /// (Git is taken as the side that moved). `None`: Git did not change it.
    pub fn git_action(&self) -> Option<Action> {
        if self.class == Class::Unbased {
            return Some(self.action);
        }
        if self.class == Class::EtcdOnly {
            return None;
        }
        side_action(self.base_oid.is_some(), self.new_oid.is_some())
    }

    /// What etcd did to this key since the sync point (drift or the etcd side of a
    /// conflict). `None`: etcd did not change it, or there is no base to tell.
    pub fn etcd_action(&self) -> Option<Action> {
        match self.class {
            Class::EtcdOnly | Class::Conflict => {
                side_action(self.base_oid.is_some(), self.old.is_some())
            }
            Class::Same | Class::GitOnly | Class::Unbased => None,
        }
    }

    /// Why it is not known whether this secret differs at all: Git's value stayed sealed while
    /// etcd holds one, and equal plaintexts would be no difference ([`Plan::settle_secrets`]).
    /// A secret only one side holds differs whatever its plaintext: that needs no decrypting.
    pub fn not_compared(&self) -> Option<Sealed> {
        self.sealed.filter(|_| self.old.is_some())
    }
}

/// A side's change from the base: present before and/or after.
fn side_action(before: bool, after: bool) -> Option<Action> {
    match (before, after) {
        (false, true) => Some(Action::Add),
        (true, false) => Some(Action::Delete),
        (true, true) => Some(Action::Change),
        (false, false) => None,
    }
}

impl std::fmt::Debug for Change {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let shown = |v: &Option<Vec<u8>>| match v {
            None => "None".to_owned(),
            Some(v) if self.secret => format!("<secret, {} bytes>", v.len()),
            Some(v) => format!("{:?}", String::from_utf8_lossy(v)),
        };
        f.debug_struct("Change")
            .field("key", &crate::keypath::display_key(&self.key))
            .field("action", &self.action)
            .field("path", &self.path)
            .field("new_oid", &self.new_oid)
            .field("old", &shown(&self.old))
            .field("new", &shown(&self.new))
            .field("expect_mod_revision", &self.expect_mod_revision)
            .field("secret", &self.secret)
            .field("class", &self.class)
            .field("base_oid", &self.base_oid)
            .field("base", &shown(&self.base))
            .field("apply", &self.apply)
            .field("persist", &self.persist)
            .field("sealed", &self.sealed)
            .finish()
    }
}

/// Why a key in etcd was left out of the plan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    pub key: Vec<u8>,
    /// Git has a file for this key (and it is left alone anyway).
    pub in_git: bool,
}

/// What it takes to make etcd hold the desired state.
#[derive(Debug, Clone, Default)]
pub struct Plan {
    /// Sorted by key.
    pub changes: Vec<Change>,
    /// Keys equal on both sides.
    pub unchanged: usize,
    /// Non-ephemeral keys etcd holds under the managed prefixes now.
    pub managed_in_etcd: usize,
    /// Keys attached to a lease: runtime state, never written or pruned.
    pub leased: Vec<Skipped>,
    /// Keys matching an ephemeral pattern in etcd.
    pub ephemeral_in_etcd: usize,
    /// Differences left alone: changed only in etcd since the sync point (drift, for
    /// `persist` to record), or conflicts resolved in etcd's favour.
    pub kept: Vec<Change>,
    /// Keys changed on both sides since the sync point, to different values.
    pub conflicts: Vec<Change>,
    /// Every guard's verdict ([`crate::prepare::judge`]); filled once the plan is classified.
    pub guards: Guards,
}

impl Plan {
    pub fn count(&self, action: Action) -> usize {
        self.changes.iter().filter(|c| c.action == action).count()
    }

    /// Nothing to write (there may still be drift or conflicts: see [`Plan::in_sync`]).
    pub fn is_empty(&self) -> bool {
        self.changes.is_empty()
    }

    /// Git and etcd agree on every managed key. A secret not compared ([`Plan::not_compared`])
    /// is still listed as a difference, so it never passes for agreement.
    pub fn in_sync(&self) -> bool {
        self.changes.is_empty() && self.kept.is_empty() && self.conflicts.is_empty()
    }

    /// Secrets whose difference is not known ([`Change::not_compared`]): a difference until
    /// shown otherwise, never "in sync".
    pub fn not_compared(&self) -> usize {
        self.changes
            .iter()
            .chain(&self.kept)
            .chain(&self.conflicts)
            .filter(|c| c.not_compared().is_some())
            .count()
    }

    /// Keys per class, from the same assessment every command makes.
    pub fn counts(&self) -> ClassCounts {
        let mut counts = ClassCounts {
            same: self.unchanged,
            ..ClassCounts::default()
        };
        for change in self.changes.iter().chain(&self.kept).chain(&self.conflicts) {
            counts.add(change.class);
        }
        counts
    }

    /// After every secret was decrypted into `new`: a secret whose plaintext in Git equals
    /// etcd's value is no difference, whatever its ciphertext says.
    pub fn settle_secrets(&mut self) {
        let settled = |c: &Change| c.secret && c.old.is_some() && c.new.is_some() && c.new == c.old;
        for list in [&mut self.changes, &mut self.kept, &mut self.conflicts] {
            let before = list.len();
            list.retain(|c| !settled(c));
            self.unchanged += before - list.len();
        }
    }
}

/// Prefixed to a secret's plaintext before it is hashed for [`assess`].
const PLAINTEXT_MARK: &[u8] = b"netsync plaintext, never a blob\0";

/// What `apply` does with a key Git and etcd disagree on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ApplyStep {
    /// Write Git's value to etcd (or delete the key there).
    Write,
    /// Leave etcd's value as it is: drift for `persist` to record, or a conflict resolved in
    /// etcd's favour.
    Keep,
    /// A conflict with no side chosen: `apply` refuses to run (exit 5).
    Refuse,
}

/// What `persist` does with a key Git and etcd disagree on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum PersistStep {
    /// Commit etcd's value to Git (or delete the file).
    Record,
    /// Leave Git's value as it is: a change waiting for `apply`, or a conflict resolved in
    /// Git's favour.
    Leave,
    /// A conflict with no side chosen: `persist` refuses to run (exit 5).
    Refuse,
}

impl Class {
    /// What each command does with a key of this class when `policy` picks the side for
    /// conflicts: DESIGN's table, in both directions. `Same` needs nothing of either.
    pub fn steps(self, policy: Policy) -> (ApplyStep, PersistStep) {
        use ApplyStep::{Keep, Refuse as ApplyRefuse, Write};
        use PersistStep::{Leave, Record, Refuse as PersistRefuse};
        let apply = match (self, policy) {
            (Class::Same, _) => Keep,
            (_, Policy::Force) => Write,
            (Class::GitOnly | Class::Unbased, _) => Write,
            (Class::EtcdOnly, _) => Keep,
            (Class::Conflict, Policy::PreferGit) => Write,
            (Class::Conflict, Policy::PreferEtcd) => Keep,
            (Class::Conflict, Policy::Skip) => Keep,
            (Class::Conflict, Policy::Safe) => ApplyRefuse,
        };
        let persist = match (self, policy) {
            (Class::Same | Class::GitOnly, _) => Leave,
            (Class::EtcdOnly | Class::Unbased, _) => Record,
            (Class::Conflict, Policy::PreferEtcd) => Record,
            (Class::Conflict, Policy::PreferGit) => Leave,
            (Class::Conflict, Policy::Skip) => Leave,
            // `--force` is apply's word for "Git wins"; persist records nothing over a
            // conflict without an explicit side.
            (Class::Conflict, Policy::Safe | Policy::Force) => PersistRefuse,
        };
        (apply, persist)
    }
}

/// One key Git and etcd disagree on, by blob id: its three values, what the rule makes of
/// them, and what each command does with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assessed {
    pub key: Vec<u8>,
    pub class: Class,
    /// `None`: absent on that side (or, for `base`, no base).
    pub base: Option<ObjectId>,
    pub git: Option<ObjectId>,
    pub etcd: Option<ObjectId>,
    pub secret: bool,
    pub apply: ApplyStep,
    pub persist: PersistStep,
}

impl Assessed {
    /// What `apply` does to etcd for this key, when it writes: add, change or delete.
    pub fn apply_action(&self) -> Action {
        match (self.git.is_some(), self.etcd.is_some()) {
            (true, false) => Action::Add,
            (true, true) => Action::Change,
            (false, _) => Action::Delete,
        }
    }

    /// What `persist` does to Git for this key, when it records: add, change or delete.
    pub fn persist_action(&self) -> Action {
        match (self.etcd.is_some(), self.git.is_some()) {
            (true, false) => Action::Add,
            (true, true) => Action::Change,
            (false, _) => Action::Delete,
        }
    }
}

/// The one verdict every command starts from: each key Git and etcd disagree on, classified
/// by the three-way rule, with what `apply` and `persist` do with it under one policy. `diff`
/// and `apply` attach the values to it ([`plan`]), `persist` turns its records into tree
/// edits, `status` counts it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Assessment {
    /// Keys that differ, sorted by key.
    pub keys: Vec<Assessed>,
    /// Keys both sides hold with the same value.
    pub unchanged: usize,
}

/// Keys per class.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct ClassCounts {
    pub same: usize,
    pub git_only: usize,
    pub etcd_only: usize,
    pub conflict: usize,
    pub unbased: usize,
}

impl ClassCounts {
    fn add(&mut self, class: Class) {
        match class {
            Class::Same => self.same += 1,
            Class::GitOnly => self.git_only += 1,
            Class::EtcdOnly => self.etcd_only += 1,
            Class::Conflict => self.conflict += 1,
            Class::Unbased => self.unbased += 1,
        }
    }
}

impl Assessment {
    pub fn counts(&self) -> ClassCounts {
        let mut counts = ClassCounts {
            same: self.unchanged,
            ..ClassCounts::default()
        };
        for key in &self.keys {
            counts.add(key.class);
        }
        counts
    }

    /// The keys `persist` treats with `step`.
    pub fn persisting(&self, step: PersistStep) -> impl Iterator<Item = &Assessed> {
        self.keys.iter().filter(move |k| k.persist == step)
    }
}

/// Assess every key present on any side: the three-way rule ([`rule`], by blob id, so
/// nothing is read) and each command's step under `policy`. Keys are the managed ones only
/// (the caller leaves out leased and ephemeral keys). A secret's etcd id must be its base's
/// when etcd still holds the base ([`Base::etcd_id`]): its plaintext has no ciphertext id.
pub fn assess(
    base: Option<&BTreeMap<Vec<u8>, ObjectId>>,
    git: &BTreeMap<Vec<u8>, ObjectId>,
    etcd: &BTreeMap<Vec<u8>, ObjectId>,
    is_secret: impl Fn(&[u8]) -> bool,
    policy: Policy,
) -> Assessment {
    let mut keys: BTreeSet<&Vec<u8>> = git.keys().chain(etcd.keys()).collect();
    if let Some(base) = base {
        keys.extend(base.keys());
    }
    let mut assessment = Assessment::default();
    for key in keys {
        let g = git.get(key).copied();
        let e = etcd.get(key).copied();
        let b = base.and_then(|m| m.get(key).copied());
        let changed = base.map(|_| Changed {
            git: g != b,
            etcd: e != b,
        });
        let class = rule(g == e, changed);
        if class == Class::Same {
            // A key both sides deleted since the base is no key at all.
            if g.is_some() {
                assessment.unchanged += 1;
            }
            continue;
        }
        let (apply, persist) = class.steps(policy);
        assessment.keys.push(Assessed {
            key: key.clone(),
            class,
            base: b,
            git: g,
            etcd: e,
            secret: is_secret(key),
            apply,
            persist,
        });
    }
    assessment
}

/// Read the plan off both sides: leave out ephemeral and leased keys, give every etcd value
/// its blob id (`blob_id` hashes it as Git would; a secret etcd still holds the base of
/// counts as the base's), [`assess`] every key against `base` under `policy`, and attach
/// etcd's value to each key that differs: `changes` (what apply writes), `kept` and
/// `conflicts`, with the values Git holds left for the caller to load. A secret whose
/// decrypted value equals etcd's leaves the plan then ([`Plan::settle_secrets`]).
pub fn plan(
    desired: &BTreeMap<Vec<u8>, DesiredEntry>,
    etcd: Vec<KeyValue>,
    base: Option<&Base>,
    policy: Policy,
    is_ephemeral: impl Fn(&[u8]) -> bool,
    is_secret: impl Fn(&[u8]) -> bool,
    blob_id: impl Fn(&[u8]) -> ObjectId,
) -> Plan {
    plan_within(
        desired,
        etcd,
        base,
        None,
        policy,
        is_ephemeral,
        is_secret,
        blob_id,
    )
}

/// The keys an incremental plan assesses, and how many others need nothing.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Touched {
    /// Managed keys (not leased) that Git or etcd changed since their base, or that the sync
    /// point left unsettled: the only ones assessed, and the only ones whose values are read.
    pub keys: BTreeSet<Vec<u8>>,
    /// Managed keys changed on neither side: each holds its base in Git and in etcd, so the
    /// three-way rule calls them the same without reading them.
    pub unchanged: usize,
}

/// The keys either side changed since the sync point, from etcd's keys-only `listing`
/// (sorted, with each key's `mod_revision` and lease) and the keys whose file differs between
/// the sync point's commit and `desired` (`git_changed`): what [`plan_touched`] assesses.
///
/// It rests on the sync point's promise ([`crate::syncpoint::SyncPoint`]): at its revision,
/// every managed key in etcd held its base, but for the unsettled keys etcd differed on, and
/// no other key existed. So a key etcd has not written since ([`Base::etcd_unchanged`])
/// still holds its base, and a key of the base etcd lacks was deleted since. `Err` (why) when
/// the listing contradicts that promise (an unwritten key that is no key of the base), or
/// when the two sides do not count the same keys changed on neither side: the caller then
/// reads every value instead.
///
/// `base_keys`: the keys that have a base, in order (those of [`Base::entries`], which the
/// caller need not build whole).
pub fn touched<'k>(
    desired: &BTreeMap<Vec<u8>, DesiredEntry>,
    listing: &[KeyValue],
    point: &SyncPoint,
    base_keys: impl Iterator<Item = &'k [u8]>,
    git_changed: &BTreeSet<Vec<u8>>,
    is_ephemeral: impl Fn(&[u8]) -> bool,
) -> Result<Touched, &'static str> {
    let leased: BTreeSet<&[u8]> = listing
        .iter()
        .filter(|kv| kv.lease != 0 && !is_ephemeral(&kv.key))
        .map(|kv| kv.key.as_slice())
        .collect();
    let mut keys: BTreeSet<Vec<u8>> = git_changed
        .iter()
        .chain(point.unsettled.iter().map(|u| &u.key))
        .filter(|k| !leased.contains(k.as_slice()))
        .cloned()
        .collect();
    // Walk etcd's keys and the base's side by side (both sorted): a key of the base etcd
    // lacks was deleted in etcd; a key etcd wrote since the sync point changed there.
    let mut in_base = base_keys.peekable();
    let mut unchanged = 0;
    for kv in listing {
        if kv.lease != 0 || is_ephemeral(&kv.key) {
            continue;
        }
        while let Some(gone) = in_base.next_if(|b| *b < kv.key.as_slice()) {
            if !leased.contains(gone) {
                keys.insert(gone.to_vec());
            }
        }
        let based = in_base.next_if(|b| *b == kv.key.as_slice()).is_some();
        if !point.etcd_unchanged(&kv.key, kv.mod_revision) {
            keys.insert(kv.key.clone());
        } else if !based {
            return Err("a key etcd has not written since the sync point is not in its base");
        } else if !keys.contains(&kv.key) {
            unchanged += 1;
        }
    }
    for gone in in_base {
        if !leased.contains(gone) {
            keys.insert(gone.to_vec());
        }
    }
    // The same keys, counted on Git's side: every file neither side changed.
    let in_git = desired
        .keys()
        .filter(|k| !keys.contains(*k) && !leased.contains(k.as_slice()))
        .count();
    if in_git != unchanged {
        return Err("Git and etcd do not agree on the keys changed on neither side");
    }
    Ok(Touched { keys, unchanged })
}

/// [`plan`] of the keys of `touched` alone: every other managed key is the same on all three
/// sides and only counted. `etcd` is every key under the prefixes (a keys-only listing), with
/// the values of the touched keys read (at the listing's revision). The same plan as [`plan`]
/// on a full read, as long as the sync point's promise holds ([`touched`]).
#[allow(clippy::too_many_arguments)]
pub fn plan_touched(
    desired: &BTreeMap<Vec<u8>, DesiredEntry>,
    etcd: Vec<KeyValue>,
    base: &Base,
    touched: &Touched,
    policy: Policy,
    is_ephemeral: impl Fn(&[u8]) -> bool,
    is_secret: impl Fn(&[u8]) -> bool,
    blob_id: impl Fn(&[u8]) -> ObjectId,
) -> Plan {
    plan_within(
        desired,
        etcd,
        Some(base),
        Some(touched),
        policy,
        is_ephemeral,
        is_secret,
        blob_id,
    )
}

/// One side's blob ids for [`assess`]: of every managed key of `all`, or (`only`) of the
/// managed keys among `only`, looked up with `one`.
pub fn side_ids(
    all: &mut dyn Iterator<Item = (&Vec<u8>, ObjectId)>,
    one: &dyn Fn(&[u8]) -> Option<ObjectId>,
    only: Option<&BTreeSet<Vec<u8>>>,
    managed: &dyn Fn(&[u8]) -> bool,
) -> BTreeMap<Vec<u8>, ObjectId> {
    match only {
        None => all
            .filter(|(k, _)| managed(k))
            .map(|(k, v)| (k.clone(), v))
            .collect(),
        Some(keys) => keys
            .iter()
            .filter(|k| managed(k))
            .filter_map(|k| one(k).map(|v| (k.clone(), v)))
            .collect(),
    }
}

/// [`plan`], or with `only`, [`plan_touched`].
#[allow(clippy::too_many_arguments)]
fn plan_within(
    desired: &BTreeMap<Vec<u8>, DesiredEntry>,
    etcd: Vec<KeyValue>,
    base: Option<&Base>,
    only: Option<&Touched>,
    policy: Policy,
    is_ephemeral: impl Fn(&[u8]) -> bool,
    is_secret: impl Fn(&[u8]) -> bool,
    blob_id: impl Fn(&[u8]) -> ObjectId,
) -> Plan {
    let mut plan = Plan::default();
    let assessed = |key: &[u8]| only.is_none_or(|t| t.keys.contains(key));
    let mut current: BTreeMap<Vec<u8>, KeyValue> = BTreeMap::new();
    for kv in etcd {
        if is_ephemeral(&kv.key) {
            plan.ephemeral_in_etcd += 1;
        } else if kv.lease != 0 {
            plan.leased.push(Skipped {
                in_git: desired.contains_key(&kv.key),
                key: kv.key,
            });
        } else {
            plan.managed_in_etcd += 1;
            if assessed(&kv.key) {
                current.insert(kv.key.clone(), kv);
            }
        }
    }
    let leased: BTreeSet<&[u8]> = plan.leased.iter().map(|s| s.key.as_slice()).collect();
    let managed = |key: &[u8]| !leased.contains(key);
    // A key is secret when Git keeps it as an age file, a pattern names it, or its base is
    // one (a user removed: the age file deleted in Git, no pattern naming the key).
    let secret = |key: &[u8]| {
        desired.get(key).is_some_and(|e| e.secret)
            || is_secret(key)
            || base.is_some_and(|b| b.secrets.contains(key))
    };
    let only_keys = only.map(|t| &t.keys);
    let ids = |all: &mut dyn Iterator<Item = (&Vec<u8>, ObjectId)>,
               one: &dyn Fn(&[u8]) -> Option<ObjectId>| {
        side_ids(all, one, only_keys, &managed)
    };
    let git = ids(&mut desired.iter().map(|(k, e)| (k, e.oid)), &|k| {
        desired.get(k).map(|e| e.oid)
    });
    let etcd_ids: BTreeMap<Vec<u8>, ObjectId> = current
        .values()
        .map(|kv| {
            let secret = secret(&kv.key);
            // A secret's plaintext gets an id no ciphertext in Git can have, so that etcd's
            // plaintext never passes for Git's age file: it is equal only by revision.
            let hash = || match secret {
                true => blob_id(&[PLAINTEXT_MARK, &kv.value].concat()),
                false => blob_id(&kv.value),
            };
            let id = match base {
                Some(b) => b.etcd_id(&kv.key, secret, kv.mod_revision, hash),
                None => hash(),
            };
            (kv.key.clone(), id)
        })
        .collect();
    let base_ids: Option<BTreeMap<Vec<u8>, ObjectId>> = base.map(|b| {
        ids(&mut b.entries.iter().map(|(k, v)| (k, *v)), &|k| {
            b.entries.get(k).copied()
        })
    });
    let assessment = assess(base_ids.as_ref(), &git, &etcd_ids, secret, policy);
    plan.unchanged = assessment.unchanged + only.map_or(0, |t| t.unchanged);
    for key in assessment.keys {
        let etcd = current.remove(&key.key);
        let change = Change {
            action: key.apply_action(),
            path: desired.get(&key.key).map(|e| e.path.clone()),
            new_oid: key.git,
            expect_mod_revision: etcd.as_ref().map_or(0, |kv| kv.mod_revision),
            old: etcd.map(|kv| kv.value),
            new: None,
            secret: key.secret,
            class: key.class,
            base_oid: key.base,
            base: None,
            apply: key.apply,
            persist: key.persist,
            sealed: None,
            key: key.key,
        };
        match change.apply {
            ApplyStep::Write => plan.changes.push(change),
            ApplyStep::Keep => plan.kept.push(change),
            ApplyStep::Refuse => plan.conflicts.push(change),
        }
    }
    // A plan of a million keys is held while it is written: no room to spare.
    plan.changes.shrink_to_fit();
    plan
}

/// How one key differs between the sync point (base), Git and etcd: DESIGN's three-way rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Class {
    /// Git and etcd hold the same value (or both lack the key).
    Same,
    /// Only Git changed since the base: `apply` writes it, `persist` leaves it alone.
    GitOnly,
    /// Only etcd changed since the base (drift): `persist` records it, `apply` leaves it alone.
    EtcdOnly,
    /// Both changed, to different values: neither side overwrites the other.
    Conflict,
    /// The sides differ and there is no base to tell which one changed.
    Unbased,
}

/// Which sides changed a key since its base.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Changed {
    pub git: bool,
    pub etcd: bool,
}

/// The three-way rule (DESIGN, "Sync state and the three-way rule") for one key: whether Git
/// and etcd hold the same value now and, when there is a base, which sides changed since.
/// Every command's classification goes through here, by way of [`assess`].
pub fn rule(equal: bool, changed: Option<Changed>) -> Class {
    if equal {
        return Class::Same;
    }
    match changed {
        None => Class::Unbased,
        // Only Git moved; or neither did by the sync point's own account (a secret whose
        // plaintext differs all the same): Git's value is the one to write.
        Some(Changed { etcd: false, .. }) => Class::GitOnly,
        Some(Changed {
            git: false,
            etcd: true,
        }) => Class::EtcdOnly,
        Some(Changed {
            git: true,
            etcd: true,
        }) => Class::Conflict,
    }
}

/// The sync point as a merge base, one value per key: the last value both sides agreed on.
#[derive(Debug, Clone)]
pub struct Base {
    /// Key → blob id of its base (ciphertext ids for secrets): the sync point's commit, with
    /// each unsettled key's own base in its place.
    pub entries: BTreeMap<Vec<u8>, ObjectId>,
    /// Keys whose base is a secret (an age file), whatever `secrets.keys` says today: a key
    /// whose age file Git deleted is still a secret to judge, and never to show.
    pub secrets: BTreeSet<Vec<u8>>,
    /// The record itself: [`SyncPoint::etcd_unchanged`] tells whether etcd's value of a key
    /// is still its base, from its `mod_revision`.
    pub point: SyncPoint,
}

impl Base {
    /// The base of every key from the managed keys of the sync point's commit (key → blob
    /// id) and the record: an unsettled key's base is the one the record names. No key of
    /// the commit is a secret (commands use [`Base::of_commit`]; this is for tests).
    #[cfg(test)]
    pub fn new(entries: BTreeMap<Vec<u8>, ObjectId>, point: SyncPoint) -> Self {
        Self::with_secrets(entries, BTreeSet::new(), point)
    }

    /// The base of every key from the sync point's commit's files and the record.
    pub fn of_commit(entries: &BTreeMap<Vec<u8>, DesiredEntry>, point: SyncPoint) -> Self {
        let oids = entries.iter().map(|(k, e)| (k.clone(), e.oid)).collect();
        let secrets = entries
            .iter()
            .filter(|(_, e)| e.secret)
            .map(|(k, _)| k.clone())
            .collect();
        Self::with_secrets(oids, secrets, point)
    }

    /// The base of every key from a commit's files (key → blob id), the keys among them
    /// that are secrets (age files), and the record, whose unsettled keys take their own base.
    pub fn with_secrets(
        mut entries: BTreeMap<Vec<u8>, ObjectId>,
        mut secrets: BTreeSet<Vec<u8>>,
        point: SyncPoint,
    ) -> Self {
        for unsettled in &point.unsettled {
            let key = &unsettled.key;
            match unsettled.base {
                Some(oid) => entries.insert(key.clone(), oid),
                None => entries.remove(key),
            };
            match unsettled.base.is_some() && unsettled.secret {
                true => secrets.insert(key.clone()),
                false => secrets.remove(key),
            };
        }
        Self {
            entries,
            secrets,
            point,
        }
    }

    /// Whether etcd's value of `key`, last written at `mod_revision`, is still its base.
    pub fn etcd_unchanged(&self, key: &[u8], mod_revision: i64) -> bool {
        self.point.etcd_unchanged(key, mod_revision)
    }

    /// The base's blob id of `key` when etcd, whose value of it was last written at
    /// `mod_revision`, still holds its base (by revision: the sync point's own rule). What a
    /// secret is judged by, and what `persist` reuses instead of encrypting anew: its
    /// ciphertext says nothing of its plaintext.
    pub fn held_in_etcd(&self, key: &[u8], mod_revision: i64) -> Option<ObjectId> {
        match self.etcd_unchanged(key, mod_revision) {
            true => self.entries.get(key).copied(),
            false => None,
        }
    }

    /// The blob id to compare etcd's value of `key` by: for a secret etcd still holds the
    /// base of ([`Base::held_in_etcd`]), the base's id; otherwise the value's own (`hash`).
    pub fn etcd_id(
        &self,
        key: &[u8],
        secret: bool,
        mod_revision: i64,
        hash: impl FnOnce() -> ObjectId,
    ) -> ObjectId {
        match self.held_in_etcd(key, mod_revision) {
            Some(base) if secret => base,
            _ => hash(),
        }
    }
}

/// The keys a command leaves different between Git and etcd, each with the base it keeps
/// (its last agreement) and whether etcd is one of the sides that moved from it. Every
/// other key is settled: its base becomes what the recorded commit holds. Without a base
/// (no sync point) nothing was agreed before: such keys keep no value.
pub fn unsettled<'a>(
    base: Option<&Base>,
    left: impl IntoIterator<Item = (&'a [u8], bool)>,
) -> Vec<Unsettled> {
    left.into_iter()
        .map(|(key, etcd)| Unsettled {
            key: key.to_vec(),
            base: base.and_then(|b| b.entries.get(key).copied()),
            etcd,
            secret: base.is_some_and(|b| b.secrets.contains(key)),
        })
        .collect()
}

impl Plan {
    /// What `apply`, having written `changes`, leaves unsettled for the sync point: drift
    /// keeps its base (etcd moved from it); a conflict kept as etcd has it (`--prefer etcd`)
    /// takes Git's value as its base, so that persist records etcd's next instead of meeting
    /// the same conflict, while a conflict left to the operator ([`Policy::Skip`]: persist
    /// leaves it too) keeps its base, and so stays one; a key attached to a lease keeps its base, as neither command
    /// touches it (Git's change to it still waits). Without a base nothing was agreed before.
    pub fn unsettled(&self, base: Option<&Base>) -> Vec<Unsettled> {
        let Some(base) = base else {
            return Vec::new();
        };
        let kept = |key: &[u8]| Unsettled {
            key: key.to_vec(),
            base: base.entries.get(key).copied(),
            etcd: true,
            secret: base.secrets.contains(key),
        };
        let mut out: Vec<Unsettled> = Vec::new();
        for c in &self.kept {
            out.push(match c.class {
                Class::Conflict if c.persist != PersistStep::Leave => Unsettled {
                    key: c.key.clone(),
                    base: c.new_oid,
                    etcd: true,
                    secret: c
                        .path
                        .as_deref()
                        .is_some_and(|p| p.ends_with(crate::keypath::SECRET_SUFFIX)),
                },
                _ => kept(&c.key),
            });
        }
        out.extend(
            self.leased
                .iter()
                .filter(|s| s.in_git || base.entries.contains_key(&s.key))
                .map(|s| kept(&s.key)),
        );
        out
    }
}

/// The prune guard's rule, one for both directions (`apply` deleting keys in etcd, `persist`
/// recording deletions in Git): deleting more than `fraction` of the `managed` keys, or all of
/// them, is a mass deletion that needs the operator's explicit word.
pub fn is_mass_delete(deletes: usize, managed: usize, fraction: f64) -> bool {
    deletes > 0 && (deletes >= managed || deletes as f64 > fraction * managed as f64)
}

/// The prune guard's refusal: `apply` (and `restore --force`) would delete too many of the
/// managed keys etcd holds.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("refusing to delete {deletes} of the {managed} managed keys in etcd (the prune guard allows {percent}% and never all)")]
pub struct PruneRefused {
    pub deletes: usize,
    pub managed: usize,
    pub percent: f64,
}

impl Plan {
    /// The prune guard on this plan's deletions in etcd, against the `managed` keys etcd
    /// holds: an empty or wrong revision must not wipe the cluster. `allow`: the operator's
    /// `--allow-mass-delete`.
    pub fn prune_guard(
        &self,
        managed: usize,
        fraction: f64,
        allow: bool,
    ) -> Result<(), PruneRefused> {
        let deletes = self.count(Action::Delete);
        if !allow && is_mass_delete(deletes, managed, fraction) {
            return Err(PruneRefused {
                deletes,
                managed,
                percent: fraction * 100.0,
            });
        }
        Ok(())
    }
}

/// One mass-deletion guard's verdict on a plan.
#[derive(Debug, Clone, Default, PartialEq, Serialize, schemars::JsonSchema)]
pub struct DeleteVerdict {
    /// Deletions the command would make (apply: in etcd; persist: recorded in Git).
    pub deletes: usize,
    /// The managed keys they are weighed against.
    pub managed: usize,
    /// The configured fraction, in percent.
    pub allowed_percent: f64,
    /// The guard refuses without `--allow-mass-delete`.
    pub refused: bool,
}

impl DeleteVerdict {
    pub fn of(deletes: usize, managed: usize, fraction: f64) -> Self {
        Self {
            deletes,
            managed,
            allowed_percent: fraction * 100.0,
            refused: is_mass_delete(deletes, managed, fraction),
        }
    }
}

/// The largest single write of a plan, sized as etcd sizes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct SizeVerdict {
    pub key: String,
    pub request_bytes: usize,
    pub limit: usize,
    pub fits: bool,
}

/// Every guard's verdict on a plan, before anything is written: what `diff` shows and what
/// `apply` and `persist` refuse on.
#[derive(Debug, Clone, Default, PartialEq, Serialize, schemars::JsonSchema)]
pub struct Guards {
    /// apply's prune guard (`apply.max_delete_fraction`).
    pub prune: DeleteVerdict,
    /// persist's mass-delete guard on the deletions in etcd it would record
    /// (`persist.max_delete_fraction`).
    pub persist_mass_delete: DeleteVerdict,
    /// The largest write apply would send; `None`: nothing to write.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub largest_write: Option<SizeVerdict>,
}

/// Which side wins where the three-way rule does not decide alone.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, schemars::JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum Policy {
    /// Write Git-only changes, keep drift, stop on conflicts.
    #[default]
    Safe,
    /// Resolve conflicts with Git's value; drift is still kept.
    PreferGit,
    /// Resolve conflicts with etcd's value (keep it); drift is kept.
    PreferEtcd,
    /// Make etcd equal to Git: overwrite drift and conflicts alike.
    Force,
    /// Leave conflicts to the operator without stopping: neither side's value is written,
    /// the key keeps its older base (so it stays a conflict), everything else is carried
    /// out. What `watch` runs under: a daemon reports a conflict and keeps going.
    Skip,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::git::blob_id;

    fn hash(data: &[u8]) -> ObjectId {
        blob_id(gix::hash::Kind::Sha1, data)
    }

    fn desired(items: &[(&[u8], &[u8])]) -> BTreeMap<Vec<u8>, DesiredEntry> {
        items
            .iter()
            .map(|(k, v)| {
                (
                    k.to_vec(),
                    DesiredEntry {
                        path: format!("kv/{}", String::from_utf8_lossy(k)),
                        oid: hash(v),
                        secret: false,
                    },
                )
            })
            .collect()
    }

    fn kv(key: &[u8], value: &[u8], rev: i64, lease: i64) -> KeyValue {
        KeyValue {
            key: key.to_vec(),
            value: value.to_vec(),
            mod_revision: rev,
            create_revision: rev,
            lease,
        }
    }

    #[test]
    fn classifies_add_change_delete_and_unchanged() {
        let want = desired(&[(b"/n/a", b"1"), (b"/n/b", b"2"), (b"/n/c", b"3")]);
        let have = vec![
            kv(b"/n/b", b"2", 5, 0),
            kv(b"/n/c", b"old", 6, 0),
            kv(b"/n/d", b"x", 7, 0),
        ];
        let p = plan(&want, have, None, Policy::Safe, |_| false, |_| false, hash);
        let got: Vec<(&[u8], Action, i64)> = p
            .changes
            .iter()
            .map(|c| (c.key.as_slice(), c.action, c.expect_mod_revision))
            .collect();
        assert_eq!(
            got,
            vec![
                (&b"/n/a"[..], Action::Add, 0),
                (&b"/n/c"[..], Action::Change, 6),
                (&b"/n/d"[..], Action::Delete, 7)
            ]
        );
        assert_eq!(p.unchanged, 1);
        assert_eq!(p.managed_in_etcd, 3);
    }

    #[test]
    fn ephemeral_and_leased_keys_are_never_touched() {
        let want = desired(&[(b"/n/lease", b"new")]);
        let have = vec![kv(b"/n/sess/1", b"x", 3, 0), kv(b"/n/lease", b"old", 4, 99)];
        let p = plan(
            &want,
            have,
            None,
            Policy::Safe,
            |k| k.starts_with(b"/n/sess/"),
            |_| false,
            hash,
        );
        assert!(p.is_empty());
        assert_eq!(p.ephemeral_in_etcd, 1);
        assert_eq!(
            p.leased,
            vec![Skipped {
                key: b"/n/lease".to_vec(),
                in_git: true
            }]
        );
        assert_eq!(p.managed_in_etcd, 0);
    }

    #[test]
    fn equal_values_make_an_empty_plan() {
        let want = desired(&[(b"/n/\xff", b"\x00\x01")]);
        let p = plan(
            &want,
            vec![kv(b"/n/\xff", b"\x00\x01", 2, 0)],
            None,
            Policy::Safe,
            |_| false,
            |_| false,
            hash,
        );
        assert!(p.is_empty());
        assert_eq!(p.unchanged, 1);
    }

    #[test]
    fn secrets_are_decided_on_plaintext_not_blob_ids() {
        let mut want = desired(&[(b"/n/s", b"ciphertext"), (b"/n/t", b"ciphertext2")]);
        for entry in want.values_mut() {
            entry.secret = true;
        }
        let have = vec![
            kv(b"/n/s", b"ciphertext", 3, 0),
            kv(b"/n/t", b"pw", 4, 0),
            kv(b"/n/u", b"old", 5, 0),
        ];
        let mut p = plan(
            &want,
            have,
            None,
            Policy::Safe,
            |_| false,
            |k| k == b"/n/u",
            hash,
        );
        assert_eq!(
            p.changes.len(),
            3,
            "equal blob ids mean nothing for a secret"
        );
        assert!(p.changes.iter().all(|c| c.secret));
        p.changes[0].new = Some(b"other".to_vec());
        p.changes[1].new = Some(b"pw".to_vec());
        p.settle_secrets();
        let keys: Vec<&[u8]> = p.changes.iter().map(|c| c.key.as_slice()).collect();
        assert_eq!(keys, vec![&b"/n/s"[..], b"/n/u"]);
        assert_eq!(p.unchanged, 1);
        assert!(!format!("{:?}", p.changes[0]).contains("other"));
    }

    #[test]
    fn a_sealed_secret_is_not_compared_only_where_etcd_holds_a_value() {
        let mut want = desired(&[(b"/n/added", b"ct1"), (b"/n/changed", b"ct2")]);
        want.values_mut().for_each(|e| e.secret = true);
        let have = vec![kv(b"/n/changed", b"pw", 3, 0), kv(b"/n/plain", b"x", 4, 0)];
        let mut p = plan(&want, have, None, Policy::Safe, |_| false, |_| false, hash);
        assert_eq!(p.not_compared(), 0);
        for c in p.changes.iter_mut().filter(|c| c.secret) {
            c.sealed = Some(Sealed::NoIdentity);
        }
        let not: Vec<_> = p.changes.iter().map(|c| c.not_compared()).collect();
        // Sorted: /n/added (Git alone: an add whatever its plaintext), /n/changed, /n/plain.
        assert_eq!(not, [None, Some(Sealed::NoIdentity), None]);
        assert_eq!(p.not_compared(), 1);
        p.settle_secrets();
        assert_eq!(
            p.not_compared(),
            1,
            "a sealed value is never settled as equal"
        );
        assert!(!p.in_sync());
    }

    fn ids(pairs: &[(&[u8], &[u8])]) -> BTreeMap<Vec<u8>, ObjectId> {
        pairs.iter().map(|(k, v)| (k.to_vec(), hash(v))).collect()
    }

    /// The keys that differ and their classes, and how many are the same.
    fn classes(
        base: Option<&BTreeMap<Vec<u8>, ObjectId>>,
        git: &BTreeMap<Vec<u8>, ObjectId>,
        etcd: &BTreeMap<Vec<u8>, ObjectId>,
    ) -> (Vec<(Vec<u8>, Class)>, usize) {
        let a = assess(base, git, etcd, |_| false, Policy::Safe);
        let differ = a.keys.iter().map(|k| (k.key.clone(), k.class)).collect();
        (differ, a.unchanged)
    }

    fn named(pairs: &[(&[u8], Class)]) -> Vec<(Vec<u8>, Class)> {
        pairs.iter().map(|(k, c)| (k.to_vec(), *c)).collect()
    }

    #[test]
    fn a_secret_written_by_the_sync_points_own_transactions_is_unchanged_in_etcd() {
        // apply (or restore) read at 10, wrote in transactions 12..=14, recorded at 15.
        let mut point = SyncPoint::new("c".into(), 1, "apply");
        point.read_revision = Some(10);
        for r in [12, 13, 14] {
            point.add_own_revision(r);
        }
        point.revision = 10;
        point.recorded_at = 15;
        let base = Base {
            entries: [&b"/n/own"[..], b"/n/rec", b"/n/old", b"/n/other"]
                .into_iter()
                .map(|k| (k.to_vec(), hash(b"ciphertext 1")))
                .collect(),
            secrets: Default::default(),
            point,
        };
        let mut want = desired(&[
            (b"/n/old", b"ciphertext 2"),
            (b"/n/other", b"ciphertext 2"),
            (b"/n/own", b"ciphertext 2"),
            (b"/n/rec", b"ciphertext 2"),
        ]);
        want.values_mut().for_each(|e| e.secret = true);
        let have = [
            (&b"/n/old"[..], 9),
            (b"/n/other", 11),
            (b"/n/own", 13),
            (b"/n/rec", 15),
        ]
        .into_iter()
        .map(|(k, rev)| kv(k, b"plaintext in etcd", rev, 0))
        .collect();
        let p = plan(
            &want,
            have,
            Some(&base),
            Policy::Safe,
            |_| false,
            |_| false,
            hash,
        );
        let written: Vec<(&[u8], Class)> = p
            .changes
            .iter()
            .map(|c| (c.key.as_slice(), c.class))
            .collect();
        assert_eq!(
            written,
            vec![
                (&b"/n/old"[..], Class::GitOnly),
                (b"/n/own", Class::GitOnly),
                (b"/n/rec", Class::GitOnly)
            ],
            "a second rotation after apply or restore is a Git change, not a conflict"
        );
        let conflicts: Vec<&[u8]> = p.conflicts.iter().map(|c| c.key.as_slice()).collect();
        assert_eq!(conflicts, vec![&b"/n/other"[..]], "written by someone else");
    }

    #[test]
    fn an_unsettled_key_is_judged_against_its_own_base_not_the_commits() {
        // The sync point's commit holds "new" for /n/pending (a Git change persist left for
        // apply), "git" for /n/kept (drift apply kept) and "v1" for every other key; the
        // record keeps the older agreement of the first two.
        let mut point = SyncPoint::new("c".into(), 1, "persist");
        point.set_unsettled(unsettled(
            Some(&Base::new(
                ids(&[
                    (b"/n/pending", b"old"),
                    (b"/n/kept", b"git"),
                    (b"/n/s", b"c1"),
                ]),
                SyncPoint::new("b".into(), 1, "apply"),
            )),
            [
                (&b"/n/pending"[..], false),
                (b"/n/kept", true),
                (b"/n/s", true),
            ],
        ));
        point.revision = 10;
        point.recorded_at = 11;
        let base = Base::new(
            ids(&[
                (b"/n/pending", b"new"),
                (b"/n/kept", b"git"),
                (b"/n/b", b"v1"),
                (b"/n/s", b"c1"),
            ]),
            point,
        );
        assert_eq!(base.entries[&b"/n/pending"[..]], hash(b"old"));
        let mut p = plan(
            &desired(&[
                (b"/n/pending", b"new"),
                (b"/n/kept", b"git"),
                (b"/n/b", b"v1"),
                (b"/n/s", b"c1"),
            ]),
            vec![
                kv(b"/n/pending", b"old", 3, 0),
                kv(b"/n/kept", b"drift", 4, 0),
                kv(b"/n/b", b"v2", 12, 0),
                kv(b"/n/s", b"plain", 5, 0),
            ],
            Some(&base),
            Policy::Safe,
            |_| false,
            |k| k == b"/n/s",
            hash,
        );
        p.kept
            .iter_mut()
            .filter(|c| c.secret)
            .for_each(|c| c.new = Some(b"git plaintext".to_vec()));
        p.settle_secrets();
        let written: Vec<(&[u8], Class)> = p
            .changes
            .iter()
            .map(|c| (c.key.as_slice(), c.class))
            .collect();
        assert_eq!(written, vec![(&b"/n/pending"[..], Class::GitOnly)]);
        let kept: Vec<(&[u8], Class)> =
            p.kept.iter().map(|c| (c.key.as_slice(), c.class)).collect();
        assert_eq!(
            kept,
            vec![
                (&b"/n/b"[..], Class::EtcdOnly),
                (b"/n/kept", Class::EtcdOnly),
                // Not a Git change to write over etcd: etcd already differed on this secret
                // when the record was written, although its revision is older.
                (b"/n/s", Class::EtcdOnly)
            ]
        );
        assert!(p.conflicts.is_empty());
    }

    #[test]
    fn a_secret_whose_file_git_deleted_is_pruned_and_stays_secret() {
        // The base holds /n/token as an age file; no pattern names it; Git deleted the file.
        let mut point = SyncPoint::new("c".into(), 1, "apply");
        point.revision = 10;
        let mut entries = desired(&[(b"/n/token", b"ciphertext"), (b"/n/a", b"1")]);
        entries.get_mut(&b"/n/token"[..]).unwrap().secret = true;
        let base = Base::of_commit(&entries, point);
        let p = plan(
            &desired(&[(b"/n/a", b"1")]),
            vec![kv(b"/n/a", b"1", 3, 0), kv(b"/n/token", b"plaintext", 4, 0)],
            Some(&base),
            Policy::Safe,
            |_| false,
            // No pattern names it.
            |_| false,
            hash,
        );
        assert_eq!(p.changes.len(), 1, "{p:?}");
        let change = &p.changes[0];
        assert_eq!(
            (change.action, change.class),
            (Action::Delete, Class::GitOnly)
        );
        assert!(change.secret, "shown redacted");
        assert!(!format!("{change:?}").contains("plaintext"));
    }

    /// A row of the table: what it is, the base, Git's value, etcd's, and the outcome.
    type PlainRow<'a> = (
        &'a str,
        &'a Base,
        Option<&'a [u8]>,
        Option<&'a [u8]>,
        Outcome,
    );
    /// A secret's row: etcd's value is always a plaintext; its `mod_revision` decides.
    type SecretRow<'a> = (&'a str, &'a Base, Option<&'a [u8]>, i64, Outcome);
    /// The class, and whether apply writes the key; `None`: no difference.
    type Outcome = Option<(Class, bool)>;

    /// One key through `plan`: its class, and whether apply writes it (`None`:
    /// no difference at all).
    fn one_key(
        base: Option<&Base>,
        git: Option<&[u8]>,
        etcd: Option<(&[u8], i64)>,
        secret: bool,
    ) -> Option<(Class, bool)> {
        let mut want = desired(
            &git.map(|g| (&b"/n/k"[..], g))
                .into_iter()
                .collect::<Vec<_>>(),
        );
        want.values_mut().for_each(|e| e.secret = secret);
        let have: Vec<KeyValue> = etcd
            .map(|(v, rev)| kv(b"/n/k", v, rev, 0))
            .into_iter()
            .collect();
        let mut p = plan(&want, have, base, Policy::Safe, |_| false, |_| secret, hash);
        if secret {
            // Decrypted Git values are plaintexts that differ from etcd's in every row.
            for c in p
                .changes
                .iter_mut()
                .chain(&mut p.kept)
                .chain(&mut p.conflicts)
            {
                c.new = c.new_oid.map(|_| b"git plaintext".to_vec());
            }
            p.settle_secrets();
        }
        let written = p.changes.iter().map(|c| (c.class, true));
        let kept = p.kept.iter().chain(&p.conflicts).map(|c| (c.class, false));
        written.chain(kept).next()
    }

    #[test]
    fn the_three_way_rule_for_every_cell_of_the_design_table() {
        use Class::*;
        let point = |unsettled: Vec<Unsettled>| {
            let mut p = SyncPoint::new("c".into(), 1, "apply");
            p.read_revision = Some(10);
            p.add_own_revision(12);
            p.revision = 10;
            p.recorded_at = 13;
            p.set_unsettled(unsettled);
            p
        };
        let plain_base = Base::new(ids(&[(b"/n/k", b"v1")]), point(vec![]));
        let empty_base = Base::new(BTreeMap::new(), point(vec![]));
        let (v1, v2, v3) = (&b"v1"[..], &b"v2"[..], &b"v3"[..]);
        // Plain values: compared by content.
        let plain: &[PlainRow] = &[
            ("unchanged", &plain_base, Some(v1), Some(v1), None),
            (
                "changed only in Git",
                &plain_base,
                Some(v2),
                Some(v1),
                Some((GitOnly, true)),
            ),
            (
                "changed only in etcd",
                &plain_base,
                Some(v1),
                Some(v2),
                Some((EtcdOnly, false)),
            ),
            (
                "both, to the same value",
                &plain_base,
                Some(v2),
                Some(v2),
                None,
            ),
            (
                "both, to different values",
                &plain_base,
                Some(v2),
                Some(v3),
                Some((Conflict, false)),
            ),
            (
                "deleted only in Git",
                &plain_base,
                None,
                Some(v1),
                Some((GitOnly, true)),
            ),
            (
                "deleted only in etcd",
                &plain_base,
                Some(v1),
                None,
                Some((EtcdOnly, false)),
            ),
            (
                "deleted in Git, changed in etcd",
                &plain_base,
                None,
                Some(v2),
                Some((Conflict, false)),
            ),
            ("deleted on both sides", &plain_base, None, None, None),
            (
                "added only in Git",
                &empty_base,
                Some(v1),
                None,
                Some((GitOnly, true)),
            ),
            (
                "added only in etcd",
                &empty_base,
                None,
                Some(v1),
                Some((EtcdOnly, false)),
            ),
            ("added on both, same", &empty_base, Some(v1), Some(v1), None),
            (
                "added on both, different",
                &empty_base,
                Some(v1),
                Some(v2),
                Some((Conflict, false)),
            ),
        ];
        for (row, base, git, etcd, want) in plain {
            let got = one_key(Some(base), *git, etcd.map(|v| (v, 5)), false);
            assert_eq!(got, *want, "plain: {row}");
        }
        assert_eq!(
            one_key(None, Some(v2), Some((v1, 5)), false),
            Some((Unbased, true)),
            "no base: apply makes etcd equal to Git"
        );

        // Secrets: Git holds ciphertext, so etcd's side is judged by revision.
        let c1 = &b"ciphertext 1"[..];
        let c2 = &b"ciphertext 2"[..];
        let secret_base = |unsettled| {
            let mut entries = desired(&[(b"/n/k", c1)]);
            entries.values_mut().for_each(|e| e.secret = true);
            Base::of_commit(&entries, point(unsettled))
        };
        let settled = secret_base(vec![]);
        let drift_kept = secret_base(vec![Unsettled {
            key: b"/n/k".to_vec(),
            base: Some(hash(c1)),
            etcd: true,
            secret: true,
        }]);
        let secret: &[SecretRow] = &[
            (
                "rotated in Git, etcd as agreed",
                &settled,
                Some(c2),
                9,
                Some((GitOnly, true)),
            ),
            (
                "rotated in Git, etcd written by the sync point's own transactions",
                &settled,
                Some(c2),
                12,
                Some((GitOnly, true)),
            ),
            (
                "rotated in Git, etcd written by the record itself (after a restore)",
                &settled,
                Some(c2),
                13,
                Some((GitOnly, true)),
            ),
            (
                "changed only in etcd",
                &settled,
                Some(c1),
                14,
                Some((EtcdOnly, false)),
            ),
            (
                "rotated in Git and changed in etcd",
                &settled,
                Some(c2),
                14,
                Some((Conflict, false)),
            ),
            (
                "file deleted in Git, etcd as agreed",
                &settled,
                None,
                9,
                Some((GitOnly, true)),
            ),
            (
                "file deleted in Git, changed in etcd",
                &settled,
                None,
                14,
                Some((Conflict, false)),
            ),
            (
                "drift kept at the sync point, revision old",
                &drift_kept,
                Some(c1),
                9,
                Some((EtcdOnly, false)),
            ),
        ];
        for (row, base, git, rev, want) in secret {
            let got = one_key(Some(base), *git, Some((b"plaintext in etcd", *rev)), true);
            assert_eq!(got, *want, "secret: {row}");
        }
    }

    #[test]
    fn each_class_has_one_step_for_apply_and_one_for_persist_under_every_policy() {
        use ApplyStep::{Keep, Refuse as ARefuse, Write};
        use Class::*;
        use PersistStep::{Leave, Record, Refuse as PRefuse};
        use Policy::*;
        let table: &[(Class, Policy, ApplyStep, PersistStep)] = &[
            (GitOnly, Safe, Write, Leave),
            (EtcdOnly, Safe, Keep, Record),
            (Conflict, Safe, ARefuse, PRefuse),
            (Unbased, Safe, Write, Record),
            (GitOnly, PreferGit, Write, Leave),
            (EtcdOnly, PreferGit, Keep, Record),
            (Conflict, PreferGit, Write, Leave),
            (GitOnly, PreferEtcd, Write, Leave),
            (EtcdOnly, PreferEtcd, Keep, Record),
            (Conflict, PreferEtcd, Keep, Record),
            (GitOnly, Skip, Write, Leave),
            (EtcdOnly, Skip, Keep, Record),
            (Conflict, Skip, Keep, Leave),
            (Unbased, Skip, Write, Record),
            (EtcdOnly, Force, Write, Record),
            (Conflict, Force, Write, PRefuse),
            (Same, Force, Keep, Leave),
        ];
        for (class, policy, apply, persist) in table {
            assert_eq!(
                class.steps(*policy),
                (*apply, *persist),
                "{class:?} under {policy:?}"
            );
        }
    }

    #[test]
    fn the_assessment_counts_every_key_once_and_each_command_reads_its_step() {
        let base = ids(&[(b"g", b"1"), (b"e", b"1"), (b"c", b"1"), (b"s", b"1")]);
        let git = ids(&[(b"g", b"2"), (b"e", b"1"), (b"c", b"2"), (b"s", b"1")]);
        let etcd = ids(&[(b"g", b"1"), (b"e", b"3"), (b"c", b"3"), (b"s", b"1")]);
        let a = assess(Some(&base), &git, &etcd, |k| k == b"e", Policy::PreferEtcd);
        assert_eq!(
            a.counts(),
            ClassCounts {
                same: 1,
                git_only: 1,
                etcd_only: 1,
                conflict: 1,
                unbased: 0
            }
        );
        let recorded: Vec<&[u8]> = a
            .persisting(PersistStep::Record)
            .map(|k| k.key.as_slice())
            .collect();
        assert_eq!(recorded, vec![&b"c"[..], b"e"]);
        let e = a.keys.iter().find(|k| k.key == b"e").unwrap();
        assert!(e.secret);
        assert_eq!(
            (e.apply, e.persist_action()),
            (ApplyStep::Keep, Action::Change)
        );
        let g = a.keys.iter().find(|k| k.key == b"g").unwrap();
        assert_eq!(
            (g.apply, g.apply_action()),
            (ApplyStep::Write, Action::Change)
        );
    }

    /// A conflict `watch` skips keeps its old base, etcd marked as moved from it, so that it
    /// is still a conflict next time; one kept for etcd (`--prefer etcd`) takes Git's value
    /// as its base, so that persist records etcd's next.
    #[test]
    fn a_skipped_conflict_keeps_its_base_and_stays_one() {
        let base = Base::new(ids(&[(b"/n/c", b"1"), (b"/n/d", b"1")]), {
            SyncPoint::new("c".into(), 1, "apply")
        });
        let want = desired(&[(b"/n/c", b"2"), (b"/n/d", b"1")]);
        let have = || vec![kv(b"/n/c", b"3", 5, 0), kv(b"/n/d", b"4", 5, 0)];
        let skipped = plan(
            &want,
            have(),
            Some(&base),
            Policy::Skip,
            |_| false,
            |_| false,
            hash,
        );
        assert!(skipped.conflicts.is_empty() && skipped.changes.is_empty());
        let unsettled = skipped.unsettled(Some(&base));
        let c = unsettled.iter().find(|u| u.key == b"/n/c").unwrap();
        assert_eq!((c.base, c.etcd), (Some(hash(b"1")), true));
        let d = unsettled.iter().find(|u| u.key == b"/n/d").unwrap();
        assert_eq!(
            (d.base, d.etcd),
            (Some(hash(b"1")), true),
            "drift keeps its base"
        );
        let point = {
            let mut p = SyncPoint::new("c".into(), 1, "apply");
            p.set_unsettled(unsettled);
            p
        };
        let again = plan(
            &want,
            have(),
            Some(&Base::new(ids(&[(b"/n/c", b"1"), (b"/n/d", b"1")]), point)),
            Policy::Safe,
            |_| false,
            |_| false,
            hash,
        );
        assert_eq!(again.conflicts.len(), 1, "still a conflict");
        let resolved = plan(
            &want,
            have(),
            Some(&base),
            Policy::PreferEtcd,
            |_| false,
            |_| false,
            hash,
        );
        let c = resolved
            .unsettled(Some(&base))
            .into_iter()
            .find(|u| u.key == b"/n/c")
            .unwrap();
        assert_eq!(c.base, Some(hash(b"2")), "Git's value becomes the base");
    }

    /// One key's history for [`incremental_and_full_plans_agree`]: at the sync point's
    /// commit, in the record, in etcd at the agreement, and after it on both sides.
    #[derive(Debug, Clone)]
    struct History {
        /// The commit's file: a value (0..3), or none.
        commit: Option<u8>,
        secret: bool,
        /// Unsettled in the record: its own base (a value or none), and whether etcd differed.
        unsettled: Option<(Option<u8>, bool)>,
        /// etcd at the agreement, when it differed (unsettled with `etcd`): a value or none.
        etcd_then: Option<u8>,
        /// Git's file now (`None`: as in the commit; `Some(None)`: deleted).
        git_now: Option<Option<u8>>,
        /// etcd written since: `Some(None)` deleted, `Some(Some(v))` put; written by the
        /// recording command itself instead of someone else.
        etcd_now: Option<Option<u8>>,
        own_write: bool,
        /// Attached to a lease now, or ephemeral.
        leased: bool,
        ephemeral: bool,
    }

    fn history() -> impl proptest::strategy::Strategy<Value = History> {
        use proptest::prelude::*;
        let value = proptest::option::of(0u8..3);
        (
            (value.clone(), any::<bool>()),
            proptest::option::weighted(0.2, (value.clone(), any::<bool>())),
            value.clone(),
            proptest::option::weighted(0.3, value.clone()),
            (proptest::option::weighted(0.3, value), any::<bool>()),
            (proptest::bool::weighted(0.1), proptest::bool::weighted(0.1)),
        )
            .prop_map(
                |((commit, secret), unsettled, etcd_then, git_now, (etcd_now, own), (l, e))| {
                    History {
                        commit,
                        secret,
                        unsettled,
                        etcd_then,
                        git_now,
                        etcd_now,
                        own_write: own,
                        leased: l,
                        ephemeral: e,
                    }
                },
            )
    }

    /// The plan as data every command reads, to compare two plans.
    fn shape(p: &Plan) -> String {
        let list = |l: &[Change]| {
            l.iter()
                .map(|c| {
                    format!(
                        "{:?} {:?} {:?} {:?} {:?} {:?} {:?} {} {:?}",
                        String::from_utf8_lossy(&c.key),
                        c.action,
                        c.class,
                        c.new_oid,
                        c.old,
                        c.base_oid,
                        c.path,
                        c.expect_mod_revision,
                        c.secret
                    )
                })
                .collect::<Vec<_>>()
        };
        format!(
            "changes {:?}\nkept {:?}\nconflicts {:?}\nunchanged {} managed {} leased {:?} \
             ephemeral {}",
            list(&p.changes),
            list(&p.kept),
            list(&p.conflicts),
            p.unchanged,
            p.managed_in_etcd,
            p.leased,
            p.ephemeral_in_etcd
        )
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(500))]

        /// The incremental plan ([`touched`], [`plan_touched`]) is the full plan ([`plan`])
        /// on random histories that keep the sync point's promise: etcd held every key's base
        /// at the agreement, but for the unsettled keys it differed on.
        #[test]
        fn incremental_and_full_plans_agree(
            keys in proptest::collection::vec(history(), 1..12),
            policy in proptest::prop_oneof![
                proptest::strategy::Just(Policy::Safe),
                proptest::strategy::Just(Policy::PreferGit),
                proptest::strategy::Just(Policy::PreferEtcd)
            ],
        ) {
            // Values: plain ones as they are; a secret's file is "ciphertext" of its value
            // and etcd holds the plaintext.
            let plain = |v: u8| format!("value {v}").into_bytes();
            let sealed = |v: u8| format!("age of {v}").into_bytes();
            let file = |v: u8, secret: bool| if secret { sealed(v) } else { plain(v) };
            let name = |i: usize| format!("/n/k{i:02}").into_bytes();
            let mut point = SyncPoint::new("c".into(), 1, "apply");
            point.read_revision = Some(100);
            point.add_own_revision(103);
            point.revision = 100;
            point.recorded_at = 105;
            let mut commit = BTreeMap::new();
            let mut target = BTreeMap::new();
            let mut unsettled = Vec::new();
            let mut etcd = Vec::new();
            let mut git_changed = BTreeSet::new();
            for (i, h) in keys.iter().enumerate() {
                let key = name(i);
                let entry = |v: u8| DesiredEntry {
                    path: format!("kv/k{i:02}{}", if h.secret { ".age" } else { "" }),
                    oid: hash(&file(v, h.secret)),
                    secret: h.secret,
                };
                if h.ephemeral {
                    // Never in Git (load leaves ephemeral files out), sometimes in etcd.
                    if let Some(Some(v)) = h.etcd_now {
                        etcd.push(kv(&key, &plain(v), 150, 0));
                    }
                    continue;
                }
                if let Some(v) = h.commit {
                    commit.insert(key.clone(), entry(v));
                }
                let now = h.git_now.unwrap_or(h.commit);
                if let Some(v) = now {
                    target.insert(key.clone(), entry(v));
                }
                if h.git_now.is_some_and(|n| n != h.commit) {
                    git_changed.insert(key.clone());
                }
                let base = match h.unsettled {
                    Some((b, etcd_moved)) => {
                        unsettled.push(Unsettled {
                            key: key.clone(),
                            base: b.map(|v| hash(&file(v, h.secret))),
                            etcd: etcd_moved,
                            secret: b.is_some() && h.secret,
                        });
                        (b, etcd_moved)
                    }
                    None => (h.commit, false),
                };
                // etcd at the agreement: the base, unless it differed then.
                let then = match base {
                    (_, true) => h.etcd_then,
                    (b, false) => b,
                };
                let (value, revision) = match h.etcd_now {
                    None => (then, 50),
                    // The recording command's own write: what the base says (it wrote only
                    // keys it made agree).
                    Some(_) if h.own_write && !base.1 => (base.0, 103),
                    Some(v) => (v, 150),
                };
                if let Some(v) = value {
                    let lease = if h.leased { 7 } else { 0 };
                    let revision = if h.leased { 150 } else { revision };
                    etcd.push(kv(&key, &plain(v), revision, lease));
                }
            }
            point.set_unsettled(unsettled);
            let base = Base::of_commit(&commit, point);
            let secret = |k: &[u8]| keys[..].iter().enumerate().any(|(i, h)| h.secret && name(i) == k);
            let ephemeral = |k: &[u8]| keys[..].iter().enumerate().any(|(i, h)| h.ephemeral && name(i) == k);
            let full = plan(&target, etcd.clone(), Some(&base), policy, ephemeral, secret, hash);
            let listing: Vec<KeyValue> = etcd
                .iter()
                .map(|e| KeyValue { value: Vec::new(), ..e.clone() })
                .collect();
            let etcd_leased: BTreeSet<Vec<u8>> =
                etcd.iter().filter(|e| e.lease != 0).map(|e| e.key.clone()).collect();
            let base_keys = base.entries.keys().map(Vec::as_slice);
            let touched = touched(&target, &listing, &base.point, base_keys, &git_changed, ephemeral)
                .expect("the promise holds");
            let read: Vec<KeyValue> = etcd
                .into_iter()
                .map(|e| match touched.keys.contains(&e.key) {
                    true => e,
                    false => KeyValue { value: Vec::new(), ..e },
                })
                .collect();
            // As an incremental read builds it: the bases of the assessed and leased keys only.
            let kept = |k: &Vec<u8>| {
                touched.keys.contains(k) || etcd_leased.contains(k.as_slice())
            };
            let partial = Base {
                entries: base.entries.iter().filter(|(k, _)| kept(k)).map(|(k, v)| (k.clone(), *v)).collect(),
                secrets: base.secrets.iter().filter(|k| kept(k)).cloned().collect(),
                point: base.point.clone(),
            };
            let incremental =
                plan_touched(&target, read, &partial, &touched, policy, ephemeral, secret, hash);
            proptest::prop_assert_eq!(shape(&incremental), shape(&full));
        }
    }

    #[test]
    fn an_incremental_plan_refuses_a_listing_that_breaks_the_sync_points_promise() {
        let mut point = SyncPoint::new("c".into(), 1, "apply");
        point.revision = 100;
        point.recorded_at = 100;
        let committed = desired(&[(b"/n/a", b"1")]);
        let base = Base::of_commit(&committed, point);
        // A key etcd has not written since the agreement, which the base does not have.
        let listing = vec![kv(b"/n/a", b"", 50, 0), kv(b"/n/stray", b"", 60, 0)];
        let keys = || base.entries.keys().map(Vec::as_slice);
        let got = touched(
            &committed,
            &listing,
            &base.point,
            keys(),
            &BTreeSet::new(),
            |_| false,
        );
        assert!(got.is_err(), "{got:?}");
        // Git changed a key the caller did not say: the two sides count differently.
        let listing = vec![kv(b"/n/a", b"", 50, 0)];
        let moved = desired(&[(b"/n/a", b"1"), (b"/n/new", b"2")]);
        let got = touched(
            &moved,
            &listing,
            &base.point,
            keys(),
            &BTreeSet::new(),
            |_| false,
        );
        assert!(got.is_err(), "{got:?}");
        let told = [b"/n/new".to_vec()].into_iter().collect();
        let got = touched(&moved, &listing, &base.point, keys(), &told, |_| false).unwrap();
        assert_eq!(got.unchanged, 1);
        assert_eq!(got.keys, told);
    }

    #[test]
    fn rule_is_the_table() {
        use Class::*;
        let c = |git, etcd| Some(Changed { git, etcd });
        assert_eq!(rule(true, c(true, true)), Same);
        assert_eq!(rule(true, None), Same);
        assert_eq!(rule(false, None), Unbased);
        assert_eq!(rule(false, c(true, false)), GitOnly);
        assert_eq!(rule(false, c(false, true)), EtcdOnly);
        assert_eq!(rule(false, c(true, true)), Conflict);
    }

    #[test]
    fn each_side_reports_its_own_action_from_the_base() {
        let base = Base {
            entries: ids(&[(b"/n/edel", b"1"), (b"/n/echg", b"1"), (b"/n/both", b"1")]),
            secrets: Default::default(),
            point: SyncPoint::new("c".into(), 1, "apply"),
        };
        // apply's view: Git (new) against etcd (old).
        let p = plan(
            &desired(&[(b"/n/edel", b"1"), (b"/n/echg", b"1"), (b"/n/both", b"2")]),
            vec![
                kv(b"/n/eadd", b"x", 5, 0),
                kv(b"/n/echg", b"3", 5, 0),
                kv(b"/n/both", b"3", 5, 0),
            ],
            Some(&base),
            Policy::PreferEtcd,
            |_| false,
            |_| false,
            hash,
        );
        type Sides<'a> = (&'a [u8], Action, Option<Action>, Option<Action>);
        let got: Vec<Sides> = p
            .kept
            .iter()
            .map(|c| (c.key.as_slice(), c.action, c.git_action(), c.etcd_action()))
            .collect();
        assert_eq!(
            got,
            vec![
                (
                    &b"/n/both"[..],
                    Action::Change,
                    Some(Action::Change),
                    Some(Action::Change)
                ),
                // apply would delete it; in etcd it was added.
                (b"/n/eadd", Action::Delete, None, Some(Action::Add)),
                (b"/n/echg", Action::Change, None, Some(Action::Change)),
                // apply would add it; in etcd it was deleted.
                (b"/n/edel", Action::Add, None, Some(Action::Delete)),
            ]
        );
        let unbased = plan(
            &desired(&[(b"/n/a", b"1")]),
            vec![],
            None,
            Policy::Safe,
            |_| false,
            |_| false,
            hash,
        );
        let c = &unbased.changes[0];
        assert_eq!((c.git_action(), c.etcd_action()), (Some(Action::Add), None));
    }

    #[test]
    fn mass_delete_is_more_than_the_fraction_or_everything() {
        assert!(!is_mass_delete(0, 0, 0.25));
        assert!(!is_mass_delete(0, 10, 0.0));
        assert!(
            !is_mass_delete(25, 100, 0.25),
            "exactly the fraction is allowed"
        );
        assert!(is_mass_delete(26, 100, 0.25));
        assert!(
            is_mass_delete(1, 1, 1.0),
            "all of them, whatever the fraction"
        );
        assert!(is_mass_delete(3, 3, 1.0));
        assert!(!is_mass_delete(2, 3, 1.0));
        assert!(is_mass_delete(1, 100, 0.0));
    }

    #[test]
    fn three_way_follows_the_rule() {
        let base = ids(&[
            (b"same", b"1"),
            (b"git", b"1"),
            (b"etcd", b"1"),
            (b"both", b"1"),
            (b"conv", b"1"),
            (b"gdel", b"1"),
            (b"edel", b"1"),
            (b"alldel", b"1"),
        ]);
        let git = ids(&[
            (b"same", b"1"),
            (b"git", b"2"),
            (b"etcd", b"1"),
            (b"both", b"2"),
            (b"conv", b"2"),
            (b"edel", b"1"),
            (b"gadd", b"x"),
        ]);
        let etcd = ids(&[
            (b"same", b"1"),
            (b"git", b"1"),
            (b"etcd", b"3"),
            (b"both", b"3"),
            (b"conv", b"2"),
            (b"gdel", b"1"),
            (b"eadd", b"y"),
        ]);
        assert_eq!(
            classes(Some(&base), &git, &etcd),
            (
                named(&[
                    (b"both", Class::Conflict),
                    (b"eadd", Class::EtcdOnly),
                    (b"edel", Class::EtcdOnly),
                    (b"etcd", Class::EtcdOnly),
                    (b"gadd", Class::GitOnly),
                    (b"gdel", Class::GitOnly),
                    (b"git", Class::GitOnly),
                ]),
                // conv and same; alldel is gone from every side, so no key at all
                2
            )
        );
        let got = assess(Some(&base), &git, &etcd, |_| false, Policy::Safe);
        let edel = got.keys.iter().find(|c| c.key == b"edel").unwrap();
        assert_eq!((edel.git, edel.etcd), (Some(hash(b"1")), None));
    }

    #[test]
    fn three_way_without_base_only_knows_differences() {
        let git = ids(&[(b"a", b"1"), (b"b", b"1")]);
        let etcd = ids(&[(b"a", b"1"), (b"b", b"2"), (b"c", b"3")]);
        assert_eq!(
            classes(None, &git, &etcd),
            (named(&[(b"b", Class::Unbased), (b"c", Class::Unbased)]), 1)
        );
    }

    #[test]
    fn both_sides_adding_the_same_value_is_not_a_conflict() {
        let base = ids(&[]);
        let same = ids(&[(b"k", b"v")]);
        assert_eq!(classes(Some(&base), &same, &same), (vec![], 1));
        let other = ids(&[(b"k", b"w")]);
        assert_eq!(
            classes(Some(&base), &same, &other),
            (named(&[(b"k", Class::Conflict)]), 0)
        );
    }
}
