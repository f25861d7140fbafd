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
//!
//! Before even the page has loaded (its wasm takes most of a second to
//! compile and start on a phone), `index.html` shows the screen as the page
//! last drew it: the HTML of the last few screens drawn from the engine's
//! records, kept by [`copy_screen_later`]. That copy is inert (nothing on it
//! can be tapped) and goes as soon as the page has drawn its own screen.

use std::borrow::Cow;
use std::cell::{Cell, RefCell};

use gloo_storage::{LocalStorage, Storage as _};
use leptos::prelude::{GetUntracked as _, WithUntracked as _, request_animation_frame, untrack};
use serde::{Deserialize, Serialize};
use shared::link::{self, FromEngine};
use shared::{DocKind, DocumentId};
use wasm_bindgen::JsCast as _;
use web_sys::{Element, HtmlInputElement, HtmlSelectElement};

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
    /// The screens drawn last, as kept for `index.html` (read once, at the
    /// start: a copy rewrites them without reading them back).
    screens: Vec<Screen>,
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
    let screens = LocalStorage::get::<Screens>(SCREENS).ok().filter(|k| k.tag == tag).map(|k| k.screens.into_owned());
    COPY.with(|c| *c.borrow_mut() = Some(Kept { tag, docs, screens: screens.unwrap_or_default() }));
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
    copy_screen_later(ui);
}

/// Forgets the copy (a device joining anew).
pub fn forget() {
    LocalStorage::delete(KEY);
    LocalStorage::delete(SCREENS);
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

/// Where the screens drawn last are kept, as HTML, for `index.html`.
const SCREENS: &str = "mo.screens";

/// How many screens are kept: the last ones drawn, one per address.
const MAX_SCREENS: usize = 3;

/// Their HTML together at most, in characters: `index.html` parses it on
/// the page's thread before anything else shows.
const MAX_SCREEN_CHARS: usize = 256 * 1024;

/// The screens kept, as `index.html` reads them (and a start, once):
/// written from the copy's own, read back owned.
#[derive(Serialize, Deserialize)]
struct Screens<'a> {
    /// This device and build ([`tag`]): `index.html` shows no other's.
    tag: Cow<'a, str>,
    /// The latest first.
    screens: Cow<'a, [Screen]>,
}

/// One screen as drawn.
#[derive(Clone, Serialize, Deserialize)]
struct Screen {
    /// Its address ([`address`]).
    at: String,
    /// The header with the tabs, then `<main>`.
    html: String,
}

thread_local! {
    static COPY_PENDING: Cell<bool> = const { Cell::new(false) };
}

/// Copies the screen as the next frame draws it (the records that arrived
/// or the screen opened are drawn by then), when it shows the engine's
/// records: once a frame at most, however many messages came meanwhile.
/// Soon, because a phone may close the app at any moment after.
pub fn copy_screen_later(ui: Ui) {
    if !COPY_PENDING.replace(true) {
        request_animation_frame(move || {
            COPY_PENDING.set(false);
            copy_screen(ui);
        });
    }
}

/// The address a screen is kept under; the dashboard's has several
/// spellings. (`index.html` spells it the same way.)
fn address() -> String {
    let hash = web_sys::window().and_then(|w| w.location().hash().ok()).unwrap_or_default();
    if matches!(hash.as_str(), "" | "#" | "#/" | "#/dashboard") { String::new() } else { hash }
}

