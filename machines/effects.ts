/**
 * Effects actors: one callback actor, invoked for a machine's whole life, that runs the side effects
 * the machine requests and sends back their outcome as events (the verifier's; the agent's per-task
 * work is a plain loop, machines/task-loop.ts). XState creates a child actor (and snapshots it) for
 * every `invoke`; the verifier invoked three per proposal, which cost far more than the work. Here a step is a `sendTo` and an event back, and the
 * machine still decides everything: which effect, what follows its result, retries, stop, failure.
 *
 * Results of an effect the machine no longer waits for are dropped: the machine may cancel effects
 * (aborting their signal) when it leaves the state that needed them, a newer request of the same
 * effect supersedes an older one, and stopping the actor aborts everything in flight.
 */
import { fromCallback } from 'xstate';
import { ActorNotProvidedError, BatchStoppedError } from './errors.js';
import type {
  EffectCommandOf,
  EffectEventOf,
  EffectFunctions,
  Verdict,
  VerifierEffects,
  VerifierSteps,
} from './types.js';

const NONE: ReadonlySet<never> = new Set();

interface InFlight {
  readonly id: number;
  readonly abort: AbortController | undefined;
}

/**
 * Effects found through the actor system the effects actor runs in (the root actor's, shared by its
 * children): a host running many agents on one thread provides its machine once and keeps each
 * agent's effects by system, since providing a machine rebuilds its whole state tree.
 */
export type EffectsOfSystem<E> = (system: object) => Partial<E>;

/**
 * The logic of an effects actor running `effects` (a missing one fails with
 * {@link ActorNotProvidedError}), or those of its actor system; effects named in `cancellable` get a
 * signal of their own that a `cancel` command aborts, the others share the actor's signal, aborted
 * when it stops.
 */
export function effectsActor<E extends EffectFunctions<E>>(
  source: Partial<E> | EffectsOfSystem<E>,
  cancellable: ReadonlySet<keyof E & string> = NONE,
) {
  type Name = keyof E & string;
  return fromCallback<EffectCommandOf<E>, unknown, EffectEventOf<E>>(({ sendBack, receive, system }) => {
    const effects = typeof source === 'function' ? source(system as object) : source;
    // One signal for the machine's life; only a cancellable effect gets one of its own.
    const stopper = new AbortController();
    const inFlight = new Map<Name, InFlight>();
    let next = 0;
    receive((command) => {
      if (command.type === 'cancel') {
        for (const effect of command.effects) {
          inFlight.get(effect)?.abort?.abort(new Error(`${effect} cancelled`));
          inFlight.delete(effect);
        }
        return;
      }
      const { effect, input } = command;
      const id = ++next;
      const abort = cancellable.has(effect) ? new AbortController() : undefined;
      inFlight.set(effect, { id, abort });
      const reply = (event: EffectEventOf<E>) => {
        if (inFlight.get(effect)?.id !== id) return; // cancelled, superseded or stopped
        inFlight.delete(effect);
        sendBack(event);
      };
      const fn = effects[effect] as ((input: unknown, signal: AbortSignal) => unknown) | undefined;
      // Always settled on a later microtask: a result is never delivered inside the request's own step.
      const outcome =
        fn === undefined
          ? Promise.reject(new ActorNotProvidedError(effect))
          : new Promise((resolve) => resolve(fn(input, abort?.signal ?? stopper.signal)));
      outcome.then(
        (output) => reply({ type: `${effect}.done`, output } as EffectEventOf<E>),
        (error: unknown) => reply({ type: `${effect}.error`, error }),
      );
    });
    return () => {
      stopper.abort(new Error('stopped'));
      for (const { abort } of inFlight.values()) abort?.abort(new Error('stopped'));
      inFlight.clear();
    };
  });
}

/**
 * The verifier's effects actor for `effects` (receiving, checking and writing proposals): it runs the
 * machine's {@link VerifierSteps}, deciding a batch with `effects.decide` one proposal after the other.
 */
export function fromVerifierEffects(effects: Partial<VerifierEffects>) {
  const steps: Partial<VerifierSteps> = {};
  if (effects.receiveProposals) steps.receiveProposals = effects.receiveProposals;
  if (effects.decide) steps.decide = decideInOrder(effects.decide);
  if (effects.recordFailure) steps.recordFailure = effects.recordFailure;
  return effectsActor<VerifierSteps>(steps);
}

/** A batch's `decide` made of the host's per-proposal one (see {@link VerifierSteps}). */
function decideInOrder(decide: VerifierEffects['decide']): VerifierSteps['decide'] {
  return async ({ proposals, attempt }, signal) => {
    const verdicts: Verdict[] = [];
    for (const proposal of proposals) {
      // A stopped verifier decides nothing more: its machine no longer waits for this batch.
      if (signal.aborted) break;
      try {
        verdicts.push(await decide({ proposal, attempt: verdicts.length === 0 ? attempt : 1 }, signal));
      } catch (error) {
        throw verdicts.length === 0 ? error : new BatchStoppedError(verdicts, error);
      }
    }
    return verdicts;
  };
}

/** The default verifier effects actor: every effect fails with {@link ActorNotProvidedError} until the host provides them. */
export const verifierEffectsNotProvided = fromVerifierEffects({});
