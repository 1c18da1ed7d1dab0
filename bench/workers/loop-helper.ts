// The agent-loop bench's other side, on a thread of its own: drains the proposal channel as a
// stand-in verifier and takes the agent's events batches as the main thread would, so the bench's
// thread holds only the agent's own work. Posts the agent's end to the parent and closes its task.
import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import { endOf } from './agent-end.js';
import { attachSharedSubstrate, type RunHandles, type SharedBackendHandles } from '../../src/runtime/substrate.js';

const { handles, events } = workerData as { handles: RunHandles; events: MessagePort };
const substrate = attachSharedSubstrate(handles, handles.backend as SharedBackendHandles, 'agent');
let draining = true;
const drain = (async () => {
  while (draining)
    if ((await substrate.proposals.receive(5)) !== undefined) await substrate.control.proposalProcessed();
})();
events.on('message', (message: unknown) => {
  const end = endOf(message);
  if (end === undefined) return;
  parentPort!.postMessage(end);
  events.postMessage({ close: true });
  draining = false;
  void drain.then(() => events.close());
});
