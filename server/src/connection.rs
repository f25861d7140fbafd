//! One WebSocket connection: drives a [`shared::Session`] with the bytes the
//! client sends and the changes other peers make.
//!
//! Anything a client sends that breaks the protocol (bad CBOR, an unknown
//! type, a text frame, an oversized message, automerge bytes that do not
//! decode) gets an `error` message and a close of this connection only.
//!
//! The connection belongs to one device (its token was checked before the
//! upgrade); the peer id it joins with must be that device's. Each document
//! it names is checked against the device's grant: one it may not read is
//! answered `doc-unavailable`, as a missing one is, and never subscribed
//! to; one it may only read gets a read-only sync state, so its changes are
//! neither applied, stored nor relayed. A member's device writes the
//! marks that stand for a person's own word (an acknowledgement, a survey
//! answer) only for the member it is linked to ([`own_marks_gate`]); a
//! change the gate cannot read yet, because one it depends on did not
//! come, is asked for again rather than refused.
//! Revoking the device closes the connection at once.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use automerge::sync::SyncDoc;
use automerge::{Automerge, ReadDoc};
use axum::extract::ws::{CloseFrame, Message as WsMessage, WebSocket};
use shared::sync::Event;
use shared::{Access, DocumentId, Message, Role, Session};
use uuid::Uuid;

use crate::AppState;
use crate::access::Device;
use crate::hub::{ConnId, Outbox, Slot};
use crate::metrics::count;

static NEXT_CONN: AtomicU64 = AtomicU64::new(1);

/// WebSocket close codes (RFC 6455 §7.4.1).
mod close_code {
    pub(super) const NORMAL: u16 = 1000;
    pub(super) const PROTOCOL_ERROR: u16 = 1002;
    pub(super) const UNSUPPORTED_DATA: u16 = 1003;
    pub(super) const POLICY: u16 = 1008;
    pub(super) const TOO_BIG: u16 = 1009;
    pub(super) const INTERNAL_ERROR: u16 = 1011;
    pub(super) const RESTARTING: u16 = 1012;
}

/// Why a connection is being closed by the server.
struct Close {
    code: u16,
    reason: String,
}

impl Close {
    fn protocol(reason: impl Into<String>) -> Self {
        Self { code: close_code::PROTOCOL_ERROR, reason: reason.into() }
    }
}

struct Connection {
    id: ConnId,
    state: AppState,
    device: Device,
    session: Session,
    outbox: Arc<Outbox>,
    slots: HashMap<DocumentId, Arc<Slot>>,
}

impl Drop for Connection {
    /// The hub stops telling this connection of changes; a document with
    /// no subscriber left leaves memory.
    fn drop(&mut self) {
        for doc in self.slots.keys() {
            self.state.hub.unsubscribe(doc, self.id);
        }
    }
}

/// One connection's protocol without its socket: bytes in, messages out.
/// The fuzz target drives the connection, hub and store with it in
/// process; everything but the socket (rate limits, timeouts, the size
/// limit on a frame) is the real connection's code.
#[doc(hidden)]
pub struct Driver(Connection);

impl Driver {
    /// A connection of `device`, its token already checked.
    pub fn new(state: AppState, device: Device) -> Self {
        Self(Connection::new(state, device))
    }

    /// Handles one binary frame; `Err` with the reason when the connection
    /// would send `error` and close.
    pub async fn receive(&mut self, bytes: &[u8]) -> Result<Vec<Message>, String> {
        self.0.handle(bytes).await.map_err(|close| close.reason)
    }

    /// What the connection would send now for changes others made.
    pub async fn pending(&mut self) -> Result<Vec<Message>, String> {
        self.0.flush_outbox().await.map_err(|close| close.reason)
    }
}

