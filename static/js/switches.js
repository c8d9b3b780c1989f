/* Privacy choices: a switch saves in place. The page works without this file (each switch is
   a form's submit button); with it, the same POST goes by fetch, the page does not move, and
   the confirmation appears beside the switch that was pressed. Served from our own origin:
   the Content-Security-Policy allows no inline script. */
(function () {
  "use strict";

  function setState(form, granted) {
    var button = form.querySelector("[role=switch]");
    var word = form.querySelector(".switch-word");
    button.setAttribute("aria-checked", granted ? "true" : "false");
    word.textContent = granted ? word.dataset.on : word.dataset.off;
    form.querySelector("input[name=granted]").value = granted ? "0" : "1";
  }

  function save(form) {
    var button = form.querySelector("[role=switch]");
    var saved = form.querySelector(".switch-saved");
    button.setAttribute("aria-busy", "true");
    saved.textContent = "";
    fetch(form.action || window.location.href, {
      method: "POST",
      body: new FormData(form),
      headers: { Accept: "application/json" },
      credentials: "same-origin",
    })
      .then(function (response) {
        return response.json().then(function (data) {
          return { ok: response.ok, data: data };
        });
      })
      .then(function (result) {
        if (result.ok) {
          setState(form, result.data.granted);
          var changed = form.closest(".choice") && form.closest(".choice").querySelector(".choice-changed");
          if (changed && result.data.changed) changed.textContent = result.data.changed;
        }
        saved.classList.toggle("switch-saved-error", !result.ok);
        saved.textContent = result.data.message;
      })
      .catch(function () {
        // Not saved in place (offline, a session that ended): send the form as without script.
        form.submit();
      })
      .finally(function () {
        button.removeAttribute("aria-busy");
      });
  }

  document.querySelectorAll("form[data-switch]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      // A second press before the answer would send the same, stale value again: the switch
      // is busy until the first one is saved (or not).
      if (form.querySelector("[role=switch]").getAttribute("aria-busy") === "true") return;
      save(form);
    });
  });
})();
