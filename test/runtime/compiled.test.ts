import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));
// Inside the repository, so the compiled modules resolve the installed dependencies.
const outDir = fileURLToPath(new URL('../../test-results/compiled/', import.meta.url));
afterAll(() => rmSync(outDir, { recursive: true, force: true }));

describe('the compiled package', () => {
  it('runs a swarm whose workers load compiled JavaScript, with no tsx anywhere', () => {
    execFileSync(
      process.execPath,
      [
        fileURLToPath(new URL('../../node_modules/typescript/bin/tsc', import.meta.url)),
        '-p',
        'tsconfig.build.json',
        '--outDir',
        outDir,
      ],
      { cwd: root, stdio: 'pipe' },
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
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
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
