/**
 * Builds the real-bug instances from the repositories' own history (run by hand; the output is
 * committed): for each spec, the library at its newest fix commit with every listed fix's source
 * change reverted and the fix's tests kept. An instance is kept only when its target tests fail
 * before and pass after, and no test that passes after fails before (nothing else changed).
 *
 *   npx tsx bench/real-bugs/extract.ts <mirror-root> <deps-by-runner.json>
 *
 * <mirror-root> holds bare clones as <owner>+<name>/repo (e.g. from `git clone --mirror`);
 * the deps file maps a runner (mocha, tape) to a node_modules folder that has it installed.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runTests } from '../../src/workloads/debugging/test-runner.js';

interface Spec {
  id: string;
  repo: string;
  runner: 'mocha' | 'tape';
  /** Fix commits, oldest first; the instance is the tree of the last one. */
  fixes: string[];
}

const SPECS: Spec[] = [
  { id: 'bytes-unparsable', repo: 'visionmedia/bytes.js', runner: 'mocha', fixes: ['581b2b5'] },
  { id: 'bytes-thousands-fraction', repo: 'visionmedia/bytes.js', runner: 'mocha', fixes: ['db70acb'] },
  { id: 'bytes-hex-string', repo: 'visionmedia/bytes.js', runner: 'mocha', fixes: ['33cc74b'] },
  { id: 'bytes-non-finite', repo: 'visionmedia/bytes.js', runner: 'mocha', fixes: ['028f63e'] },
  { id: 'fresh-issue-35', repo: 'jshttp/fresh', runner: 'mocha', fixes: ['32bd871'] },
  { id: 'fresh-multiple-etags', repo: 'jshttp/fresh', runner: 'mocha', fixes: ['ff5f257'] },
  { id: 'fresh-invalid-dates', repo: 'jshttp/fresh', runner: 'mocha', fixes: ['7a2b460'] },
  { id: 'fresh-star-and-etags', repo: 'jshttp/fresh', runner: 'mocha', fixes: ['2f11ec8'] },
  { id: 'minimist-bool-alias-setarg', repo: 'minimistjs/minimist', runner: 'tape', fixes: ['fdbb909'] },
  { id: 'minimist-bool-alias-false', repo: 'minimistjs/minimist', runner: 'tape', fixes: ['de53490'] },
  { id: 'minimist-single-dash', repo: 'minimistjs/minimist', runner: 'tape', fixes: ['9ec4d27'] },
  { id: 'minimist-short-equals', repo: 'minimistjs/minimist', runner: 'tape', fixes: ['9c7dc85'] },
  { id: 'combined-bytes-2', repo: 'visionmedia/bytes.js', runner: 'mocha', fixes: ['db70acb', '581b2b5'] },
  { id: 'combined-minimist-3', repo: 'minimistjs/minimist', runner: 'tape', fixes: ['2edc957', '9c7dc85', '9ec4d27'] },
];

// The runner at a version that runs on current Node; the tests are kept exactly as the fix commit has them.
const RUNNER_VERSION = { mocha: '10.8.2', tape: '5.9.0' } as const;
const SOURCE = /^(?:index\.js|lib\/.+\.js)$/;
const HERE = path.dirname(fileURLToPath(import.meta.url));

const [mirrors, depsFile] = process.argv.slice(2);
if (!mirrors || !depsFile) throw new Error('usage: extract.ts <mirror-root> <deps-by-runner.json>');
const deps = JSON.parse(readFileSync(depsFile, 'utf8')) as Record<string, string>;
const manifest: unknown[] = [];

