/**
 * Embedding delm in a long-running service: create a pool of swarms once, serve many runs (several
 * at the same time, others one after another), stream a run's events, cancel one with an
 * AbortSignal, shed load when the pool is full, and close cleanly on shutdown.
 *
 *   npx tsx examples/service.ts
 *
 * It uses the offline model (not an LLM; no key, no network) with the basic protocol, so it runs
 * anywhere in a few seconds. In a real service, pass a model string such as 'openai:gpt-4.1-mini'.
 */
import { createSwarmPool, isDelmError, type RunTask, type SwarmEvent } from 'delm';

const licence = (label: string, text: string) => ({ label, text });
const SOURCES = [
  licence(
    'MIT',
    'Permission is hereby granted, free of charge, to any person obtaining a copy of this software. The software is provided as is, without warranty of any kind.',
  ),
  licence(
    'BSD',
    'Redistribution and use in source and binary forms, with or without modification, are permitted provided that the copyright notice is retained. Neither the name of the copyright holder may be used to endorse products.',
  ),
  licence(
    'Apache',
    'Each contributor grants you a perpetual, worldwide, royalty-free patent license to make and use the work. You must give recipients a copy of this license.',
  ),
];
const ask = (prompt: string): RunTask => ({ prompt, sources: SOURCES });

// One pool for the life of the service: two swarms, so two runs execute at once; a few more may wait.
const pool = createSwarmPool({ swarms: 2, agents: 2, protocol: 'basic', model: 'offline', maxQueued: 2 });

// A service closes its pool when it is told to stop; runs in flight resolve with stopReason 'aborted'.
const shutdown = () => void pool.close();
process.once('SIGINT', shutdown);
process.once('SIGTERM', shutdown);

try {
  // 1. Several requests at the same time: two run, the third waits for a free swarm.
  const started = Date.now();
  const concurrent = await Promise.all(
    [
      'Which licence grants a patent license?',
      'Is the software provided with a warranty?',
      'May the copyright holder name endorse products?',
    ].map((q) => pool.run(ask(q))),
  );
  console.log(
    `concurrent: ${concurrent.length} runs, stop reasons ${concurrent.map((r) => r.stopReason).join(', ')}, ${Date.now() - started} ms`,
  );
  for (const r of concurrent)
    console.log(`  answer: ${(r.answer ?? '(none)').split('\n').slice(1, 2).join(' ').slice(0, 110)}`);

  // 2. Stream one run's events as they happen (a progress display, a log, an SSE feed).
  const streamed = pool.run(ask('What must recipients be given?'));
  const seen: SwarmEvent['type'][] = [];
  for await (const event of streamed.events) seen.push(event.type);
  const result = await streamed;
  console.log(
    `streamed: ${seen.length} events (${seen.filter((t) => t === 'commit').length} commits), first ${seen[0]}, last ${seen.at(-1)}; ${result.usage.inputTokens + result.usage.outputTokens} tokens`,
  );

  // 3. Requests one after another reuse the same warm worker threads.
  for (const q of ['Is use free of charge?', 'Is redistribution permitted?']) {
    const r = await pool.run(ask(q));
    console.log(`sequential: "${q}" → ${r.stopReason} in ${r.wallTimeMs} ms`);
  }

  // 4. Cancel a run with an AbortSignal (a client hung up, a deadline passed): it stops and says why.
  const controller = new AbortController();
  const cancelled = await pool.run(ask('Summarise every licence.'), {
    signal: controller.signal,
    onEvent: (e) => {
      if (e.type === 'run.started') controller.abort();
    },
  });
  console.log(`cancelled: stopReason=${cancelled.stopReason}`);

  // 5. Shed load: past 2 running + 2 waiting, run() throws POOL_FULL at once (answer 429 / retry later).
  const burst = [];
  let shed = 0;
  for (let i = 0; i < 6; i++) {
    try {
      burst.push(pool.run(ask(`Burst question ${i}: is there a warranty?`)));
    } catch (error) {
      if (!isDelmError(error, 'POOL_FULL')) throw error;
      shed++;
    }
  }
  const burstResults = await Promise.all(burst);
  console.log(
    `load shedding: ${burstResults.length} accepted and answered (${burstResults.filter((r) => r.stopReason === 'answered').length}), ${shed} rejected with POOL_FULL`,
  );
} finally {
  // 6. Close: every worker thread ends and the process can exit on its own.
  await pool.close();
  process.off('SIGINT', shutdown);
  process.off('SIGTERM', shutdown);
  console.log(`closed: ${JSON.stringify(pool.stats())}`);
}
