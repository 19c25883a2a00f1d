// Text form: live word count, then posts to the JSON API with a visible progress state
// and goes to the dashboard. Without JavaScript the form still posts normally.
(function () {
  "use strict";
  var form = document.getElementById("text-form");
  var textarea = document.getElementById("text");
  var fileInput = document.getElementById("file");
  var counter = document.getElementById("word-count");
  var progress = document.getElementById("progress");
  var progressText = document.getElementById("progress-text");
  var errorBox = document.getElementById("form-error");
  var button = document.getElementById("submit");

  function countWords() {
    var words = textarea.value.trim().split(/\s+/).filter(Boolean).length;
    counter.textContent = words + (words === 1 ? " word" : " words");
  }
  textarea.addEventListener("input", countWords);
  countWords();

  function showError(message) {
    progress.hidden = true;
    button.disabled = false;
    window.esaprShowError(errorBox, message);
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    errorBox.hidden = true;
    var data = new FormData();
    // Both a text and a file: the server would have to pick one, so the person does.
    if (fileInput.files.length && textarea.value.trim()) {
      showError("You wrote a text and chose a file: clear one of them (empty the box, or remove the file) " +
        "so it is clear which to analyse.");
      return;
    }
    if (fileInput.files.length) {
      data.append("file", fileInput.files[0]);
      progressText.textContent = "Reading your file and analysing it…";
    } else {
      data.append("text", textarea.value);
      progressText.textContent = "Analysing your text…";
    }
    progress.hidden = false;
    button.disabled = true;
    window.esaprSendOnce(form.dataset.api, data, {
      answer: function (status, body) {
        if (status !== 200) {
          showError(body.error || ("The server answered " + status + "."));
          return;
        }
        progressText.textContent = "Done — opening your dashboard…";
        // Inside the guided interview the answer says which page comes next.
        window.location.assign(body.next_url ||
          form.action.replace(/\/$/, "") + "/result/" + encodeURIComponent(body.id));
      },
      failed: function () { showError("The server could not be reached. Please try again."); },
    });
  });
})();