/// Keeps the screen as drawn now, unless what it shows is not the engine's
/// records as they stand: none yet, a copy or preview still showing, a form
/// open (what is typed in it is not saved), a document's print view.
fn copy_screen(ui: Ui) {
    if COPY.with(|c| c.borrow().is_none()) {
        return;
    }
    let previewing = untrack(|| ui.previewing(Preview::Kept) || ui.previewing(Preview::Server));
    if previewing || ui.docs.with_untracked(Vec::is_empty) || ui.open_forms.get_untracked() > 0 {
        return;
    }
    let Some(document) = web_sys::window().and_then(|w| w.document()) else { return };
    let find = |css: &str| document.query_selector(css).ok().flatten();
    if find("[data-testid=print-view]").is_some() {
        return;
    }
    let (Some(bars), Some(main)) = (find(".bars"), find("main")) else { return };
    let mut html = String::new();
    for part in [bars, main] {
        let Some(copy) = part.clone_node_with_deep(true).ok().and_then(|c| c.dyn_into::<Element>().ok()) else {
            return;
        };
        still(&part, &copy);
        html.push_str(&copy.outer_html());
    }
    let at = address();
    COPY.with(|c| {
        let mut c = c.borrow_mut();
        let Some(kept) = c.as_mut() else { return };
        kept.screens.retain(|s| s.at != at);
        kept.screens.insert(0, Screen { at, html });
        kept.screens.truncate(MAX_SCREENS);
        while kept.screens.iter().map(|s| s.html.len()).sum::<usize>() > MAX_SCREEN_CHARS {
            kept.screens.pop();
        }
        let stored = Screens { tag: Cow::Borrowed(&kept.tag), screens: Cow::Borrowed(&kept.screens) };
        if kept.screens.is_empty() || LocalStorage::set(SCREENS, stored).is_err() {
            // Too large, or a full localStorage: the next start shows the page's own.
            LocalStorage::delete(SCREENS);
        }
    });
}

/// Makes `copy` (of `drawn`) a still picture of it: with what its boxes
/// hold written down (HTML carries only what they were drawn with), each
/// list to pick from drawn as its choice alone (a `<select>` is slow to
/// draw on a phone's page thread, and the page's own start waits for what
/// the picture costs it: BENCHMARKS.md), `<main>` busy, and without what would be wrong
/// there: the connection's status (it is live), element ids (the page's own
/// screen uses them) and test ids (renamed `data-kept-testid`, so that the
/// browser tests, and the bench, tell the two apart).
fn still(drawn: &Element, copy: &Element) {
    let all = |e: &Element, css: &str| -> Vec<Element> {
        let Ok(found) = e.query_selector_all(css) else { return Vec::new() };
        (0..found.length()).filter_map(|i| found.item(i)?.dyn_into::<Element>().ok()).collect()
    };
    for (d, c) in all(drawn, "input").iter().zip(all(copy, "input")) {
        let Some(input) = d.dyn_ref::<HtmlInputElement>() else { continue };
        let _ = match input.type_().as_str() {
            "checkbox" | "radio" if input.checked() => c.set_attribute("checked", ""),
            "checkbox" | "radio" => c.remove_attribute("checked"),
            _ => c.set_attribute("value", &input.value()),
        };
    }
    let document = copy.owner_document();
    for (d, c) in all(drawn, "select").iter().zip(all(copy, "select")) {
        let (Some(select), Some(document)) = (d.dyn_ref::<HtmlSelectElement>(), &document) else { continue };
        let Ok(picked) = document.create_element("span") else { continue };
        picked.set_class_name("picked");
        picked.set_text_content(select.selected_options().item(0).and_then(|o| o.text_content()).as_deref());
        let _ = c.replace_with_with_node_1(&picked);
    }
    if let Ok(Some(status)) = copy.query_selector("[data-testid=sync-status]") {
        status.remove();
    }
    if copy.tag_name() == "MAIN" {
        let _ = copy.set_attribute("aria-busy", "true");
    }
    for element in std::iter::once(copy.clone()).chain(all(copy, "[id], [data-testid]")) {
        if let Some(testid) = element.get_attribute("data-testid") {
            let _ = element.set_attribute("data-kept-testid", &testid);
            let _ = element.remove_attribute("data-testid");
        }
        let _ = element.remove_attribute("id");
    }
}

/// Takes the screen `index.html` showed away: the page has drawn its own.
pub fn drawn() {
    let shown = web_sys::window().and_then(|w| w.document()).and_then(|d| d.get_element_by_id("mo-last"));
    if let Some(shown) = shown {
        shown.remove();
    }
}
