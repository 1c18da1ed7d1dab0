import { ROOT_CONTEXT, trace, TraceFlags, defaultTextMapGetter, defaultTextMapSetter } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatTraceparent, parseTraceparent } from '../../src/telemetry/traceparent.js';

const hex = (n: number) => fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), minLength: n, maxLength: n });
const w3c = new W3CTraceContextPropagator();

describe('traceparent', () => {
  it('writes what the SDK’s W3C propagator writes, and reads what it reads', () => {
    fc.assert(
      fc.property(hex(32), hex(16), fc.boolean(), (traceId, spanId, sampled) => {
        fc.pre(/[^0]/.test(traceId) && /[^0]/.test(spanId));
        const context = { traceId, spanId, traceFlags: sampled ? TraceFlags.SAMPLED : TraceFlags.NONE };
        const carrier: Record<string, string> = {};
        w3c.inject(trace.setSpanContext(ROOT_CONTEXT, context), carrier, defaultTextMapSetter);
        expect(formatTraceparent(context)).toBe(carrier.traceparent);
        const theirs = trace.getSpanContext(w3c.extract(ROOT_CONTEXT, carrier, defaultTextMapGetter));
        expect(parseTraceparent(carrier.traceparent)).toEqual({ ...theirs, traceState: undefined, isRemote: true });
      }),
    );
  });

  it('refuses malformed and all-zero values', () => {
    for (const bad of [
      undefined,
      '',
      'garbage',
      `00-${'0'.repeat(32)}-${'1'.repeat(16)}-01`,
      `00-${'1'.repeat(32)}-${'0'.repeat(16)}-01`,
      `01-${'1'.repeat(32)}-${'1'.repeat(16)}-01`,
      `00-${'A'.repeat(32)}-${'1'.repeat(16)}-01`,
    ]) {
      expect(parseTraceparent(bad)).toBeUndefined();
    }
  });
});
