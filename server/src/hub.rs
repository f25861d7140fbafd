//! Documents in memory and the connections subscribed to each.
//!
//! A connection subscribes to a document when it first syncs or asks for it,
//! never before: relay cost grows with the peers of a document, not with
//! peers × documents. A document is dropped from memory with its last
//! subscriber, and also, while subscribers stay, once nobody has touched it
//! for a while ([`Hub::unload_idle`]): a connected device keeps every
//! document of its school subscribed for as long as it is online, and
//! memory must follow what is being worked on, not what is stored. The
//! subscription stays, and the document is read from the store again when
//! a change or a question about it comes.
//!
//! Every change is written to the store, under the document's lock, before
//! any peer hears of it: heads the server advertises are always durable.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use automerge::{Automerge, ReadDoc};
use shared::DocumentId;
use tokio::sync::Notify;

use crate::Error;
use crate::store::{Authored, Store};

/// Identifies one connection inside the hub.
pub type ConnId = u64;

/// What is waiting to be sent to one connection. Changes are coalesced per
/// document, so a slow connection never falls behind by more than one sync
/// round per document and never loses one, and what waits for it is at
/// most one document id per open document, whatever others send.
#[derive(Default)]
pub struct Outbox {
    dirty: Mutex<HashSet<DocumentId>>,
    notify: Notify,
}

impl Outbox {
    fn mark(&self, id: DocumentId) {
        self.dirty.lock().expect("outbox lock is never poisoned").insert(id);
        self.notify.notify_one();
    }

    /// Waits until something is waiting.
    pub async fn wait(&self) {
        self.notify.notified().await;
    }

    /// Takes the documents that changed since the last call.
    pub fn take_dirty(&self) -> Vec<DocumentId> {
        self.dirty.lock().expect("outbox lock is never poisoned").drain().collect()
    }
}

#[expect(clippy::large_enum_variant, reason = "one per open document, mostly Present")]
enum DocState {
    /// Not read from the store yet (or dropped after a failed write).
    Unloaded,
    /// The store has no such document.
    Missing,
    /// In memory, with the number of chunks it has in the store, the place
    /// up to which every stored chunk is in `doc` (none yet: `None`), and
    /// whether a compaction may replace them (not while a chunk that failed
    /// to load could not be set aside, nor while changes wait for others
    /// they depend on: a snapshot would hold neither).
    Present { doc: Automerge, chunks: usize, seen: Option<u64>, compactable: bool },
}

/// One document and its subscribers.
pub struct Slot {
    id: DocumentId,
    /// When it was last read or changed (ms since the hub started).
    touched: AtomicU64,
    state: tokio::sync::Mutex<DocState>,
    subscribers: Mutex<HashMap<ConnId, Arc<Outbox>>>,
}

/// All documents in memory.
pub struct Hub {
    store: Arc<dyn Store>,
    /// What [`Slot::touched`] counts from.
    epoch: std::time::Instant,
    slots: Mutex<HashMap<DocumentId, Arc<Slot>>>,
    stored: AtomicU64,
    set_aside: AtomicU64,
    /// When a change of each document last arrived, read from the store
    /// at start and kept up as changes are stored (the district overview
    /// says how fresh each school's records are).
    arrived: Mutex<HashMap<DocumentId, i64>>,
}

impl Hub {
    /// A hub over `store`.
    pub fn new(store: Arc<dyn Store>) -> Self {
        let arrived = store.arrivals().unwrap_or_else(|e| {
            // Only the overview's freshness is unknown until changes arrive.
            tracing::warn!(error = %e, "reading when documents last changed failed");
            HashMap::new()
        });
        Self {
            store,
            epoch: std::time::Instant::now(),
            slots: Mutex::new(HashMap::new()),
            stored: AtomicU64::new(0),
            set_aside: AtomicU64::new(0),
            arrived: Mutex::new(arrived),
        }
    }

    /// When a change of each document last arrived (ms since the epoch).
    pub fn arrivals(&self) -> HashMap<DocumentId, i64> {
        self.arrived.lock().expect("hub lock is never poisoned").clone()
    }

