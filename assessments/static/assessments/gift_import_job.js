// The GIFT import job page reloads itself while the job is queued or running, so the
// coordinator sees the count grow and then the outcome. The element carrying
// data-refresh-seconds is only rendered while the job is not over; without JavaScript
// the page offers a Refresh link instead.
(function () {
  function setUp() {
    const status = document.querySelector("[data-refresh-seconds]");
    if (!status) return;
    const seconds = parseInt(status.getAttribute("data-refresh-seconds"), 10) || 2;
    window.setTimeout(function () {
      window.location.reload();
    }, seconds * 1000);
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", setUp);
  } else {
    setUp();
  }
})();
