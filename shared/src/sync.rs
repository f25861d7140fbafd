//! One end of one automerge-repo connection, as a sans-I/O state machine.
//!
//! The driver (the app's WebSocket code, the server's connection task) feeds
//! in the bytes it received with [`Session::receive`], looks at the returned
//! [`Event`], moves documents in and out of its own storage, and sends the
//! messages the session hands back. The session never touches a socket, a
//! clock or a disk, so both sides share it and it is tested natively.
//!
//! State is one `automerge::sync::State` per document this connection has
//! synced; a driver may persist it ([`Session::sync_state`]) for peers with a
//! storage id and bring it back with [`Session::restore`], which cuts a
//! returning peer's first exchange from Bloom filters over all history down to
//! a few hundred bytes.

use std::collections::{HashMap, HashSet};

use automerge::sync::{self, SyncDoc};
use automerge::{AutoCommit, Automerge, AutomergeError, ChangeHash};

use crate::guard;
use crate::wire::{Message, PROTOCOL_VERSION, PeerMetadata};
use crate::{DocumentId, Error};

/// A document the session can sync: both automerge document flavours.
pub trait SyncTarget {
    /// The document's current heads.
    fn heads(&mut self) -> Vec<ChangeHash>;
    /// The next sync message for the peer whose state this is, if any.
    fn generate_sync_message(&mut self, state: &mut sync::State) -> Option<sync::Message>;
    /// Applies a sync message from the peer whose state this is.
    fn receive_sync_message(&mut self, state: &mut sync::State, message: sync::Message) -> Result<(), AutomergeError>;
}

impl SyncTarget for Automerge {
    fn heads(&mut self) -> Vec<ChangeHash> {
        self.get_heads()
    }
    fn generate_sync_message(&mut self, state: &mut sync::State) -> Option<sync::Message> {
        SyncDoc::generate_sync_message(self, state)
    }
    fn receive_sync_message(&mut self, state: &mut sync::State, message: sync::Message) -> Result<(), AutomergeError> {
        SyncDoc::receive_sync_message(self, state, message)
    }
}

impl SyncTarget for AutoCommit {
    fn heads(&mut self) -> Vec<ChangeHash> {
        self.get_heads()
    }
    fn generate_sync_message(&mut self, state: &mut sync::State) -> Option<sync::Message> {
        self.sync().generate_sync_message(state)
    }
    fn receive_sync_message(&mut self, state: &mut sync::State, message: sync::Message) -> Result<(), AutomergeError> {
        self.sync().receive_sync_message(state, message)
    }
}

/// Which end of the connection this session is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Sends `join`, expects `peer`.
    Client,
    /// Expects `join`, answers `peer`.
    Server,
}

/// The peer at the other end, once it has said who it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Remote {
    /// Its peer id; every later message must carry it as `senderId`.
    pub peer_id: String,
    /// What it said about itself.
    pub metadata: PeerMetadata,
}

/// What a received message means for the driver.
#[derive(Debug)]
pub enum Event {
    /// Server: a client asks to join. Check it, then [`Session::accept`] or
    /// send [`Session::error`] and close.
    JoinRequested(Remote),
    /// Client: the server accepted us; sync may begin.
    Connected(Remote),
    /// A sync message for a document. The driver finds the document (or
    /// decides it may not), applies it with [`Session::receive_sync`], saves
    /// what changed, and answers with [`Session::generate`].
    Sync {
        /// The document.
        document_id: DocumentId,
        /// The decoded automerge sync message.
        message: sync::Message,
        /// Whether the peer sent it as `request` (it does not have the document).
        request: bool,
    },
    /// The peer has no such document.
    DocUnavailable(DocumentId),
    /// An ephemeral message to relay to the document's other peers.
    Ephemeral {
        /// The document it is about.
        document_id: DocumentId,
        /// Deduplication session.
        session_id: String,
        /// Deduplication counter.
        count: u64,
        /// Application bytes.
        data: Vec<u8>,
    },
    /// The peer reported an error and will close.
    RemoteError(String),
    /// The peer is leaving.
    Leave,
    /// A valid message that needs nothing from the driver.
    Nothing,
}