    /// The store behind the hub.
    pub fn store(&self) -> &Arc<dyn Store> {
        &self.store
    }

    /// Subscribes a connection to a document and returns its slot.
    pub fn subscribe(&self, id: DocumentId, conn: ConnId, outbox: &Arc<Outbox>) -> Arc<Slot> {
        let mut slots = self.slots.lock().expect("hub lock is never poisoned");
        let slot = slots.entry(id).or_insert_with(|| {
            Arc::new(Slot {
                id,
                touched: AtomicU64::new(0),
                state: tokio::sync::Mutex::new(DocState::Unloaded),
                subscribers: Mutex::new(HashMap::new()),
            })
        });
        slot.subscribers.lock().expect("slot lock is never poisoned").insert(conn, outbox.clone());
        slot.clone()
    }

    /// Unsubscribes a connection; the document leaves memory with its last subscriber.
    pub fn unsubscribe(&self, id: &DocumentId, conn: ConnId) {
        let mut slots = self.slots.lock().expect("hub lock is never poisoned");
        if let Some(slot) = slots.get(id) {
            let mut subscribers = slot.subscribers.lock().expect("slot lock is never poisoned");
            subscribers.remove(&conn);
            if subscribers.is_empty() {
                drop(subscribers);
                slots.remove(id);
            }
        }
    }

    /// How many changes (append writes) the hub has stored since it started.
    pub fn changes_stored(&self) -> u64 {
        self.stored.load(Ordering::Relaxed)
    }

    /// How many damaged chunks loads have found (and set aside) since start;
    /// one found again at a later load, before a compaction, counts again.
    pub fn chunks_set_aside(&self) -> u64 {
        self.set_aside.load(Ordering::Relaxed)
    }

    /// How many documents some connection has subscribed to (loaded in
    /// memory or not).
    pub fn resident_documents(&self) -> usize {
        self.slots.lock().expect("hub lock is never poisoned").len()
    }

    /// Runs `f` on the document, writes what it changed to the store (with
    /// `device` as the sender of each new change, now), then tells the
    /// other subscribers.
    ///
    /// Returns `Ok(None)` without calling `f` if the document does not exist
    /// and `create` is false. If the write fails, the change is dropped from
    /// memory too (the document reloads from the store next time) and the
    /// error is returned: nobody is told of a change that is not durable.
    pub async fn apply<R>(
        &self,
        slot: &Slot,
        origin: ConnId,
        device: &str,
        create: bool,
        f: impl FnOnce(&mut Automerge) -> R,
    ) -> Result<Option<R>, Error> {
        let mut state = slot.state.lock().await;
        self.touch(slot);
        if matches!(*state, DocState::Unloaded) {
            *state = self.load(slot.id).await?;
        }
        if matches!(*state, DocState::Missing) {
            if !create {
                return Ok(None);
            }
            *state = DocState::Present { doc: Automerge::new(), chunks: 0, seen: None, compactable: true };
        }
        let DocState::Present { doc, chunks, seen, compactable } = &mut *state else { unreachable!("loaded above") };
        let before = doc.get_heads();
        let result = f(doc);
        let after = doc.get_heads();
        if after == before {
            if after.is_empty() {
                *state = DocState::Missing;
            }
            return Ok(Some(result));
        }
        // A new document's first chunk is the whole document, saved by
        // columns, which loads far faster than the same changes one by one.
        let chunk = if *chunks == 0 { doc.save() } else { doc.save_after(&before) };
        let at_ms = crate::api::now_ms();
        let authored = doc
            .get_changes(&before)
            .iter()
            .map(|c| Authored { hash: c.hash().0, device: device.to_owned(), at_ms })
            .collect();
        let id = slot.id;
        match self.store.append(&id, chunk, authored).await {
            Ok(stored) => {
                *chunks = stored.chunks;
                // Chunks another server stored between the last one seen
                // and this one are read when its notice arrives; until then
                // `seen` stays before them.
                if stored.place == seen.map_or(0, |s| s + 1) {
                    *seen = Some(stored.place);
                }
                self.stored.fetch_add(1, Ordering::Relaxed);
                self.arrived.lock().expect("hub lock is never poisoned").insert(id, at_ms);
            }
            Err(e) => {
                *state = DocState::Unloaded;
                return Err(e);
            }
        }
        let due = shared::chunks::compaction_due(*chunks, *compactable, !doc.get_missing_deps(&[]).is_empty());
        if let (true, Some(covers)) = (due, *seen) {
            match self.store.compact(&id, doc.save(), covers).await {
                Ok(stored) => *chunks = stored.chunks,
                // The chunks are still there; compaction is only an optimisation.
                Err(e) => tracing::warn!(document = %id, error = %e, "compaction failed"),
            }
        }
        drop(state);
        for (conn, outbox) in slot.subscribers.lock().expect("slot lock is never poisoned").iter() {
            if *conn != origin {
                outbox.mark(slot.id);
            }
        }
        Ok(Some(result))
    }

