/**
 * The agent cards: each agent's statechart with its current state highlighted, the task it holds,
 * and the transitions it takes flashing as they happen. A click enlarges a card. Past a screenful of
 * agents (see swarm-view.ts) the verifier keeps its card, one card counts the agents in each state,
 * and each agent is a tile coloured by what it does; a click on a tile opens that agent's card.
 */
import type { InspectorCharts, LaidOutChart } from '../../../wire.js';
import { activeStates, firedEdges } from '../chart-states.js';
import { clip } from '../format.js';
import type { AgentView, RunModel } from '../model.js';
import { isSwarm, stateCounts, tileCategory, tileTitle } from '../swarm-view.js';
import { clear, el, svg } from './dom.js';
import { drawChart, type DrawnChart } from './chart.js';

const FIRED_MS = 900;

interface Card {
  readonly agentId: number;
  readonly machine: 'agent' | 'verifier';
  readonly node: HTMLDivElement;
  readonly stateText: HTMLSpanElement;
  readonly taskText: HTMLSpanElement;
  readonly holder: HTMLDivElement;
  big: boolean;
  drawn: DrawnChart | null;
  state: string | null;
}

/** A swarm's tile of one agent, with what it last showed. */
interface Tile {
  readonly node: HTMLSpanElement;
  category: string;
  title: string;
}

/** A swarm's card counting the agents in each state of their chart. */
interface CountsCard {
  readonly node: HTMLDivElement;
  readonly summary: HTMLSpanElement;
  readonly holder: HTMLDivElement;
  drawn: DrawnChart | null;
  /** The count badge of each drawn state. */
  badges: Map<string, SVGTextElement>;
}

/** The grid of cards of the selected run. */
export class AgentCards {
  /** Cards shown: every agent's, or in a swarm the verifier's and those opened from a tile. */
  private readonly cards = new Map<number, Card>();
  private runId: string | null = null;
  private charts: InspectorCharts | null = null;
  /** Whether the grid shows a swarm (set on the first render of a run, and when it grows past a screenful). */
  private swarm: boolean | null = null;
  private counts: CountsCard | null = null;
  private readonly tiles = new Map<number, Tile>();
  private tileGrid: HTMLDivElement | null = null;

  constructor(
    private readonly grid: HTMLElement,
    private readonly note: HTMLElement,
    private readonly fullChart: HTMLInputElement,
  ) {}

  /** The laid-out charts arrived: draws them on every card. */
  setCharts(charts: InspectorCharts): void {
    this.charts = charts;
    for (const card of this.cards.values()) this.redraw(card);
    if (this.counts) this.drawCounts(this.counts);
  }

  /** Redraws the enlarged cards (the "every transition" switch changed). */
  redrawEnlarged(): void {
    for (const card of this.cards.values()) if (card.big) this.redraw(card);
  }

  /** Starts over with a new set of cards on the next render. */
  reset(): void {
    this.runId = null;
  }

  /** Shows `run`'s agents (`runId` tells a new run from the same one). */
  render(runId: string, run: RunModel): void {
    const swarm = isSwarm(run);
    if (this.runId !== runId || this.swarm !== swarm) {
      clear(this.grid);
      this.cards.clear();
      this.tiles.clear();
      this.counts = null;
      this.tileGrid = null;
      this.runId = runId;
      this.swarm = swarm;
    }
    if (swarm) return this.renderSwarm(run);
    const ids = [...run.agents.keys()]
      .filter((id) => id >= 0)
      .sort((a, b) => Number(a === 0) - Number(b === 0) || a - b);
    if (!ids.length && !this.grid.firstChild)
      this.grid.appendChild(el('p', 'empty', 'Waiting for the agents to start…'));
    for (const id of ids) this.showCard(run.agents.get(id)!);
    this.setNote('Click a card to enlarge it.');
  }

  private setNote(how: string): void {
    const global = this.charts?.agent.global ?? [];
    this.note.textContent = global.length ? `From any state: ${global.join(' · ')}. ${how}` : '';
  }

