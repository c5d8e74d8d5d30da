// Staff voucher lookup and event door: read a voucher's or a membership card's QR code with the
// phone's camera where the browser has the BarcodeDetector API. Without it (or without a camera)
// the typed code form is all there is, and it works on its own.
(function () {
  "use strict";

  // The forms that scan: the voucher lookup, and any form marked data-qr-scan (the door page).
  // The code read goes into the form's input named "code", and the form is sent.
  var SCAN_FORMS = "#voucher-lookup, form[data-qr-scan]";

  var active = null; // the running scanner, stopped when the page changes

  function enhance(root) {
    if (!root || !root.querySelector) return;
    var form = root.matches && root.matches(SCAN_FORMS) ? root : root.querySelector(SCAN_FORMS);
    if (!form || form.dataset.scanReady) return;
    form.dataset.scanReady = "1";
    if (!("BarcodeDetector" in window) || !navigator.mediaDevices ||
        !navigator.mediaDevices.getUserMedia) {
      return;
    }
    var button = form.querySelector(".scan-button");
    var box = form.querySelector(".scanner");
    var video = form.querySelector("video");
    var status = form.querySelector(".scanner-status");
    var input = form.querySelector("input[name=code]");
    if (!button || !box || !video || !input) return;
    var startLabel = button.textContent;
    var stream = null;
    var timer = null;
    var detector = null;

    function stop() {
      if (timer) clearTimeout(timer);
      timer = null;
      if (stream) stream.getTracks().forEach(function (track) { track.stop(); });
      stream = null;
      video.srcObject = null;
      box.hidden = true;
      button.textContent = startLabel;
      active = null;
    }

    function scan() {
      if (!stream) return;
      detector.detect(video).then(function (codes) {
        if (codes.length && codes[0].rawValue) {
          input.value = codes[0].rawValue;
          stop();
          if (form.requestSubmit) form.requestSubmit(); else form.submit();
          return;
        }
        timer = setTimeout(scan, 250);
      }).catch(function () { timer = setTimeout(scan, 500); });
    }

    function start() {
      try {
        detector = new window.BarcodeDetector({ formats: ["qr_code"] });
      } catch (error) {
        return;
      }
      navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" }, audio: false })
        .then(function (opened) {
          stream = opened;
          active = stop;
          video.srcObject = opened;
          video.play();
          box.hidden = false;
          status.textContent = button.dataset.scanningLabel || "";
          button.textContent = button.dataset.stopLabel || startLabel;
          scan();
        })
        .catch(function () {
          box.hidden = false;
          video.hidden = true;
          status.textContent = button.dataset.unavailableLabel || "";
          input.focus();
        });
    }

    var check = window.BarcodeDetector.getSupportedFormats
      ? window.BarcodeDetector.getSupportedFormats()
      : Promise.resolve(["qr_code"]);
    check.then(function (formats) {
      if (formats.indexOf("qr_code") === -1) return;
      button.hidden = false;
      button.addEventListener("click", function () {
        if (stream) stop(); else start();
      });
    });
  }

  function stopActive() { if (active) active(); }

  document.addEventListener("DOMContentLoaded", function () { enhance(document); });
  document.addEventListener("htmx:load", function (event) { enhance(event.detail.elt); });
  document.addEventListener("htmx:beforeSwap", stopActive);
  window.addEventListener("pagehide", stopActive);
})();
