#!/usr/bin/env node
// delm's command line: the TypeScript sources via tsx in a checkout, the compiled build when installed.
import { existsSync } from 'node:fs';

const checkout = existsSync(new URL('../src/cli/main.ts', import.meta.url));
/** A module of delm's, by its path from the project root without extension: the source or the build. */
const delmModule = (path) => new URL(checkout ? `../${path}.ts` : `../dist/${path}.js`, import.meta.url).href;
if (checkout) {
  const { register } = await import('tsx/esm/api');
  register();
}
// Before delm's own code loads, so that all of it (and every worker thread) gets it: see the module.
const { allocateFeedbackEagerly } = await import(delmModule('src/internal/v8-flags'));
allocateFeedbackEagerly();
const { main } = await import(delmModule('src/cli/main'));
process.exitCode = await main(process.argv.slice(2));
