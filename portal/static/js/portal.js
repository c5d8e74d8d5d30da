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

  document.addEventListener("DOMContentLoaded", function () { enhance(document); });
  document.addEventListener("htmx:load", function (event) { enhance(event.detail.elt); });
})();
