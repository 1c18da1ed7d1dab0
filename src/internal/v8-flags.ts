/**
 * The V8 setting delm's own processes run with: the CLI applies it before it loads anything else, and
 * the benches do the same so that they measure what the CLI runs.
 *
 * By default V8 gives a function its feedback vector (where its inline caches learn the shapes they
 * see) only after the function has run for a while; until then every property access and call in it
 * takes the slow generic path. A worker thread starts cold, and an agent's first sub-tasks run code
 * that has not been called before, so a short run pays that price on every thread. With the vectors
 * allocated on the first call, sub-tasks 2 to 8 of a fresh isolate cost about a third to half as much
 * CPU, and the second run of 64 agents on 64 threads 10–20 % less. The memory cost is a vector
 * for each function that runs at least once (the whole process's RSS did not change in those runs).
 *
 * V8 flags belong to the process, not to a thread, so a library does not set them for its host. A
 * service that embeds delm can start Node with `--no-lazy-feedback-allocation` to get the same effect.
 */
import { setFlagsFromString } from 'node:v8';

/** The flag, as on Node's command line. */
const EAGER_FEEDBACK_FLAG = '--no-lazy-feedback-allocation';

/**
 * Makes V8 give every function created from now on its feedback vector when it is first called. This
 * is process-wide and applies to the worker threads started afterwards. Functions that already exist
 * keep the default, so call it before loading the code it is meant for.
 */
export function allocateFeedbackEagerly(): void {
  setFlagsFromString(EAGER_FEEDBACK_FLAG);
}
