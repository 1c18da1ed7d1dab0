/**
 * What the verifier did during a run, read from the run's events (as `onEvent` delivers them or as
 * `trajectories/<mode>/<item>.jsonl` records them): proposal → decision latency, how many batches it
 * took them in, and its busy time. `tsx bench/verifier-stats.ts <trajectories folder>` prints it for
 * every recorded item and pooled.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { SwarmEvent } from '../src/runtime/events.js';
import { percentile } from './harness.js';

/** The verifier's numbers for one run. */
export interface VerifierStats {
  /** Proposal → commit or reject, ms, one sample per decided proposal. */
  latencies: number[];
  p50: number;
  p99: number;
  /** Times the verifier left `waiting` (before batching: one per proposal by construction). */
  batches: number;
  /** Time out of `waiting`, ms. */
  busyMs: number;
}

/**
 * Pairs each agent's `proposal` event with the verifier's `commit` (of a finding, not of the raw
 * sources it brings or the answer) or `reject` of it, in order per agent and task; both are stamped
 * in the thread where they happened.
 */
export function verifierStats(events: readonly SwarmEvent[]): VerifierStats {
  // Events reach the main thread in per-thread batches: a decision may arrive before its proposal.
  const sent = new Map<string, number[]>();
  const decided = new Map<string, number[]>();
  const add = (map: Map<string, number[]>, key: string, at: number) => map.set(key, [...(map.get(key) ?? []), at]);
  let batches = 0;
  let busyMs = 0;
  let busySince: number | undefined;
  for (const e of events) {
    if (e.type === 'proposal') add(sent, `${e.agentId}:${e.taskId}`, e.at);
    else if ((e.type === 'commit' && e.kind !== 'raw' && e.kind !== 'answer') || e.type === 'reject')
      add(decided, `${e.authorId}:${e.taskId}`, e.at);
  }
  const states = events.filter((e) => e.type === 'agent.state' && e.agentId === 0).sort((a, b) => a.at - b.at);
  for (const e of states) {
    if (e.type !== 'agent.state') continue;
    if (e.state === 'waiting') {
      if (busySince !== undefined) busyMs += e.at - busySince;
      busySince = undefined;
    } else if (busySince === undefined) {
      busySince = e.at;
      batches++;
    }
  }
  const latencies: number[] = [];
  for (const [key, at] of sent) {
    const done = (decided.get(key) ?? []).sort((a, b) => a - b);
    at.sort((a, b) => a - b).forEach((t, i) => {
      const d = done[i];
      if (d !== undefined) latencies.push(d - t);
    });
  }
  return { latencies, p50: percentile(latencies, 50), p99: percentile(latencies, 99), batches, busyMs };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const dir = process.argv[2];
  if (!dir) throw new Error('usage: tsx bench/verifier-stats.ts <trajectories folder>');
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.jsonl'))
    .map((f) => path.join(dir, f))
    .filter((f) => statSync(f).isFile());
  const pooled: number[] = [];
  let batches = 0;
  let busy = 0;
  let wall = 0;
  for (const file of files) {
    const events = readFileSync(file, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as SwarmEvent);
    const s = verifierStats(events);
    const end = events.at(-1)?.at ?? 0;
    pooled.push(...s.latencies);
    batches += s.batches;
    busy += s.busyMs;
    wall += end;
    console.log(
      `${path.basename(file)}: ${s.latencies.length} decided in ${s.batches} batches, p50 ${s.p50.toFixed(1)} ms, p99 ${s.p99.toFixed(1)} ms, verifier busy ${s.busyMs.toFixed(0)} of ${end} ms`,
    );
  }
  console.log(
    `all: ${pooled.length} decided in ${batches} batches, proposal→decision p50 ${percentile(pooled, 50).toFixed(1)} ms, p90 ${percentile(pooled, 90).toFixed(1)} ms, p99 ${percentile(pooled, 99).toFixed(1)} ms; verifier busy ${busy.toFixed(0)} ms of ${wall} ms run time (${((100 * busy) / Math.max(1, wall)).toFixed(1)} %)`,
  );
}
