/** The bench's comparison of delm with the orchestrator, in a module of its own: it needs nothing of a run. */
import type { ModeSummary } from '../evaluation/summary.js';

/**
 * How delm compares with the orchestrator, in one line each. A measure the orchestrator has none of
 * (no cost with the offline model or a model without prices) is left out rather than printed as "-".
 */
export function comparison(summaries: readonly ModeSummary[]): string[] {
  const delm = summaries.find((s) => s.mode === 'delm');
  const orchestrator = summaries.find((s) => s.mode === 'orchestrator');
  if (!delm || !orchestrator || orchestrator.tokensPerItem === 0) return [];
  const parts = [
    `${ratio(delm.tokensPerItem, orchestrator.tokensPerItem)} the orchestrator's tokens per item`,
    ...(orchestrator.costPerItemUsd > 0 ? [`${ratio(delm.costPerItemUsd, orchestrator.costPerItemUsd)} its cost`] : []),
    ...(orchestrator.wallMsPerItem > 0
      ? [`${ratio(delm.wallMsPerItem, orchestrator.wallMsPerItem)} its wall time`]
      : []),
  ];
  return [
    `delm uses ${parts.length > 1 ? `${parts.slice(0, -1).join(', ')} and ${parts.at(-1)}` : parts[0]}.`,
    ...(delm.accuracy !== null && orchestrator.accuracy !== null
      ? [`Accuracy: delm ${delm.accuracy.toFixed(1)}%, orchestrator ${orchestrator.accuracy.toFixed(1)}%.`]
      : []),
  ];
}

/** `a` as a multiple of `b` (b > 0), e.g. `0.40×`. */
const ratio = (a: number, b: number) => `${(a / b).toFixed(2)}×`;
