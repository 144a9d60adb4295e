// Run once in each new context, before any script (engine.rs): makes the built-ins immutable and
// returns `reset`, which puts the global object back as it was after each evaluation, so scripts
// that share the context cannot see or change what another left behind.
//
// - Every object reachable from the global object (constructors, prototypes, `Math`, `JSON`, the
//   iterator and generator prototypes scripts can reach, accessors' functions) is made
//   non-extensible and its properties non-configurable and read-only, except the names in
//   OVERRIDABLE: a script may set those on its own objects (`e.name = ...` on an error,
//   `o.toString = ...`), which a read-only inherited property would silently forbid, so they stay
//   writable and `reset` reports when one of them was replaced on a built-in.
// - The global object's own properties become non-configurable (so a built-in global cannot be
//   deleted or turned into a getter); `reset` deletes every global a script added and assigns
//   back any built-in global a script replaced.
//
// `reset` returns false when the context cannot be put back (a global that cannot be deleted, a
// replaced built-in method, a global object made non-extensible): the engine then drops the
// context. It uses only functions captured here, never what a script can reach.
(function () {
  "use strict";
  const g = globalThis;
  const ownKeys = Reflect.ownKeys;
  const getPrototypeOf = Reflect.getPrototypeOf;
  const describe = Reflect.getOwnPropertyDescriptor;
  const define = Reflect.defineProperty;
  const remove = Reflect.deleteProperty;
  const isExtensible = Reflect.isExtensible;
  const preventExtensions = Reflect.preventExtensions;
  const same = Object.is;
  const OVERRIDABLE = ["constructor", "name", "message", "toString", "toLocaleString", "valueOf", "toJSON"];

  // Built-ins no global names: found by making one of their instances.
  const hidden = [
    () => [][Symbol.iterator](),
    () => new Map()[Symbol.iterator](),
    () => new Set()[Symbol.iterator](),
    () => ""[Symbol.iterator](),
    () => "".matchAll(/a/g),
    () => function* () {},
    () => (function* () {})(),
    () => async function () {},
    () => async function* () {},
    () => (async function* () {})(),
    () => Iterator.from({ next() {} }),
    () => [].values().map((x) => x),
  ];

  const seen = new Set([g]);
  const queue = [];
  const visit = (v) => {
    if (((typeof v === "object" && v !== null) || typeof v === "function") && !seen.has(v)) {
      seen.add(v);
      queue.push(v);
    }
  };
  for (const make of hidden) {
    try {
      visit(getPrototypeOf(make()));
    } catch (e) {
      // Not in this engine's version.
    }
  }
  for (const k of ownKeys(g)) {
    const d = describe(g, k);
    visit(d.value);
    visit(d.get);
    visit(d.set);
  }
  visit(getPrototypeOf(g));

  const watched = [];
  while (queue.length > 0) {
    const o = queue.pop();
    for (const k of ownKeys(o)) {
      const d = describe(o, k);
      visit(d.value);
      visit(d.get);
      visit(d.set);
      if ("value" in d && d.writable && OVERRIDABLE.includes(k)) {
        define(o, k, { configurable: false });
        watched.push(o, k, d.value);
      } else if ("value" in d) {
        define(o, k, { configurable: false, writable: false });
      } else {
        define(o, k, { configurable: false });
      }
    }
    visit(getPrototypeOf(o));
    preventExtensions(o);
  }

  // The built-in globals a script can assign (`NaN` and `undefined` are read-only already).
  const names = [];
  const values = [];
  const builtin = Object.create(null);
  for (const k of ownKeys(g)) {
    const d = describe(g, k);
    if (d.writable) {
      names.push(k);
      values.push(d.value);
    }
    define(g, k, { configurable: false });
    builtin[k] = true;
  }

  return function reset() {
    if (!isExtensible(g)) return false;
    const now = ownKeys(g);
    for (let i = 0; i < now.length; i++) {
      if (builtin[now[i]] !== true && !remove(g, now[i])) return false;
    }
    for (let i = 0; i < names.length; i++) {
      if (!same(g[names[i]], values[i])) g[names[i]] = values[i];
    }
    for (let i = 0; i < watched.length; i += 3) {
      if (watched[i][watched[i + 1]] !== watched[i + 2]) return false;
    }
    return true;
  };
})()
