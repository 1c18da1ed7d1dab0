import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/cli/command.js';
import { mcpServersArg, withMcpServers } from '../../src/cli/mcp-option.js';
import type { Workload } from '../../src/workloads/workload.js';

describe('--mcp', () => {
  it('turns a script into a node child, a URL into an HTTP server and anything else into a command, named after it', () => {
    const servers = mcpServersArg(
      [
        'examples/mcp/docs-server.mjs',
        'http://127.0.0.1:3000/mcp',
        'https://tools.example.com/mcp',
        'uvx mcp-server-git --repo .',
      ],
      '/work',
    );
    expect(servers).toEqual([
      { name: 'docs', command: process.execPath, args: ['/work/examples/mcp/docs-server.mjs'] },
      { name: 'mcp2', url: 'http://127.0.0.1:3000/mcp' },
      { name: 'tools', url: 'https://tools.example.com/mcp' },
      { name: 'uvx', command: 'uvx', args: ['mcp-server-git', '--repo', '.'] },
    ]);
    expect(mcpServersArg(['a/docs.mjs', 'b/docs.mjs'], '/w')!.map((s) => s.name)).toEqual(['docs', 'docs-2']);
    expect(mcpServersArg(undefined, '/w')).toBeUndefined();
    expect(() => mcpServersArg(['  '], '/w')).toThrow(UsageError);
  });

  it('replaces a tool-search workload’s built-ins and keeps its workspace and limits; refuses a workload without tools', () => {
    const servers = mcpServersArg(['docs-server.mjs'], '/w');
    const tools = {
      use: ['grep' as const],
      workspace: '/w/docs',
      maxToolCalls: 8,
      timeoutMs: 10_000,
      maxOutputBytes: 16_384,
    };
    const search = { kind: 'tool-search', tools } as unknown as Workload;
    expect(withMcpServers(search, servers).tools).toEqual({ ...tools, use: [], mcpServers: servers });
    expect(withMcpServers(search, undefined)).toBe(search);
    expect(() => withMcpServers({ kind: 'multidoc' } as unknown as Workload, servers)).toThrow(/uses no tools/);
  });
});
