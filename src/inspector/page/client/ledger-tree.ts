/**
 * The ledger panel's content: which entries go in which list, how each is headed, and the chain
 * of more detailed entries an entry unfolds into. Pure; `render/ledger.ts` builds the nodes.
 */
import type { EntryView, RejectView, RunModel } from './model.js';
import { formatInt } from './format.js';

/** Entries shown at most in the verified list. */
export const MAX_COMMITTED = 300;
/** Rejections shown at most. */
export const MAX_REJECTS = 200;

/** The ledger split into what the panel lists. */
export interface LedgerSections {
  /** Verified entries, newest first (not seeded, not failures, not the answer). */
  committed: EntryView[];
  /** Failure entries: the records of rejections (a FAIL note is a verified entry: an attempt that failed, documented). */
  failures: EntryView[];
  /** What the planner wrote first (the task, the sources), oldest first. */
  seeded: EntryView[];
  /** Rejections, newest first. */
  rejects: RejectView[];
  /** The line above the list: `3 verified entries · 1 rejected · 2 seeded (task, sources)`. */
  counts: string;
}

/** Splits `run`'s ledger into the panel's lists. */
export function ledgerSections(run: RunModel): LedgerSections {
  const all = [...run.entries.values()].sort((a, b) => b.id - a.id);
  const committed = all.filter((e) => !e.seeded && e.kind !== 'failure' && e.kind !== 'answer');
  const failures = all.filter((e) => e.kind === 'failure');
  const seeded = all.filter((e) => e.seeded).reverse();
  const counts = `${committed.length} verified entr${committed.length === 1 ? 'y' : 'ies'} · ${run.rejects.length} rejected · ${seeded.length} seeded (task, sources)`;
  return { committed, failures, seeded, rejects: run.rejects.slice().reverse(), counts };
}

/** One step of an unfold chain: the entry, or the id of one the record does not hold. */
export type UnfoldStep = { entry: EntryView } | { missing: number };

/** The chain of more detailed entries `entry` unfolds into (parent, its parent, …), stopping at a cycle. */
export function unfoldChain(entries: ReadonlyMap<number, EntryView>, entry: EntryView): UnfoldStep[] {
  const chain: UnfoldStep[] = [];
  const seen = new Set([entry.id]);
  for (let p = entry.parentId; p >= 0 && !seen.has(p);) {
    seen.add(p);
    const parent = entries.get(p);
    if (!parent) {
      chain.push({ missing: p });
      break;
    }
    chain.push({ entry: parent });
    p = parent.parentId;
  }
  return chain;
}

/** The CSS class of an entry's kind (letters and `_` only: the kind comes from documents). */
export function kindClass(kind: string): string {
  return kind.replace(/[^A-Za-z_]/g, '');
}

/** The head line after the kind: ` #4 · [D1, D2] · agent 2 · task #3 · level 0`. */
export function entryHeadText(e: EntryView): string {
  const bits = [` #${e.id}`];
  if (e.labels.length) bits.push(`[${e.labels.join(', ')}]`);
  if (e.authorId > 0) bits.push(`agent ${e.authorId}`);
  if (e.taskId >= 0 && !e.seeded) bits.push(`task #${e.taskId}`);
  bits.push(`level ${e.level}`);
  return bits.join(' · ');
}

/** An entry's text, saying how much more the ledger holds when the event clipped it. */
export function entryBodyText(e: EntryView): string {
  const more = e.chars > e.text.length ? ` (${formatInt(e.chars - e.text.length)} more characters in the ledger)` : '';
  return (e.text || e.reason || '') + more;
}

/** The head line of a rejection. */
export function rejectHeadText(r: RejectView): string {
  return `${r.verdict} · agent ${r.authorId} · task #${r.taskId}${r.entryId >= 0 ? ` · failure entry #${r.entryId}` : ''}`;
}
