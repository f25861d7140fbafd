//! The messages of the automerge-repo wire protocol: one CBOR map with text
//! keys per WebSocket binary message, field names exactly as the JS
//! `@automerge/automerge-repo` and Rust `samod` implementations write them.
//!
//! Decoding is strict about what a message needs and lenient about what it
//! may carry: unknown keys are skipped, integers written as floats by JS are
//! accepted, and a byte string behind a CBOR tag is read as bytes.

use minicbor::data::Type;
use minicbor::{Decoder, Encoder};

use crate::{DocumentId, Error};

/// The only protocol version there is.
pub const PROTOCOL_VERSION: &str = "1";

/// What a peer says about itself in `join` and `peer`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PeerMetadata {
    /// A stable id of the peer's storage; a peer with one is worth keeping
    /// sync state for across connections.
    pub storage_id: Option<String>,
    /// Whether the peer expects never to come back with this storage id.
    pub is_ephemeral: bool,
}

/// One message of the protocol.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Message {
    /// Client → server, the first message.
    Join {
        /// The client's peer id.
        sender_id: String,
        /// Versions the client speaks.
        supported_protocol_versions: Vec<String>,
        /// What the client says about itself.
        metadata: Option<PeerMetadata>,
    },
    /// Server → client, the answer to `join`.
    Peer {
        /// The server's peer id.
        sender_id: String,
        /// The client's peer id.
        target_id: String,
        /// Always [`PROTOCOL_VERSION`].
        selected_protocol_version: String,
        /// What the server says about itself.
        metadata: Option<PeerMetadata>,
    },
    /// Either side is going away.
    Leave {
        /// Who leaves.
        sender_id: String,
    },
    /// Either side: something went wrong; the sender then closes.
    Error {
        /// Who reports it, where known.
        sender_id: Option<String>,
        /// To whom, where known.
        target_id: Option<String>,
        /// A short reason.
        message: String,
    },
    /// "Do you have this document?": the first sync message for a document
    /// the sender does not have.
    Request {
        /// Sender's peer id.
        sender_id: String,
        /// Receiver's peer id.
        target_id: String,
        /// The document.
        document_id: DocumentId,
        /// An encoded `automerge::sync::Message`.
        data: Vec<u8>,
    },
    /// A sync round for a document.
    Sync {
        /// Sender's peer id.
        sender_id: String,
        /// Receiver's peer id.
        target_id: String,
        /// The document.
        document_id: DocumentId,
        /// An encoded `automerge::sync::Message`.
        data: Vec<u8>,
    },
    /// The answer to `request` when the responder has no such document.
    DocUnavailable {
        /// Sender's peer id.
        sender_id: String,
        /// Receiver's peer id.
        target_id: String,
        /// The document.
        document_id: DocumentId,
    },
    /// Not stored; relayed to the document's other peers.
    Ephemeral {
        /// The peer that first sent it.
        sender_id: String,
        /// Receiver's peer id.
        target_id: String,
        /// The document it is about.
        document_id: DocumentId,
        /// With `count`, deduplicates relayed copies.
        session_id: String,
        /// With `session_id`, deduplicates relayed copies.
        count: u64,
        /// Application bytes.
        data: Vec<u8>,
    },
    /// Optional: subscribe to another peer's heads. Accepted and ignored.
    RemoteSubscriptionChange {
        /// Sender's peer id.
        sender_id: String,
        /// Receiver's peer id.
        target_id: String,
    },
    /// Optional: heads of a document at a storage. Accepted and ignored.
    RemoteHeadsChanged {
        /// Sender's peer id.
        sender_id: String,
        /// Receiver's peer id.
        target_id: String,
        /// The document.
        document_id: DocumentId,
    },
}

