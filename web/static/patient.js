// Optional help on the patient's pages; every page works without it.
// - show_if live: evaluated at once by show_if.js over the engine's expression tree (the server applies
//   show_if again on every save and submit); pages without the tree ask the server
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

  function applyVisible(form, visible, announce) {
    var shown = new Set(visible);
    var revealed = [];
    form.querySelectorAll("[data-question]").forEach(function (el) {
      var show = shown.has(el.getAttribute("data-question"));
      if (show && el.hidden) { revealed.push(el); }
      el.hidden = !show;
    });
    var live = form.querySelector("[data-live]");
    if (announce && live && revealed.length) {
      // "Ny fråga: Vilket annat skäl?" — the label or legend of each question that just appeared
      live.textContent = revealed.map(function (el) {
        var label = el.querySelector("legend, label");
        return form.getAttribute("data-revealed") + " " + (label ? label.textContent.trim() : "");
      }).join(" ");
    }
  }

  // the raw strings a submit would send, per question (radios: the checked one; checkboxes: every checked)
  function rawAnswers(form, rules) {
    var raw = {};
    rules.questions.forEach(function (q) {
      var inputs = Array.prototype.filter.call(form.elements, function (el) { return el.name === q.id; });
      if (q.type === "multiple_choice") {
        raw[q.id] = inputs.filter(function (el) { return el.checked; }).map(function (el) { return el.value; });
        return;
      }
      var value = null;
      inputs.forEach(function (el) {
        if ((el.type === "radio" || el.type === "checkbox") ? el.checked : true) { value = el.value; }
      });
      raw[q.id] = value;
    });
    return raw;
  }

  function liveVisibility(form) {
    var rulesText = form.getAttribute("data-show-if");
    if (rulesText && window.StegvisShowIf) {
      // at once, in the browser, from the same expression tree the engine checks (the server decides on submit)
      var rules = JSON.parse(rulesText);
      var update = function () { applyVisible(form, window.StegvisShowIf.visibleIds(rules, rawAnswers(form, rules), null), true); };
      form.addEventListener("input", update);
      form.addEventListener("change", update);
      return;
    }
    var url = form.getAttribute("data-visible-url");
    if (!url) { return; }
    var ask = debounce(function () {
      post(url, form).then(function (r) { return r.ok ? r.json() : null; }).then(function (data) {
        if (data) { applyVisible(form, data.visible, true); }
      }).catch(function () { /* offline: the server applies show_if on submit */ });
    }, 150);
    form.addEventListener("change", ask);
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
    // the fingerprint this page was rendered from: an edit saved while it loaded reloads it too
    var seen = meta.getAttribute("data-fingerprint");
    setInterval(function () {
      fetch(url, { credentials: "same-origin" }).then(function (r) { return r.json(); }).then(function (data) {
        if (!seen) { seen = data.fingerprint; } else if (data.fingerprint !== seen) { location.reload(); }
      }).catch(function () {});
    }, 1500);
  }

  document.querySelectorAll("form[data-visible-url]").forEach(function (form) {
    liveVisibility(form);
    autosave(form);
  });
  liveReload();
}());
