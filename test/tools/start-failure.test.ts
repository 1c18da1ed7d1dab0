/**
 * Tools that cannot be loaded in the agents' threads (a workspace that is no folder, a tool module that
 * does not load, an MCP server that will not start) are the run's configuration: the run fails at once
 * with the reason and its code. Before, each agent thread crashed, a replacement met the same error,
 * and after `agents × 4` replacements the run ended with "agents keep crashing; giving up" alone.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import type { SwarmEvent } from '../../src/runtime/events.js';
import type { SwarmOptions } from '../../src/runtime/options.js';
import { createSwarm } from '../../src/runtime/swarm.js';

const dir = mkdtempSync(path.join(tmpdir(), 'delm-tool-start-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const broken = path.join(dir, 'broken-tools.mjs');
writeFileSync(broken, 'export const tools = [( => 1];\n');

async function runWith(options: Partial<SwarmOptions>) {
  const swarm = createSwarm({ agents: 2, ...options });
  const events: SwarmEvent[] = [];
  try {
    const result = await swarm.run(
      { prompt: 'Which licences allow sublicensing?', subTasks: [{ payload: 'a' }, { payload: 'b' }] },
      { onEvent: (e) => events.push(e) },
    );
    const count = (type: SwarmEvent['type']) => events.filter((e) => e.type === type).length;
    return { result, crashed: count('agent.crashed'), started: count('agent.started') };
  } finally {
    await swarm.close();
  }
}

describe('tools that cannot be loaded', () => {
  it('fail the run with the reason when the workspace is not a folder, on a thread per agent and on shared threads', async () => {
    const missing = path.join(dir, 'no-such-folder');
    for (const threads of [undefined, 1]) {
      const { result, crashed, started } = await runWith({
        tools: { use: ['grep'], workspace: missing },
        ...(threads ? { threads } : {}),
      });
      expect(result.stopReason).toBe('error');
      expect(result.errorCode).toBe('INVALID_CONFIG');
      expect(result.error).toContain(`tools.workspace: ${missing} is not a folder`);
      expect(crashed).toBe(0);
      expect(started).toBe(2); // no replacement met the same error
    }
  });

  it('fail the run naming a tool module that does not load', async () => {
    const { result, crashed } = await runWith({ tools: { use: [{ module: broken }] } });
    expect(result.stopReason).toBe('error');
    expect(result.errorCode).toBe('INVALID_CONFIG');
    expect(result.error).toContain(`could not load ${pathToFileURL(broken).href}`);
    expect(crashed).toBe(0);
  });

  it('fail the run with MCP_SERVER_FAILED and the server’s stderr when an MCP server will not start', async () => {
    const { result, crashed } = await runWith({
      tools: {
        use: [],
        mcpServers: [
          {
            name: 'broken',
            command: process.execPath,
            args: ['-e', 'console.error("no config file"); process.exit(3)'],
          },
        ],
      },
    });
    expect(result.stopReason).toBe('error');
    expect(result.errorCode).toBe('MCP_SERVER_FAILED');
    expect(result.error).toMatch(/MCP server broken: could not start it/);
    expect(result.error).toContain('no config file');
    expect(crashed).toBe(0);
  });
});
