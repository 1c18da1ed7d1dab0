/**
 * Which colour an agent's state gets on the timeline and legend: states fall into a few
 * categories (waiting, reading, model call, …); the verifier (agent 0) has its own states.
 */

/** A timeline category. */
export type Category = 'wait' | 'read' | 'think' | 'back' | 'act' | 'fail' | 'final' | 'idle';

/** The categories in legend order, with their legend text. */
export const CATEGORIES: ReadonlyArray<readonly [Category, string]> = [
  ['wait', 'waiting (claiming, electing, verifier settling)'],
  ['read', 'reading'],
  ['think', 'model call'],
  ['back', 'backing off / unfolding'],
  ['act', 'proposing, completing'],
  ['fail', 'failing a task'],
  ['final', 'finalizing'],
  ['idle', 'idle, released / verifier waiting'],
];

/** Each category's colour (the style sheet's `--wait`, `--read`, … hold the same). */
export const COLOURS: Readonly<Record<Category, string>> = {
  wait: '#f0a030',
  read: '#2bb8c9',
  think: '#4e7dff',
  back: '#9a6bff',
  act: '#2fbf71',
  fail: '#ef5350',
  final: '#e060b0',
  idle: '#6b7683',
};

/** Tool-call marks: a call that returned, and one that failed. */
export const TOOL_COLOURS = { ok: '#f5f7fa', failed: '#ef5350' } as const;

/** States in which an agent waits on coordination (the "waiting on coordination" meter), as the run's result counts them. */
export const WAITING_STATE = /^(claiming|electing|finalizing\.settling)/;

/** The category of `state` for agent `agentId` (0 is the verifier). */
export function categoryOf(agentId: number, state: string): Category {
  if (agentId === 0) {
    if (/^deciding|^backingOff/.test(state)) return 'think';
    if (/^rejecting|^failed/.test(state)) return 'fail';
    return 'idle';
  }
  if (WAITING_STATE.test(state)) return 'wait';
  if (/^reading/.test(state)) return 'read';
  if (/backingOff/.test(state) || /^unfolding/.test(state)) return 'back';
  if (/^thinking/.test(state)) return 'think';
  if (/^(proposing|wrappingUp|enqueueing|completing)/.test(state)) return 'act';
  if (/^failingTask/.test(state)) return 'fail';
  if (/^finalizing/.test(state)) return 'final';
  return 'idle';
}
