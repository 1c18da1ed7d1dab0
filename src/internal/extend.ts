/**
 * `{ ...base, ...fields }` as one object whose hidden class V8 can share. On Node 20 (V8 11.3) a literal
 * that starts with a spread and then adds a key the spread did not copy (`{ ...envelope, sentAt }`)
 * gets a hidden class of its own every time: a new map allocated per object, and every property read
 * that meets such objects goes megamorphic. `Object.assign` onto a fresh object reuses one map per
 * shape. Use it where such objects are built per call, per proposal or per agent. It copies as
 * `Object.assign` does, by assignment: not for objects that may hold an own `__proto__` key (JSON
 * straight from outside), which a spread would copy as data.
 */
export function extend<B extends object, F extends object>(base: B, fields: F): B & F {
  return Object.assign({}, base, fields);
}
