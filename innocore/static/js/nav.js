// The main navigation: disclosure buttons (aria-expanded) opening one menu at a time; Escape
// closes the open menu and gives focus back to its button, a click elsewhere closes it. On narrow
// screens the whole navigation sits behind "Menu". Without JavaScript every menu shows its links
// (the "js" class on <html> is what hides them, see js-on.js and the CSS).
// window.innocoreWord(key): a word the scripts show, from the page's <script id="js-words">
// (rendered by base.html in the page's language); "" when the page has none.
window.innocoreWord = function (key) {
  var block = document.getElementById("js-words");
  try { return (block && JSON.parse(block.textContent)[key]) || ""; } catch (e) { return ""; }
};
(function () {
  var nav = document.getElementById("site-nav");
  if (!nav) return;
  var buttons = Array.prototype.slice.call(nav.querySelectorAll(".menu-button"));
  function setOpen(button, open) {
    button.setAttribute("aria-expanded", open ? "true" : "false");
  }
  function closeAll(except) {
    buttons.forEach(function (b) { if (b !== except) setOpen(b, false); });
  }
  buttons.forEach(function (button) {
    button.addEventListener("click", function () {
      var open = button.getAttribute("aria-expanded") !== "true";
      closeAll(button);
      setOpen(button, open);
    });
  });
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    var open = buttons.filter(function (b) { return b.getAttribute("aria-expanded") === "true"; })[0];
    if (open) { setOpen(open, false); open.focus(); }
  });
  document.addEventListener("click", function (event) {
    if (!nav.contains(event.target)) closeAll(null);
  });
  var toggle = document.querySelector(".nav-menu-button");
  if (toggle) {
    toggle.hidden = false;
    toggle.addEventListener("click", function () {
      var open = toggle.getAttribute("aria-expanded") !== "true";
      toggle.setAttribute("aria-expanded", open ? "true" : "false");
    });
  }
})();

// A submit button shows that its form is on its way (and is not pressed twice): it is marked busy
// once the form really submits (after the browser's own validation let it through).
(function () {
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (event.defaultPrevented || form.hasAttribute("data-no-busy")) return;
    var button = event.submitter || form.querySelector("button[type=submit], button:not([type])");
    if (!button || button.getAttribute("aria-busy") === "true") return;
    button.setAttribute("aria-busy", "true");
    button.classList.add("is-busy");
    // A file download or a form opening elsewhere leaves the page here: undo after a while.
    setTimeout(function () { button.removeAttribute("aria-busy"); button.classList.remove("is-busy"); }, 8000);
  });
  window.addEventListener("pageshow", function () {
    document.querySelectorAll("[aria-busy=true]").forEach(function (b) {
      b.removeAttribute("aria-busy"); b.classList.remove("is-busy");
    });
  });
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
        wrap.setAttribute("aria-label", caption ? caption.textContent.trim() : window.innocoreWord("table_scrolls"));
      } else if (!scrolls && wrap.getAttribute("tabindex") === "0") {
        ["tabindex", "role", "aria-label"].forEach(function (a) { wrap.removeAttribute(a); });
      }
    });
  }
  mark();
  window.addEventListener("resize", mark);
})();
