/**
 * The pure XState machines of delm: the agent loop, the verifier, the finalizer, and a describer
 * that draws them. They import nothing but `xstate`; hosts inject side effects with `machine.provide`.
 */
export { agentMachine, fromTaskLoop } from './agent.js';
export { effectsActor, fromVerifierEffects } from './effects.js';
export { completeEffects, newTally, runTaskLoop, taskLoopChart } from './task-loop.js';
export type { LoopChartEdge, LoopChartState, LoopClock, LoopPhase, TaskLoopDeps, TaskLoopInput } from './task-loop.js';
export type { AgentMachine } from './agent.js';
export { finalizerMachine } from './finalizer.js';
export type { FinalizerContext, FinalizerMachine } from './finalizer.js';
export { verifierMachine } from './verifier.js';
export type { VerifierContext, VerifierMachine } from './verifier.js';
export { DEFAULT_AGENT_CONFIG, resolveAgentConfig } from './config.js';
export {
  ActorNotProvidedError,
  BatchStoppedError,
  CheckFailedError,
  backoffDelay,
  classifyError,
  toErrorInfo,
} from './errors.js';
export type { ErrorKind } from './errors.js';
export { describeMachine, machineToMermaid, toMermaid } from './describe.js';
export type { GraphState, GraphTransition, MachineGraph } from './describe.js';
export { RELEASED } from './types.js';
export type * from './types.js';
