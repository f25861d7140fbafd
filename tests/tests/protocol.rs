//! The server against peers that are not the app: the JavaScript
//! automerge-repo, our sync code run natively, and clients that send
//! garbage.

#![allow(clippy::unwrap_used)]

use std::time::Duration;

use automerge::transaction::Transactable;
use automerge::{AutoCommit, ROOT, ReadDoc};
use e2e::Server;
use e2e::peer::Peer;
use futures_util::{SinkExt, StreamExt};
use shared::{AssociationDoc, Document};
use tempfile::TempDir;
use tokio_tungstenite::tungstenite::Message as WsMessage;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;

/// A school's association document written by our sync code is read by
/// the JavaScript automerge-repo, and a member the JavaScript client adds is
/// read back by our sync code: both through our server, each with its own
/// device token in the URL.
#[tokio::test]
async fn documents_cross_between_javascript_automerge_repo_and_our_sync_code() {
    let dir = TempDir::new().unwrap();
    let server = Server::start(dir.path()).await;
    let (_, head) = server.heads().await;
    let school = head.school();
    let teacher = head.add_device(&server, "member", Some(school), "Учитель (JS)").await;

    let mut peer = Peer::connect(&server, &head).await;
    let mut doc = AssociationDoc::create(&school);
    doc.put(ROOT, "title", "МО классных руководителей").unwrap();
    let mut doc = doc.document().clone();
    peer.push(school, &mut doc).await;

    let url = server.sync_url_for(&teacher);
    let read = e2e::js::run(&teacher, &["read", &url, &school.to_string()]).await;
    assert_eq!(read["title"], "МО классных руководителей");
    assert!(read["members"].is_array(), "the association layout: {read}");

    e2e::js::run(&teacher, &["add-member", &url, &school.to_string(), "Смирнова Ольга Ивановна"]).await;
    let mut fresh = Peer::connect(&server, &head).await;
    let stored = fresh.fetch(school).await.unwrap();
    let records = AssociationDoc::load_any(&AutoCommit::load(&stored.save()).unwrap()).unwrap();
    assert!(records.members.iter().any(|m| m.full_name == "Смирнова Ольга Ивановна"));
}

/// Malformed CBOR, a text frame and an oversized message each get an
/// `error` message and a close of that connection only; another client
/// keeps syncing through it all, and the server keeps accepting new ones.
#[tokio::test]
async fn bad_messages_close_only_the_connection_that_sent_them() {
    let dir = TempDir::new().unwrap();
    let server = Server::start(dir.path()).await;
    let (_, head) = server.heads().await;
    let association = head.school();
    let mut good = Peer::connect(&server, &head).await;
    let mut doc = AssociationDoc::create(&association).document().clone();
    good.push(association, &mut doc).await;

    let garbage: [(&str, WsMessage, CloseCode); 4] = [
        ("not CBOR", WsMessage::Binary(vec![0xff, 0x00, 0x13, 0x37].into()), CloseCode::Protocol),
        ("unknown message type", WsMessage::Binary(cbor_map_type("explode").into()), CloseCode::Protocol),
        ("text frame", WsMessage::Text("{\"type\":\"join\"}".into()), CloseCode::Unsupported),
        ("17 MiB", WsMessage::Binary(vec![0xa0; 17 * 1024 * 1024].into()), CloseCode::Size),
    ];
    for (what, message, code) in garbage {
        let (mut bad, _) = tokio_tungstenite::connect_async(server.sync_url_for(&head)).await.unwrap();
        bad.send(message).await.unwrap();
        let mut saw_error = false;
        let close = loop {
            match tokio::time::timeout(Duration::from_secs(20), bad.next()).await.expect("the server answers") {
                Some(Ok(WsMessage::Binary(bytes))) => {
                    if let Ok(shared::Message::Error { message, .. }) = shared::Message::decode(&bytes) {
                        assert!(!message.is_empty(), "{what}: the error says something");
                        saw_error = true;
                    }
                }
                Some(Ok(WsMessage::Close(frame))) => break frame,
                Some(Ok(_)) => {}
                other => panic!("{what}: expected an error and a close, got {other:?}"),
            }
        };
        assert!(saw_error, "{what}: an error message before the close");
        assert_eq!(close.map(|f| f.code), Some(code), "{what}: close code");

        // The other client still syncs: a change it makes is stored.
        doc.transact::<_, _, automerge::AutomergeError>(|tx| tx.put(ROOT, "note", format!("after {what}"))).unwrap();
        good.push(association, &mut doc).await;
    }

    let mut fresh = Peer::connect(&server, &head).await;
    let stored = fresh.fetch(association).await.unwrap();
    assert_eq!(stored.get(ROOT, "note").unwrap().unwrap().0.as_str(), Some("after 17 MiB"));
    assert!(server.log().contains("closing connection"), "the server logged why it closed them");
}

/// `{"type": ty}` in CBOR.
fn cbor_map_type(ty: &str) -> Vec<u8> {
    let mut out = vec![0xa1, 0x64];
    out.extend_from_slice(b"type");
    out.push(0x60 + u8::try_from(ty.len()).unwrap());
    out.extend_from_slice(ty.as_bytes());
    out
}
