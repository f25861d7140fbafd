// The DOCX writer's and reader's web worker (app/src/bin/docx.rs). The app
// posts a document as JSON and gets back {bytes} (the .docx file), or posts
// a .docx file's bytes and gets back {json} (its body); or {error}.
// onmessage is set before the wasm has loaded, so no message is missed.
importScripts("/docx.js");
const ready = wasm_bindgen({ module_or_path: "/docx_bg.wasm" });

self.onmessage = async (event) => {
  try {
    await ready;
    if (event.data instanceof Uint8Array) {
      self.postMessage({ json: wasm_bindgen.read_docx(event.data) });
      return;
    }
    const bytes = wasm_bindgen.docx(event.data);
    self.postMessage({ bytes }, [bytes.buffer]);
  } catch (e) {
    self.postMessage({ error: String(e && e.message ? e.message : e) });
  }
};
