/**
 * node:test, one file per process, in-process: a reporter prints one JSON line per test event, and a
 * preload marks every test's start and end synchronously on fd 3, so a test that blocks the event
 * loop forever is still named when its process is killed (the reporter never runs again then).
 */
import { z } from 'zod';
import type { TestStatus } from '../test-runner.js';

const dataUrl = (source: string) => `data:text/javascript;base64,${Buffer.from(source).toString('base64')}`;

const REPORTER_SOURCE = `
export default async function* delmReporter(source) {
  for await (const event of source) {
    if (event.type !== 'test:start' && event.type !== 'test:pass' && event.type !== 'test:fail') continue;
    const d = event.data;
    let err;
    if (event.type === 'test:fail') {
      const e = d.details && d.details.error;
      const inner = e && e.cause && typeof e.cause === 'object' ? e.cause : e;
      err = String((inner && (inner.stack || inner.message)) || (e && e.message) || 'failed').slice(0, 2000);
      if (e && e.failureType === 'testTimeoutFailure') err = 'timeout: ' + err;
    }
    yield '@@delm ' + JSON.stringify({
      t: event.type.slice(5), n: d.name, l: d.nesting,
      s: Boolean(d.skip || d.todo), suite: Boolean(d.details && d.details.type === 'suite'), e: err,
    }) + '\\n';
  }
}`;

// Wraps test/it (and describe/suite, for the names) so each test's start and end reach fd 3 at once.
const PRELOAD_SOURCE = `
import { createRequire, syncBuiltinESMExports } from 'node:module';
import { writeSync } from 'node:fs';
const require = createRequire(process.cwd() + '/');
const t = require('node:test');
const stack = [];
const mark = (o) => { try { writeSync(3, '@@mark ' + JSON.stringify(o) + '\\n'); } catch {} };
const split = (args) => {
  const fnAt = args.findIndex((a) => typeof a === 'function');
  const name = typeof args[0] === 'string' ? args[0] : fnAt >= 0 ? args[fnAt].name || '<anonymous>' : '<anonymous>';
  return { fnAt, name };
};
const keepShape = (wrapped, fn) => { Object.defineProperty(wrapped, 'length', { value: fn.length }); Object.defineProperty(wrapped, 'name', { value: fn.name }); return wrapped; };
const wrapTest = (orig) => {
  const w = function (...args) {
    const { fnAt, name } = split(args);
    if (fnAt >= 0) {
      const fn = args[fnAt];
      const full = [...stack, name].join(' > ');
      args[fnAt] = keepShape(function (...a) {
        mark({ t: 'start', n: full });
        try {
          const r = fn.apply(this, a);
          if (r && typeof r.then === 'function') return r.then((v) => { mark({ t: 'end', n: full, ok: true }); return v; }, (e) => { mark({ t: 'end', n: full, ok: false, e: String((e && e.stack) || e).slice(0, 2000) }); throw e; });
          mark({ t: 'end', n: full, ok: true });
          return r;
        } catch (e) { mark({ t: 'end', n: full, ok: false, e: String((e && e.stack) || e).slice(0, 2000) }); throw e; }
      }, fn);
    }
    return orig.apply(this, args);
  };
  return Object.assign(w, orig);
};
const wrapSuite = (orig) => {
  const w = function (...args) {
    const { fnAt, name } = split(args);
    if (fnAt >= 0) {
      const fn = args[fnAt];
      args[fnAt] = keepShape(function (...a) { stack.push(name); try { return fn.apply(this, a); } finally { stack.pop(); } }, fn);
    }
    return orig.apply(this, args);
  };
  return Object.assign(w, orig);
};
for (const k of ['test', 'it']) if (typeof t[k] === 'function') t[k] = wrapTest(t[k]);
for (const k of ['describe', 'suite']) if (typeof t[k] === 'function') t[k] = wrapSuite(t[k]);
syncBuiltinESMExports();
`;

/** Node arguments that run one node:test file in-process with the marks and the JSON-lines reporter. */
export function nodeTestArgs(file: string, testTimeoutMs: number): string[] {
  return [
    `--import=${dataUrl(PRELOAD_SOURCE)}`,
    `--test-reporter=${dataUrl(REPORTER_SOURCE)}`,
    '--test-reporter-destination=stdout',
    `--test-timeout=${testTimeoutMs}`,
    file,
  ];
}

const eventSchema = z.object({
  t: z.enum(['start', 'pass', 'fail']),
  n: z.string(),
  l: z.number().int().nonnegative(),
  s: z.boolean(),
  suite: z.boolean(),
  e: z.string().optional(),
});

/** A test as one runner reported it, before the file is attached. */
export interface RawResult {
  readonly name: string;
  readonly status: TestStatus;
  readonly error?: string;
  readonly reason?: 'timeout';
}

/** The valid events among a delm reporter's `@@delm <json>` lines (a test's own output is skipped). */
export function* reporterEvents<T>(stdout: string, schema: z.ZodType<T>): Generator<T> {
  for (const line of stdout.split('\n')) {
    if (!line.startsWith('@@delm ')) continue;
    let json: unknown;
    try {
      json = JSON.parse(line.slice(7));
    } catch {
      continue;
    }
    const parsed = schema.safeParse(json);
    if (parsed.success) yield parsed.data;
  }
}

/** Leaf tests from the reporter's JSON lines (suites dropped; nested names joined with " > "). */
export function parseNodeTestOutput(stdout: string): RawResult[] {
  const stack: string[] = [];
  const out: RawResult[] = [];
  for (const ev of reporterEvents(stdout, eventSchema)) {
    if (ev.t === 'start') {
      stack.length = ev.l;
      stack.push(ev.n);
      continue;
    }
    if (ev.suite) continue;
    const name = [...stack.slice(0, ev.l), ev.n].join(' > ');
    const timeout = ev.e?.startsWith('timeout: ');
    out.push({
      name,
      status: ev.s ? 'skip' : ev.t === 'pass' ? 'pass' : 'fail',
      ...(ev.e !== undefined ? { error: ev.e } : {}),
      ...(timeout ? { reason: 'timeout' as const } : {}),
    });
  }
  return out;
}

/** What the preload's marks say after a kill: tests that ended (with their outcome) and those still running, in order. */
export function readMarks(marks: string): { ended: RawResult[]; unfinished: string[] } {
  const open: string[] = [];
  const ended: RawResult[] = [];
  for (const line of marks.split('\n')) {
    if (!line.startsWith('@@mark ')) continue;
    try {
      const m = JSON.parse(line.slice(7)) as { t: string; n: string; ok?: boolean; e?: string };
      if (m.t === 'start') {
        open.push(m.n);
        continue;
      }
      const at = open.lastIndexOf(m.n);
      if (at !== -1) open.splice(at, 1);
      ended.push({ name: m.n, status: m.ok ? 'pass' : 'fail', ...(m.e !== undefined ? { error: m.e } : {}) });
    } catch {
      /* a line cut by the kill */
    }
  }
  return { ended, unfinished: open };
}
