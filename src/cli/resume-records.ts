/**
 * The records `delm resume` leaves of a run it finished, so its result can be re-checked as a run's
 * can. A run started by `delm run --redis` names its records folder and item (records-link.ts): when
 * that folder is here (or `--out` names it), the item's records are added to it as the dead
 * coordinator would have written them (events, answer, ledger, trajectory, the results.csv row, scored
 * against the folder's workload; summary.json again), so a later `delm run --resume` of the folder
 * skips the item. Any other run (started by a program, or whose folder is not on this machine) gets
 * a records folder of its own, of the same files, its row unscored: no workload says what is right.
 */
import { stat } from 'node:fs/promises';
import path from 'node:path';
import type { Mode, ModeResult } from '../modes/result.js';
import { RunRecords, type ResultRow } from '../records/run-records.js';
import { storedIdentity, type RunIdentity } from '../records/run-identity.js';
import type { SwarmEvent } from '../runtime/events.js';
import { summarize } from '../evaluation/summary.js';
import { scoredRecord } from '../evaluation/run-workload.js';
import { workloadHash } from '../workloads/content-hash.js';
import { loadWorkload, type WorkloadItem } from '../workloads/workload.js';
import { UsageError } from './command.js';
import { recordsLinkOf, type RecordsLink } from './records-link.js';
import type { StoredRun } from './redis-run.js';

/** run.json's `kind` for the folder of a resumed run that has none of its own. */
export const RESUMED_RUN_KIND = 'resumed-run';

/** Where a resumed run's records go, opened (and locked) before the run is resumed. */
export interface ResumeRecords {
  /** The records folder (absolute). */
  readonly dir: string;
  /** True when they are added to the folder of the run that started the item. */
  readonly appended: boolean;
  /** The workload the folder's run is of (appended only): for the command that runs its other items. */
  readonly workload: string | undefined;
  /** Writes the finished run's records; undefined when the item already had its row (nothing written). */
  write(result: ModeResult, events: readonly SwarmEvent[]): Promise<ResultRow | undefined>;
}

const isFolder = (dir: string) =>
  stat(dir).then(
    (s) => s.isDirectory(),
    () => false,
  );

/** A setting of run.json as a positive number, if it is one. */
const numberSetting = (identity: RunIdentity, name: string) => {
  const value = identity.settings?.[name];
  return typeof value === 'number' && value > 0 ? value : undefined;
};

/** The item `link` names in the workload `identity` is of, checked to be the workload the run started from. */
async function linkedItem(dir: string, identity: RunIdentity, link: RecordsLink): Promise<WorkloadItem> {
  const testTimeout = numberSetting(identity, 'test-timeout');
  const testCommand = identity.settings?.['test-command'];
  const chunkTokens = numberSetting(identity, 'chunk-tokens');
  const keepApart = "pass --out <a new folder> to keep the resumed run's records apart";
  let workload;
  try {
    workload = await loadWorkload(identity.workload, {
      ...(chunkTokens ? { chunkTokens } : {}),
      ...(identity.kind === 'debugging'
        ? {
            debug: {
              ...(testTimeout ? { testTimeoutMs: testTimeout * 1_000 } : {}),
              ...(typeof testCommand === 'string' ? { testCommand } : {}),
            },
          }
        : {}),
    });
  } catch (error) {
    throw new UsageError(
      `${dir} is a run of ${identity.workload}, which cannot be loaded to score the resumed item (${error instanceof Error ? error.message : String(error)}); ${keepApart}`,
    );
  }
  if (identity.workloadSha256 !== undefined && (await workloadHash(workload.source)) !== identity.workloadSha256)
    throw new UsageError(
      `${identity.workload} changed since ${dir}'s run started (its content hash differs from run.json's), so the resumed item cannot be scored as that run's; ${keepApart}`,
    );
  const item = workload.items.find((i) => i.id === link.itemId);
  if (!item)
    throw new UsageError(
      `${identity.workload} has no item ${JSON.stringify(link.itemId)}, which the run was started for; ${keepApart}`,
    );
  return item;
}

/** The model as run.json names it (see the CLI's modelName). */
function modelNameOf(stored: StoredRun): string {
  const model = stored.options.model;
  return typeof model === 'string' ? model : 'provider' in model ? 'offline' : model.module;
}