    /// Runs `f` on the document `id` without changing it or keeping it in
    /// memory for later (a request reading a document nobody has open
    /// loads it for itself); `None` if it does not exist.
    pub async fn peek<R>(&self, id: DocumentId, f: impl FnOnce(&Automerge) -> R) -> Result<Option<R>, Error> {
        let resident = self.slots.lock().expect("hub lock is never poisoned").get(&id).cloned();
        if let Some(slot) = resident {
            return self.read(&slot, |doc| f(doc)).await;
        }
        match self.load(id).await? {
            DocState::Present { doc, .. } => Ok(Some(f(&doc))),
            _ => Ok(None),
        }
    }

    /// Runs `f` on the document without changing it; `None` if it does not exist.
    pub async fn read<R>(&self, slot: &Slot, f: impl FnOnce(&mut Automerge) -> R) -> Result<Option<R>, Error> {
        let mut state = slot.state.lock().await;
        self.touch(slot);
        if matches!(*state, DocState::Unloaded) {
            *state = self.load(slot.id).await?;
        }
        match &mut *state {
            DocState::Present { doc, .. } => Ok(Some(f(doc))),
            _ => Ok(None),
        }
    }

    /// Another server stored a change of `id` (at `at_ms`): a document in
    /// memory here reads the chunks stored after the last it has, and its
    /// subscribers here are told, as if the change had arrived here.
    pub async fn stored_elsewhere(&self, id: DocumentId, at_ms: i64) {
        {
            let mut arrived = self.arrived.lock().expect("hub lock is never poisoned");
            let last = arrived.entry(id).or_insert(at_ms);
            *last = (*last).max(at_ms);
        }
        let Some(slot) = self.slots.lock().expect("hub lock is never poisoned").get(&id).cloned() else { return };
        let mut state = slot.state.lock().await;
        match &mut *state {
            DocState::Present { doc, chunks, seen, .. } => {
                let store = self.store.clone();
                let from = seen.map_or(0, |s| s + 1);
                let read = tokio::task::spawn_blocking(move || store.load_from(&id, from)).await;
                match read.map_err(Error::from).and_then(|r| r) {
                    Ok(new) => {
                        for (place, chunk) in &new {
                            if let Err(e) = doc.load_incremental(chunk) {
                                // Loading it whole sets a damaged chunk aside.
                                tracing::warn!(document = %id, place, error = %e, "a chunk from another server did not load; reloading");
                                *state = DocState::Unloaded;
                                break;
                            }
                            *seen = Some(*place);
                            *chunks += 1;
                        }
                    }
                    Err(e) => {
                        tracing::warn!(document = %id, error = %e, "reading another server's change failed; reloading");
                        *state = DocState::Unloaded;
                    }
                }
            }
            // It exists now.
            DocState::Missing => *state = DocState::Unloaded,
            DocState::Unloaded => {}
        }
        drop(state);
        for outbox in slot.subscribers.lock().expect("slot lock is never poisoned").values() {
            outbox.mark(id);
        }
    }

