// Voice answer: consent -> microphone -> MediaRecorder with a countdown and a level meter -> dashboard. The
// recording goes in chunks to a capture session while the person speaks (sound_chunks.js), so the server has read
// most of the voice when the answer ends and the finish only reads the last seconds; the page shows that reading's
// progress. Without a session (the server could not start one) the recording goes whole at the end, as an upload.
// Uploading a file takes that road too. If the microphone is refused or missing, the upload form stays the way in.
(function () {
  "use strict";
  var cfg = document.getElementById("audio-config").dataset;
  var DURATION = parseFloat(cfg.duration);
  var MAX_BYTES = parseFloat(cfg.maxMb) * 1024 * 1024;
  var $ = function (id) { return document.getElementById(id); };
  var voice = null, stream = null, audioCtx = null, timer = null, meterFrame = null;
  var startedAt = 0, stopping = false, quietSince = 0;
  var sessionId = null, chunks = null, recordedS = 0, polling = null, shown = 0;
  var SILENCE_WARN_MS = 4000;
  // Chunks still unanswered this long after the answer's end: the whole recording goes with the finish instead.
  var DRAIN_WITHIN_MS = 10000;

  $("consent-box").addEventListener("change", function (e) { $("start").disabled = !e.target.checked; });

  function showError(message) {
    stopPolling();
    $("progress").hidden = true;
    $("upload").hidden = false;
    window.esaprShowError($("audio-error"), message);
  }

  function micError(message) {
    $("mic-error").hidden = false;
    $("stage").hidden = true;
    $("consent").hidden = false;
    $("upload").hidden = false;
    window.esaprShowError($("mic-error-text"), message + " You can upload a recording below instead.");
  }

  function setProgress(fraction, text) {
    $("progress").hidden = false;
    $("progress-bar").style.width = (100 * fraction).toFixed(0) + "%";
    $("progress-text").textContent = text;
  }

  // Standalone: open the dashboard. Inside the guided interview (data-interview-url), hand
  // the analysis to the interview instead and go where it says next.
  function done(id) {
    if (!cfg.interviewUrl) {
      window.location.assign(cfg.resultUrl.replace("ID", encodeURIComponent(id)));
      return;
    }
    var form = new FormData();
    form.append("analysis_id", id);
    fetch(cfg.interviewUrl, { method: "POST", body: form, headers: { "Accept": "application/json" } })
      .then(function (r) {
        return r.json().catch(function () { return {}; }).then(function (body) {
          if (!r.ok) throw new Error(body.error || ("The server answered " + r.status + "."));
          window.location.assign(body.next_url);
        });
      })
      .catch(function (err) { showError(err.message); });
  }

  function upload(blob, filename) {
    if (blob.size > MAX_BYTES) {
      showError("This recording is larger than " + cfg.maxMb + " MB; please send a shorter one.");
      return;
    }
    $("audio-error").hidden = true;
    var form = new FormData();
    form.append("audio", blob, filename);
    setProgress(0.02, "Sending your recording…");
    window.esaprSendOnce(cfg.apiUrl, form, {
      progress: function (e) {
        if (e.lengthComputable) setProgress(0.8 * e.loaded / e.total, "Sending your recording…");
      },
      uploaded: function () { setProgress(0.9, "Recording sent: reading your voice and your words…"); },
      retrying: function (attempt, busy) {
        setProgress(0.02, busy ? "The server is busy; sending your recording again in a few seconds…"
          : "The connection dropped; sending your recording again…");
      },
      answer: function (status, data) {
        if (status !== 200) {
          showError(data.error || ("The server answered " + status + "."));
          return;
        }
        setProgress(1, "Done. Opening your dashboard…");
        done(data.id);
      },
      failed: function () { showError("The recording could not be sent: is the server still running?"); },
    });
  }

  function meter(analyser) {
    var buf = new Uint8Array(analyser.fftSize);
    (function tick() {
      analyser.getByteTimeDomainData(buf);
      var peak = 0;
      for (var i = 0; i < buf.length; i++) peak = Math.max(peak, Math.abs(buf[i] - 128) / 128);
      var level = (100 * Math.min(1, peak * 1.5)).toFixed(0);
      $("level-fill").style.width = level + "%";
      $("level").setAttribute("aria-valuenow", level);
      // Pauses are normal (over half of a calm answer): warn only after SILENCE_WARN_MS of silence in a row.
      var now = performance.now();
      if (peak >= 0.02 || !quietSince) quietSince = peak >= 0.02 ? 0 : now;
      $("level-hint").textContent = quietSince && now - quietSince > SILENCE_WARN_MS
        ? "We can't hear you: check your microphone." : "";
      meterFrame = window.requestAnimationFrame(tick);
    })();
  }

  function release() {
    if (timer) window.clearInterval(timer);
    if (meterFrame) window.cancelAnimationFrame(meterFrame);
    if (stream) stream.getTracks().forEach(function (t) { t.stop(); });
    if (audioCtx) audioCtx.close();
    timer = meterFrame = stream = audioCtx = null;
  }

  // "Recording done — reading your answer…" with the share of the answer read, from the session's state on the
  // server: the seconds of voice already read from the chunks, then the finish's own steps.
  function showFinishing() {
    $("stop").disabled = true;
    $("upload-button").disabled = true;
    showProgress(0);
    polling = window.esaprSoundChunks.watchReading(cfg.sessionUrl + "/" + encodeURIComponent(sessionId), recordedS,
                                                   showProgress);
  }

  function showProgress(fraction) {
    shown = Math.max(shown, Math.min(1, fraction));
    setProgress(shown, "Recording done — reading your answer… " + Math.round(100 * shown) + "%");
  }

  function stopPolling() {
    if (polling) polling();
    polling = null;
    $("upload-button").disabled = false;
  }

  // The answer from the chunks sent during it (the server names any it lacks: they go again, then the finish), or,
  // when they could not be sent, the whole recording with the finish. Sent with an Idempotency-Key, so a lost
  // answer is fetched again rather than the session finished twice.
  function sendFinish(recording, resends) {
    var form = new FormData();
    if (!chunks.broken()) {
      form.append("chunks", String(recording.chunks));
    } else if (recording.blob.size > MAX_BYTES) {
      showError("This recording is larger than " + cfg.maxMb + " MB; please send a shorter one.");
      return;
    } else {
      form.append("audio", recording.blob, recording.filename);
    }
    window.esaprSendOnce(cfg.sessionUrl + "/" + encodeURIComponent(sessionId) + "/finish", form, {
      answer: function (status, data) {
        if (status === 409 && data.missing && resends < 2) {
          chunks.resend(data.missing);
          chunks.drained(DRAIN_WITHIN_MS).then(function () { sendFinish(recording, resends + 1); });
          return;
        }
        stopPolling();
        if (status !== 200) { showError(data.error || ("The server answered " + status + ".")); return; }
        showProgress(1);
        done(data.id);
      },
      failed: function () { showError("Your answer could not be sent: is the server still running?"); },
    });
  }

  function stop() {
    if (!voice || stopping) return;
    stopping = true;
    recordedS = (performance.now() - startedAt) / 1000;
    $("stop").disabled = true;
    if (sessionId) showFinishing();
    voice.stop().then(function (recording) {
      release();
      $("stage").hidden = true;
      if (!sessionId) { upload(recording.blob, recording.filename); return; }
      chunks.drained(DRAIN_WITHIN_MS).then(function () { sendFinish(recording, 0); });
    });
  }

  // A capture session for the chunks; null when the server cannot start one (the recording then goes whole).
  function openSession() {
    return fetch(cfg.sessionUrl, { method: "POST", headers: { "Accept": "application/json" } })
      .then(function (r) { return r.ok ? r.json() : {}; })
      .then(function (body) { return body.session || null; })
      .catch(function () { return null; });
  }

  function record() {
    if (!sessionId) return window.esaprVoiceRecorder(stream);
    chunks = window.esaprSoundChunks(function (index, seconds) {
      return cfg.sessionUrl + "/" + encodeURIComponent(sessionId) + "/sound/" + index + "?t=" + seconds.toFixed(2);
    });
    return window.esaprVoiceRecorder(stream, function (blob, index) {
      chunks.add(blob, index, (performance.now() - startedAt) / 1000);
    });
  }

  function start() {
    if (!window.esaprVoiceRecorder.supported()) {
      micError("This browser cannot record audio here (it needs a secure page and a recent browser).");
      return;
    }
    navigator.mediaDevices.getUserMedia({ audio: true, video: false }).then(function (s) {
      stream = s;
      return openSession();
    }).then(function (session) {
      sessionId = session;
      $("consent").hidden = true;
      $("mic-error").hidden = true;
      $("upload").hidden = true;  // one answer at a time: the upload comes back if the recording fails
      $("stage").hidden = false;
      $("stage").scrollIntoView({ block: "nearest" });
      audioCtx = new (window.AudioContext || window.webkitAudioContext)();
      var analyser = audioCtx.createAnalyser();
      analyser.fftSize = 1024;
      audioCtx.createMediaStreamSource(stream).connect(analyser);
      meter(analyser);
      voice = record();
      startedAt = performance.now();
      timer = window.setInterval(function () {
        var left = Math.max(0, DURATION - (performance.now() - startedAt) / 1000);
        $("countdown").textContent = Math.ceil(left) + " s";
        if (left <= 0) stop();
      }, 200);
    }).catch(function (err) {
      var name = err && err.name;
      if (name === "NotAllowedError" || name === "SecurityError") {
        micError("Microphone access was refused.");
      } else if (name === "NotFoundError" || name === "OverconstrainedError") {
        micError("No microphone was found.");
      } else {
        micError("The microphone could not be started (" + (err && err.message || name) + ").");
      }
    });
  }

  $("start").addEventListener("click", start);
  $("stop").addEventListener("click", stop);
  $("upload-form").addEventListener("submit", function (e) {
    e.preventDefault();
    var file = $("audio-file").files[0];
    if (!file) { showError("Choose a recording first."); return; }
    upload(file, file.name);
  });
})();
