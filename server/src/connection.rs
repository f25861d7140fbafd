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
//! neither applied, stored nor relayed. Revoking the device closes the
//! connection at once.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use axum::extract::ws::{CloseFrame, Message as WsMessage, WebSocket};
use shared::sync::Event;
use shared::{Access, DocumentId, Message, Session};

use crate::AppState;
use crate::access::Device;
use crate::hub::{ConnId, Ephemeral, Outbox, Slot};
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

/// Serves one client until it leaves, breaks the protocol, or the server stops.
pub(crate) async fn serve(mut socket: WebSocket, state: AppState, device: Device) {
    let id = NEXT_CONN.fetch_add(1, Ordering::Relaxed);
    let session = Session::server(state.identity.peer_id.clone(), state.identity.metadata());
    let mut revoked = state.access.watch(&device.id);
    tracing::debug!(conn = id, device = %device.id, "connected");
    count(&state.metrics.connections);
    let mut conn = Connection {
        id,
        state: state.clone(),
        device,
        session,
        outbox: Arc::new(Outbox::default()),
        slots: HashMap::new(),
    };
    let mut shutdown = state.shutdown.clone();

    let outbox = conn.outbox.clone();
    let outcome = loop {
        enum Wake {
            Received(Option<Result<WsMessage, axum::Error>>),
            Outbox,
            Shutdown,
            Revoked,
        }
        let wake = tokio::select! {
            received = socket.recv() => Wake::Received(received),
            () = outbox.wait() => Wake::Outbox,
            _ = shutdown.changed() => Wake::Shutdown,
            _ = revoked.wait_for(|r| *r) => Wake::Revoked,
        };
        let result = match wake {
            Wake::Revoked => break Some(Close { code: close_code::POLICY, reason: "device access revoked".into() }),
            Wake::Shutdown => break Some(Close { code: close_code::RESTARTING, reason: "server restarting".into() }),
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
                    // messages wait with it, nobody else's.
                    let wait = state.meter.delay(&conn.device.id, state.config.limits.messages_per_second);
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
                if send_all(&mut socket, messages).await.is_err() {
                    break None;
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
        let _ = socket.send(WsMessage::Binary(error.into())).await;
        let frame = CloseFrame { code: close.code, reason: truncate(&close.reason, 120).into() };
        let _ = socket.send(WsMessage::Close(Some(frame))).await;
    }
    for doc in conn.slots.keys() {
        state.hub.unsubscribe(doc, id);
    }
    tracing::debug!(conn = id, "disconnected");
}

async fn send_all(socket: &mut WebSocket, messages: Vec<Message>) -> Result<(), axum::Error> {
    for m in messages {
        socket.send(WsMessage::Binary(m.encode().into())).await?;
    }
    Ok(())
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
        let (hub, conn, outbox, session) = (&self.state.hub, self.id, &self.outbox, &mut self.session);
        let slot = self
            .slots
            .entry(id)
            .or_insert_with(|| {
                if access == Access::Read {
                    session.set_read_only(id);
                }
                hub.subscribe(id, conn, outbox)
            })
            .clone();
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
            Event::Sync { document_id, message, request } => {
                let Some((slot, access)) = self.slot(document_id)? else {
                    return Ok(self.session.unavailable(document_id).into_iter().collect());
                };
                if access == Access::Read && !message.changes.is_empty() {
                    tracing::warn!(conn = self.id, document = %document_id, device = %self.device.id,
                        "refused changes from a device that may only read");
                }
                let session = &mut self.session;
                let applied = self
                    .state
                    .hub
                    .apply(&slot, self.id, !request && access == Access::Write, |doc| {
                        session.receive_sync(document_id, doc, message)?;
                        Ok::<_, shared::Error>(session.generate(document_id, doc))
                    })
                    .await;
                match applied {
                    Ok(None) => Ok(self.session.unavailable(document_id).into_iter().collect()),
                    Ok(Some(Ok(reply))) => Ok(reply.into_iter().collect()),
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
            Event::Ephemeral { document_id, session_id, count, data } => {
                let Some((slot, _)) = self.slot(document_id)? else { return Ok(vec![]) };
                let sender_id = self.session.remote().map(|r| r.peer_id.clone()).unwrap_or_default();
                self.state.hub.relay_ephemeral(
                    &slot,
                    self.id,
                    Ephemeral { sender_id, document_id, session_id, count, data },
                );
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

    /// Sync messages for documents other peers changed, and ephemeral messages.
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
        for e in self.outbox.take_ephemeral() {
            out.extend(self.session.relay_ephemeral(&e.sender_id, e.document_id, &e.session_id, e.count, &e.data));
        }
        Ok(out)
    }
}
