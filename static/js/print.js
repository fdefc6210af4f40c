// pfdo: a «Распечатать» button (data-print) opens the browser's print dialog. No inline
// scripts (CSP): the pages that print load this file.
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    var button = event.target.closest ? event.target.closest("[data-print]") : null;
    if (button) {
      event.preventDefault();
      window.print();
    }
  });
})();