    fn touch(&self, slot: &Slot) {
        let now = u64::try_from(self.epoch.elapsed().as_millis()).unwrap_or(u64::MAX);
        slot.touched.store(now, Ordering::Relaxed);
    }

    /// Drops from memory every document nobody has read or changed for
    /// `idle`, keeping its subscribers (it is read from the store again
    /// when needed); returns how many it dropped. A document busy right now
    /// is left for the next round.
    pub fn unload_idle(&self, idle: std::time::Duration) -> usize {
        let now = self.epoch.elapsed();
        let slots: Vec<Arc<Slot>> = self.slots.lock().expect("hub lock is never poisoned").values().cloned().collect();
        let mut dropped = 0;
        for slot in slots {
            let touched = std::time::Duration::from_millis(slot.touched.load(Ordering::Relaxed));
            if now.saturating_sub(touched) < idle {
                continue;
            }
            if let Ok(mut state) = slot.state.try_lock()
                && matches!(*state, DocState::Present { .. })
            {
                *state = DocState::Unloaded;
                dropped += 1;
            }
        }
        dropped
    }

    /// How many documents are loaded in memory now (those busy at this
    /// moment count as loaded).
    pub fn loaded_documents(&self) -> usize {
        let slots: Vec<Arc<Slot>> = self.slots.lock().expect("hub lock is never poisoned").values().cloned().collect();
        slots
            .iter()
            .filter(|s| s.state.try_lock().map_or(true, |state| matches!(*state, DocState::Present { .. })))
            .count()
    }

    /// Every document in memory, for when notices from other servers may
    /// have been missed (the connection that hears them was lost).
    pub fn resident(&self) -> Vec<DocumentId> {
        self.slots.lock().expect("hub lock is never poisoned").keys().copied().collect()
    }

    async fn load(&self, id: DocumentId) -> Result<DocState, Error> {
        let store = self.store.clone();
        let chunks = tokio::task::spawn_blocking(move || store.load_from(&id, 0)).await??;
        let Some(&(last, _)) = chunks.last() else { return Ok(DocState::Missing) };
        let mut doc = Automerge::new();
        let mut compactable = true;
        for (n, (_, chunk)) in chunks.iter().enumerate() {
            // A damaged chunk costs only what it held, and peers that have
            // those changes send them again. It is set aside before any
            // compaction could replace it: what it held may be recoverable
            // by hand, and nobody may lose it to an optimisation.
            if let Err(e) = doc.load_incremental(chunk).and_then(|applied| shared::record::check_chunk(applied, chunk))
            {
                self.set_aside.fetch_add(1, Ordering::Relaxed);
                let store = self.store.clone();
                let copy = chunk.clone();
                let kept = tokio::task::spawn_blocking(move || store.set_aside(&id, n as u64, &copy)).await?;
                match kept {
                    Ok(()) => tracing::error!(document = %id, chunk = n, error = %e,
                        "a stored chunk is damaged; set it aside and loaded the others"),
                    Err(keep) => {
                        compactable = false;
                        tracing::error!(document = %id, chunk = n, error = %e, set_aside = %keep,
                            "a stored chunk is damaged and could not be set aside; loaded the others and will not compact");
                    }
                }
            }
        }
        Ok(DocState::Present { doc, chunks: chunks.len(), seen: Some(last), compactable })
    }
}

#[cfg(test)]
mod tests {
    use automerge::transaction::Transactable;
    use automerge::{ROOT, ReadDoc};

    use super::*;
    use crate::store::RedbStore;

    /// automerge's chunk header: magic bytes (4), checksum (4), then the
    /// chunk's type: 0 a whole document, 1 or 2 a change.
    fn chunk_type(chunk: &[u8]) -> u8 {
        chunk[8]
    }

    fn edit(doc: &mut Automerge, key: &str, value: i64) {
        let mut tx = doc.transaction();
        tx.put(ROOT, key, value).unwrap();
        tx.commit();
    }

