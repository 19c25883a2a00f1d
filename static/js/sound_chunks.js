// Sends the microphone's chunks to the server while the person speaks, so the server reads the voice before the
// answer ends (web/video/api.py, sound_chunk). Two at a time: the chunk that completes a stretch waits while the
// server reads it (a second or two on a busy machine), and the next ones must not queue behind it. The server
// keeps the first copy of each index and reads them in index order whatever order they come in, so a chunk that
// fails is simply sent again; every chunk is kept here until the answer is finished, to send again any the server
// says it lacks. If the server cannot be reached for a while at the end, `broken` says so and the page sends the
// whole recording with the finish instead.
(function () {
  "use strict";
  var IN_FLIGHT = 2;
  var GIVE_UP_AFTER = 6;  // failed attempts in a row once the answer has ended

  // urlFor(index, seconds) -> the chunk's URL. Returns {add(blob, index, seconds), resend(indices),
  // drained(withinMs), broken()}.
  window.esaprSoundChunks = function (urlFor) {
    var kept = [], queue = [], sending = 0, failures = 0, ended = false, broken = false, waiting = [], paused = false;

    function settle() {
      if (sending || (queue.length && !broken)) return;
      waiting.splice(0).forEach(function (resolve) { resolve(); });
    }

    function send(item) {
      sending += 1;
      fetch(urlFor(item.index, item.seconds), { method: "POST", body: item.blob, headers: { "Accept": "application/json" } })
        .then(function (r) {
          if (r.ok) { failures = 0; return; }
          // Refused for good (a finished session, a chunk over the limit): the finish will say what to do.
          if (r.status >= 400 && r.status < 500 && r.status !== 408 && r.status !== 429) { broken = true; return; }
          throw new Error("The server answered " + r.status + ".");
        })
        .catch(function () {
          failures += 1;
          queue.unshift(item);  // again, before the others
          if (ended && failures >= GIVE_UP_AFTER) broken = true;
          paused = true;
          window.setTimeout(function () { paused = false; next(); }, Math.min(4000, 500 * failures));
        })
        .then(function () { sending -= 1; next(); });
    }

    function next() {
      while (!broken && !paused && sending < IN_FLIGHT && queue.length) send(queue.shift());
      settle();
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
          if (withinMs) {
            window.setTimeout(function () {
              var i = waiting.indexOf(resolve);
              if (i >= 0) { broken = true; waiting.splice(i, 1); resolve(); }
            }, withinMs);
          }
          settle();
        });
      },
      broken: function () { return broken; },
    };
  };

  // While the answer is finished: show(fraction) every 300 ms with the share of it read, from the session's state
  // (statusUrl): the seconds of voice already read from the chunks out of `recordedS`, then the finish's own steps.
  // Returns the function that stops it.
  window.esaprSoundChunks.watchReading = function (statusUrl, recordedS, show) {
    var timer = window.setInterval(function () {
      fetch(statusUrl, { headers: { "Accept": "application/json" } })
        .then(function (r) { return r.json(); })
        .then(function (s) {
          var read = s.sound && recordedS ? Math.min(1, s.sound.read_s / recordedS) : 0;
          show(0.7 * read + 0.3 * (s.progress || 0));
        })
        .catch(function () {});
    }, 300);
    return function () { window.clearInterval(timer); };
  };
})();
