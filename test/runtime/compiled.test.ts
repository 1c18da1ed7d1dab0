import { execFile } from 'node:child_process';
import { rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));
// Inside the repository, so the compiled modules resolve the installed dependencies.
const outDir = fileURLToPath(new URL('../../test-results/compiled/', import.meta.url));
afterAll(() => rmSync(outDir, { recursive: true, force: true }));
// Asynchronous on purpose: a synchronous child of over a minute (tsc on a busy machine) blocks this fork's
// event loop past vitest's 60 s RPC timeout, and the run fails with `Timeout calling "onTaskUpdate"`.
const run = promisify(execFile);

describe('the compiled package', () => {
  it('runs a swarm whose workers load compiled JavaScript, with no tsx anywhere', async () => {
    await run(
      process.execPath,
      [
        fileURLToPath(new URL('../../node_modules/typescript/bin/tsc', import.meta.url)),
        '-p',
        'tsconfig.build.json',
        '--outDir',
        outDir,
      ],
      { cwd: root },
    );
    const model = new URL('./fixtures/scripted-model.mjs', import.meta.url).href;
    const script = `
      const { createSwarm } = await import(${JSON.stringify(new URL('src/index.js', `file://${outDir}`).href)});
      const swarm = createSwarm({ agents: 2, protocol: 'basic', model: { module: ${JSON.stringify(model)} } });
      const result = await swarm.run({ prompt: 'x', subTasks: [{ payload: 'a' }, { payload: 'b' }, { payload: 'c' }] });
      await swarm.close();
      console.log(JSON.stringify({ answer: result.answer, stopReason: result.stopReason, loaders: process.execArgv }));`;
    // A clean child: no tsx loader in its arguments or environment.
    const env = { ...process.env, NODE_OPTIONS: '' };
    const { stdout: out } = await run(process.execPath, ['--input-type=module', '-e', script], {
      cwd: root,
      env,
      encoding: 'utf8',
      timeout: 240_000,
    });
    const result = JSON.parse(out.trim().split('\n').at(-1)!) as {
      answer: string;
      stopReason: string;
      loaders: string[];
    };
    expect(result).toMatchObject({ answer: '3 findings', stopReason: 'answered' });
    expect(result.loaders.join(' ')).not.toMatch(/tsx/);
  }, 300_000);
});
