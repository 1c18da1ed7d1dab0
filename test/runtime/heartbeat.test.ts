import { describe, expect, it, vi } from 'vitest';
import { HEARTBEAT_MS, Heartbeats, HeartbeatWatch } from '../../src/runtime/heartbeat.js';

describe('HeartbeatWatch', () => {
  it('finds a worker whose beat stopped moving for longer than the timeout, and never one that has not started', () => {
    const beats = new Heartbeats(3);
    let now = 0;
    const watch = new HeartbeatWatch(beats, 1_000, () => now);
    expect(watch.started(1)).toBe(false);
    expect(watch.stalled(1)).toBe(false);
    const stop = beats.start(1); // beats once at once
    stop();
    expect(watch.started(1)).toBe(true);
    expect(watch.stalled(1)).toBe(false);
    now = 1_000;
    expect(watch.stalled(1)).toBe(false);
    now = 1_001;
    expect(watch.stalled(1)).toBe(true);
    // A beat resets the clock.
    beats.start(1)();
    expect(watch.stalled(1)).toBe(false);
    expect(watch.stalled(2)).toBe(false);
  });

  it('times every worker afresh after the whole process was paused', () => {
    const beats = new Heartbeats(2);
    let now = 0;
    const watch = new HeartbeatWatch(beats, 1_000, () => now);
    beats.start(1)();
    expect(watch.stalled(1)).toBe(false);
    now = 5_000; // SIGSTOP, then SIGCONT: the thread could not beat either
    watch.resumed();
    expect(watch.stalled(1)).toBe(false);
    now = 6_001;
    expect(watch.stalled(1)).toBe(true);
  });
});

describe('Heartbeats', () => {
  it('beats every agent of a thread on one timer, until the last of them stops', () => {
    vi.useFakeTimers();
    try {
      const beats = new Heartbeats(4);
      const stop1 = beats.start(1);
      const stop2 = beats.start(2);
      expect(vi.getTimerCount()).toBe(1);
      expect([beats.read(1), beats.read(2), beats.read(3)]).toEqual([1, 1, 0]);
      vi.advanceTimersByTime(HEARTBEAT_MS * 2);
      expect([beats.read(1), beats.read(2), beats.read(3)]).toEqual([3, 3, 0]);
      stop1();
      stop1(); // twice is once
      vi.advanceTimersByTime(HEARTBEAT_MS);
      expect([beats.read(1), beats.read(2)]).toEqual([3, 4]);
      expect(vi.getTimerCount()).toBe(1);
      stop2();
      expect(vi.getTimerCount()).toBe(0);
      // A thread that hosts a new agent later starts the timer again.
      const stop3 = beats.start(3);
      vi.advanceTimersByTime(HEARTBEAT_MS);
      expect(beats.read(3)).toBe(2);
      stop3();
      expect(vi.getTimerCount()).toBe(0);
    } finally {
      vi.useRealTimers();
    }
  });
});
