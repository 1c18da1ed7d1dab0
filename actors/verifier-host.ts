/**
 * Worker side of the verifier: the ledger's single writer. Takes every proposal waiting in the
 * channel at once, judges each with the protocol's check, and commits it or records the failure, in
 * order of arrival.
 */
import type { MessagePort } from 'node:worker_threads';
import { createActor } from 'xstate';
import { z } from 'zod';
import { ToolEvidenceSchema } from '../src/tools/evidence.js';
import { fromVerifierEffects } from '../machines/effects.js';
import { CheckFailedError } from '../machines/errors.js';
import { verifierMachine } from '../machines/verifier.js';
import type { Verdict, VerifierEffects, VerifierOutput } from '../machines/types.js';
import { exposeOn } from '../src/internal/comlink.js';
import { AbortedError, DelmError } from '../src/errors.js';
import type { LedgerEntry, LedgerEntryInput } from '../src/ledger/types.js';
import type { ProposalEnvelope } from '../src/protocols/kit/protocol.js';
import type { ReceivedProposal } from '../src/runtime/coordination.js';
import { decodeProposal, type RawText } from '../src/runtime/proposal-frame.js';
import { briefEntry, type DecisionTiming } from '../src/runtime/events.js';
import { attachAgent, attachTask, type AttachedTask, type WorkerInit } from './attach-run.js';
import { stateName } from './host-utils.js';
import { verifySpan } from '../src/telemetry/host-spans.js';
import { monotonicMs } from '../src/internal/monotonic.js';
import { extend } from '../src/internal/extend.js';

/** Control surface of the verifier worker. */
export interface VerifierControl {
  stop(reason?: string): void;
}

const POLL_MS = 200;
/** Most proposals taken in one batch (the channel's ring holds 1,024 by default). */
const MAX_BATCH = 1_024;

/** A proposal as it arrives off the channel: JSON text of an envelope whose body the protocol parses. */
const EnvelopeSchema = z.object({
  agentId: z.number().int(),
  taskId: z.number().int(),
  body: z.unknown(),
  toolResults: z.array(ToolEvidenceSchema).optional(),
  precheck: z.unknown().optional(),
});
/** The finalizer's answer, sent as a proposal with task id -1. */
const FinalAnswerSchema = z.object({ answer: z.string() });
/** A proposal as its check left it for the commit that follows: what to append, and how it arrived. */
interface Checked {
  envelope: ProposalEnvelope;
  entry: LedgerEntryInput | undefined;
  sources?: LedgerEntryInput[] | undefined;
  raw?: RawText | undefined;
  sentAt?: number | undefined;
}

/** Who a failure is attributed to when the proposal could not be read. */
const UNKNOWN_ENVELOPE: ProposalEnvelope = { agentId: 0, taskId: -1, body: undefined };

/**
 * A received proposal's envelope, its raw text (see proposal-frame.ts) with the bytes it arrived as
 * when the channel handed them over, and when it was sent if its frame says; undefined when it is
 * not a valid envelope.
 */
function parseEnvelope(
  message: unknown,
): { envelope: ProposalEnvelope; raw: RawText | undefined; sentAt: number | undefined } | undefined {
  try {
    const { json, raw, sentAt } =
      typeof message === 'object' && message !== null && 'utf8' in message
        ? decodeProposal((message as ReceivedProposal).message, (message as ReceivedProposal).utf8)
        : decodeProposal(String(message));
    const parsed = EnvelopeSchema.safeParse(json);
    return parsed.success
      ? {
          envelope: {
            agentId: parsed.data.agentId,
            taskId: parsed.data.taskId,
            body: parsed.data.body,
            ...(parsed.data.toolResults ? { toolResults: parsed.data.toolResults } : {}),
            ...(parsed.data.precheck !== undefined ? { precheck: parsed.data.precheck } : {}),
          },
          raw,
          sentAt,
        }
      : undefined;
  } catch {
    return undefined;
  }
}

/** Runs the verifier until the proposal channel is closed and drained, or it is stopped. */
export async function runVerifier(
  init: WorkerInit,
  controlPort: MessagePort,
  eventsPort: MessagePort,
): Promise<VerifierOutput> {
  const task = await attachTask(init, eventsPort);
  try {
    return await verify(task, controlPort);
  } finally {
    // However the verifier ends, its last events go out and its port closes.
    task.close();
  }
}

