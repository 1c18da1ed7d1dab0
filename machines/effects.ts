/**
 * The agent's effects actor: one callback actor, invoked for the agent's whole life, that runs the
 * per-task side effects the machine requests and sends back their outcome as events. XState creates
 * a child actor (and snapshots it) for every `invoke`; a sub-task used to invoke six, which cost far
 * more than the work. Here a step is a `sendTo` and an event back, and the machine still decides
 * everything: which effect, what follows its result, retries, stop, failure.
 *
 * Results of an effect the machine no longer waits for are dropped: the machine cancels the effects
 * of `thinking` when it leaves that state (aborting their signal), a newer request of the same effect
 * supersedes an older one, and stopping the actor aborts everything in flight.
 */
import { fromCallback } from 'xstate';
import { ActorNotProvidedError } from './errors.js';
import type { AgentEffectName, AgentEffects, EffectCommand, EffectEvent } from './types.js';

/** Effects whose signal also aborts when the machine cancels them (not only when the agent stops). */
const CANCELLABLE: ReadonlySet<AgentEffectName> = new Set(['callModel', 'extendLease']);

interface InFlight {
  readonly id: number;
  readonly abort: AbortController | undefined;
}

/** The effects actor's logic for `effects`; a missing effect fails with {@link ActorNotProvidedError}. */
export function fromEffects(effects: Partial<AgentEffects>) {
  return fromCallback<EffectCommand, unknown, EffectEvent>(({ sendBack, receive }) => {
    // One signal for the agent's life; only a cancellable effect gets one of its own.
    const stopper = new AbortController();
    const inFlight = new Map<AgentEffectName, InFlight>();
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
      const abort = CANCELLABLE.has(effect) ? new AbortController() : undefined;
      inFlight.set(effect, { id, abort });
      const reply = (event: EffectEvent) => {
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
        (output) => reply({ type: `${effect}.done`, output } as EffectEvent),
        (error: unknown) => reply({ type: `${effect}.error`, error }),
      );
    });
    return () => {
      stopper.abort(new Error('agent stopped'));
      for (const { abort } of inFlight.values()) abort?.abort(new Error('agent stopped'));
      inFlight.clear();
    };
  });
}

/** The default effects actor: every effect fails with {@link ActorNotProvidedError} until the host provides them. */
export const effectsNotProvided = fromEffects({});