#[derive(Debug, Default)]
struct DocState {
    state: sync::State,
    /// Whether the peer has sent anything about this document yet.
    heard_from_peer: bool,
    /// Changes to ask the peer for in the next message, beside those
    /// automerge asks for ([`Session::ask_again`]).
    asked: Vec<ChangeHash>,
}

/// One end of one connection.
#[derive(Debug)]
pub struct Session {
    role: Role,
    local_id: String,
    local_metadata: PeerMetadata,
    remote: Option<Remote>,
    accepted: bool,
    docs: HashMap<DocumentId, DocState>,
    /// Documents the peer said it does not have (and may not give us).
    unavailable: HashSet<DocumentId>,
    /// What the changes of one received sync message may inflate to.
    max_inflated: u64,
}

/// What the changes of one sync message may inflate to unless set otherwise:
/// far above any document of a school's year (a few megabytes), far below
/// what would hurt a server.
pub const DEFAULT_MAX_INFLATED: u64 = 64 * 1024 * 1024;

impl Session {
    /// Starts a client session; send the returned `join` first.
    pub fn client(local_id: impl Into<String>, metadata: PeerMetadata) -> (Self, Message) {
        let session = Self::new(Role::Client, local_id.into(), metadata);
        let join = Message::Join {
            sender_id: session.local_id.clone(),
            supported_protocol_versions: vec![PROTOCOL_VERSION.to_owned()],
            metadata: Some(session.local_metadata.clone()),
        };
        (session, join)
    }

    /// Starts a server session, waiting for the client's `join`.
    pub fn server(local_id: impl Into<String>, metadata: PeerMetadata) -> Self {
        Self::new(Role::Server, local_id.into(), metadata)
    }

    fn new(role: Role, local_id: String, local_metadata: PeerMetadata) -> Self {
        Self {
            role,
            local_id,
            local_metadata,
            remote: None,
            accepted: false,
            docs: HashMap::new(),
            unavailable: HashSet::new(),
            max_inflated: DEFAULT_MAX_INFLATED,
        }
    }

    /// The peer at the other end, once the handshake has begun.
    pub fn remote(&self) -> Option<&Remote> {
        self.remote.as_ref()
    }

    /// Whether the handshake is complete and documents may be synced.
    pub fn is_ready(&self) -> bool {
        self.accepted
    }

    /// Decodes and checks one received message.
    ///
    /// An `Err` means the peer broke the protocol: send [`Session::error`]
    /// with its text and close the connection.
    pub fn receive(&mut self, bytes: &[u8]) -> Result<Event, Error> {
        let message = Message::decode(bytes)?;
        if let Message::Error { message, .. } = message {
            return Ok(Event::RemoteError(message));
        }
        if !self.accepted {
            return self.receive_handshake(message);
        }
        let remote = self.remote.as_ref().expect("an accepted session has a remote");
        if message.sender_id() != Some(remote.peer_id.as_str()) {
            return Err(Error::Protocol("senderId does not match the peer of this connection".into()));
        }
        Ok(match message {
            Message::Join { .. } | Message::Peer { .. } => {
                return Err(Error::Protocol(format!("unexpected {} after the handshake", message.kind())));
            }
            Message::Request { document_id, data, .. } => {
                self.unavailable.remove(&document_id);
                Event::Sync { document_id, message: self.decode_sync(&data)?, request: true }
            }
            Message::Sync { document_id, data, .. } => {
                self.unavailable.remove(&document_id);
                Event::Sync { document_id, message: self.decode_sync(&data)?, request: false }
            }
            Message::DocUnavailable { document_id, .. } => {
                self.docs.remove(&document_id);
                self.unavailable.insert(document_id);
                Event::DocUnavailable(document_id)
            }
            Message::Ephemeral { document_id, session_id, count, data, .. } => {
                Event::Ephemeral { document_id, session_id, count, data }
            }
            Message::Leave { .. } => Event::Leave,
            Message::RemoteSubscriptionChange { .. } | Message::RemoteHeadsChanged { .. } => Event::Nothing,
            Message::Error { .. } => unreachable!("handled above"),
        })
    }

    /// Decodes a peer's sync message once [`guard`] has found it cheap
    /// enough for automerge to read.
    fn decode_sync(&self, data: &[u8]) -> Result<sync::Message, Error> {
        guard::check_sync_message(data, self.max_inflated)?;
        Ok(sync::Message::decode(data)?)
    }

