import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DEFAULT_MAX_RESPONSE_BYTES, limitResponse, limitResponseBytes, ModelError, resolveMaxResponseBytes, withModelRetry, resolveRetryPolicy } from '@agentrt/core';
import { describe, expect, it } from 'vitest';

const MiB = 1024 * 1024;
/** A body that never ends, counting what was pulled from it. */
function endless(piece: Uint8Array) {
  const state = { pulled: 0, cancelled: false };
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      state.pulled += piece.byteLength;
      controller.enqueue(piece);
    },
    cancel() {
      state.cancelled = true;
    },
  });
  return { body, state };
}
const drain = async (response: Response) => {
  const reader = response.body!.getReader();
  for (;;) if ((await reader.read()).done) return;
};
const codeOf = async (promise: Promise<unknown>) => promise.then(() => 'resolved', (error: unknown) => (ModelError.isInstance(error) ? `${error.code}:${(error.details as { responseTooLarge?: string })?.responseTooLarge}` : String(error)));

describe('limitResponse', () => {
  it('cuts an endless body at maxBytes with a typed error and cancels the source', async () => {
    const { body, state } = endless(new Uint8Array(64 * 1024).fill(97));
    const response = limitResponse(new Response(body, { headers: { 'content-type': 'application/json' } }), { maxBytes: MiB, provider: 'test' });
    expect(await codeOf(response.json())).toBe('model_unavailable:body');
    expect(state.cancelled).toBe(true);
    expect(state.pulled).toBeLessThanOrEqual(MiB + 128 * 1024);
  });

  it('does not trust a Content-Length: a small one with an endless body is cut at maxBytes; a huge one fails before reading', async () => {
    const small = endless(new Uint8Array(4096).fill(97));
    const lying = limitResponse(new Response(small.body, { headers: { 'content-length': '10' } }), { maxBytes: 64 * 1024, provider: 'test' });
    expect(await codeOf(drain(lying))).toBe('model_unavailable:body');
    const huge = endless(new Uint8Array(4096).fill(97));
    const claimed = limitResponse(new Response(huge.body, { headers: { 'content-length': String(2 ** 53) } }), { maxBytes: 64 * 1024, provider: 'test' });
    expect(await codeOf(drain(claimed))).toBe('model_unavailable:body');
    expect(huge.state.pulled).toBeLessThanOrEqual(4096 * 2);
    expect(huge.state.cancelled).toBe(true);
    // Garbage lengths are ignored (the bytes are counted).
    for (const length of ['-1', 'NaN', '1e99', ' ']) {
      const ok = limitResponse(new Response('{"a":1}', { headers: { 'content-length': length } }), { maxBytes: 1024, provider: 'test' });
      expect(await ok.json()).toEqual({ a: 1 });
    }
  });

  it('refuses a stream line without end at min(maxBytes, 8 MiB), but not a long non-streamed body', async () => {
    const line = endless(new Uint8Array(64 * 1024).fill(97));
    const sse = limitResponse(new Response(line.body, { headers: { 'content-type': 'text/event-stream; charset=utf-8' } }), { maxBytes: 64 * MiB, provider: 'test' });
    expect(await codeOf(drain(sse))).toBe('model_unavailable:line');
    expect(line.state.pulled).toBeLessThanOrEqual(8 * MiB + 128 * 1024);
    const lines = new TextEncoder().encode('data: {}\n\n'.repeat(1000));
    const ndjson = limitResponse(new Response(lines, { headers: { 'content-type': 'application/x-ndjson' } }), { maxBytes: 64 * 1024, provider: 'test' });
    expect(await ndjson.text()).toBe('data: {}\n\n'.repeat(1000));
  });

  it('passes bodies within the bound unchanged, and bodiless responses as they are', async () => {
    const text = 'é😀'.repeat(1000);
    expect(await limitResponse(new Response(text, { status: 429, headers: { 'retry-after': '1' } }), { maxBytes: 1024 * 1024, provider: 'test' }).text()).toBe(text);
    const empty = new Response(null, { status: 204 });
    expect(limitResponse(empty, { maxBytes: 1024, provider: 'test' })).toBe(empty);
  });

  it('bounds a real chunked HTTP body without end at the default, and closes the connection', async () => {
    let closed = false;
    let written = 0;
    const piece = Buffer.alloc(64 * 1024, 97);
    const server = createServer((_request, response) => {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.on('close', () => (closed = true));
      const write = () => {
        while (!response.destroyed) {
          written += piece.length;
          if (!response.write(piece)) return void response.once('drain', write);
        }
      };
      write();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const bounded = limitResponseBytes(fetch, { maxBytes: DEFAULT_MAX_RESPONSE_BYTES, provider: 'test' });
      const response = await bounded(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
      expect(await codeOf(response.json())).toBe('model_unavailable:body');
      await expect.poll(() => closed).toBe(true);
      expect(written).toBeGreaterThan(DEFAULT_MAX_RESPONSE_BYTES);
      expect(written).toBeLessThan(DEFAULT_MAX_RESPONSE_BYTES + 16 * MiB);
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('validates maxResponseBytes, naming the field', () => {
    expect(resolveMaxResponseBytes(undefined)).toBe(DEFAULT_MAX_RESPONSE_BYTES);
    for (const bad of [0, -1, 1023, 1.5, Number.NaN, Number.POSITIVE_INFINITY, '4096', 2 ** 60]) {
      expect(() => resolveMaxResponseBytes(bad)).toThrow(expect.objectContaining({ code: 'config_invalid', details: expect.objectContaining({ field: 'maxResponseBytes' }) }));
    }
    expect(() => limitResponseBytes(fetch, { maxBytes: -5, provider: 'x' })).toThrow(expect.objectContaining({ code: 'config_invalid' }));
  });
});

describe('withModelRetry and a deadline', () => {
  const policy = resolveRetryPolicy({ maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 2, maxRetryAfterMs: 3_600_000 });
  const limited = (retryAfterMs: number) => new ModelError('model_rate_limited', 'test answered 429', { status: 429, retryable: true, details: { retryAfterMs } });
  const signal = () => new AbortController().signal;

  it('fails at once when the Retry-After wait would end after the deadline, keeping the typed error', async () => {
    let calls = 0;
    const error = await withModelRetry({ policy, signal: signal(), deadline: Date.now() + 5_000, call: async () => { calls++; throw limited(600_000); } }).catch((e: unknown) => e as ModelError);
    expect(error).toMatchObject({ code: 'model_rate_limited', status: 429, retryable: true, details: { retryAfterMs: 600_000 } });
    expect(typeof error.details?.deadlineMs).toBe('number');
    expect(calls).toBe(1);
  });

  it('waits when the wait fits; a past deadline allows no wait; NaN or absent is no deadline', async () => {
    for (const [deadline, expected] of [[Date.now() + 60_000, 2], [Date.now() - 1, 1], [Number.NaN, 2], [undefined, 2], [Number.POSITIVE_INFINITY, 2], [Number.NEGATIVE_INFINITY, 1]] as const) {
      let calls = 0;
      const outcome = await withModelRetry({ policy, signal: signal(), deadline, call: async () => { if (++calls === 1) throw limited(5); return 'ok'; } }).catch((e: unknown) => (e as ModelError).code);
      expect([deadline, calls, outcome]).toEqual([deadline, expected, expected === 2 ? 'ok' : 'model_rate_limited']);
    }
  });
});
