/** Paints the timeline's layout on its canvas, sharp at the screen's pixel ratio. */
import type { TimelineLayout } from '../timeline.js';

const MUTED = '#8a96a3';

/** Draws `layout` on `canvas` (resized to fit it). */
export function paintTimeline(canvas: HTMLCanvasElement, layout: TimelineLayout): void {
  const dpr = window.devicePixelRatio || 1;
  const w = Math.round(layout.width * dpr);
  const h = Math.round(layout.height * dpr);
  if (canvas.width !== w || canvas.height !== h) {
    canvas.width = w;
    canvas.height = h;
    canvas.style.height = `${layout.height}px`;
  }
  const ctx = canvas.getContext('2d');
  if (!ctx) return;
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.clearRect(0, 0, layout.width, layout.height);
  ctx.font = '11px system-ui, sans-serif';
  ctx.fillStyle = MUTED;
  for (const r of layout.rows) ctx.fillText(r.text, r.x, r.y);
  for (const b of [...layout.bars, ...layout.tools]) {
    ctx.fillStyle = b.colour;
    ctx.fillRect(b.x, b.y, b.w, b.h);
  }
  ctx.fillStyle = MUTED;
  for (const t of layout.ticks) {
    ctx.fillRect(t.mark.x, t.mark.y, t.mark.w, t.mark.h);
    ctx.fillText(t.label.text, t.label.x, t.label.y);
  }
}
