// The DOCX writer's and reader's web worker (app/src/bin/docx.rs). The app
// posts a document as JSON and gets back {bytes} (the .docx file), or posts
// {file, request} (a .docx file's bytes, what to find as JSON) and gets back
// {json} (the records found); or {error}.
// onmessage is set before the wasm has loaded, so no message is missed.
importScripts("/docx.js");
const ready = wasm_bindgen({ module_or_path: "/docx_bg.wasm" });

self.onmessage = async (event) => {
  try {
    await ready;
    if (event.data && event.data.file instanceof Uint8Array) {
      self.postMessage({ json: wasm_bindgen.import_docx(event.data.file, event.data.request) });
      return;
    }
    const bytes = wasm_bindgen.docx(event.data);
    self.postMessage({ bytes }, [bytes.buffer]);
  } catch (e) {
    self.postMessage({ error: String(e && e.message ? e.message : e) });
  }
};
