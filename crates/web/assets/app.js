// casewindow: small enhancements. Every page works without this file.
(function () {
  "use strict";
  // Move focus to an error summary so screen-reader and keyboard users hear it first.
  var summary = document.querySelector(".error-summary");
  if (summary) { summary.focus(); }

  // Hindsight phrases, flagged as the appraisal is typed. The server checks again on save.
  var phrases = ["should have", "should not have", "shouldn't have", "ought to have", "could have", "could not have",
    "couldn't have", "would have prevented", "failed to", "failure to", "if only", "obviously", "obvious", "clearly",
    "must have known", "missed opportunity", "missed opportunities", "inexcusable", "negligent", "careless", "with hindsight"];
  function found(text) {
    var lower = text.toLowerCase(), hits = [];
    phrases.forEach(function (phrase) {
      var re = new RegExp("(^|[^a-z0-9])" + phrase.replace(/'/g, "'") + "(?![a-z0-9])", "g");
      if (re.test(lower) && hits.indexOf(phrase) < 0) { hits.push(phrase); }
    });
    return hits;
  }
  document.querySelectorAll("textarea[data-hindsight]").forEach(function (area) {
    var out = document.getElementById(area.getAttribute("data-hindsight"));
    if (!out) { return; }
    function update() {
      var hits = found(area.value);
      out.textContent = hits.length ? "Possible hindsight language: \u201c" + hits.join("\u201d, \u201c") +
        "\u201d. Describe what was knowable at the time, or explain in the hindsight note why it stands." : "";
      out.hidden = hits.length === 0;
    }
    area.addEventListener("input", update);
    update();
  });
})();
