/**
 * The shape of a task given to `Swarm.run`, checked before the run starts: a JavaScript caller's
 * `subTasks: ['read D1']` (strings where objects belong) would otherwise fail the run deep in the
 * queue with a message about Buffers. Only the shape; limits are the caller's (the HTTP API has its
 * own) and the protocol's (`SwarmProtocol.checkTask`).
 */
import { z } from 'zod';
import { parseConfig } from '../internal/parse.js';
import type { RunTask } from '../types.js';

const RunTaskSchema = z.object({
  prompt: z.string(),
  sources: z.array(z.object({ label: z.string().min(1), title: z.string().optional(), text: z.string() })).optional(),
  subTasks: z.array(z.object({ payload: z.string(), priority: z.number().optional() })).optional(),
  meta: z.record(z.string(), z.unknown()).optional(),
});

/** Throws InvalidConfigError listing every problem (`subTasks.0: …`) when `task` is not a {@link RunTask}. */
export function checkRunTask(task: unknown): asserts task is RunTask {
  parseConfig(RunTaskSchema, task, 'invalid run task');
}
