/* Time zone: the browser knows the zone it runs in; the portal asks for it, never assumes it.
   On sign-up the zone goes into a hidden field (the server keeps it only if it is a zone it
   knows). On the time zone page, when nothing is chosen yet, a button offers the browser's zone.
   Without this file nothing breaks: the customer's country decides. Served from our own origin:
   the Content-Security-Policy allows no inline script. */
(function () {
  "use strict";

  var zone = "";
  try {
    zone = Intl.DateTimeFormat().resolvedOptions().timeZone || "";
  } catch (error) {
    return;
  }
  if (!zone) {
    return;
  }

  document.querySelectorAll("input[data-time-zone=hidden]").forEach(function (input) {
    input.value = zone;  // the server keeps it under its current name
  });

  document.querySelectorAll("select[data-time-zone=select]").forEach(function (select) {
    var renamed = {};
    try {
      renamed = JSON.parse(select.dataset.renamed || "{}");
    } catch (error) {
      renamed = {};
    }
    zone = renamed[zone] || zone;
    var known = Array.prototype.some.call(select.options, function (option) {
      return option.value === zone;
    });
    if (!known || select.value === zone || !select.dataset.offer) {
      return;
    }
    var button = document.createElement("button");
    button.type = "button";
    button.className = "button button-secondary time-zone-offer";
    button.textContent = select.dataset.offer.replace("%(zone)s", zone.replace(/_/g, " "));
    button.addEventListener("click", function () {
      select.value = zone;
      select.focus();
    });
    select.insertAdjacentElement("afterend", button);
  });
})();
