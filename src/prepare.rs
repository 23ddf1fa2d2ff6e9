//! Read both sides (a Git revision and etcd under the managed prefixes, at one revision) and
//! plan: the shared first half of `diff`, `apply`, `restore` and `status`.

use std::collections::{BTreeMap, BTreeSet};

use crate::desired::{self, Desired, Loading};
use crate::git::Repo;
use crate::kv::Kv;
use crate::plan::{self, Base, Plan, Policy, Sealed};
use crate::progress::Progress;
use crate::secrets::{self, Identities};
use crate::syncpoint::{self, SyncPoint};

/// Why reading both sides failed.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Kv(#[from] crate::kv::Error),
    #[error(transparent)]
    Git(#[from] crate::git::Error),
    #[error(transparent)]
    Desired(#[from] desired::Error),
    #[error(transparent)]
    BaseMissing(#[from] desired::BaseMissing),
    #[error(transparent)]
    Secrets(#[from] secrets::Error),
}

/// Both sides read, and the plan between them.
pub struct Prepared {
    pub desired: Desired,
    pub plan: Plan,
    pub etcd_revision: i64,
    pub cluster_id: u64,
    pub sync_point: Option<SyncPoint>,
    /// Each key's base, when the plan was made three ways (a sync point of this cluster).
    /// After an incremental read, only of the keys the plan assessed (every key that differs)
    /// and of the keys attached to a lease: the others are the same on all three sides.
    pub base: Option<Base>,
}

impl Prepared {
    /// With `signers`, check that every commit this deployment may bring is signed by one
    /// of them ([`crate::trust`]); `None` without.
    pub fn check_signatures(
        &self,
        repo: &Repo,
        signers: Option<&crate::git::AllowedSigners>,
    ) -> Result<Option<crate::trust::Verified>, crate::trust::Error> {
        let Some(signers) = signers else {
            return Ok(None);
        };
        crate::trust::check(
            repo,
            signers,
            self.desired.revision.commit,
            self.sync_point.as_ref(),
            self.cluster_id,
        )
        .map(Some)
    }
}

/// How to compare the two sides.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compare {
    /// Against each key's base from the sync point (when there is one for this cluster),
    /// with `Policy` choosing the side where the rule does not decide alone.
    ThreeWay(Policy),
    /// Git against etcd alone: every difference is written to etcd (`restore`,
    /// `apply --force`).
    TwoWay,
}

/// How much of etcd to read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Read {
    /// Only what changed since the sync point, when there is one this run can rest on (see
    /// [`prepare`]); every value otherwise.
    #[default]
    Incremental,
    /// Every value, always (testing and benchmarking aid: `NETSYNC_FULL_READ`).
    Full,
}

/// Read etcd under the prefixes of `desired`, and the sync point, and plan
/// ([`plan::plan`]: every key assessed by the three-way rule, or two ways).
pub async fn prepare(
    repo: &Repo,
    desired: Desired,
    kv: &mut impl Kv,
    progress: &Progress,
    compare: Compare,
) -> Result<Prepared, Error> {
    prepare_read(repo, desired, kv, progress, compare, Read::Incremental).await
}

/// [`prepare`], reading etcd as `read` says.
///
/// With a sync point of this cluster (three ways), it reads only what changed since: Git's
/// target tree is compared with the sync point's commit, descending only into subtrees
/// whose ids differ, and etcd is listed without values (each key's `mod_revision`); values
/// are read only for the keys either side changed, and the rest are counted as the same.
/// The plan is the one a full read makes ([`plan::plan_touched`]). It falls back to reading
/// every value, and says why at `-v`, when it cannot rest on the sync point: none, another
/// cluster's, a commit the repository lacks, different key rules in its `netsync.toml`, a
/// persist commit after it that was never recorded, most keys changed, or a read that
/// failed (a compacted revision).
///
/// `desired` may still be walking its tree ([`Loading::start`]): etcd is read meanwhile, and
/// an error of the walk wins over one of etcd.
pub async fn prepare_read(
    repo: &Repo,
    desired: impl Into<Loading>,
    kv: &mut impl Kv,
    progress: &Progress,
    compare: Compare,
    read: Read,
) -> Result<Prepared, Error> {
    let loading: Loading = desired.into();
    for warning in loading.config.warnings() {
        tracing::warn!("{warning}");
    }
    let prefixes: Vec<Vec<u8>> = loading
        .config
        .mappings
        .iter()
        .map(|m| m.prefix.clone())
        .collect();
    let policy = match compare {
        Compare::ThreeWay(policy) => Some(policy),
        Compare::TwoWay => None,
    };
    let mut pending = Pending::Walking(loading);
    if let (Some(policy), Read::Incremental) = (policy, read) {
        // etcd's keys without values, then the record (whose revision must not be newer than
        // the listing's: a record written after the keys were listed could make keys written
        // before it look unchanged). A failed listing is the error: the full read would meet
        // the same etcd, and waiting for it twice doubles every timeout.
        let bar = progress.counter("reading etcd");
        let listed = kv
            .list_keys(
                &prefixes,
                crate::kv::PAGE_SIZE * crate::kv::KEYS_ONLY_PAGE_FACTOR,
                &mut |n| bar.set(n as u64),
            )
            .await;
        bar.finish();
        let desired = pending.desired().await?;
        let listing = match listed {
            Ok(listing) => listing,
            Err(err) => return Err(err.into()),
        };
        crate::testhook::run("after_listing");
        let outcome = match syncpoint::read(kv, &desired.config).await? {
            None => Err("no sync point to read only what changed since".to_owned()),
            Some(point) if point.recorded_at > listing.revision => {
                Err("the sync point was recorded after etcd's keys were listed".to_owned())
            }
            Some(point) => incremental(repo, &desired, kv, listing, &point, policy)
                .await?
                .map(|done| (done, point)),
        };
        match outcome {
            Ok(((plan, listing, base), point)) => {
                return Ok(finish(desired, plan, listing, Some(point), Some(base)));
            }
            Err(reason) => {
                tracing::info!("incremental read not possible ({reason}); reading every value");
                pending = Pending::Walked(desired);
            }
        }
    }
    let bar = progress.counter("reading etcd");
    let snapshot = kv
        .snapshot(&prefixes, crate::kv::PAGE_SIZE, &mut |n| bar.set(n as u64))
        .await;
    bar.finish();
    let desired = pending.desired().await?;
    let snapshot = snapshot?;
    tracing::debug!(
        revision = snapshot.revision,
        keys = snapshot.entries.len(),
        "read etcd"
    );
    let sync_point = syncpoint::read(kv, &desired.config).await?;
    let base = match policy {
        Some(_) => base(
            repo,
            sync_point.as_ref(),
            snapshot.cluster_id,
            desired.revision.commit,
            snapshot.revision,
        )?,
        None => None,
    };
    let config = &desired.config;
    let hash_kind = repo.gix().object_hash();
    let listing = crate::kv::Snapshot {
        entries: Vec::new(),
        ..snapshot
    };
    let plan = plan::plan(
        &desired.entries,
        snapshot.entries,
        base.as_ref(),
        policy.unwrap_or(Policy::Force),
        |key| config.is_ephemeral(key),
        |key| config.is_secret(key),
        |value| crate::git::blob_id(hash_kind, value),
    );
    Ok(finish(desired, plan, listing, sync_point, base))
}

/// The desired state, its tree still being walked or walked.
enum Pending {
    Walking(Loading),
    Walked(Desired),
}

impl Pending {
    /// The desired state once its walk is done (its warnings said once).
    async fn desired(self) -> Result<Desired, Error> {
        let loading = match self {
            Pending::Walked(desired) => return Ok(desired),
            Pending::Walking(loading) => loading,
        };
        let desired = loading.wait().await?;
        for path in &desired.ignored_ephemeral {
            tracing::warn!(%path, "file names an ephemeral key; it is never written");
        }
        tracing::debug!(keys = desired.entries.len(), "Git's target tree walked");
        Ok(desired)
    }
}

/// The prepared plan, with the warnings every path gives.
fn finish(
    desired: Desired,
    plan: Plan,
    read: crate::kv::Snapshot,
    sync_point: Option<SyncPoint>,
    base: Option<Base>,
) -> Prepared {
    for skipped in plan.leased.iter().filter(|s| s.in_git) {
        tracing::warn!(
            key = %crate::keypath::display_key(&skipped.key),
            "key is attached to a lease in etcd; left alone although Git has it"
        );
    }
    Prepared {
        desired,
        plan,
        etcd_revision: read.revision,
        cluster_id: read.cluster_id,
        sync_point,
        base,
    }
}

/// What the incremental read made: the plan, the listing's revision and cluster, the base.
type Incremental = (Plan, crate::kv::Snapshot, Base);

/// The incremental read and plan of [`prepare_read`]: `Ok(Err(why))` when it cannot rest on
/// `point`, for the caller to read every value instead.
async fn incremental(
    repo: &Repo,
    desired: &Desired,
    kv: &mut impl Kv,
    mut listing: crate::kv::Snapshot,
    point: &SyncPoint,
    policy: Policy,
) -> Result<Result<Incremental, String>, Error> {
    let config = &desired.config;
    // Read and checked: a damaged commit is an error, not a reason to read differently.
    let commit = match crate::git::ObjectId::from_hex(point.commit.as_bytes()) {
        Ok(commit) if repo.has_commit(commit)? => commit,
        _ => {
            return Ok(Err(
                "the repository lacks the sync point's commit".to_owned()
            ))
        }
    };
    let at_point = repo.resolve(&commit.to_string())?;
    match desired::load_config(repo, &at_point) {
        Ok(then) if then.same_key_rules(config) => {}
        _ => return Ok(Err("netsync.toml changed since the sync point".to_owned())),
    }
    // Git: only the files that differ from the sync point's commit.
    let Some(layers) = Layers::between(repo, desired, &at_point, point)? else {
        return Ok(Err(
            "the sync point's commit does not read as a desired state".to_owned(),
        ));
    };
    let git_changed: BTreeSet<Vec<u8>> = layers.before.keys().cloned().collect();
    tracing::debug!(
        changed = git_changed.len(),
        "Git compared with the sync point's commit"
    );
    tracing::debug!(keys = listing.entries.len(), "etcd's keys listed");
    let cluster = format!("{:x}", listing.cluster_id);
    if cluster != point.cluster_id {
        return Ok(Err(format!(
            "the sync point is of cluster {}, etcd is cluster {cluster}",
            point.cluster_id
        )));
    }
    if crate::adopt::adopt(repo, point, desired.revision.commit, Some(listing.revision))?.is_some()
    {
        return Ok(Err(
            "a persist commit after the sync point was never recorded".to_owned(),
        ));
    }
    let touched = match plan::touched(
        &desired.entries,
        &listing.entries,
        point,
        layers.keys(),
        &git_changed,
        |k| config.is_ephemeral(k),
    ) {
        Ok(touched) => touched,
        Err(why) => return Ok(Err(why.to_owned())),
    };
    // The base of the keys the plan assesses, and of the leased ones (apply keeps theirs).
    let leased = listing
        .entries
        .iter()
        .filter(|kv| kv.lease != 0)
        .map(|kv| kv.key.as_slice());
    let base = layers.base_of(touched.keys.iter().map(Vec::as_slice).chain(leased));
    // The values of the keys either side changed, as the listing saw them.
    let wanted: Vec<&[u8]> = listing
        .entries
        .iter()
        .filter(|kv| touched.keys.contains(&kv.key))
        .map(|kv| kv.key.as_slice())
        .collect();
    if !crate::kv::read_one_by_one(wanted.len(), listing.entries.len()) {
        return Ok(Err("most keys changed since the sync point".to_owned()));
    }
    tracing::debug!(read = wanted.len(), "keys changed on either side");
    crate::testhook::run("before_values");
    let values = match kv.get_at(&wanted, listing.revision).await {
        Ok(values) => values,
        // Compacted since the listing: the full read reads at the newest revision instead.
        Err(crate::kv::Error::Compacted { revision }) => {
            return Ok(Err(format!(
                "revision {revision} was compacted before the changed values were read"
            )))
        }
        Err(err) => return Err(err.into()),
    };
    drop(wanted);
    let mut values = values.into_iter().peekable();
    for entry in &mut listing.entries {
        if !touched.keys.contains(&entry.key) {
            continue;
        }
        match values.next_if(|v| v.key == entry.key) {
            Some(v) if v.mod_revision == entry.mod_revision && v.lease == entry.lease => {
                entry.value = v.value;
            }
            _ => return Ok(Err("the two reads of etcd disagree".to_owned())),
        }
    }
    tracing::info!(
        revision = listing.revision,
        since = point.revision,
        keys = listing.entries.len(),
        git_changed = git_changed.len(),
        read = touched.keys.len(),
        "incremental read: only the keys changed since the sync point"
    );
    let hash_kind = repo.gix().object_hash();
    let entries = std::mem::take(&mut listing.entries);
    let plan = plan::plan_touched(
        &desired.entries,
        entries,
        &base,
        &touched,
        policy,
        |key| config.is_ephemeral(key),
        |key| config.is_secret(key),
        |value| crate::git::blob_id(hash_kind, value),
    );
    Ok(Ok((plan, listing, base)))
}

/// Each key's base as an incremental read knows it, without building it for every key: the
/// target's files, under the keys whose file differs from the sync point's commit as the
/// commit holds them (`before`), under the record's unsettled keys' own bases. What
/// [`Base::of_commit`] makes of the commit, key by key.
struct Layers<'a> {
    desired: &'a Desired,
    /// The keys whose file differs between the sync point's commit and the target, as the
    /// commit holds them: (blob, age file), or absent.
    before: BTreeMap<Vec<u8>, Option<(crate::git::ObjectId, bool)>>,
    point: &'a SyncPoint,
    /// Keys with a layer but no file in the target, sorted: merged into [`Layers::keys`].
    extra: Vec<Vec<u8>>,
}

