// Scorecard editor: weights that always sum to 100 inside their set (the top level: groups and
// ungrouped components; each group: its components). Moving one weight (stepper, typing or the
// slider beside it) spreads the rest over the others of its set in proportion to their current
// values, in whole numbers: largest remainder first, ties to the earlier row, so the same move
// always gives the same result. Without JavaScript the number inputs post as typed and the
// server checks the sums. No inline script: this file is the page's only behaviour besides htmx.
(function () {
  "use strict";

  function intValue(input) {
    var n = parseInt(input.value, 10);
    return isNaN(n) ? 0 : Math.max(0, Math.min(100, n));
  }

  function rowOf(input) {
    return input.closest("[data-component]") || input.closest("[data-group-row]");
  }

  function isLive(row) {
    var key = row.querySelector("input[name$='-key']");
    var del = row.querySelector("input[name$='-DELETE']");
    return key && key.value.trim() !== "" && !(del && del.checked);
  }

  function setOf(input) {
    var row = rowOf(input);
    if (!row || !isLive(row)) return null;
    if (row.hasAttribute("data-group-row")) return "top";
    var group = row.querySelector("select[name$='-group']");
    return group && group.value ? "group:" + group.value : "top";
  }

  function members(form, set) {
    return Array.prototype.filter.call(
      form.querySelectorAll("input[data-weight]"),
      function (input) { return setOf(input) === set; }
    );
  }

  // Whole numbers summing to `total`, proportional to `weights` (all equal if they are all 0).
  function spread(weights, total) {
    var sum = weights.reduce(function (a, b) { return a + b; }, 0);
    var exact = weights.map(function (w) { return sum > 0 ? (total * w) / sum : total / weights.length; });
    var whole = exact.map(Math.floor);
    var left = total - whole.reduce(function (a, b) { return a + b; }, 0);
    var order = exact.map(function (x, i) { return i; }).sort(function (a, b) {
      var d = (exact[b] - whole[b]) - (exact[a] - whole[a]);
      return d !== 0 ? d : a - b;
    });
    for (var k = 0; k < left; k++) whole[order[k % order.length]] += 1;
    return whole;
  }

  function sliderOf(input) {
    var box = input.closest(".editor-weight");
    return box ? box.querySelector("[data-weight-slider]") : null;
  }

  function show(input, value) {
    input.value = String(value);
    var slider = sliderOf(input);
    if (slider) slider.value = String(value);
  }

  function updateSums(form) {
    form.querySelectorAll("[data-weight-sum]").forEach(function (out) {
      var total = members(form, out.getAttribute("data-weight-sum")).reduce(function (a, input) {
        return a + intValue(input);
      }, 0);
      out.value = String(total);
      out.textContent = String(total);
      out.classList.toggle("is-off", total !== 100);
    });
  }

  function rebalance(form, moved) {
    var set = setOf(moved);
    if (set === null) return;
    var value = intValue(moved);
    if (moved.value !== "" && String(value) !== moved.value) show(moved, value);
    var others = members(form, set).filter(function (input) { return input !== moved; });
    if (others.length === 0) return;
    var shares = spread(others.map(intValue), 100 - value);
    others.forEach(function (input, i) { show(input, shares[i]); });
  }

  function init(form) {
    form.querySelectorAll("[data-weight-slider]").forEach(function (slider) {
      slider.hidden = false;
    });
    form.addEventListener("input", function (event) {
      var target = event.target;
      if (target.matches("[data-weight-slider]")) {
        var input = target.closest(".editor-weight").querySelector("input[data-weight]");
        input.value = target.value;
        rebalance(form, input);
      } else if (target.matches("input[data-weight]")) {
        if (target.value === "") return; // mid-edit: wait for a number
        rebalance(form, target);
        var slider = sliderOf(target);
        if (slider) slider.value = String(intValue(target));
      }
      updateSums(form);
    });
    form.addEventListener("change", function () { updateSums(form); });
    updateSums(form);
  }

  // A row added by htmx ("Add a row") takes the focus once.
  document.addEventListener("htmx:afterSettle", function () {
    var row = document.querySelector("form[data-scorecard-editor] [data-autofocus]");
    if (row) {
      row.removeAttribute("data-autofocus");
      row.focus();
    }
  });

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("form[data-scorecard-editor]").forEach(init);
  });
})();