/// Serves one client until it leaves, breaks the protocol, or the server stops.
pub(crate) async fn serve(mut socket: WebSocket, state: AppState, device: Device) {
    let limits = state.config.limits;
    let mut revoked = state.access.watch(&device.id);
    count(&state.metrics.connections);
    let mut conn = Connection::new(state.clone(), device);
    let id = conn.id;
    tracing::debug!(conn = id, device = %conn.device.id, "connected");
    let mut shutdown = state.shutdown.clone();

    let outbox = conn.outbox.clone();
    // Pings keep a quiet but live client (a browser answers them by
    // itself) from looking idle; a client that answers nothing is closed.
    let mut ping = tokio::time::interval(limits.idle / 4);
    ping.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    ping.tick().await;
    let mut heard = tokio::time::Instant::now();
    let outcome = 'serve: loop {
        enum Wake {
            Received(Option<Result<WsMessage, axum::Error>>),
            Outbox,
            Shutdown,
            Revoked,
            Ping,
            Idle,
        }
        let wake = tokio::select! {
            received = socket.recv() => Wake::Received(received),
            () = outbox.wait() => Wake::Outbox,
            _ = shutdown.changed() => Wake::Shutdown,
            _ = revoked.wait_for(|r| *r) => Wake::Revoked,
            _ = ping.tick() => Wake::Ping,
            () = tokio::time::sleep_until(heard + limits.idle) => Wake::Idle,
        };
        if matches!(wake, Wake::Received(_)) {
            heard = tokio::time::Instant::now();
        }
        let result = match wake {
            Wake::Revoked => break Some(Close { code: close_code::POLICY, reason: "device access revoked".into() }),
            Wake::Shutdown => break Some(Close { code: close_code::RESTARTING, reason: "server restarting".into() }),
            Wake::Idle => {
                break Some(Close {
                    code: close_code::POLICY,
                    reason: format!("nothing heard for {} s; reconnect when needed", limits.idle.as_secs()),
                });
            }
            Wake::Ping => match send_within(&mut socket, WsMessage::Ping(Vec::new().into()), limits.write).await {
                Ok(()) => continue,
                Err(close) => break close,
            },
            Wake::Outbox => conn.flush_outbox().await,
            Wake::Received(None | Some(Ok(WsMessage::Close(_)))) => break None,
            Wake::Received(Some(Err(e))) => {
                tracing::debug!(conn = id, error = %e, "websocket error");
                break None;
            }
            Wake::Received(Some(Ok(WsMessage::Ping(_) | WsMessage::Pong(_)))) => continue,
            Wake::Received(Some(Ok(WsMessage::Text(_)))) => Err(Close {
                code: close_code::UNSUPPORTED_DATA,
                reason: "text frames are not part of the protocol; send CBOR in binary frames".into(),
            }),
            Wake::Received(Some(Ok(WsMessage::Binary(bytes)))) => {
                let limit = state.config.max_message_bytes;
                if bytes.len() > limit {
                    Err(Close {
                        code: close_code::TOO_BIG,
                        reason: format!("message of {} bytes is over the limit of {limit} bytes", bytes.len()),
                    })
                } else {
                    // A flood waits for its budget; the device's other
                    // messages wait with it, nobody else's, and its socket
                    // is not read meanwhile, so what it sends waits in its
                    // own TCP buffers, not in the server's memory.
                    let wait = state.meter.delay(&conn.device.id, &limits, bytes.len());
                    if !wait.is_zero() {
                        tokio::time::sleep(wait).await;
                    }
                    count(&state.metrics.messages_received);
                    conn.handle(&bytes).await
                }
            }
        };
        match result {
            Ok(messages) => {
                state.metrics.messages_sent.fetch_add(messages.len() as u64, Ordering::Relaxed);
                for m in messages {
                    let frame = WsMessage::Binary(m.encode().into());
                    if let Err(close) = send_within(&mut socket, frame, limits.write).await {
                        break 'serve close;
                    }
                }
            }
            Err(close) => break Some(close),
        }
    };

    if let Some(close) = outcome {
        if close.code == close_code::RESTARTING {
            tracing::debug!(conn = id, "closing for shutdown");
        } else {
            if close.code != close_code::NORMAL {
                count(&state.metrics.connections_refused);
            }
            tracing::warn!(conn = id, code = close.code, reason = %close.reason, "closing connection");
        }
        let error = conn.session.error(close.reason.clone()).encode();
        let frame = CloseFrame { code: close.code, reason: truncate(&close.reason, 120).into() };
        // A client that reads nothing gets no more of the server's time.
        let goodbye = [WsMessage::Binary(error.into()), WsMessage::Close(Some(frame))];
        for frame in goodbye {
            if send_within(&mut socket, frame, Duration::from_secs(1)).await.is_err() {
                break;
            }
        }
    }
    drop(conn);
    tracing::debug!(conn = id, "disconnected");
}

