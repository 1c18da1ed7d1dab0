/**
 * What an agent host does around each tool call: charge the tool's cost to the run's budget and
 * usage, emit `tool.called` / `tool.result`, trace it as an `execute_tool` span, and keep the
 * result it recorded under the task.
 */
import type { ToolLoopHooks } from '../src/tools/loop.js';
import type { ToolRecord } from '../src/tools/toolbox.js';
import { clipText } from '../src/runtime/events.js';
import { toolSpan } from '../src/telemetry/host-spans.js';
import type { AttachedRun } from './attach-run.js';
import { charge } from '../src/runtime/coordination.js';

/** Characters of a call's input (as JSON) a `tool.called` event carries. */
const INPUT_CHARS = 500;
const NO_TOKENS = { inputTokens: 0, outputTokens: 0, cachedInputTokens: 0 };

/** The hooks of an agent's tool loop; records land in `records` under the call's task id. */
export function toolHooks(run: AttachedRun, records: Map<number, ToolRecord[]>): ToolLoopHooks {
  const { agentId, emit } = run;
  return {
    beforeCall(call, costUsd, request) {
      if (costUsd > 0) {
        // Reserved before the tool runs, so a spent cost budget refuses it (BUDGET_EXHAUSTED ends the step).
        const costMicroUsd = Math.round(costUsd * 1e6);
        // On Redis the charge completes asynchronously (the hook is synchronous): a refusal there is not seen by this call.
        const charged = charge(run.budget, { costMicroUsd });
        if (charged) charged.catch(() => undefined);
        run.usage.addUsage(agentId, NO_TOKENS, costUsd);
      }
      emit({
        type: 'tool.called',
        agentId,
        taskId: request.context?.taskId,
        tool: call.name,
        callId: call.id,
        input: clipText(JSON.stringify(call.input) ?? 'null', INPUT_CHARS),
      });
    },
    aroundCall: (call, request, execute) => toolSpan(run.telemetry.scope, call, request.context?.taskId, execute),
    afterCall(record, request) {
      const taskId = request.context?.taskId;
      if (taskId !== undefined) {
        const list = records.get(taskId) ?? [];
        list.push(record);
        records.set(taskId, list);
      }
      emit({
        type: 'tool.result',
        agentId,
        taskId,
        tool: record.tool,
        callId: record.callId,
        label: record.label,
        hash: record.hash,
        bytes: record.bytes,
        truncated: record.truncated,
        latencyMs: record.latencyMs,
        costUsd: record.costUsd,
        ...(record.error ? { error: record.error } : {}),
      });
    },
  };
}
