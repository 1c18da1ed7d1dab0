/**
 * Which test runner a project uses and which files it would run: from `--test-command`, the test
 * script, devDependencies and config files. Files the runner would not run are not tests.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { glob } from 'tinyglobby';
import { z } from 'zod';

/** A test runner delm knows how to read per-test outcomes from. */
export type RunnerKind = 'node-test' | 'mocha' | 'jest' | 'vitest' | 'tape' | 'command';

/** How a workspace's tests run. */
export interface TestPlan {
  readonly kind: RunnerKind;
  /** Test files, workspace-relative with `/`, sorted (empty for a `command`). */
  readonly files: readonly string[];
  /** mocha: `bdd`, `tdd` or `qunit`. */
  readonly ui: string;
  /** mocha: modules to `--require`. */
  readonly requires: readonly string[];
  /** `command`: a shell command that prints TAP. */
  readonly command?: string;
}

const packageSchema = z.looseObject({
  scripts: z.record(z.string(), z.string()).optional(),
  dependencies: z.record(z.string(), z.string()).optional(),
  devDependencies: z.record(z.string(), z.string()).optional(),
  mocha: z.unknown().optional(),
});

const IGNORE = ['**/node_modules/**', '**/.git/**'];
// node --test's own default patterns (Node 20).
const NODE_TEST_DEFAULT = [
  '**/*.test.{js,cjs,mjs}',
  '**/*-test.{js,cjs,mjs}',
  '**/*_test.{js,cjs,mjs}',
  '**/test-*.{js,cjs,mjs}',
  '**/test.{js,cjs,mjs}',
  '**/test/**/*.{js,cjs,mjs}',
];
const JEST_DEFAULT = ['**/__tests__/**/*.{js,jsx,ts,tsx,mjs,cjs}', '**/*.{test,spec}.{js,jsx,ts,tsx,mjs,cjs}'];
const VITEST_DEFAULT = ['**/*.{test,spec}.?(c|m)[jt]s?(x)'];

/** Splits a shell command line into words (quotes respected), one list per `&&`/`;`/`||` segment. */
export function shellSegments(script: string): string[][] {
  const segments: string[][] = [[]];
  for (const m of script.matchAll(/"([^"]*)"|'([^']*)'|(&&|\|\||;)|([^\s"';&|]+)/g)) {
    if (m[3]) segments.push([]);
    else segments[segments.length - 1]!.push(m[1] ?? m[2] ?? m[4] ?? '');
  }
  return segments.filter((s) => s.length);
}

/** A package script with `npm run <name>` / `npm test` calls to other scripts replaced by their text (a few levels deep). */
function expandScript(scripts: Record<string, string>, name: string, depth = 0): string | undefined {
  const text = scripts[name];
  if (text === undefined || depth > 4) return text;
  return text.replace(
    /\bnpm\s+(?:run(?:-script)?\s+([\w:.-]+)|(test))\b/g,
    (whole, script: string | undefined, test: string | undefined) => {
      const target = script ?? test ?? '';
      return target !== name && scripts[target] !== undefined
        ? (expandScript(scripts, target, depth + 1) ?? whole)
        : whole;
    },
  );
}

/** The words after the runner's name in the test script's segment that calls it. */
function scriptArgs(script: string | undefined, runner: RegExp): string[] | undefined {
  if (!script) return undefined;
  for (const words of shellSegments(script)) {
    const at = words.findIndex((w) => runner.test(path.basename(w)));
    if (at !== -1) return words.slice(at + 1);
  }
  return undefined;
}

/** Positional arguments (globs or files) among CLI words; `valued` are options that take a value. */
function positionals(words: readonly string[], valued: ReadonlySet<string>): string[] {
  const out: string[] = [];
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    if (w.startsWith('-')) {
      if (!w.includes('=') && valued.has(w)) i++;
      continue;
    }
    out.push(w);
  }
  return out;
}

const optionValue = (words: readonly string[], names: readonly string[]): string | undefined => {
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    for (const n of names) {
      if (w === n) return words[i + 1];
      if (w.startsWith(`${n}=`)) return w.slice(n.length + 1);
    }
  }
  return undefined;
};

