/** Every DeLM and baseline prompt template. */
export { agentStepPrompt, type AgentStepInput } from './agent-step.js';
export { decompositionPrompt, type DecompositionInput } from './decomposition.js';
export { judgePrompt, type JudgeInput } from './judge.js';
export { finalDecisionPrompt, type FinalDecisionInput } from './final-decision.js';
export { patchPrompt, type PatchInput } from './patch.js';
export {
  managerPlanPrompt,
  managerReviewPrompt,
  workerPrompt,
  synthesisPrompt,
  type ManagerPlanInput,
  type ManagerReviewInput,
  type WorkerInput,
  type SynthesisInput,
} from './orchestrator.js';
export { singlePassPrompt, type SinglePassInput } from './single-pass.js';
export {
  choicesSection,
  documentSections,
  parseChoices,
  type PromptTemplate,
  type PromptDocument,
  type Choices,
} from './template.js';
