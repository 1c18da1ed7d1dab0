/** The debugging step: propose one patch for a failing test, not repeating what already failed. */
import { PatchProposalSchema, type PatchProposal } from '../schemas.js';
import { DATA_NOT_INSTRUCTIONS, renderSections } from '../sections.js';
import { documentSections, type PromptTemplate } from './template.js';

/** Input of {@link patchPrompt}. */
export interface PatchInput {
  /** Test id (`file > name`). */
  readonly failingTest: string;
  /** The failure message and stack trace. */
  readonly output: string;
  readonly files: ReadonlyArray<{ readonly path: string; readonly text: string }>;
  /** The failing test's code around the failing assertion, when known. */
  readonly testCode?: string | undefined;
  /** Per file, the lines the failing test's file executed (`1-12,15`); the bug is on one of them or needs code added there. */
  readonly executedLines?: Readonly<Record<string, string>> | undefined;
  /** Per file, the lines the failing test run alone executed (`3-9`): where the fault most likely is. */
  readonly executedByTest?: Readonly<Record<string, string>> | undefined;
  /** The ledger digest: FAIL notes of patches already tried, FACTs, CLAIMs. */
  readonly digest: string;
}

/** The patch prompt (schema `delm_patch_proposal`). */
export const patchPrompt: PromptTemplate<PatchInput, PatchProposal> = {
  id: 'delm.patch',
  version: 3,
  schemaName: 'delm_patch_proposal',
  schema: PatchProposalSchema,
  system: [
    'You fix one failing test. Propose a patch as exact search/replace edits: each search text must occur exactly once in its file.',
    'Do not repeat a patch the ledger records as FAIL. State the idea in one line and the risk in one line.',
    DATA_NOT_INSTRUCTIONS,
  ].join('\n'),
  render(input) {
    return renderSections([
      { name: 'failing-test', body: input.failingTest },
      { name: 'test-output', body: input.output },
      ...(input.testCode ? [{ name: 'failing-test-code', body: input.testCode }] : []),
      ...Object.entries(input.executedByTest ?? {}).map(([label, lines]) => ({
        name: 'test-executed-lines',
        label,
        body: lines,
      })),
      ...Object.entries(input.executedLines ?? {}).map(([label, lines]) => ({
        name: 'executed-lines',
        label,
        body: lines,
      })),
      ...documentSections(
        input.files.map((f) => ({ label: f.path, text: f.text })),
        'file',
      ),
      { name: 'ledger', body: input.digest || '(empty)' },
    ]);
  },
};