for (const spec of SPECS) {
  const gitDir = path.join(mirrors, spec.repo.replace('/', '+'), 'repo');
  const git = (...a: string[]) =>
    execFileSync('git', ['--git-dir', gitDir, ...a], { encoding: 'utf8', maxBuffer: 64 << 20 });
  const fix = spec.fixes.at(-1)!;
  const full = git('rev-parse', fix).trim();
  const work = mkdtempSync(path.join(tmpdir(), 'delm-extract-'));
  try {
    execFileSync('sh', ['-c', `git --git-dir='${gitDir}' archive ${full} | tar -x -C '${work}'`]);
    const keep = (f: string) =>
      SOURCE.test(f) || f.startsWith('test/') || f === 'package.json' || /^LICEN[SC]E/i.test(f);
    const files = git('ls-tree', '-r', '--name-only', full).trim().split('\n').filter(keep);
    const changes = spec.fixes.map((c) => {
      const changed = git('diff', '--name-only', `${c}^`, c).trim().split('\n');
      return {
        commit: git('rev-parse', c).trim(),
        subject: git('log', '-1', '--format=%s', c).trim(),
        source: changed.filter((f) => SOURCE.test(f)),
        tests: changed.filter((f) => f.startsWith('test/')),
      };
    });
    // Run after (the fix commit), then revert every fix's source change and run before.
    symlinkSync(deps[spec.runner]!, path.join(work, 'node_modules'), 'dir');
    const after = await runTests(work, { timeoutMs: 20_000 });
    for (const change of [...changes].reverse()) {
      const diff = git('diff', `${change.commit}^`, change.commit, '--', ...change.source);
      execFileSync('git', ['apply', '-R', '--whitespace=nowarn', '-'], {
        cwd: work,
        input: diff,
        stdio: ['pipe', 'ignore', 'pipe'],
      });
    }
    const before = await runTests(work, { timeoutMs: 20_000 });
    const was = new Map(before.results.map((r) => [r.id, r.status]));
    const targets = after.results.filter((r) => r.status === 'pass' && was.get(r.id) === 'fail').map((r) => r.id);
    const broken = before.results.filter(
      (r) => r.status === 'pass' && !after.results.some((a) => a.id === r.id && a.status === 'pass'),
    );
    if (after.failed > 0 || targets.length === 0 || broken.length) {
      console.error(
        `${spec.id}: not kept (after: ${after.failed} failing, ${targets.length} targets, ${broken.length} broken)`,
      );
      continue;
    }
    const out = path.join(HERE, 'instances', spec.id);
    rmSync(out, { recursive: true, force: true });
    for (const f of files) {
      mkdirSync(path.dirname(path.join(out, f)), { recursive: true });
      cpSync(path.join(work, f), path.join(out, f));
    }
    const pkg = JSON.parse(readFileSync(path.join(work, 'package.json'), 'utf8')) as Record<string, unknown>;
    const trimmed = {
      name: pkg['name'],
      version: pkg['version'],
      license: pkg['license'],
      private: true,
      scripts: { test: spec.runner === 'mocha' ? 'mocha --reporter spec --check-leaks test/' : "tape 'test/**/*.js'" },
      devDependencies: { [spec.runner]: RUNNER_VERSION[spec.runner] },
    };
    writeFileSync(path.join(out, 'package.json'), `${JSON.stringify(trimmed, null, 2)}\n`);
    const licence = files.find((f) => /^LICEN[SC]E/i.test(f));
    manifest.push({
      id: spec.id,
      repo: `https://github.com/${spec.repo}`,
      licence: { spdx: pkg['license'], file: licence },
      runner: spec.runner,
      fixCommit: full,
      fixes: changes.map((c) => ({
        commit: c.commit,
        subject: c.subject,
        revertedSource: c.source,
        keptTests: c.tests,
      })),
      targets,
      testsPassingAfter: after.passed,
    });
    console.error(`${spec.id}: kept, ${targets.length} target(s)`);
  } catch (err) {
    console.error(`${spec.id}: not kept (${(err as Error).message.split('\n')[0]})`);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
writeFileSync(
  path.join(HERE, 'manifest.json'),
  `${JSON.stringify({ note: "Each instance: the library at its fix commit with the fixes' source changes reverted; tests, package name and licence kept; devDependencies cut to the test runner (at a version that runs on Node 20).", instances: manifest }, null, 2)}\n`,
);