    /// Sets how many bytes the changes of one sync message may inflate to
    /// (default [`DEFAULT_MAX_INFLATED`]); a message over it is a protocol error.
    pub fn set_max_inflated(&mut self, bytes: u64) {
        self.max_inflated = bytes;
    }

    fn receive_handshake(&mut self, message: Message) -> Result<Event, Error> {
        match (self.role, message) {
            (Role::Server, Message::Join { sender_id, supported_protocol_versions, metadata }) => {
                if self.remote.is_some() {
                    return Err(Error::Protocol("second join before the first was answered".into()));
                }
                if !supported_protocol_versions.iter().any(|v| v == PROTOCOL_VERSION) {
                    return Err(Error::NoCommonVersion(supported_protocol_versions));
                }
                let remote = Remote { peer_id: sender_id, metadata: metadata.unwrap_or_default() };
                self.remote = Some(remote.clone());
                Ok(Event::JoinRequested(remote))
            }
            (Role::Client, Message::Peer { sender_id, target_id, selected_protocol_version, metadata }) => {
                if selected_protocol_version != PROTOCOL_VERSION {
                    return Err(Error::NoCommonVersion(vec![selected_protocol_version]));
                }
                if target_id != self.local_id {
                    return Err(Error::Protocol("peer answered a different client".into()));
                }
                let remote = Remote { peer_id: sender_id, metadata: metadata.unwrap_or_default() };
                self.remote = Some(remote.clone());
                self.accepted = true;
                Ok(Event::Connected(remote))
            }
            (_, other) => Err(Error::Protocol(format!("expected the handshake, got {}", other.kind()))),
        }
    }

    /// Server: accepts the client that asked to join and returns the `peer` answer.
    pub fn accept(&mut self) -> Result<Message, Error> {
        let remote = match (&self.role, &self.remote, self.accepted) {
            (Role::Server, Some(remote), false) => remote.clone(),
            _ => return Err(Error::Protocol("nothing to accept".into())),
        };
        self.accepted = true;
        Ok(Message::Peer {
            sender_id: self.local_id.clone(),
            target_id: remote.peer_id,
            selected_protocol_version: PROTOCOL_VERSION.to_owned(),
            metadata: Some(self.local_metadata.clone()),
        })
    }

    /// Makes this end read-only for `document_id`: changes the peer sends
    /// are not applied, and the peer is told so (automerge's read-only
    /// flag), so a well-behaved peer stops sending them.
    pub fn set_read_only(&mut self, document_id: DocumentId) {
        self.docs.entry(document_id).or_default().state.set_read_only(true);
    }

    /// Applies a sync message the peer sent for `document_id`.
    pub fn receive_sync(
        &mut self,
        document_id: DocumentId,
        doc: &mut impl SyncTarget,
        message: sync::Message,
    ) -> Result<(), Error> {
        let entry = self.docs.entry(document_id).or_default();
        entry.heard_from_peer = true;
        doc.receive_sync_message(&mut entry.state, message)?;
        Ok(())
    }

    /// The next message to send for `document_id`, if there is anything to say.
    ///
    /// It is a `request` while the local document is empty and the peer has
    /// not spoken about it yet, as automerge-repo expects; otherwise `sync`.
    pub fn generate(&mut self, document_id: DocumentId, doc: &mut impl SyncTarget) -> Option<Message> {
        let remote = self.remote.as_ref().filter(|_| self.accepted)?.peer_id.clone();
        let entry = self.docs.entry(document_id).or_default();
        let mut message = doc.generate_sync_message(&mut entry.state)?;
        if !entry.asked.is_empty() {
            message.need.append(&mut entry.asked);
            message.need.sort();
            message.need.dedup();
        }
        let data = message.encode();
        let sender_id = self.local_id.clone();
        Some(if !entry.heard_from_peer && doc.heads().is_empty() {
            Message::Request { sender_id, target_id: remote, document_id, data }
        } else {
            Message::Sync { sender_id, target_id: remote, document_id, data }
        })
    }

