// The service worker: the app's own files (the page, its script, the key
// worker and the style sheet) stay on the device, so the app opens without
// a network, to read what the key worker kept (`offline/responses.ts`).
//
// Network first: while the server can be reached, the files always come
// from it (revalidated by their ETag), so an app that holds keys never runs
// older code than the server serves. Only when the network fails does the
// kept copy answer. The API (`/v1`) is never touched here.

const sw = self as unknown as ServiceWorkerGlobalScope;

const CACHE = "kluis-app";
const FILES = ["/", "/app/app.js", "/app/worker.js", "/app/style.css"];

sw.addEventListener("install", (event: ExtendableEvent) => {
  event.waitUntil(
    caches
      .open(CACHE)
      .then((cache) => cache.addAll(FILES))
      .then(() => sw.skipWaiting()),
  );
});

sw.addEventListener("activate", (event: ExtendableEvent) => {
  event.waitUntil(sw.clients.claim());
});

/** The kept copy's name for a request: every app page is the one page `/`. */
function keptAs(url: URL): string | null {
  if (url.origin !== sw.location.origin) return null;
  if (url.pathname === "/" || url.pathname === "/welkom") return "/";
  return FILES.includes(url.pathname) ? url.pathname : null;
}

sw.addEventListener("fetch", (event: FetchEvent) => {
  if (event.request.method !== "GET") return;
  const name = keptAs(new URL(event.request.url));
  if (!name) return;
  event.respondWith(
    (async () => {
      const cache = await caches.open(CACHE);
      try {
        const fresh = await fetch(event.request);
        if (fresh.ok) await cache.put(name, fresh.clone());
        return fresh;
      } catch (e) {
        const kept = await cache.match(name);
        if (kept) return kept;
        throw e;
      }
    })(),
  );
});
