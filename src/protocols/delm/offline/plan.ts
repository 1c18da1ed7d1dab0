/** The offline planning skills: DeLM's decomposition and the orchestrator manager's plan, one source per unit of work. */
import type { Decomposition, OrchestratorPlan } from '../../kit/schemas.js';
import { splitSentences } from '../../kit/text.js';
import { readPrompt } from '../../kit/prompt-reader.js';

/** Labels listed in a `sources` section (the first token of each line). */
function listedSources(body: string | undefined): string[] {
  return (body ?? '')
    .split('\n')
    .map((l) => l.trim().split(/\s+/)[0] ?? '')
    .filter((l) => l && l !== '(none)');
}

/** One sub-task per document or chunk (schema `delm_decomposition`); without sources, one per sentence of the task. */
export function decompositionSkill(prompt: string): Decomposition {
  const p = readPrompt(prompt);
  const labels = listedSources(p.body('sources'));
  const fromDocs = labels.length ? labels : p.documents.map((d) => d.label);
  if (fromDocs.length)
    return {
      subTasks: fromDocs
        .slice(0, 64)
        .map((label) => ({ payload: `Read ${label} and report what bears on the question.` })),
    };
  const parts = splitSentences(p.question, 1).map((s) => s.text);
  return {
    subTasks: (parts.length ? parts : [p.question || 'Answer the task.']).slice(0, 64).map((payload) => ({ payload })),
  };
}

/** The manager's plan (schema `orchestrator_plan`): sources dealt round-robin to the workers. */
export function managerPlanSkill(prompt: string): OrchestratorPlan {
  const p = readPrompt(prompt);
  const labels = listedSources(p.body('sources'));
  const workers = Math.max(1, Math.min(64, Number(p.body('workers') ?? '1') || 1, labels.length || 1));
  const groups: string[][] = Array.from({ length: workers }, () => []);
  labels.forEach((label, i) => groups[i % workers]!.push(label));
  return {
    assignments: groups.map((group) => ({
      instructions: group.length
        ? `Read ${group.join(', ')} and report everything relevant to the question, quoting the sentences you rely on.`
        : 'Answer the question.',
      labels: group,
    })),
  };
}
