// The DOCX writer's web worker (app/src/bin/docx.rs). The app posts a
// document as JSON and gets back {bytes} (the .docx file) or {error}.
// onmessage is set before the wasm has loaded, so no message is missed.
importScripts("/docx.js");
const ready = wasm_bindgen({ module_or_path: "/docx_bg.wasm" });

self.onmessage = async (event) => {
  try {
    await ready;
    const bytes = wasm_bindgen.docx(event.data);
    self.postMessage({ bytes }, [bytes.buffer]);
  } catch (e) {
    self.postMessage({ error: String(e && e.message ? e.message : e) });
  }
};
