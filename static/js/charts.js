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
  // The colour key a chart names in usermeta.key (web/charts.py), as a list under it: it wraps at any
  // width, where Vega's legends are cut. Colours are set through the DOM (allowed by the policy).
  function drawKey(el, items) {
    if (!items || !items.length || (el.nextElementSibling && el.nextElementSibling.classList.contains("chart-key"))) return;
    var list = document.createElement("ul");
    list.className = "chart-key";
    list.setAttribute("aria-label", "Colour key");
    items.forEach(function (item) {
      var entry = document.createElement("li");
      var swatch = document.createElement("span");
      swatch.className = "swatch";
      swatch.style.backgroundColor = item.colour;
      entry.appendChild(swatch);
      entry.appendChild(document.createTextNode(item.label));
      list.appendChild(entry);
    });
    el.parentNode.insertBefore(list, el.nextSibling);
  }

  function draw() {
    document.querySelectorAll(".chart[data-spec]").forEach(function (el) {
      var source = document.getElementById(el.dataset.spec);
      if (!source) return;
      var spec = JSON.parse(source.textContent);
      window.vegaEmbed(el, spec, options)
        .then(function () {
          // vega-embed's "…" menu button is an icon alone: give it a name screen readers can say.
          var menu = el.querySelector("details > summary");
          if (menu) {
            menu.setAttribute("aria-label", "Chart menu: save the chart as an image");
            menu.setAttribute("title", "Save the chart as an image");
          }
          // The name moves from the box to the drawing: the box now holds that button too, and a
          // role="img" around a control hides the control from assistive technology.
          var drawing = el.querySelector("svg, canvas");
          if (drawing && el.getAttribute("aria-label")) {
            drawing.setAttribute("aria-label", el.getAttribute("aria-label"));
            if (drawing.tagName.toLowerCase() === "canvas") drawing.setAttribute("role", "img");
            el.removeAttribute("role");
            el.removeAttribute("aria-label");
          }
          drawKey(el, spec.usermeta && spec.usermeta.key);
          el.classList.add("drawn");
        })
        .catch(function (err) {
          el.textContent = "This chart could not be drawn: " + err.message;
          el.classList.add("chart-error");
        });
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", draw);
  else draw();
})();
