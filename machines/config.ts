/** Defaults of the machines' tunables, and how partial inputs are completed. */
import type { AgentConfig } from './types.js';

/** Agent tunables used when the input leaves them out. */
export const DEFAULT_AGENT_CONFIG: AgentConfig = Object.freeze({
  baseDelayMs: 500,
  maxDelayMs: 30_000,
  maxRetries: 3,
  leaseExtendMs: 10_000,
  maxUnfoldPerStep: 5,
  maxUnfoldRounds: 3,
  maxRounds: 3,
});

/** Complete a partial agent config with the defaults, ignoring keys explicitly set to undefined. */
export function resolveAgentConfig(partial: Partial<AgentConfig> | undefined): AgentConfig {
  const out: Record<string, number> = { ...DEFAULT_AGENT_CONFIG };
  for (const [key, value] of Object.entries(partial ?? {})) if (typeof value === 'number') out[key] = value;
  return out as unknown as AgentConfig;
}
