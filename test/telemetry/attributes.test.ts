import { describe, expect, it } from 'vitest';
import * as semconv from '@opentelemetry/semantic-conventions/incubating';
import * as attributes from '../../src/telemetry/attributes.js';

describe('telemetry names', () => {
  it('copies each semantic-convention name as the pinned package defines it', () => {
    const copied = Object.entries(attributes).filter(([name]) => /^(ATTR|GEN_AI|METRIC)_/.test(name));
    expect(copied.length).toBeGreaterThan(20);
    for (const [name, value] of copied)
      expect([name, value]).toEqual([name, (semconv as Record<string, unknown>)[name]]);
  });
});
