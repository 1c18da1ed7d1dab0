/**
 * The live progress display of `delm run` and `delm bench`: on a terminal, a block redrawn in place
 * (each agent's state, the queue, the ledger, tokens and cost); in a pipe, one line per finished item.
 */
import type { SwarmEvent } from '../runtime/events.js';
import { MAX_AGENTS_ONE_PER_THREAD, defaultThreads } from '../runtime/options.js';

const REDRAW_MS = 100;
const SHOWN_AGENTS = 16;

/** Tracks one item's run from its events and draws it. */
export class Progress {
  private agents = new Map<number, string>();
  /** Worker threads the agents share, when they share them. */
  private threads: number | undefined;
  private total = 0;
  private done = 0;
  private failed = 0;
  private claimed = new Set<number>();
  private commits = 0;
  private rejects = 0;
  private tokens = 0;
  private cost = 0;
  private calls = 0;
  private label = '';
  /** A run kept in Redis: its processes, as one line. */
  private processes = '';
  private drawn = 0;
  private last = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly write: (text: string) => void,
    private readonly live: boolean,
  ) {}

  /** Starts tracking a new item. */
  start(label: string): void {
    this.agents.clear();
    this.threads = undefined;
    this.claimed.clear();
    this.total = this.done = this.failed = this.commits = this.rejects = this.tokens = this.cost = this.calls = 0;
    this.label = label;
    this.processes = '';
    this.schedule();
  }

  /** The item's run is kept in Redis: the processes taking part, as one line (see processesText). */
  setProcesses(line: string): void {
    this.processes = line;
    this.schedule();
  }

  /** Feeds one event. */
  onEvent(e: SwarmEvent): void {
    switch (e.type) {
      case 'run.started':
        this.total += e.tasks;
        this.threads = e.threads;
        break;
      case 'agent.state':
        if (e.agentId > 0) this.agents.set(e.agentId, e.state);
        break;
      case 'task.claimed':
        this.claimed.add(e.taskId);
        break;
      case 'task.completed':
        this.claimed.delete(e.taskId);
        this.done++;
        break;
      case 'task.failed':
        this.claimed.delete(e.taskId);
        this.failed++;
        break;
      case 'task.enqueued':
        this.total += e.taskIds.length;
        break;
      case 'commit':
        this.commits++;
        break;
      case 'reject':
        this.rejects++;
        break;
      case 'usage':
        this.tokens += e.inputTokens + e.outputTokens;
        this.cost += e.costUsd;
        this.calls++;
        break;
      default:
        break;
    }
    this.schedule();
  }

  /** Replaces the live block with a final line for the item. */
  finish(line: string): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.clear();
    this.write(`${line}\n`);
  }

  private schedule(): void {
    if (!this.live || this.timer) return;
    const wait = Math.max(0, REDRAW_MS - (Date.now() - this.last));
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.draw();
    }, wait);
    this.timer.unref();
  }

  private clear(): void {
    if (this.drawn > 0) this.write(`\x1b[${this.drawn}F\x1b[J`);
    this.drawn = 0;
  }

  private draw(): void {
    this.last = Date.now();
    const pending = Math.max(0, this.total - this.done - this.failed - this.claimed.size);
    const agents = agentsLine(this.agents, this.threads);
    const lines = [
      `${this.label}`,
      `  queue  ${pending} pending · ${this.claimed.size} claimed · ${this.done} done · ${this.failed} failed`,
      `  ledger ${this.commits} committed · ${this.rejects} rejected`,
      `  model  ${this.calls} calls · ${this.tokens.toLocaleString('en-US')} tokens · $${this.cost.toFixed(4)}`,
      ...(agents ? [`  agents ${agents}`] : []),
      ...(this.processes ? [`  run    ${this.processes}`] : []),
    ];
    this.clear();
    this.write(`${lines.join('\n')}\n`);
    this.drawn = lines.length;
  }
}

/**
 * The agents as one line: each agent's state while they fit, then counts by state (the state's first
 * part: `thinking`, `claiming`, …), which stay readable for a thousand agents. Says when agents
 * share worker threads.
 */
export function agentsLine(agents: ReadonlyMap<number, string>, threads: number | undefined): string {
  if (agents.size === 0) return '';
  const sharing = threads === undefined ? '' : `${agents.size} on ${threads} thread${threads === 1 ? '' : 's'}: `;
  if (agents.size <= SHOWN_AGENTS)
    return (
      sharing +
      [...agents]
        .sort(([a], [b]) => a - b)
        .map(([id, state]) => `a${id}:${state}`)
        .join('  ')
    );
  const counts = new Map<string, number>();
  for (const state of agents.values()) {
    const top = /^[^.|]*/.exec(state)![0];
    counts.set(top, (counts.get(top) ?? 0) + 1);
  }
  const byCount = [...counts].sort(([a, x], [b, y]) => y - x || a.localeCompare(b));
  return `${sharing || `${agents.size}: `}${byCount.map(([state, n]) => `${n} ${state}`).join(' · ')}`;
}

/**
 * How many agents a run starts and on how many worker threads, for a command's opening line: `threads`
 * as asked (`--threads`); when not asked and there are more agents than get a thread each, the
 * default ({@link defaultThreads}) and that it is one.
 */
export function agentsOnThreads(agents: number, threads: number | undefined): string {
  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
  // A run never starts more threads than agents (run.started says so too).
  const shared = threads !== undefined ? Math.min(threads, agents) : defaultThreads(agents);
  if (shared === undefined) return plural(agents, 'agent');
  const on = `${plural(agents, 'agent')} on ${plural(shared, 'thread')}`;
  return threads !== undefined
    ? on
    : `${on} (one per core: the default above ${MAX_AGENTS_ONE_PER_THREAD} agents; --threads <n> to choose)`;
}
