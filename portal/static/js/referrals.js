// The invitation page's share buttons: copy the link (saying so), and the phone's share sheet
// where the browser has one. Without JavaScript the link stays there to select and send.
// The texts come from the page (data-* attributes rendered in the member's language).
(function () {
  "use strict";

  function say(panel, text) {
    var status = panel.querySelector("[data-share-status]");
    if (!status) return;
    status.textContent = "";
    // A fresh text in the live region is read out even when it is the same as before.
    setTimeout(function () { status.textContent = text; }, 50);
  }

  function copyWithSelection(input) {
    input.focus();
    input.select();
    try {
      return document.execCommand("copy");
    } catch (error) {
      return false;
    }
  }

  function enhance(root) {
    root.querySelectorAll("[data-share]").forEach(function (panel) {
      if (panel.dataset.ready) return;
      panel.dataset.ready = "1";
      var input = panel.querySelector("[data-share-link]");
      var copyButton = panel.querySelector("[data-copy-button]");
      var shareButton = panel.querySelector("[data-share-button]");
      if (!input) return;

      if (copyButton) {
        copyButton.hidden = false;
        copyButton.addEventListener("click", function () {
          var done = function () { say(panel, panel.dataset.copiedText); };
          var failed = function () {
            if (copyWithSelection(input)) done();
            else say(panel, panel.dataset.copyFailedText);
          };
          if (navigator.clipboard && window.isSecureContext) {
            navigator.clipboard.writeText(input.value).then(done, failed);
          } else {
            failed();
          }
        });
      }

      if (shareButton && typeof navigator.share === "function") {
        shareButton.hidden = false;
        shareButton.addEventListener("click", function () {
          navigator.share({
            title: panel.dataset.shareTitle,
            text: panel.dataset.shareText,
            url: input.value
          }).catch(function () {});  // closing the share sheet is not an error
        });
      }
    });
  }

  document.addEventListener("DOMContentLoaded", function () { enhance(document); });
  document.addEventListener("htmx:load", function (event) { enhance(event.detail.elt); });
})();
