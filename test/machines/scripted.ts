/** Scripted actors and recorders for driving the pure machines in tests. */
import { createActor, fromPromise, toPromise } from 'xstate';
import type { Actor, AnyStateMachine, AnyStateNode, AnyTransitionDefinition, StateValue } from 'xstate';

/** One scripted reply: a value, a thrown error, or a function of the input and abort signal. */
export type Step<O, I> = { ok: O } | { err: unknown } | { run: (input: I, signal: AbortSignal) => O | Promise<O> };

/** A promise actor that replies with `steps` in order (the last one repeats) and records its inputs. */
export function scripted<O, I>(steps: ReadonlyArray<Step<O, I>>) {
  const calls: I[] = [];
  const at: number[] = [];
  const signals: AbortSignal[] = [];
  let n = 0;
  const logic = fromPromise<O, I>(async ({ input, signal }) => {
    calls.push(input);
    at.push(performance.now());
    signals.push(signal);
    const step = steps[Math.min(n++, steps.length - 1)];
    if (step === undefined) throw new Error('scripted actor has no steps');
    if ('err' in step) throw step.err;
    if ('run' in step) return step.run(input, signal);
    return step.ok;
  });
  return { logic, calls, at, signals };
}

/** An error carrying a delm-style `code` (and optional fields such as `retryable`). */
export function coded(code: string, message: string = code, extra: Record<string, unknown> = {}): Error {
  return Object.assign(new Error(message), { code, ...extra });
}

/** A step that never settles until its actor is stopped (the signal aborts). */
export function hang<O, I>(): Step<O, I> {
  return { run: (_input, signal) => new Promise<O>((_, reject) => signal.addEventListener('abort', () => reject(coded('ABORTED')))) };
}

/** State value as one string; parallel regions named in `skip` are left out (`thinking.calling`). */
export function stateName(value: StateValue, skip: readonly string[] = ['lease']): string {
  if (typeof value === 'string') return value;
  const entries = Object.entries(value).filter(([k]) => !skip.includes(k));
  const parts = entries.map(([k, v]) => {
    if (v === undefined) return k;
    const inner = stateName(v, skip);
    // Regions of a parallel state whose only kept region is named by the skip filter collapse to it.
    return entries.length === 1 && Object.keys(value).length > 1 ? inner : `${k}.${inner}`;
  });
  return parts.join('+');
}

/** Start a machine, recording each distinct state (consecutive repeats dropped). */
export function start<M extends AnyStateMachine>(machine: M, input: unknown, skip?: readonly string[]) {
  const actor = createActor(machine as AnyStateMachine, {
    input,
    inspect: (e) => {
      if (e.type === '@xstate.microstep') for (const t of e._transitions) taken.add(transitionKey(t));
    },
  }) as unknown as Actor<M>;
  const states: string[] = [];
  actor.subscribe({
    next: (s) => {
      const name = stateName((s as { value: StateValue }).value, skip);
      if (states.at(-1) !== name) states.push(name);
    },
    error: () => {},
  });
  const output = toPromise(actor);
  actor.start();
  return { actor, states, output };
}

/** Resolve after `ms`. */
export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Poll `cond` every ms until it holds; throws after `timeoutMs`. */
export async function until(cond: () => boolean, timeoutMs = 2_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!cond()) {
    if (performance.now() > deadline) throw new Error('until: condition not met in time');
    await sleep(1);
  }
}

/** Transitions taken by every actor started with {@link start} in this test file (see {@link transitionKey}). */
export const taken = new Set<string>();

/** A key for a transition that is stable across `machine.provide` copies: source, trigger, priority. */
export function transitionKey(t: AnyTransitionDefinition): string {
  const src = t.source;
  const always = src.always ?? [];
  if (always.includes(t)) return `${src.id}|always|${always.indexOf(t)}`;
  return `${src.id}|${t.eventType}|${(src.transitions.get(t.eventType) ?? []).indexOf(t)}`;
}

/** Every transition of a machine, as {@link transitionKey}s. */
export function allTransitionKeys(machine: AnyStateMachine): string[] {
  const keys: string[] = [];
  const visit = (node: AnyStateNode): void => {
    for (const list of node.transitions.values()) for (const t of list) keys.push(transitionKey(t));
    for (const t of node.always ?? []) keys.push(transitionKey(t));
    for (const child of Object.values(node.states) as AnyStateNode[]) visit(child);
  };
  visit(machine.root);
  return keys;
}

/** Transitions of `machine` that no test in this file has taken yet. */
export const untaken = (machine: AnyStateMachine): string[] => allTransitionKeys(machine).filter((k) => !taken.has(k));
