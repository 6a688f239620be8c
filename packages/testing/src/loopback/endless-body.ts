/** What `endlessBody` reports while (and after) the server sends. */
export interface EndlessBody {
  /** For `RawResponse.body`: `head`, then frames without end, until the client closes the connection. */
  readonly body: Iterable<string>;
  /** Bytes handed to the server so far (UTF-8). */
  readonly sent: number;
  /** The highest `heapUsed + external` (bytes) of this process seen while sending, sampled once per piece. */
  readonly peakMemory: number;
  /** Resolves once the server stopped sending (the client closed the connection). */
  readonly stopped: Promise<void>;
}

/**
 * A body that never ends, for a provider that keeps sending: `head` once, then `frame(0)`,
 * `frame(1)`, … batched into pieces of about `pieceBytes` (default 64 KiB). The server writes it
 * as fast as the client reads; the client must cut it off. The loopback server runs in the test's
 * process, so `peakMemory` shows what the client held meanwhile.
 *
 * @example
 * ```ts
 * const endless = endlessBody({ frame: () => 'data: {"choices":[]}\n\n' });
 * await using server = await startOpenAIServer([{ raw: { body: endless.body } }]);
 * ```
 */
export function endlessBody(input: { head?: string; frame: (index: number) => string; pieceBytes?: number }): EndlessBody {
  const pieceBytes = input.pieceBytes ?? 64 * 1024;
  let sent = 0;
  let peakMemory = 0;
  let stop!: () => void;
  const stopped = new Promise<void>((resolve) => (stop = resolve));
  const sample = () => {
    const usage = process.memoryUsage();
    peakMemory = Math.max(peakMemory, usage.heapUsed + usage.external);
  };
  function* frames(): Generator<string> {
    try {
      if (input.head) {
        sent += Buffer.byteLength(input.head);
        yield input.head;
      }
      for (let index = 0; ; ) {
        let piece = '';
        while (piece.length < pieceBytes) piece += input.frame(index++);
        sample();
        sent += Buffer.byteLength(piece);
        yield piece;
      }
    } finally {
      sample();
      stop();
    }
  }
  return {
    body: { [Symbol.iterator]: frames },
    get sent() {
      return sent;
    },
    get peakMemory() {
      return peakMemory;
    },
    stopped,
  };
}