impl Message {
    /// The message's `type` as written on the wire.
    pub fn kind(&self) -> &'static str {
        match self {
            Message::Join { .. } => "join",
            Message::Peer { .. } => "peer",
            Message::Leave { .. } => "leave",
            Message::Error { .. } => "error",
            Message::Request { .. } => "request",
            Message::Sync { .. } => "sync",
            Message::DocUnavailable { .. } => "doc-unavailable",
            Message::Ephemeral { .. } => "ephemeral",
            Message::RemoteSubscriptionChange { .. } => "remote-subscription-change",
            Message::RemoteHeadsChanged { .. } => "remote-heads-changed",
        }
    }

    /// The peer id the message claims to come from, if it carries one.
    pub fn sender_id(&self) -> Option<&str> {
        match self {
            Message::Join { sender_id, .. }
            | Message::Peer { sender_id, .. }
            | Message::Leave { sender_id }
            | Message::Request { sender_id, .. }
            | Message::Sync { sender_id, .. }
            | Message::DocUnavailable { sender_id, .. }
            | Message::Ephemeral { sender_id, .. }
            | Message::RemoteSubscriptionChange { sender_id, .. }
            | Message::RemoteHeadsChanged { sender_id, .. } => Some(sender_id),
            Message::Error { sender_id, .. } => sender_id.as_deref(),
        }
    }

    /// Decodes one message from the bytes of one WebSocket binary message.
    pub fn decode(bytes: &[u8]) -> Result<Self, Error> {
        Fields::read(bytes)?.into_message()
    }

    /// Encodes the message as one CBOR map.
    pub fn encode(&self) -> Vec<u8> {
        let mut e = Encoder::new(Vec::new());
        // Writing into a Vec cannot fail.
        self.write(&mut e).expect("encoding into a Vec is infallible");
        e.into_writer()
    }

    fn write(&self, e: &mut Encoder<Vec<u8>>) -> Result<(), minicbor::encode::Error<std::convert::Infallible>> {
        match self {
            Message::Join { sender_id, supported_protocol_versions, metadata } => {
                e.map(3 + u64::from(metadata.is_some()))?;
                e.str("type")?.str("join")?;
                e.str("senderId")?.str(sender_id)?;
                e.str("supportedProtocolVersions")?.array(supported_protocol_versions.len() as u64)?;
                for v in supported_protocol_versions {
                    e.str(v)?;
                }
                if let Some(m) = metadata {
                    e.str("peerMetadata")?;
                    write_metadata(e, m)?;
                }
            }
            Message::Peer { sender_id, target_id, selected_protocol_version, metadata } => {
                e.map(4 + u64::from(metadata.is_some()))?;
                e.str("type")?.str("peer")?;
                e.str("senderId")?.str(sender_id)?;
                e.str("targetId")?.str(target_id)?;
                e.str("selectedProtocolVersion")?.str(selected_protocol_version)?;
                if let Some(m) = metadata {
                    e.str("peerMetadata")?;
                    write_metadata(e, m)?;
                }
            }
            Message::Leave { sender_id } => {
                e.map(2)?;
                e.str("type")?.str("leave")?;
                e.str("senderId")?.str(sender_id)?;
            }
            Message::Error { sender_id, target_id, message } => {
                e.map(2 + u64::from(sender_id.is_some()) + u64::from(target_id.is_some()))?;
                e.str("type")?.str("error")?;
                if let Some(s) = sender_id {
                    e.str("senderId")?.str(s)?;
                }
                if let Some(t) = target_id {
                    e.str("targetId")?.str(t)?;
                }
                e.str("message")?.str(message)?;
            }
            Message::Request { sender_id, target_id, document_id, data }
            | Message::Sync { sender_id, target_id, document_id, data } => {
                e.map(5)?;
                e.str("type")?.str(self.kind())?;
                e.str("senderId")?.str(sender_id)?;
                e.str("targetId")?.str(target_id)?;
                e.str("documentId")?.str(&document_id.to_string())?;
                e.str("data")?.bytes(data)?;
            }
            Message::DocUnavailable { sender_id, target_id, document_id } => {
                e.map(4)?;
                e.str("type")?.str("doc-unavailable")?;
                e.str("senderId")?.str(sender_id)?;
                e.str("targetId")?.str(target_id)?;
                e.str("documentId")?.str(&document_id.to_string())?;
            }
            Message::Ephemeral { sender_id, target_id, document_id, session_id, count, data } => {
                e.map(7)?;
                e.str("type")?.str("ephemeral")?;
                e.str("senderId")?.str(sender_id)?;
                e.str("targetId")?.str(target_id)?;
                e.str("documentId")?.str(&document_id.to_string())?;
                e.str("sessionId")?.str(session_id)?;
                e.str("count")?.u64(*count)?;
                e.str("data")?.bytes(data)?;
            }
            Message::RemoteSubscriptionChange { sender_id, target_id } => {
                e.map(4)?;
                e.str("type")?.str("remote-subscription-change")?;
                e.str("senderId")?.str(sender_id)?;
                e.str("targetId")?.str(target_id)?;
                e.str("remove")?.array(0)?;
            }
            Message::RemoteHeadsChanged { sender_id, target_id, document_id } => {
                e.map(5)?;
                e.str("type")?.str("remote-heads-changed")?;
                e.str("senderId")?.str(sender_id)?;
                e.str("targetId")?.str(target_id)?;
                e.str("documentId")?.str(&document_id.to_string())?;
                e.str("newHeads")?.map(0)?;
            }
        }
        Ok(())
    }
}

