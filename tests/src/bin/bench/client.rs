//! One load-generating peer: a WebSocket connection running our sync code
//! ([`shared::Session`]) for the documents it holds, counting what crosses
//! the wire. It speaks the plain automerge-repo protocol, so it drives the
//! JavaScript server exactly as it drives ours.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use automerge::Automerge;
use futures_util::stream::SplitSink;
use futures_util::{SinkExt, StreamExt};
use shared::sync::Event;
use shared::{DocumentId, Message, PeerMetadata, Session};
use tokio::net::TcpStream;
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::Message as WsMessage;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

pub(crate) type Result<T = ()> = std::result::Result<T, String>;

/// A peer's WebSocket read buffer (the sync messages here are small).
const READ_BUFFER_BYTES: usize = 4 * 1024;

/// How long a peer waits for the server before the run fails.
const PATIENCE: Duration = Duration::from_secs(60);

/// A connected peer and its documents. Its socket is read all the time by
/// a task of its own, as a browser's is: the JS server pings every 5 s and
/// drops a peer that has not answered, and tungstenite answers a ping only
/// while the socket is read.
pub(crate) struct Client {
    sink: SplitSink<Socket, WsMessage>,
    frames: mpsc::UnboundedReceiver<Result<(Instant, Vec<u8>)>>,
    session: Session,
    /// The documents this peer holds.
    pub(crate) docs: HashMap<DocumentId, Automerge>,
    /// Bytes sent and received in sync protocol frames.
    pub(crate) bytes_out: u64,
    pub(crate) bytes_in: u64,
    /// Frames sent.
    pub(crate) frames_out: u64,
    /// When the last frame [`Self::frame`] returned was read off the
    /// socket: before this peer decoded or applied it.
    pub(crate) arrived: Instant,
}

impl Client {
    /// Connects to `url` as `peer_id` and joins.
    pub(crate) async fn connect(url: &str, peer_id: &str) -> Result<Self> {
        // Without Nagle's algorithm, as browsers and the JS server's `ws`
        // open their sockets: a small frame is not held back waiting for
        // the acknowledgement of the one before. And with a small read
        // buffer: tungstenite zero-fills the whole buffer before every read,
        // which at its default 128 KiB was a seventh of the generator's CPU.
        let config = WebSocketConfig::default().read_buffer_size(READ_BUFFER_BYTES);
        let connecting = tokio_tungstenite::connect_async_with_config(url, Some(config), true);
        let (socket, _) = tokio::time::timeout(PATIENCE, connecting)
            .await
            .map_err(|_| "connecting timed out".to_owned())?
            .map_err(|e| format!("connect {url}: {e}"))?;
        let (sink, mut stream) = socket.split();
        let (tx, frames) = mpsc::unbounded_channel();
        tokio::spawn(async move {
            let ended = loop {
                match stream.next().await {
                    Some(Ok(WsMessage::Binary(bytes))) => {
                        if tx.send(Ok((Instant::now(), bytes.to_vec()))).is_err() {
                            return;
                        }
                    }
                    Some(Ok(_)) => {}
                    Some(Err(e)) => break e.to_string(),
                    None => break "the server closed the connection".to_owned(),
                }
            };
            let _ = tx.send(Err(ended));
        });
        let (session, join) = Session::client(peer_id, PeerMetadata { storage_id: None, is_ephemeral: true });
        let mut client = Self {
            sink,
            frames,
            session,
            docs: HashMap::new(),
            bytes_out: 0,
            bytes_in: 0,
            frames_out: 0,
            arrived: Instant::now(),
        };
        client.send(&join).await?;
        loop {
            let frame = client.frame().await?;
            match client.session.receive(&frame).map_err(|e| e.to_string())? {
                Event::Connected(_) => return Ok(client),
                Event::RemoteError(reason) => return Err(format!("refused: {reason}")),
                _ => {}
            }
        }
    }

