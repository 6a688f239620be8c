import { modelErrorCodeForStatus, parseRetryAfter } from '@agentrt/core';
import { describe, expect, it } from 'vitest';

const NOW = Date.parse('2026-03-01T12:00:00Z');
const after = (value: string) => parseRetryAfter({ 'retry-after': value }, NOW);
const afterMs = (value: string) => parseRetryAfter({ 'retry-after-ms': value }, NOW);

describe('parseRetryAfter (F-03)', () => {
  it('reads seconds, milliseconds and the three HTTP-date forms', () => {
    expect(after('2')).toBe(2_000);
    expect(after(' 1.5 ')).toBe(1_500);
    expect(after('0')).toBe(0);
    expect(afterMs('250')).toBe(250);
    expect(after('Sun, 01 Mar 2026 12:00:30 GMT')).toBe(30_000);
    expect(after('Sunday, 01-Mar-26 12:00:30 GMT')).toBe(30_000);
    // asctime has no zone and is GMT by definition, whatever the process's time zone.
    expect(after('Sun Mar  1 12:00:30 2026')).toBe(30_000);
    expect(parseRetryAfter(new Headers({ 'Retry-After': '3' }), NOW)).toBe(3_000);
  });

  it.each(['-5', '-1', '+3', '-0', '1 2', 'abc 1', '12/31/2099', '1e3', '0x10', 'NaN', 'Infinity', 'soon-ish', '', '   ', 'Sun, 01 Mar 2026 11:00:00 GMT'])(
    'ignores %j (the caller backs off instead; a date already past included)',
    (value) => expect(after(value)).toBeUndefined(),
  );

  it.each(['-100', '0x10', '1e400', 'Infinity', '1_000', 'ten'])('ignores retry-after-ms %j and falls through to retry-after', (value) => {
    expect(afterMs(value)).toBeUndefined();
    expect(parseRetryAfter({ 'retry-after-ms': value, 'retry-after': '4' }, NOW)).toBe(4_000);
  });

  it('never throws on hostile header containers', () => {
    for (const headers of [undefined, null, 42, 'retry-after: 5', [], { 'retry-after': ['7', '9'] }, { 'Retry-After': { toString: () => '3' } }]) {
      expect(() => parseRetryAfter(headers, NOW)).not.toThrow();
    }
    expect(parseRetryAfter({ 'retry-after': ['7', '9'] }, NOW)).toBe(7_000);
  });
});

describe('modelErrorCodeForStatus', () => {
  it('maps a success status that came with an error (an unreadable body) to model_unavailable, never model_bad_request', () => {
    expect(modelErrorCodeForStatus(200, 'Invalid JSON response')).toBe('model_unavailable');
    expect(modelErrorCodeForStatus(302)).toBe('model_unavailable');
    expect(modelErrorCodeForStatus(400)).toBe('model_bad_request');
  });

  it('a rate limit, an outage, a timeout or an auth failure keeps its status meaning whatever its text says about tokens (red team 10)', () => {
    expect(modelErrorCodeForStatus(429, 'Too many tokens per minute: limit 10000, requested 12000')).toBe('model_rate_limited');
    expect(modelErrorCodeForStatus(429, 'This request would exceed the maximum tokens per minute')).toBe('model_rate_limited');
    expect(modelErrorCodeForStatus(503, 'upstream: maximum context workers busy')).toBe('model_unavailable');
    expect(modelErrorCodeForStatus(500, 'context length check crashed')).toBe('model_unavailable');
    expect(modelErrorCodeForStatus(408, 'prompt is too long to read in time')).toBe('model_timeout');
    expect(modelErrorCodeForStatus(401, 'context window key invalid')).toBe('model_auth');
  });

  it('a refused request over the context window is context_overflow (400 with the text, 413)', () => {
    expect(modelErrorCodeForStatus(400, "This model's maximum context length is 128000 tokens")).toBe('context_overflow');
    expect(modelErrorCodeForStatus(400, 'prompt is too long: 210000 tokens > 200000 maximum')).toBe('context_overflow');
    expect(modelErrorCodeForStatus(413, 'Payload Too Large')).toBe('context_overflow');
    expect(modelErrorCodeForStatus(422, 'input exceeds the context window')).toBe('context_overflow');
  });
});