fn write_metadata(
    e: &mut Encoder<Vec<u8>>,
    m: &PeerMetadata,
) -> Result<(), minicbor::encode::Error<std::convert::Infallible>> {
    e.map(1 + u64::from(m.storage_id.is_some()))?;
    if let Some(s) = &m.storage_id {
        e.str("storageId")?.str(s)?;
    }
    e.str("isEphemeral")?.bool(m.is_ephemeral)?;
    Ok(())
}

/// The fields of one message as read off the wire, before checking which of
/// them its type needs.
#[derive(Default)]
struct Fields {
    kind: Option<String>,
    sender_id: Option<String>,
    target_id: Option<String>,
    document_id: Option<String>,
    data: Option<Vec<u8>>,
    message: Option<String>,
    session_id: Option<String>,
    count: Option<u64>,
    selected_protocol_version: Option<String>,
    supported_protocol_versions: Option<Vec<String>>,
    metadata: Option<PeerMetadata>,
}

fn malformed(e: impl std::fmt::Display) -> Error {
    Error::MalformedMessage(e.to_string())
}

impl Fields {
    fn read(bytes: &[u8]) -> Result<Self, Error> {
        let mut d = Decoder::new(bytes);
        let mut f = Fields::default();
        for_each_entry(&mut d, |key, d| {
            match key {
                "type" => f.kind = Some(capped(key, read_str(d)?, MAX_NAME_BYTES)?),
                "senderId" => f.sender_id = Some(capped(key, read_str(d)?, MAX_ID_BYTES)?),
                "targetId" => f.target_id = Some(capped(key, read_str(d)?, MAX_ID_BYTES)?),
                "documentId" => f.document_id = Some(capped(key, read_str(d)?, MAX_ID_BYTES)?),
                "message" => f.message = Some(shortened(read_str(d)?, MAX_ERROR_BYTES)),
                "sessionId" => f.session_id = Some(capped(key, read_str(d)?, MAX_ID_BYTES)?),
                "selectedProtocolVersion" => {
                    f.selected_protocol_version = Some(capped(key, read_str(d)?, MAX_NAME_BYTES)?);
                }
                "supportedProtocolVersions" => f.supported_protocol_versions = Some(read_versions(d)?),
                "data" => f.data = Some(read_bytes(d)?),
                "count" => f.count = Some(read_uint(d)?),
                "peerMetadata" | "metadata" => f.metadata = read_metadata(d)?,
                _ => d.skip().map_err(malformed)?,
            }
            Ok(())
        })?;
        if d.position() != bytes.len() {
            return Err(malformed("trailing bytes after the message"));
        }
        Ok(f)
    }

