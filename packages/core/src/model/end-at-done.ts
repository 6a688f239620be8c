/** How much of a line decides what it is (`data: [DONE]` is 12 characters, `event: thread.` 14). */
const HEAD = 16;
/** A chunk holds the end of an `event: thread.…` line (see `endAtDone`). */
const REFUSE = -2;
const LF = 10;
const CR = 13;
/** Ends the `[DONE]` event (whatever line break ended its line: `\n`, `\r\n` or a lone `\r`). */
const BLANK_LINE = new Uint8Array([LF, LF]);

/**
 * An SSE body that ends after the `data: [DONE]` event, as the SDK reads it (an event whose first
 * `data` value starts with `[DONE]`; line breaks `\n`, `\r\n`, `\r`), and closes the connection.
 * The `openai` SDK keeps reading after `[DONE]` — ignoring what comes — until the server closes
 * the body, so a server or proxy that keeps the connection open after it held a finished answer
 * until the call's idle timeout, and one that kept sending failed it at `maxResponseBytes`.
 */
export function endAtDone(body: ReadableStream<Uint8Array>): ReadableStream<Uint8Array> {
  const reader = body.getReader();
  let head = '';
  let eventHasData = false;
  /** The last chunk ended with `\r`: a `\n` first in the next one belongs to that line break. */
  let skipLF = false;

  /** A line ended (its first `HEAD` characters in `head`): the `[DONE]` line (1), an `event: thread.…` line (REFUSE), else 0. */
  const endLine = (): number => {
    const line = head;
    head = '';
    if (line === '') {
      eventHasData = false; // a blank line dispatches the event
      return 0;
    }
    const colon = line.indexOf(':');
    if (colon === 0) return 0; // a comment
    const field = colon < 0 ? line : line.slice(0, colon);
    const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
    if (field === 'event') return value.startsWith('thread.') ? REFUSE : 0;
    if (field !== 'data') return 0;
    const done = !eventHasData && value.startsWith('[DONE]');
    eventHasData = true;
    return done ? 1 : 0;
  };

  /** The offset just after the `[DONE]` line's break in `chunk`, -1 when it has none, REFUSE for an `event: thread.…` line. */
  const scan = (chunk: Uint8Array): number => {
    let at = 0;
    if (skipLF) {
      skipLF = false;
      if (chunk[0] === LF) at = 1;
    }
    let lf = chunk.indexOf(LF, at);
    let cr = chunk.indexOf(CR, at);
    while (at < chunk.length) {
      const brk = lf < 0 ? cr : cr < 0 ? lf : Math.min(lf, cr);
      const end = brk < 0 ? chunk.length : brk;
      if (head.length < HEAD) head += String.fromCharCode(...chunk.subarray(at, Math.min(end, at + HEAD - head.length)));
      if (brk < 0) return -1;
      let after = brk + 1;
      if (chunk[brk] === CR) {
        if (after === chunk.length) skipLF = true;
        else if (chunk[after] === LF) after++;
      }
      const line = endLine();
      if (line === REFUSE) return REFUSE;
      if (line === 1) return after;
      at = after;
      if (lf >= 0 && lf < at) lf = chunk.indexOf(LF, at);
      if (cr >= 0 && cr < at) cr = chunk.indexOf(CR, at);
    }
    return -1;
  };

  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      let next: Awaited<ReturnType<typeof reader.read>>;
      try {
        next = await reader.read();
      } catch (error) {
        controller.error(error);
        return;
      }
      if (next.done) {
        controller.close();
        return;
      }
      const cut = scan(next.value);
      if (cut === REFUSE) {
        // Chat Completions streams name no events; the SDK reads an Assistants `thread.*` event
        // apart and, when its data is not JSON, prints that data (server text, up to the body
        // limit) with `console.error` before failing — the stream fails here instead, unprinted.
        controller.error(new Error('the stream sent an Assistants API "thread." event, which a Chat Completions stream never holds'));
        reader.cancel().catch(() => undefined);
        return;
      }
      if (cut < 0) {
        controller.enqueue(next.value);
        return;
      }
      controller.enqueue(next.value.subarray(0, cut));
      controller.enqueue(BLANK_LINE);
      controller.close();
      // Closes the connection: whatever the server sends after [DONE] is not read.
      reader.cancel().catch(() => undefined);
    },
    cancel(reason) {
      return reader.cancel(reason);
    },
  }, { highWaterMark: 0 });
}

/**
 * A streamed (`text/event-stream`) answer whose body ends after `data: [DONE]` (OpenAI's and
 * OpenAI-compatible servers' last event) and whose connection is closed there; other responses
 * unchanged. For an SDK's `fetch`: `async (url, init) => endStreamAtDone(await fetch(url, init))`.
 */
export function endStreamAtDone(response: Response): Response {
  if (!response.ok || !response.body || !/^\s*text\/event-stream\s*(?:;|$)/i.test(response.headers.get('content-type') ?? '')) return response;
  const ended = new Response(endAtDone(response.body), { status: response.status, statusText: response.statusText, headers: response.headers });
  // Kept for SDK logs and error messages (a constructed Response has an empty url).
  Object.defineProperty(ended, 'url', { value: response.url });
  return ended;
}
