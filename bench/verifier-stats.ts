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
  /**
   * Of each latency, the ms until the verifier took the proposal off the channel (its wake-up, or the
   * batch it was still deciding); the rest is deciding its own batch up to this proposal. Only for
   * decisions that carry their timing: empty for older records.
   */
  waited: number[];
  /** Times the verifier left `waiting` (before batching: one per proposal by construction). */
  batches: number;
  /** Time out of `waiting`, ms. */
  busyMs: number;
}

/** A decision of a finding: a `commit` of one (not of the raw sources it brings or of the answer) or a `reject`. */
const isDecision = (e: SwarmEvent) =>
  (e.type === 'commit' && e.kind !== 'raw' && e.kind !== 'answer') || e.type === 'reject';

/**
 * Whether {@link verifierStats} reads `event`: a decision, a proposal (older records pair the two) or
 * a state change of the verifier. A bench that keeps a run's events for it keeps only these, so that
 * its own retention of tens of thousands of others does not weigh on the run it measures.
 */
export const isVerifierStatsEvent = (e: SwarmEvent): boolean =>
  e.type === 'commit' || e.type === 'reject' || e.type === 'proposal' || (e.type === 'agent.state' && e.agentId === 0);

/**
 * Proposal → decision latencies. A decision that carries its timing (`latencyMs`: measured from the
 * agent's send stamp on the clock every thread shares) is taken as it is. Older records have none:
 * there each agent's `proposal` event (emitted after its send returned, so a verifier that pre-empted
 * the agent may decide first) is paired with the verifier's decisions in order per agent and task.
 */
export function verifierStats(events: readonly SwarmEvent[]): VerifierStats {
  const timed = events.filter(
    (e): e is Extract<SwarmEvent, { type: 'commit' | 'reject' }> =>
      isDecision(e) && (e.type === 'commit' || e.type === 'reject') && e.latencyMs !== undefined,
  );
  const { batches, busyMs } = busyOf(events);
  if (timed.length > 0) {
    const latencies = timed.map((e) => e.latencyMs!);
    const waited = timed.flatMap((e) => (e.waitedMs === undefined ? [] : [e.waitedMs]));
    return { latencies, p50: percentile(latencies, 50), p99: percentile(latencies, 99), waited, batches, busyMs };
  }
  return { ...pairedLatencies(events), waited: [], batches, busyMs };
}

/** Latencies of records whose decisions carry no timing (see {@link verifierStats}). */
function pairedLatencies(events: readonly SwarmEvent[]): Pick<VerifierStats, 'latencies' | 'p50' | 'p99'> {
  // Events reach the main thread in per-thread batches: a decision may arrive before its proposal.
  const sent = new Map<string, number[]>();
  const decided = new Map<string, number[]>();
  const add = (map: Map<string, number[]>, key: string, at: number) => map.set(key, [...(map.get(key) ?? []), at]);
  for (const e of events) {
    if (e.type === 'proposal') add(sent, `${e.agentId}:${e.taskId}`, e.at);
    else if ((e.type === 'commit' || e.type === 'reject') && isDecision(e))
      add(decided, `${e.authorId}:${e.taskId}`, e.at);
  }
  const latencies: number[] = [];
  for (const [key, at] of sent) {
    const done = (decided.get(key) ?? []).sort((a, b) => a - b);
    at.sort((a, b) => a - b).forEach((t, i) => {
      const d = done[i];
      if (d !== undefined) latencies.push(d - t);
    });
  }
  return { latencies, p50: percentile(latencies, 50), p99: percentile(latencies, 99) };
}

/** How many times the verifier left `waiting`, and its time out of it. */
function busyOf(events: readonly SwarmEvent[]): Pick<VerifierStats, 'batches' | 'busyMs'> {
  let batches = 0;
  let busyMs = 0;
  let busySince: number | undefined;
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
  return { batches, busyMs };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const dir = process.argv[2];
  if (!dir) throw new Error('usage: tsx bench/verifier-stats.ts <trajectories folder>');
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.jsonl'))
    .map((f) => path.join(dir, f))
    .filter((f) => statSync(f).isFile());
  const pooled: number[] = [];
  const waited: number[] = [];
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
    waited.push(...s.waited);
    batches += s.batches;
    busy += s.busyMs;
    wall += end;
    console.log(
      `${path.basename(file)}: ${s.latencies.length} decided in ${s.batches} batches, p50 ${s.p50.toFixed(1)} ms, p99 ${s.p99.toFixed(1)} ms, verifier busy ${s.busyMs.toFixed(0)} of ${end} ms`,
    );
  }
  if (waited.length > 0)
    console.log(
      `all: proposal→taken off the channel p50 ${percentile(waited, 50).toFixed(2)} ms, p90 ${percentile(waited, 90).toFixed(2)} ms (the verifier's wake-up or the batch it was deciding); the rest is deciding the proposal's own batch up to it`,
    );
  console.log(
    `all: ${pooled.length} decided in ${batches} batches, proposal→decision p50 ${percentile(pooled, 50).toFixed(1)} ms, p90 ${percentile(pooled, 90).toFixed(1)} ms, p99 ${percentile(pooled, 99).toFixed(1)} ms; verifier busy ${busy.toFixed(0)} ms of ${wall.toFixed(0)} ms run time (${((100 * busy) / Math.max(1, wall)).toFixed(1)} %), ${(busy / Math.max(1, pooled.length)).toFixed(2)} ms per decision (wall time out of waiting: time its thread was descheduled counts)`,
  );
}
