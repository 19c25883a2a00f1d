// Draws every chart on the page: each .chart element names the JSON <script> holding
// its Vega-Lite spec (no inline code, so a strict Content-Security-Policy can apply).
(function () {
  "use strict";
  // The app's pages link vega-embed's stylesheet as a file (templates/charts_head.html), since their
  // Content-Security-Policy forbids the <style> elements vega-embed and its tooltips would inject.
  // The downloaded report file has no such policy and no link: there they inject their own.
  var styleLinked = !!document.querySelector("link[data-vega-embed-style]");
  var options = {
    // Expressions run in Vega's interpreter (bundled in vega-embed) instead of being compiled
    // with new Function, which the policy forbids (no 'unsafe-eval').
    ast: true,
    defaultStyle: !styleLinked,
    forceActionsMenu: true,  // the "…" menu, which vega-embed only builds with its default style otherwise
    tooltip: { disableDefaultStyle: styleLinked },
    actions: { export: true, source: false, compiled: false, editor: false }
  };
  function draw() {
    document.querySelectorAll(".chart[data-spec]").forEach(function (el) {
      var source = document.getElementById(el.dataset.spec);
      if (!source) return;
      var spec = JSON.parse(source.textContent);
      window.vegaEmbed(el, spec, options)
        .then(function () { el.classList.add("drawn"); })
        .catch(function (err) {
          el.textContent = "This chart could not be drawn: " + err.message;
          el.classList.add("chart-error");
        });
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", draw);
  else draw();
})();