  /** A swarm: the counts card, the tiles, then the verifier's card and those opened from tiles. */
  private renderSwarm(run: RunModel): void {
    if (!this.counts) {
      this.counts = this.makeCounts();
      this.tileGrid = el('div', 'tiles');
      this.tileGrid.setAttribute('role', 'list');
      this.grid.append(this.counts.node, this.tileGrid);
    }
    const agents: AgentView[] = [];
    for (const agent of run.agents.values()) if (agent.id > 0) agents.push(agent);
    agents.sort((a, b) => a.id - b.id);
    const verifier = run.agents.get(0);
    if (verifier) this.showCard(verifier);
    for (const agent of agents) {
      this.updateTile(agent);
      if (this.cards.has(agent.id)) this.showCard(agent);
    }
    this.updateCounts(this.counts, agents);
    this.setNote(
      `${agents.length} agents: the chart counts them in each state; each tile is one agent, coloured as on the timeline (hover for its state, click for its card).`,
    );
  }

  /** Updates agent `agent`'s card, making it (last in the grid) if it has none yet. */
  private showCard(agent: AgentView): void {
    let card = this.cards.get(agent.id);
    if (!card) {
      this.grid.querySelector('.empty')?.remove();
      card = this.makeCard(agent.id);
      this.cards.set(agent.id, card);
      this.grid.appendChild(card.node);
    }
    this.highlight(card, agent.state);
    card.node.classList.toggle('gone', agent.status === 'crashed');
    card.taskText.textContent = cardStatus(agent);
  }

  private updateTile(agent: AgentView): void {
    let tile = this.tiles.get(agent.id);
    if (!tile) {
      const node = el('span', 'tile sw idle');
      node.setAttribute('role', 'listitem');
      node.setAttribute('data-agent', String(agent.id));
      node.addEventListener('click', () => this.toggleOpened(agent.id, node));
      tile = { node, category: 'idle', title: '' };
      this.tiles.set(agent.id, tile);
      this.tileGrid!.appendChild(node);
    }
    const category = tileCategory(agent) + (agent.status === 'crashed' ? ' gone' : '');
    if (category !== tile.category) {
      tile.category = category;
      tile.node.className = `tile sw ${category}${this.cards.has(agent.id) ? ' opened' : ''}`;
    }
    const title = tileTitle(agent);
    if (title !== tile.title) tile.node.title = tile.title = title;
  }

  /** Opens agent `agentId`'s card from its tile, or closes it. */
  private toggleOpened(agentId: number, tile: HTMLSpanElement): void {
    const card = this.cards.get(agentId);
    if (card) {
      card.node.remove();
      this.cards.delete(agentId);
    } else {
      const opened = this.makeCard(agentId);
      this.cards.set(agentId, opened);
      this.grid.appendChild(opened.node);
    }
    // The next render (at most a tick away) fills a new card in.
    tile.classList.toggle('opened', !card);
  }

  private makeCounts(): CountsCard {
    const counts: CountsCard = {
      node: el('div', 'card counts-card'),
      summary: el('span', 'task', ''),
      holder: el('div', 'holder'),
      drawn: null,
      badges: new Map(),
    };
    const head = el('div', 'card-head');
    head.append(el('span', 'name', 'all agents'), counts.summary);
    counts.node.append(head, counts.holder);
    this.drawCounts(counts);
    return counts;
  }

  /** Draws the agent chart on the counts card, with an empty count badge in each state's corner. */
  private drawCounts(counts: CountsCard): void {
    clear(counts.holder);
    counts.badges.clear();
    const chart = this.charts?.agent;
    counts.drawn = chart ? drawChart(chart) : null;
    if (!chart || !counts.drawn) return;
    for (const s of chart.states) {
      // Just above the box's right corner, clear of its name.
      const badge = svg('text', { x: s.x + s.width, y: s.y - 3, 'text-anchor': 'end', class: 'count' });
      counts.drawn.states.get(s.id)?.appendChild(badge);
      counts.badges.set(s.id, badge);
    }
    counts.holder.appendChild(counts.drawn.root);
  }

