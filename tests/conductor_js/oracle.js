// Runs each script of a corpus (JSON array of {name, script, input} on stdin) the way Conductor
// does: a fresh context, the input bound as the global `$`, sloppy-mode global code; prints one
// JSON array of {ok: <result>} or {error: "<name>: <message>"}. The result is converted as
// Conductor converts a GraalJS value: `undefined` is null (kept as a member), a function or a
// Date is an object of its own enumerable properties (so `{}`), a Map an object of its entries
// (GraalJS gives a Map hash entries; a key that is not a string is written as Java would, which
// String() matches for the keys the corpus uses).
const vm = require("vm");
const corpus = JSON.parse(require("fs").readFileSync(0, "utf8"));
function conductor(key, v) {
  const raw = this[key];
  if (raw === undefined) return null;
  const kind = Object.prototype.toString.call(raw);
  if (typeof raw === "function" || kind === "[object Date]") return { ...raw };
  if (kind === "[object Map]") return Object.fromEntries([...raw].map(([k, e]) => [String(k), e]));
  return v;
}
const out = corpus.map(({ script, input }) => {
  const context = vm.createContext({ __input: JSON.stringify(input) });
  try {
    vm.runInContext("var $ = JSON.parse(__input); delete globalThis.__input;", context);
    const value = vm.runInContext(script, context, { timeout: 1000 });
    const text = vm.runInContext("JSON.stringify", context)(value, conductor);
    return { ok: text === undefined ? null : JSON.parse(text) };
  } catch (e) {
    return { error: `${e && e.name}: ${e && e.message}` };
  }
});
process.stdout.write(JSON.stringify(out));
