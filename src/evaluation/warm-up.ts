/**
 * When a workload run may warm up with an unrecorded item: only when that pass costs nothing and
 * reaches no one. A warm-up against a provider would send calls the records never show (billed, yet
 * absent from every row and summary), and would hand the warmed mode a pass over its first item that
 * the other modes do not get (a provider's prompt cache then favours that item).
 */
import type { RunnerOptions } from '../modes/runner.js';

/**
 * True when a run with `options` touches no provider and no outside service: the offline model (with
 * or without simulated latency), no judge model (a judge is always a real one), and tools, if any, only
 * built-ins (a tool module or an MCP server may call out).
 */
export function warmUpIsFree(options: RunnerOptions): boolean {
  const model = options.model ?? 'offline';
  const offline = model === 'offline' || (typeof model === 'object' && 'provider' in model);
  const tools = options.tools;
  const localTools =
    !tools || ((tools.mcpServers?.length ?? 0) === 0 && (tools.use ?? []).every((t) => typeof t === 'string'));
  return offline && options.judgeModel === undefined && localTools;
}
