// End to end: a real swarm run, the inspector page in Debian's Chromium (driven by playwright-core).
// Fails with a clear message when Chromium is missing; DELM_SKIP_BROWSER=1 skips it on purpose.
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { attachInspector } from '../../src/inspector/attach.js';
import { startInspector, type Inspector } from '../../src/inspector/server.js';
import type { SwarmEvent } from '../../src/runtime/events.js';
import { createSwarm, type Swarm } from '../../src/runtime/swarm.js';

const CHROMIUM = '/usr/bin/chromium';
const SKIP = process.env.DELM_SKIP_BROWSER === '1';
const SCREENSHOT = new URL('../../test-results/inspector.png', import.meta.url).pathname;
const modelModule = new URL('../runtime/fixtures/scripted-swarm-model.ts', import.meta.url).href;
const subTasks = (n: number) => Array.from({ length: n }, (_, i) => ({ payload: `task ${i}` }));

describe.skipIf(SKIP)('inspector in a browser', () => {
  let inspector: Inspector;
  let swarm: Swarm;
  let context: BrowserContext;
  let page: Page;
  const userData = mkdtempSync(join(tmpdir(), 'delm-chromium-'));

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) {
      throw new Error(
        `Chromium is not installed at ${CHROMIUM}: the inspector's browser test needs it. Install it (apt-get install -y --no-install-recommends chromium) or set DELM_SKIP_BROWSER=1 to skip this test.`,
      );
    }
    inspector = await startInspector();
    swarm = createSwarm({
      agents: 2,
      protocol: 'basic',
      model: { module: modelModule, options: { delayMs: 300 } },
      leaseMs: 5_000,
    });
    context = await chromium.launchPersistentContext(userData, {
      executablePath: CHROMIUM,
      headless: true,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
      viewport: { width: 1500, height: 1100 },
    });
    page = context.pages()[0] ?? (await context.newPage());
    // Record every state each agent's card shows, with the chart states highlighted at that moment.
    // (Browser code as strings: this project compiles without the DOM library.)
    await page.addInitScript({
      content: `window.__states = {};
        new MutationObserver((records) => {
          for (const r of records) {
            const card = r.target;
            const agent = card.getAttribute('data-agent');
            if (agent === null) continue;
            const state = card.getAttribute('data-state');
            const leaf = [...card.querySelectorAll('g.state.active-leaf')].map((g) => g.getAttribute('data-state')).sort().join('|');
            const working = card.querySelector('g.state.active[data-state="agent.working"]') !== null;
            const seen = (window.__states[agent] ??= []);
            if (seen.at(-1)?.state !== state) seen.push({ state, leaf, working });
          }
        }).observe(document, { attributes: true, subtree: true, attributeFilter: ['data-state'] });`,
    });
  });

  afterAll(async () => {
    await context?.close();
    await swarm?.close();
    await inspector?.close();
    rmSync(userData, { recursive: true, force: true });
  });

  it('follows a live run: agent states change on the chart, queue counts and ledger entries appear', async () => {
    const pageErrors: string[] = [];
    page.on('pageerror', (e) => pageErrors.push(e.message));
    page.on('console', (m) => m.type() === 'error' && pageErrors.push(m.text()));
    // Start the run, then open the page while it is going.
    let started!: () => void;
    const isStarted = new Promise<void>((resolve) => (started = resolve));
    const run = swarm.run(
      { prompt: 'count the findings', subTasks: subTasks(13) },
      attachInspector(
        inspector,
        { onEvent: (e: SwarmEvent) => e.type === 'run.started' && started() },
        { label: 'browser test' },
      ),
    );
    await isStarted;
    await page.goto(inspector.url);

    // What agent `agent`'s card showed, or every agent's.
    const shownBy = () =>
      page.evaluate<Record<string, Array<{ state: string | null; leaf: string; working: boolean }>>>(
        `Object.fromEntries(Object.entries(window.__states).map(([a, s]) => [a, s.filter((x) => x.leaf !== '')]))`,
      );
    const shown = async (agent = '1') => (await shownBy())[agent] ?? [];
    const counts = () =>
      page.evaluate<{ pending: number; claimed: number; done: number; failed: number }>(
        `Object.fromEntries(['pending', 'claimed', 'done', 'failed'].map((k) => [k, Number(document.getElementById('q-' + k).textContent)]))`,
      );
    let sawQueue = false;
    let sawEntry = false;
    let shot = false;
    const finished = run.then(() => true);
    let done = false;
    void finished.then(() => (done = true));
    while (!done) {
      const c = await counts();
      if (c.pending + c.claimed > 0 && c.claimed > 0) sawQueue = true;
      if (!sawEntry) sawEntry = (await page.locator('#ledger li[data-entry]').count()) > 0;
      if (!shot && sawQueue && sawEntry && (await shown()).length >= 2) {
        mkdirSync(new URL('.', `file://${SCREENSHOT}`).pathname, { recursive: true });
        await page.screenshot({ path: SCREENSHOT, fullPage: true });
        shot = true;
      }
      await page.waitForTimeout(40);
    }
    const result = await run;
    expect(result.stopReason).toBe('answered');
    // Each agent's card ends in its final state: done for the final agent, released (or done, if it came
    // to the election after the answer) for the other; an agent's highlighted state changed at least twice
    // while we watched. Which agent: the page draws once per frame, so on a busy machine the brief states
    // between sub-tasks may never be drawn, but the finalizer's decision (a 300 ms model call) is.
    const ended = async (agent: string) => {
      const last = (await shown(agent)).at(-1);
      return last && !last.working && last.leaf === `agent.${last.state}` ? last.state : undefined;
    };
    await expect
      .poll(async () => [await ended('1'), await ended('2')].sort(), { timeout: 5_000 })
      .toSatisfy((s: unknown[]) => s[0] === 'done' && ['done', 'released'].includes(s[1] as string));
    const states = Object.values(await shownBy()).sort((a, b) => b.length - a.length)[0] ?? [];
    expect(states.length, JSON.stringify(await shownBy())).toBeGreaterThanOrEqual(3);
    // The task loop's phases are drawn inside `working`, which lights up with them.
    expect(states.map((s) => [s.leaf, s.working])).toContainEqual([
      'agent.thinking.lease.holding|agent.thinking.model.calling',
      true,
    ]);
    expect(sawQueue).toBe(true);
    expect(sawEntry).toBe(true);
    // Once finished the page settles on the final counts and the answer.
    await expect.poll(counts, { timeout: 5_000 }).toEqual({ pending: 0, claimed: 0, done: 13, failed: 0 });
    await expect.poll(() => page.locator('#answer').textContent(), { timeout: 5_000 }).toContain('13 findings');
    await expect.poll(() => page.locator('#run-status').textContent()).toContain('finished: answered');
    expect(await page.locator('#m-calls').textContent()).not.toBe('0');
    // The waiting meter says what the agents waited on, as the run's result counts it.
    expect(await page.locator('#m-waiting-causes').textContent()).toMatch(
      /^claiming mid-round [\d.]+ % · round's tail [\d.]+ % · verifier [\d.]+ % · final decision [\d.]+ %$/,
    );
    // An entry unfolds into its detail.
    const firstEntry = page.locator('#ledger li[data-entry] summary').first();
    await firstEntry.click();
    await expect.poll(() => page.locator('#ledger details[open] .edetail').count()).toBeGreaterThan(0);
    if (!shot) await page.screenshot({ path: SCREENSHOT, fullPage: true });
    expect(existsSync(SCREENSHOT)).toBe(true);
    expect(pageErrors).toEqual([]);
  });

  it('shows hostile document text as text: no markup from the ledger, payloads or labels ever runs', async () => {
    const evil = '<img src=x onerror="window.__xss=1"><script>window.__xss=2</script>';
    const observe = inspector.track({ runId: `xss ${evil}`, label: `label ${evil}`, agents: 1 });
    const events = [
      { type: 'run.started', at: 1, runId: 'xss', agents: 1, tasks: 1 },
      {
        type: 'ledger.seeded',
        at: 1,
        entries: [
          {
            entryId: 0,
            kind: 'raw',
            level: 2,
            parentId: -1,
            taskId: 0,
            authorId: 0,
            text: `source ${evil}`,
            chars: 60,
            labels: [evil],
            tokenCount: 9,
          },
        ],
        omitted: 0,
      },
      {
        type: 'queue.snapshot',
        at: 1,
        stats: { total: 1, pending: 1, claimed: 0, done: 0, failed: 0, open: 1 },
        tasks: [{ id: 0, state: 'pending', attempts: 0, parentId: -1, payload: `payload ${evil}` }],
        omitted: 0,
      },
      { type: 'agent.state', at: 2, agentId: 1, state: `claiming${evil}` },
      {
        type: 'commit',
        at: 3,
        entryId: 1,
        kind: 'gist',
        authorId: 1,
        taskId: 0,
        level: 0,
        parentId: 0,
        text: `gist ${evil}`,
        chars: 70,
        labels: [evil],
      },
      { type: 'reject', at: 4, authorId: 1, taskId: 0, verdict: 'reject', reason: `reason ${evil}`, entryId: 2 },
      { type: 'task.failed', at: 5, agentId: 1, taskId: 0, reason: `failed ${evil}` },
      { type: 'commit', at: 6, entryId: 3, kind: 'answer', authorId: 1, taskId: -1, text: `answer ${evil}` },
      { type: 'run.finished', at: 7, stopReason: 'answered' },
    ] as unknown as SwarmEvent[];
    for (const e of events) observe(e);
    await expect.poll(() => page.locator('#ledger').textContent(), { timeout: 5_000 }).toContain(`gist ${evil}`);
    await expect.poll(() => page.locator('#answer').textContent()).toContain(`answer ${evil}`);
    expect(await page.locator('#rejects').textContent()).toContain(`reason ${evil}`);
    expect(await page.locator('#q-failed-list').textContent()).toContain(`failed ${evil}`);
    expect(await page.locator('#run-select').textContent()).toContain(`label ${evil}`);
    expect(await page.locator('main img, main script, header img').count()).toBe(0);
    await page.waitForTimeout(200);
    expect(await page.evaluate('window.__xss')).toBeUndefined();
  });

  it('shows a swarm as counts on one chart and a tile per agent, and opens an agent from its tile', async () => {
    const pageErrors: string[] = [];
    page.on('pageerror', (e) => pageErrors.push(e.message));
    const agents = 40;
    const observe = inspector.track({ runId: 'swarm', label: 'a swarm of 40', agents });
    const events: SwarmEvent[] = [
      { type: 'run.started', at: 0, runId: 'swarm', agents, tasks: 30 },
      { type: 'agent.state', at: 0, agentId: 0, state: 'waiting' },
    ];
    for (let id = 1; id <= agents; id++) {
      events.push({ type: 'agent.state', at: 1, agentId: id, state: 'claiming' });
      if (id <= 30) {
        events.push({ type: 'task.claimed', at: 2, agentId: id, taskId: id - 1, attempt: 1, leaseMs: 60_000 });
        events.push({ type: 'agent.state', at: 2, agentId: id, state: 'thinking.model.calling|lease.holding' });
      } else events.push({ type: 'agent.state', at: 3, agentId: id, state: 'released' });
    }
    for (const e of events) observe(e);
    // The newest run is followed: its tiles come, one per agent, and no agent has a chart of its own.
    await expect.poll(() => page.locator('#agents .tile').count(), { timeout: 5_000 }).toBe(agents);
    const count = (state: string) =>
      page.locator(`#agents .counts-card g.state[data-state="${state}"] > text.count`).textContent();
    await expect.poll(() => count('agent.released')).toBe('10');
    expect(await count('agent.thinking')).toBe('30');
    expect(await count('agent.thinking.model.calling')).toBe('30');
    expect(await count('agent.claiming')).toBe('');
    expect(
      await page
        .locator('#agents .card[data-agent]')
        .evaluateAll((cards) => cards.map((c) => c.getAttribute('data-agent'))),
    ).toEqual(['0']);
    expect(await page.locator('#agents .tile[data-agent="7"]').getAttribute('class')).toContain('think');
    expect(await page.locator('#agents .tile[data-agent="7"]').getAttribute('title')).toBe(
      'agent 7 · thinking.model.calling|lease.holding · task #6',
    );
    // A click on a tile opens that agent's chart, with its state lit; another closes it.
    await page.locator('#agents .tile[data-agent="7"]').click();
    const seven = page.locator('#agents .card[data-agent="7"]');
    await expect.poll(() => seven.getAttribute('data-state')).toBe('thinking.model.calling|lease.holding');
    expect(await seven.locator('g.state.active-leaf').count()).toBe(2);
    await page.locator('#agents .tile[data-agent="7"]').click();
    await expect.poll(() => seven.count()).toBe(0);
    // The timeline stacks the agents in one band under the verifier's row: the page stays a screenful.
    expect(await page.locator('#timeline').evaluate((c) => c.clientHeight)).toBeLessThan(200);
    expect(await page.evaluate('document.body.scrollHeight')).toBeLessThan(2_000);
    expect(pageErrors).toEqual([]);
  });
});
