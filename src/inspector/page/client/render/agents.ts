/**
 * The agent cards: each agent's statechart with its current state highlighted, the task it holds,
 * and the transitions it takes flashing as they happen. A click enlarges a card.
 */
import type { InspectorCharts, LaidOutChart } from '../../../wire.js';
import { activeStates, firedEdges } from '../chart-states.js';
import { clip } from '../format.js';
import type { AgentView, RunModel } from '../model.js';
import { clear, el } from './dom.js';
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

/** The grid of cards of the selected run. */
export class AgentCards {
  private readonly cards = new Map<number, Card>();
  private runId: string | null = null;
  private charts: InspectorCharts | null = null;

  constructor(
    private readonly grid: HTMLElement,
    private readonly note: HTMLElement,
    private readonly fullChart: HTMLInputElement,
  ) {}

  /** The laid-out charts arrived: draws them on every card. */
  setCharts(charts: InspectorCharts): void {
    this.charts = charts;
    for (const card of this.cards.values()) this.redraw(card);
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
    if (this.runId !== runId) {
      clear(this.grid);
      this.cards.clear();
      this.runId = runId;
    }
    const ids = [...run.agents.keys()]
      .filter((id) => id >= 0)
      .sort((a, b) => Number(a === 0) - Number(b === 0) || a - b);
    if (!ids.length && !this.grid.firstChild)
      this.grid.appendChild(el('p', 'empty', 'Waiting for the agents to start…'));
    for (const id of ids) {
      let card = this.cards.get(id);
      if (!card) {
        this.grid.querySelector('.empty')?.remove();
        card = this.makeCard(id);
        this.cards.set(id, card);
        this.grid.appendChild(card.node);
      }
      const agent = run.agents.get(id)!;
      this.highlight(card, agent.state);
      card.node.classList.toggle('gone', agent.status === 'crashed');
      card.taskText.textContent = cardStatus(agent);
    }
    const global = this.charts?.agent.global ?? [];
    this.note.textContent = global.length ? `From any state: ${global.join(' · ')}. Click a card to enlarge it.` : '';
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
