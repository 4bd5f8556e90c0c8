// meshaws: live overviews (dashboard, accounts, runs, batches, retirements).
// Each element marked data-live (with an id) is refreshed without a reload: the page's own URL
// is polled with the X-Meshaws-Live header and the last ETag; 304 means nothing changed, 200
// brings the page, whose regions of the same id replace ours. Polling pauses while the tab is
// hidden and while a person works inside a region (focus, a ticked box, typed text), and the
// [data-live-status] line says how fresh the page is. A static file: the CSP allows no inline
// script.
(function () {
  "use strict";

  var regions = [];
  var statusLines = [];
  var interval = 5000;
  var etag = null;
  var updatedAt = Date.now();
  var pollTimer = null;
  var inFlight = false;
  var pollAgain = false;
  var state = "live"; // live | selecting | hidden | failed | stopped

  function hidden() {
    return document.visibilityState === "hidden";
  }

  // Whether a form control inside a region differs from how the page rendered it.
  function changedControl(control) {
    if (control.type === "checkbox" || control.type === "radio") {
      return control.checked !== control.defaultChecked;
    }
    if (control.tagName === "SELECT") {
      return Array.prototype.some.call(control.options, function (option) {
        return option.selected !== option.defaultSelected;
      });
    }
    if (control.type === "hidden" || control.type === "submit" || control.type === "button") {
      return false;
    }
    return control.value !== control.defaultValue;
  }

  function selecting() {
    var active = document.activeElement;
    return regions.some(function (region) {
      if (active && active !== region && region.contains(active)) return true;
      var controls = region.querySelectorAll("input, select, textarea");
      return Array.prototype.some.call(controls, changedControl);
    });
  }

  function ago() {
    var seconds = Math.max(0, Math.round((Date.now() - updatedAt) / 1000));
    if (seconds < 120) return "updated " + seconds + " s ago";
    return "updated " + Math.round(seconds / 60) + " min ago";
  }

  function showStatus() {
    var text = ago();
    if (state === "selecting") text = "paused while you select · " + text;
    else if (state === "hidden") text = "paused while the tab is hidden · " + text;
    else if (state === "failed") text = "could not update, retrying · " + text;
    else if (state === "stopped") text = "not updating: reload the page · " + text;
    statusLines.forEach(function (line) {
      line.hidden = false;
      line.dataset.liveState = state;
      if (line.textContent !== text) line.textContent = text;
    });
  }

  function schedule() {
    clearTimeout(pollTimer);
    pollTimer = null;
    if (!hidden() && state !== "stopped") pollTimer = setTimeout(poll, interval);
  }

  // A live answer is shared by everyone with the same permissions, so it carries no CSRF
  // token of its own: its forms get this page's.
  function pageToken() {
    var input = document.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  function swap(html) {
    var fresh = new DOMParser().parseFromString(html, "text/html");
    var swapped = false;
    var token = pageToken();
    fresh.querySelectorAll("input[name=csrfmiddlewaretoken]").forEach(function (input) {
      input.setAttribute("value", token);
    });
    regions.forEach(function (region) {
      var replacement = fresh.getElementById(region.id);
      if (!replacement || replacement.innerHTML === region.innerHTML) return;
      region.innerHTML = replacement.innerHTML;
      if (window.htmx) window.htmx.process(region);
      swapped = true;
    });
    // static/meshaws.js labels the new table cells for narrow screens on this event.
    if (swapped) document.body.dispatchEvent(new CustomEvent("htmx:afterSettle", { bubbles: true }));
  }

  function poll() {
    clearTimeout(pollTimer);
    pollTimer = null;
    if (state === "stopped") return;
    if (hidden()) {
      state = "hidden";
      showStatus();
      return;
    }
    if (inFlight) {
      pollAgain = true;
      return;
    }
    if (selecting()) {
      state = "selecting";
      showStatus();
      schedule();
      return;
    }
    var headers = { "X-Meshaws-Live": "1" };
    if (etag) headers["If-None-Match"] = etag;
    inFlight = true;
    fetch(window.location.href, { headers: headers, cache: "no-store", credentials: "same-origin" })
      .then(function (response) {
        if (response.redirected) {
          state = "stopped"; // signed out: the answer is the sign-in page
          return null;
        }
        if (response.status === 304) {
          state = "live";
          updatedAt = Date.now();
          return null;
        }
        if (!response.ok) throw new Error("HTTP " + response.status);
        var tag = response.headers.get("ETag");
        return response.text().then(function (html) {
          // A person may have started selecting while the answer travelled: keep their work,
          // and keep the old ETag so that the next poll brings the change again.
          if (selecting()) {
            state = "selecting";
            return;
          }
          swap(html);
          etag = tag;
          state = "live";
          updatedAt = Date.now();
        });
      })
      .catch(function () {
        state = "failed";
      })
      .then(function () {
        inFlight = false;
        showStatus();
        if (pollAgain) {
          pollAgain = false;
          poll();
        } else {
          schedule();
        }
      });
  }

  function start() {
    regions = Array.prototype.filter.call(document.querySelectorAll("[data-live]"), function (r) {
      return r.id;
    });
    if (!regions.length) return;
    statusLines = Array.prototype.slice.call(document.querySelectorAll("[data-live-status]"));
    var asked = parseInt(regions[0].dataset.liveInterval, 10);
    if (asked > 0) interval = asked;
    etag = regions[0].dataset.liveEtag || null; // the page's own: nothing changed yet
    document.addEventListener("visibilitychange", function () {
      if (hidden()) {
        clearTimeout(pollTimer);
        pollTimer = null;
        state = "hidden";
        showStatus();
      } else {
        poll(); // back in view: ask at once
      }
    });
    // A selection undone (a box unticked, focus leaving) resumes at once.
    regions.forEach(function (region) {
      ["change", "focusout"].forEach(function (kind) {
        region.addEventListener(kind, function () {
          if (state === "selecting") setTimeout(function () { if (!selecting()) poll(); }, 0);
        });
      });
    });
    state = hidden() ? "hidden" : "live";
    showStatus();
    setInterval(showStatus, 1000);
    schedule();
  }

  document.addEventListener("DOMContentLoaded", start);
})();
