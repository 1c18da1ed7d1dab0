import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvalidConfigError } from '../../src/errors.js';
import { createSwarm, type RunOptions, type Swarm } from '../../src/runtime/swarm.js';
import type { SwarmEvent } from '../../src/runtime/events.js';
import type { SwarmOptions } from '../../src/runtime/options.js';

const modelModule = new URL('./fixtures/scripted-swarm-model.ts', import.meta.url).href;
const scripted = (options: Record<string, unknown> = {}) => ({ module: modelModule, options });
const subTasks = (n: number) => Array.from({ length: n }, (_, i) => ({ payload: `task ${i}` }));
const tmp = mkdtempSync(join(tmpdir(), 'delm-swarm-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('createSwarm', () => {
  let swarm: Swarm;
  beforeAll(() => {
    swarm = createSwarm({
      agents: 4,
      protocol: 'basic',
      model: scripted({ delayMs: 10 }),
      leaseMs: 1_000,
      retry: { baseDelayMs: 10, maxDelayMs: 100, maxRetries: 2 },
    });
  });
  afterAll(() => swarm.close());

  it('commits every sub-task through the verifier and returns one answer', async () => {
    const run = swarm.run({ prompt: 'count the findings', subTasks: subTasks(32) });
    const events: SwarmEvent[] = [];
    for await (const e of run.events) events.push(e);
    const result = await run;
    expect(result.stopReason).toBe('answered');
    expect(result.answer).toBe('32 findings');
    expect(result.tasks).toMatchObject({ total: 32, done: 32, failed: 0, open: 0 });
    const gists = result.entries.filter((e) => e.kind === 'gist');
    expect(new Set(gists.map((g) => g.text)).size).toBe(32);
    expect(result.entries.filter((e) => e.kind === 'answer').map((e) => e.text)).toEqual(['32 findings']);
    // Work was spread over several agents, each a different worker thread.
    const claimers = new Set(
      events.filter((e) => e.type === 'task.claimed').map((e) => (e as { agentId: number }).agentId),
    );
    expect(claimers.size).toBeGreaterThan(1);
    expect(events.filter((e) => e.type === 'commit')).toHaveLength(33);
    expect(events.filter((e) => e.type === 'final.decision')).toHaveLength(1);
    expect(result.usage.modelCalls).toBe(33);
    expect(events.at(-1)).toMatchObject({ type: 'run.finished', stopReason: 'answered' });
  });

  it('reports where agents waited, by cause, from the states the agent threads stamped', async () => {
    const result = await swarm.run({ prompt: 'count the findings', subTasks: subTasks(8) });
    expect(result.stopReason).toBe('answered');
    // The final agent's own states are on the timeline: waiting for the verifier is apart from deciding.
    const finalizing = result.timeline.filter((s) => s.state.startsWith('finalizing.'));
    expect(finalizing.map((s) => s.state)).toEqual(
      expect.arrayContaining(['finalizing.settling', 'finalizing.reading', 'finalizing.deciding']),
    );
    expect(finalizing.find((s) => s.state === 'finalizing.settling')?.wait).toBe('verifier');
    expect(finalizing.find((s) => s.state === 'finalizing.deciding')?.wait).toBeUndefined();
    // A claim that ended in the election is the end-of-round tail; one that got a task is mid-round.
    const claims = result.timeline.filter((s) => s.state === 'claiming');
    expect(claims.length).toBeGreaterThan(0);
    for (const c of claims) expect(['claiming', 'tail']).toContain(c.wait);
    expect(result.timeline.filter((s) => s.state === 'electing').every((s) => s.wait === 'decision')).toBe(true);
    const { claiming, tail, verifier, decision } = result.waiting;
    expect(claiming + tail + verifier + decision).toBeCloseTo(result.waitingShare, 9);
    expect(result.waitingShare).toBeGreaterThan(0);
    expect(result.waitingShare).toBeLessThan(1);
  });

  it('runs several tasks in sequence on the same workers and shared memory, each starting empty', async () => {
    const first = await swarm.run({ prompt: 'a', subTasks: subTasks(3) });
    const second = await swarm.run({ prompt: 'b', subTasks: subTasks(5) });
    expect([first.answer, second.answer]).toEqual(['3 findings', '5 findings']);
    // The second run reused the first one's queue and ledger, emptied: nothing of run one shows through.
    expect(second.tasks).toMatchObject({ total: 5, done: 5 });
    expect(second.entries[0]).toMatchObject({ id: 0, kind: 'raw', text: 'b' });
    expect(second.entries.filter((e) => e.kind === 'gist')).toHaveLength(5);
    expect(first.entries.filter((e) => e.kind === 'gist')).toHaveLength(3);
  });

  it('loops back to the agents when the finalizer asks for more work', async () => {
    const looping = createSwarm({
      agents: 2,
      protocol: 'basic',
      model: scripted({ moreInFirstRound: 3 }),
      maxRounds: 3,
    });
    try {
      const result = await looping.run({ prompt: 'x', subTasks: subTasks(2) });
      expect(result.stopReason).toBe('answered');
      expect(result.tasks.done).toBe(5);
      expect(result.answer).toBe('5 findings');
    } finally {
      await looping.close();
    }
  });

  it('rejects a task of the wrong shape before it runs, naming each field', async () => {
    const run = (task: unknown) => () => swarm.run(task as string);
    expect(run({ prompt: 'q', subTasks: ['read D1'] })).toThrow(InvalidConfigError);
    expect(run({ prompt: 'q', subTasks: ['read D1'] })).toThrow(/subTasks\.0: /);
    expect(run({ prompt: 'q', sources: [{ label: 'D1' }] })).toThrow(/sources\.0\.text: /);
    const twice = [
      { label: 'D1', text: 'a' },
      { label: 'D1', text: 'b' },
    ];
    expect(run({ prompt: 'q', sources: twice })).toThrow(/sources\.1\.label: duplicate label "D1"/);
    expect(run({ subTasks: [] })).toThrow(/prompt: /);
    // A misspelt field is not dropped in silence, nor is an empty prompt run.
    expect(run({ prompt: 'q', source: twice })).toThrow(/Unrecognized key: "source"/);
    expect(run({ prompt: 'q', subtasks: [] })).toThrow(/Unrecognized key: "subtasks"/);
    expect(run({ prompt: 'q', subTasks: [{ payload: 'a', priorty: 1 }] })).toThrow(/subTasks\.0: Unrecognized key/);
    expect(run('  ')).toThrow(/prompt: the prompt is empty/);
    // Nothing started: the swarm runs the next task as before.
    expect((await swarm.run({ prompt: 'x', subTasks: subTasks(4) })).stopReason).toBe('answered');
  });
});

