/** Waiting for a promise with a time limit, without failing at the limit. */

/**
 * Whether `promise` settled within `ms`: true when it fulfilled in time, false when the time ran out
 * first; rejects with its error when it rejected in time. The timer does not keep the process alive,
 * and a rejection after the limit is not left unhandled.
 */
export async function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
    timer.unref();
  });
  promise.catch(() => undefined);
  try {
    return await Promise.race([promise.then(() => true as const), late]);
  } finally {
    clearTimeout(timer);
  }
}
