//! What the fuzz target drives, in process: the server's real state on a
//! temporary store, with one district and one school whose association
//! document is stored; a device that may only read that document (the
//! district head) sends the fuzzer's frames through the server's real
//! connection code ([`server::Driver`]), hub and store; then the
//! invariants are checked: nothing stored, and a well-behaved device that
//! may write still reads the document as it was. A panic anywhere is a
//! finding too, and libFuzzer's RSS limit bounds memory.
//!
//! An input is a sequence of frames, each a big-endian `u16` length and
//! that many bytes (a last frame may be short); [`seeds`] are real
//! messages in that form, to mutate.

#![allow(clippy::unwrap_used, clippy::missing_panics_doc)]

use automerge::sync::SyncDoc;
use automerge::transaction::Transactable;
use automerge::{Automerge, ChangeHash, ROOT};
use server::access::Device;
use server::{AppState, Driver};
use shared::sync::Event;
use shared::{AssociationDoc, DocumentId, Grant, Message, PeerMetadata, Role, Session};

/// The school's id (and so its association document's), fixed so that
/// seeds written once name it.
pub const SCHOOL: [u8; 16] = [7; 16];
/// The peer id the fuzzed device joins with.
pub const READER_PEER: &str = "reader:fuzz";

/// The server and the two devices.
pub struct World {
    runtime: tokio::runtime::Runtime,
    state: AppState,
    reader: Device,
    writer: Device,
    school: DocumentId,
    heads: Vec<ChangeHash>,
    stored: u64,
    _stop: tokio::sync::watch::Sender<bool>,
    _dir: tempfile::TempDir,
}

fn device(id: &str, grant: Grant) -> Device {
    Device {
        id: id.into(),
        token_hash: String::new(),
        grant,
        name: id.into(),
        created_ms: 0,
        revoked_ms: None,
        member: None,
    }
}

impl World {
    /// A server on a new temporary store, with the school's document stored.
    pub fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        let config = server::Config {
            data_dir: dir.path().join("data"),
            database_url: None,
            app_dir: dir.path().to_path_buf(),
            max_message_bytes: 1 << 20,
            limits: server::limits::Limits::default(),
        };
        let (state, stop) = server::open(config).unwrap();
        let district = state.access.create_district("Район").unwrap();
        let school = DocumentId::from(SCHOOL);
        state.access.create_school(None, district.id, "Школа", Some(school)).unwrap();
        let reader = device("reader", Grant { role: Role::DistrictHead, district: district.id, school: None });
        let writer = device("writer", Grant { role: Role::SchoolHead, district: district.id, school: Some(school) });
        let mut doc = AssociationDoc::create(&school).document().clone();
        let mut driver = Driver::new(state.clone(), writer.clone());
        let heads = runtime.block_on(exchange(&mut driver, &writer, school, &mut doc));
        drop(driver);
        let stored = state.hub.changes_stored();
        assert!(stored > 0, "the school's document is stored");
        Self { runtime, state, reader, writer, school, heads, stored, _stop: stop, _dir: dir }
    }

    /// Sends `input`'s frames as the reader, after its join, while the
    /// writer has the document open; then, with both still connected,
    /// checks that nothing was stored and that the writer reads the
    /// document as it was (the hub's copy in memory, which others would
    /// be sent). Panics when an invariant breaks.
    pub fn run(&self, input: &[u8]) {
        self.runtime.block_on(async {
            let mut writer = Driver::new(self.state.clone(), self.writer.clone());
            exchange(&mut writer, &self.writer, self.school, &mut Automerge::new()).await;
            let mut reader = Driver::new(self.state.clone(), self.reader.clone());
            reader.receive(&join(READER_PEER)).await.expect("the reader joins");
            for frame in frames(input) {
                if reader.receive(frame).await.is_err() || reader.pending().await.is_err() {
                    break;
                }
            }
            assert_eq!(self.state.hub.changes_stored(), self.stored, "a device that may only read stored a change");
            let mut again = Driver::new(self.state.clone(), self.writer.clone());
            let heads = exchange(&mut again, &self.writer, self.school, &mut Automerge::new()).await;
            assert_eq!(heads, self.heads, "the writer no longer reads the document as stored");
            writer.pending().await.expect("the writer's connection goes on");
        });
    }
}

impl Default for World {
    fn default() -> Self {
        Self::new()
    }
}

/// A `join` from `peer`.
fn join(peer: &str) -> Vec<u8> {
    Session::client(peer, PeerMetadata::default()).1.encode()
}

/// The frames of an input.
pub fn frames(mut input: &[u8]) -> impl Iterator<Item = &[u8]> {
    std::iter::from_fn(move || {
        if input.is_empty() {
            return None;
        }
        let len = match input {
            [a, b, ..] => usize::from(u16::from_be_bytes([*a, *b])),
            _ => 0,
        };
        let rest = input.get(2..).unwrap_or_default();
        let (frame, after) = rest.split_at(len.min(rest.len()));
        input = after;
        Some(frame)
    })
}

/// Frames in an input's form.
pub fn input(frames: &[Vec<u8>]) -> Vec<u8> {
    let mut out = Vec::new();
    for frame in frames {
        out.extend(u16::try_from(frame.len()).expect("a seed frame under 64 KiB").to_be_bytes());
        out.extend(frame);
    }
    out
}

