/**
 * Modules a user names by path or `file:` URL (a model, protocol or tool module): where one points,
 * and whether a file is there. Checked when the options are, so a misspelt path is an invalid option
 * of `createSwarm`, not a failure of every run in every worker thread.
 */
import { statSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** The `file:` URL of `ref`: itself when it is one, else the path resolved against the working directory. */
export function moduleUrl(ref: string): string {
  return ref.startsWith('file:') ? ref : pathToFileURL(ref).href;
}

/** What is wrong with `ref` as a module to import, or undefined when a file is there. */
export function moduleFileProblem(ref: string): string | undefined {
  let path: string;
  try {
    path = fileURLToPath(moduleUrl(ref));
  } catch {
    return `"${ref}" is neither a path nor a file: URL`;
  }
  try {
    if (statSync(path).isFile()) return undefined;
  } catch {
    /* reported below */
  }
  return `no module file at ${path}`;
}