    /// Asks the peer to send `document_id`'s changes again, with `missing`
    /// (changes they depend on), after the ones it sent were set aside
    /// unread. The peer counts what it sent as delivered and never sends it
    /// twice, and automerge asks only for what its queue waits for, so
    /// the next message carries a reset (the peer forgets what it sent)
    /// and asks for `missing` by hash: a change the peer left out because
    /// this side's Bloom filter falsely said it was here comes only when
    /// asked for by name.
    pub fn ask_again(&mut self, document_id: DocumentId, missing: Vec<ChangeHash>) {
        let entry = self.docs.entry(document_id).or_default();
        entry.state.needs_reset = true;
        entry.asked = missing;
    }

    /// Whether the peer has told us it has exactly our heads of
    /// `document_id`, or that it has none of a document we have nothing of.
    pub fn is_synced(&self, document_id: &DocumentId, doc: &mut impl SyncTarget) -> bool {
        if self.unavailable.contains(document_id) {
            return doc.heads().is_empty();
        }
        let Some(entry) = self.docs.get(document_id) else { return false };
        let Some(theirs) = &entry.state.their_heads else { return false };
        let mut theirs = theirs.clone();
        let mut ours = doc.heads();
        theirs.sort();
        ours.sort();
        theirs == ours
    }

    /// The sync state for `document_id`, to persist for a peer with a storage id.
    pub fn sync_state(&self, document_id: &DocumentId) -> Option<Vec<u8>> {
        self.docs.get(document_id).map(|d| d.state.encode())
    }

    /// Restores a persisted sync state before the first exchange of
    /// `document_id`. Once the exchange has begun the live state is the
    /// truer one, and is kept: a state restored over it would forget what
    /// the peer said (its heads) and leave the document waiting forever for
    /// an answer to a message already answered.
    pub fn restore(&mut self, document_id: DocumentId, encoded: &[u8]) -> Result<(), Error> {
        let state = sync::State::decode(encoded)?;
        self.docs.entry(document_id).or_insert(DocState { state, heard_from_peer: false, asked: Vec::new() });
        Ok(())
    }

    /// Forgets a document: no more messages are generated for it.
    pub fn forget(&mut self, document_id: &DocumentId) {
        self.docs.remove(document_id);
    }

    /// Whether this connection has synced `document_id`.
    pub fn knows(&self, document_id: &DocumentId) -> bool {
        self.docs.contains_key(document_id)
    }

    /// The documents this connection has synced.
    pub fn documents(&self) -> impl Iterator<Item = &DocumentId> {
        self.docs.keys()
    }

    /// The answer to a `request` for a document this side does not have (or
    /// will not share).
    pub fn unavailable(&mut self, document_id: DocumentId) -> Option<Message> {
        self.docs.remove(&document_id);
        let remote = self.remote.as_ref()?;
        Some(Message::DocUnavailable {
            sender_id: self.local_id.clone(),
            target_id: remote.peer_id.clone(),
            document_id,
        })
    }

    /// An ephemeral message from another peer, addressed to this one.
    pub fn relay_ephemeral(
        &self,
        original_sender: &str,
        document_id: DocumentId,
        session_id: &str,
        count: u64,
        data: &[u8],
    ) -> Option<Message> {
        let remote = self.remote.as_ref().filter(|_| self.accepted)?;
        Some(Message::Ephemeral {
            sender_id: original_sender.to_owned(),
            target_id: remote.peer_id.clone(),
            document_id,
            session_id: session_id.to_owned(),
            count,
            data: data.to_vec(),
        })
    }

    /// An `error` message with a short reason; close the connection after sending it.
    pub fn error(&self, reason: impl Into<String>) -> Message {
        Message::Error {
            sender_id: Some(self.local_id.clone()),
            target_id: self.remote.as_ref().map(|r| r.peer_id.clone()),
            message: reason.into(),
        }
    }

