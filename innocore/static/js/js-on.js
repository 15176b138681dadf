// Loaded in <head>, before the page draws: with JavaScript the menus start closed (see nav.js);
// without it every menu shows its links, so the site stays usable.
document.documentElement.classList.add("js");
