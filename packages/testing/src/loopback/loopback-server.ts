import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** A model answer, in provider-neutral terms; each server renders it in its wire format. */
export interface ScriptedReply {
  readonly text?: string;
  /** `args` may be an object or raw (even malformed) JSON text, where the provider's format allows it. */
  readonly toolCalls?: readonly { readonly id?: string; readonly name: string; readonly args: unknown }[];
  readonly finishReason?: 'stop' | 'tool_calls' | 'length' | 'content_filter';
  readonly usage?: { readonly inputTokens: number; readonly outputTokens: number };
  /**
   * Reasoning produced before the answer. Rendered only where the provider returns reasoning and
   * the request enabled it: Anthropic `thinking` / `redacted_thinking` blocks (with `thinking`
   * enabled), Ollama `message.thinking` (with `think`). OpenAI Chat Completions returns none.
   */
  readonly reasoning?: readonly ScriptedReplyReasoning[];
  /** OpenAI only: a Structured Outputs refusal (`message.refusal`, streamed as `delta.refusal`) in place of content. */
  readonly refusal?: string;
}

/** One reasoning block of a scripted reply. */
export interface ScriptedReplyReasoning {
  readonly text?: string;
  /**
   * Anthropic only. Omitted: the server signs the block, and later requests must send it back
   * unchanged (a changed text or signature gets the provider's 400). `null`: the block arrives
   * without a signature, as from a broken provider or proxy. A string: sent as given.
   */
  readonly signature?: string | null;
  /** Anthropic only: a `redacted_thinking` block whose opaque, server-verifiable `data` must come back unchanged. */
  readonly redacted?: boolean;
}

/** What a request asked of the provider, read from its wire format (for provider-neutral assertions). */
export interface WireSummary {
  /** The output-token limit the body carries (`max_completion_tokens`, `max_tokens`, `options.num_predict`). */
  readonly maxOutputTokens?: number;
  /** The JSON schema the body asks the provider to follow natively, if any. */
  readonly outputSchema?: unknown;
  /** Whether the body enables reasoning (Anthropic `thinking`, Ollama `think`). */
  readonly reasoning: boolean;
}

/**
 * One scripted exchange. Requests that fail validation get the provider's 400 without consuming a step.
 * A `reply` may be computed from the (valid) request body — e.g. usage counted from what was sent,
 * output within the request's limit (`wire.inspect(body).maxOutputTokens`).
 */
export type LoopbackStep =
  | {
    readonly reply: ScriptedReply | ((body: unknown) => ScriptedReply);
    readonly delayMs?: number;
    /** Stream only: destroy the socket after this many events. */
    readonly cutStreamAfter?: number;
    /**
     * Send the 200 headers and this many stream events (for a reply that is not streamed: the
     * headers alone), then nothing more; the connection stays open until the client gives up.
     */
    readonly stallAfter?: number;
  }
  | { readonly status: number; readonly headers?: Readonly<Record<string, string>>; readonly message?: string; readonly delayMs?: number }
  | { readonly hang: true }
  | { readonly reset: true }
  /** Sends these bytes as they are, after the request passed validation: a hostile or broken provider's answer. */
  | { readonly raw: RawResponse }
  /** Decided when the request arrives (e.g. 429 while a rate-limit storm lasts, then a reply). */
  | { readonly respond: (request: RecordedRequest) => LoopbackStep };

/**
 * A response written byte for byte (a malformed stream, an HTML error page, a body split inside a
 * UTF-8 character). Status 200 and the flavour's stream content type unless given.
 */
