//! The page's copy of the records it showed last, in localStorage, so that
//! a later start shows them at once, read-only, while the engine opens
//! IndexedDB and loads the documents: on a phone that takes most of a
//! second, and the page alone is ready well before.
//!
//! The copy is never the records themselves. It is the engine's own
//! messages ([`FromEngine::Shown`]), kept as they arrive, so it holds only
//! what the engine had already stored; the engine's answer replaces it
//! within the second, and when the device no longer has what the copy
//! shows (its storage evicted or damaged), the screens show what it has.
//! A copy that does not read back, or was written by another build or for
//! another device, is not shown.

use std::cell::RefCell;

use gloo_storage::{LocalStorage, Storage as _};
use shared::link::{self, FromEngine};
use shared::{DocKind, DocumentId};

use crate::ui::{Preview, Ui};

/// Where the copy is kept.
const KEY: &str = "mo.shown";

/// Above this the copy is not kept: localStorage writes on the page's
/// thread, and the origin's whole localStorage is a few megabytes.
const MAX_BYTES: usize = 1 << 20;

/// The documents kept, and whose copy it is.
struct Kept {
    /// This device and build ([`tag`]): a copy with another is not shown.
    tag: String,
    /// Each shown document's last message, with what places it.
    docs: Vec<(DocumentId, DocKind, DocumentId, Vec<u8>)>,
}

thread_local! {
    static COPY: RefCell<Option<Kept>> = const { RefCell::new(None) };
}

/// Shows the copy kept for device `device_id` (if any) in `ui`, and keeps
/// what the engine sends from now on. Called once the screens know their
/// school and year, before the engine has sent anything.
pub fn start(ui: Ui, device_id: &str) {
    let tag = tag(device_id);
    let kept = read(&tag);
    let decoded: Result<Vec<FromEngine>, _> = kept.iter().map(|m| link::decode::<FromEngine>(m)).collect();
    let mut docs = Vec::new();
    match decoded {
        // What is kept stays kept until the engine sends it anew, so that
        // the copy a start writes is not of fewer documents.
        Ok(decoded) => {
            for (message, bytes) in decoded.into_iter().zip(kept) {
                if let FromEngine::Shown(shown) = message {
                    docs.push((shown.id, shown.kind, shown.owner, bytes));
                    ui.receive_preview(*shown, Preview::Kept);
                }
            }
        }
        Err(e) => leptos::logging::warn!("the kept copy does not read: {e}"),
    }
    COPY.with(|c| *c.borrow_mut() = Some(Kept { tag, docs }));
}

/// Keeps the engine's `message` showing document `id` (of `kind`, owned by
/// `owner`), with the other documents the screens show now.
pub fn keep(ui: Ui, id: DocumentId, kind: DocKind, owner: DocumentId, message: Vec<u8>) {
    COPY.with(|c| {
        let mut c = c.borrow_mut();
        let Some(copy) = c.as_mut() else { return };
        copy.docs.retain(|(kept, kind, owner, _)| *kept != id && ui.is_current(*kind, *owner));
        if ui.is_current(kind, owner) {
            copy.docs.push((id, kind, owner, message));
        }
        write(copy);
    });
}

/// Forgets the copy (a device joining anew).
pub fn forget() {
    LocalStorage::delete(KEY);
    COPY.with(|c| *c.borrow_mut() = None);
}

/// The device and the build the copy belongs to. The build's version is
/// stamped into `index.html` by `app/build/precache.sh`; the messages'
/// encoding is not self-describing, so a copy is read only by the build
/// that wrote it.
fn tag(device_id: &str) -> String {
    let build = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.query_selector("meta[name=mo-build]").ok().flatten())
        .and_then(|m| m.get_attribute("content"))
        .unwrap_or_default();
    format!("{device_id} {build}")
}

/// The copy as stored: the tag, a newline, then each message as its length
/// (four bytes, little-endian) and its bytes, every byte one character
/// (U+0000–U+00FF), which localStorage keeps at a byte each.
fn write(copy: &Kept) {
    let size: usize = copy.docs.iter().map(|(.., m)| 4 + m.len()).sum();
    if size > MAX_BYTES {
        return LocalStorage::delete(KEY);
    }
    let mut text = String::with_capacity(copy.tag.len() + 1 + size * 2);
    text.push_str(&copy.tag);
    text.push('\n');
    for (.., message) in &copy.docs {
        let len = u32::try_from(message.len()).unwrap_or(u32::MAX).to_le_bytes();
        text.extend(len.iter().chain(message).map(|&b| char::from(b)));
    }
    if LocalStorage::raw().set_item(KEY, &text).is_err() {
        // A full localStorage: the next start waits for the engine.
        LocalStorage::delete(KEY);
    }
}

/// The messages kept with `tag`, or none.
fn read(tag: &str) -> Vec<Vec<u8>> {
    let Ok(Some(text)) = LocalStorage::raw().get_item(KEY) else { return Vec::new() };
    let Some(body) = text.strip_prefix(tag).and_then(|rest| rest.strip_prefix('\n')) else { return Vec::new() };
    let Some(bytes) = body.chars().map(|c| u8::try_from(c).ok()).collect::<Option<Vec<u8>>>() else {
        return Vec::new();
    };
    let mut messages = Vec::new();
    let mut rest = bytes.as_slice();
    while let Some((len, tail)) = rest.split_first_chunk::<4>() {
        let len = u32::from_le_bytes(*len) as usize;
        if tail.len() < len {
            return Vec::new();
        }
        let (message, tail) = tail.split_at(len);
        messages.push(message.to_vec());
        rest = tail;
    }
    if rest.is_empty() { messages } else { Vec::new() }
}
