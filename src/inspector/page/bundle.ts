/**
 * Bundles the page's TypeScript (`client/main.ts` and what it imports) into one browser script
 * with esbuild. Runs in a checkout (from the sources); the published package ships the result.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { InspectorPageError } from '../errors.js';

/** File name of the built script, next to the compiled `script.js` in `dist`. */
export const APP_BUNDLE_FILE = 'app.bundle.js';

const ENTRY = fileURLToPath(new URL('./client/main.ts', import.meta.url));
/** The checkout's root: file names in the bundle's comments are relative to it, whatever the cwd. */
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** The page's script, bundled now from the sources. */
export async function bundleAppScript(): Promise<string> {
  if (!existsSync(ENTRY)) {
    throw new InspectorPageError(
      `the inspector page's script is not built and its sources are not here (${ENTRY}): run \`npm run build\``,
    );
  }
  let esbuild: typeof import('esbuild');
  try {
    esbuild = await import('esbuild');
  } catch (error) {
    throw new InspectorPageError(
      'bundling the inspector page from its sources needs esbuild (a devDependency): run `npm install`',
      { cause: error },
    );
  }
  try {
    const result = await esbuild.build({
      entryPoints: [ENTRY],
      absWorkingDir: ROOT,
      bundle: true,
      write: false,
      format: 'iife',
      platform: 'browser',
      target: 'es2022',
      charset: 'utf8',
      legalComments: 'none',
      define: { 'process.env.NODE_ENV': '"production"' },
      logLevel: 'silent',
    });
    const [output] = result.outputFiles;
    if (!output) throw new Error('esbuild wrote nothing');
    return output.text;
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    throw new InspectorPageError(`could not bundle the inspector page: ${detail}`, { cause: error });
  }
}
