/**
 * The vocabulary every layer shares: what a run is asked to do, and the modes a task can be run in.
 * Plain types with no imports from the layers above, so workloads, protocols, runtime and records
 * can all name them without importing one another.
 */
import type { TaskSpec } from '../machines/types.js';

/** A source document given with a task (a document to read, a file to debug). */
export interface SourceDocument {
  /** Short citation label, unique in the run (e.g. `D1`). */
  label: string;
  title?: string;
  text: string;
}

/** What a run is asked to do. */
export interface RunTask {
  /** The question or instruction. */
  prompt: string;
  /** Sources the agents work from; stored in the ledger as level-2 raw entries before agents start. */
  sources?: SourceDocument[];
  /** Sub-tasks supplied by the workload; when absent, the protocol plans them (usually with one model call). */
  subTasks?: TaskSpec[];
  /** Workload-specific data for the protocol (choices of a multiple-choice question, a workspace path, …). */
  meta?: Record<string, unknown>;
}

/** How a task is run: the delm swarm, the orchestrator baseline, or one model call. */
export type Mode = 'delm' | 'orchestrator' | 'single';

/** Every mode, in the order benchmarks show them. */
export const MODES: readonly Mode[] = ['delm', 'orchestrator', 'single'];
