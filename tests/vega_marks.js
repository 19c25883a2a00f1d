// Compiles a Vega-Lite spec (stdin) with the vendored builds and lays it out headless (no renderer):
// prints each bar's top, height and bottom in pixels. Usage: node vega_marks.js <folder of the builds> < spec.json
const fs = require("fs"), vm = require("vm");
function load(file) {  // the UMD builds as a page loads them: onto the global object, not as CommonJS modules
  vm.runInThisContext("(function(){var module, exports, define;" + fs.readFileSync(file, "utf8") + "\n}).call(globalThis)");
}
load(process.argv[2] + "/vega.min.js");
load(process.argv[2] + "/vega-lite.min.js");
const spec = JSON.parse(fs.readFileSync(0, "utf8"));
if (spec.width === "container") spec.width = 400;  // no container headless
const view = new vega.View(vega.parse(vegaLite.compile(spec).spec), {renderer: "none"});
view.runAsync().then(() => {
  const bars = [];
  (function walk(node) {
    if (node.marktype === "rect") node.items.forEach(i => bars.push({y: i.y, height: i.height, y2: i.y2}));
    (node.items || []).forEach(c => { if (c && typeof c === "object" && (c.marktype || c.items)) walk(c); });
  })(view.scenegraph().root);
  console.log(JSON.stringify({bars: bars, height: view.height()}));
});
