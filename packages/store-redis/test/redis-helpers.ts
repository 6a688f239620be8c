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
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { redisPid, reservedPort } from '@agentrt/testing';

/** The redis-server binary (`pnpm test` installs it when missing and sets REDIS_SERVER_BIN). */
export const REDIS_SERVER_BIN = process.env.REDIS_SERVER_BIN ?? (spawnSync('sh', ['-c', 'command -v redis-server'], { encoding: 'utf8' }).stdout.trim() || 'redis-server');

/** A private redis-server for nemesis tests: start, crash (SIGKILL), restart on the same port and directory. */
export class PrivateRedis implements AsyncDisposable {
  private process: ChildProcess | undefined;
  readonly dir = mkdtempSync(join(tmpdir(), 'agentrt-redis-'));
  private constructor(readonly port: number, private readonly args: string[]) {}

  /** Starts a server on a reserved port (`pickPort`, for tests of this helper), trying another port if that one was taken meanwhile. */
  static async start(args: string[] = [], pickPort: () => Promise<number> = reservedPort): Promise<PrivateRedis> {
    for (let attempt = 1; ; attempt++) {
      const server = new PrivateRedis(await pickPort(), args);
      try {
        await server.restart();
        return server;
      } catch (error) {
        await server[Symbol.asyncDispose]();
        if (attempt === 5) throw error;
      }
    }
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /**
   * Starts the server (again) on its port and directory; resolves once this very process answers
   * (its INFO names its pid), so a test never goes on against another server that took the port.
   */
  async restart(): Promise<void> {
    const child = spawn(REDIS_SERVER_BIN, ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--dir', this.dir, ...this.args], { stdio: 'ignore' });
    this.process = child;
    for (let i = 0; i < 200; i++) {
      if (child.exitCode !== null || child.signalCode !== null) throw new Error(`private redis-server on ${this.port} exited at start (${child.exitCode ?? child.signalCode}): port taken?`);
      const pid = await redisPid(this.port);
      if (pid === child.pid) return;
      if (pid !== undefined) {
        await this.crash();
        throw new Error(`port ${this.port} is answered by another redis-server (pid ${pid}), not the private one (pid ${child.pid})`);
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    await this.crash();
    throw new Error(`private redis-server on ${this.port} did not start`);
  }

  /** SIGKILL: no graceful shutdown, no final save. */
  async crash(): Promise<void> {
    const child = this.process;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.crash();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** `create` and `destroy` for the conformance suites: each store on a key prefix of its own, its keys deleted once it is closed. */
export function prefixedStores(): { create: () => RedisStore; destroy: (store: StateStore) => Promise<void>; dropBlobs: (store: StateStore, runId: string) => Promise<void>; corruptRun: (store: StateStore, runId: string) => Promise<void> } {
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
    // The run's blob hash (`blobs:<id>`), gone as after a partial restore.
    dropBlobs: async (store, runId) => {
      const redis = new Redis(REDIS_URL, { lazyConnect: true });
      try {
        await redis.del(`${prefixes.get(store)!}blobs:${runId}`);
      } finally {
        redis.disconnect();
      }
    },
    // The run hash's static part, overwritten with text that does not parse.
    corruptRun: async (store, runId) => {
      const redis = new Redis(REDIS_URL, { lazyConnect: true });
      try {
        await redis.hset(`${prefixes.get(store)!}run:${runId}`, 'static', '{not json');
      } finally {
        redis.disconnect();
      }
    },
  };
}