async function verify(task: AttachedTask, controlPort: MessagePort): Promise<VerifierOutput> {
  const { init } = task;
  const run = await attachAgent(task, 0);
  const { ledger, proposals, control, protocol, emit } = run;
  const writer = run.writer;
  if (!writer) throw new DelmError('INVALID_CONFIG', 'the verifier worker was started without the ledger write side');
  const judge = init.model === undefined ? undefined : run.model;
  const stopper = new AbortController();

  // The verifier judges one proposal at a time (check, then commit or record, through a batch in order),
  // so what the check parsed and decided is kept here for the write that follows it.
  let checked: Checked | undefined;
  /** When the batch in hand was taken off the channel (`monotonicMs`). */
  let receivedAt = 0;
  /** The decision's timing for a proposal sent at `sentAt` (nothing when its frame had no stamp). */
  const timing = (sentAt: number | undefined): DecisionTiming =>
    sentAt === undefined ? {} : { waitedMs: receivedAt - sentAt, latencyMs: monotonicMs() - sentAt };

  /**
   * Appends `entry`. An entry whose text is the proposal's raw text, exactly, is stored by copying the
   * bytes that text arrived as (when the channel handed them over), not by encoding it again.
   */
  const commitEntry = async (envelope: ProposalEnvelope, entry: LedgerEntryInput | undefined, raw?: RawText) => {
    if (!entry) return undefined;
    const input = { taskId: Math.max(0, envelope.taskId), authorId: envelope.agentId, ...entry };
    if (raw?.utf8 && writer.appendUtf8 && entry.text === raw.text) {
      const { text, ...rest } = input;
      return writer.appendUtf8(rest, raw.utf8, text);
    }
    return writer.append(input);
  };
  // Done with the oldest proposal received and not yet processed: acknowledged on the channel (Redis), then counted.
  const processed = async () => {
    await proposals.processed();
    await control.proposalProcessed();
  };
  const emitCommit = (envelope: ProposalEnvelope, written: LedgerEntry, decided: DecisionTiming = {}) => {
    const { level, parentId, text, chars, labels } = briefEntry(written);
    emit({
      type: 'commit',
      entryId: written.id,
      kind: written.kind,
      authorId: envelope.agentId,
      taskId: envelope.taskId,
      level,
      parentId,
      text,
      chars,
      labels,
      ...decided,
    });
  };
  /**
   * Appends an accepted proposal's sources, then its entry, which unfolds into the source its one label
   * names; then marks the proposal processed. The acknowledgement is sent right behind the entry's
   * append, before its reply: on Redis both travel on one connection and run in that order (a proposal
   * is never acknowledged before its entry is stored, and one that could not be stored is fenced or ends
   * the run), so a commit costs one round trip less. The entry's commit event carries the proposal's timing.
   */
  const commitAccepted = async ({ envelope, entry, sources = [], raw, sentAt }: Checked) => {
    if (!entry) return processed();
    const byLabel = new Map<unknown, number>();
    for (const source of sources) {
      const written = (await commitEntry(envelope, source))!;
      byLabel.set(source.meta?.label, written.id);
      emitCommit(envelope, written);
    }
    const labels = entry.meta?.labels;
    const parentId =
      entry.parentId ?? (Array.isArray(labels) && labels.length === 1 ? byLabel.get(labels[0]) : undefined);
    const writing = commitEntry(envelope, parentId === undefined ? entry : extend(entry, { parentId }), raw);
    const acknowledging = processed();
    const [written, acknowledged] = await Promise.allSettled([writing, acknowledging]);
    if (written.status === 'rejected') throw written.reason;
    if (written.value) emitCommit(envelope, written.value, timing(sentAt));
    if (acknowledged.status === 'rejected') throw acknowledged.reason;
  };

  /** The protocol's check preparation, before waiting (an error there is the checks' to report, not the wait's). */
  const prepareChecks = (signal: AbortSignal) => {
    try {
      protocol.prepareChecks?.({ ledger, model: judge, signal });
    } catch {
      /* the checks that need it meet the same problem and reject with it */
    }
  };

  /**
   * Judges a received proposal, leaving what the write that follows needs in `checked`. A duplicate is
   * reported and acknowledged here: nothing is written for it.
   */
  const check = async (proposal: unknown, signal: AbortSignal): Promise<Verdict> => {
    const received = parseEnvelope(proposal);
    if (!received) return { verdict: 'reject', reason: 'proposal is not valid JSON' };
    const { envelope, raw, sentAt } = received;
    // Only the finalizer's proposal (task id -1) can be the answer: no parse of every finding's body for it.
    const answer = envelope.taskId === -1 ? FinalAnswerSchema.safeParse(envelope.body) : undefined;
    if (answer?.success) {
      checked = { envelope, entry: { kind: 'answer', text: answer.data.answer }, raw, sentAt };
      return { verdict: 'accept', reason: 'final answer' };
    }
    await writer.caughtUp(); // the check reads the ledger: it must see the last commit
    const verdict = await verifySpan(run.telemetry.scope, envelope, () =>
      protocol.check({ ledger, model: judge, signal }, envelope),
    );
    if (verdict.verdict === 'duplicate') {
      emit({
        type: 'reject',
        authorId: envelope.agentId,
        taskId: envelope.taskId,
        verdict: 'duplicate',
        reason: verdict.reason,
        ...timing(sentAt),
      });
      await processed();
    }
    checked = { envelope, entry: verdict.entry, sources: verdict.sources, raw, sentAt };
    return { verdict: verdict.verdict, reason: verdict.reason };
  };
  /** Records the rejection of the proposal in `checked` (its failure entry, or one made of `reason`), then acknowledges it. */
  const recordRejection = async (reason: string) => {
    const envelope = checked?.envelope ?? UNKNOWN_ENVELOPE;
    const written = await commitEntry(envelope, checked?.entry ?? { kind: 'failure', text: `rejected: ${reason}` });
    emit({
      type: 'reject',
      authorId: envelope.agentId,
      taskId: envelope.taskId,
      verdict: 'reject',
      reason,
      ...(written ? { entryId: written.id } : {}),
      ...timing(checked?.sentAt),
    });
    await processed();
  };

  const effects: VerifierEffects = {
    async receiveProposals(_input, signal) {
      for (;;) {
        prepareChecks(signal);
        const batch = await proposals.receiveBatch(MAX_BATCH, POLL_MS, signal);
        if (batch.length > 0) {
          receivedAt = monotonicMs();
          return { type: 'proposals', proposals: batch };
        }
        if (await proposals.ended()) return { type: 'closed' };
        if (signal.aborted) throw new AbortedError('verifier stopped');
      }
    },
    async decide(input, signal): Promise<Verdict> {
      checked = undefined;
      let verdict: Verdict;
      try {
        verdict = await check(input.proposal, signal);
      } catch (error) {
        throw new CheckFailedError(error);
      }
      if (verdict.verdict === 'accept')
        await commitAccepted(checked ?? { envelope: UNKNOWN_ENVELOPE, entry: undefined });
      else if (verdict.verdict === 'reject') await recordRejection(verdict.reason);
      return verdict;
    },
    async recordFailure(input) {
      await recordRejection(input.verdict.reason);
      return undefined;
    },
  };
  const machine = verifierMachine.provide({ actors: { effects: fromVerifierEffects(effects) } });

  const actor = createActor(machine, {
    input: {
      verifierId: 0,
      baseDelayMs: init.options.retry.baseDelayMs,
      maxDelayMs: init.options.retry.maxDelayMs,
      maxRetries: init.options.retry.maxRetries,
    },
  });
  const api: VerifierControl = {
    stop(reason) {
      stopper.abort(reason);
      actor.send({ type: 'STOP', ...(reason ? { reason } : {}) });
    },
  };
  exposeOn(api, controlPort);
  let last = '';
  actor.subscribe((s) => {
    const state = stateName(s.value);
    if (state !== last) run.emitState(0, (last = state));
  });
  const output = await new Promise<VerifierOutput>((resolve, reject) => {
    actor.subscribe({ complete: () => resolve(actor.getSnapshot().output as VerifierOutput), error: reject });
    actor.start();
  });
  controlPort.close();
  run.close(output.status);
  return output;
}