    /// A `leave` message, to send before closing on purpose.
    pub fn leave(&self) -> Message {
        Message::Leave { sender_id: self.local_id.clone() }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use automerge::ReadDoc;
    use automerge::transaction::Transactable;

    /// Connects a client and a server session and returns both.
    fn handshake() -> (Session, Session) {
        let (mut client, join) = Session::client("client", PeerMetadata::default());
        let mut server =
            Session::server("server", PeerMetadata { storage_id: Some("srv".into()), is_ephemeral: false });
        let Event::JoinRequested(remote) = server.receive(&join.encode()).unwrap() else { panic!("join") };
        assert_eq!(remote.peer_id, "client");
        let peer = server.accept().unwrap();
        let Event::Connected(remote) = client.receive(&peer.encode()).unwrap() else { panic!("peer") };
        assert_eq!(remote.metadata.storage_id.as_deref(), Some("srv"));
        (client, server)
    }

    /// Passes messages back and forth until neither side has anything to say.
    fn exchange(
        id: DocumentId,
        a: &mut Session,
        a_doc: &mut AutoCommit,
        b: &mut Session,
        b_doc: &mut AutoCommit,
    ) -> usize {
        let mut rounds = 0;
        loop {
            let sent_ab = step(id, a, a_doc, b, b_doc);
            let sent_ba = step(id, b, b_doc, a, a_doc);
            rounds += 1;
            if !(sent_ab || sent_ba) || rounds > 20 {
                return rounds;
            }
        }
    }

    /// A document with one key set.
    fn doc_with(key: &str, value: i64) -> AutoCommit {
        let mut doc = AutoCommit::new();
        doc.put(automerge::ROOT, key, value).unwrap();
        doc
    }

    /// Sends one message from `from` to `to`, if `from` has one.
    fn step(
        id: DocumentId,
        from: &mut Session,
        from_doc: &mut AutoCommit,
        to: &mut Session,
        to_doc: &mut AutoCommit,
    ) -> bool {
        let Some(m) = from.generate(id, from_doc) else { return false };
        let Event::Sync { document_id, message, .. } = to.receive(&m.encode()).unwrap() else { panic!("sync") };
        to.receive_sync(document_id, to_doc, message).unwrap();
        true
    }

    #[test]
    fn a_client_and_a_server_converge_on_concurrent_edits() {
        let id = DocumentId::random();
        let (mut client, mut server) = handshake();
        let (mut c, mut s) = (doc_with("from_client", 1), doc_with("from_server", 2));
        exchange(id, &mut client, &mut c, &mut server, &mut s);
        assert_eq!(c.get_heads(), s.get_heads());
        assert!(c.get(automerge::ROOT, "from_server").unwrap().is_some());
        assert!(s.get(automerge::ROOT, "from_client").unwrap().is_some());
        assert!(client.is_synced(&id, &mut c));
        assert!(server.is_synced(&id, &mut s));
    }

    #[test]
    fn a_read_only_end_sends_its_changes_but_applies_none_and_the_exchange_settles() {
        let id = DocumentId::random();
        let (mut client, mut server) = handshake();
        server.set_read_only(id);
        let (mut c, mut s) = (doc_with("from_client", 1), doc_with("from_server", 2));
        let rounds = exchange(id, &mut client, &mut c, &mut server, &mut s);
        assert!(rounds < 20, "the exchange settles");
        assert!(c.get(automerge::ROOT, "from_server").unwrap().is_some(), "the reader gets the server's change");
        assert!(s.get(automerge::ROOT, "from_client").unwrap().is_none(), "the reader's change is not applied");
    }

    #[test]
    fn an_empty_document_is_asked_for_with_request() {
        let id = DocumentId::random();
        let (mut client, mut server) = handshake();
        let first = client.generate(id, &mut AutoCommit::new()).unwrap();
        assert_eq!(first.kind(), "request");
        let Event::Sync { request, .. } = server.receive(&first.encode()).unwrap() else { panic!() };
        assert!(request);
        assert_eq!(server.unavailable(id).unwrap().kind(), "doc-unavailable");
    }

    #[test]
    fn a_document_neither_end_has_counts_as_synced_until_one_has_it() {
        let id = DocumentId::random();
        let (mut client, mut server) = handshake();
        let mut c = AutoCommit::new();
        let request = client.generate(id, &mut c).unwrap();
        server.receive(&request.encode()).unwrap();
        assert!(!client.is_synced(&id, &mut c), "no answer yet");
        client.receive(&server.unavailable(id).unwrap().encode()).unwrap();
        assert!(client.is_synced(&id, &mut c), "the server has none either");
        c.put(automerge::ROOT, "k", "v").unwrap();
        assert!(!client.is_synced(&id, &mut c), "now the client has something the server lacks");
    }

    #[test]
    fn a_document_with_content_is_sent_with_sync() {
        let id = DocumentId::random();
        let (mut client, _) = handshake();
        let mut doc = AutoCommit::new();
        doc.put(automerge::ROOT, "k", "v").unwrap();
        assert_eq!(client.generate(id, &mut doc).unwrap().kind(), "sync");
    }

    #[test]
    fn a_message_before_the_handshake_is_a_protocol_error() {
        let mut server = Session::server("server", PeerMetadata::default());
        let sync = Message::Sync {
            sender_id: "x".into(),
            target_id: "server".into(),
            document_id: DocumentId::random(),
            data: vec![],
        };
        assert!(matches!(server.receive(&sync.encode()), Err(Error::Protocol(_))));
    }

    #[test]
    fn a_join_without_version_one_is_refused() {
        let mut server = Session::server("server", PeerMetadata::default());
        let join =
            Message::Join { sender_id: "x".into(), supported_protocol_versions: vec!["2".into()], metadata: None };
        assert!(matches!(server.receive(&join.encode()), Err(Error::NoCommonVersion(_))));
    }

    #[test]
    fn a_message_with_a_forged_sender_is_refused() {
        let (_, mut server) = handshake();
        let mut doc = AutoCommit::new();
        doc.put(automerge::ROOT, "k", "v").unwrap();
        let data = doc.sync().generate_sync_message(&mut sync::State::new()).unwrap().encode();
        let forged = Message::Sync {
            sender_id: "someone-else".into(),
            target_id: "server".into(),
            document_id: DocumentId::random(),
            data,
        };
        assert!(matches!(server.receive(&forged.encode()), Err(Error::Protocol(_))));
    }

    #[test]
    fn sync_bytes_that_are_not_a_sync_message_are_an_error() {
        let (_, mut server) = handshake();
        let bad = Message::Sync {
            sender_id: "client".into(),
            target_id: "server".into(),
            document_id: DocumentId::random(),
            data: vec![0x42, 1, 2, 3],
        };
        // The guard refuses it before automerge's decoder would.
        assert!(matches!(server.receive(&bad.encode()), Err(Error::MalformedMessage(_))));
    }

    #[test]
    fn a_restored_sync_state_sends_only_the_new_change() {
        let id = DocumentId::random();
        let (mut client, mut server) = handshake();
        let mut c = AutoCommit::new();
        for i in 0..500 {
            c.put(automerge::ROOT, format!("k{i}"), i).unwrap();
            c.commit();
        }
        let mut s = AutoCommit::new();
        exchange(id, &mut client, &mut c, &mut server, &mut s);
        let saved = client.sync_state(&id).unwrap();

        c.put(automerge::ROOT, "after", 1).unwrap();
        c.commit();
        let (mut fresh, _) = handshake();
        let cold = fresh.generate(id, &mut c).unwrap().encode().len();
        let (mut restored, _) = handshake();
        restored.restore(id, &saved).unwrap();
        let warm = restored.generate(id, &mut c).unwrap().encode().len();
        assert!(warm < cold, "restored {warm} bytes, fresh {cold} bytes");
    }

    /// The app restores kept states for the documents it opens while the
    /// connection runs: one opened meanwhile may already be in exchange,
    /// and its kept state (saved a moment ago) must not undo it.
    #[test]
    fn a_state_restored_after_the_exchange_began_does_not_undo_it() {
        let id = DocumentId::random();
        let (mut client, mut server) = handshake();
        let (mut c, mut s) = (AutoCommit::new(), doc_with("k", 1));
        assert!(step(id, &mut client, &mut c, &mut server, &mut s), "the client asks");
        assert!(step(id, &mut server, &mut s, &mut client, &mut c), "the server answers");
        let kept = client.sync_state(&id).unwrap();

        client.restore(id, &kept).unwrap();
        assert!(client.is_synced(&id, &mut c), "the client still knows the server has what it has");
        exchange(id, &mut client, &mut c, &mut server, &mut s);
        assert!(client.is_synced(&id, &mut c) && server.is_synced(&id, &mut s));
    }
}