impl<'a> Layers<'a> {
    /// The layers between the sync point's commit (`at_point`) and `desired`. `None` when a
    /// file that differs does not read as a key file, or disagrees with `desired` (the full
    /// read says why).
    fn between(
        repo: &Repo,
        desired: &'a Desired,
        at_point: &crate::git::Revision,
        point: &'a SyncPoint,
    ) -> Result<Option<Self>, Error> {
        let Some(between) =
            desired::changed_between(repo, &desired.config, at_point, &desired.revision)?
        else {
            return Ok(None);
        };
        for (key, b) in &between {
            if b.after.map(|(oid, _)| oid) != desired.entries.get(key).map(|e| e.oid) {
                return Ok(None);
            }
        }
        let before: BTreeMap<Vec<u8>, _> =
            between.into_iter().map(|(k, b)| (k, b.before)).collect();
        let mut extra: Vec<Vec<u8>> = before
            .keys()
            .chain(point.unsettled.iter().map(|u| &u.key))
            .filter(|k| !desired.entries.contains_key(*k))
            .cloned()
            .collect();
        extra.sort();
        extra.dedup();
        Ok(Some(Self {
            desired,
            before,
            point,
            extra,
        }))
    }

    /// The base of `key`: its blob and whether it is an age file; `None`: no base.
    fn get(&self, key: &[u8]) -> Option<(crate::git::ObjectId, bool)> {
        if let Some(u) = self.point.unsettled(key) {
            return u.base.map(|oid| (oid, u.secret));
        }
        match self.before.get(key) {
            Some(then) => *then,
            None => self.desired.entries.get(key).map(|e| (e.oid, e.secret)),
        }
    }

