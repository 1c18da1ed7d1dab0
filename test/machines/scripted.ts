/**
 * Scripted actors and recorders for driving the pure machines in tests, on simulated time: every
 * machine runs on a {@link TestClock} (XState's SimulatedClock) that jumps to the next timer whenever
 * nothing else can happen, so delays (backoff, lease extension) take exactly their simulated length
 * and no test depends on how fast the machine runs it.
 */
import { SimulatedClock, createActor, fromPromise, toPromise } from 'xstate';
import type { Actor, AnyActorRef, AnyStateMachine, AnyStateNode, AnyTransitionDefinition, StateValue } from 'xstate';

/** XState's SimulatedClock that knows when its next timer is due. */
export class TestClock extends SimulatedClock {
  private readonly due = new Map<number, number>();

  override setTimeout(fn: (...args: unknown[]) => void, timeout: number): number {
    const id = super.setTimeout(() => {
      this.due.delete(id);
      fn();
    }, timeout);
    this.due.set(id, this.now() + timeout);
    return id;
  }

  override clearTimeout(id: number): void {
    this.due.delete(id);
    super.clearTimeout(id);
  }

  /** When the next timer fires, if one is set. */
  nextDue(): number | undefined {
    return this.due.size === 0 ? undefined : Math.min(...this.due.values());
  }

  /** Resolves after `ms` of simulated time. */
  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => this.setTimeout(() => resolve(), ms));
  }
}

/** Lets every promise that can settle now settle: a macrotask turn comes after the microtask queue drains. */
export const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Runs `actor` through simulated time until it stops: whenever nothing else can happen, the clock jumps to its next timer. */
async function drive(clock: TestClock, actor: AnyActorRef): Promise<void> {
  for (;;) {
    await settle();
    if (actor.getSnapshot().status !== 'active') return;
    const next = clock.nextDue();
    // No timer: the machine waits on the test (an event to send, a hanging actor to stop).
    if (next === undefined) await new Promise((resolve) => setTimeout(resolve, 1));
    else clock.set(next);
  }
}

/** One scripted reply: a value, a thrown error, or a function of the input, abort signal and the simulated clock. */
export type Step<O, I> =
  { ok: O } | { err: unknown } | { run: (input: I, signal: AbortSignal, clock: TestClock) => O | Promise<O> };

/** A promise actor (and the same as a plain async function, `fn`) that replies with `steps` in order (the last one repeats) and records its inputs and when (simulated ms) it was called. */
export function scripted<O, I>(steps: ReadonlyArray<Step<O, I>>, clock: TestClock = new TestClock()) {
  const calls: I[] = [];
  const at: number[] = [];
  const signals: AbortSignal[] = [];
  let n = 0;
  // The same script as a plain function (an agent effect) and as a promise actor (an invoked actor).
  const fn = async (input: I, signal: AbortSignal): Promise<O> => {
    calls.push(input);
    at.push(clock.now());
    signals.push(signal);
    const step = steps[Math.min(n++, steps.length - 1)];
    if (step === undefined) throw new Error('scripted actor has no steps');
    if ('err' in step) throw step.err;
    if ('run' in step) return step.run(input, signal, clock);
    return step.ok;
  };
  const logic = fromPromise<O, I>(({ input, signal }) => fn(input, signal));
  return { logic, fn, calls, at, signals };
}

/** An error carrying a delm-style `code` (and optional fields such as `retryable`). */
export function coded(code: string, message: string = code, extra: Record<string, unknown> = {}): Error {
  return Object.assign(new Error(message), { code, ...extra });
}

/** A step that never settles until its actor is stopped (the signal aborts). */
export function hang<O, I>(): Step<O, I> {
  return {
    run: (_input, signal) =>
      new Promise<O>((_, reject) => signal.addEventListener('abort', () => reject(coded('ABORTED')))),
  };
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

/**
 * Start a machine on `clock` (driven through simulated time until it stops), recording each distinct
 * state (consecutive repeats dropped); states named in `hide` are not recorded (the agent's `working`,
 * whose task loop records its own phases).
 */
export function start<M extends AnyStateMachine>(
  machine: M,
  input: unknown,
  clock: TestClock = new TestClock(),
  skip?: readonly string[],
  hide: readonly string[] = [],
  /** Where the states are recorded (the caller may add to it too: the task loop's phases, from the first). */
  states: string[] = [],
) {
  const actor = createActor(machine as AnyStateMachine, {
    input,
    clock,
    inspect: (e) => {
      if (e.type === '@xstate.microstep') for (const t of e._transitions) taken.add(transitionKey(t));
    },
  }) as unknown as Actor<M>;
  actor.subscribe({
    next: (s) => {
      const name = stateName((s as { value: StateValue }).value, skip);
      if (states.at(-1) !== name && !hide.includes(name)) states.push(name);
    },
    error: () => {},
  });
  const output = toPromise(actor);
  actor.start();
  void drive(clock, actor);
  return { actor, states, output, clock };
}

/** Let promises settle until `cond` holds; throws after `turns` macrotask turns (a count, not a time). */
export async function until(cond: () => boolean, turns = 1_000): Promise<void> {
  for (let i = 0; !cond(); i++) {
    if (i >= turns) throw new Error(`until: condition not met in ${turns} turns`);
    await settle();
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
