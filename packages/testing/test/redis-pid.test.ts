import { createServer, type Server } from 'node:net';
import { describe, expect, it } from 'vitest';
import { redisPid, reservedPort } from '../src/index.js';

const listen = (onConnection: (socket: import('node:net').Socket) => void) => new Promise<Server>((resolve, reject) => {
  const server = createServer(onConnection);
  server.once('error', reject);
  server.listen(0, '127.0.0.1', () => resolve(server));
});
const portOf = (server: Server) => (server.address() as { port: number }).port;
const close = (server: Server) => new Promise((resolve) => server.close(resolve));

describe('redisPid', () => {
  it('is undefined when nothing listens on the port', async () => {
    expect(await redisPid(await reservedPort())).toBeUndefined();
  });

  it('is undefined for a server that answers an error, hangs up, or sends no pid', async () => {
    for (const reply of ['-ERR unknown command\r\n', '', '$5\r\nhello\r\n']) {
      const server = await listen((socket) => {
        socket.on('data', () => (reply ? socket.end(reply) : socket.destroy()));
        socket.on('error', () => undefined);
      });
      try {
        expect(await redisPid(portOf(server))).toBeUndefined();
      } finally {
        await close(server);
      }
    }
  });

  it('reads process_id from a bulk reply that arrives in pieces', async () => {
    const text = '# Server\r\nredis_version:7.0.15\r\nprocess_id:4242\r\ntcp_port:1\r\n';
    const server = await listen((socket) => {
      socket.on('data', () => {
        const reply = `$${Buffer.byteLength(text)}\r\n${text}\r\n`;
        socket.write(reply.slice(0, 3));
        setImmediate(() => socket.write(reply.slice(3, 30), () => setImmediate(() => socket.write(reply.slice(30)))));
      });
      socket.on('error', () => undefined);
    });
    try {
      expect(await redisPid(portOf(server))).toBe(4242);
    } finally {
      await close(server);
    }
  });
});
