// A model that answers at once and speaks the basic protocol's JSON, for measuring what an agent
// spends between model calls. Loaded in the thread that runs the agent (bench/agent-loop.ts runs it
// in-process): each agent step records the process CPU time and the clock as it starts and as it ends
// into `globalThis.__delmLoopProbe`, so the model's own work stays out of the agent's.
const probe = (globalThis.__delmLoopProbe ??= []);

function stamp(at) {
  const cpu = process.cpuUsage();
  probe.push({ at, cpuUs: cpu.user + cpu.system, wallUs: performance.now() * 1000 });
}

/** @param {{ yieldEachCall?: boolean }} [options] with `yieldEachCall`, a call gives the event loop a turn before it starts, as a real call would */
export function createModel(options = {}) {
  return {
    id: 'instant',
    async complete(req) {
      const step = req.schemaName === 'agent_step';
      if (options.yieldEachCall) await new Promise(setImmediate);
      if (step) stamp('start');
      const subTask = /Your sub-task: (.*)/.exec(req.messages[0]?.content ?? '')?.[1] ?? '';
      const reply =
        req.schemaName === 'final_decision'
          ? { decision: 'answer', answer: 'done' }
          : req.schemaName === 'agent_step'
            ? { findings: [{ text: `finding ${subTask}` }] }
            : { subTasks: ['x'] };
      const result = {
        text: JSON.stringify(reply),
        object: req.schema ? req.schema.parse(reply) : undefined,
        usage: { inputTokens: 100, outputTokens: 20, cachedInputTokens: 0 },
        costUsd: 0,
        latencyMs: 0,
        model: 'instant',
      };
      if (step) stamp('end');
      return result;
    },
  };
}
