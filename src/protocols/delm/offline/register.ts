/**
 * Registers the DeLM protocol's (and the baselines') offline skills with the offline model, keyed by the prompt
 * templates' schema names. Idempotent; call it once in every thread that uses the offline model.
 */
import { registerOfflineSkill } from '../../../providers/offline.js';
import type { OfflineSkill } from '../../kit/protocol.js';
import { agentStepPrompt } from '../../kit/prompts/agent-step.js';
import { decompositionPrompt } from '../../kit/prompts/decomposition.js';
import { finalDecisionPrompt } from '../../kit/prompts/final-decision.js';
import {
  managerPlanPrompt,
  managerReviewPrompt,
  synthesisPrompt,
  workerPrompt,
} from '../../kit/prompts/orchestrator.js';
import { singlePassPrompt } from '../../kit/prompts/single-pass.js';
import { finalDecisionSkill, reviewSkill, singlePassSkill, synthesisSkill } from './answer.js';
import { decompositionSkill, managerPlanSkill } from './plan.js';
import { qaEvidenceSkill } from './qa.js';
import { toolStepSkill, toolWorkerSkill } from './tool-policy.js';
import { workerSkill } from './worker.js';

/** Schema name → skill, for every protocol prompt the offline model can answer. */
export const PROTOCOL_SKILLS: ReadonlyArray<readonly [string, OfflineSkill]> = [
  [
    agentStepPrompt.schemaName,
    (prompt, request) => (request?.tools?.length ? toolStepSkill(prompt, request) : qaEvidenceSkill(prompt)),
  ],
  [decompositionPrompt.schemaName, decompositionSkill],
  [finalDecisionPrompt.schemaName, finalDecisionSkill],
  [managerPlanPrompt.schemaName, managerPlanSkill],
  [
    workerPrompt.schemaName,
    (prompt, request) => (request?.tools?.length ? toolWorkerSkill(prompt, request) : workerSkill(prompt)),
  ],
  [synthesisPrompt.schemaName, synthesisSkill],
  [managerReviewPrompt.schemaName, reviewSkill],
  [singlePassPrompt.schemaName, (prompt) => singlePassSkill(prompt)],
];

let registered = false;

/** Registers every skill in {@link PROTOCOL_SKILLS} with the offline model (once per thread). */
export function registerProtocolSkills(): void {
  if (registered) return;
  for (const [name, skill] of PROTOCOL_SKILLS) registerOfflineSkill(name, (prompt, request) => skill(prompt, request));
  registered = true;
}
