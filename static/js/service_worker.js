// ESAPR's service worker (served as /sw.js, after the lines that set ESAPR_SHELL, ESAPR_OFFLINE and
// ESAPR_CACHE: web/home/install.py). It keeps the app shell - the offline page, style sheets, scripts and
// icons, fetched once on install - and nothing else: no page, result, report or /api answer is ever put in
// its cache. Pages come from the network; without one, the offline page. Shell files are served from the
// cache (their version is in the cache's name); every other request is left to the browser untouched.
/* global ESAPR_SHELL, ESAPR_OFFLINE, ESAPR_CACHE */
"use strict";

self.addEventListener("install", function (event) {
  event.waitUntil(caches.open(ESAPR_CACHE).then(function (cache) {
    // cache: "reload": the network's copy, not the HTTP cache's, so the shell matches this version
    return cache.addAll(ESAPR_SHELL.map(function (url) { return new Request(url, { cache: "reload" }); }));
  }).then(function () { return self.skipWaiting(); }));
});

self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (names) {
    return Promise.all(names.filter(function (name) {
      return name.indexOf("esapr-shell-") === 0 && name !== ESAPR_CACHE;
    }).map(function (name) { return caches.delete(name); }));
  }).then(function () { return self.clients.claim(); }));
});

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") return;
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.mode === "navigate") {
    // Only when the network fails: the page itself is never stored.
    event.respondWith(fetch(request).catch(function () {
      return caches.open(ESAPR_CACHE).then(function (cache) { return cache.match(ESAPR_OFFLINE); });
    }));
    return;
  }
  if (ESAPR_SHELL.indexOf(url.pathname) === -1 || url.search) return;
  event.respondWith(caches.open(ESAPR_CACHE).then(function (cache) {
    return cache.match(url.pathname).then(function (hit) { return hit || fetch(request); });
  }));
});
