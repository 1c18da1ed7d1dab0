// The inspector as installed: compiled by tsc, its page script bundled by the build into dist and
// served from there by a Node process with no tsx and no sources to bundle.
import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { APP_BUNDLE_FILE, bundleAppScript } from '../../src/inspector/page/bundle.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
// Inside the repository, so the compiled modules resolve the installed dependencies.
const outDir = fileURLToPath(new URL('../../test-results/compiled-inspector/', import.meta.url));
const bundleFile = `${outDir}src/inspector/page/${APP_BUNDLE_FILE}`;
afterAll(() => rmSync(outDir, { recursive: true, force: true }));
// Child processes run asynchronously: a synchronous wait of a minute would starve vitest's worker RPC.
const run = promisify(execFile);

/** Starts the compiled inspector in a clean child and GETs `/app.js` and `/`. */
async function serveCompiled(): Promise<{
  script: { status: number; type: string; body: string };
  page: number;
  execArgv: string[];
}> {
  const script = `
    const { startInspector } = await import(${JSON.stringify(new URL('src/inspector/index.js', `file://${outDir}`).href)});
    const inspector = await startInspector();
    const js = await fetch(new URL('app.js', inspector.url));
    const page = await fetch(inspector.url);
    const out = { script: { status: js.status, type: js.headers.get('content-type'), body: await js.text() }, page: page.status, execArgv: process.execArgv };
    await inspector.close();
    console.log(JSON.stringify(out));`;
  const env = { ...process.env, NODE_OPTIONS: '' };
  const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], {
    cwd: root,
    env,
    encoding: 'utf8',
    timeout: 60_000,
  });
  return JSON.parse(stdout.trim().split('\n').at(-1)!) as Awaited<ReturnType<typeof serveCompiled>>;
}

describe('the compiled inspector', () => {
  it('serves the page script the build bundled into dist, the same as bundled from the sources', async () => {
    const pkg = JSON.parse(readFileSync(`${root}package.json`, 'utf8')) as { scripts: { build: string } };
    expect(pkg.scripts.build).toMatch(/tsx scripts\/build-inspector-page\.ts dist/);
    // The build's tsc step, for the inspector's module graph only (test/runtime/compiled.test.ts compiles everything).
    mkdirSync(outDir, { recursive: true });
    const tsconfig = `${outDir}tsconfig.json`;
    writeFileSync(
      tsconfig,
      JSON.stringify({
        extends: `${root}tsconfig.build.json`,
        compilerOptions: { outDir },
        include: [],
        files: [`${root}src/inspector/index.ts`],
      }),
    );
    await run(
      process.execPath,
      [fileURLToPath(new URL('../../node_modules/typescript/bin/tsc', import.meta.url)), '-p', tsconfig],
      { cwd: root },
    );
    await run(process.execPath, ['--import', 'tsx', 'scripts/build-inspector-page.ts', outDir], { cwd: root });
    const built = readFileSync(bundleFile, 'utf8');
    expect(built).toBe(await bundleAppScript());

    const served = await serveCompiled();
    expect(served.execArgv.join(' ')).not.toMatch(/tsx/);
    expect(served.page).toBe(200);
    expect(served.script).toMatchObject({ status: 200, type: 'text/javascript; charset=utf-8' });
    expect(served.script.body).toBe(built);
    // The client's TypeScript is not in the package: only the bundle is.
    expect(() => readFileSync(`${outDir}src/inspector/page/client/main.js`)).toThrow(/ENOENT/);

    // Without the bundle (tsc alone), the page script is refused with what to do, not served broken.
    rmSync(bundleFile);
    const missing = await serveCompiled();
    expect(missing.page).toBe(200);
    expect(missing.script.status).toBe(500);
    expect(JSON.parse(missing.script.body)).toMatchObject({
      error: { code: 'PAGE_SCRIPT_UNAVAILABLE', message: expect.stringMatching(/npm run build/) },
    });
  }, 300_000);
});
