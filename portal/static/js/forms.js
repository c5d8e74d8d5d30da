// Forms, a little smoother: a password can be shown while typed, a form that must not be sent
// twice ignores a second tap, and a form that came back with problems puts the cursor in the
// first field to fix. Every form works the same without this file.
(function () {
  "use strict";

  function focusFirstProblem() {
    var invalid = document.querySelector('main [aria-invalid="true"]');
    if (invalid) invalid.focus();
  }

  // The button beside a password field (macros/forms.html) carries both its words.
  function enhancePasswordButtons(root) {
    root.querySelectorAll(".reveal-password").forEach(function (button) {
      if (button.dataset.ready) return;
      button.dataset.ready = "1";
      var input = document.getElementById(button.getAttribute("aria-controls"));
      if (!input) return;
      var showLabel = button.textContent;
      var hideLabel = button.dataset.hideLabel || showLabel;
      button.hidden = false;
      button.addEventListener("click", function () {
        var showing = input.type === "text";
        input.type = showing ? "password" : "text";
        button.textContent = showing ? showLabel : hideLabel;
        button.setAttribute("aria-pressed", String(!showing));
      });
    });
  }

  // Forms marked data-submit-once: a double tap does not send them twice.
  function enhanceSubmitOnce(root) {
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

  function enhance(root) {
    if (!root || !root.querySelectorAll) return;
    enhancePasswordButtons(root);
    enhanceSubmitOnce(root);
  }

  document.addEventListener("DOMContentLoaded", function () {
    enhance(document);
    focusFirstProblem();
  });
  document.addEventListener("htmx:load", function (event) { enhance(event.detail.elt); });
  document.addEventListener("htmx:afterSettle", focusFirstProblem);
})();
