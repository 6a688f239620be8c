import { connect } from 'node:net';

/**
 * The pid of the redis-server answering on `127.0.0.1:port` (the `process_id` of its `INFO
 * server`), or undefined when none answers: nothing listens, the connection is not made within
 * 2 s, or the reply is an error or names no pid. One connection, no retries. Tests that start a
 * private redis-server on a `reservedPort` use it to check that their own process answers there.
 * Speaks the Redis protocol itself, so `@agentrt/testing` needs no Redis client.
 */
export function redisPid(port: number): Promise<number | undefined> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    let buffer = Buffer.alloc(0);
    const finish = (pid: number | undefined) => {
      socket.destroy();
      resolve(pid);
    };
    socket.setTimeout(2_000, () => finish(undefined)); // the connect timeout; cleared once connected
    socket.once('connect', () => {
      socket.setTimeout(0);
      socket.write('*2\r\n$4\r\nINFO\r\n$6\r\nserver\r\n');
    });
    socket.on('error', () => finish(undefined));
    socket.on('close', () => finish(undefined));
    socket.on('data', (chunk: Buffer) => {
      buffer = Buffer.concat([buffer, chunk]);
      const header = buffer.indexOf('\r\n');
      if (header < 0) return;
      // A bulk string: `$<length>\r\n<text>\r\n`; anything else (an error reply) names no pid.
      if (buffer[0] !== 0x24) return finish(undefined);
      const length = Number(buffer.subarray(1, header).toString());
      if (!Number.isInteger(length) || length < 0) return finish(undefined);
      if (buffer.length < header + 2 + length) return;
      const text = buffer.subarray(header + 2, header + 2 + length).toString();
      finish(Number(/process_id:(\d+)/.exec(text)?.[1]) || undefined);
    });
  });
}
