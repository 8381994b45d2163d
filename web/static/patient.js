// Optional help on the patient's pages; every page works without it.
// - show_if live: asks the server which questions show (the engine decides; no rules are copied here)
// - autosave: keeps a draft a moment after the patient stops typing
// - author preview in development: reloads the page when a program file changes
(function () {
  "use strict";

  function debounce(fn, ms) {
    var timer = null;
    var wrapped = function () {
      clearTimeout(timer);
      timer = setTimeout(fn, ms);
    };
    wrapped.cancel = function () { clearTimeout(timer); };
    return wrapped;
  }

  function post(url, form, extra, headers) {
    var data = new FormData(form);
    Object.keys(extra || {}).forEach(function (k) { data.set(k, extra[k]); });
    return fetch(url, {
      method: "POST", body: data, credentials: "same-origin",
      headers: Object.assign({ "Accept": "application/json" }, headers || {})
    }).then(function (r) {
      // the request kept the session alive: the idle warning (idle.js) starts counting again
      if (r.ok) { document.dispatchEvent(new CustomEvent("stegvis:server-touched")); }
      return r;
    });
  }

  function liveVisibility(form) {
    var url = form.getAttribute("data-visible-url");
    if (!url) { return; }
    var update = debounce(function () {
      post(url, form).then(function (r) { return r.ok ? r.json() : null; }).then(function (data) {
        if (!data) { return; }
        var shown = new Set(data.visible);
        form.querySelectorAll("[data-question]").forEach(function (el) {
          el.hidden = !shown.has(el.getAttribute("data-question"));
        });
      }).catch(function () { /* offline: the server applies show_if on submit */ });
    }, 150);
    form.addEventListener("change", update);
  }

  function autosave(form) {
    if (form.getAttribute("data-autosave") !== "1") { return; }
    var status = form.querySelector("[data-draft-status]");
    var stopped = false;
    var save = debounce(function () {
      if (stopped) { return; }
      post(form.action, form, { "stegvis-atgard": "spara" }, { "X-Stegvis-Autosave": "1" })
        .then(function (r) { return r.json(); })
        .then(function (data) { if (status && data && data.message) { status.textContent = data.message; } })
        .catch(function () { /* the buttons still save */ });
    }, 2000);
    form.addEventListener("input", save);
    form.addEventListener("change", save);
    form.addEventListener("submit", function () { stopped = true; save.cancel(); });
  }

  function liveReload() {
    var meta = document.querySelector('meta[name="stegvis-reload"]');
    if (!meta) { return; }
    var url = meta.getAttribute("content");
    var seen = null;
    setInterval(function () {
      fetch(url, { credentials: "same-origin" }).then(function (r) { return r.json(); }).then(function (data) {
        if (seen === null) { seen = data.fingerprint; } else if (data.fingerprint !== seen) { location.reload(); }
      }).catch(function () {});
    }, 1500);
  }

  document.querySelectorAll("form[data-visible-url]").forEach(function (form) {
    liveVisibility(form);
    autosave(form);
  });
  liveReload();
}());
