/**
 * The page's script as the server sends it (`/app.js`): the file `npm run build` bundled into the
 * compiled package, or, running from the sources (tests, a checkout), bundled on first use. Either
 * way it is read or bundled once per process.
 */
import { readFile } from 'node:fs/promises';
import { APP_BUNDLE_FILE, bundleAppScript } from './bundle.js';

let once: Promise<string> | undefined;

/** The page's script; a failed attempt is retried on the next call. */
export function appScript(): Promise<string> {
  once ??= load().catch((error: unknown) => {
    once = undefined;
    throw error;
  });
  return once;
}

async function load(): Promise<string> {
  try {
    return await readFile(new URL(`./${APP_BUNDLE_FILE}`, import.meta.url), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  return bundleAppScript();
}
