// Sends the microphone's chunks to the server while the person speaks, one at a time and in order, so the server
// reads the voice before the answer ends (web/video/api.py, sound_chunk). A chunk that fails is sent again
// (the server keeps the first copy of each index, so a repeat costs nothing); every chunk is kept here until the
// answer is finished, to send again any the server says it lacks. If the server cannot be reached for a while
// at the end, `broken` says so and the page sends the whole recording with the finish instead.
(function () {
  "use strict";
  var GIVE_UP_AFTER = 6;  // failed attempts in a row once the answer has ended

  // urlFor(index, seconds) -> the chunk's URL. Returns {add(blob, index, seconds), resend(indices), drained(),
  // broken()}.
  window.esaprSoundChunks = function (urlFor) {
    var kept = [], queue = [], sending = false, failures = 0, ended = false, broken = false, waiting = [];

    function settle() {
      if (sending || (queue.length && !broken)) return;
      waiting.splice(0).forEach(function (resolve) { resolve(); });
    }

    function next() {
      if (sending || !queue.length || broken) { settle(); return; }
      sending = true;
      var item = queue[0];
      fetch(urlFor(item.index, item.seconds), { method: "POST", body: item.blob, headers: { "Accept": "application/json" } })
        .then(function (r) {
          if (r.ok || (r.status >= 400 && r.status < 500 && r.status !== 408 && r.status !== 429)) {
            // Refused for good (a finished session, a chunk over the limit): the finish will say what to do.
            if (!r.ok) broken = true;
            queue.shift();
            failures = 0;
            return;
          }
          throw new Error("The server answered " + r.status + ".");
        })
        .catch(function () { failures += 1; })
        .then(function () {
          sending = false;
          if (failures && ended && failures >= GIVE_UP_AFTER) broken = true;
          if (failures && !broken) { window.setTimeout(next, Math.min(4000, 500 * failures)); return; }
          next();
        });
    }

    return {
      add: function (blob, index, seconds) {
        kept[index] = { blob: blob, index: index, seconds: seconds };
        queue.push(kept[index]);
        next();
      },
      resend: function (indices) {
        indices.forEach(function (i) { if (kept[i]) queue.push(kept[i]); });
        next();
      },
      // Resolves once every chunk so far is answered, or the server is given up on: after failures in a row, or
      // when `withinMs` pass first (a request that never answers).
      drained: function (withinMs) {
        ended = true;
        return new Promise(function (resolve) {
          waiting.push(resolve);
          if (withinMs) window.setTimeout(function () { if (waiting.indexOf(resolve) >= 0) { broken = true; settle(); } }, withinMs);
          settle();
        });
      },
      broken: function () { return broken; },
    };
  };
})();