/// Sends one frame, giving the client `patience` to take it. `Err(None)`:
/// the connection broke; `Err(Some(close))`: the client stopped reading,
/// and what the server holds for it must not grow while it does not.
async fn send_within(socket: &mut WebSocket, frame: WsMessage, patience: Duration) -> Result<(), Option<Close>> {
    match tokio::time::timeout(patience, socket.send(frame)).await {
        Ok(Ok(())) => Ok(()),
        Ok(Err(_)) => Err(None),
        Err(_) => Err(Some(Close {
            code: close_code::POLICY,
            reason: format!("the client took nothing for {} s", patience.as_secs()),
        })),
    }
}

/// The write gate: a sync message carrying changes to a document the
/// device may not write loses its changes, and the reason comes back for
/// the peer. What is left (heads, needs, Bloom filters) is reading.
fn gate(access: Access, document_id: DocumentId, message: &mut automerge::sync::Message) -> Option<String> {
    if access == Access::Write || message.changes.is_empty() {
        return None;
    }
    message.changes = automerge::sync::ChunkList::empty();
    Some(format!("changes to document {document_id} refused: this device may only read it"))
}

/// What the own-marks gate decided about a message that carries changes.
#[derive(Debug, PartialEq)]
enum Verdict {
    /// The changes write someone else's mark (or cannot be read): the
    /// message loses them, the reason goes back to the peer, and the
    /// connection may only read the document from then on (whatever the
    /// device changes later depends on what was refused).
    Refused(String),
    /// Some changes wait for others the message does not bring, so what
    /// they write cannot be read yet: the message loses them, and the peer
    /// is asked for everything again with these missing changes by name
    /// ([`Session::ask_again`]). This is no fault of the peer: automerge
    /// leaves out a change when the server's Bloom filter falsely says the
    /// server has it, and one in a hundred or so does.
    Incomplete(Vec<automerge::ChangeHash>),
}

/// The own-marks gate: a member's device may write an acknowledgement or
/// a survey answer only as the member it is linked to, and never the
/// school's or a paper one (see [`shared::personal`]). The message's
/// changes are tried on a copy of the document, where every operation can
/// be placed, and judged there; none enters the document unread, so a
/// change that waits for others is not let into automerge's queue (where
/// a later message, maybe another device's, would apply it unjudged) but
/// asked for again with what it waits for. Costs one copy of the document
/// per message that carries changes from a member.
fn own_marks_gate(doc: &Automerge, message: &mut automerge::sync::Message, member: Option<Uuid>) -> Option<Verdict> {
    if message.changes.is_empty() {
        return None;
    }
    let (before, queued) = (doc.get_heads(), doc.get_missing_deps(&[]));
    let mut trial = doc.fork();
    // A message automerge refuses is refused again by the real receive,
    // which closes the connection with its error.
    trial.receive_sync_message(&mut automerge::sync::State::new(), message.clone()).ok()?;
    let missing: Vec<_> = trial.get_missing_deps(&[]).into_iter().filter(|hash| !queued.contains(hash)).collect();
    let verdict = if missing.is_empty() {
        let hashes: Vec<_> = trial.get_changes(&before).iter().map(|c| c.hash()).collect();
        match shared::personal::marks(&trial, &hashes) {
            Ok(marks) => shared::personal::refusal(&marks, member).map(Verdict::Refused),
            Err(e) => Some(Verdict::Refused(format!("changes refused: {e}"))),
        }
    } else {
        Some(Verdict::Incomplete(missing))
    };
    if verdict.is_some() {
        message.changes = automerge::sync::ChunkList::empty();
    }
    verdict
}

/// Cuts a close reason to at most `max` bytes on a character boundary
/// (a close frame carries at most 123).
fn truncate(s: &str, max: usize) -> String {
    let mut end = s.len().min(max);
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    s[..end].to_owned()
}

