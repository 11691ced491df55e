/*
 * Search pages (register list, nearby search): keep the keyboard focus when htmx replaces the results.
 *
 * htmx gives the focus back to an element with the same id in the new content (form fields, the search
 * button). When the focused element is gone (a "Next page" link), the focus goes to the results' count or
 * heading (the element marked data-search-focus, with tabindex="-1") instead of the top of the page.
 * It also leaves the empty fields out of the address htmx asks for and shows in the browser's history, and
 * keeps the maps working when htmx puts a page back from its history (browser "Back").
 * The pages work without this file and without htmx: the forms then reload the page.
 */
(function () {
  "use strict";

  var swappedFrom = null;

  document.addEventListener("htmx:beforeSwap", function (event) {
    var target = event.detail.target;
    var active = document.activeElement;
    swappedFrom = target && active && active !== document.body && target.contains(active) ? target : null;
  });

  document.addEventListener("htmx:afterSettle", function (event) {
    var target = swappedFrom;
    swappedFrom = null;
    if (!target || event.detail.target !== target) return;
    var active = document.activeElement;
    if (active && active !== document.body && document.contains(active)) return;
    var heading = target.querySelector("[data-search-focus]") || document.querySelector("[data-search-focus]");
    if (heading) heading.focus();
  });

  // ?kind=library rather than ?q=&register=&kind=library&audience=...
  document.addEventListener("htmx:configRequest", function (event) {
    var form = event.detail.elt && event.detail.elt.closest && event.detail.elt.closest("form[data-search-form]");
    if (!form || event.detail.verb !== "get") return;
    var parameters = event.detail.parameters;
    Object.keys(parameters).forEach(function (name) {
      if (parameters[name] === "") delete parameters[name];
    });
  });

  // htmx keeps a copy of the page's HTML for "Back": a map comes back as Leaflet's markup without its script (a
  // dead picture). Empty such containers and draw the maps again. (Removing the live maps before the copy is
  // taken instead would break Leaflet's animations still running on them.)
  document.addEventListener("htmx:historyRestore", function () {
    Array.prototype.forEach.call(document.querySelectorAll(".vicinato-map"), function (el) {
      if (el._vicinatoMap || !el.dataset.vicinatoMap) return;
      el.innerHTML = "";
      el.className = el.className
        .split(/\s+/)
        .filter(function (name) {
          return name && name.indexOf("leaflet-") !== 0;
        })
        .join(" ");
      el.removeAttribute("tabindex");
      el.removeAttribute("style");
      delete el.dataset.vicinatoMap;
    });
    if (window.Vicinato && window.Vicinato.initMaps) window.Vicinato.initMaps(document);
  });
})();
