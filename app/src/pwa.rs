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
export function keptForOffline(ms) {
  const ready = "serviceWorker" in navigator ? navigator.serviceWorker.ready : Promise.resolve();
  return Promise.race([ready, new Promise((resolve) => setTimeout(resolve, ms))]).then(() => undefined);
}
let asking = null;
export function askToKeep() {
  const s = navigator.storage;
  if (s) asking = s.persisted().then((kept) => kept || s.persist()).catch(() => null);
}
export async function storageState() {
  const s = navigator.storage;
  const state = { persisted: null, usage: null, quota: null };
  if (!s) return state;
  // A reading waits for the question, so it never reports the answer as
  // not yet given.
  await asking;
  try { state.persisted = await s.persisted(); } catch (e) {}
  try { const e = await s.estimate(); state.usage = e.usage ?? null; state.quota = e.quota ?? null; } catch (e) {}
  return state;
}
"#)]
extern "C" {
    #[wasm_bindgen(js_name = registerServiceWorker)]
    fn register_service_worker(on_update: &Closure<dyn FnMut()>);
    #[wasm_bindgen(js_name = applyUpdate)]
    fn apply_update_js();
    #[wasm_bindgen(js_name = keptForOffline)]
    async fn kept_for_offline_js(ms: u32) -> JsValue;
    #[wasm_bindgen(js_name = askToKeep)]
    fn ask_to_keep_js();
    #[wasm_bindgen(js_name = storageState)]
    async fn storage_state_js() -> JsValue;
}

/// Registers the service worker; `on_update` runs when a new version waits.
pub fn register(on_update: impl FnMut() + 'static) {
    let callback = Closure::<dyn FnMut()>::new(on_update);
    register_service_worker(&callback);
    // The callback lives as long as the page.
    callback.forget();
}

/// Resolves once a service worker is active (it has kept the app for
/// offline use), or after `ms` whatever happened.
pub async fn kept_for_offline(ms: u32) {
    kept_for_offline_js(ms).await;
}

/// Activates the waiting version and reloads.
pub fn apply_update() {
    apply_update_js();
}

/// What the browser keeps for the app: whether it promised not to evict
/// it under storage pressure, and how much it holds of how much it allows.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StorageState {
    /// Kept for good (`None`: the browser cannot say).
    pub persisted: Option<bool>,
    /// Bytes the site holds.
    pub usage: Option<f64>,
    /// Bytes it may hold.
    pub quota: Option<f64>,
}

impl StorageState {
    /// «1,4 МБ из доступных 2,3 ГБ», or nothing the browser does not say.
    pub fn usage_line(&self) -> Option<String> {
        let (usage, quota) = (self.usage?, self.quota?);
        Some(format!("{} из доступных {}", size(usage), size(quota)))
    }
}

/// A size in bytes as a person reads it.
fn size(bytes: f64) -> String {
    let (value, unit) = match bytes {
        b if b >= 1e9 => (b / 1e9, "ГБ"),
        b if b >= 1e6 => (b / 1e6, "МБ"),
        b => (b / 1e3, "КБ"),
    };
    format!("{value:.1} {unit}").replace('.', ",")
}

/// Asks the browser, once at the app's start, not to evict this site's
/// data under storage pressure (a browser that refused may ask the person
/// each time it is asked).
pub fn ask_to_keep() {
    ask_to_keep_js();
}

/// What the browser holds for the site now and whether it promised to keep
/// it, once it has answered [`ask_to_keep`].
pub async fn read_storage() -> StorageState {
    let state = storage_state_js().await;
    let get = |key: &str| js_sys::Reflect::get(&state, &key.into()).ok();
    StorageState {
        persisted: get("persisted").and_then(|v| v.as_bool()),
        usage: get("usage").and_then(|v| v.as_f64()),
        quota: get("quota").and_then(|v| v.as_f64()),
    }
}
