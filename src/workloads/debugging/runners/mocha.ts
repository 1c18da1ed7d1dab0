/**
 * mocha, one file per process, with a reporter of ours that writes one JSON line per test event
 * synchronously (so the tests done before a hang survive the kill). Both UIs (BDD describe/it and
 * TDD/QUnit suite/test) through `--ui`.
 */
import { createHash } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { reporterEvents, type RawResult } from './node-test.js';

const REPORTER_SOURCE = `'use strict';
const { writeSync } = require('fs');
module.exports = function DelmReporter(runner) {
  const out = (o) => { try { writeSync(1, '@@delm ' + JSON.stringify(o) + '\\n'); } catch (e) {} };
  const name = (t) => (typeof t.titlePath === 'function' ? t.titlePath() : [t.fullTitle()]).join(' > ');
  runner.on('test', (t) => out({ t: 'start', n: name(t) }));
  runner.on('pass', (t) => out({ t: 'pass', n: name(t) }));
  runner.on('pending', (t) => out({ t: 'skip', n: name(t) }));
  runner.on('fail', (t, err) => out({ t: 'fail', n: name(t), hook: t.type === 'hook', e: String((err && (err.stack || err.message)) || err).slice(0, 2000), timeout: /Timeout of \\d+ms exceeded/.test(String(err && err.message)) }));
};
`;

let reporterPath: Promise<string> | undefined;
/** The reporter module on disk (mocha loads reporters by path), written once per content under the temp folder. */
export function mochaReporterPath(): Promise<string> {
  reporterPath ??= (async () => {
    const file = path.join(
      tmpdir(),
      `delm-mocha-reporter-${createHash('sha256').update(REPORTER_SOURCE).digest('hex').slice(0, 12)}.cjs`,
    );
    await writeFile(file, REPORTER_SOURCE);
    return file;
  })();
  return reporterPath;
}

/** What mocha needs besides the file (from .mocharc / the test script). */
export interface MochaSettings {
  readonly ui: string;
  readonly requires: readonly string[];
}

/** mocha arguments for one file: the project's config is not read again (its spec list would run every file). */
export function mochaArgs(file: string, reporter: string, settings: MochaSettings, testTimeoutMs: number): string[] {
  return [
    '--no-config',
    '--no-package',
    '--reporter',
    reporter,
    '--ui',
    settings.ui,
    '--timeout',
    String(testTimeoutMs),
    '--exit',
    ...settings.requires.flatMap((r) => ['--require', r]),
    file,
  ];
}

const eventSchema = z.object({
  t: z.enum(['start', 'pass', 'fail', 'skip']),
  n: z.string(),
  hook: z.boolean().optional(),
  e: z.string().optional(),
  timeout: z.boolean().optional(),
});

/** Per-test outcomes, and the tests that started and never ended (in order). */
export function parseMochaOutput(stdout: string): { results: RawResult[]; unfinished: string[] } {
  const results: RawResult[] = [];
  const open: string[] = [];
  for (const ev of reporterEvents(stdout, eventSchema)) {
    if (ev.t === 'start') {
      open.push(ev.n);
      continue;
    }
    const at = open.lastIndexOf(ev.n);
    if (at !== -1) open.splice(at, 1);
    // mocha reports a test that timed out and then failed again (done called twice) twice; the first word counts.
    if (results.some((r) => r.name === ev.n)) continue;
    results.push({
      name: ev.n,
      status: ev.t === 'fail' ? 'fail' : ev.t,
      ...(ev.e !== undefined ? { error: ev.e } : {}),
      ...(ev.timeout ? { reason: 'timeout' as const } : {}),
    });
  }
  return { results, unfinished: open };
}
