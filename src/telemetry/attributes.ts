/**
 * Attribute and metric names: the GenAI semantic conventions' names, imported from the pinned
 * `@opentelemetry/semantic-conventions` incubating entry point, and delm's own under `delm.`.
 */
export {
  ATTR_ERROR_TYPE,
  ATTR_GEN_AI_AGENT_ID,
  ATTR_GEN_AI_INPUT_MESSAGES,
  ATTR_GEN_AI_OPERATION_NAME,
  ATTR_GEN_AI_OUTPUT_MESSAGES,
  ATTR_GEN_AI_OUTPUT_TYPE,
  ATTR_GEN_AI_PROVIDER_NAME,
  ATTR_GEN_AI_REQUEST_MAX_TOKENS,
  ATTR_GEN_AI_REQUEST_MODEL,
  ATTR_GEN_AI_REQUEST_TEMPERATURE,
  ATTR_GEN_AI_RESPONSE_MODEL,
  ATTR_GEN_AI_SYSTEM_INSTRUCTIONS,
  ATTR_GEN_AI_TOKEN_TYPE,
  ATTR_GEN_AI_TOOL_CALL_ID,
  ATTR_GEN_AI_TOOL_NAME,
  ATTR_GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS,
  ATTR_GEN_AI_USAGE_INPUT_TOKENS,
  ATTR_GEN_AI_USAGE_OUTPUT_TOKENS,
  GEN_AI_OPERATION_NAME_VALUE_CHAT,
  GEN_AI_OPERATION_NAME_VALUE_EXECUTE_TOOL,
  GEN_AI_OPERATION_NAME_VALUE_INVOKE_AGENT,
  GEN_AI_OUTPUT_TYPE_VALUE_JSON,
  GEN_AI_OUTPUT_TYPE_VALUE_TEXT,
  GEN_AI_TOKEN_TYPE_VALUE_INPUT,
  GEN_AI_TOKEN_TYPE_VALUE_OUTPUT,
  METRIC_GEN_AI_CLIENT_OPERATION_DURATION,
  METRIC_GEN_AI_CLIENT_TOKEN_USAGE,
} from '@opentelemetry/semantic-conventions/incubating';

/** delm's own attributes. */
export const DELM = {
  RUN_ID: 'delm.run.id',
  AGENTS: 'delm.run.agents',
  PROTOCOL: 'delm.run.protocol',
  STOP_REASON: 'delm.run.stop_reason',
  ENTRIES: 'delm.run.entries',
  MODEL_CALLS: 'delm.run.model_calls',
  COST_USD: 'delm.cost_usd',
  ROLE: 'delm.role',
  AGENT_ID: 'delm.agent.id',
  AGENT_STATUS: 'delm.agent.status',
  TASK_ID: 'delm.task.id',
  TASK_ATTEMPT: 'delm.task.attempt',
  STEP_OUTCOME: 'delm.step.outcome',
  PROPOSALS: 'delm.step.proposals',
  UNFOLD_LABELS: 'delm.unfold.labels',
  TOOL_BYTES: 'delm.tool.bytes',
  TOOL_TRUNCATED: 'delm.tool.truncated',
  VERDICT: 'delm.verdict',
  VERDICT_REASON: 'delm.verdict.reason',
  ROUND: 'delm.final.round',
  DECISION: 'delm.final.decision',
  DECISION_TASKS: 'delm.final.tasks',
} as const;

/** Span names. Model calls follow the GenAI convention `{operation} {model}` instead. */
export const SPAN = {
  RUN: 'delm.run',
  AGENT: 'delm.agent',
  VERIFIER: 'delm.verifier',
  STEP: 'delm.agent.step',
  VERIFY: 'delm.verify',
  DECISION: 'delm.final.decision',
} as const;
