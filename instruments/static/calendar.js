// Calendars, progressively enhanced: without JavaScript every free stretch or slot is a link to
// the booking form (which opens within the instrument's rules). With it, a click on the facility
// timeline books from the quarter it lands on, and a drag across free time (timeline or week)
// books that span; the server still moves the times within the rules. Also scrolls the timeline
// to the current-time line. No inline script or style (the pages' CSP forbids them).
(function () {
  "use strict";

  function iso(ms) { return new Date(ms).toISOString().slice(0, 16) + "Z"; }
  // A drag across free time must not start the browser's own drag of the link under it.
  document.addEventListener("dragstart", function (ev) {
    if (ev.target.closest && ev.target.closest("td.f, td.k-free")) ev.preventDefault();
  });

  function go(href, start, end) {
    var url = href + "?start=" + encodeURIComponent(iso(start));
    if (end) url += "&end=" + encodeURIComponent(iso(end));
    window.location.assign(url);
  }

  // ---- facility timeline: columns of `data-unit` minutes from `data-t0` ----
  var tl = document.querySelector("table.timeline");
  if (tl) {
    var t0 = Date.parse(tl.dataset.t0), unit = Number(tl.dataset.unit) * 60000, drag = null;
    var col = function (td, x) {  // the column under x (px) in a free cell of a lane-0 row
      var first = 0, sib = td.previousElementSibling;
      for (; sib; sib = sib.previousElementSibling) if (sib.tagName === "TD") first += sib.colSpan;
      var box = td.getBoundingClientRect();
      var k = Math.floor(((x - box.left) / box.width) * td.colSpan);
      return first + Math.min(Math.max(k, 0), td.colSpan - 1);
    };
    var book = function (td, from, to) {  // from/to: columns (inclusive); to null = one click
      var href = td.parentElement.dataset.book;
      go(href, t0 + from * unit, to === null ? null : t0 + (to + 1) * unit);
    };
    tl.addEventListener("pointerdown", function (ev) {
      var td = ev.target.closest("td.f");
      drag = td && ev.button === 0 ? { td: td, from: col(td, ev.clientX) } : null;
      if (drag) td.classList.add("selected");
    });
    tl.addEventListener("pointerup", function (ev) {
      var td = ev.target.closest("td.f");
      if (drag) drag.td.classList.remove("selected");
      if (!drag || !td || td.parentElement !== drag.td.parentElement) { drag = null; return; }
      var to = col(td, ev.clientX), a = Math.min(drag.from, to), b = Math.max(drag.from, to);
      book(drag.td, a, b > a ? b : null);  // a drag across free time books that span
      drag = null;
      ev.preventDefault();
    });
    tl.addEventListener("click", function (ev) {  // keyboard activation of a link: its own href
      if (ev.detail !== 0 && ev.target.closest("td.f")) ev.preventDefault();
    });
    // The current-time line, kept in place every minute; the page scrolls to it once.
    var scroller = tl.closest(".cal-scroll"), cols = Number(tl.dataset.cols), line = null;
    var place = function () {
      var name = tl.querySelector("tbody th"), head = tl.querySelector("thead");
      var at = (Date.now() - t0) / unit;
      if (!name || !head || at < 0 || at >= cols) { if (line) line.hidden = true; return null; }
      var per = (tl.offsetWidth - name.offsetWidth) / cols;
      if (!line) { line = document.createElement("div"); line.className = "tl-now"; scroller.appendChild(line); }
      line.hidden = false;
      line.style.left = (tl.offsetLeft + name.offsetWidth + at * per) + "px";
      line.style.top = (tl.offsetTop + head.offsetHeight) + "px";
      line.style.height = (tl.offsetHeight - head.offsetHeight) + "px";
      return at * per;
    };
    if (scroller) {
      var x = place();
      if (x !== null) scroller.scrollLeft = Math.max(0, x - scroller.clientWidth / 3);
      window.setInterval(place, 60000);
    }
  }

  // ---- instrument day/week: one link per free slot; drag down a day to book several ----
  var week = document.querySelector("table.cal-week");
  if (week) {
    var first = null, moved = false;
    var startOf = function (td) {
      return Date.parse(decodeURIComponent(td.querySelector("a").getAttribute("href").split("start=")[1]));
    };
    week.addEventListener("pointerdown", function (ev) {
      var td = ev.target.closest("td.k-free");
      first = td && ev.button === 0 ? td : null;
      moved = false;
      if (first) first.classList.add("selected");
    });
    week.addEventListener("pointerover", function (ev) {
      var td = ev.target.closest("td.k-free");
      if (first && td) td.classList.add("selected");
    });
    week.addEventListener("pointerup", function (ev) {
      var td = ev.target.closest("td.k-free");
      week.querySelectorAll("td.selected").forEach(function (c) { c.classList.remove("selected"); });
      if (!first || !td || td === first) { first = null; return; }
      moved = true;
      var lo = Math.min(startOf(first), startOf(td));
      var hi = Math.max(Date.parse(first.dataset.end), Date.parse(td.dataset.end));
      go(first.querySelector("a").getAttribute("href").split("?")[0], lo, hi);
      first = null;
    });
    week.addEventListener("click", function (ev) { if (moved) ev.preventDefault(); });
  }
})();