    #[tokio::test]
    async fn a_new_documents_first_chunk_is_the_whole_document_and_it_loads_back() {
        let dir = tempfile::tempdir().unwrap();
        let store: Arc<dyn Store> = Arc::new(RedbStore::open(dir.path()).unwrap());
        let hub = Hub::new(store.clone());
        let (id, outbox) = (DocumentId::random(), Arc::new(Outbox::default()));
        let slot = hub.subscribe(id, 1, &outbox);
        // A peer's first sync brings weeks of offline changes at once.
        hub.apply(&slot, 1, "a", true, |doc| (0..50).for_each(|n| edit(doc, "days", n))).await.unwrap();
        hub.apply(&slot, 1, "b", true, |doc| edit(doc, "theme", 7)).await.unwrap();
        let chunks = store.load(&id).unwrap().unwrap();
        assert_eq!(chunks.len(), 2);
        assert_eq!(chunk_type(&chunks[0]), 0, "the first chunk is a saved document");
        assert_ne!(chunk_type(&chunks[1]), 0, "later chunks are only the new changes");
        let heads = hub.read(&slot, |doc| doc.get_heads()).await.unwrap().unwrap();

        hub.unsubscribe(&id, 1);
        let slot = hub.subscribe(id, 2, &outbox);
        let (loaded, days, changes) = hub
            .read(&slot, |doc| {
                let days = doc.get(ROOT, "days").unwrap().map(|(value, _)| value.into_owned());
                (doc.get_heads(), days, doc.get_changes(&[]).len())
            })
            .await
            .unwrap()
            .unwrap();
        assert_eq!((loaded, days, changes), (heads, Some(automerge::Value::from(49_i64)), 51));

        // Each change is recorded with the device that sent it.
        let authors = store.authors(&id).unwrap();
        assert_eq!(authors.len(), 51);
        let theme = hub.read(&slot, |doc| doc.get_changes(&[]).last().unwrap().hash().0).await.unwrap().unwrap();
        let by: Vec<&str> = authors.iter().filter(|a| a.hash == theme).map(|a| a.device.as_str()).collect();
        assert_eq!(by, ["b"]);
        assert_eq!(authors.iter().filter(|a| a.device == "a").count(), 50);

        // When the document last changed is known now, and to a hub started
        // again from the store.
        let newest = authors.iter().map(|a| a.at_ms).max().unwrap();
        assert_eq!(hub.arrivals().get(&id), Some(&newest));
        assert_eq!(Hub::new(store.clone()).arrivals().get(&id), Some(&newest));
        assert_eq!(store.arrivals().unwrap().len(), 1);
    }

    #[tokio::test]
    async fn an_idle_document_leaves_memory_while_subscribed_and_comes_back_whole() {
        let dir = tempfile::tempdir().unwrap();
        let hub = Hub::new(Arc::new(RedbStore::open(dir.path()).unwrap()));
        let (id, outbox) = (DocumentId::random(), Arc::new(Outbox::default()));
        let slot = hub.subscribe(id, 1, &outbox);
        hub.apply(&slot, 1, "a", true, |doc| edit(doc, "theme", 7)).await.unwrap();
        assert_eq!(hub.unload_idle(std::time::Duration::from_secs(60)), 0, "touched just now");
        assert_eq!(hub.loaded_documents(), 1);
        assert_eq!(hub.unload_idle(std::time::Duration::ZERO), 1);
        assert_eq!((hub.loaded_documents(), hub.resident_documents()), (0, 1), "unloaded, still subscribed");
        let theme = hub.read(&slot, |doc| doc.get(ROOT, "theme").unwrap().map(|(v, _)| v.into_owned())).await;
        assert_eq!(theme.unwrap(), Some(Some(automerge::Value::from(7_i64))));
        assert_eq!(hub.loaded_documents(), 1);
        // A change to the unloaded document reaches the other subscriber.
        hub.unload_idle(std::time::Duration::ZERO);
        let other = Arc::new(Outbox::default());
        hub.subscribe(id, 2, &other);
        hub.apply(&slot, 1, "a", false, |doc| edit(doc, "theme", 8)).await.unwrap();
        assert_eq!(other.take_dirty(), [id]);
    }
}
