import { describe, expect, it } from 'vitest';
import { BadMessageError, readBatch, readRuns, readSnapshot } from '../../../../src/inspector/page/client/messages.js';
import { summary } from './events.js';

describe('stream messages', () => {
  it('reads an event batch as the server sends it', () => {
    const events = [{ type: 'agent.state', at: 1, agentId: 1, state: 'claiming' }];
    expect(readBatch({ kind: 'events', runId: 'r1', from: 4, events, clock: 9 })).toEqual({
      kind: 'events',
      runId: 'r1',
      from: 4,
      events,
      clock: 9,
    });
  });

  it('refuses a batch without a run id, or with anything but events in it, as a whole', () => {
    expect(() => readBatch({ kind: 'events', from: 0, events: [] })).toThrow(BadMessageError);
    expect(() => readBatch({ kind: 'events', runId: 'r1', from: 0, events: [{ type: 'agent.state' }, 7] })).toThrow(
      /something other than events/,
    );
    expect(() => readBatch(null)).toThrow(BadMessageError);
  });

  it('reads run lists from a runs message or the plain list, keeping only runs with an id', () => {
    expect(readRuns({ kind: 'runs', runs: [summary(), { label: 'no id' }] })).toEqual([summary()]);
    expect(readRuns([summary()])).toEqual([summary()]);
    expect(() => readRuns({ kind: 'runs' })).toThrow(BadMessageError);
  });

  it('reads a run snapshot, refusing one without its run', () => {
    expect(readSnapshot({ run: summary(), events: [], clock: 3 })).toEqual({ run: summary(), events: [], clock: 3 });
    expect(() => readSnapshot({ events: [] })).toThrow(BadMessageError);
  });
});
