// Counts the tokens of a text with delm's tokenizer (compiled build) or js-tiktoken, then stays
// alive so the parent can read the process's memory with every counter loaded. Plain JavaScript so
// the worker carries no tsx.
import { parentPort, workerData } from 'node:worker_threads';

/** @type {{ kind: 'delm' | 'js-tiktoken', module: string, ranks?: string, text: string }} */
const { kind, module, ranks, text } = workerData;
let count;
if (kind === 'delm') {
  count = (await import(module)).countTokens(text);
} else {
  const { Tiktoken } = await import(module);
  const data = await import(ranks);
  count = new Tiktoken(data.default ?? data).encode(text, [], []).length;
}
parentPort.postMessage(count);
parentPort.on('message', () => process.exit(0));
