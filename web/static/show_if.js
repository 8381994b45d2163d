// show_if in the browser: the engine's evaluator (engine/expr/evaluate.py) and its coercion of typed
// answers (engine/forms/answers.py) over the same expression tree (engine/expr/tree_json.py).
// The server stays the authority: it applies show_if again on every save and submit.
// Held to the Python evaluator by a property test (tests/engine/test_show_if_js.py).
// Values: null, true/false, numbers, strings, arrays, {date: "YYYY-MM-DD"}, {time: "HH:MM"}.
(function (root, factory) {
  "use strict";
  var api = factory();
  if (typeof module === "object" && module.exports) { module.exports = api; } else { root.StegvisShowIf = api; }
}(this, function () {
  "use strict";

  function isDate(v) { return v !== null && typeof v === "object" && typeof v.date === "string"; }
  function isTime(v) { return v !== null && typeof v === "object" && typeof v.time === "string"; }
  function isNumber(v) { return typeof v === "number"; }
  function finite(v) { return isNumber(v) && isFinite(v) ? v : null; }

  // ------------------------------------------------------------ literals (engine.expr.syntax)
  function parseDate(text) {
    if (!/^[0-9]{4}-[0-9]{2}-[0-9]{2}$/.test(text)) { return null; }
    var y = Number(text.slice(0, 4)), m = Number(text.slice(5, 7)), d = Number(text.slice(8, 10));
    if (y < 1 || m < 1 || m > 12 || d < 1) { return null; }
    var leap = (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
    var days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m - 1];
    return d > days ? null : { date: text };
  }

  function parseTimeLiteral(text) {
    var m = /^([0-9]{2}):([0-9]{2})$/.exec(text);
    if (!m || Number(m[1]) > 23 || Number(m[2]) > 59) { return null; }
    return { time: m[1] + ":" + m[2] };
  }

  function dayNumber(d) {  // days since 1970-01-01 of a {date}
    return Math.round(Date.UTC(Number(d.date.slice(0, 4)), Number(d.date.slice(5, 7)) - 1,
                               Number(d.date.slice(8, 10))) / 86400000);
  }

  // ------------------------------------------------------------ Python's == and < on these values
  function codePoints(s) { return Array.from(s, function (c) { return c.codePointAt(0); }); }

  function kind(v) {
    if (typeof v === "boolean" || isNumber(v)) { return "num"; }  // bool is an int in Python
    if (typeof v === "string") { return "str"; }
    if (Array.isArray(v)) { return "list"; }
    if (isDate(v)) { return "date"; }
    if (isTime(v)) { return "time"; }
    return "none";
  }

  function pyEq(a, b) {
    var ka = kind(a), kb = kind(b);
    if (ka !== kb) { return false; }
    if (ka === "num") { return Number(a) === Number(b); }
    if (ka === "list") {
      if (a.length !== b.length) { return false; }
      for (var i = 0; i < a.length; i++) { if (!pyEq(a[i], b[i])) { return false; } }
      return true;
    }
    if (ka === "date") { return a.date === b.date; }
    if (ka === "time") { return a.time === b.time; }
    return a === b;  // strings, and None == None
  }

  // -1, 0 or 1; throws where Python raises TypeError
  function pyCompare(a, b) {
    var ka = kind(a), kb = kind(b);
    if (ka !== kb || ka === "none") { throw new TypeError("unorderable"); }
    if (ka === "num") { a = Number(a); b = Number(b); return a < b ? -1 : a > b ? 1 : 0; }
    if (ka === "date" || ka === "time") {
      var x = ka === "date" ? a.date : a.time, y = ka === "date" ? b.date : b.time;
      return x < y ? -1 : x > y ? 1 : 0;
    }
    if (ka === "str") { return compareLists(codePoints(a), codePoints(b)); }
    return compareLists(a, b);
  }

  function compareLists(a, b) {
    for (var i = 0; i < Math.min(a.length, b.length); i++) {
      if (!pyEq(a[i], b[i])) { return pyCompare(a[i], b[i]); }
    }
    return a.length < b.length ? -1 : a.length > b.length ? 1 : 0;
  }

  // ------------------------------------------------------------ the evaluator (engine.expr.evaluate)
  function asComparable(a, b) {
    if ((isDate(a) || isTime(a)) && typeof b === "string") { return [a, isDate(a) ? parseDate(b) : parseTimeLiteral(b)]; }
    if ((isDate(b) || isTime(b)) && typeof a === "string") { return [isDate(b) ? parseDate(a) : parseTimeLiteral(a), b]; }
    return [a, b];
  }

  function equal(a, b) {
    var c = asComparable(a, b);
    a = c[0]; b = c[1];
    if (a === null || b === null) { return false; }
    if ((typeof a === "boolean") !== (typeof b === "boolean")) { return false; }
    return pyEq(a, b);
  }

  function truthy(v) {
    if (v === null || v === undefined) { return false; }
    if (typeof v === "boolean") { return v; }
    if (isNumber(v)) { return v !== 0; }
    if (typeof v === "string" || Array.isArray(v)) { return v.length > 0; }
    return true;
  }

  function order(op, left, right) {
    var c = asComparable(left, right);
    left = c[0]; right = c[1];
    if (left === null || right === null || typeof left === "boolean" || typeof right === "boolean") { return false; }
    var r;
    try { r = pyCompare(left, right); } catch (e) { return false; }
    return op === "<" ? r < 0 : op === "<=" ? r <= 0 : op === ">" ? r > 0 : r >= 0;
  }

  function arithmetic(op, left, right) {
    if (!isNumber(left) || !isNumber(right)) { return null; }
    if (op === "/" && right === 0) { return null; }
    return finite(op === "+" ? left + right : op === "-" ? left - right : op === "*" ? left * right : left / right);
  }

  function asDate(v) {
    if (typeof v === "string") { return parseDate(v); }
    return isDate(v) ? v : null;
  }

  function isAnswered(v) {
    return v !== null && v !== undefined && v !== "" && !(Array.isArray(v) && v.length === 0);
  }

  function Evaluator(answers, scores, today) {
    this.answers = answers;
    this.scores = scores;
    this.today = today;
  }

  Evaluator.prototype.get = function (id) {
    return Object.prototype.hasOwnProperty.call(this.answers, id) ? this.answers[id] : null;
  };

  Evaluator.prototype.eval = function (node) {
    var self = this;
    switch (node.k) {
      case "lit": return node.v;
      case "name": return this.get(node.id);
      case "list": return node.items.map(function (i) { return self.eval(i); });
      case "un": {
        var value = this.eval(node.x);
        if (node.op === "not") { return !truthy(value); }
        return isNumber(value) ? -value : null;
      }
      case "bin": return this.binary(node);
      case "call": return this.call(node);
      default: return null;
    }
  };

  Evaluator.prototype.binary = function (node) {
    var op = node.op;
    if (op === "and") { return truthy(this.eval(node.l)) && truthy(this.eval(node.r)); }
    if (op === "or") { return truthy(this.eval(node.l)) || truthy(this.eval(node.r)); }
    var left = this.eval(node.l), right = this.eval(node.r);
    if (op === "==" || op === "!=") {
      if (isNull(node.l) || isNull(node.r)) { return (left === null && right === null) === (op === "=="); }
      if (left === null || right === null) { return false; }
      return equal(left, right) === (op === "==");
    }
    if (op === "in" || op === "not in") {
      if (left === null || !Array.isArray(right)) { return false; }
      return right.some(function (item) { return equal(left, item); }) === (op === "in");
    }
    if (op === "<" || op === "<=" || op === ">" || op === ">=") { return order(op, left, right); }
    return arithmetic(op, left, right);
  };

  Evaluator.prototype.call = function (node) {
    var f = node.f, self = this;
    if (f === "answered") {
      var arg = node.args[0];
      return isAnswered(arg.k === "name" ? this.get(arg.id) : this.eval(arg));
    }
    if (f === "today") { return asDate(this.today); }
    if (f === "days_between") {
      var first = asDate(this.eval(node.args[0])), second = asDate(this.eval(node.args[1]));
      return first === null || second === null ? null : dayNumber(second) - dayNumber(first);
    }
    if (f === "count" || f === "len") {
      var v = this.eval(node.args[0]);
      if (v === null) { return 0; }
      if (Array.isArray(v)) { return v.length; }
      if (f === "len" && typeof v === "string") { return Array.from(v).length; }
      return null;
    }
    var numbers = [];
    node.args.forEach(function (a) {
      var value = a.k === "name" && self.scores && Object.prototype.hasOwnProperty.call(self.scores, a.id)
        ? self.scores[a.id] : self.eval(a);
      (Array.isArray(value) ? value : [value]).forEach(function (x) { if (isNumber(x)) { numbers.push(x); } });
    });
    if (f === "sum") { return numbers.reduce(function (s, x) { return s + x; }, 0); }
    if (!numbers.length) { return null; }
    return (f === "min" ? Math.min : Math.max).apply(null, numbers);
  };

  function isNull(node) { return node.k === "lit" && node.v === null; }

  function evaluate(tree, answers, scores, today) {
    return new Evaluator(answers || {}, scores || null, today || null).eval(tree);
  }

  // ------------------------------------------------------------ web strings → typed answers (engine.forms.answers)
  var GROUPED = /^[+-]?[0-9]{1,3}([ \u00a0\u202f][0-9]{3})+([.,][0-9]+)?$/;
  var PLAIN = /^[+-]?[0-9]+([.,][0-9]+)?$/;

  function parseNumber(text) {
    text = text.trim().replace(/\u2212/g, "-");
    if (text.length > 30) { return null; }
    if (GROUPED.test(text)) { text = text.replace(/[ \u00a0\u202f]/g, ""); } else if (!PLAIN.test(text)) { return null; }
    return Number(text.replace(",", "."));
  }

  function parseTime(text) {
    var m = /^([0-9]{1,2})[:.]([0-9]{2})$/.exec(text.trim());
    if (!m || Number(m[1]) > 23 || Number(m[2]) > 59) { return null; }
    return { time: ("0" + Number(m[1])).slice(-2) + ":" + m[2] };
  }

  var YES = ["yes", "ja", "true", "1"], NO = ["no", "nej", "false", "0"];

  function coerceAnswer(q, raw, maxChars) {
    if (q.type === "multiple_choice") {
      var items = Array.isArray(raw) ? raw : (raw === null || raw === undefined ? [] : [raw]);
      var chosen = [];
      items.forEach(function (i) { var t = i.trim(); if (t && chosen.indexOf(t) < 0) { chosen.push(t); } });
      var rank = Object.create(null);
      q.options.forEach(function (o, n) { rank[o[0]] = n; });
      var indexed = chosen.map(function (id, n) {
        return [Object.prototype.hasOwnProperty.call(rank, id) ? rank[id] : q.options.length, n, id];
      });
      indexed.sort(function (a, b) { return a[0] - b[0] || a[1] - b[1]; });
      return indexed.length ? indexed.map(function (x) { return x[2]; }) : null;
    }
    if (Array.isArray(raw)) {
      var filled = raw.filter(function (r) { return r.trim() !== ""; });
      if (filled.length > 1) { return null; }
      raw = filled.length ? filled[0] : null;
    }
    if (raw === null || raw === undefined) { return null; }
    var text = raw.replace(/\r\n/g, "\n").trim();
    if (!text || Array.from(text).length > maxChars) { return null; }
    switch (q.type) {
      case "number": return parseNumber(text);
      case "scale": {
        var n = parseNumber(text);
        return n !== null && /^[+-]?[0-9 \u00a0\u202f]+$/.test(text.trim().replace(/\u2212/g, "-")) ? n : null;
      }
      case "yes_no": {
        var lowered = text.toLowerCase();
        return YES.indexOf(lowered) >= 0 ? true : NO.indexOf(lowered) >= 0 ? false : null;
      }
      case "date": return parseDate(text);
      case "time": return parseTime(text);
      default: return text;
    }
  }

  function itemScore(q, value) {  // engine.forms.scoring.item_score
    if (value === null) { return null; }
    var score = function (id) {
      for (var i = 0; i < q.options.length; i++) { if (q.options[i][0] === id) { return q.options[i][1]; } }
      return undefined;
    };
    if (q.type === "single_choice") {
      var s = typeof value === "string" ? score(value) : undefined;
      return s === undefined ? null : s;
    }
    if (q.type === "multiple_choice") {
      if (!Array.isArray(value) || !value.length) { return null; }
      return value.reduce(function (sum, id) { var x = score(id); return sum + (x === undefined ? 0 : x); }, 0);
    }
    if (q.type === "number" || q.type === "scale") { return isNumber(value) && isFinite(value) ? value : null; }
    if (q.type === "yes_no") { return typeof value === "boolean" ? (value ? 1 : 0) : null; }
    return null;
  }

  // the question ids shown for these raw answers, in order (engine.forms.answers._walk)
  function visibleIds(rules, raw, today) {
    var env = {}, scores = {}, shown = [];
    rules.questions.forEach(function (q) {
      if (q.show_if && !truthy(evaluate(q.show_if, env, scores, today))) { return; }
      shown.push(q.id);
      env[q.id] = coerceAnswer(q, Object.prototype.hasOwnProperty.call(raw, q.id) ? raw[q.id] : null,
                               rules.max_chars);
      scores[q.id] = itemScore(q, env[q.id]);
    });
    return shown;
  }

  return { evaluate: evaluate, truthy: truthy, coerceAnswer: coerceAnswer, visibleIds: visibleIds };
}));
