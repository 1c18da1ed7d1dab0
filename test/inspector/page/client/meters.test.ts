import { describe, expect, it } from 'vitest';
import { meterTexts, runOptionText, statusText } from '../../../../src/inspector/page/client/meters.js';
import { emptyRun } from '../../../../src/inspector/page/client/model.js';
import { RUN, runOf, summary } from './events.js';

describe('meters and status', () => {
  it('shows the usage, run time, waiting share and working agents', () => {
    const running = runOf(RUN.slice(0, 10));
    expect(meterTexts(running, 1234)).toEqual({
      'm-input': '100',
      'm-output': '20',
      'm-cached': '5',
      'm-calls': '1',
      'm-cost': '$0.0010',
      'm-time': '1.2 s',
      'm-waiting': `${(((10 - 1 + (20 - 2)) / (1234 - 1 + 1234 - 2)) * 100).toFixed(1)} %`,
      'm-waiting-causes': `claiming mid-round ${(((10 - 1 + (20 - 2)) / (1234 - 1 + 1234 - 2)) * 100).toFixed(1)} % · round's tail 0.0 % · verifier 0.0 % · final decision 0.0 %`,
      'm-agents': '2',
    });
    expect(meterTexts(emptyRun(), 0)['m-waiting']).toBe('–');
    expect(meterTexts(emptyRun(), 0)['m-waiting-causes']).toBe('');
  });

  it('says how the run stands: finished, dropped events, the last budget warning and final decision', () => {
    const finished = runOf(RUN);
    expect(statusText(summary(), emptyRun())).toBe('running');
    expect(statusText(summary({ truncated: true }), finished)).toBe(
      'finished: answered (some events were dropped) · budget: tokens 900 / 1000 · final decision round 1: answer',
    );
    // A run kept in Redis: its live processes and their agents.
    const processes = [
      { id: 'h1:10:a', host: 'h1', pid: 10, role: 'coordinator', agents: [1, 2], threads: 2, verifier: 'active' },
      { id: 'h2:20:b', host: 'h2', pid: 20, role: 'worker', agents: [3], threads: 1, verifier: 'standby' },
    ] as const;
    expect(
      statusText(summary({ processes: processes.map((p) => ({ ...p, agents: [...p.agents] })) }), emptyRun()),
    ).toBe(
      'running · 2 processes: coordinator on h1 (pid 10, agents 1-2, verifier); worker on h2 (pid 20, agent 3, standby verifier)',
    );
    expect(runOptionText(summary({ label: 'demo' }))).toBe('demo — running');
    expect(runOptionText(summary({ label: 'demo', status: 'finished', stopReason: 'answered' }))).toBe(
      'demo — finished: answered',
    );
    // The run list: a running run in Redis with its live processes (host, pid, agents); once finished, none.
    const inRedis = { label: 'demo', processes: processes.map((p) => ({ ...p, agents: [...p.agents] })) };
    expect(runOptionText(summary(inRedis))).toBe(
      'demo — running · 2 processes: h1 pid 10 (agents 1-2), h2 pid 20 (agent 3)',
    );
    expect(runOptionText(summary({ ...inRedis, processes: [] }))).toBe('demo — running · 0 processes');
    expect(runOptionText(summary({ ...inRedis, status: 'finished', stopReason: 'answered' }))).toBe(
      'demo — finished: answered',
    );
  });
});
