// Registers the service worker that lets ESAPR be installed on a phone's home screen and say when it is
// offline (web/home/install.py says what it keeps: the app shell, never anyone's results).
(function () {
  "use strict";
  if (!("serviceWorker" in navigator) || !window.isSecureContext) return;
  window.addEventListener("load", function () {
    navigator.serviceWorker.register("/sw.js", { scope: "/" }).catch(function () { /* the app works without it */ });
  });
})();
