// The private redis-server of the nemesis tests (faults, kill-replay) must be the server the test
// talks to. Its port used to come from listen(0), closed before redis-server bound it, and was left
// unbound again by every crash before a restart: meanwhile any listen(0) or outgoing connection of
// the tests running in parallel could draw it. These force that race by binding the port first.
import { createServer, type Server } from 'node:net';
import { describe, expect, it } from 'vitest';
import { redisPid, reservedPort } from '@agentrt/testing';
import { PrivateRedis } from './redis-helpers.js';

const occupy = (port: number) => new Promise<Server>((resolve, reject) => {
  const server = createServer((socket) => socket.destroy());
  server.once('error', reject);
  server.listen(port, '127.0.0.1', () => resolve(server));
});
const close = (server: Server) => new Promise((resolve) => server.close(resolve));

describe('PrivateRedis (nemesis helper)', () => {
  it('starts on another port when its first port was taken between the choice and the bind', async () => {
    const taken = await reservedPort();
    const squatter = await occupy(taken);
    try {
      const ports = [taken];
      await using redis = await PrivateRedis.start([], async () => ports.shift() ?? reservedPort());
      expect(redis.port).not.toBe(taken);
      expect(await redisPid(redis.port)).toBeGreaterThan(0);
    } finally {
      await close(squatter);
    }
  });

  it('refuses to restart on its port when another redis-server took it while it was down, instead of handing that one to the test', async () => {
    await using ours = await PrivateRedis.start();
    const pid = await redisPid(ours.port);
    await ours.crash();
    // Another server binds the crashed server's port (here by number; a listen(0) could draw it too).
    await using other = await PrivateRedis.start([], async () => ours.port);
    const foreign = await redisPid(ours.port);
    expect(foreign).toBeGreaterThan(0);
    expect(foreign).not.toBe(pid);
    await expect(ours.restart()).rejects.toThrow(/another redis-server/);
    expect(await redisPid(other.port)).toBe(foreign);
  });

  it('draws its ports below the ephemeral range, which listen(0) and outgoing connections never use', async () => {
    const [low] = (await import('node:fs')).readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
    for (let i = 0; i < 20; i++) expect(await reservedPort()).toBeLessThan(low!);
  });
});
