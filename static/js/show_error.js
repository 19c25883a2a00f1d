// Shows an error where it is seen: the box gets the message, comes into view and takes the focus
// (its role="alert" has it read out). An error box below the fold changed nothing a person could see.
(function () {
  "use strict";
  window.esaprShowError = function (box, message) {
    box.textContent = message;
    box.hidden = false;
    box.setAttribute("tabindex", "-1");  // focusable by script only, not a stop for the Tab key
    box.scrollIntoView({ block: "center" });
    box.focus({ preventScroll: true });
  };
})();
