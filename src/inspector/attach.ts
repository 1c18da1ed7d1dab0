/** Hooks a run up to an inspector: what `--inspect` on a command needs. */
import type { SwarmEvent } from '../runtime/events.js';
import type { RunObserver } from './hub.js';

/** Anything that takes an `onEvent` listener: `swarm.run`'s RunOptions, a runner's options, … */
export interface WithOnEvent {
  onEvent?: (event: SwarmEvent) => void;
}

/** How {@link attachInspector} names the run. */
export interface AttachInfo {
  /** Shown in the page's run list (default: the run id). */
  label?: string;
  /** Run id (default: the id in the run's `run.started` event). */
  runId?: string;
  /** Agents (default: from `run.started`). */
  agents?: number;
}

/**
 * Returns a copy of `options` whose `onEvent` also feeds `inspector` (the original listener still
 * runs first). The run is tracked at its `run.started` event, under that event's id and agent count
 * unless `info` names them; events before it (the planner's model calls) are held until then, and a
 * run that ends before starting is still shown.
 *
 * ```ts
 * const inspector = await startInspector();
 * const run = swarm.run(task, attachInspector(inspector, { signal }, { label: 'item 3' }));
 * ```
 */
export function attachInspector<T extends object>(
  inspector: RunObserver,
  options: T,
  info: AttachInfo = {},
): T & WithOnEvent {
  const previous = (options as WithOnEvent).onEvent;
  let observe: ((event: SwarmEvent) => void) | undefined;
  let held: SwarmEvent[] = [];
  const start = (runId: string, agents: number) => {
    observe = inspector.track({
      runId: info.runId ?? runId,
      agents: info.agents ?? agents,
      ...(info.label !== undefined ? { label: info.label } : {}),
    });
    for (const e of held) observe(e);
    held = [];
  };
  return {
    ...options,
    onEvent: (event: SwarmEvent) => {
      previous?.(event);
      if (!observe) {
        if (event.type === 'run.started') start(event.runId, event.agents);
        else if (event.type === 'run.finished') start(info.runId ?? info.label ?? 'run', info.agents ?? 0);
        else {
          held.push(event);
          return;
        }
      }
      observe?.(event);
    },
  };
}