    /// Every key that has a base, in order.
    fn keys(&self) -> impl Iterator<Item = &[u8]> + '_ {
        let mut extra = self.extra.iter().map(Vec::as_slice).peekable();
        let mut files = self.desired.entries.keys().map(Vec::as_slice).peekable();
        std::iter::from_fn(move || match (files.peek(), extra.peek()) {
            (Some(f), Some(e)) if e < f => extra.next(),
            (Some(_), _) => files.next(),
            (None, _) => extra.next(),
        })
        .filter(|k| self.get(k).is_some())
    }

    /// A [`Base`] holding the bases of `keys` alone (with the record).
    fn base_of<'k>(&self, keys: impl Iterator<Item = &'k [u8]>) -> Base {
        let mut entries = BTreeMap::new();
        let mut secrets = BTreeSet::new();
        for key in keys {
            if let Some((oid, secret)) = self.get(key) {
                entries.insert(key.to_vec(), oid);
                if secret {
                    secrets.insert(key.to_vec());
                }
            }
        }
        Base {
            entries,
            secrets,
            point: self.point.clone(),
        }
    }
}

/// Read Git's value of every key that differs from Git, decrypting every secret. Done for
/// the whole plan before the first write, so that an unreadable object or a secret that does
/// not decrypt (no identity, wrong identity, tampered, moved) stops the run with etcd
/// untouched. Secrets whose plaintext equals etcd's value then leave the plan.
pub fn load_new_values(repo: &Repo, plan: &mut Plan, identities: &Identities) -> Result<(), Error> {
    load_new_values_seen(repo, plan, identities, &mut |_, _| {})
}

