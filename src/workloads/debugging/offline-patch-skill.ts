/**
 * The offline model's debugging skill (schema name `patch_proposal`): it is not an LLM, so it repairs
 * by mutation search. Given a failing test and the source files in the prompt, it proposes the next
 * untried single-point mutation, preferring lines that mention identifiers from the failing test; the
 * verifier's test run decides. Importing this module registers the skill.
 */
import { z } from 'zod';
import { registerOfflineSkill, terms } from '../../providers/offline.js';
import { singlePointMutations } from './mutations.js';

/** What a patch proposal looks like (shared with real models). */
export const PatchProposalSchema = z.object({
  edits: z.array(z.object({ file: z.string(), search: z.string(), replace: z.string() })).min(1).max(10),
  idea: z.string().max(300),
  risk: z.string().max(200),
});

/** Renders the prompt sections the skill reads (and a real model understands). */
export function renderPatchPrompt(input: { failingTest: string; output: string; files: Record<string, string>; tried: readonly string[] }): string {
  const files = Object.entries(input.files).map(([path, text]) => `--- FILE ${path} ---\n${text}\n--- END FILE ---`);
  return [`Failing test: ${input.failingTest}`, `Test output:\n${input.output}`, ...files, `Already tried:\n${input.tried.map((t) => `- ${t}`).join('\n') || '(nothing)'}`].join('\n\n');
}

registerOfflineSkill('patch_proposal', (prompt) => {
  const failing = /Failing test: (.*)/.exec(prompt)?.[1] ?? '';
  const output = /Test output:\n([\s\S]*?)\n\n--- FILE /.exec(prompt)?.[1] ?? '';
  const tried = new Set((/Already tried:\n([\s\S]*)$/.exec(prompt)?.[1] ?? '').split('\n').map((l) => l.replace(/^- /, '').trim()));
  const clues = new Set(terms(`${failing} ${output}`));
  const candidates = [];
  for (const [, path, text] of prompt.matchAll(/--- FILE (\S+) ---\n([\s\S]*?)\n--- END FILE ---/g)) {
    const lines = text!.split('\n');
    for (const m of singlePointMutations(path!, text!)) {
      const line = lines[m.line - 1] ?? '';
      const relevance = terms(line).filter((t) => clues.has(t)).length;
      candidates.push({ m, relevance });
    }
  }
  // Most relevant first; ties keep the generator's order (stable sort), so the search is deterministic.
  candidates.sort((a, b) => b.relevance - a.relevance);
  const next = candidates.find((c) => !tried.has(c.m.description));
  if (!next) throw new Error('offline patch search exhausted: every single-point mutation was tried');
  return { edits: next.m.patch, idea: `mutation ${next.m.description} (offline model, not an LLM)`, risk: 'single-point mutation; verified only by the tests' };
});
