// Service worker: keeps the app shell in the cache so the app opens with no
// network. The three constants below are rewritten at build time by
// app/build/precache.sh with trunk's hashed file names.
const VERSION = "dev";
const PRECACHE = [];
// The DOCX writer, needed only to save a document. On a first visit it is
// cached once the page has shown the records ("cache-later"), so it does
// not share a slow connection with what the first screen waits for; a new
// version over an installed one caches it with the rest.
const LATER = [];
const CACHE = "mo-shell-" + VERSION;

self.addEventListener("install", (event) => {
  const files = self.registration.active ? PRECACHE.concat(LATER) : PRECACHE;
  event.waitUntil(caches.open(CACHE).then((cache) => cache.addAll(files)));
});

// Caches what waits for the first records; what is cached already stays.
async function cacheLater() {
  const cache = await caches.open(CACHE);
  const missing = [];
  for (const file of LATER) if (!(await cache.match(file))) missing.push(file);
  await cache.addAll(missing);
}

self.addEventListener("activate", (event) => {
  event.waitUntil(
    (async () => {
      for (const key of await caches.keys()) {
        if (key.startsWith("mo-shell-") && key !== CACHE) await caches.delete(key);
      }
      await self.clients.claim();
    })(),
  );
});

// A new version waits until the user agrees to reload («Обновить»).
self.addEventListener("message", (event) => {
  if (event.data === "skip-waiting") self.skipWaiting();
  if (event.data === "cache-later") event.waitUntil(cacheLater());
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (url.pathname.startsWith("/api/") || url.pathname === "/sync" || url.pathname === "/healthz") return;
  if (request.mode === "navigate") {
    event.respondWith(
      caches.open(CACHE).then(async (cache) => (await cache.match("/index.html")) || fetch(request)),
    );
    return;
  }
  event.respondWith(
    caches.open(CACHE).then(async (cache) => (await cache.match(request)) || fetch(request)),
  );
});
