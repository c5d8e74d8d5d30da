// Passkeys (WebAuthn): adding one on /account and signing in with one on /login.
// The pages work without this script (the password does); it reveals the passkey controls only
// where the browser can use them. Its texts come from the page's data-text-* attributes, in the
// reader's language.
(function () {
  "use strict";

  function supported() {
    return Boolean(window.PublicKeyCredential && navigator.credentials && window.fetch);
  }

  // -- base64url and ArrayBuffers, as the server's JSON and the browser's API expect them ----
  function toBuffer(text) {
    var base64 = text.replace(/-/g, "+").replace(/_/g, "/");
    var padded = base64 + "===".slice((base64.length + 3) % 4);
    var binary = atob(padded);
    var bytes = new Uint8Array(binary.length);
    for (var i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
    return bytes.buffer;
  }

  function toText(buffer) {
    var bytes = new Uint8Array(buffer);
    var binary = "";
    for (var i = 0; i < bytes.length; i++) binary += String.fromCharCode(bytes[i]);
    return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  function creationOptions(options) {
    options.challenge = toBuffer(options.challenge);
    options.user.id = toBuffer(options.user.id);
    (options.excludeCredentials || []).forEach(function (c) { c.id = toBuffer(c.id); });
    return options;
  }

  function requestOptions(options) {
    options.challenge = toBuffer(options.challenge);
    (options.allowCredentials || []).forEach(function (c) { c.id = toBuffer(c.id); });
    return options;
  }

  function credentialJSON(credential) {
    var response = credential.response;
    var json = {
      id: credential.id,
      rawId: toText(credential.rawId),
      type: credential.type,
      authenticatorAttachment: credential.authenticatorAttachment || null,
      clientExtensionResults: credential.getClientExtensionResults ? credential.getClientExtensionResults() : {},
      response: { clientDataJSON: toText(response.clientDataJSON) }
    };
    if (response.attestationObject) {
      json.response.attestationObject = toText(response.attestationObject);
      json.response.transports = response.getTransports ? response.getTransports() : [];
    } else {
      json.response.authenticatorData = toText(response.authenticatorData);
      json.response.signature = toText(response.signature);
      json.response.userHandle = response.userHandle ? toText(response.userHandle) : null;
    }
    return json;
  }

  // -- talking to the portal -------------------------------------------------------------
  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : "";
  }

  function post(url, body) {
    var headers = { "X-CSRFToken": csrfToken(), "Accept": "application/json" };
    if (!(body instanceof FormData)) {
      headers["Content-Type"] = "application/json";
      body = JSON.stringify(body || {});
    }
    return fetch(url, { method: "POST", credentials: "same-origin", headers: headers, body: body })
      .then(function (response) {
        return response.json().catch(function () { return {}; }).then(function (data) {
          return { ok: response.ok, status: response.status, data: data };
        });
      });
  }

  // A problem is an alert in the error style; "follow the steps on your device" a quiet status.
  // Go to the page the portal named; to the same page with a new #anchor, load it again (a
  // change of hash alone would not show the new passkey and the message).
  function go(url) {
    var target = new URL(url, window.location.href);
    if (target.pathname === window.location.pathname && target.search === window.location.search) {
      window.location.hash = target.hash;
      window.location.reload();
      return;
    }
    window.location.assign(target.href);
  }

  function say(root, text, working) {
    var message = root.querySelector("[data-passkey-message]");
    if (!message) return;
    message.textContent = text || "";
    message.hidden = !text;
    message.className = working ? "hint" : "field-error";
    message.setAttribute("role", working ? "status" : "alert");
  }

  function problemText(root, error) {
    if (error && error.name === "NotAllowedError") return root.dataset.textCancelled;
    return root.dataset.textFailed;
  }

  // Field errors from the server sit beside their fields, as the page's own forms show them.
  function showFieldErrors(form, errors) {
    form.querySelectorAll(".field-error[data-passkey-field]").forEach(function (el) { el.remove(); });
    form.querySelectorAll('[aria-invalid="true"]').forEach(function (el) { el.removeAttribute("aria-invalid"); });
    var first = null;
    Object.keys(errors || {}).forEach(function (name) {
      var input = form.querySelector('[name="' + name + '"]');
      if (!input) return;
      var note = document.createElement("small");
      note.className = "field-error";
      note.id = input.id + "-error";
      note.setAttribute("role", "alert");
      note.setAttribute("data-passkey-field", "");
      note.textContent = errors[name];
      var after = input.closest(".password-field") || input;
      after.insertAdjacentElement("afterend", note);
      input.setAttribute("aria-invalid", "true");
      input.setAttribute("aria-describedby", note.id);
      first = first || input;
    });
    if (first) first.focus();
  }

  // -- adding a passkey on /account ------------------------------------------------------
  function addPasskey(form) {
    var button = form.querySelector('button[type="submit"]');
    button.disabled = true;
    say(form, form.dataset.textWorking, true);
    post(form.getAttribute("action"), new FormData(form))
      .then(function (answer) {
        if (!answer.ok) {
          say(form, "");
          showFieldErrors(form, answer.data.errors);
          if (!answer.data.errors) say(form, form.dataset.textFailed);
          return null;
        }
        showFieldErrors(form, {});
        return navigator.credentials.create({ publicKey: creationOptions(answer.data) })
          .then(function (credential) {
            return post(form.dataset.finishUrl, { credential: credentialJSON(credential) });
          })
          .then(function (finished) {
            if (finished.ok && finished.data.redirect) {
              go(finished.data.redirect);
              return;
            }
            say(form, finished.data.error || form.dataset.textFailed);
          });
      })
      .catch(function (error) { say(form, problemText(form, error)); })
      .then(function () { button.disabled = false; });
  }

  // -- signing in with a passkey on /login -----------------------------------------------
  function signIn(root) {
    var button = root.querySelector("[data-passkey-start]");
    button.disabled = true;
    say(root, "");
    post(root.dataset.optionsUrl, {})
      .then(function (answer) {
        if (!answer.ok) throw new Error("options refused");
        return navigator.credentials.get({ publicKey: requestOptions(answer.data) });
      })
      .then(function (credential) {
        return post(root.dataset.finishUrl, { credential: credentialJSON(credential) });
      })
      .then(function (finished) {
        if (finished.ok && finished.data.redirect) {
          go(finished.data.redirect);
          return;
        }
        say(root, finished.data.error || root.dataset.textFailed);
      })
      .catch(function (error) { say(root, problemText(root, error)); })
      .then(function () { button.disabled = false; });
  }

  function reveal(root) {
    if (!supported()) return;
    root.querySelectorAll("[data-passkey-register], [data-passkey-login]").forEach(function (el) {
      el.hidden = false;
    });
    root.querySelectorAll("[data-passkey-fallback]").forEach(function (el) { el.hidden = true; });
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form || !form.matches || !form.matches("[data-passkey-register]") || !supported()) return;
    event.preventDefault();
    addPasskey(form);
  });

  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-passkey-start]");
    if (!button || !supported()) return;
    signIn(button.closest("[data-passkey-login]"));
  });

  document.addEventListener("DOMContentLoaded", function () { reveal(document); });
  document.addEventListener("htmx:load", function (event) { reveal(event.detail.elt); });
})();