export interface RawResponse {
  readonly status?: number;
  readonly headers?: Readonly<Record<string, string>>;
  /**
   * The body, written piece by piece (a tick apart), each piece cut further into `splitBytes`-byte
   * writes when set. An iterable may be endless (a generator): pieces are written as the client
   * reads them (backpressure), until it closes the connection — the generator is then returned,
   * so its `finally` runs. A provider that never stops sending.
   */
  readonly body: string | Iterable<string | Uint8Array> | AsyncIterable<string | Uint8Array>;
  /** Write the body this many bytes at a time (1: every byte alone, inside `data:` and inside multibyte characters). */
  readonly splitBytes?: number;
  /** After the body: `end` (default) closes the response, `stall` keeps the connection open and silent, `reset` destroys the socket. */
  readonly then?: 'end' | 'stall' | 'reset';
}

/** A request as the server saw it. */
export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: IncomingMessage['headers'];
  readonly body: unknown;
  /** Set when the server rejected the request as the provider would (status and message). */
  readonly rejected?: { status: number; message: string };
}

/** A provider-specific error to send back. */
export interface WireError {
  readonly status: number;
  readonly message: string;
  readonly headers?: Readonly<Record<string, string>>;
}

/** What a provider flavour implements. */
export interface ProviderWire {
  readonly name: string;
  /** Returns an error when the request is not acceptable to the real provider. */
  validate(request: { method: string; path: string; headers: IncomingMessage['headers']; body: unknown }): WireError | undefined;
  /** Whether this request asks for a stream. */
  wantsStream(body: unknown): boolean;
  /** Full (non-streamed) response body. */
  render(reply: ScriptedReply, body: unknown): unknown;
  /** Stream frames (already framed: SSE lines or NDJSON lines). */
  renderStream(reply: ScriptedReply, body: unknown): string[];
  /** Response content type for streams. */
  readonly streamContentType: string;
  /** The provider's error body for a status. */
  errorBody(error: WireError): unknown;
  /** Reads what a (valid) request body asked for; conformance suites use it. */
  inspect?(body: unknown): WireSummary;
  /** The provider's limit on a request body (bytes): a larger one gets this error (e.g. Anthropic's 413 `request_too_large` past 32 MB). */
  readonly maxRequest?: { readonly bytes: number; readonly error: WireError };
}

/** A running loopback provider server. */
export interface LoopbackServer extends AsyncDisposable {
  /** Base URL (`http://127.0.0.1:PORT`); adapters add their own path prefix. */
  readonly url: string;
  /** Every request received, including rejected ones: count HTTP attempts with it. */
  readonly requests: RecordedRequest[];
  /** The provider flavour this server speaks. */
  readonly wire: ProviderWire;
  /** Appends scripted steps. */
  push(...steps: LoopbackStep[]): void;
  /** Steps not consumed yet. */
  readonly pending: number;
  close(): Promise<void>;
}

/** Reads a request body as text. */
export const readBody = (request: IncomingMessage) =>
  new Promise<string>((resolve, reject) => {
    let text = '';
    request.setEncoding('utf8');
    request.on('data', (chunk: string) => (text += chunk));
    request.on('end', () => resolve(text));
    request.on('error', reject);
  });