    fn into_message(self) -> Result<Message, Error> {
        let kind = self.kind.clone().ok_or_else(|| malformed("missing field type"))?;
        let m = match kind.as_str() {
            "join" => Message::Join {
                sender_id: need(self.sender_id, "senderId")?,
                supported_protocol_versions: need(self.supported_protocol_versions, "supportedProtocolVersions")?,
                metadata: self.metadata,
            },
            "peer" => Message::Peer {
                sender_id: need(self.sender_id, "senderId")?,
                target_id: need(self.target_id, "targetId")?,
                selected_protocol_version: need(self.selected_protocol_version, "selectedProtocolVersion")?,
                metadata: self.metadata,
            },
            "leave" => Message::Leave { sender_id: need(self.sender_id, "senderId")? },
            "error" => Message::Error {
                sender_id: self.sender_id,
                target_id: self.target_id,
                message: need(self.message, "message")?,
            },
            "request" | "sync" => {
                let sender_id = need(self.sender_id, "senderId")?;
                let target_id = need(self.target_id, "targetId")?;
                let document_id = need(self.document_id, "documentId")?.parse()?;
                let data = need(self.data, "data")?;
                if kind == "request" {
                    Message::Request { sender_id, target_id, document_id, data }
                } else {
                    Message::Sync { sender_id, target_id, document_id, data }
                }
            }
            "doc-unavailable" => Message::DocUnavailable {
                sender_id: need(self.sender_id, "senderId")?,
                target_id: need(self.target_id, "targetId")?,
                document_id: need(self.document_id, "documentId")?.parse()?,
            },
            "ephemeral" => Message::Ephemeral {
                sender_id: need(self.sender_id, "senderId")?,
                target_id: need(self.target_id, "targetId")?,
                document_id: need(self.document_id, "documentId")?.parse()?,
                session_id: need(self.session_id, "sessionId")?,
                count: need(self.count, "count")?,
                data: need(self.data, "data")?,
            },
            "remote-subscription-change" => Message::RemoteSubscriptionChange {
                sender_id: need(self.sender_id, "senderId")?,
                target_id: need(self.target_id, "targetId")?,
            },
            "remote-heads-changed" => Message::RemoteHeadsChanged {
                sender_id: need(self.sender_id, "senderId")?,
                target_id: need(self.target_id, "targetId")?,
                document_id: need(self.document_id, "documentId")?.parse()?,
            },
            other => return Err(Error::UnknownMessageType(other.chars().take(64).collect())),
        };
        Ok(m)
    }
}

fn need<T>(value: Option<T>, name: &str) -> Result<T, Error> {
    value.ok_or_else(|| malformed(format!("missing field {name}")))
}

fn skip_tags(d: &mut Decoder<'_>) -> Result<(), Error> {
    while d.datatype().map_err(malformed)? == Type::Tag {
        d.tag().map_err(malformed)?;
    }
    Ok(())
}

fn read_str(d: &mut Decoder<'_>) -> Result<String, Error> {
    skip_tags(d)?;
    if d.datatype().map_err(malformed)? == Type::StringIndef {
        let mut s = String::new();
        for part in d.str_iter().map_err(malformed)? {
            s.push_str(part.map_err(malformed)?);
        }
        return Ok(s);
    }
    Ok(d.str().map_err(malformed)?.to_owned())
}

fn read_bytes(d: &mut Decoder<'_>) -> Result<Vec<u8>, Error> {
    skip_tags(d)?;
    if d.datatype().map_err(malformed)? == Type::BytesIndef {
        let mut b = Vec::new();
        for part in d.bytes_iter().map_err(malformed)? {
            b.extend_from_slice(part.map_err(malformed)?);
        }
        return Ok(b);
    }
    Ok(d.bytes().map_err(malformed)?.to_vec())
}

/// Reads a non-negative integer; JS encoders may write one as a float.
fn read_uint(d: &mut Decoder<'_>) -> Result<u64, Error> {
    match d.datatype().map_err(malformed)? {
        Type::F16 | Type::F32 | Type::F64 => {
            let f = d.f64().map_err(malformed)?;
            if f.is_finite() && f >= 0.0 && f.fract() == 0.0 && f < u64::MAX as f64 {
                Ok(f as u64)
            } else {
                Err(malformed("count is not a whole number"))
            }
        }
        _ => d.u64().map_err(malformed),
    }
}

