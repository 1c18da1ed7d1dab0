/**
 * The processes of a run kept in Redis as one line of text, for the inspector page's status line and
 * run list and the command line's progress alike. Pure (no Node or DOM globals), so the page's bundle includes it.
 */
import type { RunProcess } from './wire.js';

/** Ids as short ranges: `1-3, 7`. */
function idRanges(ids: readonly number[]): string {
  const sorted = [...ids].sort((a, b) => a - b);
  const out: string[] = [];
  for (let i = 0; i < sorted.length;) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j]! + 1) j++;
    out.push(i === j ? String(sorted[i]) : `${sorted[i]}-${sorted[j]}`);
    i = j + 1;
  }
  return out.join(', ');
}

/** `agents 1-2`, `agent 3`, `no agents`. */
function agentsText(agents: readonly number[]): string {
  return agents.length === 0 ? 'no agents' : `agent${agents.length === 1 ? '' : 's'} ${idRanges(agents)}`;
}

/** `2 processes`, `1 process`. */
function countText(processes: readonly RunProcess[]): string {
  return `${processes.length} process${processes.length === 1 ? '' : 'es'}`;
}

/** `2 processes: coordinator on h1 (pid 10, agents 1-2, verifier); worker on h2 (pid 20, agent 3, standby verifier)`. */
export function processesText(processes: readonly RunProcess[]): string {
  const each = processes.map((p) => {
    const agents = agentsText(p.agents);
    const verifier = p.verifier === 'active' ? ', verifier' : p.verifier === 'standby' ? ', standby verifier' : '';
    return `${p.role} on ${p.host} (pid ${p.pid}, ${agents}${verifier})`;
  });
  return `${countText(processes)}${each.length ? `: ${each.join('; ')}` : ''}`;
}

/** The short form, for the run list: `2 processes: h1 pid 10 (agents 1-2), h2 pid 20 (agent 3)`. */
export function processesBrief(processes: readonly RunProcess[]): string {
  const each = processes.map((p) => `${p.host} pid ${p.pid} (${agentsText(p.agents)})`);
  return `${countText(processes)}${each.length ? `: ${each.join(', ')}` : ''}`;
}
