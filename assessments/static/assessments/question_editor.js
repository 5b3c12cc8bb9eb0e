// The question editor shows only the panels of the chosen type. Each type-specific panel
// names its kinds in data-question-kinds (assessments.models.questions.kind_panels); with
// no type chosen yet every panel shows. Hidden panels keep their values and are still
// submitted, so switching type back and forth loses nothing.
(function () {
  function setUp() {
    const select = document.querySelector("select[name='qtype']");
    const panels = document.querySelectorAll("[data-question-kinds]");
    if (!select || panels.length === 0) return;
    const update = function () {
      panels.forEach(function (panel) {
        const kinds = panel.getAttribute("data-question-kinds").split(" ");
        panel.hidden = select.value !== "" && !kinds.includes(select.value);
      });
    };
    select.addEventListener("change", update);
    update();
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", setUp);
  } else {
    setUp();
  }
})();
