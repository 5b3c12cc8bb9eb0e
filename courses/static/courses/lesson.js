// Lesson page: reflection notes save as the learner types, and nothing typed is lost.
// - A note counts as saved only when the save endpoint answers JSON with `saved: true`;
//   anything else (redirect, HTML, 4xx/5xx, no connection) shows "Not saved" and retries.
// - Leaving the page with a note not yet saved asks first.
// - "Mark complete" saves every unsaved note first, and stays on the page if one fails.
// - On small screens the module menu folds behind a button (the lesson comes first).
(function () {
  "use strict";
  var notes = [];

  function setStatus(note, state, text) {
    note.status.dataset.state = state;
    note.status.textContent = text;
  }

  function reasonFor(response) {
    if (response.type === "opaqueredirect" || response.status === 401 || response.status === 403) {
      return "you may have been signed out. Copy your note, sign in again and paste it back.";
    }
    if (response.status >= 500) { return "the server had a problem (" + response.status + ")."; }
    return "the server did not confirm the save (" + response.status + ").";
  }

  function save(note) {
    window.clearTimeout(note.debounce);
    window.clearTimeout(note.retry);
    if (note.inFlight) { note.again = true; return note.inFlight; }
    var sent = note.textarea.value;
    setStatus(note, "saving", "Saving…");
    note.inFlight = fetch(note.form.action, {
      method: "POST", body: new FormData(note.form), credentials: "same-origin", redirect: "manual",
      headers: { "Accept": "application/json", "X-Requested-With": "XMLHttpRequest" }
    }).then(function (response) {
      var type = response.headers.get("Content-Type") || "";
      if (response.type === "opaqueredirect" || type.indexOf("application/json") !== 0) {
        return { ok: false, reason: reasonFor(response) };
      }
      return response.json().then(function (data) {
        if (response.ok && data.saved === true) { return { ok: true, when: data.saved_at_display }; }
        return { ok: false, reason: data.error || reasonFor(response), final: response.status === 400 };
      }, function () { return { ok: false, reason: "the server's reply could not be read." }; });
    }, function () {
      return { ok: false, reason: "no connection to the server." };
    }).then(function (result) {
      note.inFlight = null;
      if (result.ok) {
        note.saved = sent;
        note.delay = 0;
        setStatus(note, note.textarea.value === sent ? "saved" : "unsaved",
          note.textarea.value === sent ? "Saved at " + result.when + "." : "Not saved yet…");
      } else {
        setStatus(note, "error", "Not saved: " + result.reason);
        if (!result.final) {
          note.delay = Math.min(Math.max(2000, note.delay * 2), 30000);
          note.retry = window.setTimeout(function () { save(note); }, note.delay);
        }
      }
      if (note.again) { note.again = false; return save(note); }
      return result.ok && note.textarea.value === note.saved;
    });
    return note.inFlight;
  }

  function dirty(note) { return note.textarea.value !== note.saved; }

  document.querySelectorAll("form.reflection-form").forEach(function (form) {
    var textarea = form.querySelector("textarea");
    var note = {
      form: form, textarea: textarea, status: form.querySelector(".reflection-status"),
      saved: textarea.value, debounce: null, retry: null, delay: 0, inFlight: null, again: false
    };
    notes.push(note);
    textarea.addEventListener("input", function () {
      setStatus(note, "unsaved", "Not saved yet…");
      window.clearTimeout(note.debounce);
      note.debounce = window.setTimeout(function () { save(note); }, 1000);
    });
    // The "Save note" button still posts the form; saving it is not leaving with unsaved text.
    form.addEventListener("submit", function () { note.saved = textarea.value; });
  });

  window.addEventListener("beforeunload", function (event) {
    if (notes.some(dirty)) {
      event.preventDefault();
      event.returnValue = "";
    }
  });

  var complete = document.querySelector("form.lesson-complete-form");
  if (complete && notes.length) {
    complete.addEventListener("submit", function (event) {
      var pending = notes.filter(function (note) { return dirty(note) || note.inFlight; });
      if (!pending.length) { return; }
      event.preventDefault();
      Promise.all(pending.map(save)).then(function (results) {
        if (results.every(Boolean)) {
          HTMLFormElement.prototype.submit.call(complete);
        } else {
          var failed = pending[results.indexOf(false)];
          failed.textarea.focus();
        }
      });
    });
  }

  // Small screens: the lesson comes first and the module menu folds behind a button.
  var nav = document.querySelector(".module-nav");
  if (nav && window.matchMedia) {
    var list = nav.querySelector("[data-module-menu]");
    var toggle = nav.querySelector("[data-module-menu-toggle]");
    if (list && toggle) {
      var narrow = window.matchMedia("(max-width: 50rem)");
      var apply = function () {
        toggle.hidden = !narrow.matches;
        var open = !narrow.matches || toggle.getAttribute("aria-expanded") === "true";
        list.hidden = !open;
      };
      toggle.addEventListener("click", function () {
        toggle.setAttribute("aria-expanded", toggle.getAttribute("aria-expanded") === "true" ? "false" : "true");
        apply();
      });
      if (narrow.addEventListener) { narrow.addEventListener("change", apply); }
      apply();
    }
  }
})();