impl Connection {
    fn new(state: AppState, device: Device) -> Self {
        let mut session = Session::server(state.identity.peer_id.clone(), state.identity.metadata());
        session.set_max_inflated(state.config.limits.inflated_bytes);
        let id = NEXT_CONN.fetch_add(1, Ordering::Relaxed);
        Self { id, state, device, session, outbox: Arc::new(Outbox::default()), slots: HashMap::new() }
    }

    /// The document's slot, subscribing on first use, if the device may
    /// read it; with its access.
    fn slot(&mut self, id: DocumentId) -> Result<Option<(Arc<Slot>, Access)>, Close> {
        let access = self.state.access.access(&self.device.grant, &id);
        if access == Access::None {
            return Ok(None);
        }
        let max = self.state.config.limits.documents_per_connection;
        if !self.slots.contains_key(&id) && self.slots.len() >= max {
            return Err(Close {
                code: close_code::POLICY,
                reason: format!("more than {max} documents on one connection; open another connection"),
            });
        }
        let (hub, conn, outbox) = (&self.state.hub, self.id, &self.outbox);
        let slot = self.slots.entry(id).or_insert_with(|| hub.subscribe(id, conn, outbox)).clone();
        Ok(Some((slot, access)))
    }

    async fn handle(&mut self, bytes: &[u8]) -> Result<Vec<Message>, Close> {
        let event = self.session.receive(bytes).map_err(|e| Close::protocol(e.to_string()))?;
        match event {
            Event::JoinRequested(remote) => {
                if !shared::access::peer_id_belongs(&remote.peer_id, &self.device.id) {
                    tracing::warn!(conn = self.id, peer = %remote.peer_id, device = %self.device.id, "forged peer id");
                    return Err(Close {
                        code: close_code::POLICY,
                        reason: format!(
                            "peer id must be this device's id `{}` or start with `{}:`",
                            self.device.id, self.device.id
                        ),
                    });
                }
                tracing::info!(conn = self.id, peer = %remote.peer_id, "peer joined");
                let peer = self.session.accept().map_err(|e| Close::protocol(e.to_string()))?;
                Ok(vec![peer])
            }
            Event::Connected(_) => Err(Close::protocol("a server does not accept peer messages")),
            Event::Sync { document_id, mut message, request } => {
                let Some((slot, access)) = self.slot(document_id)? else {
                    return Ok(self.session.unavailable(document_id).into_iter().collect());
                };
                // The write gate. automerge's read-only flag lives in a sync
                // state that a `doc-unavailable`, a new connection or a fresh
                // state drops, so it only tells a polite peer not to send
                // changes; the decision is made here, on every message, from
                // the device's grant, before automerge sees the changes.
                let mut refusal = None;
                if access != Access::Write {
                    self.session.set_read_only(document_id);
                }
                if let Some(reason) = gate(access, document_id, &mut message) {
                    count(&self.state.metrics.changes_refused);
                    tracing::warn!(conn = self.id, document = %document_id, device = %self.device.id,
                        "refused changes from a device that may only read this document");
                    refusal = Some(self.session.error(reason));
                }
                let member = (self.device.grant.role == Role::Member).then_some(self.device.member);
                let session = &mut self.session;
                let applied = self
                    .state
                    .hub
                    .apply(&slot, self.id, &self.device.id, !request && access == Access::Write, |doc| {
                        let own = member.and_then(|member| own_marks_gate(doc, &mut message, member));
                        session.receive_sync(document_id, doc, message)?;
                        match &own {
                            Some(Verdict::Incomplete(missing)) => session.ask_again(document_id, missing.clone()),
                            // Else the device, whose refused changes stay
                            // unsent in its eyes, and the server would
                            // exchange heads that differ for as long as the
                            // connection lasts; read-only, the server stops
                            // answering and tells the device to stop sending.
                            Some(Verdict::Refused(_)) => session.set_read_only(document_id),
                            None => {}
                        }
                        Ok::<_, shared::Error>((own, session.generate(document_id, doc)))
                    })
                    .await;
                match applied {
                    Ok(None) => Ok(refusal.into_iter().chain(self.session.unavailable(document_id)).collect()),
                    Ok(Some(Ok((own, reply)))) => {
                        match own {
                            Some(Verdict::Refused(reason)) => {
                                count(&self.state.metrics.changes_refused);
                                tracing::warn!(conn = self.id, document = %document_id, device = %self.device.id,
                                    %reason, "refused a member's changes to someone else's mark");
                                refusal = Some(self.session.error(reason));
                            }
                            Some(Verdict::Incomplete(missing)) => {
                                tracing::info!(conn = self.id, document = %document_id, device = %self.device.id,
                                    missing = missing.len(), "asked a member's device again for changes that came without what they depend on");
                            }
                            None => {}
                        }
                        Ok(refusal.into_iter().chain(reply).collect())
                    }
                    Ok(Some(Err(e))) => Err(Close::protocol(e.to_string())),
                    Err(e) => {
                        count(&self.state.metrics.storage_errors);
                        tracing::error!(conn = self.id, document = %document_id, error = %e, "could not store a change");
                        Err(Close {
                            code: close_code::INTERNAL_ERROR,
                            reason: "the server could not store the change; it will be sent again".into(),
                        })
                    }
                }
            }
            // Dropped: they are not stored, the app sends none, and relaying
            // them would copy one device's bytes into every other peer's
            // queue (20 of 15 MiB to a peer that does not read cost 360 MiB).
            Event::Ephemeral { .. } => {
                count(&self.state.metrics.messages_refused);
                Ok(vec![])
            }
            Event::RemoteError(reason) => {
                tracing::info!(conn = self.id, %reason, "peer reported an error");
                Err(Close { code: close_code::NORMAL, reason: "closing after the peer's error".into() })
            }
            Event::Leave => Err(Close { code: close_code::NORMAL, reason: "goodbye".into() }),
            Event::DocUnavailable(_) | Event::Nothing => Ok(vec![]),
        }
    }

