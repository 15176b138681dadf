// The main menu is a <details> element: collapsed behind "Menu" on phones, always open on wide
// screens (where the "Menu" button itself is hidden). Works without JavaScript as a plain toggle.
(function () {
  var menu = document.querySelector("details.nav-toggle");
  if (!menu || !window.matchMedia) return;
  var wide = window.matchMedia("(min-width: 60rem)");
  function sync() { menu.open = wide.matches; }
  sync();
  if (wide.addEventListener) wide.addEventListener("change", sync);
})();

// A table wider than the screen scrolls sideways inside its .table-wrap: such a wrapper must be
// reachable by keyboard to scroll it (WCAG 2.1.1). Only wrappers that really scroll become a tab
// stop, named after the table's caption when it has one.
(function () {
  function mark() {
    document.querySelectorAll(".table-wrap").forEach(function (wrap) {
      var scrolls = wrap.scrollWidth > wrap.clientWidth;
      if (scrolls && !wrap.hasAttribute("tabindex")) {
        wrap.setAttribute("tabindex", "0");
        wrap.setAttribute("role", "region");
        var caption = wrap.querySelector("caption");
        wrap.setAttribute("aria-label", caption ? caption.textContent.trim() : "Table, scrolls sideways");
      } else if (!scrolls && wrap.getAttribute("tabindex") === "0") {
        ["tabindex", "role", "aria-label"].forEach(function (a) { wrap.removeAttribute(a); });
      }
    });
  }
  mark();
  window.addEventListener("resize", mark);
})();
