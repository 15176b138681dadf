// Irreversible actions ask first in a native <dialog> (see innocore/confirm.py).
// A form posting to one of the routes in <body data-irreversible> is held back; the server's own
// confirmation page is fetched with the same fields (a POST without "confirmed", which writes
// nothing) and its summary and button are shown in a dialog. The dialog's button posts the
// page's form normally (with confirmed=1), so what happened is reported by the next page.
// Without JavaScript, or if anything here fails, the form posts and the confirmation page shows.
(function () {
  "use strict";
  var body = document.body;
  var pattern = body.getAttribute("data-irreversible");
  if (!pattern || !window.fetch || !window.HTMLDialogElement) return;
  var routes = new RegExp(pattern);
  var root = body.getAttribute("data-root") || "";

  function irreversible(form) {
    if ((form.getAttribute("method") || "get").toLowerCase() !== "post") return false;
    if (form.querySelector('input[name="confirmed"][value="1"]')) return false;
    var path = new URL(form.action, window.location.href).pathname;
    if (root && path.indexOf(root) === 0) path = path.slice(root.length);
    return routes.test(path);
  }

  function show(html, form) {
    var page = new DOMParser().parseFromString(html, "text/html");
    var section = page.querySelector("section.confirm");
    if (!section) return false;
    var heading = page.querySelector("main h1, h1");
    var dialog = document.createElement("dialog");
    dialog.className = "confirm";
    dialog.setAttribute("aria-labelledby", "confirm-dialog-h");
    var h = document.createElement("h2");
    h.id = "confirm-dialog-h";
    h.textContent = heading ? heading.textContent : window.innocoreWord("are_you_sure");
    dialog.appendChild(h);
    var inner = document.importNode(section, true);
    inner.removeAttribute("aria-labelledby");
    var sub = inner.querySelector("h2");
    if (sub) { sub.id = ""; sub.className = "confirm-note"; }
    dialog.appendChild(inner);
    var back = inner.querySelector("a.button");
    if (back) {
      var keep = document.createElement("button");
      keep.type = "button";
      keep.className = "secondary";
      keep.textContent = back.textContent;
      keep.addEventListener("click", function () { dialog.close(); });
      back.replaceWith(keep);
    }
    dialog.addEventListener("close", function () { dialog.remove(); form.removeAttribute("aria-busy"); });
    document.body.appendChild(dialog);
    dialog.showModal();
    var go = inner.querySelector('button[type="submit"]');
    if (go) go.focus();
    return true;
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement) || !irreversible(form)) return;
    event.preventDefault();
    form.setAttribute("aria-busy", "true");
    fetch(form.action, {
      method: "POST",
      body: new FormData(form, event.submitter || undefined),
      credentials: "same-origin",
      headers: { "X-Confirm-Preview": "1" }
    }).then(function (response) {
      if (response.status === 204) return null; // nothing to confirm: post it as it is
      return response.text();
    }).then(function (html) {
      if (html === null || !show(html, form)) proceed(form, event.submitter);
    }).catch(function () { proceed(form, event.submitter); });
  });

  function proceed(form, submitter) {
    form.removeAttribute("aria-busy");
    // Past this handler: a native submission (the server asks again if it must).
    if (submitter && submitter.name) {
      var s = document.createElement("input");
      s.type = "hidden"; s.name = submitter.name; s.value = submitter.value;
      form.appendChild(s);
    }
    HTMLFormElement.prototype.submit.call(form);
  }
})();
