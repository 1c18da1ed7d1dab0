/**
 * Where a run kept in Redis has its records: `delm run --redis` puts, in each item's task meta (stored
 * with the run in Redis), the records folder it writes and the item's id and mode, so that `delm
 * resume` of a run whose coordinator died can write the item's records into that same folder (see
 * resume-records.ts). A path and an id only: nothing from the environment.
 */
import { z } from 'zod';
import type { Mode } from '../modes/result.js';
import { MODES } from '../modes/result.js';
import type { RunTask } from '../types.js';

/** The task meta key that holds the link. */
export const RECORDS_META_KEY = 'records';

const RecordsLinkSchema = z.object({
  /** The records folder (absolute, on the coordinator's machine). */
  out: z.string().min(1),
  itemId: z.string().min(1),
  mode: z.enum(MODES as [Mode, ...Mode[]]),
});

/** Where the records of an item's run go. */
export type RecordsLink = z.infer<typeof RecordsLinkSchema>;

/** `task` with `link` in its meta. */
export function withRecordsLink(task: RunTask, link: RecordsLink): RunTask {
  return { ...task, meta: { ...task.meta, [RECORDS_META_KEY]: link } };
}

/** The link in a stored task's meta; undefined when the run was not started by `delm run` (or the meta is not one). */
export function recordsLinkOf(task: RunTask): RecordsLink | undefined {
  const parsed = RecordsLinkSchema.safeParse(task.meta?.[RECORDS_META_KEY]);
  return parsed.success ? parsed.data : undefined;
}
