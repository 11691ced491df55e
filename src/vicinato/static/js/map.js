/*
 * Vicinato maps (Leaflet, no build step).
 *
 * Contract with the page templates:
 *
 *   {{ places|json_script:"places-data" }}
 *   <div class="vicinato-map"
 *        data-places="places-data"                       id of a json_script holding a list of
 *                                                         {"id","name","kind","kind_label","lat","lon","url"}
 *        data-areas-url="/api/v1/areas.geojson?level=neighbourhood"
 *        data-stations-url="/api/v1/stations.geojson"
 *        data-isochrone-url="..."                        optional: a GeoJSON polygon, drawn semi-transparent
 *        data-center="45.4642,9.19" data-zoom="12"
 *        data-tile-url="{{ MAP_TILE_URL }}" data-tile-attribution="{{ MAP_TILE_ATTRIBUTION }}"
 *        data-label="{% translate 'Map' %}"></div>
 *
 * base.html loads this file on every page; Leaflet and Leaflet.markercluster are loaded from our own
 * static files only when a page has a map. The boundaries and stations are drawn as vector layers,
 * so the map stays useful when the tile server cannot be reached. Pages always give a list
 * equivalent of the places next to the map.
 */
(function () {
  "use strict";

  var CLUSTER_THRESHOLD = 30;
  var KINDS = ["coworking", "company_space", "officina", "snodo", "union_office", "library"];
  // Same values as the --vicinato-kind-* custom properties in vicinato.css.
  var KIND_COLOURS = {
    coworking: "#0059b3",
    company_space: "#6f3c93",
    officina: "#a34700",
    snodo: "#00734d",
    union_office: "#b8233b",
    library: "#3d5266"
  };
  var OTHER_COLOUR = "#1a1a1a";
  // Milan metro line colours, for the station dots.
  var LINE_COLOURS = { M1: "#e3001b", M2: "#00843d", M3: "#e0a100", M4: "#0069b4", M5: "#8e5ba5" };

  var script = document.currentScript;
  var assets = script ? script.dataset : {};

  function labels() {
    var defaults = {
      map: "Map",
      legend: "Legend",
      places: "Places",
      areas: "Neighbourhoods (NIL)",
      stations: "Metro stations",
      isochrone: "Reachable area",
      open: "Open the page of this place"
    };
    var node = document.getElementById("vicinato-map-labels");
    if (node) {
      try {
        var custom = JSON.parse(node.textContent);
        Object.keys(custom).forEach(function (key) {
          if (custom[key]) defaults[key] = custom[key];
        });
      } catch (e) {
        /* keep the defaults */
      }
    }
    return defaults;
  }

  // --- loading Leaflet only where needed -------------------------------------------------------

  function loadCss(href) {
    if (!href || document.querySelector('link[href="' + href + '"]')) return;
    var link = document.createElement("link");
    link.rel = "stylesheet";
    link.href = href;
    document.head.appendChild(link);
  }

  function loadScript(src) {
    return new Promise(function (resolve, reject) {
      if (!src) return reject(new Error("no script url"));
      var existing = document.querySelector('script[src="' + src + '"]');
      if (existing && existing.dataset.loaded === "1") return resolve();
      var tag = existing || document.createElement("script");
      tag.addEventListener("load", function () {
        tag.dataset.loaded = "1";
        resolve();
      });
      tag.addEventListener("error", function () {
        reject(new Error("could not load " + src));
      });
      if (!existing) {
        tag.src = src;
        document.head.appendChild(tag);
      }
    });
  }

  var leafletReady = null;
  function ensureLeaflet() {
    if (leafletReady) return leafletReady;
    loadCss(assets.leafletCss);
    loadCss(assets.clusterCss);
    loadCss(assets.clusterDefaultCss);
    var leaflet = window.L ? Promise.resolve() : loadScript(assets.leafletJs);
    leafletReady = leaflet.then(function () {
      if (window.L && window.L.markerClusterGroup) return;
      return loadScript(assets.clusterJs).catch(function () {
        /* clustering is optional: plain markers still work */
      });
    });
    return leafletReady;
  }

  // --- helpers --------------------------------------------------------------------------------

  function readPlaces(el) {
    var id = el.dataset.places;
    var node = id ? document.getElementById(id) : null;
    if (!node) return [];
    var data;
    try {
      data = JSON.parse(node.textContent);
    } catch (e) {
      return [];
    }
    if (!Array.isArray(data)) return [];
    return data.filter(function (p) {
      return p && isFinite(parseFloat(p.lat)) && isFinite(parseFloat(p.lon));
    });
  }

  function parseCenter(value) {
    var parts = String(value || "").split(",").map(parseFloat);
    if (parts.length === 2 && isFinite(parts[0]) && isFinite(parts[1])) return parts;
    return [45.4642, 9.19];
  }

  function safeUrl(url) {
    if (typeof url !== "string") return null;
    if (url.charAt(0) === "/" && url.charAt(1) !== "/") return url;
    if (/^https?:\/\//i.test(url)) return url;
    return null;
  }

  function kindClass(kind) {
    return KINDS.indexOf(kind) >= 0 ? "vicinato-kind-" + kind : "";
  }

  function getJson(url) {
    return fetch(url, { headers: { Accept: "application/geo+json, application/json" }, credentials: "same-origin" }).then(
      function (response) {
        if (!response.ok) throw new Error(url + ": HTTP " + response.status);
        return response.json();
      }
    );
  }

  // --- layers ---------------------------------------------------------------------------------

  // Shapes with a tooltip (stations, neighbourhoods) take the keyboard focus in Chromium, one Tab stop each,
  // even off screen. Their facts are in the page's text and tables, so keep them out of the Tab order.
  function untabbable(event) {
    var element = event.target.getElement && event.target.getElement();
    if (element) element.setAttribute("tabindex", "-1");
  }

  function placeMarker(L, place, text) {
    var icon = document.createElement("span");
    var dot = document.createElement("span");
    dot.className = "vicinato-marker-dot";
    var hidden = document.createElement("span");
    hidden.className = "visually-hidden";
    hidden.textContent = place.name + (place.kind_label ? " (" + place.kind_label + ")" : "");
    icon.appendChild(dot);
    icon.appendChild(hidden);

    var marker = L.marker([parseFloat(place.lat), parseFloat(place.lon)], {
      icon: L.divIcon({
        className: "vicinato-marker " + kindClass(place.kind),
        html: icon.innerHTML,
        iconSize: [32, 32],
        iconAnchor: [16, 16],
        popupAnchor: [0, -14]
      }),
      title: place.name,
      keyboard: true,
      riseOnHover: true
    });

    var popup = document.createElement("div");
    var title = document.createElement("strong");
    var href = safeUrl(place.url);
    if (href) {
      var link = document.createElement("a");
      link.href = href;
      link.textContent = place.name;
      link.title = text.open;
      title.appendChild(link);
    } else {
      title.textContent = place.name;
    }
    popup.appendChild(title);
    if (place.kind_label) {
      var kind = document.createElement("div");
      kind.textContent = place.kind_label;
      popup.appendChild(kind);
    }
    marker.bindPopup(popup);
    // Leaflet only listens for Escape while the map container itself has focus.
    popup.addEventListener("keydown", function (event) {
      if (event.key === "Escape") {
        event.preventDefault();
        marker.closePopup();
      }
    });
    // Keyboard users: move focus into the popup when they open it, and back to the marker after.
    var openedByKeyboard = false;
    marker.on("popupopen", function () {
      var icon = marker.getElement();
      openedByKeyboard = !!icon && document.activeElement === icon;
      var target = popup.querySelector("a");
      if (openedByKeyboard && target) target.focus();
    });
    marker.on("popupclose", function () {
      var icon = marker.getElement();
      if (openedByKeyboard && icon) icon.focus();
      openedByKeyboard = false;
    });
    return marker;
  }

  function legendControl(L, kinds, text, extras) {
    var control = L.control({ position: "bottomright" });
    control.onAdd = function () {
      var box = L.DomUtil.create("details", "vicinato-legend leaflet-control");
      if (window.matchMedia && window.matchMedia("(min-width: 768px)").matches) box.open = true;
      var summary = document.createElement("summary");
      summary.textContent = text.legend;
      box.appendChild(summary);
      var list = document.createElement("ul");
      kinds.forEach(function (item) {
        var li = document.createElement("li");
        var swatch = document.createElement("span");
        swatch.className = "vicinato-swatch " + kindClass(item.kind);
        swatch.setAttribute("aria-hidden", "true");
        li.appendChild(swatch);
        li.appendChild(document.createTextNode(item.label));
        list.appendChild(li);
      });
      extras.forEach(function (item) {
        var li = document.createElement("li");
        var swatch = document.createElement("span");
        swatch.className = "vicinato-swatch " + item.className;
        swatch.setAttribute("aria-hidden", "true");
        li.appendChild(swatch);
        li.appendChild(document.createTextNode(item.label));
        list.appendChild(li);
      });
      box.appendChild(list);
      L.DomEvent.disableClickPropagation(box);
      L.DomEvent.disableScrollPropagation(box);
      return box;
    };
    return control;
  }

  // --- the map --------------------------------------------------------------------------------

  function initMap(el) {
    if (!el || el.dataset.vicinatoMap === "ready" || el.dataset.vicinatoMap === "loading") return;
    el.dataset.vicinatoMap = "loading";
    var text = labels();
    el.setAttribute("role", "region");
    el.setAttribute("aria-label", el.dataset.label || text.map);

    return ensureLeaflet()
      .then(function () {
        var L = window.L;
        var zoom = parseInt(el.dataset.zoom, 10);
        if (!isFinite(zoom)) zoom = 12;
        var map = L.map(el, { center: parseCenter(el.dataset.center), zoom: zoom, keyboard: true });
        el.dataset.vicinatoMap = "ready";
        el._vicinatoMap = map;

        var overlays = {};
        var extras = [];

        if (el.dataset.tileUrl) {
          L.tileLayer(el.dataset.tileUrl, {
            attribution: el.dataset.tileAttribution || "",
            maxZoom: 19
          }).addTo(map);
        }

        // Vector base layers: still there when the tiles fail.
        var areas = L.layerGroup().addTo(map);
        var stations = L.layerGroup().addTo(map);
        if (el.dataset.areasUrl) {
          overlays[text.areas] = areas;
          extras.push({ className: "vicinato-swatch-area", label: text.areas });
          getJson(el.dataset.areasUrl)
            .then(function (data) {
              L.geoJSON(data, {
                interactive: false,
                style: { color: "#5c6f82", weight: 1.5, opacity: 0.9, fillColor: "#5c6f82", fillOpacity: 0.04 }
              }).addTo(areas);
              areas.eachLayer(function (layer) {
                if (layer.bringToBack) layer.bringToBack();
              });
            })
            .catch(function (error) {
              console.warn("Vicinato map:", error);
            });
        }
        // Coverage by neighbourhood: a choropleth of properties.share (0..1, null where unmapped).
        var coverageNode = el.dataset.coverage ? document.getElementById(el.dataset.coverage) : null;
        if (coverageNode) {
          var shades = ["#d9364f", "#f08c3a", "#f2c94c", "#8cc084", "#1f7a4d"];
          var coverage = L.geoJSON(JSON.parse(coverageNode.textContent), {
            style: function (feature) {
              var share = feature.properties.share;
              var fill = share === null ? "#c5c7c9" : shades[Math.min(4, Math.floor(share * 5))];
              return { color: "#333", weight: 1, fillColor: fill, fillOpacity: 0.6 };
            },
            onEachFeature: function (feature, layer) {
              var share = feature.properties.share;
              layer.bindTooltip(feature.properties.name + ": " +
                (share === null ? "—" : Math.round(share * 100) + "%"));
              layer.on("add", untabbable);
            }
          }).addTo(map);
          overlays[text.coverage || "Coverage"] = coverage;
          if (!readPlaces(el).length && coverage.getBounds().isValid()) map.fitBounds(coverage.getBounds());
        }
        if (el.dataset.stationsUrl) {
          overlays[text.stations] = stations;
          extras.push({ className: "vicinato-swatch-station", label: text.stations });
          getJson(el.dataset.stationsUrl)
            .then(function (data) {
              L.geoJSON(data, {
                pointToLayer: function (feature, latlng) {
                  // "lines" is like "1" or "2,3": show and colour them as M1, M2...
                  var lines = String((feature.properties && feature.properties.lines) || "")
                    .split(/[,;\s]+/)
                    .filter(Boolean)
                    .map(function (line) {
                      return /^\d+$/.test(line) ? "M" + line : line;
                    });
                  var first = lines[0] || "";
                  lines = lines.join(", ");
                  var marker = L.circleMarker(latlng, {
                    radius: 5,
                    color: LINE_COLOURS[first] || "#1a1a1a",
                    weight: 3,
                    fillColor: "#ffffff",
                    fillOpacity: 1
                  });
                  var name = (feature.properties && feature.properties.name) || "";
                  if (name) marker.bindTooltip(lines ? name + " (" + lines + ")" : name);
                  marker.on("add", untabbable);
                  return marker;
                }
              }).addTo(stations);
            })
            .catch(function (error) {
              console.warn("Vicinato map:", error);
            });
        }

        if (el.dataset.isochroneUrl) {
          var isochrone = L.layerGroup().addTo(map);
          overlays[text.isochrone] = isochrone;
          extras.push({ className: "vicinato-swatch-isochrone", label: text.isochrone });
          getJson(el.dataset.isochroneUrl)
            .then(function (data) {
              var layer = L.geoJSON(data, {
                interactive: false,
                style: { color: "#0059b3", weight: 2, dashArray: "6 4", fillColor: "#0059b3", fillOpacity: 0.2 }
              }).addTo(isochrone);
              if (!places.length && layer.getBounds().isValid()) map.fitBounds(layer.getBounds(), { padding: [16, 16] });
            })
            .catch(function (error) {
              console.warn("Vicinato map:", error);
            });
        }

        // Places
        var places = readPlaces(el);
        var markers = places.map(function (place) {
          return placeMarker(L, place, text);
        });
        var group =
          markers.length > CLUSTER_THRESHOLD && L.markerClusterGroup
            ? L.markerClusterGroup({ showCoverageOnHover: false, maxClusterRadius: 45 })
            : L.featureGroup();
        markers.forEach(function (marker) {
          group.addLayer(marker);
        });
        group.addTo(map);
        if (markers.length) overlays[text.places] = group;

        if (places.length > 1) {
          map.fitBounds(group.getBounds(), { padding: [24, 24], maxZoom: 16 });
        } else if (places.length === 1) {
          map.setView([parseFloat(places[0].lat), parseFloat(places[0].lon)], Math.max(zoom, 15));
        }

        // Legend: the kinds present on this map, in a fixed order.
        var seen = {};
        var kinds = [];
        places.forEach(function (p) {
          if (!seen[p.kind]) {
            seen[p.kind] = true;
            kinds.push({ kind: p.kind, label: p.kind_label || p.kind });
          }
        });
        kinds.sort(function (a, b) {
          var ia = KINDS.indexOf(a.kind);
          var ib = KINDS.indexOf(b.kind);
          return (ia < 0 ? 99 : ia) - (ib < 0 ? 99 : ib);
        });
        if (kinds.length || extras.length) legendControl(L, kinds, text, extras).addTo(map);
        if (Object.keys(overlays).length > 1) L.control.layers(null, overlays, { collapsed: true }).addTo(map);

        el.dispatchEvent(new CustomEvent("vicinato:map-ready", { bubbles: true, detail: { map: map } }));
        return map;
      })
      .catch(function (error) {
        el.dataset.vicinatoMap = "failed";
        console.warn("Vicinato map:", error);
      });
  }

  function initAll(root) {
    var scope = root && root.querySelectorAll ? root : document;
    var found = scope.querySelectorAll(".vicinato-map");
    if (scope !== document && scope.classList && scope.classList.contains("vicinato-map")) initMap(scope);
    Array.prototype.forEach.call(found, initMap);
  }

  window.Vicinato = window.Vicinato || {};
  window.Vicinato.initMap = initMap;
  window.Vicinato.initMaps = initAll;
  window.Vicinato.kindColours = KIND_COLOURS;
  window.Vicinato.otherColour = OTHER_COLOUR;

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () {
      initAll(document);
    });
  } else {
    initAll(document);
  }
  // Maps inside content swapped in by htmx.
  document.addEventListener("htmx:afterSettle", function (event) {
    initAll(event.target);
  });
})();
