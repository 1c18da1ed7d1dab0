/**
 * Between a verified proposal and the ledger: the text and metadata an accepted proposal is stored
 * with, the entry a rejection leaves behind, and the one-line rendering used for notes.
 */
import type { EntryKind, LedgerEntryInput } from '../../ledger/types.js';
import type { Proposal } from './schemas.js';
import { clip } from './text.js';

/** The ledger kind a proposal is stored as. */
export function entryKindOf(proposal: Proposal): EntryKind {
  return proposal.kind;
}

/** The one-line text a proposal is stored and shown with. */
export function proposalText(proposal: Proposal): string {
  switch (proposal.kind) {
    case 'gist':
    case 'FACT':
    case 'TRIED':
    case 'OBSERVED':
    case 'CLAIM':
      return proposal.text.trim();
    case 'FAIL':
      return `${proposal.text.trim()} — ${proposal.reason.trim()}`;
    case 'summary':
      return proposal.points.map((p) => `- ${p.text.trim()}`).join('\n');
    case 'PATCH_SUMMARY':
      return patchSummaryLine(proposal);
  }
}

/** A PATCH_SUMMARY as one line: files, idea, risk (the evidence is structured, beside it). */
export function patchSummaryLine(p: { files: readonly string[]; idea: string; risk: string }): string {
  return `${p.files.join(', ')}: ${p.idea.trim()} (risk: ${p.risk.trim()})`;
}

/** Citation labels a proposal rests on. */
export function proposalLabels(proposal: Proposal): string[] {
  switch (proposal.kind) {
    case 'gist':
      return [
        ...new Set([
          ...proposal.labels,
          ...proposal.quotes.map((q) => q.source),
          ...(proposal.absence?.searched ?? []),
        ]),
      ];
    case 'summary':
      return [proposal.source];
    case 'FACT':
    case 'TRIED':
    case 'OBSERVED':
    case 'PATCH_SUMMARY':
      return [...new Set(proposal.evidence.quotes.map((q) => q.source))];
    default:
      return [];
  }
}

/** Where an entry is stored, and by whom. */
export interface EntryContext {
  readonly taskId?: number;
  readonly authorId?: number;
  /** Ledger id of the raw source a label names, so gists and summaries unfold into it. */
  readonly parentOf?: (label: string) => number | undefined;
  /** Wall-clock ms, for CLAIM expiry (default `Date.now()`). */
  readonly now?: number;
}

/** The ledger entry for an accepted proposal. */
export function acceptedEntry(proposal: Proposal, ctx: EntryContext = {}): LedgerEntryInput {
  const labels = proposalLabels(proposal);
  const parent = labels.length === 1 || proposal.kind === 'summary' ? ctx.parentOf?.(labels[0]!) : undefined;
  const meta: Record<string, unknown> = { labels };
  if (proposal.kind === 'gist')
    Object.assign(meta, {
      quotes: proposal.quotes,
      hedges: proposal.hedges,
      ...(proposal.absence ? { absence: proposal.absence } : {}),
    });
  if (proposal.kind === 'summary') Object.assign(meta, { points: proposal.points });
  if (proposal.kind === 'FACT' || proposal.kind === 'TRIED' || proposal.kind === 'OBSERVED')
    Object.assign(meta, { evidence: proposal.evidence });
  if (proposal.kind === 'PATCH_SUMMARY')
    Object.assign(meta, {
      files: proposal.files,
      idea: proposal.idea,
      risk: proposal.risk,
      evidence: proposal.evidence,
    });
  if (proposal.kind === 'FAIL') Object.assign(meta, { reason: proposal.reason });
  return {
    kind: entryKindOf(proposal),
    level: proposal.kind === 'summary' ? 1 : 0,
    text: proposalText(proposal),
    ...(ctx.taskId !== undefined ? { taskId: ctx.taskId } : {}),
    ...(ctx.authorId !== undefined ? { authorId: ctx.authorId } : {}),
    ...(parent !== undefined ? { parentId: parent } : {}),
    ...(proposal.kind === 'CLAIM' ? { expiresAt: (ctx.now ?? Date.now()) + proposal.ttlMs } : {}),
    meta,
  };
}

/** The failure entry a rejected proposal leaves, so nobody walks into the same dead end: what it was, one-line reason first. */
export function rejectedEntry(proposal: unknown, reasons: readonly string[], ctx: EntryContext = {}): LedgerEntryInput {
  const what =
    typeof proposal === 'object' && proposal !== null && 'kind' in proposal ? String(proposal.kind) : 'proposal';
  const text =
    typeof proposal === 'object' && proposal !== null && 'text' in proposal
      ? String(proposal.text)
      : (JSON.stringify(proposal) ?? '');
  return {
    kind: 'failure',
    level: 0,
    text: `rejected ${what}: ${reasons[0] ?? 'no reason'}\n${clip(text, 300)}\n${reasons.slice(1).join('\n')}`.trim(),
    ...(ctx.taskId !== undefined ? { taskId: ctx.taskId } : {}),
    ...(ctx.authorId !== undefined ? { authorId: ctx.authorId } : {}),
    meta: { reasons: [...reasons] },
  };
}

/** An answer with a `Sources:` line for the citations it does not already name. */
export function answerWithCitations(answer: string, citations: readonly string[]): string {
  const missing = citations.filter((c) => !answer.includes(c));
  return missing.length ? `${answer}\n\nSources: ${citations.join(', ')}` : answer;
}
