// Records a microphone stream into one file with MediaRecorder, to be sent once when the answer ends (the voice
// page), and hands each second's chunk as it comes to onChunk(blob, index) when given (the live video page sends
// them while the person speaks, so the server reads the voice before the answer ends).
(function () {
  "use strict";
  // Opus in WebM where the browser has it (Chromium, Firefox), else Ogg, else MP4/AAC (Safari).
  var TYPES = ["audio/webm;codecs=opus", "audio/ogg;codecs=opus", "audio/mp4", "audio/webm"];

  function pickType() {
    for (var i = 0; i < TYPES.length; i++) {
      if (window.MediaRecorder && MediaRecorder.isTypeSupported(TYPES[i])) return TYPES[i];
    }
    return "";
  }

  // Starts recording `stream` now; stop() ends it and resolves to {blob, filename, chunks} (after the last
  // chunk went to onChunk).
  window.esaprVoiceRecorder = function (stream, onChunk) {
    var type = pickType();
    var recorder = type ? new MediaRecorder(stream, { mimeType: type }) : new MediaRecorder(stream);
    var chunks = [];
    recorder.ondataavailable = function (e) {
      if (!e.data || !e.data.size) return;
      chunks.push(e.data);
      if (onChunk) onChunk(e.data, chunks.length - 1);
    };
    var stopped = new Promise(function (resolve) {
      recorder.onstop = function () {
        var mime = recorder.mimeType || type || "audio/webm";
        var ext = mime.indexOf("ogg") >= 0 ? "ogg" : mime.indexOf("mp4") >= 0 ? "m4a" : "webm";
        resolve({ blob: new Blob(chunks, { type: mime }), filename: "answer." + ext, chunks: chunks.length });
      };
    });
    recorder.start(1000);  // a chunk a second: a recording cut short still holds what came before
    return {
      stop: function () {
        if (recorder.state !== "inactive") recorder.stop();
        return stopped;
      },
    };
  };
  window.esaprVoiceRecorder.supported = function () {
    return Boolean(window.MediaRecorder && navigator.mediaDevices && navigator.mediaDevices.getUserMedia);
  };
})();
