/**
 * Worker side of a run's telemetry: the worker's own span (`delm.agent` or `delm.verifier`, a child
 * of the run's span however far away the run's thread is) and the scope its hosts open spans in.
 */
import type { LanguageModel } from '../providers/types.js';
import {
  ATTR_GEN_AI_AGENT_ID,
  ATTR_GEN_AI_OPERATION_NAME,
  DELM,
  GEN_AI_OPERATION_NAME_VALUE_INVOKE_AGENT,
  SPAN,
} from './attributes.js';
import { traceModel } from './model-spans.js';
import type { SpanHandle, SpanScope } from './span-scope.js';
import type { WorkerTraceInit } from './span-wire.js';
import { workerScope } from './worker-spans.js';

/** A worker's telemetry for one run. */
export interface WorkerTelemetry {
  scope: SpanScope;
  /** The worker's span; everything else it records nests under it. */
  root: SpanHandle;
  traceModel(model: LanguageModel): LanguageModel;
  /** Ends the worker's span and posts what is left (before the events port closes). */
  close(status?: string): void;
}

/** Starts a worker's telemetry; untraced runs get a scope that records nothing. */
export function attachTelemetry(
  init: WorkerTraceInit | undefined,
  role: 'agent' | 'verifier',
  agentId: number,
  post: (batch: unknown) => void,
): WorkerTelemetry {
  const { scope, flush } = workerScope(init, post);
  const root = scope.start(role === 'agent' ? SPAN.AGENT : SPAN.VERIFIER, {
    [DELM.AGENT_ID]: agentId,
    ...(role === 'agent'
      ? {
          [ATTR_GEN_AI_OPERATION_NAME]: GEN_AI_OPERATION_NAME_VALUE_INVOKE_AGENT,
          [ATTR_GEN_AI_AGENT_ID]: String(agentId),
        }
      : {}),
  });
  scope.setRoot(root);
  return {
    scope,
    root,
    traceModel: (model) => traceModel(model, scope),
    close(status) {
      if (status !== undefined) root.setAttributes({ [DELM.AGENT_STATUS]: status });
      root.end();
      flush();
    },
  };
}
