/**
 * What the DeLM protocol looks up in the ledger, kept incrementally per ledger reader: each call reads
 * only the entries published since the last one, so a step costs O(new entries), not O(ledger).
 */
import { z } from 'zod';
import type { ContextLedger, LedgerEntry } from '../../ledger/types.js';
import type { Choices } from './prompts/template.js';

/** What `plan` stores in the task entry's meta (entry 0). */
export const TaskMetaSchema = z.object({
  role: z.literal('task'),
  choices: z.record(z.string().regex(/^[A-Z]$/), z.string()).optional(),
});

/** Level-0 kinds the digest and the redundancy check consider. */
const LEVEL0_KINDS = new Set([
  'gist',
  'partial',
  'FACT',
  'OBSERVED',
  'TRIED',
  'FAIL',
  'failure',
  'CLAIM',
  'PATCH_SUMMARY',
]);

/** The protocol's view of one ledger. */
export class LedgerView {
  private upTo = 0;
  question = '';
  choices: Choices | undefined;
  /** Raw sources by label, in the order they were stored. */
  readonly sources = new Map<string, LedgerEntry>();
  /** Level-1 summaries by source label (the newest wins). */
  readonly summaries = new Map<string, LedgerEntry>();
  /** Level-0 entries (findings, notes, failures), oldest first. */
  readonly level0: LedgerEntry[] = [];

  update(ledger: ContextLedger): this {
    const count = ledger.count;
    if (count === this.upTo) return this;
    for (const e of ledger.slice(this.upTo, count)) {
      if (e.kind === 'raw') {
        const meta = e.meta ?? {};
        if (meta.role === 'task') {
          const parsed = TaskMetaSchema.safeParse(meta);
          this.question = e.text;
          this.choices = parsed.success ? parsed.data.choices : undefined;
        } else if (typeof meta.label === 'string') this.sources.set(meta.label, e);
      } else if (e.kind === 'summary' && e.parentId >= 0) {
        const label = [...this.sources].find(([, s]) => s.id === e.parentId)?.[0];
        if (label) this.summaries.set(label, e);
      } else if (LEVEL0_KINDS.has(e.kind) && e.level === 0) {
        this.level0.push(e);
      }
    }
    this.upTo = count;
    return this;
  }

  /** Raw text of a source label (the verifier's source lookup). */
  source(label: string): string | undefined {
    return this.sources.get(label)?.text;
  }
}

const views = new WeakMap<ContextLedger, LedgerView>();

/** The up-to-date view of `ledger` (one per ledger object, so per thread). */
export function viewOf(ledger: ContextLedger): LedgerView {
  let view = views.get(ledger);
  if (!view) views.set(ledger, (view = new LedgerView()));
  return view.update(ledger);
}
