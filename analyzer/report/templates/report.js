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
  sev.concat([vendor, suppressed]).forEach(function (el) {
    if (el) { el.addEventListener("change", apply); }
  });
  apply();
  document.body.setAttribute("data-filters-ready", "1");
})();
