/**
 * A structured-output schema as JSON Schema, converted once per zod schema. A request's schema is one
 * of a few constants (the protocol's step, plan and decision schemas) and `z.toJSONSchema` cost each
 * call ~0.1 ms: 10 % of an agent thread's CPU with 1,000 agents calling an OpenAI-compatible server.
 */
import { z } from 'zod';

const converted = new WeakMap<z.ZodType<unknown>, Readonly<Record<string, unknown>>>();

/**
 * The JSON Schema of what `schema` accepts (`io: 'input'`), shared by every call with that schema and
 * frozen all the way down, so no caller can change it for the next; a schema with no JSON form throws
 * each time it is asked for, as `z.toJSONSchema` does.
 */
export function inputJsonSchema(schema: z.ZodType<unknown>): Readonly<Record<string, unknown>> {
  let json = converted.get(schema);
  if (!json) {
    json = deepFreeze(z.toJSONSchema(schema, { io: 'input' }) as Record<string, unknown>);
    converted.set(schema, json);
  }
  return json;
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}
