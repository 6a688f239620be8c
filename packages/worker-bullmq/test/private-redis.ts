import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { waitFor } from '@agentrt/testing';
import { Redis } from 'ioredis';

/** A loopback TCP port free at the time of asking. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
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
 * A private redis-server on `port` with the given extra arguments, stopped by its own pid (the stop
 * is handed to `onCleanup`); resolves once it answers PING.
 */
export async function startPrivateRedis(port: number, args: readonly string[], onCleanup: (stop: () => void) => void, options: { bin?: string; timeoutMs: number }): Promise<ChildProcess> {
  const child = spawn(options.bin ?? 'redis-server', ['--port', String(port), '--bind', '127.0.0.1', ...args], { stdio: 'ignore' });
  onCleanup(() => { child.kill('SIGKILL'); });
  await waitFor(() => redisAnswers(port), { timeoutMs: options.timeoutMs, intervalMs: 25, message: `the private redis-server on ${port} answers PING` });
  return child;
}
