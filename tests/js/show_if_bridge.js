// Test bridge: one JSON request per line on stdin → one JSON result per line on stdout, so a
// hypothesis test can ask web/static/show_if.js thousands of questions from one node process.
"use strict";
const path = require("path");
const readline = require("readline");
const showIf = require(path.join(__dirname, "..", "..", "web", "static", "show_if.js"));

readline.createInterface({ input: process.stdin }).on("line", (line) => {
  const req = JSON.parse(line);
  let out;
  try {
    if (req.coerce) {
      out = { ok: showIf.coerceAnswer(req.question, req.raw, req.max_chars) };
    } else if (req.visible) {
      out = { ok: showIf.visibleIds(req.rules, req.raw, req.today) };
    } else {
      out = { ok: showIf.evaluate(req.tree, req.answers, req.scores, req.today) };
    }
  } catch (e) {
    out = { error: String(e && e.stack || e) };
  }
  process.stdout.write(JSON.stringify(out === undefined ? { ok: null } : out) + "\n");
});
