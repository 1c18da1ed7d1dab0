/**
 * The agents panel past a screenful of agents (a swarm): one statechart with how many agents are in
 * each state, and a tile per agent coloured by what it is doing, instead of a chart per agent, which
 * for a thousand agents is a page tens of thousands of pixels tall. Pure; `render/agents.ts` draws it.
 */
import { activeStates, type KnownStates, type ParentOf } from './chart-states.js';
import type { AgentView, RunModel } from './model.js';
import { categoryOf, type Category } from './state-colours.js';

/** Most agents (the verifier aside) shown a statechart each; past it, the swarm view. */
export const SHOWN_CARDS = 16;

/** Agents of `run`, the verifier aside. */
export function agentCount(run: RunModel): number {
  let n = 0;
  for (const id of run.agents.keys()) if (id > 0) n++;
  return n;
}

/** Whether `run` has more agents than get a chart each. */
export function isSwarm(run: RunModel): boolean {
  return agentCount(run) > SHOWN_CARDS;
}

/**
 * How many of `agents` are in each drawn state of their chart: a leaf counts the agents in it, a
 * compound or parallel state every agent in any state inside it. Agents in the same state value are
 * resolved once.
 */
export function stateCounts(
  machineId: string,
  agents: Iterable<AgentView>,
  known: KnownStates,
  parentOf?: ParentOf,
): Map<string, number> {
  const byValue = new Map<string, number>();
  for (const a of agents) if (a.state !== null) byValue.set(a.state, (byValue.get(a.state) ?? 0) + 1);
  const counts = new Map<string, number>();
  for (const [value, n] of byValue) {
    // A parallel state value lights one leaf per region, each with the same ancestors: count each state once.
    const ids = new Set(activeStates(machineId, value, known, parentOf).map(([id]) => id));
    for (const id of ids) counts.set(id, (counts.get(id) ?? 0) + n);
  }
  return counts;
}

/** What an agent's tile says on hover: `agent 7 · thinking.model.calling|lease.holding · task #12`. */
export function tileTitle(agent: AgentView): string {
  const bits = [`agent ${agent.id}`, agent.state ?? 'not started'];
  if (agent.task !== null) bits.push(`task #${agent.task}`);
  if (agent.status) bits.push(agent.status);
  return bits.join(' · ');
}

/** The colour category of an agent's tile (`idle` before its first state). */
export function tileCategory(agent: AgentView): Category {
  return agent.state === null ? 'idle' : categoryOf(agent.id, agent.state);
}
