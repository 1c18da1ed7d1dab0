/**
 * The README's "Entry points" list is the public surface: builds the package, then checks with the
 * TypeScript compiler that each subpath (`delm`, `delm/protocols`, …) exports exactly the names the
 * README lists for it, resolving the subpaths through package.json `exports` as a user's code would,
 * that each subpath loads in plain Node, that tsc's output runs a swarm with no tsx anywhere, that the
 * built command line runs a swarm there, its worker threads started from the bundled worker module as an
 * installed delm's are, and that the built inspector serves the page script the build bundled.
 */
import { execFile } from 'node:child_process';
import {
  copyFileSync,
  cpSync,
  existsSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import * as esbuild from 'esbuild';
import { globSync } from 'tinyglobby';
import ts from 'typescript';
import { APP_BUNDLE_FILE, bundleAppScript } from '../../src/inspector/page/bundle.js';
import { bundleWorker } from '../../src/internal/worker-bundle.js';
import { WORKER_BUNDLE_IMPORTS, packageImports } from '../helpers/workers.js';
import { afterAll, describe, expect, it } from 'vitest';

// Asynchronous, so the test worker keeps answering vitest while the compiler runs.
const run = promisify(execFile);
const root = fileURLToPath(new URL('../../', import.meta.url));
// Inside the repository, so the built modules resolve the installed dependencies.
const pkgDir = path.join(root, 'test-results', 'package');
afterAll(() => rmSync(pkgDir, { recursive: true, force: true }));

/** Subpath → names, read from the README's "Entry points" list (`- **\`delm/x\`** … : \`a\`, \`b\`, …`). */
export function documentedEntryPoints(readme: string): Map<string, string[]> {
  const section = /\n### Entry points\n([\s\S]*?)(?=\n#{2,3} )/.exec(readme)?.[1] ?? '';
  const out = new Map<string, string[]>();
  for (const line of section.split(/\n(?=- \*\*)/)) {
    const m = /^- \*\*`(delm(?:\/[a-z-]+)?)`\*\*[^:]*:([\s\S]*)$/.exec(line.trim());
    if (m)
      out.set(
        m[1]!,
        [...m[2]!.matchAll(/`([A-Za-z_$][\w$]*)`/g)].map((n) => n[1]!),
      );
  }
  return out;
}

const documented = documentedEntryPoints(readFileSync(path.join(root, 'README.md'), 'utf8'));

describe('the published entry points', () => {
  it('lists every subpath of package.json exports in the README', () => {
    const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as {
      exports: Record<string, unknown>;
    };
    const subpaths = Object.keys(pkg.exports)
      .filter((k) => k !== './package.json')
      .map((k) => (k === '.' ? 'delm' : `delm/${k.slice(2)}`));
    expect([...documented.keys()].sort()).toEqual(subpaths.sort());
  });

  it('exports exactly the names the README documents, from the built package', async () => {
    rmSync(pkgDir, { recursive: true, force: true });
    mkdirSync(pkgDir, { recursive: true });
    await run(
      process.execPath,
      [
        path.join(root, 'node_modules/typescript/bin/tsc'),
        '-p',
        'tsconfig.build.json',
        '--outDir',
        path.join(pkgDir, 'dist'),
        '--sourceMap',
        'false',
      ],
      { cwd: root },
    );
    copyFileSync(path.join(root, 'package.json'), path.join(pkgDir, 'package.json'));
    mkdirSync(path.join(pkgDir, 'bin'));
    copyFileSync(path.join(root, 'bin/delm.mjs'), path.join(pkgDir, 'bin/delm.mjs'));
    copyFileSync(path.join(root, 'actors/worker-entry.mjs'), path.join(pkgDir, 'dist/actors/worker-entry.mjs'));

    // One file per subpath: `export type { … }` names values and types alike, and fails on a missing one.
    const files = [...documented].map(([subpath, names], i) => {
      const file = path.join(pkgDir, `check-${i}.ts`);
      writeFileSync(
        file,
        `export type { ${names.join(', ')} } from '${subpath}';\nimport * as entry from '${subpath}';\nexport { entry };\n`,
      );
      return { subpath, names, file };
    });
    const program = ts.createProgram(
      files.map((f) => f.file),
      {
        module: ts.ModuleKind.NodeNext,
        moduleResolution: ts.ModuleResolutionKind.NodeNext,
        target: ts.ScriptTarget.ES2023,
        strict: true,
        noEmit: true,
        skipLibCheck: true,
        types: ['node'],
        typeRoots: [path.join(root, 'node_modules/@types')],
      },
    );
    const problems = ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
    expect(problems).toEqual([]);

    const checker = program.getTypeChecker();
    for (const { subpath, names, file } of files) {
      const source = program.getSourceFile(file)!;
      const specifier = source.statements.filter(ts.isImportDeclaration)[0]!.moduleSpecifier;
      const module = checker.getSymbolAtLocation(specifier)!;
      const exported = checker.getExportsOfModule(module).map((s) => s.name);
      expect({ subpath, names: exported.sort() }).toEqual({ subpath, names: [...names].sort() });
    }
  }, 600_000);

  it('loads every subpath in plain Node, each value export among the documented names', async () => {
    const script = `
      const out = {};
      for (const subpath of ${JSON.stringify([...documented.keys()])}) out[subpath] = Object.keys(await import(subpath));
      console.log(JSON.stringify(out));`;
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], {
      cwd: pkgDir,
      env: { ...process.env, NODE_OPTIONS: '' },
      encoding: 'utf8',
      timeout: 60_000,
    });
    const values = JSON.parse(stdout.trim().split('\n').at(-1)!) as Record<string, string[]>;
    for (const [subpath, names] of documented) {
      expect(values[subpath]?.length).toBeGreaterThan(0);
      expect(values[subpath]!.filter((n) => !names.includes(n))).toEqual([]);
    }
  }, 120_000);

  it("runs a swarm from tsc's output alone, its workers loading compiled JavaScript, with no tsx anywhere", async () => {
    // Before the test below bundles the worker module: this one's workers load tsc's actors/swarm-worker.js.
    const model = new URL('../runtime/fixtures/scripted-model.mjs', import.meta.url).href;
    const script = `
      const { createSwarm } = await import(${JSON.stringify(pathToFileURL(path.join(pkgDir, 'dist/src/index.js')).href)});
      const swarm = createSwarm({ agents: 2, protocol: 'basic', model: { module: ${JSON.stringify(model)} } });
      const result = await swarm.run({ prompt: 'x', subTasks: [{ payload: 'a' }, { payload: 'b' }, { payload: 'c' }] });
      await swarm.close();
      console.log(JSON.stringify({ answer: result.answer, stopReason: result.stopReason, loaders: process.execArgv }));`;
    // A clean child: no tsx loader in its arguments or environment.
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], {
      cwd: root,
      env: { ...process.env, NODE_OPTIONS: '' },
      encoding: 'utf8',
      timeout: 240_000,
    });
    const result = JSON.parse(stdout.trim().split('\n').at(-1)!) as {
      answer: string;
      stopReason: string;
      loaders: string[];
    };
    expect(result).toMatchObject({ answer: '3 findings', stopReason: 'answered' });
    expect(result.loaders.join(' ')).not.toMatch(/tsx/);
  }, 300_000);

  it('runs a swarm from the built package in plain Node, its worker threads importing the bundled worker module', async () => {
    // As npm run build does after tsc: the worker module as one bundle, replacing tsc's actors/swarm-worker.js.
    bundleWorker(esbuild, root, path.join(pkgDir, 'dist'));
    const worker = readFileSync(path.join(pkgDir, 'dist/actors/swarm-worker.js'), 'utf8');
    expect(packageImports(worker).sort()).toEqual(WORKER_BUNDLE_IMPORTS);
    const { stdout } = await run(
      process.execPath,
      [path.join(pkgDir, 'bin/delm.mjs'), 'run', path.join(root, 'examples/multidoc/data.json')].concat([
        '--limit',
        '1',
        '--agents',
        '2',
        '--out',
        path.join(pkgDir, 'run'),
      ]),
      { cwd: pkgDir, env: { ...process.env, NODE_OPTIONS: '' }, encoding: 'utf8', timeout: 60_000 },
    );
    expect(stdout).toMatch(/^delm\s+1\s/m);
    expect(stdout).toMatch(/records: /);
  }, 120_000);

  it('keeps the name of every delm error class in the worker bundle (error names, and instanceof across copies, read it)', () => {
    const bundled = readdirSync(path.join(pkgDir, 'dist/actors/chunks'))
      .filter((f) => f.endsWith('.js'))
      .map((f) => readFileSync(path.join(pkgDir, 'dist/actors/chunks', f), 'utf8'))
      .concat(readFileSync(path.join(pkgDir, 'dist/actors/swarm-worker.js'), 'utf8'))
      .join('\n');
    // esbuild renames a top-level name that collides with another module's (`ProviderError2`).
    // A class is emitted as `class X extends` or `var X = class extends`: its name is X either way.
    const renamed = [...bundled.matchAll(/\b(?:class (\w*Error\d+) extends|(\w*Error\d+) = class\b)/g)].map(
      (m) => m[1] ?? m[2],
    );
    expect(renamed).toEqual([]);
    expect(bundled).toMatch(/\b(?:class ProviderError|ProviderError = class) extends DelmError\b/);
  });

  // The inspector as installed: its page script bundled by the build into dist and served from there
  // by a Node process with no tsx and no sources to bundle.
  it('serves the inspector page script the build bundles into dist, the same as bundled from the sources, and refuses without it', async () => {
    /** Starts the built inspector in a clean child and GETs `/app.js` and `/`. */
    const serveBuilt = async () => {
      const script = `
        const { startInspector } = await import(${JSON.stringify(pathToFileURL(path.join(pkgDir, 'dist/src/inspector/index.js')).href)});
        const inspector = await startInspector();
        const js = await fetch(new URL('app.js', inspector.url));
        const page = await fetch(inspector.url);
        const out = { script: { status: js.status, type: js.headers.get('content-type'), body: await js.text() }, page: page.status, execArgv: process.execArgv };
        await inspector.close();
        console.log(JSON.stringify(out));`;
      const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], {
        cwd: root,
        env: { ...process.env, NODE_OPTIONS: '' },
        encoding: 'utf8',
        timeout: 60_000,
      });
      return JSON.parse(stdout.trim().split('\n').at(-1)!) as {
        script: { status: number; type: string; body: string };
        page: number;
        execArgv: string[];
      };
    };
    // Without the bundle (tsc alone), the page script is refused with what to do, not served broken.
    const missing = await serveBuilt();
    expect(missing.page).toBe(200);
    expect(missing.script.status).toBe(500);
    expect(JSON.parse(missing.script.body)).toMatchObject({
      error: { code: 'PAGE_SCRIPT_UNAVAILABLE', message: expect.stringMatching(/npm run build/) },
    });

    // The build's step after tsc, into this build's dist (so the packed tarball below has it too).
    const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { scripts: { build: string } };
    expect(pkg.scripts.build).toMatch(/tsx scripts\/build-inspector-page\.ts dist/);
    await run(process.execPath, ['--import', 'tsx', 'scripts/build-inspector-page.ts', path.join(pkgDir, 'dist')], {
      cwd: root,
    });
    const built = readFileSync(path.join(pkgDir, 'dist/src/inspector/page', APP_BUNDLE_FILE), 'utf8');
    expect(built).toBe(await bundleAppScript());
    const served = await serveBuilt();
    expect(served.execArgv.join(' ')).not.toMatch(/tsx/);
    expect(served.page).toBe(200);
    expect(served.script).toMatchObject({ status: 200, type: 'text/javascript; charset=utf-8' });
    expect(served.script.body).toBe(built);
    // The client's TypeScript is not in the package: only the bundle is.
    expect(existsSync(path.join(pkgDir, 'dist/src/inspector/page/client/main.js'))).toBe(false);
  }, 300_000);
});

