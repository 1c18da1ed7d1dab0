// A model that only sleeps (fixed latency per call) and speaks the basic protocol's JSON. Plain
// JavaScript so compiled workers can load it without tsx. It records, per agent thread, the gap
// between the end of one call and the start of the next: the agent's coordination overhead per
// sub-task (complete the task, send the proposal, claim the next, read the digest). Given `threads`, it
// writes the OS id of each thread it is called in there once (Linux), so a bench can tell agent threads apart.
import { readlinkSync } from 'node:fs';

const nowUs = () => Number(process.hrtime.bigint()) / 1000;

/**
 * Resolves after `ms`, or rejects with the signal's reason once it aborts: a timer and one listener.
 * timers/promises' abortable setTimeout (validation, wrapped promises, listeners) cost the agent
 * threads of 1,000 agents × 4 on 2 threads 20–45 ms more a run, counted as if it were coordination.
 */
export function sleep(ms, signal) {
  if (!signal) return new Promise((resolve) => setTimeout(resolve, ms));
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** Whether this thread's id was written to a `threads` buffer already. */
let announced = false;

/** Writes this thread's OS id into `threads` (slot 0: how many are written), once per thread; nothing off Linux. */
function announceThread(threads) {
  if (announced) return;
  announced = true;
  let tid;
  try {
    tid = Number(readlinkSync('/proc/thread-self').split('/').at(-1));
  } catch {
    return;
  }
  const slots = new Int32Array(threads);
  const at = Atomics.add(slots, 0, 1) + 1;
  if (at < slots.length) Atomics.store(slots, at, tid);
}

/** @param {{ latencyMs: number, gaps?: SharedArrayBuffer, cursor?: SharedArrayBuffer, threads?: SharedArrayBuffer }} options */
export function createModel(options) {
  const gaps = options.gaps ? new Float64Array(options.gaps) : undefined;
  const cursor = options.cursor ? new Int32Array(options.cursor) : undefined;
  let lastEnd;
  return {
    id: 'sleep',
    async complete(req) {
      if (options.threads) announceThread(options.threads);
      const start = nowUs();
      if (gaps && cursor && lastEnd !== undefined && req.schemaName === 'agent_step') {
        const i = Atomics.add(cursor, 0, 1);
        if (i < gaps.length) gaps[i] = start - lastEnd;
      }
      await sleep(options.latencyMs, req.signal);
      const subTask = /Your sub-task: (.*)/.exec(req.messages[0]?.content ?? '')?.[1] ?? '';
      const reply =
        req.schemaName === 'final_decision'
          ? { decision: 'answer', answer: 'done' }
          : req.schemaName === 'agent_step'
            ? { findings: [{ text: `finding ${subTask}` }] }
            : { subTasks: ['x'] };
      lastEnd = nowUs();
      return {
        text: JSON.stringify(reply),
        object: req.schema ? req.schema.parse(reply) : undefined,
        usage: { inputTokens: 100, outputTokens: 20, cachedInputTokens: 0 },
        costUsd: 0,
        latencyMs: options.latencyMs,
        model: 'sleep',
      };
    },
  };
}
