/**
 * Spans around what the worker hosts do: an agent's step, an unfold and each tool call (GenAI
 * `execute_tool` spans), the final decision, and the verifier's judgement of a proposal. One call each from the hosts.
 * Parameters are typed by the fields read, so this folder imports nothing from the runtime above it.
 * Without a tracing backend each runs its work directly: no attribute objects, no wrapping frame.
 */
import {
  ATTR_GEN_AI_OPERATION_NAME,
  ATTR_GEN_AI_TOOL_CALL_ID,
  ATTR_GEN_AI_TOOL_NAME,
  DELM,
  GEN_AI_OPERATION_NAME_VALUE_EXECUTE_TOOL,
  SPAN,
} from './attributes.js';
import type { SpanScope } from './span-scope.js';

/** One model step of an agent on a claimed task. */
export function stepSpan<R extends { type: string; proposals?: readonly unknown[] }>(
  scope: SpanScope,
  input: { agentId: number; task: { taskId: number; attempt: number } },
  fn: () => Promise<R>,
): Promise<R> {
  if (!scope.enabled) return fn();
  return scope.span(
    SPAN.STEP,
    { [DELM.AGENT_ID]: input.agentId, [DELM.TASK_ID]: input.task.taskId, [DELM.TASK_ATTEMPT]: input.task.attempt },
    async (span) => {
      const result = await fn();
      span.setAttributes({
        [DELM.STEP_OUTCOME]: result.type,
        ...(result.proposals ? { [DELM.PROPOSALS]: result.proposals.length } : {}),
      });
      return result;
    },
  );
}

/** An agent unfolding gist labels into their detail: a tool call (`execute_tool unfold`). */
export function unfoldSpan<R>(
  scope: SpanScope,
  taskId: number,
  labels: readonly string[],
  fn: () => Promise<R>,
): Promise<R> {
  if (!scope.enabled) return fn();
  const attributes = {
    [ATTR_GEN_AI_OPERATION_NAME]: GEN_AI_OPERATION_NAME_VALUE_EXECUTE_TOOL,
    [ATTR_GEN_AI_TOOL_NAME]: 'unfold',
    [DELM.TASK_ID]: taskId,
    [DELM.UNFOLD_LABELS]: [...labels],
  };
  return scope.span(`${GEN_AI_OPERATION_NAME_VALUE_EXECUTE_TOOL} unfold`, attributes, fn);
}

/** One tool call of an agent's step (`execute_tool <name>`): its output size, and the error when it failed. */
export function toolSpan<R extends { bytes: number; truncated: boolean; error?: { code: string; message: string } }>(
  scope: SpanScope,
  call: { id: string; name: string },
  taskId: number | undefined,
  fn: () => Promise<R>,
): Promise<R> {
  if (!scope.enabled) return fn();
  const attributes = {
    [ATTR_GEN_AI_OPERATION_NAME]: GEN_AI_OPERATION_NAME_VALUE_EXECUTE_TOOL,
    [ATTR_GEN_AI_TOOL_NAME]: call.name,
    [ATTR_GEN_AI_TOOL_CALL_ID]: call.id,
    ...(taskId !== undefined ? { [DELM.TASK_ID]: taskId } : {}),
  };
  return scope.span(`${GEN_AI_OPERATION_NAME_VALUE_EXECUTE_TOOL} ${call.name}`, attributes, async (span) => {
    const record = await fn();
    span.setAttributes({ [DELM.TOOL_BYTES]: record.bytes, [DELM.TOOL_TRUNCATED]: record.truncated });
    // A failed call is a result the model sees, not a thrown error: mark the span failed all the same.
    if (record.error) span.fail(record.error.code, record.error.message);
    return record;
  });
}

/** The elected final agent's decision: more work or the answer. */
export function decisionSpan<R extends { type: string; tasks?: readonly unknown[] }>(
  scope: SpanScope,
  input: { agentId: number; round: number },
  fn: () => Promise<R>,
): Promise<R> {
  if (!scope.enabled) return fn();
  return scope.span(SPAN.DECISION, { [DELM.AGENT_ID]: input.agentId, [DELM.ROUND]: input.round }, async (span) => {
    const decision = await fn();
    span.setAttributes({
      [DELM.DECISION]: decision.type,
      ...(decision.tasks ? { [DELM.DECISION_TASKS]: decision.tasks.length } : {}),
    });
    return decision;
  });
}

/** The verifier judging one proposal: admitted, rejected or a duplicate, and why. */
export function verifySpan<R extends { verdict: string; reason: string }>(
  scope: SpanScope,
  envelope: { agentId: number; taskId: number },
  fn: () => Promise<R>,
): Promise<R> {
  if (!scope.enabled) return fn();
  return scope.span(
    SPAN.VERIFY,
    { [DELM.AGENT_ID]: envelope.agentId, [DELM.TASK_ID]: envelope.taskId },
    async (span) => {
      const verdict = await fn();
      span.setAttributes({
        [DELM.VERDICT]:
          verdict.verdict === 'accept' ? 'admitted' : verdict.verdict === 'reject' ? 'rejected' : 'duplicate',
        [DELM.VERDICT_REASON]: verdict.reason.slice(0, 500),
      });
      return verdict;
    },
  );
}
