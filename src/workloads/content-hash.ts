/** A content hash of a workload's source, so a records folder can tell whether it is still the workload it ran. */
import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { listFiles } from './debugging/workspace.js';

/**
 * SHA-256 (hex) of the workload at `source`: a file's bytes; for a folder (a workspace, a tool
 * search), every file `listFiles` sees (installed dependencies and VCS folders left out), each as its
 * relative path and its bytes.
 */
export async function workloadHash(source: string): Promise<string> {
  const hash = createHash('sha256');
  if (!(await stat(source)).isDirectory()) return hash.update(await readFile(source)).digest('hex');
  for (const rel of await listFiles(source)) {
    const bytes = await readFile(path.join(source, rel));
    hash.update(`${rel}\u0000${bytes.length}\u0000`).update(bytes);
  }
  return hash.digest('hex');
}
