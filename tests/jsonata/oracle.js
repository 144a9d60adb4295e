// The reference JSONata (npm jsonata@2.2.2) as an oracle for tests/jsonata_oracle.rs.
// Reads JSON lines {"e": expression, "input", "context", "vars"} on stdin and writes one JSON
// line per case: {"value": v}, {"undefined": true} or {"error": {"code", "message"}}.
// Evaluated with no input document and `$states` + the variables bound, as Step Functions does.
"use strict";
const jsonata = require("jsonata");
const readline = require("readline");

// A JSONata function is an object (circular, so JSON.stringify throws) or a JS function:
// leave it out as JSON.stringify leaves out a JS function.
function withoutFunctions(key, value) {
  const isFunction = typeof value === "function" ||
    (value !== null && typeof value === "object" && (value._jsonata_lambda || value._jsonata_function));
  return isFunction ? undefined : value;
}

async function evaluate(c) {
  try {
    const bindings = Object.assign({}, c.vars, { states: { input: c.input, context: c.context } });
    const result = await jsonata(c.e).evaluate(undefined, bindings);
    const text = JSON.stringify(result, withoutFunctions);
    return text === undefined ? { undefined: true } : { value: JSON.parse(text) };
  } catch (e) {
    return { error: { code: e.code || null, message: String(e.message || e) } };
  }
}

async function main() {
  const lines = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });
  for await (const line of lines) {
    if (line.trim() === "") continue;
    process.stdout.write(JSON.stringify(await evaluate(JSON.parse(line))) + "\n");
  }
}

main();