/// The longest peer id, document id, session id or storage id accepted
/// (ours are under 100 bytes; the JS client's under 40).
pub const MAX_ID_BYTES: usize = 256;
/// The longest message type or protocol version accepted.
const MAX_NAME_BYTES: usize = 64;
/// The most protocol versions a `join` may offer (there is one).
const MAX_VERSIONS: usize = 16;
/// A peer's error text is kept up to this many bytes.
const MAX_ERROR_BYTES: usize = 1024;

/// `value`, or an error naming `field` if it is longer than `max` bytes
/// (the error never carries the value: it would be logged).
fn capped(field: &str, value: String, max: usize) -> Result<String, Error> {
    if value.len() > max {
        return Err(malformed(format!("{field} of {} bytes is longer than {max}", value.len())));
    }
    Ok(value)
}

/// `value` cut to at most `max` bytes on a character boundary.
fn shortened(mut value: String, max: usize) -> String {
    if value.len() > max {
        let mut end = max;
        while !value.is_char_boundary(end) {
            end -= 1;
        }
        value.truncate(end);
    }
    value
}

fn read_versions(d: &mut Decoder<'_>) -> Result<Vec<String>, Error> {
    let len = d.array().map_err(malformed)?;
    let mut out = Vec::new();
    loop {
        match len {
            Some(n) if out.len() as u64 == n => break,
            None if d.datatype().map_err(malformed)? == Type::Break => {
                d.skip().map_err(malformed)?;
                break;
            }
            _ if out.len() == MAX_VERSIONS => {
                return Err(malformed(format!("more than {MAX_VERSIONS} supportedProtocolVersions")));
            }
            _ => out.push(capped("a protocol version", read_str(d)?, MAX_NAME_BYTES)?),
        }
    }
    Ok(out)
}

fn read_metadata(d: &mut Decoder<'_>) -> Result<Option<PeerMetadata>, Error> {
    match d.datatype().map_err(malformed)? {
        Type::Null | Type::Undefined => {
            d.skip().map_err(malformed)?;
            return Ok(None);
        }
        _ => {}
    }
    let mut m = PeerMetadata::default();
    for_each_entry(d, |key, d| {
        match key {
            "storageId" => match d.datatype().map_err(malformed)? {
                Type::Null | Type::Undefined => d.skip().map_err(malformed)?,
                _ => m.storage_id = Some(capped("storageId", read_str(d)?, MAX_ID_BYTES)?),
            },
            "isEphemeral" => match d.datatype().map_err(malformed)? {
                Type::Bool => m.is_ephemeral = d.bool().map_err(malformed)?,
                _ => d.skip().map_err(malformed)?,
            },
            _ => d.skip().map_err(malformed)?,
        }
        Ok(())
    })?;
    Ok(Some(m))
}

