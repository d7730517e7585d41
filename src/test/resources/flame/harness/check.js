// Test harness appended to a kvmtune flame graph and run by headless Chromium: it clicks, hovers and
// searches the way a user would and leaves the results, as JSON, in a text element with the id test-result.
var harnessErrors = [];
window.addEventListener("error", function (e) { harnessErrors.push(String(e.message)); });
window.addEventListener("load", function () {
  var r = {};
  try {
    var all = document.getElementById("frames").children;
    var target = null;
    for (var i = 0; i < all.length; i++) if (all[i].dataset.s === TARGET.s && all[i].dataset.d === TARGET.d) { target = all[i]; break; }
    r.frames = all.length;
    r.target = target ? nameOf(target) : null;
    if (!target) throw new Error("no frame at " + JSON.stringify(TARGET));
    var rect = target.querySelector("rect");
    rect.dispatchEvent(new MouseEvent("mouseover", {bubbles: true}));
    r.details = document.getElementById("details").textContent;
    rect.dispatchEvent(new MouseEvent("click", {bubbles: true}));
    r.zoomedWidth = +rect.getAttribute("width");
    r.zoomedX = +rect.getAttribute("x");
    r.hiddenAfterZoom = document.querySelectorAll("#frames > g.hide").length;
    r.parentsAfterZoom = document.querySelectorAll("#frames > g.parent").length;
    r.unzoomVisible = !document.getElementById("unzoom").classList.contains("hide");
    r.labelAfterZoom = target.querySelector("text").textContent;
    document.getElementById("unzoom").dispatchEvent(new MouseEvent("click", {bubbles: true}));
    r.hiddenAfterReset = document.querySelectorAll("#frames > g.hide").length;
    r.widthAfterReset = +rect.getAttribute("width");
    r.searchShare = search(TERM);
    r.matchedText = document.getElementById("matched").textContent;
    r.highlighted = document.querySelectorAll("#frames rect[fill='rgb(230,0,230)']").length;
    r.searchButton = document.getElementById("search").textContent;
    document.getElementById("search").dispatchEvent(new MouseEvent("click", {bubbles: true}));
    r.highlightedAfterReset = document.querySelectorAll("#frames rect[fill='rgb(230,0,230)']").length;
    r.badSearch = search("(");
  } catch (e) {
    harnessErrors.push("harness: " + e);
  }
  r.errors = harnessErrors;
  var t = document.createElementNS("http://www.w3.org/2000/svg", "text");
  t.setAttribute("id", "test-result");
  t.textContent = JSON.stringify(r);
  document.documentElement.appendChild(t);
});
