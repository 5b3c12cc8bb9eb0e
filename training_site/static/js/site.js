// An error summary takes focus when the page loads, so a screen reader announces it first.
// A static file rather than an inline script: the Content-Security-Policy allows no inline code.
document.addEventListener("DOMContentLoaded", function () {
  var summary = document.querySelector("[data-autofocus]");
  if (summary) {
    summary.focus();
  }
});
