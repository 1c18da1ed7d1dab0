/**
 * The inspector page's HTML. Static: it holds no run data (the script fetches and streams that),
 * loads only `app.css` and `app.js` from the same server, and nothing from the network.
 */

/** The page served at `/`. */
export const PAGE_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>delm inspector</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="app.css">
</head>
<body>
<svg class="defs" width="0" height="0" aria-hidden="true">
  <defs>
    <marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" class="arrowhead"></path></marker>
    <marker id="arrow-fired" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" class="arrowhead fired"></path></marker>
  </defs>
</svg>
<header>
  <h1>delm <span>inspector</span></h1>
  <label class="run-pick">run <select id="run-select" aria-label="run"></select></label>
  <label class="follow"><input type="checkbox" id="follow" checked> follow newest</label>
  <span id="run-status" class="run-status"></span>
  <span id="conn" class="conn">connecting…</span>
</header>
<div id="banner" class="banner" hidden></div>
<section class="meters" aria-label="usage">
  <div class="meter"><span class="v" id="m-input">0</span><span class="k">input tokens</span></div>
  <div class="meter"><span class="v" id="m-output">0</span><span class="k">output tokens</span></div>
  <div class="meter"><span class="v" id="m-cached">0</span><span class="k">cached</span></div>
  <div class="meter"><span class="v" id="m-calls">0</span><span class="k">model calls</span></div>
  <div class="meter"><span class="v" id="m-cost">$0</span><span class="k">cost</span></div>
  <div class="meter"><span class="v" id="m-time">0.0 s</span><span class="k">run time</span></div>
  <div class="meter"><span class="v" id="m-waiting">–</span><span class="k">waiting on coordination</span><span class="k causes" id="m-waiting-causes"></span></div>
  <div class="meter"><span class="v" id="m-agents">0</span><span class="k">agents working</span></div>
</section>
<main>
  <section class="agents-panel">
    <div class="panel-head"><h2>Agents</h2><label class="toggle"><input type="checkbox" id="full-chart"> every transition in the enlarged chart</label></div>
    <p class="note" id="chart-note"></p>
    <div id="agents" class="agent-grid"><p class="empty">No run yet. Start one with <code>delm inspect --demo</code>, <code>delm run --inspect</code>, or replay a trajectory.</p></div>
    <div class="panel-head"><h2>Timeline</h2><div class="legend" id="legend"></div></div>
    <div class="timeline-wrap"><canvas id="timeline" height="60"></canvas></div>
  </section>
  <aside>
    <section class="queue-panel">
      <h2>Queue</h2>
      <div class="counts">
        <div class="count pending"><span class="n" id="q-pending">0</span>pending</div>
        <div class="count claimed"><span class="n" id="q-claimed">0</span>claimed</div>
        <div class="count done"><span class="n" id="q-done">0</span>done</div>
        <div class="count failed"><span class="n" id="q-failed">0</span>failed</div>
      </div>
      <h3>Claimed</h3><ul id="q-claimed-list" class="tasks"></ul>
      <h3>Failed</h3><ul id="q-failed-list" class="tasks"></ul>
      <details><summary>Pending</summary><ul id="q-pending-list" class="tasks"></ul></details>
      <details><summary>Done</summary><ul id="q-done-list" class="tasks"></ul></details>
    </section>
    <section class="ledger-panel">
      <h2>Ledger</h2>
      <div id="answer" class="answer" hidden></div>
      <p class="note" id="ledger-counts"></p>
      <ul id="ledger" class="entries"></ul>
      <h3>Rejected</h3><ul id="rejects" class="entries"></ul>
      <details><summary>Task and sources</summary><ul id="sources" class="entries"></ul></details>
    </section>
  </aside>
</main>
<script src="app.js"></script>
</body>
</html>
`;
