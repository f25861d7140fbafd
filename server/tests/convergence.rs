//! The convergence schedules of `shared::fixture::schedule` against the
//! server's own hub and redb store: each peer's connection subscribes to
//! the documents it syncs, changes are written durably by the hub before
//! they are offered, and other connections learn of them through their
//! outboxes, as `connection.rs` does over WebSocket.
//!
//! The default run tries 200 schedules; the long run, `cargo xtask long`,
//! tries 10,000 (`PROPTEST_CASES=n` for another count).

#![allow(clippy::unwrap_used)]

use std::collections::HashMap;
use std::sync::Arc;

use automerge::{AutoCommit, sync};
use proptest::prelude::*;
use server::hub::{ConnId, Hub, Outbox, Slot};
use server::store::RedbStore;
use shared::DocumentId;
use shared::fixture::schedule::{Link, Relay, run, step};

/// One link's connection: its id, outbox and open documents.
struct Connection {
    id: ConnId,
    outbox: Arc<Outbox>,
    slots: HashMap<DocumentId, Arc<Slot>>,
}

/// The real hub, driven the way a connection drives it.
struct RealHub {
    /// `None` only while restarting.
    hub: Option<Hub>,
    runtime: tokio::runtime::Runtime,
    connections: HashMap<usize, Connection>,
    next: ConnId,
    dir: tempfile::TempDir,
}

impl RealHub {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let store = Arc::new(RedbStore::open(dir.path()).unwrap());
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        Self { hub: Some(Hub::new(store)), runtime, connections: HashMap::new(), next: 0, dir }
    }

    /// Link `link`'s connection's slot for `id`, subscribing on first use.
    fn slot(&mut self, link: usize, id: DocumentId) -> (ConnId, Arc<Slot>) {
        let Self { hub, connections, next, .. } = self;
        let hub = hub.as_ref().expect("the hub runs");
        let conn = connections.entry(link).or_insert_with(|| {
            *next += 1;
            Connection { id: *next, outbox: Arc::default(), slots: HashMap::new() }
        });
        let slot = conn.slots.entry(id).or_insert_with(|| hub.subscribe(id, conn.id, &conn.outbox)).clone();
        (conn.id, slot)
    }
}

impl Relay for RealHub {
    fn sync(&mut self, links: &mut [Link], from: usize, id: DocumentId, message: sync::Message, request: bool) {
        let (conn, slot) = self.slot(from, id);
        let session = &mut links[from].server;
        let applied = self
            .runtime
            .block_on(self.hub.as_ref().unwrap().apply(&slot, conn, "peer", !request, |doc| {
                session.receive_sync(id, doc, message)?;
                Ok::<_, shared::Error>(session.generate(id, doc))
            }))
            .expect("the hub stores the change");
        let reply = match applied {
            None => session.unavailable(id),
            Some(result) => result.expect("a well-formed sync message"),
        };
        links[from].to_client.extend(reply.map(|m| m.encode()));
        // Other connections hear of the change through their outboxes.
        let links_with_news: Vec<(usize, Vec<DocumentId>)> =
            self.connections.iter().map(|(l, c)| (*l, c.outbox.take_dirty())).collect();
        for (l, dirty) in links_with_news {
            for doc in dirty {
                let Some(slot) = self.connections[&l].slots.get(&doc).cloned() else { continue };
                let session = &mut links[l].server;
                let offer = self
                    .runtime
                    .block_on(self.hub.as_ref().unwrap().read(&slot, |d| session.generate(doc, d)))
                    .unwrap();
                links[l].to_client.extend(offer.flatten().map(|m| m.encode()));
            }
        }
    }

    fn reconnect(&mut self, link: usize) {
        if let Some(conn) = self.connections.remove(&link) {
            for id in conn.slots.keys() {
                self.hub.as_ref().unwrap().unsubscribe(id, conn.id);
            }
        }
    }

    fn restart(&mut self) {
        self.connections.clear();
        // The store closes with the old hub, its only holder, and opens
        // again from its file, as a restarted server's does.
        self.hub = None;
        self.hub = Some(Hub::new(Arc::new(RedbStore::open(self.dir.path()).unwrap())));
    }

    fn document(&mut self, id: DocumentId) -> AutoCommit {
        let (_, slot) = self.slot(usize::MAX, id);
        let doc =
            self.runtime.block_on(self.hub.as_ref().unwrap().read(&slot, |d| d.save())).unwrap().unwrap_or_default();
        AutoCommit::load(&doc).unwrap_or_else(|_| AutoCommit::new())
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: std::env::var("PROPTEST_CASES").ok().and_then(|c| c.parse().ok()).unwrap_or(200), ..ProptestConfig::default() })]

    #[test]
    fn peers_converge_through_the_real_hub_and_store(
        (peers, schedule) in (2..5usize).prop_flat_map(|n| (Just(n), prop::collection::vec(step(n), 10..120)))
    ) {
        let ids = (DocumentId::random(), DocumentId::random());
        run(peers, &schedule, ids, &mut RealHub::new())?;
    }
}
