import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { withCallTimeout } from '../../src/runtime/call-timeout.js';
import type { CompletionRequest, CompletionResult, LanguageModel } from '../../src/providers/types.js';

const answer: CompletionResult<unknown> = {
  text: 'ok',
  object: undefined,
  usage: { inputTokens: 1, outputTokens: 1, cachedInputTokens: 0 },
  costUsd: 0,
  latencyMs: 0,
  model: 'm',
};

/** A model that records the signal of every call and answers after `delays[i]` ms (never when undefined). */
function recording(delays: Array<number | undefined>, onCall?: (signal: AbortSignal) => void) {
  const signals: AbortSignal[] = [];
  const model: LanguageModel = {
    id: 'm',
    complete<T>(request: CompletionRequest<T>) {
      const signal = request.signal!;
      const delay = delays[signals.length];
      signals.push(signal);
      onCall?.(signal);
      return new Promise<CompletionResult<T>>((resolve) => {
        if (delay !== undefined) setTimeout(() => resolve(answer as CompletionResult<T>), delay);
      });
    },
  };
  return { model, signals };
}

const timers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;

describe('withCallTimeout', () => {
  it('rejects a call that never answers with a retryable PROVIDER_TIMEOUT and aborts the signal its model holds', async () => {
    const { model, signals } = recording([undefined]);
    await expect(withCallTimeout(model, 20).complete({ messages: [] })).rejects.toMatchObject({
      code: 'PROVIDER_TIMEOUT',
      retryable: true,
    });
    expect(signals[0]!.aborted).toBe(true);
    expect(signals[0]!.reason).toMatchObject({ code: 'PROVIDER_TIMEOUT' });
  });

  it('rejects at once when its caller aborts, even if the model ignores the signal, and passes the reason on', async () => {
    const { model, signals } = recording([undefined]);
    const controller = new AbortController();
    const call = withCallTimeout(model, 60_000).complete({ messages: [], signal: controller.signal });
    controller.abort('stop');
    await expect(call).rejects.toMatchObject({ code: 'ABORTED' });
    expect(signals[0]!.reason).toBe('stop');
    // An already aborted caller never reaches the model.
    await expect(
      withCallTimeout(model, 60_000).complete({ messages: [], signal: controller.signal }),
    ).rejects.toMatchObject({ code: 'ABORTED' });
    expect(signals).toHaveLength(1);
  });

  it('hands calls made one after another the same signal, and a new one after a timeout aborted it', async () => {
    const { model, signals } = recording([0, 0, 0, undefined, 0]);
    const timed = withCallTimeout(model, 30);
    const caller = new AbortController().signal;
    for (let i = 0; i < 3; i++) await timed.complete({ messages: [], signal: caller });
    expect(new Set(signals).size).toBe(1);
    expect(signals[0]!.aborted).toBe(false);
    await expect(timed.complete({ messages: [], signal: caller })).rejects.toMatchObject({ code: 'PROVIDER_TIMEOUT' });
    expect(signals[3]).toBe(signals[0]);
    await timed.complete({ messages: [], signal: caller });
    expect(signals[4]).not.toBe(signals[0]);
    expect(signals[4]!.aborted).toBe(false);
  });

  it("hands a signal a call gave back to another agent's call (one thread's wrappers share their spares)", async () => {
    const first = recording([0]);
    const second = recording([0]);
    const caller = new AbortController();
    await withCallTimeout(first.model, 1_000).complete({ messages: [], signal: caller.signal });
    await withCallTimeout(second.model, 1_000).complete({ messages: [], signal: caller.signal });
    expect(second.signals[0]).toBe(first.signals[0]);
    // The caller's abort reaches the calls of every wrapper it was handed to, through one listener.
    const third = recording([undefined]);
    const pending = withCallTimeout(third.model, 60_000).complete({ messages: [], signal: caller.signal });
    caller.abort();
    await expect(pending).rejects.toMatchObject({ code: 'ABORTED' });
    expect(third.signals[0]!.aborted).toBe(true);
  });

  it('gives a new signal to the call after one whose model left a listener on its signal', async () => {
    const { model, signals } = recording([0, 0, 0], (signal) => {
      if (signals.length === 2) signal.addEventListener('abort', () => undefined);
    });
    const timed = withCallTimeout(model, 1_000);
    for (let i = 0; i < 3; i++) await timed.complete({ messages: [] });
    expect(signals[1]).toBe(signals[0]);
    expect(signals[2]).not.toBe(signals[1]);
  });

  it('times calls in flight together each from its own start', async () => {
    const { model, signals } = recording([undefined, undefined, 10]);
    const timed = withCallTimeout(model, 80);
    const started = performance.now();
    const failedAt = (call: Promise<unknown>) =>
      call.then(
        () => ({ e: undefined, at: Number.NaN }),
        (e: unknown) => ({ e, at: performance.now() - started }),
      );
    const first = failedAt(timed.complete({ messages: [] }));
    await new Promise((r) => setTimeout(r, 40));
    const second = failedAt(timed.complete({ messages: [] }));
    const third = timed.complete({ messages: [] });
    const a = await first;
    expect(a).toMatchObject({ e: { code: 'PROVIDER_TIMEOUT' } });
    await expect(third).resolves.toBe(answer);
    const b = await second;
    expect(b).toMatchObject({ e: { code: 'PROVIDER_TIMEOUT' } });
    // The second call started 40 ms after the first, so it may not time out with it.
    expect(b.at - a.at).toBeGreaterThanOrEqual(30);
    expect(new Set(signals).size).toBe(3);
    expect(signals[2]!.aborted).toBe(false);
  });

  it('times the calls of many wrappers in flight with one timer', async () => {
    const before = timers();
    const calls = Array.from({ length: 20 }, () =>
      withCallTimeout(recording([5]).model, 60_000).complete({ messages: [] }),
    );
    expect(timers()).toBe(before + 20 + 1); // each model's answer, and the thread's one deadline timer
    await Promise.all(calls);
    expect(timers()).toBe(before);
  });

  it("keeps nothing of a wrapper alive once its calls ended (an agent's model is not held until the timeout)", async () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    // The model is reachable only from this call's scope (and whatever the wrapper keeps).
    const called = async (): Promise<WeakRef<LanguageModel>> => {
      const model = recording([0]).model;
      await withCallTimeout(model, 60_000).complete({ messages: [] });
      return new WeakRef(model);
    };
    const collected = async (): Promise<boolean> => {
      const ref = await called();
      for (let i = 0; i < 3 && ref.deref() !== undefined; i++) {
        await new Promise((r) => setImmediate(r));
        gc();
      }
      return ref.deref() === undefined;
    };
    expect(await collected()).toBe(true);
  });

  it('holds no referenced timer once no call is in flight, so an idle process can exit', async () => {
    const before = timers();
    const { model } = recording([5]);
    const call = withCallTimeout(model, 60_000).complete({ messages: [] });
    expect(timers()).toBe(before + 2); // the model's answer and the call's deadline
    await call;
    expect(timers()).toBe(before);
  });
});
