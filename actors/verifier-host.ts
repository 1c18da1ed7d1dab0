/**
 * Worker side of the verifier: the ledger's single writer. Pulls proposals from the channel, judges
 * each with the protocol's check, and commits it or records the failure.
 */
import type { MessagePort } from 'node:worker_threads';
import { createActor, fromPromise } from 'xstate';
import { verifierMachine } from '../machines/verifier.js';
import type { Verdict, VerifierOutput } from '../machines/types.js';
import { exposeOn } from '../src/internal/comlink.js';
import { AbortedError, DelmError } from '../src/errors.js';
import type { LedgerEntryInput } from '../src/ledger/types.js';
import type { ProposalEnvelope, ProtocolVerdict } from '../src/protocols/kit/protocol.js';
import { briefEntry } from '../src/runtime/events.js';
import { attachRun, type WorkerInit } from './attach-run.js';
import { stateName } from './host-utils.js';

/** Control surface of the verifier worker. */
export interface VerifierControl {
  stop(reason?: string): void;
  snapshot(): { state: string; received: number; accepted: number; rejected: number; duplicates: number };
}

const POLL_MS = 200;

/** Runs the verifier until the proposal channel is closed and drained, or it is stopped. */
export async function runVerifier(init: WorkerInit, controlPort: MessagePort, eventsPort: MessagePort): Promise<VerifierOutput> {
  const run = await attachRun(init, eventsPort);
  const { ledger, proposals, control, protocol, emit } = run;
  const writer = run.writer;
  if (!writer) throw new DelmError('INVALID_CONFIG', 'the verifier worker was started without the ledger write side');
  const judge = init.model === undefined ? undefined : run.model;
  const stopper = new AbortController();

  const commitEntry = (envelope: ProposalEnvelope, entry: LedgerEntryInput | undefined) => {
    if (!entry) return;
    const written = writer.append({ taskId: Math.max(0, envelope.taskId), authorId: envelope.agentId, ...entry });
    return written;
  };

  const machine = verifierMachine.provide({
    actors: {
      receiveProposal: fromPromise(async ({ signal }) => {
        for (;;) {
          const message = await proposals.receiveAsync(POLL_MS, signal);
          if (message !== undefined) return { type: 'proposal' as const, proposal: message };
          if (proposals.closed && proposals.size === 0) return { type: 'closed' as const };
          if (signal.aborted) throw new AbortedError('verifier stopped');
        }
      }),
      checkProposal: fromPromise(async ({ input, signal }): Promise<Verdict> => {
        let envelope: ProposalEnvelope;
        try {
          envelope = JSON.parse(String(input.proposal)) as ProposalEnvelope;
        } catch {
          return { verdict: 'reject', reason: 'proposal is not valid JSON', entry: undefined };
        }
        const body = envelope.body as { answer?: unknown } | undefined;
        if (envelope.taskId === -1 && typeof body?.answer === 'string') {
          return { verdict: 'accept', reason: 'final answer', entry: { envelope, entry: { kind: 'answer', text: body.answer } } };
        }
        const verdict: ProtocolVerdict = await protocol.check({ ledger, model: judge, signal }, envelope);
        if (verdict.verdict === 'duplicate') {
          emit({ type: 'reject', authorId: envelope.agentId, taskId: envelope.taskId, verdict: 'duplicate', reason: verdict.reason });
          control.proposalProcessed();
        }
        return { verdict: verdict.verdict, reason: verdict.reason, entry: { envelope, entry: verdict.entry } };
      }),
      commit: fromPromise(async ({ input }) => {
        const { envelope, entry } = input.verdict.entry as { envelope: ProposalEnvelope; entry: LedgerEntryInput | undefined };
        const written = commitEntry(envelope, entry);
        if (written) {
          const { level, parentId, text, chars, labels } = briefEntry(written);
          emit({ type: 'commit', entryId: written.id, kind: written.kind, authorId: envelope.agentId, taskId: envelope.taskId, level, parentId, text, chars, labels });
        }
        control.proposalProcessed();
        return undefined;
      }),
      recordFailure: fromPromise(async ({ input }) => {
        const packed = input.verdict.entry as { envelope?: ProposalEnvelope; entry?: LedgerEntryInput } | undefined;
        const envelope = packed?.envelope ?? { agentId: 0, taskId: -1, body: undefined };
        const written = commitEntry(envelope, packed?.entry ?? { kind: 'failure', text: `rejected: ${input.verdict.reason}` });
        emit({ type: 'reject', authorId: envelope.agentId, taskId: envelope.taskId, verdict: 'reject', reason: input.verdict.reason, ...(written ? { entryId: written.id } : {}) });
        control.proposalProcessed();
        return undefined;
      }),
    },
  });

  const actor = createActor(machine, { input: { verifierId: 0, baseDelayMs: init.options.retry.baseDelayMs, maxDelayMs: init.options.retry.maxDelayMs, maxRetries: init.options.retry.maxRetries } });
  const api: VerifierControl = {
    stop(reason) {
      stopper.abort(reason);
      actor.send({ type: 'STOP', ...(reason ? { reason } : {}) });
    },
    snapshot() {
      const s = actor.getSnapshot();
      return { state: stateName(s.value), received: s.context.received, accepted: s.context.accepted, rejected: s.context.rejected, duplicates: s.context.duplicates };
    },
  };
  exposeOn(api, controlPort);
  let last = '';
  actor.subscribe((s) => {
    const state = stateName(s.value);
    if (state !== last) emit({ type: 'agent.state', agentId: 0, state: (last = state) });
  });
  const output = await new Promise<VerifierOutput>((resolve, reject) => {
    actor.subscribe({ complete: () => resolve(actor.getSnapshot().output as VerifierOutput), error: reject });
    actor.start();
  });
  controlPort.close();
  run.close();
  return output;
}
