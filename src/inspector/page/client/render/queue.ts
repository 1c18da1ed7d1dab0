/** The queue panel: counts per state, the claimed tasks with their leases, failed, pending and done. */
import type { TaskView } from '../model.js';
import { MAX_TASKS_LISTED, claimedLabel, leaseView, taskLabel, type QueueView } from '../queue-view.js';
import { byId, clear, el } from './dom.js';

/** Shows `view` at run time `now` (lease bars count down with it). */
export function renderQueue(view: QueueView, now: number): void {
  for (const [state, n] of Object.entries(view.counts)) byId(`q-${state}`).textContent = String(n);
  fillTasks(byId('q-claimed-list'), view.lists.claimed, (t, li) => {
    li.append(el('span', 'tid', claimedLabel(t)), el('span', 'payload', t.payload ?? ''));
    const wrap = el('span', 'left');
    const lease = leaseView(t, now);
    if (lease) {
      const bar = el('span', `lease${lease.level === 'ok' ? '' : ` ${lease.level}`}`);
      const fill = el('span', 'fill');
      fill.style.width = `${lease.percentLeft}%`;
      bar.appendChild(fill);
      wrap.append(bar, document.createTextNode(` ${lease.text}`));
    } else wrap.textContent = 'lease ?';
    li.appendChild(wrap);
  });
  fillTasks(byId('q-failed-list'), view.lists.failed, (t, li) => {
    li.append(
      el('span', 'tid', `#${t.id}`),
      el('span', 'payload', t.payload ?? ''),
      el('span', 'left', `${t.attempts} tries`),
      el('span', 'reason', t.reason ?? 'failed'),
    );
  });
  fillTasks(byId('q-pending-list'), view.lists.pending, taskLine);
  fillTasks(byId('q-done-list'), view.lists.done, taskLine);
}

function taskLine(t: TaskView, li: HTMLLIElement): void {
  li.append(
    el('span', 'tid', taskLabel(t)),
    el('span', 'payload', t.payload ?? ''),
    el('span', 'left', t.attempts ? `${t.attempts} tries` : ''),
  );
}

function fillTasks(ul: HTMLElement, tasks: readonly TaskView[], line: (t: TaskView, li: HTMLLIElement) => void): void {
  clear(ul);
  for (const t of tasks.slice(0, MAX_TASKS_LISTED)) {
    const li = el('li');
    li.setAttribute('data-task', String(t.id));
    line(t, li);
    ul.appendChild(li);
  }
  if (tasks.length > MAX_TASKS_LISTED)
    ul.appendChild(el('li', 'note', `… and ${tasks.length - MAX_TASKS_LISTED} more`));
  if (!tasks.length) ul.appendChild(el('li', 'note', 'none'));
}
