/**
 * A run's task checked before the server accepts it: text that is not valid Unicode anywhere in a
 * body, and the task's `meta` by the run's own protocol (`SwarmProtocol.checkTask`), so bad input is
 * a 400 naming the field instead of a 202 or a 200 followed by a failed run.
 */
import { loadProtocol, type ProtocolRef } from '../protocols/registry.js';
import type { RunTask, SwarmProtocol } from '../protocols/kit/protocol.js';
import type { ResolvedSwarmOptions } from '../runtime/options.js';
import { invalidBody } from './errors.js';

/** The path (`messages.0.content`) of the first string or key in `value` holding a lone surrogate, if any. */
export function illFormedTextPath(value: unknown): string | undefined {
  // Iterative: a deeply nested body must not overflow the stack.
  const stack: Array<{ value: unknown; path: string }> = [{ value, path: '' }];
  const join = (path: string, key: string | number) => (path ? `${path}.${key}` : String(key));
  while (stack.length) {
    const { value: v, path } = stack.pop()!;
    if (typeof v === 'string') {
      if (!v.isWellFormed()) return path || '(body)';
    } else if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--) stack.push({ value: v[i], path: join(path, i) });
    } else if (v !== null && typeof v === 'object') {
      const entries: Array<[string, unknown]> = Object.entries(v as Record<string, unknown>);
      for (let i = entries.length - 1; i >= 0; i--) {
        const [key, item] = entries[i]!;
        if (!key.isWellFormed()) return join(path, key.toWellFormed());
        stack.push({ value: item, path: join(path, key) });
      }
    }
  }
  return undefined;
}

/** Throws a 400 naming the field when `body` holds text that is not valid Unicode. */
export function assertWellFormedText(body: unknown): void {
  const path = illFormedTextPath(body);
  if (path === undefined) return;
  throw invalidBody(
    [`${path}: the text is not valid Unicode (it holds a lone UTF-16 surrogate)`],
    path !== '(body)' ? path : undefined,
  );
}

/** Checks tasks with the protocol the server's swarms run; the protocol module is loaded once. */
export function protocolTaskChecker(
  protocol: ResolvedSwarmOptions['protocol'],
): (task: RunTask, fieldPrefix?: string) => Promise<void> {
  const ref: ProtocolRef =
    typeof protocol === 'string'
      ? { builtIn: protocol }
      : { module: protocol.module, export: protocol.export ?? 'protocol' };
  let loaded: Promise<SwarmProtocol> | undefined;
  return async (task, fieldPrefix = '') => {
    const problems = (await (loaded ??= loadProtocol(ref))).checkTask?.(task) ?? [];
    if (!problems.length) return;
    const issues = problems.map((p) => `${fieldPrefix}${p}`);
    throw invalidBody(issues, /^([^:\s]+):/.exec(issues[0]!)?.[1]);
  };
}
