/**
 * The live progress display of `delm run` and `delm bench`: on a terminal, a block redrawn in place
 * (each agent's state, the queue, the ledger, tokens and cost); in a pipe, one line per finished item.
 */
import type { SwarmEvent } from '../runtime/events.js';

const REDRAW_MS = 100;
const SHOWN_AGENTS = 16;

/** Tracks one item's run from its events and draws it. */
export class Progress {
  private agents = new Map<number, string>();
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
    this.claimed.clear();
    this.total = this.done = this.failed = this.commits = this.rejects = this.tokens = this.cost = this.calls = 0;
    this.label = label;
    this.schedule();
  }

  /** Feeds one event. */
  onEvent(e: SwarmEvent): void {
    switch (e.type) {
      case 'run.started':
        this.total += e.tasks;
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
    const all = [...this.agents].sort(([a], [b]) => a - b);
    const agents = all.slice(0, SHOWN_AGENTS).map(([id, state]) => `a${id}:${state}`);
    if (all.length > SHOWN_AGENTS) agents.push(`… ${all.length - SHOWN_AGENTS} more`);
    const lines = [
      `${this.label}`,
      `  queue  ${pending} pending · ${this.claimed.size} claimed · ${this.done} done · ${this.failed} failed`,
      `  ledger ${this.commits} committed · ${this.rejects} rejected`,
      `  model  ${this.calls} calls · ${this.tokens.toLocaleString('en-US')} tokens · $${this.cost.toFixed(4)}`,
      ...(agents.length ? [`  agents ${agents.join('  ')}`] : []),
    ];
    this.clear();
    this.write(`${lines.join('\n')}\n`);
    this.drawn = lines.length;
  }
}
