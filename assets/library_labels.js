/* Screen-reader labels that the bundled libraries write in English with no property to set
   (the date picker's "Clear Dates", the pager's "Previous" / "(current)", an alert's "Close
   alert", the map's "Map").  The shell names their translations for the page's language in
   its data-library-labels attribute; this swaps them in wherever they appear, also when a
   library draws them again later. */
(function () {
  "use strict";
  var pending = false;

  function labels() {
    var holder = document.querySelector("[data-library-labels]");
    if (!holder) return null;
    try { return JSON.parse(holder.getAttribute("data-library-labels")); } catch (e) { return null; }
  }

  function translate() {
    pending = false;
    var map = labels();
    if (!map) return;
    document.querySelectorAll("[aria-label]").forEach(function (el) {
      var to = map[el.getAttribute("aria-label")];
      if (to && to !== el.getAttribute("aria-label")) el.setAttribute("aria-label", to);
    });
    document.querySelectorAll(".visually-hidden, .sr-only").forEach(function (el) {
      var text = el.textContent.trim(), to = map[text];
      if (to && to !== text && el.children.length === 0) el.textContent = to;
    });
  }

  function soon() {
    if (!pending) { pending = true; window.requestAnimationFrame(translate); }
  }

  new MutationObserver(soon).observe(document.documentElement, {
    childList: true, subtree: true, characterData: true,
    attributes: true, attributeFilter: ["aria-label"]
  });
  document.addEventListener("DOMContentLoaded", soon);
})();
