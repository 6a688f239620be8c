import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readBody } from '../loopback/loopback-server.js';

/** A loopback "external service" that side-effecting test tools call. */
export interface EffectCounter extends AsyncDisposable {
  readonly url: string;
  /** Raw calls per idempotency key (every attempt, deduplicated or not). */
  readonly attempts: ReadonlyMap<string, number>;
  /** Effects applied per key: the service dedupes calls marked `dedupe` by key, as an idempotent API would. */
  readonly applied: ReadonlyMap<string, number>;
  /** Kind of operation per key (`charge`, `put`, …). */
  readonly kinds: ReadonlyMap<string, string>;
  close(): Promise<void>;
}

/**
 * Starts the counter on 127.0.0.1 (port 0). `POST /effect {"kind","key","dedupe"}` records
 * an attempt; the effect is applied unless `dedupe` is true and the key was already applied.
 * "Duplicate effect" and "duplicate attempt" are measured separately.
 */
export async function startEffectCounter(): Promise<EffectCounter> {
  const attempts = new Map<string, number>();
  const applied = new Map<string, number>();
  const kinds = new Map<string, string>();
  const server = createServer(async (request, response) => {
    try {
      if (request.method !== 'POST' || request.url !== '/effect') {
        response.writeHead(404).end();
        return;
      }
      const { kind, key, dedupe } = JSON.parse(await readBody(request)) as { kind: string; key: string; dedupe?: boolean };
      attempts.set(key, (attempts.get(key) ?? 0) + 1);
      kinds.set(key, kind);
      const already = applied.get(key) ?? 0;
      if (!(dedupe && already > 0)) applied.set(key, already + 1);
      response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ ok: true, deduplicated: Boolean(dedupe && already > 0) }));
    } catch {
      response.writeHead(400).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const close = () => new Promise<void>((resolve) => server.close(() => resolve()));
  return { url: `http://127.0.0.1:${port}`, attempts, applied, kinds, close, [Symbol.asyncDispose]: close };
}
