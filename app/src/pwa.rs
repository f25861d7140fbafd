//! Service-worker registration, the "new version" prompt, and persistent
//! storage: the small parts of the PWA that need the browser's JS APIs.

use wasm_bindgen::prelude::*;

#[wasm_bindgen(inline_js = r#"
let userAskedToUpdate = false;
export function registerServiceWorker(onUpdate) {
  if (!("serviceWorker" in navigator)) return;
  navigator.serviceWorker.register("/sw.js").then((reg) => {
    const announce = () => { if (reg.waiting && navigator.serviceWorker.controller) onUpdate(); };
    announce();
    reg.addEventListener("updatefound", () => {
      const worker = reg.installing;
      if (worker) worker.addEventListener("statechange", () => { if (worker.state === "installed") announce(); });
    });
  }).catch((e) => console.warn("service worker registration failed", e));
  navigator.serviceWorker.addEventListener("controllerchange", () => {
    if (userAskedToUpdate) location.reload();
  });
}
export function applyUpdate() {
  userAskedToUpdate = true;
  navigator.serviceWorker.getRegistration().then((reg) => {
    if (reg && reg.waiting) reg.waiting.postMessage("skip-waiting"); else location.reload();
  });
}
export function requestPersistentStorage() {
  if (navigator.storage && navigator.storage.persist) {
    navigator.storage.persist().catch(() => false);
  }
}
"#)]
extern "C" {
    #[wasm_bindgen(js_name = registerServiceWorker)]
    fn register_service_worker(on_update: &Closure<dyn FnMut()>);
    #[wasm_bindgen(js_name = applyUpdate)]
    fn apply_update_js();
    #[wasm_bindgen(js_name = requestPersistentStorage)]
    fn request_persistent_storage_js();
}

/// Registers the service worker; `on_update` runs when a new version waits.
pub fn register(on_update: impl FnMut() + 'static) {
    let callback = Closure::<dyn FnMut()>::new(on_update);
    register_service_worker(&callback);
    // The callback lives as long as the page.
    callback.forget();
}

/// Activates the waiting version and reloads.
pub fn apply_update() {
    apply_update_js();
}

/// Asks the browser not to evict this site's data under storage pressure.
pub fn request_persistent_storage() {
    request_persistent_storage_js();
}