    /// Starts syncing `doc` as `id` (a request when it is empty).
    pub(crate) async fn open(&mut self, id: DocumentId, doc: Automerge) -> Result {
        self.docs.insert(id, doc);
        self.offer(id).await
    }

    /// Persisted sync state of `id`, to [`Self::restore`] on a later connection.
    pub(crate) fn sync_state(&self, id: &DocumentId) -> Option<Vec<u8>> {
        self.session.sync_state(id)
    }

    /// Restores a sync state saved by [`Self::sync_state`].
    pub(crate) fn restore(&mut self, id: DocumentId, state: &[u8]) -> Result {
        self.session.restore(id, state).map_err(|e| e.to_string())
    }

    /// Changes `id` with `f` (one automerge change) and offers it.
    pub(crate) async fn edit(
        &mut self,
        id: DocumentId,
        f: impl FnOnce(&mut automerge::transaction::Transaction<'_>),
    ) -> Result {
        let doc = self.docs.get_mut(&id).ok_or("no such document")?;
        doc.transact::<_, _, automerge::AutomergeError>(|tx| {
            f(tx);
            Ok(())
        })
        .map_err(|e| format!("{e:?}"))?;
        self.offer(id).await
    }

    /// Sends what the server lacks of `id`, if anything.
    pub(crate) async fn offer(&mut self, id: DocumentId) -> Result {
        let doc = self.docs.get_mut(&id).ok_or("no such document")?;
        match self.session.generate(id, doc) {
            Some(m) => self.send(&m).await,
            None => Ok(()),
        }
    }

    /// Whether the server said it has exactly our heads of `id`.
    pub(crate) fn synced(&mut self, id: &DocumentId) -> bool {
        let Some(doc) = self.docs.get_mut(id) else { return false };
        !doc.get_heads().is_empty() && self.session.is_synced(id, doc)
    }

    /// Handles frames until every one of `ids` is synced.
    pub(crate) async fn settle(&mut self, ids: &[DocumentId]) -> Result {
        while !ids.iter().all(|id| self.synced(id)) {
            let frame = self.frame().await?;
            self.handle(&frame).await?;
        }
        Ok(())
    }

    /// The next binary frame from the server.
    pub(crate) async fn frame(&mut self) -> Result<Vec<u8>> {
        let (arrived, frame) = tokio::time::timeout(PATIENCE, self.frames.recv())
            .await
            .map_err(|_| "the server went silent".to_owned())?
            .ok_or("the connection's reader stopped")??;
        self.arrived = arrived;
        self.bytes_in += frame.len() as u64;
        Ok(frame)
    }

    /// Applies one frame and answers it; the document it changed, if any.
    pub(crate) async fn handle(&mut self, frame: &[u8]) -> Result<Option<DocumentId>> {
        match self.session.receive(frame).map_err(|e| e.to_string())? {
            Event::Sync { document_id, message, .. } => {
                let Some(doc) = self.docs.get_mut(&document_id) else { return Ok(None) };
                let before = doc.get_heads();
                self.session.receive_sync(document_id, doc, message).map_err(|e| e.to_string())?;
                let changed = doc.get_heads() != before;
                self.offer(document_id).await?;
                Ok(changed.then_some(document_id))
            }
            Event::DocUnavailable(id) => Err(format!("the server has no document {id}")),
            Event::RemoteError(reason) => Err(format!("the server reported: {reason}")),
            _ => Ok(None),
        }
    }

    /// Leaves cleanly.
    pub(crate) async fn close(mut self) {
        let leave = self.session.leave();
        let _ = self.send(&leave).await;
        let _ = self.sink.close().await;
    }

    async fn send(&mut self, message: &Message) -> Result {
        let bytes = message.encode();
        self.bytes_out += bytes.len() as u64;
        self.frames_out += 1;
        self.sink.send(WsMessage::Binary(bytes.into())).await.map_err(|e| e.to_string())
    }
}
