//! A native peer running our sync code ([`shared::Session`], the same state
//! machine the app runs in the browser) over a plain WebSocket.

use std::time::Duration;

use automerge::Automerge;
use futures_util::{SinkExt, StreamExt};
use shared::sync::Event;
use shared::{DocumentId, Message, PeerMetadata, Session};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message as WsMessage;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

use crate::server::{Device, Server};

type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// A connected, joined peer.
pub struct Peer {
    socket: Socket,
    session: Session,
    peer_id: String,
}

impl Peer {
    /// Connects as `device` and completes the join handshake.
    pub async fn connect(server: &Server, device: &Device) -> Self {
        Self::connect_as(&server.sync_url_for(device), &device.peer_id("native"))
            .await
            .expect("the server accepts the device")
    }

    /// Connects to `url` as `peer_id`; the server's error if it refuses the
    /// connection or the join.
    pub async fn connect_as(url: &str, peer_id: &str) -> Result<Self, String> {
        let (socket, _) = tokio_tungstenite::connect_async(url).await.map_err(|e| e.to_string())?;
        let metadata = PeerMetadata { storage_id: None, is_ephemeral: true };
        let (session, join) = Session::client(peer_id, metadata);
        let mut peer = Self { socket, session, peer_id: peer_id.to_owned() };
        peer.send(&join).await;
        match peer.next_event().await {
            Event::Connected(_) => Ok(peer),
            Event::RemoteError(reason) => Err(reason),
            other => panic!("expected the server's peer message, got {other:?}"),
        }
    }

    /// Offers `doc`'s changes to the server and answers until the server
    /// has nothing more to say for a second (for peers whose changes the
    /// server may refuse). Returns whether the connection is still open.
    pub async fn offer(&mut self, id: DocumentId, doc: &mut Automerge) -> bool {
        if let Some(m) = self.session.generate(id, doc) {
            self.send(&m).await;
        }
        loop {
            let frame = match tokio::time::timeout(Duration::from_secs(1), self.socket.next()).await {
                Err(_) => return true,
                Ok(Some(Ok(WsMessage::Binary(bytes)))) => bytes,
                Ok(Some(Ok(WsMessage::Close(_))) | None | Some(Err(_))) => return false,
                Ok(Some(Ok(_))) => continue,
            };
            match self.session.receive(&frame) {
                Ok(Event::Sync { document_id, message, .. }) if document_id == id => {
                    self.session.receive_sync(id, doc, message).expect("apply the server's sync message");
                    if let Some(m) = self.session.generate(id, doc) {
                        self.send(&m).await;
                    }
                }
                Ok(Event::RemoteError(_)) => return false,
                _ => {}
            }
        }
    }

    /// Waits until the server closes the connection, answering nothing,
    /// and returns its reason (the `error` message's, else the close
    /// frame's); fails after 20 s of silence.
    pub async fn closed(&mut self) -> String {
        loop {
            let frame = tokio::time::timeout(Duration::from_secs(20), self.socket.next())
                .await
                .expect("the server closes the connection within 20 s");
            match frame {
                Some(Ok(WsMessage::Binary(bytes))) => {
                    if let Ok(Event::RemoteError(reason)) = self.session.receive(&bytes) {
                        return reason;
                    }
                }
                Some(Ok(WsMessage::Close(frame))) => return frame.map(|f| f.reason.to_string()).unwrap_or_default(),
                None | Some(Err(_)) => return String::new(),
                Some(Ok(_)) => {}
            }
        }
    }

    /// Fetches `id` from the server until both sides have the same heads;
    /// `None` if the server says it is unavailable.
    pub async fn fetch(&mut self, id: DocumentId) -> Option<Automerge> {
        let mut doc = Automerge::new();
        self.sync(id, &mut doc).await.then_some(doc)
    }

    /// Keeps `doc` in sync as the server relays others' changes, until
    /// `done` holds for it (20 s of silence fail the test).
    pub async fn follow(&mut self, id: DocumentId, doc: &mut Automerge, done: impl Fn(&Automerge) -> bool) {
        while !done(doc) {
            if let Event::Sync { document_id, message, .. } = self.next_event().await
                && document_id == id
            {
                self.session.receive_sync(id, doc, message).expect("apply the server's sync message");
                if let Some(m) = self.session.generate(id, doc) {
                    self.send(&m).await;
                }
            }
        }
    }

    /// Sends `doc` to the server and waits until the server has all of it.
    pub async fn push(&mut self, id: DocumentId, doc: &mut Automerge) {
        assert!(self.sync(id, doc).await, "the server refused document {id}");
    }

    /// Like [`Self::push`], but an `Err` when the connection breaks or the
    /// server stays silent for `patience`, as when it is killed mid-way.
    pub async fn try_push(&mut self, id: DocumentId, doc: &mut Automerge, patience: Duration) -> Result<(), String> {
        if let Some(m) = self.session.generate(id, doc) {
            self.socket.send(WsMessage::Binary(m.encode().into())).await.map_err(|e| e.to_string())?;
        }
        loop {
            let frame = tokio::time::timeout(patience, self.socket.next())
                .await
                .map_err(|_| "the server went silent".to_owned())?
                .ok_or("the connection closed")?
                .map_err(|e| e.to_string())?;
            let WsMessage::Binary(bytes) = frame else { continue };
            match self.session.receive(&bytes).map_err(|e| e.to_string())? {
                Event::Sync { document_id, message, .. } if document_id == id => {
                    self.session.receive_sync(id, doc, message).map_err(|e| e.to_string())?;
                    if let Some(m) = self.session.generate(id, doc) {
                        self.socket.send(WsMessage::Binary(m.encode().into())).await.map_err(|e| e.to_string())?;
                    }
                    if self.session.is_synced(&id, doc) {
                        return Ok(());
                    }
                }
                Event::DocUnavailable(document_id) if document_id == id => return Err("unavailable".into()),
                Event::RemoteError(reason) => return Err(reason),
                _ => {}
            }
        }
    }

