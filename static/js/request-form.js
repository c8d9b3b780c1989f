/* The public request form: each intent lists how long every law gives us to answer. When the
   person picks a law, only its line stays shown; "Let us decide" shows them all again. Without
   this file the lists stay whole (or show the law picked before the form came back with an
   error). Served from our own origin: the Content-Security-Policy allows no inline script. */
(function () {
  "use strict";

  var select = document.querySelector("select[name=jurisdiction]");
  if (!select) {
    return;
  }

  function show() {
    var code = select.value;
    document.querySelectorAll("[data-jurisdiction]").forEach(function (line) {
      line.hidden = code !== "" && line.getAttribute("data-jurisdiction") !== code;
    });
  }

  select.addEventListener("change", show);
  show();
})();
