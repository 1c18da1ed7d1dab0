/**
 * A run's log lines from its events: start, crashes, failed tasks, processes that left a run on Redis,
 * the final decision and the end (with the run's tokens, calls and cost) at info/warn; commits and
 * rejections at debug.
 */
import type { Logger } from '../logging/logger.js';
import type { SwarmEvent } from './events.js';

/** An event listener that logs the run's events to `log`, then calls `next`. */
export function runLogListener(log: Logger, next?: (event: SwarmEvent) => void): (event: SwarmEvent) => void {
  const totals = { inputTokens: 0, outputTokens: 0, modelCalls: 0, costUsd: 0 };
  return (event) => {
    switch (event.type) {
      case 'usage':
        totals.inputTokens += event.inputTokens;
        totals.outputTokens += event.outputTokens;
        totals.modelCalls += 1;
        totals.costUsd += event.costUsd;
        break;
      case 'run.started':
        log.info({ agents: event.agents, tasks: event.tasks }, 'run started');
        break;
      case 'agent.crashed':
        log.warn({ agentId: event.agentId, error: event.error }, 'agent crashed; a fresh one takes its place');
        break;
      case 'process.left': {
        const fields = { member: event.member, agents: event.agents, taskIds: event.taskIds };
        if (event.taskIds.length > 0)
          log.warn(fields, "a process left the run; its agents' tasks went back to the queue");
        else log.info(fields, 'a process left the run');
        break;
      }
      case 'task.failed':
        log.warn(
          { agentId: event.agentId, taskId: event.taskId, reason: event.reason, code: event.code },
          'task failed',
        );
        break;
      case 'budget.warning':
        log.warn({ resource: event.resource, used: event.used, limit: event.limit }, 'budget nearly spent');
        break;
      case 'commit':
        log.debug(
          { entryId: event.entryId, kind: event.kind, agentId: event.authorId, taskId: event.taskId },
          'entry committed',
        );
        break;
      case 'reject':
        log.debug(
          { verdict: event.verdict, reason: event.reason, agentId: event.authorId, taskId: event.taskId },
          'proposal rejected',
        );
        break;
      case 'final.decision':
        log.info({ agentId: event.agentId, round: event.round, decision: event.decision }, 'final decision');
        break;
      case 'run.finished':
        log.info({ stopReason: event.stopReason, ms: event.at, ...totals }, 'run finished');
        break;
      default:
        break; // the rest (states, claims, snapshots) is for the inspector and records, not the log
    }
    next?.(event);
  };
}
