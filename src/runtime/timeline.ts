/** Each agent's states over time, and the share of time agents spent waiting on coordination. */

/** One agent in one state from `start` to `end` (ms since the run started). */
export interface TimelineSpan {
  agentId: number;
  state: string;
  start: number;
  end: number;
}

/** States in which an agent waits for the swarm rather than working: claiming a task, waiting on the election. */
const WAITING = /^(claiming|electing)\b/;

/** Accumulates state changes into spans. */
export class Timeline {
  private readonly open = new Map<number, { state: string; start: number }>();
  private readonly spans: TimelineSpan[] = [];

  record(agentId: number, state: string, at: number): void {
    const current = this.open.get(agentId);
    if (current) this.spans.push({ agentId, state: current.state, start: current.start, end: at });
    if (/^(done|stopped|failed)$/.test(state)) this.open.delete(agentId);
    else this.open.set(agentId, { state, start: at });
  }

  /** Ends every open span at `at` and returns all spans in time order. */
  close(at: number): TimelineSpan[] {
    for (const [agentId, { state, start }] of this.open) this.spans.push({ agentId, state, start, end: at });
    this.open.clear();
    return this.spans.sort((a, b) => a.start - b.start || a.agentId - b.agentId);
  }

  /** Time in waiting states over all agent time (0 when there is none). */
  static waitingShare(spans: readonly TimelineSpan[]): number {
    return Timeline.share(spans, WAITING);
  }

  /** Time in states matching `states` over all agent time (0 when there is none). */
  static share(spans: readonly TimelineSpan[], states: RegExp): number {
    let matched = 0;
    let total = 0;
    for (const s of spans) {
      const d = s.end - s.start;
      total += d;
      if (states.test(s.state)) matched += d;
    }
    return total > 0 ? matched / total : 0;
  }
}