async function expand(root: string, patterns: readonly string[], recursiveDirs = true): Promise<string[]> {
  const globs = patterns
    .map((p) => p.replace(/^\.\//, ''))
    .flatMap((p) => {
      if (/[*?{[]/.test(p) || /\.[cm]?[jt]sx?$/.test(p)) return [p];
      // A folder: what runners do with a folder argument.
      return recursiveDirs ? [`${p.replace(/\/$/, '')}/**/*.{js,cjs,mjs}`] : [`${p.replace(/\/$/, '')}/*.{js,cjs,mjs}`];
    });
  const files = await glob(globs, { cwd: root, ignore: IGNORE, onlyFiles: true, dot: false, expandDirectories: false });
  return [...new Set(files.map((f) => f.split(path.sep).join('/')))].sort();
}

async function readJson(file: string): Promise<unknown> {
  const text = await readFile(file, 'utf8').catch(() => undefined);
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

const mochaRcSchema = z.looseObject({
  spec: z.union([z.string(), z.array(z.string())]).optional(),
  ui: z.string().optional(),
  require: z.union([z.string(), z.array(z.string())]).optional(),
  recursive: z.boolean().optional(),
});
const list = (v: string | string[] | undefined) => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

/** Detects the runner and its test files (see the module comment). */
export async function detectTestPlan(
  root: string,
  options: { testCommand?: string | undefined } = {},
): Promise<TestPlan> {
  const base = { ui: 'bdd', requires: [] as string[] };
  if (options.testCommand) return { kind: 'command', files: [], command: options.testCommand, ...base };
  const pkg = packageSchema.safeParse((await readJson(path.join(root, 'package.json'))) ?? {});
  const data = pkg.success ? pkg.data : {};
  const script = expandScript(data.scripts ?? {}, 'test');
  const deps = new Set([...Object.keys(data.dependencies ?? {}), ...Object.keys(data.devDependencies ?? {})]);

  const vitest = scriptArgs(script, /^vitest$/);
  if (vitest || (deps.has('vitest') && !script))
    return { kind: 'vitest', files: await expand(root, VITEST_DEFAULT), ...base };
  const jest = scriptArgs(script, /^jest$/);
  if (jest || (deps.has('jest') && !script)) return { kind: 'jest', files: await expand(root, JEST_DEFAULT), ...base };

  const mocha = scriptArgs(script, /^(?:_?mocha)$/);
  if (mocha || (deps.has('mocha') && !script)) {
    const words = mocha ?? [];
    const rcRaw =
      (await readJson(path.join(root, '.mocharc.json'))) ??
      (await readJson(path.join(root, '.mocharc.jsonc'))) ??
      data.mocha;
    const rc = mochaRcSchema.safeParse(rcRaw ?? {});
    const rcData = rc.success ? rc.data : {};
    const valued = new Set([
      '--ui',
      '-u',
      '--reporter',
      '-R',
      '--timeout',
      '-t',
      '--require',
      '-r',
      '--slow',
      '-s',
      '--grep',
      '-g',
      '--file',
      '--config',
      '--package',
      '--extension',
      '--spec',
    ]);
    const specs = [...positionals(words, valued), ...list(optionValue(words, ['--spec']))];
    const recursive = words.includes('--recursive') || rcData.recursive === true;
    const patterns = specs.length ? specs : list(rcData.spec).length ? list(rcData.spec) : ['./test'];
    const requires = [
      ...list(rcData.require),
      ...words.flatMap((w, i) => (w === '--require' || w === '-r' ? [words[i + 1] ?? ''] : [])),
    ].filter(Boolean);
    return {
      kind: 'mocha',
      files: await expand(root, patterns, recursive),
      ui: optionValue(words, ['--ui', '-u']) ?? rcData.ui ?? 'bdd',
      requires,
    };
  }

  const tape = scriptArgs(script, /^(?:tape|tap|tap-spec|faucet)$/);
  if (tape)
    return { kind: 'tape', files: await expand(root, positionals(tape, new Set(['-r', '--require']))), ...base };

  const node = scriptArgs(script, /^node$/);
  if (node?.includes('--test')) {
    const valued = new Set([
      '--test-reporter',
      '--test-reporter-destination',
      '--test-name-pattern',
      '--test-concurrency',
      '--import',
      '--require',
      '-r',
      '--loader',
    ]);
    const given = positionals(node, valued);
    return { kind: 'node-test', files: await expand(root, given.length ? given : NODE_TEST_DEFAULT), ...base };
  }
  // No script we recognise: node:test's own discovery, as `node --test` would run it.
  return { kind: 'node-test', files: await expand(root, NODE_TEST_DEFAULT), ...base };
}
