/* Names and values on the precinct maps (dashboard/components/maps.py).  Text drawn by the map
   itself would need font glyphs from the internet, so the figure carries its labels in
   layout.meta.labels ({lon, lat, name, value}) and this writes each as a small HTML element over
   the map, placed by the map's own projection whenever the map moves.  A block with the class
   map-labels-off (the page's "labels" switch) hides them (assets/maps.css). */
(function () {
  "use strict";

  function mapOf(gd) {
    var full = gd._fullLayout, sub = full && full.map && full.map._subplot;
    return sub && sub.map;
  }

  function place(map, layer) {
    layer.childNodes.forEach(function (el) {
      var p = map.project([el._lon, el._lat]);
      el.style.left = p.x + "px";
      el.style.top = p.y + "px";
    });
  }

  function draw(gd) {
    var map = mapOf(gd);
    if (!map) return;
    var labels = (gd.layout && gd.layout.meta && gd.layout.meta.labels) || [];
    var box = map.getContainer(), layer = box.querySelector(".map-label-layer");
    if (!layer) {
      layer = document.createElement("div");
      layer.className = "map-label-layer";
      box.appendChild(layer);
    }
    if (layer._labels !== labels) {
      layer._labels = labels;
      layer.textContent = "";
      labels.forEach(function (label) {
        var el = document.createElement("div"), name = document.createElement("b");
        el.className = "map-label";
        name.textContent = label.name;
        el.appendChild(name);
        el.appendChild(document.createElement("br"));
        el.appendChild(document.createTextNode(label.value));
        el._lon = label.lon;
        el._lat = label.lat;
        layer.appendChild(el);
      });
    }
    if (map._labelLayer !== layer) {
      map._labelLayer = layer;
      map.on("move", function () { place(map, map._labelLayer); });
    }
    place(map, layer);
  }

  function hook() {
    document.querySelectorAll(".precinct-map .js-plotly-plot").forEach(function (gd) {
      if (gd._labelsHooked || typeof gd.on !== "function") return;
      gd._labelsHooked = true;
      gd.on("plotly_afterplot", function () { draw(gd); });
      draw(gd);
    });
  }

  var pending = false;
  new MutationObserver(function () {
    if (pending) return;
    pending = true;
    window.requestAnimationFrame(function () { pending = false; hook(); });
  }).observe(document.documentElement, {childList: true, subtree: true});
})();
