// Video interview: consent -> camera (and microphone) -> frames to the server at a few per second ->
// boxes, landmarks and live probabilities drawn over the video -> countdown -> dashboard. The microphone's
// recording goes in chunks while the person speaks (sound_chunks.js), so the server has read most of the voice
// when the answer ends and the finish only reads the last seconds; the page shows that reading's progress. If the
// camera is refused or missing, the upload form below stays the way in; if only the microphone is, the face is
// read alone.
(function () {
  "use strict";
  var cfg = document.getElementById("video-config").dataset;
  var EMOTIONS = cfg.emotions.split(",");
  var DURATION = parseFloat(cfg.duration);
  var INTERVAL_MS = 1000 / parseFloat(cfg.fps);
  var MAX_AUDIO_BYTES = parseFloat(cfg.maxAudioMb) * 1024 * 1024;
  // Chunks still unanswered this long after the answer's end: the whole recording goes with the finish instead.
  var DRAIN_WITHIN_MS = 10000;
  var $ = function (id) { return document.getElementById(id); };
  var video = $("video"), overlay = $("overlay"), ctx = overlay.getContext("2d");
  var grab = document.createElement("canvas");
  var sessionId = null, startedAt = 0, running = false, inFlight = false, stream = null, finished = false;
  var framesInSession = null;  // the count in the last frame's answer
  var micStream = null, voice = null, chunks = null, recordedS = 0, polling = null, shown = 0;

  $("consent-box").addEventListener("change", function (e) { $("start").disabled = !e.target.checked; });

  function stopTracks(s) { if (s) s.getTracks().forEach(function (track) { track.stop(); }); }

  // The microphone is asked for after the camera, on its own: refusing it must not cost the face.
  function openMicrophone() {
    if (!$("mic-box").checked) return Promise.resolve("Microphone off: only your face will be read.");
    if (!window.esaprVoiceRecorder.supported()) {
      return Promise.resolve("This browser cannot record sound here, so only your face will be read.");
    }
    return navigator.mediaDevices.getUserMedia({ audio: true, video: false })
      .then(function (s) { micStream = s; return null; })
      .catch(function (err) {
        var name = err && err.name;
        return (name === "NotAllowedError" || name === "SecurityError" ? "Microphone access was refused"
          : "No microphone could be used") + ", so only your face will be read.";
      });
  }

  function postJSON(url, body) {
    return fetch(url, { method: "POST", body: body, headers: { "Accept": "application/json" } })
      .then(function (r) {
        return r.json().catch(function () { return {}; }).then(function (data) {
          if (!r.ok) throw new Error(data.error || ("The server answered " + r.status + "."));
          return data;
        });
      });
  }

  // Standalone: open the dashboard. Inside the guided interview (data-interview-url), hand
  // the analysis to the interview instead and go where it says next.
  function done(id) {
    if (!cfg.interviewUrl) {
      window.location.assign(cfg.resultUrl.replace("ID", encodeURIComponent(id)));
      return Promise.resolve();
    }
    var form = new FormData();
    form.append("analysis_id", id);
    return postJSON(cfg.interviewUrl, form).then(function (body) { window.location.assign(body.next_url); });
  }

  function cameraError(message) {
    $("camera-error").hidden = false;
    $("stage").hidden = true;
    $("consent").hidden = false;
    $("upload").hidden = false;
    window.esaprShowError($("camera-error-text"), message + " You can upload a recorded video below instead.");
  }

  function buildBars() {
    var box = $("live-bars");
    EMOTIONS.forEach(function (name) {
      var row = document.createElement("div");
      row.className = "live-bar";
      row.innerHTML = '<span class="label"></span><span class="track"><span class="fill"></span></span><span class="value">–</span>';
      row.querySelector(".label").textContent = name;
      row.dataset.emotion = name;
      box.appendChild(row);
    });
  }

  function showProbabilities(probs) {
    document.querySelectorAll(".live-bar").forEach(function (row) {
      var p = probs ? probs[row.dataset.emotion] : 0;
      row.querySelector(".fill").style.width = (100 * (p || 0)).toFixed(0) + "%";
      row.querySelector(".value").textContent = probs ? (100 * p).toFixed(0) + "%" : "–";
    });
  }

  function draw(result, width, height) {
    overlay.width = video.clientWidth; overlay.height = video.clientHeight;
    var sx = overlay.width / width, sy = overlay.height / height;
    ctx.clearRect(0, 0, overlay.width, overlay.height);
    result.faces.forEach(function (face) {
      var b = face.box;
      ctx.strokeStyle = "#38d39f"; ctx.lineWidth = 2;
      ctx.strokeRect(b[0] * sx, b[1] * sy, b[2] * sx, b[3] * sy);
      ctx.fillStyle = "#ffd166";
      face.landmarks.forEach(function (p) { ctx.fillRect(p[0] * sx - 1, p[1] * sy - 1, 2, 2); });
      var label = face.dominant + " " + Math.round(100 * face.probabilities[face.dominant]) + "%";
      ctx.font = "16px system-ui, sans-serif";
      var w = ctx.measureText(label).width + 10;
      ctx.fillStyle = "rgba(20, 30, 50, 0.75)";
      ctx.fillRect(b[0] * sx, b[1] * sy - 24, w, 22);
      ctx.fillStyle = "#fff";
      ctx.fillText(label, b[0] * sx + 5, b[1] * sy - 8);
    });
    overlay.dataset.faces = String(result.faces.length);  // lets tests and assistive tools know
    showProbabilities(result.faces.length ? result.faces[0].probabilities : null);
    $("face-hint").textContent = result.faces.length ? "" :
      "No face found — face the camera, come a little closer, and make sure your face is well lit.";
  }

  function sendFrame() {
    if (!running || inFlight || !video.videoWidth) return;
    var t = (performance.now() - startedAt) / 1000;
    var width = Math.min(640, video.videoWidth);
    var height = Math.round(video.videoHeight * width / video.videoWidth);
    grab.width = width; grab.height = height;
    grab.getContext("2d").drawImage(video, 0, 0, width, height);
    inFlight = true;
    grab.toBlob(function (blob) {
      // The JPEG is the whole body (Content-Type image/jpeg from the blob): the server parses no multipart form,
      // about a millisecond of its CPU a frame at 5 frames a second.
      // "after": the count the last answer gave; the worker that served it then needs not read the session again
      var url = cfg.frameUrl + "?session=" + encodeURIComponent(sessionId) + "&t=" + t.toFixed(3) +
        (framesInSession !== null ? "&after=" + framesInSession : "");
      postJSON(url, blob)
        .then(function (result) {
          framesInSession = result.frames_in_session;
          if (running) draw(result, width, height);
        })
        .catch(function (err) { $("face-hint").textContent = err.message; })
        .then(function () { inFlight = false; });
    }, "image/jpeg", 0.85);
  }

  function tick() {
    if (!running) return;
    var left = Math.max(0, DURATION - (performance.now() - startedAt) / 1000);
    $("countdown").textContent = Math.ceil(left) + " s";
    if (left <= 0) { finish(); return; }
    sendFrame();
    setTimeout(tick, INTERVAL_MS);
  }

  // "Recording done — reading your answer…" with the share of the answer read, from the session's state on the
  // server: the seconds of voice already read from the chunks, then the finish's own steps.
  function showFinishing() {
    $("countdown").hidden = true;
    $("stop").disabled = true;
    $("mic-note").textContent = "";
    $("finishing").hidden = false;
    polling = window.esaprSoundChunks.watchReading(cfg.sessionUrl + "/" + sessionId, recordedS, showProgress);
  }

  function showProgress(fraction) {
    shown = Math.max(shown, Math.min(1, fraction));
    $("finishing-bar").style.width = (100 * shown).toFixed(0) + "%";
    $("finishing-share").textContent = Math.round(100 * shown) + "%";
  }

  function stopPolling() { if (polling) polling(); polling = null; }

  // Summarise the session with the voice of the same answer: from the chunks sent during it (the server names any
  // it lacks: they go again, then the finish), or, when they could not be sent, the whole recording at once.
  // Sent with an Idempotency-Key, so a lost answer is fetched again rather than the session finished twice.
  function sendFinish(recording, resends) {
    var form = new FormData();
    if (recording && chunks && !chunks.broken()) {
      form.append("chunks", String(recording.chunks));
    } else if (recording && recording.blob.size && recording.blob.size <= MAX_AUDIO_BYTES) {
      // A recording over the server's limit would cost the face too (413): the face goes alone then.
      form.append("audio", recording.blob, recording.filename);
    }
    window.esaprSendOnce(cfg.sessionUrl + "/" + sessionId + "/finish", form, {
      answer: function (status, data) {
        if (status === 409 && data.missing && chunks && resends < 2) {
          chunks.resend(data.missing);
          chunks.drained(DRAIN_WITHIN_MS).then(function () { sendFinish(recording, resends + 1); });
          return;
        }
        stopPolling();
        if (status !== 200) { cameraError(data.error || ("The server answered " + status + ".")); return; }
        showProgress(1);
        done(data.id).catch(function (err) { cameraError(err.message); });
      },
      failed: function () { stopPolling(); cameraError("Your answer could not be sent: is the server still running?"); },
    });
  }

  function finish() {
    if (finished) return;
    finished = true; running = false;
    recordedS = (performance.now() - startedAt) / 1000;
    showFinishing();
    stopTracks(stream);
    var recorded = voice ? voice.stop() : Promise.resolve(null);
    // Wait for the last frame in flight so it is counted, and for the recording's last chunk to reach the server.
    (function waitIdle() {
      if (inFlight) { setTimeout(waitIdle, 50); return; }
      recorded.then(function (recording) {
        stopTracks(micStream);
        return (chunks ? chunks.drained(DRAIN_WITHIN_MS) : Promise.resolve()).then(function () { sendFinish(recording, 0); });
      });
    })();
  }

  $("start").addEventListener("click", function () {
    $("camera-error").hidden = true;
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      cameraError("This browser cannot use a camera here (it needs a secure page: https or localhost).");
      return;
    }
    navigator.mediaDevices.getUserMedia({ video: { width: { ideal: 640 }, height: { ideal: 480 } }, audio: false })
      .then(function (s) {
        stream = s;
        video.srcObject = s;
        return openMicrophone();
      })
      .then(function (micNote) {
        $("mic-note").textContent = micNote || (micStream ? "Your voice is being recorded too." : "");
        return postJSON(cfg.sessionUrl, new FormData());
      })
      .then(function (body) {
        sessionId = body.session;
        framesInSession = 0;
        $("consent").hidden = true;
        $("upload").hidden = true;  // one answer at a time: the upload comes back if the recording fails
        $("stage").hidden = false;
        // The picture, the countdown, the live bars and "Finish now" fit one screen (stage-grid, style.css).
        $("stage").scrollIntoView({ block: "start" });
        buildBars();
        // The recording starts on the frames' clock, so its seconds and theirs are the same seconds.
        if (micStream) {
          chunks = window.esaprSoundChunks(function (index, seconds) {
            return cfg.sessionUrl + "/" + encodeURIComponent(sessionId) + "/sound/" + index + "?t=" + seconds.toFixed(2);
          });
          voice = window.esaprVoiceRecorder(micStream, function (blob, index) {
            chunks.add(blob, index, (performance.now() - startedAt) / 1000);
          });
        }
        startedAt = performance.now();
        running = true;
        tick();
      })
      .catch(function (err) {
        stopTracks(stream);
        stopTracks(micStream);
        var name = err && err.name;
        if (name === "NotAllowedError" || name === "SecurityError") cameraError("Camera access was refused.");
        else if (name === "NotFoundError" || name === "OverconstrainedError") cameraError("No camera was found.");
        else cameraError(err.message || "The camera could not be started.");
      });
  });
  $("stop").addEventListener("click", finish);

  // Upload of a recorded video: upload progress from the browser, analysis progress from the server.
  $("upload-form").addEventListener("submit", function (event) {
    event.preventDefault();
    var file = $("video-file").files[0];
    $("upload-error").hidden = true;
    if (!file) { window.esaprShowError($("upload-error"), "Choose a video file first."); return; }
    var bar = $("upload-bar"), text = $("upload-text"), polling = null;
    $("upload-progress").hidden = false; $("upload-button").disabled = true;
    function fail(message) {
      if (polling) clearInterval(polling);
      $("upload-progress").hidden = true; $("upload-button").disabled = false;
      window.esaprShowError($("upload-error"), message);
    }
    postJSON(cfg.sessionUrl, new FormData()).then(function (body) {
      var session = body.session;
      var form = new FormData();
      form.append("video", file);
      form.append("session", session);
      window.esaprSendOnce($("upload-form").dataset.api, form, {
        progress: function (e) {
          if (!e.lengthComputable) return;
          bar.style.width = (50 * e.loaded / e.total).toFixed(0) + "%";
          text.textContent = "Uploading… " + Math.round(100 * e.loaded / e.total) + "%";
        },
        uploaded: function () {
          text.textContent = "Analysing the video…";
          if (polling) return;
          polling = setInterval(function () {
            fetch(cfg.sessionUrl + "/" + session).then(function (r) { return r.json(); }).then(function (s) {
              if (typeof s.progress === "number") {
                bar.style.width = (50 + 50 * s.progress).toFixed(0) + "%";
                text.textContent = "Analysing the video… " + Math.round(100 * s.progress) + "%";
              }
            }).catch(function () {});
          }, 500);
        },
        retrying: function (attempt, busy) {
          text.textContent = busy ? "The server is busy; sending the video again in a few seconds…"
            : "The connection dropped; sending the video again…";
        },
        answer: function (status, data) {
          if (polling) clearInterval(polling);
          if (status !== 200) { fail(data.error || ("The server answered " + status + ".")); return; }
          bar.style.width = "100%"; text.textContent = "Done — opening your dashboard…";
          done(data.id).catch(function (err) { fail(err.message); });
        },
        failed: function () { fail("The upload failed; please try again."); },
      });
    }).catch(function (err) { fail(err.message); });
  });
})();