/// [`load_new_values`], showing `seen` each secret's key and plaintext once it is decrypted,
/// before the secrets equal to etcd's values leave the plan (restore keeps what it needs to
/// verify them, without decrypting twice).
pub fn load_new_values_seen(
    repo: &Repo,
    plan: &mut Plan,
    identities: &Identities,
    seen: &mut dyn FnMut(&[u8], &[u8]),
) -> Result<(), Error> {
    let mut all = differing(plan);
    let sealed = read_git_values(repo, &mut all)?;
    let plaintexts = secrets::decrypt_all(
        sealed.iter().map(|&i| {
            let c = &all[i];
            (c.key.as_slice(), c.new.as_deref().unwrap_or_default())
        }),
        identities,
    )?;
    for (i, plaintext) in sealed.into_iter().zip(plaintexts) {
        seen(&all[i].key, &plaintext);
        all[i].new = Some(plaintext.to_vec());
    }
    plan.settle_secrets();
    Ok(())
}

/// [`load_new_values`] for showing the plan (`diff`), which needs no private key to show
/// what it can: with no identity at all, each secret in Git stays sealed (checked only as far
/// as that takes no key: armor and age header), marked [`Sealed::NoIdentity`] with `new`
/// left `None`. Where etcd holds a value too, whether the secret differs is then not known
/// ([`plan::Change::not_compared`]). Secrets the plan already decided without decrypting
/// (the same ciphertext as at the sync point and etcd unchanged since) are not in it. With
/// any identity this is [`load_new_values`]: a wrong identity or a tampered file is an error.
pub fn load_values_to_show(
    repo: &Repo,
    plan: &mut Plan,
    identities: &Identities,
) -> Result<(), Error> {
    if !identities.is_empty() {
        return load_new_values(repo, plan, identities);
    }
    let mut all = differing(plan);
    for i in read_git_values(repo, &mut all)? {
        let change = &mut all[i];
        secrets::check_sealed(&change.key, change.new.as_deref().unwrap_or_default())?;
        change.new = None;
        change.sealed = Some(Sealed::NoIdentity);
    }
    Ok(())
}

