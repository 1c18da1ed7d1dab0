/**
 * The answer of a debugging run that was stopped (wall time, budget) before its final agent wrote
 * one: the verified patches the ledger holds, merged and scored like any answer.
 */
import { z } from 'zod';
import type { LedgerEntry } from '../../ledger/types.js';
import { parsePatch } from './patch.js';
import { debugAnswer } from './report.js';
import { mergePatches } from './verify.js';

const taskMetaSchema = z.looseObject({
  workspace: z.string(),
  debug: z.looseObject({ testTimeoutMs: z.number(), testCommand: z.string().optional() }),
  baseline: z.array(z.object({ id: z.string(), status: z.enum(['pass', 'fail', 'skip']) }).loose()),
  flaky: z.array(z.string()).default([]),
});

/** Merges the PATCH_SUMMARY entries of a stopped run's ledger and answers with them; undefined when the run never planned. */
export async function answerFromLedger(entries: readonly LedgerEntry[]): Promise<string | undefined> {
  const meta = taskMetaSchema.safeParse(entries.find((e) => e.meta?.['role'] === 'task')?.meta);
  if (!meta.success) return undefined;
  const { workspace, debug, baseline, flaky } = meta.data;
  const targets = entries
    .filter((e) => typeof e.meta?.['label'] === 'string' && String(e.meta['label']).startsWith('fail:'))
    .map((e) => String(e.meta?.['testId']));
  const fixes = entries.filter((e) => e.kind === 'PATCH_SUMMARY' && e.meta?.['patch'] !== undefined);
  const merge = await mergePatches(
    workspace,
    fixes.map((e) => ({ id: `#${e.id}`, patch: parsePatch(e.meta?.['patch']) })),
    { timeoutMs: debug.testTimeoutMs, ...(debug.testCommand ? { testCommand: debug.testCommand } : {}) },
  );
  const { answer } = debugAnswer(
    merge,
    { results: baseline, flaky },
    targets,
    fixes.map((e) => ({ testId: String(e.meta?.['testId']), summary: e.text })),
  );
  return `The run was stopped before its final round; this answer merges the patches verified so far.\n${answer}`;
}