    /// Runs the sync protocol for `id` until it settles. Returns false if
    /// the server reported the document unavailable.
    async fn sync(&mut self, id: DocumentId, doc: &mut Automerge) -> bool {
        if let Some(m) = self.session.generate(id, doc) {
            self.send(&m).await;
        }
        loop {
            match self.next_event().await {
                Event::Sync { document_id, message, .. } if document_id == id => {
                    self.session.receive_sync(id, doc, message).expect("apply the server's sync message");
                    if let Some(m) = self.session.generate(id, doc) {
                        self.send(&m).await;
                    }
                    if self.session.is_synced(&id, doc) && !doc.get_heads().is_empty() {
                        return true;
                    }
                }
                Event::DocUnavailable(document_id) if document_id == id => return false,
                _ => {}
            }
        }
    }

    /// Sends a `sync` for `id` carrying every change of `doc`, whatever the
    /// sync state would say, as a hostile or confused peer may; returns the
    /// text of the server's `error` answer, or `None` if the server
    /// answered the round without one.
    pub async fn force_changes(&mut self, id: DocumentId, doc: &Automerge) -> Option<String> {
        let changes: Vec<Vec<u8>> = doc.get_changes(&[]).iter().map(|c| c.raw_bytes().to_vec()).collect();
        let message = automerge::sync::Message {
            heads: doc.get_heads(),
            need: Vec::new(),
            have: Vec::new(),
            changes: changes.into(),
            flags: None,
            version: automerge::sync::MessageVersion::V1,
        };
        self.send_sync_bytes(id, message.encode()).await
    }

    /// Sends `data` as the automerge sync message of a `sync` for `id`;
    /// the server's `error` text, or `None` if it answered without one.
    pub async fn send_sync_bytes(&mut self, id: DocumentId, data: Vec<u8>) -> Option<String> {
        self.send_bytes(self.sync_message(id, data)).await;
        // The server answers a connection's messages in order: once it has
        // answered a request for a document nobody has, it has answered
        // this one too (relays of others' changes may come in between).
        let probe = DocumentId::random();
        let request = self.session.generate(probe, &mut Automerge::new()).expect("a first request");
        self.send(&request).await;
        let mut error = None;
        loop {
            match Message::decode(&self.next_binary().await).expect("the server speaks the protocol") {
                Message::Error { message, .. } => error = Some(message),
                Message::DocUnavailable { document_id, .. } if document_id == probe => return error,
                _ => {}
            }
        }
    }

    /// Tells the server this peer does not have `id` (it may have asked
    /// for it before), as automerge-repo does for a document it lost.
    pub async fn send_unavailable(&mut self, id: DocumentId) {
        let message = self.session.unavailable(id).expect("joined");
        self.send(&message).await;
    }

    /// An `ephemeral` message about `id` carrying `data`, from this peer.
    pub fn ephemeral(&self, id: DocumentId, count: u64, data: Vec<u8>) -> Vec<u8> {
        let (sender_id, target_id) = self.ids();
        let session_id = "hostile".to_owned();
        Message::Ephemeral { sender_id, target_id, document_id: id, session_id, count, data }.encode()
    }

    /// A `sync` message about `id` carrying `data` as its automerge bytes.
    pub fn sync_message(&self, id: DocumentId, data: Vec<u8>) -> Vec<u8> {
        let (sender_id, target_id) = self.ids();
        Message::Sync { sender_id, target_id, document_id: id, data }.encode()
    }

    /// This peer's id and the server's.
    fn ids(&self) -> (String, String) {
        (self.peer_id.clone(), self.session.remote().expect("joined").peer_id.clone())
    }

    /// Sends raw bytes in a binary frame.
    pub async fn send_bytes(&mut self, bytes: Vec<u8>) {
        self.socket.send(WsMessage::Binary(bytes.into())).await.expect("send a frame");
    }

    async fn send(&mut self, message: &Message) {
        self.send_bytes(message.encode()).await;
    }

    async fn next_event(&mut self) -> Event {
        let bytes = self.next_binary().await;
        self.session.receive(&bytes).expect("the server speaks the protocol")
    }

    /// The next binary frame; the connection closing or 20 s of silence
    /// fail the test.
    async fn next_binary(&mut self) -> Vec<u8> {
        loop {
            let frame = tokio::time::timeout(Duration::from_secs(20), self.socket.next())
                .await
                .expect("the server answers within 20 s")
                .expect("the connection stays open")
                .expect("a well-formed frame");
            if let WsMessage::Binary(bytes) = frame {
                return bytes.to_vec();
            }
        }
    }
}

pub use shared::guard::uleb;
