// Progressive enhancement for quiz attempts: autosave, answers kept in the browser until the
// server confirms them, and a countdown.
//
// Rules this script keeps (see assessments/views.py `_answer_post` and attempts `_is_current`):
// - A save counts as saved only when the save endpoint answers JSON with `saved: true`.
//   A redirect, an HTML page, a 4xx/5xx or a network error shows "Not saved" with the
//   reason and is retried with backoff.
// - One save at a time. Submit waits for the save in flight, then posts the whole form with
//   this page's token; the server accepts it even if the save's reply never arrived.
// - Answers are kept in sessionStorage (per tab, keyed by attempt) until a save confirms
//   them, so signing in again (the link returns to this page) restores and saves them.
// The server owns the deadline: the countdown starts from the seconds it sent, and any
// answer that arrives late is refused there whatever this script shows.
(function () {
  "use strict";
  var form = document.querySelector(".quiz-form");
  if (!form) { return; }
  var status = form.querySelector(".autosave-status");
  var sequence = form.querySelector("input[name=sequence]");
  var csrfInput = form.querySelector("input[name=csrfmiddlewaretoken]");
  var errorBox = document.querySelector("[data-quiz-error]");
  var storeKey = "liaison-quiz-attempt:" + form.dataset.attempt;
  var loginUrl = form.dataset.loginUrl;
  var debounce = null;
  var retryTimer = null;
  var retryDelay = 0;
  var inFlight = null;
  var again = false;
  var edits = 0;
  var confirmedEdits = 0;
  var submitting = false;

  function showError(message) {
    errorBox.textContent = message;
    errorBox.hidden = false;
    errorBox.focus();
  }

  function setStatus(state, text, link) {
    status.dataset.state = state;
    status.textContent = text;
    if (link) {
      status.appendChild(document.createTextNode(" "));
      var a = document.createElement("a");
      a.href = link.href;
      a.textContent = link.text;
      status.appendChild(a);
      if (link.after) { status.appendChild(document.createTextNode(" " + link.after)); }
    }
  }

  // Question fields only: the CSRF token, sequence and page token are the page's own.
  function isAnswerField(name) { return /^q\d/.test(name); }

  function snapshot() {
    var fields = [];
    new FormData(form).forEach(function (value, name) {
      if (isAnswerField(name)) { fields.push([name, String(value)]); }
    });
    return fields;
  }

  function remember() {
    try {
      window.sessionStorage.setItem(storeKey, JSON.stringify({ fields: snapshot(), at: Date.now() }));
    } catch (e) { /* storage full or disabled: autosave still runs */ }
  }

  function forget() {
    try { window.sessionStorage.removeItem(storeKey); } catch (e) { /* nothing kept */ }
  }

  function restore() {
    var kept;
    try { kept = JSON.parse(window.sessionStorage.getItem(storeKey) || "null"); } catch (e) { kept = null; }
    if (!kept || !Array.isArray(kept.fields)) { return false; }
    var values = {};
    kept.fields.forEach(function (pair) { (values[pair[0]] = values[pair[0]] || []).push(pair[1]); });
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name || !isAnswerField(el.name)) { return; }
      var wanted = values[el.name] || [];
      if (el.type === "radio" || el.type === "checkbox") {
        el.checked = wanted.indexOf(el.value) !== -1;
      } else {
        el.value = wanted.length ? wanted[0] : "";
      }
    });
    return true;
  }

  // After signing in again (perhaps in another tab) Django rotates the CSRF secret; the
  // cookie holds the current one, and Django accepts the unmasked secret as a token.
  function syncCsrf() {
    var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    if (match && csrfInput) { csrfInput.value = decodeURIComponent(match[1]); }
  }

  function notSaved(reason, signInUrl) {
    if (signInUrl) {
      setStatus("error", "Not saved: " + reason, {
        href: signInUrl, text: "Sign in again",
        after: "Your answers are kept in this browser and will be saved when you are back."
      });
    } else {
      setStatus("error", "Not saved: " + reason + " Trying again shortly; your answers are kept in this browser.");
    }
    retryDelay = Math.min(Math.max(2000, retryDelay * 2), 30000);
    window.clearTimeout(retryTimer);
    retryTimer = window.setTimeout(save, retryDelay);
    return false;
  }

  function reasonFor(response) {
    if (response.status === 401 || response.status === 403) { return "you may have been signed out."; }
    if (response.status >= 500) { return "the server had a problem (" + response.status + ")."; }
    if (response.status >= 400) { return "the server refused the answers (" + response.status + ")."; }
    return "the server did not confirm the save.";
  }

  function handle(response, editsSent) {
    if (response.type === "opaqueredirect") {
      return notSaved("the server sent this page elsewhere; you may have been signed out.", loginUrl);
    }
    var type = response.headers.get("Content-Type") || "";
    if (type.indexOf("application/json") !== 0) { return notSaved(reasonFor(response)); }
    return response.json().then(function (data) {
      if (response.ok && data.saved === true && typeof data.sequence === "number") {
        sequence.value = String(data.sequence);
        confirmedEdits = editsSent;
        if (edits === confirmedEdits) { forget(); }
        retryDelay = 0;
        setStatus("saved", "Saved at " + data.saved_at_display + ".");
        return true;
      }
      if (data.closed) { window.location.reload(); return false; }
      if (response.status === 401 || data.signed_out) {
        return notSaved(data.error || "you have been signed out.", data.login_url || loginUrl);
      }
      if (response.status === 409) {
        setStatus("error", "Not saved.");
        showError(data.error || "These answers are out of date. Reload to continue.");
        return false;
      }
      return notSaved(data.error || reasonFor(response));
    }, function () { return notSaved("the server's reply could not be read."); });
  }

  // One save at a time: a change while a save is in flight saves again once it settles.
  function save() {
    window.clearTimeout(debounce);
    window.clearTimeout(retryTimer);
    if (inFlight) { again = true; return inFlight; }
    var editsSent = edits;
    syncCsrf();
    setStatus("saving", "Saving…");
    inFlight = fetch(form.dataset.autosaveUrl, {
      method: "POST", body: new URLSearchParams(new FormData(form)), credentials: "same-origin", redirect: "manual",
      headers: { "Accept": "application/json", "X-Requested-With": "XMLHttpRequest" }
    }).then(function (response) { return handle(response, editsSent); },
      function () { return notSaved("no connection to the server."); }
    ).then(function (saved) {
      inFlight = null;
      if (again && !submitting) { again = false; save(); }
      return saved;
    });
    return inFlight;
  }

  function edited(delay) {
    if (submitting) { return; }
    edits += 1;
    remember();
    window.clearTimeout(debounce);
    debounce = window.setTimeout(save, delay);
  }

  form.addEventListener("change", function () { edited(800); });
  form.addEventListener("input", function (event) {
    if (event.target.tagName === "TEXTAREA" || event.target.type === "text") { edited(1500); }
  });

  function unansweredSummary() {
    var unanswered = [];
    form.querySelectorAll("fieldset.question").forEach(function (fieldset, index) {
      var answered = Array.prototype.some.call(
        fieldset.querySelectorAll("input, select, textarea"),
        function (el) {
          if (el.type === "radio" || el.type === "checkbox") { return el.checked; }
          return el.value.trim() !== "";
        });
      if (!answered) { unanswered.push({ id: fieldset.id, number: index + 1 }); }
    });
    if (!unanswered.length) { return false; }
    errorBox.innerHTML = "";
    var heading = document.createElement("h2");
    heading.textContent = unanswered.length === 1
      ? "1 question has no answer"
      : unanswered.length + " questions have no answer";
    var list = document.createElement("ul");
    unanswered.forEach(function (item) {
      var li = document.createElement("li");
      var link = document.createElement("a");
      link.href = "#" + item.id;
      link.textContent = "Question " + item.number;
      li.appendChild(link);
      list.appendChild(li);
    });
    var hint = document.createElement("p");
    hint.textContent = "Answer them, or choose Submit for grading again to finish anyway.";
    errorBox.appendChild(heading);
    errorBox.appendChild(list);
    errorBox.appendChild(hint);
    errorBox.hidden = false;
    errorBox.focus();
    return true;
  }

  // Before submitting, list unanswered questions in the error summary and move focus there;
  // a second submit goes ahead. The submit itself waits for a save in flight (at most 10 s:
  // the server accepts this page's full form either way), then posts the whole form.
  var confirmed = false;
  form.addEventListener("submit", function (event) {
    var submitter = event.submitter;
    syncCsrf();
    if (submitter && submitter.getAttribute("formaction")) { return; }
    event.preventDefault();
    if (submitting) { return; }
    if (!confirmed && unansweredSummary()) { confirmed = true; return; }
    submitting = true;
    window.clearTimeout(debounce);
    window.clearTimeout(retryTimer);
    remember();
    setStatus("saving", "Submitting…");
    var pending = inFlight || Promise.resolve(true);
    var patience = new Promise(function (resolve) { window.setTimeout(resolve, 10000); });
    Promise.race([pending, patience]).then(function () {
      syncCsrf();
      HTMLFormElement.prototype.submit.call(form);
    });
  });

  // Coming back through the browser's history restores a page that had started submitting.
  window.addEventListener("pageshow", function (event) { if (event.persisted) { submitting = false; } });

  if (restore()) {
    edits += 1;
    setStatus("saving", "Restoring the answers kept in this browser…");
    save();
  }

  var box = document.querySelector(".timer");
  if (!box) { return; }
  var display = box.querySelector(".timer-display");
  var announce = box.querySelector(".timer-announce");
  var deadline = Date.now() + parseInt(box.dataset.remainingSeconds, 10) * 1000;
  var lastMinuteAnnounced = null;
  function pad(n) { return n < 10 ? "0" + n : String(n); }
  function tick() {
    var left = Math.max(0, Math.round((deadline - Date.now()) / 1000));
    var h = Math.floor(left / 3600), m = Math.floor((left % 3600) / 60), s = left % 60;
    display.textContent = (h ? h + ":" + pad(m) : m) + ":" + pad(s);
    var minutes = Math.ceil(left / 60);
    // Screen readers hear the time once a minute (and at the last minute), not every second.
    if (left > 0 && minutes !== lastMinuteAnnounced && left % 60 === 0 || (left === 60 && lastMinuteAnnounced !== 1)) {
      lastMinuteAnnounced = minutes;
      announce.textContent = minutes === 1 ? "One minute left." : minutes + " minutes left.";
    }
    if (left === 0) {
      window.clearInterval(interval);
      submitting = true;
      var text = "Time is up. Your attempt is being submitted with the answers saved so far.";
      announce.textContent = text;
      setStatus("saving", text);
      window.setTimeout(function () { window.location.reload(); }, 1500);
    }
  }
  box.querySelector(".timer-static").hidden = true;
  display.removeAttribute("aria-hidden");
  display.setAttribute("aria-hidden", "true");
  var interval = window.setInterval(tick, 1000);
  tick();
})();
