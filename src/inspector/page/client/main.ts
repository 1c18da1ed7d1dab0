/**
 * The inspector page's script (bundled into `/app.js`): loads the runs, follows the event stream,
 * and redraws on animation frames. The DOM is built with the DOM API; text only as text.
 */
import type { InspectorCharts } from '../../wire.js';
import { meterTexts, runOptionText, statusText } from './meters.js';
import { queueView } from './queue-view.js';
import { AgentCards } from './render/agents.js';
import { byId, clear, el } from './render/dom.js';
import { renderLedger } from './render/ledger.js';
import { renderQueue } from './render/queue.js';
import { paintTimeline } from './render/timeline.js';
import { readBatch, readRuns, readSnapshot } from './messages.js';
import { RunStore } from './run-store.js';
import { connect, getJson, tokenQuery, UnauthorizedError } from './server-api.js';
import { CATEGORIES } from './state-colours.js';
import { layoutTimeline } from './timeline.js';
import type { RunModel } from './model.js';
import type { Transition } from './reduce.js';

/** Queue lists redraw at least this often (lease bars count down) even with no new events. */
const QUEUE_REFRESH_MS = 500;
/** The clock, meters and timeline move this often between events. */
const TICK_MS = 250;

const query = tokenQuery(location.search);
const store = new RunStore(() => performance.now());
const runSelect = byId<HTMLSelectElement>('run-select');
const followBox = byId<HTMLInputElement>('follow');
const fullChart = byId<HTMLInputElement>('full-chart');
const cards = new AgentCards(byId('agents'), byId('chart-note'), fullChart);
let selected: string | null = null;

function setBanner(text: string): void {
  const banner = byId('banner');
  banner.hidden = !text;
  banner.textContent = text;
}

function setConnection(text: string, cls: 'ok' | 'bad' | ''): void {
  const conn = byId('conn');
  conn.textContent = text;
  conn.className = `conn ${cls}`;
}

function reportLoadError(what: string, error: unknown): void {
  if (error instanceof UnauthorizedError)
    setBanner('This inspector needs its token: open the address with ?token=<the token it was started with>.');
  else setBanner(`${what}: ${error instanceof Error ? error.message : String(error)}`);
}

function renderRunList(): void {
  const keep = selected;
  clear(runSelect);
  for (const r of store.summaries.slice().reverse()) {
    const option = el('option', null, runOptionText(r));
    option.value = r.id;
    runSelect.appendChild(option);
  }
  if (keep !== null) runSelect.value = keep;
}

function onRuns(value: unknown): void {
  store.setSummaries(readRuns(value));
  renderRunList();
  const newest = store.newest();
  if (newest && (selected === null || (followBox.checked && newest.id !== selected))) select(newest.id);
  scheduleRender();
}

function select(id: string): void {
  selected = id;
  runSelect.value = id;
  if (!store.has(id)) load(id);
  cards.reset();
  scheduleRender();
}

function load(id: string): void {
  if (!store.beginLoad(id)) return;
  getJson(`api/runs/${encodeURIComponent(id)}/events`, query)
    .then((value) => {
      animate(id, store.loadArrived(id, readSnapshot(value)));
      scheduleRender();
    })
    .catch((error: unknown) => {
      store.loadFailed(id);
      reportLoadError('Could not load run', error);
    });
}

function onEvents(value: unknown): void {
  const batch = readBatch(value);
  const outcome = store.receive(batch);
  if (outcome.kind === 'gap' && batch.runId === selected) load(batch.runId);
  if (outcome.kind !== 'applied') return;
  animate(batch.runId, outcome.transitions);
  if (batch.runId === selected) scheduleRender();
}

function animate(runId: string, transitions: readonly Transition[]): void {
  if (runId !== selected) return;
  for (const t of transitions) cards.fire(t.agentId, t.from, t.to);
}

// ---------- render loop ----------
let renderQueued = false;
/** What the queue and ledger panels last showed: a model (a reload makes a new one) at a revision. */
let shownQueue: { model: RunModel | null; revision: number; at: number } = { model: null, revision: -1, at: -Infinity };
let shownLedger: { model: RunModel | null; revision: number } = { model: null, revision: -1 };

function scheduleRender(): void {
  if (renderQueued) return;
  renderQueued = true;
  requestAnimationFrame(() => {
    renderQueued = false;
    render();
  });
}

function render(): void {
  const run = selected !== null ? store.get(selected) : undefined;
  if (!run || selected === null) return;
  const now = store.timeOf(run);
  const { model } = run;
  cards.render(selected, model);
  for (const [id, text] of Object.entries(meterTexts(model, now))) byId(id).textContent = text;
  byId('run-status').textContent = statusText(run.summary, model);
  const canvas = byId<HTMLCanvasElement>('timeline');
  paintTimeline(canvas, layoutTimeline(model, now, canvas.clientWidth || 600));
  const wall = performance.now();
  if (
    shownQueue.model !== model ||
    shownQueue.revision !== model.revision.tasks ||
    wall - shownQueue.at > QUEUE_REFRESH_MS
  ) {
    renderQueue(queueView(model), now);
    shownQueue = { model, revision: model.revision.tasks, at: wall };
  }
  if (shownLedger.model !== model || shownLedger.revision !== model.revision.ledger) {
    renderLedger(model);
    shownLedger = { model, revision: model.revision.ledger };
  }
}

// ---------- wiring ----------
const legend = byId('legend');
for (const [category, text] of CATEGORIES) {
  const item = el('span');
  item.append(el('span', `sw ${category}`), document.createTextNode(text));
  legend.appendChild(item);
}
const toolKey = el('span');
toolKey.append(el('span', 'sw tool'), document.createTextNode('tool call (mark under the row; red: failed)'));
legend.appendChild(toolKey);
runSelect.addEventListener('change', () => {
  followBox.checked = false;
  select(runSelect.value);
});
followBox.addEventListener('change', () => {
  const newest = store.newest();
  if (followBox.checked && newest) select(newest.id);
});
fullChart.addEventListener('change', () => cards.redrawEnlarged());
window.addEventListener('resize', scheduleRender);
setInterval(scheduleRender, TICK_MS);

function openStream(): void {
  connect(query, {
    open(again) {
      setConnection('live', 'ok');
      if (again) {
        store.clear();
        cards.reset();
        if (selected !== null) load(selected);
      }
    },
    error(closed) {
      setConnection(closed ? 'disconnected' : 'reconnecting…', 'bad');
    },
    message(kind, data) {
      try {
        if (kind === 'runs') onRuns(data);
        else onEvents(data);
      } catch (error) {
        setBanner(`bad message: ${error instanceof Error ? error.message : String(error)}`);
      }
    },
    bad(error) {
      setBanner(`bad message: ${error.message}`);
    },
  });
}

getJson('api/machines', query)
  .then((charts) => {
    // The server's own layout (see `layoutCharts`): trusted as laid out.
    cards.setCharts(charts as InspectorCharts);
    scheduleRender();
  })
  .catch((error: unknown) => reportLoadError('Could not load the statecharts', error));
getJson('api/runs', query)
  .then((list) => {
    onRuns(list);
    openStream();
  })
  .catch((error: unknown) => {
    setConnection('not connected', 'bad');
    if (error instanceof UnauthorizedError) reportLoadError('Could not load the runs', error);
  });