/** Starts a provider server on 127.0.0.1, port 0. */
export async function startLoopbackServer(wire: ProviderWire, steps: readonly LoopbackStep[] = []): Promise<LoopbackServer> {
  const script: LoopbackStep[] = [...steps];
  const requests: RecordedRequest[] = [];
  const sockets = new Set<Socket>();
  const sendError = (response: ServerResponse, error: WireError) => {
    response.writeHead(error.status, { 'content-type': 'application/json', ...error.headers });
    response.end(JSON.stringify(wire.errorBody(error)));
  };
  const server = createServer(async (request, response) => {
    const text = await readBody(request);
    let body: unknown;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      body = undefined;
    }
    const base = { method: request.method ?? 'GET', path: request.url ?? '/', headers: request.headers, body };
    const invalid = wire.maxRequest && Buffer.byteLength(text) > wire.maxRequest.bytes ? wire.maxRequest.error
      : body === undefined && text ? { status: 400, message: 'the request body is not valid JSON' } : wire.validate(base);
    if (invalid) {
      requests.push({ ...base, rejected: { status: invalid.status, message: invalid.message } });
      sendError(response, invalid);
      return;
    }
    requests.push(base);
    let step = script.shift();
    while (step && 'respond' in step) step = step.respond(base);
    if (!step) {
      sendError(response, { status: 500, message: 'loopback script exhausted: no response was scripted for this request' });
      return;
    }
    if ('hang' in step) return; // never answers: the client's timeout must fire
    if ('reset' in step) {
      request.socket.destroy();
      return;
    }
    if ('raw' in step) {
      await writeRaw(response, step.raw, wire.streamContentType);
      return;
    }
    if (step.delayMs) await new Promise((resolve) => setTimeout(resolve, step.delayMs));
    if ('status' in step) {
      sendError(response, { status: step.status, message: step.message ?? `scripted ${step.status}`, ...(step.headers ? { headers: step.headers } : {}) });
      return;
    }
    const reply = typeof step.reply === 'function' ? step.reply(body) : step.reply;
    if (!wire.wantsStream(body)) {
      response.writeHead(200, { 'content-type': 'application/json' });
      if (step.stallAfter !== undefined) {
        response.flushHeaders();
        return;
      }
      response.end(JSON.stringify(wire.render(reply, body)));
      return;
    }
    response.writeHead(200, { 'content-type': wire.streamContentType, 'cache-control': 'no-cache', connection: 'keep-alive' });
    const frames = wire.renderStream(reply, body);
    for (const [index, frame] of frames.entries()) {
      if (step.cutStreamAfter !== undefined && index >= step.cutStreamAfter) {
        request.socket.destroy();
        return;
      }
      if (step.stallAfter !== undefined && index >= step.stallAfter) {
        if (index === 0) response.flushHeaders();
        return;
      }
      response.write(frame);
      await new Promise((resolve) => setImmediate(resolve));
    }
    response.end();
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const close = async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    wire,
    push: (...more) => void script.push(...more),
    get pending() {
      return script.length;
    },
    close,
    [Symbol.asyncDispose]: close,
  };
}

/** Writes a `RawResponse`, a tick between writes so the client reads the pieces apart. */
async function writeRaw(response: ServerResponse, raw: RawResponse, contentType: string): Promise<void> {
  response.writeHead(raw.status ?? 200, { 'content-type': contentType, ...raw.headers });
  response.flushHeaders();
  const pieces = typeof raw.body === 'string' ? [raw.body] : raw.body;
  const size = raw.splitBytes !== undefined && raw.splitBytes >= 1 ? Math.floor(raw.splitBytes) : Infinity;
  for await (const piece of pieces) {
    const bytes = typeof piece === 'string' ? Buffer.from(piece, 'utf8') : piece;
    for (let at = 0; at < bytes.length; at += size) {
      if (response.destroyed) return;
      if (!response.write(bytes.subarray(at, Math.min(bytes.length, at + size)))) await drained(response);
      else await new Promise((resolve) => setImmediate(resolve));
    }
  }
  if (raw.then === 'stall') return;
  if (raw.then === 'reset') response.socket?.destroy();
  else response.end();
}

/** Resolves when a response can take more bytes, or when its connection closed. */
const drained = (response: ServerResponse) =>
  new Promise<void>((resolve) => {
    if (response.destroyed) return resolve();
    const done = () => {
      response.off('drain', done);
      response.off('close', done);
      resolve();
    };
    response.on('drain', done);
    response.on('close', done);
  });

/** Splits text into stream pieces of `size` characters. */
export const pieces = (text: string, size = 8): string[] => {
  const out: string[] = [];
  for (let i = 0; i < text.length; i += size) out.push(text.slice(i, i + size));
  return out;
};

/** Raw JSON text of scripted args (strings are sent verbatim, even when malformed). */
export const argsText = (args: unknown): string => (typeof args === 'string' ? args : JSON.stringify(args ?? {}));
