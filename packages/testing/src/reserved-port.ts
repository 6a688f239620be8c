import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

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
 * A loopback port nobody listens on now, drawn below the kernel's ephemeral range, for a server a
 * test starts later (and may crash and restart on the same port). A port from `listen(0)`, closed
 * and handed to such a server, can meanwhile be drawn by any other `listen(0)` or outgoing
 * connection on the machine (test files run in parallel; even a client reconnecting to it, which
 * then connects to itself); those draw only from the ephemeral range, so a port below it stays the
 * test's unless someone binds it by number — check which server answers after starting one.
 */
export async function reservedPort(): Promise<number> {
  const low = 10_000;
  for (let i = 0; i < 100 && EPHEMERAL_LOW - low > 1_000; i++) {
    const port = low + Math.floor(Math.random() * (EPHEMERAL_LOW - low));
    if (await canListen(port)) return port;
  }
  throw new Error(`no free loopback port below the ephemeral range (${EPHEMERAL_LOW})`);
}
