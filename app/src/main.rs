//! The class teachers' association app: a leptos client compiled to wasm,
//! working offline on automerge documents kept in IndexedDB and synced with
//! the server whenever a connection appears. This file only mounts [`App`].

// A binary crate: `pub` items inside it are crate-visible by construction, so
// the workspace's `unreachable_pub` lint only adds noise here.
#![allow(unreachable_pub)]

mod app;
mod components;
mod device;
mod nav;
mod pages;
mod print;
mod pwa;
mod repo;
mod storage;
mod sync;

fn main() {
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(app::App);
}
