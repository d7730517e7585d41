package dev.kvmtune.flame;

/**
 * The script every flame graph embeds: a frame's details on hover, zoom on click, search by regular expression with
 * the matched share, reset. It is a constant of this class, not a resource of the jar: reading a resource opens the
 * jar, which a run whose classes all come from the class archive otherwise never does (8 ms of a 0.16 s flame svg,
 * bench/README). The SVG carries it in a CDATA section, so it holds no "]]>".
 */
final class FlameScript {
    private FlameScript() {
    }

    static final String JS = """
    "use strict";
    // kvmtune flame graph: hover details, click to zoom, search with the matched share, reset.
    // Each frame is <g data-s=START data-n=SAMPLES data-d=DEPTH><title/><rect/><text/></g>, positions in samples.
    var svg, frames, details, unzoomButton, searchButton, matchedText, total, width, xpad, fontSize, fontWidth;
    var zoomed = null, searching = null;

    function init() {
      svg = document.documentElement;
      frames = document.getElementById("frames");
      details = document.getElementById("details").firstChild;
      unzoomButton = document.getElementById("unzoom");
      searchButton = document.getElementById("search");
      matchedText = document.getElementById("matched");
      total = +svg.getAttribute("data-total");
      width = +svg.getAttribute("width");
      xpad = +svg.getAttribute("data-xpad");
      fontSize = +svg.getAttribute("data-font-size");
      fontWidth = +svg.getAttribute("data-font-width");
      frames.addEventListener("click", function (e) {
        var g = frameOf(e.target);
        if (g) zoom(g);
      });
      frames.addEventListener("mouseover", function (e) {
        var g = frameOf(e.target);
        if (g) details.nodeValue = "Function: " + g.querySelector("title").textContent;
      });
      frames.addEventListener("mouseout", function () { details.nodeValue = " "; });
      unzoomButton.addEventListener("click", unzoom);
      searchButton.addEventListener("click", function () {
        if (searching !== null) resetSearch(); else searchPrompt();
      });
      window.addEventListener("keydown", function (e) {
        if ((e.ctrlKey || e.metaKey) && e.key === "f") { e.preventDefault(); searchPrompt(); }
        else if (e.key === "Escape") { resetSearch(); unzoom(); }
      });
      var params = new URLSearchParams(document.location.search);
      if (params.get("s")) search(params.get("s"));
    }

    function frameOf(el) {
      for (; el && el !== frames; el = el.parentNode) if (el.tagName === "g") return el;
      return null;
    }

    function nameOf(g) {
      var t = g.querySelector("title").textContent;
      return t.substring(0, t.lastIndexOf(" ("));
    }

    function fit(name, w) {
      var chars = Math.floor((w - 6) / (fontSize * fontWidth));
      if (chars < 3) return "";
      return name.length <= chars ? name : name.substring(0, chars - 2) + "..";
    }

    function place(g, x, w) {
      var r = g.querySelector("rect"), t = g.querySelector("text");
      r.setAttribute("x", x.toFixed(1));
      r.setAttribute("width", Math.max(0, w).toFixed(1));
      t.setAttribute("x", (x + 3).toFixed(1));
      t.textContent = fit(nameOf(g), w);
    }

    function zoom(target) {
      var zs = +target.dataset.s, zn = +target.dataset.n, zd = +target.dataset.d;
      var scale = (width - 2 * xpad) / zn;
      var all = frames.children;
      for (var i = 0; i < all.length; i++) {
        var g = all[i], s = +g.dataset.s, n = +g.dataset.n, d = +g.dataset.d;
        g.classList.remove("hide", "parent");
        if (d < zd && s <= zs && s + n >= zs + zn) {
          g.classList.add("parent");
          place(g, xpad, width - 2 * xpad);
        } else if (d >= zd && s >= zs && s + n <= zs + zn) {
          place(g, xpad + (s - zs) * scale, n * scale);
        } else {
          g.classList.add("hide");
        }
      }
      zoomed = target;
      unzoomButton.classList.remove("hide");
      if (searching !== null) search(searching);
    }

    function unzoom() {
      if (zoomed === null) return;
      var scale = (width - 2 * xpad) / total;
      var all = frames.children;
      for (var i = 0; i < all.length; i++) {
        var g = all[i];
        g.classList.remove("hide", "parent");
        place(g, xpad + (+g.dataset.s) * scale, (+g.dataset.n) * scale);
      }
      zoomed = null;
      unzoomButton.classList.add("hide");
      if (searching !== null) search(searching);
    }

    function searchPrompt() {
      var term = prompt("Search for (a regular expression):", searching === null ? "" : searching);
      if (term) search(term);
    }

    // Highlights the frames whose name matches; the share counts each sample once (nested matches are not added twice).
    function search(term) {
      var re;
      try { re = new RegExp(term); } catch (e) { matchedText.textContent = "Bad expression: " + e.message; return -1; }
      resetColors();
      var hits = [], all = frames.children;
      for (var i = 0; i < all.length; i++) {
        var g = all[i];
        if (!re.test(nameOf(g))) continue;
        var r = g.querySelector("rect");
        r.setAttribute("data-fill", r.getAttribute("fill"));
        r.setAttribute("fill", "rgb(230,0,230)");
        if (!g.classList.contains("hide") && !g.classList.contains("parent")) hits.push([+g.dataset.s, +g.dataset.n]);
      }
      hits.sort(function (a, b) { return a[0] - b[0] || b[1] - a[1]; });
      var matched = 0, end = -1;
      for (var k = 0; k < hits.length; k++) {
        if (hits[k][0] >= end) { matched += hits[k][1]; end = hits[k][0] + hits[k][1]; }
      }
      var base = zoomed === null ? total : +zoomed.dataset.n;
      var pct = 100 * matched / base;
      searching = term;
      searchButton.textContent = "Reset Search";
      matchedText.textContent = "Matched: " + pct.toFixed(1) + "%";
      return pct;
    }

    function resetColors() {
      var rs = frames.querySelectorAll("rect[data-fill]");
      for (var i = 0; i < rs.length; i++) {
        rs[i].setAttribute("fill", rs[i].getAttribute("data-fill"));
        rs[i].removeAttribute("data-fill");
      }
    }

    function resetSearch() {
      resetColors();
      searching = null;
      searchButton.textContent = "Search";
      matchedText.textContent = " ";
    }
    """;
}
