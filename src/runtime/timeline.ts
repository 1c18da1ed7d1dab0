/** Each agent's states over time, and the share of time agents spent waiting on coordination, by cause. */

/** Why an agent was waiting rather than working. */
export type WaitCause = 'claiming' | 'tail' | 'verifier' | 'decision';

/** One agent in one state from `start` to `end` (ms since the run started). */
export interface TimelineSpan {
  agentId: number;
  state: string;
  start: number;
  end: number;
  /** Set when the agent was waiting in this span, to say on what (see {@link WaitingByCause}). */
  wait?: WaitCause;
}

/**
 * Shares of all agent time (0..1) spent waiting, by cause; they add up to the waiting share.
 * - `claiming`: claiming a task that it then got (mid-round: the queue had or soon had work);
 * - `tail`: claiming at the end of a round, until the queue drained and the agent went to the election,
 *   or until it was released (others were still finishing the round's last tasks);
 * - `verifier`: the final agent waiting for the verifier to settle every proposal of the round;
 * - `decision`: waiting on the finalizer election and the final agent's decision.
 */
export interface WaitingByCause {
  claiming: number;
  tail: number;
  verifier: number;
  decision: number;
}

/** No waiting at all (runs without agents, other modes). */
export const NO_WAITING: WaitingByCause = Object.freeze({ claiming: 0, tail: 0, verifier: 0, decision: 0 });

const ENDED = /^(done|stopped|failed|released)$/;

/**
 * The cause of waiting in `state`, given the state the agent went to next (undefined while it is still
 * in it); undefined when it worked. The inspector's page classifies its stretches with it too.
 */
export function waitCause(state: string, next: string | undefined): WaitCause | undefined {
  if (state === 'claiming') return next === 'electing' || next === 'released' ? 'tail' : 'claiming';
  if (state === 'electing') return 'decision';
  if (state === 'finalizing.settling') return 'verifier';
  return undefined;
}

/** Accumulates state changes into spans. */
export class Timeline {
  private readonly open = new Map<number, { state: string; start: number }>();
  private readonly spans: TimelineSpan[] = [];

  record(agentId: number, state: string, at: number): void {
    const current = this.open.get(agentId);
    if (current) this.push(agentId, current.state, current.start, at, state);
    if (ENDED.test(state)) this.open.delete(agentId);
    else this.open.set(agentId, { state, start: at });
  }

  /** Ends every open span at `at` and returns all spans in time order. */
  close(at: number): TimelineSpan[] {
    for (const [agentId, { state, start }] of this.open) this.push(agentId, state, start, at, undefined);
    this.open.clear();
    return this.spans.sort((a, b) => a.start - b.start || a.agentId - b.agentId);
  }

  private push(agentId: number, state: string, start: number, end: number, next: string | undefined): void {
    const wait = waitCause(state, next);
    this.spans.push(wait ? { agentId, state, start, end, wait } : { agentId, state, start, end });
  }

  /** Time spent waiting, for any cause, over all agent time (0 when there is none). */
  static waitingShare(spans: readonly TimelineSpan[]): number {
    const w = Timeline.waitingByCause(spans);
    return w.claiming + w.tail + w.verifier + w.decision;
  }

  /** Time spent waiting for each cause over all agent time (all 0 when there is none). */
  static waitingByCause(spans: readonly TimelineSpan[]): WaitingByCause {
    const sums = { claiming: 0, tail: 0, verifier: 0, decision: 0 };
    let total = 0;
    for (const s of spans) {
      const d = s.end - s.start;
      total += d;
      if (s.wait) sums[s.wait] += d;
    }
    if (total <= 0) return { ...NO_WAITING };
    return {
      claiming: sums.claiming / total,
      tail: sums.tail / total,
      verifier: sums.verifier / total,
      decision: sums.decision / total,
    };
  }
}