/** The run's records added to the folder of the run that started it (see the module comment). */
async function appendTo(
  dir: string,
  identity: RunIdentity,
  stored: StoredRun,
  link: RecordsLink,
  onNotice: (line: string) => void,
): Promise<ResumeRecords> {
  if (!identity.modes.includes(link.mode) || identity.model !== modelNameOf(stored))
    throw new UsageError(
      `${dir} holds a run in mode ${identity.modes.join(', ')} with model ${identity.model}, not the resumed run's (mode ${link.mode}, model ${modelNameOf(stored)}): choose another --out folder`,
    );
  if (path.resolve(dir) !== path.resolve(link.out))
    onNotice(
      `delm: item ${link.itemId}'s run was started with its records in ${link.out}; they are added to ${dir}, taken for a copy of that folder`,
    );
  const item = await linkedItem(dir, identity, link);
  const records = await RunRecords.open(dir, { resume: true, onNotice });
  const already = records.isDone(link.mode, item.id);
  if (already) onNotice(`delm: item ${item.id} already has its row in ${dir}: the resumed run's records are not added`);
  return {
    dir: records.dir,
    appended: true,
    workload: identity.workload,
    async write(result, events) {
      if (already) return undefined;
      const row = await records.write(scoredRecord(item, link.mode, result, events));
      await writeSummary(records, identity, identity.modes);
      return row;
    },
  };
}

/** summary.json over the folder's rows, in the shape `delm run` (one mode) or `delm bench` writes. */
async function writeSummary(records: RunRecords, identity: RunIdentity, modes: readonly Mode[]): Promise<void> {
  await records.summarize({
    workload: identity.workload,
    kind: identity.kind,
    ...(modes.length === 1 ? { mode: modes[0] } : {}),
    model: identity.model,
    ...(modes.length === 1 ? {} : { modes }),
    summaries: summarize(records.rows, modes),
  });
}

/** A folder of the run's own: the same records, the row unscored (see the module comment). */
async function ownFolder(
  dir: string,
  stored: StoredRun,
  link: RecordsLink | undefined,
  onNotice: (line: string) => void,
): Promise<ResumeRecords> {
  const identity: RunIdentity = {
    // The run's id, never the Redis URL (it may carry a password).
    workload: `run ${stored.runId} kept in Redis`,
    kind: RESUMED_RUN_KIND,
    modes: ['delm'],
    model: modelNameOf(stored),
  };
  const records = await RunRecords.open(dir, { identity, onNotice });
  return {
    dir: records.dir,
    appended: false,
    workload: undefined,
    async write(result, events) {
      const row = await records.write({
        itemId: link?.itemId ?? stored.runId,
        mode: 'delm',
        result,
        correct: null,
        predicted: '',
        question: stored.prompt,
        expected: '',
        rule: link
          ? `not scored: the records folder of the run that started item ${link.itemId} (${link.out}) was not used, so no workload was at hand to score the answer against`
          : 'not scored: the run was not started from a workload (no delm run --redis), so nothing says which answer is right',
        events,
      });
      await writeSummary(records, identity, ['delm']);
      return row;
    },
  };
}

/**
 * Opens where `delm resume` records run `stored`: `out` if given, else the folder of the `delm run`
 * that started it when that is on this machine, else `runs/resume-<time>/` under `cwd`. A folder that
 * holds a run gets the item's records added (refused, exit 2, when it is not the run the item came
 * from); a new folder gets records of its own. Nothing is resumed before this succeeds.
 */
export async function openResumeRecords(
  stored: StoredRun,
  options: { out: string | undefined; cwd: string; onNotice: (line: string) => void },
): Promise<ResumeRecords> {
  const link = recordsLinkOf(stored.task);
  let dir: string;
  if (options.out !== undefined) dir = path.resolve(options.cwd, options.out);
  else if (link && (await isFolder(link.out))) dir = link.out;
  else {
    dir = path.resolve(options.cwd, 'runs', `resume-${new Date().toISOString().replace(/[:.]/g, '-')}`);
    if (link)
      options.onNotice(
        `delm: the records folder of the run that started item ${link.itemId} (${link.out}) is not on this machine: the resumed run's records go to ${dir} (--out <folder> to add them to a copy of it)`,
      );
  }
  const identity = await storedIdentity(dir);
  if (!identity) return ownFolder(dir, stored, link, options.onNotice);
  if (identity.kind === RESUMED_RUN_KIND)
    throw new UsageError(
      `${dir} holds the records of another resumed run (${identity.workload}): choose another --out folder`,
    );
  if (!link)
    throw new UsageError(
      `${dir} holds a run of ${identity.workload}, but run ${stored.runId} was not started by delm run --redis for one of its items: choose a new --out folder for its records`,
    );
  return appendTo(dir, identity, stored, link, options.onNotice);
}
