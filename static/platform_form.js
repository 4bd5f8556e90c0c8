// The platform form in the browser: rows added and removed in the page, and the fields of the
// chosen modes only. Without this script every field and the formsets' extra rows still show,
// and the server validates each mode the same way.
"use strict";

(function () {
  const form = document.getElementById("platform-form");
  if (!form) {
    return;
  }

  // Fields of a mode: data-shown-when="<radio name>:<value> <value>…" shows them for those values.
  function showChosenModes() {
    form.querySelectorAll("[data-shown-when]").forEach(function (part) {
      const [name, values] = part.dataset.shownWhen.split(":");
      const chosen = form.querySelector('input[name="' + name + '"]:checked');
      // Nothing chosen (a form without a default): hide nothing.
      part.hidden = chosen !== null && !values.split(" ").includes(chosen.value);
    });
  }

  form.addEventListener("change", function (event) {
    if (event.target.type === "radio") {
      showChosenModes();
    }
  });
  showChosenModes();

  // Rows of a formset: "Add" clones the empty row, "Remove" drops a new row or marks a stored
  // one for deletion (its DELETE box, which the server reads).
  function removeRow(row) {
    const deleteBox = row.querySelector('input[type="checkbox"][name$="-DELETE"]');
    if (deleteBox) {
      deleteBox.checked = true;
      row.hidden = true;
    } else {
      row.remove();
    }
  }

  function enableRemoving(row) {
    const button = row.querySelector("[data-remove-row]");
    if (button) {
      button.hidden = false;
      button.addEventListener("click", function () {
        removeRow(row);
      });
    }
  }

  form.querySelectorAll("[data-formset]").forEach(function (formset) {
    const prefix = formset.dataset.formset;
    const total = formset.querySelector('input[name="' + prefix + '-TOTAL_FORMS"]');
    const rows = formset.querySelector("[data-rows]");
    const empty = formset.querySelector("template[data-empty-row]");
    const add = formset.querySelector("[data-add-row]");
    rows.querySelectorAll("[data-row]").forEach(enableRemoving);
    add.hidden = false;
    add.addEventListener("click", function () {
      const index = total.value;
      const html = empty.innerHTML.replace(/__prefix__/g, index);
      rows.insertAdjacentHTML("beforeend", html);
      total.value = String(Number(index) + 1);
      const row = rows.lastElementChild;
      enableRemoving(row);
      const first = row.querySelector("input, textarea, select");
      if (first) {
        first.focus();
      }
    });
  });

  form.querySelectorAll("[data-without-script]").forEach(function (note) {
    note.hidden = true;
  });
})();
