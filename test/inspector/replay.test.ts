import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { attachInspector } from '../../src/inspector/attach.js';
import { ReplayFileError } from '../../src/inspector/errors.js';
import { InspectorHub, type TrackInfo } from '../../src/inspector/hub.js';
import { parseTrajectory, replayTrajectory } from '../../src/inspector/replay.js';
import type { SwarmEvent } from '../../src/runtime/events.js';

const tmp = mkdtempSync(join(tmpdir(), 'delm-inspect-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const lines = (...events: object[]) => events.map((e) => JSON.stringify(e)).join('\n');
const RUN = [
  {
    type: 'usage',
    at: 0,
    agentId: 0,
    role: 'planner',
    model: 'offline',
    inputTokens: 10,
    outputTokens: 2,
    cachedInputTokens: 0,
    costUsd: 0,
    latencyMs: 1,
  },
  { type: 'run.started', at: 1, runId: 'abc', agents: 2, tasks: 1 },
  { type: 'agent.state', at: 2, agentId: 1, state: 'claiming', extra: 'dropped' },
  { type: 'run.finished', at: 3, stopReason: 'answered' },
];

function recorder() {
  const tracked: Array<{ info: TrackInfo; events: SwarmEvent[] }> = [];
  return {
    tracked,
    track(info: TrackInfo) {
      const entry = { info, events: [] as SwarmEvent[] };
      tracked.push(entry);
      return (e: SwarmEvent) => void entry.events.push(e);
    },
  };
}

describe('trajectory replay', () => {
  it('parses JSON lines with zod: planner events belong to the run, a new run.started starts the next run', () => {
    const text = lines(
      ...RUN,
      { type: 'nonsense', at: 1 },
      { type: 'agent.state', at: -1, agentId: 1, state: 'x' },
      ...RUN.slice(1).map((e) => ({ ...e, runId: 'def' })),
    );
    const t = parseTrajectory(`${text}\n\n`, '/x/item-1.jsonl');
    expect(t.runs.map((r) => [r.runId, r.agents, r.events.length])).toEqual([
      ['abc', 2, 4],
      ['def', 2, 3],
    ]);
    expect(t.skippedCount).toBe(2);
    expect(t.skipped[0]).toMatchObject({ line: 5 });
    expect(t.runs[0]!.events[2]).toEqual({ type: 'agent.state', at: 2, agentId: 1, state: 'claiming' });
  });

  it('rejects a file that is not JSON lines, or holds no event', () => {
    expect(() => parseTrajectory('{"type":"run.started"\n', 'a.jsonl')).toThrow(ReplayFileError);
    expect(() => parseTrajectory('{"type":"run.started"\n', 'a.jsonl')).toThrow(/a\.jsonl:1: not JSON/);
    expect(() => parseTrajectory('', 'a.jsonl')).toThrow(/empty/);
    expect(() => parseTrajectory('{"hello":1}', 'a.jsonl')).toThrow(/no valid event/);
  });

  it('replays each run at its recorded pace times the speed', async () => {
    const t = parseTrajectory(lines(...RUN.map((e) => ({ ...e, at: e.at * 100 }))), 'r.jsonl');
    const rec = recorder();
    const started = performance.now();
    await replayTrajectory(rec, t, { speed: 2, label: 'r.jsonl' });
    const took = performance.now() - started;
    expect(took).toBeGreaterThanOrEqual(140); // 300 ms of run time at 2×
    expect(took).toBeLessThan(1_000);
    expect(rec.tracked).toHaveLength(1);
    expect(rec.tracked[0]!.info).toMatchObject({ runId: 'abc', agents: 2, speed: 2, label: 'r.jsonl · abc' });
    expect(rec.tracked[0]!.events.map((e) => e.type)).toEqual(['usage', 'run.started', 'agent.state', 'run.finished']);
  });

  it('attachInspector holds events until run.started, then tracks under its id, keeping the original listener', () => {
    const rec = recorder();
    const seen: string[] = [];
    const options = attachInspector(
      rec,
      { onEvent: (e: SwarmEvent) => void seen.push(e.type), other: 1 },
      { label: 'item 1' },
    );
    expect(options.other).toBe(1);
    for (const e of RUN) options.onEvent(e as SwarmEvent);
    expect(seen).toHaveLength(4);
    expect(rec.tracked[0]!.info).toEqual({ runId: 'abc', agents: 2, label: 'item 1' });
    expect(rec.tracked[0]!.events.map((e) => e.type)).toEqual(['usage', 'run.started', 'agent.state', 'run.finished']);
    // A run that fails before starting is still shown.
    const failed = attachInspector(rec, {}, { label: 'broken' });
    failed.onEvent!({ type: 'run.finished', at: 1, stopReason: 'error' });
    expect(rec.tracked[1]!.info).toMatchObject({ runId: 'broken' });
  });

  it('the hub keeps the events of the newest runs only and dedupes ids', () => {
    const hub = new InspectorHub({ runsWithEvents: 2, eventsPerRun: 3 });
    const a = hub.track({ runId: 'a', agents: 1 });
    a({ type: 'agent.state', at: 1, agentId: 1, state: 'claiming' });
    hub.track({ runId: 'b', agents: 1 })({ type: 'agent.state', at: 1, agentId: 1, state: 'claiming' });
    const c = hub.track({ runId: 'b', agents: 1 });
    for (let i = 0; i < 5; i++) c({ type: 'agent.state', at: i, agentId: 1, state: 'reading' });
    c({ type: 'run.finished', at: 9, stopReason: 'answered' });
    expect(hub.list().map((r) => [r.id, r.events, r.truncated, r.status])).toEqual([
      ['a', 0, true, 'running'],
      ['b', 1, false, 'running'],
      ['b#2', 4, true, 'finished'],
    ]);
    expect(hub.snapshot('b#2')!.clock).toBe(9);
    hub.close();
  });
});

describe('delm inspect', () => {
  async function cli(argv: string[], signal = new AbortController().signal, onOut?: (s: string) => void) {
    let out = '';
    let err = '';
    const code = await main(argv, {
      out: (s) => {
        out += s;
        onOut?.(s);
      },
      err: (s) => void (err += s),
      signal,
      isTTY: false,
      cwd: tmp,
      env: {},
    });
    return { code, out, err };
  }

  it('prints help, and rejects bad arguments with exit code 2', async () => {
    expect((await cli(['inspect', '--help'])).out).toMatch(/--demo/);
    expect((await cli(['inspect'])).code).toBe(2);
    expect((await cli(['inspect', '--demo', 'x.jsonl'])).code).toBe(2);
    expect((await cli(['inspect', 'x.jsonl', '--speed', '0'])).code).toBe(2);
    expect((await cli(['inspect', 'missing.jsonl'])).code).toBe(2);
    expect((await cli(['inspect', 'x.jsonl', '--host', '0.0.0.0'])).code).toBe(2);
    expect((await cli(['inspect', '--help'])).out).toMatch(/--threads <n>/);
    const replayThreads = await cli(['inspect', 'x.jsonl', '--threads', '2']);
    expect(replayThreads.code).toBe(2);
    expect(replayThreads.err).toMatch(/--agents and --threads apply to --demo, not to replays/);
    expect((await cli(['inspect', '--demo', '--threads', '0'])).err).toMatch(/--threads must be a positive integer/);
  });

  it('replays a trajectory file into the page and stays up until interrupted', async () => {
    const file = join(tmp, 'item.jsonl');
    writeFileSync(file, `${lines(...RUN)}\n`);
    const controller = new AbortController();
    let url = '';
    const done = cli(['inspect', file, '--speed', '50'], controller.signal, (s) => {
      const m = /inspector: (\S+)/.exec(s);
      if (m) url = m[1]!;
      if (s.includes('replay finished'))
        setTimeout(
          () =>
            void (async () => {
              const runs = (await (await fetch(new URL('api/runs', url))).json()) as Array<{
                id: string;
                status: string;
              }>;
              expect(runs).toEqual([expect.objectContaining({ id: 'abc', status: 'finished' })]);
              controller.abort();
            })(),
          80,
        );
    });
    const result = await done;
    expect(result.err).toBe('');
    expect(result.out).toMatch(/replaying 4 events of 1 run/);
    expect(result.code).toBe(0);
    await expect(fetch(url)).rejects.toThrow();
  });
});
