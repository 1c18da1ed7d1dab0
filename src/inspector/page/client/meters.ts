/** The usage meters and the run's status line, as text. Pure. */
import type { RunSummary } from '../../wire.js';
import { processesBrief, processesText } from '../../processes-text.js';
import { formatCost, formatInt, formatSeconds } from './format.js';
import type { RunModel } from './model.js';
import { waitingByCause, workingAgents } from './timeline.js';

/** Each meter's text, by the id of its element. */
export function meterTexts(run: RunModel, now: number): Record<string, string> {
  const causes = waitingByCause(run, now);
  const share = causes && causes.claiming + causes.tail + causes.verifier + causes.decision;
  const percent = (x: number) => `${(x * 100).toFixed(1)} %`;
  return {
    'm-input': formatInt(run.usage.input),
    'm-output': formatInt(run.usage.output),
    'm-cached': formatInt(run.usage.cached),
    'm-calls': formatInt(run.usage.calls),
    'm-cost': formatCost(run.usage.cost),
    'm-time': formatSeconds(now),
    'm-waiting': share === null ? '–' : percent(share),
    'm-waiting-causes':
      causes === null
        ? ''
        : `claiming mid-round ${percent(causes.claiming)} · round's tail ${percent(causes.tail)} · verifier ${percent(causes.verifier)} · final decision ${percent(causes.decision)}`,
    'm-agents': String(workingAgents(run)),
  };
}

/** `finished: answered · budget: tokens 900 / 1000 · final decision round 1: answer`. */
export function statusText(summary: RunSummary, run: RunModel): string {
  let status = run.stopReason !== null ? `finished: ${run.stopReason}` : 'running';
  if (summary.truncated) status += ' (some events were dropped)';
  const warning = run.warnings.at(-1);
  if (warning !== undefined) status += ` · budget: ${warning}`;
  const decision = run.decisions.at(-1);
  if (decision) status += ` · final decision round ${decision.round}: ${decision.decision}`;
  if (summary.processes) status += ` · ${processesText(summary.processes)}`;
  return status;
}

/**
 * A run as the run picker lists it; a running run kept in Redis with its live processes (a finished
 * run's processes have left it).
 */
export function runOptionText(summary: RunSummary): string {
  if (summary.status === 'finished') return `${summary.label} — finished: ${summary.stopReason ?? ''}`;
  return `${summary.label} — running${summary.processes ? ` · ${processesBrief(summary.processes)}` : ''}`;
}
