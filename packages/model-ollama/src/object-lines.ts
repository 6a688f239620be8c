const isObject = (value: unknown) => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * The lines of an NDJSON body that are JSON objects, each ended by `\n`; every other line (a
 * blank, `null`, a number, an array, an HTML page, broken JSON) is dropped. The `ollama` client
 * throws a `TypeError` at a line that is not an object (`"error" in null`), failing a stream that
 * already produced output, and writes each line it cannot parse to `console.warn` — text a server
 * chooses, terminal escapes included, as much of it as it likes.
 */
export function objectLinesOnly(body: ReadableStream<Uint8Array>): ReadableStream<Uint8Array> {
  let rest = '';
  const keep = (line: string, controller: TransformStreamDefaultController<string>) => {
    const text = line.trim();
    if (!text.startsWith('{')) return;
    try {
      if (isObject(JSON.parse(text))) controller.enqueue(`${text}\n`);
    } catch {
      // not JSON: dropped
    }
  };
  return body
    .pipeThrough(new TextDecoderStream())
    .pipeThrough(new TransformStream<string, string>({
      transform(chunk, controller) {
        let at = chunk.indexOf('\n');
        if (at < 0) {
          rest += chunk;
          return;
        }
        keep(rest + chunk.slice(0, at), controller);
        let from = at + 1;
        while ((at = chunk.indexOf('\n', from)) >= 0) {
          keep(chunk.slice(from, at), controller);
          from = at + 1;
        }
        rest = chunk.slice(from);
      },
      flush(controller) {
        keep(rest, controller);
      },
    }))
    .pipeThrough(new TextEncoderStream());
}

/** An NDJSON answer (`application/x-ndjson`) whose body keeps its object lines only (see `objectLinesOnly`); other responses unchanged. */
export function keepObjectLines(response: Response): Response {
  if (!response.ok || !response.body || !/^\s*application\/(?:x-)?ndjson\s*(?:;|$)/i.test(response.headers.get('content-type') ?? '')) return response;
  const kept = new Response(objectLinesOnly(response.body), { status: response.status, statusText: response.statusText, headers: response.headers });
  Object.defineProperty(kept, 'url', { value: response.url });
  return kept;
}
