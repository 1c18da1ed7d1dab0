import { describe, expect, it } from 'vitest';
import { APP_CSS } from '../../../../src/inspector/page/css.js';
import { CATEGORIES, COLOURS, categoryOf } from '../../../../src/inspector/page/client/state-colours.js';

describe('state colouring', () => {
  it('puts each agent state in its category', () => {
    const cases: Array<[string, string]> = [
      ['claiming', 'wait'],
      ['electing', 'wait'],
      ['reading', 'read'],
      ['unfolding', 'back'],
      ['thinking.model.backingOff|lease.holding', 'back'],
      ['thinking.model.calling|lease.holding', 'think'],
      ['proposing', 'act'],
      ['wrappingUp', 'act'],
      ['enqueueing', 'act'],
      ['completing', 'act'],
      ['failingTask', 'fail'],
      ['finalizing.model.calling', 'final'],
      ['finalizing.deciding', 'final'],
      // The final agent waiting for the verifier waits on coordination like a claim does.
      ['finalizing.settling', 'wait'],
      ['done', 'idle'],
      ['something new', 'idle'],
    ];
    for (const [state, category] of cases) expect(categoryOf(1, state), state).toBe(category);
  });

  it('colours the verifier (agent 0) by its own states', () => {
    expect(categoryOf(0, 'deciding')).toBe('think');
    expect(categoryOf(0, 'backingOff')).toBe('think');
    expect(categoryOf(0, 'rejecting')).toBe('fail');
    expect(categoryOf(0, 'failed')).toBe('fail');
    expect(categoryOf(0, 'waiting')).toBe('idle');
    // Agent state names mean nothing for the verifier.
    expect(categoryOf(0, 'claiming')).toBe('idle');
  });

  it('gives every legend category the colour the style sheet gives its swatch', () => {
    expect(CATEGORIES.map(([c]) => c).sort()).toEqual(Object.keys(COLOURS).sort());
    for (const [category] of CATEGORIES) {
      expect(APP_CSS).toContain(`--${category}: ${COLOURS[category]};`);
      expect(APP_CSS).toContain(`.sw.${category} { background: var(--${category}); }`);
    }
  });
});