/// Every key of `plan` that differs: to write, kept, in conflict.
fn differing(plan: &mut Plan) -> Vec<&mut plan::Change> {
    plan.changes
        .iter_mut()
        .chain(&mut plan.kept)
        .chain(&mut plan.conflicts)
        .collect()
}

/// Load Git's value of each of `all` into `new`; the positions of those that are age files,
/// whose `new` is ciphertext still.
fn read_git_values(repo: &Repo, all: &mut [&mut plan::Change]) -> Result<Vec<usize>, Error> {
    repo.read_in_parallel(all, |repo, part| {
        for change in part.iter_mut() {
            if let Some(oid) = change.new_oid {
                let path = change.path.as_deref().unwrap_or_default();
                change.new = Some(repo.read_blob(oid).map_err(|e| e.in_file(path))?);
            }
        }
        Ok(())
    })?;
    let sealed = all
        .iter()
        .enumerate()
        .filter(|(_, c)| c.new_oid.is_some() && c.secret)
        .filter(|(_, c)| c.path.as_deref().is_some_and(is_age_path))
        .map(|(i, _)| i)
        .collect();
    Ok(sealed)
}

/// The merge base for the three-way rule: each key's base from the sync point, when the
/// sync point belongs to this cluster. `None` (with a warning) for a sync point recorded in
/// another cluster; an error when the repository lacks the sync point's commit, since
/// guessing would risk reverting one side.
fn base(
    repo: &Repo,
    sync_point: Option<&SyncPoint>,
    cluster_id: u64,
    target: crate::git::ObjectId,
    etcd_revision: i64,
) -> Result<Option<Base>, Error> {
    let Some(point) = sync_point else {
        return Ok(None);
    };
    if point.cluster_id != format!("{cluster_id:x}") {
        tracing::warn!(
            recorded = %point.cluster_id,
            "the sync point was recorded in another etcd cluster; comparing two ways"
        );
        return Ok(None);
    }
    // A persist killed before it recorded left its commit on the way to the target: adopt
    // what its trailers prove.
    let adopted = crate::adopt::adopt(repo, point, target, Some(etcd_revision))?;
    let point = adopted.as_ref().unwrap_or(point);
    let base = desired::load_base(repo, &point.commit)?.ok_or_else(|| desired::BaseMissing {
        commit: point.commit.clone(),
        repo: repo.path().to_owned(),
    })?;
    Ok(Some(Base::of_commit(&base.entries, point.clone())))
}