/** The first ```ts block after `heading` in the README. */
function readmeSnippet(readme: string, heading: string): string {
  const from = readme.indexOf(heading);
  const block = from < 0 ? null : /```ts\n([\s\S]*?)```/.exec(readme.slice(from));
  if (!block) throw new Error(`no ts block after "${heading}" in the README`);
  return block[1]!;
}

/**
 * What a user gets from npm: the built package of the tests above packed with `npm pack` (so package.json
 * `files` decides what ships) and installed into a project outside this checkout the way npm lays it out —
 * the tarball unpacked in node_modules/delm, its `dependencies` linked from this checkout's node_modules
 * (no registry, so it runs offline in seconds), its optional peers not installed unless a test adds one.
 */
describe('the packed tarball, installed in a fresh project', () => {
  const app = path.join(tmpdir(), `delm-packed-${process.pid}`);
  const modules = path.join(app, 'node_modules');
  const installed = path.join(modules, 'delm');
  afterAll(() => rmSync(app, { recursive: true, force: true }));
  /** Installs `name` in the app, linked from this checkout; a no-op once installed, so each test names its needs. */
  const link = (name: string) => {
    if (existsSync(path.join(modules, name))) return;
    mkdirSync(path.dirname(path.join(modules, name)), { recursive: true });
    symlinkSync(path.join(root, 'node_modules', name), path.join(modules, name), 'dir');
  };
  /**
   * Type-checks `files` (name → text) in the app as a strict nodenext project would, library types included
   * (compiler `options` override that), with this checkout's TypeScript in a child process; returns tsc's error
   * lines. Each run checks every library's declarations again (most of its ~15 s of CPU), so a test checks all
   * its files in one run: tsc reports each error at its file, and a file with none adds nothing to the list.
   */
  const typeCheck = async (files: Record<string, string>, options: Record<string, unknown> = {}): Promise<string[]> => {
    for (const [name, text] of Object.entries(files)) writeFileSync(path.join(app, name), text);
    const compilerOptions = {
      module: 'nodenext',
      moduleResolution: 'nodenext',
      target: 'es2022',
      strict: true,
      noEmit: true,
      skipLibCheck: false,
      types: ['node'],
      typeRoots: [path.join(root, 'node_modules/@types')],
      ...options,
    };
    writeFileSync(path.join(app, 'tsconfig.json'), JSON.stringify({ compilerOptions, files: Object.keys(files) }));
    const tsc = path.join(root, 'node_modules/typescript/bin/tsc');
    const out = await run(process.execPath, [tsc, '-p', 'tsconfig.json', '--pretty', 'false'], {
      cwd: app,
      encoding: 'utf8',
      timeout: 150_000,
    }).then(
      (r) => r.stdout,
      (e: Error & { stdout?: string }) => e.stdout ?? e.message,
    );
    return out.split('\n').filter((line) => / error TS\d+:/.test(line));
  };

  it('packs and installs: a LICENSE, and nothing the package refers to left out', async () => {
    rmSync(app, { recursive: true, force: true });
    mkdirSync(modules, { recursive: true });
    const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as {
      files: string[];
      dependencies: Record<string, string>;
    };
    // Beside the built dist, everything else `files` names, from the checkout.
    for (const entry of pkg.files.filter((f) => !f.startsWith('!') && f !== 'dist'))
      for (const file of globSync(entry, { cwd: root, dot: true }))
        cpSync(path.join(root, file), path.join(pkgDir, file), { recursive: true });
    for (const file of ['README.md', 'LICENSE'].filter((f) => existsSync(path.join(root, f))))
      copyFileSync(path.join(root, file), path.join(pkgDir, file));
    const { stdout } = await run('npm', ['pack', '--json', '--pack-destination', app], {
      cwd: pkgDir,
      encoding: 'utf8',
      timeout: 120_000,
    });
    const [packed] = JSON.parse(stdout) as { filename: string; files: { path: string }[] }[];
    const shipped = new Set(packed!.files.map((f) => f.path));
    expect(shipped).toContain('LICENSE');
    mkdirSync(installed);
    await run('tar', ['-xzf', path.join(app, packed!.filename), '-C', installed, '--strip-components=1'], {
      timeout: 60_000,
    });
    writeFileSync(path.join(app, 'package.json'), JSON.stringify({ name: 'app', private: true, type: 'module' }));
    for (const name of Object.keys(pkg.dependencies)) link(name);
    expect(existsSync(path.join(modules, '@ai-sdk/provider'))).toBe(false);

    // A shipped source map's sources are shipped, or carried in the map.
    for (const file of shipped) {
      if (!file.endsWith('.map')) continue;
      const map = JSON.parse(readFileSync(path.join(installed, file), 'utf8')) as {
        sources: string[];
        sourcesContent?: (string | null)[];
      };
      map.sources.forEach((source, i) => {
        const there = shipped.has(path.posix.join(path.posix.dirname(file), source));
        expect(there || typeof map.sourcesContent?.[i] === 'string', `${file}: ${source}`).toBe(true);
      });
    }
  }, 180_000);

  it("type-checks the README's library example without the AI SDK installed, and rejects misuse", async () => {
    const readme = readFileSync(path.join(installed, 'README.md'), 'utf8');
    expect(
      await typeCheck({
        'library.ts': `${readmeSnippet(readme, '## Using it as a library')}\nexport {};\n`,
        // Types, not `any`: a swarm is not a number.
        'misuse.ts': `import { createSwarm } from 'delm';\nexport const n: number = createSwarm({ agents: 2 });\n`,
      }),
    ).toEqual([
      expect.stringMatching(/^misuse\.ts\(\d+,\d+\): error TS2322: Type 'Swarm' is not assignable to type 'number'/),
    ]);
  }, 180_000);

  it('type-checks the AI SDK pieces fully once @ai-sdk/provider is installed, and every shipped TypeScript example', async () => {
    link('@ai-sdk/provider');
    link('ai'); // the README's snippet calls generateText
    link('@opentelemetry/sdk-trace-base'); // examples/otel.ts's own, which the README says to install
    const readme = readFileSync(path.join(installed, 'README.md'), 'utf8');
    const snippet = readmeSnippet(readme, '**A swarm as an AI SDK model.**').replace(
      /^/,
      "const sources = [{ label: 'D1', text: 'No warranty.' }];\n",
    );
    const examples = globSync('node_modules/delm/examples/**/*.ts', { cwd: app });
    expect(examples.length).toBeGreaterThan(0);
    expect(
      await typeCheck({
        'ai-sdk.ts': `${snippet}\nexport { text, usage, providerMetadata };\n`,
        // Types, not `any`: before, with skipLibCheck and without the peer, fromAiSdk(5) type-checked.
        'ai-sdk-misuse.ts': "import { fromAiSdk } from 'delm/ai-sdk';\nfromAiSdk(5);\n",
        ...Object.fromEntries(examples.map((f) => [f, readFileSync(path.join(app, f), 'utf8')])),
      }),
    ).toEqual([
      expect.stringMatching(/^ai-sdk-misuse\.ts\(\d+,\d+\): error TS2345: Argument of type 'number' is not assignable/),
    ]);
  }, 180_000);

  it('type-checks every documented subpath under moduleResolution node10, which reads no exports, through typesVersions', async () => {
    // A project as tsc --init wrote one before TypeScript 5.9: CommonJS output, so node10 resolution, which
    // finds `delm` by package.json `types` and `delm/ai-sdk` and the rest by `typesVersions`. skipLibCheck as
    // there: a library's declarations are checked under nodenext above; the misuse file shows the types are
    // delm's (an unresolved import, here or inside delm's declarations, would make them `any`).
    const node10 = { module: 'commonjs', moduleResolution: 'node10', esModuleInterop: true, skipLibCheck: true };
    const subpaths = [...documented].map(([subpath, names], i) => [
      `node10-${i}.ts`,
      `export type { ${names.join(', ')} } from '${subpath}';\n`,
    ]);
    const misuse = [
      "import { createSwarm } from 'delm';",
      "import { fromAiSdk } from 'delm/ai-sdk';",
      'export const n: number = createSwarm({ agents: 2 });',
      'fromAiSdk(5);',
    ];
    expect(
      await typeCheck({ ...Object.fromEntries(subpaths), 'node10-misuse.ts': `${misuse.join('\n')}\n` }, node10),
    ).toEqual([
      expect.stringMatching(
        /^node10-misuse\.ts\(3,\d+\): error TS2322: Type 'Swarm' is not assignable to type 'number'/,
      ),
      expect.stringMatching(/^node10-misuse\.ts\(4,\d+\): error TS2345: Argument of type 'number' is not assignable/),
    ]);
  }, 180_000);

  it.runIf(process.features.require_module)(
    'loads with require() on a Node with require(esm)',
    async () => {
      const { stdout } = await run(process.execPath, ['-e', "console.log(typeof require('delm').createSwarm)"], {
        cwd: app,
        env: { ...process.env, NODE_OPTIONS: '' },
        encoding: 'utf8',
        timeout: 60_000,
      });
      expect(stdout.trim()).toBe('function');
    },
    120_000,
  );

  it('runs a shipped example from node_modules/delm/examples, as the README tells a user to', async () => {
    // The example's own dependency, which the README says to install for it.
    link('@opentelemetry/sdk-trace-base');
    const { stdout } = await run(process.execPath, ['--import', 'tsx', 'node_modules/delm/examples/otel.ts'], {
      cwd: app,
      env: { ...process.env, NODE_OPTIONS: '' },
      encoding: 'utf8',
      timeout: 90_000,
    });
    expect(stdout).toMatch(/^delm\.run .*stop_reason=answered/m);
  }, 120_000);
});
