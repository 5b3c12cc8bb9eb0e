// Progressive enhancement for quiz attempts: autosave and a countdown.
// The server owns the deadline: the countdown starts from the seconds it sent, and any
// answer that arrives late is refused there whatever this script shows.
(function () {
  "use strict";
  var form = document.querySelector(".quiz-form");
  if (!form) { return; }
  var status = form.querySelector(".autosave-status");
  var sequence = form.querySelector("input[name=sequence]");
  var errorBox = document.querySelector("[data-quiz-error]");
  var timer = null;

  function showError(message) {
    errorBox.textContent = message;
    errorBox.hidden = false;
    errorBox.focus();
  }

  function save() {
    var body = new FormData(form);
    fetch(form.dataset.autosaveUrl, {
      method: "POST", body: body, credentials: "same-origin",
      headers: { "Accept": "application/json" }
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (data) {
        if (response.ok) {
          sequence.value = data.sequence;
          status.textContent = "Saved at " + new Date().toLocaleTimeString();
        } else if (data.closed) {
          window.location.reload();
        } else {
          showError(data.error || "Your answers could not be saved.");
        }
      });
    }).catch(function () { status.textContent = "Not saved: check your connection."; });
  }

  // Before submitting, list unanswered questions in the error summary and move focus
  // there; a second submit goes ahead.
  var confirmed = false;
  form.addEventListener("submit", function (event) {
    var submitter = event.submitter;
    if (confirmed || (submitter && submitter.getAttribute("formaction"))) { return; }
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
    if (!unanswered.length) { return; }
    event.preventDefault();
    confirmed = true;
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
  });

  form.addEventListener("change", function () {
    window.clearTimeout(timer);
    timer = window.setTimeout(save, 800);
  });

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
      announce.textContent = "Time is up. Your saved answers are being submitted.";
      window.clearInterval(interval);
      window.setTimeout(function () { window.location.reload(); }, 1500);
    }
  }
  box.querySelector(".timer-static").hidden = true;
  display.removeAttribute("aria-hidden");
  display.setAttribute("aria-hidden", "true");
  var interval = window.setInterval(tick, 1000);
  tick();
})();
