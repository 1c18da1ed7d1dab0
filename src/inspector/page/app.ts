/**
 * The inspector page's script (served as `/app.js`). Plain browser JavaScript kept as a string so
 * it ships inside the compiled package. It builds every node with the DOM API and sets text only
 * through `textContent`: entries come from untrusted documents and are never parsed as HTML.
 * (No template literals inside: the string itself is one.)
 */

/** Contents of `/app.js`. */
export const APP_JS = String.raw`'use strict';
(function () {
  var SVG = 'http://www.w3.org/2000/svg';
  var params = new URLSearchParams(location.search);
  var token = params.get('token');
  var tokenQuery = token ? '?token=' + encodeURIComponent(token) : '';
  var $ = function (id) { return document.getElementById(id); };

  // ---------- small DOM helpers (text only through textContent) ----------
  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }
  function svg(tag, attrs) {
    var node = document.createElementNS(SVG, tag);
    for (var k in attrs) if (Object.prototype.hasOwnProperty.call(attrs, k)) node.setAttribute(k, String(attrs[k]));
    return node;
  }
  function clear(node) { while (node.firstChild) node.removeChild(node.firstChild); }
  function num(v, d) { return typeof v === 'number' && isFinite(v) ? v : d; }
  function str(v) { return v === undefined || v === null ? '' : String(v); }
  function fmtInt(n) { return Math.round(n).toLocaleString('en-US'); }
  function clip(s, n) { s = str(s); return s.length > n ? s.slice(0, n - 1) + '…' : s; }

  // ---------- state categories (timeline colours) ----------
  var CATS = [
    ['wait', 'waiting (claiming, electing)'], ['read', 'reading'], ['think', 'model call'], ['back', 'backing off / unfolding'],
    ['act', 'proposing, completing'], ['fail', 'failing a task'], ['final', 'finalizing'], ['idle', 'idle / verifier waiting'],
  ];
  var COLORS = { wait: '#f0a030', read: '#2bb8c9', think: '#4e7dff', back: '#9a6bff', act: '#2fbf71', fail: '#ef5350', final: '#e060b0', idle: '#6b7683' };
  function category(agentId, state) {
    var s = str(state);
    if (agentId === 0) {
      if (/^checking|^backingOff/.test(s)) return 'think';
      if (/^committing/.test(s)) return 'act';
      if (/^rejecting|^failed/.test(s)) return 'fail';
      return 'idle';
    }
    if (/^(claiming|electing)/.test(s)) return 'wait';
    if (/^reading/.test(s)) return 'read';
    if (/backingOff/.test(s) || /^unfolding/.test(s)) return 'back';
    if (/^thinking/.test(s)) return 'think';
    if (/^(proposing|wrappingUp|enqueueing|completing)/.test(s)) return 'act';
    if (/^failingTask/.test(s)) return 'fail';
    if (/^finalizing/.test(s)) return 'final';
    return 'idle';
  }
  var WAITING = /^(claiming|electing)/;
  var FINAL = /^(done|stopped|failed)$/;

  // ---------- run state, built from events ----------
  function newRun(summary) {
    return { id: summary.id, summary: summary, count: 0, anchor: { clock: 0, wall: performance.now() }, finishedAt: null,
      agents: new Map(), spans: [], tasks: new Map(), entries: new Map(), rejects: [], usage: { input: 0, output: 0, cached: 0, calls: 0, cost: 0 },
      answer: null, stopReason: null, warnings: [], decisions: [], dirty: true };
  }
  function agentOf(run, id) {
    var a = run.agents.get(id);
    if (!a) { a = { id: id, state: null, since: 0, task: null, status: null, reason: null, replaces: null, last: null }; run.agents.set(id, a); }
    return a;
  }
  function taskOf(run, id) {
    var t = run.tasks.get(id);
    if (!t) { t = { id: id, state: 'pending', attempts: 0, parentId: -1, payload: null, agent: null, deadline: null, reason: null }; run.tasks.set(id, t); }
    return t;
  }
  function closeSpan(run, a, at) {
    if (a.state !== null && !FINAL.test(a.state)) run.spans.push({ agent: a.id, state: a.state, start: a.since, end: at });
  }
  function putEntry(run, b) {
    var id = num(b.entryId, -1);
    if (id < 0) return;
    var prev = run.entries.get(id) || {};
    run.entries.set(id, { id: id, kind: str(b.kind || prev.kind), level: num(b.level, num(prev.level, 0)), parentId: num(b.parentId, num(prev.parentId, -1)),
      taskId: num(b.taskId, num(prev.taskId, -1)), authorId: num(b.authorId, num(prev.authorId, 0)), text: b.text !== undefined ? str(b.text) : str(prev.text),
      chars: num(b.chars, num(prev.chars, 0)), seeded: Boolean(b.seeded || prev.seeded), labels: Array.isArray(b.labels) ? b.labels.map(str) : (prev.labels || []), reason: b.reason || prev.reason || null, at: num(b.at, num(prev.at, 0)) });
  }

  function apply(run, e) {
    if (!e || typeof e.type !== 'string') return;
    var at = num(e.at, 0);
    switch (e.type) {
      case 'run.started':
        for (var i = 0; i < num(e.tasks, 0); i++) taskOf(run, i);
        break;
      case 'agent.started':
        agentOf(run, num(e.agentId, -1)).replaces = e.replaces === undefined ? null : num(e.replaces, null);
        break;
      case 'agent.state': {
        var a = agentOf(run, num(e.agentId, -1));
        closeSpan(run, a, at);
        a.last = a.state; a.state = str(e.state); a.since = at;
        break;
      }
      case 'agent.stopped': {
        var s = agentOf(run, num(e.agentId, -1));
        s.status = str(e.status); s.reason = e.reason === undefined ? null : str(e.reason);
        break;
      }
      case 'agent.crashed': {
        var c = agentOf(run, num(e.agentId, -1));
        closeSpan(run, c, at);
        c.last = c.state; c.state = 'crashed'; c.since = at; c.status = 'crashed'; c.reason = str(e.error);
        break;
      }
      case 'task.claimed': {
        var t = taskOf(run, num(e.taskId, -1));
        t.state = 'claimed'; t.agent = num(e.agentId, null); t.attempts = num(e.attempt, t.attempts);
        t.deadline = typeof e.leaseMs === 'number' ? at + e.leaseMs : null; t.leaseStart = at;
        agentOf(run, num(e.agentId, -1)).task = t.id;
        break;
      }
      case 'task.extended': {
        var x = taskOf(run, num(e.taskId, -1));
        if (typeof e.leaseMs === 'number') { x.deadline = at + e.leaseMs; x.leaseStart = at; }
        break;
      }
      case 'task.completed': case 'task.failed': {
        var f = taskOf(run, num(e.taskId, -1));
        f.state = e.type === 'task.completed' ? 'done' : 'failed';
        if (e.type === 'task.failed') f.reason = str(e.reason);
        f.deadline = null;
        var holder = run.agents.get(num(e.agentId, -1));
        if (holder && holder.task === f.id) holder.task = null;
        break;
      }
      case 'task.enqueued':
        if (Array.isArray(e.taskIds)) e.taskIds.forEach(function (id) { var q = taskOf(run, num(id, -1)); q.parentId = num(e.parentTaskId, -1); });
        break;
      case 'queue.snapshot':
        if (Array.isArray(e.tasks)) e.tasks.forEach(function (b) {
          var q = taskOf(run, num(b.id, -1));
          var st = str(b.state);
          if (st !== q.state) { q.state = st; if (st !== 'claimed') q.deadline = null; }
          q.attempts = num(b.attempts, q.attempts); q.parentId = num(b.parentId, q.parentId);
          if (b.payload !== undefined) q.payload = str(b.payload);
        });
        run.stats = e.stats || null;
        break;
      case 'ledger.seeded':
        if (Array.isArray(e.entries)) e.entries.forEach(function (b) { putEntry(run, Object.assign({}, b, { at: at, seeded: true })); });
        break;
      case 'commit':
        putEntry(run, { entryId: e.entryId, kind: e.kind, level: e.level, parentId: e.parentId, taskId: e.taskId, authorId: e.authorId, text: e.text, chars: e.chars, labels: e.labels, at: at });
        if (e.kind === 'answer') run.answer = e.text === undefined ? '(answer committed; its text is not in this record)' : str(e.text);
        break;
      case 'reject':
        run.rejects.push({ authorId: num(e.authorId, 0), taskId: num(e.taskId, -1), verdict: str(e.verdict), reason: str(e.reason), entryId: num(e.entryId, -1), at: at });
        if (typeof e.entryId === 'number') putEntry(run, { entryId: e.entryId, kind: 'failure', level: 0, taskId: e.taskId, authorId: e.authorId, reason: str(e.reason), at: at });
        break;
      case 'usage':
        run.usage.input += num(e.inputTokens, 0); run.usage.output += num(e.outputTokens, 0); run.usage.cached += num(e.cachedInputTokens, 0);
        run.usage.calls += 1; run.usage.cost += num(e.costUsd, 0);
        break;
      case 'budget.warning':
        run.warnings.push(str(e.resource) + ' ' + num(e.used, 0) + ' / ' + num(e.limit, 0));
        break;
      case 'final.decision':
        run.decisions.push({ agentId: num(e.agentId, 0), round: num(e.round, 0), decision: str(e.decision), tasks: num(e.tasks, 0) });
        break;
      case 'run.finished':
        run.stopReason = str(e.stopReason);
        run.finishedAt = at;
        run.agents.forEach(function (ag) { closeSpan(run, ag, at); if (ag.state !== null && !FINAL.test(ag.state)) ag.since = at; });
        break;
      default:
        break;
    }
  }

  function clockOf(run) {
    if (run.finishedAt !== null) return run.finishedAt;
    var speed = num(run.summary.speed, 1);
    return run.anchor.clock + (performance.now() - run.anchor.wall) * speed;
  }
  function setClock(run, clock) {
    var now = clockOf(run);
    if (typeof clock === 'number' && clock > now) run.anchor = { clock: clock, wall: performance.now() };
  }

  // ---------- app state ----------
  var charts = null;
  var runs = [];            // summaries
  var loaded = new Map();   // id -> run
  var loading = new Map();  // id -> buffered batches
  var selected = null;
  var cards = new Map();    // agentId -> card
  var cardsFor = null;

  function follow() { return $('follow').checked; }
  function setBanner(text) { var b = $('banner'); b.hidden = !text; b.textContent = text || ''; }
  function setConn(text, cls) { var c = $('conn'); c.textContent = text; c.className = 'conn ' + (cls || ''); }

  function get(path) {
    return fetch(path + tokenQuery, { headers: { accept: 'application/json' } }).then(function (res) {
      if (res.status === 401) { setBanner('This inspector needs its token: open the address with ?token=<the token it was started with>.'); throw new Error('unauthorized'); }
      if (!res.ok) throw new Error(path + ': HTTP ' + res.status);
      return res.json();
    });
  }

  function renderRunList() {
    var select = $('run-select');
    var keep = selected;
    clear(select);
    runs.slice().reverse().forEach(function (r) {
      var o = el('option', null, str(r.label) + ' — ' + (r.status === 'finished' ? 'finished: ' + str(r.stopReason) : 'running'));
      o.value = r.id;
      select.appendChild(o);
    });
    if (keep !== null) select.value = keep;
  }

  function onRuns(list) {
    runs = Array.isArray(list) ? list : [];
    runs.forEach(function (r) { var run = loaded.get(r.id); if (run) run.summary = r; });
    renderRunList();
    var newest = runs.length ? runs[runs.length - 1] : null;
    if (newest && (selected === null || (follow() && newest.id !== selected))) select(newest.id);
    scheduleRender();
  }

  function select(id) {
    selected = id;
    $('run-select').value = id;
    if (!loaded.has(id)) load(id);
    cardsFor = null;
    scheduleRender();
  }

  function load(id) {
    if (loading.has(id)) return;
    loading.set(id, []);
    get('api/runs/' + encodeURIComponent(id) + '/events').then(function (snap) {
      var run = newRun(snap.run);
      (snap.events || []).forEach(function (e) { apply(run, e); });
      run.count = (snap.events || []).length;
      run.anchor = { clock: num(snap.clock, 0), wall: performance.now() };
      var buffered = loading.get(id) || [];
      loading.delete(id);
      loaded.set(id, run);
      buffered.forEach(function (m) { onEvents(m); });
      run.dirty = true;
      scheduleRender();
    }).catch(function (err) { loading.delete(id); if (String(err.message) !== 'unauthorized') setBanner('Could not load run: ' + err.message); });
  }

  function onEvents(m) {
    var id = str(m.runId);
    if (loading.has(id)) { loading.get(id).push(m); return; }
    var run = loaded.get(id);
    if (!run) return;
    var from = num(m.from, 0);
    var events = Array.isArray(m.events) ? m.events : [];
    if (from > run.count) { loaded.delete(id); if (id === selected) load(id); return; } // a gap: reload
    for (var i = run.count - from; i < events.length; i++) { applyLive(run, events[i]); run.count++; }
    setClock(run, m.clock);
    run.dirty = true;
    if (id === selected) scheduleRender();
  }

  function applyLive(run, e) {
    var before = e && e.type === 'agent.state' ? run.agents.get(num(e.agentId, -1)) : null;
    var prev = before ? before.state : null;
    apply(run, e);
    if (e && e.type === 'agent.state' && run.id === selected) {
      var card = cards.get(num(e.agentId, -1));
      if (card) fire(card, prev, str(e.state));
    }
  }

  // ---------- statechart cards ----------
  // 'thinking.model.calling|lease.holding': parts after the first are relative to an ancestor of
  // the part before (parallel regions); resolve each against the chart's state ids when known.
  function leafIds(machineId, state, known) {
    var out = [];
    str(state).split('|').filter(Boolean).forEach(function (part) {
      var id = machineId + '.' + part;
      if (known && !known.has(id) && out.length) {
        var prev = ancestors(out[out.length - 1]);
        for (var i = 1; i < prev.length; i++) if (known.has(prev[i] + '.' + part)) { id = prev[i] + '.' + part; break; }
      }
      out.push(id);
    });
    return out;
  }
  function ancestors(id) {
    var out = [];
    var parts = id.split('.');
    for (var i = parts.length; i >= 2; i--) out.push(parts.slice(0, i).join('.'));
    return out;
  }

  function drawChart(chart) {
    var root = svg('svg', { viewBox: '0 0 ' + chart.width + ' ' + chart.height, class: 'chart', role: 'img' });
    var states = new Map();
    var edges = new Map();
    chart.states.slice().sort(function (a, b) { return a.depth - b.depth; }).forEach(function (s) {
      var g = svg('g', { class: 'state ' + s.type, 'data-state': s.id });
      var atomic = s.type === 'atomic' || s.type === 'final';
      g.appendChild(svg('rect', { x: s.x, y: s.y, width: s.width, height: s.height, rx: atomic ? 7 : 9 }));
      var t = svg('text', atomic ? { x: s.x + s.width / 2, y: s.y + s.height / 2 + 4, 'text-anchor': 'middle' } : { x: s.x + 8, y: s.y + 15 });
      t.textContent = s.key + (s.type === 'parallel' ? ' (parallel)' : '');
      g.appendChild(t);
      var title = svg('title', {}); title.textContent = s.id; g.appendChild(title);
      root.appendChild(g);
      states.set(s.id, g);
    });
    chart.edges.forEach(function (e) {
      if (!e.points.length) return;
      var line = svg('polyline', { points: e.points.map(function (p) { return p[0] + ',' + p[1]; }).join(' '), class: 'edge' + (e.error ? ' error' : ''), 'marker-end': 'url(#arrow)' });
      var title = svg('title', {}); title.textContent = e.labels.join('\n'); line.appendChild(title);
      root.appendChild(line);
      edges.set(e.source + '->' + e.target, line);
      if (e.label) {
        var lt = svg('text', { x: e.label.x, y: e.label.y + 9, class: 'elabel' });
        e.labels.forEach(function (l, i) { var ts = svg('tspan', { x: e.label.x, dy: i === 0 ? 0 : 12 }); ts.textContent = l; lt.appendChild(ts); });
        root.appendChild(lt);
      }
    });
    chart.initials.forEach(function (i) {
      root.appendChild(svg('circle', { cx: i.x, cy: i.y, r: 4, class: 'init' }));
      if (i.points.length) root.appendChild(svg('polyline', { points: i.points.map(function (p) { return p[0] + ',' + p[1]; }).join(' '), class: 'edge', 'marker-end': 'url(#arrow)' }));
    });
    return { root: root, states: states, edges: edges };
  }

  function makeCard(agentId) {
    var isVerifier = agentId === 0;
    var card = { agentId: agentId, machine: isVerifier ? 'verifier' : 'agent', node: el('div', 'card'), big: false, drawn: null, state: null };
    card.node.setAttribute('data-agent', String(agentId));
    var head = el('div', 'card-head');
    card.name = el('span', 'name', isVerifier ? 'verifier' : 'agent ' + agentId);
    card.stateText = el('span', 'state', '–');
    card.taskText = el('span', 'task', '');
    head.appendChild(card.name); head.appendChild(card.stateText); head.appendChild(card.taskText);
    card.node.appendChild(head);
    card.holder = el('div', 'holder');
    card.node.appendChild(card.holder);
    card.node.addEventListener('click', function () { card.big = !card.big; card.node.classList.toggle('big', card.big); redraw(card); });
    redraw(card);
    return card;
  }

  function chartFor(card) {
    if (!charts) return null;
    if (card.machine === 'verifier') return charts.verifier;
    return card.big && $('full-chart').checked ? charts.agentFull : charts.agent;
  }

  function redraw(card) {
    var chart = chartFor(card);
    clear(card.holder);
    card.drawn = chart ? drawChart(chart) : null;
    if (card.drawn) card.holder.appendChild(card.drawn.root);
    var s = card.state; card.state = null; highlight(card, s);
  }

  function highlight(card, state) {
    if (card.state === state) return;
    card.state = state;
    card.node.setAttribute('data-state', str(state));
    card.stateText.textContent = state === null ? '–' : state.split('|')[0];
    card.stateText.title = str(state);
    if (!card.drawn) return;
    card.drawn.states.forEach(function (g) { g.classList.remove('active'); g.classList.remove('active-leaf'); });
    leafIds(card.machine, state, card.drawn.states).forEach(function (leaf) {
      ancestors(leaf).forEach(function (id, i) { var g = card.drawn.states.get(id); if (g) g.classList.add(i === 0 ? 'active-leaf' : 'active'); });
    });
  }

  function fire(card, from, to) {
    if (!card.drawn || from === null) return;
    var srcs = []; leafIds(card.machine, from, card.drawn.states).forEach(function (l) { srcs = srcs.concat(ancestors(l)); });
    var dsts = []; leafIds(card.machine, to, card.drawn.states).forEach(function (l) { dsts = dsts.concat(ancestors(l)); });
    srcs.forEach(function (s) { dsts.forEach(function (d) {
      var line = card.drawn.edges.get(s + '->' + d);
      if (!line) return;
      line.classList.add('fired'); line.setAttribute('marker-end', 'url(#arrow-fired)');
      setTimeout(function () { line.classList.remove('fired'); line.setAttribute('marker-end', 'url(#arrow)'); }, 900);
    }); });
  }

  function renderAgents(run) {
    var grid = $('agents');
    if (cardsFor !== run.id) {
      clear(grid); cards.clear(); cardsFor = run.id;
    }
    var ids = Array.from(run.agents.keys()).filter(function (id) { return id >= 0; }).sort(function (a, b) { return (a === 0) - (b === 0) || a - b; });
    if (!ids.length && !grid.firstChild) grid.appendChild(el('p', 'empty', 'Waiting for the agents to start…'));
    ids.forEach(function (id) {
      var card = cards.get(id);
      if (!card) {
        var empty = grid.querySelector('.empty'); if (empty) grid.removeChild(empty);
        card = makeCard(id); cards.set(id, card); grid.appendChild(card.node);
      }
      var a = run.agents.get(id);
      highlight(card, a.state);
      card.node.classList.toggle('gone', a.status === 'crashed');
      var bits = [];
      if (a.task !== null) bits.push('task #' + a.task);
      if (a.status) bits.push(a.status + (a.reason ? ': ' + clip(a.reason, 40) : ''));
      if (a.replaces !== null) bits.push('replaces ' + a.replaces);
      card.taskText.textContent = bits.join(' · ');
    });
    var note = charts ? (charts.agent.global || []).join(' · ') : '';
    $('chart-note').textContent = note ? 'From any state: ' + note + '. Click a card to enlarge it.' : '';
  }

  // ---------- timeline ----------
  function renderTimeline(run, now) {
    var canvas = $('timeline');
    var ids = Array.from(run.agents.keys()).filter(function (id) { return id >= 0; }).sort(function (a, b) { return a - b; });
    var rowH = 16, labelW = 70, top = 4, axisH = 16;
    var width = canvas.clientWidth || 600;
    var height = top + ids.length * rowH + axisH;
    var dpr = window.devicePixelRatio || 1;
    if (canvas.width !== Math.round(width * dpr) || canvas.height !== Math.round(height * dpr)) {
      canvas.width = Math.round(width * dpr); canvas.height = Math.round(height * dpr); canvas.style.height = height + 'px';
    }
    var ctx = canvas.getContext('2d');
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, width, height);
    var span = Math.max(now, 1);
    var scale = (width - labelW - 8) / span;
    var row = new Map(); ids.forEach(function (id, i) { row.set(id, i); });
    ctx.font = '11px system-ui, sans-serif';
    ctx.fillStyle = '#8a96a3';
    ids.forEach(function (id, i) { ctx.fillText(id === 0 ? 'verifier' : 'agent ' + id, 4, top + i * rowH + 11); });
    function bar(agent, state, start, end) {
      var r = row.get(agent); if (r === undefined) return;
      ctx.fillStyle = COLORS[category(agent, state)];
      var x = labelW + start * scale, w = Math.max(1, (end - start) * scale);
      ctx.fillRect(x, top + r * rowH + 2, w, rowH - 4);
    }
    run.spans.forEach(function (s) { bar(s.agent, s.state, s.start, s.end); });
    run.agents.forEach(function (a) { if (a.state !== null && !FINAL.test(a.state) && a.state !== 'crashed' && run.finishedAt === null) bar(a.id, a.state, a.since, now); });
    ctx.fillStyle = '#8a96a3';
    var stepMs = niceStep(span / 8);
    for (var t = 0; t <= span; t += stepMs) {
      var x = labelW + t * scale;
      ctx.fillRect(x, top + ids.length * rowH, 1, 4);
      ctx.fillText((t / 1000).toFixed(stepMs < 1000 ? 1 : 0) + ' s', x + 2, top + ids.length * rowH + 13);
    }
  }
  function niceStep(raw) {
    var steps = [50, 100, 200, 250, 500, 1000, 2000, 5000, 10000, 15000, 30000, 60000, 120000, 300000, 600000];
    for (var i = 0; i < steps.length; i++) if (steps[i] >= raw) return steps[i];
    return 1800000;
  }
  function waitingShare(run, now) {
    var wait = 0, total = 0;
    function add(agent, state, d) { if (agent <= 0) return; total += d; if (WAITING.test(state)) wait += d; }
    run.spans.forEach(function (s) { add(s.agent, s.state, s.end - s.start); });
    if (run.finishedAt === null) run.agents.forEach(function (a) { if (a.state !== null && !FINAL.test(a.state) && a.state !== 'crashed') add(a.id, a.state, now - a.since); });
    return total > 0 ? wait / total : null;
  }

  // ---------- queue ----------
  function renderQueue(run, now) {
    var counts = { pending: 0, claimed: 0, done: 0, failed: 0 };
    var lists = { pending: [], claimed: [], done: [], failed: [] };
    run.tasks.forEach(function (t) { if (counts[t.state] !== undefined) { counts[t.state]++; lists[t.state].push(t); } });
    Object.keys(counts).forEach(function (k) { $('q-' + k).textContent = String(counts[k]); });
    fillTasks($('q-claimed-list'), lists.claimed.sort(byId), 100, function (t, li) {
      li.appendChild(el('span', 'tid', '#' + t.id + (t.agent !== null ? ' · agent ' + t.agent : '') + (t.attempts > 1 ? ' · try ' + t.attempts : '')));
      li.appendChild(el('span', 'payload', t.payload || ''));
      var wrap = el('span', 'left');
      if (t.deadline !== null) {
        var left = t.deadline - now;
        var bar = el('span', 'lease' + (left <= 0 ? ' expired' : left < 2000 ? ' low' : ''));
        var fill = el('span', 'fill');
        fill.style.width = Math.max(0, Math.min(100, (left / Math.max(1, t.deadline - (t.leaseStart || 0))) * 100)) + '%';
        bar.appendChild(fill);
        wrap.appendChild(bar);
        wrap.appendChild(document.createTextNode(' ' + (left > 0 ? (left / 1000).toFixed(1) + ' s' : 'expired')));
      } else wrap.textContent = 'lease ?';
      li.appendChild(wrap);
    });
    fillTasks($('q-failed-list'), lists.failed.sort(byId), 100, function (t, li) {
      li.appendChild(el('span', 'tid', '#' + t.id));
      li.appendChild(el('span', 'payload', t.payload || ''));
      li.appendChild(el('span', 'left', t.attempts + ' tries'));
      li.appendChild(el('span', 'reason', t.reason || 'failed'));
    });
    fillTasks($('q-pending-list'), lists.pending.sort(byId), 100, taskLine);
    fillTasks($('q-done-list'), lists.done.sort(byId).reverse(), 100, taskLine);
  }
  function byId(a, b) { return a.id - b.id; }
  function taskLine(t, li) {
    li.appendChild(el('span', 'tid', '#' + t.id + (t.parentId >= 0 ? ' ← #' + t.parentId : '')));
    li.appendChild(el('span', 'payload', t.payload || ''));
    li.appendChild(el('span', 'left', t.attempts ? t.attempts + ' tries' : ''));
  }
  function fillTasks(ul, tasks, max, line) {
    clear(ul);
    tasks.slice(0, max).forEach(function (t) { var li = el('li'); li.setAttribute('data-task', String(t.id)); line(t, li); ul.appendChild(li); });
    if (tasks.length > max) ul.appendChild(el('li', 'note', '… and ' + (tasks.length - max) + ' more'));
    if (!tasks.length) ul.appendChild(el('li', 'note', 'none'));
  }

  // ---------- ledger ----------
  function entryHead(e) {
    var head = el('div', 'ehead');
    head.appendChild(el('span', 'kind ' + e.kind.replace(/[^A-Za-z_]/g, ''), e.kind));
    var bits = [' #' + e.id];
    if (e.labels.length) bits.push('[' + e.labels.join(', ') + ']');
    if (e.authorId > 0) bits.push('agent ' + e.authorId);
    if (e.taskId >= 0 && !e.seeded) bits.push('task #' + e.taskId);
    bits.push('level ' + e.level);
    head.appendChild(document.createTextNode(bits.join(' · ')));
    return head;
  }
  function entryText(e) {
    var more = e.chars > e.text.length ? ' (' + fmtInt(e.chars - e.text.length) + ' more characters in the ledger)' : '';
    return el('div', 'etext', (e.text || e.reason || '') + more);
  }
  function entryItem(run, e) {
    var li = el('li');
    li.setAttribute('data-entry', String(e.id));
    var details = el('details');
    var summary = el('summary');
    summary.appendChild(entryHead(e));
    summary.appendChild(entryText(e));
    details.appendChild(summary);
    // Unfold: the chain of more detailed entries this one points to.
    var seen = new Set([e.id]);
    var p = e.parentId;
    var any = false;
    while (p >= 0 && !seen.has(p)) {
      seen.add(p);
      var parent = run.entries.get(p);
      var box = el('div', 'edetail');
      if (!parent) { box.appendChild(el('div', 'ehead', 'unfolds into #' + p + ' (not in this record)')); details.appendChild(box); any = true; break; }
      box.appendChild(entryHead(parent)); box.appendChild(entryText(parent));
      details.appendChild(box); any = true;
      p = parent.parentId;
    }
    if (!any) details.appendChild(el('div', 'edetail', 'No more detailed level: this entry is its own detail (' + fmtInt(e.chars) + ' characters).'));
    li.appendChild(details);
    return li;
  }
  function renderLedger(run) {
    var all = Array.from(run.entries.values()).sort(function (a, b) { return b.id - a.id; });
    var committed = all.filter(function (e) { return !e.seeded && e.kind !== 'failure' && e.kind !== 'answer'; });
    var failures = all.filter(function (e) { return e.kind === 'failure' || e.kind === 'FAIL'; });
    var seeded = all.filter(function (e) { return e.seeded; }).reverse();
    $('ledger-counts').textContent = committed.length + ' verified entr' + (committed.length === 1 ? 'y' : 'ies') + ' · ' + run.rejects.length + ' rejected · ' + seeded.length + ' seeded (task, sources)';
    var open = new Set(Array.from(document.querySelectorAll('#ledger details[open], #sources details[open]')).map(function (d) { return d.parentNode.getAttribute('data-entry'); }));
    var ul = $('ledger'); clear(ul);
    committed.slice(0, 300).forEach(function (e) { ul.appendChild(entryItem(run, e)); });
    if (!committed.length) ul.appendChild(el('li', 'note', 'nothing verified yet'));
    var rj = $('rejects'); clear(rj);
    run.rejects.slice().reverse().slice(0, 200).forEach(function (r) {
      var li = el('li');
      li.appendChild(el('div', 'ehead', r.verdict + ' · agent ' + r.authorId + ' · task #' + r.taskId + (r.entryId >= 0 ? ' · failure entry #' + r.entryId : '')));
      var entry = r.entryId >= 0 ? run.entries.get(r.entryId) : null;
      li.appendChild(el('div', 'etext reason', r.reason));
      if (entry && entry.text && entry.text !== r.reason) li.appendChild(el('div', 'etext', entry.text));
      rj.appendChild(li);
    });
    if (!run.rejects.length) rj.appendChild(el('li', 'note', failures.length ? failures.length + ' failure entries' : 'none'));
    var src = $('sources'); clear(src);
    seeded.forEach(function (e) { src.appendChild(entryItem(run, e)); });
    document.querySelectorAll('#ledger li[data-entry], #sources li[data-entry]').forEach(function (li) { if (open.has(li.getAttribute('data-entry'))) li.firstChild.open = true; });
    var ans = $('answer');
    ans.hidden = run.answer === null;
    ans.textContent = run.answer === null ? '' : 'Answer: ' + run.answer;
  }

  // ---------- meters, status ----------
  function renderMeters(run, now) {
    $('m-input').textContent = fmtInt(run.usage.input);
    $('m-output').textContent = fmtInt(run.usage.output);
    $('m-cached').textContent = fmtInt(run.usage.cached);
    $('m-calls').textContent = fmtInt(run.usage.calls);
    $('m-cost').textContent = '$' + run.usage.cost.toFixed(run.usage.cost < 1 ? 4 : 2);
    $('m-time').textContent = (now / 1000).toFixed(1) + ' s';
    var share = waitingShare(run, now);
    $('m-waiting').textContent = share === null ? '–' : (share * 100).toFixed(1) + ' %';
    var working = 0;
    run.agents.forEach(function (a) { if (a.id > 0 && a.state !== null && !FINAL.test(a.state) && a.state !== 'crashed' && !WAITING.test(a.state)) working++; });
    $('m-agents').textContent = run.finishedAt !== null ? '0' : String(working);
    var status = run.stopReason !== null ? 'finished: ' + run.stopReason : 'running';
    if (run.summary.truncated) status += ' (some events were dropped)';
    if (run.warnings.length) status += ' · budget: ' + run.warnings[run.warnings.length - 1];
    if (run.decisions.length) { var d = run.decisions[run.decisions.length - 1]; status += ' · final decision round ' + d.round + ': ' + d.decision; }
    $('run-status').textContent = status;
  }

  // ---------- render loop ----------
  var renderQueued = false, lastFull = 0;
  function scheduleRender() {
    if (renderQueued) return;
    renderQueued = true;
    requestAnimationFrame(function () { renderQueued = false; render(); });
  }
  function render() {
    var run = selected !== null ? loaded.get(selected) : null;
    if (!run) return;
    var now = clockOf(run);
    renderAgents(run);
    renderMeters(run, now);
    renderTimeline(run, now);
    var t = performance.now();
    if (run.dirty || t - lastFull > 500) {
      renderQueue(run, now);
      if (run.dirty) renderLedger(run);
      run.dirty = false;
      lastFull = t;
    }
  }
  setInterval(scheduleRender, 250);

  // ---------- wiring ----------
  var legend = $('legend');
  CATS.forEach(function (c) { var s = el('span'); s.appendChild(el('span', 'sw ' + c[0])); s.appendChild(document.createTextNode(c[1])); legend.appendChild(s); });
  $('run-select').addEventListener('change', function (ev) { $('follow').checked = false; select(ev.target.value); });
  $('follow').addEventListener('change', function () { if (follow() && runs.length) select(runs[runs.length - 1].id); });
  $('full-chart').addEventListener('change', function () { cards.forEach(function (c) { if (c.big) redraw(c); }); });
  window.addEventListener('resize', scheduleRender);

  function connect() {
    var source = new EventSource('events' + tokenQuery);
    var everOpen = false;
    source.addEventListener('open', function () {
      setConn('live', 'ok');
      if (everOpen) { loaded.clear(); cardsFor = null; if (selected !== null) load(selected); } // events may have been missed
      everOpen = true;
    });
    source.addEventListener('error', function () { setConn(source.readyState === 2 ? 'disconnected' : 'reconnecting…', 'bad'); });
    source.addEventListener('runs', function (ev) { try { onRuns(JSON.parse(ev.data).runs); } catch (err) { setBanner('bad message: ' + err.message); } });
    source.addEventListener('events', function (ev) { try { onEvents(JSON.parse(ev.data)); } catch (err) { setBanner('bad message: ' + err.message); } });
  }

  get('api/machines').then(function (c) {
    charts = c;
    cards.forEach(function (card) { redraw(card); });
    scheduleRender();
  }).catch(function (err) { if (String(err.message) !== 'unauthorized') setBanner('Could not load the statecharts: ' + err.message); });
  get('api/runs').then(function (list) { onRuns(list); connect(); }).catch(function () { setConn('not connected', 'bad'); });
})();
`;
