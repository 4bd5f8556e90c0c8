// meshaws: the navigation's menu button and stacked tables on narrow screens (base.html).
// A static file, as the Content-Security-Policy allows no inline script.
(function () {
  "use strict";

  // Without this script the menu stays open and wraps: the CSS collapses it only under
  // html.nav-collapsible, so every link stays reachable.
  function setUpMenu() {
    var toggle = document.querySelector(".nav-toggle");
    var menu = document.getElementById("site-menu");
    if (!toggle || !menu) return;
    document.documentElement.classList.add("nav-collapsible");
    function show(open) {
      toggle.setAttribute("aria-expanded", open ? "true" : "false");
      menu.classList.toggle("open", open);
    }
    toggle.addEventListener("click", function () {
      show(toggle.getAttribute("aria-expanded") !== "true");
    });
    document.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && toggle.getAttribute("aria-expanded") === "true") {
        show(false);
        toggle.focus();
      }
    });
  }

  // Each cell of a table with a header row gets its column's name as data-label, which the
  // CSS shows before the cell when a narrow screen stacks the rows.
  function labelCells(root) {
    var tables = (root || document).querySelectorAll("table");
    Array.prototype.forEach.call(tables, function (table) {
      var headRow = table.tHead && table.tHead.rows[0];
      if (!headRow) return;
      var names = [];
      Array.prototype.forEach.call(headRow.cells, function (cell) {
        var name = cell.textContent.trim();
        for (var span = 0; span < (cell.colSpan || 1); span++) names.push(name);
      });
      table.classList.add("stacked");
      Array.prototype.forEach.call(table.tBodies, function (body) {
        Array.prototype.forEach.call(body.rows, function (row) {
          var column = 0;
          Array.prototype.forEach.call(row.cells, function (cell) {
            if (names[column] && !cell.hasAttribute("data-label")) {
              cell.setAttribute("data-label", names[column]);
            }
            column += cell.colSpan || 1;
          });
        });
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    setUpMenu();
    labelCells(document);
    // htmx replaces parts of live pages: label the new rows too.
    document.body.addEventListener("htmx:afterSettle", function () {
      labelCells(document);
    });
  });
})();
