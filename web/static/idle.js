// The idle warning: two minutes before the patient's idle logout a dialog offers "Fortsätt vara inloggad".
// The server decides when the session ends (web/sessions.py); this only counts down what the page was told.
(function () {
  "use strict";
  var dialog = document.getElementById("idle-warning");
  if (!dialog || typeof dialog.showModal !== "function") { return; }
  var form = dialog.querySelector("form");
  var warnBefore = Number(dialog.getAttribute("data-warn-before")) * 1000;
  var idleSeconds = Number(dialog.getAttribute("data-idle-seconds"));
  var loginUrl = dialog.getAttribute("data-login-url");
  var warnTimer = null;
  var endTimer = null;

  function schedule(secondsLeft) {
    clearTimeout(warnTimer);
    clearTimeout(endTimer);
    var ms = secondsLeft * 1000;
    // a limit beyond setTimeout's range (about 24 days) would fire at once: such a session never warns
    if (ms + 1000 > 2147483647) { return; }
    warnTimer = setTimeout(function () {
      if (!dialog.open) { dialog.showModal(); }
    }, Math.max(0, ms - warnBefore));
    // the session is gone: the login page says so instead of a form that can no longer be sent
    endTimer = setTimeout(function () { location.assign(loginUrl); }, ms + 1000);
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    fetch(form.action, {
      method: "POST", body: new FormData(form), credentials: "same-origin",
      headers: { "Accept": "application/json" }
    }).then(function (r) { return r.ok ? r.json() : null; }).then(function (data) {
      if (!data) { location.assign(loginUrl); return; }
      dialog.close();
      schedule(data.seconds_left);
    }).catch(function () { form.submit(); });
  });

  // a request the page makes itself (autosave, show_if) keeps the session on the server too; the server
  // writes last_seen at most once a minute, so count a minute less than the whole limit
  document.addEventListener("stegvis:server-touched", function () {
    if (!dialog.open) { schedule(idleSeconds - 60); }
  });

  schedule(Number(dialog.getAttribute("data-seconds-left")));
}());
