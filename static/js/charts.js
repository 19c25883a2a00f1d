// Draws every chart on the page: each .chart element names the JSON <script> holding
// its Vega-Lite spec (no inline code, so a strict Content-Security-Policy can apply).
(function () {
  "use strict";
  function draw() {
    document.querySelectorAll(".chart[data-spec]").forEach(function (el) {
      var source = document.getElementById(el.dataset.spec);
      if (!source) return;
      var spec = JSON.parse(source.textContent);
      window.vegaEmbed(el, spec, { actions: { export: true, source: false, compiled: false, editor: false } })
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