/// Reads a CBOR map with string keys, definite or indefinite, handing each
/// key to `f` with the decoder positioned at its value (which `f` consumes).
fn for_each_entry<'b>(
    d: &mut Decoder<'b>,
    mut f: impl FnMut(&'b str, &mut Decoder<'b>) -> Result<(), Error>,
) -> Result<(), Error> {
    let len = d.map().map_err(malformed)?;
    let mut seen = 0u64;
    loop {
        match len {
            Some(n) if seen == n => return Ok(()),
            None if d.datatype().map_err(malformed)? == Type::Break => {
                d.skip().map_err(malformed)?;
                return Ok(());
            }
            _ => {}
        }
        seen += 1;
        let key = d.str().map_err(malformed)?;
        f(key, d)?;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn every_kind() -> Vec<Message> {
        let doc = DocumentId::random();
        vec![
            Message::Join {
                sender_id: "a".into(),
                supported_protocol_versions: vec!["1".into()],
                metadata: Some(PeerMetadata { storage_id: Some("s".into()), is_ephemeral: false }),
            },
            Message::Peer {
                sender_id: "b".into(),
                target_id: "a".into(),
                selected_protocol_version: "1".into(),
                metadata: None,
            },
            Message::Leave { sender_id: "a".into() },
            Message::Error { sender_id: None, target_id: Some("a".into()), message: "нет".into() },
            Message::Request { sender_id: "a".into(), target_id: "b".into(), document_id: doc, data: vec![1, 2] },
            Message::Sync { sender_id: "a".into(), target_id: "b".into(), document_id: doc, data: vec![] },
            Message::DocUnavailable { sender_id: "b".into(), target_id: "a".into(), document_id: doc },
            Message::Ephemeral {
                sender_id: "a".into(),
                target_id: "b".into(),
                document_id: doc,
                session_id: "x".into(),
                count: 7,
                data: vec![9],
            },
            Message::RemoteSubscriptionChange { sender_id: "a".into(), target_id: "b".into() },
            Message::RemoteHeadsChanged { sender_id: "a".into(), target_id: "b".into(), document_id: doc },
        ]
    }

    #[test]
    fn every_message_kind_survives_encoding_and_decoding() {
        for m in every_kind() {
            assert_eq!(Message::decode(&m.encode()).unwrap(), m, "{}", m.kind());
        }
    }

    #[test]
    fn a_message_as_cbor_x_writes_it_decodes() {
        // cbor-x (used by the JS client) may write counts as floats, maps with
        // indefinite length, and unknown extra keys.
        let doc = DocumentId::random();
        let mut e = Encoder::new(Vec::new());
        e.begin_map().unwrap();
        e.str("type").unwrap().str("ephemeral").unwrap();
        e.str("senderId").unwrap().str("js").unwrap();
        e.str("targetId").unwrap().str("srv").unwrap();
        e.str("documentId").unwrap().str(&doc.to_string()).unwrap();
        e.str("sessionId").unwrap().str("s1").unwrap();
        e.str("count").unwrap().f64(3.0).unwrap();
        e.str("extra").unwrap().array(2).unwrap().u8(1).unwrap().str("z").unwrap();
        e.str("data").unwrap().tag(minicbor::data::Tag::new(64)).unwrap().bytes(&[5, 6]).unwrap();
        e.end().unwrap();
        let m = Message::decode(&e.into_writer()).unwrap();
        assert_eq!(
            m,
            Message::Ephemeral {
                sender_id: "js".into(),
                target_id: "srv".into(),
                document_id: doc,
                session_id: "s1".into(),
                count: 3,
                data: vec![5, 6],
            }
        );
    }

    #[test]
    fn malformed_messages_are_errors_not_panics() {
        let good = every_kind()[4].encode();
        let cases: Vec<Vec<u8>> = vec![
            vec![],
            vec![0xff],
            b"hello".to_vec(),
            vec![0xa1, 0x64, b't', b'y', b'p', b'e'],
            // A map that claims 2^63 entries.
            vec![0xbb, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff],
            good[..good.len() - 1].to_vec(),
            [good.clone(), vec![0]].concat(),
        ];
        for c in cases {
            assert!(Message::decode(&c).is_err(), "{c:?}");
        }
    }

    #[test]
    fn an_unknown_type_and_a_bad_document_id_are_named_in_the_error() {
        let mut e = Encoder::new(Vec::new());
        e.map(1).unwrap().str("type").unwrap().str("gossip").unwrap();
        assert!(matches!(Message::decode(&e.into_writer()), Err(Error::UnknownMessageType(t)) if t == "gossip"));

        let mut e = Encoder::new(Vec::new());
        e.map(4).unwrap();
        e.str("type").unwrap().str("doc-unavailable").unwrap();
        e.str("senderId").unwrap().str("a").unwrap();
        e.str("targetId").unwrap().str("b").unwrap();
        e.str("documentId").unwrap().str("not-an-id").unwrap();
        assert!(matches!(Message::decode(&e.into_writer()), Err(Error::InvalidDocumentId(_))));
    }

    proptest::proptest! {
        #[test]
        fn arbitrary_bytes_never_panic_the_decoder(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..256)) {
            let _ = Message::decode(&bytes);
        }
    }
}
