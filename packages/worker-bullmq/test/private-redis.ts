import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { waitFor } from '@agentrt/testing';
import { Redis } from 'ioredis';

/** The low end of the kernel's ephemeral port range (what `listen(0)` and outgoing connections draw from). */
const EPHEMERAL_LOW = (() => {
  try {
    return Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]) || 32_768;
  } catch {
    return 32_768;
  }
})();

const canListen = (port: number) => new Promise<boolean>((resolve) => {
  const server = createServer();
  server.once('error', () => resolve(false));
  server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
});

/**
 * A loopback port nobody listens on now, drawn below the kernel's ephemeral range. A port from
 * `listen(0)`, closed and handed to redis-server later (and unbound again while it restarts), can
 * meanwhile be drawn by any `listen(0)` or outgoing connection on the machine — even by a client
 * reconnecting to it, which then connects to itself; those draw only from the ephemeral range.
 */
export async function reservedPort(): Promise<number> {
  const low = 10_000;
  for (let i = 0; i < 100 && EPHEMERAL_LOW - low > 1_000; i++) {
    const port = low + Math.floor(Math.random() * (EPHEMERAL_LOW - low));
    if (await canListen(port)) return port;
  }
  throw new Error(`no free loopback port below the ephemeral range (${EPHEMERAL_LOW})`);
}

/** The pid of the Redis server answering on `port` (its INFO), or undefined when none answers. */
export async function redisPid(port: number): Promise<number | undefined> {
  const redis = new Redis({ port, host: '127.0.0.1', lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0, connectTimeout: 2_000 });
  redis.on('error', () => undefined);
  try {
    return Number(/process_id:(\d+)/.exec(await redis.info('server'))?.[1]) || undefined;
  } catch {
    return undefined;
  } finally {
    redis.disconnect();
  }
}

/** True when a Redis server on `port` answers PING (one try, no retries). */
export async function redisAnswers(port: number): Promise<boolean> {
  const redis = new Redis({ port, host: '127.0.0.1', lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0 });
  redis.on('error', () => undefined);
  try {
    return (await redis.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    redis.disconnect();
  }
}

/**
 * A private redis-server on `port` (from `reservedPort`) with the given extra arguments, stopped by
 * its own pid (the stop is handed to `onCleanup`); resolves once this very process answers (its
 * INFO names its pid), and fails at once if it exits or another server answers on the port.
 */
export async function startPrivateRedis(port: number, args: readonly string[], onCleanup: (stop: () => void) => void, options: { bin?: string; timeoutMs: number }): Promise<ChildProcess> {
  const child = spawn(options.bin ?? 'redis-server', ['--port', String(port), '--bind', '127.0.0.1', ...args], { stdio: 'ignore' });
  onCleanup(() => { child.kill('SIGKILL'); });
  await waitFor(async () => {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`the private redis-server on ${port} exited at start (${child.exitCode ?? child.signalCode}): port taken?`);
    const pid = await redisPid(port);
    if (pid !== undefined && pid !== child.pid) throw new Error(`port ${port} is answered by another redis-server (pid ${pid}), not the private one (pid ${child.pid})`);
    return pid === child.pid;
  }, { timeoutMs: options.timeoutMs, intervalMs: 25, message: `the private redis-server on ${port} answers` });
  return child;
}