describe('swarm resilience', () => {
  it('recovers when a worker crashes mid-task: the task is claimed again by a replacement', async () => {
    const swarm = createSwarm({
      agents: 4,
      protocol: 'basic',
      leaseMs: 300,
      model: scripted({ crashOn: 'task 7', crashMarker: join(tmp, 'crash-marker') }),
    });
    try {
      const events: SwarmEvent[] = [];
      const result = await swarm.run({ prompt: 'x', subTasks: subTasks(32) }, { onEvent: (e) => events.push(e) });
      expect(events.some((e) => e.type === 'agent.crashed')).toBe(true);
      expect(events.some((e) => e.type === 'agent.started' && e.replaces !== undefined)).toBe(true);
      expect(result.stopReason).toBe('answered');
      expect(result.tasks).toMatchObject({ done: 32, failed: 0 });
      expect(result.answer).toBe('32 findings');
      // A crashed worker may have died mid-write, so the next run gets fresh shared memory, and works.
      const next = await swarm.run({ prompt: 'y', subTasks: subTasks(4) });
      expect(next).toMatchObject({ stopReason: 'answered', answer: '4 findings' });
    } finally {
      await swarm.close();
    }
  });

  it('keeps the heartbeat of an agent whose model answers at once through a long queue', async () => {
    // Every step holds the thread 5 ms and answers without yielding: sub-task after sub-task ran in
    // microtasks, the thread's heartbeat timer never fired, and the run killed the agent as hung.
    const swarm = createSwarm({
      agents: 1,
      protocol: 'basic',
      heartbeatTimeoutMs: 1_500,
      model: scripted({ slowOn: 'task', slowDelayMs: 5, blockThread: true }),
    });
    try {
      const events: SwarmEvent[] = [];
      const result = await swarm.run({ prompt: 'x', subTasks: subTasks(600) }, { onEvent: (e) => events.push(e) });
      expect(events.filter((e) => e.type === 'agent.crashed')).toEqual([]);
      expect(result.stopReason).toBe('answered');
      expect(result.tasks).toMatchObject({ done: 600, failed: 0 });
    } finally {
      await swarm.close();
    }
  });

  it('gives up on agents whose threads die as they start, saying how the last one died', async () => {
    const swarm = createSwarm({
      agents: 2,
      protocol: 'basic',
      model: { module: new URL('./fixtures/exiting-model.mjs', import.meta.url).href },
    });
    try {
      const result = await swarm.run({ prompt: 'x', subTasks: subTasks(2) });
      expect(result.stopReason).toBe('error');
      // Before, the error was "agents keep crashing; giving up" alone.
      expect(result.error).toMatch(/^agents keep crashing; giving up \(the last: .*exited with code: 7\)$/);
    } finally {
      await swarm.close();
    }
  });

  it('stops promptly on abort, cancelling model calls in flight, and returns what was verified', async () => {
    // The first four sub-tasks take 200 ms; the other 60 take 10 minutes unless their signal aborts them.
    // Agents that did not cancel their calls could not stop within the grace period and would be
    // terminated (status crashed); the bound is the work left undone, not the machine's speed.
    const stopGraceMs = 60_000;
    const slowMarker = join(tmp, 'slow-marker');
    const swarm = createSwarm({
      agents: 4,
      protocol: 'basic',
      model: scripted({ delayMs: 200, slowOn: 'slow', slowDelayMs: 600_000, slowMarker }),
      stopGraceMs,
    });
    try {
      const ac = new AbortController();
      let abortedAt = 0;
      let committed = false;
      const tasks = subTasks(64).map((t, i) => (i < 4 ? t : { payload: `slow ${t.payload}` }));
      const run = swarm.run(
        { prompt: 'x', subTasks: tasks },
        { signal: ac.signal, onEvent: (e) => void (committed ||= e.type === 'commit' && e.kind === 'gist') },
      );
      // Abort mid-run: once a finding is committed and a 10-minute call is in flight.
      while (!committed || !existsSync(slowMarker)) await new Promise((r) => setTimeout(r, 10));
      abortedAt = Date.now();
      ac.abort();
      const result = await run;
      const stopMs = Date.now() - abortedAt;
      expect(result.stopReason).toBe('aborted');
      // Every agent ended on its own (none terminated): those mid-call cancelled their 10-minute calls.
      expect(result.agents).toHaveLength(4);
      expect(result.agents.filter((a) => a.status === 'crashed')).toEqual([]);
      expect(result.agents.some((a) => a.status === 'stopped')).toBe(true); // at least the one whose call was in flight
      expect(stopMs).toBeLessThan(stopGraceMs);
      expect(result.tasks.done).toBeLessThan(64);
      expect(result.entries.filter((e) => e.kind === 'gist').length).toBeGreaterThan(0);
      // The aborted run's agents stopped on their own; the next run reuses its memory from a clean slate.
      const next = await swarm.run({ prompt: 'y', subTasks: subTasks(4) });
      expect(next).toMatchObject({ stopReason: 'answered', answer: '4 findings', tasks: { total: 4, done: 4 } });
    } finally {
      await swarm.close();
    }
  });

  it('cancels the final decision in flight when a run is aborted', async () => {
    // The final decision waits at a gate that never opens; its signal is the finalizer's decide actor's,
    // linked to nothing else: XState aborts it when the stop takes the agent out of `finalizing`. The
    // agent ends either way (its machine stops); without the abort the call would go on, unseen.
    const decideAbortMarker = join(tmp, 'decide-aborted');
    const swarm = createSwarm({
      agents: 2,
      protocol: 'basic',
      model: scripted({ delayMs: 5, decideGate: join(tmp, 'never-opened'), decideAbortMarker }),
      stopGraceMs: 60_000,
    });
    try {
      const ac = new AbortController();
      let deciding = false;
      const run = swarm.run(
        { prompt: 'x', subTasks: subTasks(4) },
        {
          signal: ac.signal,
          onEvent: (e) => void (deciding ||= e.type === 'agent.state' && e.state === 'finalizing.deciding'),
        },
      );
      while (!deciding) await new Promise((r) => setTimeout(r, 10));
      ac.abort();
      const result = await run;
      expect(result.stopReason).toBe('aborted');
      expect(result.agents.filter((a) => a.status === 'crashed')).toEqual([]);
      expect(result.tasks).toMatchObject({ total: 4, done: 4 });
      for (let waited = 0; !existsSync(decideAbortMarker) && waited < 5_000; waited += 20)
        await new Promise((r) => setTimeout(r, 20));
      expect(existsSync(decideAbortMarker), 'the decision call saw its signal abort').toBe(true);
    } finally {
      await swarm.close();
    }
  });

  it('stops with reason budget when the run-wide model-call budget is spent', async () => {
    const swarm = createSwarm({
      agents: 4,
      protocol: 'basic',
      model: scripted({ delayMs: 5 }),
      budgets: { modelCalls: 10 },
    });
    try {
      const result = await swarm.run({ prompt: 'x', subTasks: subTasks(32) });
      expect(result.stopReason).toBe('budget');
      expect(result.usage.modelCalls).toBeLessThanOrEqual(10);
      expect(result.tasks.done).toBeLessThan(32);
    } finally {
      await swarm.close();
    }
  });

  it('ends with reason error when the ledger is full, keeping everything committed before', async () => {
    const swarm = createSwarm({ agents: 2, protocol: 'basic', model: scripted(), ledger: { maxEntries: 16 } });
    try {
      const result = await swarm.run({ prompt: 'x', subTasks: subTasks(32) });
      expect(result.stopReason).toBe('error');
      expect(result.error).toMatch(
        /context ledger is full: needs 17 entries but the limit is 16; raise ledger.maxEntries/,
      );
      expect(result.entries).toHaveLength(16); // the task entry and fifteen findings, nothing overwritten
      expect(new Set(result.entries.slice(1).map((e) => e.text)).size).toBe(15);
    } finally {
      await swarm.close();
    }
  });

  it('close aborts the run in progress and those queued behind it, which end without starting', async () => {
    const swarm = createSwarm({ agents: 2, protocol: 'basic', model: scripted({ delayMs: 50 }) });
    let committed!: () => void;
    const firstCommit = new Promise<void>((resolve) => (committed = resolve));
    const runs = [
      swarm.run({ prompt: 'x', subTasks: subTasks(20) }, { onEvent: (e) => e.type === 'commit' && committed() }),
      swarm.run({ prompt: 'y', subTasks: subTasks(20) }),
    ];
    await firstCommit;
    await swarm.close();
    const [first, queued] = await Promise.all(runs.map((r) => r.result));
    expect(first!.stopReason).toBe('aborted');
    // The queued run ends at once instead of running its 20 sub-tasks on a closing swarm.
    expect(queued).toMatchObject({ stopReason: 'aborted', tasks: { done: 0 } });
  });

  it('ends a queued run when its signal aborts, without waiting for the run ahead, which goes on alone', async () => {
    const swarm = createSwarm({ agents: 2, protocol: 'basic', model: scripted({ delayMs: 50 }) });
    try {
      const ahead = swarm.run({ prompt: 'x', subTasks: subTasks(30) });
      const queuedEvents: string[] = [];
      const queued = swarm.run(
        { prompt: 'y', subTasks: subTasks(4) },
        { signal: AbortSignal.timeout(200), onEvent: (e) => queuedEvents.push(e.type) },
      );
      const behind = swarm.run({ prompt: 'z', subTasks: subTasks(2) });
      const ended = await queued.result;
      const aheadDone = await Promise.race([ahead.result.then(() => true), Promise.resolve(false)]);
      expect(ended).toMatchObject({ stopReason: 'aborted', tasks: { total: 0 }, agents: [] });
      expect(ended.wallTimeMs).toBeLessThan(2_000);
      expect(queuedEvents).toEqual(['run.finished']);
      // It did not wait for the run ahead (30 sub-tasks of 50 ms on 2 agents), which still runs.
      expect(aheadDone).toBe(false);
      expect((await ahead.result).stopReason).toBe('answered');
      // The run behind it waited for the run ahead, not for the one that ended early: runs never overlap.
      expect((await behind.result).stopReason).toBe('answered');
    } finally {
      await swarm.close();
    }
  });

  it('reuses the memory of a run whose agent started after the answer, once that agent has ended', async () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const made = new SharedArrayBuffer(8);
    const swarm = createSwarm({
      agents: 2,
      protocol: 'basic',
      model: {
        module: new URL('./fixtures/late-agent-model.ts', import.meta.url).href,
        options: { made, lateMs: 1_000 },
      },
    });
    try {
      const lateRuns: number[] = [];
      let first = 0;
      for (let i = 0; i < 5; i++) {
        const r = await swarm.run({ prompt: 'x', subTasks: subTasks(1) });
        expect(r.stopReason).toBe('answered');
        if (r.agents.some((a) => a.status === 'not-started')) lateRuns.push(i);
        gc();
        if (i === 0) first = process.memoryUsage().arrayBuffers;
      }
      expect(lateRuns.length).toBeGreaterThanOrEqual(3);
      // Each run in fresh memory left the last one's (16 MB) to the late thread, which never collected it.
      expect(process.memoryUsage().arrayBuffers - first).toBeLessThan(8 * 2 ** 20);
    } finally {
      await swarm.close();
    }
  });

  it('a second close waits for the same end as the first', async () => {
    const swarm = createSwarm({ agents: 2, protocol: 'basic', model: scripted({ delayMs: 50 }) });
    const run = swarm.run({ prompt: 'x', subTasks: subTasks(20) });
    await new Promise((r) => setTimeout(r, 300));
    let firstDone = false;
    const first = swarm.close().then(() => (firstDone = true));
    await swarm.close();
    expect(firstDone).toBe(true);
    await first;
    expect((await run.result).stopReason).toBe('aborted');
  });

  it('leaves no worker, timer or handle behind after close', async () => {
    const before = process.getActiveResourcesInfo().filter((r) => r !== 'TTYWrap').length;
    const swarm = createSwarm({ agents: 2, protocol: 'basic', model: scripted() });
    await swarm.run({ prompt: 'x', subTasks: subTasks(4) });
    await swarm.close();
    await new Promise((r) => setTimeout(r, 50));
    const after = process.getActiveResourcesInfo().filter((r) => r !== 'TTYWrap').length;
    expect(after).toBeLessThanOrEqual(before);
  });

  it('rejects invalid options with every problem listed', () => {
    expect(() => createSwarm({ agents: 0, leaseMs: -1 })).toThrow(InvalidConfigError);
    expect(() => createSwarm({ agents: 0 })).toThrow(/agents/);
    expect(() => createSwarm({ ledger: { maxEntries: 4 } })).toThrow(/ledger\.maxEntries/);
    // A value none of a union's forms accepts says what the forms are, not only "Invalid input".
    expect(() => createSwarm({ protocol: 'nope' as 'delm' })).toThrow(/protocol: expected 'delm', 'basic', 'debug' or/);
    expect(() => createSwarm({ model: 42 as unknown as string })).toThrow(/model: expected a model string/);
    // Before: null passed validation as no options, then was read for a logger: a TypeError.
    expect(() => createSwarm(null as unknown as SwarmOptions)).toThrow(InvalidConfigError);
    expect(() => createSwarm(null as unknown as SwarmOptions)).toThrow(/invalid swarm options/);
    expect(() => createSwarm('fast' as unknown as SwarmOptions)).toThrow(InvalidConfigError);
  });

  it('refuses run options of the wrong shape before the run starts, naming each', () => {
    const swarm = createSwarm({ agents: 1, protocol: 'basic', model: scripted() });
    const task = { prompt: 'x', subTasks: subTasks(1) };
    const problems = (options: unknown) => {
      try {
        swarm.run(task, options as RunOptions);
      } catch (error) {
        expect(error).toBeInstanceOf(InvalidConfigError);
        return (error as InvalidConfigError).issues;
      }
      return [];
    };
    // Before: 42 failed on every event, 'soon' threw a TypeError from inside, and tools: 'grep' crashed
    // every agent thread until the run gave up; a misspelt option was ignored.
    expect(problems({ onEvent: 42 })).toEqual(['onEvent: expected a function']);
    expect(problems({ signal: 'soon' })).toEqual(['signal: expected an AbortSignal']);
    expect(problems({ tools: 'grep' })).toEqual(['tools: Invalid input: expected object, received string']);
    expect(problems({ singal: AbortSignal.timeout(1) })).toEqual([expect.stringMatching(/Unrecognized key.*singal/)]);
    expect(problems({ logger: { info: () => {} } })).toEqual([
      'logger: expected a logger with debug, info, warn and error methods',
    ]);
    void swarm.close();
  });

  it('refuses a model, protocol or tool module with no file behind it, naming the option and the path', async () => {
    const missing = join(tmp, 'no-such-model.mjs');
    const error = (() => {
      try {
        createSwarm({
          model: { module: missing },
          protocol: { module: pathToFileURL(join(tmp, 'no-such-protocol.mjs')).href },
          tools: { use: ['read_file', { module: tmp }], workspace: tmp },
        });
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(InvalidConfigError);
    expect((error as InvalidConfigError).issues).toEqual([
      `model.module: no module file at ${missing}`,
      `protocol.module: no module file at ${join(tmp, 'no-such-protocol.mjs')}`,
      `tools.use.1.module: no module file at ${tmp}`, // a folder is not a module
    ]);
    // A module that is there is accepted, as a path or a file: URL.
    await createSwarm({ model: { module: fileURLToPath(modelModule) }, agents: 1 }).close();
  });
});
