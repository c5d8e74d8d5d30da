// The membership card offline (the worker is card-offline.js, served at the URL the card page
// names): registered from the card page only, scoped to the card's URL, and its cache is
// deleted on sign out and on any page seen signed out, so a shared phone never shows the
// previous member's card. What the worker says offline without a card comes from the page too.
(function () {
  "use strict";

  var CARD_CACHE = "portal-card-v1";
  // A sentence, no one's data: kept after sign out, for an offline visit to the card's URL.
  var NOTICE_CACHE = "portal-offline-notice-v1";
  var NOTICE_URL = "/card-offline-notice";

  function forgetOfflineCard() {
    if (window.caches) {
      window.caches.delete(CARD_CACHE).catch(function () {});
    }
  }

  function signedIn() {
    return document.body.classList.contains("signed-in");
  }

  // Keep the card page and what it loads, fetched with this member's cookie; a redirect
  // (signed out meanwhile) is never stored.
  function keepCardPage(cardUrl) {
    var urls = [cardUrl];
    document.querySelectorAll('link[rel="stylesheet"], link[rel="icon"], script[src]').forEach(function (el) {
      urls.push(el.getAttribute("href") || el.getAttribute("src"));
    });
    window.caches.open(CARD_CACHE).then(function (cache) {
      urls.forEach(function (url) {
        fetch(url, { credentials: "same-origin" }).then(function (response) {
          if (response.ok && !response.redirected) cache.put(url, response);
        }).catch(function () {});
      });
    }).catch(function () {});
  }

  // The page the worker shows offline when no card is kept: the card page's own sentence, in
  // the card page's language, built as a document (never as a string of markup).
  function keepOfflineNotice(text) {
    if (!text) return;
    var notice = document.implementation.createHTMLDocument(text);
    notice.documentElement.setAttribute("lang", document.documentElement.getAttribute("lang") || "en");
    var charset = notice.createElement("meta");
    charset.setAttribute("charset", "utf-8");
    notice.head.prepend(charset);
    var paragraph = notice.createElement("p");
    paragraph.textContent = text;
    notice.body.appendChild(paragraph);
    var page = "<!doctype html>" + notice.documentElement.outerHTML;
    window.caches.open(NOTICE_CACHE).then(function (cache) {
      return cache.put(NOTICE_URL, new Response(page, {
        headers: { "Content-Type": "text/html; charset=utf-8" }
      }));
    }).catch(function () {});
  }

  function offerOfflineCard() {
    if (!signedIn()) {
      forgetOfflineCard();
      return;
    }
    var card = document.querySelector("[data-offline-card]");
    if (!card || !("serviceWorker" in navigator) || !window.caches) return;
    var cardUrl = card.dataset.cardUrl;
    navigator.serviceWorker.register(card.dataset.offlineCard, { scope: cardUrl }).then(function () {
      keepCardPage(cardUrl);
      keepOfflineNotice(card.dataset.offlineNotice);
      var note = document.getElementById("card-offline-note");
      if (note) note.hidden = false;
    }).catch(function () {});
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form && form.hasAttribute && form.hasAttribute("data-sign-out")) forgetOfflineCard();
  }, true);

  document.addEventListener("DOMContentLoaded", offerOfflineCard);
  document.addEventListener("htmx:afterSettle", offerOfflineCard);
})();
