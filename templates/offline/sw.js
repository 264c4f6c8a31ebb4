{% autoescape off %}// The service worker (docs/offline.md). It keeps the offline reader's page and the files it
// needs, so that the reader opens without the network. It never stores a paper, a key or an
// answer of the API: papers live encrypted in IndexedDB, their keys only in the page's memory.
"use strict";
const CACHE = "{{ cache }}";
const READER = "{{ reader_url }}";
const SHELL = {{ shell_json }};

// The reader's page as its signed-in member sees it; never the sign-in page it redirects to.
function keepReader(cache) {
  return fetch(READER, { credentials: "same-origin" }).then((response) => {
    if (response.ok && !response.redirected) {
      return cache.put(READER, response);
    }
    return undefined;
  });
}

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches.open(CACHE)
      .then((cache) => cache.addAll(SHELL).then(() => keepReader(cache)))
      .then(() => self.skipWaiting())
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches.keys()
      .then((names) => Promise.all(
        names.filter((name) => name.startsWith("offline-") && name !== CACHE)
          .map((name) => caches.delete(name))
      ))
      .then(() => self.clients.claim())
  );
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") {
    return;
  }
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) {
    return;
  }
  if (request.mode === "navigate" && url.pathname === READER) {
    // The network first, so the page is current; the last copy when there is no network.
    event.respondWith(
      fetch(request)
        .then((response) => {
          if (response.ok && !response.redirected) {
            const copy = response.clone();
            caches.open(CACHE).then((cache) => cache.put(READER, copy));
          }
          return response;
        })
        .catch(() => caches.match(READER).then((cached) => cached || Response.error()))
    );
    return;
  }
  if (SHELL.includes(url.pathname)) {
    event.respondWith(
      fetch(request)
        .then((response) => {
          if (response.ok) {
            const copy = response.clone();
            caches.open(CACHE).then((cache) => cache.put(url.pathname, copy));
          }
          return response;
        })
        .catch(() => caches.match(url.pathname).then((cached) => cached || Response.error()))
    );
  }
  // Everything else goes to the network as if there were no worker.
});
{% endautoescape %}
