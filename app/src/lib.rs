//! The class teachers' association app, in two halves compiled to two
//! wasm modules, so the first screen does not wait for automerge:
//!
//! - the page (`src/main.rs`): leptos screens over plain records —
//!   [`app`] lays out the screen, [`pages`] one file per screen,
//!   [`components`] what several share, [`nav`] the tabs, [`print`] the
//!   documents out, [`ui`] the state the screens read and [`client`] the
//!   link to the engine, [`kept`] its copy of what it showed last,
//!   [`device`] this device's place in the district,
//!   [`pwa`] the service worker;
//! - the engine (`src/bin/engine.rs`, a web worker): [`engine`] keeps the
//!   automerge documents in IndexedDB and syncs them with the server.
//!
//! [`storage`] (IndexedDB and localStorage) and [`clock`] serve both; the
//! messages between the halves are `shared::link`. DOCX files are written
//! and read, on demand, by a second instance of the engine's module in a
//! worker of its own (`public/docx-worker.js`).

// The binaries are the only users of this library, and each takes what it
// needs: `pub` marks what the other modules use, not an API.
#![allow(unreachable_pub)]

pub mod app;
pub mod client;
pub mod clock;
pub mod components;
pub mod device;
pub mod engine;
pub mod files;
pub mod kept;
pub mod nav;
pub mod pages;
pub mod print;
pub mod pwa;
pub mod storage;
pub mod ui;
