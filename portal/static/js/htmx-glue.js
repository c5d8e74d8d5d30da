// What htmx needs from the portal, on every page: the CSRF header, the new page's token,
// language and body classes after a boosted navigation, a word when the network fails, and
// focus where a full page load would put it. Texts come from the page (data attributes
// rendered from the translation catalogues), never from this file.
(function () {
  "use strict";

  function csrfMeta() {
    return document.querySelector('meta[name="csrf-token"]');
  }

  // Every htmx request carries the CSRF token from the page's meta tag.
  document.addEventListener("htmx:configRequest", function (event) {
    var meta = csrfMeta();
    if (meta) {
      event.detail.headers["X-CSRFToken"] = meta.getAttribute("content");
    }
  });

  // A boosted page swaps only the body, so the head keeps the token it was loaded with. Signing
  // in or out starts a new session with a new token: take the one of each page that arrives.
  // The same goes for the page's language (signing in may switch to the member's language) and
  // the body's classes (signed in or not). The arriving page is read with the browser's own
  // parser, which runs none of its scripts.
  document.addEventListener("htmx:beforeSwap", function (event) {
    var detail = event.detail;
    if (!detail.boosted && detail.target !== document.body) return;
    var text = detail.xhr && typeof detail.xhr.responseText === "string" ? detail.xhr.responseText : "";
    if (!text) return;
    var arriving = new DOMParser().parseFromString(text, "text/html");
    var token = arriving.querySelector('meta[name="csrf-token"]');
    var meta = csrfMeta();
    if (token && meta && token.getAttribute("content")) {
      meta.setAttribute("content", token.getAttribute("content"));
    }
    var lang = arriving.documentElement.getAttribute("lang");
    if (lang) {
      document.documentElement.setAttribute("lang", lang);
    }
    if (detail.target === document.body && arriving.body && arriving.body.hasAttribute("class")) {
      document.body.className = arriving.body.className;
    }
  });

  // After a boosted navigation, start reading at the new page's content, as a full load would;
  // a form that came back with problems keeps the cursor in its first field to fix (forms.js).
  document.addEventListener("htmx:afterSettle", function (event) {
    if (!event.detail.boosted) return;
    if (document.querySelector('main [aria-invalid="true"]')) return;
    var main = document.getElementById("main");
    if (main) main.focus({ preventScroll: true });
  });

  // A network failure during an htmx request says so instead of doing nothing.
  document.addEventListener("htmx:sendError", function () {
    var area = document.getElementById("flash-area");
    if (!area || !area.dataset.networkError) return;
    var message = document.createElement("p");
    message.className = "flash flash-error";
    message.setAttribute("role", "alert");
    message.textContent = area.dataset.networkError;
    area.replaceChildren(message);
  });

  // A row of tabs that scrolls sideways on a phone (the staff areas, a member's page) shows
  // its current tab.
  function revealCurrentTab() {
    document
      .querySelectorAll(".admin-nav [aria-current=page], .member-tabs [aria-current=page]")
      .forEach(function (current) {
        current.scrollIntoView({ block: "nearest", inline: "nearest" });
      });
  }
  document.addEventListener("DOMContentLoaded", revealCurrentTab);
  document.addEventListener("htmx:afterSettle", revealCurrentTab);
})();
