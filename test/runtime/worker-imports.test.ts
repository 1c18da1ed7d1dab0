import { describe, expect, it } from 'vitest';
import { startWorker } from '../../src/internal/worker-entry.js';
import { firstMessage, terminatedAfterEach } from '../helpers/workers.js';

const fixture = new URL('./fixtures/worker-imports.ts', import.meta.url);
/** What a worker loads only for the run that needs it. */
const DEBUG_PROTOCOL = /\/protocols\/debug\/|\/node_modules\/(acorn|diff)\//;
const TOOLS = /\/src\/tools\/(loader|builtins)\b|\/node_modules\/(tinyglobby|picomatch|fdir)\//;
const OPENTELEMETRY_API = /\/node_modules\/@opentelemetry\/api\//;

describe('what a worker thread imports', () => {
  const workers = terminatedAfterEach();
  const importsOf = async (protocol: string): Promise<string[]> => {
    const worker = startWorker(fixture, { protocol });
    workers.push(worker);
    return firstMessage<string[]>(worker);
  };

  it('is the protocol its run names and nothing of the others, the tools or the OpenTelemetry API', async () => {
    for (const protocol of ['basic', 'delm']) {
      const urls = await importsOf(protocol);
      expect(urls.some((u) => u.includes(`/protocols/${protocol}/protocol.`))).toBe(true);
      expect(urls.filter((u) => DEBUG_PROTOCOL.test(u) || TOOLS.test(u) || OPENTELEMETRY_API.test(u))).toEqual([]);
      if (protocol === 'basic') expect(urls.filter((u) => u.includes('/protocols/delm/'))).toEqual([]);
    }
    // The hook sees what a run of the debugging protocol does load.
    expect((await importsOf('debug')).some((u) => /\/node_modules\/acorn\//.test(u))).toBe(true);
  }, 60_000);
});
