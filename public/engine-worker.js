// The engine's web worker (app/src/bin/engine.rs): the page posts it
// messages as bytes (shared::link) and gets bytes back. Messages that
// arrive while the wasm loads are kept and handed over with it; if the
// wasm does not load, the page is told so in a plain object.
importScripts("/engine.js");
const early = [];
self.onmessage = (event) => early.push(event.data);
wasm_bindgen({ module_or_path: "/engine_bg.wasm" })
  .then(() => wasm_bindgen.run(early))
  .catch((e) => self.postMessage({ failed: String(e && e.message ? e.message : e) }));
