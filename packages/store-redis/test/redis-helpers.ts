import { randomUUID } from 'node:crypto';
import type { StateStore } from '@agentrt/core';
import { RedisStore } from '@agentrt/store-redis';
import { Redis } from 'ioredis';

/** The Redis the suite runs against (`pnpm test` guarantees one answers). */
export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/** A key prefix no other test uses. */
export const freshPrefix = () => `agentrt-test:${randomUUID()}:`;

/** Deletes every key under a prefix. */
export async function dropPrefix(prefix: string): Promise<void> {
  const redis = new Redis(REDIS_URL, { lazyConnect: true });
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
      cursor = next;
      if (keys.length) await redis.del(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The redis-server binary (`pnpm test` installs it when missing and sets REDIS_SERVER_BIN). */
export const REDIS_SERVER_BIN = process.env.REDIS_SERVER_BIN ?? (spawnSync('sh', ['-c', 'command -v redis-server'], { encoding: 'utf8' }).stdout.trim() || 'redis-server');

const freePort = () => new Promise<number>((resolve) => {
  const server = createServer();
  server.listen(0, '127.0.0.1', () => {
    const { port } = server.address() as { port: number };
    server.close(() => resolve(port));
  });
});

/** A private redis-server for nemesis tests: start, crash (SIGKILL), restart on the same port and directory. */
export class PrivateRedis implements AsyncDisposable {
  private process: ChildProcess | undefined;
  readonly dir = mkdtempSync(join(tmpdir(), 'agentrt-redis-'));
  private constructor(readonly port: number, private readonly args: string[]) {}

  static async start(args: string[] = []): Promise<PrivateRedis> {
    const server = new PrivateRedis(await freePort(), args);
    await server.restart();
    return server;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  async restart(): Promise<void> {
    this.process = spawn(REDIS_SERVER_BIN, ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--dir', this.dir, ...this.args], { stdio: 'ignore' });
    const client = new Redis(this.url, { lazyConnect: true, retryStrategy: () => 50, maxRetriesPerRequest: null });
    client.on('error', () => undefined);
    try {
      for (let i = 0; i < 100; i++) {
        try {
          if ((await client.ping()) === 'PONG') return;
        } catch {
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
      }
      throw new Error(`private redis-server on ${this.port} did not start`);
    } finally {
      client.disconnect();
    }
  }

  /** SIGKILL: no graceful shutdown, no final save. */
  async crash(): Promise<void> {
    const child = this.process;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.crash();
  }
}

/** `create` and `destroy` for the conformance suites: each store on a key prefix of its own, its keys deleted once it is closed. */
export function prefixedStores(): { create: () => RedisStore; destroy: (store: StateStore) => Promise<void> } {
  const prefixes = new WeakMap<object, string>();
  return {
    create: () => {
      const keyPrefix = freshPrefix();
      const store = new RedisStore({ url: REDIS_URL, keyPrefix });
      prefixes.set(store, keyPrefix);
      return store;
    },
    destroy: async (store) => {
      await store.close?.();
      await dropPrefix(prefixes.get(store)!);
    },
  };
}
