import { spawn, type ChildProcess } from 'node:child_process';
import { redisPid, waitFor } from '@agentrt/testing';
import { Redis } from 'ioredis';

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
