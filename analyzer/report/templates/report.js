(function () {
  "use strict";
  var sev = Array.prototype.slice.call(document.querySelectorAll("input[data-filter-severity]"));
  var vendor = document.getElementById("filter-vendor");
  var suppressed = document.getElementById("filter-suppressed");
  var cards = Array.prototype.slice.call(document.querySelectorAll("article.finding"));
  var shown = document.getElementById("shown-count");
  var none = document.getElementById("none-shown");
  function apply() {
    var on = {};
    sev.forEach(function (box) { on[box.value] = box.checked; });
    var v = vendor ? vendor.value : "";
    var n = 0;
    cards.forEach(function (card) {
      var ok = on[card.getAttribute("data-severity")] === true &&
        (v === "" || card.getAttribute("data-vendor") === v) &&
        (card.getAttribute("data-suppressed") !== "1" || (suppressed && suppressed.checked));
      card.hidden = !ok;
      if (ok) { n += 1; }
    });
    if (shown) { shown.textContent = String(n); }
    if (none) { none.hidden = n !== 0; }
  }
  // A link can open a filtered view: report.html#severity=critical,high&vendor=Klaviyo
  var wanted = {};
  location.hash.replace(/^#/, "").split("&").forEach(function (kv) {
    var i = kv.indexOf("=");
    if (i > 0) {
      try { wanted[kv.slice(0, i)] = decodeURIComponent(kv.slice(i + 1)); } catch (e) { /* not a filter */ }
    }
  });
  if (typeof wanted.severity === "string") {
    var list = wanted.severity.split(",");
    sev.forEach(function (box) { box.checked = list.indexOf(box.value) >= 0; });
  }
  if (vendor && typeof wanted.vendor === "string") {
    Array.prototype.forEach.call(vendor.options, function (opt) {
      if (opt.value === wanted.vendor) { vendor.value = opt.value; }
    });
  }
  sev.concat([vendor, suppressed]).forEach(function (el) {
    if (el) { el.addEventListener("change", apply); }
  });
  apply();
  document.body.setAttribute("data-filters-ready", "1");
})();
