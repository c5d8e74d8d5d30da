// Events: before an RSVP change is sent, say when the party would go on the waitlist. The page
// renders the limit (data-confirmed-up-to) and the sentence (hidden); without JavaScript the
// field's hint says the same.
(function () {
  "use strict";

  function enhance(root) {
    if (!root || !root.querySelectorAll) return;
    var forms = root.matches && root.matches("form.rsvp-form") ? [root] : root.querySelectorAll("form.rsvp-form");
    Array.prototype.forEach.call(forms, function (form) {
      if (form.dataset.guestsReady) return;
      form.dataset.guestsReady = "1";
      var input = form.querySelector("input[name=guests]");
      var warning = form.querySelector(".guests-warning");
      var limit = parseInt(form.dataset.confirmedUpTo, 10);
      if (!input || !warning || isNaN(limit)) return;
      function update() {
        var guests = parseInt(input.value, 10);
        warning.hidden = isNaN(guests) || guests <= limit;
      }
      input.addEventListener("input", update);
      update();
    });
  }

  document.addEventListener("DOMContentLoaded", function () { enhance(document); });
  document.addEventListener("htmx:load", function (event) { enhance(event.detail.elt); });
})();
