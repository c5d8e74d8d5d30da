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

  document.addEventListener("DOMContentLoaded", function () { enhance(document); });
  document.addEventListener("DOMContentLoaded", offerOfflineCard);
  document.addEventListener("htmx:afterSettle", offerOfflineCard);
  document.addEventListener("htmx:load", function (event) { enhance(event.detail.elt); });
})();