    /// Sync messages for documents other peers changed.
    async fn flush_outbox(&mut self) -> Result<Vec<Message>, Close> {
        let mut out = Vec::new();
        for id in self.outbox.take_dirty() {
            let Some(slot) = self.slots.get(&id).cloned() else { continue };
            let session = &mut self.session;
            match self.state.hub.read(&slot, |doc| session.generate(id, doc)).await {
                Ok(Some(Some(m))) => out.push(m),
                Ok(_) => {}
                Err(e) => {
                    count(&self.state.metrics.storage_errors);
                    tracing::error!(conn = self.id, document = %id, error = %e, "could not load a document");
                    return Err(Close {
                        code: close_code::INTERNAL_ERROR,
                        reason: "the server could not load a document".into(),
                    });
                }
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use automerge::sync::SyncDoc;
    use automerge::transaction::Transactable;
    use automerge::{AutoCommit, Automerge, ROOT};

    use super::*;

    /// A first sync message from a peer that has one change.
    fn message_with_a_change() -> automerge::sync::Message {
        let mut doc = Automerge::new();
        let mut tx = doc.transaction();
        tx.put(ROOT, "x", 1).unwrap();
        tx.commit();
        let mut state = automerge::sync::State::new();
        // The second message, once the peer knows we have nothing, carries the change.
        let first = doc.generate_sync_message(&mut state).unwrap();
        let mut empty = Automerge::new();
        let mut theirs = automerge::sync::State::new();
        empty.receive_sync_message(&mut theirs, first).unwrap();
        let answer = empty.generate_sync_message(&mut theirs).unwrap();
        doc.receive_sync_message(&mut state, answer).unwrap();
        doc.generate_sync_message(&mut state).unwrap()
    }

    #[test]
    fn the_gate_strips_a_readers_changes_and_leaves_a_writers_alone() {
        let id = DocumentId::random();
        let message = message_with_a_change();
        assert!(!message.changes.is_empty(), "the message carries the change");
        for access in [Access::Read, Access::None] {
            let mut refused = message.clone();
            let reason = gate(access, id, &mut refused).expect("refused");
            assert!(reason.contains("may only read"), "{reason}");
            assert!(refused.changes.is_empty());
            assert_eq!(refused.heads, message.heads, "what is left is the reading part");
        }
        let mut written = message.clone();
        assert!(gate(Access::Write, id, &mut written).is_none());
        assert_eq!(written, message);
    }

    /// One device's client side: a session joined to a [`Driver`].
    struct Client {
        session: Session,
        driver: Driver,
        device: Device,
    }

    impl Client {
        async fn join(state: &crate::AppState, device: Device) -> Self {
            let (mut session, join) = Session::client(format!("{}:tab", device.id), Default::default());
            let mut driver = Driver::new(state.clone(), device.clone());
            for reply in driver.receive(&join.encode()).await.unwrap() {
                session.receive(&reply.encode()).unwrap();
            }
            Self { session, driver, device }
        }

        /// A new connection of the same device that starts from the sync
        /// state kept of `id`, as the app's engine does.
        async fn reconnect(&self, state: &crate::AppState, id: DocumentId) -> Self {
            let kept = self.session.sync_state(&id).unwrap();
            let mut client = Self::join(state, self.device.clone()).await;
            client.session.restore(id, &kept).unwrap();
            client
        }

        /// Runs the sync protocol for `id` until neither side has more to
        /// say; the server's `error` texts, and every sync message sent.
        async fn sync(&mut self, id: DocumentId, doc: &mut AutoCommit) -> (Vec<String>, Vec<automerge::sync::Message>) {
            let (mut errors, mut sent) = (Vec::new(), Vec::new());
            let mut next = self.session.generate(id, doc);
            while let Some(message) = next.take() {
                assert!(sent.len() < 20, "the exchange settles");
                if let Message::Sync { data, .. } | Message::Request { data, .. } = &message {
                    sent.push(automerge::sync::Message::decode(data).unwrap());
                }
                for reply in self.driver.receive(&message.encode()).await.unwrap() {
                    match self.session.receive(&reply.encode()).unwrap() {
                        Event::Sync { message, .. } => {
                            self.session.receive_sync(id, doc, message).unwrap();
                            next = self.session.generate(id, doc).or(next);
                        }
                        Event::RemoteError(reason) => errors.push(reason),
                        _ => {}
                    }
                }
            }
            (errors, sent)
        }
    }

    /// A school with two regulations, its head's device and the device of
    /// a member linked to `own`, each with the library as the server has it.
    struct Scene {
        _world: crate::files::tests::World,
        state: crate::AppState,
        library: DocumentId,
        regulations: [Uuid; 2],
        head: (Client, AutoCommit),
        member: (Client, AutoCommit),
    }

    async fn scene(own: Uuid) -> Scene {
        use shared::LibraryDoc;
        let world = crate::files::tests::world();
        let state = world.state.clone();
        let school = world.schools[0].clone();
        let library = LibraryDoc::id_for(&school.id);
        let mut doc = LibraryDoc::create(&school.id);
        let regulations = ["Положение о МО", "План работы"].map(|title| {
            let values = shared::Values::default().with("kind", "statute").with("title", title).with("text", "1.");
            let fields = shared::regulation::RegulationFields::validate(&values).unwrap();
            LibraryDoc::edit_regulation(&mut doc, shared::record::Edit::Add(fields), 1).unwrap()
        });
        let grant = |role, member| {
            let grant = shared::access::Grant { role, district: school.district, school: Some(school.id) };
            let (code, _) = state.access.invite(None, grant, 7, "", member, crate::api::now_ms()).unwrap();
            state.access.redeem(&code, "устройство", crate::api::now_ms()).unwrap().1
        };
        let mut head = (Client::join(&state, grant(Role::SchoolHead, None)).await, doc);
        assert_eq!(head.0.sync(library, &mut head.1).await.0, Vec::<String>::new());
        let mut member = (Client::join(&state, grant(Role::Member, Some(own))).await, AutoCommit::new());
        assert_eq!(member.0.sync(library, &mut member.1).await.0, Vec::<String>::new());
        assert_eq!(member.1.get_heads(), head.1.get_heads(), "the member's device has the library");
        Scene { _world: world, state, library, regulations, head, member }
    }

    /// The member's device acknowledges the first regulation as `first`
    /// and then the second as `second`, offline, while the head changes
    /// the library; its first acknowledgement happens to be one that the
    /// Bloom filter of the server's changes falsely holds (one in a
    /// hundred or so), so once it reconnects automerge leaves it out of
    /// what it sends and sends the second alone. Returns both hashes.
    fn offline_marks_the_filter_hides(s: &mut Scene, first: Uuid, second: Uuid) -> [automerge::ChangeHash; 2] {
        use shared::LibraryDoc;
        let day = shared::Date::new(2026, 11, 20).unwrap();
        let values = shared::Values::default().with("kind", "statute").with("title", "Устав").with("text", "2.");
        let fields = shared::regulation::RegulationFields::validate(&values).unwrap();
        LibraryDoc::edit_regulation(&mut s.head.1, shared::record::Edit::Add(fields), 5).unwrap();
        // What a new connection's first answer holds: everything the server has.
        let filter = automerge::sync::BloomFilter::from_hashes(s.head.1.get_changes(&[]).iter().map(|c| c.hash()));
        let hidden = (10..100_000)
            .find_map(|now_ms| {
                let mut doc = s.member.1.fork();
                LibraryDoc::acknowledge(&mut doc, s.regulations[0], first, day, None, now_ms).unwrap();
                let hash = doc.get_heads()[0];
                filter.contains_hash(&hash).then_some(doc)
            })
            .expect("a change the filter falsely holds");
        s.member.1 = hidden;
        let first_hash = s.member.1.get_heads()[0];
        LibraryDoc::acknowledge(&mut s.member.1, s.regulations[1], second, day, None, 20_000).unwrap();
        [first_hash, s.member.1.get_heads()[0]]
    }

    async fn stored(s: &Scene) -> Vec<automerge::ChangeHash> {
        let load = |doc: &Automerge| doc.get_changes(&[]).iter().map(|c| c.hash()).collect::<Vec<_>>();
        s.state.hub.peek(s.library, load).await.unwrap().unwrap()
    }

    /// A member's change that came without the change it depends on (left
    /// out by automerge after a Bloom filter's false positive) is not
    /// refused: the server asks the device for everything again, names the
    /// missing change, and then stores both.
    #[tokio::test]
    async fn a_members_change_that_came_without_what_it_depends_on_is_asked_for_again() {
        let own = Uuid::new_v4();
        let mut s = scene(own).await;
        let [first, second] = offline_marks_the_filter_hides(&mut s, own, own);
        let (library, head) = (s.library, &mut s.head);
        assert_eq!(head.0.sync(library, &mut head.1).await.0, Vec::<String>::new());
        s.member.0 = s.member.0.reconnect(&s.state, s.library).await;

        let (errors, sent) = s.member.0.sync(s.library, &mut s.member.1).await;
        assert_eq!(errors, Vec::<String>::new(), "nothing refused");
        // What each message would leave waiting on the server as it was.
        let server_before = s.head.1.document().clone();
        let waiting = |m: &automerge::sync::Message| {
            let mut doc = server_before.clone();
            doc.load_incremental(&m.changes.iter().flatten().copied().collect::<Vec<u8>>()).unwrap();
            doc.get_missing_deps(&[])
        };
        assert!(sent.iter().any(|m| waiting(m) == [first]), "automerge sent the second mark without the first");
        let kept = stored(&s).await;
        assert!(kept.contains(&first) && kept.contains(&second), "the server stored both marks");
        assert!(s.member.0.session.is_synced(&s.library, &mut s.member.1), "the device reads «сохранено на сервере»");
    }

    /// The change that waited for another is judged once it can be read:
    /// asked for again, it comes with its dependency, and a mark for
    /// someone else is refused then, with nothing of the message stored;
    /// and the exchange ends there rather than going back and forth.
    #[tokio::test]
    async fn a_change_that_waited_for_another_is_judged_when_it_comes_with_it() {
        let own = Uuid::new_v4();
        let mut s = scene(own).await;
        let [first, second] = offline_marks_the_filter_hides(&mut s, own, Uuid::new_v4());
        let (library, head) = (s.library, &mut s.head);
        assert_eq!(head.0.sync(library, &mut head.1).await.0, Vec::<String>::new());
        s.member.0 = s.member.0.reconnect(&s.state, s.library).await;

        let (errors, _) = s.member.0.sync(s.library, &mut s.member.1).await;
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert!(errors[0].contains("only its own member's"), "{errors:?}");
        let kept = stored(&s).await;
        assert!(!kept.contains(&first) && !kept.contains(&second), "nothing of the refused message is stored");
    }
}
