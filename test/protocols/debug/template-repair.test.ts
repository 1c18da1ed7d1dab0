import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../../../src/cli/main.js';
import { attemptFixes } from '../../../src/protocols/debug/attempts.js';
import { singlePointMutations } from '../../../src/protocols/debug/offline/mutations.js';
import { nextCandidate } from '../../../src/protocols/debug/offline/patch.js';
import { parseProgram } from '../../../src/protocols/debug/offline/ast.js';
import type { PatchProposal } from '../../../src/protocols/kit/schemas.js';
import type { LanguageModel } from '../../../src/providers/types.js';
import { parseCsv } from '../../../src/records/csv.js';

const WORKSPACE = new URL('./fixtures/guard-workspace', import.meta.url).pathname;
const SOURCE = readFileSync(join(WORKSPACE, 'src/size.js'), 'utf8');
const TEST_ID = 'test/size.test.js > gives an empty label when there is no count';
const tmp = mkdtempSync(join(tmpdir(), 'delm-template-repair-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** Whether `source` (the fixture's module, edited) passes all of the fixture's tests. */
function passesAll(source: string): boolean {
  try {
    // eslint-disable-next-line @typescript-eslint/no-implied-eval -- evaluates an edited copy of the fixture's module
    const load = new Function(`${source.replace(/export /g, '')}; return { sizeLabel, fits };`) as () => {
      sizeLabel: (n: unknown) => string;
      fits: (n: number, l: number) => boolean;
    };
    const { sizeLabel, fits } = load();
    return (
      sizeLabel(2048) === '2.0 kB' &&
      sizeLabel(512) === '0.5 kB' &&
      sizeLabel(undefined) === '' &&
      fits(1024, 1) &&
      !fits(1025, 1)
    );
  } catch {
    return false;
  }
}

/** A model that proposes the given patches in turn. */
function scripted(proposals: PatchProposal[]): LanguageModel & { calls: number } {
  const model = {
    id: 'scripted',
    calls: 0,
    complete: <T>() => {
      const object = proposals[model.calls++] as T;
      const usage = { inputTokens: 1, outputTokens: 1, cachedInputTokens: 0 };
      return Promise.resolve({ text: '', object, usage, costUsd: 0, latencyMs: 0, model: 'scripted' });
    },
  };
  return model;
}

describe('repair beyond single mutations', () => {
  it('the fixture bug is out of reach of every single-point mutation', () => {
    const mutations = singlePointMutations('src/size.js', SOURCE);
    expect(mutations.length).toBeGreaterThan(5);
    for (const m of mutations)
      expect(passesAll(SOURCE.replace(m.patch[0]!.search, () => m.patch[0]!.replace))).toBe(false);
  });

  it('delm fixes it offline with a fix template, verified on the whole suite, nothing regressed', async () => {
    const out = join(tmp, 'run');
    let err = '';
    const code = await main(['run', WORKSPACE, '--out', out], {
      out: () => undefined,
      err: (s) => void (err += s),
      signal: new AbortController().signal,
      isTTY: false,
      cwd: tmp,
    });
    expect(code, err).toBe(0);
    const [header, row] = parseCsv(readFileSync(join(out, 'results.csv'), 'utf8'));
    const cell = (name: string) => row![header!.indexOf(name)];
    expect(cell('predicted')).toBe('1/1 fixed');
    expect(cell('regressed')).toBe('0');
    const diffs = readdirSync(join(out, 'patches', 'delm'));
    const diff = readFileSync(join(out, 'patches', 'delm', diffs[0]!), 'utf8');
    expect(diff).toMatch(/^\+\s+if \(.*bytes.*\) return '';$/m);
  }, 240_000);

  it('refuses a patch whose file no longer parses without running a test, and counts it', async () => {
    const broken: PatchProposal = {
      edits: [{ file: 'src/size.js', search: 'const kb = bytes / 1024;', replace: 'const kb = bytes / / 1024;' }],
      idea: 'broken',
      risk: '',
    };
    const fix: PatchProposal = {
      edits: [
        {
          file: 'src/size.js',
          search: '  const kb = bytes / 1024;',
          replace: "  if (!bytes) return '';\n  const kb = bytes / 1024;",
        },
      ],
      idea: 'guard',
      risk: '',
    };
    const model = scripted([broken, fix]);
    const outcome = await attemptFixes({
      model,
      signal: new AbortController().signal,
      workspace: WORKSPACE,
      failure: { testId: TEST_ID, testFile: 'test/size.test.js', output: '' },
      files: [{ path: 'src/size.js', text: SOURCE }],
      tried: [],
      attempts: 3,
      testTimeoutMs: 30_000,
      callContext: { role: 'agent' },
      describe: (a) => a.proposal.idea,
    });
    expect(outcome.unparsed).toBe(1);
    expect(outcome.attempts[0]).toMatchObject({ parses: false, passes: false });
    expect(outcome.attempts[0]!.detail).toMatch(/^does not parse, not run: src\/size\.js: /);
    expect(outcome.attempts[1]).toMatchObject({ parses: true, passes: true });
    expect(model.calls).toBe(2);
  }, 60_000);

  it('the offline model never proposes a candidate that does not parse', () => {
    // Splitting `<<` gives `<=<`, which does not parse.
    const text = 'export function f(a, b) {\n  return (a << b) + 1;\n}\n';
    const input = { failingTest: 't > shift', output: '', files: [{ path: 'a.js', text }] };
    const raw = singlePointMutations('a.js', text).map((m) =>
      text.replace(m.patch[0]!.search, () => m.patch[0]!.replace),
    );
    expect(raw.some((t) => parseProgram(t) === undefined)).toBe(true);
    let tried = '';
    for (let m = nextCandidate(input, tried); m; m = nextCandidate(input, tried)) {
      const [edit] = m.patch;
      expect(
        parseProgram(input.files[0]!.text.replace(edit!.search, () => edit!.replace)),
        m.description,
      ).toBeDefined();
      tried += `\n${m.description}`;
    }
    expect(tried.split('\n').length).toBeGreaterThan(3);
  });
});
