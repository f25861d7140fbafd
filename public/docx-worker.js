// The DOCX writer's and reader's web worker: a second instance of the
// engine's module (app/src/bin/engine.rs), which carries the DOCX code too,
// so nothing more is fetched or kept for it; only its `docx` and
// `import_docx` are called here, never the engine's `run`. The app posts a
// document (a Uint8Array, as shared::link encodes it) and gets back {bytes}
// (the .docx file), or posts {file, request} (a .docx file's bytes, what to
// find, encoded the same way) and gets back {found} (the records found,
// encoded); or {error}.
// onmessage is set before the wasm has loaded, so no message is missed.
importScripts("/engine.js");
const ready = wasm_bindgen({ module_or_path: "/engine_bg.wasm" });

self.onmessage = async (event) => {
  try {
    await ready;
    if (event.data && event.data.file instanceof Uint8Array) {
      const found = wasm_bindgen.import_docx(event.data.file, event.data.request);
      self.postMessage({ found }, [found.buffer]);
      return;
    }
    const bytes = wasm_bindgen.docx(event.data);
    self.postMessage({ bytes }, [bytes.buffer]);
  } catch (e) {
    self.postMessage({ error: String(e && e.message ? e.message : e) });
  }
};
