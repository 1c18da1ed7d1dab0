/**
 * The ledger panel: verified entries (each unfolds into its more detailed levels), rejections,
 * the seeded task and sources, and the answer. Entries that were open stay open across redraws.
 */
import { formatInt } from '../format.js';
import {
  MAX_COMMITTED,
  MAX_REJECTS,
  entryBodyText,
  entryHeadText,
  kindClass,
  ledgerSections,
  rejectHeadText,
  unfoldChain,
} from '../ledger-tree.js';
import type { EntryView, RunModel } from '../model.js';
import { byId, clear, el } from './dom.js';

function entryHead(e: EntryView): HTMLDivElement {
  const head = el('div', 'ehead');
  head.append(el('span', `kind ${kindClass(e.kind)}`, e.kind), document.createTextNode(entryHeadText(e)));
  return head;
}

function entryItem(run: RunModel, e: EntryView): HTMLLIElement {
  const li = el('li');
  li.setAttribute('data-entry', String(e.id));
  const details = el('details');
  const summary = el('summary');
  summary.append(entryHead(e), el('div', 'etext', entryBodyText(e)));
  details.appendChild(summary);
  const chain = unfoldChain(run.entries, e);
  for (const step of chain) {
    const box = el('div', 'edetail');
    if ('missing' in step) box.appendChild(el('div', 'ehead', `unfolds into #${step.missing} (not in this record)`));
    else box.append(entryHead(step.entry), el('div', 'etext', entryBodyText(step.entry)));
    details.appendChild(box);
  }
  if (!chain.length)
    details.appendChild(
      el('div', 'edetail', `No more detailed level: this entry is its own detail (${formatInt(e.chars)} characters).`),
    );
  li.appendChild(details);
  return li;
}

/** Shows `run`'s ledger. */
export function renderLedger(run: RunModel): void {
  const sections = ledgerSections(run);
  byId('ledger-counts').textContent = sections.counts;
  const open = new Set(
    [...document.querySelectorAll('#ledger details[open], #sources details[open]')].map((d) =>
      d.parentElement?.getAttribute('data-entry'),
    ),
  );

  const ledger = byId('ledger');
  clear(ledger);
  for (const e of sections.committed.slice(0, MAX_COMMITTED)) ledger.appendChild(entryItem(run, e));
  if (!sections.committed.length) ledger.appendChild(el('li', 'note', 'nothing verified yet'));

  const rejects = byId('rejects');
  clear(rejects);
  for (const r of sections.rejects.slice(0, MAX_REJECTS)) {
    const li = el('li');
    li.appendChild(el('div', 'ehead', rejectHeadText(r)));
    li.appendChild(el('div', 'etext reason', r.reason));
    const entry = r.entryId >= 0 ? run.entries.get(r.entryId) : undefined;
    if (entry?.text && entry.text !== r.reason) li.appendChild(el('div', 'etext', entry.text));
    rejects.appendChild(li);
  }
  if (!sections.rejects.length)
    rejects.appendChild(
      el('li', 'note', sections.failures.length ? `${sections.failures.length} failure entries` : 'none'),
    );

  const sources = byId('sources');
  clear(sources);
  for (const e of sections.seeded) sources.appendChild(entryItem(run, e));
  for (const li of document.querySelectorAll<HTMLLIElement>('#ledger li[data-entry], #sources li[data-entry]')) {
    if (open.has(li.getAttribute('data-entry')) && li.firstElementChild instanceof HTMLDetailsElement)
      li.firstElementChild.open = true;
  }

  const answer = byId('answer');
  answer.hidden = run.answer === null;
  answer.textContent = run.answer === null ? '' : `Answer: ${run.answer}`;
}
