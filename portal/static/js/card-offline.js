// Keeps the membership card readable without a connection, once it has been opened.
// Registered by offline-card.js from the card page only, with the card's URL as its scope: it
// sees no other page. Only the card page (and the stylesheets and scripts it uses) is kept, in
// one cache that offline-card.js deletes on sign out and on any page seen signed out. Offline
// without a kept card it shows the sentence the card page left in its own cache.
"use strict";

var CACHE = "portal-card-v1";
var NOTICE_CACHE = "portal-offline-notice-v1";
var NOTICE_URL = "/card-offline-notice";
var CARD_PATH = new URL(self.registration.scope).pathname;

self.addEventListener("install", function () {
  self.skipWaiting();
});

self.addEventListener("activate", function (event) {
  event.waitUntil(
    caches.keys().then(function (names) {
      return Promise.all(names.filter(function (name) {
        return name.indexOf("portal-card-") === 0 && name !== CACHE;
      }).map(function (name) { return caches.delete(name); }));
    }).then(function () { return self.clients.claim(); })
  );
});

function isCardPage(url) {
  return url.origin === self.location.origin && url.pathname === CARD_PATH;
}

function isStatic(url) {
  return url.origin === self.location.origin && url.pathname.indexOf("/static/") === 0;
}

function offlineNotice() {
  return caches.open(NOTICE_CACHE).then(function (cache) {
    return cache.match(NOTICE_URL);
  }).then(function (notice) {
    return notice || Response.error();
  });
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") return;
  var url = new URL(request.url);

  if (isCardPage(url) && request.mode === "navigate") {
    // Network first: the card is always fresh when there is a connection.
    event.respondWith(
      fetch(request).then(function (response) {
        if (response.ok && !response.redirected && new URL(response.url).pathname === CARD_PATH) {
          var copy = response.clone();
          caches.open(CACHE).then(function (cache) { cache.put(CARD_PATH, copy); });
        } else if (response.redirected || response.status === 401 || response.status === 403) {
          // Signed out (sent to the sign-in page): forget the card.
          caches.delete(CACHE);
        }
        return response;
      }).catch(function () {
        return caches.open(CACHE).then(function (cache) {
          return cache.match(CARD_PATH);
        }).then(function (cached) {
          return cached || offlineNotice();
        });
      })
    );
    return;
  }

  if (isStatic(url)) {
    // The card page's stylesheets, scripts and icon: network first, the cached copy offline.
    event.respondWith(
      fetch(request).then(function (response) {
        if (response.ok) {
          var copy = response.clone();
          caches.open(CACHE).then(function (cache) { cache.put(request, copy); });
        }
        return response;
      }).catch(function () {
        return caches.open(CACHE).then(function (cache) {
          return cache.match(request).then(function (cached) {
            return cached || Response.error();
          });
        });
      })
    );
  }
});