/// Syncs `doc` with the server's copy of `id` as `device`, on a new
/// connection `driver` of it, as the app does, until neither side has
/// anything to say; the heads then.
async fn exchange(driver: &mut Driver, device: &Device, id: DocumentId, doc: &mut Automerge) -> Vec<ChangeHash> {
    let (mut session, join) = Session::client(format!("{}:check", device.id), PeerMetadata::default());
    for answer in driver.receive(&join.encode()).await.expect("the device joins") {
        session.receive(&answer.encode()).expect("the server's peer message");
    }
    for _ in 0..100 {
        let Some(message) = session.generate(id, doc) else { break };
        for answer in driver.receive(&message.encode()).await.expect("the server answers a sync") {
            if let Ok(Event::Sync { document_id, message, .. }) = session.receive(&answer.encode())
                && document_id == id
            {
                session.receive_sync(id, doc, message).expect("the server's sync message applies");
            }
        }
    }
    doc.get_heads()
}

/// Real messages from the reader, each seed a sequence of frames: the
/// request and answers of reading the school's document (Bloom filters
/// among them), a sync carrying a change, the sequence that once let a
/// change past automerge's read-only flag (request, doc-unavailable,
/// sync), an ephemeral message, remote-subscription-change,
/// remote-heads-changed, a request for a document nobody has, leave, and
/// a join (a second one, after the harness's).
pub fn seeds() -> Vec<(&'static str, Vec<u8>)> {
    let school = DocumentId::from(SCHOOL);
    let server_doc = AssociationDoc::create(&school).document().clone();
    let (mut session, _) = Session::client(READER_PEER, PeerMetadata::default());
    accept(&mut session);

    // Reading: the reader's side of a whole exchange, against a local copy.
    let mut read = Vec::new();
    let (mut copy, mut theirs) = (Automerge::new(), automerge::sync::State::new());
    let mut server = server_doc.clone();
    for _ in 0..10 {
        let Some(message) = session.generate(school, &mut copy) else { break };
        read.push(message.encode());
        let data = match &message {
            Message::Request { data, .. } | Message::Sync { data, .. } => data.clone(),
            _ => break,
        };
        server.receive_sync_message(&mut theirs, automerge::sync::Message::decode(&data).unwrap()).unwrap();
        if let Some(answer) = server.generate_sync_message(&mut theirs) {
            session.receive_sync(school, &mut copy, answer).unwrap();
        }
    }

    // Writing: the next message after a local change carries it.
    let mut tx = copy.transaction();
    tx.put(ROOT, "fuzz", "правка").unwrap();
    tx.commit();
    let write = session.generate(school, &mut copy).map(|m| m.encode()).unwrap_or_default();
    let unavailable = session.unavailable(school).unwrap().encode();
    let (sender_id, target_id) = (READER_PEER.to_owned(), "server".to_owned());
    let other = DocumentId::from([9; 16]);
    let small = |m: Message| m.encode();
    vec![
        ("read", input(&read)),
        ("write", input(&[read[0].clone(), write.clone()])),
        ("unavailable-then-sync", input(&[read[0].clone(), unavailable, write])),
        (
            "ephemeral",
            input(&[small(Message::Ephemeral {
                sender_id: sender_id.clone(),
                target_id: target_id.clone(),
                document_id: school,
                session_id: "s".into(),
                count: 1,
                data: vec![1, 2, 3],
            })]),
        ),
        (
            "remote",
            input(&[
                small(Message::RemoteSubscriptionChange { sender_id: sender_id.clone(), target_id: target_id.clone() }),
                small(Message::RemoteHeadsChanged {
                    sender_id: sender_id.clone(),
                    target_id: target_id.clone(),
                    document_id: school,
                }),
            ]),
        ),
        (
            "request-other",
            input(&[session.generate(other, &mut Automerge::new()).map(|m| m.encode()).unwrap_or_default()]),
        ),
        ("leave", input(&[small(Message::Leave { sender_id })])),
        // A second join, after the harness's: a protocol error to mutate from.
        ("join", input(&[join(READER_PEER)])),
    ]
}

/// Puts a client session in the state of having been accepted by a server.
fn accept(session: &mut Session) {
    let peer = Message::Peer {
        sender_id: "server".into(),
        target_id: READER_PEER.into(),
        selected_protocol_version: shared::wire::PROTOCOL_VERSION.into(),
        metadata: None,
    };
    session.receive(&peer.encode()).unwrap();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_seeds_run_clean_and_the_world_catches_a_stored_change() {
        let world = World::new();
        for (name, seed) in seeds() {
            assert!(frames(&seed).count() > 0, "{name}");
            world.run(&seed);
        }
        // The writer's change is stored: the invariant that guards the
        // reader's runs notices it.
        let stored = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            world.runtime.block_on(async {
                let mut doc = Automerge::new();
                let mut driver = Driver::new(world.state.clone(), world.writer.clone());
                exchange(&mut driver, &world.writer, world.school, &mut doc).await;
                let mut tx = doc.transaction();
                tx.put(ROOT, "written", 1).unwrap();
                tx.commit();
                let mut driver = Driver::new(world.state.clone(), world.writer.clone());
                exchange(&mut driver, &world.writer, world.school, &mut doc).await;
            });
            world.run(&[]);
        }));
        assert!(stored.is_err(), "a stored change breaks the invariant");
    }
}
