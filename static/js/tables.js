/* Label each table cell with its column's heading (data-label), so the stylesheet can stack
   a table's rows as cards on a phone and still say what each value is. Cells that already
   carry a label, and cells spanning several columns (an empty-table message), are left alone.
   A cell holding a word too long to fit (a token name, a pasted link) may break inside it
   (class "break-anywhere"); other cells keep their words whole. */
(function () {
  "use strict";
  var LONG_WORD = /\S{25,}/;
  function label(table) {
    var head = table.tHead && table.tHead.rows[table.tHead.rows.length - 1];
    var names = [];
    Array.prototype.forEach.call(head ? head.cells : [], function (cell) {
      for (var i = 0; i < (cell.colSpan || 1); i += 1) { names.push(cell.textContent.trim()); }
    });
    Array.prototype.forEach.call(table.tBodies, function (body) {
      Array.prototype.forEach.call(body.rows, function (row) {
        var column = 0;
        Array.prototype.forEach.call(row.cells, function (cell) {
          var span = cell.colSpan || 1;
          if (LONG_WORD.test(cell.textContent)) { cell.classList.add("break-anywhere"); }
          if (span === 1 && names[column] && !cell.hasAttribute("data-label")) {
            cell.setAttribute("data-label", names[column]);
          }
          column += span;
        });
      });
    });
  }
  function all() { Array.prototype.forEach.call(document.querySelectorAll("main table"), label); }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", all);
  } else {
    all();
  }
}());
