//! The page: mounts the leptos screens ([`app::app::App`]); the documents
//! themselves live in the engine's web worker (`src/bin/engine.rs`).

fn main() {
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(app::app::App);
    // The screen `index.html` showed from last time goes before anything
    // is drawn: the page's own (or its copy of the records) replaces it.
    app::kept::drawn();
}
