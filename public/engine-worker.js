// The engine's web worker (app/src/bin/engine.rs): the page posts it
// messages as bytes (shared::link) and gets bytes back. Messages that
// arrive while the wasm loads are kept and handed over with it; if the
// wasm does not load, the page is told so in a plain object.
//
// The engine opens IndexedDB (storage.rs) before it reads the page's
// messages, and the first open after the browser started took 340-580 ms in
// the phone benchmark. It starts here, while the engine's wasm loads, so
// that the engine's own open finds it under way or done. Without a version
// this opens whatever version is there, and it lets go at once, so that an
// upgrade is not held up. Where the browser gives no storage, the engine's
// open says so, not this.
try {
  const warm = indexedDB.open("mo-kr");
  warm.onsuccess = () => warm.result.close();
} catch (e) {}
importScripts("/engine.js");
const early = [];
self.onmessage = (event) => early.push(event.data);
wasm_bindgen({ module_or_path: "/engine_bg.wasm" })
  .then(() => wasm_bindgen.run(early))
  .catch((e) => self.postMessage({ failed: String(e && e.message ? e.message : e) }));