fn is_age_path(path: &str) -> bool {
    path.ends_with(crate::keypath::SECRET_SUFFIX)
}

/// Every guard's verdict on the classified plan of `prepared`, stored in it: apply's prune
/// guard, persist's mass-delete guard on the deletions it would record, and the largest write
/// apply would send against `max_request` (`envelope`: what etcd adds around it).
pub fn judge(prepared: &mut Prepared, max_request: usize, envelope: usize) {
    let config = &prepared.desired.config;
    let plan = &prepared.plan;
    // What persist would record as deleted (drift, or every key etcd lacks when there is no
    // sync point), against the managed keys in Git, as persist weighs it.
    let persist_deletes = plan
        .changes
        .iter()
        .chain(&plan.kept)
        .chain(&plan.conflicts)
        .filter(|c| c.persist == plan::PersistStep::Record && c.old.is_none())
        .count();
    let leased_in_git = plan.leased.iter().filter(|s| s.in_git).count();
    let managed_in_git = prepared.desired.entries.len() - leased_in_git;
    let lock_key_len = crate::lock::key(config).len();
    let largest_write = plan
        .changes
        .iter()
        // A secret left sealed has no known size: it is not weighed.
        .filter(|c| c.action != plan::Action::Delete && c.sealed.is_none())
        .map(|c| {
            let op = crate::kv::Guarded {
                key: &c.key,
                value: c.new.as_deref(),
                expect_mod_revision: c.expect_mod_revision,
            };
            (c, crate::kv::wire::alone(&op, lock_key_len) + envelope)
        })
        .max_by_key(|(_, bytes)| *bytes)
        .map(|(c, request_bytes)| plan::SizeVerdict {
            key: crate::keypath::display_key(&c.key),
            request_bytes,
            limit: max_request,
            fits: request_bytes <= max_request,
        });
    let guards = plan::Guards {
        prune: plan::DeleteVerdict::of(
            plan.count(plan::Action::Delete),
            plan.managed_in_etcd,
            config.apply.max_delete_fraction,
        ),
        persist_mass_delete: plan::DeleteVerdict::of(
            persist_deletes,
            managed_in_git,
            config.persist.max_delete_fraction,
        ),
        largest_write,
    };
    prepared.plan.guards = guards;
}
