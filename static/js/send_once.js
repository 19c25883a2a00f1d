// Sends one upload so that it is analysed once. Every attempt carries the same Idempotency-Key,
// so when an answer is lost on its way back (a dropped connection, a restarted server worker)
// the retry gets the stored answer instead of making a second analysis (web/platform/idempotency.py).
// XMLHttpRequest rather than fetch: it reports upload progress for the bars.
(function () {
  "use strict";
  var ATTEMPTS = 4;

  function newKey() {
    if (window.crypto && window.crypto.randomUUID) return window.crypto.randomUUID();
    var bytes = new Uint8Array(16);  // randomUUID needs a secure page; getRandomValues does not
    window.crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }

  // on: {answer(status, data), failed(), progress(event)?, uploaded()?, retrying(attempt, busy)?}
  window.esaprSendOnce = function (url, body, on) {
    var key = newKey(), attempt = 0;
    function later(waitS) {
      if (on.retrying) on.retrying(attempt, Boolean(waitS));
      window.setTimeout(send, 1000 * (waitS || attempt));
    }
    function send() {
      attempt += 1;
      var xhr = new XMLHttpRequest();
      xhr.open("POST", url);
      xhr.setRequestHeader("Accept", "application/json");
      xhr.setRequestHeader("Idempotency-Key", key);
      if (on.progress) xhr.upload.onprogress = on.progress;
      if (on.uploaded) xhr.upload.onload = on.uploaded;
      xhr.onload = function () {
        var data = {};
        try { data = JSON.parse(xhr.responseText); } catch (err) { data = {}; }
        // 409 "still being answered": the first attempt is still running on the server.
        if (xhr.status === 409 && /still being answered/.test(data.error || "") && attempt < ATTEMPTS) return later();
        // 503 with Retry-After: the server is busy with other analyses (web/platform/capacity.py); nothing was saved.
        var retryAfter = parseInt(xhr.getResponseHeader("Retry-After"), 10);
        if (xhr.status === 503 && retryAfter > 0 && retryAfter <= 60 && attempt < ATTEMPTS) return later(retryAfter);
        on.answer(xhr.status, data);
      };
      xhr.onerror = function () { if (attempt < ATTEMPTS) later(); else on.failed(); };
      xhr.send(body);
    }
    send();
  };
})();
