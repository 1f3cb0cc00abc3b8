/* doanbd — small progressive enhancements; every page works without it.
   Loaded as an external file because the CSP forbids inline scripts. */
(function () {
  "use strict";

  function meta(name) {
    var m = document.querySelector('meta[name="' + name + '"]');
    return m ? m.getAttribute("content") : "";
  }

  // Ask before destructive actions: <form data-confirm="…"> or <button data-confirm="…">.
  document.addEventListener("submit", function (ev) {
    var form = ev.target;
    var btn = ev.submitter;
    var msg = (btn && btn.getAttribute("data-confirm")) || form.getAttribute("data-confirm");
    if (msg && !window.confirm(msg)) {
      ev.preventDefault();
      return;
    }
    // Slow links: stop a second click from posting the form twice.
    if (!form.hasAttribute("hx-post") && !form.hasAttribute("data-resubmit")) {
      window.setTimeout(function () {
        form.querySelectorAll("button[type=submit], input[type=submit]").forEach(function (b) {
          b.disabled = true;
        });
      }, 0);
    }
  });

  // htmx requests carry the CSRF token in a header as well as in the form.
  document.addEventListener("htmx:configRequest", function (ev) {
    var token = meta("csrf-token");
    if (token) {
      ev.detail.headers["X-CSRF-Token"] = token;
    }
  });

  // A failed htmx request shows a message instead of failing silently.
  document.addEventListener("htmx:responseError", function () {
    var box = document.getElementById("live-error");
    if (box) {
      box.textContent = box.getAttribute("data-message") || "";
      box.hidden = false;
    }
  });
  document.addEventListener("htmx:sendError", function () {
    var box = document.getElementById("live-error");
    if (box) {
      box.textContent = box.getAttribute("data-offline") || "";
      box.hidden = false;
    }
  });
})();

/* A cadre ticked in the search results of the class form moves to the
   chosen list, so a new search does not drop it. */
document.addEventListener("change", function (ev) {
  var box = ev.target;
  var results = document.getElementById("nominee-results");
  var chosen = document.getElementById("nominees-chosen");
  if (!results || !chosen || !box.matches || !box.matches("#nominee-results input[type=checkbox]")) {
    return;
  }
  if (box.checked) {
    chosen.appendChild(box.parentNode);
  }
});
