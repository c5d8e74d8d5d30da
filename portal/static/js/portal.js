// Small enhancements on top of pages that work without JavaScript.
(function () {
  "use strict";

  // Every htmx request carries the CSRF token from the page's meta tag.
  document.addEventListener("htmx:configRequest", function (event) {
    var meta = document.querySelector('meta[name="csrf-token"]');
    if (meta) {
      event.detail.headers["X-CSRFToken"] = meta.getAttribute("content");
    }
  });

  // A boosted page swaps only the body, so the head keeps the token it was loaded with. Signing
  // in or out starts a new session with a new token: take the one of each page that arrives.
  // The same goes for the page's language (signing in may switch to the member's language) and
  // the body's classes (signed in or not).
  var CSRF_IN_PAGE = /<meta name="csrf-token" content="([^"]+)"/;
  var LANG_OF_PAGE = /<html[^>]*\slang="([^"]+)"/;
  var BODY_CLASS = /<body[^>]*\sclass="([^"]*)"/;
  document.addEventListener("htmx:beforeSwap", function (event) {
    var xhr = event.detail.xhr;
    var text = xhr && typeof xhr.responseText === "string" ? xhr.responseText : "";
    var token = CSRF_IN_PAGE.exec(text);
    var meta = document.querySelector('meta[name="csrf-token"]');
    if (token && meta) {
      meta.setAttribute("content", token[1]);
    }
    var lang = LANG_OF_PAGE.exec(text);
    if (lang) {
      document.documentElement.setAttribute("lang", lang[1]);
    }
    var bodyClass = BODY_CLASS.exec(text);
    if (bodyClass && event.detail.target === document.body) {
      document.body.className = bodyClass[1];
    }
  });

  // After a form comes back with problems, put the cursor in the first field to fix; after a
  // boosted navigation, start reading at the new page's content (as a full load would).
  function focusFirstProblem() {
    var invalid = document.querySelector('main [aria-invalid="true"]');
    if (invalid) {
      invalid.focus();
      return true;
    }
    return false;
  }
  document.addEventListener("htmx:afterSettle", function (event) {
    if (focusFirstProblem()) return;
    if (event.detail.boosted) {
      var main = document.getElementById("main");
      if (main) main.focus({ preventScroll: true });
    }
  });

  // A network failure during an htmx request says so instead of doing nothing.
  document.addEventListener("htmx:sendError", function () {
    var area = document.getElementById("flash-area");
    if (area) {
      area.innerHTML = "";
      var p = document.createElement("p");
      p.className = "flash flash-error";
      p.setAttribute("role", "alert");
      p.textContent = document.documentElement.lang.indexOf("zh") === 0
        ? "网络连接中断，请检查后重试。"
        : "We could not reach the portal. Check your connection and try again.";
      area.appendChild(p);
    }
  });

  function enhance(root) {
    // Show / hide password buttons.
    root.querySelectorAll(".reveal-password").forEach(function (button) {
      if (button.dataset.ready) return;
      button.dataset.ready = "1";
      var input = document.getElementById(button.getAttribute("aria-controls"));
      if (!input) return;
      var showText = button.textContent;
      var hideText = document.documentElement.lang.indexOf("zh") === 0 ? "隐藏" : "Hide";
      button.hidden = false;
      button.addEventListener("click", function () {
        var showing = input.type === "text";
        input.type = showing ? "password" : "text";
        button.textContent = showing ? showText : hideText;
        button.setAttribute("aria-pressed", String(!showing));
      });
    });
    // Buttons that submit once: a double tap does not send the form twice.
    root.querySelectorAll("form[data-submit-once]").forEach(function (form) {
      if (form.dataset.ready) return;
      form.dataset.ready = "1";
      form.addEventListener("submit", function (event) {
        if (form.dataset.submitted) {
          event.preventDefault();
          return;
        }
        form.dataset.submitted = "1";
        setTimeout(function () { delete form.dataset.submitted; }, 4000);
      });
    });
  }

  // The membership card offline (static/js/card-offline.js): registered from the card page
  // only, scoped to /card, and its cache is deleted on sign out and on any page seen signed
  // out, so a shared phone never shows the previous member's card.
  var CARD_CACHE = "portal-card-v1";

  function forgetOfflineCard() {
    if (window.caches) {
      window.caches.delete(CARD_CACHE).catch(function () {});
    }
  }

  function signedIn() {
    return Boolean(document.querySelector('form[action="/logout"]'));
  }

  // Keep the card page and what it loads, fetched with this member's cookie; a redirect
  // (signed out meanwhile) is never stored.
  function keepCardPage() {
    if (!window.caches) return;
    var urls = ["/card"];
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

  function offerOfflineCard() {
    if (!signedIn()) {
      forgetOfflineCard();
      return;
    }
    if (!document.querySelector("[data-offline-card]") || !("serviceWorker" in navigator)) return;
    navigator.serviceWorker.register("/card-offline.js", { scope: "/card" }).then(function () {
      keepCardPage();
      var note = document.getElementById("card-offline-note");
      if (note) note.hidden = false;
    }).catch(function () {});
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form && form.getAttribute("action") === "/logout") forgetOfflineCard();
  }, true);

  document.addEventListener("DOMContentLoaded", function () {
    enhance(document);
    focusFirstProblem();
  });
  document.addEventListener("DOMContentLoaded", offerOfflineCard);
  document.addEventListener("htmx:afterSettle", offerOfflineCard);
  document.addEventListener("htmx:load", function (event) { enhance(event.detail.elt); });
})();
