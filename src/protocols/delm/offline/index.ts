/** The offline model's protocol skills (not an LLM: extractive, deterministic). */
export { registerProtocolSkills, PROTOCOL_SKILLS } from './register.js';
export { qaEvidenceSkill, findEvidence, type EvidenceOptions } from './qa.js';
export {
  finalDecisionSkill,
  synthesisSkill,
  singlePassSkill,
  answerFromEvidence,
  evidenceFromDigest,
  type EvidenceLine,
} from './answer.js';
export { decompositionSkill, managerPlanSkill } from './plan.js';
export { workerSkill } from './worker.js';
export {
  patchSkill,
  rankMutations,
  nextCandidate,
  identifiersIn,
  type RepairInput,
  type RankedMutation,
} from '../../debug/offline/patch.js';
export {
  bm25,
  buildQuery,
  weighChoices,
  polarTerms,
  bestChoice,
  type ChoiceWeight,
  type Scored,
  type WeightedQuery,
} from './rank.js';
export { readPrompt, questionStem, type ParsedPrompt } from '../../kit/prompt-reader.js';
