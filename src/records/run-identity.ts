/**
 * What a records folder is a run of: the workload (its path and a hash of its content), its kind,
 * the modes, the model and every setting that changes results. Written as `run.json` when the folder
 * is first opened, so that `--resume` continues the same run: resuming a folder with another
 * workload, mode, model or setting would mix two runs' rows in one results.csv, and its summary
 * would average them as one.
 */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ResumeMismatchError, type SettingDifference } from './errors.js';
import type { Mode } from '../modes/result.js';

/** A setting's value as run.json keeps it; null when it is not set (no budget, no test command). */
export type SettingValue = string | number | boolean | null;

/** The run a records folder holds. */
export interface RunIdentity {
  /** The workload's source, as the command resolved it. */
  workload: string;
  kind: string;
  modes: readonly Mode[];
  model: string;
  /** SHA-256 of the workload's content (see workloadHash); absent in folders written before it was kept. */
  workloadSha256?: string;
  /** Every other setting that changes results, by its option name; absent in folders written before. */
  settings?: Readonly<Record<string, SettingValue>>;
}

const FILE = 'run.json';

const isSettings = (v: unknown): v is Record<string, SettingValue> =>
  typeof v === 'object' &&
  v !== null &&
  !Array.isArray(v) &&
  Object.values(v).every((x) => x === null || ['string', 'number', 'boolean'].includes(typeof x));

/** The identity stored in `dir`: its run.json, or for folders written before it, what summary.json says. */
export async function storedIdentity(dir: string): Promise<RunIdentity | undefined> {
  for (const name of [FILE, 'summary.json']) {
    const text = await readFile(path.join(dir, name), 'utf8').catch(() => undefined);
    if (text === undefined) continue;
    try {
      const json = JSON.parse(text) as Partial<RunIdentity> & { mode?: Mode };
      const modes = json.modes ?? (json.mode !== undefined ? [json.mode] : undefined);
      if (typeof json.workload === 'string' && typeof json.model === 'string' && Array.isArray(modes))
        return {
          workload: json.workload,
          kind: String(json.kind),
          modes,
          model: json.model,
          ...(name === FILE && typeof json.workloadSha256 === 'string' ? { workloadSha256: json.workloadSha256 } : {}),
          ...(name === FILE && isSettings(json.settings) ? { settings: json.settings } : {}),
        };
    } catch {
      /* unreadable: as if absent */
    }
  }
  return undefined;
}

const describe = (r: RunIdentity) => `${r.workload} (mode ${[...r.modes].join(', ')}, model ${r.model})`;
const sameModes = (a: readonly Mode[], b: readonly Mode[]) => [...a].sort().join() === [...b].sort().join();
const shown = (v: SettingValue | undefined) => (v === null || v === undefined ? 'not set' : String(v));

/** The settings on which `given` differs from `stored`: only what `stored` records is compared. */
function settingDifferences(stored: RunIdentity, given: RunIdentity): SettingDifference[] {
  const out: SettingDifference[] = [];
  if (stored.workloadSha256 !== undefined && stored.workloadSha256 !== given.workloadSha256)
    out.push({
      setting: 'workload content (sha256)',
      recorded: stored.workloadSha256,
      given: given.workloadSha256 ?? 'not known',
    });
  for (const [setting, recorded] of Object.entries(stored.settings ?? {})) {
    const now = given.settings?.[setting];
    if (shown(recorded) !== shown(now) || typeof recorded !== typeof now)
      out.push({ setting, recorded: shown(recorded), given: shown(now) });
  }
  return out;
}

/**
 * Records `identity` as the run `dir` holds; when resuming a folder that holds another run (another
 * workload, content, mode, model or setting), throws {@link ResumeMismatchError} naming each
 * difference, before anything is run or written. A run.json written before the content hash and the
 * settings were kept is compared on what it holds, and left as it is.
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
      throw new ResumeMismatchError(
        `${dir} holds a run of ${describe(stored)}, not of ${describe(identity)}: resume it with the same workload, mode and model, or choose another --out folder`,
        [
          { setting: 'workload', recorded: stored.workload, given: identity.workload },
          { setting: 'kind', recorded: stored.kind, given: identity.kind },
          { setting: 'modes', recorded: [...stored.modes].join(','), given: [...identity.modes].join(',') },
          { setting: 'model', recorded: stored.model, given: identity.model },
        ].filter((d) => d.recorded !== d.given),
      );
    const differences = settingDifferences(stored, identity);
    if (differences.length)
      throw new ResumeMismatchError(
        `${dir} holds a run with other settings: ${differences.map((d) => `${d.setting} ${d.recorded} there, ${d.given} now`).join('; ')}. Resume it with the same settings (--limit may differ), or choose another --out folder`,
        differences,
      );
    return;
  }
  await writeFile(path.join(dir, FILE), `${JSON.stringify(identity, null, 2)}\n`);
}
