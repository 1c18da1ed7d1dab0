import { describe, expect, it } from 'vitest';
import { backoffDelay, classifyError, toErrorInfo } from '../../machines/errors.js';
import { resolveAgentConfig, DEFAULT_AGENT_CONFIG } from '../../machines/config.js';
import { coded } from './scripted.js';

describe('machine error classification', () => {
  it('classifies by code, also for the plain form that crosses threads', () => {
    expect(classifyError(coded('BUDGET_EXHAUSTED'))).toBe('budget');
    expect(classifyError({ code: 'ABORTED', message: 'x' })).toBe('aborted');
    expect(classifyError({ code: 'CLOSED', message: 'x' })).toBe('aborted');
    expect(classifyError({ code: 'LEASE_LOST', message: 'x' })).toBe('leaseLost');
    expect(classifyError({ code: 'FENCED', message: 'x' })).toBe('fenced');
    expect(classifyError({ code: 'WORKER_CRASHED', message: 'x' })).toBe('fatal');
    expect(classifyError({ code: 'NOT_PROVIDED', message: 'x' })).toBe('fatal');
    expect(classifyError({ code: 'RATE_LIMITED', message: 'x' })).toBe('retryable');
    expect(classifyError({ code: 'PROVIDER_ERROR', message: 'x', retryable: true })).toBe('retryable');
    expect(classifyError({ code: 'PROVIDER_ERROR', message: 'x', retryable: false })).toBe('other');
    expect(classifyError({ code: 'RATE_LIMITED', message: 'x', retryable: false })).toBe('other');
    expect(classifyError(new Error('plain'))).toBe('other');
    expect(classifyError('a string')).toBe('other');
  });

  it('keeps errors as plain data', () => {
    expect(toErrorInfo(coded('RATE_LIMITED', 'slow down', { retryable: true }))).toEqual({
      code: 'RATE_LIMITED',
      message: 'slow down',
      retryable: true,
    });
    expect(toErrorInfo(42)).toEqual({ code: undefined, message: '42', retryable: undefined });
  });

  it('doubles the backoff each retry up to the cap', () => {
    expect([1, 2, 3, 4, 5].map((r) => backoffDelay(r, 100, 1_000))).toEqual([100, 200, 400, 800, 1_000]);
  });

  it('completes a partial config with the defaults', () => {
    expect(resolveAgentConfig({ maxRetries: 9 })).toEqual({ ...DEFAULT_AGENT_CONFIG, maxRetries: 9 });
    expect(resolveAgentConfig(undefined)).toEqual(DEFAULT_AGENT_CONFIG);
  });
});
