/**
 * One writer per records folder: `.delm.lock` holds the pid and host of the process writing there. Two
 * `delm run --resume` on one folder each ran every remaining item, wrote two rows for each and left
 * a results.csv the next resume refused. A lock whose process is gone (killed, crashed) is taken over;
 * one from another host cannot be checked, so it is refused with how to clear it.
 */
import { hostname } from 'node:os';
import path from 'node:path';
import { readFileSync, unlinkSync } from 'node:fs';
import { readFile, unlink, writeFile } from 'node:fs/promises';
import { DelmError } from '../errors.js';
import { processGone } from '../internal/process-gone.js';

const LOCK_FILE = '.delm.lock';

/** The locks this process holds (file → its content), given back when it exits. */
const held = new Map<string, string>();

function releaseAll(): void {
  for (const [file, mine] of held)
    try {
      if (readFileSync(file, 'utf8') === mine) unlinkSync(file);
    } catch {
      /* gone already */
    }
  held.clear();
}

/**
 * Takes `dir`'s lock for this process, or throws INVALID_ARGUMENT naming the process that holds it.
 * This process may take it again (its commands may open a folder one after the other); it is given
 * back when the process exits.
 */
export async function lockFolder(dir: string): Promise<void> {
  const file = path.join(dir, LOCK_FILE);
  const mine = `${process.pid}\n${hostname()}\n`;
  const taken = (pid: number | string) =>
    new DelmError(
      'INVALID_ARGUMENT',
      `${dir} is being written by another delm (pid ${pid}); wait for it to end, or choose another --out folder`,
    );
  for (let attempt = 0; ; attempt++) {
    try {
      await writeFile(file, mine, { flag: 'wx' });
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const [pidText = '', host = ''] = (await readFile(file, 'utf8').catch(() => '')).split('\n');
    const pid = Number(pidText);
    if (host === hostname() && pid === process.pid) break;
    if (host === hostname() && Number.isInteger(pid) && pid > 0 && !processGone(pid)) throw taken(pid);
    if (attempt > 0) throw taken(pidText || '?'); // another process took it over meanwhile
    if (host !== '' && host !== hostname())
      throw new DelmError(
        'INVALID_ARGUMENT',
        `${dir} is being written by a delm on ${host} (pid ${pid}); if none is, delete ${file}`,
      );
    await unlink(file).catch(() => undefined); // its process is gone (or the file is unreadable): taken over
  }
  if (held.size === 0) process.once('exit', releaseAll);
  held.set(file, mine);
}
