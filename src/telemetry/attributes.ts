/**
 * Attribute and metric names: the GenAI semantic conventions' names, and delm's own under `delm.`.
 *
 * The GenAI names are still incubating, and the package's incubating entry point is every incubating
 * name there is: ~2 MB of source that each worker thread kept in memory to read these 27. As the
 * package itself advises for incubating names, they are copied here; a test holds each one equal to
 * the pinned `@opentelemetry/semantic-conventions` (test/telemetry/attributes.test.ts).
 */
export const ATTR_ERROR_TYPE = 'error.type';
export const ATTR_GEN_AI_AGENT_ID = 'gen_ai.agent.id';
export const ATTR_GEN_AI_INPUT_MESSAGES = 'gen_ai.input.messages';
export const ATTR_GEN_AI_OPERATION_NAME = 'gen_ai.operation.name';
export const ATTR_GEN_AI_OUTPUT_MESSAGES = 'gen_ai.output.messages';
export const ATTR_GEN_AI_OUTPUT_TYPE = 'gen_ai.output.type';
export const ATTR_GEN_AI_PROVIDER_NAME = 'gen_ai.provider.name';
export const ATTR_GEN_AI_REQUEST_MAX_TOKENS = 'gen_ai.request.max_tokens';
export const ATTR_GEN_AI_REQUEST_MODEL = 'gen_ai.request.model';
export const ATTR_GEN_AI_REQUEST_TEMPERATURE = 'gen_ai.request.temperature';
export const ATTR_GEN_AI_RESPONSE_MODEL = 'gen_ai.response.model';
export const ATTR_GEN_AI_SYSTEM_INSTRUCTIONS = 'gen_ai.system_instructions';
export const ATTR_GEN_AI_TOKEN_TYPE = 'gen_ai.token.type';
export const ATTR_GEN_AI_TOOL_CALL_ID = 'gen_ai.tool.call.id';
export const ATTR_GEN_AI_TOOL_NAME = 'gen_ai.tool.name';
export const ATTR_GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS = 'gen_ai.usage.cache_read.input_tokens';
export const ATTR_GEN_AI_USAGE_INPUT_TOKENS = 'gen_ai.usage.input_tokens';
export const ATTR_GEN_AI_USAGE_OUTPUT_TOKENS = 'gen_ai.usage.output_tokens';
export const GEN_AI_OPERATION_NAME_VALUE_CHAT = 'chat';
export const GEN_AI_OPERATION_NAME_VALUE_EXECUTE_TOOL = 'execute_tool';
export const GEN_AI_OPERATION_NAME_VALUE_INVOKE_AGENT = 'invoke_agent';
export const GEN_AI_OUTPUT_TYPE_VALUE_JSON = 'json';
export const GEN_AI_OUTPUT_TYPE_VALUE_TEXT = 'text';
export const GEN_AI_TOKEN_TYPE_VALUE_INPUT = 'input';
export const GEN_AI_TOKEN_TYPE_VALUE_OUTPUT = 'output';
export const METRIC_GEN_AI_CLIENT_OPERATION_DURATION = 'gen_ai.client.operation.duration';
export const METRIC_GEN_AI_CLIENT_TOKEN_USAGE = 'gen_ai.client.token.usage';

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
