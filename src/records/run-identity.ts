/**
 * What a records folder is a run of: the workload, its kind, the modes and the model. Written as
 * `run.json` when the folder is first opened, so that `--resume` continues the same run: resuming a
 * folder with another workload, mode or model would mix two runs' rows in one results.csv, and its
 * summary would describe only the last command.
 */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { DelmError } from '../errors.js';
import type { Mode } from '../modes/result.js';

/** The run a records folder holds. */
export interface RunIdentity {
  /** The workload's source, as the command resolved it. */
  workload: string;
  kind: string;
  modes: readonly Mode[];
  model: string;
}

const FILE = 'run.json';

/** The identity stored in `dir`: its run.json, or for folders written before it, what summary.json says. */
async function storedIdentity(dir: string): Promise<RunIdentity | undefined> {
  for (const name of [FILE, 'summary.json']) {
    const text = await readFile(path.join(dir, name), 'utf8').catch(() => undefined);
    if (text === undefined) continue;
    try {
      const json = JSON.parse(text) as Partial<RunIdentity> & { mode?: Mode };
      const modes = json.modes ?? (json.mode !== undefined ? [json.mode] : undefined);
      if (typeof json.workload === 'string' && typeof json.model === 'string' && Array.isArray(modes))
        return { workload: json.workload, kind: String(json.kind), modes, model: json.model };
    } catch {
      /* unreadable: as if absent */
    }
  }
  return undefined;
}

const describe = (r: RunIdentity) => `${r.workload} (mode ${[...r.modes].join(', ')}, model ${r.model})`;
const sameModes = (a: readonly Mode[], b: readonly Mode[]) => [...a].sort().join() === [...b].sort().join();

/**
 * Records `identity` as the run `dir` holds; when resuming a folder that holds another run, throws
 * DelmError `INVALID_ARGUMENT` saying which, before anything is run or written.
 */
export async function claimRunIdentity(dir: string, identity: RunIdentity, resume: boolean): Promise<void> {
  const stored = resume ? await storedIdentity(dir) : undefined;
  if (stored) {
    if (
      stored.workload !== identity.workload ||
      stored.kind !== identity.kind ||
      stored.model !== identity.model ||
      !sameModes(stored.modes, identity.modes)
    )
      throw new DelmError(
        'INVALID_ARGUMENT',
        `${dir} holds a run of ${describe(stored)}, not of ${describe(identity)}: resume it with the same workload, mode and model, or choose another --out folder`,
      );
    return;
  }
  await writeFile(path.join(dir, FILE), `${JSON.stringify(identity, null, 2)}\n`);
}
