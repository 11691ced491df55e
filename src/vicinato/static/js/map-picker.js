/*
 * A map picker for a form's point (Leaflet, drawn by map.js): clicking or tapping the map, or dragging the
 * marker, fills the form's latitude and longitude fields and says so in a live region.
 *
 * Contract with the templates (includes/map_picker.html, or includes/map.html with picker=True: a map of
 * results that also picks the next search's point; both take their attributes from includes/picker_attrs.html):
 *
 *   <div class="vicinato-map" data-picker data-lat-field="id_lat" data-lon-field="id_lon"
 *        data-status="id of a role=status element" data-marker-label="..." data-chosen="Point: {lat}, {lon}."
 *        data-centre-label="..." [data-clear-on="id_address"]></div>
 *
 * Keyboard: the marker takes the focus and moves with the arrow keys (Shift: ten times further); a button
 * under the map puts the marker at the map's centre (the map itself pans with the arrow keys). Typing in the
 * latitude and longitude fields moves the marker. Without JavaScript the map is hidden and the fields stay.
 */
(function () {
  "use strict";

  var STEP = 0.0001; // about 10 m north-south in Milan

  function field(id) {
    return id ? document.getElementById(id) : null;
  }

  function setUp(el, map) {
    if (!el || el._vicinatoPicker || !map) return;
    var L = window.L;
    var lat = field(el.dataset.latField);
    var lon = field(el.dataset.lonField);
    var status = field(el.dataset.status);
    if (!L || !lat || !lon) return;
    el._vicinatoPicker = true;
    var marker = null;

    // The point in the fields, or null (empty, not numbers, out of range: L.latLng would throw).
    function given() {
      var y = parseFloat(lat.value);
      var x = parseFloat(lon.value);
      if (!isFinite(y) || !isFinite(x) || Math.abs(y) > 90 || Math.abs(x) > 180) return null;
      return L.latLng(y, x);
    }

    function announce(point) {
      if (!status) return;
      var text = (el.dataset.chosen || "{lat}, {lon}")
        .replace("{lat}", point.lat.toFixed(5))
        .replace("{lon}", point.lng.toFixed(5));
      status.textContent = text;
    }

    function fill(point) {
      lat.value = point.lat.toFixed(6);
      lon.value = point.lng.toFixed(6);
      [lat, lon].forEach(function (input) {
        input.dispatchEvent(new Event("change", { bubbles: true }));
      });
      announce(point);
    }

    function place(point, focus) {
      if (!marker) {
        marker = L.marker(point, {
          draggable: true,
          keyboard: true,
          title: el.dataset.markerLabel || "",
          alt: el.dataset.markerLabel || "",
          icon: L.divIcon({
            className: "vicinato-pick-marker",
            html: '<span class="vicinato-pick-dot"></span>',
            iconSize: [44, 44],
            iconAnchor: [22, 22]
          })
        }).addTo(map);
        marker.on("dragend", function () {
          fill(marker.getLatLng());
        });
        var icon = marker.getElement();
        if (icon) {
          icon.setAttribute("role", "button");
          icon.setAttribute("aria-label", el.dataset.markerLabel || "");
          icon.addEventListener("keydown", function (event) {
            var moves = { ArrowUp: [1, 0], ArrowDown: [-1, 0], ArrowLeft: [0, -1], ArrowRight: [0, 1] };
            var move = moves[event.key];
            if (!move) return;
            L.DomEvent.stop(event); // the map would pan instead
            var step = STEP * (event.shiftKey ? 10 : 1);
            var at = marker.getLatLng();
            var next = L.latLng(at.lat + move[0] * step, at.lng + move[1] * step * 1.4);
            marker.setLatLng(next);
            fill(next);
          });
        }
      } else {
        marker.setLatLng(point);
      }
      if (focus && marker.getElement()) marker.getElement().focus();
    }

    // The point the form already has (a search made, a place being edited).
    var start = given();
    if (start) {
      place(start, false);
      // A map of results keeps its view of the places; a map only for picking goes to the point.
      if (!el.dataset.places) map.setView(start, Math.max(map.getZoom(), 15));
    }

    map.on("click", function (event) {
      place(event.latlng, false);
      fill(event.latlng);
    });

    function typed() {
      var point = given();
      if (!point) return;
      place(point, false);
      map.panTo(point);
    }
    lat.addEventListener("input", typed);
    lon.addEventListener("input", typed);

    // A street typed after a point was picked means the street: the point goes (the search would prefer it).
    var address = field(el.dataset.clearOn);
    if (address) {
      address.addEventListener("input", function () {
        if (lat.value === "" && lon.value === "") return;
        lat.value = "";
        lon.value = "";
        if (marker) {
          map.removeLayer(marker);
          marker = null;
        }
        if (status) status.textContent = el.dataset.cleared || "";
      });
    }

    var button = document.createElement("button");
    button.type = "button";
    button.className = "btn btn-outline-primary btn-sm mt-2 vicinato-pick-centre";
    button.textContent = el.dataset.centreLabel || "Put the point at the centre of the map";
    button.addEventListener("click", function () {
      var centre = map.getCenter();
      place(centre, true);
      fill(centre);
    });
    var old = el.nextElementSibling; // a copy kept by htmx's history, without its listener
    if (old && old.classList.contains("vicinato-pick-centre")) old.remove();
    el.insertAdjacentElement("afterend", button);
  }

  function setUpAll() {
    Array.prototype.forEach.call(document.querySelectorAll(".vicinato-map[data-picker]"), function (el) {
      if (el._vicinatoMap) setUp(el, el._vicinatoMap);
    });
  }

  document.addEventListener("vicinato:map-ready", function (event) {
    var el = event.target;
    if (el && el.dataset && el.dataset.picker !== undefined) setUp(el, event.detail && event.detail.map);
  });
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", setUpAll);
  else setUpAll();
})();
