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
