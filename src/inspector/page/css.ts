/** The inspector page's style sheet (served as `/app.css`; the page allows no inline style). */

/** Contents of `/app.css`. */
export const APP_CSS = `
:root { --bg: #0f1419; --panel: #171d24; --line: #2a3440; --text: #d8dee6; --muted: #8a96a3; --accent: #4ea1ff;
  --wait: #f0a030; --read: #2bb8c9; --think: #4e7dff; --back: #9a6bff; --act: #2fbf71; --fail: #ef5350; --final: #e060b0; --idle: #6b7683; }
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--text); font: 13px/1.4 system-ui, -apple-system, "Segoe UI", sans-serif; }
code { font-family: ui-monospace, Menlo, monospace; font-size: 12px; }
svg.defs { position: absolute; }
header { display: flex; align-items: center; gap: 16px; padding: 8px 16px; border-bottom: 1px solid var(--line); flex-wrap: wrap; }
h1 { font-size: 16px; margin: 0; } h1 span { color: var(--muted); font-weight: 400; }
h2 { font-size: 13px; text-transform: uppercase; letter-spacing: .06em; color: var(--muted); margin: 12px 0 8px; }
h3 { font-size: 12px; color: var(--muted); margin: 10px 0 4px; }
select, input { background: var(--panel); color: var(--text); border: 1px solid var(--line); border-radius: 4px; }
select { max-width: 420px; padding: 2px 4px; }
.run-status { color: var(--muted); }
.conn { margin-left: auto; color: var(--muted); } .conn.ok { color: var(--act); } .conn.bad { color: var(--fail); }
.banner { background: #3a1d1d; color: #ffd2d2; padding: 8px 16px; }
.meters { display: flex; gap: 8px; padding: 8px 16px; flex-wrap: wrap; border-bottom: 1px solid var(--line); }
.meter { background: var(--panel); border: 1px solid var(--line); border-radius: 6px; padding: 6px 10px; min-width: 110px; }
.meter .v { display: block; font-size: 18px; font-variant-numeric: tabular-nums; }
.meter .k { color: var(--muted); font-size: 11px; }
.meter .causes { display: block; }
main { display: grid; grid-template-columns: minmax(0, 1fr) 420px; gap: 16px; padding: 0 16px 24px; }
@media (max-width: 1100px) { main { grid-template-columns: 1fr; } }
.panel-head { display: flex; align-items: center; gap: 16px; }
.toggle { color: var(--muted); font-size: 12px; }
.note { color: var(--muted); font-size: 12px; margin: 0 0 8px; }
.empty { color: var(--muted); }
.agent-grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(340px, 1fr)); gap: 10px; }
.card { background: var(--panel); border: 1px solid var(--line); border-radius: 8px; padding: 6px; cursor: zoom-in; }
.card.big { grid-column: 1 / -1; cursor: zoom-out; }
.card.gone { opacity: .55; }
.card-head { display: flex; gap: 8px; align-items: baseline; font-size: 12px; margin-bottom: 4px; }
.card-head .name { font-weight: 600; }
.card-head .state { color: var(--accent); font-family: ui-monospace, Menlo, monospace; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.card-head .task { color: var(--muted); margin-left: auto; white-space: nowrap; }
.chart { width: 100%; height: auto; display: block; }
.card:not(.big) .chart { max-height: 360px; }
.chart .state rect { fill: #1e2630; stroke: #3a4654; stroke-width: 1; }
.chart .state.compound > rect, .chart .state.parallel > rect { fill: rgba(255,255,255,.02); stroke-dasharray: 0; }
.chart .state.parallel > rect { stroke-dasharray: 4 3; }
.chart .state.final > rect { stroke-width: 2.5; }
.chart .state text { fill: var(--text); font-size: 11px; font-family: ui-monospace, Menlo, monospace; }
.chart .state.compound > text, .chart .state.parallel > text { fill: var(--muted); font-size: 10px; }
.chart .state.active > rect { stroke: var(--accent); stroke-width: 1.5; }
.chart .state.active-leaf > rect { fill: #15406e; stroke: #7cc0ff; stroke-width: 2.5; }
.chart .state.active-leaf > text { fill: #ffffff; font-weight: 700; }
.chart .edge { fill: none; stroke: #56626f; stroke-width: 1.1; }
.chart .edge.error { stroke: #6d4a4a; stroke-dasharray: 3 3; }
.chart .edge.fired { stroke: #7cc0ff; stroke-width: 2.5; }
.chart .elabel { fill: var(--muted); font-size: 9px; font-family: ui-monospace, Menlo, monospace; }
.chart .init { fill: var(--text); }
.arrowhead { fill: #56626f; } .arrowhead.fired { fill: #7cc0ff; }
.counts-card { grid-column: 1 / -1; cursor: default; }
.card.counts-card .chart { max-height: 520px; }
.chart .count { fill: #ffd27a; font-size: 13px; font-weight: 700; font-family: ui-monospace, Menlo, monospace; }
.tiles { grid-column: 1 / -1; display: flex; flex-wrap: wrap; gap: 2px; background: var(--panel); border: 1px solid var(--line); border-radius: 8px; padding: 6px; }
.tile { display: inline-block; width: 10px; height: 10px; border-radius: 2px; cursor: pointer; }
.tile.opened { outline: 2px solid var(--accent); outline-offset: 1px; }
.tile.gone { opacity: .4; }
.global { color: var(--muted); font-size: 11px; margin: 4px 2px 0; }
.legend { display: flex; gap: 10px; flex-wrap: wrap; font-size: 11px; color: var(--muted); }
.legend .sw { display: inline-block; width: 10px; height: 10px; border-radius: 2px; margin-right: 4px; vertical-align: -1px; }
.legend .sw.tool { height: 3px; vertical-align: 2px; background: #f5f7fa; }
.sw.wait { background: var(--wait); } .sw.read { background: var(--read); } .sw.think { background: var(--think); } .sw.back { background: var(--back); }
.sw.act { background: var(--act); } .sw.fail { background: var(--fail); } .sw.final { background: var(--final); } .sw.idle { background: var(--idle); }
.timeline-wrap { background: var(--panel); border: 1px solid var(--line); border-radius: 8px; padding: 6px; }
#timeline { width: 100%; display: block; }
aside section { background: var(--panel); border: 1px solid var(--line); border-radius: 8px; padding: 0 10px 10px; margin-top: 12px; }
.counts { display: grid; grid-template-columns: repeat(4, 1fr); gap: 6px; }
.count { text-align: center; color: var(--muted); font-size: 11px; border: 1px solid var(--line); border-radius: 6px; padding: 4px; }
.count .n { display: block; font-size: 20px; color: var(--text); font-variant-numeric: tabular-nums; }
.count.claimed .n { color: var(--think); } .count.done .n { color: var(--act); } .count.failed .n { color: var(--fail); } .count.pending .n { color: var(--wait); }
ul.tasks, ul.entries { list-style: none; margin: 0; padding: 0; max-height: 260px; overflow: auto; }
ul.tasks li { display: grid; grid-template-columns: auto 1fr auto; gap: 6px; padding: 3px 0; border-bottom: 1px solid var(--line); font-size: 12px; align-items: center; }
.tid { font-family: ui-monospace, Menlo, monospace; color: var(--muted); }
.payload { overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.reason { grid-column: 1 / -1; color: #ff9a9a; font-size: 11px; overflow-wrap: anywhere; }
.lease { display: inline-block; width: 60px; height: 6px; background: #2a3440; border-radius: 3px; overflow: hidden; vertical-align: middle; }
.lease .fill { display: block; height: 100%; background: var(--act); }
.lease.low .fill { background: var(--wait); } .lease.expired .fill { background: var(--fail); }
.left { font-variant-numeric: tabular-nums; color: var(--muted); font-size: 11px; }
ul.entries li { border-bottom: 1px solid var(--line); padding: 4px 0; font-size: 12px; }
ul.entries details summary { cursor: pointer; list-style: none; }
ul.entries details summary::-webkit-details-marker { display: none; }
.ehead { color: var(--muted); font-size: 11px; }
.ehead .kind { color: var(--accent); font-weight: 600; }
.ehead .kind.failure, .ehead .kind.FAIL { color: var(--fail); }
.etext { overflow-wrap: anywhere; white-space: pre-wrap; }
.edetail { margin: 4px 0 2px 10px; border-left: 2px solid var(--line); padding-left: 8px; color: var(--muted); }
.edetail .etext { color: var(--text); }
.answer { border: 1px solid var(--act); border-radius: 6px; padding: 6px; margin-bottom: 8px; white-space: pre-wrap; overflow-wrap: anywhere; }
`;