  private updateCounts(counts: CountsCard, agents: readonly AgentView[]): void {
    const drawn = counts.drawn;
    if (!drawn) return;
    const n = stateCounts('agent', agents, drawn.states, drawn.parentOf);
    for (const [id, g] of drawn.states) {
      const count = n.get(id) ?? 0;
      const leaf = g.classList.contains('atomic') || g.classList.contains('final');
      g.classList.toggle('active-leaf', count > 0 && leaf);
      g.classList.toggle('active', count > 0 && !leaf);
      const badge = counts.badges.get(id);
      const text = count > 0 ? String(count) : '';
      if (badge && badge.textContent !== text) badge.textContent = text;
    }
    const live = agents.filter((a) => a.status === null).length;
    counts.summary.textContent = `${agents.length} agents · ${live} running`;
  }

  /** Flashes the edges an agent's state change took. */
  fire(agentId: number, from: string | null, to: string): void {
    const card = this.cards.get(agentId);
    const drawn = card?.drawn;
    if (!card || !drawn || from === null) return;
    for (const key of firedEdges(card.machine, from, to, drawn.states, drawn.parentOf)) {
      const line = drawn.edges.get(key);
      if (!line) continue;
      line.classList.add('fired');
      line.setAttribute('marker-end', 'url(#arrow-fired)');
      setTimeout(() => {
        line.classList.remove('fired');
        line.setAttribute('marker-end', 'url(#arrow)');
      }, FIRED_MS);
    }
  }

  private makeCard(agentId: number): Card {
    const isVerifier = agentId === 0;
    const card: Card = {
      agentId,
      machine: isVerifier ? 'verifier' : 'agent',
      node: el('div', 'card'),
      stateText: el('span', 'state', '–'),
      taskText: el('span', 'task', ''),
      holder: el('div', 'holder'),
      big: false,
      drawn: null,
      state: null,
    };
    card.node.setAttribute('data-agent', String(agentId));
    const head = el('div', 'card-head');
    head.append(el('span', 'name', isVerifier ? 'verifier' : `agent ${agentId}`), card.stateText, card.taskText);
    card.node.append(head, card.holder);
    card.node.addEventListener('click', () => {
      card.big = !card.big;
      card.node.classList.toggle('big', card.big);
      this.redraw(card);
    });
    this.redraw(card);
    return card;
  }

  private chartFor(card: Card): LaidOutChart | null {
    if (!this.charts) return null;
    if (card.machine === 'verifier') return this.charts.verifier;
    return card.big && this.fullChart.checked ? this.charts.agentFull : this.charts.agent;
  }

  private redraw(card: Card): void {
    const chart = this.chartFor(card);
    clear(card.holder);
    card.drawn = chart ? drawChart(chart) : null;
    if (card.drawn) card.holder.appendChild(card.drawn.root);
    const state = card.state;
    card.state = null;
    this.highlight(card, state);
  }

  private highlight(card: Card, state: string | null): void {
    if (card.state === state) return;
    card.state = state;
    card.node.setAttribute('data-state', state ?? '');
    card.stateText.textContent = state === null ? '–' : (state.split('|')[0] ?? '');
    card.stateText.title = state ?? '';
    const drawn = card.drawn;
    if (!drawn) return;
    for (const g of drawn.states.values()) g.classList.remove('active', 'active-leaf');
    for (const [id, cls] of activeStates(card.machine, state, drawn.states, drawn.parentOf))
      drawn.states.get(id)?.classList.add(cls);
  }
}

/** `task #3 · done · replaces 2` under a card's name. */
function cardStatus(a: AgentView): string {
  const bits: string[] = [];
  if (a.task !== null) bits.push(`task #${a.task}`);
  if (a.status) bits.push(a.status + (a.reason ? `: ${clip(a.reason, 40)}` : ''));
  if (a.replaces !== null) bits.push(`replaces ${a.replaces}`);
  return bits.join(' · ');
}
