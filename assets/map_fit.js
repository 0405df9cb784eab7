/* Maps fit their box at any size: a map figure names the box of its precincts in
   layout.meta.fit ([west, south, east, north], components/maps.py), and after each draw (the
   first, and every resize of a responsive graph) the map's centre and zoom are set so that the
   whole box shows in the map's actual pixels: on a phone, a wall or a 4K screen alike.  The
   formula is fit_view's own. */
(function () {
  "use strict";

  function zoomFor(box, width, height) {
    var lonSpan = Math.max(box[2] - box[0], 1e-4) * 1.1;
    var latSpan = Math.max(box[3] - box[1], 1e-4) * 1.1;
    var zx = Math.log2(width * 360 / (512 * lonSpan));
    var zy = Math.log2(height * 360 / (512 * latSpan * 1.1));
    return Math.round(Math.min(zx, zy) * 100) / 100;
  }

  // the map's size in pixels as drawn now, or null
  function mapSize(full) {
    if (!full || !full.map || !full._size) return null;
    var domain = full.map.domain;
    var width = full._size.w * (domain.x[1] - domain.x[0]), height = full._size.h * (domain.y[1] - domain.y[0]);
    return width < 10 || height < 10 ? null : [width, height];
  }

  function fit(gd) {
    var full = gd._fullLayout, box = gd.layout && gd.layout.meta && gd.layout.meta.fit;
    var size = mapSize(full);
    if (!box || !size) return;
    var zoom = zoomFor(box, size[0], size[1]), map = full.map._subplot && full.map._subplot.map;
    // moved on MapLibre's own map, as a person's pan would: plotly does not redraw its layers
    if (map && Math.abs(zoom - map.getZoom()) > 0.05) {
      map.jumpTo({zoom: zoom, center: [(box[0] + box[2]) / 2, (box[1] + box[3]) / 2]});
    }
  }

  // A new figure for a map already drawn (the overview's drill, the wall's step) comes fitted to the
  // map's pixels before plotly draws it, so that the map is drawn once, not drawn and then moved.
  function wrapReact() {
    var plotly = window.Plotly;
    if (!plotly || !plotly.react || plotly.react._fits) return;
    var react = plotly.react;
    plotly.react = function (gd, figure) {
      var layout = figure && figure.layout, box = layout && layout.meta && layout.meta.fit;
      var size = gd && gd._fullLayout && gd._fullLayout.map && layout.map ? mapSize(gd._fullLayout) : null;
      if (box && size && arguments.length === 2) {
        var map = Object.assign({}, layout.map, {zoom: zoomFor(box, size[0], size[1]),
                                                 center: {lon: (box[0] + box[2]) / 2, lat: (box[1] + box[3]) / 2}});
        figure = Object.assign({}, figure, {layout: Object.assign({}, layout, {map: map})});
        return react.call(this, gd, figure);
      }
      return react.apply(this, arguments);
    };
    plotly.react._fits = true;
  }

  var pending = false;

  function hook() {
    pending = false;
    wrapReact();
    document.querySelectorAll(".js-plotly-plot").forEach(function (gd) {
      if (gd._mapFitHooked || !gd.on) return;
      gd._mapFitHooked = true;
      // after the draws settle: a relayout while plotly still redraws the map breaks its layers
      var timer = null;
      var later = function () {
        window.clearTimeout(timer);
        timer = window.setTimeout(function () { if (document.contains(gd)) fit(gd); }, 250);
      };
      gd.on("plotly_afterplot", later);
      later();
    });
  }

  new MutationObserver(function () {
    if (!pending) { pending = true; window.requestAnimationFrame(hook); }
  }).observe(document.documentElement, {childList: true, subtree: true});
})();
