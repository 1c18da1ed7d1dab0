/** Parsing at the boundaries with zod, and one way to report what was wrong. */
import type { z } from 'zod';
import { InvalidConfigError } from '../errors.js';

/** One line per zod issue: `path: message` (`(root)` for the value itself). */
export function describeIssues(error: z.ZodError): string[] {
  return error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
}

/** Parses `value` with `schema`, or throws InvalidConfigError titled `what` listing every problem. */
export function parseConfig<S extends z.ZodType>(schema: S, value: unknown, what: string): z.output<S> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new InvalidConfigError(what, describeIssues(parsed.error));
  return parsed.data;
}
